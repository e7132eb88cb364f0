"""Influence maximisation (OPIM-C on RR sets), the constrained champion plan and the baselines.

Oracles: greedy Monte Carlo selection (CELF, Kempe et al. 2003 / Leskovec et al. 2007) on the
karate club (Zachary 1977) and Krackhardt's advice network (1987); exact enumeration for the
spread of a chosen set on a tiny graph; hand-computed quotas (largest remainder) and rankings.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.diffusion import (
    baseline_seeds,
    celf_seeds,
    exact_spread,
    plan,
    probabilities,
    quotas,
    reach_by_k,
    select_seeds,
    simulate,
)
from groundswell.errors import ConfigError, GroundswellError, PlanError
from tests.analysis.test_centrality import karate, krackhardt_advice

KARATE = karate()
KRACK = krackhardt_advice()


@pytest.mark.parametrize(
    ("g", "model", "rule"),
    [(KARATE, "ic", "constant"), (KRACK, "ic", "weighted_cascade"), (KRACK, "lt", None)],
    ids=["karate-ic", "krack-ic-wc", "krack-lt"],
)
def test_rr_selection_is_as_good_as_greedy_monte_carlo(g, model, rule) -> None:
    probs = None if rule is None else probabilities(g, rule, p=0.1)
    k = 3
    ours = select_seeds(g, k, model=model, probs=probs, epsilon=0.1, seed=1)
    ref, _ = celf_seeds(g, k, model=model, probs=probs, runs=1000, seed=2)
    a = simulate(g, ours.seeds, model=model, probs=probs, runs=10_000, seed=3)
    b = simulate(g, ref, model=model, probs=probs, runs=10_000, seed=3)
    assert a.reach >= 0.97 * b.reach, (ours.seeds, ref, a.reach, b.reach)
    # unbiased estimate on R2 (half the RR sets): within 4 standard errors of the simulation
    assert abs(ours.spread - a.reach) <= 4 * np.hypot(_se(ours, g.n), a.reach_sd / 100)
    assert ours.approximation >= 1 - 1 / np.e - 0.1
    assert ours.spread_lower <= a.reach <= ours.optimum_upper


def _se(s, n: int) -> float:
    """The standard error of ``s.spread``: n times a share of the ``s.rr_sets / 2`` sets."""
    f = s.spread / n
    return n * np.sqrt(f * (1 - f) / (s.rr_sets / 2))


def test_gains_add_up_and_match_exact_spread() -> None:
    g = Graph5()
    probs = np.full(len(g.src), 0.5)
    s = select_seeds(g, 2, probs=probs, epsilon=0.2, seed=4)
    exact = exact_spread(g, s.seeds, probs=probs).reach
    assert s.gains.sum() == pytest.approx(s.spread)
    assert s.spread == pytest.approx(exact, rel=0.05)
    assert s.seeds[0] == 0  # the hub that talks to everyone


def Graph5():
    from groundswell.network.graph import Graph

    return Graph.from_edges(
        list("abcde"),
        [("a", "b", 1.0), ("a", "c", 1.0), ("a", "d", 1.0), ("d", "e", 1.0), ("e", "d", 1.0)],
    )


def test_same_seed_same_plan_different_seed_different_sample() -> None:
    probs = probabilities(KARATE, "constant", p=0.1)
    a = select_seeds(KARATE, 4, probs=probs, seed=9)
    b = select_seeds(KARATE, 4, probs=probs, seed=9)
    c = select_seeds(KARATE, 4, probs=probs, seed=10)
    assert np.array_equal(a.seeds, b.seeds) and a.spread == b.spread and a.rr_sets == b.rr_sets
    assert a.spread != c.spread


def test_include_and_exclude_are_honoured() -> None:
    probs = probabilities(KARATE, "constant", p=0.1)
    free = select_seeds(KARATE, 3, probs=probs, seed=1)
    top = int(free.seeds[0])
    p = plan(KARATE, 3, probs=probs, seed=1, include=["5", "7"], exclude=[top])
    assert p.seeds[:2].tolist() == [4, 6]  # node "5" is index 4, "7" is index 6
    assert top not in p.seeds
    assert p.reason.tolist() == ["include", "include", "greedy"]
    frame = p.to_frame(KARATE)
    assert frame["person_id"].tolist()[:2] == ["5", "7"]


groups_st = st.lists(st.integers(0, 3), min_size=34, max_size=34)


@settings(max_examples=30, deadline=None)
@given(
    codes=groups_st,
    k=st.integers(1, 8),
    kind=st.sampled_from(["at_least_one", "proportional"]),
    excluded=st.sets(st.integers(0, 33), max_size=12),
    included=st.sets(st.integers(0, 33), max_size=3),
)
def test_quotas_are_met_and_excluded_never_chosen(codes, k, kind, excluded, included) -> None:
    groups = np.array(codes)
    inc = sorted(included - excluded)
    exc = sorted(excluded)
    try:
        p = plan(
            KARATE, k, epsilon=0.3, seed=0, groups=groups, quota=kind, include=inc, exclude=exc
        )
    except PlanError:
        # impossible only if the quota (for the eligible) cannot fit k, or too many sponsors
        eligible = np.ones(34, bool)
        eligible[exc] = False
        need = quotas(groups, k, kind, eligible)
        have = np.bincount(groups[inc], minlength=len(need))
        free = np.bincount(groups[eligible], minlength=len(need)) - have
        unmet = np.maximum(need - have, 0)
        assert len(inc) > k or unmet.sum() > k - len(inc) or np.any(unmet > free)
        return
    chosen = p.seeds
    assert len(chosen) == k and len(set(chosen.tolist())) == k
    assert not set(chosen.tolist()) & set(exc)
    assert chosen[: len(inc)].tolist() == inc
    got = np.bincount(groups[chosen], minlength=len(p.quota))
    assert np.all(got >= p.quota)


def test_proportional_quota_by_largest_remainder() -> None:
    # sizes 5, 3, 2 and k = 4: exact shares 2.0, 1.2, 0.8 -> floors 2, 1, 0; the one seat
    # left goes to the largest remainder (0.8)
    groups = np.repeat([0, 1, 2], [5, 3, 2])
    assert quotas(groups, 4, "proportional").tolist() == [2, 1, 1]
    assert quotas(groups, 4, "at_least_one").tolist() == [1, 1, 1]
    eligible = np.ones(10, bool)
    eligible[8:] = False
    assert quotas(groups, 4, "at_least_one", eligible).tolist() == [1, 1, 0]


def test_impossible_quotas_raise() -> None:
    groups = np.arange(34) % 5
    with pytest.raises(PlanError, match="needs 5 more seeds"):
        plan(KARATE, 4, groups=groups, quota="at_least_one")
    with pytest.raises(PlanError, match=r"group\(s\) \[2\]"):
        plan(KARATE, 5, groups=groups, quota="at_least_one", exclude=np.flatnonzero(groups == 2))
    with pytest.raises(PlanError, match="more than k"):
        plan(KARATE, 1, include=[0, 1])
    with pytest.raises(PlanError, match="both included and excluded"):
        plan(KARATE, 2, include=[0], exclude=[0])
    with pytest.raises(PlanError, match="needs 'groups'"):
        plan(KARATE, 2, quota="proportional")
    with pytest.raises(ConfigError, match="epsilon"):
        select_seeds(KARATE, 2, epsilon=0.9)
    assert issubclass(PlanError, GroundswellError)


def test_at_least_one_reserves_a_pick_for_a_small_group() -> None:
    # member 17 (index 16) is peripheral: free greedy selection never picks them; as the only
    # member of group 1 they must get the last pick, and the first pick stays the free best
    probs = probabilities(KARATE, "constant", p=0.1)
    free = select_seeds(KARATE, 2, probs=probs, seed=1)
    assert 16 not in free.seeds
    groups = np.zeros(34, np.int64)
    groups[16] = 1
    p = plan(KARATE, 2, probs=probs, groups=groups, quota="at_least_one", seed=1)
    assert p.seeds.tolist() == [free.seeds[0], 16]
    assert p.reason.tolist() == ["greedy", "quota"]
    assert p.quota.tolist() == [1, 1]


def test_baselines() -> None:
    # karate: member 34 (index 33) has 17 ties, member 1 (index 0) 16, then 33 (index 32) 12
    assert baseline_seeds(KARATE, 3, "most_connected").tolist() == [33, 0, 32]
    levels = np.full(34, 3.0)
    levels[[5, 7]] = [1, 2]
    levels[0] = np.nan
    assert baseline_seeds(KARATE, 3, "top_down", levels=levels).tolist() == [5, 7, 33]
    r = baseline_seeds(KARATE, 5, "random", seed=3)
    assert np.array_equal(r, baseline_seeds(KARATE, 5, "random", seed=3)) and len(set(r)) == 5
    with pytest.raises(ConfigError, match="levels"):
        baseline_seeds(KARATE, 3, "top_down")


def test_reach_by_k_grows_with_k_and_matches_simulation() -> None:
    probs = probabilities(KARATE, "constant", p=0.1)
    table = reach_by_k(KARATE, [1, 2, 4], probs=probs, runs=4000, seed=1)
    assert table["k"].tolist() == [1, 2, 4]
    assert np.all(np.diff(table["simulated_reach"]) > 0)
    # each estimate within 4 standard errors (RR sets of R2, and the simulation's)
    best = select_seeds(KARATE, 4, probs=probs, seed=1)
    f = table["estimated_reach"] / KARATE.n
    se_rr = KARATE.n * np.sqrt(f * (1 - f) / (best.rr_sets / 2))
    se_mc = (table["ci_high"] - table["simulated_reach"]) / 1.959963984540054
    diff = (table["estimated_reach"] - table["simulated_reach"]).abs()
    assert (diff <= 4 * np.hypot(se_rr, se_mc)).all(), (diff, se_rr, se_mc)
