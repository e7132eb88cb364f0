"""Spread models: independent cascade and linear threshold, simulated by Monte Carlo.

Direction
---------
A tie ``actor -> target`` means the actor talks to the target (replies to them, mentions them,
writes to them). An idea spreads **along the tie**, from the person who talks to the person who
hears them: when ``actor`` adopts, ``target`` is exposed. A reciprocated tie therefore carries
influence both ways, each direction with its own probability (from its own weight). An
undirected :class:`~groundswell.network.Graph` counts every tie in both directions. The tie
order everything here uses is :func:`directed_ties`: a directed graph's own ``src``/``dst``; for
an undirected graph its ties ``u -> v`` followed by the same ties reversed.

Models
------
*Independent cascade* (IC): when a person adopts at step ``t``, they get one chance, at step
``t + 1``, to pass the idea over each outgoing tie ``e``, succeeding with probability ``p_e``.
*Linear threshold* (LT): each person draws a threshold uniformly in ``[0, 1]``; they adopt as
soon as the summed weights ``b_e`` of their adopting in-neighbours reach it; the ``b`` entering
each person sum to at most 1. Both are progressive: adopters never revert. Both are from Kempe,
Kleinberg and Tardos (2003).

References
----------
Kempe, D., Kleinberg, J. and Tardos, É. (2003). Maximizing the spread of influence through a
social network. KDD '03, 137-146.
Chen, W., Wang, C. and Wang, Y. (2010). Scalable influence maximization for prevalent viral
marketing in large-scale social networks. KDD '10, 1029-1038 (the weighted-cascade rule).
Steele, G., Lea, D. and Flood, C. (2014). Fast splittable pseudorandom number generators.
OOPSLA '14 (SplitMix64, the random stream of every run and RR set).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np
from numba import njit, prange

from groundswell.errors import ConfigError
from groundswell.network.graph import Graph

__all__ = ["Spread", "directed_ties", "lt_weights_ok", "probabilities", "simulate"]

Model = Literal["ic", "lt"]
Rule = Literal["strength", "weighted_cascade", "constant"]
Z95 = 1.959963984540054  # two-sided 95% normal quantile


def directed_ties(g: Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ties along which influence flows, as ``(src, dst, weight)`` arrays.

    For a directed graph these are ``g.src, g.dst, g.weight``; for an undirected one, each tie
    twice: first ``u -> v`` in ``g``'s order, then all of them reversed. Probability arrays
    (``probs``) everywhere in :mod:`groundswell.diffusion` are aligned with this order.
    """
    if g.directed:
        return g.src, g.dst, g.weight
    return (
        np.concatenate([g.src, g.dst]),
        np.concatenate([g.dst, g.src]),
        np.concatenate([g.weight, g.weight]),
    )


def probabilities(
    g: Graph,
    rule: Rule = "strength",
    *,
    p: float = 0.1,
    scale: float | None = None,
    weighted: bool = True,
) -> np.ndarray:
    """The probability that each tie passes the idea on (aligned with :func:`directed_ties`).

    Parameters
    ----------
    g : Graph
    rule : {"strength", "weighted_cascade", "constant"}
        ``"strength"``: ``p_e = 1 - (1 - p) ** (w_e / scale)``. Every ``scale`` units of
        interaction on a tie are an independent chance ``p`` to pass the idea, so a tie of
        typical weight (``scale``, by default the median tie weight) passes it with
        probability ``p``, a tie twice as strong with ``1 - (1 - p)**2``; ``p_e`` is 0 at
        ``w = 0``, increases with ``w`` and tends to 1.
        ``"weighted_cascade"``: ``p_uv = w_uv / s_in(v)`` where ``s_in(v)`` is the summed weight
        of the ties entering ``v`` (``1 / in-degree(v)`` when ``weighted=False``), after Chen,
        Wang and Wang (2010); the probabilities entering each person sum to 1, which also makes
        them valid linear-threshold weights.
        ``"constant"``: ``p_e = p`` for every tie.
    p : float
        The probability of the typical tie (``"strength"``) or of every tie (``"constant"``).
    scale : float, optional
        The weight at which ``"strength"`` gives ``p``; default the median tie weight.
    weighted : bool
        ``"weighted_cascade"`` only: share by weight (default) or count ties equally.

    Returns
    -------
    numpy.ndarray of float64, one entry per directed tie.
    """
    src, dst, w = directed_ties(g)
    if not 0.0 <= p <= 1.0:
        raise ConfigError(f"The 'p' parameter must be in [0, 1]; got {p!r}.")
    if rule == "constant":
        return np.full(len(src), float(p))
    if rule == "strength":
        if len(w) == 0:
            return np.zeros(0)
        s = float(np.median(w)) if scale is None else float(scale)
        if not s > 0:
            raise ConfigError(f"The 'scale' parameter must be positive; got {s!r}.")
        return -np.expm1(np.log1p(-p) * (w / s)) if p < 1 else np.where(w > 0, 1.0, 0.0)
    if rule == "weighted_cascade":
        share = w if weighted else np.ones(len(w))
        into = np.bincount(dst, weights=share, minlength=g.n)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(into[dst] > 0, share / into[dst], 0.0)
        return out
    raise ConfigError(
        f"The 'rule' parameter must be 'strength', 'weighted_cascade' or 'constant'; got {rule!r}."
    )


def lt_weights_ok(g: Graph, probs: np.ndarray, tol: float = 1e-9) -> bool:
    """Whether ``probs`` are valid linear-threshold weights: in [0, 1], summing to at most 1
    over the ties entering each person."""
    _, dst, _ = directed_ties(g)
    into = np.bincount(dst, weights=probs, minlength=g.n)
    return bool(np.all(probs >= 0) and np.all(into <= 1 + tol))


@dataclass(frozen=True)
class Spread:
    """What a Monte Carlo simulation of a spread model found.

    Every count includes the seeds. Confidence intervals are 95% normal approximations over the
    independent runs (mean +/- 1.96 standard errors), reliable when runs are in the hundreds.

    Attributes
    ----------
    model : "ic" or "lt"
    seeds : int64 node indices of the seed set (duplicates removed)
    runs : number of simulated cascades
    reach : mean number of people who adopted (seeds included)
    reach_ci : (low, high) 95% confidence interval of ``reach``
    reach_sd : standard deviation of the reach across runs
    curve : mean cumulative adopters after each step; ``curve[0]`` is the number of seeds and
        the last entry the step after which no run spread further (runs that stopped earlier
        count with their final reach)
    curve_ci : shape (len(curve), 2), 95% confidence interval of each entry of ``curve``
    activation : for each person, the share of runs in which they adopted
    by_group : mean people reached in each group code ``0..max(groups)`` (``None`` without
        ``groups``); a group's expected reach is the sum of its members' ``activation``
    group_size : people in each group code (``None`` without ``groups``)
    """

    model: str
    seeds: np.ndarray
    runs: int
    reach: float
    reach_ci: tuple[float, float]
    reach_sd: float
    curve: np.ndarray
    curve_ci: np.ndarray
    activation: np.ndarray
    by_group: np.ndarray | None = None
    group_size: np.ndarray | None = None

    @property
    def share(self) -> float:
        """Mean reach as a share of everyone in the graph."""
        return self.reach / len(self.activation) if len(self.activation) else 0.0

    def untouched(self, threshold: float = 0.5) -> np.ndarray:
        """Group codes the spread leaves untouched: expected people reached below
        ``threshold`` (default: less than half a person on average)."""
        if self.by_group is None or self.group_size is None:
            raise ConfigError("This simulation was run without 'groups'.")
        return np.flatnonzero((self.by_group < threshold) & (self.group_size > 0))


def simulate(
    g: Graph,
    seeds: np.ndarray | list,
    *,
    model: Model = "ic",
    probs: np.ndarray | None = None,
    runs: int = 1000,
    seed: int = 0,
    groups: np.ndarray | None = None,
    max_steps: int | None = None,
) -> Spread:
    """Simulate a spread model ``runs`` times from ``seeds`` and summarise the cascades.

    Parameters
    ----------
    g : Graph
        Influence flows along each tie (see the module docstring).
    seeds : node indices (ints) or person ids (as in ``g.nodes``)
    model : {"ic", "lt"}
        Independent cascade or linear threshold (Kempe et al. 2003).
    probs : array, optional
        One value per directed tie (:func:`directed_ties` order): IC tie probabilities or LT
        weights (at most 1 summed into each person). Default: ``probabilities(g, "strength")``
        for IC, ``probabilities(g, "weighted_cascade")`` for LT.
    runs : number of independent cascades
    seed : the random seed. Run ``r`` draws from its own SplitMix64 stream, derived from
        ``(seed, r)``, so the result does not depend on the number of threads or their timing.
    groups : int array of length ``g.n``, optional
        A group code per person (department, location...); negative means none.
    max_steps : stop every cascade after this many steps (default: when it stops by itself).

    Returns
    -------
    Spread

    Examples
    --------
    >>> g = Graph.from_edges(["a", "b", "c"], [("a", "b", 1.0), ("b", "c", 1.0)])
    >>> s = simulate(g, ["a"], probs=np.array([1.0, 1.0]), runs=10)
    >>> s.reach, s.curve.tolist()
    (3.0, [1.0, 2.0, 3.0])
    """
    m, lt = _check_model(model)
    seeds_idx = as_indices(g, seeds)
    probs = default_probs(g, model) if probs is None else np.asarray(probs, dtype=np.float64)
    _check_probs(g, probs, lt)
    if runs < 2:
        raise ConfigError(f"The 'runs' parameter must be at least 2; got {runs!r}.")
    indptr, indices, w = csr_out(g, probs)
    nchunks = max(1, min(runs, numba.get_num_threads()))
    reach, steps, csum, csum2, hits = _monte_carlo(
        indptr,
        indices,
        w,
        seeds_idx,
        lt,
        int(runs),
        _base(seed),
        -1 if max_steps is None else int(max_steps),
        nchunks,
    )
    last = int(steps.max())
    # runs that stopped before step t still count, with their final reach
    done = np.bincount(steps, weights=reach.astype(np.float64), minlength=last + 1)
    done2 = np.bincount(steps, weights=reach.astype(np.float64) ** 2, minlength=last + 1)
    before = np.concatenate([[0.0], np.cumsum(done)[:-1]])
    before2 = np.concatenate([[0.0], np.cumsum(done2)[:-1]])
    tot = csum[: last + 1].astype(np.float64) + before
    tot2 = csum2[: last + 1].astype(np.float64) + before2
    curve = tot / runs
    curve_sd = np.sqrt(np.maximum(tot2 / runs - curve**2, 0.0) * runs / (runs - 1))
    half = Z95 * curve_sd / np.sqrt(runs)
    mean = float(reach.mean())
    sd = float(reach.std(ddof=1))
    h = Z95 * sd / np.sqrt(runs)
    activation = hits / runs
    by_group = size = None
    if groups is not None:
        codes = np.asarray(groups)
        if codes.shape != (g.n,):
            raise ConfigError(f"'groups' must have one code per person ({g.n}); got {codes.shape}.")
        codes = codes.astype(np.int64)
        ok = codes >= 0
        ng = int(codes[ok].max()) + 1 if ok.any() else 0
        by_group = np.bincount(codes[ok], weights=activation[ok], minlength=ng)
        size = np.bincount(codes[ok], minlength=ng)
    return Spread(
        model=m,
        seeds=seeds_idx,
        runs=int(runs),
        reach=mean,
        reach_ci=(float(mean - h), float(mean + h)),
        reach_sd=sd,
        curve=curve,
        curve_ci=np.column_stack([curve - half, curve + half]),
        activation=activation,
        by_group=by_group,
        group_size=size,
    )


# --------------------------------------------------------------------------- helpers


def as_indices(g: Graph, people: np.ndarray | list | None) -> np.ndarray:
    """Node indices (int64, unique, in first-seen order) of ``people``: indices or person ids."""
    if people is None:
        return np.zeros(0, np.int64)
    arr = np.asarray(people)
    if arr.size == 0:
        return np.zeros(0, np.int64)
    if arr.dtype.kind in "iu":
        idx = arr.astype(np.int64).ravel()
        bad = (idx < 0) | (idx >= g.n)
        if bad.any():
            raise ConfigError(f"Node indices must be in [0, {g.n}); got {idx[bad][:5].tolist()}.")
    else:
        import pandas as pd

        idx = pd.Index(g.nodes).get_indexer(arr.ravel().astype(object))
        if (idx < 0).any():
            missing = arr.ravel()[idx < 0][:5].tolist()
            raise ConfigError(f"People not in the graph: {missing}.")
        idx = idx.astype(np.int64)
    _, first = np.unique(idx, return_index=True)
    return idx[np.sort(first)]


def default_probs(g: Graph, model: str) -> np.ndarray:
    """The default tie probabilities (IC: ``"strength"``) or weights (LT: weighted cascade)."""
    return probabilities(g, "weighted_cascade" if model == "lt" else "strength")


def csr_out(g: Graph, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Out-neighbour CSR ``(indptr, indices, probs)`` of the influence ties."""
    src, dst, _ = directed_ties(g)
    return _csr(src, dst, probs, g.n)


def csr_in(g: Graph, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """In-neighbour CSR ``(indptr, sources, probs)``: for each person, the ties entering them."""
    src, dst, _ = directed_ties(g)
    return _csr(dst, src, probs, g.n)


def _csr(
    a: np.ndarray, b: np.ndarray, w: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(a, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    return indptr, b[order].astype(np.int32), np.ascontiguousarray(w[order], dtype=np.float64)


def _check_model(model: str) -> tuple[str, bool]:
    if model not in ("ic", "lt"):
        raise ConfigError(f"The 'model' parameter must be 'ic' or 'lt'; got {model!r}.")
    return model, model == "lt"


def _check_probs(g: Graph, probs: np.ndarray, lt: bool) -> None:
    m = len(directed_ties(g)[0])
    if probs.shape != (m,):
        raise ConfigError(f"'probs' must have one value per directed tie ({m}); got {probs.shape}.")
    if not (np.all(probs >= 0) and np.all(probs <= 1)):
        raise ConfigError("'probs' must be in [0, 1].")
    if lt and not lt_weights_ok(g, probs):
        raise ConfigError(
            "Linear-threshold weights must sum to at most 1 over the ties entering each person; "
            "use probabilities(g, 'weighted_cascade')."
        )


def _base(seed: int) -> np.uint64:
    """The 64-bit stream key of a user seed."""
    if not isinstance(seed, int | np.integer):
        raise ConfigError(f"The 'seed' parameter must be an integer; got {seed!r}.")
    return np.uint64(int(seed) & 0xFFFFFFFFFFFFFFFF)


# --------------------------------------------------------------------------- kernels

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UNIT = 1.0 / 9007199254740992.0  # 2 ** -53


@njit(cache=True)
def _mix(z: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True)
def _stream(base: np.uint64, i: int | np.integer) -> np.uint64:  # pragma: no cover - compiled
    """The starting state of stream ``i`` under key ``base``."""
    return _mix(_mix(base + _GOLDEN) ^ np.uint64(i))


@njit(cache=True)
def _uniform(state: np.uint64) -> tuple[np.uint64, float]:  # pragma: no cover - compiled
    """SplitMix64: the next state and a uniform double in [0, 1)."""
    state = state + _GOLDEN
    return state, (_mix(state) >> _S11) * _UNIT


@njit(cache=True, parallel=True)
def _monte_carlo(indptr, indices, w, seeds, lt, runs, base, max_steps, nchunks):  # pragma: no cover
    n = len(indptr) - 1
    reach = np.zeros(runs, np.int64)
    steps = np.zeros(runs, np.int64)
    csum = np.zeros((nchunks, n + 2), np.int64)
    csum2 = np.zeros((nchunks, n + 2), np.int64)
    hits = np.zeros((nchunks, n), np.int64)
    for c in prange(nchunks):
        lo = c * runs // nchunks
        hi = (c + 1) * runs // nchunks
        active = np.full(n, -1, np.int64)  # run number in which the person adopted
        touched = np.full(n, -1, np.int64)  # LT: run number in which the threshold was drawn
        theta = np.zeros(n)
        acc = np.zeros(n)
        queue = np.empty(n, np.int64)
        for r in range(lo, hi):
            state = _stream(base, r)
            size = 0
            for s in seeds:
                if active[s] != r:
                    active[s] = r
                    queue[size] = s
                    size += 1
            csum[c, 0] += size
            csum2[c, 0] += size * size
            head = 0
            end = size
            step = 0
            while head < end and (max_steps < 0 or step < max_steps):
                for i in range(head, end):
                    u = queue[i]
                    for e in range(indptr[u], indptr[u + 1]):
                        v = indices[e]
                        if active[v] == r:
                            continue
                        if lt:
                            if touched[v] != r:
                                touched[v] = r
                                state, x = _uniform(state)
                                theta[v] = x
                                acc[v] = 0.0
                            acc[v] += w[e]
                            if acc[v] >= theta[v] and w[e] > 0:
                                active[v] = r
                                queue[size] = v
                                size += 1
                        else:
                            state, x = _uniform(state)
                            if x < w[e]:
                                active[v] = r
                                queue[size] = v
                                size += 1
                head = end
                end = size
                if end > head:
                    step += 1
                    csum[c, step] += size
                    csum2[c, step] += size * size
            reach[r] = size
            steps[r] = step
            for i in range(size):
                hits[c, queue[i]] += 1
    return reach, steps, csum.sum(axis=0), csum2.sum(axis=0), hits.sum(axis=0)
