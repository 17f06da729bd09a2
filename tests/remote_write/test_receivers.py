"""Remote write requests as flowgate encodes them, sent to real receivers:
Debian's Prometheus 2.42 (remote write 1.0) and Prometheus 3 built from the Go
module proxy (1.0 and 2.0). What each stored is read back through its query
API and must equal what was sent, labels and values.

The bodies come from tests/remote_write/remote_write_body.cpp (the
remote_write library plus snappy), the receivers from servers.py."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

TESTS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "e2e"))
sys.path.insert(0, str(TESTS / "support" / "peers"))
import go_peers  # noqa: E402
import servers  # noqa: E402

BODY_TOOL = os.environ["FLOWGATE_REMOTE_WRITE_BODY"]
# Built once per machine by the peers fixture (support.peer.prometheus); found here.
PROMETHEUS3 = str(go_peers.ensure(go_peers.PEERS["prometheus"]))

EXPOSITION = """# HELP rows_total Rows read.
# TYPE rows_total counter
rows_total{flow="etl"} 42
# TYPE queue_depth gauge
queue_depth{queue="emails"} 7.5
# TYPE task_seconds histogram
task_seconds_bucket{le="0.5"} 1
task_seconds_bucket{le="+Inf"} 3
task_seconds_sum 4.25
task_seconds_count 3
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.9"} 0.25
rpc_seconds_sum 1.5
rpc_seconds_count 6
"""
TARGET = ["job=etl", "instance=pod-1", "cluster=eu"]
# Every series above with the value it carries, as a query returns them.
EXPECTED = {
    'rows_total{flow="etl"}': "42",
    'queue_depth{queue="emails"}': "7.5",
    'task_seconds_bucket{le="0.5"}': "1",
    'task_seconds_bucket{le="+Inf"}': "3",
    "task_seconds_sum": "4.25",
    "task_seconds_count": "3",
    'rpc_seconds{quantile="0.9"}': "0.25",
    "rpc_seconds_sum": "1.5",
    "rpc_seconds_count": "6",
}


def body(protocol, timestamp_ms):
    done = subprocess.run([BODY_TOOL, protocol, str(timestamp_ms), *TARGET], input=EXPOSITION.encode(),
                          capture_output=True, check=True)
    return done.stdout


def post(server, payload, protocol):
    content_type = ("application/x-protobuf" if protocol == "v1"
                    else "application/x-protobuf;proto=io.prometheus.write.v2.Request")
    request = urllib.request.Request(f"{server.url}/api/v1/write", data=payload, method="POST", headers={
        "Content-Encoding": "snappy", "Content-Type": content_type, "User-Agent": "flowgate-test",
        "X-Prometheus-Remote-Write-Version": "0.1.0" if protocol == "v1" else "2.0.0"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def stored(server, timestamp_ms):
    """Every series with job="etl" at the time written: {selector without job/instance/cluster: value}."""
    query = urllib.parse.urlencode({"query": '{job="etl"}', "time": f"{timestamp_ms / 1000:.3f}"})
    with urllib.request.urlopen(f"{server.url}/api/v1/query?{query}", timeout=10) as response:
        result = json.load(response)["data"]["result"]
    out = {}
    for series in result:
        labels = dict(series["metric"])
        assert (labels.pop("job"), labels.pop("instance"), labels.pop("cluster")) == ("etl", "pod-1", "eu")
        name = labels.pop("__name__")
        selector = name + ("{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else "")
        out[selector] = series["value"][1]
    return out


def receiver(binary, work_dir):
    return servers.prometheus(None, work_dir, binary=binary, flags=["--web.enable-remote-write-receiver"])


def check_round_trip(binary, protocol):
    now_ms = int(time.time() * 1000)
    with tempfile.TemporaryDirectory() as work_dir, receiver(binary, work_dir) as server:
        status, headers, text = post(server, body(protocol, now_ms), protocol)
        assert status == 204, text
        assert stored(server, now_ms) == EXPECTED
        return headers


def test_prometheus_2_stores_a_version_1_request_as_sent():
    check_round_trip(servers.PROMETHEUS_BINARY, "v1")


def test_prometheus_3_stores_a_version_1_request_as_sent():
    check_round_trip(PROMETHEUS3, "v1")


def test_prometheus_3_stores_a_version_2_request_and_says_how_much_it_wrote():
    headers = {k.lower(): v for k, v in check_round_trip(PROMETHEUS3, "v2").items()}
    assert headers.get("x-prometheus-remote-write-samples-written") == str(len(EXPECTED))
    assert headers.get("x-prometheus-remote-write-histograms-written") == "0"


def test_prometheus_2_answers_a_version_2_request_without_the_written_headers():
    """What a 2.0 sender must notice: a 1.0-only receiver decodes the body as 1.0,
    finds nothing in it and still answers 2xx, without the *-Written headers."""
    now_ms = int(time.time() * 1000)
    with tempfile.TemporaryDirectory() as work_dir, receiver(servers.PROMETHEUS_BINARY, work_dir) as server:
        status, headers, _ = post(server, body("v2", now_ms), "v2")
        assert 200 <= status < 300
        assert "x-prometheus-remote-write-samples-written" not in {k.lower() for k in headers}
        assert stored(server, now_ms) == {}
