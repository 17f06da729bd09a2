"""Fixtures shared by the adversarial tests: every test attacks a real flowgate
binary on a free loopback port, then checks the invariant every finding of
issue 15 shares: the server still answers /-/healthy within 2 s and /metrics
still parses with prometheus/common's expfmt (what the Pushgateway and
Prometheus run)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))

import servers  # noqa: E402


@pytest.fixture
def flowgate_server():
    with servers.flowgate() as server:
        yield server
