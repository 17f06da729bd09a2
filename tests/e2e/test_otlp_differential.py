"""OTLP against the oracle: the same export requests (the OpenTelemetry SDK's
own, and hand-written edge cases: otlp_payloads.py), as protobuf and again as
OTLP/JSON, go in one order to Prometheus 3's OTLP receiver and to flowgate's
/v1/metrics; a second Prometheus 3 scrapes flowgate (honor_labels, native histograms). Both query
APIs must then return the same series names, label sets and values, and the
receivers the same status for each request, except for the differences
listed in DIFFERENCES, each with its reason (exposition/README.md lists the
same). An unlisted difference fails the test, and so does a listed one that
no longer happens, so the list cannot go stale.

Environment: FLOWGATE_BINARY, PREFECT_VENV (the venv with the SDK);
FLOWGATE_E2E_OTLP_CANDIDATE=prometheus3 checks the harness alone."""
import contextlib
import json
import os
import re
import time

import otlp_support
import pytest
import servers

SECOND = 1_000_000_000
# FLOWGATE_E2E_OTLP_CANDIDATE=prometheus3: the harness's self-check, Prometheus 3 against itself.
SELF_CHECK = os.environ.get("FLOWGATE_E2E_OTLP_CANDIDATE", "flowgate") == "prometheus3"


def _job(series, value):
    return dict(series[1:]).get("job") == value


def _no_job(series):
    return "job" not in dict(series[1:])


# name -> (does this raw difference belong here?, reason). A raw difference is
# (kind, step or series, flowgate's, Prometheus 3's), kind "status",
# "only_flowgate", "only_prometheus3", "value" or "le_spelling" (a bucket
# both have, with the same value, whose le is spelled differently).
DIFFERENCES = {
    "push times": (
        lambda kind, key, *_: kind == "only_flowgate" and key[0] in ("push_time_seconds",
                                                                      "push_failure_time_seconds"),
        "every flowgate group carries push_time_seconds and push_failure_time_seconds, as groups pushed "
        "through the Pushgateway API do"),
    "group freshness": (
        lambda kind, key, *_: kind == "only_flowgate" and key[0] in ("flowgate_group_up",
                                                                      "flowgate_group_last_push_age_seconds"),
        "flowgate exposes flowgate_group_up and flowgate_group_last_push_age_seconds for every group, "
        "labelled with its grouping key"),
    "resource without service.name": (
        lambda kind, key, *_: (kind == "only_flowgate" and _job(key, "unknown_service"))
        or (kind == "only_prometheus3" and _no_job(key)),
        "a resource without service.name is job=\"unknown_service\" (every flowgate group needs a job, "
        "the specification's fallback name); Prometheus 3 writes its series without job and, lacking job "
        "and instance, no target_info"),
    "le spelled as a float": (
        lambda kind, *_: kind == "le_spelling",
        "Prometheus 3 rewrites the le label of every scraped classic histogram in float format "
        "(\"10.0\"), whatever the exposition says, while its OTLP receiver writes the bound as it prints "
        "(\"10\"): a scrape of flowgate, like one of any exporter, gives le=\"10.0\""),
    "export older than the last": (
        lambda kind, key, *_: (kind == "status" and key == "older_point")
        or (kind == "value" and _job(key, "late")),
        "point timestamps are not kept (a push gateway's series carry none): the last export wins and is "
        "answered 200; Prometheus 3 refuses the older samples as out of order (400) and keeps the newer"),
}


ENCODINGS = {"protobuf": (".pb", otlp_support.PROTOBUF), "json": (".json", "application/json")}


def send_all(server, path, steps, payload_dir, encoding):
    extension, content_type = ENCODINGS[encoding]
    statuses = {}
    for step in steps:
        body = (payload_dir / (step["file"] + extension)).read_bytes()
        statuses[step["name"]] = otlp_support.post_otlp(server, path, body, content_type).status
    return statuses


def series_of(prometheus, at, drop_job=None):
    result = otlp_support.query(prometheus, '{__name__=~".+"}', at=at)
    return {otlp_support.series_key(sample["metric"]): otlp_support.sample_value(sample) for sample in result
            if drop_job is None or sample["metric"].get("job") != drop_job}


def canonical_le(key):
    """The series with its `le` value as a number (10 and 10.0 alike)."""
    return tuple((name, float(value)) if name == "le" else (name, value) for name, value in
                 (key[1:])) + (key[0],)


def raw_differences(statuses, flowgate_series, prometheus_series):
    found = []
    for step, status in statuses["flowgate"].items():
        if status != statuses["prometheus3"][step]:
            found.append(("status", step, status, statuses["prometheus3"][step]))
    only_prometheus = {canonical_le(key): key for key in prometheus_series.keys() - flowgate_series.keys()}
    for key in sorted(flowgate_series.keys() | prometheus_series.keys()):
        if key not in prometheus_series:
            twin = only_prometheus.pop(canonical_le(key), None)
            if twin is not None and flowgate_series[key] == prometheus_series[twin]:
                found.append(("le_spelling", key, dict(key[1:])["le"], dict(twin[1:])["le"]))
            else:
                found.append(("only_flowgate", key, flowgate_series[key], None))
        elif key in flowgate_series and flowgate_series[key] != prometheus_series[key]:
            found.append(("value", key, flowgate_series[key], prometheus_series[key]))
    found += [("only_prometheus3", key, None, prometheus_series[key]) for key in only_prometheus.values()]
    return found


def describe(difference):
    kind, key, ours, theirs = difference
    where = key if kind == "status" else otlp_support.format_series(key)
    return f"{kind} {where}: flowgate {ours!r}, Prometheus 3 {theirs!r}"


@contextlib.contextmanager
def candidate(work_dir, binary):
    """(server to post to, its OTLP path, the Prometheus to query, job to drop):
    flowgate scraped by a Prometheus 3, or, in self-check mode, a second
    Prometheus 3 receiver (then nothing may differ: the harness is deterministic)."""
    work_dir.mkdir()
    if SELF_CHECK:
        with servers.prometheus(None, str(work_dir), binary=binary, flags=otlp_support.RECEIVER_FLAGS,
                                extra_yaml=otlp_support.RECEIVER_YAML) as receiver:
            yield receiver, otlp_support.PROMETHEUS_OTLP_PATH, receiver, None
        return
    with servers.flowgate() as flowgate, \
            servers.prometheus(flowgate.host, str(work_dir), binary=binary,
                               scrape_options=otlp_support.SCRAPE_NATIVE) as scraper:
        yield flowgate, otlp_support.FLOWGATE_OTLP_PATH, scraper, "flowgate"  # the target's own series


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_flowgate_and_prometheus3_store_the_same_series_from_the_same_exports(tmp_path, encoding):
    base = (int(time.time()) - 120) * SECOND  # every point in the past, within the 5 min lookback
    payload_dir = tmp_path / "payloads"
    otlp_support.make_payloads("differential", payload_dir, base)
    steps = json.loads((payload_dir / "steps.json").read_text())
    binary = otlp_support.prometheus3_binary()
    (tmp_path / "receiver").mkdir()
    with servers.prometheus(None, str(tmp_path / "receiver"), binary=binary, flags=otlp_support.RECEIVER_FLAGS,
                            extra_yaml=otlp_support.RECEIVER_YAML) as receiver, \
            candidate(tmp_path / "candidate", binary) as (server, path, reader, own_job):
        statuses = {"prometheus3": send_all(receiver, otlp_support.PROMETHEUS_OTLP_PATH, steps, payload_dir, encoding),
                    "flowgate": send_all(server, path, steps, payload_dir, encoding)}
        if reader is not server:
            otlp_support.wait_for_scrape_after(reader, time.time())
        at = time.time()
        flowgate_series = series_of(reader, at, drop_job=own_job)
        prometheus_series = series_of(receiver, at)

    # The comparison means something only if the exports arrived.
    assert statuses["prometheus3"]["sdk_cumulative_1"] == 200
    assert ("rows_processed_total", ("flow_step", "load"), ("instance", "worker-1"),
            ("job", "flows/etl")) in prometheus_series
    found = raw_differences(statuses, flowgate_series, prometheus_series)
    if SELF_CHECK:
        assert not found, "Prometheus 3 differs from itself:\n" + "\n".join(map(describe, found))
        return
    unlisted = [describe(d) for d in found if not any(match(*d) for match, _ in DIFFERENCES.values())]
    stale = [name for name, (match, _) in DIFFERENCES.items() if not any(match(*d) for d in found)]
    assert not unlisted, "differences from Prometheus 3 not in DIFFERENCES:\n" + "\n".join(unlisted)
    assert not stale, f"listed differences that no longer happen: {stale}"


def test_the_readme_lists_every_difference():
    """exposition/README.md names each listed difference (its heading words)."""
    readme = (otlp_support.HERE.parents[1] / "exposition" / "README.md").read_text()
    section = readme.split("## OTLP, as Prometheus 3's receiver does it", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in DIFFERENCES if not re.search(re.escape(name), section, re.IGNORECASE)]
    assert not missing, f"exposition/README.md's OTLP section does not mention: {missing}"
