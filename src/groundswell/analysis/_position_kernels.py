"""The numba kernels behind k-core and two-step reach at scale
(:func:`groundswell.analysis.position.k_core` and
:func:`~groundswell.analysis.position.two_step_reach`, from
:data:`~groundswell.analysis.position.KERNEL_MIN_NODES` people).

- :func:`core_numbers`: Batagelj and Zaversnik's O(m) core decomposition of an undirected
  simple graph given as its list of pairs (people taken in increasing order of their
  remaining degree, kept in bins by degree). The core numbers are those of igraph's
  ``coreness`` (and NetworkX's ``core_number``): integers, whatever the order of the work.
- :func:`two_step_counts`: for each person, the number of distinct other people at the end
  of a path of one or two ties along their direction (the non-zero pattern of ``A + A @ A``
  off the diagonal), by marking the people reached from each person in a work row (one per
  chunk, marked with the person's own index, so it is never cleared). People are cut into
  :data:`_CHUNKS` fixed chunks worked on in parallel (``prange``); counts are integers, so
  the result does not depend on the number of threads.

References
----------
Batagelj, V. and Zaversnik, M. (2003). An O(m) algorithm for cores decomposition of
networks. arXiv:cs/0310049.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: Fixed number of chunks of people (the unit of parallel work).
_CHUNKS = 64


@njit(cache=True)
def core_numbers(n: int, s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Core number of each of ``n`` people, from the undirected pairs (``s[e]``, ``t[e]``):
    each pair once, no pair of a person with themself."""
    deg = np.zeros(n, dtype=np.int64)
    for e in range(len(s)):
        deg[s[e]] += 1
        deg[t[e]] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        indptr[v + 1] = indptr[v] + deg[v]
    fill = indptr[:-1].copy()
    adj = np.empty(indptr[n], dtype=np.int32)
    for e in range(len(s)):
        a, b = s[e], t[e]
        adj[fill[a]] = b
        fill[a] += 1
        adj[fill[b]] = a
        fill[b] += 1
    top = 0
    for v in range(n):
        top = max(top, deg[v])
    bins = np.zeros(top + 1, dtype=np.int64)  # first position of each degree in vert
    for v in range(n):
        bins[deg[v]] += 1
    start = 0
    for d in range(top + 1):
        count = bins[d]
        bins[d] = start
        start += count
    pos = np.empty(n, dtype=np.int64)
    vert = np.empty(n, dtype=np.int64)
    for v in range(n):
        pos[v] = bins[deg[v]]
        vert[pos[v]] = v
        bins[deg[v]] += 1
    for d in range(top, 0, -1):
        bins[d] = bins[d - 1]
    if top >= 0:
        bins[0] = 0
    for i in range(n):
        v = vert[i]
        for e in range(indptr[v], indptr[v + 1]):
            u = adj[e]
            if deg[u] > deg[v]:
                du = deg[u]
                pu = pos[u]
                pw = bins[du]
                w = vert[pw]
                if u != w:
                    pos[u] = pw
                    vert[pu] = w
                    pos[w] = pu
                    vert[pw] = u
                bins[du] += 1
                deg[u] -= 1
    return deg


def two_step_counts(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Distinct other people within two ties of each person, along the ties' direction
    (``indptr``/``indices``: the ties in CSR form, rows the tie's start)."""
    n = len(indptr) - 1
    bounds = np.linspace(0, n, min(_CHUNKS, max(n, 1)) + 1).round().astype(np.int64)
    return _two_step_counts(
        np.ascontiguousarray(indptr, dtype=np.int64),
        np.ascontiguousarray(indices, dtype=np.int32),
        bounds,
    )


@njit(cache=True, parallel=True)
def _two_step_counts(indptr: np.ndarray, indices: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    n = len(indptr) - 1
    out = np.zeros(n, dtype=np.int64)
    for c in prange(len(bounds) - 1):
        mark = np.full(n, -1, dtype=np.int64)  # mark[w] == u: w already counted for u
        for u in range(bounds[c], bounds[c + 1]):
            mark[u] = u
            count = 0
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if mark[v] != u:
                    mark[v] = u
                    count += 1
                for f in range(indptr[v], indptr[v + 1]):
                    w = indices[f]
                    if mark[w] != u:
                        mark[w] = u
                        count += 1
            out[u] = count
    return out
