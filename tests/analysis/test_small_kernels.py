"""The NumPy and SciPy versions that small networks use (no numba to compile on a first run,
analysis/_small_kernels.py) equal the numba kernels, and both equal NetworkX (the oracle).

tests/analysis/test_centrality.py and test_structural_holes.py check the measures against
NetworkX, igraph and UCINET through whichever version a network's size selects (the arrays
for their small graphs, the kernels where forced); here both versions run on the same input.
"""

from __future__ import annotations

import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.analysis import (
    _holes_kernels,
    _paths_kernels,
    _small_kernels,
    centrality,
    structural_holes,
)
from groundswell.network.graph import Graph
from tests.analysis.test_centrality import email_eu_core, karate, with_distance


def _csr(g: Graph, weighted: bool) -> tuple[np.ndarray, ...]:
    """The out-tie CSR form centrality.paths hands to either version."""
    return centrality._out_ties(g, weighted)


def _both_paths(g: Graph, weighted: bool, sources: np.ndarray) -> tuple:
    indptr, indices, length = _csr(g, weighted)
    kw = {"unit": not weighted}
    arrays = _small_kernels.shortest_path_sums(indptr, indices, length, sources, **kw)
    kernel = _paths_kernels.shortest_path_sums(indptr, indices, length, sources, **kw)
    return arrays, kernel


def _networkx_paths(g: Graph, weighted: bool, sources: list[str]) -> tuple[np.ndarray, ...]:
    ref = with_distance(g.to_networkx())
    weight = "distance" if weighted else None
    btw = nx.betweenness_centrality_subset(ref, sources=sources, targets=list(ref), weight=weight)
    harm = nx.harmonic_centrality(ref, distance=weight, sources=sources)
    factor = 1.0 if g.directed else 2.0  # NetworkX halves an undirected graph's sums
    return (
        np.array([btw[p] * factor for p in g.nodes]),
        np.array([harm[p] for p in g.nodes]),
    )


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(2, 14),
    pairs=st.lists(
        st.tuples(st.integers(0, 13), st.integers(0, 13), st.integers(1, 3)), max_size=60
    ),
    directed=st.booleans(),
    weighted=st.booleans(),
    every=st.integers(1, 3),
)
def test_shortest_path_sums_equal_the_kernel_and_networkx(
    n: int, pairs: list, directed: bool, weighted: bool, every: int
) -> None:
    # weights 1-3: lengths 1, 1/2, 1/3, many equally short paths, and sums such as
    # 1/3 + 1/3 + 1/3 that are not exactly 1: ties are decided as NetworkX decides them
    edges = [(f"p{a % n}", f"p{b % n}", float(w)) for a, b, w in pairs if a % n != b % n]
    g = Graph.from_edges([f"p{i}" for i in range(n)], edges, directed=directed)
    sources = np.arange(0, n, every)
    (a_btw, a_harm), (k_btw, k_harm) = _both_paths(g, weighted, sources)
    np.testing.assert_allclose(a_btw, k_btw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a_harm, k_harm, rtol=1e-12, atol=1e-12)
    ref_btw, ref_harm = _networkx_paths(g, weighted, [g.nodes[i] for i in sources])
    np.testing.assert_allclose(a_btw, ref_btw, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(a_harm, ref_harm, rtol=0, atol=1e-9)


@pytest.mark.parametrize("directed", [True, False], ids=["directed", "undirected"])
@pytest.mark.parametrize("weighted", [True, False], ids=["weighted", "unweighted"])
def test_shortest_path_sums_on_email_eu_core(directed: bool, weighted: bool) -> None:
    g = email_eu_core(directed)
    sources = np.arange(0, g.n, 40)  # 26 sources, in and out of the core
    (a_btw, a_harm), (k_btw, k_harm) = _both_paths(g, weighted, sources)
    np.testing.assert_allclose(a_btw, k_btw, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(a_harm, k_harm, rtol=1e-12, atol=1e-9)
    ref_btw, ref_harm = _networkx_paths(g, weighted, [g.nodes[i] for i in sources])
    np.testing.assert_allclose(a_btw, ref_btw, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(a_harm, ref_harm, rtol=0, atol=1e-9)


def test_harmonic_alone_and_no_sources() -> None:
    g = karate(directed=True)
    indptr, indices, length = _csr(g, True)
    sources = np.arange(g.n)
    btw, harm = _small_kernels.shortest_path_sums(
        indptr, indices, length, sources, unit=False, betweenness=False
    )
    assert not btw.any()
    ref = nx.harmonic_centrality(with_distance(g.to_networkx()), distance="distance")
    np.testing.assert_allclose(harm, [ref[p] for p in g.nodes], rtol=0, atol=1e-12)


def _holes_both(g: Graph, weighted: bool, effective: bool) -> tuple:
    w = structural_holes._mutual_weights(g, weighted)
    arrays = _small_kernels.holes(w.indptr, w.indices, w.data, effective)
    kernel = _holes_kernels.holes(w.indptr, w.indices, w.data, effective)
    return arrays, kernel


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 14),
    pairs=st.lists(
        st.tuples(st.integers(0, 13), st.integers(0, 13), st.integers(1, 4)), max_size=60
    ),
    directed=st.booleans(),
    weighted=st.booleans(),
)
def test_structural_holes_equal_the_kernel_and_networkx(
    n: int, pairs: list, directed: bool, weighted: bool
) -> None:
    edges = [(f"p{a % n}", f"p{b % n}", float(w)) for a, b, w in pairs if a % n != b % n]
    g = Graph.from_edges([f"p{i}" for i in range(n)], edges, directed=directed)
    for effective in (False, True):
        (a_tie, a_total), (k_tie, k_total) = _holes_both(g, weighted, effective)
        np.testing.assert_allclose(a_tie, k_tie, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(a_total, k_total, rtol=1e-12, atol=1e-12, equal_nan=True)
    # NetworkX on the undirected view: a person with only incoming ties is not isolated
    und = nx.Graph()
    und.add_nodes_from(g.nodes)
    mutual = structural_holes._mutual_weights(g, weighted).tocoo()
    und.add_weighted_edges_from(
        (g.nodes[i], g.nodes[j], v)
        for i, j, v in zip(mutual.row, mutual.col, mutual.data, strict=True)
    )
    c = structural_holes.constraint(g, weighted=weighted)
    ref_c = nx.constraint(und, weight="weight")
    e = structural_holes.effective_size(g, weighted=weighted)
    ref_e = {p: nx.effective_size(und, weight="weight", nodes=[p])[p] for p in g.nodes}
    for p in g.nodes:
        for got, want in ((c[p], ref_c[p]), (e[p], ref_e[p])):
            assert (np.isnan(got) and np.isnan(want)) or got == pytest.approx(want, abs=1e-12)


def test_structural_holes_on_email_eu_core() -> None:
    g = email_eu_core(True)
    for effective in (False, True):
        (a_tie, a_total), (k_tie, k_total) = _holes_both(g, True, effective)
        np.testing.assert_allclose(a_tie, k_tie, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(a_total, k_total, rtol=1e-12, equal_nan=True)


def test_a_small_network_never_imports_numba() -> None:
    """The measures of a 200-person network go through the arrays (and the size test sends a
    large one to the kernels): the reason the arrays exist."""
    assert _small_kernels.paths_fit(200, 6_000)
    assert not _small_kernels.paths_fit(5_000, 200_000)
    g = karate()
    assert centrality._path_kernels(g.n, 2 * g.m) is _small_kernels
    w = structural_holes._mutual_weights(g, True)
    assert structural_holes._kernels(w.indptr) is _small_kernels


def test_the_measures_and_map_of_200_people_load_no_numba() -> None:
    """Betweenness, closeness, constraint, effective size and the map of a 200-person network
    in a fresh interpreter: numba is never imported, so a first run compiles nothing."""
    code = (
        "import sys\n"
        "from tests.network.test_layout import planted\n"
        "from groundswell.analysis import centrality, structural_holes\n"
        "from groundswell.network.layout import layout\n"
        "g, _ = planted(4, 50, seed=5)\n"
        "centrality.betweenness_and_closeness(g)\n"
        "structural_holes.constraint(g); structural_holes.effective_size(g)\n"
        "structural_holes.local_constraint(g); layout(g)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'llvmlite')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def _dense_sums(indptr, indices, length, sources, *, unit):  # type: ignore[no-untyped-def]
    """The dependency sums as they were computed before (every source x tie, one sparse
    product per step): the oracle of the pairs-on-a-path form, bit for bit."""
    from scipy import sparse
    from scipy.sparse.csgraph import dijkstra

    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    length = np.ones(len(indices)) if unit else np.asarray(length, dtype=np.float64)
    sources = np.asarray(sources, dtype=np.int64)
    n, k = len(indptr) - 1, len(sources)
    tail = np.repeat(np.arange(n), np.diff(indptr))
    rows = np.arange(k)
    order = np.lexsort((length, indices, tail))
    key = tail[order] * n + indices[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    keep = order[first]
    graph = sparse.csr_array((length[keep], (tail[keep], indices[keep])), shape=(n, n))
    dist = np.atleast_2d(dijkstra(graph, directed=True, indices=sources, unweighted=unit))
    from_tail = dist[:, tail]
    on = np.isfinite(from_tail) & (from_tail + length == dist[:, indices])
    m = len(indices)
    into_head = sparse.csr_array((np.ones(m), (indices, np.arange(m))), shape=(n, m))
    out_of_tail = sparse.csr_array((np.ones(m), (tail, np.arange(m))), shape=(n, m))
    start = np.zeros((k, n))
    start[rows, sources] = 1.0
    sigma = start
    for _ in range(n + 1):
        nxt = start + (into_head @ np.where(on, sigma[:, tail], 0.0).T).T
        if np.array_equal(nxt, sigma):
            break
        sigma = nxt
    ratio = np.divide(sigma[:, tail], sigma[:, indices], out=np.zeros(on.shape), where=on)
    delta = np.zeros((k, n))
    for _ in range(n + 1):
        nxt = (out_of_tail @ (ratio * (1.0 + delta[:, indices])).T).T
        if np.array_equal(nxt, delta):
            break
        delta = nxt
    delta[rows, sources] = 0.0
    return delta.sum(axis=0)


def _random_csr(n: int, arcs: int, weights: int, seed: int) -> tuple[np.ndarray, ...]:
    """Out-ties in CSR form with parallel ties and self-free arcs, lengths 1/weight."""
    rng = np.random.default_rng(seed)
    tail = rng.integers(0, n, arcs)
    head = rng.integers(0, n, arcs)
    keep = tail != head
    tail, head = tail[keep], head[keep]
    w = rng.integers(1, weights + 1, len(tail)).astype(np.float64)
    order = np.argsort(tail, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(tail, minlength=n))])
    return indptr, head[order], 1.0 / w[order]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 40),
    arcs=st.integers(0, 300),
    weights=st.sampled_from([1, 3, 50]),
    seed=st.integers(0, 2**32 - 1),
    unit=st.booleans(),
    every=st.integers(1, 4),
)
def test_pairs_on_a_path_give_the_dense_sums_bit_for_bit(
    n: int, arcs: int, weights: int, seed: int, unit: bool, every: int
) -> None:
    indptr, indices, length = _random_csr(n, arcs, weights, seed)
    sources = np.arange(0, n, every)
    btw, _ = _small_kernels.shortest_path_sums(indptr, indices, length, sources, unit=unit)
    dense = _dense_sums(indptr, indices, length, sources, unit=unit)
    assert np.array_equal(btw, dense)  # the same floats, not close ones


@pytest.mark.parametrize("unit", [True, False], ids=["unweighted", "weighted"])
def test_pairs_on_a_path_bit_for_bit_on_email_eu_core_and_a_200_person_graph(unit: bool) -> None:
    g = email_eu_core(True)
    indptr, indices, length = _csr(g, not unit)
    sources = np.arange(0, g.n, 7)
    btw, _ = _small_kernels.shortest_path_sums(indptr, indices, length, sources, unit=unit)
    assert np.array_equal(btw, _dense_sums(indptr, indices, length, sources, unit=unit))
    assert btw.any()
    indptr, indices, length = _random_csr(200, 6_000, 40, seed=1)  # analyze's small size
    sources = np.arange(200)
    btw, _ = _small_kernels.shortest_path_sums(indptr, indices, length, sources, unit=unit)
    assert np.array_equal(btw, _dense_sums(indptr, indices, length, sources, unit=unit))


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 40),
    arcs=st.integers(0, 300),
    weights=st.sampled_from([1, 3, 10, 1000]),
    seed=st.integers(0, 2**32 - 1),
    unit=st.booleans(),
    every=st.integers(1, 4),
)
def test_igraph_distances_are_scipys_dijkstra_bit_for_bit(
    n: int, arcs: int, weights: int, seed: int, unit: bool, every: int
) -> None:
    # lengths 1/w: sums such as 1/3 + 1/3 + 1/3 or 0.1 + 0.1 + 0.1 that are not what they
    # look like; igraph 0.9's Dijkstra kept distance + 1 and would differ in the last bit
    from scipy import sparse
    from scipy.sparse.csgraph import dijkstra

    indptr, indices, length = _random_csr(n, arcs, weights, seed)
    tail = np.repeat(np.arange(n), np.diff(indptr))
    order = np.lexsort((length, indices, tail))  # no parallel ties, as shortest_path_sums
    key = tail[order] * n + indices[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    keep = order[first]
    sources = np.arange(0, n, every)
    graph = sparse.csr_array((length[keep], (tail[keep], indices[keep])), shape=(n, n))
    ref = np.atleast_2d(dijkstra(graph, directed=True, indices=sources, unweighted=unit))
    got = _small_kernels.distances(
        n, tail[keep], indices[keep], None if unit else length[keep], sources
    )
    assert got.dtype == np.float64 and got.shape == (len(sources), n)
    assert np.array_equal(got, ref)  # inf where unreachable, and the same floats elsewhere
    none = _small_kernels.distances(n, tail[keep], indices[keep], None, sources[:0])
    assert none.shape == (0, n)
