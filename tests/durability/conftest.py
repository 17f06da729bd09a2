"""Fixtures of the durability tests. Each test gets a flowgate of its own whose
--persistence.file lives in the test's temporary folder, and a seeded random
generator whose seed is printed (pytest shows it with a failure; set
FLOWGATE_DURABILITY_SEED to replay one)."""
import os
import random
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))  # servers, raw_http, ...

from durable_flowgate import DurableFlowgate  # noqa: E402


def chosen_seed():
    """The replayed seed if one is given, a fresh one otherwise."""
    given = os.environ.get("FLOWGATE_DURABILITY_SEED")
    return int(given) if given else random.SystemRandom().randrange(2**32)


@pytest.fixture
def seed():
    value = chosen_seed()
    print(f"FLOWGATE_DURABILITY_SEED={value}")
    return value


@pytest.fixture
def rng(seed):
    return random.Random(seed)


@pytest.fixture
def gate(tmp_path):
    """A flowgate on tmp_path/data/flowgate.db, not started yet; killed at the end."""
    flowgate = DurableFlowgate(tmp_path / "data")
    yield flowgate
    flowgate.kill()
