"""A group's time to live declared by the push (docs/aggregation.md, Group
lifetimes): the grouping label __group_ttl from the real prometheus_client,
client_golang and prometheus-cpp pushers, the X-Flowgate-Group-TTL header
from curl. The label is not part of the grouping key; the groups are up
(flowgate_group_up) until they expire; and after kill -9 the restarted
flowgate, which has no --push.group-ttl, still ends exactly those groups,
because the declared TTL is in the write-ahead log. A group that declared
nothing stays.

Waits poll with a deadline; nothing asserts how fast flowgate is."""
import subprocess
import time

import push_clients
import store_view

TTL = "2s"
TTL_SECONDS = 2.0
DEADLINE_SECONDS = 30
DECLARING = ("python", "go", "cpp", "curl")


def push(url, client):
    if client == "curl":
        done = subprocess.run(["curl", "-sS", "--max-time", "30", "-X", "PUT", "-H", f"X-Flowgate-Group-TTL: {TTL}",
                               "--data-binary", "ttl_value 1\n", "-w", "%{http_code}",
                               f"{url}/metrics/job/curl"], capture_output=True, text=True)
        assert done.returncode == 0 and done.stdout == "200", (done.stdout, done.stderr)
        return
    done = push_clients.run(client, url, client, grouping={"__group_ttl": TTL})
    assert done.returncode == 0, done.stderr


def group_present(samples, job):
    return store_view.value(samples, "push_time_seconds", **store_view.group_labels(job)) is not None


def test_declared_ttls_end_their_groups_after_kill_9(gate):
    server = gate.start()
    for client in DECLARING:
        push(server.url, client)
    assert push_clients.run("python", server.url, "plain").returncode == 0
    samples = store_view.scrape(server)
    for job in (*DECLARING, "plain"):
        assert group_present(samples, job), f"{job}: no group keyed by job alone"
        assert store_view.value(samples, "flowgate_group_up", **store_view.group_labels(job)) == 1, job
    pushed_at = max(store_view.value(samples, "push_time_seconds", **store_view.group_labels(job))
                    for job in DECLARING)

    gate.kill()
    time.sleep(max(0.0, pushed_at + TTL_SECONDS + 0.5 - time.time()))
    server = gate.start()  # no --push.group-ttl: only the declared TTLs can end groups
    samples = store_view.scrape(server)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while any(group_present(samples, job) for job in DECLARING):
        assert time.monotonic() < deadline, f"declared TTLs not applied after restart: {samples}"
        time.sleep(0.1)
        samples = store_view.scrape(server)
    assert group_present(samples, "plain")
    assert store_view.value(samples, "flowgate_store_groups_expired_total") == len(DECLARING)
    expired = store_view.log_records(gate.log(), "group expired")
    assert sorted(line["ttl"] for line in expired) == ["2s"] * len(DECLARING), expired
