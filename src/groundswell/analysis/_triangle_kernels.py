"""The numba kernel behind clustering at scale (:func:`groundswell.analysis.position.clustering`
and :func:`~groundswell.analysis.position.directed_clustering`, from
:data:`~groundswell.analysis.position.KERNEL_MIN_NODES` people).

Both measures need the diagonal of ``S^3`` for a symmetric matrix ``S`` (the cube roots of
the scaled weights): ``(S^3)_uu = sum_v sum_w S_uv S_vw S_wu``, the weighted closed walks of
length three through u. Below the threshold scipy.sparse computes it as blocks of ``S @ S``
multiplied element-wise by ``S`` (every two-step path is materialised as a sparse matrix
entry, then summed). The kernel walks the same two-step paths without building them: for
each person u it scatters u's row of ``S`` into a dense work row (one per chunk), then for
each contact v and each contact w of v adds ``S_uv * S_vw * row[w]``. The work is the number
of two-step paths, ``sum_v d_v^2``; memory is one float64 row of n per chunk.

People are cut into :data:`_CHUNKS` fixed chunks worked on in parallel (``prange``); each
person is summed by one thread in a fixed order (u's contacts, then theirs, in CSR order), so
the result does not depend on the number of threads. The sums are the same numbers as the
sparse products' up to the order of the floating-point additions (last bits;
tests/analysis/test_position.py checks both against NetworkX).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: Fixed number of chunks of people (the unit of parallel work).
_CHUNKS = 64


def closed_walks(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray) -> np.ndarray:
    """``diag(S^3)`` of the symmetric CSR matrix (``indptr``, ``indices``, ``data``)."""
    n = len(indptr) - 1
    bounds = np.linspace(0, n, min(_CHUNKS, max(n, 1)) + 1).round().astype(np.int64)
    return _closed_walks(
        np.ascontiguousarray(indptr, dtype=np.int64),
        np.ascontiguousarray(indices, dtype=np.int32),
        np.ascontiguousarray(data, dtype=np.float64),
        bounds,
    )


@njit(cache=True, parallel=True)
def _closed_walks(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, bounds: np.ndarray
) -> np.ndarray:
    n = len(indptr) - 1
    out = np.zeros(n)
    for c in prange(len(bounds) - 1):
        row = np.zeros(n)
        for u in range(bounds[c], bounds[c + 1]):
            for e in range(indptr[u], indptr[u + 1]):
                row[indices[e]] += data[e]
            acc = 0.0
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                s_uv = data[e]
                part = 0.0
                for f in range(indptr[v], indptr[v + 1]):
                    part += data[f] * row[indices[f]]
                acc += s_uv * part
            out[u] = acc
            for e in range(indptr[u], indptr[u + 1]):
                row[indices[e]] = 0.0
    return out
