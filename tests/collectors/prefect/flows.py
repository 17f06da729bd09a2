"""Real Prefect flows for prefect_collector_e2e_test.py, run inside the
shared venv against the test's server (PREFECT_API_URL). One process, to pay
Prefect's import time once:

  - etl() completes, tagged env:prod and team:data; its task `flaky`
    (retries=2) fails twice, then succeeds;
  - etl(fail=True) fails by raising ValueError, tagged env:dev and a `note`
    tag whose value holds a quote, a backslash and a newline;
  - crasher() calls sys.exit inside the flow run: Prefect's engine records
    the run as Crashed ("Execution was aborted by Python system exit call.");
  - the deployment etl/daily is registered (to_deployment + apply) on the
    work pool named in argv[1], with no worker and no schedule, tagged
    env:prod; the test makes its runs through the API.

Prints the deployment id on its last line."""

import os
import pathlib
import sys

from prefect import flow, tags, task

attempts = {"flaky": 0}


@task(retries=2, retry_delay_seconds=0)
def flaky():
    attempts["flaky"] += 1
    if attempts["flaky"] < 3:
        raise ConnectionError("transient")
    return attempts["flaky"]


@flow(name="etl")
def etl(fail: bool = False):
    flaky()
    if fail:
        raise ValueError("bad input row 17")


@flow(name="crasher")
def crasher():
    sys.exit(3)


# A tag value with the characters a label value must escape (prefect_access_e2e_test.py).
NOTE_TAG = 'note:say "hi"\\ then\nstop'


def main(work_pool):
    with tags("env:prod", "team:data"):
        etl()
    try:
        with tags("env:dev", NOTE_TAG):
            etl(fail=True)
    except ValueError:
        pass
    try:
        crasher()
    except SystemExit:
        pass
    # Prefect 3.6 (3.6.22, the oldest the e2e test runs) takes a deployment's
    # entrypoint relative to the working directory and refuses a flow file
    # outside it; 3.8.8 and 3.9.1 do not mind.
    os.chdir(pathlib.Path(__file__).resolve().parent)
    print(etl.to_deployment(name="daily", work_pool_name=work_pool, tags=["env:prod"]).apply())


if __name__ == "__main__":
    main(sys.argv[1])
