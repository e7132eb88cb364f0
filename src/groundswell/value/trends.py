"""The stored snapshots read back: every headline measure as a time series, and who
changed persona or roles between two periods (:mod:`.snapshots` computes them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from groundswell.errors import AnalysisError
from groundswell.value.snapshots import HEADLINE, _check_period

if TYPE_CHECKING:
    from groundswell.store import Store


def series(ws: Store, period: str = "month") -> pd.DataFrame:
    """Every headline measure as a time series: one row per stored period (oldest first),
    one column per measure."""
    _check_period(period)
    df = ws.query(
        "SELECT period_start, metric, value FROM snapshot_measures WHERE period = ?", [period]
    )
    if df.empty:
        raise AnalysisError(
            f"{ws.folder}: no {period}ly snapshots yet; run: groundswell timeline "
            f"{ws.folder} --period {period}"
        )
    out = df.pivot(index="period_start", columns="metric", values="value")
    out.index = pd.to_datetime(out.index, utc=True)
    return out[[m for m in HEADLINE if m in out.columns]].sort_index()


def changes(
    ws: Store, period: str = "month", *, before: str | None = None, after: str | None = None
) -> pd.DataFrame:
    """People whose persona or roles changed between two stored periods (the last two by
    default): person_id, persona_before, persona_after, roles_gained, roles_lost. People in
    only one of the two snapshots appear with the other side missing."""
    _check_period(period)
    starts = pd.to_datetime(
        ws.query(
            "SELECT DISTINCT period_start FROM snapshots WHERE period = ? ORDER BY 1", [period]
        )["period_start"],
        utc=True,
    )
    if len(starts) < 2 and (before is None or after is None):
        raise AnalysisError(f"{ws.folder}: fewer than two {period}ly snapshots to compare")
    b = pd.Timestamp(before, tz="UTC") if before else starts.iloc[-2]
    a = pd.Timestamp(after, tz="UTC") if after else starts.iloc[-1]
    sql = (
        "SELECT person_id, persona, roles FROM snapshot_people "
        "WHERE period = ? AND period_start = ?"
    )
    x = ws.query(sql, [period, b]).set_index("person_id")
    y = ws.query(sql, [period, a]).set_index("person_id")
    both = x.join(y, how="outer", suffixes=("_before", "_after"))

    def long(col: pd.Series) -> pd.DataFrame:
        s = col.dropna().str.split(",").explode()
        return pd.DataFrame({"person_id": s.index, "role": s.to_numpy()}).query("role != ''")

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
    out = out[changed].rename_axis("person_id")
    out.attrs.update({"before": f"{b:%Y-%m-%d}", "after": f"{a:%Y-%m-%d}"})
    return out
