"""What the example flows share: where flowgate is, and `task_metrics_pushed`, the
context manager that times a Prefect task, counts its retries and pushes its
metrics to the task's own group when the attempt ends, failed or not.
`add_task_run_counts` is for tasks of which many runs push into one group at
once: it adds a task run's counts through flowgate's /aggregate route, once
per task run however often Prefect retries it.

The pushing itself is examples/task_metrics.py (the conventions of
docs/task-metrics.md); this file only adds what comes from Prefect's runtime:
the flow, deployment, task and run names, and the attempt number.
"""

import contextlib
import os
import time
import urllib.error
import pathlib
import socket
import sys

from prefect import get_run_logger, runtime
from prometheus_client import CollectorRegistry

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import task_metrics  # noqa: E402  (examples/task_metrics.py)

FLOWGATE_URL = os.environ.get("FLOWGATE_URL", "http://127.0.0.1:9091")
# FlowgatePushStale fires when a group has not been pushed for this long: run
# the examples at least every 15 minutes, or watch the alert fire.
EXPECTED_PUSH_INTERVAL_SECONDS = 900


@contextlib.contextmanager
def task_metrics_pushed(retries=0, slow_threshold_seconds=None, concurrent=False):
    """Yields a fresh CollectorRegistry for the task's metrics; on leaving,
    adds the task's health (duration, retries, the run's identity) and pushes
    the registry to /metrics/job/<flow>/instance/<deployment or host>/task/<task>.

    `retries` is the task's own `retries=` setting: an attempt that fails
    after it counts as retries exhausted. A push that fails is logged, never
    raised: monitoring being down must not fail the flow.

    `concurrent`: many runs of this task push into its group at once. The
    registry's counters (the retries) are then added through /aggregate, keyed
    by the attempt, and its gauges (duration, the run's identity) replace
    theirs with a POST, which leaves the group's totals alone; without it, the
    group is replaced (PUT) with counters continued from the group's values,
    a read-then-write that concurrent runs would race."""
    registry = CollectorRegistry()
    started = time.monotonic()
    attempt = runtime.task_run.run_count or 1
    gave_up = False
    try:
        yield registry
    except Exception:
        gave_up = attempt > retries
        raise
    finally:
        task_metrics.task_health(
            registry, duration_seconds=time.monotonic() - started,
            flow_run_id=str(runtime.flow_run.id), flow_run_name=runtime.flow_run.name or "",
            task_run_id=str(runtime.task_run.id), slow_threshold_seconds=slow_threshold_seconds,
            expected_push_interval_seconds=EXPECTED_PUSH_INTERVAL_SECONDS,
            retries=1 if attempt > 1 else 0, retries_exhausted=1 if gave_up else 0)
        if concurrent:
            # An attempt's retry counts are its own: a key per attempt, so the next attempt adds its own.
            _push(task_metrics.add_to_group, task_metrics.Only(registry, counting=True), tries=PUSH_TRIES,
                  idempotency_key=f"{_task_run_key()}-{attempt}")
            _push(task_metrics.replace_in_group, task_metrics.Only(registry, counting=False), tries=PUSH_TRIES)
        else:
            _push(task_metrics.push_group, registry)  # once: a read-then-write is not safe to repeat


def add_task_run_counts(registry):
    """Adds the counters and histograms this task run counted to its task's
    group through flowgate's /aggregate route, for tasks of which many runs
    push into one group at once: the group holds the sum over all of them.

    The idempotency key is the task run's, <flow run id>-<task run id>: when
    Prefect retries the task, the retry does the same work again and pushes
    the same key, and flowgate adds nothing the second time. So push once the
    work is done, and count only what a retry would count again. A push that
    fails is tried again with the same key (a lost answer does not count
    twice), then logged, never raised."""
    _push(task_metrics.add_to_group, task_metrics.Only(registry, counting=True), tries=PUSH_TRIES,
          idempotency_key=_task_run_key())


def _task_run_key():
    return f"{runtime.flow_run.id}-{runtime.task_run.id}"


PUSH_TRIES = 3


def _push(push, registry, tries=1, **options):
    """`push(FLOWGATE_URL, flow, deployment, task, registry, **options)` for the
    running task's group, tried up to `tries` times while flowgate does not
    answer or answers 5xx (only pushes that are safe to repeat); a failure is
    logged, never raised."""
    group = (runtime.flow_run.flow_name, runtime.deployment.name or socket.gethostname(), runtime.task_run.task_name)
    for tried in range(1, tries + 1):
        try:
            push(FLOWGATE_URL, *group, registry, **options)
            return
        except OSError as error:
            refused = isinstance(error, urllib.error.HTTPError) and error.code < 500
            if refused or tried == tries:
                get_run_logger().warning("could not push metrics to %s: %s", FLOWGATE_URL, error)
                return
            time.sleep(tried)


def run_repeatedly(flow, runs, every_seconds, **parameters):
    """Calls `flow(**parameters)` `runs` times (0: until interrupted), `every_seconds`
    apart; returns the process exit status: 1 if a run failed, else 0. A failed
    run is reported and the next one still starts, as a schedule would."""
    failed = False
    number = 0
    while runs == 0 or number < runs:
        if number:
            time.sleep(every_seconds)
        number += 1
        try:
            flow(**parameters)
        except Exception as error:  # the run is Failed in Prefect; keep going
            failed = True
            print(f"run {number} of {flow.name} failed: {type(error).__name__}: {error}", file=sys.stderr)
    return 1 if failed else 0


def add_run_options(parser):
    parser.add_argument("--runs", type=int, default=1, help="flow runs to make, 0 for until Ctrl-C (default 1)")
    parser.add_argument("--every", type=float, default=30, metavar="SECONDS",
                        help="pause between runs (default 30)")
