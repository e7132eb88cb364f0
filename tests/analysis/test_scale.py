"""The scale path's sampled measures against NetworkX (the oracle): the stated bounds hold.

Betweenness from sampled shortest paths (Riondato & Kornaropoulos) and harmonic closeness on
hop distances from sampled sources are checked against NetworkX's exact values on small
graphs of each kind: directed and weighted (tie lengths 1 / weight), undirected without
weights on a grid (many equally short paths, so the uniform choice among them matters) and
undirected with repeated weights (paths equally long by different sums). Same seed, same
result, whatever the number of threads.
"""

from __future__ import annotations

import math

import networkx as nx
import numba
import numpy as np
import pandas as pd
import pytest

from groundswell.analysis import centrality, measures, scale
from groundswell.network.graph import Graph


def as_graph(nxg: nx.Graph, directed: bool) -> Graph:
    edges = pd.DataFrame(
        [(u, v, float(d.get("weight", 1.0))) for u, v, d in nxg.edges(data=True)],
        columns=["actor_id", "target_id", "weight"],
    )
    return Graph.from_edges(np.arange(nxg.number_of_nodes()), edges, directed=directed)


def weighted_digraph() -> nx.DiGraph:
    rng = np.random.default_rng(4)
    d = nx.gnm_random_graph(120, 600, seed=4, directed=True)
    for u, v in d.edges:
        d[u][v]["weight"] = float(rng.integers(1, 5))
        d[u][v]["distance"] = 1.0 / d[u][v]["weight"]
    return d


def weighted_grid() -> nx.Graph:
    rng = np.random.default_rng(5)
    grid = nx.convert_node_labels_to_integers(nx.grid_2d_graph(9, 9))
    for u, v in grid.edges:
        grid[u][v]["weight"] = float(rng.integers(1, 3))
        grid[u][v]["distance"] = 1.0 / grid[u][v]["weight"]
    return grid


CASES = {
    "directed, weighted": (weighted_digraph, True, True),
    "grid, no weights": (
        lambda: nx.convert_node_labels_to_integers(nx.grid_2d_graph(9, 9)),
        False,
        False,
    ),
    "grid, repeated weights": (weighted_grid, False, True),
}


def test_sample_size_is_riondato_kornaropoulos() -> None:
    # c / eps^2 * (floor(log2(VD - 2)) + 1 + ln(1/delta)), c = 0.5: by hand for VD = 1,000
    want = math.ceil(0.5 / 0.02**2 * (math.floor(math.log2(998)) + 1 + math.log(10)))
    assert scale.sample_size(0.02, 0.1, 1000) == want == 15379
    # the count depends on log2 of the vertex diameter, not on n: 1,000 -> 1,000,000 adds 10
    assert scale.sample_size(0.02, 0.1, 10**6) - want == math.ceil(0.5 / 0.02**2 * 10)


@pytest.mark.parametrize("case", list(CASES))
def test_sampled_betweenness_is_within_its_stated_bound(case: str) -> None:
    make, directed, weighted = CASES[case]
    nxg = make()
    g = as_graph(nxg, directed)
    got = scale.betweenness_paths(g, weighted=weighted, epsilon=0.02, delta=0.1, seed=3)
    exact = pd.Series(
        nx.betweenness_centrality(nxg, weight="distance" if weighted else None)
    ).reindex(g.nodes)
    err = np.abs(got.scores.to_numpy() - exact.to_numpy())
    assert got.method == "sampled paths"
    # at most the VC count at delta / 2, stopped at one of the checks
    assert got.samples in scale.checkpoints(scale.sample_size(0.02, 0.05, g.n))
    assert got.bounds is not None
    assert got.error_bound == got.bounds.max() <= 0.02 * g.n / (g.n - 2)
    assert (err <= got.bounds).all()  # every person within their own bound
    # the per-person bound is tighter than the uniform one where scores are small
    assert np.median(got.bounds) < 0.02 * g.n / (g.n - 2)
    # and it estimates, not merely stays small: the largest scores are found
    assert exact.max() > 4 * got.error_bound
    assert got.scores.idxmax() in set(exact.nlargest(3).index)
    assert np.corrcoef(got.scores, exact)[0, 1] > 0.95


def test_checkpoints_grow_by_half_from_a_thousand() -> None:
    # by hand: 28,745 / 1.5 = 19,163.3 -> 19,164; / 1.5 -> 12,776; ... down to 1,122
    assert scale.checkpoints(28_745) == [1122, 1683, 2524, 3786, 5679, 8518, 12_776, 19_164, 28_745]
    assert scale.checkpoints(1400) == [1400]  # 1400 / 1.5 < 1000: one check, at the end
    assert scale.checkpoints(10) == [10]


def test_sampled_betweenness_stops_early_when_every_bound_is_below_epsilon() -> None:
    # 500 people, 5,000 weighted ties: every score is small, so each person's own
    # (Bernstein) bound falls below epsilon long before the VC count
    rng = np.random.default_rng(11)
    nxg = nx.gnm_random_graph(500, 5000, seed=11, directed=True)
    for u, v in nxg.edges:
        nxg[u][v]["weight"] = float(rng.integers(1, 6))
        nxg[u][v]["distance"] = 1.0 / nxg[u][v]["weight"]
    g = as_graph(nxg, True)
    most = scale.sample_size(0.02, 0.05, g.n)
    got = scale.betweenness_paths(g, epsilon=0.02, delta=0.1, seed=5)
    assert got.samples is not None and got.samples < most / 3
    assert got.samples in scale.checkpoints(most)
    exact = pd.Series(nx.betweenness_centrality(nxg, weight="distance")).reindex(g.nodes)
    assert got.bounds is not None
    assert (np.abs(got.scores.to_numpy() - exact.to_numpy()) <= got.bounds).all()
    assert got.error_bound is not None and got.error_bound <= 0.02 * g.n / (g.n - 2)
    # the stop came at the first check where every bound was at most epsilon: at the
    # check before, someone's bound was above it (counted here from the same samples)
    checks = scale.checkpoints(most)
    before = checks[checks.index(got.samples) - 1]
    counts = draw(g, seed=5, most=most, upto=before)
    log_b = math.log(8 * g.n * len(checks) / 0.1)
    assert scale._bernstein(counts, before, log_b).max() > 0.02
    # and the scores are the share of the first `samples` sampled paths, drawn in one go
    full = draw(g, seed=5, most=most, upto=got.samples)
    to_nx = g.n / (g.n - 2)
    np.testing.assert_array_equal(got.scores.to_numpy(), full / got.samples * to_nx)
    # without adaptive stopping: all r paths, one check (log of 8n / delta, as before)
    every = scale.betweenness_paths(g, epsilon=0.02, delta=0.1, seed=5, adaptive=False)
    assert every.samples == most
    np.testing.assert_array_equal(
        every.scores.to_numpy(), draw(g, seed=5, most=most, upto=most) / most * to_nx
    )
    assert (np.abs(every.scores.to_numpy() - exact.to_numpy()) <= every.bounds).all()


def draw(g: Graph, *, seed: int, most: int, upto: int) -> np.ndarray:
    """Counts of the first ``upto`` of betweenness_paths' sampled paths, in one call."""
    from groundswell.analysis import _scale_kernels

    rng = np.random.default_rng(seed)
    s = rng.integers(0, g.n, size=most)
    t = (s + 1 + rng.integers(0, g.n - 1, size=most)) % g.n
    seeds = rng.integers(0, 2**63, size=most, dtype=np.int64).astype(np.uint64)
    out = scale._csr(g.src.astype(np.int64), g.dst.astype(np.int64), 1.0 / g.weight, g.n)
    rev = scale._csr(g.dst.astype(np.int64), g.src.astype(np.int64), 1.0 / g.weight, g.n)
    counts, _ = _scale_kernels.path_samples(
        *out, *rev, np.stack([s, t], axis=1)[:upto], seeds[:upto]
    )
    return counts


def test_top_relative_bound_reads_the_highest_scores() -> None:
    scores = pd.Series([0.5, 0.1, 0.0, 0.2])
    b = centrality.Betweenness(scores, "sampled paths", 10, 0.05, 0.1, np.full(4, 0.05))
    assert scale.top_relative_bound(b, top=2) == pytest.approx(0.05 / 0.2)
    assert np.isnan(scale.top_relative_bound(b, top=4))  # a zero among them


def test_sampled_betweenness_converges_on_a_path() -> None:
    # directed path 0 -> 1 -> ... -> 5: person i lies between i * (5 - i) ordered pairs
    g = Graph.from_edges(np.arange(6), [(i, i + 1, 1.0) for i in range(5)])
    got = scale.betweenness_paths(g, epsilon=0.01, seed=1).scores.to_numpy()
    exact = np.array([i * (5 - i) for i in range(6)]) / 20  # (n-1)(n-2) = 20
    assert np.abs(got - exact).max() < 0.01


def test_sampled_betweenness_same_seed_same_result_any_threads() -> None:
    g = as_graph(weighted_digraph(), True)
    threads = numba.get_num_threads()
    a = scale.betweenness_paths(g, epsilon=0.05, seed=7).scores
    numba.set_num_threads(1)
    try:
        b = scale.betweenness_paths(g, epsilon=0.05, seed=7).scores
    finally:
        numba.set_num_threads(threads)
    c = scale.betweenness_paths(g, epsilon=0.05, seed=8).scores
    pd.testing.assert_series_equal(a, b)
    assert not a.equals(c)


@pytest.mark.parametrize("case", ["directed, weighted", "grid, no weights"])
def test_hop_harmonic_is_within_each_persons_bound(case: str) -> None:
    make, directed, _ = CASES[case]
    nxg = make()
    g = as_graph(nxg, directed)
    got = scale.harmonic_hops(g, samples=400, delta=0.1, seed=2)
    exact = pd.Series(nx.harmonic_centrality(nxg)).reindex(g.nodes) / (g.n - 1)
    err = np.abs(got.to_numpy() - exact.to_numpy())
    bounds = got.attrs["bounds"]
    assert got.attrs["method"] == "sampled hops"
    assert got.attrs["error_bound"] == bounds.max()
    assert (err <= bounds).all()
    # the bound says something: it is smaller than the typical score
    assert got.attrs["error_bound"] < exact.median()
    # Hoeffding at delta / (2n) per person caps every bound
    k, n = 400, g.n
    assert bounds.max() <= n / (n - 1) * math.sqrt(math.log(4 * n / 0.1) / (2 * k)) + 1e-12


def test_hop_harmonic_same_seed_same_result() -> None:
    g = as_graph(weighted_digraph(), True)
    a = scale.harmonic_hops(g, samples=50, seed=1)
    b = scale.harmonic_hops(g, samples=50, seed=1)
    pd.testing.assert_series_equal(a, b)


def test_individual_takes_the_scale_path_above_scale_min_nodes() -> None:
    nxg = weighted_digraph()
    g = as_graph(nxg, True)
    depts = pd.Series("d", index=pd.Index(g.nodes, name="person_id"))
    small, notes_small = measures.individual(g, depts, exact_max_nodes=50, seed=1)
    big, notes = measures.individual(
        g, depts, exact_max_nodes=50, seed=1, scale_min_nodes=100, epsilon=0.05
    )
    assert notes_small["betweenness_method"] == "sampled"
    assert notes["betweenness_method"] == "sampled paths"
    assert notes["harmonic_method"] == "sampled hops"
    assert notes["betweenness_samples"] in scale.checkpoints(scale.sample_size(0.05, 0.05, g.n))
    assert notes["betweenness_error_bound"] <= 0.05 * g.n / (g.n - 2)
    assert 0 < notes["betweenness_top100_relative_bound"] < float("inf")
    assert "betweenness_top100_relative_bound" not in notes_small
    # everything but the two sampled measures is the same
    same = [c for c in small.columns if c not in ("betweenness", "harmonic_closeness")]
    pd.testing.assert_frame_equal(small[same], big[same])


def test_stability_runs_fewer_seeds_at_scale() -> None:
    from groundswell.analysis import communities

    assert communities.stability_seeds(49_999, 3, scale_min_nodes=50_000, at_scale=1) == 3
    assert communities.stability_seeds(50_000, 3, scale_min_nodes=50_000, at_scale=1) == 1
    assert communities.stability_seeds(10**6, 0, scale_min_nodes=50_000, at_scale=1) == 0


@pytest.mark.parametrize("directed", [True, False])
def test_hop_sums_are_the_same_top_down_bottom_up_and_mixed(directed: bool) -> None:
    # the direction-optimising search gives the levels of a plain one, so the same sums
    # bit for bit; the oracle is SciPy's breadth-first distances
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    from groundswell.analysis import _scale_kernels

    nxg = nx.gnm_random_graph(3000, 15_000, seed=9, directed=directed)
    g = as_graph(nxg, directed)
    src, dst = g.src.astype(np.int64), g.dst.astype(np.int64)
    if not directed:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
    out = scale._csr_order(src, dst, g.n)[:2]
    rev = scale._csr_order(dst, src, g.n)[:2]
    sources = np.random.default_rng(3).integers(0, g.n, size=40)
    top_down = _scale_kernels.hop_harmonic(*out, sources, *rev, alpha=0.0)
    for alpha in (_scale_kernels.ALPHA, 1e18):  # mixed, and bottom-up at every level
        got = _scale_kernels.hop_harmonic(*out, sources, *rev, alpha=alpha)
        np.testing.assert_array_equal(got[0], top_down[0])
        np.testing.assert_array_equal(got[1], top_down[1])
    adj = csr_matrix((np.ones(len(src)), (src, dst)), shape=(g.n, g.n))
    d = shortest_path(adj, unweighted=True, indices=sources)
    inv = np.where(np.isfinite(d) & (d > 0), 1.0 / np.where(d > 0, d, 1.0), 0.0)
    np.testing.assert_allclose(top_down[0], inv.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(top_down[1], (inv**2).sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 14.0, 1e18])
def test_multi_source_hop_sums_are_one_search_per_sources_bit_for_bit(
    directed: bool, alpha: float
) -> None:
    # 64 sources a pass in bit masks (Then et al. 2014), distances added back in source order:
    # the same floats as one breadth-first search per source; 300 sources make 16 chunks of
    # 18-19, 5,000 make chunks of more than 64 (several passes each), repeats included
    from groundswell.analysis import _scale_kernels

    nxg = nx.gnm_random_graph(2000, 9000, seed=5, directed=directed)
    g = as_graph(nxg, directed)
    src, dst = g.src.astype(np.int64), g.dst.astype(np.int64)
    if not directed:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
    out = scale._csr_order(src, dst, g.n)[:2]
    rev = scale._csr_order(dst, src, g.n)[:2]
    for k in (1, 3, 300, 5000):
        sources = np.random.default_rng(k).integers(0, g.n, size=k)
        one = _scale_kernels.hop_harmonic(*out, sources, *rev, alpha=alpha, multi=False)
        many = _scale_kernels.hop_harmonic(*out, sources, *rev, alpha=alpha, multi=True)
        assert one[0].any()
        np.testing.assert_array_equal(many[0], one[0])
        np.testing.assert_array_equal(many[1], one[1])


def test_multi_source_hop_sums_deeper_than_a_byte_are_searched_again() -> None:
    # a path of 700 people: distances up to 699 do not fit the multi-source search's bytes,
    # so those chunks are searched one source at a time; a cycle of 600 likewise
    from groundswell.analysis import _scale_kernels

    n = 700
    a = np.arange(n - 1, dtype=np.int64)
    for src, dst in (
        (np.concatenate([a, a + 1]), np.concatenate([a + 1, a])),
        (np.arange(600, dtype=np.int64), (np.arange(600, dtype=np.int64) + 1) % 600),
    ):
        size = int(max(src.max(), dst.max())) + 1
        out = scale._csr_order(src, dst, size)[:2]
        rev = scale._csr_order(dst, src, size)[:2]
        sources = np.random.default_rng(2).integers(0, size, size=100)
        one = _scale_kernels.hop_harmonic(*out, sources, *rev, multi=False)
        many = _scale_kernels.hop_harmonic(*out, sources, *rev)
        assert one[0].min() > 0
        np.testing.assert_array_equal(many[0], one[0])
        np.testing.assert_array_equal(many[1], one[1])
