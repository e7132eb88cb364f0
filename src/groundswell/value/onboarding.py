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

import numpy as np
import pandas as pd

from groundswell.privacy import SUPPRESSED, gate_labels


def onboarding(rows: pd.DataFrame, k: int) -> pd.DataFrame:
    """How fast newcomers connect, from :func:`groundswell.value.queries.newcomer_ties`:
    per person hired after the first event, ``hire_date``, ``department``, ``days_to_k``
    (days until ``k`` ties; missing if not yet), and ``ties_30``, ``ties_60``, ``ties_90``
    (missing when that day falls after the data)."""
    df = rows.copy()
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
