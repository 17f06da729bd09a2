#!/usr/bin/env python3
"""An ETL flow (Prefect 3) that pushes records and stage durations to flowgate.

Each run extracts, transforms and loads two (simulated) tables. The transform
of `orders` is the slow task: it sleeps `--slow-seconds` (default 5), above the
3 s threshold it declares, so FlowgateTaskSlow fires. The first attempt of
every load hits a deadlock and is retried (FlowgateTaskRetrying). The load
task pushes records processed, loaded and failed (rejected by validation), the
duration of each stage and the time of the last successful load.

    FLOWGATE_URL=http://127.0.0.1:9091 python etl_flow.py --runs 0 --every 30

Feeds the "ETL" dashboard; see README.md.
"""

import argparse
import random
import sys
import time

from prefect import flow, runtime, task

from flowgate_push import add_run_options, run_repeatedly, task_metrics, task_metrics_pushed

TABLES = {"orders": 5000, "customers": 1200}  # table: rows per run, about
SLOW_TABLE = "orders"
SLOW_THRESHOLD_SECONDS = 3
LOAD_RETRIES = 2


class Deadlock(Exception):
    """The warehouse aborted the load's transaction."""


@task
def extract(table, rows):
    started = time.monotonic()
    with task_metrics_pushed():
        time.sleep(0.2)
        return int(rows * random.uniform(0.9, 1.1)), time.monotonic() - started


@task
def transform(table, records, slow_seconds):
    """Validates the records; the slow table takes `slow_seconds`."""
    started = time.monotonic()
    with task_metrics_pushed(slow_threshold_seconds=SLOW_THRESHOLD_SECONDS):
        time.sleep(slow_seconds if table == SLOW_TABLE else 0.5)
        rejected = int(records * random.uniform(0.001, 0.02))
        return records - rejected, rejected, time.monotonic() - started


@task(retries=LOAD_RETRIES, retry_delay_seconds=1)
def load(table, processed, valid, rejected, stage_seconds):
    started = time.monotonic()
    with task_metrics_pushed(retries=LOAD_RETRIES) as registry:
        time.sleep(0.3)
        if runtime.task_run.run_count == 1:
            raise Deadlock(f"deadlock detected while loading {table}; transaction rolled back")
        task_metrics.etl(registry, table, processed=processed, loaded=valid, failed=rejected,
                         stage_seconds={**stage_seconds, "load": time.monotonic() - started},
                         succeeded_at=time.time())
        return valid


@flow(name="nightly-etl")
def etl_flow(slow_seconds: float = 5.0):
    loaded = {}
    for table, rows in TABLES.items():
        # One task name per table: each table's numbers live in their own group.
        records, extract_seconds = extract.with_options(name=f"extract-{table}")(table, rows)
        valid, rejected, transform_seconds = transform.with_options(name=f"transform-{table}")(
            table, records, slow_seconds)
        loaded[table] = load.with_options(name=f"load-{table}")(
            table, records, valid, rejected, {"extract": extract_seconds, "transform": transform_seconds})
    return loaded


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_options(parser)
    parser.add_argument("--slow-seconds", type=float, default=5.0,
                        help=f"how long the transform of {SLOW_TABLE} takes (default %(default)s)")
    args = parser.parse_args(argv)
    return run_repeatedly(etl_flow, args.runs, args.every, slow_seconds=args.slow_seconds)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
