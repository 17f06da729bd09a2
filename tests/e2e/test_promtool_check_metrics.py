"""`curl -s .../metrics | promtool check metrics` passes for the server's own
metrics (nothing pushed yet) and after a push.

One lint is tolerated: the host collector copies node_exporter's names on
purpose (docs/metrics.md), and node_exporter's node_memory_MemTotal_bytes & co.
are camelCase, which promtool's lint flags (node_exporter fails it the same way)."""
import re
import subprocess

import raw_http

PROMTOOL = "/usr/bin/promtool"
LINT_PROBLEMS = 3  # promtool's exit code for lint findings (1 = unparsable)
NODE_EXPORTER_CAMEL_CASE = re.compile(
    r"^node_\w+ metric names should be written in 'snake_case' not 'camelCase'$")


def promtool_problems(exposition):
    """promtool's findings, minus the node_exporter names kept on purpose."""
    checked = subprocess.run([PROMTOOL, "check", "metrics"], input=exposition, capture_output=True,
                             timeout=60)
    output = (checked.stdout + checked.stderr).decode()
    if checked.returncode not in (0, LINT_PROBLEMS):
        return [f"promtool exit {checked.returncode}: {output}"]
    return [line for line in output.splitlines()
            if line.strip() and not NODE_EXPORTER_CAMEL_CASE.match(line)]


def own_families_only(exposition):
    """The server's self-metric families (flowgate_*/pushgateway_*, process_*)."""
    kept = []
    keep = False
    for line in exposition.decode().splitlines():
        if line.startswith(("# HELP ", "# TYPE ")):
            keep = line.split(" ")[2].startswith(("flowgate_", "pushgateway_", "process_"))
        if keep:
            kept.append(line)
    return ("\n".join(kept) + "\n").encode()


def test_self_metric_families_pass_promtool_check_metrics(start_candidate):
    with start_candidate() as server:
        raw_http.get(server, "/-/healthy")  # so the request counters have a series
        scrape = raw_http.get(server, "/metrics")
    assert scrape.status == 200
    own = own_families_only(scrape.body)
    assert b"_build_info" in own
    assert promtool_problems(own) == []


def test_whole_exposition_passes_promtool_check_metrics(start_candidate):
    with start_candidate() as server:
        scrape = raw_http.get(server, "/metrics")
    assert promtool_problems(scrape.body) == []


def test_metrics_with_pushed_groups_pass_promtool_check_metrics(start_candidate):
    body = (b"# HELP job_duration_seconds How long the job ran.\n"
            b"# TYPE job_duration_seconds gauge\njob_duration_seconds 12.5\n"
            b"# HELP job_records_total Records processed.\n"
            b"# TYPE job_records_total counter\njob_records_total 1000\n")
    with start_candidate() as server:
        assert raw_http.request(server, "PUT", "/metrics/job/etl/instance/a", body).status == 200
        scrape = raw_http.get(server, "/metrics")
    assert 'job_records_total{instance="a",job="etl"} 1000' in scrape.text()
    assert promtool_problems(scrape.body) == []
