"""The CI performance guard (issue 22): a short side-by-side run of flowgate and
the Debian Pushgateway at small sizes that exits 1 when a flowgate/Pushgateway
ratio falls under its floor. The floors, and why each sits where it does, are in
bench/README.md ("The performance guard"); keep the two in step.

Every ratio is "flowgate better by" (above 1 when flowgate wins), so a floor is
a lower bound. A ratio under its floor is measured once more (both servers
again): the guard fails only for a ratio under its floor in both runs, so one
burst of load from another process on a shared machine does not fail it, and a
real regression (under the floor every time) still does.

Run through bench/compare/run --guard (it finds the binaries and the tools).
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import compare  # noqa: E402  (bench/compare/compare.py: servers, wrk, scrapes)
import workload  # noqa: E402

WRK_SECONDS = 3
SPREAD_GROUPS = 1000
SCRAPE_GROUPS = 10  # 10k series
RSS_GROUPS = 100  # 100k series
# flowgate pushes with the Pushgateway's durability (the store saved in the
# background, not an fdatasync per push): with the default fsync per push, the
# push rate is the shared disk's, which another process's writes halve at will.
PUSH_FLAGS = {"flowgate": ["--persistence.sync=interval"], "pushgateway": []}
SCRAPE_MIN_SECONDS = 1.5  # each server is scraped for at least this long (CPU ticks are 10 ms)
SCRAPE_MIN_REPEATS = 5


class GuardSizes:
    """compare.measure_push's sizes at guard length."""
    spread_groups = SPREAD_GROUPS
    wrk_seconds = WRK_SECONDS


class Ratio:
    """One guarded ratio: how to read the figure of a server, and which way is better."""

    def __init__(self, title, unit, figure, higher_is_better, floor):
        self.title, self.unit, self.figure = title, unit, figure
        self.higher_is_better, self.floor = higher_is_better, floor

    def of(self, flowgate, pushgateway):
        ours, theirs = self.figure(flowgate), self.figure(pushgateway)
        numerator, denominator = (ours, theirs) if self.higher_is_better else (theirs, ours)
        return numerator / denominator if denominator > 0 else float("inf")


# The floors: about half of the ratios measured on the 2-core shared machine
# (bench/README.md gives the runs). Raising a floor needs the same evidence.
RATIOS = {
    "push_rps_one": Ratio("push requests/s, one group (wrk -c16; flowgate sync=interval)", "/s",
                          lambda f: f["push"]["one"]["rps"], True, 4.0),
    "push_rps_spread": Ratio(f"push requests/s, {SPREAD_GROUPS:,} groups (wrk -c16; sync=interval)", "/s",
                             lambda f: f["push"]["spread"]["rps"], True, 70.0),
    "push_cpu_one": Ratio("server CPU per push, one group", "µs",
                          lambda f: f["push"]["one"]["cpu_us_per_push"], False, 6.0),
    "push_cpu_spread": Ratio(f"server CPU per push, {SPREAD_GROUPS:,} groups", "µs",
                             lambda f: f["push"]["spread"]["cpu_us_per_push"], False, 90.0),
    "scrape_seconds": Ratio(f"scrape time, {SCRAPE_GROUPS * workload.SERIES_PER_GROUP:,} series text", "ms",
                            lambda f: f["scrape"]["seconds"] * 1000, False, 6.0),
    "scrape_cpu": Ratio(f"server CPU per scrape, {SCRAPE_GROUPS * workload.SERIES_PER_GROUP:,} series text", "ms",
                        lambda f: f["scrape"]["cpu_seconds"] * 1000, False, 8.0),
    "rss_per_series": Ratio(f"RSS per series at {RSS_GROUPS * workload.SERIES_PER_GROUP:,} series", "B",
                            lambda f: f["rss_per_series"], False, 1.3),
}


# ---------------------------------------------------------------- measurements

def expect_series(server, expected):
    series = compare.stored_series(server)
    if series != expected:
        raise RuntimeError(f"{server.name}: {series} stored series after loading, expected {expected}")


def measure_scrape(kind, binary, work):
    """Median wall seconds and mean server CPU seconds of a text scrape of SCRAPE_GROUPS groups."""
    server, _ = compare.start(kind, os.path.join(work, f"{kind}-scrape.db"), (), binary)
    try:
        compare.push_all(server, workload.stored_groups(0, SCRAPE_GROUPS))
        expect_series(server, SCRAPE_GROUPS * workload.SERIES_PER_GROUP)  # also the warm-up scrape
        samples, cpu_before, began = [], compare.cpu_seconds(server), time.monotonic()
        while len(samples) < SCRAPE_MIN_REPEATS or time.monotonic() - began < SCRAPE_MIN_SECONDS:
            samples.append(compare.scrape_once(server, {})[0])
        cpu = (compare.cpu_seconds(server) - cpu_before) / len(samples)
    finally:
        compare.stop(server)
    return {"seconds": statistics.median(samples), "cpu_seconds": cpu, "repeats": len(samples)}


def measure_rss(kind, binary, work):
    """RSS per series after loading RSS_GROUPS groups into a server that started empty (as compare.py)."""
    server, _ = compare.start(kind, os.path.join(work, f"{kind}-rss.db"), ["--push.disable-consistency-check"],
                              binary)
    try:
        empty = compare.rss_bytes(server)
        compare.push_all(server, workload.stored_groups(0, RSS_GROUPS))
        time.sleep(1.0)  # the Pushgateway applies pushes asynchronously
        loaded = compare.rss_bytes(server)
        expect_series(server, RSS_GROUPS * workload.SERIES_PER_GROUP)
    finally:
        compare.stop(server)
    return (loaded - empty) / (RSS_GROUPS * workload.SERIES_PER_GROUP)


def measure(binary):
    """Every guarded figure of both servers, one server at a time."""
    figures = {}
    work = tempfile.mkdtemp(prefix="flowgate-guard-")
    try:
        for kind in compare.KINDS:
            print(f"# guard: {kind}", file=sys.stderr, flush=True)
            figures[kind] = {"push": compare.measure_push(kind, GuardSizes, binary, work, PUSH_FLAGS[kind]),
                             "scrape": measure_scrape(kind, binary, work),
                             "rss_per_series": measure_rss(kind, binary, work)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


# ---------------------------------------------------------------- verdict

def failures(figures, scale):
    """{key: message} of every ratio under its floor (times scale)."""
    found = {}
    for key, ratio in RATIOS.items():
        floor = ratio.floor * scale
        value = ratio.of(figures["flowgate"], figures["pushgateway"])
        if value < floor:
            found[key] = (f"{ratio.title}: flowgate/Pushgateway ratio {value:,.2f}× is under its floor "
                          f"{floor:,.2f}× (flowgate {ratio.figure(figures['flowgate']):,.2f} {ratio.unit}, "
                          f"Pushgateway {ratio.figure(figures['pushgateway']):,.2f} {ratio.unit})")
    return found


def table(figures, scale):
    rows = ["| guarded ratio | flowgate | Pushgateway | flowgate better by | floor |", "|---|---|---|---|---|"]
    for ratio in RATIOS.values():
        ours, theirs = ratio.figure(figures["flowgate"]), ratio.figure(figures["pushgateway"])
        value = ratio.of(figures["flowgate"], figures["pushgateway"])
        verdict = "" if value >= ratio.floor * scale else " UNDER"
        rows.append(f"| {ratio.title} | {ours:,.2f} {ratio.unit} | {theirs:,.2f} {ratio.unit} | "
                    f"{value:,.2f}× | {ratio.floor * scale:,.2f}×{verdict} |")
    return "\n".join(rows)


def run_guard(measure_once, scale, attempts=2):
    """Measures, and measures again while some ratio is under its floor; returns the exit status."""
    still_under = None
    for attempt in range(1, attempts + 1):
        figures = measure_once()
        print(f"attempt {attempt}:\n{table(figures, scale)}", flush=True)
        under = failures(figures, scale)
        still_under = under if still_under is None else {k: v for k, v in under.items() if k in still_under}
        if not still_under:
            print("guard: every ratio is at or above its floor")
            return 0
    for message in still_under.values():
        print(f"guard FAILED (in {attempts} runs): {message}", file=sys.stderr)
    return 1


# ---------------------------------------------------------------- self-test

def _synthetic(rps, cpu_us, scrape_seconds, rss):
    summary = {"rps": rps, "cpu_us_per_push": cpu_us}
    return {"push": {"one": summary, "spread": summary},
            "scrape": {"seconds": scrape_seconds, "cpu_seconds": scrape_seconds}, "rss_per_series": rss}


def self_test():
    """Proves the verdict without servers: a run far above every floor passes, a
    run whose push CPU ratio has sunk to half its floor fails and names it, its
    floor and both figures. Returns the exit status."""
    floor = RATIOS["push_cpu_one"].floor
    healthy = {"flowgate": _synthetic(200000, 9, 0.0004, 10), "pushgateway": _synthetic(200, 9000, 0.04, 1000)}
    sunk = {"flowgate": _synthetic(200000, 9000 / (floor / 2), 0.0004, 10), "pushgateway": healthy["pushgateway"]}
    problems = []
    if failures(healthy, 1.0):
        problems.append(f"healthy figures failed: {failures(healthy, 1.0)}")
    found = failures(sunk, 1.0)
    message = found.get("push_cpu_one", "")
    for part in ("server CPU per push, one group", f"ratio {floor / 2:,.2f}×", f"floor {floor:,.2f}×",
                 f"flowgate {9000 / (floor / 2):,.2f} µs", "Pushgateway 9,000.00 µs"):
        if part not in message:
            problems.append(f"the failure message lacks {part!r}: {message!r}")
    calls = []
    status = run_guard(lambda: calls.append(1) or sunk, 1.0)
    if status != 1 or len(calls) != 2:
        problems.append(f"a ratio under its floor twice gave status {status} after {len(calls)} runs (want 1 after 2)")
    runs = iter((sunk, healthy))
    if run_guard(lambda: next(runs), 1.0) != 0:
        problems.append("a ratio under its floor once, then above it, failed the guard")
    for problem in problems:
        print(f"self-test: {problem}", file=sys.stderr)
    print("self-test: " + ("FAILED" if problems else "the verdict passes, fails and names what it should"))
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flowgate", help="flowgate binary")
    parser.add_argument("--floor-scale", type=float, default=1.0,
                        help="multiplies every floor (default 1); e.g. 100 shows the failure path")
    parser.add_argument("--self-test", action="store_true", help="check the verdict on made-up figures; no servers")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not args.flowgate:
        parser.error("--flowgate is required")
    if args.floor_scale < 1.0:
        print(f"guard: note --floor-scale {args.floor_scale:g} lowers every floor", file=sys.stderr)
    return run_guard(lambda: measure(args.flowgate), args.floor_scale)


if __name__ == "__main__":
    sys.exit(main())
