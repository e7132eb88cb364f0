"""Centrality against NetworkX (the oracle) on the Krackhardt and karate-club data.

Betweenness and harmonic closeness are also checked against NetworkX on Lazega's law firm
(shared data, skipped when absent), on email-Eu-core (tests/data; NetworkX's
``betweenness_centrality_subset`` and ``harmonic_centrality(sources=...)`` from a subset of
sources, as the full NetworkX run takes minutes) and on small random graphs with repeated
integer weights, where many paths are equally long (hypothesis).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numba
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell.analysis import _paths_kernels, _small_kernels, centrality, position
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


def _pagerank_graph() -> Graph:
    rng = np.random.default_rng(5)
    n, m = 3000, 40_000
    edges = pd.DataFrame(
        {
            "s": rng.integers(0, n, m).astype(str),
            "t": rng.integers(0, n, m).astype(str),
            "w": rng.integers(1, 20, m).astype(float),
        }
    )
    return Graph.from_edges(np.arange(n).astype(str), edges)


def _pagerank_runs_at_two_threads(calls: int = 5) -> list[np.ndarray]:
    """PageRank of a 3,000-person graph ``calls`` times, every libgomp in the process set to
    two OpenMP threads around the calls (as a 2-core machine has by default)."""
    from groundswell.network import _openmp

    g = _pagerank_graph()
    libs = _openmp._libgomps()
    assert libs  # igraph's wheel bundles libgomp
    before = [lib.omp_get_max_threads() for lib in libs]
    for lib in libs:
        lib.omp_set_num_threads(2)
    try:
        runs = [centrality.pagerank(g).to_numpy() for _ in range(calls)]
        assert all(lib.omp_get_max_threads() == 2 for lib in libs)  # restored after each call
    finally:
        for lib, k in zip(libs, before, strict=True):
            lib.omp_set_num_threads(k)
    return runs


def test_pagerank_is_the_same_on_every_call_and_matches_networkx_at_3000_people() -> None:
    """PRPACK sums in an OpenMP loop: on two threads its scores changed in their last bits
    from call to call (at 5,000 people, enough to swap two people at a percentile cut). With
    every libgomp at two threads, five calls give the same bits, and NetworkX's scores."""
    runs = _pagerank_runs_at_two_threads()
    for other in runs[1:]:
        assert np.array_equal(runs[0], other)
    g = _pagerank_graph()
    ref = nx.pagerank(g.to_networkx(), weight="weight", tol=1e-14, max_iter=10_000)
    want = np.array([ref[p] for p in g.nodes])
    assert np.abs(runs[0] - want).max() < 1e-9


def test_pagerank_is_the_same_on_every_call_after_scikit_learn_is_imported() -> None:
    """scikit-learn bundles a libgomp under igraph's file name; imported first, it is the copy
    igraph runs on (this failed under the whole suite, where some test module imports it)."""
    import subprocess
    import sys

    code = (
        "import sklearn, numpy as np\n"
        "import tests.analysis.test_centrality as t\n"
        "runs = t._pagerank_runs_at_two_threads(8)\n"
        "print(all(np.array_equal(runs[0], r) for r in runs[1:]))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "True"


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
    ref_g = with_distance(g.to_networkx())
    ref = nx.betweenness_centrality(ref_g, weight="distance" if weighted else None, normalized=True)
    got = centrality.betweenness(g, weighted=weighted)
    assert got.method == "exact" and got.error_bound is None
    for k, v in ref.items():
        assert got.scores[k] == pytest.approx(v, abs=1e-9)


def with_distance(ref: nx.Graph) -> nx.Graph:
    for _, _, d in ref.edges(data=True):
        d["distance"] = 1.0 / d["weight"]
    return ref


def lazega(directed: bool) -> Graph:
    from tests.analysis.test_position import lazega_advice  # skips when the data is absent

    g = lazega_advice()
    return g if directed else g.to_undirected()


def email_eu_core(directed: bool) -> Graph:
    """Leskovec et al. (2007): 1,005 people, 25,571 directed e-mail ties (self-ties dropped).

    Weights 1-3 are made up from the ids ((3u + v) mod 3 + 1), so that weighted shortest
    paths have many ties of equal length.
    """
    df = pd.read_csv(
        TEST_DATA / "email-eu-core" / "email-Eu-core.txt", sep=" ", header=None, names=["u", "v"]
    )
    w = ((3 * df.u + df.v) % 3 + 1).astype(float)
    edges = list(zip(df.u.astype(str), df.v.astype(str), w, strict=True))
    return Graph.from_edges([str(i) for i in range(1005)], edges, directed=directed)


def assert_paths_match_networkx(g: Graph, weighted: bool, sources: list | None) -> None:
    """Raw sums of centrality.paths against NetworkX from the same sources."""
    ref_g = with_distance(g.to_networkx())
    weight = "distance" if weighted else None
    position_of = {p: i for i, p in enumerate(g.nodes)}
    idx = None if sources is None else np.array([position_of[p] for p in sources])
    btw, harm = centrality.paths(g, weighted=weighted, sources=idx)
    targets = list(ref_g)
    ref_b = nx.betweenness_centrality_subset(
        ref_g, sources=targets if sources is None else sources, targets=targets, weight=weight
    )  # unnormalised, halved for an undirected graph
    ref_h = nx.harmonic_centrality(ref_g, distance=weight, sources=sources)
    factor = 1.0 if g.directed else 2.0
    exp_b = np.array([ref_b[p] * factor for p in g.nodes])
    exp_h = np.array([ref_h[p] for p in g.nodes])
    np.testing.assert_allclose(btw, exp_b, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(harm, exp_h, rtol=0, atol=1e-9)


@pytest.mark.parametrize("directed", [True, False], ids=["directed", "undirected"])
@pytest.mark.parametrize("weighted", [True, False], ids=["weighted", "unweighted"])
def test_betweenness_and_closeness_match_networkx_on_lazega(directed: bool, weighted: bool) -> None:
    g = lazega(directed)
    btw, hc = centrality.betweenness_and_closeness(g, weighted=weighted, normalized=False)
    ref_g = with_distance(g.to_networkx())
    weight = "distance" if weighted else None
    ref_b = nx.betweenness_centrality(ref_g, weight=weight, normalized=True)
    ref_h = nx.harmonic_centrality(ref_g, distance=weight)
    for p in g.nodes:
        assert btw.scores[p] == pytest.approx(ref_b[p], abs=1e-9)
        assert hc[p] == pytest.approx(ref_h[p], abs=1e-9)


@pytest.mark.parametrize("directed", [True, False], ids=["directed", "undirected"])
@pytest.mark.parametrize("weighted", [True, False], ids=["weighted", "unweighted"])
def test_paths_match_networkx_on_email_eu_core(directed: bool, weighted: bool) -> None:
    g = email_eu_core(directed)
    assert (g.n, g.m) == ((1005, 24929) if directed else (1005, 16064))
    sources = [str(i) for i in range(0, 1005, 40)]  # 26 sources, in and out of the core
    assert_paths_match_networkx(g, weighted, sources)


@pytest.fixture(params=["arrays", "buckets", "heap", "buckets-then-heap"])
def queue(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which priority queue the weighted searches use (the kernel picks buckets by default),
    or ``arrays``: the NumPy and SciPy version that small networks use (_small_kernels)."""
    if request.param != "arrays":
        monkeypatch.setattr(_small_kernels, "SMALL_PATHS_WORK", -1)  # the numba kernel
    if request.param == "heap":
        monkeypatch.setattr(_paths_kernels, "_MAX_BUCKETS", 0)
    elif request.param == "buckets-then-heap":  # give up at the first empty bucket
        monkeypatch.setattr(_paths_kernels, "_MAX_SCANS_PER_TIE", 0)
    return request.param


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(3, 12),
    pairs=st.lists(
        st.tuples(st.integers(0, 11), st.integers(0, 11), st.integers(1, 3)), max_size=50
    ),
    directed=st.booleans(),
    weighted=st.booleans(),
)
def test_paths_match_networkx_with_many_equal_paths(
    queue: str, n: int, pairs: list, directed: bool, weighted: bool
) -> None:
    edges = [(f"p{a % n}", f"p{b % n}", float(w)) for a, b, w in pairs]
    # integer weights 1-3: lengths 1, 1/2, 1/3, and sums such as 1/3 + 1/3 + 1/3 that are
    # not exactly 1 in floating point: ties decided exactly as NetworkX decides them
    g = Graph.from_edges([f"p{i}" for i in range(n)], edges, directed=directed)
    assert_paths_match_networkx(g, weighted, None)
    ref_g = with_distance(g.to_networkx())
    weight = "distance" if weighted else None
    ref = nx.betweenness_centrality(ref_g, weight=weight, normalized=True)
    got = centrality.betweenness(g, weighted=weighted)
    assert [got.scores[p] for p in g.nodes] == pytest.approx([ref[p] for p in g.nodes], abs=1e-9)


def test_fused_pass_equals_the_separate_measures() -> None:
    g = karate(directed=True)
    btw, hc = centrality.betweenness_and_closeness(g)
    pd.testing.assert_series_equal(btw.scores, centrality.betweenness(g).scores)
    pd.testing.assert_series_equal(hc, position.harmonic_closeness(g))
    assert btw.method == "exact" and hc.attrs == {"method": "exact"}


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


def _random_digraph(n: int, p: float, seed: int) -> tuple[nx.DiGraph, Graph]:
    ref_g = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    rng = np.random.default_rng(seed)
    edges = [(str(u), str(v), float(rng.integers(1, 4))) for u, v in ref_g.edges]
    g = Graph.from_edges([str(i) for i in range(n)], edges)
    return with_distance(g.to_networkx()), g


def test_sampled_fused_pass_uses_one_sample_for_both_and_states_both_bounds() -> None:
    ref_g, g = _random_digraph(400, 0.02, seed=11)
    btw, hc = centrality.betweenness_and_closeness(
        g, exact_max_nodes=100, samples=200, delta=0.1, seed=4
    )
    # the same sources as each measure on its own with 200 samples and the same seed
    pd.testing.assert_series_equal(
        btw.scores, centrality.betweenness(g, exact_max_nodes=100, samples=200, seed=4).scores
    )
    alone = position.harmonic_closeness(g, exact_max_nodes=100, samples=200, seed=4)
    pd.testing.assert_series_equal(hc, alone)
    assert hc.attrs == alone.attrs and hc.attrs["samples"] == 200
    # closeness bound: span n/(n-1)/d_min with d_min = 1/3 (the largest weight is 3)
    span = 400 / 399 * 3
    assert hc.attrs["error_bound"] == pytest.approx(span * np.sqrt(np.log(8000) / 400))
    assert btw.error_bound == pytest.approx(centrality.betweenness_error_bound(400, 200, 0.1))
    exact_b = nx.betweenness_centrality(ref_g, weight="distance")
    exact_h = nx.harmonic_centrality(ref_g, distance="distance")
    err_b = np.abs(btw.scores.to_numpy() - [exact_b[p] for p in g.nodes])
    err_h = np.abs(hc.to_numpy() - [exact_h[p] / 399 for p in g.nodes])
    assert err_b.max() <= btw.error_bound and err_h.max() <= hc.attrs["error_bound"]
    assert err_b.mean() < 0.01 and err_h.mean() < 0.05


def test_sampled_result_does_not_depend_on_the_number_of_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_paths_kernels, "_PARALLEL_WORK", 0)  # run in parallel even if small
    monkeypatch.setattr(_small_kernels, "SMALL_PATHS_WORK", -1)  # in the numba kernel
    _, g = _random_digraph(300, 0.03, seed=2)
    runs = []
    before = numba.get_num_threads()
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            runs.append(
                centrality.betweenness_and_closeness(g, exact_max_nodes=10, samples=50, seed=9)
            )
    finally:
        numba.set_num_threads(before)
    (b1, h1), (b2, h2) = runs
    assert b1.method == "sampled" and b1.samples == 50
    assert np.array_equal(b1.scores.to_numpy(), b2.scores.to_numpy())
    assert np.array_equal(h1.to_numpy(), h2.to_numpy())
    other = centrality.betweenness_and_closeness(g, exact_max_nodes=10, samples=50, seed=10)
    assert not np.array_equal(other[0].scores.to_numpy(), b1.scores.to_numpy())
