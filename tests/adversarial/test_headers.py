"""Finding 1 of issue 15: one oversized header field aborted the process
before authentication (Beast's field container threw std::length_error out of
the I/O thread). Oversized fields now get 431 and everyone else is served.
Also the slowloris part of finding 8: many sockets trickling their headers
must not starve a health check."""
import socket
import threading
import time

import pytest

import raw_socket
import servers
from credentials import basic_auth_config
from still_serving import assert_still_serving, get

BIG = 70_000  # over Beast's 65,535-byte limit for one field


@pytest.mark.parametrize("header", [
    b"X-A: " + b"a" * BIG,
    b"X-" + b"n" * BIG + b": v",
    b"Authorization: Basic " + b"A" * BIG,
], ids=["value", "name", "authorization"])
def test_an_oversized_header_field_gets_431_and_the_server_keeps_serving(flowgate_server, header):
    replies = raw_socket.send(flowgate_server, b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n\r\n")
    assert [status for status, _, _ in replies] == [431]
    assert_still_serving(flowgate_server)


def test_an_oversized_authorization_gets_431_behind_basic_auth(tmp_path):
    # With users configured the header is read before the password is checked:
    # the field limit must hold there as well, and the valid user still gets in.
    config, authorization = basic_auth_config(tmp_path)
    with servers.flowgate([f"--web.config.file={config}"], ready_headers=authorization) as server:
        replies = raw_socket.send(server, b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "
                                  + b"A" * BIG + b"\r\n\r\n")
        assert [status for status, _, _ in replies] == [431]
        assert_still_serving(server, authorization)


def test_many_headers_summing_over_the_header_limit_get_431(flowgate_server):
    headers = b"".join(b"X-%d: %s\r\n" % (i, b"v" * 1000) for i in range(1200))  # ~1.2 MB > 1 MiB
    replies = raw_socket.send(flowgate_server, b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert [status for status, _, _ in replies] == [431]
    assert_still_serving(flowgate_server)


def test_slow_header_senders_do_not_starve_a_health_check():
    # 512 sockets that each send a header line every second (slowloris), from
    # another loopback address than the health check, as from another host.
    with servers.flowgate() as server:
        stop = threading.Event()
        sockets = []
        for _ in range(512):
            try:
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=5,
                                                source_address=("127.0.0.2", 0))
            except OSError:
                break
            sock.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n")
            sockets.append(sock)

        def trickle():
            while not stop.wait(1.0):
                for sock in sockets:
                    try:
                        sock.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        pass

        worker = threading.Thread(target=trickle, daemon=True)
        worker.start()
        try:
            for _ in range(5):
                started = time.monotonic()
                status, _ = get(server, "/-/healthy")
                assert status == 200
                assert time.monotonic() - started < 2.0
                time.sleep(0.5)
            assert_still_serving(server)
        finally:
            stop.set()
            worker.join()
            for sock in sockets:
                sock.close()
