"""Spread models: Monte Carlo against exact enumeration of live-edge outcomes and hand-computed
cases.

Expected values come from :func:`groundswell.diffusion.exact_spread` (every live-edge outcome,
Kempe et al. 2003) and, for the named small cases, from hand calculation shown in each test.
Monte Carlo means are checked to lie within 3.5 standard errors of the exact value (a 95% CI
would fail one check in twenty by design; the seeds are fixed, so nothing here is flaky).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from groundswell.diffusion import exact_spread, probabilities, simulate
from groundswell.diffusion.models import directed_ties, lt_weights_ok
from groundswell.errors import ConfigError
from groundswell.network.graph import Graph


def path() -> Graph:
    return Graph.from_edges(["a", "b", "c"], [("a", "b", 1.0), ("b", "c", 1.0)])


def diamond() -> Graph:
    return Graph.from_edges(
        list("abcd"), [("a", "b", 1.0), ("a", "c", 1.0), ("b", "d", 1.0), ("c", "d", 1.0)]
    )


def tiny(seed: int, n: int = 5, m: int = 11) -> Graph:
    """A random directed graph with ``m`` distinct ties and integer weights 1-5."""
    rng = np.random.default_rng(seed)
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    pick = rng.choice(len(pairs), m, replace=False)
    edges = [(f"n{pairs[i][0]}", f"n{pairs[i][1]}", float(rng.integers(1, 6))) for i in pick]
    return Graph.from_edges([f"n{i}" for i in range(n)], edges)


def close(sim, exact: float) -> bool:
    return abs(sim.reach - exact) <= 3.5 * sim.reach_sd / np.sqrt(sim.runs) + 1e-12


def test_path_with_half_probabilities_reaches_1_75() -> None:
    # a -> b -> c, p = 0.5: E = 1 + 0.5 + 0.5 * 0.5 = 1.75; after step 1: 1.5
    g = path()
    ex = exact_spread(g, ["a"], probs=np.array([0.5, 0.5]))
    assert ex.reach == pytest.approx(1.75)
    assert ex.curve.tolist() == pytest.approx([1.0, 1.5, 1.75])
    sim = simulate(g, ["a"], probs=np.array([0.5, 0.5]), runs=20_000, seed=1)
    assert close(sim, 1.75)
    assert sim.reach_ci[0] < 1.75 < sim.reach_ci[1]
    assert np.all(np.abs(sim.curve - ex.curve) <= 3.5 * (sim.curve_ci[:, 1] - sim.curve) / 1.96)
    assert sim.activation == pytest.approx([1.0, 0.5, 0.25], abs=0.02)


def test_diamond_by_hand() -> None:
    # P(d) = 1 - (1 - p^2)^2 = 1 - 0.75^2 = 0.4375 at p = 0.5; E = 1 + 0.5 + 0.5 + 0.4375
    g = diamond()
    probs = np.full(4, 0.5)
    assert exact_spread(g, ["a"], probs=probs).reach == pytest.approx(2.4375)
    assert close(simulate(g, ["a"], probs=probs, runs=20_000, seed=2), 2.4375)


def test_linear_threshold_by_hand() -> None:
    # c hears a (weight 0.3) and b (0.5): with both adopting, c adopts iff theta <= 0.8
    g = Graph.from_edges(list("abc"), [("a", "c", 1.0), ("b", "c", 1.0)])
    b = np.array([0.3, 0.5])
    assert exact_spread(g, ["a", "b"], model="lt", probs=b).reach == pytest.approx(2.8)
    assert exact_spread(g, ["a"], model="lt", probs=b).reach == pytest.approx(1.3)
    sim = simulate(g, ["a", "b"], model="lt", probs=b, runs=20_000, seed=3)
    assert close(sim, 2.8)
    # weighted cascade on a path gives every entering tie weight 1: the idea always passes
    assert simulate(path(), ["a"], model="lt", runs=50).reach == 3.0


@pytest.mark.parametrize("model", ["ic", "lt"])
@pytest.mark.parametrize("case", range(4))
def test_simulation_matches_exact_enumeration(model: str, case: int) -> None:
    g = tiny(case)
    probs = probabilities(g, "strength", p=0.4) if model == "ic" else None
    ex = exact_spread(g, [0], model=model, probs=probs)
    sim = simulate(g, [0], model=model, probs=probs, runs=20_000, seed=case)
    assert close(sim, ex.reach), (sim.reach, ex.reach)
    assert np.max(np.abs(sim.activation - ex.activation)) < 0.025
    steps = min(len(sim.curve), len(ex.curve))
    assert np.max(np.abs(sim.curve[:steps] - ex.curve[:steps])) < 0.05
    assert sim.curve[-1] == pytest.approx(sim.reach)


def test_influence_flows_along_the_tie() -> None:
    # a -> b: a talks to b, so a can convince b; b cannot convince a
    g = Graph.from_edges(["a", "b"], [("a", "b", 1.0)])
    one = np.ones(1)
    assert simulate(g, ["a"], probs=one, runs=10).reach == 2.0
    assert simulate(g, ["b"], probs=one, runs=10).reach == 1.0
    # a reciprocated tie carries it both ways, each direction with its own weight
    r = Graph.from_edges(["a", "b"], [("a", "b", 4.0), ("b", "a", 1.0)])
    p = probabilities(r, "strength", p=0.5, scale=1.0)
    assert p.tolist() == pytest.approx([1 - 0.5**4, 0.5])
    assert exact_spread(r, ["a"], probs=p).reach == pytest.approx(1.0 + 1 - 0.5**4)
    assert exact_spread(r, ["b"], probs=p).reach == pytest.approx(1.5)
    # an undirected tie works in both directions
    u = Graph.from_edges(["a", "b"], [("a", "b", 1.0)], directed=False)
    assert len(directed_ties(u)[0]) == 2
    assert simulate(u, ["b"], probs=np.ones(2), runs=10).reach == 2.0


def test_probability_rules() -> None:
    g = Graph.from_edges(
        list("abcd"), [("a", "c", 1.0), ("b", "c", 3.0), ("c", "d", 2.0), ("a", "d", 6.0)]
    )
    s = probabilities(g, "strength", p=0.2)  # scale = median weight 2.5
    assert s == pytest.approx(1 - 0.8 ** (g.weight / 2.5))
    assert np.all(np.diff(s[np.argsort(g.weight)]) > 0)  # monotone in the weight
    # ties are held sorted: a->c (1), a->d (6), b->c (3), c->d (2)
    wc = probabilities(g, "weighted_cascade")
    assert wc == pytest.approx([0.25, 0.75, 0.75, 0.25])  # w / in-strength of the target
    assert probabilities(g, "weighted_cascade", weighted=False) == pytest.approx([0.5] * 4)
    assert lt_weights_ok(g, wc)
    assert probabilities(g, "constant", p=0.3) == pytest.approx([0.3] * 4)
    with pytest.raises(ConfigError, match="rule"):
        probabilities(g, "nope")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="at most 1"):
        simulate(g, [0], model="lt", probs=np.ones(4), runs=10)


def test_reproducible_and_independent_of_threads() -> None:
    g = tiny(7, n=12, m=40)
    probs = probabilities(g, "constant", p=0.3)
    a = simulate(g, [0, 1], probs=probs, runs=500, seed=11)
    b = simulate(g, [0, 1], probs=probs, runs=500, seed=11)
    c = simulate(g, [0, 1], probs=probs, runs=500, seed=12)
    assert a.reach == b.reach and np.array_equal(a.activation, b.activation)
    assert not np.array_equal(a.activation, c.activation)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        d = simulate(g, [0, 1], probs=probs, runs=500, seed=11)
    finally:
        numba.set_num_threads(threads)
    assert d.reach == a.reach and np.array_equal(d.curve, a.curve)


def test_groups_and_max_steps() -> None:
    g = diamond()
    probs = np.full(4, 0.5)
    groups = np.array([0, 1, 1, 2])
    sim = simulate(g, ["a"], probs=probs, runs=4000, seed=5, groups=groups)
    ex = exact_spread(g, ["a"], probs=probs)
    assert sim.by_group.sum() == pytest.approx(sim.reach)
    assert sim.by_group == pytest.approx(np.bincount(groups, weights=ex.activation), abs=0.05)
    assert sim.group_size.tolist() == [1, 2, 1]
    full = simulate(path(), ["a"], probs=np.ones(2), runs=10, max_steps=1)
    assert full.reach == 2.0 and full.curve.tolist() == [1.0, 2.0]
    lonely = simulate(path(), ["a"], probs=np.zeros(2), runs=10, groups=np.array([0, 1, 1]))
    assert lonely.untouched().tolist() == [1]
