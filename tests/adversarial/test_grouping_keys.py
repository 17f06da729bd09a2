"""Finding 4 of issue 15: a grouping-key value that is not UTF-8 was stored and
broke every later scrape; a push refused for it still created its group; and
group ids joined with a 0xFF byte let one key name another
(`/a/x/b%FFy%FFc` deleted {x=b,y=c}). Grouping keys are UTF-8 or refused with
400 before anything is recorded, and no two keys share an id."""
import base64

import pytest

import raw_http
from still_serving import assert_still_serving, group_keys


@pytest.mark.parametrize("path", [
    "/metrics/job/poison/l/%FF",
    "/metrics/job/poison%C3%28",
    "/metrics/job/poison/l@base64/" + base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),
    "/metrics/job@base64/" + base64.urlsafe_b64encode(b"\xed\xa0\x80").decode().rstrip("="),  # a surrogate
])
@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_a_grouping_key_value_that_is_not_utf8_is_refused_and_records_nothing(flowgate_server, method, path):
    reply = raw_http.request(flowgate_server, method, path, b"x 1\n")
    assert reply.status == 400, reply
    assert "UTF-8" in reply.text()
    assert_still_serving(flowgate_server)
    assert group_keys(flowgate_server) == []


def test_a_push_with_an_invalid_body_and_an_invalid_key_records_no_failure(flowgate_server):
    # The Pushgateway records failed pushes for groups; a key that cannot be a
    # group must not become one through the failure path either.
    reply = raw_http.request(flowgate_server, "PUT", "/metrics/job/poison/l/%FF", b"x 1\nx 2\n")
    assert reply.status == 400
    assert group_keys(flowgate_server) == []


def test_a_delete_cannot_name_another_group_through_separator_bytes(flowgate_server):
    assert raw_http.request(flowgate_server, "PUT", "/metrics/job/a/x/b/y/c", b"x 1\n").status == 200
    before = group_keys(flowgate_server)
    reply = raw_http.request(flowgate_server, "DELETE", "/metrics/job/a/x/b%FFy%FFc")
    assert reply.status == 400, reply
    assert group_keys(flowgate_server) == before
    assert_still_serving(flowgate_server)


def test_keys_that_differ_only_in_where_values_end_are_different_groups(flowgate_server):
    # {x="b/y/c"} against {x="b", y="c"}: the same characters, split differently.
    first = "/metrics/job/a/x@base64/" + base64.urlsafe_b64encode(b"b/y/c").decode()
    second = "/metrics/job/a/x/b/y/c"
    assert raw_http.request(flowgate_server, "PUT", first, b"x 1\n").status == 200
    assert raw_http.request(flowgate_server, "PUT", second, b"x 2\n").status == 200
    assert len(group_keys(flowgate_server)) == 2
    assert raw_http.request(flowgate_server, "DELETE", second).status == 202
    assert len(group_keys(flowgate_server)) == 1
    assert_still_serving(flowgate_server)


def test_utf8_grouping_values_still_work(flowgate_server):
    assert raw_http.request(flowgate_server, "PUT", "/metrics/job/caf%C3%A9/city/M%C3%BCnchen", b"x 1\n").status == 200
    assert group_keys(flowgate_server) == [(("city", "München"), ("job", "café"))]
    assert_still_serving(flowgate_server)
