"""A real Prefect flow that pushes its metrics with the OpenTelemetry Python SDK
to an OTLP/HTTP endpoint (test_otlp_sdk.py runs it in the shared Prefect venv
against a real Prefect server):

    python otlp_flow.py ENDPOINT first     # both services, every instrument kind
    python otlp_flow.py ENDPOINT second    # the delta service once more (after a restart)

Two services, each its own MeterProvider and exporter: `flows/etl` exports
cumulative sums (the SDK's default) — a counter, an up-down counter, an
observable gauge, a histogram and an exponential histogram (a View) — and
`mailer` exports delta temporality (the exporter's preferred_temporality), two
exports in the first run and one in the second. Exports happen when the flow
calls force_flush, never on a timer, so what arrives is exactly what the flow
recorded; the test knows the sums by heart."""
import sys

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import Observation
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider, UpDownCounter
from opentelemetry.sdk.metrics.export import (AggregationTemporality, MetricExportResult,
                                              PeriodicExportingMetricReader)
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

NEVER_MS = 3_600_000  # the periodic reader's interval: exports come from force_flush only
DELTA = {Counter: AggregationTemporality.DELTA, Histogram: AggregationTemporality.DELTA,
         UpDownCounter: AggregationTemporality.CUMULATIVE}


class CheckedExporter(OTLPMetricExporter):
    """The SDK's exporter, remembering failed exports (the SDK only logs them)."""
    failures = 0

    def export(self, metrics_data, timeout_millis=10_000, **kwargs):
        result = super().export(metrics_data, timeout_millis, **kwargs)
        if result != MetricExportResult.SUCCESS:
            CheckedExporter.failures += 1
        return result


def provider(endpoint, attributes, temporality=None, views=()):
    exporter = CheckedExporter(endpoint=endpoint, preferred_temporality=temporality)
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=NEVER_MS)
    return MeterProvider(metric_readers=[reader], resource=Resource.create(attributes), views=list(views))


def flush(meter_provider):
    meter_provider.force_flush()
    if CheckedExporter.failures:
        raise RuntimeError(f"{CheckedExporter.failures} OTLP export(s) failed (see the SDK's log above)")


@task(cache_policy=NO_CACHE)  # a MeterProvider argument cannot be hashed for a cache key
def transform(meter_provider):
    meter = meter_provider.get_meter("otlp_flow.etl")
    rows = meter.create_counter("rows.processed", unit="{row}", description="Rows the flow processed")
    queue = meter.create_up_down_counter("queue.size", unit="{item}")
    duration = meter.create_histogram("task.duration", unit="s")
    payload = meter.create_histogram("payload.size", unit="By")
    meter.create_observable_gauge("cpu.utilization", unit="1", callbacks=[lambda options: [Observation(0.25)]])
    rows.add(5, {"flow.step": "load"})
    rows.add(3, {"flow.step": "extract"})
    rows.add(7, {"flow.step": "load"})
    queue.add(4)
    queue.add(-1)
    for seconds in (0.2, 1.5, 7.0):
        duration.record(seconds, {"task": "transform"})
    for size in (100, 2000, 3000):
        payload.record(size)


@task(cache_policy=NO_CACHE)  # a MeterProvider argument cannot be hashed for a cache key
def send_emails(meter_provider, batches):
    meter = meter_provider.get_meter("otlp_flow.mailer")
    sent = meter.create_counter("emails.sent", description="Emails handed to the relay")
    latency = meter.create_histogram("send.latency", unit="ms")
    for count, milliseconds in batches:
        sent.add(count, {"campaign": "spring"})
        latency.record(milliseconds)
        flush(meter_provider)  # one delta export per batch


@flow(name="otlp-etl")
def otlp_etl(endpoint, phase):
    mailer = provider(endpoint, {"service.name": "mailer", "service.instance.id": "mailer-1"}, DELTA)
    if phase == "first":
        exponential = View(instrument_name="payload.size", aggregation=ExponentialBucketHistogramAggregation())
        etl = provider(endpoint, {"service.name": "etl", "service.namespace": "flows",
                                  "service.instance.id": "worker-1", "deployment.environment": "test"},
                       views=[exponential])
        transform(etl)
        flush(etl)
        etl.shutdown()
        send_emails(mailer, [(2, 30), (3, 250)])
    else:
        send_emails(mailer, [(4, 40)])
    mailer.shutdown()


if __name__ == "__main__":
    otlp_etl(sys.argv[1], sys.argv[2])
