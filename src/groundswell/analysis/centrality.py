"""Individual position in the network: degree and strength, PageRank, betweenness.

All functions take a :class:`~groundswell.network.Graph` and return a pandas Series or
DataFrame indexed by person id. Weights are tie strengths (more interaction = stronger);
where an algorithm needs a distance, the distance of a tie is ``1 / weight``.

References
----------
Brin, S. and Page, L. (1998). The anatomy of a large-scale hypertextual web search engine.
Brandes, U. (2001). A faster algorithm for betweenness centrality. J. Math. Sociol. 25(2).
Brandes, U. and Pich, C. (2007). Centrality estimation in large networks. IJBC 17(7).
Hoeffding, W. (1963). Probability inequalities for sums of bounded random variables. JASA.
Eppstein, D. and Wang, J. (2004). Fast approximation of centrality. JGAA 8(1).
Dial, R. B. (1969). Algorithm 360: shortest-path forest with topological ordering. CACM 12.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pandas as pd

from groundswell.errors import ParameterError
from groundswell.network.graph import Graph


def degree_strength(g: Graph) -> pd.DataFrame:
    """In and out degree (number of ties) and strength (sum of tie weights) of each person.

    For an undirected graph the in and out columns are equal (each tie counts at both ends).
    """
    n = g.n
    if g.directed:
        out_deg = np.bincount(g.src, minlength=n)
        in_deg = np.bincount(g.dst, minlength=n)
        out_str = np.bincount(g.src, weights=g.weight, minlength=n)
        in_str = np.bincount(g.dst, weights=g.weight, minlength=n)
    else:
        both = np.concatenate([g.src, g.dst])
        w2 = np.concatenate([g.weight, g.weight])
        out_deg = in_deg = np.bincount(both, minlength=n)
        out_str = in_str = np.bincount(both, weights=w2, minlength=n)
    return pd.DataFrame(
        {
            "in_degree": in_deg.astype(np.int64),
            "out_degree": out_deg.astype(np.int64),
            "in_strength": in_str.astype(np.float64),
            "out_strength": out_str.astype(np.float64),
        },
        index=pd.Index(g.nodes, name="person_id"),
    )


def pagerank(g: Graph, *, damping: float = 0.85, weighted: bool = True) -> pd.Series:
    """PageRank: a person is influential when influential people turn to them.

    A tie a -> b (a replied to, mentioned or messaged b) passes a's score to b, in
    proportion to its weight. People with no outgoing ties spread their score evenly over
    everyone (as NetworkX does). Scores sum to 1. Computed by igraph (PRPACK) on one
    OpenMP thread: on two, its sums change order from call to call and so do the scores'
    last bits (:mod:`groundswell.network._openmp`); the same graph always gives the same
    scores.
    """
    from groundswell.network._openmp import one_thread

    if not 0 < damping < 1:
        raise ParameterError("damping", "in (0, 1)", damping)
    if g.n == 0:
        return pd.Series(dtype=np.float64, name="pagerank")
    ig = g.to_igraph(attributes=False)  # the ties alone, in their order: no names
    with one_thread():
        scores = ig.pagerank(
            directed=g.directed, damping=damping, weights=g.weight.tolist() if weighted else None
        )
    return pd.Series(scores, index=pd.Index(g.nodes, name="person_id"), name="pagerank")


@dataclass(frozen=True)
class Betweenness:
    """Betweenness scores and how they were obtained.

    ``scores`` are normalised as in NetworkX: divided by (n-1)(n-2) (directed or not).
    ``method`` is "exact" or "sampled"; for sampled scores ``error_bound`` is the epsilon of
    the Hoeffding bound: with probability at least 1 - ``delta`` every person's estimate is
    within ``error_bound`` of their exact score. ``bounds``, when given ("sampled paths"),
    holds each person's own bound (all hold at once with probability 1 - ``delta``;
    ``error_bound`` is their largest).
    """

    scores: pd.Series
    method: str
    samples: int | None = None
    error_bound: float | None = None
    delta: float | None = None
    bounds: np.ndarray | None = None


def betweenness(
    g: Graph,
    *,
    weighted: bool = True,
    exact_max_nodes: int = 5000,
    samples: int = 1000,
    delta: float = 0.1,
    seed: int = 0,
) -> Betweenness:
    """Betweenness: how often a person lies on the shortest paths between others.

    High betweenness marks a broker or a bottleneck: information between parts of the
    organisation passes through them. Exact (Brandes) when the graph has at most
    ``exact_max_nodes`` people; otherwise estimated from ``samples`` sources drawn at random
    without replacement (Brandes & Pich 2007: the dependencies of the sampled sources, scaled
    by n / samples), with the error bound of :class:`Betweenness`
    (:func:`betweenness_error_bound`). Distances are ``1 / weight`` when ``weighted``.
    Computed by :func:`paths` (one numba pass of shortest-path searches); equal to NetworkX's
    ``betweenness_centrality(weight="distance", normalized=True)`` to rounding.
    """
    return betweenness_and_closeness(
        g,
        weighted=weighted,
        exact_max_nodes=exact_max_nodes,
        samples=samples,
        delta=delta,
        seed=seed,
        closeness=False,
    )[0]


def betweenness_and_closeness(
    g: Graph,
    *,
    weighted: bool = True,
    normalized: bool = True,
    exact_max_nodes: int = 5000,
    samples: int = 1000,
    delta: float = 0.1,
    seed: int = 0,
    closeness: bool = True,
) -> tuple[Betweenness, pd.Series]:
    """Betweenness and harmonic closeness from the same shortest-path searches.

    The same as :func:`betweenness` and :func:`~groundswell.analysis.position.
    harmonic_closeness` called with the same arguments (``normalized`` applies to the
    closeness; betweenness is always normalised), for about the price of one: both are sums
    over source people of what one search from the source finds. Above ``exact_max_nodes``
    people both are estimated from the same ``samples`` random sources, and each reports its
    own Hoeffding bound for that number of sources. With ``closeness=False`` the closeness
    Series is empty and its sums are not used.
    """
    n = g.n
    index = pd.Index(g.nodes, name="person_id")
    if n <= exact_max_nodes or n < 3:
        sources, k = np.arange(n), None
    else:
        if samples < 1:
            raise ParameterError("samples", ">= 1", samples)
        k = min(samples, n)
        sources = sample_sources(n, k, seed)
    if n < 3:  # nobody lies between two others
        btw_raw = np.zeros(n)
        hc_raw = paths(g, weighted=weighted, sources=sources, betweenness=False)[1]
    else:
        btw_raw, hc_raw = paths(g, weighted=weighted, sources=sources)
    scale = 1.0 if k is None else n / k
    scores = pd.Series(
        btw_raw * (scale / ((n - 1) * (n - 2))) if n >= 3 else btw_raw,
        index=index,
        name="betweenness",
    )
    if k is None:
        btw = Betweenness(scores, "exact")
    else:
        btw = Betweenness(scores, "sampled", k, betweenness_error_bound(n, k, delta), delta)
    hc = harmonic_result(g, hc_raw, weighted=weighted, normalized=normalized, k=k, delta=delta)
    return btw, hc if closeness else pd.Series(dtype=np.float64, name="harmonic_closeness")


def paths(
    g: Graph, *, weighted: bool = True, sources: np.ndarray | None = None, betweenness: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Raw sums over shortest-path searches from ``sources`` (all people when None).

    Returns ``(dependency, harmonic)``, two float64 arrays in node order:
    ``dependency[v]`` is the sum over the sources s != v of Brandes' dependency
    ``delta_s(v) = sum_t sigma_st(v) / sigma_st`` (unnormalised betweenness counted over
    ordered pairs, as NetworkX does for directed and undirected graphs alike; zeros when not
    ``betweenness``), and ``harmonic[u]`` the sum over the sources s != u that reach u of
    ``1 / d(s, u)``. Tie lengths are ``1 / weight`` when ``weighted``, else 1.
    """
    n = g.n
    sources = np.arange(n) if sources is None else np.asarray(sources, dtype=np.int64)
    if n == 0 or len(sources) == 0:
        return np.zeros(n), np.zeros(n)
    indptr, indices, length = _out_ties(g, weighted)
    return _path_kernels(len(sources), len(indices)).shortest_path_sums(
        indptr, indices, length, sources, unit=not weighted, betweenness=betweenness
    )


def _out_ties(g: Graph, weighted: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The out-ties of each person in CSR form, in neighbour order (both directions of an
    undirected tie): (indptr, indices as int32, lengths as in :func:`_lengths`), as
    :func:`paths` hands them to either version of the shortest-path sums."""
    src, dst = g.src.astype(np.int64), g.dst.astype(np.int64)
    length = _lengths(g, weighted)
    if not g.directed:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        length = np.concatenate([length, length])
    order = np.lexsort((dst, src))
    indptr = np.zeros(g.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=g.n), out=indptr[1:])
    return indptr, dst[order].astype(np.int32), length[order]


def _path_kernels(sources: int, arcs: int) -> ModuleType:
    """The module that computes :func:`paths`: NumPy and SciPy for a small network (nothing
    to compile on a first run, see :mod:`._small_kernels`), else the numba kernel."""
    from groundswell.analysis import _small_kernels

    if _small_kernels.paths_fit(sources, arcs):
        return _small_kernels
    from groundswell.analysis import _paths_kernels

    return _paths_kernels


def sample_sources(n: int, k: int, seed: int) -> np.ndarray:
    """``k`` of the n people drawn at random without replacement (sorted), from ``seed``."""
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


def harmonic_result(
    g: Graph,
    raw: np.ndarray,
    *,
    weighted: bool,
    normalized: bool,
    k: int | None,
    delta: float,
) -> pd.Series:
    """Harmonic closeness from the sums of :func:`paths` over all people or ``k`` sampled ones.

    The sampled estimate (Eppstein & Wang 2004) scales the sums by n / k; its Hoeffding
    bound (union bound over n people): each source contributes ``n / (n - 1) / d`` to a
    normalised score, in ``[0, n / (n - 1) / d_min]`` with ``d_min`` the shortest tie length,
    so ``error_bound = n / (n - 1) / d_min * sqrt(ln(2n / delta) / (2k))``. The bound is of
    the normalised score; ``attrs`` hold ``method`` and, when sampled, ``samples``,
    ``delta`` and ``error_bound``.
    """
    n = g.n
    index = pd.Index(g.nodes, name="person_id")
    attrs: dict[str, str | int | float]
    if k is None:
        scores, attrs = raw, {"method": "exact"}
    else:
        scores = raw * (n / k)
        d_min = float(_lengths(g, weighted).min()) if g.m else 1.0
        span = n / (n - 1) / d_min
        bound = span * math.sqrt(math.log(2 * n / delta) / (2 * k))
        attrs = {"method": "sampled", "samples": k, "delta": delta, "error_bound": bound}
    if normalized and n >= 2:
        scores = scores / (n - 1)
    out = pd.Series(scores, index=index, name="harmonic_closeness", dtype=np.float64)
    out.attrs = attrs
    return out


def betweenness_error_bound(n: int, samples: int, delta: float) -> float:
    """Hoeffding bound of pivot-sampled normalised betweenness, uniform over n people.

    Each sampled source contributes n * dependency / ((n-1)(n-2)), a value in
    [0, n/(n-1)]; the mean of ``samples`` such values is within epsilon of the exact score
    for every person at once with probability 1 - delta (union bound over n people).
    Hoeffding's inequality holds as well for sources drawn without replacement
    (Hoeffding 1963, section 6), as they are here.
    """
    span = n / (n - 1)
    return span * math.sqrt(math.log(2 * n / delta) / (2 * samples))


def _lengths(g: Graph, weighted: bool) -> np.ndarray:
    """Tie lengths: ``1 / weight`` when weighted, else 1."""
    return (1.0 / g.weight) if weighted else np.ones(g.m)
