"""Graph.to_undirected: made once per graph and kept (analyze asks for it about ten times),
and the same collapse as summing both directions of each pair by hand."""

from __future__ import annotations

import numpy as np

from groundswell.network.graph import Graph


def test_to_undirected_sums_both_directions_once_and_is_kept() -> None:
    rng = np.random.default_rng(3)
    nodes = [f"p{i}" for i in range(30)]
    edges = [(nodes[a], nodes[b], float(w)) for a, b, w in
             zip(rng.integers(0, 30, 200), rng.integers(0, 30, 200), rng.integers(1, 9, 200),
                 strict=True) if a != b]  # fmt: skip
    g = Graph.from_edges(nodes, edges)
    u = g.to_undirected()
    assert g.to_undirected() is u  # kept: not collapsed again
    assert u.to_undirected() is u and not u.directed
    expected: dict[tuple[str, str], float] = {}
    for a, b, w in edges:  # by hand: each unordered pair, the weight of both directions
        key = (min(a, b), max(a, b))
        expected[key] = expected.get(key, 0.0) + w
    got = {
        (min(x, y), max(x, y)): w
        for x, y, w in zip(u.nodes[u.src], u.nodes[u.dst], u.weight, strict=True)
    }
    assert got == expected
