"""The network before and after a date, side by side: the headline measures of
:mod:`.snapshots`, the value-maturity scores and each department's share of ties inside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from groundswell.analysis import formal
from groundswell.errors import ConfigError
from groundswell.network.graph import Graph
from groundswell.network.window import Window
from groundswell.value import maturity


@dataclass
class Comparison:
    """The network before and after a date, side by side."""

    at: str
    before: str  # window
    after: str
    headline: pd.DataFrame  # metric, before, after, change
    departments: pd.DataFrame  # per department: size, inside share before and after


@dataclass
class Side:
    """One side of the date: what :func:`compare` needs of its window."""

    measures: dict[str, float]  # the headline measures (:func:`.snapshots.snapshot`)
    counts: pd.DataFrame  # :func:`.maturity.person_counts`
    available: dict[str, bool]
    ties: pd.DataFrame  # the window's digital ties
    members: pd.Index  # everyone in the window's network


def windows(at: str, days: int) -> tuple[pd.Timestamp, Window, Window]:
    """The date (UTC) and the ``days`` before it and from it; ConfigError naming --at when
    ``at`` is not a date."""
    try:
        t = pd.Timestamp(at)
    except ValueError as exc:
        raise ConfigError(f"--at expects a date such as 2024-03-01; got {at!r}") from exc
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    span = pd.Timedelta(days=days)
    return (
        t,
        Window((t - span).to_pydatetime(), t.to_pydatetime()),
        Window(t.to_pydatetime(), (t + span).to_pydatetime()),
    )


def compare(
    t: pd.Timestamp,
    wins: tuple[Window, Window],
    sides: tuple[Side, Side],
    department: pd.Series,
    limits: dict[str, float],
    min_group_size: int,
) -> Comparison:
    """Every headline measure, the network's value-maturity scores, and each department's
    share of ties kept inside (suppressed below the minimum group size), before and after."""
    rows, depts = {}, {}
    for name, side in zip(("before", "after"), sides, strict=True):
        measures = dict(side.measures)
        net = maturity.scores(side.counts.sum().to_frame().T, side.available, limits).iloc[0]
        measures.update({f"maturity_{st}": float(net[st]) for st in maturity.STAGES})
        rows[name] = measures
        g = Graph.from_edges(
            side.members.to_numpy(), side.ties[["actor_id", "target_id", "weight"]]
        )
        ei = formal.ei_index(g, department, min_group_size=min_group_size)
        depts[name] = ei[["size", "inside_share"]]
    head = pd.DataFrame(rows)
    head["change"] = head["after"] - head["before"]
    head.index.name = "metric"
    dep = depts["before"].join(depts["after"], how="outer", suffixes=("_before", "_after"))
    dep["inside_share_change"] = dep["inside_share_after"] - dep["inside_share_before"]
    return Comparison(f"{t:%Y-%m-%d}", str(wins[0]), str(wins[1]), head, dep)


def as_dict(c: Comparison) -> dict[str, Any]:
    """A comparison as plain values (for JSON and the report)."""
    return {
        "at": c.at,
        "before": c.before,
        "after": c.after,
        "headline": c.headline.reset_index().to_dict(orient="records"),
        "departments": c.departments.reset_index().to_dict(orient="records"),
    }
