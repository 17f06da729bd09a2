"""The OpenMetrics writer's output, read by prometheus_client's OpenMetrics
parser (an independent implementation), holds exactly the families that were
written. The families come from the seeded generator through
text_sample_tool, once as OpenMetrics and once as a JSON dump of the model."""

import json
import math
import os
import subprocess

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

TOOL = os.environ.get("FLOWGATE_TEXT_SAMPLE_TOOL", "")


def run_tool(output, seed, count=300):
    assert TOOL, "FLOWGATE_TEXT_SAMPLE_TOOL must name the text_sample_tool program"
    return subprocess.run([TOOL, output, "openmetrics", str(seed), str(count)],
                          check=True, capture_output=True, text=True).stdout


def same_number(a, b):
    a, b = float(a), float(b)
    return (math.isnan(a) and math.isnan(b)) or a == b


def exemplar_matches(parsed, expected):
    if expected is None:
        return parsed is None
    if parsed is None or parsed.labels != expected["labels"] or not same_number(parsed.value, expected["value"]):
        return False
    if expected["timestamp"] is None:
        return parsed.timestamp is None
    return (parsed.timestamp.sec, parsed.timestamp.nsec) == tuple(expected["timestamp"])


def expected_family(family):
    """(name, type, help, unit, samples) as OpenMetrics spells the family."""
    kind, name = family["type"], family["name"]
    if kind == "counter" and name.endswith("_total"):
        name = name[: -len("_total")]
    om_type = {"untyped": "unknown", "gauge_histogram": "gaugehistogram"}.get(kind, kind)
    unit = family["unit"] if family["unit"] and name.endswith("_" + family["unit"]) else ""
    samples = []
    for metric in family["metrics"]:
        def add(suffix, value, bound=None, exemplar=None):
            labels = dict(metric["labels"])
            if bound is not None:
                labels[bound[0]] = bound[1]
            samples.append((name + suffix, labels, value, metric["timestamp_ms"], exemplar))

        def created():
            if metric["created"] is not None:
                seconds, nanos = metric["created"]
                add("_created", float("%d.%09d" % (seconds, nanos)))

        if kind == "counter":
            add("_total", metric["value"], exemplar=metric["exemplar"])
            created()
        elif kind in ("gauge", "untyped"):
            add("", metric["value"])
        elif kind == "summary":
            for quantile, value in metric["quantiles"]:
                add("", value, ("quantile", quantile))
            add("_sum", metric["sum"])
            add("_count", metric["count"])
            created()
        else:
            gauge = kind == "gauge_histogram"
            for bound, count, exemplar in metric["buckets"]:
                add("_bucket", count, ("le", bound), exemplar)
            if not metric["buckets"] or float(metric["buckets"][-1][0]) != math.inf:
                add("_bucket", metric["count"], ("le", "+Inf"))
            add("_gcount" if gauge else "_count", metric["count"])
            add("_gsum" if gauge else "_sum", metric["sum"])
            if not gauge:
                created()
    return name, om_type, family["help"], unit, samples


def labels_match(parsed, expected):
    if parsed.keys() != expected.keys():
        return False
    for key, value in expected.items():
        if key in ("le", "quantile"):
            if not same_number(parsed[key], value):
                return False
        elif parsed[key] != value:
            return False
    return True


def timestamp_matches(parsed, expected_ms):
    if expected_ms is None:
        return parsed is None
    return parsed is not None and parsed.sec * 1000 + parsed.nsec // 1_000_000 == expected_ms


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_prometheus_client_reads_back_what_the_openmetrics_writer_wrote(seed):
    text = run_tool("openmetrics", seed)
    model = json.loads(run_tool("model-json", seed))
    parsed = list(text_string_to_metric_families(text))
    assert len(parsed) == len(model)
    for got, family in zip(parsed, model):
        name, om_type, help_text, unit, samples = expected_family(family)
        assert (got.name, got.type, got.documentation, got.unit) == (name, om_type, help_text, unit)
        assert len(got.samples) == len(samples), name
        for sample, (s_name, s_labels, s_value, s_ms, s_exemplar) in zip(got.samples, samples):
            where = "%s %r" % (s_name, s_labels)
            assert sample.name == s_name, where
            assert labels_match(sample.labels, s_labels), where
            assert same_number(sample.value, s_value), where
            assert timestamp_matches(sample.timestamp, s_ms), where
            assert exemplar_matches(sample.exemplar, s_exemplar), where


def test_generated_families_cover_every_openmetrics_type():
    types = {expected_family(f)[1] for f in json.loads(run_tool("model-json", 1))}
    assert types == {"counter", "gauge", "unknown", "summary", "histogram", "gaugehistogram"}
