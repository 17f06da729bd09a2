"""Cost curves (issue 22, goal 3): flowgate and the Debian Pushgateway at growing
store sizes and growing numbers of concurrent pushers, one server at a time on
127.0.0.1. Per-push cost should stay flat as the store and the pushers grow,
per-scrape cost should grow linearly with the series: the report prints the
cost per push and per series so a step stands out.

Run through bench/curves/run (that is bench/compare/run --curves: it finds the
binaries and the tools). The servers, the bodies and the wrk script are
bench/compare's (compare.py, workload.py, push.lua); see bench/README.md
"Cost curves".
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compare"))

import compare  # noqa: E402  (bench/compare/compare.py: servers, wrk, scrapes)
import workload  # noqa: E402

SIZES = {"1k": 1000, "2k": 2000, "10k": 10000, "100k": 100000, "1M": 1000000, "10M": 10000000}
FORMATS = (("text", {}), ("gzip", {"Accept-Encoding": "gzip"}),
           ("protobuf", {"Accept": "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
                                   "encoding=delimited"}),
           ("openmetrics", {"Accept": compare.OPENMETRICS}))
PUSH_GROUPS = 100  # the pushes walk 100 small groups of ~13 series each, beside the stored ones
PER_IP_CAP = 64  # flowgate's default --web.max-connections-per-ip
STEP = 1.5  # a per-push or per-series cost this many times its neighbour's is reported as a step


class Plan:
    """What one run measures."""

    def __init__(self, args):
        self.sizes = sorted(SIZES[s] for s in args.sizes.split(","))
        self.pushers = [int(n) for n in args.pushers.split(",")]
        self.wrk_seconds = args.wrk_seconds
        self.scrape_seconds = args.scrape_seconds
        self.pushgateway_max_series = args.pushgateway_max_series
        self.flowgate_flags = args.flowgate_flag or []
        self.group_series = args.group_series
        self.notes = []
        if self.group_series != workload.SERIES_PER_GROUP:
            # 1M groups: over flowgate's default quota of 100,000 groups (--push.max-groups).
            self.flowgate_flags.append("--push.max-groups=0")
            self.notes.append("flowgate (the loader too) ran with --push.max-groups=0: 1M groups is over the "
                              "default quota of 100,000")
            self.notes.append(f"stored groups of {self.group_series} series (workload.ten_series_body), not "
                              f"{workload.SERIES_PER_GROUP}: each group also holds push_time_seconds and "
                              "push_failure_time_seconds, which RSS/series and the series count leave out")
        if max(self.pushers) > PER_IP_CAP and not any(f.startswith("--web.max-connections-per-ip")
                                                       for f in self.flowgate_flags):
            # wrk's connections all come from 127.0.0.1; real pushers come from many addresses.
            self.flowgate_flags.append("--web.max-connections-per-ip=0")
            self.notes.append(f"flowgate ran with --web.max-connections-per-ip=0: wrk's {max(self.pushers)} "
                              f"connections share one address, over the default cap of {PER_IP_CAP}")


# ---------------------------------------------------------------- measurements

def scrape_figures(server, headers, min_seconds):
    """First scrape after the restart, then repeats for at least min_seconds (3 at least):
    median wall seconds, server CPU seconds per scrape and body bytes."""
    cpu_before = compare.cpu_seconds(server)
    first_seconds, _ = compare.scrape_once(server, headers)
    first_cpu = compare.cpu_seconds(server) - cpu_before
    samples, cpu_before, began = [], compare.cpu_seconds(server), time.monotonic()
    while len(samples) < 3 or time.monotonic() - began < min_seconds:
        samples.append(compare.scrape_once(server, headers))
    return {"first_seconds": first_seconds, "first_cpu_seconds": first_cpu,
            "seconds": statistics.median(s for s, _ in samples),
            "cpu_seconds": (compare.cpu_seconds(server) - cpu_before) / len(samples),
            "bytes": samples[-1][1], "repeats": len(samples)}


def push_figures(server, pushers, seconds):
    """One wrk run per number of concurrent pushers (wrk -c N) over PUSH_GROUPS groups."""
    figures = {}
    for connections in pushers:
        summary = compare.wrk(server, PUSH_GROUPS, seconds, connections)
        figures[connections] = {key: summary[key] for key in ("rps", "p50_us", "p99_us", "cpu_us_per_push",
                                                              "requests")}
    return figures


def delete_push_groups(server):
    """Deletes the groups push.lua walked, so that the next size's store holds only stored groups."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        for group in range(PUSH_GROUPS):
            connection.request("DELETE", workload.small_group_path(group))
            response = connection.getresponse()
            response.read()
            if response.status not in (200, 202):
                raise RuntimeError(f"{server.name}: DELETE of push group {group} -> {response.status}")
    finally:
        connection.close()


def groups_between(first, last, group_series):
    """(path, body) of stored groups first .. last-1 of `group_series` series each (1000 or 10), made one
    at a time (10M series would not fit as a list)."""
    body = workload.group_body if group_series == workload.SERIES_PER_GROUP else workload.ten_series_body
    return ((workload.group_path(g), body(g)) for g in range(first, last))


def measure_size(kind, plan, binary, path, loaded_groups, series, rss):
    """Loads up to `series`, restarts, and measures the restarted server."""
    groups = series // plan.group_series
    flags = plan.flowgate_flags if kind == "flowgate" else ()
    loader_flags = [f for f in flags if f.startswith("--push.max-groups")]
    server, restart_seconds = compare.loaded(kind, path, groups_between(loaded_groups, groups, plan.group_series),
                                             binary, rss, flags, loader_flags)
    try:
        figures = {"restart_seconds": restart_seconds, "rss_per_series": (rss["loaded"] - rss["empty"]) / series,
                   "scrape": {}}
        for name, headers in FORMATS:  # first: the series count below is a text scrape, and would warm it
            figures["scrape"][name] = scrape_figures(server, headers, plan.scrape_seconds)
        stored = compare.stored_series(server)
        if stored != series:
            raise RuntimeError(f"{kind}: {stored} stored series after loading, expected {series}")
        figures["push"] = push_figures(server, plan.pushers, plan.wrk_seconds)
        delete_push_groups(server)
    finally:
        compare.stop(server)
    return figures


def measure_kind(kind, plan, binary, work):
    """Every size in turn on one persistence file: each load adds the groups the last one lacked."""
    results, rss, loaded_groups = {}, {}, 0
    notes = list(plan.notes) if kind == "flowgate" else []
    path = os.path.join(work, f"{kind}.db")
    for series in plan.sizes:
        if kind == "pushgateway" and series > plan.pushgateway_max_series:
            notes.append(f"Pushgateway skipped at {series:,} series (over --pushgateway-max-series "
                         f"{plan.pushgateway_max_series:,}: its pushes re-gather the whole store)")
            continue
        print(f"# curves: {kind} at {series:,} series", file=sys.stderr, flush=True)
        results[series] = measure_size(kind, plan, binary, path, loaded_groups, series, rss)
        loaded_groups = series // plan.group_series
    return results, notes


# ---------------------------------------------------------------- report

def push_cell(push):
    if push["requests"] == 0:
        return "none finished"
    return (f"{push['rps']:,.0f}/s, {push['p50_us'] / 1000:.2f}/{push['p99_us'] / 1000:.2f} ms, "
            f"{push['cpu_us_per_push']:.0f} µs")


def table(results, plan):
    """One markdown table: a row per server and store size."""
    head = ["server", "series", "restart to ready", "RSS/series"]
    head += [f"scrape {name} (first)" for name, _ in FORMATS]
    head += ["CPU/series, text scrape (first)"]
    head += [f"{n} pusher{'s' if n > 1 else ''}: push/s, p50/p99, CPU/push" for n in plan.pushers]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind in compare.KINDS:
        for series, f in results[kind]["sizes"].items():
            shape = "" if plan.group_series == workload.SERIES_PER_GROUP else \
                f" ({series // plan.group_series:,} groups × {plan.group_series})"
            cells = [kind, f"{series:,}{shape}", f"{f['restart_seconds']:.2f} s", f"{f['rss_per_series']:,.0f} B"]
            for name, _ in FORMATS:
                s = f["scrape"][name]
                cells.append(f"{s['seconds'] * 1000:,.1f} ms ({s['first_seconds'] * 1000:,.1f})")
            text = f["scrape"]["text"]
            cells.append(f"{text['cpu_seconds'] * 1e9 / series:,.0f} ns ({text['first_cpu_seconds'] * 1e9 / series:,.0f})")
            cells += [push_cell(f["push"][n]) for n in plan.pushers]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def steps_in(name, points):
    """Lines naming each neighbour pair of (x, cost) points whose costs differ by STEP or more."""
    found = []
    for (x1, c1), (x2, c2) in zip(points, points[1:]):
        if min(c1, c2) > 0 and max(c1, c2) / min(c1, c2) >= STEP:
            way = "rises" if c2 > c1 else "falls"
            found.append(f"- step: {name} {way}: {c1:,.1f} at {x1:,} -> {c2:,.1f} at {x2:,} ({c2 / c1:.2f}×)")
    return found


def first_scrape_steps(kind, name, sizes):
    """Steps of the first-scrape CPU per series between neighbouring sizes whose first scrapes both
    took 5 CPU ticks (50 ms) or more: a single scrape under that is too coarse to call a step."""
    found, measured = [], list(sizes.items())
    for (s1, f1), (s2, f2) in zip(measured, measured[1:]):
        cpu1, cpu2 = f1["scrape"][name]["first_cpu_seconds"], f2["scrape"][name]["first_cpu_seconds"]
        if min(cpu1, cpu2) >= 0.05:
            found += steps_in(f"{kind} first-scrape CPU ns/series, {name}, by series",
                              [(s1, cpu1 * 1e9 / s1), (s2, cpu2 * 1e9 / s2)])
    return found


def cost_lines(results, plan):
    """Cost per push (should be flat) and per series (should be flat: a linear scrape), with the steps."""
    lines, steps = [], []
    for kind in compare.KINDS:
        sizes = results[kind]["sizes"]
        for n in plan.pushers:
            points = [(s, f["push"][n]["cpu_us_per_push"]) for s, f in sizes.items() if f["push"][n]["requests"]]
            lines.append(f"{kind}: CPU µs per push, {n} pushers, by series: "
                         + ", ".join(f"{s:,}: {c:.1f}" for s, c in points))
            steps += steps_in(f"{kind} CPU µs/push at {n} pushers, by series", points)
        for series, f in sizes.items():
            points = [(n, f["push"][n]["cpu_us_per_push"]) for n in plan.pushers if f["push"][n]["requests"]]
            steps += steps_in(f"{kind} CPU µs/push at {series:,} series, by pushers", points)
        for name, _ in FORMATS:  # repeated scrapes: averaged over >= 1 s, so 10 ms CPU ticks blur them least
            points = [(s, f["scrape"][name]["cpu_seconds"] * 1e9 / s) for s, f in sizes.items()]
            lines.append(f"{kind}: scrape CPU ns per series, {name}, by series: "
                         + ", ".join(f"{s:,}: {c:,.0f}" for s, c in points))
            steps += steps_in(f"{kind} scrape CPU ns/series, {name}, by series", points)
            # The first scrape after a restart renders (and, for flowgate, fills its caches).
            first = [(s, f["scrape"][name]["first_cpu_seconds"] * 1e9 / s) for s, f in sizes.items()]
            lines.append(f"{kind}: first-scrape CPU ns per series, {name}, by series: "
                         + ", ".join(f"{s:,}: {c:,.0f}" for s, c in first))
            steps += first_scrape_steps(kind, name, sizes)
    return lines, steps


def report(results, plan):
    lines, steps = cost_lines(results, plan)
    notes = [f"- {note}" for kind in compare.KINDS for note in results[kind]["notes"]]
    parts = [table(results, plan), "", "Cost per push (flat is good) and per series (flat = linear scrape):", ""]
    parts += [f"    {line}" for line in lines]
    parts += ["", f"Steps (a neighbour {STEP}× or more apart):" if steps else f"No step of {STEP}× or more.", *steps]
    return "\n".join(parts + (["", "Notes:", *notes] if notes else []))


def ticks(axis, values):
    """Log x axis labelled at the measured values only, and the legend."""
    axis.set_xticks(values, [f"{v:,}" for v in values])
    axis.tick_params(axis="x", which="minor", bottom=False, labelbottom=False)
    axis.legend(fontsize=7)


def plot(results, plan, png):
    """Six panels: push/s, push p99 and CPU per push by pushers; scrape time, scrape CPU per series and
    RSS per series by store size. matplotlib is imported here so that the table needs none."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(2, 3, figsize=(18, 10))
    by_pushers = (("push/s", lambda p: p["rps"]), ("push p99 (ms)", lambda p: p["p99_us"] / 1000),
                  ("server CPU per push (µs)", lambda p: p["cpu_us_per_push"]))
    for axis, (title, value) in zip(axes[0], by_pushers):
        for kind in compare.KINDS:
            for series, f in results[kind]["sizes"].items():
                done = [n for n in plan.pushers if f["push"][n]["requests"]]
                axis.plot(done, [value(f["push"][n]) for n in done], marker="o",
                          linestyle="-" if kind == "flowgate" else "--", label=f"{kind} {series:,}")
        axis.set(title=title, xlabel="concurrent pushers (wrk -c)", xscale="log", yscale="log")
        ticks(axis, plan.pushers)
    by_size = (("scrape time (ms, warm median)", lambda f, s, name: f["scrape"][name]["seconds"] * 1000),
               ("scrape CPU per series (ns)", lambda f, s, name: f["scrape"][name]["cpu_seconds"] * 1e9 / s))
    for axis, (title, value) in zip(axes[1], by_size):
        for kind in compare.KINDS:
            sizes = results[kind]["sizes"]
            for name, _ in FORMATS:
                axis.plot(list(sizes), [value(f, s, name) for s, f in sizes.items()], marker="o",
                          linestyle="-" if kind == "flowgate" else "--", label=f"{kind} {name}")
        axis.set(title=title, xlabel="stored series", xscale="log", yscale="log")
        ticks(axis, plan.sizes)
    axis = axes[1][2]
    for kind in compare.KINDS:
        sizes = results[kind]["sizes"]
        axis.plot(list(sizes), [f["rss_per_series"] for f in sizes.values()], marker="o", label=f"{kind} RSS/series (B)")
        axis.plot(list(sizes), [f["restart_seconds"] * 1000 for f in sizes.values()], marker="s", linestyle=":",
                  label=f"{kind} restart to ready (ms)")
    axis.set(title="memory per series and restart", xlabel="stored series", xscale="log", yscale="log")
    ticks(axis, plan.sizes)
    figure.suptitle("flowgate (solid) and the Pushgateway 1.5.1 (dashed): cost curves")
    figure.tight_layout()
    figure.savefig(png, dpi=90)


# ---------------------------------------------------------------- smoke check

def smoke_problems(results, plan, text):
    """What a --smoke run must show: a table row per server and size, every pusher count answered,
    every format scraped and the cost lines printed. Returns the problems found."""
    problems = []
    for kind in compare.KINDS:
        for series in plan.sizes:
            row = f"| {kind} | {series:,}"  # then " |", or " (N groups × 10) |" with --group-series 10
            if sum(1 for line in text.splitlines() if line.startswith((row + " |", row + " ("))) != 1:
                problems.append(f"no single table row starting {row!r}")
            figures = results[kind]["sizes"].get(series)
            if figures is None:
                continue
            problems += [f"{kind} at {series:,}: no push finished with {n} pushers"
                         for n in plan.pushers if figures["push"][n]["requests"] == 0]
            problems += [f"{kind} at {series:,}: {name} scrape returned no body"
                         for name, _ in FORMATS if figures["scrape"][name]["bytes"] == 0]
        if f"{kind}: CPU µs per push, {plan.pushers[0]} pushers" not in text:
            problems.append(f"no CPU-per-push line for {kind}")
    return problems


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flowgate", help="flowgate binary (Release build); not needed with --from-json")
    parser.add_argument("--sizes", default="10k,100k,1M", help=f"stored series, of {','.join(SIZES)} "
                        "(default 10k,100k,1M; 10M needs --ten-million)")
    parser.add_argument("--ten-million", action="store_true", help="allow 10M (long; several GB of RAM)")
    parser.add_argument("--pushers", default="1,4,16,64,256", help="wrk -c values (default 1,4,16,64,256)")
    parser.add_argument("--wrk-seconds", type=int, default=5, help="each wrk run (default 5)")
    parser.add_argument("--scrape-seconds", type=float, default=1.0,
                        help="repeat each scrape for at least this long (default 1)")
    parser.add_argument("--pushgateway-max-series", type=int, default=100000,
                        help="skip the Pushgateway above this store size, with a note (default 100000)")
    parser.add_argument("--group-series", type=int, choices=(workload.SERIES_PER_GROUP, 10),
                        default=workload.SERIES_PER_GROUP,
                        help="series per stored group: 1000 (default) or 10 (1M groups at 10M series)")
    parser.add_argument("--flowgate-flag", action="append", help="extra flag for the measured flowgate (repeatable)")
    parser.add_argument("--png", help="also draw the curves to this PNG (needs python3-matplotlib)")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--from-json", help="report an earlier --json file; measure nothing")
    parser.add_argument("--smoke", action="store_true",
                        help="1k and 2k series, 1 and 4 pushers, 1 s each; checks its own output (exit 1)")
    args = parser.parse_args()
    if not args.flowgate and not args.from_json:
        parser.error("--flowgate is required (or --from-json)")
    if args.smoke:
        args.sizes, args.pushers, args.wrk_seconds, args.scrape_seconds = "1k,2k", "1,4", 1, 0.2
    if "10M" in args.sizes.split(",") and not args.ten_million:
        parser.error("10M series takes long and several GB of RAM: add --ten-million")
    unknown = [s for s in args.sizes.split(",") if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r}: the sizes are {', '.join(SIZES)}")
    return args


def load_json(path):
    with open(path, encoding="utf-8") as saved:
        results = json.load(saved)
    for kind in compare.KINDS:  # JSON object keys are strings
        results[kind]["sizes"] = {int(s): dict(f, push={int(n): p for n, p in f["push"].items()})
                                  for s, f in results[kind]["sizes"].items()}
    return results


def main():
    args = parse_args()
    plan = Plan(args)
    if args.from_json:
        results = load_json(args.from_json)
        plan.pushers = results["pushers"]
        plan.group_series = results.get("group_series", workload.SERIES_PER_GROUP)
    else:
        results = {"pushers": plan.pushers, "group_series": plan.group_series}
        work = tempfile.mkdtemp(prefix="flowgate-curves-")
        try:
            for kind in compare.KINDS:
                sizes, notes = measure_kind(kind, plan, args.flowgate, work)
                results[kind] = {"sizes": sizes, "notes": notes}
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as out:
                json.dump(results, out, indent=1)
    text = report(results, plan)
    print(text)
    if args.png:
        plot(results, plan, args.png)
    if args.smoke:
        problems = smoke_problems(results, plan, text)
        for problem in problems:
            print(f"smoke: {problem}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
