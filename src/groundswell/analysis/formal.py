"""Formal against informal: how the network of who works with whom sits against the org chart.

Group-level figures (the group-to-group tie matrix, the E-I index, silos) are suppressed
below ``min_group_size`` people: the small groups are merged into one
:data:`~groundswell.privacy.SUPPRESSED` row whose figures are shown only if the merged group
itself reaches the minimum. Person-level rules (hidden influencers, informal leaders,
bottleneck managers, managers far from their team, key-person risk) each state their rule
relative to the organisation's own distribution, never a fixed number of ties.

Scoring functions return every candidate with the evidence; rule functions
(:func:`silos`, :func:`hidden_influencers`, :func:`informal_leaders`,
:func:`bottleneck_managers`, :func:`managers_far_from_team`) return the flagged rows only,
most extreme first.

References
----------
Krackhardt, D. and Stern, R. N. (1988). Informal networks and organizational crises: an
experimental simulation. *Social Psychology Quarterly* 51(2), 123-140 (the E-I index).
Krackhardt, D. and Hanson, J. R. (1993). Informal networks: the company behind the chart.
*Harvard Business Review* 71(4), 104-111.
Cross, R. and Parker, A. (2004). *The Hidden Power of Social Networks*. Harvard Business
School Press (bottlenecks, peripheral people, informal leaders).
Hopcroft, J. and Tarjan, R. (1973). Algorithm 447: efficient algorithms for graph
manipulation. *Communications of the ACM* 16(6), 372-378 (articulation points, blocks).
Tukey, J. W. (1977). *Exploratory Data Analysis*. Addison-Wesley (the 1.5 IQR fences).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from groundswell.network.graph import Graph
from groundswell.privacy import SUPPRESSED, group_label, suppress_small_groups

UNKNOWN = "(unknown)"

__all__ = [
    "bottleneck_managers",
    "ei_index",
    "ei_organisation",
    "group_matrix",
    "hidden_influencers",
    "informal_leaders",
    "key_person_risk",
    "manager_team_ties",
    "managers_far_from_team",
    "silos",
    "team_bottleneck",
]


# --------------------------------------------------------------------------- groups


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
    out = suppress_small_groups(out, sizes, min_group_size)
    return suppress_small_groups(out.T, sizes, min_group_size).T


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
    m = _block_sums(g, codes, len(names), weighted=weighted)
    internal = np.diag(m).copy()
    external = m.sum(axis=1) - internal
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
    out[figures] = suppress_small_groups(out[figures], sizes, min_group_size)
    if SUPPRESSED in out.index:
        out.loc[SUPPRESSED, figures] = np.nan
    return out.sort_values(["ei", "size"], ascending=[True, False], na_position="last")


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


# --------------------------------------------------------------------------- people


def hidden_influencers(
    people: pd.DataFrame,
    score: pd.Series | None = None,
    *,
    top: float = 0.10,
    include_managers: bool = False,
) -> pd.DataFrame:
    """People with high informal influence and a low formal level.

    Rule (relative to the organisation's distribution):

    1. informal influence: ``score`` (by default the ``pagerank`` column of ``people``) in
       the organisation's top decile (``top``), i.e. at or above its 90th percentile among
       the people who have a score;
    2. low formal level: ``level`` (1 = the top of the organisation, larger = more junior)
       in the lower half of the levels used in the person's *department*: at or above the
       median of the department's distinct level numbers. Levels are compared inside the
       department because small departments are shallower: their individual contributors
       sit at a level number that is senior elsewhere;
    3. unless ``include_managers``, no direct reports: a manager's reach is expected of the
       role, and is not hidden.

    Parameters
    ----------
    people : DataFrame
        Indexed by person id, with ``level``, ``department`` and ``manager_id``.
    score : Series, optional
        Informal influence by person id; defaults to ``people["pagerank"]``.
    top : float
        The share of the organisation counted as highly influential (0.10: top decile).
    include_managers : bool
        Keep people with direct reports.

    Returns
    -------
    DataFrame
        The flagged people, most influential first: ``score``, ``score_percentile`` (the
        share of people with a score at or below theirs), ``level``, ``department``,
        ``department_level_median`` and ``reports``.

    References
    ----------
    Krackhardt, D. and Hanson, J. R. (1993). Informal networks: the company behind the
    chart. *Harvard Business Review* 71(4).
    """
    if score is None:
        score = people["pagerank"]
    ev = _influence(people, score, top)
    level = pd.to_numeric(people["level"].reindex(ev.index), errors="coerce")
    dept = people["department"].reindex(ev.index) if "department" in people else None
    all_levels = pd.to_numeric(people["level"], errors="coerce")
    if dept is None:
        med = pd.Series(np.median(all_levels.dropna().unique()), index=ev.index)
    else:
        per_dept = all_levels.groupby(people["department"].fillna(UNKNOWN)).agg(
            lambda s: np.median(s.dropna().unique()) if s.notna().any() else np.nan
        )
        med = dept.fillna(UNKNOWN).map(per_dept).astype("float64")
    ev["level"] = level
    ev["department"] = dept
    ev["department_level_median"] = med
    ev["reports"] = _reports(people).reindex(ev.index).fillna(0).astype(np.int64)
    flag = ev["top"] & (level >= med)
    if not include_managers:
        flag &= ev["reports"] == 0
    out = ev[flag.fillna(False).astype(bool)].drop(columns="top")
    return out.sort_values("score", ascending=False)


def informal_leaders(
    g: Graph, people: pd.DataFrame, score: pd.Series | None = None, *, top: float = 0.10
) -> pd.DataFrame:
    """People who lead without a formal mandate: no direct reports, yet informal influence
    in the organisation's top decile.

    Rule: nobody's ``manager_id`` points at the person, and ``score`` (default PageRank of
    ``g``, weighted and directed) is at or above the organisation's ``1 - top`` quantile.
    Unlike :func:`hidden_influencers` the level does not matter: a senior expert without a
    team counts.

    Returns
    -------
    DataFrame
        The flagged people, most influential first: ``score``, ``score_percentile``,
        ``contacts`` (distinct people tied to them in either direction), ``level`` and
        ``department`` when ``people`` has them.

    References
    ----------
    Cross, R. and Parker, A. (2004). *The Hidden Power of Social Networks* (central
    connectors without formal authority).
    """
    if score is None:
        from groundswell.analysis.centrality import pagerank

        score = pagerank(g)
    ev = _influence(people, score, top)
    reports = _reports(people).reindex(ev.index).fillna(0)
    contacts = pd.Series(_contacts(g), index=pd.Index(g.nodes, name="person_id"))
    ev["contacts"] = contacts.reindex(ev.index).fillna(0).astype(np.int64)
    for col in ("level", "department"):
        if col in people:
            ev[col] = people[col].reindex(ev.index)
    out = ev[ev["top"] & (reports == 0)].drop(columns="top")
    return out.sort_values("score", ascending=False)


# --------------------------------------------------------------------------- managers


def team_bottleneck(
    g: Graph,
    people: pd.DataFrame,
    *,
    weighted: bool = True,
    min_reports: int = 2,
    min_group_size: int = 5,
) -> pd.DataFrame:
    """For every manager, how much of their team's contact with the rest of the
    organisation goes through them.

    A manager is anyone who is the ``manager_id`` of at least ``min_reports`` people; the
    team is their direct reports, and "outside" is everyone but the team and the manager.
    Ties are taken in either direction (the undirected graph, weights summed).

    ``score = manager_outside / (team_outside + manager_outside)``: 1 when the members have
    no tie outside while the manager has some (every outside contact passes through the
    manager), about ``1 / (size + 1)`` when the manager is as outward as a typical member.

    Returns
    -------
    DataFrame
        Indexed by manager id: ``team_size``, ``team_outside`` (weight, or number, of the
        members' ties to outside), ``members_outside`` (members with at least one outside
        tie), ``manager_outside`` and ``score``. Teams smaller than ``min_group_size`` have
        missing team figures (they describe too few people).
    """
    idx, mgr = _manager_index(g, people)
    # managers (by the people table) and teams, whether or not everyone is in the graph
    table = _team_table(people, min_reports)
    at = idx.get_indexer(table.index)
    in_g = at >= 0
    is_mgr = np.zeros(g.n, dtype=bool)
    is_mgr[at[in_g]] = True
    u = g.to_undirected()
    s = np.concatenate([u.src, u.dst])
    d = np.concatenate([u.dst, u.src])
    w = np.concatenate([u.weight, u.weight]) if weighted else np.ones(2 * u.m)
    # tie s-d, seen from s: outside s's team when d is neither a team-mate nor the manager
    team = mgr[s]
    in_team = (team >= 0) & is_mgr[np.maximum(team, 0)]
    out_team = in_team & (mgr[d] != team) & (d != team)
    team_out = np.bincount(team[out_team], weights=w[out_team], minlength=g.n)
    members_out = np.zeros(g.n)
    movers = np.unique(s[out_team])
    np.add.at(members_out, mgr[movers], 1)
    # tie s-d seen from a manager s: outside when d is not one of s's reports
    m_side = is_mgr[s] & (mgr[d] != s)
    mgr_out = np.bincount(s[m_side], weights=w[m_side], minlength=g.n)
    for name, arr in (("team_outside", team_out), ("members_outside", members_out),
                      ("manager_outside", mgr_out)):  # fmt: skip
        col = np.zeros(len(table))
        col[in_g] = arr[at[in_g]]
        table[name] = col
    # reports outside the graph have no ties: they are counted in team_size only
    with np.errstate(invalid="ignore", divide="ignore"):
        table["score"] = table["manager_outside"] / (
            table["team_outside"] + table["manager_outside"]
        )
    table["members_outside"] = table["members_outside"].astype(np.int64)
    small = table["team_size"] < min_group_size
    table.loc[small, ["team_outside", "members_outside", "score"]] = np.nan
    return table


def bottleneck_managers(
    g: Graph,
    people: pd.DataFrame,
    *,
    weighted: bool = True,
    min_reports: int = 2,
    min_group_size: int = 5,
) -> pd.DataFrame:
    """Managers through whom all, or nearly all, of their team's outside contact passes.

    Rule: the :func:`team_bottleneck` score is above Tukey's upper fence of the managers'
    scores (third quartile + 1.5 interquartile ranges) and above 1/2, *and* most of the
    team (more than half of the members) has no outside tie of its own: the manager alone
    carries more outside contact than the whole team, far more than managers usually do,
    while the members depend on them. Only teams of at least ``min_group_size`` are scored.

    Returns
    -------
    DataFrame
        The flagged managers, highest score first, with the columns of
        :func:`team_bottleneck` and ``fence``.

    Notes
    -----
    A bottleneck slows the team (every request waits for one person) and isolates it
    (Cross & Parker 2004); the manager's betweenness is typically high.
    """
    t = team_bottleneck(
        g, people, weighted=weighted, min_reports=min_reports, min_group_size=min_group_size
    )
    sc = t["score"].dropna()
    if sc.empty:
        return t.assign(fence=np.nan).iloc[:0]
    q1, q3 = np.quantile(sc.to_numpy(), [0.25, 0.75])
    fence = max(q3 + 1.5 * (q3 - q1), 0.5)
    cut_off_team = t["members_outside"] < t["team_size"] / 2
    out = t[(t["score"] > fence) & cut_off_team].assign(fence=fence)
    return out.sort_values("score", ascending=False)


def manager_team_ties(g: Graph, people: pd.DataFrame, *, min_reports: int = 2) -> pd.DataFrame:
    """For every manager, how many of their direct reports they are tied to (a tie in
    either direction).

    Returns
    -------
    DataFrame
        Indexed by manager id: ``team_size``, ``reports_tied`` and ``share_tied``.
    """
    idx, mgr = _manager_index(g, people)
    u = g.to_undirected()
    # a tie between a person and their own manager, seen from the report
    a = np.concatenate([u.src, u.dst])
    b = np.concatenate([u.dst, u.src])
    to_own = mgr[a] == b
    tied = np.zeros(g.n)
    np.add.at(tied, b[to_own], 1)  # no duplicates: the undirected graph has one tie a pair
    table = _team_table(people, min_reports)
    at = idx.get_indexer(table.index)
    col = np.zeros(len(table))
    col[at >= 0] = tied[at[at >= 0]]
    table["reports_tied"] = col.astype(np.int64)
    table["share_tied"] = table["reports_tied"] / table["team_size"]
    return table


def managers_far_from_team(g: Graph, people: pd.DataFrame, *, min_reports: int = 2) -> pd.DataFrame:
    """Managers with few or no ties to their own direct reports.

    Rule: the share of their reports they are tied to (either direction) is at most half
    the organisation's median share among managers, and below 1/2. With the usual median
    near 1, that is a manager who deals with fewer than half of their team.

    Returns
    -------
    DataFrame
        The flagged managers, the most distant first, with the columns of
        :func:`manager_team_ties` and ``threshold``.
    """
    t = manager_team_ties(g, people, min_reports=min_reports)
    if t.empty:
        return t.assign(threshold=np.nan)
    threshold = min(0.5 * float(t["share_tied"].median()), 0.5)
    out = t[t["share_tied"] <= threshold].assign(threshold=threshold)
    return out.sort_values(["share_tied", "team_size"], ascending=[True, False])


# --------------------------------------------------------------------------- key people


def key_person_risk(g: Graph, *, top: int | None = None) -> pd.DataFrame:
    """What the network loses if one person leaves: the cut it makes in the connected
    network, for every person at once.

    Ties are taken in either direction (weak connectivity). For each person:

    * ``pieces``: the number of groups their component falls into without them (0 for
      someone with no tie, 1 for most people, 2 or more for an articulation point);
    * ``extra_components``: ``pieces - 1``, the components the network gains;
    * ``cut_off``: people of their component no longer connected to its largest remaining
      piece (0 unless they are an articulation point);
    * ``lcc_drop``: how much the largest connected component shrinks, the person included
      when they belong to it;
    * ``articulation``: whether their departure splits a group.

    Parameters
    ----------
    g : Graph
        The network.
    top : int, optional
        Return only the ``top`` people who cost most (by ``lcc_drop``, then ``cut_off``,
        then ``extra_components``). Everyone is computed anyway: the cost is linear.

    Returns
    -------
    DataFrame
        Indexed by person id, sorted from the costliest departure down.

    Notes
    -----
    Removing a person v from a connected component leaves exactly one piece per
    biconnected block containing v (Hopcroft & Tarjan 1973). igraph finds the blocks in
    linear time; the sizes of the pieces are the subtree sizes of the block-cut tree,
    accumulated level by level with numpy. No person is removed and no component
    recomputed, so the cost is O(n + m) for everyone, not O(n (n + m)).

    References
    ----------
    Hopcroft, J. and Tarjan, R. (1973). Algorithm 447: efficient algorithms for graph
    manipulation. *Communications of the ACM* 16(6), 372-378.
    """
    n = g.n
    index = pd.Index(g.nodes, name="person_id")
    cols = ["pieces", "extra_components", "cut_off", "lcc_drop", "articulation"]
    if n == 0:
        return pd.DataFrame(columns=cols, index=index)
    u = g.to_undirected()
    ig = _igraph_undirected(u)
    comp = np.asarray(ig.connected_components().membership)
    comp_size = np.bincount(comp)
    pieces, max_piece = _pieces(ig, n, comp_size[comp])
    own = comp_size[comp]
    cut_off = np.where(pieces > 0, own - 1 - max_piece, 0)
    order = np.sort(comp_size)[::-1]
    lcc = int(order[0])
    second = int(order[1]) if len(order) > 1 else 0
    in_lcc = own == lcc
    lcc_after = np.where(in_lcc, np.maximum(max_piece, second), lcc)
    out = pd.DataFrame(
        {
            "pieces": pieces,
            "extra_components": pieces - 1,
            "cut_off": cut_off.astype(np.int64),
            "lcc_drop": (lcc - lcc_after).astype(np.int64),
            "articulation": pieces >= 2,
        },
        index=index,
    )
    out = out.sort_values(
        ["lcc_drop", "cut_off", "extra_components"], ascending=False, kind="stable"
    )
    return out.head(top) if top is not None else out


# --------------------------------------------------------------------------- helpers


def _labels(g: Graph, groups: pd.Series, min_size: int) -> tuple[np.ndarray, pd.Series]:
    """Each node's shown group label, and the head count of every shown label.

    Sizes count everyone in ``groups`` plus people of ``g`` it does not know (as unknown).
    Groups below ``min_size`` become :data:`SUPPRESSED`.
    """
    everyone = groups.reindex(groups.index.union(pd.Index(g.nodes), sort=False))
    raw = everyone.astype(object).where(everyone.notna(), UNKNOWN).astype(str)
    sizes = raw.value_counts()
    shown = {
        name: (SUPPRESSED if size < min_size else group_label(name, int(size), min_size))
        for name, size in sizes.items()
    }
    label_of = raw.map(shown)
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
    c = sparse.csr_array((np.ones(g.n), (np.arange(g.n), codes)), shape=(g.n, k))
    return np.asarray((c.T @ a @ c).toarray(), dtype=np.float64)


def _influence(people: pd.DataFrame, score: pd.Series, top: float) -> pd.DataFrame:
    if not 0 < top < 1:
        raise ValueError(f"The 'top' parameter must be in (0, 1); got {top!r}")
    s = pd.to_numeric(score, errors="coerce").dropna()
    s = s[s.index.isin(people.index)] if len(people) else s
    pct = s.rank(pct=True, method="max")
    cut = float(np.quantile(s.to_numpy(), 1 - top)) if len(s) else np.inf
    return pd.DataFrame(
        {"score": s, "score_percentile": pct, "top": (s >= cut) & (s > 0)},
        index=s.index.rename("person_id"),
    )


def _reports(people: pd.DataFrame) -> pd.Series:
    """Number of direct reports of each person id that appears as a manager."""
    m = people["manager_id"]
    m = m[m.notna() & (m.astype(str) != "")]
    return m.value_counts()


def _manager_index(g: Graph, people: pd.DataFrame) -> tuple[pd.Index, np.ndarray]:
    """Node index of each node's manager (-1 if none or not in the graph)."""
    idx = pd.Index(g.nodes)
    m = people["manager_id"].reindex(g.nodes)
    at = idx.get_indexer(m.where(m.notna(), None))
    return idx, np.asarray(at, dtype=np.int64)


def _team_table(people: pd.DataFrame, min_reports: int) -> pd.DataFrame:
    size = _reports(people)
    size = size[size >= min_reports]
    t = pd.DataFrame({"team_size": size.astype(np.int64)})
    t.index.name = "manager_id"
    return t.sort_index()


def _contacts(g: Graph) -> np.ndarray:
    u = g.to_undirected()
    return np.bincount(np.concatenate([u.src, u.dst]), minlength=g.n)


def _igraph_undirected(u: Graph):  # type: ignore[no-untyped-def]
    import igraph as ig

    return ig.Graph(n=u.n, edges=np.column_stack([u.src, u.dst]), directed=False)


def _pieces(ig, n: int, own_size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Pieces each vertex's component falls into without it, and the largest piece's size.

    Builds the block-cut tree (a node per block and per articulation point), weights a
    block by its vertices that are not articulation points and an articulation point by
    1, and accumulates subtree weights from the leaves up, one depth level at a time.
    """
    blocks, arts = ig.biconnected_components(return_articulation_points=True)
    k = len(blocks)
    arts = np.asarray(arts, dtype=np.int64)
    pieces = np.zeros(n, dtype=np.int64)
    max_piece = np.zeros(n, dtype=np.int64)
    if k == 0:
        return pieces, max_piece
    lens = np.fromiter((len(b) for b in blocks), dtype=np.int64, count=k)
    members = np.fromiter((v for b in blocks for v in b), dtype=np.int64, count=int(lens.sum()))
    block_of = np.repeat(np.arange(k), lens)
    np.add.at(pieces, members, 1)  # vertex in p blocks -> p pieces without it
    # a vertex in one block: its component minus itself stays in one piece
    max_piece[:] = np.where(pieces == 1, own_size - 1, 0)
    if len(arts) == 0:
        return pieces, max_piece
    # block-cut tree: nodes 0..k-1 blocks, k..k+a-1 articulation points
    art_node = np.full(n, -1, dtype=np.int64)
    art_node[arts] = k + np.arange(len(arts))
    is_art = art_node[members] >= 0
    e_block, e_art = block_of[is_art], art_node[members[is_art]]
    n_tree = k + len(arts)
    weight = np.concatenate(
        [np.bincount(block_of[~is_art], minlength=k), np.ones(len(arts), dtype=np.int64)]
    )
    # one BFS from a virtual root tied to one node of every tree of the forest
    import igraph as igl

    tree = igl.Graph(n=n_tree, edges=np.column_stack([e_block, e_art]), directed=False)
    _, first = np.unique(np.asarray(tree.connected_components().membership), return_index=True)
    root = n_tree
    tree.add_vertices(1)
    tree.add_edges(np.column_stack([np.full(len(first), root), first]))
    order, layers, par = tree.bfs(root)
    order, par = np.asarray(order, dtype=np.int64), np.asarray(par, dtype=np.int64)
    parent = par[: n_tree + 1].copy()
    parent[root] = -1
    weight = np.append(weight, 0)
    sub = weight.astype(np.int64).copy()
    for lo, hi in zip(layers[-2:0:-1], layers[:1:-1], strict=True):  # deepest level first
        at = order[lo:hi]
        np.add.at(sub, parent[at], sub[at])
    # for an articulation node: children pieces are children's subtree weights; the
    # parent-side piece is the rest of the component
    child = np.flatnonzero(parent >= 0)
    biggest_child = np.zeros(n_tree + 1, dtype=np.int64)
    np.maximum.at(biggest_child, parent[child], sub[child])
    a_nodes = k + np.arange(len(arts))
    comp_total = own_size[arts]
    rest = comp_total - sub[a_nodes]
    max_piece[arts] = np.maximum(biggest_child[a_nodes], rest)
    return pieces, max_piece
