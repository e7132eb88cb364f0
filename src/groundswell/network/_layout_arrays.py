"""The map layout of a small network without numba: :mod:`._layout_kernels` in NumPy.

The multilevel force layout's kernels (heavy-edge matching, exact repulsion, attraction and
moves) are compiled by numba the first time a process on a new installation lays out a map
(about 2 s of CPU), and loading them with numba costs about half a second in every later
process. A connected part of at most :data:`SMALL_PEOPLE` people is laid out by these
array versions instead (:func:`groundswell.network.layout._part_multilevel` picks them):
the same algorithm, step for step —

- :func:`match` is the kernel's greedy heavy-edge matching, person by person in the same
  seeded order (a loop over at most :data:`SMALL_PEOPLE` people, each person's ties handled
  as arrays), so it gives the same clusters;
- :func:`forces` computes the exact repulsion between every pair and the pull of every tie
  as arrays, then moves every person as the kernel does. The sums run in another order, so
  the positions differ from the kernel's in the last bits at first and, as any force layout
  amplifies small differences, visibly after many steps: a seed still gives the same map
  every time, and tests/network/test_layout_arrays.py checks that both versions give maps
  of the same quality (the tests of tests/network/test_layout.py hold for both).
"""

from __future__ import annotations

import numpy as np

#: connected parts up to this many people are laid out here (the exact repulsion costs n^2
#: per step: 0.1 s in all for 200 people, more than the compiled kernel above a few hundred)
SMALL_PEOPLE = 300


def match(
    indptr: np.ndarray, indices: np.ndarray, w: np.ndarray, mass: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, int]:
    """Cluster of each node after heavy-edge matching, and the number of clusters
    (:func:`groundswell.network._layout_kernels.match`)."""
    n = len(mass)
    cluster = np.full(n, -1, np.int64)
    nc = 0
    for u in order:
        if cluster[u] >= 0:
            continue
        lo, hi = indptr[u], indptr[u + 1]
        v = indices[lo:hi]
        free = (cluster[v] < 0) & (v != u)
        if free.any():
            score = np.where(free, w[lo:hi] / (mass[u] * mass[v]), -np.inf)
            best = v[int(np.argmax(score))]
            cluster[u] = nc
            cluster[best] = nc
            nc += 1
    for u in order:
        if cluster[u] >= 0:
            continue
        lo, hi = indptr[u], indptr[u + 1]
        v = indices[lo:hi]
        taken = cluster[v] >= 0
        if taken.any():
            best = v[int(np.argmax(np.where(taken, w[lo:hi], -np.inf)))]
            cluster[u] = cluster[best]
        else:
            cluster[u] = nc
            nc += 1
    return cluster, nc


def forces(
    pos: np.ndarray,
    mass: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    w: np.ndarray,
    k: float,
    theta: float,
    iterations: int,
    t_start: float,
    t_end: float,
) -> None:
    """Move ``pos`` (n x 2, in place) by ``iterations`` steps of the spring-electrical forces,
    with the exact repulsion between every pair (``theta`` must be 0: a small part)."""
    if theta > 0.0:
        raise ValueError("the array layout computes the exact repulsion only (theta = 0)")
    n = pos.shape[0]
    kk = k * k
    tail = np.repeat(np.arange(n), np.diff(indptr))
    head = np.asarray(indices, dtype=np.int64)
    # the kernel's nudge for two people on the same spot, as seen from each of them
    lo = np.minimum.outer(np.arange(n), np.arange(n))
    hi = np.maximum.outer(np.arange(n), np.arange(n))
    sign = np.where(np.arange(n)[:, None] < np.arange(n)[None, :], 1.0, -1.0)
    nudge_x = sign * 1e-6 * k * ((lo * 7 + hi * 13) % 5 - 2.0)
    nudge_y = sign * 1e-6 * k * ((lo * 11 + hi * 3) % 5 - 2.0)
    off_diagonal = ~np.eye(n, dtype=bool)
    for it in range(iterations):
        frac = it / (iterations - 1) if iterations > 1 else 1.0
        dx = pos[:, 0, None] - pos[None, :, 0]
        dy = pos[:, 1, None] - pos[None, :, 1]
        d2 = dx * dx + dy * dy
        close = (d2 < 1e-18) & off_diagonal
        if close.any():
            dx = np.where(close, nudge_x, dx)
            dy = np.where(close, nudge_y, dy)
            d2 = np.where(close, dx * dx + dy * dy + 1e-18, d2)
        f = np.divide(kk, d2, out=np.zeros_like(d2), where=off_diagonal)
        disp = np.column_stack([(dx * f) @ mass, (dy * f) @ mass])
        _attract_and_move(pos, disp, tail, head, w, k, t_start + (t_end - t_start) * frac)


def _attract_and_move(
    pos: np.ndarray,
    disp: np.ndarray,
    tail: np.ndarray,
    head: np.ndarray,
    w: np.ndarray,
    k: float,
    t: float,
) -> None:
    """Add the pull of every tie to ``disp``, then move each person by at most ``t``."""
    n = pos.shape[0]
    dx = pos[tail, 0] - pos[head, 0]
    dy = pos[tail, 1] - pos[head, 1]
    f = np.sqrt(dx * dx + dy * dy) * w / k
    disp[:, 0] -= np.bincount(tail, weights=dx * f, minlength=n)
    disp[:, 1] -= np.bincount(tail, weights=dy * f, minlength=n)
    length = np.sqrt(disp[:, 0] ** 2 + disp[:, 1] ** 2)
    step = np.divide(np.minimum(length, t), length, out=np.zeros(n), where=length > 0.0)
    pos += disp * step[:, None]
