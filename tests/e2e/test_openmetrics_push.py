"""Python's prometheus_client (Debian's, unchanged) pushes an OpenMetrics body
made by its openmetrics.exposition.generate_latest, through push_to_gateway
with a handler that sends it as application/openmetrics-text: a counter with
an exemplar and a histogram with a bucket exemplar. An OpenMetrics scrape of
flowgate gives both exemplars and the _created samples back; a text scrape
has neither. A real Prometheus (Debian's 2.42, which negotiates OpenMetrics
first) scraping flowgate with exemplar storage on returns the exemplars from
/api/v1/query_exemplars."""
import json
import time
import urllib.parse

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import default_handler, push_to_gateway
from prometheus_client.openmetrics.exposition import CONTENT_TYPE_LATEST as OPENMETRICS_CONTENT_TYPE
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics

import raw_http
import servers

QUERY_TIMEOUT_SECONDS = 30


def openmetrics_handler(registry):
    """push_to_gateway's handler, sending the registry as OpenMetrics instead
    of the text 0.0.4 body the client made."""
    def handler(url, method, timeout, headers, data):
        del headers, data  # the text body and its Content-Type
        return default_handler(url, method, timeout, [("Content-Type", OPENMETRICS_CONTENT_TYPE)],
                               generate_openmetrics(registry))
    return handler


def push_with_exemplars(server):
    registry = CollectorRegistry()
    jobs = Counter("om_jobs", "Jobs done.", ["queue"], registry=registry)
    jobs.labels("fast").inc(3, exemplar={"trace_id": "abc123"})
    latency = Histogram("om_latency_seconds", "Latency.", registry=registry, buckets=(0.1, 1.0))
    latency.observe(0.05, exemplar={"trace_id": "def456"})
    latency.observe(2)
    push_to_gateway(server.host, job="omjob", registry=registry, handler=openmetrics_handler(registry))


def samples_by_name(text):
    samples = {}
    for family in parse_openmetrics(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def test_openmetrics_push_keeps_exemplars_and_created_for_openmetrics_scrapes():
    with servers.flowgate() as server:
        push_with_exemplars(server)
        scraped = raw_http.get(server, "/metrics", headers={"Accept": OPENMETRICS_CONTENT_TYPE})
        text = raw_http.get(server, "/metrics").text()
    assert scraped.status == 200
    samples = samples_by_name(scraped.text())
    [total] = samples["om_jobs_total"]
    assert total.value == 3
    assert total.labels == {"job": "omjob", "instance": "", "queue": "fast"}
    assert total.exemplar.labels == {"trace_id": "abc123"}
    assert total.exemplar.value == 3
    assert total.exemplar.timestamp is not None
    [bucket] = [s for s in samples["om_latency_seconds_bucket"] if s.labels["le"] == "0.1"]
    assert bucket.exemplar.labels == {"trace_id": "def456"}
    assert bucket.exemplar.value == 0.05
    now = time.time()
    for name in ("om_jobs_created", "om_latency_seconds_created"):
        [created] = samples[name]
        assert now - 600 < created.value <= now
    assert "om_jobs_total{" in text and "trace_id" not in text and "_created" not in text


def query_exemplars(prometheus, promql):
    now = time.time()
    path = "/api/v1/query_exemplars?" + urllib.parse.urlencode(
        {"query": promql, "start": now - 3600, "end": now + 60})
    response = raw_http.get(prometheus, path)
    assert response.status == 200, response.text()
    return json.loads(response.body)["data"]


def wait_for_exemplars(prometheus, promql):
    deadline = time.monotonic() + QUERY_TIMEOUT_SECONDS
    result = []
    while time.monotonic() < deadline:
        result = query_exemplars(prometheus, promql)
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"{promql}: no exemplars after {QUERY_TIMEOUT_SECONDS}s")


def test_prometheus_reads_pushed_exemplars_from_an_openmetrics_scrape(tmp_path):
    with servers.flowgate() as server:
        push_with_exemplars(server)
        with servers.prometheus(server.host, str(tmp_path),
                                flags=["--enable-feature=exemplar-storage"]) as prometheus:
            counter = wait_for_exemplars(prometheus, 'om_jobs_total{job="omjob"}')
            bucket = wait_for_exemplars(prometheus, 'om_latency_seconds_bucket{job="omjob"}')
    [series] = counter
    assert series["seriesLabels"]["queue"] == "fast"
    assert [e["labels"] for e in series["exemplars"]] == [{"trace_id": "abc123"}]
    assert [e["value"] for e in series["exemplars"]] == ["3"]
    [bucket_series] = bucket
    assert bucket_series["seriesLabels"]["le"] == "0.1"
    assert [e["labels"] for e in bucket_series["exemplars"]] == [{"trace_id": "def456"}]
