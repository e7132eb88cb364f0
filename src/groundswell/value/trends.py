"""The stored snapshots read back: every headline measure as a time series, and who
changed persona or roles between two periods (:mod:`.snapshots` computes them)."""

from __future__ import annotations

import pandas as pd

from groundswell.value.snapshots import HEADLINE


def series(long: pd.DataFrame) -> pd.DataFrame:
    """Every headline measure as a time series, from the stored measures
    (:func:`groundswell.value.queries.snapshot_measures`: period_start, metric, value): one
    row per period (oldest first), one column per measure."""
    out = long.pivot(index="period_start", columns="metric", values="value")
    out.index = pd.to_datetime(out.index, utc=True)
    return out[[m for m in HEADLINE if m in out.columns]].sort_index()


def changes(x: pd.DataFrame, y: pd.DataFrame) -> pd.DataFrame:
    """People whose persona or roles changed between two snapshots (``x`` before, ``y``
    after; persona and roles by person_id): person_id, persona_before, persona_after,
    roles_gained, roles_lost. People in only one of the two appear with the other side
    missing."""
    both = x.join(y, how="outer", suffixes=("_before", "_after"))

    def long(col: pd.Series) -> pd.DataFrame:
        s = col.dropna().str.split(",").explode()
        out = pd.DataFrame({"person_id": s.index, "role": s.to_numpy()})
        return out[out["role"] != ""]

    rb, ra = long(both["roles_before"]), long(both["roles_after"])
    m = rb.merge(ra, how="outer", indicator=True)
    gained = m[m["_merge"] == "right_only"].groupby("person_id")["role"].agg(",".join)
    lost = m[m["_merge"] == "left_only"].groupby("person_id")["role"].agg(",".join)
    out = pd.DataFrame(
        {
            "persona_before": both["persona_before"],
            "persona_after": both["persona_after"],
            "roles_gained": gained.reindex(both.index).fillna(""),
            "roles_lost": lost.reindex(both.index).fillna(""),
        }
    )
    changed = (
        (out["persona_before"] != out["persona_after"])
        | (out["roles_gained"] != "")
        | (out["roles_lost"] != "")
    )
    return out[changed].rename_axis("person_id")
