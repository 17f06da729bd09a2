"""The OTLP payloads the differential test and the bench send, made at run
time and deterministically: the OpenTelemetry Python SDK (pinned in
tests/support/prefect/requirements.txt) records real instruments through an
in-memory reader and its own OTLP encoder, and hand-written protobuf messages
(opentelemetry-proto) cover the edge cases an SDK never sends.

Runs inside the shared Prefect venv (it has the SDK):

    <venv>/bin/python otlp_payloads.py differential OUT_DIR BASE_UNIX_NANO
    <venv>/bin/python otlp_payloads.py bench OUT_DIR BASE_UNIX_NANO SERIES EXPORTS CLIENTS

`differential` writes each export as a protobuf body `NN-<step>.pb` and an
OTLP/JSON one `NN-<step>.json`, and `steps.json` (the steps in send order:
name and file without its extension). Every timestamp is
BASE plus whole seconds, so two runs with one BASE write the same bytes and a
receiver that keeps point timestamps (Prometheus 3) has them all in the past.
`bench` writes, for each of CLIENTS senders, EXPORTS bodies of SERIES
cumulative counter points (`CC-EEEEE.pb`) and `bench.json` with the counts."""
import json
import pathlib
import sys

from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2 as pb
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider, UpDownCounter
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource

SECOND = 1_000_000_000
DELTA = pb.AGGREGATION_TEMPORALITY_DELTA
CUMULATIVE = pb.AGGREGATION_TEMPORALITY_CUMULATIVE
NO_RECORDED_VALUE = pb.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK


def attributes(pairs):
    return [KeyValue(key=key, value=AnyValue(string_value=value)) for key, value in pairs.items()]


def request(resource_attributes, *metrics, scope="flowgate.test"):
    message = ExportMetricsServiceRequest()
    resource_metrics = message.resource_metrics.add()
    resource_metrics.resource.attributes.extend(attributes(resource_attributes))
    scope_metrics = resource_metrics.scope_metrics.add()
    scope_metrics.scope.name = scope
    scope_metrics.metrics.extend(metrics)
    return message


def gauge(name, value, start, at, unit="", flags=0, **labels):
    return pb.Metric(name=name, unit=unit, gauge=pb.Gauge(data_points=[pb.NumberDataPoint(
        attributes=attributes(labels), start_time_unix_nano=start, time_unix_nano=at, as_double=value,
        flags=flags)]))


def counter(name, value, start, at, temporality=CUMULATIVE, **labels):
    return pb.Metric(name=name, sum=pb.Sum(aggregation_temporality=temporality, is_monotonic=True,
                                          data_points=[pb.NumberDataPoint(
                                              attributes=attributes(labels), start_time_unix_nano=start,
                                              time_unix_nano=at, as_double=value)]))


# -- the SDK's own exports ---------------------------------------------------

def sdk_exports(base):
    """Two collections of one cumulative and one delta MeterProvider, as the
    SDK encodes them; the SDK's wall-clock times are replaced by BASE-relative
    ones (a cumulative point starts at BASE, a delta one at the previous
    collection), the only part of its output that is not deterministic."""
    cumulative_reader = InMemoryMetricReader()
    delta_reader = InMemoryMetricReader(preferred_temporality={
        Counter: AggregationTemporality.DELTA, Histogram: AggregationTemporality.DELTA,
        UpDownCounter: AggregationTemporality.CUMULATIVE})
    exponential = View(instrument_name="payload.size",
                       aggregation=ExponentialBucketHistogramAggregation(max_size=160, max_scale=20))
    etl = MeterProvider(metric_readers=[cumulative_reader], views=[exponential], resource=Resource.create({
        "service.name": "etl", "service.namespace": "flows", "service.instance.id": "worker-1",
        "deployment.environment": "test"}))
    mailer = MeterProvider(metric_readers=[delta_reader], resource=Resource.create({
        "service.name": "mailer", "service.instance.id": "mailer-1"}))
    meter, delta_meter = etl.get_meter("etl.flow", "1.0"), mailer.get_meter("mailer.flow", "1.0")
    rows = meter.create_counter("rows.processed", unit="{row}", description="Rows the flow processed")
    queue = meter.create_up_down_counter("queue.size", unit="{item}")
    duration = meter.create_histogram("task.duration", unit="s")
    payload = meter.create_histogram("payload.size", unit="By")
    load = {"value": 0.25}
    meter.create_observable_gauge("cpu.utilization", unit="1",
                                  callbacks=[lambda options: [_observation(load["value"])]])
    sent = delta_meter.create_counter("emails.sent", description="Emails handed to the relay")
    latency = delta_meter.create_histogram("send.latency", unit="ms")

    rows.add(5, {"flow.step": "load"})
    rows.add(3, {"flow.step": "extract"})
    queue.add(4)
    for seconds in (0.2, 1.5, 7.0):
        duration.record(seconds, {"task": "transform"})
    for size in (100, 2000, 3000):
        payload.record(size)
    sent.add(2, {"campaign": "spring"})
    latency.record(30)
    yield "sdk_cumulative_1", _timed(encode_metrics(cumulative_reader.get_metrics_data()), base, base + 10 * SECOND)
    yield "sdk_delta_1", _timed(encode_metrics(delta_reader.get_metrics_data()), base, base + 10 * SECOND)
    rows.add(7, {"flow.step": "load"})
    queue.add(-1)
    duration.record(0.7, {"task": "transform"})
    payload.record(50000)
    load["value"] = 0.5
    sent.add(3, {"campaign": "spring"})
    latency.record(250)
    yield "sdk_cumulative_2", _timed(encode_metrics(cumulative_reader.get_metrics_data()), base, base + 20 * SECOND)
    yield "sdk_delta_2", _timed(encode_metrics(delta_reader.get_metrics_data()), base + 10 * SECOND,
                                base + 20 * SECOND)
    etl.shutdown()
    mailer.shutdown()


def _observation(value):
    from opentelemetry.metrics import Observation
    return Observation(value)


def _timed(message, start, at):
    for resource_metrics in message.resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data")
                for point in getattr(metric, kind).data_points:
                    point.start_time_unix_nano = 0 if kind == "gauge" else start
                    point.time_unix_nano = at
    return message


# -- edge cases an SDK does not send ----------------------------------------

def edge_cases(base):
    t = [base + (30 + k) * SECOND for k in range(20)]
    yield "empty_resource", request({}, gauge("orphan.temperature", 21.5, 0, t[0], unit="Cel"))
    yield "missing_service_name", request({"host.name": "n1", "cloud.region": "eu-1"},
                                          gauge("disk.free", 42, 0, t[0], unit="By"))
    yield "attributes_with_dots", request(
        {"service.name": "api", "k8s.pod.name": "api-0"},
        gauge("http.server.active_requests", 3, 0, t[0], **{"http.request.method": "GET", "url.scheme": "https"}),
        gauge("collide", 1, 0, t[0], **{"a.b": "dot", "a_b": "underscore"}))
    yield "nan_gauge", request({"service.name": "nan"}, gauge("ratio.unknown", float("nan"), 0, t[0]))
    # A cumulative counter restarts: its start time moves on and its value drops.
    yield "cumulative_before_reset", request({"service.name": "resets"},
                                             counter("jobs.done", 10, base, t[1]))
    yield "cumulative_after_reset", request({"service.name": "resets"},
                                            counter("jobs.done", 2, t[2], t[3]))
    # Deltas of one series, then one that starts later than the last ended: a gap (the producer restarted).
    yield "delta_first", request({"service.name": "deltas"}, counter("retries", 4, t[1], t[2], DELTA))
    yield "delta_second", request({"service.name": "deltas"}, counter("retries", 1, t[2], t[3], DELTA))
    yield "delta_after_gap", request({"service.name": "deltas"}, counter("retries", 6, t[5], t[6], DELTA))
    # Out of order: an export older than the one before it (a retried request arriving late).
    yield "newer_point", request({"service.name": "late"}, gauge("temperature", 30, 0, t[8]),
                                 counter("late.total.requests", 9, base, t[8]))
    yield "older_point", request({"service.name": "late"}, gauge("temperature", 20, 0, t[7]),
                                 counter("late.total.requests", 7, base, t[7]))
    # A delta whose start lies before the end of the last one added (overlap).
    yield "delta_overlapping", request({"service.name": "deltas"}, counter("retries", 100, t[4], t[7], DELTA))
    # A point flagged "no recorded value": the series ends.
    yield "series_alive", request({"service.name": "stale"}, gauge("connections", 5, 0, t[8]))
    yield "series_ended", request({"service.name": "stale"}, gauge("connections", 0, 0, t[9],
                                                                   flags=NO_RECORDED_VALUE))


def differential(out_dir, base):
    out_dir.mkdir(parents=True, exist_ok=True)
    steps = []
    for number, (name, message) in enumerate([*sdk_exports(base), *edge_cases(base)]):
        file = f"{number:02d}-{name}"
        (out_dir / (file + ".pb")).write_bytes(message.SerializeToString())
        # OTLP/JSON: protobuf's JSON mapping with enums as numbers (the specification's rule).
        (out_dir / (file + ".json")).write_text(json_format.MessageToJson(message, use_integers_for_enums=True))
        steps.append({"name": name, "file": file})
    (out_dir / "steps.json").write_text(json.dumps(steps, indent=1))


def bench(out_dir, base, series, exports, clients):
    """For each of CLIENTS senders, EXPORTS requests of SERIES cumulative
    counter points (100 series a resource: 10 metrics x 10 label values, like a
    fleet of small services), each export one second after the last. Senders
    own disjoint resources, so each can send its exports in order while the
    others run concurrently (Prometheus 3 refuses a sample older than its
    series' last)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    resources = max(1, series // 100)
    for client in range(clients):
        for export in range(exports):
            at = base + export * SECOND
            message = ExportMetricsServiceRequest()
            for resource in range(resources):
                resource_metrics = message.resource_metrics.add()
                resource_metrics.resource.attributes.extend(attributes({
                    "service.name": "bench", "service.instance.id": f"client-{client}-{resource}",
                    "host.name": "bench-host"}))
                scope_metrics = resource_metrics.scope_metrics.add()
                scope_metrics.scope.name = "bench"
                for metric in range(10):
                    points = [pb.NumberDataPoint(attributes=attributes({"task": f"task-{label}"}),
                                                 start_time_unix_nano=base, time_unix_nano=at,
                                                 as_double=float(export * 10 + label)) for label in range(10)]
                    scope_metrics.metrics.add(name=f"bench.requests.{metric}", unit="{request}", sum=pb.Sum(
                        aggregation_temporality=CUMULATIVE, is_monotonic=True, data_points=points))
            (out_dir / f"{client:02d}-{export:05d}.pb").write_bytes(message.SerializeToString())
    (out_dir / "bench.json").write_text(json.dumps({
        "clients": clients, "exports": exports, "points_per_export": resources * 100}))


def main(argv):
    if len(argv) == 4 and argv[1] == "differential":
        differential(pathlib.Path(argv[2]), int(argv[3]))
        return 0
    if len(argv) == 7 and argv[1] == "bench":
        bench(pathlib.Path(argv[2]), *map(int, argv[3:]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
