"""The numba kernels of the map layout: a multilevel spring-electrical force layout.

The scheme is Walshaw's multilevel force-directed placement (C. Walshaw, "A Multilevel
Algorithm for Force-Directed Graph Drawing", JGAA 7(3), 2003) with the forces of
Fruchterman and Reingold (Software: Practice and Experience 21(11), 1991), as Hu describes
them (Y. Hu, "Efficient and High Quality Force-Directed Graph Drawing", Mathematica Journal
10(1), 2005):

- **coarsening**: heavy-edge matching (each person, in a seeded random order, pairs with the
  unmatched neighbour of the heaviest tie per unit of mass); a person left unmatched joins the
  cluster of its heaviest neighbour, so stars collapse too. Levels are built until about 40
  clusters remain or a level stops shrinking.
- **placement**: the coarsest level starts at seeded random positions and runs long with a
  hot start; each finer level starts from its parent's position (plus a small seeded jitter)
  and is refined briefly and cool.
- **forces**: repulsion ``k² m_v / d`` between every pair (exactly below
  :data:`groundswell.network.layout.EXACT_BELOW` clusters) or through Barnes and Hut's
  quadtree above (J. Barnes and P. Hut, "A hierarchical O(N log N) force-calculation
  algorithm", Nature 324, 1986: a cell far enough away counts as one body at its centre of
  mass), attraction ``w d² / k`` along ties; each step moves a person by at most the
  temperature, which cools linearly. ``k`` grows with the mean mass of a level so that each
  level fills the same area.

Every loop runs in a fixed order on one thread: a seed gives the same positions every time.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def match(
    indptr: np.ndarray, indices: np.ndarray, w: np.ndarray, mass: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, int]:
    """Cluster of each node after heavy-edge matching, and the number of clusters."""
    n = len(mass)
    cluster = np.full(n, -1, np.int64)
    nc = 0
    for u in order:
        if cluster[u] >= 0:
            continue
        best = -1
        best_w = -1.0
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            if cluster[v] >= 0 or v == u:
                continue
            s = w[p] / (mass[u] * mass[v])
            if s > best_w:
                best_w = s
                best = v
        if best >= 0:
            cluster[u] = nc
            cluster[best] = nc
            nc += 1
    # the unmatched: every neighbour of theirs is matched; join the heaviest one's cluster
    for u in order:
        if cluster[u] >= 0:
            continue
        best = -1
        best_w = -1.0
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            if cluster[v] >= 0 and w[p] > best_w:
                best_w = w[p]
                best = v
        if best >= 0:
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
    """Move ``pos`` (n x 2, in place) by ``iterations`` steps of the spring-electrical forces.

    ``theta`` <= 0: repulsion between every pair; otherwise by Barnes and Hut's quadtree
    (a cell of side s at distance d from a person counts as one body when s < theta d).
    Two kernels, so that a small network (every level exact) never compiles the quadtree.
    """
    if theta <= 0.0:
        _forces_exact(pos, mass, indptr, indices, w, k, iterations, t_start, t_end)
    else:
        _forces_tree(pos, mass, indptr, indices, w, k, theta, iterations, t_start, t_end)


@njit(cache=True)
def _forces_exact(
    pos: np.ndarray,
    mass: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    w: np.ndarray,
    k: float,
    iterations: int,
    t_start: float,
    t_end: float,
) -> None:
    n = pos.shape[0]
    disp = np.zeros((n, 2))
    kk = k * k
    for it in range(iterations):
        frac = it / (iterations - 1) if iterations > 1 else 1.0
        disp[:] = 0.0
        for u in range(n):
            for v in range(u + 1, n):
                dx = pos[u, 0] - pos[v, 0]
                dy = pos[u, 1] - pos[v, 1]
                d2 = dx * dx + dy * dy
                if d2 < 1e-18:
                    dx = 1e-6 * k * ((u * 7 + v * 13) % 5 - 2.0)
                    dy = 1e-6 * k * ((u * 11 + v * 3) % 5 - 2.0)
                    d2 = dx * dx + dy * dy + 1e-18
                f = kk / d2
                disp[u, 0] += dx * f * mass[v]
                disp[u, 1] += dy * f * mass[v]
                disp[v, 0] -= dx * f * mass[u]
                disp[v, 1] -= dy * f * mass[u]
        _attract_and_move(pos, disp, indptr, indices, w, k, t_start + (t_end - t_start) * frac)


@njit(cache=True)
def _forces_tree(
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
    disp = np.zeros((pos.shape[0], 2))
    for it in range(iterations):
        frac = it / (iterations - 1) if iterations > 1 else 1.0
        disp[:] = 0.0
        _barnes_hut(pos, mass, k * k, theta, disp)
        _attract_and_move(pos, disp, indptr, indices, w, k, t_start + (t_end - t_start) * frac)


@njit(cache=True)
def _attract_and_move(
    pos: np.ndarray,
    disp: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    w: np.ndarray,
    k: float,
    t: float,
) -> None:
    """Add the pull of every tie to ``disp``, then move each person by at most ``t``."""
    n = pos.shape[0]
    for u in range(n):
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            dx = pos[u, 0] - pos[v, 0]
            dy = pos[u, 1] - pos[v, 1]
            f = np.sqrt(dx * dx + dy * dy) * w[p] / k
            disp[u, 0] -= dx * f
            disp[u, 1] -= dy * f
    for u in range(n):
        length = np.sqrt(disp[u, 0] ** 2 + disp[u, 1] ** 2)
        if length > 0.0:
            step = min(length, t) / length
            pos[u, 0] += disp[u, 0] * step
            pos[u, 1] += disp[u, 1] * step


#: a quadtree leaf splits when it holds more people than this (and is not too deep)
LEAF, MAX_DEPTH = 8, 40


@njit(cache=True)
def _barnes_hut(
    pos: np.ndarray, mass: np.ndarray, kk: float, theta: float, disp: np.ndarray
) -> None:
    """Add the repulsion on every person to ``disp``, through a quadtree (Barnes and Hut,
    Nature 324, 1986): people in buckets of about :data:`LEAF` at the leaves; a cell that
    holds the person, or is not far enough for ``theta``, is opened."""
    n = pos.shape[0]
    cap = 4 * n + 64
    child = np.full((cap, 4), -1, np.int64)
    cx = np.empty(cap)
    cy = np.empty(cap)
    half = np.empty(cap)
    cm = np.zeros(cap)
    mx = np.zeros(cap)
    my = np.zeros(cap)
    count = np.zeros(cap, np.int64)
    first = np.full(cap, -1, np.int64)
    leaf = np.ones(cap, np.bool_)
    depth = np.zeros(cap, np.int64)
    nxt = np.full(n, -1, np.int64)
    x0, x1 = pos[:, 0].min(), pos[:, 0].max()
    y0, y1 = pos[:, 1].min(), pos[:, 1].max()
    cx[0] = (x0 + x1) / 2
    cy[0] = (y0 + y1) / 2
    half[0] = max(x1 - x0, y1 - y0) / 2 * 1.0001 + 1e-9
    used = 1
    for p in range(n):
        node = 0
        while True:
            cm[node] += mass[p]
            mx[node] += mass[p] * pos[p, 0]
            my[node] += mass[p] * pos[p, 1]
            count[node] += 1
            if leaf[node]:
                nxt[p] = first[node]
                first[node] = p
                if count[node] > LEAF and depth[node] < MAX_DEPTH and used + 4 <= cap:
                    leaf[node] = False
                    q = first[node]
                    first[node] = -1
                    while q >= 0:
                        after = nxt[q]
                        quad = (pos[q, 0] > cx[node]) * 1 + (pos[q, 1] > cy[node]) * 2
                        c = child[node, quad]
                        if c < 0:
                            c = used
                            used += 1
                            child[node, quad] = c
                            h = half[node] / 2
                            half[c] = h
                            cx[c] = cx[node] + (h if quad & 1 else -h)
                            cy[c] = cy[node] + (h if quad & 2 else -h)
                            depth[c] = depth[node] + 1
                        cm[c] += mass[q]
                        mx[c] += mass[q] * pos[q, 0]
                        my[c] += mass[q] * pos[q, 1]
                        count[c] += 1
                        nxt[q] = first[c]
                        first[c] = q
                        q = after
                break
            quad = (pos[p, 0] > cx[node]) * 1 + (pos[p, 1] > cy[node]) * 2
            c = child[node, quad]
            if c < 0:
                c = used
                used += 1
                child[node, quad] = c
                h = half[node] / 2
                half[c] = h
                cx[c] = cx[node] + (h if quad & 1 else -h)
                cy[c] = cy[node] + (h if quad & 2 else -h)
                depth[c] = depth[node] + 1
            node = c
    stack = np.empty(4 * MAX_DEPTH + 16, np.int64)
    t2 = theta * theta
    for p in range(n):
        px = pos[p, 0]
        py = pos[p, 1]
        fx = 0.0
        fy = 0.0
        top = 0
        stack[0] = 0
        top = 1
        while top > 0:
            top -= 1
            node = stack[top]
            inside = abs(px - cx[node]) <= half[node] and abs(py - cy[node]) <= half[node]
            if not inside and not leaf[node]:
                gx = mx[node] / cm[node]
                gy = my[node] / cm[node]
                dx = px - gx
                dy = py - gy
                d2 = dx * dx + dy * dy
                if 4.0 * half[node] * half[node] < t2 * d2:
                    f = kk * cm[node] / d2
                    fx += dx * f
                    fy += dy * f
                    continue
            if leaf[node]:
                q = first[node]
                while q >= 0:
                    if q != p:
                        dx = px - pos[q, 0]
                        dy = py - pos[q, 1]
                        d2 = dx * dx + dy * dy
                        if d2 < 1e-18:
                            dx = 1e-9 * ((p * 7 + q * 13) % 5 - 2.0)
                            dy = 1e-9 * ((p * 11 + q * 3) % 5 - 2.0)
                            d2 = dx * dx + dy * dy + 1e-18
                        f = kk * mass[q] / d2
                        fx += dx * f
                        fy += dy * f
                    q = nxt[q]
            else:
                for quad in range(4):
                    c = child[node, quad]
                    if c >= 0:
                        stack[top] = c
                        top += 1
        disp[p, 0] += fx
        disp[p, 1] += fy
