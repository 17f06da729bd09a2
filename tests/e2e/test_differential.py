"""The differential suite: each case of differential_cases.py, and each real
client's pushes, against a fresh Pushgateway and a fresh flowgate (or, in
self-check mode, a second Pushgateway)."""
import json
import os
import re
import time
import types

import pytest

import differential_sequence
import push_clients
import raw_http
import servers
from differential_cases import CASES
from generated_cases import GENERATED_CASES
from utf8_cases import UTF8_CASES


# FLOWGATE_E2E_PUSHGATEWAY_VERSION=1.11.5 runs every case against the current
# Pushgateway instead of the version each case names (Debian's 1.5.1 unless it
# says otherwise): the second oracle of issue 18.
WHOLE_SUITE_VERSION = os.environ.get("FLOWGATE_E2E_PUSHGATEWAY_VERSION", "")

# Where flowgate still answers as 1.5.1 does and 1.11.5 has changed. Each is an
# expected failure against 1.11.5 (strict: a case that starts to match fails,
# so this list cannot go stale), and each is for flowgate to follow 1.11.5.
DIFFERS_FROM_1_11_5 = {
    "empty_label_name_rejected": "1.11.5 redirects '//' with 307, 1.5.1 and flowgate with 301",
    "double_slash_redirects_permanently": "1.11.5 redirects '//' and '/./' with 307, not 301",
    "api_without_slash_redirects": "1.11.5 redirects /api/v1 to /api/v1/ with 307, not 301",
    "protobuf_invalid_label_name_rejected": "1.11.5 takes UTF-8 names in protobuf pushes even without "
                                            "--push.enable-utf8-names; flowgate only with it",
}


def reference_version(case_version):
    return WHOLE_SUITE_VERSION or case_version


def expect_difference(name):
    """An expected failure when the whole suite runs against a version `name` differs from."""
    if WHOLE_SUITE_VERSION == "1.11.5" and name in DIFFERS_FROM_1_11_5:
        return pytest.mark.xfail(strict=True, reason=DIFFERS_FROM_1_11_5[name])
    return None


def cases_with_marks(cases):
    out = []
    for case in cases:
        mark = expect_difference(case.name)
        out.append(pytest.param(case, id=case.name, marks=[mark] if mark else []))
    return out


def wait_until_stopped(server, seconds=5.0):
    deadline = time.monotonic() + seconds
    while server.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not server.running()


@pytest.mark.parametrize("sequence", cases_with_marks(CASES + GENERATED_CASES + UTF8_CASES))
def test_sequence_matches_pushgateway(sequence, candidate_kind, start_candidate):
    version = reference_version(sequence.reference)
    # In self-check mode the candidate is a Pushgateway of the same version.
    candidate_options = {"version": version} if candidate_kind == "pushgateway" else {}
    with servers.pushgateway(sequence.flags, version=version) as reference, \
            start_candidate(sequence.flags, **candidate_options) as candidate:
        want = differential_sequence.run(sequence, reference, "pushgateway")
        got = differential_sequence.run(sequence, candidate, candidate_kind)
        problems = differential_sequence.step_differences(sequence, want, got)
        if not sequence.scrape_after:
            if not wait_until_stopped(reference):
                problems.append("(harness) the Pushgateway did not stop")
            if not wait_until_stopped(candidate):
                problems.append(f"{candidate_kind} did not stop")
    assert candidate.exited_cleanly(), candidate.final_output[-3000:]
    assert not problems, "\n".join(problems)
    if not sequence.compare_state:
        return
    assert got.scrape_status == want.scrape_status
    assert got.metrics == want.metrics
    assert got.api_metrics == want.api_metrics
    assert got.protobuf_metrics == want.protobuf_metrics
    assert got.gzip_metrics == want.gzip_metrics
    assert got.accept_scrapes == want.accept_scrapes


# Grouping keys each client can carry (prometheus-cpp does not escape '/' in values).
CLIENT_GROUPINGS = {
    "python": {"instance": "host/7", "zone": "", "team": "a b"},
    "cpp": {"instance": "host7", "zone": "eu"},
    "go": {"instance": "host/7", "zone": ""},
}


@pytest.mark.parametrize("client", sorted(CLIENT_GROUPINGS))
def test_client_pushes_leave_the_same_state_as_on_pushgateway(client, candidate_kind, start_candidate):
    """What an unchanged client library sends (PUT, then POST) ends up exactly as
    on the Pushgateway, in every scrape format and in the JSON API."""
    # 1.5.1's JSON API shows a native histogram's classic buckets as a map; 1.8+
    # (and flowgate, spec §1.11) list the native buckets instead.
    nothing_more = differential_sequence.Sequence(
        f"{client}_client", [], version_dependent_api_families=("flowgate_go_latency_seconds",))
    # The Python client's *_created samples are creation times: leave them out.
    environment = {"PROMETHEUS_DISABLE_CREATED_SERIES": "True"}
    with servers.pushgateway(version=reference_version("1.5.1")) as reference, start_candidate() as candidate:
        for server in (reference, candidate):
            for add in (False, True):
                pushed = push_clients.run(client, server.url, "clients", CLIENT_GROUPINGS[client],
                                          add=add, env=environment)
                assert pushed.returncode == 0, f"{server.name}: {pushed.stdout} {pushed.stderr}"
        want = differential_sequence.run(nothing_more, reference, "pushgateway")
        got = differential_sequence.run(nothing_more, candidate, candidate_kind)
    assert got.metrics == want.metrics
    assert got.api_metrics == want.api_metrics
    assert got.protobuf_metrics == want.protobuf_metrics
    assert got.gzip_metrics == want.gzip_metrics


# Flags only Debian's package (web.local-assets) or systemd socket activation know.
PUSHGATEWAY_ONLY_FLAGS = {"web.local-assets", "web.systemd-socket"}


@pytest.mark.parametrize("case", cases_with_marks([types.SimpleNamespace(name="status_api")]))
def test_status_api_has_the_pushgateway_shape_and_flag_values(case, candidate_kind, start_candidate):
    """Tools read /api/v1/status: same keys, every Pushgateway flag with the same
    value (Go's spelling, e.g. durations as 5m0s), RFC 3339 start time."""
    with servers.pushgateway(version=reference_version("1.5.1")) as reference, start_candidate() as candidate:
        want = json.loads(raw_http.get(reference, "/api/v1/status").body)
        got = json.loads(raw_http.get(candidate, "/api/v1/status").body)
    assert got["status"] == "success"
    assert sorted(got["data"]) == sorted(want["data"])
    assert sorted(got["data"]["build_information"]) == sorted(want["data"]["build_information"])
    for name, value in want["data"]["flags"].items():
        if name in PUSHGATEWAY_ONLY_FLAGS:
            continue
        if name == "web.listen-address":
            value = f"127.0.0.1:{candidate.port}"
        assert got["data"]["flags"].get(name) == value, name
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", got["data"]["start_time"])
