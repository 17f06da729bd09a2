#!/usr/bin/env python3
"""Remote write, measured with whole processes on 127.0.0.1 (issue 17; figures in bench/RESULTS.md).

  side-by-side  the same 100k series in 10k groups, the same receiver (VictoriaMetrics v1.151.0):
                flowgate remote-writing them every --interval, against Debian's Prometheus 2.42 scraping
                flowgate every --interval with honor_labels and remote-writing what it scraped. Samples/s
                the receiver took, and the CPU seconds each sender spent per million samples.
  outage        the receiver away for --outage-seconds while every group is pushed again once a minute;
                then back: how long flowgate takes to drain its backlog, and its peak RSS meanwhile.
  push-load     wrk pushes (bench/compare/push.lua, 10k groups) against flowgate with no destination, and
                with two (one live receiver, one that never answers): requests/s and p99. The live one is
                VictoriaMetrics, then nginx answering 204 (a receiver that takes no CPU from this machine);
                with --persistence.sync=always and =interval, the three set-ups in turn --repeats times.

    bench/remote_write/remote_write_bench.py --flowgate build/release/exporter/flowgate [--only MODE] [--smoke]

Needs wrk, nginx, Debian's prometheus, and VictoriaMetrics from the peers cache (tests/support/peers/go_peers.py).
Prints one table; --json FILE keeps every figure."""
import argparse
import http.client
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "tests" / "e2e"))
sys.path.insert(0, str(HERE.parent.parent / "tests" / "support" / "peers"))
sys.path.insert(0, str(HERE.parent / "compare"))
import go_peers  # noqa: E402
import servers  # noqa: E402
import workload  # noqa: E402


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def metric_sum(url, name, must_contain=""):
    with urllib.request.urlopen(f"{url}/metrics", timeout=30) as response:
        total = 0.0
        for line in response.read().decode().splitlines():
            if (line.startswith(name + "{") or line.startswith(name + " ")) and must_contain in line:
                total += float(line.rsplit(" ", 1)[1])
        return total


def group_body(group, value, series_per_group):
    rows = "".join(f'bench_value{{series="{s}"}} {value + s}\n' for s in range(series_per_group))
    return f"# TYPE bench_value gauge\n{rows}"


def push_groups(url_port, groups, series_per_group, value):
    connection = http.client.HTTPConnection("127.0.0.1", url_port, timeout=120)
    try:
        for group in range(groups):
            connection.request("PUT", f"/metrics/job/bench/instance/g{group}",
                               body=group_body(group, value, series_per_group).encode())
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"push of group {group}: {response.status}")
    finally:
        connection.close()


def victoria_metrics(work_dir):
    binary = str(go_peers.ensure(go_peers.PEERS["victoria-metrics"]))
    port = servers.free_port()
    return servers.ServerProcess("victoria-metrics", [
        binary, f"-storageDataPath={work_dir}/vm", f"-httpListenAddr=127.0.0.1:{port}", "-loggerLevel=ERROR",
        "-retentionPeriod=1d"], port, ready_path="/health").start()


def vm_rows(vm):
    return metric_sum(vm.url, "vm_rows_inserted_total", 'type="promremotewrite"')


def flowgate(binary, work_dir, flags=()):
    port = servers.free_port()
    return servers.ServerProcess("flowgate", [
        binary, f"--web.listen-address=127.0.0.1:{port}", f"--persistence.file={work_dir}/flowgate.db",
        "--collector.host=false", *flags], port).start()


def rw_config(work_dir, destinations):
    path = pathlib.Path(work_dir, "rw.yml")
    path.write_text("remote_write:\n" + "".join(
        f"  - url: {url}\n    name: {name}\n    queue_config:\n      max_samples_per_send: 10000\n"
        for name, url in destinations))
    return path


def measure_window(seconds, vm, pids):
    """Rows the receiver took and CPU of each pid over `seconds`."""
    rows0, cpu0 = vm_rows(vm), {pid: proc_cpu(pid) for pid in pids}
    time.sleep(seconds)
    rows1, cpu1 = vm_rows(vm), {pid: proc_cpu(pid) for pid in pids}
    return rows1 - rows0, {pid: cpu1[pid] - cpu0[pid] for pid in pids}


def side_by_side(args, results):
    groups, per_group = (200, 10) if args.smoke else (10_000, 10)
    interval = args.interval
    window = 3 * interval if args.smoke else 12 * interval
    with tempfile.TemporaryDirectory() as work_dir:
        vm = victoria_metrics(work_dir)
        try:
            config = rw_config(work_dir, [("vm", f"{vm.url}/api/v1/write")])
            gate = flowgate(args.flowgate, work_dir, [f"--remote-write.config-file={config}",
                                                      f"--remote-write.interval={interval}s"])
            try:
                push_groups(gate.port, groups, per_group, 1)
                time.sleep(2 * interval)  # warm: the pushes and a first round are through
                rows, cpu = measure_window(window, vm, [gate.process.pid])
                results["flowgate"] = {"samples": rows, "seconds": window, "cpu": cpu[gate.process.pid]}
            finally:
                gate.stop()
        finally:
            vm.stop()
    with tempfile.TemporaryDirectory() as work_dir:
        vm = victoria_metrics(work_dir)
        try:
            gate = flowgate(args.flowgate, work_dir)
            push_groups(gate.port, groups, per_group, 1)
            extra = f"remote_write:\n  - url: {vm.url}/api/v1/write\n    queue_config:\n      max_samples_per_send: 10000\n"
            with servers.prometheus(gate.host, work_dir, scrape_interval=f"{interval}s", extra_yaml=extra) as prom:
                time.sleep(2 * interval)
                rows, cpu = measure_window(window, vm, [prom.process.pid, gate.process.pid])
                results["prometheus"] = {"samples": rows, "seconds": window, "cpu": cpu[prom.process.pid],
                                         "flowgate_serving_scrapes_cpu": cpu[gate.process.pid]}
            gate.stop()
        finally:
            vm.stop()


def outage(args, results):
    groups, per_group = (200, 10) if args.smoke else (10_000, 10)
    away = 20 if args.smoke else args.outage_seconds
    with tempfile.TemporaryDirectory() as work_dir:
        vm_dir = pathlib.Path(work_dir, "vmdata")
        vm_dir.mkdir()
        vm = victoria_metrics(vm_dir)
        vm_port = vm.port
        config = rw_config(work_dir, [("vm", f"{vm.url}/api/v1/write")])
        gate = flowgate(args.flowgate, work_dir, [f"--remote-write.config-file={config}",
                                                  "--remote-write.interval=15s"])
        peak = {"rss": 0}
        stop = threading.Event()

        def watch_rss():
            while not stop.is_set():
                peak["rss"] = max(peak["rss"], proc_rss(gate.process.pid))
                time.sleep(0.2)
        watcher = threading.Thread(target=watch_rss, daemon=True)
        watcher.start()
        try:
            push_groups(gate.port, groups, per_group, 0)
            time.sleep(5)
            vm.stop()
            began = time.monotonic()
            pushes = 0
            while time.monotonic() - began < away:  # every group again once a minute
                minute = time.monotonic()
                push_groups(gate.port, groups, per_group, pushes + 1)
                pushes += 1
                time.sleep(max(0.0, min(60.0, away - (time.monotonic() - began)) - (time.monotonic() - minute)))
            backlog = metric_sum(gate.url, "flowgate_remote_write_backlog_bytes")
            vm = servers.ServerProcess("victoria-metrics", [
                str(go_peers.ensure(go_peers.PEERS["victoria-metrics"])), f"-storageDataPath={vm_dir}/vm",
                f"-httpListenAddr=127.0.0.1:{vm_port}", "-loggerLevel=ERROR", "-retentionPeriod=1d"], vm_port,
                ready_path="/health").start()
            back = time.monotonic()
            while (metric_sum(gate.url, "flowgate_remote_write_backlog_bytes") > 0
                   or metric_sum(gate.url, "flowgate_remote_write_failing") > 0):
                time.sleep(0.2)
            results["outage"] = {"away_seconds": away, "series": groups * per_group, "pushes_per_group": pushes,
                                 "backlog_bytes": backlog, "drain_seconds": time.monotonic() - back,
                                 "peak_rss_bytes": peak["rss"]}
        finally:
            stop.set()
            gate.stop()
            vm.stop()


def wrk_push(gate, seconds, groups):
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as body:
        body.write(workload.SMALL_PUSH)
        body.flush()
        env = dict(os.environ, BENCH_GROUPS=str(groups), BENCH_BODY_FILE=body.name)
        out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "--timeout", "60s", "-s",
                              str(HERE.parent / "compare" / "push.lua"), gate.url], capture_output=True, text=True,
                             env=env, check=True).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    return summary


class Sink:
    """nginx answering 204 to every write, the body read and thrown away: a
    receiver that costs this machine next to nothing, so the push-load
    figures show flowgate's own cost of remote write (VictoriaMetrics on the
    same two cores also takes CPU from the pushes while it ingests)."""

    def __init__(self, work_dir):
        self.port = servers.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = servers.nginx_config(work_dir, "sink", f"""  client_max_body_size 64m;
  server {{
    listen 127.0.0.1:{self.port};
    location / {{ return 204; }}
  }}""")
        self.process = subprocess.Popen(["nginx", "-c", str(config), "-p", work_dir], stderr=subprocess.DEVNULL)
        servers.wait_for("the sink", self._answers, seconds=10)

    def _answers(self):
        try:
            with urllib.request.urlopen(urllib.request.Request(self.url, data=b"x"), timeout=2) as response:
                return response.status == 204
        except OSError:
            return False

    def stop(self):
        self.process.terminate()
        self.process.wait()


def push_with_destinations(args, seconds, groups, live, sync):
    """wrk against flowgate with `live` (vm or sink) and a dead destination."""
    with tempfile.TemporaryDirectory() as work_dir:
        receiver = victoria_metrics(work_dir) if live == "vm" else Sink(work_dir)
        config = rw_config(work_dir, [(live, f"{receiver.url}/api/v1/write"),
                                      ("dead", f"http://127.0.0.1:{servers.free_port()}/api/v1/write")])
        gate = flowgate(args.flowgate, work_dir, [f"--remote-write.config-file={config}", f"--persistence.sync={sync}"])
        try:
            summary = wrk_push(gate, seconds, groups)
            summary["samples_sent"] = metric_sum(gate.url, "prometheus_remote_storage_samples_total",
                                                 f'remote_name="{live}"')
            return summary
        finally:
            gate.stop()
            receiver.stop()


def push_load(args, results):
    """Each sync policy: the three set-ups in turn, --repeats times (a drift
    in the machine's speed hits all three alike), medians compared."""
    seconds = 2 if args.smoke else 10
    groups = 100 if args.smoke else 10_000
    for sync in ("always", "interval"):
        runs = {"none": [], "vm": [], "sink": []}
        for _ in range(1 if args.smoke else args.repeats):
            with tempfile.TemporaryDirectory() as work_dir:
                gate = flowgate(args.flowgate, work_dir, [f"--persistence.sync={sync}"])
                try:
                    runs["none"].append(wrk_push(gate, seconds, groups))
                finally:
                    gate.stop()
            for live in ("vm", "sink"):
                runs[live].append(push_with_destinations(args, seconds, groups, live, sync))
        results[f"push_{sync}"] = runs


def report(results):
    lines = []
    if "flowgate" in results and "prometheus" in results:
        f, p = results["flowgate"], results["prometheus"]
        f_rate, p_rate = f["samples"] / f["seconds"], p["samples"] / p["seconds"]
        f_cpu = f["cpu"] / (f["samples"] / 1e6) if f["samples"] else float("inf")
        p_cpu = p["cpu"] / (p["samples"] / 1e6) if p["samples"] else float("inf")
        both = (p["cpu"] + p["flowgate_serving_scrapes_cpu"]) / (p["samples"] / 1e6) if p["samples"] else 0
        lines += [f"side by side: flowgate {f_rate:,.0f} samples/s, {f_cpu:.2f} CPU s per million samples; "
                  f"Prometheus 2.42 scraping it {p_rate:,.0f} samples/s, {p_cpu:.2f} CPU s per million "
                  f"({both:.2f} with flowgate serving its scrapes); samples per CPU second: flowgate/Prometheus = "
                  f"{p_cpu / f_cpu:.2f}x"]
    if "outage" in results:
        o = results["outage"]
        lines.append(f"outage: {o['series']:,} series, receiver away {o['away_seconds']} s "
                     f"({o['pushes_per_group']} pushes per group, backlog {o['backlog_bytes'] / 2**20:.1f} MiB): "
                     f"drained in {o['drain_seconds']:.1f} s, peak RSS {o['peak_rss_bytes'] / 2**20:.1f} MiB")
    for sync in ("always", "interval"):
        if f"push_{sync}" not in results:
            continue
        runs = results[f"push_{sync}"]
        rate = {name: statistics.median(run["rps"] for run in done) for name, done in runs.items()}
        p99 = {name: statistics.median(run["p99_us"] for run in done) / 1000 for name, done in runs.items()}
        lines.append(f"pushes, --persistence.sync={sync}, medians of {len(runs['none'])}: no destination "
                     f"{rate['none']:,.0f}/s p99 {p99['none']:.2f} ms (runs "
                     + ", ".join(f"{run['rps']:,.0f}" for run in runs["none"]) + ")")
        for key, live in (("vm", "VictoriaMetrics on this machine"), ("sink", "a 204 sink")):
            lines.append(f"  two destinations ({live} + a dead one): {rate[key]:,.0f}/s p99 {p99[key]:.2f} ms; "
                         f"throughput {(rate[key] / rate['none'] - 1) * 100:+.1f}% (runs "
                         + ", ".join(f"{run['rps']:,.0f}" for run in runs[key]) + ")")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flowgate", required=True)
    parser.add_argument("--only", choices=["side-by-side", "outage", "push-load"])
    parser.add_argument("--interval", type=int, default=5, help="seconds between rounds and between scrapes")
    parser.add_argument("--outage-seconds", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3, help="push-load: runs of each set-up per sync policy")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: proves the harness works")
    parser.add_argument("--json")
    args = parser.parse_args()
    results = {}
    modes = {"side-by-side": side_by_side, "outage": outage, "push-load": push_load}
    for name, run in modes.items():
        if args.only in (None, name):
            run(args, results)
    report(results)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
