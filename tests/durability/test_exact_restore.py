"""After a restart flowgate serves exactly what it served before: the pushed
families of /metrics byte for byte in the text and the protobuf format, and the
whole /api/v1/metrics body (push and failure times, time stamps included),
after kill -9 and after a clean SIGTERM alike; a wipe is restored too."""
import base64

import exposition_normalizer
import protobuf_body
import raw_http

TEXT_BODY = b"""# HELP exact_rows_total Rows written.
# TYPE exact_rows_total counter
exact_rows_total{table="a"} 12
exact_rows_total{table="b \\"quoted\\"\\nnewline"} 1.5e+300
# TYPE exact_temperature gauge
exact_temperature -0.1
exact_temperature{room="nan"} NaN
exact_temperature{room="inf"} +Inf
# HELP exact_latency_seconds Latency.
# TYPE exact_latency_seconds histogram
exact_latency_seconds_bucket{le="0.1"} 3
exact_latency_seconds_bucket{le="1"} 7
exact_latency_seconds_bucket{le="+Inf"} 9
exact_latency_seconds_sum 4.25
exact_latency_seconds_count 9
# TYPE exact_size_bytes summary
exact_size_bytes{quantile="0.5"} 100
exact_size_bytes{quantile="0.99"} 1000.000001
exact_size_bytes_sum 123456.789
exact_size_bytes_count 321
exact_untyped 7
"""


def protobuf_families():
    pb = protobuf_body
    return pb.delimited(
        pb.family("exact_pb_total", "counter", [pb.metric({"kind": "x"}, 3, "counter")], "From protobuf."),
        pb.family("exact_pb_duration", "histogram", [pb.metric(
            {"step": "load"}, kind="histogram", count=5, total=2.5, buckets={0.5: 2, 1.0: 4, 5.0: 5})]),
        pb.family("exact_pb_quantiles", "summary", [pb.metric(
            kind="summary", count=10, total=55.0, quantiles={0.5: 5.0, 0.9: 9.0})]),
        pb.family("exact_pb_gauge", "gauge", [pb.metric({"a": "1"}, 0.25), pb.metric({"a": "2"}, -8.0)]))


def push_everything(server):
    def expect(status, method, path, body=b"", headers=None):
        reply = raw_http.request(server, method, path, body, headers)
        assert reply.status == status, (method, path, reply.status, reply.text())

    expect(200, "PUT", "/metrics/job/exact/instance/text", TEXT_BODY)
    expect(200, "PUT", "/metrics/job/exact/instance/proto", protobuf_families(),
           {"Content-Type": protobuf_body.CONTENT_TYPE})
    expect(200, "POST", "/metrics/job/exact/instance/text", b"# TYPE exact_added gauge\nexact_added 2\n")
    expect(200, "POST", "/metrics/job/exact_post", b"exact_post_only 1\n")
    path_label = base64.urlsafe_b64encode(b"/var/tmp").decode()
    expect(200, "PUT", f"/metrics/job/exact/path@base64/{path_label}", b"exact_path 1\n")
    expect(200, "PUT", "/metrics/job/exact/instance/gone", b"exact_gone 1\n")
    expect(202, "DELETE", "/metrics/job/exact/instance/gone")
    # Failed pushes (a timestamp is refused by the store, not the parser): one to a group
    # that has pushes, one to a group that never had one.
    expect(400, "PUT", "/metrics/job/exact/instance/proto", b"exact_broken 1 1000\n")
    expect(400, "PUT", "/metrics/job/exact_failed_only", b"exact_broken 1 1000\n")


def line_family(line):
    if line.startswith(("# HELP ", "# TYPE ")):
        return line.split(" ", 3)[2]
    return exposition_normalizer.split_sample(line)[0]


def pushed_text(server):
    """/metrics without flowgate's own families, otherwise byte for byte."""
    reply = raw_http.get(server, "/metrics")
    assert reply.status == 200
    lines = reply.text().split("\n")
    return "\n".join(line for line in lines
                     if line and not exposition_normalizer.is_own_family(line_family(line)))


def pushed_protobuf(server):
    """The protobuf scrape's pushed families, each message's bytes as sent."""
    reply = raw_http.get(server, "/metrics", headers={"Accept": protobuf_body.CONTENT_TYPE})
    assert reply.status == 200
    assert reply.header("content-type").startswith("application/vnd.google.protobuf")
    messages, position = [], 0
    while position < len(reply.body):
        length, position = protobuf_body._read_varint(reply.body, position)
        message = reply.body[position:position + length]
        position += length
        name = protobuf_body._fields(message)[1][0].decode()
        if not exposition_normalizer.is_own_family(name):
            messages.append(message)
    return messages


def api_body(server):
    reply = raw_http.get(server, "/api/v1/metrics")
    assert reply.status == 200
    return reply.body


def served(server):
    return {"text": pushed_text(server), "protobuf": pushed_protobuf(server), "api": api_body(server)}


def test_restart_serves_exactly_what_was_served_before(gate):
    server = gate.start()
    push_everything(server)
    before = served(server)
    assert float(next(line for line in before["text"].split("\n") if line.startswith(
        'push_failure_time_seconds{instance="proto",job="exact"}')).split()[-1]) > 0
    assert 'exact_pb_total{instance="proto",job="exact",kind="x"}' in before["text"]

    after_kill = served(gate.restart_after_kill())
    for view in before:
        assert after_kill[view] == before[view], f"{view} differs after kill -9"

    assert gate.stop() == 0
    after_stop = served(gate.start())
    for view in before:
        assert after_stop[view] == before[view], f"{view} differs after SIGTERM"
    assert gate.stop() == 0


def test_a_wipe_survives_kill_9(gate):
    server = gate.start(["--web.enable-admin-api"])
    push_everything(server)
    assert raw_http.request(server, "PUT", "/api/v1/admin/wipe").status == 202
    assert raw_http.request(server, "PUT", "/metrics/job/after_wipe", b"after_wipe 1\n").status == 200
    before = served(server)
    assert "exact_" not in before["text"] and "after_wipe" in before["text"]
    after_kill = served(gate.restart_after_kill(["--web.enable-admin-api"]))
    for view in before:
        assert after_kill[view] == before[view], f"{view} differs after a wipe and kill -9"
