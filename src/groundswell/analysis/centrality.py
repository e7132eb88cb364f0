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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    everyone (as NetworkX does). Scores sum to 1. Computed by igraph (PRPACK).
    """
    if not 0 < damping < 1:
        raise ValueError(f"The 'damping' parameter must be in (0, 1); got {damping!r}")
    if g.n == 0:
        return pd.Series(dtype=np.float64, name="pagerank")
    ig = g.to_igraph()
    scores = ig.pagerank(
        directed=g.directed, damping=damping, weights="weight" if weighted else None
    )
    return pd.Series(scores, index=pd.Index(g.nodes, name="person_id"), name="pagerank")


@dataclass(frozen=True)
class Betweenness:
    """Betweenness scores and how they were obtained.

    ``scores`` are normalised as in NetworkX: divided by (n-1)(n-2) for a directed graph.
    ``method`` is "exact" or "sampled"; for sampled scores ``error_bound`` is the epsilon of
    the Hoeffding bound: with probability at least 1 - ``delta`` every person's estimate is
    within ``error_bound`` of their exact score.
    """

    scores: pd.Series
    method: str
    samples: int | None = None
    error_bound: float | None = None
    delta: float | None = None


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
    ``exact_max_nodes`` people; otherwise estimated from ``samples`` random sources
    (Brandes & Pich pivots), with the error bound of :class:`Betweenness`. Distances are
    ``1 / weight`` when ``weighted``. Computed by NetworKit.
    """
    import networkit as nk

    index = pd.Index(g.nodes, name="person_id")
    if g.n < 3:
        return Betweenness(pd.Series(0.0, index=index, name="betweenness"), "exact")
    ng = _distance_graph(g, weighted)
    if g.n <= exact_max_nodes:
        algo = nk.centrality.Betweenness(ng, normalized=True)
        algo.run()
        return Betweenness(pd.Series(algo.scores(), index=index, name="betweenness"), "exact")
    k = min(samples, g.n)
    nk.setSeed(seed, True)
    algo = nk.centrality.EstimateBetweenness(ng, k, True, False)
    algo.run()
    bound = betweenness_error_bound(g.n, k, delta)
    return Betweenness(
        pd.Series(algo.scores(), index=index, name="betweenness"), "sampled", k, bound, delta
    )


def betweenness_error_bound(n: int, samples: int, delta: float) -> float:
    """Hoeffding bound of pivot-sampled normalised betweenness, uniform over n people.

    Each sampled source contributes n * dependency / ((n-1)(n-2)), a value in
    [0, n/(n-1)]; the mean of ``samples`` such values is within epsilon of the exact score
    for every person at once with probability 1 - delta (union bound over n people).
    """
    span = n / (n - 1)
    return span * math.sqrt(math.log(2 * n / delta) / (2 * samples))


def _distance_graph(g: Graph, weighted: bool):  # type: ignore[no-untyped-def]
    import networkit as nk

    ng = nk.Graph(g.n, weighted=weighted, directed=g.directed)
    if g.m:
        dist = (1.0 / g.weight) if weighted else np.ones(g.m)
        ng.addEdges((dist, (g.src.astype(np.uint64), g.dst.astype(np.uint64))))
    return ng
