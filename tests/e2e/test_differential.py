"""The differential suite: each case of differential_cases.py against a fresh
Pushgateway and a fresh flowgate (or, in self-check mode, a second Pushgateway)."""
import time

import pytest

import differential_sequence
import servers
from differential_cases import CASES


def wait_until_stopped(server, seconds=5.0):
    deadline = time.monotonic() + seconds
    while server.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not server.running()


@pytest.mark.parametrize("sequence", CASES, ids=[case.name for case in CASES])
def test_sequence_matches_pushgateway(sequence, candidate_kind, start_candidate):
    with servers.pushgateway(sequence.flags) as reference, start_candidate(sequence.flags) as candidate:
        want = differential_sequence.run(sequence, reference, "pushgateway")
        got = differential_sequence.run(sequence, candidate, candidate_kind)
        problems = differential_sequence.step_differences(sequence, want, got)
        if not sequence.scrape_after:
            if not wait_until_stopped(reference):
                problems.append("(harness) the Pushgateway did not stop")
            if not wait_until_stopped(candidate):
                problems.append(f"{candidate_kind} did not stop")
    assert not problems, "\n".join(problems)
    if not sequence.compare_state:
        return
    assert got.scrape_status == want.scrape_status
    assert got.metrics == want.metrics
    assert got.api_metrics == want.api_metrics
    assert got.protobuf_metrics == want.protobuf_metrics
    assert got.gzip_metrics == want.gzip_metrics
