"""The steps the torn-tail and bit-flip tests share: one record per pushed
group, the last one damaged while flowgate is down, then what the restart must
show (everything before the damaged record, one `write-ahead log tail cut`
warning, outcome tail_cut) and that the cut log takes new records again."""
import raw_http
import store_view

GROUPS = 8
TAIL_CUT = "write-ahead log tail cut"


def push_groups(server, indexes):
    for index in indexes:
        body = f"# TYPE tail_value gauge\ntail_value {index}\n".encode()
        reply = raw_http.request(server, "PUT", f"/metrics/job/tail/index/{index}", body)
        assert reply.status == 200, reply.text()


def held_indexes(server):
    samples = store_view.scrape(server)
    return {int(labels["index"]): value for (name, label_pairs), value in samples.items()
            if name == "tail_value" for labels in [dict(label_pairs)]}


def expect_tail_cut(gate, server, segment, record, dropped_bytes):
    """Everything but the damaged last push is back, the cut is logged and counted."""
    assert held_indexes(server) == {index: index for index in range(GROUPS - 1)}
    cuts = store_view.log_records(gate.log(), TAIL_CUT)
    assert len(cuts) == 1, gate.log()
    cut = cuts[0]
    assert cut.get("level") == "warn", cut["_line"]
    assert cut.get("file", "").endswith(segment.name), cut["_line"]
    assert cut.get("offset") == str(record.offset), cut["_line"]
    assert cut.get("dropped_bytes") == str(dropped_bytes), cut["_line"]
    samples = store_view.scrape(server)
    assert store_view.value(samples, "flowgate_persistence_recovery_info", outcome="tail_cut") == 1
    assert store_view.value(samples, "flowgate_persistence_recovery_dropped_bytes") == dropped_bytes
    if segment.exists():  # flowgate may have compacted it away already
        assert segment.stat().st_size <= record.offset


def expect_cut_log_reusable(gate):
    """A push after the cut survives kill -9 and then a clean stop."""
    push_groups(gate.server, [GROUPS])
    expected = {**{index: index for index in range(GROUPS - 1)}, GROUPS: GROUPS}
    server = gate.restart_after_kill()
    assert held_indexes(server) == expected
    assert store_view.log_records(gate.log(), TAIL_CUT) == []
    samples = store_view.scrape(server)
    assert store_view.value(samples, "flowgate_persistence_recovery_info", outcome="clean") == 1
    assert gate.stop() == 0
    assert held_indexes(gate.start()) == expected
    assert gate.stop() == 0
