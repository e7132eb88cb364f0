"""The store's reads of stored champion plans (tables ``plans`` and ``plan_*``, written by
:meth:`groundswell.workspace.Workspace.champions`, read through
:meth:`~groundswell.workspace.Workspace.plan`).

A plan is immutable once stored, so its JSON is cached (per plan and per names setting).
Privacy: the planner stores department coverage with departments below the minimum group
size merged into one suppressed row (and that row dropped when it is still too small), and
lists as "untouched" only departments of at least the minimum size; :meth:`plan` checks the
first again before anything leaves. Champions appear by pseudonymous id, with their
display name only when the caller passes ``names=True`` in an identified workspace.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from groundswell.errors import WorkspaceError
from groundswell.privacy import SUPPRESSED
from groundswell.web.views.core import ViewsCore, clean


class PlanQueries(ViewsCore):
    """Stored champion plans (see :class:`ViewsCore`)."""

    def plans(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """Stored champion plans (of a run, or all), newest first."""
        sql = "SELECT plan_id, run_id, created_at, params, summary FROM plans"
        params: list[Any] = []
        if run_id is not None:
            sql += " WHERE run_id = ?"
            params.append(run_id)
        table = self.ws().query(sql + " ORDER BY plan_id DESC", params)
        out = []
        for r in table.itertuples(index=False):
            summary = json.loads(r.summary)
            strategies = summary.get("strategies", {})
            out.append(
                {
                    "plan_id": int(r.plan_id),
                    "run_id": int(r.run_id),
                    "created_at": r.created_at,
                    "params": json.loads(r.params),
                    "reach": {name: s.get("reach") for name, s in strategies.items()},
                    "people": summary.get("people"),
                }
            )
        return clean(out)

    def plan(self, plan_id: int, *, names: bool = False) -> dict[str, Any]:
        """One stored plan: parameters, the reach of the plan and of each baseline (mean and
        95% interval), the adoption curves, people reached per department, the champions of
        every strategy in pick order, and how many champions are enough (reach by k)."""
        named = bool(names and self.identified)
        return self._cached(("plan", plan_id, named), lambda: self._plan(plan_id, named))

    def _plan(self, plan_id: int, names: bool) -> dict[str, Any]:
        ws = self.ws()
        found = ws.query("SELECT count(*) AS n FROM plans WHERE plan_id = ?", [plan_id])
        if int(found["n"].iloc[0]) == 0:
            raise WorkspaceError(f"there is no champion plan {plan_id}")
        plan = ws.plan(plan_id)
        strategies = plan.strategies()  # in the planner's order, each with its reading
        order = list(strategies.index)
        curves = plan.curves()
        coverage = plan.coverage()
        coverage = coverage[coverage["size"] >= self.min_group_size]  # stored so; checked
        champions = {}
        for name in order:
            table = plan.champions(name)
            champions[name] = [
                {
                    "rank": int(r.rank),
                    "person_id": r.person_id,
                    "label": r.label if names else r.person_id,
                    "department": r.department,
                    "level": None if pd.isna(r.level) else int(r.level),
                    "gain": None if pd.isna(r.gain) else float(r.gain),
                    "reason": r.reason,
                }
                for r in table.itertuples(index=False)
            ]
        groups = []
        for group, rows in coverage.groupby("group_name", sort=False):
            groups.append(
                {
                    "group": str(group),
                    "suppressed": group == SUPPRESSED,
                    "size": int(rows["size"].iloc[0]),
                    "reached": dict(zip(rows["strategy"], rows["reached"], strict=True)),
                    "share": dict(zip(rows["strategy"], rows["share"], strict=True)),
                }
            )
        groups.sort(key=lambda g: (g["suppressed"], -g["size"], g["group"]))
        s = plan.summary
        table = [
            {"strategy": name, "what": strategies.loc[name, "what"]}
            | {k: strategies.loc[name, k] for k in ("reach", "low", "high", "share", "untouched")}
            for name in order
        ]
        return clean(
            {
                "plan_id": plan.plan_id,
                "run_id": plan.run_id,
                "created_at": plan.created_at,
                "params": plan.params,
                "people": s.get("people"),
                "ties": s.get("ties"),
                "select_seconds": s.get("select_seconds"),
                "rr_sets": s.get("rr_sets"),
                "estimated_reach": s.get("estimated_reach"),
                "reach_lower_bound": s.get("reach_lower_bound"),
                "approximation": s.get("approximation"),
                "strategies": table,
                "curves": {
                    name: {
                        col: c[col].round(3).tolist() for col in ("step", "adopted", "low", "high")
                    }
                    for name in order
                    for c in [curves[curves["strategy"] == name].sort_values("step")]
                },
                "coverage": {"attribute": "department", "groups": groups},
                "champions": champions,
                "reach_by_k": plan.reach_by_k().to_dict(orient="records"),
                "min_group_size": self.min_group_size,
            }
        )
