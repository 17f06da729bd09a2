"""The Prefect collector against a real Prefect server (tests/support/prefect:
the shared venv with the pinned Prefect): runs made through Prefect's REST API in known states, then
flowgate's numbers compared with what the API itself reports.

Environment: PREFECT_DUMP (the prefect_dump binary), PREFECT_VENV (the shared venv)."""

import datetime
import os
import pathlib
import subprocess
import sys
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support" / "prefect"))
import prefect_server  # noqa: E402  (the shared Prefect venv and server)

DUMP = os.environ["PREFECT_DUMP"]
TERMINAL = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]


def count(prefect, body):
    return prefect.post("/flow_runs/count", body)


def iso(at):
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture(scope="module")
def prefect():
    with prefect_server.PrefectServer() as server:
        make_runs(server)
        yield server


def finish_run(api, flow_id, state, message="", deployment_id=None):
    body = {"flow_id": flow_id, "state": {"type": "RUNNING"}}
    if deployment_id:
        run = api.post(f"/deployments/{deployment_id}/create_flow_run", {"state": {"type": "RUNNING"}})
    else:
        run = api.post("/flow_runs/", body)
    if state != "RUNNING":
        api.post(f"/flow_runs/{run['id']}/set_state",
                 {"state": {"type": state, "message": message}, "force": True})
    return run


def make_runs(api):
    etl = api.post("/flows/", {"name": "etl"})["id"]
    report = api.post("/flows/", {"name": "report"})["id"]
    api.post("/work_pools/", {"name": "pool-a", "type": "process"})
    api.post("/work_pools/pool-a/workers/heartbeat", {"name": "w1", "heartbeat_interval_seconds": 60})
    daily = api.post("/deployments/", {"name": "etl-daily", "flow_id": etl, "work_pool_name": "pool-a"})["id"]
    api.deployment_id, api.etl_flow_id = daily, etl
    finish_run(api, etl, "COMPLETED", deployment_id=daily)
    finish_run(api, etl, "COMPLETED", deployment_id=daily)
    finish_run(api, etl, "FAILED", "Flow run encountered an exception: ValueError: bad row", deployment_id=daily)
    finish_run(api, report, "CRASHED", "Execution was aborted by an interrupt signal.")
    finish_run(api, report, "CANCELLED", "cancelled by the test")
    finish_run(api, report, "RUNNING")
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=60)
    api.post(f"/deployments/{daily}/create_flow_run",
             {"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": iso(past)}}})
    deadline = time.monotonic() + 60
    while count(api, {"flow_runs": {"state": {"name": {"any_": ["Late"]}}}}) != 1:
        assert time.monotonic() < deadline, "the scheduled run never went Late"
        time.sleep(0.5)


def dump(api, polls=1):
    done = subprocess.run([DUMP, api.url, str(polls), "0"], capture_output=True, text=True, timeout=120)
    samples = {}
    for family in text_string_to_metric_families(done.stdout):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return done, samples


def total(samples, name, **labels):
    return sum(value for got, value in samples.get(name, [])
               if all(got.get(key) == wanted for key, wanted in labels.items()))


def test_finished_counters_match_prefects_counts_per_state_type(prefect):
    done, samples = dump(prefect)
    assert done.returncode == 0, done.stderr
    assert total(samples, "prefect_up") == 1
    for state_type in TERMINAL:
        expected = count(prefect, {"flow_runs": {"state": {"type": {"any_": [state_type]}}}})
        assert total(samples, "prefect_flow_runs_finished_total", state_type=state_type) == expected, state_type
    assert total(samples, "prefect_flow_runs_finished_total", flow_name="etl", deployment_name="etl-daily",
                 state_type="COMPLETED") == 2


def test_current_runs_lateness_and_workers_match_the_api(prefect):
    done, samples = dump(prefect)
    assert done.returncode == 0, done.stderr
    assert total(samples, "prefect_flow_runs", state_name="Late", deployment_name="etl-daily") == 1
    assert total(samples, "prefect_flow_runs", flow_name="report", state_type="RUNNING") == 1
    assert total(samples, "prefect_flow_run_lateness_seconds", deployment_name="etl-daily") >= 60
    assert total(samples, "prefect_work_queues_late_runs_count", work_pool_name="pool-a") == 1
    assert total(samples, "prefect_worker_online", work_pool_name="pool-a", worker_name="w1") == 1
    assert total(samples, "prefect_server_info") == 1
    assert total(samples, "prefect_deployments_total") == 1


def test_polls_after_the_first_cost_a_fixed_handful_of_requests(prefect):
    done, _ = dump(prefect, polls=3)
    assert done.returncode == 0, done.stderr
    costs = [int(line.split("requests ")[1].split(",")[0]) for line in done.stderr.splitlines()
             if line.startswith("poll ")]
    # current (active, due), finished, tasks (current, finished), one pool's workers
    assert costs[1:] == [6, 6], done.stderr


def test_counters_keep_growing_across_a_flowgate_restart(prefect):
    _, before = dump(prefect)
    finish_run(prefect, prefect.etl_flow_id, "FAILED", "Flow run encountered an exception: KeyError: 'id'",
               deployment_id=prefect.deployment_id)
    done, after = dump(prefect)
    assert done.returncode == 0, done.stderr
    for labels, value in before["prefect_flow_runs_finished_total"]:
        assert total(after, "prefect_flow_runs_finished_total", **labels) >= value, labels
    assert total(after, "prefect_flow_runs_finished_total", state_type="FAILED") == \
        total(before, "prefect_flow_runs_finished_total", state_type="FAILED") + 1


def test_a_stopped_prefect_flips_prefect_up_and_still_renders(prefect):
    prefect.stop()
    done, samples = dump(prefect)
    assert done.returncode == 1
    assert "failed" in done.stderr
    assert total(samples, "prefect_up") == 0
