"""Burt's constraint and effective size against NetworkX, igraph and the UCINET values.

NetworkX 3.6's all-nodes ``effective_size`` (its sparse-matrix path) divides mutual weights by
the wrong node's strongest tie (networkx/networkx PR #8906), so effective size is checked
against its per-node path (``nodes=...``), which follows the documented formula and gives the
UCINET values. Both NetworkX paths agree for constraint.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.analysis import structural_holes
from groundswell.network.graph import Graph
from tests.analysis.test_centrality import karate, krackhardt_advice
from tests.conftest import TEST_DATA

TOL = 1e-9


def lazega_advice() -> Graph:
    """Lazega (2001): 71 lawyers, 892 directed 'asks for advice' ties."""
    a = np.loadtxt(TEST_DATA / "lazega" / "ELadv.dat", dtype=np.int64)
    src, dst = np.nonzero(a)
    ids = [f"l{i}" for i in range(1, 72)]
    return Graph.from_edges(ids, [(ids[s], ids[t], 1.0) for s, t in zip(src, dst, strict=True)])


def email_eu_core() -> Graph:
    """SNAP email-Eu-core: 1,005 people, 24,929 directed ties (self-loops dropped)."""
    df = pd.read_csv(
        TEST_DATA / "email-eu-core" / "email-Eu-core.txt", sep=" ", header=None, names=["u", "v"]
    )
    edges = pd.DataFrame({"s": df.u.astype(str), "t": df.v.astype(str), "w": 1.0})
    return Graph.from_edges([str(i) for i in range(1005)], edges)


def burt_example(weighted: bool) -> Graph:
    """Borgatti's (1997) 7-person example, with the weights of NetworkX's tests."""
    ties = {
        ("A", "B"): 2,
        ("A", "F"): 3,
        ("A", "G"): 5,
        ("A", "E"): 2,
        ("E", "G"): 8,
        ("F", "G"): 3,
        ("B", "G"): 4,
        ("B", "D"): 1,
        ("D", "G"): 3,
        ("G", "C"): 10,
    }
    edges = [(u, v, float(w) if weighted else 1.0) for (u, v), w in ties.items()]
    return Graph.from_edges(list("ABCDEFG"), edges, directed=False)


def three_people(weighted: bool) -> Graph:
    """NetworkX's directed test case: 0 <-> 1, 0 -> 2, 2 -> 1."""
    ties = {("0", "1"): 2.0, ("0", "2"): 2.0, ("1", "0"): 1.0, ("2", "1"): 1.0}
    return Graph.from_edges(
        ["0", "1", "2"], [(u, v, w if weighted else 1.0) for (u, v), w in ties.items()]
    )


def assert_matches(got: pd.Series, ref: dict, tol: float = TOL) -> None:
    assert len(ref) > 0
    for k, v in ref.items():
        if math.isnan(v):
            assert math.isnan(got[k]), k
        else:
            assert got[k] == pytest.approx(v, abs=tol, rel=tol), k


def test_the_datasets_are_what_their_provenance_says() -> None:
    g = lazega_advice()
    assert (g.n, g.m) == (71, 892)
    e = email_eu_core()
    assert (e.n, e.m) == (1005, 25_571 - 642)


# Values computed with UCINET (and by hand) in NetworkX's test_structuralholes.py.
@pytest.mark.parametrize(
    ("g", "constraint", "esize"),
    [
        (
            three_people(False),
            {"0": 1.003, "1": 1.003, "2": 1.389},
            {"0": 1.167, "1": 1.167, "2": 1},
        ),
        (
            three_people(True),
            {"0": 0.840, "1": 1.143, "2": 1.378},
            {"0": 1.567, "1": 1.083, "2": 1},
        ),
        (burt_example(False), {"G": 0.400, "A": 0.595, "C": 1}, {"G": 4.67, "A": 2.50, "C": 1}),
        (burt_example(True), {"G": 0.299, "A": 0.795, "C": 1}, {"G": 5.47, "A": 2.47, "C": 1}),
    ],
    ids=["directed", "directed-weighted", "borgatti", "borgatti-weighted"],
)
def test_reproduces_the_ucinet_values(g: Graph, constraint: dict, esize: dict) -> None:
    assert_matches(structural_holes.constraint(g), constraint, tol=1e-3)
    assert_matches(structural_holes.effective_size(g), esize, tol=5e-3)


CASES = [
    (karate(), True),
    (karate(), False),
    (karate(directed=True), True),
    (karate(directed=True), False),
    (krackhardt_advice(), False),
    (lazega_advice(), False),
    (burt_example(True), True),
    (three_people(True), True),
]
IDS = [
    "karate",
    "karate-unweighted",
    "karate-directed",
    "karate-directed-unweighted",
    "krack",
    "lazega",
    "borgatti-weighted",
    "three-weighted",
]


def mutual_graph(g: Graph, weighted: bool) -> nx.Graph:
    """The undirected NetworkX graph whose tie weights are the mutual weights a_ij + a_ji."""
    w = g.weight if weighted else np.ones(g.m)
    return Graph(g.nodes, g.src, g.dst, w, directed=g.directed).to_undirected().to_networkx()


def with_out_ties(ref: nx.Graph, k: int = 25) -> list:
    """Up to k people (seeded sample) that NetworkX's slow per-node path handles: it takes
    anyone with no out-tie for isolated."""
    nodes = [v for v in ref if len(ref[v]) > 0]
    if len(nodes) <= k:
        return nodes
    return np.random.default_rng(0).choice(nodes, k, replace=False).tolist()


@pytest.mark.parametrize(("g", "weighted"), CASES, ids=IDS)
def test_constraint_matches_networkx(g: Graph, weighted: bool) -> None:
    ref = g.to_networkx()
    weight = "weight" if weighted else None
    got = structural_holes.constraint(g, weighted=weighted)
    assert got.name == "constraint" and got.index.name == "person_id"
    assert_matches(got, nx.constraint(ref, weight=weight))
    assert_matches(got, nx.constraint(ref, weight=weight, nodes=with_out_ties(ref)))
    mutual = mutual_graph(g, weighted)
    assert_matches(got, nx.constraint(mutual, weight="weight", nodes=with_out_ties(mutual)))


@pytest.mark.parametrize(("g", "weighted"), CASES, ids=IDS)
def test_effective_size_matches_networkx(g: Graph, weighted: bool) -> None:
    ref = g.to_networkx()
    weight = "weight" if weighted else None
    got = structural_holes.effective_size(g, weighted=weighted)
    assert got.name == "effective_size" and got.index.name == "person_id"
    assert_matches(got, nx.effective_size(ref, weight=weight, nodes=with_out_ties(ref)))
    mutual = mutual_graph(g, weighted)
    assert_matches(got, nx.effective_size(mutual, weight="weight", nodes=with_out_ties(mutual)))


def test_unweighted_undirected_effective_size_is_borgattis_shortcut() -> None:
    g = karate()
    got = structural_holes.effective_size(g, weighted=False)
    ref = g.to_networkx()
    for v in ref:
        ego = nx.ego_graph(ref, v, center=False)
        n, t = ego.number_of_nodes(), ego.number_of_edges()
        assert got[v] == pytest.approx(n - 2 * t / n, abs=TOL)
    assert_matches(got, nx.effective_size(ref))  # the all-nodes path is right here


@pytest.mark.parametrize(
    ("g", "weighted"),
    [(karate(directed=True), True), (lazega_advice(), False), (burt_example(True), True)],
    ids=["karate-directed", "lazega", "borgatti-weighted"],
)
def test_local_constraint_matches_networkx(g: Graph, weighted: bool) -> None:
    ref = g.to_networkx()
    got = structural_holes.local_constraint(g, weighted=weighted)
    pairs = {(u, v) for u in ref for v in nx.all_neighbors(ref, u)}
    assert len(got) == len(pairs)
    weight = "weight" if weighted else None
    for row in got.itertuples(index=False):
        expected = nx.local_constraint(ref, row.person_id, row.contact_id, weight=weight)
        assert row.local_constraint == pytest.approx(expected, abs=TOL)
    total = got.groupby("person_id")["local_constraint"].sum()
    c = structural_holes.constraint(g, weighted=weighted)
    np.testing.assert_allclose(c[total.index], total, atol=TOL)


def test_email_eu_core_matches_networkx_and_igraph() -> None:
    g = email_eu_core()
    ref = g.to_networkx()
    c = structural_holes.constraint(g)
    assert_matches(c, nx.constraint(ref, weight="weight"))
    np.testing.assert_allclose(c.to_numpy(), g.to_igraph().constraint(weights="weight"), atol=TOL)
    # NetworkX's per-node effective size takes time cubic in a person's contacts (12 s for the
    # one with 214): a seeded sample of people with at most 100 contacts.
    small = ref.subgraph(v for v in ref if len(set(nx.all_neighbors(ref, v))) <= 100)
    nodes = with_out_ties(small, k=12)
    e = structural_holes.effective_size(g)
    assert_matches(e[nodes], nx.effective_size(ref, weight="weight", nodes=nodes))
    assert c.isna().sum() == e.isna().sum() == 19  # people whose only emails were to themselves


@pytest.mark.parametrize(
    "g", [karate(), karate(directed=True), lazega_advice()], ids=["karate", "directed", "lazega"]
)
def test_constraint_matches_igraph(g: Graph) -> None:
    ig = g.to_igraph()
    for weighted in (True, False):
        ref = ig.constraint(weights="weight" if weighted else None)
        got = structural_holes.constraint(g, weighted=weighted)
        np.testing.assert_allclose(got.to_numpy(), ref, atol=TOL)


def test_asymmetric_weights_with_isolated_people_match_both_oracles() -> None:
    rng = np.random.default_rng(1)
    ref_g = nx.gnp_random_graph(60, 0.08, seed=2, directed=True)
    edges = [(str(u), str(v), float(rng.integers(1, 6))) for u, v in ref_g.edges]
    g = Graph.from_edges([str(i) for i in range(62)], edges)  # 60 and 61 have no ties
    ref = g.to_networkx()
    c = structural_holes.constraint(g)
    assert_matches(c, nx.constraint(ref, weight="weight"))
    e = structural_holes.effective_size(g)
    assert_matches(e, nx.effective_size(ref, weight="weight", nodes=with_out_ties(ref)))
    np.testing.assert_allclose(c.to_numpy(), g.to_igraph().constraint(weights="weight"))
    assert c[["60", "61"]].isna().all()


def test_the_parallel_split_gives_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small graphs run on one thread; forced onto every thread (one chunk of people each)
    the results are the same to the last bit: each person is summed by one thread, in order."""
    import numba

    from groundswell.analysis import _holes_kernels, _small_kernels

    monkeypatch.setattr(_small_kernels, "SMALL_HOLES_PATHS", -1)  # the numba kernel
    g = email_eu_core()
    c, e = structural_holes.constraint(g), structural_holes.effective_size(g)
    lc = structural_holes.local_constraint(g)
    threads = numba.get_num_threads()
    calls = []
    kernel = _holes_kernels._holes
    monkeypatch.setattr(_holes_kernels, "_PARALLEL_PATHS", 0)
    monkeypatch.setattr(
        _holes_kernels, "_holes", lambda *args: calls.append(args[-1]) or kernel(*args)
    )
    pd.testing.assert_series_equal(structural_holes.constraint(g), c, rtol=0, atol=0)
    pd.testing.assert_series_equal(structural_holes.effective_size(g), e, rtol=0, atol=0)
    pd.testing.assert_frame_equal(structural_holes.local_constraint(g), lc, rtol=0, atol=0)
    assert calls == [threads] * 3
    assert numba.get_num_threads() == threads  # restored after each call


def test_edge_cases() -> None:
    empty = Graph.from_edges([], [])
    assert structural_holes.constraint(empty).empty
    assert structural_holes.effective_size(empty).empty
    assert structural_holes.local_constraint(empty).empty
    lonely = Graph.from_edges(["a", "b"], [])
    assert structural_holes.constraint(lonely).isna().all()
    assert structural_holes.effective_size(lonely).isna().all()
    pair = Graph.from_edges(["a", "b", "c"], [("a", "b", 3.0), ("b", "c", 0.0)])
    # A tie of weight 0 counts as absent (as in NetworkX's all-nodes path).
    assert structural_holes.constraint(pair).to_dict() == pytest.approx(
        {"a": 1.0, "b": 1.0, "c": float("nan")}, nan_ok=True
    )
    with pytest.raises(ValueError, match="non-negative"):
        structural_holes.constraint(Graph.from_edges(["a", "b"], [("a", "b", -1.0)]))


@st.composite
def directed_weighted_graphs(draw: st.DrawFn) -> Graph:
    """Up to 8 people with any pattern of directed ties (each present with even odds, so
    triangles, reciprocated and one-way pairs are common) and weights in [0.1, 10]; plus one
    isolated person and one person with a single contact (person 0, in a random direction)."""
    n = draw(st.integers(2, 8))
    present = draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n))
    weights = draw(st.lists(st.floats(0.1, 10.0), min_size=n * n, max_size=n * n))
    ids = [f"v{i}" for i in range(n)] + ["isolated", "leaf"]
    pairs = [divmod(k, n) for k in range(n * n) if present[k]]
    edges = [(ids[u], ids[v], weights[u * n + v]) for u, v in pairs if u != v]
    edges.append(("leaf", "v0", 1.5) if draw(st.booleans()) else ("v0", "leaf", 1.5))
    return Graph.from_edges(ids, edges)


@settings(max_examples=30, deadline=None)
@given(g=directed_weighted_graphs(), weighted=st.booleans())
def test_random_directed_weighted_graphs_match_networkx(g: Graph, weighted: bool) -> None:
    ref, mutual = g.to_networkx(), mutual_graph(g, weighted)
    weight = "weight" if weighted else None

    c = structural_holes.constraint(g, weighted=weighted)
    assert_matches(c, nx.constraint(ref, weight=weight))  # all-nodes path: NaN if isolated
    assert_matches(c, nx.constraint(mutual, weight="weight", nodes=list(mutual)))
    e = structural_holes.effective_size(g, weighted=weighted)
    assert_matches(e, nx.effective_size(mutual, weight="weight", nodes=list(mutual)))
    assert_matches(e, nx.effective_size(ref, weight=weight, nodes=with_out_ties(ref, k=g.n)))
    assert math.isnan(c["isolated"]) and math.isnan(e["isolated"])
    assert c["leaf"] == pytest.approx(1.0) and e["leaf"] == pytest.approx(1.0)

    lc = structural_holes.local_constraint(g, weighted=weighted)
    assert len(lc) == 2 * mutual.number_of_edges()
    for row in lc.itertuples(index=False):
        expected = nx.local_constraint(ref, row.person_id, row.contact_id, weight=weight)
        assert row.local_constraint == pytest.approx(expected, abs=TOL, rel=TOL)


@pytest.mark.parametrize("n, m", [(30, 90), (3000, 90_000)])
def test_constraint_and_effective_size_together_are_each_alone(n: int, m: int) -> None:
    # one pass of the kernel for both (3,000 people: numba; 30: the array version) gives the
    # same floats as each measure alone
    from groundswell.analysis import _small_kernels

    rng = np.random.default_rng(n)
    edges = pd.DataFrame({"s": rng.integers(0, n, m), "t": rng.integers(0, n, m)})
    edges["w"] = rng.integers(1, 9, m).astype(float)
    g = Graph.from_edges(np.arange(n + 1), edges)
    w = structural_holes._mutual_weights(g, True)
    assert _small_kernels.holes_fit(w.indptr) == (n == 30)
    for weighted in (True, False):
        con, eff = structural_holes.constraint_and_effective_size(g, weighted=weighted)
        pd.testing.assert_series_equal(con, structural_holes.constraint(g, weighted=weighted))
        pd.testing.assert_series_equal(eff, structural_holes.effective_size(g, weighted=weighted))
        assert np.isnan(con.iloc[-1]) and con.iloc[:-1].notna().all()
