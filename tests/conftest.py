"""Shared fixtures of the test suite."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

import resim

QUICKSTART = Path(__file__).resolve().parents[1] / "scenarios" / "quickstart.yaml"


@pytest.fixture
def ctrl_c():
    """SIGINT raises KeyboardInterrupt in this process during the test, as in a terminal (a test
    runner's worker may ignore it); the runner's own handling comes back afterwards."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="session")
def quickstart() -> resim.Scenario:
    """The quickstart scenario, loaded once per test process."""
    return resim.load_scenario(QUICKSTART)
