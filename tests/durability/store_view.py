"""What flowgate holds, read the way its users read it: /metrics parsed by
prometheus_client's parser (a body it cannot parse fails the test),
/api/v1/metrics as JSON, and its logfmt log lines as dicts."""
import json
import re

import raw_http
from prometheus_client.parser import text_string_to_metric_families


def scrape(server):
    """{(sample name, frozenset of label pairs): value} of everything on /metrics."""
    reply = raw_http.get(server, "/metrics")
    assert reply.status == 200, reply.text()
    samples = {}
    for family in text_string_to_metric_families(reply.text()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name, **labels):
    """The value of one series, None when it is absent."""
    return samples.get((name, frozenset(labels.items())))


def group_labels(job, **grouping):
    """The labels flowgate puts on every series of a group (instance="" when not given)."""
    return {"instance": "", **grouping, "job": job}


def api_groups(server):
    """The groups of /api/v1/metrics (the body must be valid JSON saying success)."""
    reply = raw_http.get(server, "/api/v1/metrics")
    assert reply.status == 200, reply.text()
    document = json.loads(reply.body)
    assert document["status"] == "success", document
    return document["data"]


_FIELD = re.compile(r'([A-Za-z0-9_.]+)=("(?:[^"\\]|\\.)*"|\S*)')


def log_records(log, msg=None):
    """Every logfmt line of `log` as {key: value} (quotes removed), or only those
    whose msg is `msg`."""
    records = []
    for line in log.splitlines():
        fields = {key: (raw[1:-1].replace('\\"', '"') if raw.startswith('"') else raw)
                  for key, raw in _FIELD.findall(line)}
        fields["_line"] = line
        if msg is None or fields.get("msg") == msg:
            records.append(fields)
    return records
