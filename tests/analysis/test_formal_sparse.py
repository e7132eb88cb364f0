"""E-I figures and group-to-group rows without the dense group matrix (issue 20, point 5: the
team x team matrix took gigabytes at 100,000 people). Oracle: the dense ``group_matrix``
(``C.T @ A @ C``, itself checked against hand-computed cases in test_formal.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from groundswell.analysis.formal import ei_index, group_matrix
from groundswell.analysis.formal.groups import group_pairs
from groundswell.network.graph import Graph


def _graph(directed: bool) -> tuple[Graph, pd.Series]:
    rng = np.random.default_rng(4)
    n = 300
    src, dst = rng.integers(0, n, 3000), rng.integers(0, n, 3000)
    ids = np.array([f"p{i}" for i in range(n)], dtype=object)
    edges = pd.DataFrame({"s": ids[src], "t": ids[dst], "w": rng.integers(1, 5, 3000) * 1.0})
    g = Graph.from_edges(ids, edges, directed=directed)
    teams = pd.Series(rng.choice([f"t{i}" for i in range(40)], n - 20), index=ids[: n - 20])
    teams.iloc[:5] = None  # missing values; the last 20 people are unknown to the attribute
    return g, teams


@pytest.mark.parametrize("directed", [True, False])
def test_pairs_and_ei_match_the_dense_matrix(directed: bool) -> None:
    g, teams = _graph(directed)
    w = group_matrix(g, teams, weighted=True, min_group_size=1)
    c = group_matrix(g, teams, weighted=False, min_group_size=1)
    dense = pd.DataFrame({"weight": w.stack(future_stack=True), "ties": c.stack(future_stack=True)})
    dense = dense[dense["ties"] > 0].rename_axis(["from_group", "to_group"]).reset_index()
    got = group_pairs(g, teams)
    assert got[["from_group", "to_group"]].equals(dense[["from_group", "to_group"]])
    assert np.allclose(got["ties"], dense["ties"]) and np.allclose(got["weight"], dense["weight"])
    for weighted in (False, True):
        ei = ei_index(g, teams, weighted=weighted, min_group_size=3)
        m = group_matrix(g, teams, weighted=weighted, min_group_size=1)
        shown = ei.dropna(subset=["ei"])
        diag = pd.Series(np.diag(m), index=m.index)
        assert np.allclose(shown["internal"], diag.reindex(shown.index))
        assert np.allclose(shown["external"], (m.sum(axis=1) - diag).reindex(shown.index))
