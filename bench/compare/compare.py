"""flowgate side by side with the Debian Pushgateway: same data, same load,
one server at a time on 127.0.0.1, figures printed as a table with the ratio.

Run through bench/compare/run (it finds the binaries and the tools). Servers
start through tests/e2e/servers.py, so they are always stopped.
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))

import servers  # noqa: E402  (tests/e2e/servers.py: the one launcher)
import workload  # noqa: E402

KINDS = ("flowgate", "pushgateway")
OPENMETRICS = "application/openmetrics-text;version=1.0.0"


class Sizes:
    """How much of everything a run does; --smoke shrinks it to seconds."""

    def __init__(self, smoke):
        self.levels = [1] if smoke else [10, 100, 1000]  # stored groups of 1000 series: 10k, 100k, 1M
        self.spread_groups = 100 if smoke else 10000
        self.wrk_seconds = 1 if smoke else 10
        self.scrape_repeats = {1: 2} if smoke else {10: 15, 100: 9, 1000: 5}


# ---------------------------------------------------------------- servers

def argv_of(kind, port, persistence_file, flags, binary):
    program = binary if kind == "flowgate" else servers.PUSHGATEWAY_BINARY
    return [program, f"--web.listen-address=127.0.0.1:{port}", f"--persistence.file={persistence_file}", *flags]


def start(kind, persistence_file, flags=(), binary=None):
    """Starts a server and returns (server, seconds from exec to /-/ready 200)."""
    port = servers.free_port()
    server = servers.ServerProcess(kind, argv_of(kind, port, persistence_file, list(flags), binary), port)
    began = time.monotonic()
    server.process = subprocess.Popen(server.argv, stdout=server.log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
    deadline = began + 600
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{kind} exited with {server.process.returncode}:\n{server.output()}")
        if server._answers_ready():
            return server, time.monotonic() - began
        time.sleep(0.005)
    server.stop()
    raise RuntimeError(f"{kind} not ready after 600 s:\n{server.output()}")


def stop(server):
    server.stop()
    server.log.close()


def rss_bytes(server):
    with open(f"/proc/{server.process.pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(server):
    """User + system CPU the server process has used so far (the machine is shared: CPU per operation
    is the figure that load from other processes distorts least)."""
    with open(f"/proc/{server.process.pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def push_all(server, groups):
    """PUTs every (path, body) over one keep-alive connection; 200 or 202 expected."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        for path, body in groups:
            connection.request("PUT", path, body=body.encode(), headers={"Content-Type": "text/plain; version=0.0.4"})
            response = connection.getresponse()
            answer = response.read()
            if response.status not in (200, 202):
                raise RuntimeError(f"{server.name}: PUT {path} -> {response.status} {answer[:300]!r}")
    finally:
        connection.close()


def loaded(kind, persistence_file, groups, binary, rss_out, flags=(), loader_flags=()):
    """Stores `groups` and returns a server restarted from its persistence file,
    plus the restart's startup seconds. rss_out gets the loader's RSS when it
    first started (empty) and after this load.

    The load runs with --push.disable-consistency-check on both servers only to
    spare the Pushgateway's re-gathering of everything per push (minutes at 1M
    series); the measured server is a plain restart with default flags (plus
    `flags`). `loader_flags` go to the loader only.
    """
    loader, _ = start(kind, persistence_file, ["--push.disable-consistency-check", *loader_flags], binary)
    try:
        rss_out.setdefault("empty", rss_bytes(loader))  # the first load starts empty
        push_all(loader, groups)
        time.sleep(1.0)  # the Pushgateway applies 202 pushes asynchronously
        rss_out["loaded"] = rss_bytes(loader)
    finally:
        stop(loader)  # SIGTERM: both save the store on a graceful stop
    return start(kind, persistence_file, flags, binary)


def scrape_once(server, headers):
    """(seconds, body bytes) of one GET /metrics by curl (body not decompressed)."""
    argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_download}"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run(argv + [f"http://127.0.0.1:{server.port}/metrics"], check=True, capture_output=True,
                         text=True).stdout.split()
    if out[0] != "200":
        raise RuntimeError(f"{server.name}: scrape answered {out[0]}")
    return float(out[1]), int(out[2])


def scrape_text(port):
    """The text body of one GET /metrics."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        connection.request("GET", "/metrics")
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def stored_series(server):
    """Pushed series in a scrape: lines of the flow_/bench_ families (the servers' own metrics differ)."""
    text = scrape_text(server.port)
    return sum(1 for line in text.splitlines() if line.startswith(("flow_", "bench_")))


def wrk(server, groups, seconds, connections, group_name="one"):
    """One wrk run of push.lua; returns its JSON summary plus requests/s."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as body:
        body.write(workload.SMALL_PUSH)
    env = dict(os.environ, BENCH_GROUPS=str(groups), BENCH_GROUP=group_name, BENCH_BODY_FILE=body.name)
    try:
        return _run_wrk(server, seconds, connections, env)
    finally:
        os.remove(body.name)


def _run_wrk(server, seconds, connections, env):
    cpu_before = cpu_seconds(server)
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s",
                          "-s", os.path.join(HERE, "push.lua"), f"http://127.0.0.1:{server.port}"],
                         check=True, capture_output=True, text=True, env=env).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    errors = sum(summary[k] for k in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts"))
    if errors:
        raise RuntimeError(f"{server.name}: wrk saw {errors} failed pushes: {summary}")
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    summary["cpu_us_per_push"] = (cpu_seconds(server) - cpu_before) * 1e6 / max(summary["requests"], 1)
    return summary


# ---------------------------------------------------------------- measurements

def measure_push(kind, sizes, binary, work, flags=()):
    """Push throughput and latency into one group and over spread_groups groups."""
    results = {}
    path = os.path.join(work, f"{kind}-push.db")
    server, _ = start(kind, path, flags, binary)
    try:
        results["one"] = wrk(server, 1, sizes.wrk_seconds, 16)
    finally:
        stop(server)
    if os.path.exists(path):
        os.remove(path)
    # The spread run starts from spread_groups stored groups, so every push
    # replaces one and the store keeps its size.
    prefill = [(workload.small_group_path(g), workload.SMALL_PUSH) for g in range(sizes.spread_groups)]
    loader, _ = start(kind, path, ["--push.disable-consistency-check"], binary)
    try:
        push_all(loader, prefill)
        time.sleep(1.0)
    finally:
        stop(loader)
    server, _ = start(kind, path, flags, binary)
    try:
        results["spread"] = wrk(server, sizes.spread_groups, sizes.wrk_seconds, 16)
    finally:
        stop(server)
    return results


def measure_stores(kind, sizes, binary, work):
    """Scrapes at each store size; memory, startup, push p99 idle/under scrapes at the largest."""
    results = {"scrape": {}}
    path = os.path.join(work, f"{kind}-store.db")
    loaded_groups = 0
    rss = {}
    for level in sizes.levels:
        groups = workload.stored_groups(0, level)  # the whole level: a load replaces nothing it keeps
        server, startup = loaded(kind, path, groups[loaded_groups:], binary, rss)
        loaded_groups = level
        try:
            series = stored_series(server)
            expected = level * workload.SERIES_PER_GROUP
            if series != expected:
                raise RuntimeError(f"{kind}: {series} stored series after loading, expected {expected}")
            level_results = {}
            for label, headers in (("text", {}), ("gzip", {"Accept-Encoding": "gzip"}),
                                   ("openmetrics", {"Accept": OPENMETRICS})):
                first_seconds, _ = scrape_once(server, headers)  # warm-up: first renders and caches
                cpu_before = cpu_seconds(server)
                samples = [scrape_once(server, headers) for _ in range(sizes.scrape_repeats[level])]
                cpu = (cpu_seconds(server) - cpu_before) / len(samples)
                seconds = statistics.median(s for s, _ in samples)
                size = samples[-1][1]
                level_results[label] = {"seconds": seconds, "bytes": size, "bytes_per_second": size / seconds,
                                        "cpu_seconds": cpu, "first_seconds": first_seconds}
            results["scrape"][expected] = level_results
            if level == sizes.levels[-1]:
                results["series"] = expected
                results["startup_seconds"] = startup
                results["rss_per_series"] = (rss["loaded"] - rss["empty"]) / expected
                results["rss_empty"], results["rss_loaded"] = rss["empty"], rss["loaded"]
                # The restarted server after a scrape of every format (flowgate's
                # OpenMetrics and gzip caches filled): what a server under Prometheus holds.
                results["rss_per_series_scraped"] = (rss_bytes(server) - rss["empty"]) / expected
                results["push_idle"] = wrk(server, 1, sizes.wrk_seconds, 1, "latency")
                results["push_under_scrapes"], results["scrapes_during"] = push_during_scrapes(server, sizes)
        finally:
            stop(server)
    return results


def push_during_scrapes(server, sizes):
    """wrk pushes (one connection) while another thread scrapes back to back."""
    stop_flag = threading.Event()
    scrapes = []

    def scrape_loop():
        while not stop_flag.is_set():
            scrapes.append(scrape_once(server, {}))

    scraper = threading.Thread(target=scrape_loop)
    scraper.start()
    try:
        time.sleep(0.2)
        pushed = wrk(server, 1, sizes.wrk_seconds, 1, "latency")
    finally:
        stop_flag.set()
        scraper.join()
    return pushed, len(scrapes)


# ---------------------------------------------------------------- report

def ratio_row(name, flowgate, pushgateway, unit, higher_is_better, goal=None):
    numerator, denominator = (flowgate, pushgateway) if higher_is_better else (pushgateway, flowgate)
    if denominator <= 0:  # below the clock's resolution
        return f"| {name} | {flowgate:,.{unit[1]}f} {unit[0]} | {pushgateway:,.{unit[1]}f} {unit[0]} | n/a | |"
    better = numerator / denominator
    verdict = ""
    if goal is not None:
        verdict = f"goal ≥{goal:g}×: {'met' if better >= goal else 'MISSED'}"
    return f"| {name} | {flowgate:,.{unit[1]}f} {unit[0]} | {pushgateway:,.{unit[1]}f} {unit[0]} | {better:,.1f}× | {verdict} |"


def latency_text(summary, pct):
    if summary["requests"] == 0:
        return f"none finished in {summary['duration_us'] / 1e6:.0f} s"
    return f"{summary[pct + '_us'] / 1000:,.2f} ms"


def report(results):
    fg, pg = results["flowgate"], results["pushgateway"]
    rows = ["| figure | flowgate | Pushgateway | flowgate better by | goal |", "|---|---|---|---|---|"]
    for label, key in (("one group", "one"), (f"{results['spread_groups']:,} groups", "spread")):
        rows.append(ratio_row(f"push/s, {label}", fg["push"][key]["rps"], pg["push"][key]["rps"], ("/s", 0), True,
                              10 if key == "one" else 50))
        for pct in ("p50", "p99"):
            rows.append(ratio_row(f"push {pct}, {label}", fg["push"][key][f"{pct}_us"] / 1000,
                                  pg["push"][key][f"{pct}_us"] / 1000, ("ms", 2), False))
        rows.append(ratio_row(f"server CPU per push, {label}", fg["push"][key]["cpu_us_per_push"],
                              pg["push"][key]["cpu_us_per_push"], ("µs", 0), False))
    if "push_interval" in fg:
        for label, key in (("one group", "one"), (f"{results['spread_groups']:,} groups", "spread")):
            interval, other = fg["push_interval"][key], pg["push"][key]
            rows.append(ratio_row(f"push/s, {label}, flowgate --persistence.sync=interval", interval["rps"],
                                  other["rps"], ("/s", 0), True, 10 if key == "one" else 50))
            for pct in ("p50", "p99"):
                rows.append(ratio_row(f"push {pct}, {label}, sync=interval", interval[f"{pct}_us"] / 1000,
                                      other[f"{pct}_us"] / 1000, ("ms", 2), False))
            rows.append(ratio_row(f"server CPU per push, {label}, sync=interval", interval["cpu_us_per_push"],
                                  other["cpu_us_per_push"], ("µs", 0), False))
    for series, formats in fg["stores"]["scrape"].items():
        for fmt, figures in formats.items():
            other = pg["stores"]["scrape"][series][fmt]
            goal = 10 if series >= 100000 else None
            rows.append(ratio_row(f"scrape {series:,} series, {fmt}", figures["seconds"] * 1000,
                                  other["seconds"] * 1000, ("ms", 1), False, goal))
            rows.append(ratio_row("  first scrape after the restart", figures["first_seconds"] * 1000,
                                  other["first_seconds"] * 1000, ("ms", 1), False))
            rows.append(ratio_row("  server CPU per scrape", figures["cpu_seconds"] * 1000,
                                  other["cpu_seconds"] * 1000, ("ms", 0), False))
            rows.append(ratio_row(f"  bytes/s ({figures['bytes'] / 1e6:.1f} MB vs {other['bytes'] / 1e6:.1f} MB)",
                                  figures["bytes_per_second"] / 1e6, other["bytes_per_second"] / 1e6, ("MB/s", 0), True))
    stores_fg, stores_pg = fg["stores"], pg["stores"]
    series = stores_fg["series"]
    rows.append(ratio_row(f"RSS per series at {series:,}", stores_fg["rss_per_series"], stores_pg["rss_per_series"],
                          ("B", 0), False, 4))
    rows.append(ratio_row(f"RSS per series at {series:,}, after scrapes of every format",
                          stores_fg["rss_per_series_scraped"], stores_pg["rss_per_series_scraped"], ("B", 0), False, 4))
    rows.append(ratio_row(f"startup with {series:,} series persisted", stores_fg["startup_seconds"],
                          stores_pg["startup_seconds"], ("s", 2), False))
    for name, key in (("idle", "push_idle"), ("during back-to-back scrapes", "push_under_scrapes")):
        for pct in ("p50", "p99"):
            title = f"push {pct} at {series:,} series, {name} (1 conn)"
            if min(stores_fg[key]["requests"], stores_pg[key]["requests"]) == 0:
                rows.append(f"| {title} | {latency_text(stores_fg[key], pct)} | {latency_text(stores_pg[key], pct)} | | |")
            else:
                rows.append(ratio_row(title, stores_fg[key][f"{pct}_us"] / 1000, stores_pg[key][f"{pct}_us"] / 1000,
                                      ("ms", 2), False))
    for kind in KINDS:
        s = results[kind]["stores"]
        idle, busy = s["push_idle"], s["push_under_scrapes"]
        ratio = f"{busy['p99_us'] / idle['p99_us']:.2f}" if busy["requests"] and idle["requests"] else "n/a"
        rows.append(f"| {kind}: push p99 under scrapes / idle | {ratio} ({s['scrapes_during']} scrapes, "
                    f"{busy['requests']} pushes finished) | | | {'goal ≤2 (flowgate)' if kind == 'flowgate' else ''} |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flowgate", help="flowgate binary (Release build)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: proves the harness runs (seconds)")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--only", choices=("push", "stores"), help="run one half")
    parser.add_argument("--interval", action="store_true",
                        help="also measure flowgate's pushes with --persistence.sync=interval")
    parser.add_argument("--from-json", help="print the table of an earlier --json file; measure nothing")
    args = parser.parse_args()
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as saved:
            results = json.load(saved)
        for kind in KINDS:  # JSON object keys are strings
            scrapes = results[kind]["stores"]["scrape"]
            results[kind]["stores"]["scrape"] = {int(series): figures for series, figures in scrapes.items()}
        print(report(results))
        return
    sizes = Sizes(args.smoke)
    results = {"spread_groups": sizes.spread_groups}
    work = tempfile.mkdtemp(prefix="flowgate-compare-")
    try:
        for kind in KINDS:
            results[kind] = {}
            if args.only in (None, "push"):
                print(f"# {kind}: pushes", file=sys.stderr, flush=True)
                results[kind]["push"] = measure_push(kind, sizes, args.flowgate, work)
                if kind == "flowgate" and args.interval:
                    results[kind]["push_interval"] = measure_push(kind, sizes, args.flowgate, work,
                                                                  ["--persistence.sync=interval"])
            if args.only in (None, "stores"):
                print(f"# {kind}: stores", file=sys.stderr, flush=True)
                results[kind]["stores"] = measure_stores(kind, sizes, args.flowgate, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=1)
    if args.only is None:
        print(report(results))
    else:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
