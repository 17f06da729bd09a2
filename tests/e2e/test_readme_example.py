"""The newcomer's one-liner from the README, run as written with Debian's
Python: the pushed gauge shows up on /metrics."""
import subprocess
import sys

import exposition_normalizer
import raw_http


def test_readme_push_to_gateway_one_liner_shows_up_on_metrics(start_candidate):
    with start_candidate() as server:
        one_liner = (
            "from prometheus_client import CollectorRegistry, Gauge, push_to_gateway; "
            "r = CollectorRegistry(); "
            "Gauge('job_last_success_unixtime', 'Last time a batch job successfully finished', "
            "registry=r).set_to_current_time(); "
            f"push_to_gateway('localhost:{server.port}', job='batchA', registry=r)")
        subprocess.run([sys.executable, "-c", one_liner], check=True, timeout=60)
        scrape = raw_http.get(server, "/metrics")
    samples = exposition_normalizer.pushed_samples(scrape.text())
    value = samples['job_last_success_unixtime{instance="",job="batchA"}']
    assert float(value) > 1.6e9
    assert "# HELP job_last_success_unixtime Last time a batch job successfully finished" in scrape.text()
