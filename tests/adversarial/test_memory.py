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

BUDGET = 4 << 20  # a client address may hold a quarter of it: 1 MiB
SHARE = BUDGET // 4
UPLOAD = SHARE - (100 << 10)  # fits in one client's share


def start_upload(server, path, declared, sent, source="127.0.0.1"):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10, source_address=(source, 0))
    sock.sendall(f"PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n".encode())
    sock.sendall(b"#" * sent)
    return sock


def finish_upload(sock, declared, sent):
    sock.sendall(b"#" * (declared - sent - len(b"\nx 1\n")) + b"\nx 1\n")
    return [status for status, _, _ in raw_socket.read_replies(sock, timeout=10)]


def test_bodies_in_flight_share_one_budget_and_get_503_when_it_is_spent():
    # Four clients (other loopback addresses, as other hosts) each hold a body
    # that never finishes; the fifth finds the budget spent.
    with servers.flowgate([f"--web.max-inflight-body-bytes={BUDGET}"]) as server:
        holders = [start_upload(server, f"/metrics/job/held{i}", UPLOAD, 100, f"127.0.0.{i + 2}") for i in range(4)]
        time.sleep(0.3)
        fifth = start_upload(server, "/metrics/job/fifth", UPLOAD, 100, "127.0.0.9")
        replies = raw_socket.read_replies(fifth, timeout=5)
        assert [status for status, _, _ in replies] == [503]
        assert b"--web.max-inflight-body-bytes" in replies[0][2]
        fifth.close()
        # A held upload finishes and succeeds; the others give their share back as they close.
        assert finish_upload(holders[0], UPLOAD, 100) == [200]
        for sock in holders:
            sock.close()
        time.sleep(0.3)
        for job in ("three", "four"):
            body = b"#" * UPLOAD + b"\nx 1\n"
            assert raw_http.request(server, "PUT", f"/metrics/job/{job}", body).status == 200
        assert_still_serving(server)


def test_one_client_address_holds_at_most_a_quarter_of_the_budget():
    # Four connections declaring large bodies and sending nothing must not
    # spend the budget for everyone: one address gets its share, no more.
    with servers.flowgate([f"--web.max-inflight-body-bytes={BUDGET}"]) as server:
        first = start_upload(server, "/metrics/job/greedy", UPLOAD, 10, "127.0.0.2")
        time.sleep(0.3)
        second = start_upload(server, "/metrics/job/greedy", UPLOAD, 10, "127.0.0.2")
        assert [status for status, _, _ in raw_socket.read_replies(second, timeout=5)] == [503]
        second.close()
        other = start_upload(server, "/metrics/job/other", UPLOAD, 10, "127.0.0.3")
        assert finish_upload(other, UPLOAD, 10) == [200]
        other.close()
        first.close()
        assert_still_serving(server)


def test_an_upload_that_never_finishes_gives_its_share_back_when_the_connection_closes():
    with servers.flowgate([f"--web.max-inflight-body-bytes={BUDGET}"]) as server:
        for _ in range(5):
            sock = start_upload(server, "/metrics/job/abandoned", UPLOAD, 10)
            time.sleep(0.1)
            sock.close()
        time.sleep(0.5)
        assert raw_http.request(server, "PUT", "/metrics/job/after", b"#" * UPLOAD + b"\nx 1\n").status == 200
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
                upload = start_upload(server, "/metrics/job/huge", 48 << 20, 1 << 20, "127.0.0.2")
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
