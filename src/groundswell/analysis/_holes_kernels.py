"""The numba kernel behind :mod:`groundswell.analysis.structural_holes`.

One kernel serves Burt's constraint, local constraint and effective size: each is a sum, for
every tie (i, j), over the contacts q that i and j share, of a product of mutual weights. The
kernel walks the symmetric mutual-weight matrix in CSR form; for each person i it scatters
i's ties into a dense work row (one per thread), then, for each contact j, reads that row at
j's contacts. The work is the number of two-step paths, :math:`\\sum_j d_j^2`, and memory is
one float64 row of n per thread. On large graphs people are processed in parallel
(``prange``), one chunk of about equal work per thread; each person is handled by one thread,
in a fixed order, so the result does not depend on the number of threads. Small graphs run on
one thread: on a busy machine, waiting for a second thread to be scheduled (OpenMP) cost
10-50 ms a call, ten times the whole computation on 5,000 people (measured on 2 shared
cores).

Kernels are compiled once per process (``cache=True`` keeps the machine code on disk), for
one signature: int64 row pointers, int32 column indices, float64 weights.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

#: Two-step paths below which one thread is used (some 50 ms of work on one core).
_PARALLEL_PATHS = 1 << 25


def holes(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, effective: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(per-tie values, per-person totals) for constraint or, if ``effective``, effective size.

    ``indptr``, ``indices``, ``data``: the symmetric mutual-weight matrix (CSR, zero diagonal,
    positive entries). For constraint the per-tie value is the local constraint and the total
    the constraint; for effective size the per-tie value is the redundancy of the contact and
    the total the effective size. People with no ties get NaN.
    """
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    degree = np.diff(indptr)
    paths = int(degree @ degree)
    threads = numba.get_num_threads()  # this thread's setting (numba keeps one per thread)
    chunks = threads if paths >= _PARALLEL_PATHS else 1
    numba.set_num_threads(chunks)
    try:
        return _holes(
            indptr,
            np.ascontiguousarray(indices, dtype=np.int32),
            np.ascontiguousarray(data, dtype=np.float64),
            effective,
            chunks,
        )
    finally:
        numba.set_num_threads(threads)


@njit(cache=True)
def _prepare(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, chunks: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each person's strength and strongest tie, and the bounds of ``chunks`` runs of people
    of about equal work (two-step paths plus one per tie and per person)."""
    n = len(indptr) - 1
    strength = np.zeros(n)
    strongest = np.zeros(n)
    for i in range(n):
        s = 0.0
        top = 0.0
        for e in range(indptr[i], indptr[i + 1]):
            s += data[e]
            top = max(top, data[e])
        strength[i] = s
        strongest[i] = top
    cum = np.zeros(n + 1)
    for i in range(n):
        work = 1.0
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            work += 1.0 + (indptr[j + 1] - indptr[j])
        cum[i + 1] = cum[i] + work
    bounds = np.searchsorted(cum, np.linspace(0.0, cum[n], chunks + 1))
    bounds[0] = 0
    bounds[chunks] = n
    return strength, strongest, bounds


@njit(cache=True, parallel=True)
def _holes(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    effective: bool,
    chunks: int,
) -> tuple[np.ndarray, np.ndarray]:
    n = len(indptr) - 1
    strength, strongest, bounds = _prepare(indptr, indices, data, chunks)
    # scale[q] turns w_iq into the weight of the path i -> q -> j per unit of w_qj:
    # p_iq p_qj = w_iq w_qj / (s_i s_q) for constraint, p_iq m_jq = w_iq w_jq / (s_i top_j).
    scale = np.ones(n)
    if not effective:
        for q in range(n):
            if strength[q] > 0:
                scale[q] = 1.0 / strength[q]

    per_tie = np.empty(len(indices))
    total = np.empty(n)
    for c in prange(chunks):
        x = np.zeros(n)  # i's ties, scattered; back to zeros after each person
        for i in range(bounds[c], bounds[c + 1]):
            start, stop = indptr[i], indptr[i + 1]
            if start == stop:
                total[i] = np.nan
                continue
            inv_s = 1.0 / strength[i]
            for e in range(start, stop):
                q = indices[e]
                x[q] = data[e] * scale[q]
            acc_i = 0.0
            for e in range(start, stop):
                j = indices[e]
                paths = 0.0  # sum over q of x[q] w_qj; x[j] = 0 as j has no self-tie
                for f in range(indptr[j], indptr[j + 1]):
                    paths += x[indices[f]] * data[f]
                if effective:
                    value = paths * inv_s / strongest[j]
                else:
                    value = (data[e] + paths) * inv_s
                    value *= value
                per_tie[e] = value
                acc_i += value
            total[i] = (stop - start) - acc_i if effective else acc_i
            for e in range(start, stop):
                x[indices[e]] = 0.0
    return per_tie, total


def holes_both(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(constraint, effective size) per person, in one pass over the two-step paths: each
    the same numbers as :func:`holes` gives it alone (the same products, added in the same
    order), without the per-tie values."""
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    degree = np.diff(indptr)
    paths = int(degree @ degree)
    threads = numba.get_num_threads()
    chunks = threads if paths >= _PARALLEL_PATHS else 1
    numba.set_num_threads(chunks)
    try:
        return _holes_both(
            indptr,
            np.ascontiguousarray(indices, dtype=np.int32),
            np.ascontiguousarray(data, dtype=np.float64),
            chunks,
        )
    finally:
        numba.set_num_threads(threads)


@njit(cache=True, parallel=True)
def _holes_both(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, chunks: int
) -> tuple[np.ndarray, np.ndarray]:
    n = len(indptr) - 1
    strength, strongest, bounds = _prepare(indptr, indices, data, chunks)
    scale = np.ones(n)  # constraint's; effective size's is 1 (w * 1.0 == w)
    for q in range(n):
        if strength[q] > 0:
            scale[q] = 1.0 / strength[q]
    constraint = np.empty(n)
    effective = np.empty(n)
    for c in prange(chunks):
        x = np.zeros(2 * n)  # i's ties scattered: x[2q] for constraint, x[2q + 1] as they are
        for i in range(bounds[c], bounds[c + 1]):
            start, stop = indptr[i], indptr[i + 1]
            if start == stop:
                constraint[i] = np.nan
                effective[i] = np.nan
                continue
            inv_s = 1.0 / strength[i]
            for e in range(start, stop):
                q = indices[e]
                x[2 * q] = data[e] * scale[q]
                x[2 * q + 1] = data[e]
            acc_c = 0.0
            acc_e = 0.0
            for e in range(start, stop):
                j = indices[e]
                paths_c = 0.0
                paths_e = 0.0
                for f in range(indptr[j], indptr[j + 1]):
                    q = indices[f]
                    paths_c += x[2 * q] * data[f]
                    paths_e += x[2 * q + 1] * data[f]
                value = (data[e] + paths_c) * inv_s
                value *= value
                acc_c += value
                acc_e += paths_e * inv_s / strongest[j]
            constraint[i] = acc_c
            effective[i] = (stop - start) - acc_e
            for e in range(start, stop):
                q = indices[e]
                x[2 * q] = 0.0
                x[2 * q + 1] = 0.0
    return constraint, effective
