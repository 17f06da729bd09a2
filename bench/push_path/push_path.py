"""Issue 22, goal 4: flowgate's push path against the machine's HTTP stack.

In one run and on one wrk load (bench/compare/push.lua, the ~690-byte body,
one group, `wrk -t1 -c16`), alternating round by round:

- nginx from Debian answering a bare 200 (2 workers, access log off, the body
  read and thrown away): what this machine's HTTP stack allows;
- flowgate in memory only (`--persistence.file=`);
- flowgate with `--persistence.sync=interval`;

with requests/s, p50/p99, flowgate's ratio to nginx in the same round, and the
CPU each process spent per request (flowgate, nginx's master and workers, wrk
itself: all on the same two cores). Then flowgate with the default fdatasync
per push at several connection counts: the pushes carried per fdatasync
(deltas of flowgate_persistence_fsyncs_total and of the PUTs counted by
flowgate_http_push_size_bytes over the wrk run). `--perf FILE` also profiles
flowgate in memory only under the same load (`perf record -g`).

Run through bench/push_path/run (bench/compare/run's tool checks and binary
lookup); see bench/README.md "The push path".
"""
import argparse
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compare"))

import compare  # noqa: E402  (servers, wrk's push.lua, CPU of a process)
import servers  # noqa: E402  (tests/e2e/servers.py, on the path through compare)
import workload  # noqa: E402

CONFIGS = ("nginx", "flowgate memory", "flowgate interval")
FSYNC_METRIC = "flowgate_persistence_fsyncs_total"
PUTS_METRIC = 'flowgate_http_push_size_bytes_count{method="put"}'


def process_cpu(pid):
    """User + system CPU seconds of one process (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Nginx:
    """Debian's nginx answering 200 with an empty body to every request, the
    request body discarded (`return` does that), 2 workers, no access log."""

    name = "nginx"

    def __init__(self, work_dir):
        self.port = servers.free_port()
        config = servers.nginx_config(work_dir, "bare200", f"""  client_max_body_size 64m;
  server {{
    listen 127.0.0.1:{self.port};
    location / {{ return 200; }}
  }}""", workers=2)
        self.process = subprocess.Popen(["nginx", "-c", str(config), "-p", work_dir], stderr=subprocess.DEVNULL)
        servers.wait_for("nginx", self._answers, seconds=10)

    def _answers(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("PUT", "/", body=b"x")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def pids(self):
        """The master and its workers."""
        master = self.process.pid
        with open(f"/proc/{master}/task/{master}/children", encoding="ascii") as children:
            return [master, *(int(pid) for pid in children.read().split())]

    def cpu_seconds(self):
        return sum(process_cpu(pid) for pid in self.pids())

    def stop(self):
        self.process.terminate()
        self.process.wait()


class Flowgate:
    """compare.start's flowgate, with the same cpu_seconds() as Nginx."""

    def __init__(self, binary, persistence_file, flags):
        self.server, _ = compare.start("flowgate", persistence_file, flags, binary)
        self.port = self.server.port
        self.name = "flowgate"

    def cpu_seconds(self):
        return compare.cpu_seconds(self.server)

    def metric(self, name):
        """A sample of flowgate's own metrics; 0 for one not exposed yet (no push seen)."""
        for line in compare.scrape_text(self.port).splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return 0.0

    def stop(self):
        compare.stop(self.server)


def wrk_run(target, seconds, connections):
    """One wrk run of push.lua into one group: its summary plus requests/s, and the CPU per
    request of the server (`target.cpu_seconds()`) and of wrk (its rusage as a waited child)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as body:
        body.write(workload.SMALL_PUSH)
        body.flush()
        env = dict(os.environ, BENCH_GROUPS="1", BENCH_GROUP="one", BENCH_BODY_FILE=body.name)
        server_before = target.cpu_seconds()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s",
                              "-s", os.path.join(HERE, "..", "compare", "push.lua"),
                              f"http://127.0.0.1:{target.port}"], check=True, capture_output=True, text=True,
                             env=env).stdout
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_cpu = target.cpu_seconds() - server_before
    summary = json.loads(out.strip().splitlines()[-1])
    errors = sum(summary[k] for k in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts"))
    if errors:
        raise RuntimeError(f"{target.name}: wrk saw {errors} failed requests: {summary}")
    wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (children_before.ru_utime +
                                                                    children_before.ru_stime)
    requests = max(summary["requests"], 1)
    wall = summary["duration_us"] / 1e6
    summary.update(rps=summary["requests"] / wall, server_cpu_us=server_cpu * 1e6 / requests,
                   wrk_cpu_us=wrk_cpu * 1e6 / requests, cores_used=(server_cpu + wrk_cpu) / wall)
    return summary


def start_config(config, binary, work_dir, flags=()):
    if config == "nginx":
        return Nginx(work_dir)
    if config == "flowgate memory":
        return Flowgate(binary, "", list(flags))
    path = os.path.join(work_dir, "interval.db")
    return Flowgate(binary, path, ["--persistence.sync=interval", *flags])


def side_by_side(args, work_dir):
    """`args.rounds` rounds of nginx, flowgate in memory and flowgate with sync=interval."""
    rounds = []
    for round_number in range(args.rounds):
        figures = {}
        for config in CONFIGS:
            print(f"# push path: round {round_number + 1}, {config}", file=sys.stderr, flush=True)
            target = start_config(config, args.flowgate, work_dir)
            try:
                figures[config] = wrk_run(target, args.seconds, args.connections)
            finally:
                target.stop()
        rounds.append(figures)
    return rounds


def pushes_per_fsync(args, work_dir):
    """flowgate with its default fdatasync per push: pushes per fdatasync at each connection count."""
    results = {}
    target = Flowgate(args.flowgate, os.path.join(work_dir, "always.db"), ["--web.max-connections-per-ip=0"])
    try:
        for connections in args.fsync_connections:
            print(f"# push path: sync=always, {connections} connections", file=sys.stderr, flush=True)
            fsyncs, puts = target.metric(FSYNC_METRIC), target.metric(PUTS_METRIC)
            summary = wrk_run(target, args.seconds, connections)
            summary["fsyncs"] = target.metric(FSYNC_METRIC) - fsyncs
            summary["puts"] = target.metric(PUTS_METRIC) - puts
            summary["pushes_per_fsync"] = summary["puts"] / max(summary["fsyncs"], 1)
            results[connections] = summary
    finally:
        target.stop()
    return results


def profile(args, work_dir):
    """perf record -g of flowgate in memory only while wrk pushes; the report's top, as text."""
    target = start_config("flowgate memory", args.flowgate, work_dir)
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as body:
            body.write(workload.SMALL_PUSH)
            body.flush()
            env = dict(os.environ, BENCH_GROUPS="1", BENCH_GROUP="one", BENCH_BODY_FILE=body.name)
            load = subprocess.Popen(["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds + 2}s", "-s",
                                     os.path.join(HERE, "..", "compare", "push.lua"),
                                     f"http://127.0.0.1:{target.port}"], env=env, stdout=subprocess.DEVNULL)
            time.sleep(1)
            subprocess.run(["perf", "record", "-g", "-o", args.perf, "-p", str(target.server.process.pid), "--",
                            "sleep", str(args.seconds)], check=True, capture_output=True)
            load.wait()
    finally:
        target.stop()
    return subprocess.run(["perf", "report", "-i", args.perf, "--no-children", "--percent-limit", "1",
                           "--stdio", "-g", "none", "--sort", "dso,symbol"], check=True, capture_output=True,
                          text=True).stdout


# ---------------------------------------------------------------- report

def row(name, s, nginx=None):
    ratio = f"{s['rps'] / nginx['rps']:.0%}" if nginx else ""
    return (f"| {name} | {s['rps']:,.0f} | {ratio} | {s['p50_us'] / 1000:.2f} / {s['p99_us'] / 1000:.2f} ms | "
            f"{s['server_cpu_us']:.1f} µs | {s['wrk_cpu_us']:.1f} µs | {s['cores_used']:.2f} |")


def report(results):
    lines = ["| round, server | requests/s | of nginx | p50 / p99 | server CPU per request | wrk CPU per request "
             "| cores used (server + wrk) |", "|---|---|---|---|---|---|---|"]
    for number, figures in enumerate(results["rounds"], 1):
        nginx = figures["nginx"]
        lines.append(row(f"{number}: nginx, bare 200", nginx))
        lines.append(row(f"{number}: flowgate, --persistence.file=", figures["flowgate memory"], nginx))
        lines.append(row(f"{number}: flowgate, --persistence.sync=interval", figures["flowgate interval"], nginx))
    for config in CONFIGS[1:]:
        ratios = [f[config]["rps"] / f["nginx"]["rps"] for f in results["rounds"]]
        lines.append(f"\n{config}: of nginx by round {', '.join(f'{r:.0%}' for r in ratios)}; "
                     f"median {statistics.median(ratios):.0%} (goal ≥ 90%)")
    if results.get("fsync"):
        lines += ["", "| sync=always, connections | pushes/s | p50 / p99 | pushes | fdatasyncs | pushes per fdatasync |",
                  "|---|---|---|---|---|---|"]
        for connections, s in results["fsync"].items():
            lines.append(f"| {connections} | {s['rps']:,.0f} | {s['p50_us'] / 1000:.2f} / {s['p99_us'] / 1000:.2f} ms "
                         f"| {s['puts']:,.0f} | {s['fsyncs']:,.0f} | {s['pushes_per_fsync']:.1f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flowgate", required=True, help="flowgate binary (Release build)")
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c of the side by side (default 16)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the side by side (default 3)")
    parser.add_argument("--fsync-connections", default="16,64,256",
                        help="wrk -c values with the default sync=always (default 16,64,256; empty: skip)")
    parser.add_argument("--perf", help="also profile flowgate in memory only under the load into this perf.data")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()
    args.fsync_connections = [int(c) for c in args.fsync_connections.split(",") if c]
    results = {"connections": args.connections, "seconds": args.seconds}
    with tempfile.TemporaryDirectory(prefix="flowgate-push-path-") as work_dir:
        results["rounds"] = side_by_side(args, work_dir)
        results["fsync"] = pushes_per_fsync(args, work_dir)
        if args.perf:
            results["perf"] = profile(args, work_dir)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=1)
    print(report(results))
    if args.perf:
        print("\nperf report --no-children --sort dso,symbol (flowgate in memory only):\n")
        print("\n".join(line.rstrip(" -") for line in results["perf"].splitlines() if line and not line.startswith("#")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
