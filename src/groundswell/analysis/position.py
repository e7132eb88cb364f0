"""A person's position in the network beyond degree, PageRank and betweenness.

Harmonic closeness, eigenvector centrality, k-core, clustering, reciprocity, two-step reach
and the share of ties that cross a formal boundary. Every function takes a
:class:`~groundswell.network.Graph` and returns a pandas Series or DataFrame indexed by
person id. Weights are tie strengths (more interaction = stronger); where a measure needs a
path length, the length of a tie is ``1 / weight`` (as in :func:`centrality.betweenness`).

References
----------
Boldi, P. and Vigna, S. (2014). Axioms for centrality. Internet Mathematics 10(3-4).
Bonacich, P. (1987). Power and centrality: a family of measures. Am. J. Sociol. 92(5).
Seidman, S. B. (1983). Network structure and minimum degree. Social Networks 5(3).
Batagelj, V. and Zaversnik, M. (2003). An O(m) algorithm for cores decomposition of networks.
Watts, D. J. and Strogatz, S. H. (1998). Collective dynamics of 'small-world' networks. Nature.
Onnela, J.-P., Saramaki, J., Kertesz, J. and Kaski, K. (2005). Intensity and coherence of
motifs in weighted complex networks. Phys. Rev. E 71, 065103.
Wasserman, S. and Faust, K. (1994). Social Network Analysis, ch. 13 (reciprocity).
Burt, R. S. (1992). Structural Holes, ch. 1 (reach within two steps).
Krackhardt, D. and Stern, R. N. (1988). Informal networks and organizational crises.
Social Psychology Quarterly 51(2) (ties across organisational units).
Eppstein, D. and Wang, J. (2004). Fast approximation of centrality. J. Graph Algorithms Appl. 8.
Hoeffding, W. (1963). Probability inequalities for sums of bounded random variables. JASA.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell import _sets
from groundswell.errors import ParameterError
from groundswell.network.graph import Graph

if TYPE_CHECKING:  # scipy.sparse comes with Graph.adjacency, not with this module
    from scipy import sparse

# Budget of scalar products per block of rows in the sparse matrix products below: bounds
# memory to a few hundred MB whatever the size of the graph.
_PRODUCTS_PER_BLOCK = 5_000_000
#: From this many people clustering and directed clustering sum their triangles with a numba
#: kernel (:mod:`._triangle_kernels`) instead of blocks of sparse products (issue 20: about a
#: quarter of ``individual measures`` at 100,000 people); the scale path's threshold.
KERNEL_MIN_NODES = 50_000


def harmonic_closeness(
    g: Graph,
    *,
    weighted: bool = True,
    normalized: bool = True,
    exact_max_nodes: int = 5000,
    samples: int = 500,
    delta: float = 0.1,
    seed: int = 0,
) -> pd.Series:
    """Harmonic closeness: how easily everyone else reaches a person.

    The harmonic closeness of person u is the sum over all other people v of
    ``1 / d(v, u)``, where ``d(v, u)`` is the length of the shortest path *from v to u*
    along the direction of the ties (people who cannot reach u add 0). With ``normalized``
    the sum is divided by n - 1, so an unweighted score of 1 means everyone has a direct
    tie to u. This is NetworkX's ``harmonic_centrality`` (the direction included).

    Parameters
    ----------
    g : Graph
    weighted : bool
        Tie lengths are ``1 / weight``; otherwise every tie has length 1.
    normalized : bool
        Divide by n - 1.
    exact_max_nodes : int
        Exact (a search from every person) when the graph has at most this many people;
        otherwise estimated from ``samples`` sources drawn at random without replacement.
    samples, delta, seed : int, float, int
        Number of sampled sources, confidence and seed of the estimate.

    Returns
    -------
    pd.Series
        Named ``harmonic_closeness``. ``attrs`` records ``method`` ("exact" or "sampled")
        and, when sampled, ``samples``, ``delta`` and ``error_bound``: with probability at
        least 1 - delta every normalised estimate is within ``error_bound`` of the exact
        value (Hoeffding with a union bound over the n people).

    Notes
    -----
    Unlike classic closeness, harmonic closeness is well defined when some people cannot
    reach others, as in almost every real communication network. The sampled estimate is
    that of Eppstein & Wang (2004): each sampled source v contributes
    ``n / (n - 1) / d(v, u)`` to the normalised score of u, a value in
    ``[0, n / (n - 1) / d_min]`` where ``d_min`` is the shortest tie length (1 unweighted,
    ``1 / max(weight)`` weighted). Shortest paths are computed by
    :func:`~groundswell.analysis.centrality.paths` (a numba kernel, breadth-first or Dijkstra
    from each source, in parallel over the sources); to get betweenness from the same
    searches, use :func:`~groundswell.analysis.centrality.betweenness_and_closeness`.

    References
    ----------
    Boldi, P. and Vigna, S. (2014). Axioms for centrality. Internet Mathematics 10(3-4).
    Eppstein, D. and Wang, J. (2004). Fast approximation of centrality. JGAA 8(1).
    """
    from groundswell.analysis import centrality

    n = g.n
    if n <= exact_max_nodes or n < 3:
        sources, k = np.arange(n), None
    else:
        if samples < 1:
            raise ParameterError("samples", ">= 1", samples)
        k = min(samples, n)
        sources = centrality.sample_sources(n, k, seed)
    raw = centrality.paths(g, weighted=weighted, sources=sources, betweenness=False)[1]
    return centrality.harmonic_result(
        g, raw, weighted=weighted, normalized=normalized, k=k, delta=delta
    )


def eigenvector(
    g: Graph, *, weighted: bool = True, max_iter: int = 1000, tol: float = 1e-10
) -> pd.Series:
    """Eigenvector centrality: a person is central when central people have ties to them.

    For a directed graph a tie a -> b passes a's score to b (the left eigenvector of the
    adjacency matrix, as in NetworkX): x_b is proportional to the sum over a -> b of
    ``weight(a, b) * x_a``. Scores are non-negative with Euclidean norm 1.

    Parameters
    ----------
    g : Graph
    weighted : bool
        Use tie weights (otherwise every tie counts 1).
    max_iter, tol : int, float
        Power iteration stops when the L1 change of the score vector is below ``n * tol``.

    Returns
    -------
    pd.Series
        Named ``eigenvector``; ``attrs["method"]`` is "directed" or "undirected" (below).

    Notes
    -----
    Computed, exactly as NetworkX's ``eigenvector_centrality``, by power iteration on
    ``A + I`` from the uniform vector (the shift by I avoids oscillation on periodic
    graphs), vectorised with scipy.sparse. In a directed graph people nobody turns to score
    0, and so does everyone whose in-ties come only from such people. When a directed
    graph has no dominant part that feeds back into itself -- a graph without cycles, or
    two equally strong one-way clusters -- the iteration does not converge (NetworkX raises
    ``PowerIterationFailedConvergence``). The rule then is: **compute on the undirected
    graph** (directions collapsed, weights of both directions summed), which always has a
    well-defined answer, record ``attrs["method"] = "undirected"`` and warn. On an
    undirected graph with several components the iteration converges to the component(s)
    with the largest leading eigenvalue; people elsewhere score (close to) 0.

    References
    ----------
    Bonacich, P. (1987). Power and centrality: a family of measures. Am. J. Sociol. 92(5).
    """
    index = pd.Index(g.nodes, name="person_id")
    if g.n == 0:
        return pd.Series(dtype=np.float64, index=index, name="eigenvector")
    x = _power_iteration(g.adjacency(weighted=weighted), max_iter, tol)
    method = "directed" if g.directed else "undirected"
    if x is None and g.directed:
        warnings.warn(
            "eigenvector centrality did not converge on the directed graph within "
            f"{max_iter} iterations; computed on the undirected graph instead",
            RuntimeWarning,
            stacklevel=2,
        )
        x = _power_iteration(g.to_undirected().adjacency(weighted=weighted), max_iter, tol)
        method = "undirected"
    if x is None:  # only for a pathologically slow undirected graph
        x = np.full(g.n, np.nan)
    out = pd.Series(x, index=index, name="eigenvector")
    out.attrs = {"method": method}
    return out


def k_core(g: Graph, *, kernel: bool | None = None) -> pd.Series:
    """Core number: the largest k such that the person belongs to a k-core.

    A k-core is a maximal group in which everyone has ties to at least k others of the
    group. Computed on the undirected simple graph (directions collapsed, weights ignored),
    as NetworkX's ``core_number(G.to_undirected())``: by igraph's ``coreness`` (igraph is
    loaded by the analysis anyway; NetworKit, used here before, cost seconds to import) or,
    from :data:`KERNEL_MIN_NODES` people (or with ``kernel=True``), by a numba kernel
    (:func:`._position_kernels.core_numbers`, Batagelj and Zaversnik's algorithm: the same
    integers, without handing every tie to igraph as a Python object). High core numbers
    mark the dense centre of the organisation; 1 marks its fringe, 0 the isolated.

    References
    ----------
    Seidman, S. B. (1983). Network structure and minimum degree. Social Networks 5(3).
    Batagelj, V. and Zaversnik, M. (2003). An O(m) algorithm for cores decomposition.
    """
    index = pd.Index(g.nodes, name="person_id")
    if g.m == 0:
        return pd.Series(0, index=index, name="k_core", dtype=np.int64)
    u = g.to_undirected()
    if g.n >= KERNEL_MIN_NODES if kernel is None else kernel:
        from groundswell.analysis._position_kernels import core_numbers

        cores = core_numbers(
            u.n, np.ascontiguousarray(u.src, np.int32), np.ascontiguousarray(u.dst, np.int32)
        )
        return pd.Series(cores, index=index, name="k_core", dtype=np.int64)
    import igraph as ig

    h = ig.Graph(n=u.n, edges=np.column_stack([u.src, u.dst]), directed=False)
    return pd.Series(h.coreness(mode="all"), index=index, name="k_core", dtype=np.int64)


def clustering(g: Graph, *, weighted: bool = True, kernel: bool | None = None) -> pd.Series:
    """Local clustering: how far a person's contacts are also in touch with each other.

    Computed on the undirected graph: directions are collapsed and the weight of a pair is
    the sum of both directions. Unweighted, it is the share of pairs of a person's contacts
    who have a tie between them (Watts & Strogatz). Weighted, it is Onnela et al.'s
    generalisation used by NetworkX: each triangle counts the geometric mean of its three
    tie weights, each divided by the largest weight in the graph,

        c_u = 1 / (k_u (k_u - 1)) * sum_{v, w} (w_uv w_uw w_vw / max(w)^3) ^ (1/3),

    so a person whose contacts are linked only by weak ties scores lower. People with fewer
    than two contacts score 0 (as in NetworkX and igraph's ``mode="zero"``).

    Notes
    -----
    The triangle sums are the diagonal of ``C^3`` with ``C = (W / max W) ^ (1/3)``
    taken element-wise, computed in blocks of rows with scipy.sparse; from
    :data:`KERNEL_MIN_NODES` people (or with ``kernel=True``) by a numba kernel walking the
    same two-step paths without building them (:mod:`._triangle_kernels`: the same sums up to
    the order of the additions).

    References
    ----------
    Watts, D. J. and Strogatz, S. H. (1998). Nature 393, 440-442.
    Onnela, J.-P., Saramaki, J., Kertesz, J. and Kaski, K. (2005). Phys. Rev. E 71, 065103.
    """
    index = pd.Index(g.nodes, name="person_id")
    a = g.to_undirected().adjacency(weighted=weighted).tocsr()
    a.sum_duplicates()
    if weighted and a.nnz:
        a.data = np.cbrt(a.data / a.data.max())
    deg = np.diff(a.indptr).astype(np.float64)
    cycles = _closed_walks(a, g.n >= KERNEL_MIN_NODES if kernel is None else kernel)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(deg > 1, cycles / (deg * (deg - 1)), 0.0)
    return pd.Series(c, index=index, name="clustering")


def reciprocity(g: Graph) -> pd.Series:
    """Reciprocity: the share of a person's ties, in or out, that are returned.

    With ``in`` the people who have a tie to u, ``out`` the people u has a tie to,

        reciprocity(u) = 2 |in & out| / (|in| + |out|),

    the share of u's directed ties (counting each direction once) that belong to a pair
    with ties both ways -- NetworkX's ``reciprocity(G, nodes)``. 1 means every tie is
    mutual; 0 that nobody u turns to turns back (or no one u hears from hears back).
    People without ties get NaN. On an undirected graph every tie is mutual.

    References
    ----------
    Wasserman, S. and Faust, K. (1994). Social Network Analysis, ch. 13.
    """
    index = pd.Index(g.nodes, name="person_id")
    n = g.n
    if g.directed:
        a = g.adjacency(weighted=False)
        mutual = np.asarray(a.multiply(a.T).sum(axis=1)).ravel()
        ties = np.bincount(g.src, minlength=n) + np.bincount(g.dst, minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(ties > 0, 2 * mutual / ties, np.nan)
    else:
        deg = np.bincount(np.concatenate([g.src, g.dst]), minlength=n)
        r = np.where(deg > 0, 1.0, np.nan)
    return pd.Series(r, index=index, name="reciprocity")


def overall_reciprocity(g: Graph) -> float:
    """Share of directed ties whose reverse tie also exists (NetworkX's
    ``overall_reciprocity``); NaN for a graph without ties."""
    if g.m == 0:
        return float("nan")
    key = g.src.astype(np.int64) * g.n + g.dst
    rev = g.dst.astype(np.int64) * g.n + g.src
    return float(_sets.isin(rev, key).mean())


def weighted_reciprocity(g: Graph) -> pd.Series:
    """Weighted reciprocity: the share of a person's tie strength, in and out, that is returned.

    With ``w_uv`` the strength of the tie u -> v, the reciprocated strength of u is
    ``sum_v min(w_uv, w_vu)`` (what flows both ways in equal measure; Squartini et al. 2013),
    and

        weighted_reciprocity(u) = 2 * sum_v min(w_uv, w_vu) / (out_strength(u) + in_strength(u)).

    With every weight 1 this is :func:`reciprocity`. 1 means every exchange is balanced; a
    person who writes ten times to someone who answers once scores low although the tie is
    mutual. People without ties get NaN; on an undirected graph every tie is balanced.

    References
    ----------
    Squartini, T., Picciolo, F., Ruzzenenti, F. and Garlaschelli, D. (2013). Reciprocity of
    weighted networks. Scientific Reports 3, 2729.
    """
    index = pd.Index(g.nodes, name="person_id")
    n = g.n
    total = np.bincount(g.src, g.weight, minlength=n) + np.bincount(g.dst, g.weight, minlength=n)
    if g.directed:
        a = g.adjacency()
        both = np.asarray(a.minimum(a.T).sum(axis=1)).ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(total > 0, 2 * both / total, np.nan)
    else:
        r = np.where(total > 0, 1.0, np.nan)
    return pd.Series(r, index=index, name="weighted_reciprocity")


def directed_clustering(
    g: Graph, *, weighted: bool = True, kernel: bool | None = None
) -> pd.Series:
    """Directed clustering: the share of possible directed triangles around a person that exist.

    Fagiolo's generalisation of clustering to directed ties: every directed triangle through
    u counts, whatever the directions of its three ties,

        c_u = [(A + A^T)^3]_uu / (2 [d_u (d_u - 1) - 2 d<->_u]),

    with ``d_u`` the total (in + out) degree and ``d<->_u`` the number of reciprocated pairs.
    Weighted, ``A`` holds the cube roots of the weights divided by the largest weight
    (Onnela et al.'s geometric mean), as NetworkX's ``clustering`` of a weighted DiGraph.
    People with no possible triangle score 0. On an undirected graph this is
    :func:`clustering`.

    References
    ----------
    Fagiolo, G. (2007). Clustering in complex directed networks. Phys. Rev. E 76, 026107.
    """
    if not g.directed:
        return clustering(g, weighted=weighted, kernel=kernel).rename("directed_clustering")
    index = pd.Index(g.nodes, name="person_id")
    a = g.adjacency(weighted=weighted).tocsr()
    if weighted and a.nnz:
        a.data = np.cbrt(a.data / a.data.max())
    s = (a + a.T).tocsr()
    cycles = _closed_walks(s, g.n >= KERNEL_MIN_NODES if kernel is None else kernel)
    deg = (np.bincount(g.src, minlength=g.n) + np.bincount(g.dst, minlength=g.n)).astype(float)
    pattern = g.adjacency(weighted=False)
    mutual = np.asarray(pattern.multiply(pattern.T).sum(axis=1)).ravel()
    possible = 2 * (deg * (deg - 1) - 2 * mutual)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(possible > 0, cycles / possible, 0.0)
    return pd.Series(c, index=index, name="directed_clustering")


def two_step_reach(g: Graph, *, kernel: bool | None = None) -> pd.DataFrame:
    """Two-step reach: how many people a person can reach through at most one intermediary.

    Counts the distinct people (not the person themself) at the end of a path of one or two
    ties along their direction -- those a person contacts, and those their contacts
    contact. On an undirected graph ties go both ways.

    Returns
    -------
    pd.DataFrame
        ``two_step_reach`` (count) and ``two_step_share`` (count / (n - 1)).

    Notes
    -----
    The non-zero pattern of ``A + A @ A``, computed in blocks of rows with scipy.sparse so
    that memory stays bounded; the same as the size of NetworkX's
    ``single_source_shortest_path_length(G, u, cutoff=2)`` minus one. From
    :data:`KERNEL_MIN_NODES` people (or with ``kernel=True``) a numba kernel counts the same
    people by walking the two-step paths without building them
    (:func:`._position_kernels.two_step_counts`; the same integers).

    References
    ----------
    Burt, R. S. (1992). Structural Holes. Harvard University Press, ch. 1.
    """
    index = pd.Index(g.nodes, name="person_id")
    n = g.n
    if n >= KERNEL_MIN_NODES if kernel is None else kernel:
        from groundswell.analysis._position_kernels import two_step_counts

        reach = two_step_counts(*_tie_csr(g))
        share = reach / (n - 1) if n > 1 else np.zeros(n)
        return pd.DataFrame({"two_step_reach": reach, "two_step_share": share}, index=index)
    a = g.adjacency(weighted=False).tocsr().astype(np.int32)
    a.sum_duplicates()
    reach = np.zeros(n, dtype=np.int64)
    for rows in _row_blocks(a, a):
        block = a[rows]
        two = (block + block @ a).tocsr()
        counts = np.diff(two.indptr)
        row_of = np.repeat(np.arange(len(rows)), counts)
        self_hits = np.bincount(row_of[two.indices == rows[row_of]], minlength=len(rows))
        reach[rows] = counts - self_hits
    share = reach / (n - 1) if n > 1 else np.zeros(n)
    return pd.DataFrame({"two_step_reach": reach, "two_step_share": share}, index=index)


def boundary_share(g: Graph, groups: pd.Series, *, weighted: bool = True) -> pd.Series:
    """Share of a person's ties that cross to another group (e.g. another department).

    Each tie counts at both ends: a directed tie u -> v is one of u's ties and one of v's,
    so a mutual pair counts twice (its two weights) for each of them. The share is the
    weight (or number, when not ``weighted``) of a person's ties to people of another
    group over the weight of all their ties to people with a known group.

    Parameters
    ----------
    g : Graph
    groups : pd.Series
        The group of each person, indexed by person id (people absent or NaN have none).
    weighted : bool
        Weigh ties by strength (otherwise each tie counts 1).

    Returns
    -------
    pd.Series
        Named ``boundary_share``. NaN for people without a group and for people with no
        ties to anyone with a group. Ties to people without a group are left out of both
        the numerator and the denominator.

    References
    ----------
    Krackhardt, D. and Stern, R. N. (1988). Informal networks and organizational crises:
    an experimental simulation. Social Psychology Quarterly 51(2), 123-140.
    """
    index = pd.Index(g.nodes, name="person_id")
    n = g.n
    code, _ = pd.factorize(groups.reindex(index), use_na_sentinel=True)
    cs, ct = code[g.src], code[g.dst]
    known = (cs >= 0) & (ct >= 0)
    w = (g.weight if weighted else np.ones(g.m))[known]
    s, t = g.src[known], g.dst[known]
    cross = np.where(cs[known] != ct[known], w, 0.0)
    ends = np.concatenate([s, t])
    total = np.bincount(ends, weights=np.concatenate([w, w]), minlength=n)
    crossing = np.bincount(ends, weights=np.concatenate([cross, cross]), minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where((total > 0) & (code >= 0), crossing / total, np.nan)
    return pd.Series(share, index=index, name="boundary_share")


def _tie_csr(g: Graph) -> tuple[np.ndarray, np.ndarray]:
    """The ties along their direction (both ways on an undirected graph) in CSR form:
    (row pointers, int32 column indices), rows in order of the ties' start."""
    src, dst = g.src, g.dst
    if not g.directed:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
    indptr = np.zeros(g.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=g.n), out=indptr[1:])
    if len(src) and not (src[1:] >= src[:-1]).all():  # already sorted: tie_graph's order
        dst = dst[np.argsort(src, kind="stable")]
    return indptr, np.ascontiguousarray(dst, dtype=np.int32)


def _power_iteration(a: sparse.csr_array, max_iter: int, tol: float) -> np.ndarray | None:
    """NetworkX's eigenvector iteration x <- (A + I)^T x / ||.||, or None if not converged."""
    n = a.shape[0]
    at = a.T.tocsr()
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = last + at @ last
        norm = np.linalg.norm(x) or 1.0
        x = x / norm
        if np.abs(x - last).sum() < n * tol:
            return x
    return None


def _closed_walks(s: sparse.csr_array, kernel: bool) -> np.ndarray:
    """The diagonal of ``s^3`` for a symmetric CSR matrix: by the numba kernel, else by blocks
    of sparse products."""
    if kernel:
        from groundswell.analysis._triangle_kernels import closed_walks

        return closed_walks(s.indptr, s.indices, s.data)
    cycles = np.zeros(s.shape[0])
    for rows in _row_blocks(s, s):
        block = s[rows]
        cycles[rows] = np.asarray((block @ s).multiply(block).sum(axis=1)).ravel()
    return cycles


def _row_blocks(left: sparse.csr_array, right: sparse.csr_array) -> Iterator[np.ndarray]:
    """Blocks of rows of ``left @ right`` with a bounded number of scalar products each."""
    n = left.shape[0]
    right_nnz = np.diff(right.indptr)
    cost = np.diff(left.indptr) + left.astype(bool).astype(np.int64) @ right_nnz
    ends = np.cumsum(cost)
    start = 0
    while start < n:
        budget = (ends[start - 1] if start else 0) + _PRODUCTS_PER_BLOCK
        stop = max(start + 1, int(np.searchsorted(ends, budget, side="right")))
        yield np.arange(start, min(stop, n))
        start = stop
