"""Centrality against NetworkX (the oracle) on the Krackhardt and karate-club data."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from groundswell.analysis import centrality
from groundswell.network.graph import Graph
from tests.conftest import TEST_DATA


def krackhardt_advice() -> Graph:
    """Krackhardt (1987): 21 managers, 190 directed 'asks for advice' ties."""
    df = pd.read_csv(
        TEST_DATA / "krackhardt" / "Krack-High-Tec-edgelist-Advice.txt",
        sep=r"\s+",
        header=None,
        names=["ego", "alter", "tie"],
    )
    df = df[(df.tie == 1) & (df.ego != df.alter)]
    edges = [(f"m{a}", f"m{b}", 1.0) for a, b in zip(df.ego, df.alter, strict=True)]
    return Graph.from_edges([f"m{i}" for i in range(1, 22)], edges)


def karate(directed: bool = False) -> Graph:
    """Zachary (1977): 34 members, 78 ties weighted by interaction strength."""
    df = pd.read_csv(
        TEST_DATA / "karate" / "out.ucidata-zachary",
        sep=r"\s+",
        comment="%",
        header=None,
        names=["u", "v", "w"],
    )
    edges = [(str(u), str(v), float(w)) for u, v, w in df.itertuples(index=False)]
    if directed:  # each undirected tie as two directed ones
        edges += [(v, u, w) for u, v, w in edges]
    return Graph.from_edges([str(i) for i in range(1, 35)], edges, directed=directed)


def as_series(d: dict) -> pd.Series:
    return pd.Series(d, dtype=float)


def test_the_datasets_are_what_their_provenance_says() -> None:
    assert (krackhardt_advice().n, krackhardt_advice().m) == (21, 190)
    k = karate()
    assert (k.n, k.m, k.weight.sum()) == (34, 78, 231.0)


@pytest.mark.parametrize("g", [krackhardt_advice(), karate(directed=True)], ids=["krack", "karate"])
def test_degree_and_strength(g: Graph) -> None:
    ref = g.to_networkx()
    got = centrality.degree_strength(g)
    assert got["in_degree"].to_dict() == dict(ref.in_degree())
    assert got["out_strength"].to_dict() == pytest.approx(dict(ref.out_degree(weight="weight")))


@pytest.mark.parametrize(
    ("g", "weighted"),
    [
        (krackhardt_advice(), False),
        (karate(), True),
        (karate(directed=True), True),
        (karate(), False),
    ],
    ids=["krack", "karate-undirected", "karate-directed", "karate-unweighted"],
)
def test_pagerank_matches_networkx(g: Graph, weighted: bool) -> None:
    ref = nx.pagerank(
        g.to_networkx(), weight="weight" if weighted else None, tol=1e-14, max_iter=10_000
    )
    got = centrality.pagerank(g, weighted=weighted)
    pd.testing.assert_series_equal(
        got.sort_index(),
        as_series(ref).sort_index(),
        check_names=False,
        check_index_type=False,
        atol=1e-9,
        rtol=0,
    )
    assert got.sum() == pytest.approx(1.0)


def test_pagerank_with_dangling_people() -> None:
    g = Graph.from_edges(
        list("abcde"), [("a", "b", 1.0), ("b", "c", 3.0), ("a", "c", 1.0), ("d", "a", 2.0)]
    )  # c and e give nothing back
    ref = nx.pagerank(g.to_networkx(), tol=1e-14, max_iter=10_000)
    got = centrality.pagerank(g)
    for k, v in ref.items():
        assert got[k] == pytest.approx(v, abs=1e-9)


@pytest.mark.parametrize(
    ("g", "weighted"),
    [
        (krackhardt_advice(), False),
        (karate(), True),
        (karate(), False),
        (karate(directed=True), True),
    ],
    ids=["krack", "karate-weighted", "karate-unweighted", "karate-directed"],
)
def test_exact_betweenness_matches_networkx(g: Graph, weighted: bool) -> None:
    ref_g = g.to_networkx()
    for _, _, d in ref_g.edges(data=True):
        d["distance"] = 1.0 / d["weight"]
    ref = nx.betweenness_centrality(ref_g, weight="distance" if weighted else None, normalized=True)
    got = centrality.betweenness(g, weighted=weighted)
    assert got.method == "exact" and got.error_bound is None
    for k, v in ref.items():
        assert got.scores[k] == pytest.approx(v, abs=1e-9)


def test_sampled_betweenness_is_within_its_stated_bound_and_reproducible() -> None:
    ref_g = nx.gnp_random_graph(400, 0.02, seed=3, directed=True)
    g = Graph.from_edges(
        [str(i) for i in range(400)], [(str(u), str(v), 1.0) for u, v in ref_g.edges]
    )
    ref = nx.betweenness_centrality(ref_g, normalized=True)
    exact = np.array([ref[int(k)] for k in g.nodes])
    a = centrality.betweenness(g, exact_max_nodes=100, samples=200, delta=0.1, seed=7)
    b = centrality.betweenness(g, exact_max_nodes=100, samples=200, delta=0.1, seed=7)
    assert a.method == "sampled" and a.samples == 200
    assert a.error_bound == pytest.approx(400 / 399 * np.sqrt(np.log(2 * 400 / 0.1) / (2 * 200)))
    err = np.abs(a.scores.to_numpy() - exact)
    assert err.max() <= a.error_bound
    assert err.mean() < 0.005  # in practice far inside the worst-case bound
    pd.testing.assert_series_equal(a.scores, b.scores)
