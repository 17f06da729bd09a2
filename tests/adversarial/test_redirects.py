"""Finding 5 of issue 15: the path-cleaning redirect copied the decoded path
into Location and into its HTML body, so `%0d%0a` added a header of the
attacker's choice (Set-Cookie) and `%22%3E%3Cscript%3E` a script. Location is
percent-encoded, CR/LF never reach a header, and bodies are escaped."""
import raw_socket
from still_serving import assert_still_serving


def only_reply(server, target):
    replies = raw_socket.send(server, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert len(replies) == 1, replies
    return replies[0]


def test_crlf_in_a_redirected_path_adds_no_header(flowgate_server):
    status, headers, body = only_reply(flowgate_server, b"//x%0d%0aSet-Cookie:%20evil=1")
    assert "set-cookie" not in headers
    for values in headers.values():
        for value in values:
            assert "\r" not in value and "\n" not in value
    if status in (301, 307, 308):
        assert "%0D%0A" in headers["location"][0].upper()
    else:
        assert status == 400
    assert_still_serving(flowgate_server)


def test_a_script_in_a_redirected_path_comes_back_escaped(flowgate_server):
    status, headers, body = only_reply(flowgate_server, b"//%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
    assert b"<script>" not in body
    assert "<script>" not in headers.get("location", [""])[0]
    assert '"' not in headers.get("location", [""])[0]
    assert status in (301, 307, 308, 400, 404)
    assert_still_serving(flowgate_server)


def test_a_raw_control_byte_in_the_target_is_refused(flowgate_server):
    status, _, _ = only_reply(flowgate_server, b"/metrics\x00x")
    assert status == 400
    assert_still_serving(flowgate_server)


def test_ordinary_redirects_keep_the_pushgateways_shape(flowgate_server):
    status, headers, body = only_reply(flowgate_server, b"//metrics")
    assert status == 301
    assert headers["location"] == ["/metrics"]
    assert body == b'<a href="/metrics">Moved Permanently</a>.\n\n'
