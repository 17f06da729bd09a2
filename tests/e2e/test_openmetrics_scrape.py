"""flowgate answers `Accept: application/openmetrics-text` with OpenMetrics 1.0
(the Pushgateway never does, issue #400): the body passes client_python's strict
OpenMetrics parser and holds the same pushed samples as the text scrape."""
import math

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

import push_clients
import raw_http
import servers
from differential_cases import ALL_TYPES

OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def canonical_labels(labels):
    """OpenMetrics writes le="1.0" where text 0.0.4 writes le="1": compare numbers."""
    return tuple(sorted((name, repr(float(value)) if name in ("le", "quantile") else value)
                        for name, value in labels.items()))


def pushed(families):
    """{(sample name, sorted labels): value} of pushed samples (they carry job);
    _created samples exist only in OpenMetrics and are left out, and so is each
    group's age (flowgate's own, different in two scrapes)."""
    samples = {}
    for family in families:
        for sample in family.samples:
            if sample.name == "flowgate_group_last_push_age_seconds":
                continue
            if "job" in sample.labels and not sample.name.endswith("_created"):
                value = "NaN" if math.isnan(sample.value) else sample.value
                samples[(sample.name, canonical_labels(sample.labels))] = value
    return samples


def test_openmetrics_scrape_parses_strictly_and_matches_text():
    with servers.flowgate() as server:
        assert raw_http.request(server, "PUT", "/metrics/job/types/instance/i", ALL_TYPES.encode()).status == 200
        assert raw_http.request(server, "PUT", "/metrics/job/odd",
                                b'weird{v="a\\"b\\\\c"} NaN\nbig 1e+21\n').status == 200
        assert push_clients.run("go", server.url, "gojob", {"instance": "go/1"}).returncode == 0
        openmetrics = raw_http.get(server, "/metrics", headers={"Accept": OPENMETRICS})
        text = raw_http.get(server, "/metrics")
    assert openmetrics.status == 200
    # As Prometheus 3's expfmt, the reply names the escaping of its names (underscores unless asked).
    assert openmetrics.header("content-type") == OPENMETRICS + "; escaping=underscores"
    assert openmetrics.text().endswith("# EOF\n")
    from_openmetrics = pushed(parse_openmetrics(openmetrics.text()))
    from_text = pushed(parse_text(text.text()))
    assert from_openmetrics == from_text
    assert (("big", (("instance", ""), ("job", "odd"))), 1e21) in from_openmetrics.items()
