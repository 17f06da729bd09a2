"""A full disk: the write of a push's log record fails, so the push gets 500
naming the file and the errno text, and nothing of it is applied; DELETEs fail
the same way and change nothing; once there is space again pushes succeed, and
a restart brings back exactly what was acknowledged. Compactions failing on the
full disk lose nothing either.

Two ways to fill the disk: a 256 KiB tmpfs with a filler file (ENOSPC; needs
root to mount), and RLIMIT_FSIZE set on the running flowgate with prlimit (EFBIG;
flowgate must ignore the SIGXFSZ that comes with it)."""
import contextlib
import errno
import http.client
import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

import durable_flowgate
import raw_http
import servers
import store_view
import wal_segments

MAX_PUSHES_UNTIL_FULL = 400
BIG_ROWS = 40  # a "big" push: well over a page of log record
# The DELETE of this group makes a log record longer than any small push's.
LONG_KEY = "k" * 2000


def big_body(value):
    rows = "".join(f'disk_row{{row="{row:03}"}} {value}\n' for row in range(BIG_ROWS))
    return f"# TYPE disk_row gauge\n{rows}".encode()


def send(gate, method, path, body=b""):
    """One request; flowgate dying on it (SIGXFSZ, say) fails the test with its exit status."""
    try:
        return raw_http.request(gate.server, method, path, body)
    except (OSError, http.client.HTTPException) as error:
        with contextlib.suppress(subprocess.TimeoutExpired):
            gate.server.process.wait(timeout=5)
        pytest.fail(f"{method} {path}: {error!r}; flowgate's exit status: "
                    f"{gate.server.process.returncode} (None: still running)\n{gate.log()}")


def put(gate, path, body):
    return send(gate, "PUT", path, body)


class Tmpfs:
    """A 256 KiB tmpfs; `fill` leaves a little free space behind a filler file."""
    errno_text = os.strerror(errno.ENOSPC)

    def __init__(self, folder):
        self.folder = folder
        self.folder.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
        self.filler = folder / "filler"

    def fill(self, gate):
        with open(self.filler, "wb", buffering=0) as filler:
            with contextlib.suppress(OSError):  # ENOSPC: full, as wanted
                while True:
                    filler.write(b"\0" * 4096)
        # Free a little again: some pushes succeed before the disk is full.
        with open(self.filler, "r+b") as filler:
            filler.truncate(max(0, self.filler.stat().st_size - 8 * 4096))

    def free(self, gate):
        self.filler.unlink()

    def close(self):
        subprocess.run(["umount", str(self.folder)], check=False)


class FileSizeLimit:
    """RLIMIT_FSIZE on the running flowgate, a few KiB above its log's size."""
    errno_text = os.strerror(errno.EFBIG)

    def __init__(self, folder):
        self.folder = folder

    def fill(self, gate):
        limit = wal_segments.active_segment(gate).stat().st_size + 8 * 4096
        subprocess.run(["prlimit", f"--pid={gate.pid}", f"--fsize={limit}:unlimited"], check=True)

    def free(self, gate):
        subprocess.run(["prlimit", f"--pid={gate.pid}", "--fsize=unlimited:unlimited"], check=True)

    def close(self):
        pass


@pytest.fixture(params=["tmpfs", "file_size_limit"])
def disk(request, tmp_path):
    medium = (Tmpfs if request.param == "tmpfs" else FileSizeLimit)(tmp_path / "disk")
    gate = durable_flowgate.DurableFlowgate(medium.folder)
    yield medium, gate
    gate.kill()
    medium.close()


def expect_failed_write(reply, gate, medium):
    assert gate.server.running(), f"flowgate died (exit {gate.server.process.returncode}):\n{gate.log()}"
    assert reply.status == 500, (reply.status, reply.text())
    assert f"{gate.store}.wal" in reply.text(), reply.text()
    assert medium.errno_text in reply.text(), reply.text()


def push_until_refused(gate, medium, path_of, body):
    """PUTs path_of(0), path_of(1), ... until flowgate refuses one with a proper
    500; returns how many it acknowledged before."""
    for number in range(MAX_PUSHES_UNTIL_FULL):
        reply = put(gate, path_of(number), body(number))
        if reply.status != 200:
            expect_failed_write(reply, gate, medium)
            return number
    pytest.fail(f"{MAX_PUSHES_UNTIL_FULL} pushes and the disk is still not full")


def fill_up(gate, medium):
    """Pushes big groups (and the long-key group) until the disk is full;
    returns how many big groups were acknowledged."""
    # The log grows before the disk fills up (the file size limit is set above it).
    for index in range(8):
        assert put(gate, f"/metrics/job/disk/index/{index}", big_body(index)).status == 200
    assert put(gate, f"/metrics/job/long/key/{LONG_KEY}", b"long 1\n").status == 200
    medium.fill(gate)
    return 8 + push_until_refused(gate, medium, lambda n: f"/metrics/job/disk/index/{8 + n}",
                                  lambda n: big_body(8 + n))


def expect_store(server, big_groups, small_groups, long_key_held):
    """Exactly the acknowledged groups, each whole, and nothing of a refused change."""
    samples = store_view.scrape(server)
    store_view.api_groups(server)
    held = {}
    for (name, label_pairs), sample_value in samples.items():
        labels = dict(label_pairs)
        if name == "disk_row":
            held.setdefault(int(labels["index"]), {})[labels["row"]] = sample_value
    assert held == {group: {f"{row:03}": group for row in range(BIG_ROWS)} for group in big_groups}
    assert {dict(labels)["index"] for (name, labels) in samples if name == "small"} == {
        str(group) for group in small_groups}
    assert not [labels for (name, labels) in samples if name == "added"]
    long_value = store_view.value(samples, "long", **store_view.group_labels("long", key=LONG_KEY))
    assert long_value == (1 if long_key_held else None)
    return samples


def test_full_disk_fails_the_push_with_500_and_changes_nothing(disk):
    medium, gate = disk
    server = gate.start()
    big = fill_up(gate, medium)
    # Small pushes use up what is left, so every larger record fails from here on.
    small = push_until_refused(gate, medium, lambda n: f"/metrics/job/small/index/{n}",
                               lambda n: b"small 1\n")
    expect_failed_write(put(gate, "/metrics/job/disk/index/0", big_body(-1)), gate, medium)
    added = "".join(f'added{{row="{row:03}"}} 1\n' for row in range(BIG_ROWS)).encode()
    expect_failed_write(send(gate, "POST", "/metrics/job/disk/index/1", added), gate, medium)
    expect_failed_write(send(gate, "DELETE", f"/metrics/job/long/key/{LONG_KEY}"), gate, medium)
    samples = expect_store(server, range(big), range(small), long_key_held=True)
    assert store_view.value(samples, "flowgate_persistence_write_failures_total") == 5

    medium.free(gate)
    assert put(gate, f"/metrics/job/disk/index/{big}", big_body(big)).status == 200
    assert send(gate, "DELETE", f"/metrics/job/long/key/{LONG_KEY}").status == 202
    expect_store(server, range(big + 1), range(small), long_key_held=False)

    gate.kill()
    expect_store(gate.start(), range(big + 1), range(small), long_key_held=False)
    assert gate.stop(signal.SIGTERM) == 0
    expect_store(gate.start(), range(big + 1), range(small), long_key_held=False)
    assert gate.stop() == 0


def compactions(server, results=("success", "failure")):
    samples = store_view.scrape(server)
    return sum(store_view.value(samples, "flowgate_persistence_compactions_total", result=result) or 0
               for result in results)


def wait_for_compactions(gate, count, results=("success", "failure")):
    deadline = time.monotonic() + 20
    while compactions(gate.server, results) < count:
        assert gate.server.running(), gate.log()
        assert time.monotonic() < deadline, f"not {count} compactions {results} in 20s:\n{gate.log()}"
        time.sleep(0.1)


def test_compactions_on_a_full_disk_lose_nothing(disk):
    medium, gate = disk
    gate.flags = ["--persistence.interval=300ms"]
    server = gate.start()
    big = fill_up(gate, medium)
    wait_for_compactions(gate, compactions(server) + 3)  # a few on the full disk
    expect_store(server, range(big), [], long_key_held=True)

    medium.free(gate)
    reply = put(gate, f"/metrics/job/disk/index/{big}", big_body(big))
    assert reply.status == 200, (reply.status, reply.text())
    wait_for_compactions(gate, compactions(server, ["success"]) + 1, ["success"])
    gate.kill()
    expect_store(gate.start(), range(big + 1), [], long_key_held=True)
    assert gate.stop() == 0
    assert [path.name for path in gate.folder.iterdir() if ".in_progress." in path.name] == []


class RemoteWriteReceiver:
    """Debian's Prometheus 2.42 taking remote writes on a fixed port, started when the test says."""

    def __init__(self, folder):
        self.folder = folder
        self.folder.mkdir()
        self.port = servers.free_port()
        (folder / "prometheus.yml").write_text("global:\n  scrape_interval: 15s\n")
        self.server = None

    def start(self):
        self.server = servers.ServerProcess("prometheus", [
            servers.PROMETHEUS_BINARY, f"--config.file={self.folder}/prometheus.yml",
            f"--storage.tsdb.path={self.folder}/tsdb", f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-remote-write-receiver"], self.port).start()

    def stop(self):
        if self.server:
            self.server.stop()
            self.server.log.close()

    def indexes_of_big_groups(self):
        arguments = urllib.parse.urlencode({"query": 'disk_row{row="000"}'})
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/query?{arguments}", timeout=10) as reply:
            result = json.load(reply)["data"]["result"]
        return {int(series["metric"]["index"]) for series in result
                if series["value"][1] == series["metric"]["index"]}


def test_full_disk_while_remote_write_queues_loses_no_acknowledged_push(disk, tmp_path):
    """The receiver is away and the disk fills: pushes get the same 500 as without remote write, and once
    there is space and the receiver is back, every acknowledged push reaches it."""
    medium, gate = disk
    receiver = RemoteWriteReceiver(tmp_path / "receiver")
    config = tmp_path / "remote-write.yml"
    config.write_text(f"remote_write:\n  - url: http://127.0.0.1:{receiver.port}/api/v1/write\n    name: away\n"
                      "    queue_config:\n      min_backoff: 50ms\n      max_backoff: 200ms\n")
    gate.flags = [f"--remote-write.config-file={config}"]
    try:
        server = gate.start()
        big = fill_up(gate, medium)
        expect_failed_write(put(gate, "/metrics/job/disk/index/0", big_body(-1)), gate, medium)
        expect_store(server, range(big), [], long_key_held=True)
        medium.free(gate)
        assert put(gate, f"/metrics/job/disk/index/{big}", big_body(big)).status == 200
        receiver.start()
        deadline = time.monotonic() + 30
        while receiver.indexes_of_big_groups() != set(range(big + 1)):
            assert time.monotonic() < deadline, (sorted(receiver.indexes_of_big_groups()), big, gate.log())
            time.sleep(0.5)
        assert gate.stop() == 0
    finally:
        receiver.stop()
