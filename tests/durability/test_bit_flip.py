"""One flipped bit in the log. In the last record (payload, checksum or length)
the CRC, or the length running past the end, catches it: the record is cut off
like a torn tail and everything before it recovered. In a segment's magic,
flowgate either refuses to start with a message naming the file or cuts the log
there with a warning; it never crashes."""
import signal

import pytest

import damaged_log
import durable_flowgate
import raw_http
import store_view
import wal_segments


def flip_bit(path, offset, bit):
    with open(path, "r+b") as file:
        file.seek(offset)
        byte = file.read(1)[0]
        file.seek(offset)
        file.write(bytes([byte ^ (1 << bit)]))


@pytest.mark.parametrize("where", ["payload", "checksum", "length"])
def test_flipped_bit_in_last_record_is_caught_and_cut_off(gate, rng, where):
    damaged_log.push_groups(gate.start(), range(damaged_log.GROUPS))
    gate.kill()
    segment = wal_segments.active_segment(gate)
    record = wal_segments.last_record(segment)
    offset = record.offset + {
        "length": rng.randrange(4),
        "checksum": 4 + rng.randrange(4),
        "payload": wal_segments.RECORD_HEADER_BYTES + rng.randrange(record.payload_bytes)}[where]
    bit = rng.randrange(8)
    print(f"flipped bit {bit} of byte {offset} in {segment.name} (record at {record.offset})")
    flip_bit(segment, offset, bit)

    server = gate.start()
    damaged_log.expect_tail_cut(gate, server, segment, record, record.size)
    damaged_log.expect_cut_log_reusable(gate)


def test_flipped_bit_in_segment_magic_is_refused_or_cut_never_a_crash(gate, rng):
    # A compacted snapshot first, then pushes into a later segment whose magic gets damaged.
    damaged_log.push_groups(gate.start(), range(damaged_log.GROUPS // 2))
    assert gate.stop(signal.SIGTERM) == 0
    damaged_log.push_groups(gate.start(), range(damaged_log.GROUPS // 2, damaged_log.GROUPS))
    gate.kill()
    segment = wal_segments.active_segment(gate)
    position, bit = rng.randrange(len(wal_segments.MAGIC)), rng.randrange(8)
    print(f"flipped bit {bit} of magic byte {position} in {segment.name}")
    flip_bit(segment, position, bit)

    try:
        server = gate.start()
    except durable_flowgate.FlowgateExited as exited:
        print(f"outcome: refused to start (exit {exited.returncode})")
        assert exited.returncode == 1, exited.log  # a message and exit 1, not a signal
        assert segment.name in exited.log, exited.log
        return
    print("outcome: started, log cut at the damaged segment")
    warnings = [record for record in store_view.log_records(gate.log())
                if record.get("level") == "warn" and segment.name in record["_line"]]
    assert warnings, gate.log()
    held = damaged_log.held_indexes(server)
    # The snapshot's groups are not in the damaged segment and must be back.
    assert all(held.get(index) == index for index in range(damaged_log.GROUPS // 2)), held
    store_view.api_groups(server)
    assert raw_http.request(server, "PUT", "/metrics/job/after", b"after 1\n").status == 200
    assert gate.stop() == 0
