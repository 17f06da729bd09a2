"""Prefect's event stream in the real flowgate binary against a real Prefect
server (tests/support/prefect): state changes reach /metrics between polls,
and faults never corrupt the counts.

- `fast`: flowgate polls once an hour, so everything /metrics shows after its
  first poll (flowgate_prefect_polls_total stays 1) came from events: real
  Python flows (event_flows.py) completing, failing, retrying a task, and a
  run moved Running -> Completed through the API.
- `faults`: flowgate polls every 2 s (the reconciliation); after each fault
  its counts equal Prefect's own once the next polls ran: the Prefect server
  restarted (flowgate's websocket dies, runs finish before it is back),
  events for runs and flows Prefect does not have, and replayed events.

No timing is asserted: "before the next poll" is the poll counter.

Environment: FLOWGATE_BINARY, PREFECT_VENV (set by CMake)."""

import pathlib
import sys
import uuid

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import prefect_collector_e2e_test as base  # noqa: E402  (the helpers, not its tests)
from prefect_collector_e2e_test import (  # noqa: E402
    FINISHED_KEYS, after_next_polls, assert_no_counter_went_down, post, prefect_finished, read_all, scrape, series,
    total, wait_for)

prefect_server = base.prefect_server
servers = base.servers


def flowgate(prefect, *flags):
    return base.flowgate(prefect, "--prefect.inventory-interval=1h", *flags)


def task_totals(prefect):
    """Finished task runs and their retries, as Prefect has them."""
    tasks = read_all(prefect, "/task_runs/filter", {"task_runs": {"state": {"type": {"any_": base.TERMINAL}}}})
    return len(tasks), sum(run["run_count"] - 1 for run in tasks)


def current_runs(prefect):
    """Non-terminal flow runs per (flow, deployment, type, name), from the API."""
    name = base.names(prefect)
    runs = read_all(prefect, "/flow_runs/filter", {"flow_runs": {"state": {"type": {
        "any_": ["PENDING", "RUNNING", "PAUSED", "CANCELLING"]}}}})
    out = {}
    for run in runs:
        key = (*name(run), run["state_type"], run["state_name"])
        out[key] = out.get(key, 0) + 1
    return out


def nonzero(samples, family):
    return {key: value for key, value in series(samples, family, FINISHED_KEYS).items() if value}


def etl_id(prefect):
    return next(flow["id"] for flow in read_all(prefect, "/flows/filter") if flow["name"] == "etl")


@pytest.fixture(scope="module")
def prefect():
    with prefect_server.PrefectServer() as server:
        server.run_flow(HERE / "event_flows.py")  # the flow exists before flowgate reads the inventory
        yield server


def test_state_changes_reach_metrics_before_the_next_poll(prefect):
    with flowgate(prefect, "--prefect.poll-interval=1h") as watcher:
        first = wait_for("the first poll's families", lambda: (lambda s: s if total(
            s, "flowgate_prefect_polls_total") == 1 and total(s, "flowgate_prefect_event_stream_connected") == 1
            else None)(scrape(watcher)))
        tasks_before = total(first, "prefect_task_runs_finished_total")
        retries_before = total(first, "prefect_task_run_retries_total", flow_name="etl")
        prefect_tasks_before, prefect_retries_before = task_totals(prefect)

        prefect.run_flow(HERE / "event_flows.py")
        run = post(prefect, "/flow_runs/", {"flow_id": etl_id(prefect), "state": {"type": "RUNNING"}})
        running = wait_for("the Running run on /metrics", lambda: (lambda s: s if nonzero(
            s, "prefect_flow_runs") == current_runs(prefect) != {} else None)(scrape(watcher)))
        assert nonzero(running, "prefect_flow_runs") == {("etl", "", "RUNNING", "Running"): 1}
        post(prefect, f"/flow_runs/{run['id']}/set_state", {"state": {"type": "COMPLETED"}, "force": True})
        prefect_tasks, prefect_retries = task_totals(prefect)
        samples = wait_for("every change on /metrics", lambda: (lambda s: s if (
            series(s, "prefect_flow_runs_finished_total", FINISHED_KEYS) == prefect_finished(prefect)
            and total(s, "prefect_task_runs_finished_total") - tasks_before == prefect_tasks - prefect_tasks_before
            and not nonzero(s, "prefect_flow_runs")) else None)(scrape(watcher)))

        # One poll so far, and the next is an hour away: the events did all this.
        assert total(samples, "flowgate_prefect_polls_total") == 1
        assert total(samples, "prefect_flow_run_failures_total", flow_name="etl", exception_type="ValueError") >= 1
        assert total(samples, "prefect_task_run_retries_total", flow_name="etl") - retries_before == \
            prefect_retries - prefect_retries_before == 2
        assert total(samples, "flowgate_prefect_events_total", outcome="applied") >= 8
        assert total(samples, "flowgate_prefect_events_total", outcome="undecodable") == 0
        assert "Prefect event stream connected" in watcher.output()


def restart_prefect(prefect):
    port = prefect.port
    prefect.stop()
    prefect.start(port=port)


def test_counts_equal_prefects_after_each_fault(prefect):
    with flowgate(prefect, "--prefect.poll-interval=2s") as watcher:
        wait_for("the event stream", lambda: total(scrape(watcher), "flowgate_prefect_event_stream_connected") == 1)
        etl = etl_id(prefect)
        running = post(prefect, "/flow_runs/", {"flow_id": etl, "state": {"type": "RUNNING"}})

        # 1. The server restarts mid-run: flowgate's websocket dies; runs
        # finish right after the restart, perhaps before the stream is back.
        last = scrape(watcher)
        restart_prefect(prefect)
        post(prefect, f"/flow_runs/{running['id']}/set_state", {"state": {"type": "FAILED", "message":
             "Flow run encountered an exception: KeyError: 'id'"}, "force": True})
        base.finish_run(prefect, etl, "COMPLETED")
        reconciled = reconcile(prefect, watcher, last)
        assert total(reconciled, "flowgate_prefect_event_stream_reconnects_total") >= 1
        assert total(reconciled, "prefect_flow_run_failures_total", exception_type="KeyError") == 1
        assert "Prefect event stream down" in watcher.output()

        # 2. Events for runs (and a flow) Prefect does not have, once the
        # stream is back (its backoff may have grown to a minute meanwhile).
        last = reconciled
        wait_for("the event stream back", lambda: total(
            scrape(watcher), "flowgate_prefect_event_stream_connected") == 1, seconds=120)
        ghost_flow = str(uuid.uuid4())
        ghost_events = [state_event(str(uuid.uuid4()), ghost_flow, kind, str(uuid.uuid4()))
                        for kind in ("RUNNING", "COMPLETED", "FAILED")]
        post(prefect, "/events", ghost_events)
        wait_for("the unknown runs' events", lambda: total(
            scrape(watcher), "flowgate_prefect_events_total", outcome="unknown_run") >= 3)
        reconcile(prefect, watcher, last)

        # 3. Replays and out of order: the finished run's terminal state
        # again and an older Running state of it, under new event ids (Prefect
        # drops an event whose id it has seen; the stream carries events that
        # occur after the subscription, so they occur now).
        last = scrape(watcher)
        done = base.finish_run(prefect, etl, "COMPLETED")
        state = base.call(prefect, "GET", f"/flow_runs/{done['id']}")["state"]
        wait_for("the run's own events", lambda: total(
            scrape(watcher), "flowgate_prefect_events_total", outcome="applied") >= applied(last) + 2)
        replayed = state_event(done["id"], etl, "COMPLETED", str(uuid.uuid4()), at=state["timestamp"])
        older = state_event(done["id"], etl, "RUNNING", str(uuid.uuid4()), at="2026-01-01T00:00:00+00:00")
        post(prefect, "/events", [replayed, older])
        wait_for("the replayed events", lambda: total(
            scrape(watcher), "flowgate_prefect_events_total", outcome="stale") >= 2)
        samples = reconcile(prefect, watcher, last)
        assert total(samples, "flowgate_prefect_events_total", outcome="undecodable") == 0


def applied(samples):
    return total(samples, "flowgate_prefect_events_total", outcome="applied")


def state_event(run_id, flow_id, state_type, event_id, at=None):
    """A prefect.flow-run.<State> event shaped as Prefect's orchestration
    writes it (the event id is the state's id), occurring now, for a state
    entered `at`; posted through /events as any client may."""
    name = state_type.capitalize()
    now = base.iso(base.datetime.datetime.now(base.datetime.timezone.utc))
    at = at or now
    return {"occurred": now, "event": f"prefect.flow-run.{name}", "id": event_id,
            "resource": {"prefect.resource.id": f"prefect.flow-run.{run_id}", "prefect.resource.name": "ghost",
                         "prefect.state-type": state_type, "prefect.state-name": name,
                         "prefect.state-timestamp": at, "prefect.state-message": "", "prefect.run-count": "1"},
            "related": [{"prefect.resource.id": f"prefect.flow.{flow_id}", "prefect.resource.role": "flow",
                         "prefect.resource.name": "etl"}]}


def reconcile(prefect, watcher, last):
    """/metrics once the next polls ran: finished runs and current runs as
    Prefect has them, and no counter lower than in `last`."""
    samples = wait_for("the counts to equal Prefect's", lambda: (lambda s: s if (
        series(s, "prefect_flow_runs_finished_total", FINISHED_KEYS) == prefect_finished(prefect)
        and nonzero(s, "prefect_flow_runs") == current_runs(prefect)) else None)(after_next_polls(watcher, 2)),
        seconds=120)
    assert total(samples, "prefect_up") == 1
    assert_no_counter_went_down(last, samples)
    return samples
