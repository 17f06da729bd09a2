"""Finding 7 of issue 15: under an address-space limit a GET /api/v1/metrics
of a large store segfaulted in the JSON writer, and a large unfinished body
ended in std::bad_alloc and abort(). Request bodies held in memory now share
one budget across all connections (503 when it is spent), and an allocation
failure costs the request that hit it, never the process."""
import socket
import subprocess
import time

import raw_http
import raw_socket
import servers
from still_serving import assert_still_serving, get, group_keys

BUDGET = 1 << 20


def start_upload(server, path, declared, sent):
    sock = raw_socket.connect(server)
    sock.sendall(f"PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n".encode())
    sock.sendall(b"#" * sent)
    return sock


def test_bodies_in_flight_share_one_budget_and_get_503_when_it_is_spent():
    with servers.flowgate([f"--web.max-inflight-body-bytes={BUDGET}"]) as server:
        half = BUDGET // 2 + 1024
        first = start_upload(server, "/metrics/job/one", half, 100)
        time.sleep(0.3)
        second = start_upload(server, "/metrics/job/two", half, 100)
        replies = raw_socket.read_replies(second, timeout=5)
        assert [status for status, _, _ in replies] == [503]
        assert b"--web.max-inflight-body-bytes" in replies[0][2]
        second.close()
        # The first upload finishes and succeeds; its share is released after.
        first.sendall(b"#" * (half - 100 - len(b"\nx 1\n")) + b"\nx 1\n")
        assert [status for status, _, _ in raw_socket.read_replies(first, timeout=5)] == [200]
        first.close()
        for job in ("three", "four"):
            assert raw_http.request(server, "PUT", f"/metrics/job/{job}", b"#" * half + b"\nx 1\n").status == 200
        assert_still_serving(server)


def test_an_upload_that_never_finishes_gives_its_share_back_when_the_connection_closes():
    with servers.flowgate([f"--web.max-inflight-body-bytes={BUDGET}"]) as server:
        for _ in range(5):
            sock = start_upload(server, "/metrics/job/abandoned", BUDGET - 10, 10)
            time.sleep(0.1)
            sock.close()
        time.sleep(0.5)
        assert raw_http.request(server, "PUT", "/metrics/job/after", b"#" * (BUDGET - 100) + b"\nx 1\n").status == 200
        assert_still_serving(server)


def vm_size_bytes(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


def set_address_space_limit(pid, limit):
    """Sets the soft RLIMIT_AS of a running process (None: unlimited again); the
    hard limit stays unlimited, so raising it back needs no privilege."""
    value = "unlimited" if limit is None else str(limit)
    subprocess.run(["prlimit", f"--pid={pid}", f"--as={value}:unlimited"], check=True)


def test_allocation_failure_costs_the_request_not_the_process():
    with servers.flowgate() as server:
        body = "".join(f'big_store{{series="{i:06d}",pad="{"p" * 64}"}} {i}\n' for i in range(90_000)).encode()
        for group in range(3):
            assert raw_http.request(server, "PUT", f"/metrics/job/big/g/{group}", body, None, 60).status == 200
        pid = server.process.pid
        # A few MiB of room: far less than the JSON of 270k series needs.
        set_address_space_limit(pid, vm_size_bytes(pid) + (8 << 20))
        try:
            answers = []
            for _ in range(3):
                try:
                    status, _ = get(server, "/api/v1/metrics", timeout=30)
                    answers.append(status)
                except (ConnectionError, socket.timeout, OSError) as error:
                    answers.append(repr(error))
            try:
                upload = start_upload(server, "/metrics/job/huge", 48 << 20, 1 << 20)
                upload.close()
            except OSError:
                pass
            assert server.running(), server.output()
            assert all(isinstance(status, int) and (status == 200 or 500 <= status < 600) for status in answers), \
                answers
        finally:
            set_address_space_limit(pid, None)
        assert_still_serving(server)
        assert len(group_keys(server)) == 3
