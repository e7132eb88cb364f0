"""The seed sets a leader would pick without a planner, and greedy Monte Carlo selection.

:func:`baseline_seeds` gives the usual alternatives to a champion plan: the most connected
people, the top of the hierarchy (a top-down cascade) and a random pick. :func:`celf_seeds` is
the classic greedy selection by Monte Carlo estimates of the spread (Kempe et al. 2003) with
lazy evaluations (CELF, Leskovec et al. 2007): the reference the RR-set selection is checked
against on small graphs. It simulates once per candidate evaluation, so it is for graphs of
hundreds of people, not thousands.

References
----------
Kempe, D., Kleinberg, J. and Tardos, É. (2003). Maximizing the spread of influence through a
social network. KDD '03, 137-146.
Leskovec, J., Krause, A., Guestrin, C., Faloutsos, C., VanBriesen, J. and Glance, N. (2007).
Cost-effective outbreak detection in networks. KDD '07, 420-429.
"""

from __future__ import annotations

import heapq
from typing import Literal

import numpy as np

from groundswell.diffusion.models import Model, directed_ties, simulate
from groundswell.errors import ConfigError
from groundswell.network.graph import Graph

__all__ = ["baseline_seeds", "celf_seeds"]

Baseline = Literal["most_connected", "random", "top_down"]


def baseline_seeds(
    g: Graph,
    k: int,
    kind: Baseline = "most_connected",
    *,
    seed: int = 0,
    levels: np.ndarray | None = None,
) -> np.ndarray:
    """``k`` seeds (node indices, in rank order) picked the way a leader might.

    Parameters
    ----------
    kind : ``"most_connected"``: highest total degree (ties in plus ties out, both directions
        of an undirected tie), ties broken by total strength (summed tie weight), then index;
        ``"random"``: ``k`` people uniformly at random without replacement
        (``numpy.random.default_rng(seed)``); ``"top_down"``: lowest formal level first
        (1 = the top; missing levels, NaN or negative, last), ties broken by total degree, then
        strength, then index.
    levels : formal level of each person (required for ``"top_down"``)
    """
    n = g.n
    if not 0 < k <= n:
        raise ConfigError(f"The 'k' parameter must be in [1, {n}]; got {k!r}.")
    src, dst, w = directed_ties(g)
    deg = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    strength = np.bincount(src, weights=w, minlength=n) + np.bincount(dst, weights=w, minlength=n)
    idx = np.arange(n)
    if kind == "most_connected":
        return np.lexsort((idx, -strength, -deg))[:k].astype(np.int64)
    if kind == "random":
        return np.random.default_rng(seed).choice(n, size=k, replace=False).astype(np.int64)
    if kind == "top_down":
        if levels is None:
            raise ConfigError("A 'top_down' baseline needs 'levels' (formal level per person).")
        lv = np.asarray(levels, dtype=np.float64)
        if lv.shape != (n,):
            raise ConfigError(f"'levels' must have one value per person ({n}); got {lv.shape}.")
        lv = np.where(np.isnan(lv) | (lv < 0), np.inf, lv)
        return np.lexsort((idx, -strength, -deg, lv))[:k].astype(np.int64)
    raise ConfigError(
        f"The 'kind' parameter must be 'most_connected', 'random' or 'top_down'; got {kind!r}."
    )


def celf_seeds(
    g: Graph,
    k: int,
    *,
    model: Model = "ic",
    probs: np.ndarray | None = None,
    runs: int = 1000,
    seed: int = 0,
    candidates: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy seeds by Monte Carlo spread estimates, with CELF lazy evaluation.

    Every estimate uses the same ``seed`` (common random numbers), so differences between
    candidates are not blurred by independent noise. Returns ``(seeds, reach)``: the seeds in
    order and the estimated reach after each pick.
    """
    pool = np.arange(g.n) if candidates is None else np.asarray(candidates, np.int64)

    def reach(s: list[int]) -> float:
        return simulate(
            g, np.array(s, np.int64), model=model, probs=probs, runs=runs, seed=seed
        ).reach

    heap = [(-reach([int(v)]), int(v), 0) for v in pool]  # (-gain, node, round computed)
    heapq.heapify(heap)
    chosen: list[int] = []
    curve: list[float] = []
    current = 0.0
    while len(chosen) < k and heap:
        neg, v, when = heapq.heappop(heap)
        if when == len(chosen):
            chosen.append(v)
            current += -neg
            curve.append(current)
        else:
            heapq.heappush(heap, (-(reach([*chosen, v]) - current), v, len(chosen)))
    return np.array(chosen, np.int64), np.array(curve)
