"""--push.group-ttl: a group whose last push is older than the TTL disappears,
is logged (`group expired` with its labels) and counted
(flowgate_store_groups_expired_total); a group pushed often enough stays. The
expiry is written to the log like a DELETE, so it holds across restarts, and a
group that outlived its TTL while flowgate was down is gone right at start.
A failed push keeps nothing alive; a group with only failed pushes expires
too. Without the flag nothing expires, as in the Pushgateway.

Waits poll with a deadline; nothing asserts how fast flowgate is."""
import signal
import threading
import time

import pytest

import raw_http
import store_view

TTL_SECONDS = 2.0
TTL_FLAG = f"--push.group-ttl={TTL_SECONDS:g}s"
DEADLINE_SECONDS = 10 * TTL_SECONDS
EXPIRED = "group expired"


BODY = b"# TYPE ttl_value gauge\nttl_value 1\n"


def push(server, job):
    reply = raw_http.request(server, "PUT", f"/metrics/job/{job}", BODY)
    assert reply.status == 200, reply.text()


def present(samples, job):
    return store_view.value(samples, "ttl_value", **store_view.group_labels(job)) == 1


def expired_total(samples):
    return store_view.value(samples, "flowgate_store_groups_expired_total")


def wait_until_gone(server, job, while_polling=lambda samples: None):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        samples = store_view.scrape(server)
        while_polling(samples)
        if not present(samples, job):
            return samples
        time.sleep(0.1)
    pytest.fail(f"{job} still there {DEADLINE_SECONDS}s after its push with {TTL_FLAG}")


def expect_expiry_logged(log, job):
    lines = store_view.log_records(log, EXPIRED)
    assert len(lines) == 1, log
    assert lines[0].get("level") == "info", lines[0]["_line"]
    assert job in lines[0]["_line"] and "last_push" in lines[0], lines[0]["_line"]


def sleep_past_ttl(samples, job):
    """Waits until the group's push time is more than one TTL ago (flowgate being down)."""
    pushed_at = store_view.value(samples, "push_time_seconds", **store_view.group_labels(job))
    time.sleep(max(0.0, pushed_at + TTL_SECONDS + 0.5 - time.time()))


class Refresher(threading.Thread):
    """Pushes one group every 0.5s, a quarter of the TTL, until stopped."""

    def __init__(self, server, job):
        super().__init__()
        self.server, self.job = server, job
        self.stopped = threading.Event()
        self.first_answered = threading.Event()
        self.statuses = []

    def run(self):
        while not self.stopped.is_set():
            self.statuses.append(raw_http.request(self.server, "PUT", f"/metrics/job/{self.job}",
                                                  BODY).status)
            self.first_answered.set()
            self.stopped.wait(0.5)


def test_group_pushed_once_expires_and_a_fresh_one_stays(gate):
    server = gate.start([TTL_FLAG])
    push(server, "once")
    refresher = Refresher(server, "fresh")
    refresher.start()
    try:
        # Only a scrape taken after the first push was answered must show the
        # group: one taken while that push is in flight may not.
        assert refresher.first_answered.wait(DEADLINE_SECONDS), "the first push got no answer"
        assert refresher.statuses[0] == 200, refresher.statuses

        def fresh_stays(samples):
            assert present(samples, "fresh"), (
                f"the group pushed every 0.5s is gone; pushes answered {refresher.statuses}")

        samples = wait_until_gone(server, "once", fresh_stays)
        # The fresh group outlives the TTL a few times over.
        settle = time.monotonic() + 2 * TTL_SECONDS
        while time.monotonic() < settle:
            fresh_stays(store_view.scrape(server))
            time.sleep(0.1)
    finally:
        refresher.stopped.set()
        refresher.join()
    assert set(refresher.statuses) == {200}
    samples = store_view.scrape(server)
    assert present(samples, "fresh")
    assert expired_total(samples) == 1
    expect_expiry_logged(gate.log(), "once")
    assert "fresh" not in "".join(line["_line"] for line in store_view.log_records(gate.log(), EXPIRED))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill_9"])
def test_group_past_its_ttl_while_flowgate_was_down_is_gone_at_start(gate, stop):
    server = gate.start([TTL_FLAG])
    push(server, "down")
    samples = store_view.scrape(server)
    assert present(samples, "down")
    if stop == signal.SIGKILL:
        gate.kill()
    else:
        assert gate.stop(stop) == 0
    sleep_past_ttl(samples, "down")

    samples = store_view.scrape(gate.start([TTL_FLAG]))  # the first scrape after start
    assert not present(samples, "down")
    assert expired_total(samples) == 1
    expect_expiry_logged(gate.log(), "down")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill_9"])
def test_expired_group_stays_gone_after_a_restart_without_ttl(gate, stop):
    server = gate.start([TTL_FLAG])
    push(server, "expired")
    wait_until_gone(server, "expired")
    push(server, "kept")  # written to the log after the expiry
    expect_expiry_logged(gate.log(), "expired")
    if stop == signal.SIGKILL:
        gate.kill()
    else:
        assert gate.stop(stop) == 0

    samples = store_view.scrape(gate.start())  # no TTL now: only the logged expiry removes it
    assert not present(samples, "expired")
    assert present(samples, "kept")


def test_failed_pushes_neither_keep_a_group_alive_nor_escape_expiry(gate):
    server = gate.start([TTL_FLAG])
    push(server, "failing")
    refused = b"ttl_value 1 1000\n"  # a timestamp: refused by the store, recorded as a failure
    # A group that never had a successful push is measured from its first failed one.
    assert raw_http.request(server, "PUT", "/metrics/job/never_ok", refused).status == 400
    samples = store_view.scrape(server)
    assert store_view.value(samples, "push_failure_time_seconds", **store_view.group_labels("never_ok")) > 0

    def fail_again(samples):
        assert raw_http.request(server, "PUT", "/metrics/job/failing", refused).status == 400

    wait_until_gone(server, "failing", fail_again)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while store_view.value(store_view.scrape(server), "push_failure_time_seconds",
                           **store_view.group_labels("never_ok")) is not None:
        assert time.monotonic() < deadline, "the group with only a failed push never expired"
        time.sleep(0.1)
    assert expired_total(store_view.scrape(server)) == 2


def test_without_ttl_nothing_expires(gate):
    server = gate.start()
    push(server, "forever")
    samples = store_view.scrape(server)
    gate.kill()
    sleep_past_ttl(samples, "forever")
    samples = store_view.scrape(gate.start())
    wait_until = time.monotonic() + TTL_SECONDS
    while time.monotonic() < wait_until:
        assert present(samples, "forever")
        time.sleep(0.2)
        samples = store_view.scrape(gate.server)
    assert present(samples, "forever")
    assert expired_total(samples) == 0
    assert store_view.log_records(gate.log(), EXPIRED) == []
