"""A write torn by a crash: the end of the active log segment is cut off while
flowgate is down. The restart recovers every earlier push, cuts the torn record
off, says so in one warning and in flowgate_persistence_recovery_info, and the
cut file takes new records again."""
import pytest

import damaged_log
import wal_segments


@pytest.mark.parametrize("cut", ["1", "4", "9", "half"])
def test_torn_last_record_is_cut_off_and_everything_before_recovered(gate, cut):
    damaged_log.push_groups(gate.start(), range(damaged_log.GROUPS))
    gate.kill()
    segment = wal_segments.active_segment(gate)
    record = wal_segments.last_record(segment)
    cut_bytes = record.size // 2 if cut == "half" else int(cut)
    assert cut_bytes < record.size
    with open(segment, "r+b") as file:
        file.truncate(segment.stat().st_size - cut_bytes)

    server = gate.start()
    damaged_log.expect_tail_cut(gate, server, segment, record, record.size - cut_bytes)
    damaged_log.expect_cut_log_reusable(gate)
