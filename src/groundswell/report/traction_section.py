"""The initiative-traction section of the report (and of the dashboard's Initiatives page):
for each initiative ``groundswell traction`` measured, its traction curve, the people taking
part in each group period by period, the quality of the interaction, each group's status
against the champion plan's forecast, and the reading in words.

Everything is read from the store (:func:`groundswell.initiatives.read`, as plain data by
:meth:`~groundswell.initiatives.Traction.as_dict`); :func:`initiative_context` only shapes it
into rows and SVG charts, for the report and the dashboard alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from groundswell import charts
from groundswell.initiatives import listed, read
from groundswell.privacy import SUPPRESSED

if TYPE_CHECKING:
    from groundswell.run import Run

#: initiatives shown in the report (the most recently computed first)
MOST = 5
STATUS_COLOURS = {"spreading": "#2ca02c", "stalled": "#d62728", "not reached": "#9e9e9e"}
#: the groups' line colours: the palette without the status colours' green and red
LINE_COLOURS = tuple(c for c in charts.PALETTE if c not in STATUS_COLOURS.values())


def _pct(v: Any) -> str:
    return "–" if v is None or v != v else f"{float(v):.0%}"


def _num(v: Any, spec: str = ".1f") -> str:
    return "–" if v is None or v != v else format(float(v), spec)


def initiative_context(data: dict[str, Any]) -> dict[str, Any]:
    """One initiative's rows and charts from its stored data
    (:meth:`~groundswell.initiatives.Traction.as_dict`)."""
    periods = data["periods"]
    labels = [str(r["period_start"]) for r in periods]
    unit = str(data["definition"].get("period", "week"))
    by = str(data["definition"].get("by", "department"))
    curve = charts.line_chart_svg(
        labels,
        [("traction index", "#2f6fbf", [float(r["traction"] or 0) for r in periods])],
        title=f"Traction index, {unit} by {unit}",
        y_title="reach × quality",
        x_title=f"{unit} starting",
        unit="number",
        width=560,
        height=220,
    )
    state = {str(r["group"]): str(r["status"]) for r in data["status"]}
    counts: dict[str, dict[str, float]] = {}
    for r in data["groups"]:
        if r["attribute"] == by:
            counts.setdefault(str(r["group_name"]), {})[str(r["period_start"])] = float(
                r["participants"]
            )
    series = []
    for k, (group, by_period) in enumerate(counts.items()):
        colour = (
            charts.SUPPRESSED_COLOUR if group == SUPPRESSED else LINE_COLOURS[k % len(LINE_COLOURS)]
        )
        label = f"{group} ({state.get(group, 'not shown')})"
        series.append((label, colour, [by_period.get(p, 0.0) for p in labels]))
    groups_svg = charts.line_chart_svg(
        labels,
        series,
        title=f"People taking part, by {by}",
        y_title="people",
        x_title=f"{unit} starting",
        unit="count",
        width=560,
        height=220,
    )
    roles: dict[str, int] = {}
    for r in data["roles"]:
        roles[str(r["role"])] = max(roles.get(str(r["role"]), 0), int(r["people"]))
    return {
        "name": data["name"],
        "definition": data["definition_text"],
        "reading": data["reading"],
        "index": data["index"],
        "run_id": data["run_id"],
        "plan_id": data["plan_id"],
        "by": by,
        "unit": unit,
        "curve_svg": curve,
        "groups_svg": groups_svg,
        "legend": [{"group": s[0], "colour": s[1]} for s in series],
        "periods": [
            {
                "start": str(r["period_start"]),
                "people": int(r["participants"]),
                "new": int(r["new_participants"]),
                "groups": int(r["groups_reached"]),
                "teams": int(r["teams"]),
                "communities": int(r["communities"]),
                "influencers": int(r["influencers"]),
                "replies": _pct(r["replies"]),
                "two_way": _pct(r["two_way"]),
                "cross": _pct(r["cross_boundary"]),
                "quality": _num(r["quality"], ".2f"),
                "traction": _num(r["traction"]),
            }
            for r in periods
        ],
        "status": [
            {
                "group": str(r["group"]),
                "size": int(r["size"]),
                "took_part": int(r["participants"]),
                "share": _pct(r["share"]),
                "forecast": _pct(r.get("forecast_share")),
                "status": str(r["status"]),
                "colour": STATUS_COLOURS.get(str(r["status"]), "#9e9e9e"),
            }
            for r in data["status"]
        ],
        "roles": dict(sorted(roles.items(), key=lambda kv: -kv[1])),
        "forecast": data["forecast"],
    }


def traction_context(run: Run) -> dict[str, Any]:
    """``initiatives``: the figures of every initiative measured (the most recent
    :data:`MOST`), empty when none was."""
    ws = run.ws
    names = listed(ws)
    names = names[names["measured"]]
    min_size = ws.settings.min_group_size
    return {
        "initiatives": [
            initiative_context(read(ws, str(n)).as_dict(min_size)) for n in names["name"].head(MOST)
        ]
    }
