"""Python flows for prefect_events_e2e_test.py, run inside the shared venv
against the test's server (PREFECT_API_URL), in one process: the etl flow of
flows.py completes (its task retried twice), then fails with ValueError.

Run once before flowgate starts, so that the flow exists in the inventory
flowgate reads (events of runs of flows it does not know wait for a poll)."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from flows import etl  # noqa: E402

if __name__ == "__main__":
    etl()
    try:
        etl(fail=True)
    except ValueError:
        pass
