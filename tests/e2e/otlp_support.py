"""What the OTLP end-to-end tests share: the peers they need (Prometheus 3 from
tests/support/peers, the Prefect venv with the OpenTelemetry SDK from
tests/support/prefect), the payload generator run inside that venv, OTLP
POSTs, and reading series back through a Prometheus query API."""
import json
import os
import pathlib
import subprocess
import sys
import urllib.parse

import raw_http
import servers

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "support" / "peers"))
sys.path.insert(0, str(HERE.parent / "support" / "prefect"))
import go_peers  # noqa: E402
import prefect_server  # noqa: E402

FLOWGATE_OTLP_PATH = "/v1/metrics"
PROMETHEUS_OTLP_PATH = "/api/v1/otlp/v1/metrics"
PROTOBUF = "application/x-protobuf"
WAIT_SECONDS = 60
# Prometheus 3 as an OTLP receiver: Prometheus 3's default names, spelled out,
# and deltas accumulated (a feature flag in v0.316.0).
RECEIVER_FLAGS = ["--web.enable-otlp-receiver", "--enable-feature=otlp-deltatocumulative"]
RECEIVER_YAML = "otlp:\n  translation_strategy: UnderscoreEscapingWithSuffixes\n"
# A Prometheus 3 scraping flowgate reads native histograms (protobuf scrape).
SCRAPE_NATIVE = ["scrape_native_histograms: true"]


def prometheus3_binary():
    return str(go_peers.ensure(go_peers.PEERS["prometheus"]))


def venv_python():
    """The shared Prefect venv's python, which has the pinned OpenTelemetry SDK."""
    return str(prefect_server.ensure_venv() / "bin" / "python")


def make_payloads(*args):
    """Runs otlp_payloads.py with `args` inside the venv (see its docstring)."""
    done = subprocess.run([venv_python(), str(HERE / "otlp_payloads.py"), *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    if done.returncode != 0:
        raise RuntimeError(f"otlp_payloads.py {args} exited {done.returncode}:\n{done.stderr}")


def post_otlp(server, path, body, content_type=PROTOBUF, headers=None):
    return raw_http.request(server, "POST", path, body, {"Content-Type": content_type, **(headers or {})})


def query(prometheus, promql, at=None):
    parameters = {"query": promql}
    if at is not None:
        parameters["time"] = f"{at:.3f}"
    response = raw_http.get(prometheus, "/api/v1/query?" + urllib.parse.urlencode(parameters))
    assert response.status == 200, response.text()
    return json.loads(response.body)["data"]["result"]


wait_for = servers.wait_for


def wait_for_scrape_after(prometheus, since_unix_seconds):
    """Waits until the scraper has finished a scrape of flowgate that began after `since`."""
    def scraped():
        result = query(prometheus, 'timestamp(up{job="flowgate"})')
        return result and float(result[0]["value"][1]) > since_unix_seconds
    wait_for("a scrape of flowgate", scraped, WAIT_SECONDS)


def series_key(metric):
    """A series as a sorted tuple of its labels, __name__ first."""
    return (metric.get("__name__", ""),) + tuple(sorted((k, v) for k, v in metric.items() if k != "__name__"))


def sample_value(sample):
    """A float sample as its text (NaN compares equal to NaN that way), a native
    histogram as (count, sum, buckets)."""
    if "histogram" in sample:
        histogram = sample["histogram"][1]
        return ("histogram", histogram["count"], histogram["sum"],
                tuple(tuple(bucket) for bucket in histogram.get("buckets", [])))
    return sample["value"][1]


def format_series(key):
    name, *labels = key
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}"
