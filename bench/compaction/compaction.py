"""Issue 22, goal 2: what compaction costs pushes and memory at 10M series.

flowgate holds a large store (groups of 1,000 series from bench/compare/workload.py,
10M by default) and compacts its write-ahead log into the persistence file every
--interval seconds (`--persistence.interval`), while wrk pushes steadily
(bench/compare/push.lua over 100 small groups beside the stored ones,
`wrk -t1 -c16`) in back-to-back windows of --window seconds, and a thread
samples VmRSS every 20 ms. flowgate logs each compaction's end and duration
(`--log.level=debug --log.format=json`, "metrics persisted"), so each wrk
window is either one that overlaps a compaction or one that does not.

Reported: push p50/p99/max in windows without compaction against windows with
one; steady-state VmRSS (median outside compactions) against the peak inside
them. Goals: no push during compaction slower than the p99 without it; peak RSS
≤ 1.3× steady.

`--store DIR` keeps the loaded persistence file there, so a later run skips the
load (the load alone takes minutes at 10M); run through bench/compaction/run.
"""
import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compare"))

import compare  # noqa: E402  (servers, wrk's push.lua)
import workload  # noqa: E402

PUSH_GROUPS = 100


def load_store(args, path):
    """Loads args.series series into the persistence file at `path` unless it holds them already."""
    marker = path + ".loaded"
    if os.path.exists(marker) and open(marker, encoding="ascii").read() == str(args.series):
        return
    groups = args.series // workload.SERIES_PER_GROUP
    print(f"# compaction: loading {args.series:,} series", file=sys.stderr, flush=True)
    batch = ((workload.group_path(g), workload.group_body(g)) for g in range(groups))
    server, _ = compare.loaded("flowgate", path, batch, args.flowgate, {})
    compare.stop(server)
    with open(marker, "w", encoding="ascii") as out:
        out.write(str(args.series))


class RssSampler(threading.Thread):
    """(unix time, VmRSS bytes) every 20 ms until stopped."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.done = pid, [], threading.Event()

    def run(self):
        while not self.done.is_set():
            with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        self.samples.append((time.time(), int(line.split()[1]) * 1024))
            time.sleep(0.02)


def compactions_in(log_text):
    """[(start, end)] unix seconds of each compaction flowgate logged ("metrics persisted")."""
    spans = []
    for line in log_text.splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("msg") != "metrics persisted":
            continue
        end = datetime.datetime.fromisoformat(entry["ts"].replace("Z", "+00:00")).timestamp()
        spans.append((end - float(entry["duration_seconds"]), end))
    return spans


def overlaps(begin, end, spans):
    return any(begin < span_end and span_begin < end for span_begin, span_end in spans)


def measure(args, path):
    flags = [f"--persistence.interval={args.interval}s", "--log.level=debug", "--log.format=json",
             f"--persistence.sync={args.sync}", *args.flowgate_flag]
    server, restart_seconds = compare.start("flowgate", path, flags, args.flowgate)
    sampler = RssSampler(server.process.pid)
    sampler.start()
    windows = []
    try:
        began = time.time()
        while time.time() - began < args.seconds:
            start = time.time()
            summary = compare.wrk(server, PUSH_GROUPS, args.window, 16)
            windows.append(dict(summary, start=start, end=time.time()))
    finally:
        sampler.done.set()
        sampler.join()
        server.stop()  # the log is read before compare.stop closes it
        log_text = server.output()
        compare.stop(server)
    spans = compactions_in(log_text)
    return {"restart_seconds": restart_seconds, "windows": windows, "compactions": spans,
            "rss": sampler.samples, "sync": args.sync, "interval": args.interval, "series": args.series,
            "flags": args.flowgate_flag}


def summarize(results):
    spans, windows = results["compactions"], results["windows"]
    during = [w for w in windows if overlaps(w["start"], w["end"], spans)]
    steady = [w for w in windows if w not in during]
    in_span = [rss for t, rss in results["rss"] if overlaps(t, t + 0.001, spans)]
    out_span = [rss for t, rss in results["rss"] if not overlaps(t - 2, t + 2, spans)]  # 2 s clear of one

    def latency(group):
        if not group:
            return None
        return {"windows": len(group), "pushes": sum(w["requests"] for w in group),
                "p50_ms": statistics.median(w["p50_us"] for w in group) / 1000,
                "p99_ms_median": statistics.median(w["p99_us"] for w in group) / 1000,
                "p99_ms_worst": max(w["p99_us"] for w in group) / 1000,
                "max_ms": max(w["max_us"] for w in group) / 1000,
                "rps": sum(w["requests"] for w in group) / sum(w["duration_us"] / 1e6 for w in group),
                "cpu_us_per_push": statistics.median(w["cpu_us_per_push"] for w in group)}

    return {"durations_s": [round(end - begin, 3) for begin, end in spans], "steady": latency(steady),
            "during": latency(during), "rss_steady": statistics.median(out_span) if out_span else None,
            "rss_peak_compaction": max(in_span) if in_span else None,
            "rss_peak_all": max(rss for _, rss in results["rss"])}


def report(results, figures):
    lines = [f"{results['series']:,} series, --persistence.sync={results['sync']}, {' '.join(results['flags'])} "
             f"--persistence.interval={results['interval']}s; restart to ready {results['restart_seconds']:.2f} s",
             f"compactions: {len(figures['durations_s'])}, each {figures['durations_s']} s", "",
             "| wrk windows | windows | pushes | push/s | p50 (median) | p99 (median / worst) | max | CPU/push |",
             "|---|---|---|---|---|---|---|---|"]
    for name, key in (("without compaction", "steady"), ("overlapping a compaction", "during")):
        f = figures[key]
        if f:
            lines.append(f"| {name} | {f['windows']} | {f['pushes']:,} | {f['rps']:,.0f} | {f['p50_ms']:.2f} ms | "
                         f"{f['p99_ms_median']:.2f} / {f['p99_ms_worst']:.2f} ms | {f['max_ms']:.2f} ms | "
                         f"{f['cpu_us_per_push']:.0f} µs |")
    steady, during = figures["steady"], figures["during"]
    if steady and during:
        verdict = "met" if during["max_ms"] <= steady["p99_ms_median"] else "MISSED"
        lines.append(f"\nslowest push during compaction {during['max_ms']:.2f} ms against p99 without "
                     f"{steady['p99_ms_median']:.2f} ms: {verdict}")
    if figures["rss_steady"] and figures["rss_peak_compaction"]:
        ratio = figures["rss_peak_compaction"] / figures["rss_steady"]
        lines.append(f"VmRSS steady {figures['rss_steady'] / 2**20:,.0f} MiB, peak during compaction "
                     f"{figures['rss_peak_compaction'] / 2**20:,.0f} MiB: {ratio:.2f}× "
                     f"(goal ≤ 1.3×: {'met' if ratio <= 1.3 else 'MISSED'}); peak over the run "
                     f"{figures['rss_peak_all'] / 2**20:,.0f} MiB")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flowgate", required=True, help="flowgate binary (Release build)")
    parser.add_argument("--series", type=int, default=10_000_000, help="stored series (default 10M)")
    parser.add_argument("--interval", type=int, default=30, help="--persistence.interval in seconds (default 30)")
    parser.add_argument("--sync", default="always", choices=("always", "interval"),
                        help="--persistence.sync (default always, flowgate's default)")
    parser.add_argument("--seconds", type=int, default=100, help="how long wrk pushes (default 100)")
    parser.add_argument("--window", type=int, default=1, help="seconds of one wrk window (default 1)")
    parser.add_argument("--flowgate-flag", action="append", default=[], help="extra flowgate flag (repeatable)")
    parser.add_argument("--store", help="folder keeping the loaded persistence file between runs")
    parser.add_argument("--load-only", action="store_true", help="load the store into --store and stop")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flowgate-compaction-") as scratch:
        folder = args.store or scratch
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"store-{args.series}.db")
        load_store(args, path)
        if args.load_only:
            return 0
        results = measure(args, path)
    figures = summarize(results)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"results": results, "figures": figures}, out, indent=1)
    print(report(results, figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
