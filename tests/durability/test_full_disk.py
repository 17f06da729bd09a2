"""A full disk: the write of a push's log record fails, so the push gets 500
naming the file and the errno text, and nothing of it is applied; DELETEs fail
the same way and change nothing; once there is space again pushes succeed, and
a restart brings back exactly what was acknowledged.

Two ways to fill the disk: a 256 KiB tmpfs with a filler file (ENOSPC; needs
root to mount), and RLIMIT_FSIZE set on the running flowgate with prlimit (EFBIG;
flowgate must ignore the SIGXFSZ that comes with it)."""
import contextlib
import errno
import os
import signal
import subprocess

import pytest

import durable_flowgate
import raw_http
import store_view
import wal_segments

MAX_PUSHES_UNTIL_FULL = 400
BIG_ROWS = 40  # a "big" push: well over a page of log record


def big_body(value):
    rows = "".join(f'disk_row{{row="{row:03}"}} {value}\n' for row in range(BIG_ROWS))
    return f"# TYPE disk_row gauge\n{rows}".encode()


def put(server, path, body):
    return raw_http.request(server, "PUT", path, body)


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


def test_full_disk_fails_the_push_with_500_and_changes_nothing(disk):
    medium, gate = disk
    server = gate.start()
    # The log grows a little before the disk fills up (the file size limit starts above it).
    for index in range(8):
        assert put(server, f"/metrics/job/disk/index/{index}", big_body(index)).status == 200
    # A group whose DELETE record is longer than any small push's record.
    long_key = "k" * 512
    assert put(server, f"/metrics/job/long/key/{long_key}", b"long 1\n").status == 200
    acknowledged = {index: index for index in range(8)}

    medium.fill(gate)
    index, failed = 8, None
    while failed is None and index < 8 + MAX_PUSHES_UNTIL_FULL:
        reply = put(server, f"/metrics/job/disk/index/{index}", big_body(index))
        if reply.status == 200:
            acknowledged[index] = index
            index += 1
        else:
            failed = reply
    assert failed is not None, "the disk never filled up"
    expect_failed_write(failed, gate, medium)
    # Small pushes use up what is left, so every larger record fails from here on.
    small_failures = 0
    for small in range(MAX_PUSHES_UNTIL_FULL):
        reply = put(server, f"/metrics/job/small/index/{small}", b"s 1\n")
        if reply.status != 200:
            expect_failed_write(reply, gate, medium)
            small_failures += 1
            break
    assert small_failures == 1, "small pushes never filled the disk"
    small_acknowledged = small

    expect_failed_write(put(server, "/metrics/job/disk/index/0", big_body(-1)), gate, medium)
    added = "".join(f'added{{row="{row:03}"}} 1\n' for row in range(BIG_ROWS)).encode()
    expect_failed_write(raw_http.request(server, "POST", "/metrics/job/disk/index/1", added),
                        gate, medium)
    expect_failed_write(raw_http.request(server, "DELETE", f"/metrics/job/long/key/{long_key}"),
                        gate, medium)

    def expect_store(server, retried=False):
        samples = store_view.scrape(server)
        held = {int(dict(labels)["index"]): value for (name, labels), value in samples.items()
                if name == "disk_row" and dict(labels)["row"] == "000" and dict(labels)["job"] == "disk"}
        expected = dict(acknowledged)
        if retried:
            expected[index] = index
        assert held == expected
        for row in range(BIG_ROWS):  # no group half-written
            for group, group_value in expected.items():
                assert store_view.value(samples, "disk_row", row=f"{row:03}",
                                        **store_view.group_labels("disk", index=str(group))) == group_value
        assert not [labels for (name, labels), _ in samples.items() if name == "added"]
        held_small = {dict(labels)["index"] for (name, labels), _ in samples.items() if name == "s"}
        assert held_small == {str(small) for small in range(small_acknowledged)}
        store_view.api_groups(server)
        return samples

    samples = expect_store(server)
    assert store_view.value(samples, "long", **store_view.group_labels("long", key=long_key)) == 1
    assert store_view.value(samples, "flowgate_persistence_write_failures_total") == 5

    medium.free(gate)
    assert put(server, f"/metrics/job/disk/index/{index}", big_body(index)).status == 200
    assert raw_http.request(server, "DELETE", f"/metrics/job/long/key/{long_key}").status == 202
    expect_store(server, retried=True)

    gate.kill()
    samples = expect_store(gate.start(), retried=True)
    assert store_view.value(samples, "long", **store_view.group_labels("long", key=long_key)) is None
    assert gate.stop(signal.SIGTERM) == 0
    expect_store(gate.start(), retried=True)
    assert gate.stop() == 0
