"""Positions of people on the network map, computed once per run and stored with it."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from groundswell.network.graph import Graph


def layout(g: Graph, *, seed: int = 0, iterations: int = 500) -> pd.DataFrame:
    """Force-directed positions (Fruchterman-Reingold with a grid, by igraph), scaled to
    [-1, 1]. Stronger ties pull harder (attraction grows with log(1 + weight)).
    Deterministic for a given ``seed``.
    """
    import igraph as ig

    index = pd.Index(g.nodes, name="person_id")
    if g.n == 0:
        return pd.DataFrame({"x": [], "y": []}, index=index)
    u = g.to_undirected()
    h = u.to_igraph()
    rng = random.Random(seed)
    ig.set_random_number_generator(rng)
    try:
        start = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(g.n)]
        pos = h.layout_fruchterman_reingold(
            weights=np.log1p(u.weight).tolist() if u.m else None,
            niter=iterations,
            seed=start,
            grid="auto",
        )
    finally:
        ig.set_random_number_generator(random)
    xy = np.asarray(pos.coords, dtype=np.float64)
    xy -= xy.mean(axis=0)
    scale = np.abs(xy).max() or 1.0
    xy /= scale
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}, index=index)
