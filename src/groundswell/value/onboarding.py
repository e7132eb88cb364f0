"""Onboarding: how fast newcomers connect.

**Onboarding.** For each person hired after the data begins: the days until they have
``value.onboarding_ties`` ties (a tie counted when a pair has exchanged ``ties.min_interactions``
acts, either way, since the hire date) and their ties after 30, 60 and 90 days (missing
when that day is after the data ends).

References
----------
Morrison, E. W. (2002). Newcomers' relationships: the role of social network ties during
socialization. *Academy of Management Journal* 45(6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.privacy import SUPPRESSED, gate_labels
from groundswell.value import _base

if TYPE_CHECKING:
    from groundswell.store import Store


def onboarding(ws: Store, *, ties: int | None = None) -> pd.DataFrame:
    """How fast newcomers connect: per person hired after the first event, ``hire_date``,
    ``department``, ``days_to_k`` (days until ``ties`` ties; missing if not yet), and
    ``ties_30``, ``ties_60``, ``ties_90`` (missing when that day falls after the data)."""
    s = _base.settings(ws)
    k = int(ties or s["onboarding_ties"])
    r = _base.rules(ws)
    kinds = ", ".join(f"'{x}'" for x, w in r.weights.items() if w > 0)
    sql = f"""
        WITH span AS (SELECT min(ts) AS t0, max(ts) AS t1 FROM interactions),
        nc AS (SELECT p.person_id, p.hire_date, p.department FROM people p, span
               WHERE p.is_internal AND p.hire_date >= span.t0::DATE),
        acts AS (
            SELECT coalesce(a1.person_id, i.actor_id) AS actor,
                   coalesce(a2.person_id, i.target_id) AS target, i.ts
            FROM interactions i LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id
            LEFT JOIN aliases a2 ON a2.alias_id = i.target_id
            WHERE NOT i.is_bot AND i.n_recipients <= $1 AND i.kind IN ({kinds})),
        pair AS (
            SELECT nc.person_id, a.target AS other, a.ts, nc.hire_date FROM acts a
            JOIN nc ON a.actor = nc.person_id WHERE a.ts >= nc.hire_date AND a.target <> a.actor
            UNION ALL
            SELECT nc.person_id, a.actor, a.ts, nc.hire_date FROM acts a
            JOIN nc ON a.target = nc.person_id WHERE a.ts >= nc.hire_date AND a.target <> a.actor),
        ranked AS (SELECT *, row_number() OVER (PARTITION BY person_id, other ORDER BY ts) AS r
                   FROM pair),
        tied AS (SELECT person_id, epoch(ts - hire_date::TIMESTAMPTZ) / 86400 AS days
                 FROM ranked WHERE r = $2),
        kth AS (SELECT person_id, days, row_number() OVER (PARTITION BY person_id ORDER BY days)
                   AS r FROM tied)
        SELECT nc.person_id, nc.hire_date, nc.department,
               (SELECT days FROM kth WHERE kth.person_id = nc.person_id AND kth.r = $3)
                   AS days_to_k,
               count(t.days) FILTER (WHERE t.days <= 30) AS ties_30,
               count(t.days) FILTER (WHERE t.days <= 60) AS ties_60,
               count(t.days) FILTER (WHERE t.days <= 90) AS ties_90,
               epoch(any_value(span.t1) - nc.hire_date::TIMESTAMPTZ) / 86400 AS observed
        FROM nc CROSS JOIN span LEFT JOIN tied t ON t.person_id = nc.person_id
        GROUP BY nc.person_id, nc.hire_date, nc.department ORDER BY nc.hire_date, nc.person_id"""
    df = ws.con.execute(sql, [r.broadcast_threshold, r.min_interactions, k]).df()
    for d in (30, 60, 90):
        df[f"ties_{d}"] = df[f"ties_{d}"].astype("float64").where(df["observed"] >= d)
    df.attrs["k"] = k
    return df.drop(columns="observed").set_index("person_id")


def onboarding_summary(table: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """Newcomers by department: how many, median days to k ties, median ties after 30/60/90
    days; departments the privacy gate suppresses (below ``min_size`` newcomers, and as
    many more as it takes that none follows from the total by subtraction) merged into one
    suppressed row (its count only), left out when all newcomers are fewer than
    ``min_size``."""
    if table.empty:
        return pd.DataFrame(
            columns=["newcomers", "median_days_to_k", "ties_30", "ties_60", "ties_90"]
        )
    label = gate_labels(table["department"], min_size)  # the privacy gate
    g = table.assign(group=label).groupby("group")
    out = pd.DataFrame(
        {
            "newcomers": g.size(),
            "median_days_to_k": g["days_to_k"].median(),
            "ties_30": g["ties_30"].median(),
            "ties_60": g["ties_60"].median(),
            "ties_90": g["ties_90"].median(),
        }
    )
    if SUPPRESSED in out.index:
        if out.loc[SUPPRESSED, "newcomers"] < min_size:  # even merged, too few to show
            out = out.drop(index=SUPPRESSED)
        else:
            out.loc[SUPPRESSED, ["median_days_to_k", "ties_30", "ties_60", "ties_90"]] = np.nan
    return out
