"""Leiden and the agreement with departments, checked against NetworkX and scikit-learn."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from groundswell.analysis import communities
from groundswell.network.graph import Graph
from tests.analysis.test_centrality import karate


def planted(
    groups: int = 5, size: int = 30, p_in: float = 0.3, p_out: float = 0.01, seed: int = 1
) -> tuple[Graph, pd.Series]:
    ref = nx.planted_partition_graph(groups, size, p_in, p_out, seed=seed, directed=True)
    g = Graph.from_edges(
        [str(i) for i in range(groups * size)], [(str(u), str(v), 1.0) for u, v in ref.edges]
    )
    truth = pd.Series([int(k) // size for k in g.nodes], index=g.nodes)
    return g, truth


def test_leiden_recovers_planted_groups_and_reports_true_modularity() -> None:
    g, truth = planted()
    c = communities.leiden(g, seed=1)
    assert len(c) == 5
    assert communities.agreement(c.membership, truth).ari > 0.95
    u = g.to_undirected().to_networkx()
    parts = [set(c.membership.index[c.membership == k]) for k in range(len(c))]
    assert c.modularity == pytest.approx(nx.community.modularity(u, parts, weight="weight"))
    assert c.sizes.is_monotonic_decreasing or c.sizes.tolist() == sorted(c.sizes, reverse=True)


def test_leiden_on_karate_matches_the_known_split() -> None:
    g = karate()
    c = communities.leiden(g, seed=0, resolution=0.5)
    clubs = nx.karate_club_graph().nodes(data="club")
    truth = pd.Series({str(i + 1): club for i, club in clubs})
    # at low resolution Leiden finds the Mr. Hi / Officer split, bar a member or two
    assert communities.agreement(c.membership, truth).ari > 0.75


def test_leiden_is_reproducible_and_the_seed_matters_only_through_the_seed() -> None:
    g, _ = planted(p_in=0.1, p_out=0.03)
    a = communities.leiden(g, seed=5)
    b = communities.leiden(g, seed=5)
    pd.testing.assert_series_equal(a.membership, b.membership)
    with pytest.raises(ValueError, match="resolution"):
        communities.leiden(g, resolution=0)


@pytest.mark.parametrize("seed", range(5))
def test_agreement_matches_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    idx = [f"p{i}" for i in range(200)]
    a = pd.Series(rng.integers(0, 6, 200), index=idx)
    b = pd.Series(np.where(rng.random(200) < 0.6, a, rng.integers(0, 4, 200)), index=idx)
    got = communities.agreement(a, b.astype(str))
    assert got.nmi == pytest.approx(normalized_mutual_info_score(a, b), abs=1e-12)
    assert got.ari == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)


def test_agreement_by_hand_and_missing_departments() -> None:
    c = pd.Series({"a": 0, "b": 0, "c": 1, "d": 1, "e": 1})
    d = pd.Series({"a": "X", "b": "X", "c": "Y", "d": "Y", "e": None})
    got = communities.agreement(c, d)
    assert (got.nmi, got.ari, got.n_people) == (pytest.approx(1.0), pytest.approx(1.0), 4)
    flow = communities.flow(c, d)
    assert flow.loc["X", 0] == 2 and flow.loc["(unknown)", 1] == 1
