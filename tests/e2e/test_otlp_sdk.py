"""The OpenTelemetry Python SDK (pinned in tests/support/prefect/requirements.txt)
in a real Prefect flow (otlp_flow.py, run against a real Prefect server)
pushes every instrument kind to flowgate's /v1/metrics with the SDK's own
OTLP/HTTP exporter; a real Prometheus 3 scrapes flowgate (honor_labels,
native histograms) and its query API shows the names, labels and the exact
values the flow recorded. flowgate then restarts from its persistence file
between two delta exports of one counter, and the counter goes on from the
accumulated value.

Environment: FLOWGATE_BINARY, PREFECT_VENV (set by CMake)."""
import re
import subprocess
import textwrap
import time

import otlp_support
import pytest
import servers

HERE = otlp_support.HERE

ETL = {"job": "flows/etl", "instance": "worker-1"}
MAILER = {"job": "mailer", "instance": "mailer-1"}


def selector(name, **labels):
    return name + "{" + ",".join(f'{key}="{value}"' for key, value in sorted(labels.items())) + "}"


def value_of(prometheus, promql):
    """The one sample `promql` selects, as a float."""
    result = otlp_support.query(prometheus, promql)
    assert len(result) == 1, f"{promql}: {result}"
    return float(result[0]["value"][1])


def scraped_values(flowgate, work_dir, queries):
    """Every query's value through a Prometheus 3 scraping `flowgate`, once it
    has scraped after the flow's exports."""
    work_dir.mkdir()
    with servers.prometheus(flowgate.host, str(work_dir), binary=otlp_support.prometheus3_binary(),
                            scrape_options=otlp_support.SCRAPE_NATIVE) as prometheus:
        otlp_support.wait_for_scrape_after(prometheus, time.time())
        return {name: value_of(prometheus, promql) for name, promql in queries.items()}


@pytest.fixture(scope="module")
def prefect():
    with otlp_support.prefect_server.PrefectServer() as server:
        yield server


def run_flow(prefect, flowgate, phase):
    prefect.run_flow(HERE / "otlp_flow.py", flowgate.url + otlp_support.FLOWGATE_OTLP_PATH, phase)


def test_sdk_instruments_from_a_prefect_flow_reach_prometheus_with_their_exact_values(prefect, tmp_path):
    persistence = f"--persistence.file={tmp_path / 'flowgate.state'}"
    with servers.flowgate([persistence]) as flowgate:
        run_flow(prefect, flowgate, "first")
        values = scraped_values(flowgate, tmp_path / "first", {
            "rows load": selector("rows_processed_total", flow_step="load", **ETL),
            "rows extract": selector("rows_processed_total", flow_step="extract", **ETL),
            "queue": selector("queue_size", **ETL),
            "cpu": selector("cpu_utilization_ratio", **ETL),
            "duration count": selector("task_duration_seconds_count", task="transform", **ETL),
            "duration sum": selector("task_duration_seconds_sum", task="transform", **ETL),
            "duration le 5": selector("task_duration_seconds_bucket", task="transform", le="5.0", **ETL),  # a scrape spells le as a float
            "duration le +Inf": selector("task_duration_seconds_bucket", task="transform", le="+Inf", **ETL),
            "payload count": "histogram_count(" + selector("payload_size_bytes", **ETL) + ")",
            "payload sum": "histogram_sum(" + selector("payload_size_bytes", **ETL) + ")",
            "payload under 2500": "histogram_fraction(0, 2500, " + selector("payload_size_bytes", **ETL) + ")",
            "emails": selector("emails_sent_total", campaign="spring", **MAILER),
            "latency count": selector("send_latency_milliseconds_count", **MAILER),
            "latency sum": selector("send_latency_milliseconds_sum", **MAILER),
            "etl target_info": selector("target_info", deployment_environment="test", telemetry_sdk_language="python",
                                        **ETL),
            "push time": selector("push_time_seconds", **ETL),
        })

    assert values["rows load"] == 12  # 5 + 7: a cumulative counter, the sum the flow added
    assert values["rows extract"] == 3
    assert values["queue"] == 3  # an up-down counter: +4 - 1, a gauge
    assert values["cpu"] == 0.25  # an observable gauge of unit "1": _ratio
    assert values["duration count"] == 3
    assert values["duration sum"] == pytest.approx(8.7)
    assert values["duration le 5"] == 2 and values["duration le +Inf"] == 3
    assert values["payload count"] == 3  # the exponential histogram, a native histogram
    assert values["payload sum"] == 5100
    assert values["payload under 2500"] == pytest.approx(2 / 3, abs=0.05)
    assert values["emails"] == 5  # delta 2 then delta 3, accumulated
    assert values["latency count"] == 2 and values["latency sum"] == 280  # a delta histogram, accumulated
    assert values["etl target_info"] == 1
    assert values["push time"] > 0

    with servers.flowgate([persistence]) as flowgate:  # restarted from the persistence file
        run_flow(prefect, flowgate, "second")
        after = scraped_values(flowgate, tmp_path / "second", {
            "emails": selector("emails_sent_total", campaign="spring", **MAILER),
            "latency count": selector("send_latency_milliseconds_count", **MAILER),
            "rows load": selector("rows_processed_total", flow_step="load", **ETL),
        })
    assert after["emails"] == 9  # 5 from before the restart, + 4
    assert after["latency count"] == 3
    assert after["rows load"] == 12  # the first run's cumulative series came back too


def readme_otel_example(endpoint):
    """The README's OpenTelemetry SDK example, as Python source aimed at `endpoint`."""
    readme = (HERE.parents[1] / "README.md").read_text()
    after = readme.split("Or push with the OpenTelemetry SDK", 1)[1]
    source = re.search(r"python3 -c '(.*?)'\n", after, re.S).group(1)
    source = textwrap.dedent("    " + source)
    assert "http://localhost:9091/v1/metrics" in source
    return source.replace("http://localhost:9091/v1/metrics", endpoint)


def test_readme_opentelemetry_example_shows_up_on_metrics():
    with servers.flowgate() as flowgate:
        subprocess.run([otlp_support.venv_python(), "-c",
                        readme_otel_example(flowgate.url + otlp_support.FLOWGATE_OTLP_PATH)],
                       check=True, timeout=60)
        scrape = otlp_support.raw_http.get(flowgate, "/metrics").text()
    lines = [line for line in scrape.splitlines() if line.startswith("etl_records_loaded_total{")]
    assert len(lines) == 1, scrape
    assert 'job="nightly_etl"' in lines[0] and lines[0].endswith(" 42")
