"""Roles: the people who matter, and why — each role a written rule relative to the
organisation's own distribution, never a fixed number.

A person can hold several roles; the point of keeping them apart is that they are mostly
*different* people (:func:`overlap` measures how little the lists overlap).

==================  =======================================================================
role                rule (percentiles are of the people in the network)
==================  =======================================================================
hub                 total degree (in + out ties) at or above the 95th percentile
broker              betweenness at or above the 90th percentile and Burt's constraint
                    below the median (they span structural holes)
boundary_spanner    tied to at least 2 other departments, and in the top 10% by the number
                    of other departments reached (ties broken by boundary share)
influencer          PageRank at or above the 95th percentile (sought out by the sought-out)
peripheral          one or two ties only (but not none)
isolated            no tie at all
activist            conversations started (posts) at or above the 90th percentile
advocate            responses given to others at or above the 90th percentile
maverick            more than half of their tie weight outside their own department, and
                    that share at or above the 90th percentile
positive_deviant    informal reach (PageRank by default) at least 2 standard deviations
                    above the mean of their formal peers (same department and level), in a
                    peer group of at least ``min_group_size`` people
==================  =======================================================================

References
----------
Cross, R. and Parker, A. (2004). *The Hidden Power of Social Networks* (central connectors,
boundary spanners, information brokers, peripheral specialists). Burt, R. S. (1992).
*Structural Holes*. Pascale, R., Sternin, J. and Sternin, M. (2010). *The Power of Positive
Deviance*. Krackhardt, D. and Hanson, J. R. (1993). Informal networks: the company behind
the chart. *Harvard Business Review* 71(4).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

ROLES = (
    "hub", "broker", "boundary_spanner", "influencer", "peripheral", "isolated", "activist",
    "advocate", "maverick", "positive_deviant",
)  # fmt: skip


def _at_or_above(s: pd.Series, q: float) -> pd.Series:
    v = s.dropna()
    if v.empty:
        return pd.Series(False, index=s.index)
    return (s >= np.percentile(v, q)) & (s > 0)


def roles(
    people: pd.DataFrame, *, deviant_measure: str = "pagerank", min_group_size: int = 5
) -> pd.DataFrame:
    """Boolean columns, one per role in :data:`ROLES`, for every person.

    ``people`` has the columns the rules read (a role whose column is missing is all False):
    in_degree, out_degree, betweenness, constraint, departments_reached, pagerank, posts,
    given, boundary_share, department, level (and ``deviant_measure``).
    """
    p = people
    out = pd.DataFrame(index=p.index)
    col = p.get
    degree = col("in_degree", 0) + col("out_degree", 0)
    degree = pd.Series(degree, index=p.index, dtype="float64")
    out["hub"] = _at_or_above(degree, 95)
    if "betweenness" in p and "constraint" in p:
        out["broker"] = _at_or_above(p["betweenness"], 90) & (
            p["constraint"] < p["constraint"].median()
        )
    else:
        out["broker"] = False
    if "departments_reached" in p:
        # whole numbers tie a lot: the share of ties crossing boundaries breaks the ties
        spread = p["departments_reached"] + p.get("boundary_share", 0).fillna(0) * 0.99
        out["boundary_spanner"] = _at_or_above(spread, 90) & (p["departments_reached"] >= 2)
    else:
        out["boundary_spanner"] = False
    out["influencer"] = _at_or_above(p["pagerank"], 95) if "pagerank" in p else False
    out["peripheral"] = degree.between(1, 2)
    out["isolated"] = degree == 0
    out["activist"] = _at_or_above(p["posts"], 90) if "posts" in p else False
    out["advocate"] = _at_or_above(p["given"], 90) if "given" in p else False
    if "boundary_share" in p:
        out["maverick"] = (p["boundary_share"] > 0.5) & _at_or_above(p["boundary_share"], 90)
    else:
        out["maverick"] = False
    out["positive_deviant"] = _deviants(p, deviant_measure, min_group_size)
    return out[list(ROLES)].fillna(False).astype(bool)


def _deviants(p: pd.DataFrame, measure: str, min_group_size: int) -> pd.Series:
    if measure not in p or "department" not in p or "level" not in p:
        return pd.Series(False, index=p.index)
    peers = p.groupby(["department", "level"], dropna=True)[measure]
    mean, std, size = peers.transform("mean"), peers.transform("std"), peers.transform("size")
    z = (p[measure] - mean) / std.where(std > 0)
    return (z >= 2) & (size >= min_group_size)


def overlap(held: pd.DataFrame) -> pd.DataFrame:
    """Jaccard overlap between every two role lists (1 = the same people, 0 = none shared)."""
    names = [c for c in held.columns if held[c].any()]
    out = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for a, b in itertools.combinations(names, 2):
        both = (held[a] & held[b]).sum()
        either = (held[a] | held[b]).sum()
        out.loc[a, b] = out.loc[b, a] = both / either if either else np.nan
    return out
