"""Where the CPU goes with many small groups (issue 22, the 1M groups × 10 shape).

flowgate in memory only (`--push.max-groups=0` plus each --flowgate-flag) is
loaded with --groups groups of 10 series (workload.ten_series_body), then
`perf record -g` runs on it either while wrk pushes (`--what push`: -t1 -c16
over the 100 small groups of the curves, 10 s) or over three warm text
scrapes (`--what scrape`, after a first one). Prints wrk's summary or the
scrapes' times and server CPU; read the profile with
`perf report -i FILE --no-children --sort dso,symbol`.

    bench/compare/run --many-groups-profile --groups 500000 --what push --perf /tmp/push.data --flowgate BINARY
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compare"))

import compare  # noqa: E402
import workload  # noqa: E402


def profile_pushes(server, perf_file):
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as body:
        body.write(workload.SMALL_PUSH)
        body.flush()
        env = dict(os.environ, BENCH_GROUPS="100", BENCH_BODY_FILE=body.name)
        load = subprocess.Popen(["wrk", "-t1", "-c16", "-d12s", "-s", os.path.join(HERE, "..", "compare", "push.lua"),
                                 f"http://127.0.0.1:{server.port}"], env=env, stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        subprocess.run(["perf", "record", "-g", "-o", perf_file, "-p", str(server.process.pid), "--", "sleep", "10"],
                       check=True, capture_output=True)
        print(load.communicate()[0].strip().splitlines()[-1])


def profile_scrapes(server, perf_file):
    print("first text scrape (seconds, bytes):", compare.scrape_once(server, {}))
    perf = subprocess.Popen(["perf", "record", "-g", "-o", perf_file, "-p", str(server.process.pid)],
                            stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    cpu = compare.cpu_seconds(server)
    warm = [compare.scrape_once(server, {}) for _ in range(3)]
    print("warm text scrapes (seconds, bytes):", warm, "server CPU per scrape:", (compare.cpu_seconds(server) - cpu) / 3)
    perf.send_signal(2)
    perf.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flowgate", required=True)
    parser.add_argument("--groups", type=int, default=500000, help="stored groups of 10 series (default 500000)")
    parser.add_argument("--what", choices=("push", "scrape"), required=True)
    parser.add_argument("--perf", required=True, help="perf.data file to write")
    parser.add_argument("--flowgate-flag", action="append", default=[], help="extra flowgate flag (repeatable)")
    args = parser.parse_args()
    server, _ = compare.start("flowgate", "", ["--push.max-groups=0", *args.flowgate_flag], args.flowgate)
    try:
        compare.push_all(server, ((workload.group_path(g), workload.ten_series_body(g)) for g in range(args.groups)))
        (profile_pushes if args.what == "push" else profile_scrapes)(server, args.perf)
    finally:
        compare.stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
