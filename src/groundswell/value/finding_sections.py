"""The sections of a run's value findings, one function each (:mod:`groundswell.value.findings`
computes and stores them with the run): each takes a :class:`~groundswell.run.Run` and
returns plain values — lists of row dicts and numbers — ready for a template or JSON.

Group figures below the minimum group size arrive already suppressed (the group named
``(suppressed)`` with no figures).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.value import community_health, maturity, qa, timeline

if TYPE_CHECKING:
    from groundswell.run import Run


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values: times as ISO 8601 text, missing as None."""
    df = df.copy()
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = df[col].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    out = df.astype(object).where(df.notna(), None)
    return out.to_dict(orient="records")


def value_section(run: Run, *, top: int = 10, table: pd.DataFrame | None = None) -> dict[str, Any]:
    """Value maturity at three scales: ``network`` (scores and stage), ``groups`` (per
    department, team and community: scores and stage) and ``people`` (how many people
    reached each stage; the ``top`` people by the sum of their scores, pseudonymous).
    ``table`` is the run's :func:`maturity.maturity` when already computed."""
    table = maturity.maturity(run.ws, run=run) if table is None else table
    net = table[table["scale"] == "network"].iloc[0]
    cols = ["scale", "group", "size", *maturity.STAGES, "stage"]
    groups = table[table["scale"].isin(["department", "team", "community"])][cols]
    people = table[table["scale"] == "person"]
    best = people.assign(total=people[list(maturity.STAGES)].sum(axis=1)).nlargest(top, "total")
    return {
        "window": table.attrs["window"],
        "thresholds": table.attrs["thresholds"],
        "network": {k: net[k] for k in (*maturity.STAGES, "stage")},
        "groups": _rows(groups),
        "people_by_stage": {
            k: int(v)
            for k, v in people["stage"]
            .value_counts()
            .reindex([*maturity.STAGES, "none"], fill_value=0)
            .items()
        },
        "top_people": _rows(
            best[["group", *maturity.STAGES, "stage"]].rename(columns={"group": "person_id"})
        ),
    }


def qa_section(run: Run) -> dict[str, Any]:
    """Q&A health: ``summary`` (questions, response rate, median hours to the first answer,
    shares answered fast and across departments), ``channels``, ``boundaries`` (asker's
    department x answerer's) and leaders' ``sessions``."""
    rep = qa.qa(run.ws, run=run)
    b = rep.boundaries
    return {
        "window": rep.window,
        "summary": rep.summary,
        "channels": _rows(rep.channels.head(15)),
        "boundaries": {
            "rows": [str(x) for x in b.index],
            "columns": [str(x) for x in b.columns],
            "values": b.to_numpy().tolist(),
        },
        "sessions": _rows(rep.sessions),
    }


def leaders_section(run: Run, leaders_file: str | None = None) -> dict[str, Any]:
    """Connected leadership: one row per leader (from ``leaders_file``, else everyone at or
    above ``value.leader_level``) and the organisation's medians."""
    table = qa.leaders(run.ws, leaders_file, run=run)
    return {"window": table.attrs["window"], "leaders": _rows(table.reset_index())}


def communities_section(run: Run) -> dict[str, Any]:
    """Community health: ``units`` (every community and channel with kind, size, activity,
    responsiveness, insularity, renewal, trend, stagnating) and a ``summary``."""
    table = community_health.health(run.ws, run=run)
    return {
        "window": table.attrs["window"],
        "units": _rows(table),
        "summary": community_health.summary(table),
    }


def trends_section(run: Run, period: str = "month") -> dict[str, Any]:
    """Trends: stored snapshots brought up to date, every headline measure as a series
    (``periods`` and one list per measure), and who changed persona or roles last period."""
    ws = run.ws
    timeline.snapshots(ws, period)
    s = timeline.series(ws, period)
    moved = timeline.changes(ws, period) if len(s) >= 2 else pd.DataFrame()
    return {
        "period": period,
        "periods": [f"{t:%Y-%m-%d}" for t in s.index],
        "series": {c: [None if pd.isna(v) else float(v) for v in s[c]] for c in s.columns},
        "changed": len(moved),
        "persona_changes": (
            {}
            if moved.empty
            else {
                f"{a} -> {b}": int(n)
                for (a, b), n in moved.groupby(["persona_before", "persona_after"]).size().items()
                if a != b
            }
        ),
    }


def onboarding_section(run: Run) -> dict[str, Any]:
    """Onboarding: newcomers by department (suppressed below the minimum group size)."""
    table = timeline.onboarding(run.ws)
    summary = timeline.onboarding_summary(table, run.ws.settings.min_group_size)
    return {"k": table.attrs["k"], "departments": _rows(summary.reset_index())}


def compare_section(run: Run, at: str, days: int | None = None) -> dict[str, Any]:
    """Before and after a date, side by side (see :func:`timeline.compare_dates`)."""
    return timeline.as_dict(timeline.compare_dates(run.ws, at, days=days))
