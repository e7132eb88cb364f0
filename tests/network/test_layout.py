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
    assert gap > 0.02 and spread_b < 0.7  # the small ring is compact and apart
    assert not one.loc["lonely"].isna().any()
    assert not layout(g, seed=4).equals(one)


def test_only_the_strongest_people_are_placed_above_the_limit() -> None:
    g = two_parts_and_an_isolate()  # the ring of 10 has weight 2 ties: the strongest people
    placed = layout(g, seed=3, max_people=10)
    assert sorted(placed.index) == sorted(f"b{i}" for i in range(10))
    assert np.isfinite(placed.to_numpy()).all()


def test_a_group_hanging_by_one_tie_does_not_squeeze_the_rest_into_a_corner() -> None:
    """300 people in a dense block, and 60 in another joined to it by one tie: the force
    layout pushes the 60 far out; the map must still give the 300 a good part of the view."""
    rng = np.random.default_rng(1)
    big = [(f"a{i}", f"a{j}", 1.0) for i, j in rng.integers(0, 300, size=(3000, 2)) if i != j]
    small = [(f"b{i}", f"b{j}", 1.0) for i, j in rng.integers(0, 60, size=(500, 2)) if i != j]
    g = Graph.from_edges([], [*big, *small, ("a0", "b0", 1.0)])
    pos = layout(g, seed=2)
    a = pos.loc[[f"a{i}" for i in range(300)]].to_numpy()
    b = pos.loc[[f"b{i}" for i in range(60)]].to_numpy()
    view = np.ptp(pos.to_numpy(), axis=0).prod()
    core = np.ptp(np.quantile(a, [0.05, 0.95], axis=0), axis=0).prod()
    assert core / view > 0.12  # the central 90% of the 300: 0.16 of the map (0.08 before)
    gap = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2).min()
    assert gap > 0  # and the two groups stay apart
