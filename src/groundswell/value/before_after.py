"""The network before and after a date, side by side: the headline measures of
:mod:`.snapshots`, the value-maturity scores and each department's share of ties inside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.analysis import formal
from groundswell.errors import ConfigError
from groundswell.network.graph import Graph
from groundswell.network.window import Window
from groundswell.value import _base
from groundswell.value.snapshots import snapshot

if TYPE_CHECKING:
    from groundswell.store import Store


@dataclass
class Comparison:
    """The network before and after a date, side by side."""

    at: str
    before: str  # window
    after: str
    headline: pd.DataFrame  # metric, before, after, change
    departments: pd.DataFrame  # per department: size, inside share before and after


def compare_dates(ws: Store, at: str, *, days: int | None = None) -> Comparison:
    """The ``days`` before ``at`` against the ``days`` from ``at`` (``ties.window_days`` by
    default): every headline measure, the network's value-maturity scores, and each
    department's share of ties kept inside (suppressed below the minimum group size)."""
    from groundswell.value import maturity

    days = int(days or ws.settings.ties["window_days"])
    try:
        t = pd.Timestamp(at)
    except ValueError as exc:
        raise ConfigError(f"--at expects a date such as 2024-03-01; got {at!r}") from exc
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    span = pd.Timedelta(days=days)
    wins = (
        Window((t - span).to_pydatetime(), t.to_pydatetime()),
        Window(t.to_pydatetime(), (t + span).to_pydatetime()),
    )
    rows, depts = {}, {}
    hr = _base.people(ws)
    for name, win in zip(("before", "after"), wins, strict=True):
        measures, _ = snapshot(ws, win)
        counts, available = maturity.person_counts(ws, win)
        net = maturity.scores(
            counts.sum().to_frame().T, available, maturity.thresholds(_base.settings(ws))
        ).iloc[0]
        measures.update({f"maturity_{st}": float(net[st]) for st in maturity.STAGES})
        rows[name] = measures
        ties = _base.ties(ws, win)
        nodes = _base.members(ws, win)
        g = Graph.from_edges(nodes.to_numpy(), ties[["actor_id", "target_id", "weight"]])
        ei = formal.ei_index(g, hr["department"], min_group_size=ws.settings.min_group_size)
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
