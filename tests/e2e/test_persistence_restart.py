"""With --persistence.file, a graceful stop (SIGTERM) and a restart bring every
group back as it was: values, grouping labels, push times and failure times."""
import time

import exposition_normalizer
import raw_http


def exact_pushed_samples(server):
    return exposition_normalizer.pushed_samples(raw_http.get(server, "/metrics").text(),
                                                mask_times=False)


def test_groups_survive_a_graceful_restart(start_candidate, tmp_path):
    flags = [f"--persistence.file={tmp_path / 'store'}", "--persistence.interval=1s"]
    with start_candidate(flags) as first:
        assert raw_http.request(first, "PUT", "/metrics/job/etl/instance/a",
                                b"# TYPE rows_total counter\nrows_total 12\n").status == 200
        assert raw_http.request(first, "PUT", "/metrics/job/etl/instance/b/zone@base64/=",
                                b"# HELP ok Done.\n# TYPE ok gauge\nok 1\n").status == 200
        # A rejected push leaves a failure time that must survive too.
        assert raw_http.request(first, "PUT", "/metrics/job/etl/instance/a",
                                b"rows_total 1 1000\n").status == 400
        assert raw_http.request(first, "DELETE", "/metrics/job/gone").status == 202
        time.sleep(0.2)  # the DELETE above is queued, not yet applied, on the Pushgateway
        before = exact_pushed_samples(first)
    with start_candidate(flags) as second:
        after = exact_pushed_samples(second)
    assert 'rows_total{instance="a",job="etl"}' in before
    assert float(before['push_failure_time_seconds{instance="a",job="etl"}']) > 0
    assert after == before
