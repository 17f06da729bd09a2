"""Cross-check of flowgate's host collector against the real node_exporter.

Starts Debian's prometheus-node-exporter on a free loopback port (always
stopped), scrapes it between two runs of collectors_dump (one refresh of the
host and process collectors, printed as text) and checks that the shared
metrics have the same names and label sets, equal totals, and counters that
node_exporter saw between the two dumps. Paths come from the environment
CTest sets: COLLECTORS_DUMP, NODE_EXPORTER, PROMTOOL.
"""

import os
import socket
import subprocess
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

DUMP = os.environ["COLLECTORS_DUMP"]
NODE_EXPORTER = os.environ["NODE_EXPORTER"]
PROMTOOL = os.environ["PROMTOOL"]

# node_exporter 1.5's upstream default; Debian's build excludes more, so both
# sides are given the same value.
MOUNT_POINTS_EXCLUDE = (
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
)
NETDEV_EXCLUDE = "^lo$"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dump():
    out = subprocess.run(
        [DUMP, "--collector.filesystem.mount-points-exclude=" + MOUNT_POINTS_EXCLUDE,
         "--collector.netdev.device-exclude=" + NETDEV_EXCLUDE],
        check=True, capture_output=True, text=True, timeout=60).stdout
    return out


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def samples(family):
    """{frozenset(labels): value} for the family's own samples."""
    return {frozenset(s.labels.items()): s.value for s in family.samples}


@pytest.fixture(scope="module")
def scrapes():
    port = free_port()
    proc = subprocess.Popen(
        [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{port}",
         "--collector.filesystem.mount-points-exclude=" + MOUNT_POINTS_EXCLUDE,
         "--collector.netdev.device-exclude=" + NETDEV_EXCLUDE],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("node_exporter did not start: " + proc.stderr.read().decode())
                time.sleep(0.1)
        before = dump()
        node = urllib.request.urlopen(url, timeout=10).read().decode()
        after = dump()
        yield {"before_text": before, "before": families(before), "node_text": node,
               "node": families(node), "after": families(after)}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def shared_names(s):
    # prometheus_client strips _total from counter family names.
    return sorted(name for name in s["before"] if name.startswith("node_"))


def test_every_node_metric_flowgate_exports_exists_in_node_exporter(scrapes):
    assert len(shared_names(scrapes)) >= 30
    missing = [name for name in shared_names(scrapes) if name not in scrapes["node"]]
    assert not missing


def test_shared_metrics_have_the_same_types_and_label_sets(scrapes):
    for name in shared_names(scrapes):
        ours, theirs = scrapes["before"][name], scrapes["node"][name]
        assert ours.type == theirs.type, name
        # Same label names and the same series: CPUs and modes, devices,
        # mount points.
        assert set(samples(ours)) == set(samples(theirs)), name


def test_shared_metrics_carry_node_exporters_and_client_golangs_help(scrapes):
    # node_exporter's own process_* metrics come from client_golang.
    names = shared_names(scrapes) + [n for n in scrapes["before"]
                                     if n.startswith("process_") and n in scrapes["node"]]
    assert any(n.startswith("process_") for n in names)
    for name in names:
        assert scrapes["before"][name].documentation == scrapes["node"][name].documentation, name


def test_totals_are_equal(scrapes):
    ours, theirs = scrapes["before"], scrapes["node"]
    assert samples(ours["node_memory_MemTotal_bytes"]) == samples(theirs["node_memory_MemTotal_bytes"])
    assert samples(ours["node_boot_time_seconds"]) == samples(theirs["node_boot_time_seconds"])
    node_cpus = {s.labels["cpu"] for s in theirs["node_cpu_seconds"].samples}
    assert ours["flowgate_host_cpus"].samples[0].value == len(node_cpus)
    for name in ("node_filesystem_size_bytes", "node_filesystem_files",
                 "node_filesystem_readonly", "node_memory_SwapTotal_bytes"):
        assert samples(ours[name]) == samples(theirs[name]), name


def test_counters_node_exporter_read_lie_between_two_flowgate_refreshes(scrapes):
    before, node, after = scrapes["before"], scrapes["node"], scrapes["after"]
    counters = [name for name in shared_names(scrapes) if before[name].type == "counter"]
    assert counters
    # CPU seconds are ticks/100 on both sides; allow one tick of rounding.
    for name in counters:
        low, seen, high = samples(before[name]), samples(node[name]), samples(after[name])
        slack = 0.011 if name.startswith("node_cpu_") else 0
        for labels, value in seen.items():
            assert low[labels] - slack <= value <= high[labels] + slack, (name, dict(labels))


def test_promtool_finds_nothing_it_does_not_find_in_node_exporter(scrapes):
    def complaints(text):
        run = subprocess.run([PROMTOOL, "check", "metrics"], input=text,
                             capture_output=True, text=True, timeout=30)
        return {line for line in (run.stdout + run.stderr).splitlines() if line.strip()}
    ours = complaints(scrapes["before_text"])
    # node_exporter's meminfo names (MemTotal...) are camelCase by design.
    assert ours <= complaints(scrapes["node_text"]), ours - complaints(scrapes["node_text"])
