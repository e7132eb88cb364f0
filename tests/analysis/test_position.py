"""Position measures against NetworkX (the oracle) and igraph, and small cases worked by hand.

Data: Zachary's karate club and Krackhardt's high-tech managers (tests/data), and Lazega's
law-firm advice network (ELadv.dat, 71 lawyers, 892 directed ties) from the shared data
folder, skipped when absent.
"""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from groundswell.analysis import position
from groundswell.network.graph import Graph
from tests.analysis.test_centrality import karate, krackhardt_advice
from tests.conftest import SHARED_DATA

LAZEGA_ADVICE = SHARED_DATA / "lazega-lawfirm" / "ELadv.dat"


def lazega_advice() -> Graph:
    """Lazega (2001): 71 lawyers, 892 directed 'basic professional advice' ties."""
    if not LAZEGA_ADVICE.exists():
        pytest.skip(f"{LAZEGA_ADVICE} is absent")
    m = np.loadtxt(LAZEGA_ADVICE, dtype=int)
    s, t = np.nonzero(m)
    return Graph.from_edges(
        [f"L{i}" for i in range(1, 72)],
        [(f"L{a + 1}", f"L{b + 1}", 1.0) for a, b in zip(s, t, strict=True)],
    )


def with_distance(ref: nx.Graph) -> nx.Graph:
    for _, _, d in ref.edges(data=True):
        d["distance"] = 1.0 / d["weight"]
    return ref


def assert_matches(got: pd.Series, ref: dict, atol: float = 1e-9) -> None:
    assert set(got.index) == set(ref)
    expected = pd.Series(ref, dtype=float).reindex(got.index)
    np.testing.assert_allclose(got.to_numpy(float), expected.to_numpy(), atol=atol, rtol=0)


GRAPHS = {
    "krack": krackhardt_advice,
    "karate": karate,
    "karate-directed": lambda: karate(directed=True),
    "lazega": lazega_advice,
}
CASES = [(name, w) for name in GRAPHS for w in (True, False)]
IDS = [f"{name}-{'weighted' if w else 'unweighted'}" for name, w in CASES]


def test_lazega_is_what_its_provenance_says() -> None:
    g = lazega_advice()
    assert (g.n, g.m) == (71, 892)


# -- harmonic closeness ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "weighted"), CASES, ids=IDS)
def test_harmonic_closeness_matches_networkx(name: str, weighted: bool) -> None:
    g = GRAPHS[name]()
    ref = nx.harmonic_centrality(
        with_distance(g.to_networkx()), distance="distance" if weighted else None
    )
    got = position.harmonic_closeness(g, weighted=weighted, normalized=False)
    assert got.attrs["method"] == "exact"
    assert_matches(got, ref)
    normalised = position.harmonic_closeness(g, weighted=weighted)
    assert_matches(normalised, {k: v / (g.n - 1) for k, v in ref.items()})


def test_harmonic_closeness_counts_paths_towards_the_person() -> None:
    # a -> b -> c: c is reached by b (1) and a (1/2); a is reached by nobody
    g = Graph.from_edges(list("abc"), [("a", "b", 1.0), ("b", "c", 1.0)])
    got = position.harmonic_closeness(g, normalized=False, weighted=False)
    assert got.to_dict() == {"a": 0.0, "b": 1.0, "c": 1.5}
    # weighted: lengths 1/2 and 1/4, so c gets 1/(1/4) + 1/(3/4)
    g = Graph.from_edges(list("abc"), [("a", "b", 2.0), ("b", "c", 4.0)])
    got = position.harmonic_closeness(g, normalized=False)
    assert got["c"] == pytest.approx(4 + 4 / 3)


def test_sampled_harmonic_closeness_is_within_its_bound_and_reproducible() -> None:
    ref_g = nx.gnp_random_graph(600, 0.01, seed=5, directed=True)
    g = Graph.from_edges(
        [str(i) for i in range(600)], [(str(u), str(v), 1.0) for u, v in ref_g.edges]
    )
    exact = pd.Series(nx.harmonic_centrality(ref_g)) / 599
    exact.index = exact.index.astype(str)
    a = position.harmonic_closeness(g, weighted=False, exact_max_nodes=100, samples=300, seed=1)
    b = position.harmonic_closeness(g, weighted=False, exact_max_nodes=100, samples=300, seed=1)
    assert a.attrs["method"] == "sampled" and a.attrs["samples"] == 300
    err = (a - exact.reindex(a.index)).abs()
    assert err.max() <= a.attrs["error_bound"]
    assert err.mean() < 0.02
    pd.testing.assert_series_equal(a, b)


# -- eigenvector ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "weighted"), CASES, ids=IDS)
def test_eigenvector_matches_networkx(name: str, weighted: bool) -> None:
    g = GRAPHS[name]()
    ref = nx.eigenvector_centrality(
        g.to_networkx(), weight="weight" if weighted else None, max_iter=100_000, tol=1e-13
    )
    got = position.eigenvector(g, weighted=weighted)
    assert got.attrs["method"] == ("directed" if g.directed else "undirected")
    assert_matches(got, ref, atol=1e-6)
    assert np.linalg.norm(got) == pytest.approx(1.0)


def test_eigenvector_people_nobody_turns_to_score_zero() -> None:
    # a cycle a -> b -> c -> a, plus d -> a (d is never addressed) and c -> e
    edges = [("a", "b", 1.0), ("b", "c", 1.0), ("c", "a", 1.0), ("d", "a", 1.0), ("c", "e", 1.0)]
    g = Graph.from_edges(list("abcde"), edges)
    ref = nx.eigenvector_centrality(g.to_networkx(), weight="weight", max_iter=10**5, tol=1e-13)
    got = position.eigenvector(g)
    assert_matches(got, ref, atol=1e-6)
    assert got["d"] == pytest.approx(0, abs=1e-9) and got["e"] > 0


def test_eigenvector_falls_back_to_undirected_when_the_iteration_does_not_converge() -> None:
    # a graph without cycles: NetworkX's power iteration never converges
    g = Graph.from_edges(list("abcd"), [("a", "b", 1.0), ("b", "c", 2.0), ("a", "d", 1.0)])
    with pytest.raises(nx.PowerIterationFailedConvergence):
        nx.eigenvector_centrality(g.to_networkx(), max_iter=1000, tol=1e-10)
    with pytest.warns(RuntimeWarning, match="undirected"):
        got = position.eigenvector(g)
    assert got.attrs["method"] == "undirected"
    ref = nx.eigenvector_centrality(
        g.to_undirected().to_networkx(), weight="weight", max_iter=10_000, tol=1e-13
    )
    assert_matches(got, ref, atol=1e-6)


def test_eigenvector_on_a_disconnected_undirected_graph_follows_networkx() -> None:
    # a triangle and a separate pair: the triangle's leading eigenvalue (2) dominates
    edges = [("a", "b", 1.0), ("b", "c", 1.0), ("a", "c", 1.0), ("d", "e", 1.0)]
    g = Graph.from_edges(list("abcde"), edges, directed=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = position.eigenvector(g)
    ref = nx.eigenvector_centrality(g.to_networkx(), weight="weight", max_iter=10**4, tol=1e-13)
    assert_matches(got, ref, atol=1e-6)
    assert got["a"] == pytest.approx(1 / np.sqrt(3), abs=1e-6)


# -- k-core ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(GRAPHS))
def test_k_core_matches_networkx(name: str) -> None:
    g = GRAPHS[name]()
    ref = nx.core_number(g.to_networkx().to_undirected())
    got = position.k_core(g)
    assert got.dtype == np.int64
    assert got.to_dict() == ref


def test_k_core_of_an_isolated_person_is_zero() -> None:
    g = Graph.from_edges(list("abcdz"), [("a", "b", 1.0), ("b", "c", 1.0), ("c", "a", 1.0)])
    assert position.k_core(g).to_dict() == {"a": 2, "b": 2, "c": 2, "d": 0, "z": 0}
    assert position.k_core(Graph.from_edges(list("ab"), [])).to_dict() == {"a": 0, "b": 0}


# -- clustering -----------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", [False, True], ids=["sparse", "kernel"])
@pytest.mark.parametrize(("name", "weighted"), CASES, ids=IDS)
def test_clustering_matches_networkx_and_igraph(name: str, weighted: bool, kernel: bool) -> None:
    # kernel=True: the numba triangle sums used from position.KERNEL_MIN_NODES people
    g = GRAPHS[name]()
    u = g.to_undirected()  # both directions summed, as position.clustering documents
    ref = nx.clustering(u.to_networkx(), weight="weight" if weighted else None)
    got = position.clustering(g, weighted=weighted, kernel=kernel)
    assert_matches(got, ref)
    if not weighted:
        ig = u.to_igraph().transitivity_local_undirected(mode="zero")
        np.testing.assert_allclose(got.to_numpy(), ig, atol=1e-12)


def test_weighted_clustering_by_hand() -> None:
    # triangle a-b-c with weights 1, 8, 1 (max 8) plus a pendant a-d of weight 8
    edges = [("a", "b", 1.0), ("b", "c", 8.0), ("a", "c", 1.0), ("a", "d", 8.0)]
    g = Graph.from_edges(list("abcd"), edges, directed=False)
    got = position.clustering(g)
    geo = (1 / 8 * 1 * 1 / 8) ** (1 / 3)  # the triangle's geometric mean of normalised weights
    assert got["a"] == pytest.approx(2 * geo / (3 * 2))
    assert got["b"] == pytest.approx(geo) and got["d"] == 0.0


@pytest.mark.parametrize("kernel", [False, True], ids=["sparse", "kernel"])
@pytest.mark.parametrize(("name", "weighted"), CASES, ids=IDS)
def test_directed_clustering_matches_networkx(name: str, weighted: bool, kernel: bool) -> None:
    # NetworkX's clustering of a DiGraph is Fagiolo's directed clustering
    g = GRAPHS[name]()
    ref = nx.clustering(g.to_networkx(), weight="weight" if weighted else None)
    assert_matches(position.directed_clustering(g, weighted=weighted, kernel=kernel), ref)


@pytest.mark.parametrize("directed", [True, False])
def test_the_triangle_kernel_gives_the_sparse_products_sums(directed: bool) -> None:
    # a random weighted graph with hubs, isolated people and a self-free multi-edge input:
    # the kernel's sums equal the blocked sparse products' up to the order of additions, and
    # the 1,000-person graph is cut into several blocks (a budget of 2,000 products)
    rng = np.random.default_rng(11)
    n, m = 1000, 12000
    a = np.concatenate([rng.integers(0, n, m), rng.integers(0, 20, m // 4)])
    b = rng.integers(0, n, len(a))
    keep = a != b
    edges = (
        pd.DataFrame(
            {"actor_id": a[keep], "target_id": b[keep], "weight": rng.integers(1, 50, keep.sum())}
        )
        .groupby(["actor_id", "target_id"], as_index=False)["weight"]
        .sum()
    )
    edges["weight"] = edges["weight"].astype(float)
    g = Graph.from_edges(np.arange(n + 5), edges, directed=directed)
    budget = position._PRODUCTS_PER_BLOCK
    try:
        position._PRODUCTS_PER_BLOCK = 2000
        for f in (position.clustering, position.directed_clustering):
            sparse, kernel = f(g, kernel=False), f(g, kernel=True)
            assert (sparse > 0).sum() > 900 and (kernel.iloc[-5:] == 0).all()
            np.testing.assert_allclose(kernel.to_numpy(), sparse.to_numpy(), rtol=1e-12, atol=0)
    finally:
        position._PRODUCTS_PER_BLOCK = budget


def test_directed_clustering_by_hand() -> None:
    # a cycle a -> b -> c -> a is one of the 2 (3 * 2 - 0) = 12 directed triangles possible
    # around each person with total degree 2 and no mutual pair; its 8 orientations give 2
    g = Graph.from_edges(list("abc"), [("a", "b", 1.0), ("b", "c", 1.0), ("c", "a", 1.0)])
    got = position.directed_clustering(g, weighted=False)
    assert got.to_dict() == pytest.approx({"a": 0.5, "b": 0.5, "c": 0.5})


# -- reciprocity ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["krack", "karate-directed", "lazega"])
def test_reciprocity_matches_networkx(name: str) -> None:
    g = GRAPHS[name]()
    ref = nx.reciprocity(g.to_networkx(), g.nodes.tolist())
    got = position.reciprocity(g)
    assert_matches(got, {k: np.nan if v is None else v for k, v in ref.items()})


def test_reciprocity_by_hand() -> None:
    # a <-> b, a -> c, d -> a, e alone
    edges = [("a", "b", 1.0), ("b", "a", 3.0), ("a", "c", 1.0), ("d", "a", 1.0)]
    got = position.reciprocity(Graph.from_edges(list("abcde"), edges))
    # a: ties out {b, c}, in {b, d}: 2 of its 4 ties are the mutual pair with b
    assert got["a"] == 0.5 and got["b"] == 1.0 and got["c"] == 0.0 and got["d"] == 0.0
    assert np.isnan(got["e"])
    undirected = position.reciprocity(Graph.from_edges(list("abz"), edges[:1], directed=False))
    assert undirected["a"] == 1.0 and np.isnan(undirected["z"])


def _weighted_reciprocity_oracle(g: Graph) -> dict:
    """Squartini et al.'s reciprocated strength, straight from the definition."""
    w = {(s, t): x for s, t, x in g.to_networkx().edges(data="weight")}
    if not g.directed:  # an undirected tie is a tie both ways, counted once
        w |= {(t, s): x for (s, t), x in w.items()}
    out = {}
    for u in g.nodes:
        total = sum(x for (s, t), x in w.items() if u in (s, t))
        both = sum(min(x, w.get((t, s), 0.0)) for (s, t), x in w.items() if s == u)
        out[u] = 2 * both / total if total else np.nan
    return out


@pytest.mark.parametrize("name", list(GRAPHS))
def test_weighted_reciprocity_matches_its_definition(name: str) -> None:
    g = GRAPHS[name]()
    assert_matches(position.weighted_reciprocity(g), _weighted_reciprocity_oracle(g))
    ones = Graph(g.nodes, g.src, g.dst, np.ones(g.m), g.directed)  # all weights 1 ...
    pd.testing.assert_series_equal(  # ... is unweighted reciprocity
        position.weighted_reciprocity(ones), position.reciprocity(ones), check_names=False
    )


def test_weighted_reciprocity_by_hand() -> None:
    # a writes 3 times to b, b answers once: 2 * min(3, 1) / (3 + 1) = 0.5 for both
    edges = [("a", "b", 3.0), ("b", "a", 1.0), ("c", "a", 2.0)]
    got = position.weighted_reciprocity(Graph.from_edges(list("abcd"), edges))
    assert got["b"] == 0.5 and got["c"] == 0.0 and np.isnan(got["d"])
    assert got["a"] == pytest.approx(2 * 1 / (3 + 1 + 2))


# -- two-step reach -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(GRAPHS))
def test_two_step_reach_matches_networkx(name: str) -> None:
    g = GRAPHS[name]()
    ref_g = g.to_networkx()
    ref = {v: len(nx.single_source_shortest_path_length(ref_g, v, cutoff=2)) - 1 for v in ref_g}
    got = position.two_step_reach(g)
    assert got["two_step_reach"].to_dict() == ref
    assert_matches(got["two_step_share"], {k: v / (g.n - 1) for k, v in ref.items()})


def test_blocked_products_give_the_same_answer_in_small_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    g = lazega_advice()
    reach, clust = position.two_step_reach(g), position.clustering(g)
    monkeypatch.setattr(position, "_PRODUCTS_PER_BLOCK", 50)
    pd.testing.assert_frame_equal(position.two_step_reach(g), reach)
    pd.testing.assert_series_equal(position.clustering(g), clust, rtol=1e-12)


def test_two_step_reach_by_hand() -> None:
    # a -> b -> c -> d and b -> a: a reaches b, c (and itself, not counted)
    edges = [("a", "b", 1.0), ("b", "c", 1.0), ("c", "d", 1.0), ("b", "a", 1.0)]
    got = position.two_step_reach(Graph.from_edges(list("abcd"), edges))
    assert got["two_step_reach"].to_dict() == {"a": 2, "b": 3, "c": 1, "d": 0}
    assert got.loc["b", "two_step_share"] == 1.0


# -- boundary share -------------------------------------------------------------------------


def test_boundary_share_by_hand() -> None:
    edges = [("a", "b", 1.0), ("a", "c", 3.0), ("c", "a", 1.0), ("d", "a", 2.0), ("b", "e", 1.0)]
    g = Graph.from_edges(list("abcdef"), edges)
    groups = pd.Series({"a": "Eng", "b": "Eng", "c": "Sales", "d": None, "e": "Ops", "f": "Ops"})
    got = position.boundary_share(g, groups)
    # a: ties a-b 1 (inside), a->c 3 and c->a 1 (across); d has no group, so d->a is left out
    assert got["a"] == pytest.approx(4 / 5)
    assert got["b"] == pytest.approx(1 / 2)  # a->b inside, b->e across
    assert got["c"] == 1.0 and got["e"] == 1.0
    assert np.isnan(got["d"]) and np.isnan(got["f"])  # no group; no ties
    unweighted = position.boundary_share(g, groups, weighted=False)
    assert unweighted["a"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("weighted", [True, False])
def test_boundary_share_matches_a_pandas_reference(weighted: bool) -> None:
    g = karate(directed=True)
    rng = np.random.default_rng(0)
    groups = pd.Series(rng.choice(["x", "y", "z", None], size=g.n), index=g.nodes)
    e = g.edges()
    if not weighted:
        e["weight"] = 1.0
    e["g_src"], e["g_dst"] = (
        groups.reindex(e.source).to_numpy(),
        groups.reindex(e.target).to_numpy(),
    )
    e = e.dropna(subset=["g_src", "g_dst"])
    e["cross"] = np.where(e.g_src != e.g_dst, e.weight, 0.0)
    ends = (
        pd.concat(
            [
                e[["source", "weight", "cross"]].rename(columns={"source": "p"}),
                e[["target", "weight", "cross"]].rename(columns={"target": "p"}),
            ]
        )
        .groupby("p")[["weight", "cross"]]
        .sum()
    )
    ref = (ends.cross / ends.weight).reindex(g.nodes).where(groups.reindex(g.nodes).notna())
    got = position.boundary_share(g, groups, weighted=weighted)
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), atol=1e-12)


def test_boundary_share_on_an_undirected_graph_counts_each_tie_at_both_ends() -> None:
    g = Graph.from_edges(list("abc"), [("a", "b", 2.0), ("b", "c", 1.0)], directed=False)
    got = position.boundary_share(g, pd.Series({"a": 1, "b": 1, "c": 2}))
    assert got.to_dict() == {"a": 0.0, "b": pytest.approx(1 / 3), "c": 1.0}


@pytest.mark.parametrize("directed", [True, False])
def test_k_core_and_two_step_reach_kernels_are_the_library_paths(directed: bool) -> None:
    # the numba kernels used from KERNEL_MIN_NODES people give the same integers as igraph's
    # coreness and the sparse products; ties given out of order, a person without ties
    rng = np.random.default_rng(7)
    n, m = 3000, 24_000
    s, t = rng.integers(0, n, m), rng.integers(0, n, m)
    s[:50] = rng.integers(0, n, 50)[::-1]  # not sorted by source
    edges = pd.DataFrame({"s": s, "t": t, "w": rng.random(m) + 0.1})
    edges = edges[(edges["s"] != n - 1) & (edges["t"] != n - 1)]
    g = Graph.from_edges(np.arange(n), edges, directed=directed)
    shuffled = np.random.default_rng(1).permutation(g.m)
    h = Graph(g.nodes, g.src[shuffled], g.dst[shuffled], g.weight[shuffled], g.directed)
    for graph in (g, h):
        lib = position.k_core(graph, kernel=False)
        got = position.k_core(graph, kernel=True)
        pd.testing.assert_series_equal(got, lib)
        assert got.iloc[-1] == 0 and got.max() > 3
        lib2 = position.two_step_reach(graph, kernel=False)
        got2 = position.two_step_reach(graph, kernel=True)
        pd.testing.assert_frame_equal(got2, lib2)
        assert got2["two_step_reach"].iloc[-1] == 0 and got2["two_step_reach"].max() > 50
