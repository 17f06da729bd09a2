"""Finding 2 of issue 15: a protobuf push could carry a metric name with a
newline (or a space, a brace, a NUL) that /metrics then wrote verbatim, so a
pusher could write any line it liked, e.g. a series without its grouping
labels. Names in protobuf follow the text format's rules now, and HELP must be
UTF-8 in both formats."""
import pytest

import protobuf_body
import raw_http
from still_serving import assert_still_serving, stored_families

PROTOBUF = {"Content-Type": protobuf_body.CONTENT_TYPE}


def push_protobuf(server, family, job="attacker"):
    return raw_http.request(server, "PUT", f"/metrics/job/{job}", protobuf_body.delimited(family), PROTOBUF)


@pytest.mark.parametrize("name", [
    'x 1\nspoofed_metric{job="billing"} 666\n# x',
    "has space",
    "brace{",
    "nul\x00byte",
    "1starts_with_digit",
    "",
])
def test_a_protobuf_metric_name_outside_the_grammar_is_refused(flowgate_server, name):
    reply = push_protobuf(flowgate_server, protobuf_body.family(name, "gauge", [protobuf_body.metric(value=1)]))
    assert reply.status == 400, reply
    assert "name" in reply.text()
    scrape = assert_still_serving(flowgate_server)
    assert "spoofed_metric" not in scrape
    # As in the Pushgateway, a name its gatherer refuses is recorded as the
    # group's failed push (push_failure_time_seconds); nothing is stored.
    assert stored_families(flowgate_server) == []


@pytest.mark.parametrize("label", ["a\nb", "a b", "a}", "__reserved", "1a"])
def test_a_protobuf_label_name_outside_the_grammar_is_refused(flowgate_server, label):
    family = protobuf_body.family("ok_metric", "gauge", [protobuf_body.metric(labels={label: "v"}, value=1)])
    reply = push_protobuf(flowgate_server, family)
    assert reply.status == 400, reply
    # A reserved name is refused by the consistency check, which records the
    # failed push for the group as the Pushgateway does; nothing is stored.
    assert "ok_metric" not in assert_still_serving(flowgate_server)


def test_a_protobuf_label_value_that_is_not_utf8_is_refused(flowgate_server):
    metric = (protobuf_body._bytes(1, protobuf_body._bytes(1, "l") + protobuf_body._bytes(2, b"\xff\xfe"))
              + protobuf_body._bytes(2, protobuf_body._double(1, 1.0)))
    reply = push_protobuf(flowgate_server, protobuf_body.family("ok_metric", "gauge", [metric]))
    assert reply.status == 400, reply
    assert_still_serving(flowgate_server)


def test_help_that_is_not_utf8_is_refused_in_protobuf(flowgate_server):
    family = protobuf_body._bytes(1, "ok_metric") + protobuf_body._bytes(2, b"bad \xc3\x28 help") + \
        protobuf_body._uint(3, 1) + protobuf_body._bytes(4, protobuf_body.metric(value=1))
    reply = push_protobuf(flowgate_server, family)
    assert reply.status == 400, reply
    # Invalid UTF-8 in a protobuf push is a consistency failure for the
    # Pushgateway too (recorded for the group); nothing is stored.
    assert "ok_metric" not in assert_still_serving(flowgate_server)


def test_help_that_is_not_utf8_is_refused_in_text(flowgate_server):
    body = b"# HELP ok_metric bad \xc3\x28 help\n# TYPE ok_metric gauge\nok_metric 1\n"
    reply = raw_http.request(flowgate_server, "PUT", "/metrics/job/attacker", body)
    assert reply.status == 400, reply
    assert "line 1" in reply.text()
    assert_still_serving(flowgate_server)


def test_well_formed_protobuf_pushes_still_arrive(flowgate_server):
    family = protobuf_body.family("fine_metric", "counter", [protobuf_body.metric(labels={"a": "ü"}, value=3,
                                                                                  kind="counter")], "Ünïcode help")
    assert push_protobuf(flowgate_server, family, job="fine").status == 200
    scrape = assert_still_serving(flowgate_server)
    assert 'fine_metric{a="ü",instance="",job="fine"} 3' in scrape
