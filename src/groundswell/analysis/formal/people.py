"""Formal roles against informal influence: hidden influencers, informal leaders,
bottleneck managers and managers far from their team.

Each rule is stated relative to the organisation's own distribution, never a fixed number
of ties; the rule functions return the flagged rows only, most extreme first. Part of
:mod:`groundswell.analysis.formal`.

References
----------
Krackhardt, D. and Hanson, J. R. (1993). Informal networks: the company behind the chart.
*Harvard Business Review* 71(4), 104-111.
Cross, R. and Parker, A. (2004). *The Hidden Power of Social Networks*. Harvard Business
School Press (bottlenecks, peripheral people, informal leaders).
Tukey, J. W. (1977). *Exploratory Data Analysis*. Addison-Wesley (the 1.5 IQR fences).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from groundswell import _sets
from groundswell.analysis.formal.groups import UNKNOWN
from groundswell.errors import ParameterError
from groundswell.network.graph import Graph

__all__ = [
    "bottleneck_managers",
    "hidden_influencers",
    "informal_leaders",
    "manager_team_ties",
    "managers_far_from_team",
    "team_bottleneck",
]

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
    movers = _sets.unique(s[out_team])
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


# --------------------------------------------------------------------------- helpers


def _influence(people: pd.DataFrame, score: pd.Series, top: float) -> pd.DataFrame:
    if not 0 < top < 1:
        raise ParameterError("top", "in (0, 1)", top)
    s = pd.to_numeric(score, errors="coerce").dropna()
    s = s[_sets.isin_labels(s.index, people.index)] if len(people) else s
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
