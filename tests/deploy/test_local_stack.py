"""deploy/local-stack starts every component on loopback, wires them as the
docs say (honor_labels, the project's rules, Alertmanager to the capture
receiver) and stops them all on SIGTERM. Runs once with the built flowgate
and once with Debian's Pushgateway as the stand-in the script offers."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

import manifest_checks as checks

sys.path.insert(0, str(checks.REPO / "tests" / "support" / "prefect"))
import prefect_server  # noqa: E402  (the shared Prefect venv)

SCRIPT = checks.REPO / "deploy" / "local-stack"


def wait_for(what, condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"gave up after {seconds} s waiting for {what}")


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def prefect_bin_dir():
    """The bin dir of the shared venv with the pinned Prefect
    (tests/support/prefect), so the stack's Prefect server is tested too."""
    return prefect_server.ensure_venv() / "bin"


@pytest.fixture(scope="module", params=["flowgate", "pushgateway-stand-in"])
def stack(request, tmp_path_factory):
    state = tmp_path_factory.mktemp(request.param)
    ready = state / "ready.json"
    command = [str(SCRIPT), "--any-free-port", "--scrape-interval", "1s", "--alert-group-wait", "1s",
               "--state-dir", str(state / "stack"), "--ready-file", str(ready)]
    if request.param == "flowgate":
        binary = os.environ.get("FLOWGATE_BINARY")
        assert binary and os.path.exists(binary), \
            "needs the built flowgate (FLOWGATE_BINARY, set by tests/deploy/CMakeLists.txt once the target exists)"
        command += ["--flowgate", binary]
        environment = {**os.environ, "PATH": f"{prefect_bin_dir()}:{os.environ['PATH']}"}
    else:
        command += ["--pushgateway-stand-in", "--no-prefect"]
        environment = dict(os.environ)
    log = open(state / "local-stack.out", "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env=environment)
    try:
        wait_for("local-stack to report ready",
                 lambda: ready.exists() or process.poll() is not None, seconds=240)
        assert ready.exists(), f"local-stack exited {process.returncode}:\n{(state / 'local-stack.out').read_text()}"
        endpoints = json.loads(ready.read_text())
        yield endpoints, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def query(prometheus, expression):
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    return get_json(url)["data"]["result"]


def test_every_component_answers_on_loopback(stack):
    endpoints, _ = stack
    health = {"flowgate": "/-/ready", "prometheus": "/-/ready", "alertmanager": "/-/ready", "prefect": "/api/health"}
    for name, path in health.items():
        if name in endpoints:
            assert endpoints[name].startswith("http://127.0.0.1:")
            assert answers(endpoints[name] + path), name
    assert {"flowgate", "prometheus", "alertmanager"} <= set(endpoints)
    if "--pushgateway-stand-in" not in stack[1].args:
        assert "prefect" in endpoints, "the pinned Prefect was on PATH, the stack should have started it"


def test_prometheus_loads_every_rule_group_of_alerting_rules(stack):
    endpoints, _ = stack
    groups = get_json(endpoints["prometheus"] + "/api/v1/rules")["data"]["groups"]
    assert sorted(group["name"] for group in groups) == \
        sorted(group["name"] for group in checks.rule_groups_from_sources())


def test_pushed_job_label_reaches_prometheus_unrenamed(stack):
    endpoints, _ = stack
    registry = CollectorRegistry()
    Gauge("flowgate_local_stack_probe", "Pushed by tests/deploy.", registry=registry).set(42)
    push_to_gateway(endpoints["flowgate"].removeprefix("http://"), job="local-stack-test", registry=registry)
    result = wait_for("the pushed sample in Prometheus", lambda: query(
        endpoints["prometheus"], 'flowgate_local_stack_probe{job="local-stack-test"}'))
    assert result[0]["value"][1] == "42"
    assert query(endpoints["prometheus"], "count(flowgate_local_stack_probe{exported_job!=\"\"})") == []


def test_alertmanager_routes_to_the_local_capture_receiver(stack):
    endpoints, _ = stack
    body = json.dumps([{"labels": {"alertname": "LocalStackProbe", "severity": "critical", "job": "test"}}])
    request = urllib.request.Request(endpoints["alertmanager"] + "/api/v2/alerts", data=body.encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(request, timeout=5).close()
    sink = os.path.join(endpoints["state"], "notifications.jsonl")

    def delivered():
        with open(sink) as lines:
            records = [json.loads(line) for line in lines]
        return {record["receiver"] for record in records
                for alert in record["payload"].get("alerts", [])
                if alert["labels"]["alertname"] == "LocalStackProbe"}

    # The project's routes send critical alerts to Slack, email and Discord.
    assert wait_for("critical alert at every critical receiver",
                    lambda: delivered() >= {"slack", "email", "discord"} and delivered(), seconds=60)


def test_sigterm_stops_every_component(stack):
    endpoints, process = stack
    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    for name, url in endpoints.items():
        if name == "state":
            continue
        port = int(url.rsplit(":", 1)[1])
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, f"{name} still listens on {port}"


# --- the web configs the manifests ship, read by the real flowgate ----------

def shipped_web_configs(tmp_path):
    """The kustomize base's file and the chart's Secret with the basic-auth example."""
    chart_secret, = [document for document in checks.helm_template(checks.CHART / "ci" / "basic-auth-values.yaml")
                     if document["kind"] == "Secret"]
    basic_auth = tmp_path / "basic-auth-web-config.yml"
    basic_auth.write_text(chart_secret["stringData"]["web-config.yml"])
    return {"base": checks.KUBERNETES / "base" / "web-config.yml", "basic-auth": basic_auth}


def status(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@pytest.mark.parametrize("name", ["base", "basic-auth"])
def test_flowgate_accepts_the_shipped_web_config_and_the_probes_pass(name, tmp_path):
    binary = os.environ.get("FLOWGATE_BINARY")
    assert binary and os.path.exists(binary), "needs the built flowgate (FLOWGATE_BINARY)"
    path = shipped_web_configs(tmp_path)[name]
    checks.run(["promtool", "check", "web-config", str(path)])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([binary, f"--web.listen-address=127.0.0.1:{port}", f"--web.config.file={path}",
                                "--persistence.file="], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/-/ready"
        values = yaml.safe_load((checks.CHART / "ci" / "basic-auth-values.yaml").read_text())
        headers = {header["name"]: header["value"] for header in values["probes"]["httpHeaders"]}
        expected = 200 if name == "base" else 401
        wait_for("flowgate to listen", lambda: status(url) is not None or process.poll() is not None, seconds=30)
        assert process.poll() is None, process.stdout.read().decode(errors="replace")
        assert status(url) == expected
        assert status(url, headers) == 200
    finally:
        process.terminate()
        process.wait(timeout=15)
