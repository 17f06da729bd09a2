"""Unchanged client libraries push to the server under test (flowgate, or the
Pushgateway when FLOWGATE_E2E_CANDIDATE=pushgateway): the pushed values show
up on /metrics with the grouping labels, PUT replaces, POST adds, DELETE removes."""
import time

import pytest

import exposition_normalizer
import push_clients
import raw_http
from push_clients import series


def scrape(server):
    response = raw_http.get(server, server.route_prefix + "/metrics")
    assert response.status == 200, response.text()
    return exposition_normalizer.pushed_samples(response.text())


def scrape_after_delete(server, gone_key):
    """DELETE is answered before it is applied (202 = queued); wait for it."""
    for _ in range(50):
        samples = scrape(server)
        if gone_key not in samples:
            return samples
        time.sleep(0.05)
    return samples


@pytest.fixture
def server(start_candidate):
    with start_candidate() as started:
        yield started


def checked(result):
    assert result.returncode == 0, f"exit {result.returncode}: {result.stdout} {result.stderr}"
    return result


def push_add_delete(server, client, grouping, labels, gauge, expected):
    """PUT with value 4.5 shows `expected` ({series: value}); POST with 7 moves
    `gauge`; DELETE leaves nothing of the job on /metrics."""
    job = labels["job"]
    checked(push_clients.run(client, server.url, job, grouping, value=4.5))
    samples = scrape(server)
    assert {key: samples.get(key) for key in expected} == expected
    assert samples[series("push_time_seconds", **labels)] == exposition_normalizer.TIME_MARKER

    checked(push_clients.run(client, server.url, job, grouping, value=7, add=True))
    assert scrape(server)[series(gauge, **labels)] == "7"

    checked(push_clients.run(client, server.url, job, grouping, delete=True))
    samples = scrape_after_delete(server, series(gauge, **labels))
    assert not [key for key in samples if f'job="{job}"' in key]


def test_python_client_push_pushadd_delete_with_slash_and_empty_grouping_values(server):
    # A '/' in a value makes the client use @base64, an empty value '=', and
    # quote_plus turns ' ' into a '+' that the server keeps literally.
    grouping = {"instance": "host/a", "zone": "", "team": "data eng"}
    labels = {"instance": "host/a", "job": "py", "zone": "", "team": "data+eng"}
    push_add_delete(server, "python", grouping, labels, "python_push_gauge", {
        series("python_push_gauge", **labels): "4.5",
        series("python_push_events_total", **labels): "4.5",
        series("python_push_duration_seconds_count", **labels): "1",
        series("python_push_duration_seconds_sum", **labels): "4.5"})


def test_python_client_reports_a_rejected_push_as_error(server):
    # Another group already holds python_push_gauge as a counter: type conflict, 400.
    occupied = raw_http.request(server, "PUT", server.route_prefix + "/metrics/job/other",
                                b"# TYPE python_push_gauge counter\npython_push_gauge 1\n")
    assert occupied.status == 200
    result = push_clients.run("python", server.url, "py", {"instance": "a"}, value=1)
    assert result.returncode == 1
    assert "400" in result.stderr


def test_cpp_client_push_pushadd_delete(server):
    grouping = {"instance": "cpp1", "stage": "load"}
    labels = {"instance": "cpp1", "job": "cpp", "stage": "load"}
    push_add_delete(server, "cpp", grouping, labels, "cpp_push_gauge", {
        series("cpp_push_gauge", **labels): "4.5",
        series("cpp_push_events_total", **labels): "4.5",
        series("cpp_push_duration_seconds_bucket", **labels, le="1"): "0",
        series("cpp_push_duration_seconds_bucket", **labels, le="5"): "1",
        series("cpp_push_duration_seconds_bucket", **labels, le="+Inf"): "1",
        series("cpp_push_duration_seconds_count", **labels): "1"})


def test_go_client_protobuf_push_pushadd_delete(server):
    grouping = {"instance": "go/1", "zone": ""}
    checked(push_clients.run("go", server.url, "gojob", grouping))
    samples = scrape(server)
    pushed = [key for key in samples if 'job="gojob"' in key and not key.startswith("push_")]
    assert pushed, f"nothing from the Go client on /metrics: {sorted(samples)}"
    assert all('instance="go/1"' in key and 'zone=""' in key for key in pushed)
    labels = {"instance": "go/1", "job": "gojob", "zone": ""}
    assert samples[series("flowgate_go_queue_depth", **labels, queue="default")] == "-12.25"
    assert samples[series("flowgate_go_tasks_total", **labels, flow="étl-日本", state="ok")] == "42"
    assert samples[series("flowgate_go_tasks_total", **labels, flow='quote\\"back\\\\slash\\nnewline',
                          state="failed")] == "3"
    assert samples[series("flowgate_go_payload_bytes_bucket", **labels, le="1000")] == "2"
    assert samples[series("flowgate_go_duration_seconds_count", **labels)] == "4"

    checked(push_clients.run("go", server.url, "gojob", grouping, add=True))
    checked(push_clients.run("go", server.url, "gojob", grouping, delete=True))
    samples = scrape_after_delete(server, pushed[0])
    assert not [key for key in samples if 'job="gojob"' in key]
