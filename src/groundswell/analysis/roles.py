"""Roles: the people who matter, and why — each role its own behaviour, kept apart from plain
size, and each list an exact share of the organisation.

"Influencers, hyper-connected people, activists, mavericks, positive deviants, advocates …
these are not the same, by the way" (Herrero). Most network measures grow with the number of
ties a person has, so ranking people by raw betweenness, PageRank or activity names the same
few hyper-connected people in every list. Here only the hub list is about size; every other
rule measures its behaviour *beyond what a person's number of ties explains*, as the residual
of a regression on log degree (:func:`size_residual`), or as a share, which does not grow with
size by construction. :func:`overlap` measures how little the lists then overlap.

==================  =======================================================================
role                score (people are ranked by it; each list holds the top 5%, :data:`SHARES`)
==================  =======================================================================
hub                 degree: ties in + ties out — plain size (Cross & Parker's central
                    connectors)
broker              brokerage beyond size: minus the residual of log(Burt's constraint) on
                    log(degree), ordinary least squares over the people with at least 2 ties
                    (Burt 1992, 2004); eligible with at least 2 ties and a positive score
boundary_spanner    the share of tie weight that crosses to another department (Tushman
                    1977; Cross & Parker 2004), among people tied to another department who
                    keep at least half of their tie weight at home (one foot in each); equal
                    shares ordered by the departments reached
influencer          influence through others' reach: the residual of log(mean in-degree of
                    the people who turn to them, weighed by how much; :func:`seekers_in_degree`)
                    on log(in-degree) — sought out by the sought-out, beyond what their own
                    number of ties explains (one step of Bonacich's 1987 status recursion)
peripheral          one or two ties only (but not none)
isolated            no tie at all
activist            conversations started beyond size: the residual of log(1 + posts) on
                    log(1 + degree) and log(1 + responses given), among people who posted
advocate            responses to others beyond size: the residual of log(1 + given) on
                    log(1 + degree) and log(1 + posts), among people who gave any
maverick            ties far outside their formal place: more than half of their tie weight
                    outside their department, ranked by the share going where their own
                    department seldom goes (:func:`atypical_share`)
network_positive_  informal reach (PageRank by default) at least 2 standard deviations
deviant             above the mean of their formal peers (same department and level), in a
                    peer group of at least ``min_group_size`` people. Named "network" positive
                    deviants: they beat their peers in reach, not in results; positive
                    deviants by results need outcome data (:mod:`.outcome_stats`)
==================  =======================================================================

Regressions are ordinary least squares on logs (:func:`fit_ols`): degree, constraint,
activity and in-degree are all right-skewed, and on log scales a power law is a line, so the
residual is the log of the ratio to what people of the same size typically score, and the
few largest people do not dominate the fit. The fits are stored with a run
(``summary["role_fits"]``: intercept, slopes, rows, R²).

Exact shares. A ranked role holds the ``ceil(share × n)`` highest-scoring eligible people,
``n`` being everyone in the network (:func:`top_share`): a "top 5%" of 3,783 people is 190
people, never the 1,461 that tie at the 95th percentile of a sparse network. Equal scores
are ordered by a stated tie-break (total tie weight, then the person id), so the cut falls
between two people, and the list is shorter only when fewer people are eligible (a role's
behaviour must be there: a positive residual, at least one post).

References
----------
Burt, R. S. (1992). *Structural Holes*. Harvard University Press. Burt, R. S. (2004).
Structural holes and good ideas. *American Journal of Sociology* 110(2), 349-399.
Cross, R. and Parker, A. (2004). *The Hidden Power of Social Networks*. Harvard Business
School Press. Tushman, M. L. (1977). Special boundary roles in the innovation process.
*Administrative Science Quarterly* 22(4), 587-605. Bonacich, P. (1987). Power and
centrality: a family of measures. *American Journal of Sociology* 92(5), 1170-1182.
Pascale, R., Sternin, J. and Sternin, M. (2010). *The Power of Positive Deviance*.
Krackhardt, D. and Hanson, J. R. (1993). Informal networks: the company behind the chart.
*Harvard Business Review* 71(4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from groundswell.glossary import ROLE_LINES
from groundswell.network.graph import Graph

ROLES = (
    "hub", "broker", "boundary_spanner", "influencer", "peripheral", "isolated", "activist",
    "advocate", "maverick", "network_positive_deviant",
)  # fmt: skip

#: the share of the people in the network each ranked role holds (ceil(share × n) people)
SHARES = {
    "hub": 0.05, "broker": 0.05, "boundary_spanner": 0.05, "influencer": 0.05,
    "activist": 0.05, "advocate": 0.05, "maverick": 0.05,
}  # fmt: skip

#: the score each ranked role orders people by, stored with a run as ``<role>_score``
SCORE_COLUMNS = tuple(f"{r}_score" for r in SHARES)

#: what distinguishes each list, in one line (the report and the dashboard show it)
DISTINCT = ROLE_LINES


@dataclass(frozen=True)
class Fit:
    """An ordinary least-squares fit ``y = intercept + slopes · x`` and the rows it used
    (``slopes`` in the order of the regressors: log size first)."""

    intercept: float
    slopes: tuple[float, ...]
    n: int
    r2: float


def fit_ols(x: np.ndarray, y: np.ndarray) -> Fit:
    """Ordinary least squares of ``y`` on the columns of ``x`` with an intercept (numpy's
    ``lstsq``); a regressor that does not vary gets slope 0. Fewer than ``k + 2`` rows for
    ``k`` regressors: every slope 0 and the intercept the mean."""
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    x = x.reshape(len(y), -1) if x.ndim < 2 else x
    k = x.shape[1]
    if len(y) < k + 2:
        return Fit(float(np.mean(y)) if len(y) else float("nan"), (0.0,) * k, len(y), 0.0)
    varies = np.ptp(x, axis=0) > 0
    design = np.column_stack([np.ones(len(y)), x[:, varies]])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    slopes = np.zeros(k)
    slopes[varies] = coef[1:]
    resid = y - design @ coef
    ss = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float((resid**2).sum()) / ss if ss > 0 else 0.0
    return Fit(float(coef[0]), tuple(float(v) for v in slopes), len(y), r2)


def size_residual(
    y: pd.Series, size: pd.Series, eligible: pd.Series, *, also: pd.DataFrame | None = None
) -> tuple[pd.Series, Fit]:
    """The part of ``y`` that size does not explain: ``y`` minus its least-squares fit on
    ``log(size)`` (and the columns of ``also``, already on a log scale), fitted over the
    ``eligible`` rows; NaN elsewhere.

    ``y`` is already on a log scale (the callers take logs of skewed scores); the size is
    logged here, so the fit is a power law ``score ∝ size^slope`` and the residual the log
    of the ratio to what people of the same size typically score.
    """
    x = np.log(size.where(size > 0)).to_frame("size")
    if also is not None:
        x = x.join(also)
    ok = eligible.fillna(False) & y.notna() & x.notna().all(axis=1)
    fit = fit_ols(x[ok].to_numpy(dtype=float), y[ok].to_numpy(dtype=float))
    out = pd.Series(np.nan, index=y.index, dtype="float64")
    predicted = fit.intercept + x[ok].to_numpy(dtype=float) @ np.array(fit.slopes)
    out[ok] = np.round(y[ok].to_numpy(dtype=float) - predicted, 12)  # exact ties stay ties
    return out, fit


def top_share(
    score: pd.Series,
    share: float,
    *,
    eligible: pd.Series | None = None,
    tiebreak: pd.Series | float | None = None,
) -> pd.Series:
    """The ``ceil(share × n)`` people with the highest ``score`` (``n`` = everyone in
    ``score``), among the ``eligible`` ones with a score; equal scores ordered by
    ``tiebreak`` (higher first), then by person id (the index, ascending). Fewer when fewer
    are eligible."""
    k = math.ceil(share * len(score) - 1e-9)
    ok = score.notna() if eligible is None else (eligible.fillna(False) & score.notna())
    at = np.flatnonzero(ok.to_numpy(dtype=bool))
    value = score.to_numpy(dtype=float)[at]
    tie = (
        np.zeros(len(at))
        if tiebreak is None
        else pd.Series(tiebreak, index=score.index).to_numpy(dtype=float)[at]
    )
    ids = pd.factorize(score.index[at].astype(str), sort=True)[0]
    # highest score first, then highest tiebreak (a missing one last), then id
    order = at[np.lexsort((ids, -tie, -value))]
    out = np.zeros(len(score), dtype=bool)
    out[order[:k]] = True
    return pd.Series(out, index=score.index)


def _num(p: pd.DataFrame, column: str, default: float = 0.0) -> pd.Series:
    if column in p:
        return pd.to_numeric(p[column], errors="coerce").astype("float64")
    return pd.Series(default, index=p.index, dtype="float64")


def scores(people: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Fit]]:
    """Each ranked role's score (``<role>_score``, NaN where a person is not eligible or a
    measure is missing) and the size regressions behind them, by role.

    ``people`` has the columns the rules read: in_degree, out_degree, in_strength,
    out_strength, constraint, pagerank, posts, given, boundary_share, departments_reached,
    atypical_share.
    """
    p = people
    degree = _num(p, "in_degree") + _num(p, "out_degree")
    nan = pd.Series(np.nan, index=p.index, dtype="float64")
    out = pd.DataFrame(index=p.index)
    fits: dict[str, Fit] = {}
    out["hub_score"] = degree.where(degree > 0)
    if "constraint" in p:
        c = _num(p, "constraint")
        ok = (degree >= 2) & (c > 0)
        # net of size and of crossing formal lines (the boundary spanners' and mavericks'
        # own behaviour): the holes the org chart does not explain
        crossing = _num(p, "boundary_share", np.nan).fillna(0).to_frame("boundary_share")
        resid, fits["broker"] = size_residual(np.log(c.where(c > 0)), degree, ok, also=crossing)
        out["broker_score"] = -resid
    else:
        out["broker_score"] = nan
    share = _num(p, "boundary_share", np.nan)
    spans = (_num(p, "departments_reached") >= 1) & (share > 0) & (share <= 0.5)
    out["boundary_spanner_score"] = share.where(spans)
    if "seekers_in_degree" in p:
        seek, indeg = _num(p, "seekers_in_degree"), _num(p, "in_degree")
        ok = (indeg > 0) & (seek > 0)
        resid, fits["influencer"] = size_residual(np.log(seek.where(seek > 0)), indeg, ok)
        out["influencer_score"] = resid
    else:
        out["influencer_score"] = nan
    if "posts" in p and "given" in p:  # each net of ties and of the other behaviour
        posts, given = np.log1p(_num(p, "posts")), np.log1p(_num(p, "given"))
        resid, fits["activist"] = size_residual(
            posts, 1 + degree, _num(p, "posts") > 0, also=given.to_frame("given")
        )
        out["activist_score"] = resid
        resid, fits["advocate"] = size_residual(
            given, 1 + degree, _num(p, "given") > 0, also=posts.to_frame("posts")
        )
        out["advocate_score"] = resid
    else:
        out["activist_score"] = out["advocate_score"] = nan
    atyp = _num(p, "atypical_share", np.nan)
    out["maverick_score"] = atyp.where(share > 0.5)
    return out[list(SCORE_COLUMNS)], fits


def roles(
    people: pd.DataFrame, *, deviant_measure: str = "pagerank", min_group_size: int = 5
) -> pd.DataFrame:
    """Boolean columns, one per role in :data:`ROLES`, for every person.

    ``people`` has the columns the rules read (a role whose column is missing is all False):
    in_degree, out_degree, in_strength, out_strength, constraint, pagerank, posts, given,
    boundary_share, departments_reached, atypical_share, department, level (and
    ``deviant_measure``); or the ``<role>_score`` columns of :func:`scores` already.
    """
    p = people
    s = p[list(SCORE_COLUMNS)] if set(SCORE_COLUMNS) <= set(p.columns) else scores(p)[0]
    degree = _num(p, "in_degree") + _num(p, "out_degree")
    weight = _num(p, "in_strength") + _num(p, "out_strength")
    out = pd.DataFrame(index=p.index)
    for role, share in SHARES.items():
        score = s[f"{role}_score"]
        eligible = score.notna() & ((score > 0) if role != "hub" else True)
        tiebreak = _num(p, "departments_reached") if role == "boundary_spanner" else weight
        out[role] = top_share(score, share, eligible=eligible, tiebreak=tiebreak)
    out["peripheral"] = degree.between(1, 2)
    out["isolated"] = degree == 0
    out["network_positive_deviant"] = _deviants(p, deviant_measure, min_group_size)
    return out[list(ROLES)].fillna(False).astype(bool)


def _deviants(p: pd.DataFrame, measure: str, min_group_size: int) -> pd.Series:
    if measure not in p or "department" not in p or "level" not in p:
        return pd.Series(False, index=p.index)
    peers = p.groupby(["department", "level"], dropna=True)[measure]
    mean, std, size = peers.transform("mean"), peers.transform("std"), peers.transform("size")
    z = (p[measure] - mean) / std.where(std > 0)
    return (z >= 2) & (size >= min_group_size)


def atypical_share(g: Graph, groups: pd.Series, *, weighted: bool = True) -> pd.Series:
    """How far outside their formal place a person's ties go: the share of their tie weight
    (both directions) to people of another group, each such tie weighed by how seldom their
    own group deals with that group — ``1 − p(G → H)``, ``p`` being the share of group G's
    cross-group tie weight (everyone's) that goes to group H.

    A person whose outside ties all go where their colleagues' go (the usual partner
    department) scores lower than one whose ties go where nobody else from their department
    goes. NaN for people without a group or without ties to people with one.
    """
    index = pd.Index(g.nodes, name="person_id")
    code, _ = pd.factorize(groups.reindex(index), use_na_sentinel=True)
    cs, ct = code[g.src], code[g.dst]
    known = (cs >= 0) & (ct >= 0)
    w = (g.weight if weighted else np.ones(g.m))[known]
    s, t, a, b = g.src[known], g.dst[known], cs[known], ct[known]
    # each tie at both ends: the person, their group, the other end's group
    ends = np.concatenate([s, t])
    own = np.concatenate([a, b])
    other = np.concatenate([b, a])
    w2 = np.concatenate([w, w])
    k = max(int(code.max()) + 1, 1) if len(code) else 1
    cross = own != other
    pair = np.bincount(own[cross] * k + other[cross], weights=w2[cross], minlength=k * k)
    pair = pair.reshape(k, k)
    total_out = pair.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total_out > 0, pair / total_out, 0.0)
    rarity = np.where(cross, 1.0 - p[own, other], 0.0)
    num = np.bincount(ends, weights=w2 * rarity, minlength=g.n)
    den = np.bincount(ends, weights=w2, minlength=g.n)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((den > 0) & (code >= 0), num / den, np.nan)
    return pd.Series(out, index=index, name="atypical_share")


def seekers_in_degree(g: Graph, *, weighted: bool = True) -> pd.Series:
    """The mean in-degree of the people who turn to a person (their in-neighbours, weighed
    by how much they turn to them when ``weighted``): how sought-out the people seeking
    them are, whatever their number — one step of Bonacich's (1987) status recursion,
    status being the number of people turning to one. NaN for people nobody turns to."""
    indeg = np.bincount(g.dst, minlength=g.n).astype(float)
    w = g.weight if weighted else np.ones(g.m)
    total = np.bincount(g.dst, weights=w * indeg[g.src], minlength=g.n)
    count = np.bincount(g.dst, weights=w, minlength=g.n)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(count > 0, total / count, np.nan)
    return pd.Series(out, index=pd.Index(g.nodes, name="person_id"), name="seekers_in_degree")


def overlap(held: pd.DataFrame) -> pd.DataFrame:
    """Jaccard overlap between every two role lists (1 = the same people, 0 = none shared)."""
    names = [c for c in held.columns if held[c].any()]
    # people in both lists, every pair at once: whole numbers, exact in floating point
    m = held[names].to_numpy(dtype=bool).astype(np.float64)
    both = m.T @ m
    size = np.diag(both)
    either = size[:, None] + size[None, :] - both
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(either > 0, both / either, np.nan)
    np.fill_diagonal(jaccard, 1.0)
    return pd.DataFrame(jaccard, index=names, columns=names)


def multiple(held: pd.DataFrame, roles_: tuple[str, ...] | None = None) -> pd.Series:
    """How many of the ranked role lists (:data:`SHARES`, or ``roles_``) each person is in."""
    names = [r for r in (roles_ or tuple(SHARES)) if r in held]
    return held[names].sum(axis=1).astype("int64")
