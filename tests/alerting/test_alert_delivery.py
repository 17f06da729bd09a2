"""End to end: a task pushes to flowgate, the real Prometheus evaluates the
project's rules, the real Alertmanager routes with the project's config, and
the notifications land where the routing promises:

    critical -> Slack, Discord and email, with summary, value and a link
    warning  -> Discord only
    info     -> nobody
"""

import os
import re
import time

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge

import alerting_stack as stack

FAILED_RUN_ID = "0b7d6e1a-1111-4c3e-9e3a-5d2f9c1e7a01"
BREAKER_RUN_ID = "5c0ffee0-aaaa-4bbb-8ccc-000000000002"
DEPLOYMENT = "e2e"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp("alerting"))
    with stack.CaptureServer() as capture, stack.SmtpSink() as smtp, \
            stack.push_server() as gateway, \
            stack.alertmanager(work_dir, stack.alertmanager_test_config(work_dir, capture, smtp)) as am, \
            stack.prometheus(work_dir, gateway.host, am.host) as prometheus:
        yield {"capture": capture, "smtp": smtp, "gateway": gateway, "prometheus": prometheus, "am": am}


def push_spend(examples, gateway, cost_dollars, retries):
    """A task calling an API with a $50 monthly budget; retries feed the info alert."""
    registry = CollectorRegistry()
    examples.api_usage(registry, "openai", requests=10, errors_by_code={}, cost_dollars=cost_dollars,
                       limits_by_window={"1m": 1000}, monthly_budget_dollars=50)
    examples.task_health(registry, duration_seconds=5, flow_run_id="9a1b", flow_run_name="calm-heron",
                         retries=retries)
    examples.push_group(gateway.url, "enrich-leads", DEPLOYMENT, "call-openai", registry)


def push_failed_runs(examples, gateway, failed):
    """Stands in for flowgate's Prefect collector: the finished-runs counter and the
    latest failure's identity, as docs/metrics.md names them."""
    registry = CollectorRegistry()
    Counter("prefect_flow_runs_finished", "Runs that reached a terminal state.",
            ["flow_name", "deployment_name", "state_type", "state_name"],
            registry=registry).labels("nightly-etl", "nightly-etl-prod", "FAILED", "Failed").inc(failed)
    Gauge("prefect_flow_run_last_failure_info", "The latest failures.",
          ["flow_name", "deployment_name", "flow_run_id", "flow_run_name", "state_name", "exception_type"],
          registry=registry).labels("nightly-etl", "nightly-etl-prod", FAILED_RUN_ID, "brave-otter",
                                    "Failed", "KeyError").set(1)
    examples.push_group(gateway.url, "nightly-etl", DEPLOYMENT, "prefect-runs", registry)


def push_open_breaker(examples, gateway):
    registry = CollectorRegistry()
    examples.circuit_breaker(registry, "shop-api", "open")
    examples.task_health(registry, duration_seconds=2, flow_run_id=BREAKER_RUN_ID,
                         flow_run_name="swift-crane", expected_push_interval_seconds=3600)
    examples.push_group(gateway.url, "scrape-shops", DEPLOYMENT, "fetch-pages", registry)


@pytest.fixture(scope="module")
def delivered(pipeline):
    """Pushes a quiet state, waits until Prometheus has it, then the alarming one; returns
    once every expected notification has arrived."""
    examples = stack.examples_module()
    gateway, prometheus = pipeline["gateway"], pipeline["prometheus"]
    push_spend(examples, gateway, cost_dollars=0, retries=0)
    push_failed_runs(examples, gateway, failed=0)
    stack.wait_for("Prometheus to scrape the quiet state", lambda: len(stack.query(
        prometheus, 'api_cost_dollars_total or prefect_flow_runs_finished_total')) == 2)

    push_spend(examples, gateway, cost_dollars=60, retries=2)
    push_failed_runs(examples, gateway, failed=1)
    push_open_breaker(examples, gateway)

    capture, smtp = pipeline["capture"], pipeline["smtp"]
    expected_critical = {"FlowgateApiMonthlyBudgetSpent", "FlowgatePrefectFlowRunFailed"}

    def everything_arrived():
        discord = {alertname_of_discord(b) for b in capture.bodies("/discord")}
        slack = {alertname_of_slack(b) for b in capture.bodies("/slack")}
        mail = {m["Subject"].split()[1] for _, m in smtp.received()}
        return (expected_critical | {"FlowgateCircuitBreakerOpen"} <= discord
                and expected_critical <= slack and expected_critical <= mail)

    stack.wait_for("critical alerts on Slack, Discord and email and the warning on Discord",
                   everything_arrived, timeout=90)
    # The info alert is firing in Alertmanager too, so it had its chance to be sent.
    stack.wait_for("FlowgateTaskRetrying to reach Alertmanager", lambda: stack.query(
        prometheus, 'ALERTS{alertname="FlowgateTaskRetrying", alertstate="firing"}'))
    stack.wait_for("Alertmanager to hold the info alert", lambda: stack.alertmanager_alerts(
        pipeline["am"], "FlowgateTaskRetrying"))
    # A few group intervals (1 s each) in which a wrongly routed info alert would be sent.
    time.sleep(3)
    return pipeline


def alertname_of_discord(body):
    # "[FIRING:1] FlowgateApiMonthlyBudgetSpent (critical)"
    return body["embeds"][0]["title"].split()[1]


def alertname_of_slack(body):
    return body["attachments"][0]["title"].split()[1]


def discord_embed(capture, alertname):
    """The first Discord embed about `alertname` (title and description)."""
    embeds = [b["embeds"][0] for b in capture.bodies("/discord") if alertname_of_discord(b) == alertname]
    assert embeds, f"no Discord message about {alertname}"
    return embeds[0]


def slack_attachment(capture, alertname):
    attachments = [b["attachments"][0] for b in capture.bodies("/slack") if alertname_of_slack(b) == alertname]
    assert attachments, f"no Slack message about {alertname}"
    return attachments[0]


def email_about(smtp, alertname):
    """(recipients, message) of the first email about `alertname`."""
    mails = [m for m in smtp.received() if alertname in m[1]["Subject"]]
    assert mails, f"no email about {alertname}"
    return mails[0]


def test_critical_budget_alert_reaches_slack_discord_and_email_with_summary_value_and_dashboard_link(delivered):
    capture, smtp = delivered["capture"], delivered["smtp"]
    discord = discord_embed(capture, "FlowgateApiMonthlyBudgetSpent")
    assert discord["title"] == "[FIRING:1] FlowgateApiMonthlyBudgetSpent (critical)"
    text = discord["description"]
    assert "The monthly API budget is spent — " in text
    assert "% of the budget" in text
    assert f"Dashboard: {stack.GRAFANA_URL}/dashboards?tag=flowgate" in text

    attachment = slack_attachment(capture, "FlowgateApiMonthlyBudgetSpent")
    assert attachment["color"] == "danger"
    assert attachment["title_link"] == f"{stack.GRAFANA_URL}/dashboards?tag=flowgate"
    assert "The monthly API budget is spent — " in attachment["text"]

    recipients, mail = email_about(smtp, "FlowgateApiMonthlyBudgetSpent")
    assert recipients == ["flowgate-oncall@example.com"]
    assert mail["Subject"] == "[FIRING:1] FlowgateApiMonthlyBudgetSpent (critical)"
    html = mail.get_body(("html",)).get_content()
    assert "<strong>The monthly API budget is spent</strong> — " in html


def test_critical_failed_run_alert_links_the_prefect_flow_run_everywhere(delivered):
    capture, smtp = delivered["capture"], delivered["smtp"]
    link = f"{stack.PREFECT_UI_URL}/runs/flow-run/{FAILED_RUN_ID}"
    discord = discord_embed(capture, "FlowgatePrefectFlowRunFailed")
    assert discord["title"] == "[FIRING:1] FlowgatePrefectFlowRunFailed (critical) nightly-etl"
    # The count is increase() over a 10m window that has only seconds of data here,
    # so Prometheus extrapolates it: check the shape, not the number.
    assert re.search(r"Flow nightly-etl failed — [0-9.]+ failed run\(s\) in 10m",
                     discord["description"])
    assert f"Flow run: {link}" in discord["description"]
    assert f"Flow run: {link}" in slack_attachment(capture, "FlowgatePrefectFlowRunFailed")["text"]

    _, mail = email_about(smtp, "FlowgatePrefectFlowRunFailed")
    assert f'href="{link}"' in mail.get_body(("html",)).get_content()
    assert f"Flow run: {link}" in mail.get_body(("plain",)).get_content()


def test_warning_alert_reaches_discord_alone(delivered):
    capture, smtp = delivered["capture"], delivered["smtp"]
    discord = discord_embed(capture, "FlowgateCircuitBreakerOpen")
    assert discord["title"] == "[FIRING:1] FlowgateCircuitBreakerOpen (warning) scrape-shops"
    text = discord["description"]
    assert "Circuit breaker shop-api of flow scrape-shops is open — open" in text
    assert f"Flow run: {stack.PREFECT_UI_URL}/runs/flow-run/{BREAKER_RUN_ID}" in text
    assert all(alertname_of_slack(b) != "FlowgateCircuitBreakerOpen" for b in capture.bodies("/slack"))
    assert all("FlowgateCircuitBreakerOpen" not in m["Subject"] for _, m in smtp.received())


def test_critical_inhibits_the_warning_of_the_same_alert(delivered):
    titles = [b["embeds"][0]["title"] for b in delivered["capture"].bodies("/discord")]
    assert "[FIRING:1] FlowgateApiMonthlyBudgetSpent (warning)" not in titles
    assert stack.alertmanager_alerts(delivered["am"], "FlowgateApiMonthlyBudgetSpent")


@pytest.mark.parametrize("alertname", ["FlowgateTaskRetrying", "FlowgateWatchdog"])
def test_alertmanager_routes_info_alerts_to_the_null_receiver_only(delivered, alertname):
    alerts = stack.alertmanager_alerts(delivered["am"], alertname)
    assert alerts and all([r["name"] for r in a["receivers"]] == ["null"] for a in alerts)


def test_info_alerts_reach_nobody(delivered):
    capture, smtp = delivered["capture"], delivered["smtp"]
    sent = ([alertname_of_discord(b) for b in capture.bodies("/discord")]
            + [alertname_of_slack(b) for b in capture.bodies("/slack")]
            + [m["Subject"].split()[1] for _, m in smtp.received()])
    assert "FlowgateTaskRetrying" not in sent
    assert "FlowgateWatchdog" not in sent


BREAKER_GROUP = '{job="scrape-shops", instance="e2e", task="fetch-pages"}'


@pytest.mark.parametrize("expr", [
    # FlowgatePushStale's comparison, inverted: the group is fresh.
    f"flowgate_group_last_push_age_seconds{BREAKER_GROUP} < prefect_task_expected_push_interval_seconds",
    # The group is up: its last push succeeded within its declared interval.
    f"flowgate_group_up{BREAKER_GROUP} == 1",
    # FlowgatePushFailed's comparison, inverted: the last push succeeded.
    f"push_failure_time_seconds{BREAKER_GROUP} <= push_time_seconds",
    # FlowgateTaskSlow's default threshold.
    f"job_task:prefect_task_slow_threshold_seconds:effective{BREAKER_GROUP} == 60",
])
def test_push_rules_match_the_series_of_pushed_groups(delivered, expr):
    assert len(stack.query(delivered["prometheus"], expr)) == 1


@pytest.mark.skipif(not os.environ.get("FLOWGATE_BINARY"),
                    reason="host metrics come from flowgate's host collector; the Pushgateway has none")
@pytest.mark.parametrize("expr", [
    'flowgate_scrape_collector_success{job="flowgate", collector="host"} == 1',
    "instance:node_cpu_utilisation:rate5m",
    "instance:node_memory_utilisation:ratio",
    "instance_mountpoint:node_filesystem_utilisation:ratio"
    " and on (job, instance, device, mountpoint) node_filesystem_readonly == 0",
    "node_filesystem_avail_bytes / node_filesystem_size_bytes",
])
def test_host_rules_match_the_series_flowgate_exposes(delivered, expr):
    values = stack.query(delivered["prometheus"], expr)
    assert values and all(0 <= value <= 1 for _, value in values), values
