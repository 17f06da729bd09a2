"""A failed fsync: nobody can say what reached the disk, so the push waiting
for it gets 500 and every later change 503 until a restart, while scrapes keep
working; the restart brings back every push acknowledged before the failure and
nothing refused after it. fdatasync and fsync are made to fail with EIO by an
LD_PRELOAD shim (fail_sync.c) while a flag file exists."""
import os
import pathlib
import subprocess

import pytest

import raw_http
import store_view


@pytest.fixture
def failing_sync(tmp_path, monkeypatch):
    """The flag file's path; flowgate started in the test loads the shim."""
    shim = tmp_path / "fail_sync.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(shim),
                    str(pathlib.Path(__file__).with_name("fail_sync.c")), "-ldl"], check=True)
    flag = tmp_path / "fail-sync-now"
    monkeypatch.setenv("LD_PRELOAD", str(shim))
    monkeypatch.setenv("FLOWGATE_FAIL_SYNC_FLAG", str(flag))
    # A sanitizer build wants its runtime first among the preloaded libraries.
    monkeypatch.setenv("ASAN_OPTIONS", ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                              "verify_asan_link_order=0"])))
    return flag


def push(server, job, method="PUT"):
    return raw_http.request(server, method, f"/metrics/job/{job}", b"# TYPE synced gauge\nsynced 1\n")


def held_jobs(server):
    return {dict(labels)["job"] for (name, labels) in store_view.scrape(server) if name == "synced"}


def test_failed_fsync_refuses_every_later_change_until_restart(gate, failing_sync):
    server = gate.start()
    for job in ("a", "b", "c"):
        assert push(server, job).status == 200
    failing_sync.touch()
    waiting = push(server, "during")
    assert waiting.status == 500, (waiting.status, waiting.text())
    failing_sync.unlink()  # the disk is fine again; flowgate must not believe it
    later = push(server, "after")
    assert later.status == 503, (later.status, later.text())
    assert "restart flowgate" in later.text()
    assert push(server, "a", "POST").status == 503
    assert raw_http.request(server, "DELETE", "/metrics/job/b").status == 503
    held = held_jobs(server)  # scrapes still work
    assert {"a", "b", "c"} <= held and "after" not in held

    gate.kill()
    held = held_jobs(gate.start())
    # The push that got 500 may or may not have reached the disk.
    assert held - {"during"} == {"a", "b", "c"}
    assert push(gate.server, "after").status == 200
    assert gate.stop() == 0
