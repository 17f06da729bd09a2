"""flowgate's remote write sender (HttpSender, the send policy, Delivery) through
tests/remote_write/remote_write_send.cpp, against real receivers and against a
capture server that fails on demand.

Real receivers: Debian's Prometheus 2.42 (1.0; a 2.0 request falls back to 1.0),
Prometheus 3 (2.0, and its *-Written headers), VictoriaMetrics (1.0). What each
stored is read back through its query API. The capture server stands in for a
receiver that answers 400/404/413/429/500/503, redirects, hangs, or speaks TLS
with a certificate of its own; every outcome is the one the remote write
specification asks for (retried or dropped, and after which wait)."""
import contextlib
import json
import os
import pathlib
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

TESTS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "e2e"))
sys.path.insert(0, str(TESTS / "support" / "peers"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import go_peers  # noqa: E402
import servers  # noqa: E402
from failing_receiver import failing_receiver  # noqa: E402

SEND_TOOL = os.environ["FLOWGATE_REMOTE_WRITE_SEND"]
EXPOSITION = """# TYPE scraper_pages_total counter
scraper_pages_total{site="shop-a"} 120
# TYPE go_goroutines gauge
go_goroutines 12
# TYPE email_queue_depth gauge
email_queue_depth{queue="campaign"} 7.5
"""
TARGET = ["job=scraper", "instance=task-1"]


def send(config_text, max_attempts=1, timestamp_ms=None, folder=None):
    """Every destination's report (one dict each) for EXPOSITION sent as configured."""
    timestamp_ms = timestamp_ms or int(time.time() * 1000)
    with tempfile.TemporaryDirectory() as scratch:
        path = pathlib.Path(folder or scratch) / "remote-write.yml"
        path.write_text(config_text)
        done = subprocess.run([SEND_TOOL, str(path), str(timestamp_ms), str(max_attempts), *TARGET],
                              input=EXPOSITION, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def query(base_url, expression, timestamp_ms):
    arguments = urllib.parse.urlencode({"query": expression, "time": f"{timestamp_ms / 1000:.3f}"})
    with urllib.request.urlopen(f"{base_url}/api/v1/query?{arguments}", timeout=10) as response:
        result = json.load(response)["data"]["result"]
    return {tuple(sorted(series["metric"].items())): series["value"][1] for series in result}


CONFIG = """global:
  external_labels:
    cluster: eu-1
remote_write:
  - url: {url}
    protobuf_message: {message}
    write_relabel_configs:
      - source_labels: [__name__]
        regex: go_.*
        action: drop
      - target_label: replica
        replacement: a
"""


def expected_series():
    common = {"job": "scraper", "instance": "task-1", "cluster": "eu-1", "replica": "a"}
    return {
        tuple(sorted({**common, "__name__": "scraper_pages_total", "site": "shop-a"}.items())): "120",
        tuple(sorted({**common, "__name__": "email_queue_depth", "queue": "campaign"}.items())): "7.5",
    }


@contextlib.contextmanager
def prometheus_receiver(binary, flags=()):
    with tempfile.TemporaryDirectory() as work_dir, servers.prometheus(
            None, work_dir, binary=binary, flags=["--web.enable-remote-write-receiver", *flags]) as server:
        yield server


def test_prometheus_2_stores_what_version_1_sends_relabelled_with_external_labels():
    now = int(time.time() * 1000)
    with prometheus_receiver(servers.PROMETHEUS_BINARY) as server:
        [report] = send(CONFIG.format(url=f"{server.url}/api/v1/write", message="prometheus.WriteRequest"),
                        timestamp_ms=now)
        assert report["outcome"] == "delivered" and len(report["attempts"]) == 1, report
        assert query(server.url, '{job="scraper"}', now) == expected_series()


def test_a_version_2_sender_falls_back_to_1_when_prometheus_2_stores_nothing():
    now = int(time.time() * 1000)
    with prometheus_receiver(servers.PROMETHEUS_BINARY) as server:
        [report] = send(CONFIG.format(url=f"{server.url}/api/v1/write", message="io.prometheus.write.v2.Request"),
                        max_attempts=3, timestamp_ms=now)
        assert [(a["protocol"], a["verdict"]) for a in report["attempts"]] == [(2, "downgrade"), (1, "delivered")]
        assert "does not speak remote write 2.0" in report["attempts"][0]["reason"]
        assert query(server.url, '{job="scraper"}', now) == expected_series()


def test_prometheus_3_takes_version_2():
    now = int(time.time() * 1000)
    with prometheus_receiver(str(go_peers.ensure(go_peers.PEERS["prometheus"]))) as server:
        [report] = send(CONFIG.format(url=f"{server.url}/api/v1/write", message="io.prometheus.write.v2.Request"),
                        timestamp_ms=now)
        assert [(a["protocol"], a["verdict"]) for a in report["attempts"]] == [(2, "delivered")], report
        assert query(server.url, '{job="scraper"}', now) == expected_series()


def test_a_version_2_sender_falls_back_to_1_when_prometheus_3_answers_415():
    """Prometheus 3 told to take 1.0 only refuses a 2.0 request with 415 Unsupported Media Type."""
    now = int(time.time() * 1000)
    only_v1 = ["--web.remote-write-receiver.accepted-protobuf-messages=prometheus.WriteRequest"]
    with prometheus_receiver(str(go_peers.ensure(go_peers.PEERS["prometheus"])), only_v1) as server:
        [report] = send(CONFIG.format(url=f"{server.url}/api/v1/write", message="io.prometheus.write.v2.Request"),
                        max_attempts=3, timestamp_ms=now)
        assert [(a["protocol"], a["status"], a["verdict"]) for a in report["attempts"]] == [
            (2, 415, "downgrade"), (1, 204, "delivered")], report
        assert query(server.url, '{job="scraper"}', now) == expected_series()


def test_victoriametrics_stores_what_version_1_sends():
    now = int(time.time() * 1000)
    binary = str(go_peers.ensure(go_peers.PEERS["victoria-metrics"]))
    with tempfile.TemporaryDirectory() as work_dir:
        def make(port):
            return servers.ServerProcess("victoria-metrics", [
                binary, f"-storageDataPath={work_dir}/vm", f"-httpListenAddr=127.0.0.1:{port}",
                "-search.latencyOffset=0s", "-loggerLevel=ERROR"], port, ready_path="/health")
        server = servers._start_with_retry(make)
        try:
            [report] = send(CONFIG.format(url=f"{server.url}/api/v1/write", message="prometheus.WriteRequest"),
                            timestamp_ms=now)
            assert report["outcome"] == "delivered", report
            urllib.request.urlopen(f"{server.url}/internal/force_flush", timeout=10).read()
            servers.wait_for("VictoriaMetrics to answer the query",
                             lambda: query(server.url, '{job="scraper"}', now) == expected_series(), seconds=30)
        finally:
            server.stop()


def plain_config(url, extra=""):
    return f"""remote_write:
  - url: {url}
    remote_timeout: 1s
    queue_config:
      min_backoff: 10ms
      max_backoff: 40ms
{extra}"""


@pytest.mark.parametrize("status", [400, 401, 404, 413, 422])
def test_client_errors_are_dropped_at_once(status):
    with failing_receiver() as receiver:
        [report] = send(plain_config(f"{receiver.url}/status/{status}"), max_attempts=5)
        assert report["outcome"] == "drop"
        assert [(a["status"], a["verdict"]) for a in report["attempts"]] == [(status, "drop")]
        assert report["attempts"][0]["reason"] == f"HTTP {status}: receiver says {status} (not retried)"
        assert len(receiver.seen) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_throttling_are_retried_with_a_growing_backoff(status):
    with failing_receiver() as receiver:
        [report] = send(plain_config(f"{receiver.url}/status/{status}"), max_attempts=4)
        assert report["outcome"] == "retry"
        assert [a["wait_ms"] for a in report["attempts"]] == [10, 20, 40, 40]
        assert len(receiver.seen) == 4


def test_429_is_dropped_when_retry_on_http_429_is_off():
    with failing_receiver() as receiver:
        [report] = send(plain_config(f"{receiver.url}/status/429", "      retry_on_http_429: false\n"), max_attempts=3)
        assert [(a["status"], a["verdict"]) for a in report["attempts"]] == [(429, "drop")]


def test_retry_after_lengthens_the_wait():
    with failing_receiver() as receiver:
        [report] = send(plain_config(f"{receiver.url}/status/503?retry_after=1"), max_attempts=2)
        assert [a["wait_ms"] for a in report["attempts"]] == [1000, 1000]


def test_307_and_308_are_followed_with_the_body_and_301_is_not():
    with failing_receiver() as receiver:
        for status in (307, 308):
            [report] = send(plain_config(f"{receiver.url}/redirect/{status}"), max_attempts=3)
            assert [(a["status"], a["verdict"]) for a in report["attempts"]] == [(204, "delivered")], report
        assert [path for path, _, size in receiver.seen if size > 0] == [
            "/redirect/307", "/status/204", "/redirect/308", "/status/204"]
        [moved] = send(plain_config(f"{receiver.url}/redirect/301"), max_attempts=3)
        assert [(a["status"], a["verdict"]) for a in moved["attempts"]] == [(301, "drop")]
        assert "not followed" in moved["attempts"][0]["reason"]


def test_a_receiver_slower_than_remote_timeout_is_retried():
    with failing_receiver() as receiver:
        [report] = send(plain_config(f"{receiver.url}/hang"), max_attempts=1)
        assert report["outcome"] == "retry"
        assert report["attempts"][0]["status"] == 0
        assert "no answer within remote_timeout" in report["attempts"][0]["reason"]


def test_refused_connections_and_unknown_hosts_are_retried():
    port = servers.free_port()
    [refused] = send(plain_config(f"http://127.0.0.1:{port}/api/v1/write"), max_attempts=2)
    assert [a["verdict"] for a in refused["attempts"]] == ["retry", "retry"]
    assert "no answer: Connection refused" in refused["attempts"][0]["reason"]
    [unknown] = send(plain_config("http://flowgate-test.invalid/api/v1/write"), max_attempts=1)
    assert unknown["attempts"][0]["status"] == 0 and unknown["outcome"] == "retry"


def test_headers_and_basic_auth_reach_the_receiver():
    with failing_receiver() as receiver, tempfile.TemporaryDirectory() as folder:
        (pathlib.Path(folder) / "password.txt").write_text("s3cret\n")
        [report] = send(plain_config(f"{receiver.url}/status/204", "    headers:\n      THANOS-TENANT: marketing\n"
                                     "    basic_auth:\n      username: flowgate\n      password_file: password.txt\n"),
                        folder=folder)
        assert report["outcome"] == "delivered"
        _, headers, _ = receiver.seen[0]
        assert headers["THANOS-TENANT"] == "marketing"
        assert headers["Authorization"] == "Basic Zmxvd2dhdGU6czNjcmV0"  # flowgate:s3cret
        assert headers["Content-Encoding"] == "snappy"
        assert headers["Content-Type"] == "application/x-protobuf"
        assert headers["X-Prometheus-Remote-Write-Version"] == "0.1.0"


def test_tls_needs_the_receivers_ca_and_works_with_it():
    with tempfile.TemporaryDirectory() as folder:
        key, cert = pathlib.Path(folder) / "tls.key", pathlib.Path(folder) / "tls.crt"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        with failing_receiver(context) as receiver:
            url = f"https://localhost:{receiver.server_address[1]}/status/204"
            [untrusted] = send(plain_config(url), max_attempts=1, folder=folder)
            assert untrusted["outcome"] == "retry"
            assert "certificate verify failed" in untrusted["attempts"][0]["reason"], untrusted
            [trusted] = send(plain_config(url, "    tls_config:\n      ca_file: tls.crt\n"), folder=folder)
            assert trusted["outcome"] == "delivered", trusted
