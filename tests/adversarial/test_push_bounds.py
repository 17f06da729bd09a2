"""Finding 3 of issue 15: the work one push can cause was unbounded. A line
with a million labels pinned a CPU (an O(n^2) duplicate check), tens of
thousands of grouping labels took seconds to tens of seconds, and a 500-byte
native histogram claiming 2^32 buckets per span hung every later
/api/v1/metrics, even after a restart. Every size a pusher chooses is now
checked before the work it would cause, refused with a 4xx naming the limit,
and counted in flowgate_push_rejections_total{reason}."""
import concurrent.futures
import re
import signal
import time

import pytest

import protobuf_body
import raw_http
import servers
from still_serving import assert_still_serving, get, group_keys

PROTOBUF = {"Content-Type": protobuf_body.CONTENT_TYPE}


def rejections(server):
    _, scrape = get(server, "/metrics", timeout=30)
    counts = {}
    for reason, value in re.findall(rb'flowgate_push_rejections_total\{reason="([a-z_]+)"\} (\S+)', scrape):
        counts[reason.decode()] = float(value)
    return counts


def many_labels_line(count):
    labels = ",".join(f'l{i}="v"' for i in range(count))
    return f"wide{{{labels}}} 1\n".encode()


def test_a_line_with_a_million_labels_is_refused_while_health_checks_answer(flowgate_server):
    body = many_labels_line(1_000_000)  # ~12 MB
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        pushes = [pool.submit(raw_http.request, flowgate_server, "PUT", "/metrics/job/wide", body, None, 60)
                  for _ in range(2)]
        time.sleep(0.2)
        started = time.monotonic()
        status, _ = get(flowgate_server, "/-/healthy")
        assert status == 200 and time.monotonic() - started < 2.0
        replies = [push.result() for push in pushes]
    for reply in replies:
        assert reply.status == 400, reply
        assert "labels" in reply.text() and "--push.max-labels-per-series" in reply.text(), reply.text()
    assert_still_serving(flowgate_server)
    assert group_keys(flowgate_server) == []
    assert rejections(flowgate_server).get("too_many_labels", 0) == 2


def test_eighty_thousand_grouping_labels_are_refused_at_once(flowgate_server):
    path = "/metrics/job/wide" + "".join(f"/g{i}/v" for i in range(80_000))
    reply = raw_http.request(flowgate_server, "PUT", path, b"x 1\n", None, 30)
    # Go's and flowgate's 1 MiB header limit counts the request line too: 431 or
    # 414 are refusals as good as 400 with the limit's name.
    assert reply.status in (400, 414, 431), reply
    assert_still_serving(flowgate_server)
    assert group_keys(flowgate_server) == []


def test_more_grouping_labels_than_the_limit_are_refused_with_its_name():
    with servers.flowgate(["--push.max-grouping-labels=4"]) as server:
        under = raw_http.request(server, "PUT", "/metrics/job/j/a/1/b/2/c/3", b"x 1\n")
        over = raw_http.request(server, "PUT", "/metrics/job/j/a/1/b/2/c/3/d/4", b"x 1\n")
        assert under.status == 200, under
        assert over.status == 400 and "--push.max-grouping-labels" in over.text(), over
        assert_still_serving(server)
        assert len(group_keys(server)) == 1


@pytest.mark.parametrize("flag, body, status", [
    ("--push.max-series-per-push=3", b"a 1\nb 1\nc 1\nd 1\n", 413),
    ("--push.max-label-value-bytes=16", b'a{l="' + b"v" * 17 + b'"} 1\n', 400),
    ("--push.max-label-name-bytes=8", b'a{' + b"n" * 9 + b'="v"} 1\n', 400),
    ("--push.max-labels-per-series=2", b'a{x="1",y="2",z="3"} 1\n', 400),
])
def test_each_size_limit_refuses_with_its_flag_named_and_keeps_what_was_stored(flag, body, status):
    needle = flag.partition("=")[0]
    with servers.flowgate([flag]) as server:
        assert raw_http.request(server, "PUT", "/metrics/job/kept", b"kept 1\n").status == 200
        reply = raw_http.request(server, "PUT", "/metrics/job/kept", body)
        assert reply.status == status, reply
        assert needle in reply.text(), reply.text()
        scrape = assert_still_serving(server)
        assert 'kept{instance="",job="kept"} 1' in scrape
        assert sum(rejections(server).values()) == 1


def test_series_per_group_and_groups_in_total_are_bounded():
    with servers.flowgate(["--push.max-series-per-group=5", "--push.max-groups=2"]) as server:
        assert raw_http.request(server, "PUT", "/metrics/job/a", b"x 1\ny 1\n").status == 200
        # The group's own push_time_seconds and push_failure_time_seconds count:
        # 2 + 2 = 4 fit in 5, and POST adds 2 more to the group (6 > 5).
        grown = raw_http.request(server, "POST", "/metrics/job/a", b"z 1\nw 1\n")
        assert grown.status == 413 and "--push.max-series-per-group" in grown.text(), grown
        assert raw_http.request(server, "PUT", "/metrics/job/b", b"x 1\n").status == 200
        third = raw_http.request(server, "PUT", "/metrics/job/c", b"x 1\n")
        # 429: the same push may succeed once groups are deleted or expire.
        assert third.status == 429 and "--push.max-groups" in third.text(), third
        # Replacing an existing group is not a new group.
        assert raw_http.request(server, "PUT", "/metrics/job/b", b"x 2\n").status == 200
        assert_still_serving(server)
        assert group_keys(server) == [(("job", "a"),), (("job", "b"),)]


# --- native histograms ------------------------------------------------------------------------

def zigzag(number):
    return (number << 1) ^ (number >> 63)


def native_histogram(spans, deltas, schema=0, count=1):
    inner = protobuf_body._uint(1, count) + protobuf_body._double(2, 1.0)
    inner += protobuf_body._uint(5, zigzag(schema)) + protobuf_body._double(6, 0.001) + protobuf_body._uint(7, 0)
    for offset, length in spans:
        inner += protobuf_body._bytes(12, protobuf_body._uint(1, zigzag(offset)) + protobuf_body._uint(2, length))
    for delta in deltas:
        inner += protobuf_body._uint(13, zigzag(delta))
    metric = protobuf_body._bytes(7, inner)
    return protobuf_body.delimited(protobuf_body.family("native", "histogram", [metric]))


@pytest.mark.parametrize("spans, deltas", [
    ([(0, 2**32 - 1)] * 50, []),          # 2^38 buckets claimed, none given
    ([(0, 2**32 - 1)] * 50, [1]),          # the same with a non-zero delta
    ([(2**31 - 1, 1), (2**31 - 1, 1)], [1, 0]),  # offsets that overflow an index
    ([(0, 2)], [1, -5]),                   # a delta that makes a bucket count negative
], ids=["huge-spans", "huge-spans-delta", "offset-overflow", "negative-count"])
def test_a_native_histogram_that_does_not_add_up_is_refused(spans, deltas):
    with servers.flowgate() as server:
        reply = raw_http.request(server, "PUT", "/metrics/job/native", native_histogram(spans, deltas), PROTOBUF)
        assert reply.status == 400, reply
        assert_still_serving(server)
        assert group_keys(server) == []


def test_a_valid_native_histogram_is_still_accepted(flowgate_server):
    body = native_histogram([(0, 2), (3, 1)], [1, 1, -1], count=4)
    reply = raw_http.request(flowgate_server, "PUT", "/metrics/job/native", body, PROTOBUF)
    assert reply.status == 200, reply
    assert_still_serving(flowgate_server)


def test_sigterm_during_hostile_pushes_stops_the_process_promptly():
    body = many_labels_line(1_000_000)
    server = servers.flowgate()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for _ in range(2):
                pool.submit(raw_http.request, server, "PUT", "/metrics/job/wide", body, None, 60)
            time.sleep(0.3)
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=15)
            assert time.monotonic() - started < 15
    finally:
        server.stop()
        server.log.close()
