"""Finding 6 of issue 15: `Transfer-Encoding: xchunked` with a Content-Length
was answered by the Content-Length and the pipelined request behind it ran
(request smuggling through a proxy that reads the body the other way), and
`Transfer-Encoding: gzip, chunked` was answered 200 with the gzip coding
ignored. Only exactly `chunked` is accepted, never together with
Content-Length (RFC 9112 section 6.3), and the connection is closed after the
refusal. Absolute-form targets are routed by their path, as RFC 9112 requires."""
import pytest

import raw_socket
from still_serving import assert_still_serving, group_keys

SMUGGLED = b"PUT /metrics/job/smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nx 1\n"


@pytest.mark.parametrize("encoding", [b"xchunked", b"chunked, identity", b"gzip, chunked", b"chunked\x0b"])
def test_an_unknown_transfer_coding_is_refused_and_nothing_behind_it_runs(flowgate_server, encoding):
    body = b"0\r\n\r\n"
    request = (b"PUT /metrics/job/front HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + encoding +
               b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body + SMUGGLED)
    replies = raw_socket.send(flowgate_server, request)
    assert len(replies) == 1, replies
    assert replies[0][0] in (400, 501)
    assert replies[0][1].get("connection") == ["close"]
    assert_still_serving(flowgate_server)
    assert group_keys(flowgate_server) == []


def test_chunked_together_with_content_length_is_refused(flowgate_server):
    body = b"4\r\nx 1\n\r\n0\r\n\r\n"
    request = (b"PUT /metrics/job/front HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"Content-Length: 3\r\n\r\n" + body + SMUGGLED)
    replies = raw_socket.send(flowgate_server, request)
    assert len(replies) == 1, replies
    assert replies[0][0] == 400
    assert_still_serving(flowgate_server)
    assert group_keys(flowgate_server) == []


def test_plain_chunked_pushes_still_work(flowgate_server):
    request = (b"PUT /metrics/job/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"4\r\nx 1\n\r\n0\r\n\r\n")
    replies = raw_socket.send(flowgate_server, request + b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n"
                              b"Connection: close\r\n\r\n")
    assert [status for status, _, _ in replies] == [200, 200]
    assert group_keys(flowgate_server) == [(("job", "chunked"),)]


def test_an_absolute_form_target_is_routed_by_its_path(flowgate_server):
    target = f"http://127.0.0.1:{flowgate_server.port}/metrics/job/absolute".encode()
    request = b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nx 1\n"
    replies = raw_socket.send(flowgate_server, request)
    assert [status for status, _, _ in replies] == [200]
    scrape = assert_still_serving(flowgate_server)
    assert 'x{instance="",job="absolute"} 1' in scrape
