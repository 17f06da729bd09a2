"""Many clients at once: concurrent PUTs to distinct groups, POSTs of distinct
families to one shared group and scrapes in between all succeed, and the final /metrics holds exactly
what was pushed (no lost or torn group)."""
import concurrent.futures

import exposition_normalizer
import raw_http
from push_clients import series

WORKERS = 8
PUSHES_PER_WORKER = 25


def push_worker(server, worker):
    statuses = []
    for index in range(PUSHES_PER_WORKER):
        body = f"# TYPE load_value gauge\nload_value {worker * 1000 + index}\n".encode()
        statuses.append(raw_http.request(
            server, "PUT", f"/metrics/job/load/worker/{worker}/index/{index}", body).status)
        # Every worker POSTs its own family into one shared group: a lost update
        # would drop another worker's family.
        shared = f"shared_value_{worker} {index}\n".encode()
        statuses.append(raw_http.request(server, "POST", "/metrics/job/shared", shared).status)
        statuses.append(raw_http.get(server, "/metrics").status)
    return statuses


def test_concurrent_pushes_and_scrapes_lose_nothing(start_candidate):
    with start_candidate() as server:
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            results = list(pool.map(lambda worker: push_worker(server, worker), range(WORKERS)))
        samples = exposition_normalizer.pushed_samples(raw_http.get(server, "/metrics").text())

    assert {status for statuses in results for status in statuses} == {200}
    for worker in range(WORKERS):
        for index in range(PUSHES_PER_WORKER):
            key = series("load_value", index=str(index), instance="", job="load", worker=str(worker))
            assert samples[key] == str(worker * 1000 + index)
        shared = series(f"shared_value_{worker}", instance="", job="shared")
        assert samples[shared] == str(PUSHES_PER_WORKER - 1)
    assert len([key for key in samples if key.startswith("load_value{")]) == WORKERS * PUSHES_PER_WORKER
