#!/usr/bin/env python3
"""flowgate alone: RSS per stored series and scrape cost in every format, at
one store size, for before/after comparisons of the store's representation.

    bench/memory_per_series.py --flowgate BINARY [--groups 1000] [--repeats 5]

Loads --groups groups of bench/compare/workload.py (1,000 series each) by PUT
into a fresh server (default flags, its own --persistence.file), then reads
VmRSS; restarts from the persistence file and reads it again; then scrapes
/metrics as text, gzip, OpenMetrics and protobuf (one first scrape, then the
median of --repeats) and reads VmRSS after each format. Prints one JSON
object. RSS per series = (RSS - RSS of the same binary just started empty)
/ series. CPU per scrape is the server's utime + stime from /proc, the figure
a shared machine distorts least. digest_* hash the scraped lines of the
pushed families (text and OpenMetrics), so two binaries can be checked to
serve the same samples.
"""
import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "compare"))

import compare  # noqa: E402  (start/stop/RSS/CPU/push helpers of the side-by-side run)
import workload  # noqa: E402

FORMATS = (
    ("text", {}),
    ("gzip", {"Accept-Encoding": "gzip"}),
    ("openmetrics", {"Accept": compare.OPENMETRICS}),
    ("protobuf", {"Accept": "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                            "encoding=delimited"}),
)


def pushed_lines_digest(server, headers):
    """sha256 of the body lines of the pushed flow_ families (push times differ between runs)."""
    argv = ["curl", "-s", "--compressed"] + [x for k, v in headers.items() for x in ("-H", f"{k}: {v}")]
    body = subprocess.run(argv + [f"http://127.0.0.1:{server.port}/metrics"], check=True,
                          capture_output=True).stdout
    lines = [line for line in body.split(b"\n") if line.startswith((b"flow_", b"# HELP flow_", b"# TYPE flow_"))]
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


def scrape_figures(server, headers, repeats):
    first, _ = compare.scrape_once(server, headers)
    cpu_before = compare.cpu_seconds(server)
    samples = [compare.scrape_once(server, headers) for _ in range(repeats)]
    cpu = (compare.cpu_seconds(server) - cpu_before) / repeats
    return {"first_ms": first * 1e3, "median_ms": statistics.median(s for s, _ in samples) * 1e3,
            "cpu_ms": cpu * 1e3, "bytes": samples[-1][1]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flowgate", required=True)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    series = args.groups * workload.SERIES_PER_GROUP
    out = {"binary": os.path.realpath(args.flowgate), "series": series}
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "store.db")
        server, _ = compare.start("flowgate", path, (), args.flowgate)
        try:
            empty = compare.rss_bytes(server)
            started = time.monotonic()
            for first in range(0, args.groups, 100):  # bodies generated in slices: the harness' own memory
                compare.push_all(server, workload.stored_groups(first, min(100, args.groups - first)))
            out["load_seconds"] = time.monotonic() - started
            out["rss_empty"] = empty
            out["rss_per_series_pushed"] = (compare.rss_bytes(server) - empty) / series
        finally:
            compare.stop(server)
        server, out["restart_seconds"] = compare.start("flowgate", path, (), args.flowgate)
        try:
            out["rss_per_series_restarted"] = (compare.rss_bytes(server) - empty) / series
            for label, headers in FORMATS:
                out[label] = scrape_figures(server, headers, args.repeats)
                out[f"rss_per_series_after_{label}"] = (compare.rss_bytes(server) - empty) / series
            for label in ("text", "openmetrics"):
                out[f"digest_{label}"] = pushed_lines_digest(server, dict(FORMATS)[label])
        finally:
            compare.stop(server)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
