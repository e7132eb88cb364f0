"""Influence maximisation with a guarantee, and the constrained champion plan.

:func:`select_seeds` picks ``k`` people whose expected reach is, with probability at least
``1 - delta``, at least ``(1 - 1/e - epsilon)`` times the best possible, by OPIM-C (Tang, Tang,
Xiao and Yuan 2018), the successor of IMM (Tang, Shi and Xiao 2015) in the reverse-reachable
(RR) set family (Borgs et al. 2014):

1. Draw two independent collections of RR sets, ``R1`` and ``R2``, of ``theta_0`` sets each.
2. Select ``S1`` greedily on ``R1`` (maximum coverage); bound the best possible reach from
   above with ``R1`` (the greedy upper bound) and the reach of ``S1`` from below with ``R2``
   (a martingale concentration bound). Do the same with the roles swapped (``S2`` chosen on
   ``R2``, checked on ``R1``): the best reach is below the smaller upper bound, and the seeds
   kept are those with the larger lower bound. Each of the four bounds of a round fails with
   probability ``delta / (6 i_max)`` (OPIM-C uses one pair, each ``delta / (3 i_max)``).
3. Stop when lower / upper >= ``1 - 1/e - epsilon``; otherwise double both collections. After
   ``i_max`` doublings the collections reach ``theta_max``, the size at which the worst-case
   analysis alone gives the guarantee.

With ``theta_max = 2n ((1-1/e) sqrt(ln(6/delta)) + sqrt((1-1/e)(ln C(n,k) + ln(6/delta))))^2
/ (epsilon^2 k)``, ``theta_0 = theta_max epsilon^2 k / n`` and ``i_max = ceil(log2(theta_max /
theta_0))``. The reach of the result is estimated on the collection it was not chosen on
(independent of the selection, so unbiased), and so is each pick's marginal gain. Choosing
the better-checked of two greedy picks costs one more greedy pass a round and gives seeds
that reach a little further on average than one pick from the same samples.

:func:`plan` reuses the same collections for a champion plan under constraints (sponsors
first, people excluded, quotas per group) by greedy maximum coverage with reserved picks; the
ratio it reports is its certified lower bound over the upper bound for the *unconstrained*
best, a conservative figure of what the constraints and the greedy cost.

References
----------
Borgs, C., Brautbar, M., Chayes, J. and Lucier, B. (2014). Maximizing social influence in
nearly optimal time. SODA '14, 946-957.
Tang, Y., Shi, Y. and Xiao, X. (2015). Influence maximization in near-linear time: a
martingale approach. SIGMOD '15, 1539-1554.
Tang, J., Tang, X., Xiao, X. and Yuan, J. (2018). Online processing algorithms for influence
maximization. SIGMOD '18, 991-1005.
Kempe, D., Kleinberg, J. and Tardos, É. (2003). Maximizing the spread of influence through a
social network. KDD '03, 137-146.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from groundswell.diffusion import rrsets
from groundswell.diffusion.models import (
    Model,
    _base,
    _check_model,
    _check_probs,
    as_indices,
    csr_in,
    default_probs,
    directed_ties,
    simulate,
)
from groundswell.errors import ConfigError, PlanError
from groundswell.network.graph import Graph

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SeedSet", "plan", "quotas", "reach_by_k", "select_seeds"]

Quota = Literal["none", "at_least_one", "proportional"]
ONE_MINUS_INV_E = 1.0 - 1.0 / math.e


@dataclass(frozen=True)
class SeedSet:
    """Seeds chosen by RR-set greedy selection.

    Attributes
    ----------
    seeds : int64 node indices in the order they were picked
    gains : estimated additional people each pick reaches (on the collection that checked it)
    spread : estimated expected reach of all the seeds, ``n * covered(R) / |R|`` on that one
    spread_lower : lower bound of the expected reach holding with probability at least
        ``1 - delta / (6 i_max)`` (OPIM-C, both ways)
    optimum_upper : upper bound of the best reach of any ``k`` people (unconstrained)
    approximation : ``spread_lower / optimum_upper``, the certified approximation ratio
    rr_sets : number of RR sets generated (both collections)
    reason : why each seed was picked: ``"include"`` (a sponsor), ``"quota"`` (a pick reserved
        for a group, made although someone else would have added more reach) or ``"greedy"``
    quota : per group code, the minimum number of seeds required (``None`` without quotas)
    model, k, epsilon, delta : the parameters
    """

    seeds: np.ndarray
    gains: np.ndarray
    spread: float
    spread_lower: float
    optimum_upper: float
    approximation: float
    rr_sets: int
    reason: np.ndarray
    model: str
    k: int
    epsilon: float
    delta: float
    quota: np.ndarray | None = None

    def to_frame(self, g: Graph) -> pd.DataFrame:
        """One row per seed, in order: person id, gain, cumulative estimated reach, reason."""
        import pandas as pd  # not at import: the planner itself needs numpy alone

        return pd.DataFrame(
            {
                "rank": np.arange(1, len(self.seeds) + 1),
                "person_id": g.nodes[self.seeds],
                "gain": self.gains,
                "reach": np.cumsum(self.gains),
                "reason": self.reason,
            }
        )


def select_seeds(
    g: Graph,
    k: int,
    *,
    model: Model = "ic",
    probs: np.ndarray | None = None,
    epsilon: float = 0.1,
    delta: float | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> SeedSet:
    """``k`` seeds with a ``(1 - 1/e - epsilon)`` guarantee, w.p. ``1 - delta`` (OPIM-C).

    Parameters
    ----------
    g : Graph (influence flows along ties; see :mod:`groundswell.diffusion.models`)
    k : number of seeds
    model : {"ic", "lt"}
    probs : IC tie probabilities or LT weights, as in :func:`~groundswell.diffusion.simulate`
    epsilon : approximation slack, in (0, 1 - 1/e)
    delta : failure probability; default ``1 / n``
    seed : random seed; the same seed gives the same seeds
    progress : called with a short description after each sampling round

    Examples
    --------
    >>> g = Graph.from_edges(list("abcd"), [("a", "b", 1.0), ("a", "c", 1.0), ("d", "c", 1.0)])
    >>> select_seeds(g, 1, probs=np.ones(3)).seeds.tolist()
    [0]
    """
    return plan(
        g, k, model=model, probs=probs, epsilon=epsilon, delta=delta, seed=seed, progress=progress
    )


def plan(
    g: Graph,
    k: int,
    *,
    model: Model = "ic",
    probs: np.ndarray | None = None,
    epsilon: float = 0.1,
    delta: float | None = None,
    seed: int = 0,
    groups: np.ndarray | None = None,
    quota: Quota = "none",
    include: np.ndarray | list | None = None,
    exclude: np.ndarray | list | None = None,
    progress: Callable[[str], None] | None = None,
) -> SeedSet:
    """A champion plan: ``k`` seeds under constraints, by greedy coverage of RR sets.

    Parameters
    ----------
    g, k, model, probs, epsilon, delta, seed, progress : as in :func:`select_seeds`
    groups : int array of length ``g.n``: a group code per person (department, location...);
        negative means no group (such people can be picked but count toward no quota)
    quota : ``"none"``; ``"at_least_one"``: every group with at least one eligible person
        gets a seed; ``"proportional"``: see :func:`quotas`
    include : people (indices or ids) always chosen, first, in the given order (sponsors);
        they count toward their group's quota and toward ``k``
    exclude : people never chosen (overloaded, leaving)

    Raises
    ------
    PlanError
        When the constraints cannot be met: more sponsors than ``k``, a sponsor excluded, more
        groups needing a seed than picks left, a group with fewer eligible people than its
        quota, fewer eligible people than ``k``.
    """
    _, lt = _check_model(model)
    n = g.n
    if not isinstance(k, int | np.integer) or k < 1:
        raise ConfigError(f"The 'k' parameter must be a positive integer; got {k!r}.")
    if not 0 < epsilon < ONE_MINUS_INV_E:
        raise ConfigError(f"The 'epsilon' parameter must be in (0, 1 - 1/e); got {epsilon!r}.")
    delta = 1.0 / n if delta is None else float(delta)
    if not 0 < delta < 1:
        raise ConfigError(f"The 'delta' parameter must be in (0, 1); got {delta!r}.")
    probs = default_probs(g, model) if probs is None else np.asarray(probs, dtype=np.float64)
    _check_probs(g, probs, lt)
    inc = as_indices(g, include)
    exc = as_indices(g, exclude)
    eligible = np.ones(n, bool)
    eligible[exc] = False
    codes, need = _constraints(n, int(k), inc, eligible, groups, quota)

    if lt:
        in_ptr, in_src, w = csr_in(g, probs)
        sorted_in = None
    else:  # independent cascade: the live entering ties by subset sampling (SUBSIM)
        src, dst, _ = directed_ties(g)
        sorted_in = rrsets.prepare(src, dst, probs, n)
        in_ptr, in_src, w = sorted_in.ptr, sorted_in.src, sorted_in.w
    base = _base(seed)
    kk = min(int(k), n)

    pools = (rrsets.Pool(), rrsets.Pool())  # R1 and R2, grown in place

    def draw(lo: int, hi: int, half: int) -> rrsets.RRSets:
        pools[half].draw(in_ptr, in_src, w, lt=lt, base=base, lo=lo, hi=hi, stride=2,
                         offset=half, sorted_in=sorted_in)  # fmt: skip
        return pools[half].sets

    theta_max = _theta_max(n, kk, epsilon, delta)
    theta = max(1, math.ceil(theta_max * epsilon**2 * kk / n))
    i_max = max(1, math.ceil(math.log2(max(theta_max / theta, 1.0))))
    # four bounds a round (a lower and an upper bound from each collection), each failing
    # with probability delta / (6 i_max)
    a = math.log(6 * i_max / delta)
    r1, r2 = draw(0, theta, 0), draw(0, theta, 1)
    for i in range(1, i_max + 1):
        both = [_select(x, y, n, kk, a) for x, y in ((r1, r2), (r2, r1))]
        pick = 0 if both[0].lower >= both[1].lower else 1
        upper = min(both[0].upper, both[1].upper)
        alpha = both[pick].lower / upper if upper > 0 else 1.0
        if progress is not None:
            progress(f"round {i}: {r1.count + r2.count:,} RR sets, ratio {alpha:.3f}")
        if alpha >= ONE_MINUS_INV_E - epsilon or i == i_max:
            break
        c1, c2 = r1.count, r2.count
        del r1, r2  # views of the buffers about to grow: do not hold the old ones
        r1 = draw(c1, 2 * c1, 0)
        r2 = draw(c2, 2 * c2, 1)

    # the seeds of the collection whose greedy pick the other collection rates higher
    chosen, check = (r1, r2) if pick == 0 else (r2, r1)
    order, reserved = both[pick].order, both[pick].reserved
    constrained = len(inc) or len(exc) or need is not None
    if constrained:
        order, _, reserved, _ = rrsets.greedy(
            chosen, n, int(k), include=inc, eligible=eligible, groups=codes, quota=need
        )
    if len(order) < k:
        raise PlanError(f"Only {len(order)} people can be chosen; k is {k}.")
    first = rrsets.first_cover(check, order, n)
    scale = n / check.count
    spread_lower = _lower(int(first.sum()), a, n, check.count)
    reason = np.where(reserved, "quota", "greedy").astype(object)
    reason[: len(inc)] = "include"
    return SeedSet(
        seeds=order.astype(np.int64),
        gains=first * scale,
        spread=float(first.sum() * scale),
        spread_lower=spread_lower,
        optimum_upper=upper,
        approximation=spread_lower / upper if upper > 0 else 1.0,
        rr_sets=r1.count + r2.count,
        reason=reason,
        model=model,
        k=int(k),
        epsilon=float(epsilon),
        delta=delta,
        quota=need,
    )


def quotas(
    groups: np.ndarray, k: int, kind: Quota, eligible: np.ndarray | None = None
) -> np.ndarray:
    """The minimum number of seeds per group code under a quota rule.

    ``"at_least_one"``: 1 for every group with at least one eligible person, else 0.
    ``"proportional"``: ``k`` shared in proportion to group sizes (everyone with a group code
    counts, eligible or not) by the largest-remainder (Hamilton) method, so the quotas sum to
    ``k`` when everyone has a group; a group whose share rounds down to 0 gets no reserved
    seed (it may still get one on merit). ``"none"``: zeros.
    """
    codes = np.asarray(groups, np.int64)
    ok = codes >= 0
    ng = int(codes[ok].max()) + 1 if ok.any() else 0
    if kind == "none":
        return np.zeros(ng, np.int64)
    if kind == "at_least_one":
        elig = ok if eligible is None else ok & eligible
        return (np.bincount(codes[elig], minlength=ng) > 0).astype(np.int64)
    if kind == "proportional":
        size = np.bincount(codes[ok], minlength=ng)
        exact = k * size / len(codes)
        base = np.floor(exact).astype(np.int64)
        left = round(float(exact.sum())) - int(base.sum())
        order = np.lexsort((np.arange(ng), -(exact - base)))  # largest remainder, then code
        base[order[:left]] += 1
        return base
    raise ConfigError(
        f"The 'quota' parameter must be 'none', 'at_least_one' or 'proportional'; got {kind!r}."
    )


def reach_by_k(
    g: Graph,
    ks: Sequence[int] | None = None,
    *,
    shares: Sequence[float] = (0.01, 0.03, 0.05),
    model: Model = "ic",
    probs: np.ndarray | None = None,
    epsilon: float = 0.1,
    delta: float | None = None,
    seed: int = 0,
    runs: int = 1000,
) -> pd.DataFrame:
    """How many champions are enough: the reach of the greedy seeds for several ``k``.

    One selection is made for the largest ``k`` (``ks``, or ``shares`` of the people, at least
    1 each); the seeds for smaller ``k`` are prefixes of its greedy order, whose reach is
    estimated on the same validation RR sets and checked by :func:`simulate` (``runs`` runs,
    seed ``seed``). The guarantee holds for the largest ``k``; prefixes are the greedy
    solutions of their own size on the same sample.

    Returns
    -------
    DataFrame with columns ``k``, ``share_seeded``, ``estimated_reach``, ``simulated_reach``,
    ``ci_low``, ``ci_high``, ``share_reached`` (simulated reach / n).
    """
    if ks is None:
        ks = sorted({max(1, round(s * g.n)) for s in shares})
    ks = sorted({int(x) for x in ks})
    best = select_seeds(
        g, max(ks), model=model, probs=probs, epsilon=epsilon, delta=delta, seed=seed
    )
    import pandas as pd

    rows = []
    reach = np.cumsum(best.gains)
    for k in ks:
        sim = simulate(g, best.seeds[:k], model=model, probs=probs, runs=runs, seed=seed)
        rows.append(
            {
                "k": k,
                "share_seeded": k / g.n,
                "estimated_reach": float(reach[k - 1]),
                "simulated_reach": sim.reach,
                "ci_low": sim.reach_ci[0],
                "ci_high": sim.reach_ci[1],
                "share_reached": sim.reach / g.n,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- helpers


def _theta_max(n: int, k: int, epsilon: float, delta: float) -> float:
    log_binom = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    ln6 = math.log(6.0 / delta)
    c = ONE_MINUS_INV_E * math.sqrt(ln6) + math.sqrt(ONE_MINUS_INV_E * (log_binom + ln6))
    return 2.0 * n * c * c / (epsilon**2 * k)


def _lower(covered: int, a: float, n: int, count: int) -> float:
    """OPIM-C lower bound on the expected reach from ``covered`` of ``count`` sets."""
    x = (math.sqrt(covered + 2.0 * a / 9.0) - math.sqrt(a / 2.0)) ** 2 - a / 18.0
    return max(x, 0.0) * n / count


def _upper(covered: float, a: float, n: int, count: int) -> float:
    """OPIM-C upper bound on the expected reach from an upper bound on coverage."""
    return (math.sqrt(covered + a / 2.0) + math.sqrt(a / 2.0)) ** 2 * n / count


@dataclass(frozen=True)
class _Pick:
    order: np.ndarray
    reserved: np.ndarray
    lower: float
    upper: float


def _select(sets: rrsets.RRSets, check: rrsets.RRSets, n: int, k: int, a: float) -> _Pick:
    """Greedy seeds on ``sets``, the OPIM-C upper bound of the best reach from ``sets``, and the
    lower bound of the seeds' reach from the independent ``check``."""
    order, _, reserved, upper_cov = rrsets.greedy(sets, n, k, bound=True)
    lower = _lower(_coverage(check, order, n), a, n, check.count)
    return _Pick(order, reserved, lower, _upper(upper_cov, a, n, sets.count))


def _coverage(rr: rrsets.RRSets, order: np.ndarray, n: int) -> int:
    return int(rrsets.first_cover(rr, order, n).sum())


def _constraints(
    n: int,
    k: int,
    inc: np.ndarray,
    eligible: np.ndarray,
    groups: np.ndarray | None,
    quota: Quota,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Validate the plan's constraints; return (group codes, minimum seeds per group)."""
    if quota not in ("none", "at_least_one", "proportional"):
        raise ConfigError(
            "The 'quota' parameter must be 'none', 'at_least_one' or 'proportional'; "
            f"got {quota!r}."
        )
    if len(inc) > k:
        raise PlanError(f"{len(inc)} people to include, more than k = {k}.")
    clash = inc[~eligible[inc]]
    if len(clash):
        raise PlanError(f"People both included and excluded: node indices {clash.tolist()}.")
    if int(eligible.sum()) < k:
        raise PlanError(f"Only {int(eligible.sum())} people may be chosen; k is {k}.")
    if quota == "none":
        return None, None
    if groups is None:
        raise PlanError(f"A '{quota}' quota needs 'groups' (a group code per person).")
    codes = np.asarray(groups).astype(np.int64)
    if codes.shape != (n,):
        raise ConfigError(f"'groups' must have one code per person ({n}); got {codes.shape}.")
    need = quotas(codes, k, quota, eligible)
    if quota == "at_least_one":
        empty = np.flatnonzero(
            (np.bincount(codes[codes >= 0], minlength=len(need)) > 0) & (need == 0)
        )
        if len(empty):
            raise PlanError(
                f"Every eligible person of group(s) {empty.tolist()} is excluded; an "
                "'at_least_one' quota cannot give them a seed."
            )
    have = np.bincount(codes[inc][codes[inc] >= 0], minlength=len(need))
    unmet = np.maximum(need - have, 0)
    if int(unmet.sum()) > k - len(inc):
        raise PlanError(
            f"The '{quota}' quota needs {int(unmet.sum())} more seeds across "
            f"{int((unmet > 0).sum())} groups, but k = {k} leaves {k - len(inc)} after the "
            f"{len(inc)} included; raise k or change the quota."
        )
    free = np.bincount(codes[eligible & (codes >= 0)], minlength=len(need))
    # eligible people of each group not already included
    free = free - np.bincount(codes[inc][codes[inc] >= 0], minlength=len(need))
    short = np.flatnonzero(unmet > free)
    if len(short):
        raise PlanError(
            f"Group(s) {short.tolist()} need {unmet[short].tolist()} seeds but have only "
            f"{free[short].tolist()} eligible people left."
        )
    return codes, need
