"""The sections of a run's value findings, one pure function each: each takes the table a
measure made (:mod:`groundswell.value.findings` computes them with the run and stores the
sections) and returns plain values — lists of row dicts and numbers — ready for a template
or JSON.

Group figures below the minimum group size arrive already suppressed (the group named
``(suppressed)`` with no figures).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from groundswell.value import maturity
from groundswell.value.before_after import Comparison, as_dict
from groundswell.value.community_health import summary as health_summary
from groundswell.value.onboarding import onboarding_summary
from groundswell.value.qa import QAReport


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values: times as ISO 8601 text, missing as None. Column
    by column (a frame-wide ``astype``/``where``/``to_dict`` costs about 5 ms a table, and
    ``analyze`` makes seven); a frame with repeated column names goes the frame-wide way."""
    if not df.columns.is_unique:
        return _rows_frame(df)
    names = list(df.columns)
    columns = []
    for name in names:
        col = df[name]
        kind = col.dtype.kind if isinstance(col.dtype, np.dtype) else "-"
        if kind in ("i", "u", "b"):  # NumPy integers and booleans: never missing
            columns.append(col.to_numpy().tolist())
            continue
        if kind == "f":  # NumPy floats: missing where NaN
            values = col.to_numpy()
            missing = np.isnan(values)
            columns.append(
                [None if m else v for v, m in zip(values.tolist(), missing, strict=True)]
            )
            continue
        if pd.api.types.is_datetime64_any_dtype(col):
            col = col.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        missing = col.isna().to_numpy()
        values = col.astype(object).tolist()
        columns.append([None if m else v for v, m in zip(values, missing, strict=True)])
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _rows_frame(df: pd.DataFrame) -> list[dict[str, Any]]:
    df = df.copy()
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = df[col].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    out = df.astype(object).where(df.notna(), None)
    return out.to_dict(orient="records")


def value_section(table: pd.DataFrame, *, top: int = 10) -> dict[str, Any]:
    """Value maturity at three scales, from a :func:`groundswell.value.compute.maturity`
    table: ``network`` (scores and stage), ``groups`` (per department, team and community:
    scores and stage) and ``people`` (how many people reached each stage; the ``top`` people
    by the sum of their scores, pseudonymous); ``basis`` (where the lines come from),
    ``distribution`` (how the people's scores spread on each stage:
    :func:`groundswell.value.maturity.distribution`), ``people`` (the run's population,
    the one count every value figure uses) and ``indicators`` (per stage, each indicator the
    workspace has data for: the network's pooled value and the people's median, so that a
    stage not reached can be traced to the indicator holding it back) and ``unmeasured``
    (the stages none of whose indicators had data, each with what it needs)."""
    net = table[table["scale"] == "network"].iloc[0]
    cols = ["scale", "group", "size", *maturity.STAGES, "stage"]
    groups = table[table["scale"].isin(["department", "team", "community"])][cols]
    people = table[table["scale"] == "person"]
    inds = _indicators(net, people)
    best = people.assign(total=people[list(maturity.STAGES)].sum(axis=1)).nlargest(top, "total")
    return {
        "window": table.attrs["window"],
        "thresholds": table.attrs["thresholds"],
        "basis": table.attrs.get("basis", {"basis": "benchmark"}),
        "distribution": maturity.distribution(table, table.attrs["thresholds"]),
        "people": len(people),
        "network": {k: net[k] for k in (*maturity.STAGES, "stage")},
        "indicators": inds,
        # the stages none of whose indicators had data, with what each needs: the views say
        # "not measured" rather than draw everyone at 0 against a line
        "unmeasured": [
            {"stage": st, "needs": maturity.NEEDS[st]}
            for st in maturity.unmeasured(table.attrs.get("available", {}))
        ],
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


def _indicators(
    net: pd.Series, people: pd.DataFrame
) -> dict[str, dict[str, dict[str, float | None]]]:
    """Per stage, ``{indicator: {"network": pooled value, "people_median": median of the
    people's values (None without people)}}`` for the indicators the workspace has data for
    (an indicator left out of the stage's mean is left out here too)."""
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for stage, inds in maturity.INDICATORS.items():
        got = {}
        for name, _, _ in inds:
            if name not in net.index or pd.isna(net[name]):
                continue
            values = people[name].to_numpy(dtype="float64")
            values = values[np.isfinite(values)]
            got[name] = {
                "network": float(net[name]),
                "people_median": float(np.median(values)) if len(values) else None,
            }
        out[stage] = got
    return out


def qa_section(rep: QAReport) -> dict[str, Any]:
    """Q&A health: ``summary`` (questions, response rate, median hours to the first answer,
    shares answered fast and across departments), ``channels``, ``boundaries`` (asker's
    department x answerer's) and leaders' ``sessions``."""
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


def leaders_section(table: pd.DataFrame) -> dict[str, Any]:
    """Connected leadership: one row per leader and the organisation's medians (a
    :func:`groundswell.value.compute.leaders` table)."""
    return {"window": table.attrs["window"], "leaders": _rows(table.reset_index())}


def communities_section(table: pd.DataFrame) -> dict[str, Any]:
    """Community health: ``units`` (every community and channel with kind, size, activity,
    responsiveness, insularity, renewal, trend, stagnating) and a ``summary``."""
    return {
        "window": table.attrs["window"],
        "units": _rows(table),
        "summary": health_summary(table),
    }


def trends_section(period: str, s: pd.DataFrame, moved: pd.DataFrame) -> dict[str, Any]:
    """Trends: every headline measure of the stored snapshots as a series (``periods`` and
    one list per measure, from ``s``), and who changed persona or roles last period
    (``moved``)."""
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


def onboarding_section(table: pd.DataFrame, min_size: int) -> dict[str, Any]:
    """Onboarding: newcomers by department (suppressed below the minimum group size)."""
    summary = onboarding_summary(table, min_size)
    return {"k": table.attrs["k"], "departments": _rows(summary.reset_index())}


def compare_section(c: Comparison) -> dict[str, Any]:
    """Before and after a date, side by side."""
    return as_dict(c)
