"""End to end: the daily report flow (examples/flows/daily_report.py), run with
the pinned Prefect, asks a real Prometheus that scrapes flowgate holding known
pushes, and delivers one message each to Slack and Discord (the capture
server) and by email (the aiosmtpd sink), with the numbers the pushes make:

    runs by state, the worst flows and the failures by exception type,
    the tasks above their slow threshold, the API spend against the budget,
    the host peaks (flowgate's own host collector), and the dashboard links.

A Prometheus that does not answer fails the run with the reason and sends
nothing; a day without data says so in every message. One sample of each
message is kept in daily-report-samples/ of the build directory.
"""

import datetime
import json
import os
import pathlib
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from prometheus_client import CollectorRegistry, Counter

import alerting_stack as stack

sys.path.insert(0, os.path.join(stack.rf.REPO, "tests", "support", "prefect"))
import prefect_server  # noqa: E402  (tests/support/prefect/prefect_server.py)

servers = stack.servers
FLOW = pathlib.Path(stack.rf.REPO) / "examples" / "flows" / "daily_report.py"
SAMPLES = pathlib.Path.cwd() / "daily-report-samples"
RECIPIENTS = ["team@example.com", "lead@example.com"]
BUDGET = 5
# (flow, state type, state name): runs finished. 15 in all, 5 FAILED or CRASHED.
FINISHED = {("nightly-etl", "COMPLETED", "Completed"): 5, ("nightly-etl", "FAILED", "Failed"): 2,
            ("scrape-shops", "COMPLETED", "Completed"): 1, ("scrape-shops", "FAILED", "Failed"): 2,
            ("scrape-shops", "CRASHED", "Crashed"): 1, ("marketing-campaign", "COMPLETED", "Completed"): 4}
FAILURES = {("nightly-etl", "KeyError"): 2, ("scrape-shops", "CaptchaWall"): 2,
            ("scrape-shops", "TimeoutError"): 1}
# The campaign's tasks, one API each (one group per task), and their spend.
SPEND = {"score-leads": ("openai", 1.20), "find-leads": ("serpapi", 0.30), "send-emails": ("sendgrid", 0.05)}
# A task name that is markup in every channel (no space: push_to_gateway quotes it as "+").
NASTY_TASK = "load_<raw>&*wide*"
# (flow, task): (duration of the last run, slow threshold pushed or None for the default 60 s)
DURATIONS = {("nightly-etl", "transform-orders"): (5, 3), ("nightly-etl", "load-orders"): (2, None),
             ("scrape-shops", "scrape-shop-c"): (75, None), ("marketing-campaign", "score-leads"): (30, None),
             ("marketing-campaign", "find-leads"): (4, None), ("marketing-campaign", "send-emails"): (2, None),
             ("nightly-etl", NASTY_TASK): (90, None)}

EXPECTED_SECTIONS = {
    "Flow runs by state": ["10 Completed", "4 Failed", "1 Crashed"],
    "Worst flows": ["scrape-shops: 3 of 4 runs failed (75%)", "nightly-etl: 2 of 7 runs failed (29%)"],
    "Failures by exception type": ["CaptchaWall: 2", "KeyError: 2", "TimeoutError: 1"],
    "Slow tasks": [f"nightly-etl / {NASTY_TASK}: 90.0 s (threshold 60.0 s)", "scrape-shops / scrape-shop-c: 75.0 s (threshold 60.0 s)",
                   "nightly-etl / transform-orders: 5.0 s (threshold 3.0 s)"],
    "API spend": ["Today: $1.55 (openai $1.20, serpapi $0.30, sendgrid $0.05)",
                  "Month to date: $1.55 of the $5.00 budget (31%)"],
}
EMPTY_SECTIONS = {
    "Flow runs by state": ["No flow run finished."], "Worst flows": ["No flow failed."],
    "Failures by exception type": ["No failures."], "Slow tasks": ["No task ran longer than its threshold."],
    "API spend": ["Today: $0.00", "Month to date: $0.00 of the $7.00 budget (0%)"],
    "Host peaks": ["No host metrics."],
}
SUMMARY = "15 flow runs finished, 5 failed; $1.55 spent on APIs, 31% of the monthly budget used."
DASHBOARD_UIDS = {"Prefect overview": "flowgate-prefect-overview", "Scrapers": "flowgate-scrapers",
                  "ETL": "flowgate-etl", "Campaigns and cost": "flowgate-campaigns", "Hosts": "flowgate-hosts",
                  "flowgate itself": "flowgate-self"}


def report_timezone():
    """UTC, unless the test could straddle midnight there: then a zone where it is day."""
    now = datetime.datetime.now(datetime.timezone.utc)
    minutes = now.hour * 60 + now.minute
    return "UTC" if 10 <= minutes <= 24 * 60 - 10 else "Asia/Kolkata"


def push_collector_counts(examples, gateway, scale):
    """Stands in for flowgate's Prefect collector (the names of docs/metrics.md)."""
    registry = CollectorRegistry()
    finished = Counter("prefect_flow_runs_finished", "Runs that reached a terminal state.",
                       ["flow_name", "deployment_name", "state_type", "state_name"], registry=registry)
    for (flow_name, state_type, state_name), runs in FINISHED.items():
        finished.labels(flow_name, "daily", state_type, state_name).inc(runs * scale)
    failures = Counter("prefect_flow_run_failures", "Failed runs by exception type.",
                       ["flow_name", "deployment_name", "exception_type"], registry=registry)
    for (flow_name, exception_type), runs in FAILURES.items():
        failures.labels(flow_name, "daily", exception_type).inc(runs * scale)
    examples.push_group(gateway.url, "prefect", "e2e", "collector", registry)


def push_tasks(examples, gateway, quiet):
    """What the example flows' tasks push: durations (1 s when quiet) and API spend."""
    for (flow_name, task_name), (seconds, threshold) in DURATIONS.items():
        registry = CollectorRegistry()
        examples.task_health(registry, duration_seconds=1 if quiet else seconds, flow_run_id="run",
                             flow_run_name="daily", slow_threshold_seconds=threshold)
        if task_name in SPEND:
            api, dollars = SPEND[task_name]
            examples.api_usage(registry, api, requests=10, errors_by_code={}, limits_by_window={},
                               cost_dollars=0 if quiet else dollars, monthly_budget_dollars=BUDGET)
        examples.push_group(gateway.url, flow_name, "e2e", task_name, registry)


def latest_scrape(prometheus):
    return max(value for _, value in stack.query(prometheus, "timestamp(api_cost_dollars_total)"))


def query_at(prometheus, expr, at):
    url = f"{prometheus.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": at})
    with urllib.request.urlopen(url, timeout=5) as response:
        return [float(item["value"][1]) for item in json.load(response)["data"]["result"]]


@pytest.fixture(scope="module")
def stack_with_data(tmp_path_factory):
    """flowgate, Prometheus scraping it every second, the receivers; every counter
    seen at 0 first, then at its value; `at` is a scrape that has the values."""
    work_dir = str(tmp_path_factory.mktemp("daily-report"))
    examples = stack.examples_module()
    with stack.CaptureServer() as capture, stack.SmtpSink() as smtp, stack.push_server() as gateway:
        before_data = time.time() - 1
        with servers.prometheus(gateway.host, work_dir) as prometheus:
            push_collector_counts(examples, gateway, scale=0)
            push_tasks(examples, gateway, quiet=True)
            stack.wait_for("Prometheus to scrape the zeros", lambda: len(stack.query(
                prometheus, "api_cost_dollars_total or prefect_flow_runs_finished_total")) == 9)
            push_collector_counts(examples, gateway, scale=1)
            push_tasks(examples, gateway, quiet=False)
            # The peaks are sampled every second: the values must be there a step before `at`.
            stack.wait_for("two scrapes of the values", lambda: query_at(
                prometheus, "max(prefect_task_duration_seconds)", latest_scrape(prometheus) - 1.5) == [max(d for d, _ in DURATIONS.values())])
            yield {"capture": capture, "smtp": smtp, "gateway": gateway, "prometheus": prometheus,
                   "at": latest_scrape(prometheus), "before_data": before_data}


def run_report(stack_with_data, prometheus_url, *arguments, tmp_path):
    """daily_report.py in the Prefect venv (a temporary Prefect server of its own)."""
    capture, smtp = stack_with_data["capture"], stack_with_data["smtp"]
    environment = prefect_server.clean_environment({
        "PREFECT_HOME": str(tmp_path / "prefect-home"), "PROMETHEUS_URL": prometheus_url,
        "GRAFANA_URL": stack.GRAFANA_URL, "SLACK_WEBHOOK_URL": capture.url("/slack"),
        "DISCORD_WEBHOOK_URL": capture.url("/discord"), "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp.address.split(":")[1], "SMTP_FROM": "reports@example.com",
        "SMTP_TO": ", ".join(RECIPIENTS), "REPORT_TIMEZONE": report_timezone()})
    python = prefect_server.ensure_venv() / "bin" / "python"
    return subprocess.run([str(python), str(FLOW), "--peak-step", "1s", *arguments], env=environment,
                          capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def reports(stack_with_data, tmp_path_factory):
    """The full report, a run against a Prometheus that is down, and a report of a time
    before any data: what each run left at the receivers."""
    prometheus = stack_with_data["prometheus"]
    runs = {}
    for name, url, arguments in (
            ("full", prometheus.url, ["--at", repr(stack_with_data["at"])]),
            ("down", f"http://127.0.0.1:{servers.free_port()}", []),
            ("empty", prometheus.url, ["--at", repr(stack_with_data["before_data"]), "--budget", "7"])):
        done = run_report(stack_with_data, url, *arguments, tmp_path=tmp_path_factory.mktemp(name))
        runs[name] = (done, received(stack_with_data))
    return runs


def received(stack_with_data):
    capture, smtp = stack_with_data["capture"], stack_with_data["smtp"]
    return {"slack": capture.bodies("/slack"), "discord": capture.bodies("/discord"), "email": smtp.received()}


def slack_sections(message):
    """{section title: its lines} of a Slack message's blocks."""
    sections = {}
    for block in message["blocks"]:
        text = block.get("text", {}).get("text", "")
        if block["type"] == "section" and text.startswith("*<"):
            title_line, *lines = text.split("\n")
            sections[title_line.split("|", 1)[1].rstrip(">*")] = [
                line.removeprefix("• ").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                for line in lines]
    return sections


def discord_sections(message):
    return {field["name"]: [re.sub(r"\\(.)", r"\1", line.removeprefix("• ")) for line in field["value"].split("\n")[:-1]]
            for field in message["embeds"][0]["fields"]}


def email_sections(mail):
    """{title: lines} of the plain-text part."""
    sections, current = {}, None
    for line in mail.get_body(("plain",)).get_content().splitlines():
        if line.startswith("  - ") and current:
            sections[current].append(line[4:])
        elif line and not line.startswith(" ") and line.endswith(")") and " (http" in line:
            current = line.split(" (http")[0]
            sections[current] = []
    return sections


def save_samples(full):
    SAMPLES.mkdir(exist_ok=True)
    paths = [SAMPLES / "slack.json", SAMPLES / "discord.json", SAMPLES / "email.eml", SAMPLES / "email.txt"]
    paths[0].write_text(json.dumps(full["slack"][0], indent=2, ensure_ascii=False) + "\n")
    paths[1].write_text(json.dumps(full["discord"][0], indent=2, ensure_ascii=False) + "\n")
    paths[2].write_bytes(bytes(full["email"][0][1]))
    paths[3].write_text("\n".join(full["email"][0][1].get_body(("plain",)).get_content().splitlines()) + "\n")
    print("\ndaily report samples:\n" + "\n".join(f"  {path}" for path in paths))


def test_the_report_arrives_once_at_each_receiver_with_the_numbers_the_pushes_make(reports, stack_with_data):
    done, full = reports["full"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert (len(full["slack"]), len(full["discord"]), len(full["email"])) == (1, 1, 1)
    save_samples(full)
    for sections in (slack_sections(full["slack"][0]), discord_sections(full["discord"][0]),
                     email_sections(full["email"][0][1])):
        host_lines = sections.pop("Host peaks")
        assert sections == EXPECTED_SECTIONS
        # flowgate's host collector, scraped with the target's instance label.
        assert len(host_lines) == 1 and host_lines[0].startswith(stack_with_data["gateway"].host + ": "), host_lines
        assert all(part in host_lines[0] for part in ("CPU ", "memory ", "load ")), host_lines


def test_each_message_links_every_dashboard_for_the_day_and_the_month(reports):
    _, full = reports["full"]
    links = {name: f"{stack.GRAFANA_URL}/d/{uid}?from={'now/M' if uid == 'flowgate-campaigns' else 'now/d'}&to=now"
             for name, uid in DASHBOARD_UIDS.items()}
    slack_links = full["slack"][0]["blocks"][-1]["elements"][0]["text"]
    assert slack_links == "Dashboards: " + " · ".join(f"<{url}|{name}>" for name, url in links.items())
    description = full["discord"][0]["embeds"][0]["description"]
    assert description.endswith("Dashboards: " + " · ".join(f"[{name}]({url})" for name, url in links.items()))
    assert full["discord"][0]["embeds"][0]["url"] == links["Prefect overview"]
    mail = full["email"][0][1]
    plain, markup = mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()
    for name, url in links.items():
        assert f"  {name}: {url}" in plain.splitlines()
        assert f'<a href="{url.replace("&", "&amp;")}">{name}</a>' in markup
    assert f'<h3><a href="{links["Campaigns and cost"].replace("&", "&amp;")}">API spend</a></h3>' in markup


def test_each_message_has_the_headline_and_summary(reports):
    _, full = reports["full"]
    slack, discord = full["slack"][0], full["discord"][0]["embeds"][0]
    recipients, mail = full["email"][0]
    assert slack["blocks"][0]["text"]["text"].startswith("flowgate daily report: ")
    assert slack["blocks"][1]["text"]["text"] == SUMMARY
    assert slack["text"].endswith(": " + SUMMARY)
    assert discord["title"] == slack["blocks"][0]["text"]["text"] == mail["Subject"]
    assert discord["description"].startswith(SUMMARY)
    assert discord["color"] == 0xE01E5A  # failed runs: red
    assert full["discord"][0]["allowed_mentions"] == {"parse": []}
    assert len(json.dumps(discord)) < 6000
    assert sorted(recipients) == sorted(RECIPIENTS)
    assert mail["From"] == "reports@example.com"
    assert SUMMARY in mail.get_body(("plain",)).get_content()
    assert f"<p>{SUMMARY}</p>" in mail.get_body(("html",)).get_content()


def test_names_are_escaped_for_each_channel(reports):
    _, full = reports["full"]
    line = "nightly-etl / {}: 90.0 s (threshold 60.0 s)"
    slack = [b["text"]["text"] for b in full["slack"][0]["blocks"] if b["type"] == "section"]
    assert any("\n• " + line.format("load_&lt;raw&gt;&amp;*wide*") + "\n" in text for text in slack)
    discord = [f["value"] for f in full["discord"][0]["embeds"][0]["fields"]]
    assert any("• " + line.format(r"load\_\<raw>&\*wide\*") + "\n" in value for value in discord)
    markup = full["email"][0][1].get_body(("html",)).get_content()
    assert "<li>" + line.format("load_&lt;raw&gt;&amp;*wide*") + "</li>" in markup


def test_a_prometheus_that_is_down_fails_the_run_with_the_reason_and_sends_nothing(reports):
    done, after = reports["down"]
    assert done.returncode != 0
    assert "Prometheus at http://127.0.0.1:" in done.stdout + done.stderr
    assert "did not answer: ConnectError" in done.stdout + done.stderr
    assert (len(after["slack"]), len(after["discord"]), len(after["email"])) == (1, 1, 1)


def test_a_day_without_data_says_so_in_every_message(reports):
    done, after = reports["empty"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert (len(after["slack"]), len(after["discord"]), len(after["email"])) == (2, 2, 2)
    for sections in (slack_sections(after["slack"][1]), discord_sections(after["discord"][1]),
                     email_sections(after["email"][1][1])):
        assert sections == EMPTY_SECTIONS
    assert after["discord"][1]["embeds"][0]["color"] == 0x2EB67D
