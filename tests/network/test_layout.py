from __future__ import annotations

import numpy as np

from groundswell.network.graph import Graph
from groundswell.network.layout import layout


def two_parts_and_an_isolate() -> Graph:
    a = [(f"a{i}", f"a{(i + 1) % 30}", 1.0) for i in range(30)]
    b = [(f"b{i}", f"b{(i + 1) % 10}", 2.0) for i in range(10)]
    return Graph.from_edges(["lonely"], a + b)


def test_layout_is_deterministic_bounded_and_keeps_parts_apart() -> None:
    g = two_parts_and_an_isolate()
    one, two = layout(g, seed=3), layout(g, seed=3)
    assert one.equals(two)
    assert np.abs(one.to_numpy()).max() <= 1.0 + 1e-12
    assert np.isfinite(one.to_numpy()).all()
    a = one.loc[[f"a{i}" for i in range(30)]].to_numpy()
    b = one.loc[[f"b{i}" for i in range(10)]].to_numpy()
    gap = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2).min()
    spread_b = np.linalg.norm(b - b.mean(axis=0), axis=1).max()
    assert gap > 0.02 and spread_b < 0.6  # the small ring is compact and apart
    assert not one.loc["lonely"].isna().any()
    assert not layout(g, seed=4).equals(one)


def test_only_the_strongest_people_are_placed_above_the_limit() -> None:
    g = two_parts_and_an_isolate()  # the ring of 10 has weight 2 ties: the strongest people
    placed = layout(g, seed=3, max_people=10)
    assert sorted(placed.index) == sorted(f"b{i}" for i in range(10))
    assert np.isfinite(placed.to_numpy()).all()
