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
    scaled to an area proportional to its size, and the parts are packed in rows, largest
    first — so a disconnected department does not push everyone else into a corner, and
    isolated people line up at the bottom.
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
    xy = np.zeros((g.n, 2))
    rng = random.Random(seed)
    row_x = row_y = row_h = 0.0
    row_w = 2.2 * math.sqrt(sizes.max()) * 1.6  # shelf width: a little wider than the largest
    for part in order:
        members = np.flatnonzero(label == part)
        local = _part_layout(u, members, rng, iterations)
        radius = math.sqrt(len(members)) if len(members) > 1 else 0.5
        span = np.abs(local).max() or 1.0
        local = local / span * radius
        if row_x + 2 * radius > row_w and row_x > 0:
            row_x, row_y, row_h = 0.0, row_y - row_h - 0.8, 0.0
        xy[members] = local + np.array([row_x + radius, row_y - radius])
        row_x += 2 * radius + 0.8
        row_h = max(row_h, 2 * radius)
    xy -= (xy.max(axis=0) + xy.min(axis=0)) / 2
    xy /= np.abs(xy).max() or 1.0
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}, index=index)


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
