"""Positions of people on the network map, computed once per run and stored with it."""

from __future__ import annotations

import math
import random
from types import ModuleType

import numpy as np
import pandas as pd

from groundswell.network.graph import Graph

#: the layout methods: the multilevel force layout (the default since issue 20) and igraph's
#: Fruchterman-Reingold, 500 iterations (the map before it, kept to compare against)
METHODS = ("multilevel", "fruchterman-reingold")


def layout(
    g: Graph,
    *,
    seed: int = 0,
    iterations: int | None = None,
    max_people: int = 5000,
    method: str = "multilevel",
) -> pd.DataFrame:
    """Force-directed positions, scaled to [-1, 1], deterministic for a given ``seed``.

    A map stays readable (and a report file small) up to a few thousand people: above
    ``max_people``, only the ``max_people`` people with the most tie strength are placed, on
    the network of the ties among them; the others get no position and are left off the map
    (every table and figure still counts them).

    Each connected part of the network is laid out on its own (a multilevel force layout in
    numba, :func:`_part_multilevel`; stronger ties pull harder, attraction growing with
    log(1 + weight)),
    its far-away people and groups pulled in (:func:`_pull_in`), scaled to an area
    proportional to its size, and the parts are packed by their bounding boxes in rows,
    largest first, to fill a view about :data:`ASPECT` times as wide as high
    (:func:`_pack`) — so a disconnected department or a group hanging by one tie does not
    push everyone else into a corner, and isolated people line up at the bottom.

    ``method="fruchterman-reingold"`` lays each part out with igraph's Fruchterman-Reingold
    (``iterations``, default 500) instead: the map before issue 20, about 20 times slower at
    5,000 people; ``bench/layout.py`` compares the two. ``iterations`` of the multilevel
    layout are those of its coarsest level (default 300).
    """
    if method not in METHODS:
        raise ValueError(f"layout method {method!r}: expected one of {', '.join(METHODS)}")
    index = pd.Index(g.nodes, name="person_id")
    if g.n == 0:
        return pd.DataFrame({"x": [], "y": []}, index=index)
    if g.n > max_people:
        strength = np.bincount(g.src, weights=g.weight, minlength=g.n) + np.bincount(
            g.dst, weights=g.weight, minlength=g.n
        )
        keep = np.sort(np.argsort(-strength, kind="stable")[:max_people])
        inside = np.isin(g.src, keep) & np.isin(g.dst, keep)
        sub = Graph.from_edges(
            g.nodes[keep],
            pd.DataFrame(
                {"s": g.nodes[g.src[inside]], "t": g.nodes[g.dst[inside]], "w": g.weight[inside]}
            ),
        )
        return layout(sub, seed=seed, iterations=iterations, max_people=max_people, method=method)
    u = g.to_undirected()
    n_parts, label = parts_of(u)
    sizes = np.bincount(label, minlength=n_parts)
    order = np.argsort(-sizes, kind="stable")
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    parts = []
    for part in order:
        members = np.flatnonzero(label == part)
        if method == "multilevel":
            raw = _part_multilevel(u, members, np_rng, iterations or 300)
        else:
            raw = _part_layout(u, members, rng, iterations or 500)
        local = _pull_in(raw)
        radius = math.sqrt(len(members)) if len(members) > 1 else 0.5
        span = np.abs(local).max() or 1.0
        parts.append((members, local / span * radius))
    xy = _pack(parts, g.n)
    xy -= (xy.max(axis=0) + xy.min(axis=0)) / 2
    xy /= np.abs(xy).max() or 1.0
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}, index=index)


def parts_of(u: Graph) -> tuple[int, np.ndarray]:
    """(number of connected parts, each person's part) of the undirected ``u``, the parts
    numbered in the order of their first person, as ``scipy.sparse.csgraph``'s
    ``connected_components`` numbers them (tests/network/test_layout.py compares both).
    igraph's, already loaded for the communities: SciPy's would load ``scipy.sparse.linalg``
    and ``scipy.linalg`` with it (about 0.13 s of CPU of every small ``analyze``)."""
    import igraph

    g = igraph.Graph(n=u.n, edges=np.column_stack([u.src, u.dst]), directed=False)
    found = np.asarray(g.connected_components().membership, dtype=np.int64)
    if not len(found):
        return 0, found
    _, first = np.unique(found, return_index=True)  # each part's first person
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return len(first), rank[found]


#: the map's width to height, which the packing of the parts aims at
ASPECT = 1.45
#: the widest empty band left between people along either axis, as a share of the
#: part's central spread (its 5th to 95th percentile)
MAX_GAP = 0.04


def _pull_in(local: np.ndarray) -> np.ndarray:
    """Positions of one part with the empty space around far-away people and groups removed.

    A group joined to the rest by one or two ties drifts far out in a force layout, and
    scaling the part to fit then squeezes everyone else into a corner. Along each axis, every
    empty band between consecutive people wider than :data:`MAX_GAP` of the part's central
    spread (or 1.5 / sqrt(people) of it, in a small part) is narrowed to that width: the
    order of people along both axes is kept (a far group stays on its side, apart), but the
    picture is filled.
    """
    if len(local) < 3:
        return local
    out = local.copy()
    for axis in (0, 1):
        v = local[:, axis]
        order = np.argsort(v, kind="stable")
        sorted_v = v[order]
        lo, hi = np.quantile(v, [0.05, 0.95])
        spread = float(hi - lo or sorted_v[-1] - sorted_v[0] or 1.0)
        # a few people have wide gaps between them by nature: the cap grows for small parts
        cap = spread * max(MAX_GAP, 1.5 / math.sqrt(len(v)))
        gaps = np.minimum(np.diff(sorted_v), cap)
        placed = np.concatenate([[0.0], np.cumsum(gaps)])
        out[order, axis] = placed - np.median(placed)
    return out


def _pack(parts: list[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """Place the parts (members, local positions) side by side in rows by their bounding
    boxes, largest first, rows as wide as makes the whole about :data:`ASPECT` times as
    wide as high; single people fill the last rows."""
    boxes = []
    for members, local in parts:
        lo, hi = local.min(axis=0), local.max(axis=0)
        boxes.append((members, local - lo, np.maximum(hi - lo, 1.0)))
    margin = 0.8
    area = sum(float((w + margin) * (h + margin)) for _, _, (w, h) in boxes)
    row_w = max(math.sqrt(area * ASPECT), float(max(w for _, _, (w, _) in boxes)))
    xy = np.zeros((n, 2))
    x = y = row_h = 0.0
    for members, local, (w, h) in boxes:
        if x > 0 and x + w > row_w:
            x, y, row_h = 0.0, y - row_h - margin, 0.0
        xy[members] = local + np.array([x, y - h])
        x += w + margin
        row_h = max(row_h, h)
    return xy


def _part_layout(u: Graph, members: np.ndarray, rng: random.Random, iterations: int) -> np.ndarray:
    import igraph as ig

    if len(members) == 1:
        return np.zeros((1, 2))
    local_index = np.full(u.n, -1)
    local_index[members] = np.arange(len(members))
    inside = (local_index[u.src] >= 0) & (local_index[u.dst] >= 0)
    edges = np.column_stack([local_index[u.src[inside]], local_index[u.dst[inside]]])
    h = ig.Graph(n=len(members), edges=edges.tolist(), directed=False)
    start = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(len(members))]
    ig.set_random_number_generator(rng)
    try:
        pos = h.layout_fruchterman_reingold(
            weights=np.log1p(u.weight[inside]).tolist(),
            niter=iterations,
            seed=start,
            grid="auto",
        )
    finally:
        ig.set_random_number_generator(random)
    local = np.asarray(pos.coords, dtype=np.float64)
    return local - local.mean(axis=0)


def _local_edges(u: Graph, members: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ties among ``members`` (local indices, each once) and their weights."""
    local_index = np.full(u.n, -1)
    local_index[members] = np.arange(len(members))
    inside = (local_index[u.src] >= 0) & (local_index[u.dst] >= 0)
    return local_index[u.src[inside]], local_index[u.dst[inside]], u.weight[inside]


def _csr(n: int, s: np.ndarray, t: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """Both directions of each tie as CSR arrays (indptr, indices, weights)."""
    a = np.concatenate([s, t])
    b = np.concatenate([t, s])
    ww = np.concatenate([w, w])
    order = np.lexsort((b, a))
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    return indptr, b[order].astype(np.int64), ww[order].astype(np.float64)


#: the multilevel layout: stop coarsening at this many clusters, or when a level keeps more
#: than this share of the one below
COARSEST, STALL = 40, 0.9
#: steps at each finer level, and Barnes and Hut's opening criterion
FINE_ITERATIONS, THETA = 50, 1.0
#: levels with fewer clusters than this compute repulsion between every pair (so every level
#: of a part small enough for the array kernels, :data:`._layout_arrays.SMALL_PEOPLE`)
EXACT_BELOW = 700


def _kernels(n: int) -> ModuleType:
    """The layout's kernels for a part of ``n`` people: NumPy for a small part (nothing to
    compile on a first run, :mod:`._layout_arrays`), else numba (:mod:`._layout_kernels`)."""
    from groundswell.network import _layout_arrays

    if n <= _layout_arrays.SMALL_PEOPLE:
        return _layout_arrays
    from groundswell.network import _layout_kernels

    return _layout_kernels


def _part_multilevel(
    u: Graph, members: np.ndarray, rng: np.random.Generator, iterations: int
) -> np.ndarray:
    """Positions of one connected part by the multilevel force layout (see
    :mod:`._layout_kernels`): coarsen by heavy-edge matching, lay the coarsest level out,
    then place and refine each finer level from the one above it; the part is turned so
    that its principal axis runs along the (wider) x axis."""
    n = len(members)
    if n == 1:
        return np.zeros((1, 2))
    kernels = _kernels(n)
    s, t, w = _local_edges(u, members)
    w = np.log1p(w)
    levels: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = [
        (n, s, t, w, np.ones(n))
    ]
    maps: list[np.ndarray] = []
    while levels[-1][0] > COARSEST:
        nl, sl, tl, wl, ml = levels[-1]
        indptr, indices, wc = _csr(nl, sl, tl, wl)
        cluster, nc = kernels.match(indptr, indices, wc, ml, rng.permutation(nl))
        if nc > STALL * nl:
            break
        cs, ct = cluster[sl], cluster[tl]
        between = cs != ct
        key = np.minimum(cs, ct)[between] * nc + np.maximum(cs, ct)[between]
        pairs, inverse = np.unique(key, return_inverse=True)
        maps.append(cluster)
        levels.append(
            (
                int(nc),
                pairs // nc,
                pairs % nc,
                np.bincount(inverse, weights=wl[between], minlength=len(pairs)),
                np.bincount(cluster, weights=ml, minlength=nc),
            )
        )
    pos = np.empty((0, 2))
    for depth in range(len(levels) - 1, -1, -1):
        nl, sl, tl, wl, ml = levels[depth]
        k = math.sqrt(n / nl)  # each level fills the same area, about n (k = 1 at the finest)
        if depth == len(levels) - 1:
            side = math.sqrt(n)
            pos = rng.uniform(-side / 2, side / 2, size=(nl, 2))
            steps, t_start = iterations, side / 10
        else:
            cluster = maps[depth]
            children = np.bincount(cluster, minlength=len(pos))
            spread = 0.5 * k * np.sqrt(children[cluster])
            pos = pos[cluster] + rng.uniform(-1, 1, size=(nl, 2)) * spread[:, None]
            steps, t_start = FINE_ITERATIONS, k
        indptr, indices, wc = _csr(nl, sl, tl, wl)
        kernels.forces(
            pos,
            ml / ml.mean(),
            indptr,
            indices,
            wc / wc.mean() if len(wc) else wc,
            k,
            0.0 if nl < EXACT_BELOW else THETA,
            steps,
            t_start,
            0.01 * k,
        )
    pos -= pos.mean(axis=0)
    # turn the part so that its longest spread lies along the map's width
    _, axes = np.linalg.eigh(pos.T @ pos)
    return pos @ axes[:, ::-1]
