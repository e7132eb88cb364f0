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


def _line_words(basis: dict[str, Any], stage: str) -> str:
    """Where a stage's line comes from, in words."""
    if basis.get("basis") != "organisation":
        return f"benchmark profile {basis.get('profile') or ''}".strip()
    q = float(basis.get("quantiles", {}).get(stage, 0.5))
    named = {0.25: "lower quartile", 0.5: "median", 0.75: "upper quartile"}.get(q)
    return f"{named or f'{q:.0%} quantile'} of those who show it"


def _maturity(v: dict[str, Any] | None) -> dict[str, Any] | None:
    if not _ok(v):
        return None
    assert v is not None
    net = v["network"]
    # runs stored before the section listed them: every stage counts as measured, as then
    needs = {u["stage"]: u["needs"] for u in v.get("unmeasured", [])}
    unmeasured = [s for s in STAGES if s in needs]
    depts = [g for g in v["groups"] if g["scale"] == "department"]
    basis = v.get("basis") or {"basis": "benchmark"}
    dist = v.get("distribution") or {}
    total = int(v.get("people") or sum(v["people_by_stage"].values()))
    stages = []
    for s in STAGES:
        d = dist.get(s)
        if not d or s in unmeasured:
            continue
        q = d["quantiles"]
        stages.append(
            {
                "name": _stage(s),
                "key": s,
                "line": share(d["line"]),
                "from": _line_words(basis, s),
                "showing": d["showing"],
                "spread": " / ".join(share(q.get(k)) for k in ("p25", "p50", "p75")),
                "pass": d["pass"],
                "reached": d["reached"],
                "reached_share": share(d["reached"] / total) if total else "–",
                "org": fmt(net[s]),
                "chart": charts.score_histogram_svg(
                    d["histogram"],
                    title=_stage(s).capitalize(),
                    line=d["line"],
                    marker=None if net[s] is None else float(net[s]),
                    width=220,
                    height=150,
                ),
            }
        )
    scales: dict[str, dict[str, int]] = {}
    for g in v["groups"]:
        if g.get("stage"):
            row = scales.setdefault(g["scale"], {})
            row[g["stage"]] = row.get(g["stage"], 0) + 1
    none = int(v["people_by_stage"].get("none", 0))
    return {
        "window": v["window"],
        "stage": _stage(net["stage"]),
        "basis": basis,
        "organisation_basis": basis.get("basis") == "organisation",
        "scores": [
            (
                _stage(s),
                fmt(net[s]),
                "not measured" if s in unmeasured else f"line {v['thresholds'][s]:.2f}",
            )
            for s in STAGES
        ],
        "connect_measured": "connect" not in unmeasured,
        "unmeasured": [(_stage(s), needs[s]) for s in unmeasured],
        "stages": stages,
        "people": total,
        "none": none,
        "none_share": share(none / total) if total else "–",
        "departments": [
            {
                "group": g["group"],
                "size": "–" if g["size"] is None else int(g["size"]),
                "scores": [fmt(g[s]) for s in STAGES],
                "stage": _stage(g["stage"]),
            }
            for g in depts
        ],
        "people_by_stage": [
            (_stage(k), n, share(n / total) if total else "–")
            for k, n in v["people_by_stage"].items()
        ],
        "groups_by_stage": [
            (scale, [(_stage(k), scales[scale].get(k, 0)) for k in (*STAGES, "none")])
            for scale in ("department", "team", "community")
            if scale in scales
        ],
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


#: community kinds as the report names them, the most mature first
KIND_NAMES = {
    "purpose": "purpose",
    "practice": "practice",
    "interest": "interest",
    "team_room": "team room",
}


def _kind_reading(u: dict[str, Any]) -> str:
    """What a unit's kind rests on, in a few words."""
    kind = u.get("kind")
    if kind == "purpose":
        return str(u.get("evidence") or "")
    if kind == "practice":
        return (
            f"{share(u.get('question_share'))} of threads are questions, "
            f"{share(u.get('answered_share'))} answered, "
            f"{share(u.get('across_team_share'))} of those across teams"
        )
    if kind == "interest":
        return f"{fmt(u.get('teams'), 0)} teams gather here"
    return "a formal unit's own room"


def _health(c: dict[str, Any] | None) -> dict[str, Any] | None:
    if not _ok(c):
        return None
    assert c is not None
    units = [u for u in c["units"] if u.get("kind")]  # the suppressed row has no kind
    order = {k: i for i, k in enumerate(KIND_NAMES)}
    channels = [u for u in units if u["unit"] == "channel"]  # private ones by pseudonym
    shown = [u for u in channels if u["kind"] != "team_room"]
    shown.sort(key=lambda u: (order.get(u["kind"], 9), not u["stagnating"], -(u.get("size") or 0)))
    counts = {
        unit: {k: sum(1 for u in units if u["unit"] == unit and u["kind"] == k) for k in KIND_NAMES}
        for unit in ("channel", "community")
    }
    return {
        "summary": c["summary"],
        "counts": counts,
        "kinds": KIND_NAMES,
        "rows": [
            {
                "unit": u["unit"],
                "name": u["name"],
                "kind": KIND_NAMES.get(u["kind"], u["kind"]),
                "why": _kind_reading(u),
                "size": fmt(u.get("size"), 0),
                "newcomers": share(u.get("newcomer_share")),
                "retention": share(u.get("retention")),
                "insularity": share(u.get("insularity")),
                "trend": u["trend"],
                "flag": "stagnating" if u["stagnating"] else "",
            }
            for u in shown[:20]
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
