"""Betweenness and harmonic closeness for large networks, with bounds that say something.

Above ``analysis.scale_min_nodes`` people the pivot sampling of
:func:`~groundswell.analysis.centrality.betweenness_and_closeness` (one full shortest-path
search per sampled source, a bound growing with n) is replaced by:

- **Betweenness by sampled shortest paths** (Riondato & Kornaropoulos 2016): r pairs of
  people (s, t) drawn at random, one shortest path from s to t drawn uniformly among all of
  them (a bidirectional search that stops where the two halves meet, so a sample costs a
  small part of a full search), and each person's score is the share of sampled paths
  running through them. With

      r = ceil(c / eps^2 * (floor(log2(VD - 2)) + 1 + ln(1 / delta))),  c = 0.5,

  where VD bounds the number of people on a shortest path (n at most), every person's
  estimate is within eps of their exact score (normalised by n(n-1)) at once, with
  probability at least 1 - delta/2 (the VC-dimension bound). The number of samples depends
  on eps, delta and log2 of the vertex diameter only, not on the number of people. That
  bound is uniform, and in an organisation of thousands most scores are far below it (the
  highest was 0.01 at 50,000 people). Each sample is a Bernoulli trial for each person
  (on the path or not), so each person also gets the empirical Bernstein bound of their
  own count (Maurer & Pontil 2009): small for the people with the highest scores, relative
  to those scores. Sampling stops early (adaptive stopping, as in KADABRA, Borassi &
  Natale 2019): the Bernstein bounds are checked after r / 1.5**j paths (:func:`checkpoints`,
  K checks), each person's at delta / (2nK) so that they hold at every check at once, and
  sampling stops at the first check where every person's bound is at most eps. A person's
  stated bound is the smaller of the two (eps holds by the VC bound when all r paths were
  drawn, and by the Bernstein bounds at an earlier stop); all hold at once with
  probability 1 - delta. Scores are returned on NetworkX's scale
  (normalised by (n-1)(n-2)), and so are the bounds (times n / (n - 2)).
- **Harmonic closeness from hop distances** (Eppstein & Wang 2004): ``samples`` source
  people drawn at random (with replacement), one breadth-first search from each; each
  person's normalised score is ``1/(n-1) * sum over others of 1 / hops``. Each source
  contributes a value in [0, n/(n-1)], so the bound is the smaller of Hoeffding's and the
  empirical Bernstein bound (Maurer & Pontil 2009, with each person's sample variance),
  both at delta / (2n), so that every person is within their own bound at once with
  probability 1 - delta. The stated ``error_bound`` is the largest of these; hop distances
  make it small against the scores (which lie near 1 / typical hops), where the 1 / weight
  lengths of the exact measure made it larger than the scores themselves.

References
----------
Riondato, M. and Kornaropoulos, E. M. (2016). Fast approximation of betweenness centrality
through sampling. Data Mining and Knowledge Discovery 30(2).
Eppstein, D. and Wang, J. (2004). Fast approximation of centrality. JGAA 8(1).
Borassi, M. and Natale, E. (2019). KADABRA is an ADaptive Algorithm for Betweenness via
Random Approximation. ACM J. Exp. Algorithmics 24.
Maurer, A. and Pontil, M. (2009). Empirical Bernstein bounds and sample variance
penalization. COLT.
Hoeffding, W. (1963). Probability inequalities for sums of bounded random variables. JASA.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from groundswell.analysis.centrality import Betweenness
from groundswell.errors import ParameterError
from groundswell.network.graph import Graph

#: c of Riondato & Kornaropoulos' sample size (from Löffler and Phillips 2009).
RK_C = 0.5
#: Adaptive stopping: the fewest sampled paths at which the bounds are checked, and the
#: factor between two checks.
FIRST_CHECK, GROWTH = 1000, 1.5


def sample_size(epsilon: float, delta: float, vertex_diameter: int) -> int:
    """Riondato & Kornaropoulos' number of sampled paths for (epsilon, delta)."""
    if not 0 < epsilon < 1:
        raise ParameterError("epsilon", "in (0, 1)", epsilon)
    if not 0 < delta < 1:
        raise ParameterError("delta", "in (0, 1)", delta)
    vc = math.floor(math.log2(vertex_diameter - 2)) + 1 if vertex_diameter > 3 else 1
    return math.ceil(RK_C / epsilon**2 * (vc + math.log(1 / delta)))


def _csr_order(
    src: np.ndarray, dst: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ties src -> dst of n people as out-ties in CSR form: (indptr, indices as int32,
    the order that sorts the ties by src, stably)."""
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order].astype(np.int32), order


def _csr(
    src: np.ndarray, dst: np.ndarray, length: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_csr_order` with the ties' lengths in place of the order."""
    indptr, indices, order = _csr_order(src, dst, n)
    return indptr, indices, length[order]


def checkpoints(most: int, first: int = FIRST_CHECK, growth: float = GROWTH) -> list[int]:
    """The sample counts at which :func:`betweenness_paths` checks whether it may stop:
    ``most`` (Riondato & Kornaropoulos' count) divided by ``growth`` ** j, j = 0, 1, ...,
    down to the last one of at least ``first`` (rounded up), in increasing order; just
    ``[most]`` when ``most`` is below ``first`` * ``growth``."""
    out = [most]
    while math.ceil(out[0] / growth) >= first:
        out.insert(0, math.ceil(out[0] / growth))
    return out


def _bernstein(counts: np.ndarray, r: int, log_b: float) -> np.ndarray:
    """Each person's empirical Bernstein bound (Maurer & Pontil 2009, two-sided, with
    ``log_b`` = ln(4 / their failure probability)) on their share of r sampled paths."""
    share = counts / r
    var = share * (1.0 - share) * r / (r - 1)  # sample variance of a Bernoulli count
    return np.sqrt(2 * var * log_b / r) + 7 * log_b / (3 * (r - 1))


def betweenness_paths(
    g: Graph,
    *,
    weighted: bool = True,
    epsilon: float = 0.02,
    delta: float = 0.1,
    seed: int = 0,
    adaptive: bool = True,
) -> Betweenness:
    """Betweenness estimated from sampled shortest paths (see the module docstring).

    Tie lengths are ``1 / weight`` when ``weighted`` (as in the exact measure), else 1. The
    result's ``samples`` is the number of sampled paths drawn (adaptive stopping: at most
    Riondato & Kornaropoulos' count), ``error_bound`` the stated bound on NetworkX's
    normalisation, at most ``epsilon`` (times n / (n - 2)), holding for every person at
    once with probability 1 - ``delta``. Same seed, same graph: same scores, whatever the
    number of threads. ``adaptive=False`` draws all of Riondato & Kornaropoulos' paths
    (one check, at the end: the estimate before adaptive stopping).
    """
    from groundswell.analysis import _scale_kernels

    n = g.n
    index = pd.Index(g.nodes, name="person_id")
    if n < 3:
        return Betweenness(pd.Series(np.zeros(n), index=index, name="betweenness"), "exact")
    r = sample_size(epsilon, delta / 2, n)
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n, size=r)
    t = (s + 1 + rng.integers(0, n - 1, size=r)) % n
    seeds = rng.integers(0, 2**63, size=r, dtype=np.int64).astype(np.uint64)
    pairs = np.stack([s, t], axis=1)
    src, dst = g.src.astype(np.int64), g.dst.astype(np.int64)
    length = (1.0 / g.weight) if weighted else np.ones(g.m)
    if not g.directed:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        length = np.concatenate([length, length])
    out = _csr(src, dst, length, n)
    rev = out if not g.directed else _csr(dst, src, length, n)
    del src, dst, length
    # every person's Bernstein bound at every check, each failing with delta / (2nK)
    checks = checkpoints(r) if adaptive else [r]
    log_b = math.log(8 * n * len(checks) / delta)
    counts = np.zeros(n, dtype=np.int64)
    done = 0
    for done_next in checks:
        part, _joined = _scale_kernels.path_samples(
            out[0], out[1], out[2], rev[0], rev[1], rev[2],
            pairs[done:done_next], seeds[done:done_next],
        )  # fmt: skip
        counts += part
        done = done_next
        bernstein = _bernstein(counts, done, log_b)
        if bernstein.max() <= epsilon:
            break
    to_nx = n / (n - 2)  # onto NetworkX's (n-1)(n-2) normalisation
    bounds = np.minimum(bernstein, epsilon) * to_nx
    return Betweenness(
        pd.Series(counts / done * to_nx, index=index, name="betweenness"),
        "sampled paths",
        done,
        float(bounds.max()),
        delta,
        bounds,
    )


def top_relative_bound(b: Betweenness, top: int = 100) -> float:
    """The largest bound relative to the score among the ``top`` highest scores (NaN when
    those scores include a zero or there are no per-person bounds): "the ``top`` highest
    betweenness figures are each within this fraction of their exact value"."""
    if b.bounds is None or not len(b.scores):
        return float("nan")
    order = np.argsort(-b.scores.to_numpy(), kind="stable")[:top]
    best = b.scores.to_numpy()[order]
    if (best <= 0).any():
        return float("nan")
    return float((b.bounds[order] / best).max())


def harmonic_hops(g: Graph, *, samples: int = 1000, delta: float = 0.1, seed: int = 0) -> pd.Series:
    """Normalised harmonic closeness on hop distances, estimated from ``samples`` sources.

    Counts paths towards each person (as NetworkX's ``harmonic_centrality`` on the graph
    without weights). ``attrs``: ``method`` ("sampled hops"), ``samples``, ``delta``,
    ``error_bound`` (the largest per-person bound, see the module docstring) and
    ``bounds`` (each person's bound, an array in node order).
    """
    from groundswell.analysis import _scale_kernels

    if samples < 2:
        raise ParameterError("samples", ">= 2", samples)
    n = g.n
    index = pd.Index(g.nodes, name="person_id")
    if n < 2:
        out = pd.Series(np.zeros(n), index=index, name="harmonic_closeness")
        out.attrs = {"method": "exact"}
        return out
    k = samples
    sources = np.random.default_rng(seed).integers(0, n, size=k)
    src, dst = g.src.astype(np.int64), g.dst.astype(np.int64)
    if not g.directed:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
    indptr, indices = _csr_order(src, dst, n)[:2]
    rindptr, rindices = _csr_order(dst, src, n)[:2] if g.directed else (None, None)
    del src, dst
    s1, s2 = _scale_kernels.hop_harmonic(indptr, indices, sources, rindptr, rindices)
    span = n / (n - 1)  # each source's value n/(n-1) / hops lies in [0, span]
    mean = s1 * span / k
    var = np.maximum(s2 * span**2 / k - mean**2, 0.0) * k / (k - 1)  # sample variance
    # 2n two-sided events (two bounds per person), each failing with probability delta/(2n)
    hoeffding = span * math.sqrt(math.log(4 * n / delta) / (2 * k))
    log_b = math.log(8 * n / delta)  # Maurer & Pontil, two-sided: ln(4 / (delta / (2n)))
    bernstein = np.sqrt(2 * var * log_b / k) + 7 * span * log_b / (3 * (k - 1))
    bounds = np.minimum(bernstein, hoeffding)
    out = pd.Series(mean, index=index, name="harmonic_closeness", dtype=np.float64)
    out.attrs = {
        "method": "sampled hops",
        "samples": k,
        "delta": delta,
        "error_bound": float(bounds.max()),
        "bounds": bounds,
    }
    return out
