"""The standing fuzz harness (issue 13, item 9): every reader on damaged copies of its
samples, the dashboard API under schemathesis with every role, and the corpus of inputs that
once broke a reader. They run with the rest of the suite (``make test``); ``pytest -m fuzz``
runs only these.

The examples are the same on every run (derandomised), within the CI budget. To search
harder locally: ``GROUNDSWELL_FUZZ_EXAMPLES=500`` (examples per reader sample, and per API
operation and role) and ``GROUNDSWELL_FUZZ_SEED=<n>`` (other examples than CI's)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, settings

EXAMPLES = int(os.environ.get("GROUNDSWELL_FUZZ_EXAMPLES", "0")) or None
SEED = os.environ.get("GROUNDSWELL_FUZZ_SEED")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: the standing fuzz harness (tests/fuzz)")


def fuzz(examples: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The Hypothesis settings of the harness: ``examples`` (or $GROUNDSWELL_FUZZ_EXAMPLES),
    derandomised unless $GROUNDSWELL_FUZZ_SEED is set, no example database, no deadline,
    no explain phase (it replays every failure many times)."""

    def apply(test: Callable[..., Any]) -> Callable[..., Any]:
        test = settings(
            max_examples=EXAMPLES or examples,
            derandomize=SEED is None,
            database=None,
            deadline=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )(test)
        return test if SEED is None else hypothesis.seed(int(SEED))(test)

    return apply
