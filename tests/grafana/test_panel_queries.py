"""Every panel query of the six dashboards returns series from a real Prometheus
that scrapes a flowgate fed by the example flows of examples/flows run against
a real Prefect server, with the dashboard variables at "All".

flowgate polls that Prefect server with its Prefect collector (the Prefect
overview), receives the flows' pushes (Scrapers, ETL, Campaigns and cost) and
exports its own and its host's metrics (flowgate itself, Hosts). The Prefect
server holds what prefect_examples.py makes: work pools, deployments, a
worker, a Late run, a run still RUNNING, and two runs of each example flow
(one of which fails by design). Besides the flows, a budget pushed from a
shell (docs/task-metrics.md) and a refused push feed their panels.

Prometheus evaluates the project's alerting rules (alerting-rules/rules), so
the alerts the example flows are built to fire can be checked as well.

Environment: FLOWGATE_BINARY, PREFECT_VENV (the ctest fixture prefect_venv).
"""

import contextlib
import json
import os
import socket
import sys
import tempfile
import time
import types
import urllib.error
import urllib.parse
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

import dashboard_lint as dl
import prefect_examples

sys.path.insert(0, os.path.join(dl.REPO, "tests", "e2e"))
sys.path.insert(0, os.path.join(dl.REPO, "tests", "support", "prefect"))
import alerting_stack  # noqa: E402  (tests/alerting/alerting_stack.py; dashboard_lint put it on the path)
import prefect_server  # noqa: E402  (tests/support/prefect/prefect_server.py)
import servers  # noqa: E402  (tests/e2e/servers.py)

RATE_INTERVAL = "1m"  # what Grafana would pick for a 1 s scrape interval over a short range
WHOLE_RANGE = "1h"
# The collector polls (and reads deployments, pools and workers) every 3 s so
# the test need not wait for it; the worker's slow run counts as stuck after 10 s.
PREFECT_FLAGS = ("--prefect.poll-interval=3s", "--prefect.inventory-interval=3s",
                 "--prefect.stuck-running-after=10s")
ALL_ANSWER_TIMEOUT_SECONDS = 90
NO_ALERTMANAGER = "127.0.0.1:9"  # the rules are evaluated; nobody receives the alerts


def _query(prometheus, expr):
    url = f"{prometheus.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)["data"]["result"]


def _refused_push(flowgate):
    """A body flowgate refuses, so the rejection counters have a series."""
    request = urllib.request.Request(f"{flowgate.url}/metrics/job/broken-flow", method="PUT",
                                     data=b"this is not an exposition {\n")
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=10).close()


def _budget_from_a_shell(flowgate):
    """The budget set once without a task, as docs/task-metrics.md shows (instance ""). HELP and
    TYPE as the tasks push them: like the Pushgateway, flowgate refuses a push whose family
    disagrees with another group's (a bare `api_monthly_budget_dollars 500` is untyped)."""
    body = ("# HELP api_monthly_budget_dollars Spend allowed on all external APIs over 30 days, in US dollars.\n"
            "# TYPE api_monthly_budget_dollars gauge\n"
            "api_monthly_budget_dollars 500\n")
    request = urllib.request.Request(f"{flowgate.url}/metrics/job/budget", method="PUT",
                                     data=body.encode())
    urllib.request.urlopen(request, timeout=10).close()


def _panel_queries():
    """(test id, query as Prometheus receives it) for every panel target of every dashboard."""
    for path in dl.dashboard_paths():
        name = os.path.basename(path)
        for where, panel, expr in dl.expressions(dl.load(path)):
            if panel is not None:
                yield f"{name}:{where}", dl.substituted(expr, rate_interval=RATE_INTERVAL, whole_range=WHOLE_RANGE)


PANEL_QUERIES = list(_panel_queries())


def _wait_until_every_query_answers(prometheus):
    """Returns once every panel query has a series, or after the timeout (the
    tests below then name the ones without)."""
    deadline = time.monotonic() + ALL_ANSWER_TIMEOUT_SECONDS
    pending = [query for _, query in PANEL_QUERIES]
    while True:
        pending = [query for query in pending if not _query(prometheus, query)]
        if not pending or time.monotonic() > deadline:
            return
        time.sleep(1)


def _flags(prefect, work_dir):
    """The Prefect collector on the example server, and a remote write destination that never answers, so
    that the remote write panels have their series (a failing queue has them all)."""
    config = os.path.join(work_dir, "remote-write.yml")
    with open(config, "w", encoding="utf-8") as out:
        out.write(f"remote_write:\n  - url: http://{NO_ALERTMANAGER}/api/v1/write\n    name: unreachable\n")
    return (f"--prefect.api-url={prefect.url}", *PREFECT_FLAGS, f"--persistence.file={work_dir}/flowgate.db",
            f"--remote-write.config-file={config}")


@pytest.fixture(scope="module")
def stack():
    """flowgate and the Prometheus scraping it, once the example flows have run
    and every panel query answers (or the wait is over)."""
    timings = {}
    started = time.monotonic()
    with prefect_server.PrefectServer() as prefect:
        timings["prefect ready"] = time.monotonic() - started
        prefect_examples.make_inventory(prefect)
        with tempfile.TemporaryDirectory() as work_dir, \
                servers.flowgate(_flags(prefect, work_dir)) as flowgate, \
                alerting_stack.prometheus(work_dir, flowgate.host, NO_ALERTMANAGER) as prometheus, \
                prefect_examples.worker(prefect, flowgate.url):
            _refused_push(flowgate)
            _budget_from_a_shell(flowgate)
            mark = time.monotonic()
            examples = prefect_examples.run_examples(prefect, flowgate.url)
            timings["example flows"] = time.monotonic() - mark
            mark = time.monotonic()
            _wait_until_every_query_answers(prometheus)
            timings["until every query answers"] = time.monotonic() - mark
            print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
                  + f"; each example: { {script: run.seconds for script, run in examples.items()} }",
                  file=sys.stderr)
            yield types.SimpleNamespace(flowgate=flowgate, prometheus=prometheus, examples=examples)


@pytest.fixture(scope="module")
def prometheus(stack):
    return stack.prometheus


def test_every_dashboard_has_panel_queries():
    queried = {test_id.split(":")[0] for test_id, _ in PANEL_QUERIES}
    assert queried == {os.path.basename(p) for p in dl.dashboard_paths()}


@pytest.mark.parametrize("query", [pytest.param(q, id=i) for i, q in PANEL_QUERIES])
def test_panel_query_returns_series(prometheus, query):
    assert _query(prometheus, query), f"no series for {query}"


def _panel_metric_names():
    names = set()
    for _, query in PANEL_QUERIES:
        names |= dl.rule_files.metric_names(query)
    return sorted(names)


@pytest.fixture(scope="module")
def exposed_names(stack):
    """The sample names on flowgate's /metrics."""
    with urllib.request.urlopen(f"{stack.flowgate.url}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}


@pytest.mark.parametrize("name", _panel_metric_names())
def test_metric_a_panel_uses_is_on_flowgates_metrics_page(exposed_names, name):
    assert name in exposed_names


# What the example flows are built to show (examples/flows/README.md), as
# flowgate's pushed groups and its Prefect collector report it.

def _value(prometheus, expr):
    result = _query(prometheus, expr)
    assert len(result) == 1, f"{expr}: {result}"
    return float(result[0]["value"][1])


def _eventually(prometheus, expr, wanted, timeout=60.0):
    """The value of a one-series expr once it equals `wanted` (the collector polls every 3 s)."""
    deadline = time.monotonic() + timeout
    while True:
        result = _query(prometheus, expr)
        value = float(result[0]["value"][1]) if len(result) == 1 else None
        if value == wanted or time.monotonic() > deadline:
            return value
        time.sleep(1)


RUNS = prefect_examples.RUNS_PER_EXAMPLE
HOST = f'instance="{socket.gethostname()}"'  # ad-hoc runs push as instance=<host>


def test_a_task_that_fails_once_counts_one_retry_per_run(prometheus):
    for flow, task in (("marketing-campaign", "score-leads"), ("nightly-etl", "load-orders")):
        assert _value(prometheus, f'prefect_task_retries_total{{job="{flow}",task="{task}",{HOST}}}') == RUNS
        assert _value(prometheus, f'prefect_task_retries_exhausted_total{{job="{flow}",task="{task}",{HOST}}}') == 0


def test_the_rate_limited_attempts_api_errors_survive_the_retrys_push(prometheus):
    assert _value(prometheus, f'api_request_errors_total{{api="openai",code="429",{HOST}}}') == RUNS


def test_the_walled_site_runs_out_of_retries_and_fails_the_flow_run(prometheus):
    assert _value(prometheus, f'prefect_task_retries_exhausted_total{{task="scrape-shop-c",{HOST}}}') == RUNS
    failed = 'flow_name="scrape-shops",deployment_name=""'
    assert _eventually(prometheus, f'sum(prefect_flow_runs_finished_total{{{failed},state_type="FAILED"}})',
                       RUNS) == RUNS
    assert _eventually(prometheus, f'prefect_flow_run_failures_total{{{failed},exception_type="CaptchaWall"}}',
                       RUNS) == RUNS


def test_each_sites_totals_are_the_sums_over_its_concurrent_task_runs(stack, prometheus):
    """The scraper's task runs (one per batch of pages, run at once) add their counts into
    their site's group through /aggregate: the totals are the exact sums of what every task
    run of both flow runs fetched. The walled site's task runs push on both attempts with
    one idempotency key per task run, so their retries add nothing."""
    fetched = prefect_examples.fetched_by_site(stack.examples["scraper_flow.py"].output)
    assert sorted(fetched) == ["shop-a.example", "shop-b.example", "shop-c.example"]
    assert len(fetched["shop-a.example"]) > RUNS, "several task runs per flow run add into one group"
    assert len(fetched["shop-c.example"]) == RUNS
    for site, task_runs in fetched.items():
        for counter in ("pages", "items"):
            expr = f'scraper_{counter}_total{{job="scrape-shops",site="{site}",{HOST}}}'
            expected = sum(task_run[counter] for task_run in task_runs)
            assert _eventually(prometheus, expr, expected) == expected, expr


def test_the_other_example_flow_runs_complete(prometheus):
    for flow in ("marketing-campaign", "nightly-etl"):
        completed = f'sum(prefect_flow_runs_finished_total{{flow_name="{flow}",state_type="COMPLETED"}})'
        assert _eventually(prometheus, completed, RUNS) == RUNS


def test_the_workers_slow_run_is_running_and_counted_stuck(prometheus):
    nightly = 'flow_name="nightly-etl",deployment_name="nightly"'
    assert _eventually(prometheus, f'prefect_flow_runs{{{nightly},state_type="RUNNING"}}', 1) == 1
    assert _eventually(prometheus, f"prefect_flow_runs_stuck_running{{{nightly}}}", 1) == 1
    assert _eventually(prometheus, 'sum(prefect_task_runs{state_type="RUNNING"})', 1) == 1


def test_the_unserved_pool_holds_a_late_run_and_the_served_one_a_worker(prometheus):
    backfill = 'flow_name="marketing-campaign",deployment_name="backfill"'
    assert _eventually(prometheus, f'prefect_flow_runs{{{backfill},state_name="Late"}}', 1) == 1
    assert _eventually(prometheus, 'prefect_work_queues_late_runs_count{work_pool_name="backfill"}', 1) == 1
    assert _eventually(prometheus, 'prefect_worker_online{work_pool_name="examples",'
                                   'worker_name="examples-worker"}', 1) == 1
    assert _value(prometheus, "prefect_deployments_total") == 3


EXPECTED_ALERTS = [
    ("FlowgateTaskSlow", 'job="nightly-etl",task="transform-orders"'),
    ("FlowgateTaskRetrying", 'job="marketing-campaign",task="score-leads"'),
    ("FlowgateTaskRetrying", 'job="nightly-etl",task="load-orders"'),
    ("FlowgateTaskRetriesExhausted", 'job="scrape-shops",task="scrape-shop-c"'),
    ("FlowgateApiDailySpendHigh", 'api="openai"'),
    ("FlowgatePrefectFlowRunFailed", 'flow_name="scrape-shops",exception_type="CaptchaWall"'),
]


@pytest.mark.parametrize("alert, labels", [pytest.param(a, l, id=f"{a}{{{l}}}") for a, l in EXPECTED_ALERTS])
def test_the_example_flows_fire_the_alerts_they_are_built_to(prometheus, alert, labels):
    firing = f'count(ALERTS{{alertname="{alert}",alertstate="firing",{labels}}})'
    assert _eventually(prometheus, firing, 1, timeout=30) == 1, _query(
        prometheus, f'ALERTS{{alertname="{alert}",{labels}}}')
