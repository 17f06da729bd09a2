"""The Prefect collector in the real flowgate binary against a real Prefect
server (tests/support/prefect: the shared venv with the pinned Prefect).

Real Python flows (flows.py) end Completed, Failed (ValueError) and Crashed
(sys.exit in the flow), with a task retried twice; a deployment registered
by flows.py gets a run cancelled through the API and a run scheduled in the
past that the server's late-runs service marks Late. flowgate polls every
second while this happens; its /metrics are then compared with what the
Prefect API itself reports. The poll cost is read from flowgate's own
counters (flowgate_prefect_{polls,requests,response_bytes}_total). A second
flowgate with --prefect.compat-prefecthq serves PrefectHQ's exporter's
families to a real Prometheus, which answers every query of that exporter's
two Grafana dashboards.

Run twice by CMake: against the pinned Prefect (requirements.txt) and, with
PREFECT_REQUIREMENTS=requirements-oldest.txt, against the oldest Prefect the
collector supports.

Environment: FLOWGATE_BINARY, PREFECT_VENV, PREFECT_REQUIREMENTS (set by CMake)."""

import collections
import contextlib
import datetime
import json
import os
import pathlib
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "support" / "prefect"))
sys.path.insert(0, str(HERE.parents[1] / "e2e"))
import prefect_server  # noqa: E402  (the shared Prefect venv and server)
import servers  # noqa: E402  (flowgate on a free port, always stopped)

TERMINAL = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]
POOL = "pool-a"
API_KEY = "pnu_e2e_never_printed"
# An idle poll: finished flow runs, flow-run events, runs come due, current
# and finished task runs, one pool's workers; the first poll reads every
# current run (active, due) in place of the events and runs come due
# (docs/design-notes/prefect-collector.md).
IDLE_POLL_REQUESTS = 6


wait_for = servers.wait_for


def call(prefect, method, path, body=None):
    """One API call; a 503 (SQLite busy on a loaded machine) is tried again."""
    for attempt in range(5):
        try:
            return prefect.call(method, path, body)
        except urllib.error.HTTPError as error:
            if error.code != 503 or attempt == 4:
                raise
            time.sleep(0.5)


def post(prefect, path, body):
    return call(prefect, "POST", path, body)


def read_all(prefect, path, body=None):
    """Every row of a /filter route, paged as Prefect allows (limit <= 200)."""
    rows, offset = [], 0
    while True:
        page = post(prefect, path, {**(body or {}), "limit": 200, "offset": offset})
        rows += page
        if len(page) < 200:
            return rows
        offset += 200


def iso(at):
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- flowgate ---------------------------------------------------------------
def flowgate(prefect, *flags, key_file=None):
    """A started flowgate whose first Prefect poll has finished (it runs on
    the collector's thread once the listener is open, exporter/README.md)."""
    server = servers.flowgate([f"--prefect.api-url={prefect.url}", "--prefect.poll-interval=1s",
                               "--prefect.inventory-interval=10m", "--no-collector.host",
                               *([f"--prefect.api-key-file={key_file}"] if key_file else []), *flags])
    try:
        wait_for("flowgate's first Prefect poll", lambda: any(
            labels.get("collector") == "prefect"
            for labels, _ in scrape(server).get("flowgate_scrape_collector_success", [])), seconds=60)
    except BaseException:
        server.stop()
        raise
    return server


def scrape(server):
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as answer:
        assert answer.status == 200
        text = answer.read().decode()
    samples = collections.defaultdict(list)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[sample.name].append((sample.labels, sample.value))
    return samples


def total(samples, name, **labels):
    return sum(value for got, value in samples.get(name, [])
               if all(got.get(key) == wanted for key, wanted in labels.items()))


def series(samples, name, keys):
    """{label values: value} of one family, by the given label names."""
    out = collections.Counter()
    for labels, value in samples.get(name, []):
        out[tuple(labels.get(key, "") for key in keys)] += value
    return dict(out)


def after_next_polls(server, polls):
    """A scrape taken once flowgate has finished `polls` more polls."""
    start = total(scrape(server), "flowgate_prefect_polls_total")
    return wait_for(f"{polls} more polls", lambda: (lambda s: s if total(
        s, "flowgate_prefect_polls_total") >= start + polls else None)(scrape(server)), seconds=30)


# -- what Prefect says --------------------------------------------------------
FINISHED_KEYS = ("flow_name", "deployment_name", "state_type", "state_name")


def names(prefect):
    """id -> name of flows and of deployments (ad-hoc runs: deployment "")."""
    flows = {flow["id"]: flow["name"] for flow in read_all(prefect, "/flows/filter")}
    deployments = {d["id"]: d["name"] for d in read_all(prefect, "/deployments/filter")}
    return lambda run: (flows[run["flow_id"]], deployments.get(run["deployment_id"], ""))


def finished_runs(prefect, types=TERMINAL):
    return read_all(prefect, "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": types}}}})


def prefect_finished(prefect):
    """Terminal flow runs per (flow, deployment, state type, state name), from the API."""
    name = names(prefect)
    return dict(collections.Counter(
        (*name(run), run["state_type"], run["state_name"]) for run in finished_runs(prefect)))


def terminal_count(prefect):
    return post(prefect, "/flow_runs/count", {"flow_runs": {"state": {"type": {"any_": TERMINAL}}}})


def finish_run(prefect, flow_id, state, message=""):
    run = post(prefect, "/flow_runs/", {"flow_id": flow_id, "state": {"type": "RUNNING"}})
    post(prefect, f"/flow_runs/{run['id']}/set_state",
         {"state": {"type": state, "message": message}, "force": True})
    return run


# -- the world: Prefect, flowgate polling it, runs made while it polls ---------
@pytest.fixture(scope="module")
def world():
    with prefect_server.PrefectServer() as prefect, tempfile.TemporaryDirectory() as scratch:
        key_file = pathlib.Path(scratch) / "api-key"
        key_file.write_text(API_KEY + "\n")
        post(prefect, "/work_pools/", {"name": POOL, "type": "process"})
        post(prefect, f"/work_pools/{POOL}/workers/heartbeat", {"name": "w1", "heartbeat_interval_seconds": 60})
        state_file = pathlib.Path(scratch) / "prefect-state.json"
        with flowgate(prefect, f"--prefect.state-file={state_file}", key_file=key_file) as watcher:
            deployment_id = prefect.run_flow(HERE / "flows.py", POOL).stdout.strip().splitlines()[-1]
            cancelled = post(prefect, f"/deployments/{deployment_id}/create_flow_run", {})
            # Cancelling a run no worker has picked up: the server moves it
            # from CANCELLING straight to CANCELLED.
            post(prefect, f"/flow_runs/{cancelled['id']}/set_state",
                 {"state": {"type": "CANCELLING", "message": "cancelled by the test"}})
            past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=60)
            post(prefect, f"/deployments/{deployment_id}/create_flow_run",
                 {"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": iso(past)}}})
            wait_for("the scheduled run to go Late", lambda: post(
                prefect, "/flow_runs/count", {"flow_runs": {"state": {"name": {"any_": ["Late"]}}}}) == 1)
            # Task runs reach the API asynchronously (events); wait for both
            # (one per etl run), then for flowgate to have read everything.
            wait_for("the task runs in the API", lambda: post(
                prefect, "/task_runs/count", {"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}) == 2)
            wait_for("flowgate to count every finished run", lambda: total(
                scrape(watcher), "prefect_flow_runs_finished_total") == terminal_count(prefect))
            wait_for("flowgate to count the finished task runs", lambda: total(
                scrape(watcher), "prefect_task_runs_finished_total") == 2)
            # The Late event moves prefect_flow_runs at once (--prefect.events);
            # the late runs per queue wait for a poll that read it.
            wait_for("flowgate to see the Late run", lambda: total(
                scrape(watcher), "prefect_flow_runs", state_name="Late") == 1 and total(
                scrape(watcher), "prefect_work_queues_late_runs_count", work_pool_name=POOL) == 1)
            yield {"prefect": prefect, "flowgate": watcher, "deployment_id": deployment_id,
                   "key_file": key_file, "state_file": state_file}


def test_finished_runs_per_flow_deployment_and_state_match_prefect(world):
    samples = scrape(world["flowgate"])
    got = series(samples, "prefect_flow_runs_finished_total", FINISHED_KEYS)
    expected = prefect_finished(world["prefect"])
    assert got == expected
    # What the flows did, so a wrong join cannot agree with itself above.
    assert expected == {("etl", "", "COMPLETED", "Completed"): 1, ("etl", "", "FAILED", "Failed"): 1,
                        ("crasher", "", "CRASHED", "Crashed"): 1, ("etl", "daily", "CANCELLED", "Cancelled"): 1}


def test_failures_durations_and_task_retries_match_prefect(world):
    prefect, samples = world["prefect"], scrape(world["flowgate"])
    failed = finished_runs(prefect, ["FAILED", "CRASHED"])
    assert total(samples, "prefect_flow_run_failures_total", flow_name="etl", exception_type="ValueError") == 1
    # "Execution was aborted by Python system exit call." names no type; the wording does.
    assert total(samples, "prefect_flow_run_failures_total", flow_name="crasher", exception_type="SystemExit") == 1
    infos = {labels["flow_run_id"]: labels for labels, _ in samples["prefect_flow_run_last_failure_info"]}
    assert set(infos) == {run["id"] for run in failed}
    for run in failed:
        assert infos[run["id"]]["flow_run_name"] == run["name"]
        assert infos[run["id"]]["state_name"] == run["state_name"]
    finished, name = finished_runs(prefect), names(prefect)
    assert series(samples, "prefect_flow_run_duration_seconds_count", ("flow_name", "deployment_name")) == \
        dict(collections.Counter(name(run) for run in finished))
    assert total(samples, "prefect_flow_run_duration_seconds_sum") == pytest.approx(
        sum(run["total_run_time"] for run in finished), abs=1e-3)
    tasks = read_all(prefect, "/task_runs/filter")
    assert total(samples, "prefect_task_runs_finished_total", state_type="COMPLETED") == \
        sum(1 for run in tasks if run["state_type"] == "COMPLETED")
    assert total(samples, "prefect_task_run_retries_total", flow_name="etl") == \
        sum(run["run_count"] - 1 for run in tasks) == 2


def test_current_runs_deployments_workers_and_version_match_prefect(world):
    prefect, samples = world["prefect"], scrape(world["flowgate"])
    late = read_all(prefect, "/flow_runs/filter", {"flow_runs": {"state": {"name": {"any_": ["Late"]}}}})
    assert len(late) == 1
    # States that emptied stay as 0-valued series; the non-zero ones are Prefect's current runs.
    current = {labels: value for labels, value in series(samples, "prefect_flow_runs", FINISHED_KEYS).items() if value}
    assert current == {("etl", "daily", "SCHEDULED", "Late"): 1}
    lateness = time.time() - datetime.datetime.fromisoformat(
        late[0]["expected_start_time"].replace("Z", "+00:00")).timestamp()
    assert total(samples, "prefect_flow_run_lateness_seconds", flow_name="etl", deployment_name="daily") == \
        pytest.approx(lateness, abs=5)
    assert total(samples, "prefect_work_queues_late_runs_count", work_pool_name=POOL, work_queue_name="default") == 1
    assert total(samples, "prefect_flow_runs_stuck_running") == 0
    assert total(samples, "prefect_deployments_total") == post(prefect, "/deployments/count", {}) == 1
    deployment = call(prefect, "GET", f"/deployments/{world['deployment_id']}")
    info = samples["prefect_info_deployment"]
    assert [labels for labels, _ in info] == [{
        "deployment_name": "daily", "flow_name": "etl", "work_pool_name": POOL, "work_queue_name": "default",
        "status": deployment["status"], "paused": "false", "is_schedule_active": "false"}]
    assert total(samples, "prefect_work_pools_total") == post(prefect, "/work_pools/count", {}) == 1
    workers = post(prefect, f"/work_pools/{POOL}/workers/filter", {})
    assert [(w["name"], w["status"]) for w in workers] == [("w1", "ONLINE")]
    assert total(samples, "prefect_worker_online", work_pool_name=POOL, worker_name="w1") == 1
    assert 0 <= total(samples, "prefect_worker_heartbeat_age_seconds", worker_name="w1") < 120
    assert [labels["version"] for labels, _ in samples["prefect_server_info"]] == [call(prefect, "GET", "/admin/version")]
    assert total(samples, "prefect_up") == 1
    assert total(samples, "flowgate_scrape_collector_success", collector="prefect") == 1


def documented_families(heading):
    """{name: label names} of the table under `heading` in docs/metrics.md (up
    to the next heading); a label in brackets ("[, flow_run_name]") counts."""
    text = (HERE.parents[2] / "docs" / "metrics.md").read_text()
    section = text[text.index(heading + "\n"):]
    section = section[:section.find("\n#", 1)] if "\n#" in section[1:] else section
    families = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`") and cells[0].endswith("`"):
            labels = cells[2].strip("`").replace("[", "").replace("]", "")
            families[cells[0].strip("`")] = set() if labels in ("–", "-", "") else {
                label.strip() for label in labels.split(",") if label.strip()}
    return families


def documented_prefect_families():
    """{name: label names} of the Prefect section's table in docs/metrics.md."""
    return documented_families("## Prefect (collectors/prefect/)")


COMPAT_HEADING = "### PrefectHQ exporter compatibility (`--prefect.compat-prefecthq`)"


def served_prefect_families(server):
    """{name: label names} of the prefect_* and flowgate_prefect_* families with samples."""
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as answer:
        text = answer.read().decode()
    served = {}
    for family in text_string_to_metric_families(text):
        name = family.name + ("_total" if family.type == "counter" else "")
        if name.startswith(("prefect_", "flowgate_prefect_")) and family.samples:
            served[name] = set().union(*(set(sample.labels) - {"le"} for sample in family.samples))
    return served


def test_every_prefect_family_is_documented_with_its_labels(world):
    served = served_prefect_families(world["flowgate"])
    documented = documented_prefect_families()
    assert {name: documented.get(name) for name in served} == served
    # Gauges of what is running now have no series when nothing runs.
    assert set(documented) - set(served) <= {"prefect_flow_runs_stuck_running", "prefect_task_runs"}


def test_the_api_key_stays_out_of_the_log_and_the_status_page(world):
    server = world["flowgate"]
    with urllib.request.urlopen(server.url + "/api/v1/status", timeout=10) as answer:
        status = answer.read().decode()
    assert str(world["key_file"]) in status
    assert API_KEY not in status
    assert API_KEY not in server.output()
    assert "Prefect collector on" in server.output()


def counters(samples):
    return {name: dict(((tuple(sorted(labels.items())), value) for labels, value in rows))
            for name, rows in samples.items() if name.endswith("_total") or name.endswith("_count")
            or name.endswith("_sum") or name.endswith("_bucket")}


def assert_no_counter_went_down(before, after):
    for name, rows in counters(before).items():
        for labels, value in rows.items():
            assert counters(after).get(name, {}).get(labels, 0) >= value, (name, labels)


def flow_run_events(prefect):
    """How many flow-run events (state changes) Prefect has written in the last hour."""
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    return post(prefect, "/events/filter", {"filter": {"occurred": {"since": iso(since)}, "event": {
        "prefix": ["prefect.flow-run."], "exclude_name": ["prefect.flow-run.heartbeat"]}}, "limit": 1})["total"]


def wait_for_written_events(prefect):
    """Prefect's event persister writes events a few seconds (its flush
    interval, 5 s) after the change: until then a poll may meet an event newer
    than the run it read, and read that run again."""
    def unchanged():
        before = flow_run_events(prefect)
        time.sleep(6)
        return flow_run_events(prefect) == before
    wait_for("Prefect to write every flow-run event", unchanged, seconds=90)


def test_idle_polls_cost_six_requests_and_thirty_five_finished_runs_add_none(world):
    prefect, server = world["prefect"], world["flowgate"]
    wait_for_written_events(prefect)
    first = after_next_polls(server, 1)
    idle = after_next_polls(server, 3)
    polls = total(idle, "flowgate_prefect_polls_total") - total(first, "flowgate_prefect_polls_total")
    requests = total(idle, "flowgate_prefect_requests_total") - total(first, "flowgate_prefect_requests_total")
    idle_bytes = total(idle, "flowgate_prefect_response_bytes_total") - \
        total(first, "flowgate_prefect_response_bytes_total")
    assert requests == IDLE_POLL_REQUESTS * polls
    assert_no_counter_went_down(first, idle)

    # Every run changed inside the overlap window fits one page of events (50).
    new_runs = 35
    assert post(prefect, "/flow_runs/count", {}) + new_runs <= 50
    etl = next(flow["id"] for flow in read_all(prefect, "/flows/filter") if flow["name"] == "etl")
    before = terminal_count(prefect)
    for _ in range(new_runs):
        finish_run(prefect, etl, "COMPLETED")
    wait_for(f"flowgate to count the {new_runs} new runs",
             lambda: total(scrape(server), "prefect_flow_runs_finished_total") == before + new_runs)
    wait_for_written_events(prefect)
    idle = after_next_polls(server, 1)
    # Polls that still re-read the runs (overlap) and their events: the
    # events name runs the finished read returned, so none is read by id.
    busy = after_next_polls(server, 2)
    busy_polls = total(busy, "flowgate_prefect_polls_total") - total(idle, "flowgate_prefect_polls_total")
    busy_requests = total(busy, "flowgate_prefect_requests_total") - total(idle, "flowgate_prefect_requests_total")
    busy_bytes = total(busy, "flowgate_prefect_response_bytes_total") - \
        total(idle, "flowgate_prefect_response_bytes_total")
    assert busy_requests == IDLE_POLL_REQUESTS * busy_polls
    assert busy_bytes / busy_polls > idle_bytes / polls
    assert_no_counter_went_down(idle, busy)
    assert series(busy, "prefect_flow_runs_finished_total", FINISHED_KEYS) == prefect_finished(prefect)
    print(f"\nidle poll: {requests / polls:.0f} requests, {idle_bytes / polls:.0f} bytes; after {new_runs} runs "
          f"finished: {busy_requests / busy_polls:.1f} requests, {busy_bytes / busy_polls:.0f} bytes per poll")


# -- --prefect.compat-prefecthq: PrefectHQ's exporter's families and dashboards ----
# The queries of that exporter's two Grafana dashboards (prefect-flow-run-overview
# and prefect-platform-overview), by the panel they stand for. Panels on
# metrics that exporter does not serve (kube-state-metrics, cAdvisor, Loki
# logs, blackbox probe_success) and the `namespace` variable (a Kubernetes
# target label) are left out: no Prefect exporter answers them.
DASHBOARD_VARIABLES = {  # name: (label, series selector), as Grafana's label_values()
    "flow_name": ("flow_name", "prefect_info_flows"),
    "flow_run_state_name": ("state_name", "prefect_info_flow_runs"),
    "flow_run_name": ("flow_run_name", 'prefect_info_flow_runs{flow_name="$flow_name"}'),
}
PANEL_QUERIES = {  # panel title: PromQL, as the dashboards write them
    "Flows total": "sum(prefect_flows_total)",
    "Deployments total": "sum(prefect_deployments_total)",
    "Deployments paused": 'sum(prefect_info_deployment{is_schedule_active="False"} == 1)',
    "Deployments paused (platform)": 'count(prefect_info_deployment{is_schedule_active="False"} == 1)',
    "Flow Runs running": "count(prefect_info_flow_runs == 1)",
    "Flow Runs total": "count(prefect_info_flow_runs)",
    "Flow Runs average run time": "avg(prefect_flow_runs_total_run_time)",
    "Flow Runs by state": "count by (state_name) (prefect_info_flow_runs)",
    "Flow Runs total ($flow_name row)": 'count(prefect_info_flow_runs{flow_name=~"$flow_name"})',
    "flow runs table": 'prefect_info_flow_runs{state_name=~"$flow_run_state_name", flow_name=~"$flow_name"}',
    "Average time": 'avg by (flow_name) (prefect_flow_runs_total_run_time{flow_name=~"$flow_name"})',
    "Flow Run total run time": 'avg by (flow_name) (prefect_flow_runs_total_run_time{flow_name=~"$flow_name"})',
    "flows table": 'prefect_info_flows{flow_name=~"$flow_name"} == 1',
    "deployments table": 'prefect_info_deployment{flow_name=~"$flow_name"}',
    "Work Pools total": "sum(prefect_work_pools_total)",
    "Work Queues total": "sum(prefect_work_queues_total)",
}
DASHBOARD_PANELS = {
    "flow-run overview": ["Flows total", "Deployments total", "Deployments paused", "Flow Runs running",
                          "Flow Runs total", "Flow Runs average run time", "Flow Runs by state",
                          "Flow Runs total ($flow_name row)", "flow runs table", "Average time",
                          "Flow Run total run time", "flows table", "deployments table"],
    "platform overview": ["Flows total", "Flow Runs total", "Flow Runs running", "Work Pools total",
                          "Flow Runs by state", "Deployments total", "Deployments paused (platform)",
                          "Flow Runs average run time", "Work Queues total", "flow runs table", "flows table",
                          "deployments table"],
}
# The exporter's settings as its users set them: a window long enough for
# the runs this module made, and the run-name label the dashboards' variable reads.
COMPAT_ENVIRONMENT = {"OFFSET_MINUTES": "60", "ENABLE_FLOW_RUN_NAME_LABEL": "True", "PAGINATION_LIMIT": "100"}


def prometheus_query(prometheus, promql):
    path = "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(prometheus.url + path, timeout=10) as answer:
        body = json.loads(answer.read())
    assert body["status"] == "success", body
    return body["data"]["result"]


def label_values(prometheus, label, selector):
    """Grafana's label_values(selector, label) through Prometheus' API."""
    path = f"/api/v1/label/{label}/values?" + urllib.parse.urlencode({"match[]": selector})
    with urllib.request.urlopen(prometheus.url + path, timeout=10) as answer:
        return json.loads(answer.read())["data"]


@contextlib.contextmanager
def environment(values):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def compat(world):
    """flowgate with --prefect.compat-prefecthq (and the exporter's variables)
    polling the world's Prefect, scraped by a real Prometheus; first a paused
    deployment, a failed deployment run and a running run, which the
    exporter's dashboards and families need."""
    prefect = world["prefect"]
    etl = next(flow["id"] for flow in read_all(prefect, "/flows/filter") if flow["name"] == "etl")
    post(prefect, "/deployments/", {"name": "paused", "flow_id": etl, "paused": True, "work_pool_name": POOL})
    failed = post(prefect, f"/deployments/{world['deployment_id']}/create_flow_run", {})
    for state in ({"type": "RUNNING"}, {"type": "FAILED", "message": "Flow run encountered an exception: OSError: x"}):
        post(prefect, f"/flow_runs/{failed['id']}/set_state", {"state": state, "force": True})
    running = post(prefect, "/flow_runs/", {"flow_id": etl, "state": {"type": "RUNNING"}})
    # The other tests' flowgate counts the failure before they compare counters.
    wait_for("flowgate to count the failed deployment run", lambda: total(
        scrape(world["flowgate"]), "prefect_flow_runs_finished_total") == terminal_count(prefect))
    with environment(COMPAT_ENVIRONMENT), tempfile.TemporaryDirectory() as scratch, \
            flowgate(prefect, "--prefect.compat-prefecthq") as server, \
            servers.prometheus(server.host, scratch) as prometheus:
        yield {"flowgate": server, "prometheus": prometheus, "failed_run": failed, "running_run": running}


def test_every_compat_family_is_documented_with_its_labels(world, compat):
    served = served_prefect_families(compat["flowgate"])
    documented = {**documented_prefect_families(), **documented_families(COMPAT_HEADING)}
    assert {name: documented.get(name) for name in served} == served
    assert set(documented) - set(served) <= {"prefect_flow_runs_stuck_running", "prefect_task_runs"}
    samples = scrape(compat["flowgate"])
    failed = [labels for labels, _ in samples["prefect_deployment_failed_flow_runs"]]
    assert failed == [{"deployment_name": "daily", "flow_name": "etl", "state_name": "Failed",
                       "last_failed_run_id": compat["failed_run"]["id"]}]
    ongoing = {labels["flow_run_id"]: value for labels, value in samples["prefect_flow_runs_ongoing_run_time"]}
    assert set(ongoing) == {compat["running_run"]["id"]}
    queues = read_all(world["prefect"], "/work_queues/filter")
    assert total(samples, "prefect_work_queues_total") == len(queues)
    assert total(samples, "prefect_flows_total") == post(world["prefect"], "/flows/count", {})
    assert {labels["work_queue_name"]: labels["healthy"] for labels, _ in samples["prefect_info_work_queues"]} == \
        {queue["name"]: "False" for queue in queues}  # a Late run, and no worker polls
    assert total(samples, "prefect_work_queues_late_runs_count", work_pool_name=POOL) == 1


def test_compat_mode_adds_one_request_per_idle_poll_not_one_per_queue(world, compat):
    # The work queues are read at every poll (one page); their health and
    # Late counts need no /work_queues/{id}/status request.
    wait_for_written_events(world["prefect"])
    first = after_next_polls(compat["flowgate"], 1)
    idle = after_next_polls(compat["flowgate"], 3)
    polls = total(idle, "flowgate_prefect_polls_total") - total(first, "flowgate_prefect_polls_total")
    requests = total(idle, "flowgate_prefect_requests_total") - total(first, "flowgate_prefect_requests_total")
    assert requests == (IDLE_POLL_REQUESTS + 1) * polls


def test_the_prefecthq_dashboards_queries_return_data(world, compat):
    prometheus = compat["prometheus"]
    chosen = {}
    for variable, (label, selector) in DASHBOARD_VARIABLES.items():
        for name, value in chosen.items():
            selector = selector.replace("$" + name, value)
        values = wait_for(f"values of ${variable}", lambda: label_values(prometheus, label, selector))
        chosen[variable] = "etl" if variable == "flow_name" else values[0]
        assert chosen[variable] in values
    empty = []
    for dashboard, panels in DASHBOARD_PANELS.items():
        for panel in panels:
            query = PANEL_QUERIES[panel]
            for name, value in chosen.items():
                query = query.replace("$" + name, value)
            try:
                wait_for(f"{dashboard} / {panel}", lambda: prometheus_query(prometheus, query), seconds=30)
            except AssertionError:
                empty.append((dashboard, panel, query))
    assert empty == []
    paused = prometheus_query(prometheus, PANEL_QUERIES["Deployments paused"])
    assert float(paused[0]["value"][1]) == 1  # the deployment the fixture paused
    flows = post(world["prefect"], "/flows/count", {})
    assert float(prometheus_query(prometheus, "sum(prefect_flows_total)")[0]["value"][1]) == flows


def prefect_counters(samples):
    """Every sample of the prefect_* counters and of the duration histogram
    (_count, _sum, _bucket), by name and labels."""
    return {name: rows for name, rows in counters(samples).items() if name.startswith("prefect_")}


def test_counters_keep_growing_across_a_flowgate_restart(world):
    prefect = world["prefect"]
    last = scrape(world["flowgate"])
    world["flowgate"].stop()
    state = json.loads(world["state_file"].read_text())
    assert state["api_url"] == prefect.url
    etl = next(flow["id"] for flow in read_all(prefect, "/flows/filter") if flow["name"] == "etl")
    down_run = finish_run(prefect, etl, "FAILED", "Flow run encountered an exception: KeyError: 'id'")  # while down
    # A long interval: the scrape shows exactly the first poll of the new process.
    # flowgate serves before that poll has answered (against Prefect 3.9.1 the
    # scrape right after /-/ready came first every time), so wait for it.
    with flowgate(prefect, "--prefect.poll-interval=1h", f"--prefect.state-file={world['state_file']}") as restarted:
        samples = wait_for("the first poll after the restart", lambda: (lambda s: s if total(
            s, "flowgate_prefect_polls_total") >= 1 else None)(scrape(restarted)))
        assert total(samples, "flowgate_prefect_polls_total") == 1
        got = series(samples, "prefect_flow_runs_finished_total", FINISHED_KEYS)
        assert got == prefect_finished(prefect)
        assert got[("etl", "", "FAILED", "Failed")] == \
            series(last, "prefect_flow_runs_finished_total", FINISHED_KEYS)[("etl", "", "FAILED", "Failed")] + 1
        # Every counter series continues from the state file: none restarts
        # from zero, and the run that failed while flowgate was down is in all
        # of them exactly once.
        before, after = prefect_counters(last), prefect_counters(samples)
        assert {"prefect_flow_run_failures_total", "prefect_task_runs_finished_total", "prefect_task_run_retries_total",
                "prefect_flow_run_duration_seconds_count", "prefect_flow_run_duration_seconds_sum",
                "prefect_flow_run_duration_seconds_bucket"} <= set(before)
        for name, rows in before.items():
            for labels, value in rows.items():
                assert after.get(name, {}).get(labels, 0) >= value, (name, labels, value)
        assert total(samples, "prefect_flow_run_failures_total", flow_name="etl", exception_type="KeyError") == 1
        assert total(samples, "prefect_flow_run_failures_total") == total(last, "prefect_flow_run_failures_total") + 1
        assert total(samples, "prefect_task_runs_finished_total") == total(last, "prefect_task_runs_finished_total")
        assert total(samples, "prefect_task_run_retries_total", flow_name="etl") == 2
        assert total(samples, "prefect_flow_run_duration_seconds_count") == \
            total(last, "prefect_flow_run_duration_seconds_count") + 1
        assert total(samples, "prefect_flow_run_duration_seconds_sum") == pytest.approx(
            total(last, "prefect_flow_run_duration_seconds_sum") + call(
                prefect, "GET", f"/flow_runs/{down_run['id']}")["total_run_time"], abs=1e-3)
        assert down_run["id"] in {labels["flow_run_id"] for labels, _ in samples["prefect_flow_run_last_failure_info"]}
        assert "Prefect state file not used" not in restarted.output()
        flows = post(prefect, "/flows/count", {})
        deployments = post(prefect, "/deployments/count", {})
        # version, 4 inventories, the idle poll's 6, and the seed: one
        # /flow_runs/history per deployment and per flow.
        assert total(samples, "flowgate_prefect_requests_total") == 5 + IDLE_POLL_REQUESTS + flows + deployments
        print(f"\nfirst poll ({flows} flows, {deployments} deployment, 1 pool, {terminal_count(prefect)} finished runs): "
              f"{total(samples, 'flowgate_prefect_requests_total'):.0f} requests, "
              f"{total(samples, 'flowgate_prefect_response_bytes_total'):.0f} bytes; "
              f"state file {world['state_file'].stat().st_size} bytes")


def test_a_stopped_prefect_flips_success_to_zero_and_metrics_keep_answering(world):
    prefect = world["prefect"]
    damaged = world["state_file"].with_name("damaged-state.json")
    damaged.write_text('{"format":"flowgate-prefect-state","vers')  # a crash mid-write, say
    with flowgate(prefect, f"--prefect.state-file={damaged}") as watcher:
        before = wait_for("a successful poll", lambda: (lambda s: s if total(
            s, "flowgate_scrape_collector_success", collector="prefect") == 1 else None)(scrape(watcher)))
        finished_in_prefect = terminal_count(prefect)
        prefect.stop()
        down = wait_for("the collector to report failure", lambda: (lambda s: s if total(
            s, "flowgate_scrape_collector_success", collector="prefect") == 0 else None)(scrape(watcher)))
        assert total(down, "prefect_up") == 0
        down = after_next_polls(watcher, 3)  # still answering, still failing
        assert total(down, "prefect_up") == 0
        assert series(down, "prefect_flow_runs_finished_total", FINISHED_KEYS) == \
            series(before, "prefect_flow_runs_finished_total", FINISHED_KEYS)
        assert total(down, "prefect_flow_runs", state_name="Late") == 1  # the last values, kept
        log = watcher.output()
        failed_polls = total(down, "flowgate_prefect_polls_total") - total(before, "flowgate_prefect_polls_total")
        warnings = [line for line in log.splitlines() if "Prefect API poll failed" in line]
        assert failed_polls >= 3
        assert 1 <= len(warnings) <= 2, warnings  # once per change of the error, not per poll
        # The damaged state file: one warning, a fresh start, no crash.
        assert len([line for line in log.splitlines() if "Prefect state file not used" in line]) == 1
        assert total(before, "prefect_flow_runs_finished_total") == finished_in_prefect
