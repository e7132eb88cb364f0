"""The analysis functions refuse a parameter out of range with a ParameterError (a
GroundswellError, so the CLI prints one line; and a ValueError, as before) whose message
names the parameter, what is allowed and what was given (issue 14, point 5)."""

from __future__ import annotations

import pandas as pd
import pytest

from groundswell.analysis import centrality, communities, gap, position
from groundswell.analysis.formal import people as formal_people
from groundswell.errors import GroundswellError, ParameterError
from groundswell.network.graph import Graph


def _triangle() -> Graph:
    edges = pd.DataFrame({"src": ["a", "b", "c"], "dst": ["b", "c", "a"], "weight": 1.0})
    return Graph.from_edges(["a", "b", "c"], edges)


SAMPLES = "The 'samples' parameter must be >= 1; got 0"
DAMPING = "The 'damping' parameter must be in (0, 1); got 1.5"
RESOLUTION = "The 'resolution' parameter must be > 0; got 0"
CASES = [
    (lambda g: centrality.pagerank(g, damping=1.5), DAMPING),
    (lambda g: centrality.betweenness_and_closeness(g, samples=0, exact_max_nodes=2), SAMPLES),
    (lambda g: position.harmonic_closeness(g, samples=0, exact_max_nodes=2), SAMPLES),
    (lambda g: communities.leiden(g, resolution=0), RESOLUTION),
    (
        lambda g: gap.perception_gap([], pd.Series([1.0]), top=2),
        "The 'top' parameter must be a share between 0 and 1 (exclusive); got 2",
    ),
    (
        lambda g: formal_people._influence(pd.DataFrame(), pd.Series([1.0]), 0),
        "The 'top' parameter must be in (0, 1); got 0",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("call", "message"), CASES)
def test_out_of_range_parameters_are_named_errors(call, message) -> None:
    with pytest.raises(ParameterError) as err:
        call(_triangle())
    assert str(err.value) == message
    assert isinstance(err.value, GroundswellError) and isinstance(err.value, ValueError)
