"""Small networks without numba: shortest-path sums and structural holes in NumPy and SciPy.

The numba kernels (:mod:`._paths_kernels`, :mod:`._holes_kernels`) are the fast path on any
network, but each is compiled the first time a process on a new installation calls it (about
6 s of CPU for the shortest paths and 4 s for structural holes, measured on this project's
2-core machine) and loading the compiled code from the cache, with numba itself, costs about
half a second in every later process. On a workspace of a few hundred people the whole
computation takes milliseconds, so :func:`groundswell.analysis.centrality.paths` and the
structural-hole measures use these array versions below :data:`SMALL_PATHS_WORK` and
:data:`SMALL_HOLES_PATHS`: a first ``analyze`` after installing never compiles them, and no
run of a small workspace imports numba.

The results are those of the kernels, computed the same way up to the order of floating
point sums (tests/analysis/test_small_kernels.py: both against each other and NetworkX):

- **shortest paths** (Brandes 2001): the distances from every source by igraph's Dijkstra
  (:func:`distances`; ``d(v) + len(v, w)``, the same sum the kernel and NetworkX form, so
  ties between equally short paths are decided exactly as they decide them: no tolerance);
  a tie v -> w
  lies on a shortest path from s when ``d(s, v) + len(v, w) == d(s, w)``. The number of
  shortest paths ``sigma`` (integers in float64, exact) and the dependencies ``delta`` solve
  ``sigma_s(w) = [w = s] + sum_v sigma_s(v)`` and ``delta_s(v) = sum_w sigma_s(v) /
  sigma_s(w) (1 + delta_s(w))`` over those ties; both are iterated for all sources at once
  (one ``np.bincount`` over the (source, tie) pairs on a shortest path per step) until they
  stop changing, which takes as many steps as the longest shortest path has ties, plus one.
  Memory: a few arrays of sources x ties.
- **structural holes** (Burt 1992): with W the symmetric mutual-weight matrix, the two-step
  sums ``sum_q w_iq w_qj / s_q`` (constraint) or ``sum_q w_iq w_qj`` (effective size) are
  the sparse product ``W diag(scale) W`` read at W's ties.

References
----------
Brandes, U. (2001). A faster algorithm for betweenness centrality. J. Math. Sociol. 25(2).
Burt, R. S. (1992). *Structural Holes.* Harvard University Press.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

#: sources x ties (both directions of an undirected tie) up to which the array version of the
#: shortest-path sums is used: 200 people with 6,000 ties are 1.2M, 50 MB at most
SMALL_PATHS_WORK = 1 << 21
#: two-step paths (sum of squared degrees) up to which the array version of structural holes
#: is used
SMALL_HOLES_PATHS = 1 << 22


def paths_fit(sources: int, arcs: int) -> bool:
    """Whether the shortest-path sums of ``sources`` over ``arcs`` ties are computed here."""
    return sources * max(arcs, 1) <= SMALL_PATHS_WORK


def holes_fit(indptr: np.ndarray) -> bool:
    """Whether the structural holes of the CSR matrix with these row pointers are computed
    here."""
    degree = np.diff(np.asarray(indptr, dtype=np.int64)).astype(np.float64)
    return float(degree @ degree) <= SMALL_HOLES_PATHS


def distances(
    n: int, tail: np.ndarray, head: np.ndarray, length: np.ndarray | None, sources: np.ndarray
) -> np.ndarray:
    """Sources x people: the length of a shortest path from each source along the ties
    ``tail -> head`` (no parallel ties), inf where none; ``length`` None counts ties.

    igraph's Dijkstra (breadth-first search when unweighted), in C: a shortest distance is
    ``d(v) + len(v, w)`` minimised over the ties into w, the sum SciPy's Dijkstra forms too,
    so both give the same floats (tests/analysis/test_small_kernels.py, bit for bit against
    ``scipy.sparse.csgraph.dijkstra``). igraph is loaded for the communities anyway;
    ``scipy.sparse.csgraph`` would load ``scipy.sparse.linalg`` and ``scipy.linalg`` with it,
    about 0.13 s of CPU of every small ``analyze`` (issue 20, point 1)."""
    import igraph

    g = igraph.Graph(n=n, edges=np.column_stack([tail, head]), directed=True)
    if length is None:
        found = g.distances(source=sources.tolist(), mode="out")
    else:
        found = g.distances(
            source=sources.tolist(), weights=length.tolist(), mode="out", algorithm="dijkstra"
        )
    return np.array(found, dtype=np.float64).reshape(len(sources), n)


def shortest_path_sums(
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    sources: np.ndarray,
    *,
    unit: bool,
    betweenness: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(dependency sums, harmonic sums) over ``sources``: the same contract as
    :func:`groundswell.analysis._paths_kernels.shortest_path_sums`."""
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    length = np.ones(len(indices)) if unit else np.asarray(length, dtype=np.float64)
    sources = np.asarray(sources, dtype=np.int64)
    n, k = len(indptr) - 1, len(sources)
    tail = np.repeat(np.arange(n), np.diff(indptr))
    rows = np.arange(k)
    # parallel ties: the shortest one is the distance
    order = np.lexsort((length, indices, tail))
    key = tail[order] * n + indices[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    keep = order[first]
    dist = distances(n, tail[keep], indices[keep], None if unit else length[keep], sources)
    with np.errstate(divide="ignore"):
        inverse = 1.0 / dist  # 0 where unreachable
    inverse[rows, sources] = 0.0
    harmonic = inverse.sum(axis=0)
    if not betweenness:
        return np.zeros(n), harmonic
    from_tail = dist[:, tail]
    on = np.isfinite(from_tail) & (from_tail + length == dist[:, indices])
    del from_tail, inverse
    # the (source, tie) pairs on a shortest path, in the order of the sources and then the
    # ties: both sums below add, for each (source, person), its ties in that order (np.bincount
    # adds in input order), as the sparse products over every source x tie did before, without
    # the pairs off every shortest path (each added 0.0): the same floats, about 1/20 of the
    # work at 200 people (tests/analysis/test_small_kernels.py keeps the dense form as oracle)
    src, arc = np.nonzero(on)
    del on
    at_tail, at_head = src * n + tail[arc], src * n + indices[arc]  # flat (source, person)
    start = np.zeros(k * n)
    start[rows * n + sources] = 1.0
    sigma: np.ndarray = start
    for _ in range(n + 1):
        nxt = start + np.bincount(at_head, weights=sigma[at_tail], minlength=k * n)
        if np.array_equal(nxt, sigma):
            break
        sigma = nxt
    ratio = sigma[at_tail] / sigma[at_head]
    delta: np.ndarray = np.zeros(k * n)
    for _ in range(n + 1):
        term = ratio * (1.0 + delta[at_head])
        step: np.ndarray = np.bincount(at_tail, weights=term, minlength=k * n)
        if np.array_equal(step, delta):
            break
        delta = step
    delta = delta.reshape(k, n)
    delta[rows, sources] = 0.0
    # summed down each person's column held contiguous, as the products' transposed result
    # was: NumPy then sums pairwise, in the same order as before
    return np.asfortranarray(delta).sum(axis=0), harmonic


def holes(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, effective: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(per-tie values, per-person totals) for constraint or, if ``effective``, effective
    size: the same contract as :func:`groundswell.analysis._holes_kernels.holes`."""
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    data = np.asarray(data, dtype=np.float64)
    n = len(indptr) - 1
    degree = np.diff(indptr)
    tail = np.repeat(np.arange(n), degree)
    strength = np.bincount(tail, weights=data, minlength=n)
    strongest = np.zeros(n)
    np.maximum.at(strongest, tail, data)
    scale = np.ones(n)
    if not effective:
        np.divide(1.0, strength, out=scale, where=strength > 0)
    w = sparse.csr_array((data, indices, indptr), shape=(n, n))
    two_step = (w @ sparse.diags_array(scale) @ w).tocsr()
    through = np.asarray(two_step[tail, indices], dtype=np.float64).ravel() if len(tail) else data
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_s = 1.0 / strength
    if effective:
        per_tie = through * inv_s[tail] / strongest[indices]
    else:
        per_tie = (data + through) * inv_s[tail]
        per_tie *= per_tie
    acc = np.bincount(tail, weights=per_tie, minlength=n)
    total = degree - acc if effective else acc
    total = np.where(degree > 0, total, np.nan)
    return per_tie, total
