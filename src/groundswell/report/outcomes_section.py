"""The report's sections on results: outcomes against the network (correlations with their
intervals, in a forest plot and a table, the positive deviants by results) and the
organisation against benchmark profiles. Read from the run (:meth:`groundswell.run.Run.outcomes`,
the ``benchmark`` findings section); nothing computed here."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell import words
from groundswell.benchmark import figure_words
from groundswell.outcome_results import MEASURE_WORDS

if TYPE_CHECKING:
    from groundswell.run import Run

__all__ = ["benchmark_context", "outcomes_context"]

GROUP_SCOPES = ("departments", "teams")
#: forest plot geometry (SVG user units)
_W, _LEFT, _ROW = 640, 240, 18


def _num(v: Any, spec: str = "+.2f") -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def _figure(v: Any) -> str:
    """A profile's figure: a whole number without decimals, else two."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{v:,.0f}" if float(v).is_integer() and abs(v) >= 1 else f"{v:.2f}"


def _holds(r: Any) -> bool:
    return bool(
        r.q == r.q and r.q < 0.05 and ((r.ci_low > 0) or (r.ci_high < 0)) and r.rho == r.rho
    )


def _x(v: float) -> float:
    return _LEFT + (v + 1.0) / 2.0 * (_W - _LEFT - 24)  # room for the +1.0 label


def _forest(rows: pd.DataFrame) -> dict[str, Any]:
    """A forest plot of one measure's correlations, scope by scope: a dot at rho, a bar over
    its interval, zero marked; rows too small to read drawn as a grey label only."""
    items = []
    for i, r in enumerate(rows.itertuples()):
        y = 10 + i * _ROW
        ok = r.rho == r.rho and r.ci_low == r.ci_low
        items.append(
            {
                "y": y,
                "label": _scope_words(str(r.scope)) + f" (n = {r.n})",
                "ok": ok,
                "holds": _holds(r),
                "x": _x(r.rho) if ok else 0,
                "x0": _x(r.ci_low) if ok else 0,
                "x1": _x(r.ci_high) if ok else 0,
            }
        )
    return {
        "rows": items,
        "height": 20 + len(items) * _ROW,
        "width": _W,
        "zero": _x(0.0),
        "ticks": [{"x": _x(t), "label": f"{t:+.1f}" if t else "0"} for t in (-1, -0.5, 0, 0.5, 1)],
        "left": _LEFT,
    }


def _scope_words(scope: str) -> str:
    return {
        "all": "everyone",
        "within": "same department & level",
        "departments": "across departments",
        "teams": "across teams",
    }.get(scope, scope)


def outcomes_context(run: Run, labels: dict[str, str], dept: pd.Series) -> dict[str, Any]:
    """``outcomes``: per outcome the measure that says most (its forest plot), every measure's
    correlation for everyone and within the same position, the positive deviants by results,
    and the reading; None when the run has no outcome results."""
    found = run.outcomes()
    if found.empty:
        return {"outcomes": None}
    blocks = []
    for outcome, rows in found.links.groupby("outcome", sort=True):
        person = ~rows["scope"].isin(GROUP_SCOPES)
        main = rows[person] if person.any() else rows
        readable = main[main["n"] >= 10]
        readable = readable.assign(strength=readable["rho"].abs())
        best = (
            readable.sort_values("strength", ascending=False)["measure"].iloc[0]
            if len(readable) and readable["strength"].notna().any()
            else str(main["measure"].iloc[0])
        )
        table = []
        for measure, part in main.groupby("measure", sort=False):
            cells = {}
            for r in part.itertuples():
                if r.scope in ("all", "within", *GROUP_SCOPES):
                    cells[_scope_words(str(r.scope))] = {
                        "text": f"{_num(r.rho)} ({_num(r.ci_low)} to {_num(r.ci_high)})",
                        "n": int(r.n),
                        "q": words.q_words(float(r.q)),
                        "holds": _holds(r),
                    }
            table.append({"measure": MEASURE_WORDS.get(str(measure), str(measure)), "cells": cells})
        columns = [
            c
            for c in ("everyone", "same department & level", "across departments", "across teams")
            if any(c in t["cells"] for t in table)
        ]
        devs = found.deviants[found.deviants["outcome"] == outcome]
        forest = _forest(main[main["measure"] == best])
        blocks.append(
            {
                "outcome": outcome,
                "best": MEASURE_WORDS.get(best, best),
                "forest": forest if any(r["ok"] for r in forest["rows"]) else None,
                "readable": bool((main["n"] >= 10).any()),
                "columns": columns,
                "table": table,
                "deviants": [
                    {
                        "person": labels.get(r.person_id, r.person_id),
                        "department": str(dept.get(r.person_id, "(unknown)")),
                        "value": _num(r.value, ",.3g"),
                        "median": _num(r.peer_median, ",.3g"),
                        "z": _num(r.z, ".1f"),
                        "peers": int(r.peers),
                    }
                    for r in devs.head(10).itertuples()
                ],
                "n_deviants": len(devs),
            }
        )
    return {"outcomes": {"lines": found.lines, "blocks": blocks}}


def benchmark_context(run: Run) -> dict[str, Any]:
    """``benchmark``: the run's profile beside the profiles analyze compared it with, headline
    figures first, and the reading; None when the run has no such section."""
    body = run.findings().get("benchmark")
    if not body or not body.get("rows"):
        return {"benchmark": None}
    against = body.get("against", [])
    labels = [str(a.get("label")) + (" ✱" if a.get("synthetic") else "") for a in against]
    rows = []
    for r in body["rows"]:
        name = str(r["figure"])
        rows.append(
            {
                "figure": figure_words(name),
                "value": _figure(r.get("value")),
                "others": [_figure(v) for v in r.get("others", [])],
            }
        )
    return {
        "benchmark": {
            "labels": labels,
            "synthetic": any(a.get("synthetic") for a in against),
            "rows": rows,
            "lines": body.get("reading", []),
        }
    }
