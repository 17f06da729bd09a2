"""The real alerting pipeline on loopback for the end-to-end test: Prometheus
with the project's rules, Alertmanager with a test copy of the project's
config, and the places notifications land (an HTTP capture server for the
Slack and Discord webhooks, an SMTP sink for email). Every server binds
127.0.0.1 on a free port and is stopped by its context manager.

Process launching comes from tests/e2e/servers.py (the one launcher).
"""

import contextlib
import email
import email.policy
import json
import os
import shutil
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml
from aiosmtpd.controller import Controller

import rule_files as rf

sys.path.insert(0, os.path.join(rf.REPO, "tests", "e2e"))
import servers  # noqa: E402  (tests/e2e/servers.py)

ALERTMANAGER_BINARY = os.environ.get("FLOWGATE_ALERTMANAGER", "/usr/bin/prometheus-alertmanager")
DISCORD_PLACEHOLDER = "https://discord.com/api/webhooks/DISCORD_WEBHOOK_ID/DISCORD_WEBHOOK_TOKEN"
PREFECT_UI_URL = "http://prefect.test:4200"
GRAFANA_URL = "http://grafana.test:3000"


class CaptureServer:
    """Records the JSON body of every POST, by path (/slack, /discord), and answers 200."""

    def __init__(self):
        self.requests = []
        self._lock = threading.Lock()
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with capture._lock:
                    capture.requests.append((self.path, json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def bodies(self, path):
        with self._lock:
            return [body for got, body in self.requests if got == path]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


class SmtpSink:
    """An aiosmtpd server keeping every message it receives (no TLS, no AUTH)."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=servers.free_port())

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    @property
    def address(self):
        return f"127.0.0.1:{self._controller.port}"

    def received(self):
        with self._lock:
            return list(self.messages)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()


def alertmanager_test_config(work_dir, capture, smtp):
    """The project's alertmanager.yml with every destination on loopback, secrets in
    files as in production, Discord's placeholder replaced the way a deployment
    does, and timers short enough for a test."""
    with open(os.path.join(rf.ALERTMANAGER_DIR, "alertmanager.yml"), encoding="utf-8") as f:
        text = f.read()
    assert DISCORD_PLACEHOLDER in text, "the Discord placeholder deployments replace is gone"
    config = yaml.safe_load(text.replace(DISCORD_PLACEHOLDER, capture.url("/discord")))

    secrets = os.path.join(work_dir, "secrets")
    os.makedirs(secrets)
    with open(os.path.join(secrets, "slack_webhook_url"), "w") as f:
        f.write(capture.url("/slack"))
    with open(os.path.join(secrets, "smtp_password"), "w") as f:
        f.write("test-password")
    config["global"].update(
        smtp_smarthost=smtp.address, smtp_require_tls=False,
        smtp_auth_password_file=os.path.join(secrets, "smtp_password"),
        slack_api_url_file=os.path.join(secrets, "slack_webhook_url"))

    templates = os.path.join(work_dir, "templates")
    shutil.copytree(os.path.join(rf.ALERTMANAGER_DIR, "templates"), templates)
    with open(os.path.join(templates, "links.tmpl"), "w") as f:
        f.write(f'{{{{ define "flowgate.prefect_ui_url" }}}}{PREFECT_UI_URL}{{{{ end }}}}\n'
                f'{{{{ define "flowgate.grafana_url" }}}}{GRAFANA_URL}{{{{ end }}}}\n')
    config["templates"] = [os.path.join(templates, "*.tmpl")]
    config["route"].update(group_wait="1s", group_interval="1s", repeat_interval="1h")

    path = os.path.join(work_dir, "alertmanager.yml")
    with open(path, "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    return path


@contextlib.contextmanager
def alertmanager(work_dir, config_path):
    storage = os.path.join(work_dir, "alertmanager-data")
    os.makedirs(storage)

    def make(port):
        return servers.ServerProcess("alertmanager", [
            ALERTMANAGER_BINARY, f"--config.file={config_path}", f"--storage.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
            f"--web.external-url=http://127.0.0.1:{port}"], port)

    with servers._start_with_retry(make) as server:
        yield server


def rules_for_fast_evaluation(work_dir):
    """Copies of the rule files without per-group intervals (Prometheus then evaluates
    every group at its 1 s evaluation_interval)."""
    paths = []
    for source in rf.rule_files():
        document = rf.load_yaml(source)
        for group in document["groups"]:
            group.pop("interval", None)
        path = os.path.join(work_dir, "rules", os.path.basename(source))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            yaml.safe_dump(document, f, sort_keys=False)
        paths.append(path)
    return paths


@contextlib.contextmanager
def prometheus(work_dir, scrape_host, alertmanager_host):
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": rules_for_fast_evaluation(work_dir),
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager_host]}]}]},
        "scrape_configs": [{"job_name": "flowgate", "honor_labels": True,
                            "static_configs": [{"targets": [scrape_host]}]}],
    }
    config_path = os.path.join(work_dir, "prometheus.yml")
    with open(config_path, "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    storage = os.path.join(work_dir, "prometheus-data")

    def make(port):
        return servers.ServerProcess("prometheus", [
            servers.PROMETHEUS_BINARY, f"--config.file={config_path}",
            f"--storage.tsdb.path={storage}", f"--web.listen-address=127.0.0.1:{port}",
            # Alerts that fire before Alertmanager is discovered are resent soon.
            "--rules.alert.resend-delay=1s"], port)

    with servers._start_with_retry(make) as server:
        yield server


def query(prometheus_server, expr):
    """The instant vector of `expr` as a list of (labels, value)."""
    url = f"{prometheus_server.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as response:
        result = json.load(response)["data"]["result"]
    return [(item["metric"], float(item["value"][1])) for item in result]


def alertmanager_alerts(alertmanager_server, alertname):
    """The alerts Alertmanager holds with this name (API v2 objects, with their receivers)."""
    url = f"{alertmanager_server.url}/api/v2/alerts?" + urllib.parse.urlencode(
        {"filter": f'alertname="{alertname}"'})
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def wait_for(description, condition, timeout=60.0, interval=0.25):
    """Polls condition() until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {description}")
        time.sleep(interval)


def push_server(flags=()):
    """flowgate when CMake passed FLOWGATE_BINARY, else the Debian Pushgateway
    (the same push API): both as started context managers."""
    if os.environ.get("FLOWGATE_BINARY"):
        return servers.flowgate(flags)
    return servers.pushgateway(flags)


def examples_module():
    """examples/task_metrics.py, the code users copy into their tasks."""
    sys.path.insert(0, os.path.join(rf.REPO, "examples"))
    import task_metrics  # noqa: E402
    return task_metrics
