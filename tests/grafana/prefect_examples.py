"""A real Prefect server busy with the example flows of examples/flows, for the
panel query test: what a newcomer's Prefect would hold after a few runs.

- `make_inventory(prefect)`: work pool `examples` (served by a real worker)
  with the deployments `nightly-etl/nightly` and `scrape-shops/hourly` on cron
  schedules; work pool `backfill`, which no worker serves, with
  `marketing-campaign/backfill` and one run of it that goes Late there.
- `worker(prefect, flowgate_url)`: `prefect worker start` on `examples`,
  running `nightly-etl/nightly` once with a slow transform, so a flow run and
  a task run stay RUNNING while the queries run.
- `run_examples(prefect, flowgate_url)`: the three example scripts side by
  side, two runs each (failures, retries, API costs and the slow task included);
  `fetched_by_site(output)` reads what the scraper's task runs fetched.
Everything is made through Prefect's REST API, its CLI and the flows themselves.
"""

import collections
import contextlib
import json
import os
import pathlib
import signal
import subprocess
import time

REPO = pathlib.Path(os.environ.get("FLOWGATE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
FLOWS_DIR = REPO / "examples" / "flows"
# script: (exit status, the flow's name). The scraper flow fails by design (a CAPTCHA wall).
EXAMPLES = {"campaign_flow.py": (0, "marketing-campaign"), "scraper_flow.py": (1, "scrape-shops"),
            "etl_flow.py": (0, "nightly-etl")}
RUNS_PER_EXAMPLE = 2
# What scraper_flow.py prints once per run before its JSON (its FETCHED_PREFIX).
FETCHED_PREFIX = "fetched by site: "
Finished = collections.namedtuple("Finished", "seconds output")
SLOW_RUN_SECONDS = 900  # longer than the test: stopped with the worker


def _deployment(prefect, flow_name, name, pool, entrypoint, cron=None):
    flow_id = prefect.post("/flows/", {"name": flow_name})["id"]
    body = {"name": name, "flow_id": flow_id, "work_pool_name": pool, "entrypoint": entrypoint,
            "path": str(FLOWS_DIR),
            "pull_steps": [{"prefect.deployments.steps.set_working_directory": {"directory": str(FLOWS_DIR)}}],
            "schedules": [{"schedule": {"cron": cron, "timezone": "UTC"}, "active": True}] if cron else []}
    return prefect.post("/deployments/", body)["id"]


def make_inventory(prefect):
    """Pools and deployments, and a Late run in the pool no worker serves."""
    for pool in ("examples", "backfill"):
        prefect.post("/work_pools/", {"name": pool, "type": "process"})
    _deployment(prefect, "nightly-etl", "nightly", "examples", "etl_flow.py:etl_flow", cron="0 2 * * *")
    _deployment(prefect, "scrape-shops", "hourly", "examples", "scraper_flow.py:scraper_flow", cron="30 * * * *")
    backfill = _deployment(prefect, "marketing-campaign", "backfill", "backfill", "campaign_flow.py:campaign_flow")
    prefect.post(f"/deployments/{backfill}/create_flow_run", {})
    _wait_for("the backfill run to go Late",
              lambda: prefect.post("/flow_runs/count", {"flow_runs": {"state": {"name": {"any_": ["Late"]}}}}) == 1)


@contextlib.contextmanager
def worker(prefect, flowgate_url):
    """A real process worker on `examples`, which runs a slow `nightly-etl/nightly`
    (it is RUNNING, with its slow task RUNNING, until the worker is stopped)."""
    environment = prefect.flow_environment({"FLOWGATE_URL": flowgate_url, "PREFECT_WORKER_QUERY_SECONDS": "1",
                                            "PREFECT_WORKER_HEARTBEAT_SECONDS": "5"})
    log = open(prefect.home / "worker.log", "w")
    process = subprocess.Popen([str(prefect.venv / "bin" / "prefect"), "worker", "start", "--pool", "examples",
                                "--name", "examples-worker", "--type", "process"],
                               env=environment, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True, cwd=FLOWS_DIR)
    try:
        deployment = prefect.get("/deployments/name/nightly-etl/nightly")["id"]
        prefect.post(f"/deployments/{deployment}/create_flow_run",
                     {"parameters": {"slow_seconds": SLOW_RUN_SECONDS}})
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def run_examples(prefect, flowgate_url):
    """The example scripts side by side in the Prefect venv; fails unless each
    exits as designed. Returns {script: Finished(seconds it took, its output)}."""
    environment = prefect.flow_environment({"FLOWGATE_URL": flowgate_url})
    started = time.monotonic()
    processes = {script: subprocess.Popen(
        [str(prefect.venv / "bin" / "python"), str(FLOWS_DIR / script), "--runs", str(RUNS_PER_EXAMPLE),
         "--every", "1"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for script in EXAMPLES}
    finished = {}
    for script, process in processes.items():
        output, _ = process.communicate(timeout=240)
        finished[script] = Finished(round(time.monotonic() - started, 1), output)
        expected_status = EXAMPLES[script][0]
        if process.returncode != expected_status:
            raise AssertionError(f"{script} exited {process.returncode}, not {expected_status}:\n{output[-4000:]}")
    return finished


def fetched_by_site(output):
    """{site: [{"pages", "items"} of each task run, over every run]} from scraper_flow.py's output."""
    fetched = collections.defaultdict(list)
    for line in output.splitlines():
        if line.startswith(FETCHED_PREFIX):
            for site, task_runs in json.loads(line[len(FETCHED_PREFIX):]).items():
                fetched[site] += task_runs
    return dict(fetched)


def _wait_for(description, condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {description}")
        time.sleep(0.5)
