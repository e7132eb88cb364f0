"""The report's value sections: maturity at three scales, Q&A health, connected leadership,
community health, trends and onboarding.

Everything is read from what the run stored (:meth:`groundswell.run.Run.findings`) and from
the stored snapshots (``groundswell timeline``); nothing is recomputed here. Group figures
arrive suppressed below the minimum group size.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, TypeGuard, cast

from groundswell import charts
from groundswell.errors import AnalysisError
from groundswell.report.sections import Faces, fmt, share

if TYPE_CHECKING:
    from groundswell.run import Run

STAGES = ("connect", "share", "solve", "innovate", "lead_change")
#: the headline measures drawn as trends, with how to show them
TRENDS = (
    ("people", "people in the network", "count"),
    ("ties", "ties", "count"),
    ("reciprocity", "reciprocated ties", "share"),
    ("cross_department_share", "ties across departments", "share"),
    ("response_rate", "questions answered", "share"),
    ("modularity", "modularity", "number"),
)


def value_context(run: Run) -> dict[str, Any]:
    """Template values of every value section present in the run's stored findings."""
    found = run.findings()
    return {
        "maturity": _maturity(found.get("value")),
        "qa": _qa(found.get("qa")),
        "leaders": _leaders(found.get("leaders"), run),
        "health": _health(found.get("communities")),
        "onboarding": _onboarding(found.get("onboarding")),
        "trends": _trends(run),
    }


def _ok(section: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    return section is not None and len(section) > 0 and "problem" not in section


def _stage(name: Any) -> str:
    return "–" if not name else str(name).replace("_", " ")


def _maturity(v: dict[str, Any] | None) -> dict[str, Any] | None:
    if not _ok(v):
        return None
    assert v is not None
    net = v["network"]
    depts = [g for g in v["groups"] if g["scale"] == "department"]
    return {
        "window": v["window"],
        "stage": _stage(net["stage"]),
        "scores": [(_stage(s), fmt(net[s]), v["thresholds"][s]) for s in STAGES],
        "departments": [
            {
                "group": g["group"],
                "size": "–" if g["size"] is None else int(g["size"]),
                "scores": [fmt(g[s]) for s in STAGES],
                "stage": _stage(g["stage"]),
            }
            for g in depts
        ],
        "people_by_stage": [(_stage(k), n) for k, n in v["people_by_stage"].items()],
    }


def _qa(q: dict[str, Any] | None) -> dict[str, Any] | None:
    if not _ok(q):
        return None
    assert q is not None
    s = q["summary"]
    return {
        "window": q["window"],
        "cards": [
            ("Questions asked", fmt(s.get("questions"))),
            ("Answered", share(s.get("response_rate"))),
            ("Median time to first answer", _hours(s.get("median_hours_to_answer"))),
            ("Answered from another department", share(s.get("answered_across_share"))),
        ],
        "channels": [
            {
                "channel": c["channel"],
                "questions": fmt(c["questions"], 0),
                "rate": share(c["response_rate"]),
                "hours": _hours(c["median_hours"]),
            }
            for c in q["channels"][:10]
        ],
        "sessions": len(q["sessions"]),
    }


def _hours(h: Any) -> str:
    if h is None or (isinstance(h, float) and math.isnan(h)):
        return "–"
    return f"{h * 60:.0f} min" if h < 1 else f"{h:.1f} h"


def _leaders(ld: dict[str, Any] | None, run: Run) -> dict[str, Any] | None:
    if not _ok(ld):
        return None
    assert ld is not None
    rows = [r for r in ld["leaders"] if r.get("person_id") != "organisation"]
    org = next((r for r in ld["leaders"] if r.get("person_id") == "organisation"), None)
    names = {}
    if run.ws.settings.identified:
        people = run.people()
        names = people["display_name"].dropna().to_dict()
    return {
        "rows": [
            {
                "person": names.get(r["person_id"], r["person_id"]),
                "contacts": fmt(r.get("contacts"), 0),
                "reach": fmt(r.get("two_step_reach"), 0),
                "reciprocity": share(r.get("reciprocity")),
                "responsiveness": share(r.get("responsiveness")),
                "open": share(r.get("open_share")),
                "verdict": r.get("verdict") or "",
            }
            for r in sorted(rows, key=lambda r: -(r.get("two_step_reach") or 0))[:15]
        ],
        "count": len(rows),
        "org_responsiveness": share(org.get("responsiveness")) if org else "–",
    }


def _health(c: dict[str, Any] | None) -> dict[str, Any] | None:
    if not _ok(c):
        return None
    assert c is not None
    units = c["units"]
    channels = [u for u in units if u["unit"] == "channel"]  # private ones by pseudonym
    notable = [u for u in channels if u["stagnating"] or u["trend"] == "growing"]
    notable.sort(key=lambda u: (not u["stagnating"], -(u.get("size") or 0)))
    return {
        "summary": c["summary"],
        "rows": [
            {
                "unit": u["unit"],
                "name": u["name"],
                "kind": u["kind"],
                "size": fmt(u.get("size"), 0),
                "newcomers": share(u.get("newcomer_share")),
                "insularity": share(u.get("insularity")),
                "trend": u["trend"],
                "flag": "stagnating" if u["stagnating"] else "",
            }
            for u in notable[:15]
        ],
        "stagnating": sum(bool(u["stagnating"]) for u in units),
    }


def _onboarding(o: dict[str, Any] | None) -> dict[str, Any] | None:
    if not _ok(o) or not o["departments"]:
        return None
    assert o is not None
    return {
        "k": o["k"],
        "rows": [
            {
                "group": d["group"],
                "newcomers": d["newcomers"],
                "days": fmt(d.get("median_days_to_k"), 1),
                "ties_30": fmt(d.get("ties_30"), 0),
                "ties_90": fmt(d.get("ties_90"), 0),
            }
            for d in o["departments"]
        ],
    }


def _trends(run: Run) -> dict[str, Any] | None:
    """Sparklines of the stored monthly snapshots (None when there are fewer than two)."""
    try:
        s = cast(Faces, run.ws).trends("month")
    except AnalysisError:
        return None
    if len(s) < 2:
        return None
    months = [f"{p:%b %Y}" for p in s.index]
    lines = []
    for key, label, kind in TRENDS:
        if key not in s.columns:
            continue
        series = [float(v) for v in s[key]]
        values = [v for v in series if v == v]
        if len(values) < 2:
            continue
        show = share if kind == "share" else (lambda x: fmt(x, 0)) if kind == "count" else fmt
        unit = {"share": "share", "count": "count"}.get(kind, "number")
        y_title = {"share": "% of ties", "count": label}.get(kind, label)
        if key == "response_rate":
            y_title = "% of questions"
        chart = charts.line_chart_svg(
            months,
            [(label, "#2f6fbf", series)],
            title=label.capitalize(),
            y_title=y_title,
            x_title="month",
            unit=unit,
            width=300,
            height=160,
        )
        lines.append(
            {"label": label, "chart": chart, "first": show(values[0]), "last": show(values[-1])}
        )
    return {
        "periods": f"{s.index[0]:%b %Y} – {s.index[-1]:%b %Y}",
        "count": len(s),
        "lines": lines,
    }
