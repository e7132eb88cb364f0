"""RR sets drawn by subset sampling (SUBSIM, Guo et al. 2020) and the greedy over them.

Oracles: the exact expected spread of every single person and of pairs, by enumerating every
live-edge outcome of a tiny graph (:func:`groundswell.diffusion.exact_spread`; Borgs et al.
2014: ``n * P(S meets a random RR set)`` is the expected reach of ``S``); Monte Carlo
(``simulate``) on a 300-person graph; the coin-per-tie sampler; and a brute-force OPIM-C
upper bound. Estimates are checked within 4 standard errors (the seeds are fixed: nothing
here is flaky).
"""

from __future__ import annotations

import itertools

import numba
import numpy as np
import pytest

from groundswell.diffusion import exact_spread, plan, probabilities, rrsets, simulate
from groundswell.diffusion.models import _base, csr_in, directed_ties
from groundswell.network.graph import Graph
from tests.diffusion.test_models import tiny


def _sets(g: Graph, probs: np.ndarray, count: int, seed: int, subset: bool = True):
    src, dst, _ = directed_ties(g)
    if subset:
        si = rrsets.prepare(src, dst, probs, g.n)
        return rrsets.generate(
            si.ptr, si.src, si.w, lt=False, base=_base(seed), lo=0, hi=count, sorted_in=si
        )
    ip, isrc, w = csr_in(g, probs)
    return rrsets.generate(ip, isrc, w, lt=False, base=_base(seed), lo=0, hi=count)


def _estimate(rr: rrsets.RRSets, seeds: list[int], n: int) -> tuple[float, float]:
    """n * (share of sets ``seeds`` meets) and its standard error."""
    share = rrsets.first_cover(rr, np.array(seeds), n).sum() / rr.count
    return n * share, n * np.sqrt(share * (1 - share) / rr.count)


def _team_graph(n: int = 300, team: int = 20, draws: int = 3000, seed: int = 5) -> Graph:
    """The issue's generator at a small size: teams, 75% of draws inside the team."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, draws)
    inside = rng.random(draws) < 0.75
    dst = np.where(
        inside, src // team * team + rng.integers(0, team, draws), rng.integers(0, n, draws)
    )
    keep = src != dst
    key, count = np.unique(src[keep] * n + dst[keep], return_counts=True)
    return Graph(np.arange(n), (key // n).astype(np.int32), (key % n).astype(np.int32), count * 1.0)


@pytest.mark.parametrize("case", ["skewed", "wc-unweighted", "certain-and-dead"])
def test_estimator_is_unbiased_against_exact_enumeration(case: str) -> None:
    g = tiny(3, n=6, m=14)
    rng = np.random.default_rng(11)
    probs = {
        "skewed": rng.uniform(0.05, 0.95, g.m),  # every person's ties differ: jumps + thinning
        "wc-unweighted": probabilities(g, "weighted_cascade", weighted=False),  # all alike
        "certain-and-dead": rng.choice([0.0, 0.3, 0.3, 0.7, 1.0], g.m),
    }[case]
    rr = _sets(g, probs, 200_000, seed=1)
    for seeds in [[v] for v in range(g.n)] + [
        list(p) for p in itertools.combinations(range(g.n), 2)
    ]:
        exact = exact_spread(g, seeds, probs=probs).reach
        est, se = _estimate(rr, seeds, g.n)
        assert abs(est - exact) <= 4 * se + 1e-9, (seeds, est, exact, se)


def test_estimator_matches_monte_carlo_on_a_small_organisation() -> None:
    g = _team_graph()
    probs = probabilities(g, "weighted_cascade")  # by weight: most people's ties differ
    src, dst, _ = directed_ties(g)
    si = rrsets.prepare(src, dst, probs, g.n)
    assert (si.q < 0).mean() > 0.5 and (si.q > 0).any()  # both sampling paths are exercised
    rr = _sets(g, probs, 100_000, seed=2)
    out_deg = np.bincount(src, minlength=g.n)
    for seeds in (np.argsort(-out_deg, kind="stable")[:5].tolist(), [7, 61, 122, 190, 250]):
        est, se = _estimate(rr, seeds, g.n)
        mc = simulate(g, seeds, probs=probs, runs=20_000, seed=3)
        mc_se = mc.reach_sd / np.sqrt(mc.runs)
        assert abs(est - mc.reach) <= 4 * np.hypot(se, mc_se), (seeds, est, mc.reach)


def test_subset_sampling_and_one_coin_per_tie_agree() -> None:
    g = _team_graph()
    probs = probabilities(g, "weighted_cascade")
    a, b = _sets(g, probs, 60_000, seed=4), _sets(g, probs, 60_000, seed=5, subset=False)
    # mean set size and how often each person appears: same distribution, different draws
    sa, sb = a.size / a.count, b.size / b.count
    assert sa == pytest.approx(sb, rel=0.03)
    fa, fb = (
        np.bincount(a.nodes, minlength=g.n) / a.count,
        np.bincount(b.nodes, minlength=g.n) / b.count,
    )
    se = np.sqrt(fa * (1 - fa) / a.count + fb * (1 - fb) / b.count) + 1e-12
    assert np.abs(fa - fb).max() <= 5 * se.max()


def test_same_seed_same_sets_whatever_the_threads_and_growth() -> None:
    g = _team_graph()
    probs = probabilities(g, "weighted_cascade")
    n_sets = 2 * rrsets.BLOCK + 123  # several blocks, shared between threads
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = _sets(g, probs, n_sets, seed=6)
        numba.set_num_threads(max(2, old) if numba.config.NUMBA_NUM_THREADS >= 2 else 1)
        two = _sets(g, probs, n_sets, seed=6)
    finally:
        numba.set_num_threads(old)
    assert np.array_equal(one.ptr, two.ptr) and np.array_equal(one.nodes, two.nodes)
    # drawn in three goes into a growing pool: the same sets as in one go
    src, dst, _ = directed_ties(g)
    si = rrsets.prepare(src, dst, probs, g.n)
    pool = rrsets.Pool()
    for lo, hi in ((0, 10), (10, 5000), (5000, n_sets)):
        pool.draw(si.ptr, si.src, si.w, lt=False, base=_base(6), lo=lo, hi=hi, sorted_in=si)
    assert np.array_equal(pool.sets.ptr, one.ptr) and np.array_equal(pool.sets.nodes, one.nodes)
    # and the planner: same seed, same champions
    a = plan(g, 5, probs=probs, seed=8)
    b = plan(g, 5, probs=probs, seed=8)
    assert np.array_equal(a.seeds, b.seeds) and a.spread == b.spread and a.rr_sets == b.rr_sets


def test_greedy_upper_bound_is_opim_c_s() -> None:
    """min over greedy prefixes S_i of cov(S_i) + the k largest marginal coverages, by brute
    force, against the kernel's histogram."""
    g = _team_graph(n=120, team=12, draws=900, seed=9)
    rr = _sets(g, probabilities(g, "weighted_cascade"), 3000, seed=10)
    k = 6
    order, gains, _, upper = rrsets.greedy(rr, g.n, k, bound=True)
    members = [set(rr.nodes[rr.ptr[j] : rr.ptr[j + 1]].tolist()) for j in range(rr.count)]
    best = np.inf
    for i in range(k + 1):
        chosen = set(order[:i].tolist())
        left = [s for s in members if not s & chosen]
        marginal = np.bincount([v for s in left for v in s], minlength=g.n)
        best = min(best, (rr.count - len(left)) + np.sort(marginal)[::-1][:k].sum())
    assert upper == best
    # the lazy heap (no constraints) picks as the scan of everyone does (a zero quota forces it)
    scan, scan_gains, _, _ = rrsets.greedy(
        rr, g.n, 40, groups=np.full(g.n, -1), quota=np.zeros(1, np.int64)
    )
    heap, heap_gains, _, _ = rrsets.greedy(rr, g.n, 40)
    assert np.array_equal(scan, heap) and np.array_equal(scan_gains, heap_gains)
    assert gains.sum() == rrsets.first_cover(rr, order, g.n).sum()
