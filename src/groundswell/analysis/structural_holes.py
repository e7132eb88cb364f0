"""Structural holes: Burt's constraint and effective size of each person's ego network.

A person whose contacts are not connected to each other spans a *structural hole*: they hear
different things from different people and can broker between them. Burt's constraint measures
the opposite (how much a person's ties are invested, directly or through a third person, in the
same few others); effective size counts the non-redundant contacts.

Both follow NetworkX's definitions exactly (``nx.constraint`` and ``nx.effective_size``). A
direction does not matter: the *mutual weight* of two people is the sum of the weights of the
ties between them in both directions, and a person's neighbours are everyone they have a tie
with, in or out. One numba kernel (:mod:`._holes_kernels`) computes all three over the
symmetric mutual-weight matrix in CSR form: for each tie (i, j) it sums over the contacts that
i and j share (in parallel over people on large graphs); time grows with the number of
two-step paths and memory with the number of ties (plus one row of n per thread).

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

from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.network.graph import Graph

if TYPE_CHECKING:  # imported where used: a report reads the stored measures only
    from scipy import sparse


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
    count as absent. Computed tie by tie, over the contacts each pair shares (a numba
    kernel, parallel on large graphs): time grows with the number of two-step paths, memory with
    the number of ties.

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
    _, out = _kernels(w.indptr).holes(w.indptr, w.indices, w.data, False)
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
    values, _ = _kernels(w.indptr).holes(w.indptr, w.indices, w.data, False)
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
    Computed by the same kernel as :func:`constraint`.

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
    _, out = _kernels(w.indptr).holes(w.indptr, w.indices, w.data, True)
    return pd.Series(out, index=pd.Index(g.nodes, name="person_id"), name="effective_size")


def constraint_and_effective_size(
    g: Graph, *, weighted: bool = True
) -> tuple[pd.Series, pd.Series]:
    """:func:`constraint` and :func:`effective_size` together: the same two Series, from one
    matrix of mutual weights and, on a large network, one pass of the kernel over the
    two-step paths."""
    from groundswell.analysis import _small_kernels

    w = _mutual_weights(g, weighted)
    kernels = _kernels(w.indptr)
    if kernels is _small_kernels:
        con = kernels.holes(w.indptr, w.indices, w.data, False)[1]
        eff = kernels.holes(w.indptr, w.indices, w.data, True)[1]
    else:
        con, eff = kernels.holes_both(w.indptr, w.indices, w.data)
    index = pd.Index(g.nodes, name="person_id")
    return (
        pd.Series(con, index=index, name="constraint"),
        pd.Series(eff, index=index, name="effective_size"),
    )


def _mutual_weights(g: Graph, weighted: bool) -> sparse.csr_array:
    """The symmetric matrix of mutual weights a_ij + a_ji: zero diagonal, no stored zeros,
    sorted column indices."""
    from scipy import sparse

    if weighted and g.m and (g.weight < 0).any():
        raise ValueError("structural-hole measures need non-negative tie weights")
    # Each tie counted in both directions; duplicates (a reciprocated pair) are summed. For an
    # undirected graph this is its symmetric adjacency matrix, as ``Graph.adjacency`` gives.
    data = g.weight if weighted else np.ones(g.m)
    rows, cols = np.concatenate([g.src, g.dst]), np.concatenate([g.dst, g.src])
    w = sparse.csr_array((np.concatenate([data, data]), (rows, cols)), shape=(g.n, g.n))
    w.sum_duplicates()
    w.eliminate_zeros()
    w.sort_indices()
    return w


def _kernels(indptr: np.ndarray) -> ModuleType:
    """The module that computes the measures: NumPy and SciPy for a small network (nothing to
    compile on a first run, see :mod:`._small_kernels`), else the numba kernel, imported on
    first use (importing numba takes about half a second)."""
    from groundswell.analysis import _small_kernels

    if _small_kernels.holes_fit(indptr):
        return _small_kernels
    from groundswell.analysis import _holes_kernels

    return _holes_kernels
