"""A real Prometheus (honor_labels: true, 1 s scrape interval) scrapes the server
under test; its query API returns the pushed values with job and instance as
pushed, and a group pushed without instance has no instance label (the server's
instance="" keeps Prometheus from attaching the target's own)."""
import json
import time
import urllib.parse

import push_clients
import raw_http
import servers

QUERY_TIMEOUT_SECONDS = 30


def query(prometheus, promql):
    path = "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    response = raw_http.get(prometheus, path)
    assert response.status == 200, response.text()
    return json.loads(response.body)["data"]["result"]


def wait_for(prometheus, promql, count):
    deadline = time.monotonic() + QUERY_TIMEOUT_SECONDS
    result = []
    while time.monotonic() < deadline:
        result = query(prometheus, promql)
        if len(result) >= count:
            return result
        time.sleep(0.25)
    raise AssertionError(f"{promql}: {result} after {QUERY_TIMEOUT_SECONDS}s")


def test_prometheus_query_returns_pushed_values_with_job_and_instance(start_candidate, tmp_path):
    with start_candidate() as server:
        assert push_clients.run("python", server.url, "nightly_etl", {"instance": "worker-7"},
                                value=42).returncode == 0
        assert push_clients.run("python", server.url, "nightly_etl", {"flow": "load"},
                                value=5).returncode == 0
        with servers.prometheus(server.host, str(tmp_path)) as prometheus:
            result = wait_for(prometheus, 'python_push_gauge{job="nightly_etl"}', 2)
            # The target's own series: every scrape of the server succeeded.
            target_up = query(prometheus, 'min_over_time(up{job="flowgate"}[1m])')

    assert [sample["value"][1] for sample in target_up] == ["1"]
    by_value = {sample["value"][1]: sample["metric"] for sample in result}
    assert by_value["42"] == {"__name__": "python_push_gauge", "job": "nightly_etl",
                              "instance": "worker-7"}
    assert by_value["5"] == {"__name__": "python_push_gauge", "job": "nightly_etl", "flow": "load"}


def test_prometheus_reads_native_histograms_from_the_protobuf_scrape(start_candidate, tmp_path):
    """With native histograms enabled Prometheus scrapes protobuf: the Go client's
    native histogram arrives whole (count and sum as pushed)."""
    with start_candidate() as server:
        assert push_clients.run("go", server.url, "gojob", {"instance": "go-1"}).returncode == 0
        with servers.prometheus(server.host, str(tmp_path),
                                flags=["--enable-feature=native-histograms"]) as prometheus:
            count = wait_for(prometheus, 'histogram_count(flowgate_go_latency_seconds{job="gojob"})', 1)
            total = query(prometheus, 'histogram_sum(flowgate_go_latency_seconds{job="gojob"})')
            classic = query(prometheus, 'flowgate_go_payload_bytes_count{job="gojob"}')
    assert count[0]["metric"] == {"instance": "go-1", "job": "gojob"}
    assert float(count[0]["value"][1]) == 7
    assert abs(float(total[0]["value"][1]) - 0.3) < 1e-9
    assert float(classic[0]["value"][1]) == 4
