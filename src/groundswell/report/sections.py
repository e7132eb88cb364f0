"""The report's sections beyond the headline: roles, formal against informal, the
group-to-group heat map and the comparison with the previous period.

Each function reads the stored run (never recomputes an analysis) and returns the plain
values its part of the template shows, group figures below the minimum size suppressed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np
import pandas as pd

from groundswell import charts, role_lists, words
from groundswell.glossary import ROLE_LINES
from groundswell.privacy import gate_labels

if TYPE_CHECKING:
    from groundswell.run import Run


class Faces(Protocol):
    """What the report still asks of the workspace beyond its store (a stopgap until the
    plan, the adoption comparison and the trends are stored results read from the run):
    :class:`groundswell.workspace.Workspace` has these methods. The report is written from a
    run the facade loaded, so ``run.ws`` is one; typed here so the report need not import the
    facade (which imports the report)."""

    def plan(self, plan_id: int | None = None) -> Any: ...

    def adoption(
        self, behaviour: str, *, plan_id: int | None = None, until: str | None = None
    ) -> Any: ...

    def trends(self, period: str = "month") -> pd.DataFrame: ...


#: at most this many departments in the heat map (the largest; the others are named below it)
HEATMAP_MAX_GROUPS = 30


def fmt(v: Any, digits: int = 2) -> str:
    """A figure for a table: thousands separators, ``digits`` decimals, "–" when missing."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def share(v: Any) -> str:
    """A share as a whole percentage, "–" when missing."""
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.0%}"


#: the measure each role is ranked by in the report, when the run stored no role score
#: (runs made before issue 19 stored ``<role>_score``)
ROLE_MEASURE = {
    "hub": "in_degree", "broker": "betweenness", "boundary_spanner": "departments_reached",
    "influencer": "pagerank", "activist": "posts", "advocate": "given",
    "maverick": "boundary_share", "network_positive_deviant": "pagerank",
}  # fmt: skip
#: what distinguishes each list, in one line
ROLE_TEXT = ROLE_LINES


def roles_context(
    run: Run, people: pd.DataFrame, labels: dict[str, str], dept: pd.Series
) -> dict[str, Any]:
    held = run.roles()  # one column per role, in the order of analysis.roles.ROLES
    role_rows = []
    for role in held.columns:
        who = held.index[held[role]]
        measure = f"{role}_score" if f"{role}_score" in people else ROLE_MEASURE.get(role)
        top = people.loc[who].sort_values(measure, ascending=False) if measure else people.loc[who]
        role_rows.append(
            {
                "role": role.replace("_", " "),
                "text": ROLE_TEXT[role],
                "count": len(who),
                "examples": ", ".join(
                    labels[p] + (f" ({dept[p]})" if not dept[p].startswith("(") else f" {dept[p]}")
                    for p in top.index[:5]
                ),
            }
        )
    ov = run.role_overlap()  # stored by analyze
    off = ov.where(~np.eye(len(ov), dtype=bool)).stack()
    persona_counts = people["persona"].value_counts()
    lists = role_lists.summary(held, ov)
    return {
        "role_rows": role_rows,
        "role_lists": lists,
        "role_several": [
            (
                labels.get(p, p),
                ", ".join(
                    r.replace("_", " ") for r in role_lists.RANKED if r in held and held.loc[p, r]
                ),
            )
            for p in lists["several_people"][:5]
        ],
        "role_overlap_chart": role_lists.chart(lists),
        "overlap_columns": [c.replace("_", " ") for c in ov.columns],
        "overlap_rows": [(r.replace("_", " "), [fmt(v) for v in ov.loc[r]]) for r in ov.index],
        "overlap_mean": fmt(float(off.mean())) if len(off) else "–",
        "persona_rows": [
            (
                name,
                int(persona_counts.get(name, 0)),
                f"{persona_counts.get(name, 0) / max(len(people), 1):.0%}",
            )
            for name in ("engager", "catalyst", "responder", "broadcaster", "observer")
        ],
    }


def formal_context(run: Run, min_size: int) -> dict[str, Any]:
    groups = run.groups("department")  # through the privacy gate
    rows = []
    for name, r in groups.iterrows():
        rows.append(
            {
                "group": name,
                "size": "–" if pd.isna(r["size"]) else int(r["size"]),
                "ei": fmt(r["ei"]),
                "inside": "–" if pd.isna(r["inside_share"]) else f"{r['inside_share']:.0%}",
                "baseline": fmt(r["baseline_ei"]),
                "silo": "silo" if pd.notna(r["silo"]) and r["silo"] else "",
            }
        )
    findings = run.summary.get("findings", {})
    return {
        "ei_rows": rows,
        "ei_org": fmt(run.summary.get("ei_departments")),
        "findings": {k: int(v) for k, v in findings.items()},
    }


def heatmap_context(run: Run, people: pd.DataFrame, min_size: int) -> dict[str, Any]:
    """The department-to-department tie matrix as row shares, for the heat map.

    Cell (A, B): the share of the tie strength of A's people that goes to B's people (rows
    sum to 100%; the diagonal is what stays inside). Departments below ``min_size`` are
    merged into one suppressed group, itself dropped when still too small. The matrix is
    the one analyze stored (:meth:`groundswell.run.Run.group_ties`), through the gate.
    """
    matrix = run.group_ties("department", min_group_size=min_size).dropna(how="all")
    matrix = matrix.loc[:, matrix.columns.isin(matrix.index)]
    sizes = gate_labels(people["department"], min_size).value_counts()
    order = sorted(matrix.index, key=lambda d: (-int(sizes.get(d, 0)), str(d)))
    left_out = order[HEATMAP_MAX_GROUPS:]
    order = order[:HEATMAP_MAX_GROUPS]
    matrix = matrix.loc[order, order]
    values = matrix.to_numpy(dtype=float)
    inside = np.diag(values) if len(values) else np.array([])
    rows = [
        {
            "group": str(name),
            "size": int(sizes.get(name, 0)),
            "cells": [{"text": _cell(v), "alpha": _alpha(v)} for v in values[i]],
        }
        for i, name in enumerate(matrix.index)
    ]
    most_inward = str(matrix.index[int(np.nanargmax(inside))]) if len(inside) else ""
    return {
        "heat_columns": [str(c) for c in matrix.columns],
        "heat_rows": rows,
        "heat_left_out": len(left_out),
        "heat_inside_median": share(float(np.nanmedian(inside))) if len(inside) else "–",
        "heat_most_inward": most_inward,
        "heat_legend": charts.heat_legend_svg(
            HEAT_RGB,
            lambda v: float(_alpha(v)),
            title="share of a department's tie strength (cell shading)",
        ),
    }


#: colour of the heat map's cells (shaded by :func:`_alpha`)
HEAT_RGB = (191, 79, 47)


def _cell(v: float) -> str:
    if not v or np.isnan(v):
        return ""
    return "<1%" if v < 0.005 else f"{v:.0%}"


def _alpha(v: float) -> str:
    """Shading of a heat-map cell: the square root spreads the small shares apart."""
    return "0" if not v or np.isnan(v) else f"{min(1.0, math.sqrt(v)) * 0.9:.2f}"


#: headline figures compared with the previous period: (summary key, label, kind)
COMPARED = (
    ("people", "People in the network", "count"),
    ("ties", "Ties", "count"),
    ("reciprocity", "Reciprocated ties", "share"),
    ("isolated", "People with no ties", "count"),
    ("communities", "Communities", "count"),
    ("modularity", "Modularity", "number"),
    ("nmi_departments", "Communities ↔ departments (NMI)", "number"),
    ("strong_ties", "Strong ties", "share"),
    ("diverse_ties", "Diverse ties (across departments)", "share"),
    ("ei_departments", "Departments' E-I index", "number"),
)


def comparison_context(run: Run) -> dict[str, Any]:
    """The headline figures of this run against the previous period's run, if there is one."""
    before = run.previous()
    if before is None:
        return {"previous": None, "compare_rows": []}
    rows = []
    for key, label, kind in COMPARED:
        now, then = run.summary.get(key), before.summary.get(key)
        show = share if kind == "share" else (fmt if kind == "number" else _count)
        rows.append(
            {
                "label": label,
                "now": show(now),
                "then": show(then),
                "change": _change(now, then, kind),
            }
        )
    return {"previous": before, "compare_rows": rows}


def _count(v: Any) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{int(v):,}"


def _change(now: Any, then: Any, kind: str) -> str:
    """The change as the table's two shown figures give it (:func:`words.change`); a count
    also as a percentage of its earlier value."""
    show = share if kind == "share" else (fmt if kind == "number" else _count)
    text, _ = words.change(now, then, show, kind)
    if not text:
        return "–"
    if kind == "count" and text not in ("no change", "about the same") and then:
        text += f" ({(float(now) - float(then)) / float(then):+.0%})"
    return text


#: colours of the strategies in the adoption-curve chart
STRATEGY_COLOURS = {
    "plan": "#2f6fbf",
    "top_down": "#bf4f2f",
    "most_connected": "#6a8d2f",
    "random": "#8a8a8a",
}


def champions_context(run: Run) -> dict[str, Any]:
    """The latest champion plan made on this run, if any: the plan, its reach against the
    baselines (curves as SVG polylines), coverage by department, and real adoption so far."""
    ids = run.ws.query("SELECT max(plan_id) AS p FROM plans WHERE run_id = ?", [run.run_id]).iloc[
        0
    ]["p"]
    if pd.isna(ids):
        return {"plan": None}
    plan = cast(Faces, run.ws).plan(int(ids))
    n = plan.summary["people"]
    strategies = plan.strategies()  # "what": each strategy's reading
    curves = plan.curves()
    lines, series = [], []
    steps = sorted(int(v) for v in curves["step"].unique())
    for name in strategies.index:
        c = curves[curves["strategy"] == name].set_index("step")["adopted"].reindex(steps)
        what = strategies.at[name, "what"]
        lines.append({"name": what, "colour": STRATEGY_COLOURS[name]})
        series.append((what, STRATEGY_COLOURS[name], [float(v) for v in c]))
    plan_svg = charts.line_chart_svg(
        [str(v) for v in steps],
        series,
        title="People who have adopted, step by step",
        y_title="people (mean of the cascades)",
        x_title="step of the cascade",
        unit="count",
        width=560,
        height=240,
        x_values=steps,
    )
    cov = plan.coverage()
    table = cov.pivot(index="group_name", columns="strategy", values="share")
    sizes = cov.drop_duplicates("group_name").set_index("group_name")["size"]
    coverage_rows = [
        {
            "group": g,
            "size": int(sizes[g]),
            "cells": [share(table.loc[g].get(s)) for s in strategies.index],
        }
        for g in table.sort_values("plan").index
    ]
    adoption = []
    for b in run.ws.query("SELECT DISTINCT behaviour FROM adoptions ORDER BY 1")["behaviour"][:3]:
        rep = cast(Faces, run.ws).adoption(b, plan_id=plan.plan_id)
        adoption.append(
            {"verdict": rep.verdict(), "baseline": share(rep.baseline_rate), "report": rep}
        )
    return {
        "plan": plan,
        "plan_rows": plan.champions().to_dict(orient="records"),
        "plan_strategies": [
            {
                "what": r["what"],
                "reach": f"{r['reach']:,.0f}",
                "interval": f"{r['low']:,.0f}–{r['high']:,.0f}",
                "share": share(r["reach"] / n),
                "untouched": ", ".join(r["untouched"]) or "none",
            }
            for _, r in strategies.iterrows()
        ],
        "plan_lines": lines,
        "plan_svg": plan_svg,
        "plan_coverage_columns": list(strategies["what"]),
        "plan_coverage_rows": coverage_rows,
        "plan_by_k": [
            {"seeded": share(r.share_seeded), "k": int(r.k), "reached": share(r.share_reached)}
            for r in plan.reach_by_k().itertuples()
        ],
        "adoption": adoption,
    }


def survey_context(run: Run) -> dict[str, Any]:
    """The latest closed relationship survey beside the digital network of this run, as the
    run stored it (:func:`groundswell.survey.comparison.section`): response rate, how far the
    two networks agree (Jaccard), and who is seen in only one of them."""
    s = run.findings().get("survey")
    if s is None:
        return {"survey": None}
    if "problem" in s:
        return {"survey": {"name": "", "problem": s["problem"]}}
    identified = run.ws.settings.identified
    return {
        "survey": {
            "name": s["name"],
            "problem": None,
            "rate": share(s["rate"]),
            "submitted": _count(s["submitted"]),
            "invited": _count(s["invited"]),
            "overlap": [
                {
                    "layer": r["layer"],
                    "respondents": _count(r["respondents"]),
                    "survey_ties": _count(r["survey_ties"]),
                    "digital_ties": _count(r["digital_ties"]),
                    "jaccard": fmt(r["jaccard"]),
                    "jaccard_undirected": fmt(r["jaccard_undirected"]),
                }
                for r in s["overlap"]
            ],
            "hidden": [
                {
                    "layer": r["layer"],
                    "person": r["display_name"]
                    if identified and isinstance(r["display_name"], str)
                    else r["person_id"],
                    "department": str(r["department"]),
                    "influential_in": r["influential_in"],
                    "invisible_in": r["invisible_in"],
                    "reason": r["reason"],
                }
                for r in s["hidden"]
            ],
            "hidden_total": s["hidden_total"],
        }
    }
