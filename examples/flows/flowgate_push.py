"""What the example flows share: where flowgate is, and `task_metrics`, the
context manager that times a Prefect task, counts its retries and pushes its
metrics to the task's own group when the attempt ends, failed or not.

The pushing itself is examples/task_metrics.py (the conventions of
docs/task-metrics.md); this file only adds what comes from Prefect's runtime:
the flow, deployment, task and run names, and the attempt number.
"""

import contextlib
import os
import pathlib
import socket
import sys
import time

from prefect import get_run_logger, runtime
from prometheus_client import CollectorRegistry

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import task_metrics  # noqa: E402  (examples/task_metrics.py)

FLOWGATE_URL = os.environ.get("FLOWGATE_URL", "http://127.0.0.1:9091")
# FlowgatePushStale fires when a group has not been pushed for this long: run
# the examples at least every 15 minutes, or watch the alert fire.
EXPECTED_PUSH_INTERVAL_SECONDS = 900


@contextlib.contextmanager
def task_metrics_pushed(retries=0, slow_threshold_seconds=None):
    """Yields a fresh CollectorRegistry for the task's metrics; on leaving,
    adds the task's health (duration, retries, the run's identity) and pushes
    the registry to /metrics/job/<flow>/instance/<deployment or host>/task/<task>.

    `retries` is the task's own `retries=` setting: an attempt that fails
    after it counts as retries exhausted. A push that fails is logged, never
    raised: monitoring being down must not fail the flow."""
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
        try:
            task_metrics.push_group(FLOWGATE_URL, runtime.flow_run.flow_name,
                                    runtime.deployment.name or socket.gethostname(),
                                    runtime.task_run.task_name, registry)
        except OSError as error:
            get_run_logger().warning("could not push metrics to %s: %s", FLOWGATE_URL, error)


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
