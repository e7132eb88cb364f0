"""Exact expected spread on tiny graphs, by enumerating every live-edge outcome (a test oracle).

Independent cascade: each tie is live with probability ``p_e``, independently; the people
reached are those reachable from the seeds over live ties, and a person's adoption step is
their distance from the seeds in the live-edge graph. All ``2 ** m`` outcomes are enumerated
(``m`` directed ties, at most ``max_ties``).

Linear threshold: each person picks at most one entering tie, tie ``e`` with probability
``b_e`` and none with ``1 - sum b``; the people reached are those reachable over the picked
ties. Kempe, Kleinberg and Tardos (2003, Theorem 2.5 and Claim 2.6) show that this live-edge
process has the same distribution of adopters after every step as the threshold model, so the
expected reach and the expected adoption curve are exact. All ``prod (in-degree + 1)``
outcomes are enumerated.

Work is vectorised over outcomes; the loops run over the (few) ties and steps of a tiny graph.

References
----------
Kempe, D., Kleinberg, J. and Tardos, É. (2003). Maximizing the spread of influence through a
social network. KDD '03, 137-146.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from groundswell.diffusion.models import (
    _check_model,
    _check_probs,
    as_indices,
    default_probs,
    directed_ties,
)
from groundswell.errors import ConfigError
from groundswell.network.graph import Graph

__all__ = ["ExactSpread", "exact_spread"]


@dataclass(frozen=True)
class ExactSpread:
    """Exact expectations over all live-edge outcomes.

    Attributes
    ----------
    reach : expected number of adopters (seeds included)
    curve : expected cumulative adopters after step 0, 1, ... (until no outcome grows)
    activation : probability that each person adopts
    outcomes : number of live-edge outcomes enumerated
    """

    reach: float
    curve: np.ndarray
    activation: np.ndarray
    outcomes: int


def exact_spread(
    g: Graph,
    seeds: np.ndarray | list,
    *,
    model: str = "ic",
    probs: np.ndarray | None = None,
    max_outcomes: int = 1 << 18,
) -> ExactSpread:
    """Exact expected spread of ``seeds`` under IC or LT on a tiny graph.

    Parameters
    ----------
    g, seeds, model, probs : as in :func:`groundswell.diffusion.simulate`
    max_outcomes : refuse graphs with more live-edge outcomes than this

    Examples
    --------
    A path a -> b -> c with p = 0.5: 1 + 0.5 + 0.25 = 1.75 people on average.

    >>> g = Graph.from_edges(["a", "b", "c"], [("a", "b", 1.0), ("b", "c", 1.0)])
    >>> exact_spread(g, ["a"], probs=np.array([0.5, 0.5])).reach
    1.75
    """
    _, lt = _check_model(model)
    s = as_indices(g, seeds)
    probs = default_probs(g, model) if probs is None else np.asarray(probs, dtype=np.float64)
    _check_probs(g, probs, lt)
    src, dst, _ = directed_ties(g)
    live, weight = (
        _lt_outcomes(g.n, dst, probs, max_outcomes) if lt else _ic_outcomes(probs, max_outcomes)
    )
    active = np.zeros((len(weight), g.n), dtype=bool)
    active[:, s] = True
    curve = [float(weight @ active.sum(axis=1))]
    for _ in range(g.n):
        new = active.copy()
        for e in range(len(src)):
            new[:, dst[e]] |= active[:, src[e]] & live[:, e]
        if np.array_equal(new, active):
            break
        active = new
        curve.append(float(weight @ active.sum(axis=1)))
    activation = weight @ active
    return ExactSpread(
        reach=curve[-1], curve=np.array(curve), activation=activation, outcomes=len(weight)
    )


def _ic_outcomes(probs: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    m = len(probs)
    if 2**m > limit:
        raise ConfigError(f"Exact IC needs 2**{m} outcomes, more than max_outcomes={limit}.")
    live = ((np.arange(2**m)[:, None] >> np.arange(m)) & 1).astype(bool)
    weight = np.prod(np.where(live, probs, 1.0 - probs), axis=1)
    return live, weight


def _lt_outcomes(
    n: int, dst: np.ndarray, probs: np.ndarray, limit: int
) -> tuple[np.ndarray, np.ndarray]:
    m = len(probs)
    entering = [np.flatnonzero(dst == v) for v in range(n)]
    total = int(np.prod([len(x) + 1 for x in entering], dtype=np.float64))
    if total > limit:
        raise ConfigError(f"Exact LT needs {total} outcomes, more than max_outcomes={limit}.")
    live = np.zeros((1, m), dtype=bool)
    weight = np.ones(1)
    for ties in entering:  # each person picks one entering tie, or none
        if len(ties) == 0:
            continue
        options = np.zeros((len(ties) + 1, m), dtype=bool)
        options[np.arange(len(ties)), ties] = True
        pw = np.append(probs[ties], max(0.0, 1.0 - probs[ties].sum()))
        live = (live[:, None, :] | options[None, :, :]).reshape(-1, m)
        weight = (weight[:, None] * pw[None, :]).ravel()
    return live, weight
