"""Structural holes: Burt's constraint and effective size of each person's ego network.

A person whose contacts are not connected to each other spans a *structural hole*: they hear
different things from different people and can broker between them. Burt's constraint measures
the opposite (how much a person's ties are invested, directly or through a third person, in the
same few others); effective size counts the non-redundant contacts.

Both follow NetworkX's definitions exactly (``nx.constraint`` and ``nx.effective_size``). A
direction does not matter: the *mutual weight* of two people is the sum of the weights of the
ties between them in both directions, and a person's neighbours are everyone they have a tie
with, in or out. The kernels are sparse matrix products (scipy.sparse) restricted to the pairs
of people who are tied, computed in blocks of rows so that memory stays bounded on large
graphs.

References
----------
Burt, R. S. (1992). *Structural Holes: The Social Structure of Competition.* Harvard
University Press.
Burt, R. S. (2004). Structural holes and good ideas. *American Journal of Sociology* 110(2),
349-399.
Borgatti, S. P. (1997). Structural holes: unpacking Burt's redundancy measures.
*Connections* 20(1), 35-38.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy import sparse

from groundswell.network.graph import Graph

#: Upper bound on the two-step paths handled in one block of rows (some 20 MB of work space).
_BLOCK_PATHS = 1_000_000


def constraint(g: Graph, *, weighted: bool = True) -> pd.Series:
    r"""Burt's constraint: how far a person's network closes in on them.

    .. math::

       c_i = \sum_{j \in N(i)} \Big(p_{ij} + \sum_{q \ne i, j} p_{iq}\, p_{qj}\Big)^2,
       \qquad p_{ij} = \frac{a_{ij} + a_{ji}}{\sum_k (a_{ik} + a_{ki})}

    where :math:`N(i)` are the people tied to *i* in either direction and :math:`p_{ij}` is
    the share of *i*'s (mutual) tie weight that goes to *j*. Each term, the *local constraint*
    of *j* on *i*, is large when *i* puts much of their time into *j*, directly or through
    contacts *q* who are themselves invested in *j*. Constraint is high (up to about 1.1) for
    someone with one tie or a closed clique of ties, and low for a broker whose contacts do
    not know each other.

    Parameters
    ----------
    g : Graph
        Directed or undirected; directions are combined into mutual weights.
    weighted : bool
        Use tie weights; otherwise every tie weighs 1 (a reciprocated pair then has mutual
        weight 2 and a one-way pair 1, as in NetworkX).

    Returns
    -------
    pandas.Series
        ``constraint`` by person id; NaN for people with no ties.

    Notes
    -----
    Equal to ``networkx.constraint(G, weight="weight" or None)`` on ``g.to_networkx()``, and
    to igraph's ``Graph.constraint(weights=...)``. (NetworkX's per-node path, ``nodes=...``,
    calls anyone without an outgoing tie isolated on a directed graph.) Ties of weight 0
    count as absent. Computed as :math:`(P + P^2)` on the tie pattern, with
    :math:`P` the row-normalised mutual-weight matrix (zero diagonal): time and memory grow
    with the number of two-step paths, in bounded blocks of rows.

    References
    ----------
    Burt, R. S. (1992). *Structural Holes*, ch. 2. Burt, R. S. (2004). Structural holes and
    good ideas. *American Journal of Sociology* 110(2), 349-399.

    Examples
    --------
    >>> g = Graph.from_edges(list("abc"), [("a", "b", 1.0), ("a", "c", 1.0)], directed=False)
    >>> constraint(g).round(3).to_dict()
    {'a': 0.5, 'b': 1.0, 'c': 1.0}
    """
    w = _mutual_weights(g, weighted)
    strength = np.asarray(w.sum(axis=1)).ravel()
    p = _row_scaled(w, _safe_inverse(strength))
    out = np.zeros(g.n)
    for r0, r1, left, indirect in _masked_products(p, p):
        direct_plus = left + indirect  # same pattern as ``left`` (p > 0 on every tie)
        out[r0:r1] = np.asarray(direct_plus.power(2).sum(axis=1)).ravel()
    out[strength == 0] = np.nan
    return pd.Series(out, index=pd.Index(g.nodes, name="person_id"), name="constraint")


def local_constraint(g: Graph, *, weighted: bool = True) -> pd.DataFrame:
    r"""Burt's local (dyadic) constraint of each contact *j* on each person *i*.

    :math:`\ell_{ij} = (p_{ij} + \sum_{q} p_{iq} p_{qj})^2` for every pair of people tied in
    either direction (both orders); :func:`constraint` is its sum over *j*. It tells *who*
    constrains a person: the contact they cannot do without.

    Returns
    -------
    pandas.DataFrame
        Columns ``person_id``, ``contact_id``, ``local_constraint``; one row per ordered
        pair of tied people, sorted by person then contact index.

    Notes
    -----
    Equal to ``networkx.local_constraint(G, i, j, weight=...)`` for every tied pair.

    References
    ----------
    Burt, R. S. (1992). *Structural Holes*, ch. 2.
    """
    w = _mutual_weights(g, weighted)
    strength = np.asarray(w.sum(axis=1)).ravel()
    p = _row_scaled(w, _safe_inverse(strength))
    values = np.empty(w.nnz)
    for r0, r1, left, indirect in _masked_products(p, p):
        direct_plus = (left + indirect).tocsr()
        direct_plus.sort_indices()
        assert direct_plus.nnz == left.nnz
        values[p.indptr[r0] : p.indptr[r1]] = direct_plus.data**2
    rows = np.repeat(np.arange(g.n), np.diff(w.indptr))
    return pd.DataFrame(
        {
            "person_id": g.nodes[rows],
            "contact_id": g.nodes[w.indices],
            "local_constraint": values,
        }
    )


def effective_size(g: Graph, *, weighted: bool = True) -> pd.Series:
    r"""Burt's effective size: the number of a person's contacts that are not redundant.

    .. math::

       e_i = \sum_{j \in N(i)} \Big(1 - \sum_{q} p_{iq}\, m_{jq}\Big),
       \qquad m_{jq} = \frac{a_{jq} + a_{qj}}{\max_k (a_{jk} + a_{kj})}

    A contact *j* is redundant to the extent that *i*'s other contacts *q* (weighted by
    *i*'s investment :math:`p_{iq}`) are strongly tied to *j* (relative to *j*'s strongest
    tie, :math:`m_{jq}`). Effective size equals the number of contacts when none of them know
    each other, and falls towards 1 in a closed clique. Divide by the number of contacts for
    Burt's *efficiency*.

    Parameters
    ----------
    g : Graph
        Directed or undirected; directions are combined into mutual weights.
    weighted : bool
        Use tie weights; otherwise every tie weighs 1 (mutual weight 2 for a reciprocated
        pair, 1 for a one-way pair).

    Returns
    -------
    pandas.Series
        ``effective_size`` by person id; NaN for people with no ties.

    Notes
    -----
    Equal to NetworkX's per-node ``networkx.effective_size(G, weight=..., nodes=...)`` on
    ``g.to_networkx()``. NetworkX 3.6's all-nodes path (``nodes=None``) divides by the wrong
    person's strongest tie on weighted or directed graphs (networkx PR #8906); and on a
    directed graph its per-node path calls anyone without an *outgoing* tie isolated (NaN),
    where this function, like the formula, uses their incoming ties.
    For an unweighted undirected graph it reduces to Borgatti's (1997) shortcut
    :math:`n - 2t/n`, with *n* contacts and *t* ties among them (NetworkX uses that formula
    there; the general formula gives the same value). Ties of weight 0 count as absent.
    Computed as :math:`P M^\top` on the tie pattern, in bounded blocks of rows.

    References
    ----------
    Burt, R. S. (1992). *Structural Holes*, ch. 2. Borgatti, S. P. (1997). Structural holes:
    unpacking Burt's redundancy measures. *Connections* 20(1), 35-38.

    Examples
    --------
    >>> g = Graph.from_edges(list("abc"), [("a", "b", 1.0), ("a", "c", 1.0)], directed=False)
    >>> effective_size(g).to_dict()
    {'a': 2.0, 'b': 1.0, 'c': 1.0}
    """
    w = _mutual_weights(g, weighted)
    strength = np.asarray(w.sum(axis=1)).ravel()
    strongest = w.max(axis=1).toarray().ravel() if w.nnz else np.zeros(g.n)
    p = _row_scaled(w, _safe_inverse(strength))
    # m[j, q] = w[j, q] / strongest[j]; w is symmetric, so m.T is w with columns scaled.
    m_t = (w @ sparse.diags_array(_safe_inverse(strongest))).tocsr()
    degree = np.diff(w.indptr).astype(np.float64)
    out = degree.copy()
    for r0, r1, _, redundancy in _masked_products(p, m_t):
        out[r0:r1] -= np.asarray(redundancy.sum(axis=1)).ravel()
    out[strength == 0] = np.nan
    return pd.Series(out, index=pd.Index(g.nodes, name="person_id"), name="effective_size")


def _mutual_weights(g: Graph, weighted: bool) -> sparse.csr_array:
    """The symmetric matrix of mutual weights a_ij + a_ji, zero diagonal, no stored zeros."""
    if weighted and g.m and (g.weight < 0).any():
        raise ValueError("structural-hole measures need non-negative tie weights")
    a = g.adjacency(weighted=weighted)  # already symmetric for an undirected graph
    w = (a + a.T).tocsr() if g.directed else a.tocsr()
    w.eliminate_zeros()
    w.sum_duplicates()
    w.sort_indices()
    return w


def _safe_inverse(x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x, dtype=np.float64)
    np.divide(1.0, x, out=out, where=x > 0)
    return out


def _row_scaled(w: sparse.csr_array, factor: np.ndarray) -> sparse.csr_array:
    """diag(factor) @ w, keeping w's pattern and order."""
    rows = np.repeat(np.arange(w.shape[0]), np.diff(w.indptr))
    return sparse.csr_array((w.data * factor[rows], w.indices, w.indptr), shape=w.shape)


def _masked_products(
    left: sparse.csr_array, right: sparse.csr_array
) -> Iterator[tuple[int, int, sparse.csr_array, sparse.csr_array]]:
    """(left @ right) kept only where ``left`` has entries (the tie pattern), by row blocks.

    Yields (r0, r1, left[r0:r1], product block). Blocks are cut so that each handles at most
    about ``_BLOCK_PATHS`` two-step paths (a single row may exceed it), which bounds memory
    whatever the degree of the hubs.
    """
    n = left.shape[0]
    pattern = sparse.csr_array((np.ones(left.nnz), left.indices, left.indptr), shape=left.shape)
    row_degree = np.diff(right.indptr).astype(np.float64)
    paths = np.cumsum(pattern @ row_degree)  # two-step paths starting in rows 0..i
    r0 = 0
    while r0 < n:
        done = paths[r0 - 1] if r0 else 0.0
        r1 = int(np.searchsorted(paths, done + _BLOCK_PATHS, side="right"))
        r1 = min(max(r1, r0 + 1), n)
        block = left[r0:r1]
        product = (block @ right).multiply(pattern[r0:r1])
        yield r0, r1, block, sparse.csr_array(product)
        r0 = r1
