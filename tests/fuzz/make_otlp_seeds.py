#!/usr/bin/env python3
"""Writes the OTLP seed corpora (tests/fuzz/corpus/otlp_protobuf and
otlp_json) from messages built with the official Python bindings, so the
seeds are what SDKs send. Needs `pip install opentelemetry-proto==1.45.2`
(in a venv); rerun after changing a case. One feature a seed."""
import json
import pathlib

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2 as m

HERE = pathlib.Path(__file__).resolve().parent / "corpus"
DELTA, CUMULATIVE = 1, 2


def attrs(**kv):
    return [KeyValue(key=k.replace("_", "."), value=AnyValue(string_value=v)) for k, v in kv.items()]


def export(*metrics, resource=None):
    request = ExportMetricsServiceRequest()
    rm = request.resource_metrics.add()
    rm.resource.attributes.extend(resource if resource is not None else attrs(service_name="etl", host_name="n1"))
    sm = rm.scope_metrics.add()
    sm.scope.name = "seed"
    sm.metrics.extend(metrics)
    return request


def point(value, **labels):
    return m.NumberDataPoint(attributes=attrs(**labels), start_time_unix_nano=10, time_unix_nano=20, as_double=value)


def cases():
    yield "empty", ExportMetricsServiceRequest()
    yield "gauge", export(m.Metric(name="queue.depth", unit="1", gauge=m.Gauge(data_points=[point(3, queue="a")])))
    yield "counter", export(m.Metric(name="rows.read", unit="{row}", sum=m.Sum(
        aggregation_temporality=CUMULATIVE, is_monotonic=True, data_points=[point(42, flow="etl")])))
    yield "delta_counter", export(m.Metric(name="emails.sent", sum=m.Sum(
        aggregation_temporality=DELTA, is_monotonic=True, data_points=[point(2), point(3, campaign="x")])))
    yield "updown", export(m.Metric(name="active", sum=m.Sum(
        aggregation_temporality=CUMULATIVE, is_monotonic=False, data_points=[point(-1)])))
    exemplar = m.Exemplar(time_unix_nano=15, as_double=0.7, trace_id=bytes(range(16)), span_id=bytes(range(8)),
                          filtered_attributes=attrs(user="u1"))
    yield "histogram", export(m.Metric(name="task.duration", unit="s", histogram=m.Histogram(
        aggregation_temporality=CUMULATIVE, data_points=[m.HistogramDataPoint(
            count=6, sum=3.5, bucket_counts=[1, 2, 3], explicit_bounds=[0.1, 1], exemplars=[exemplar])])))
    yield "delta_histogram", export(m.Metric(name="batch.size", histogram=m.Histogram(
        aggregation_temporality=DELTA, data_points=[m.HistogramDataPoint(
            start_time_unix_nano=1, time_unix_nano=2, count=2, sum=9, bucket_counts=[1, 1], explicit_bounds=[5])])))
    buckets = m.ExponentialHistogramDataPoint.Buckets
    yield "exponential", export(m.Metric(name="payload", unit="By", exponential_histogram=m.ExponentialHistogram(
        aggregation_temporality=CUMULATIVE, data_points=[m.ExponentialHistogramDataPoint(
            count=6, sum=20, scale=3, zero_count=1, positive=buckets(offset=-2, bucket_counts=[1, 0, 0, 0, 2]),
            negative=buckets(offset=1, bucket_counts=[2]))])))
    yield "delta_exponential", export(m.Metric(name="lat", exponential_histogram=m.ExponentialHistogram(
        aggregation_temporality=DELTA, data_points=[m.ExponentialHistogramDataPoint(
            time_unix_nano=5, count=1, scale=10, positive=buckets(offset=1000, bucket_counts=[1]))])))
    yield "summary", export(m.Metric(name="rpc", summary=m.Summary(data_points=[m.SummaryDataPoint(
        count=3, sum=1.5, quantile_values=[m.SummaryDataPoint.ValueAtQuantile(quantile=0.5, value=0.4)])])))
    nested = AnyValue(kvlist_value={"values": [KeyValue(key="a", value=AnyValue(array_value={"values": [
        AnyValue(int_value=1), AnyValue(double_value=1e21), AnyValue(bool_value=True), AnyValue(bytes_value=b"\x00")]}))]})
    yield "attribute_kinds", export(m.Metric(name="g", gauge=m.Gauge(data_points=[m.NumberDataPoint(
        attributes=[KeyValue(key="k.v", value=nested), KeyValue(key="k_v", value=AnyValue(string_value="s"))],
        as_int=7)])), resource=[])
    yield "stale", export(m.Metric(name="g", gauge=m.Gauge(data_points=[m.NumberDataPoint(flags=1)])))


def main():
    for folder in ("otlp_protobuf", "otlp_json"):
        (HERE / folder).mkdir(parents=True, exist_ok=True)
    for name, message in cases():
        (HERE / "otlp_protobuf" / name).write_bytes(message.SerializeToString())
        document = json_format.MessageToDict(message)
        # OTLP/JSON spells trace and span ids in hex, not protobuf JSON's base64.
        text = json.dumps(document, sort_keys=True)
        for raw, key in ((bytes(range(16)), "traceId"), (bytes(range(8)), "spanId")):
            import base64
            text = text.replace(f'"{key}": "{base64.b64encode(raw).decode()}"', f'"{key}": "{raw.hex()}"')
        (HERE / "otlp_json" / name).write_text(text)


if __name__ == "__main__":
    main()
