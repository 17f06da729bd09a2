"""`curl -s .../metrics | promtool check metrics` passes for flowgate's own
metrics (its self-metric families, nothing pushed yet) and after a push."""
import subprocess

import raw_http

PROMTOOL = "/usr/bin/promtool"


def promtool_check(exposition):
    return subprocess.run([PROMTOOL, "check", "metrics"], input=exposition, capture_output=True,
                          timeout=60)


def test_own_metrics_pass_promtool_check_metrics(start_candidate):
    with start_candidate() as server:
        raw_http.get(server, "/-/healthy")  # so the request counters have a series
        scrape = raw_http.get(server, "/metrics")
    assert scrape.status == 200
    checked = promtool_check(scrape.body)
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()


def test_metrics_with_pushed_groups_pass_promtool_check_metrics(start_candidate):
    body = (b"# HELP job_duration_seconds How long the job ran.\n"
            b"# TYPE job_duration_seconds gauge\njob_duration_seconds 12.5\n"
            b"# HELP job_records_total Records processed.\n"
            b"# TYPE job_records_total counter\njob_records_total 1000\n")
    with start_candidate() as server:
        assert raw_http.request(server, "PUT", "/metrics/job/etl/instance/a", body).status == 200
        scrape = raw_http.get(server, "/metrics")
    checked = promtool_check(scrape.body)
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()

