"""Fixtures shared by the end-to-end tests. Every server is started fresh on a
free loopback port and stopped when the test ends (servers.py).

FLOWGATE_BINARY (set by CMake) is the flowgate under test. Setting
FLOWGATE_E2E_CANDIDATE=pushgateway runs the differential suite Pushgateway
against Pushgateway: the harness's own self-check that every case and the
normalizer are deterministic."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import servers  # noqa: E402


@pytest.fixture(scope="session")
def candidate_kind():
    """Which server the Pushgateway is compared with."""
    return os.environ.get("FLOWGATE_E2E_CANDIDATE", "flowgate")


@pytest.fixture
def start_candidate(candidate_kind):
    """start_candidate(flags=..., ...) -> a started server of the candidate kind."""
    return servers.SERVER_KINDS[candidate_kind]


@pytest.fixture
def flowgate_server():
    with servers.flowgate() as server:
        yield server


@pytest.fixture
def pushgateway_server():
    with servers.pushgateway() as server:
        yield server
