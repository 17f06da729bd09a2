#!/usr/bin/env python3
"""OTLP ingest, flowgate side by side with Prometheus 3's OTLP receiver, whole
processes over HTTP (issue 18's goal: flowgate takes at least 5x Prometheus 3's
data points per CPU second).

    bench/otlp_ingest_vs_prometheus3.py --flowgate build/release/exporter/flowgate
    bench/otlp_ingest_vs_prometheus3.py --flowgate BINARY --smoke      # tiny, ~10 s: the harness works
    options: --series 1000 --exports 200 --clients 4 --only flowgate|prometheus3 --json FILE
             --flowgate-flag=FLAG (repeatable: e.g. --persistence.sync=interval)

The same pregenerated export requests (tests/e2e/otlp_payloads.py `bench`:
per client, EXPORTS protobuf bodies of SERIES cumulative counter points, each
client its own resources, made with opentelemetry-proto in the shared Prefect
venv) are POSTed by CLIENTS threads at once, each over one keep-alive
connection and in order, to flowgate's /v1/metrics (default, durable
settings: every export is journaled and synced before the answer) and then to
Prometheus 3's /api/v1/otlp/v1/metrics (v0.316.0, tests/support/peers, its
own TSDB in a temporary folder). Each server runs alone on a fresh store.
Reported per server: data points per wall second, server CPU seconds
(utime + stime from /proc/<pid>/stat, before and after) per million points,
points per CPU second, and the ratio of the last. Every request must be
answered 200, and afterwards each server must hold exactly the series sent.

Environment: PREFECT_VENV (default <repo>/build/ci/prefect-venv; made if
missing), FLOWGATE_PEERS_DIR as tests/support/peers/go_peers.py reads it."""
import argparse
import http.client
import json
import os
import pathlib
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
os.environ.setdefault("PREFECT_VENV", str(REPO / "build" / "ci" / "prefect-venv"))
import otlp_support  # noqa: E402
import servers  # noqa: E402

SECOND = 1_000_000_000
GOAL = 5.0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def send(port, path, bodies, failures):
    """POSTs `bodies` in order over one keep-alive connection; a non-200 is recorded."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        for body in bodies:
            connection.request("POST", path, body=body, headers={"Content-Type": otlp_support.PROTOBUF})
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200:
                failures.append(f"{response.status} {answer[:200]!r}")
                return
    finally:
        connection.close()


def measure(name, server, path, per_client, points):
    """Sends every client's bodies at once; returns the figures."""
    failures = []
    threads = [threading.Thread(target=send, args=(server.port, path, bodies, failures)) for bodies in per_client]
    cpu_before, started = cpu_seconds(server.process.pid), time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall, cpu = time.monotonic() - started, cpu_seconds(server.process.pid) - cpu_before
    if failures:
        raise SystemExit(f"{name}: {len(failures)} export(s) refused, first: {failures[0]}")
    return {"points": points, "wall_seconds": wall, "cpu_seconds": cpu, "points_per_second": points / wall,
            "cpu_seconds_per_million_points": cpu / points * 1e6,
            "points_per_cpu_second": points / cpu if cpu > 0 else float("inf")}


def flowgate_series(server):
    body = otlp_support.raw_http.get(server, "/metrics").text()
    return sum(1 for line in body.splitlines() if line.startswith("bench_requests_"))


def prometheus_series(server):
    result = otlp_support.query(server, 'count({__name__=~"bench_requests_.*"})')
    return int(result[0]["value"][1]) if result else 0


def run_flowgate(binary, per_client, points, work, flags):
    os.environ["FLOWGATE_BINARY"] = binary
    with servers.flowgate([f"--persistence.file={work / 'flowgate.state'}", *flags]) as server:
        figures = measure("flowgate", server, otlp_support.FLOWGATE_OTLP_PATH, per_client, points)
        figures["series_stored"] = flowgate_series(server)
    return figures


def run_prometheus3(per_client, points, work):
    (work / "prometheus3").mkdir()
    with servers.prometheus(None, str(work / "prometheus3"), binary=otlp_support.prometheus3_binary(),
                            flags=otlp_support.RECEIVER_FLAGS, extra_yaml=otlp_support.RECEIVER_YAML) as server:
        figures = measure("prometheus3", server, otlp_support.PROMETHEUS_OTLP_PATH, per_client, points)
        figures["series_stored"] = prometheus_series(server)
    return figures


def report(results, setup):
    print(f"OTLP ingest: {setup['clients']} clients x {setup['exports']} exports x "
          f"{setup['series']} points ({setup['points']:,} points, {setup['bytes'] / 1e6:.1f} MB protobuf)")
    print(f"{'server':<12} {'points/s':>12} {'CPU s/M points':>15} {'points/CPU s':>14} {'series':>8}")
    for name, figures in results.items():
        print(f"{name:<12} {figures['points_per_second']:>12,.0f} {figures['cpu_seconds_per_million_points']:>15.2f} "
              f"{figures['points_per_cpu_second']:>14,.0f} {figures['series_stored']:>8}")
    if len(results) == 2:
        ratio = results["flowgate"]["points_per_cpu_second"] / results["prometheus3"]["points_per_cpu_second"]
        print(f"flowgate / Prometheus 3, points per CPU second: {ratio:.1f}x (goal >= {GOAL:.0f}x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flowgate", help="the flowgate binary (required unless --only prometheus3)")
    parser.add_argument("--series", type=int, default=1000, help="points per export request (x100)")
    parser.add_argument("--exports", type=int, default=200, help="export requests per client")
    parser.add_argument("--clients", type=int, default=4, help="concurrent senders")
    parser.add_argument("--only", choices=["flowgate", "prometheus3"])
    parser.add_argument("--flowgate-flag", action="append", default=[],
                        help="one more flowgate flag (repeatable), e.g. --flowgate-flag=--persistence.sync=interval")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: proves the harness runs")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()
    if args.smoke:
        args.series, args.exports, args.clients = 200, 5, 2
    if args.only != "prometheus3" and not args.flowgate:
        parser.error("--flowgate BINARY is needed (or --only prometheus3)")
    with tempfile.TemporaryDirectory(prefix="otlp-bench-") as scratch:
        work = pathlib.Path(scratch)
        # Points start EXPORTS seconds ago, so Prometheus 3 takes every one (none in the future).
        base = (int(time.time()) - args.exports - 60) * SECOND
        otlp_support.make_payloads("bench", work / "payloads", base, args.series, args.exports, args.clients)
        shape = json.loads((work / "payloads" / "bench.json").read_text())
        per_client = [[(work / "payloads" / f"{client:02d}-{export:05d}.pb").read_bytes()
                       for export in range(args.exports)] for client in range(args.clients)]
        points = shape["points_per_export"] * args.exports * args.clients
        setup = {"clients": args.clients, "exports": args.exports, "series": shape["points_per_export"],
                 "points": points, "bytes": sum(len(body) for bodies in per_client for body in bodies)}
        results = {}
        if args.only in (None, "flowgate"):
            results["flowgate"] = run_flowgate(args.flowgate, per_client, points, work, args.flowgate_flag)
        if args.only in (None, "prometheus3"):
            results["prometheus3"] = run_prometheus3(per_client, points, work)
    report(results, setup)
    expected = shape["points_per_export"] * args.clients
    wrong = {name: f["series_stored"] for name, f in results.items() if f["series_stored"] != expected}
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"setup": setup, "results": results}, indent=1))
    if wrong:
        raise SystemExit(f"stored series differ from the {expected} sent: {wrong}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
