"""Positions of people on the network map, computed once per run and stored with it."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from groundswell.network.graph import Graph


def layout(
    g: Graph, *, seed: int = 0, iterations: int = 500, max_people: int = 5000
) -> pd.DataFrame:
    """Force-directed positions, scaled to [-1, 1], deterministic for a given ``seed``.

    A map stays readable (and a report file small) up to a few thousand people: above
    ``max_people``, only the ``max_people`` people with the most tie strength are placed, on
    the network of the ties among them; the others get no position and are left off the map
    (every table and figure still counts them).

    Each connected part of the network is laid out on its own (Fruchterman-Reingold with a
    grid, by igraph; stronger ties pull harder, attraction growing with log(1 + weight)),
    its far-away people and groups pulled in (:func:`_pull_in`), scaled to an area
    proportional to its size, and the parts are packed by their bounding boxes in rows,
    largest first, to fill a view about :data:`ASPECT` times as wide as high
    (:func:`_pack`) — so a disconnected department or a group hanging by one tie does not
    push everyone else into a corner, and isolated people line up at the bottom.
    """
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
        return layout(sub, seed=seed, iterations=iterations, max_people=max_people)
    u = g.to_undirected()
    n_parts, label = connected_components(u.adjacency(), directed=False)
    sizes = np.bincount(label, minlength=n_parts)
    order = np.argsort(-sizes, kind="stable")
    rng = random.Random(seed)
    parts = []
    for part in order:
        members = np.flatnonzero(label == part)
        local = _pull_in(_part_layout(u, members, rng, iterations))
        radius = math.sqrt(len(members)) if len(members) > 1 else 0.5
        span = np.abs(local).max() or 1.0
        parts.append((members, local / span * radius))
    xy = _pack(parts, g.n)
    xy -= (xy.max(axis=0) + xy.min(axis=0)) / 2
    xy /= np.abs(xy).max() or 1.0
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}, index=index)


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
