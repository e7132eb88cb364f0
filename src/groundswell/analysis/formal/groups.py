"""Formal groups against the network: the group-to-group tie matrix, the E-I index, silos.

Group-level figures are suppressed below ``min_group_size`` people: the small groups (and,
by the privacy gate, as many more as it takes that none can be found by subtraction) are
merged into one :data:`~groundswell.privacy.SUPPRESSED` row whose figures are shown only if
the merged group itself reaches the minimum. Part of :mod:`groundswell.analysis.formal`.

References
----------
Krackhardt, D. and Stern, R. N. (1988). Informal networks and organizational crises: an
experimental simulation. *Social Psychology Quarterly* 51(2), 123-140 (the E-I index).
Krackhardt, D. and Hanson, J. R. (1993). Informal networks: the company behind the chart.
*Harvard Business Review* 71(4), 104-111.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from groundswell import _sets
from groundswell.network.graph import Graph
from groundswell.privacy import SUPPRESSED, gate_figures, gate_labels

__all__ = ["UNKNOWN", "ei_index", "ei_organisation", "group_matrix", "silos", "silos_of"]

#: the group of a person the org chart does not place
UNKNOWN = "(unknown)"


def group_matrix(
    g: Graph,
    groups: pd.Series,
    *,
    weighted: bool = True,
    normalize: bool = False,
    min_group_size: int = 5,
) -> pd.DataFrame:
    """Group-to-group tie matrix: how much each group's members turn to each group.

    Cell (A, B) is the total weight (or, with ``weighted=False``, the number) of ties from
    a member of A to a member of B; the diagonal holds the ties kept inside a group. With
    ``normalize=True`` each row is divided by its total, so a cell is the share of A's ties
    that go to B (rows sum to 1).

    Parameters
    ----------
    g : Graph
        The network. An undirected tie counts in both directions (the matrix is symmetric).
    groups : Series
        Any formal attribute (department, team, location, level...) indexed by person id.
        People of ``g`` missing from it, or with a missing value, form ``"(unknown)"``.
    weighted : bool
        Sum tie weights (default) or count ties.
    normalize : bool
        Row shares instead of totals.
    min_group_size : int
        Groups with fewer people (counted in ``groups``, whether in the network or not) are
        merged into one ``"(suppressed)"`` row and column; if that merged group is itself
        below the minimum, its row and column are missing (NaN).

    Returns
    -------
    DataFrame
        Rows: the actor's group; columns: the target's group; same order on both axes.

    Notes
    -----
    The matrix is computed as ``C.T @ A @ C`` with ``A`` the sparse adjacency matrix and
    ``C`` the person-by-group indicator matrix, so it costs one sparse product.
    Krackhardt & Hanson (1993) read such a matrix as "the company behind the chart".
    """
    labels, sizes = _labels(g, groups, min_group_size)
    names = sizes.index
    codes = pd.Categorical(labels, categories=names).codes
    m = _block_sums(g, codes, len(names), weighted=weighted)
    out = pd.DataFrame(m, index=pd.Index(names, name="from"), columns=pd.Index(names, name="to"))
    if normalize:
        out = out.div(out.sum(axis=1).replace(0.0, np.nan), axis=0)
    return gate_figures(out, sizes, min_group_size, square=True)


def ei_index(
    g: Graph, groups: pd.Series, *, weighted: bool = False, min_group_size: int = 5
) -> pd.DataFrame:
    """Krackhardt & Stern's E-I index of each group: do its members look outward or inward?

    ``ei = (E - I) / (E + I)``, where E counts ties from a member to someone outside the
    group and I ties between two members. It runs from -1 (every tie stays inside: a silo)
    to +1 (every tie leaves the group). ``inside_share = I / (E + I) = (1 - ei) / 2`` is the
    same information as a share.

    Parameters
    ----------
    g : Graph
        The network.
    groups : Series
        A formal attribute indexed by person id (see :func:`group_matrix`).
    weighted : bool
        Count ties (default, as Krackhardt & Stern) or sum their weights.
    min_group_size : int
        Groups below it are merged into one ``"(suppressed)"`` row whose ``size`` is their
        total head count and whose figures are missing (the E-I of a bag of unrelated small
        groups would mislead).

    Returns
    -------
    DataFrame
        Indexed by group: ``size`` (people in ``groups``), ``internal`` (I), ``external``
        (E), ``ei``, ``inside_share`` and ``baseline_ei``, the E-I the group would have if
        every member chose partners at random among the whole organisation,
        ``1 - 2 (size - 1) / (N - 1)``: large groups are expected to look more inward.
        Sorted by ``ei``, most inward first.

    Notes
    -----
    Counting convention: each directed tie is counted once, for the group of its *actor*
    (the person who wrote, replied or invited), as the row sums of the UCINET group
    matrix. A tie from A to B is thus external for A; B's members see it only if B ties
    back. An undirected tie counts once at each end, so a tie inside a group counts twice
    in I, as in a symmetric adjacency matrix.

    References
    ----------
    Krackhardt, D. and Stern, R. N. (1988). Informal networks and organizational crises: an
    experimental simulation. *Social Psychology Quarterly* 51(2), 123-140.

    Examples
    --------
    >>> g = Graph.from_edges([], [("a", "b", 1.0), ("b", "a", 1.0), ("b", "c", 1.0)])
    >>> groups = pd.Series({"a": "A", "b": "A", "c": "C"})
    >>> ei_index(g, groups, min_group_size=1).loc["A", ["internal", "external", "ei"]].tolist()
    [2.0, 1.0, -0.3333333333333333]
    """
    labels, sizes = _labels(g, groups, min_group_size)
    names = sizes.index
    codes = pd.Categorical(labels, categories=names).codes
    # the diagonal and row sums of C.T @ A @ C, without the k x k matrix (k teams can be
    # tens of thousands: the dense matrix took gigabytes at 100,000 people)
    s, d = _directed_pairs(g)
    w = _pair_weights(g, weighted)
    cs, cd = codes[s], codes[d]
    total = np.bincount(cs, weights=w, minlength=len(names)).astype(np.float64)
    same = cs == cd
    internal = np.bincount(cs[same], weights=w[same], minlength=len(names)).astype(np.float64)
    external = total - internal
    total = internal + external
    with np.errstate(invalid="ignore", divide="ignore"):
        ei = (external - internal) / total
        inside = internal / total
    n_all = float(sizes.sum())
    size = sizes.reindex(names).to_numpy(dtype=np.float64)
    baseline = 1.0 - 2.0 * (size - 1.0) / max(n_all - 1.0, 1.0)
    out = pd.DataFrame(
        {
            "size": size.astype(np.int64),
            "internal": internal,
            "external": external,
            "ei": ei,
            "inside_share": inside,
            "baseline_ei": baseline,
        },
        index=pd.Index(names, name="group"),
    )
    figures = ["internal", "external", "ei", "inside_share", "baseline_ei"]
    out[figures] = gate_figures(out[figures], sizes, min_group_size)
    if SUPPRESSED in out.index:
        out.loc[SUPPRESSED, figures] = np.nan
    return out.sort_values(["ei", "size"], ascending=[True, False], na_position="last")


def group_pairs(g: Graph, groups: pd.Series) -> pd.DataFrame:
    """The nonzero cells of :func:`group_matrix` (no suppression) as rows ``from_group,
    to_group, ties, weight``, in the matrix's row-major order, in memory proportional to the
    ties (the dense matrix of tens of thousands of teams does not fit)."""
    labels, sizes = _labels(g, groups, 1)
    names = sizes.index
    k = len(names)
    codes = pd.Categorical(labels, categories=names).codes.astype(np.int64)
    s, d = _directed_pairs(g)
    key = codes[s] * k + codes[d]
    # np.unique's cells and inverse, by one sort (its hash table is slow on millions of keys)
    cells = _sets.unique(key)
    inverse = np.searchsorted(cells, key)
    ties = np.bincount(inverse, minlength=len(cells)).astype(np.float64)
    weight = np.bincount(inverse, weights=_pair_weights(g, True), minlength=len(cells))
    name = np.asarray(names, dtype=object)
    return pd.DataFrame(
        {"from_group": name[cells // k], "to_group": name[cells % k], "ties": ties,
         "weight": weight}
    )  # fmt: skip


def ei_organisation(g: Graph, groups: pd.Series, *, weighted: bool = False) -> float:
    """The E-I index of the whole organisation: all ties between groups against all ties
    inside them (Krackhardt & Stern 1988), with the convention of :func:`ei_index`.

    People without a group are left out of both counts. This is a single figure over
    everyone, so it needs no suppression.
    """
    g_codes = _node_groups(g, groups)
    known = g_codes >= 0
    s, d = _directed_pairs(g)
    w = _pair_weights(g, weighted)
    keep = known[s] & known[d]
    inside = g_codes[s] == g_codes[d]
    i = float(w[keep & inside].sum())
    e = float(w[keep & ~inside].sum())
    return (e - i) / (e + i) if e + i > 0 else float("nan")


def silos(
    g: Graph,
    groups: pd.Series,
    *,
    weighted: bool = False,
    min_group_size: int = 5,
    quantile: float = 0.25,
) -> pd.DataFrame:
    """Groups that keep their ties to themselves, relative to the rest of the organisation.

    Rule: a group (of at least ``min_group_size`` people) is a silo when

    1. its E-I index is strictly below the organisation's lower quartile (``quantile``) of
       the E-I indices of the groups shown, and
    2. its share of ties kept inside is above the organisation's own: the share of all
       ties of the groups shown, pooled, that stay inside their group.

    At least four groups with figures are needed for a quartile to mean anything; with
    fewer, nothing is flagged.

    Returns
    -------
    DataFrame
        The flagged groups (most inward first): the columns of :func:`ei_index` plus
        ``ei_threshold`` (the quartile) and ``org_inside_share``.

    Notes
    -----
    Because ``inside_share = (1 - ei) / 2``, rule 2 says the group is more inward than the
    organisation's average tie; rule 1 that it is at the inward end of the groups. Large
    groups look inward by sheer size: compare ``ei`` with ``baseline_ei``.
    """
    table = ei_index(g, groups, weighted=weighted, min_group_size=min_group_size)
    return silos_of(table, quantile=quantile)


def silos_of(table: pd.DataFrame, *, quantile: float = 0.25) -> pd.DataFrame:
    """:func:`silos` from the groups' E-I table :func:`ei_index` already made (the same rule,
    without computing the table again)."""
    shown = table.drop(index=[SUPPRESSED], errors="ignore").dropna(subset=["ei"])
    cols = [*table.columns, "ei_threshold", "org_inside_share"]
    if len(shown) < 4:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="group"))
    threshold = float(np.quantile(shown["ei"].to_numpy(), quantile))
    org_inside = float(shown["internal"].sum() / (shown["internal"] + shown["external"]).sum())
    flagged = shown[(shown["ei"] < threshold) & (shown["inside_share"] > org_inside)].copy()
    flagged["ei_threshold"] = threshold
    flagged["org_inside_share"] = org_inside
    return flagged[cols]


# --------------------------------------------------------------------------- helpers


def _labels(g: Graph, groups: pd.Series, min_size: int) -> tuple[np.ndarray, pd.Series]:
    """Each node's shown group label, and the head count of every shown label.

    Sizes count everyone in ``groups`` plus people of ``g`` it does not know (as unknown).
    The groups the privacy gate suppresses (:func:`~groundswell.privacy.suppressed_groups`:
    below ``min_size``, and with them so many more that none can be found by subtraction)
    become :data:`SUPPRESSED`.
    """
    everyone = groups.reindex(groups.index.union(pd.Index(g.nodes), sort=False))
    label_of = gate_labels(everyone, min_size)
    shown_sizes = label_of.value_counts()
    order = sorted(
        shown_sizes.index, key=lambda s: (s in (SUPPRESSED, UNKNOWN), s == SUPPRESSED, s)
    )
    return label_of.reindex(g.nodes).to_numpy(dtype=object), shown_sizes.reindex(order)


def _node_groups(g: Graph, groups: pd.Series) -> np.ndarray:
    """Each node's group code, -1 where unknown."""
    vals = groups.reindex(g.nodes)
    codes, _ = pd.factorize(vals)
    return np.asarray(codes)


def _directed_pairs(g: Graph) -> tuple[np.ndarray, np.ndarray]:
    if g.directed:
        return g.src, g.dst
    return np.concatenate([g.src, g.dst]), np.concatenate([g.dst, g.src])


def _pair_weights(g: Graph, weighted: bool) -> np.ndarray:
    w = g.weight if weighted else np.ones(g.m)
    return w if g.directed else np.concatenate([w, w])


def _block_sums(g: Graph, codes: np.ndarray, k: int, *, weighted: bool) -> np.ndarray:
    """``C.T @ A @ C``: the k x k group matrix of tie weights (or counts)."""
    a = g.adjacency(weighted=weighted)
    from scipy import sparse  # on first use: a report reads the stored figures only

    c = sparse.csr_array((np.ones(g.n), (np.arange(g.n), codes)), shape=(g.n, k))
    return np.asarray((c.T @ a @ c).toarray(), dtype=np.float64)
