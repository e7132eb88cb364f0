"""The value findings of a run (maturity, Q&A, leaders, community health, onboarding), the
monthly trends of the stored snapshots, and the survey network beside the digital one.

Everything here is read, not computed: the findings are those the run stored
(:meth:`groundswell.run.Run.findings`, already suppressed below the minimum group size),
the trends are the stored snapshots (:meth:`groundswell.Workspace.trends` and
:meth:`~groundswell.Workspace.changes`, read-only), the survey beside the digital network
is the comparison analyze (or closing the survey) stored with the run
(:func:`groundswell.survey.comparison.stored_body`), and a survey layer's ties for the ego
networks of the person page are those analyze (or closing the survey) stored with the run
(:func:`groundswell.survey.comparison.layer_ties_body`), read once per run and layer and
cached.

Person-level rows (people by id: the top people of the maturity table, leaders, Q&A
sessions' leaders, who changed persona, who is influential in one network and invisible
in the other) leave the store only when the caller passes ``people=True``; display names
only with ``names=True`` in an identified workspace.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pandas as pd

from groundswell.errors import AnalysisError, OutdatedRunError, WorkspaceError
from groundswell.run import Run
from groundswell.web.views.core import ViewsCore, clean

#: the dashboard's name of each stored findings section
SECTIONS = {
    "value": "value",
    "qa": "qa",
    "leaders": "leaders",
    "community-health": "communities",
    "onboarding": "onboarding",
}
#: maturity stages, lowest first (as in :mod:`groundswell.value.maturity`)
STAGES = ("connect", "share", "solve", "innovate", "lead_change")
#: trend measures drawn on the Trends page: key -> (reading, kind of number)
TREND_MEASURES = {
    "people": ("people in the network", "count"),
    "ties": ("ties", "count"),
    "reciprocity": ("reciprocated ties", "share"),
    "cross_department_share": ("ties across departments", "share"),
    "response_rate": ("questions answered", "share"),
    "modularity": ("modularity", "number"),
}
PERIOD = "month"


class ValueQueries(ViewsCore):
    """Reads of the value findings, trends and survey comparison (see the module)."""

    # -- stored findings -----------------------------------------------------------------
    def _findings(self, run: Run) -> dict[str, Any]:
        return self._cached(("findings", run.run_id), run.findings)

    def _section(self, run_id: int | None, name: str) -> tuple[Run, dict[str, Any] | None]:
        """The run and a deep copy of its stored section (None when the run has none, or a
        dict with ``problem`` when the data could not support it)."""
        run = self.run(run_id)
        section = self._findings(run).get(SECTIONS[name])
        return run, copy.deepcopy(section)

    def _head(self, run: Run, section: dict[str, Any] | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "run_id": run.run_id,
            "run_window": str(run.window),
            "min_group_size": self.min_group_size,
            "problem": None,
        }
        if section is None:
            out["problem"] = (
                f"run {run.run_id} stored no value findings (made before they existed); "
                "run the analysis again"
            )
        elif "problem" in section:
            out["problem"] = section["problem"]
        return out

    def value(
        self, run_id: int | None, *, people: bool = False, names: bool = False
    ) -> dict[str, Any]:
        """Value maturity at three scales: the network's stage and five scores, one row per
        department, team and community (suppressed ones merged), how many people reached
        each stage, where the lines come from (``basis``) and how the people's scores spread
        on each stage (``distribution``), and (``people``) the top people by id (``label``
        the display name with ``names`` in an identified workspace, as :meth:`leaders`)."""
        run, v = self._section(run_id, "value")
        out = self._head(run, v)
        if out["problem"]:
            return clean(out)
        assert v is not None
        out.update(
            window=v["window"],
            thresholds=v["thresholds"],
            network=v["network"],
            stages=list(STAGES),
            groups=v["groups"],
            people_by_stage=v["people_by_stage"],
            people=v.get("people"),
            basis=v.get("basis"),
            distribution=v.get("distribution"),
            # stages none of whose indicators had data: said so, not drawn as everyone at 0
            unmeasured=v.get("unmeasured", []),  # runs stored before: every stage measured
            top_people=v["top_people"] if people else None,
            community_names=self._community_names(run),
        )
        if people:
            self._add_names(run, out["top_people"], names=names)
        return clean(out)

    def qa(self, run_id: int | None, *, people: bool = False) -> dict[str, Any]:
        """Q&A health: summary, channels, department boundaries, and leaders' sessions (the
        leader's id only with ``people``; otherwise only how many sessions there were)."""
        run, q = self._section(run_id, "qa")
        out = self._head(run, q)
        if out["problem"]:
            return clean(out)
        assert q is not None
        sessions = q["sessions"]
        out.update(
            window=q["window"],
            summary=q["summary"],
            channels=q["channels"],
            boundaries=q["boundaries"],
            session_count=len(sessions),
            sessions=sessions if people else None,
        )
        return clean(out)

    def leaders(
        self, run_id: int | None, *, people: bool = False, names: bool = False
    ) -> dict[str, Any]:
        """Connected leadership: the organisation's medians, how many leaders and their
        verdicts; with ``people`` one row per leader (by id; ``label`` the display name
        with ``names`` in an identified workspace), widest two-step reach first."""
        run, ld = self._section(run_id, "leaders")
        out = self._head(run, ld)
        if out["problem"]:
            return clean(out)
        assert ld is not None
        rows = [r for r in ld["leaders"] if r.get("person_id") != "organisation"]
        org = next((r for r in ld["leaders"] if r.get("person_id") == "organisation"), None)
        verdicts: dict[str, int] = {}
        for r in rows:
            verdicts[r.get("verdict") or ""] = verdicts.get(r.get("verdict") or "", 0) + 1
        rows.sort(key=lambda r: -(r.get("two_step_reach") or 0))
        out.update(
            window=ld["window"],
            count=len(rows),
            organisation=org,
            verdicts=verdicts,
            leaders=rows if people else None,
        )
        if people:
            self._add_names(run, rows, names=names)
        return clean(out)

    def community_health(self, run_id: int | None) -> dict[str, Any]:
        """Community health: every community and channel with kind, size, activity,
        responsiveness, insularity, renewal, trend and the stagnating flag (aggregates;
        private channels appear by pseudonym, small units merged as ``(suppressed)``)."""
        run, c = self._section(run_id, "community-health")
        out = self._head(run, c)
        if out["problem"]:
            return clean(out)
        assert c is not None
        out.update(
            window=c["window"],
            summary=c["summary"],
            units=c["units"],
            community_names=self._community_names(run),
        )
        return clean(out)

    def onboarding(self, run_id: int | None) -> dict[str, Any]:
        """Onboarding: newcomers by department, days to ``k`` ties, ties after 30/60/90 days
        (departments below the minimum merged as ``(suppressed)``)."""
        run, o = self._section(run_id, "onboarding")
        out = self._head(run, o)
        if out["problem"]:
            return clean(out)
        assert o is not None
        out.update(k=o["k"], departments=o["departments"])
        return clean(out)

    def _add_names(self, run: Run, rows: list[dict[str, Any]], *, names: bool) -> None:
        """Give each row a ``label``: the display name when allowed, else the id."""
        shown: dict[str, str] = {}
        if names and self.identified:
            col = self._people(run)["display_name"]
            shown = {k: v for k, v in col.items() if isinstance(v, str) and v}
        for r in rows:
            r["label"] = shown.get(r["person_id"], r["person_id"])

    # -- trends --------------------------------------------------------------------------
    def trends(self, run_id: int | None, *, people: bool = False) -> dict[str, Any]:
        """The stored monthly snapshots as series (``periods``, one list per measure), and
        who changed persona or roles between the last two months: counts by change, and
        (``people``) the people by id. ``problem`` says why there is nothing to draw."""
        run = self.run(run_id)
        # snapshots change only through this process's writes: kept per latest run
        data = self._cached(("trends", self.latest_run_id()), self._read_trends)
        out: dict[str, Any] = {
            "run_id": run.run_id,
            "run_window": str(run.window),
            "period": PERIOD,
            "measures": {k: {"reading": r, "kind": kd} for k, (r, kd) in TREND_MEASURES.items()},
            **copy.deepcopy({k: v for k, v in data.items() if k != "changed_people"}),
        }
        out["changed_people"] = None
        if people:
            # a person page answers for people of the run shown: the others are not linked
            present = set(self._people(run).index)
            out["changed_people"] = [
                {**p, "in_run": p["person_id"] in present}
                for p in copy.deepcopy(data["changed_people"])
            ]
        return clean(out)

    def _read_trends(self) -> dict[str, Any]:
        ws = self.ws()
        out: dict[str, Any] = {
            "problem": None,
            "periods": [],
            "series": {},
            "changes_between": None,
            "changed": 0,
            "persona_changes": {},
            "roles_gained": {},
            "roles_lost": {},
            "changed_people": [],
        }
        try:
            s = ws.trends(PERIOD)
        except AnalysisError as exc:
            out["problem"] = str(exc)
            return out
        out["periods"] = [f"{t:%Y-%m-%d}" for t in s.index]
        out["series"] = {c: [None if pd.isna(v) else float(v) for v in s[c]] for c in s.columns}
        if len(s) < 2:
            return out
        moved = ws.changes(PERIOD)
        out["changes_between"] = [moved.attrs["before"], moved.attrs["after"]]
        out["changed"] = len(moved)
        pairs = moved[moved["persona_before"].fillna("") != moved["persona_after"].fillna("")]
        counts = pairs.fillna("(absent)").groupby(["persona_before", "persona_after"]).size()
        out["persona_changes"] = {f"{a} -> {b}": int(n) for (a, b), n in counts.items()}
        for col in ("roles_gained", "roles_lost"):
            roles = moved[col].str.split(",").explode()
            out[col] = {str(k): int(v) for k, v in roles[roles != ""].value_counts().items()}
        out["changed_people"] = (
            moved.reset_index().astype(object).where(moved.reset_index().notna(), None)
        ).to_dict(orient="records")
        return out

    # -- the survey beside the digital network ------------------------------------------
    def surveys_closed(self) -> list[dict[str, Any]]:
        """Closed surveys, newest first: id, name, closed_at, invited, submitted."""
        from groundswell.survey import model

        table = model.list_surveys(self.ws())
        table = table[table["status"] == "closed"].sort_values("survey_id", ascending=False)
        cols = ["survey_id", "name", "closed_at", "invited", "submitted"]
        return clean(table[cols].to_dict(orient="records"))

    def survey_beside(
        self,
        run_id: int | None,
        survey_id: int | None = None,
        *,
        people: bool = False,
        names: bool = False,
    ) -> dict[str, Any]:
        """The latest closed survey (or ``survey_id``) beside the run's digital network: the
        response rate (suppressed below the minimum), the Jaccard overlap of each question's
        ties with the digital ties over the run's window, and (``people``) the people
        influential in one and invisible in the other."""
        from groundswell.survey import model
        from groundswell.survey.comparison import stored_key

        run = self.run(run_id)
        closed = self.surveys_closed()
        out: dict[str, Any] = {
            "run_id": run.run_id,
            "run_window": str(run.window),
            "surveys": closed,
            "survey": None,
            "problem": None,
        }
        if survey_id is None:
            if not closed:
                out["problem"] = "no closed survey yet (groundswell survey close)"
                return clean(out)
            survey_id = int(closed[0]["survey_id"])
        ws = self.ws()
        s = model.get(ws, survey_id)  # WorkspaceError-like SurveyError when unknown
        out["survey"] = {"survey_id": s.survey_id, "name": s.name, "status": s.status}
        out["response_rate"] = model.response_rate(ws, s)
        out["layers"] = list(s.layers)
        if s.status != "closed":
            out["problem"] = f"survey {s.name!r} is {s.status}: it is compared once closed"
            return clean(out)

        def read() -> dict[str, Any]:
            body = run.findings().get(stored_key(s.survey_id))
            if body is None:  # not cached: closing the survey may store it in a moment
                raise OutdatedRunError(
                    f"run {run.run_id} has no comparison with survey {s.name!r} (the run is "
                    "older than the survey's closing); re-run analyze to compare them"
                )
            return body

        try:
            result = self._cached(("survey", run.run_id, s.survey_id), read)
        except OutdatedRunError as exc:
            out["problem"] = str(exc)
            return clean(out)
        if "problem" in result:
            out["problem"] = result["problem"]
            return clean(out)
        out["window"] = result["window"]
        out["overlap"] = copy.deepcopy(result["overlap"])
        hidden = result["hidden"]
        out["hidden_count"] = len(hidden)
        if people:
            rows = copy.deepcopy(hidden)
            for r in rows:
                shown = r.pop("display_name", None)
                r["label"] = shown if names and self.identified and shown else r["person_id"]
            out["hidden"] = rows
        else:
            out["hidden"] = None
        return clean(out)

    def survey_layer_ego(
        self, run_id: int | None, person_id: str, layer: str, *, names: bool = False
    ) -> dict[str, Any]:
        """A person's ties in a survey layer (``survey:<slug>``): whom they named and who
        named them, strongest first, read from the survey layer's ties stored with the run
        (``problem`` says when the run has none: made before they were stored)."""
        if not layer.startswith("survey:"):
            raise WorkspaceError(f"not a survey layer: {layer!r} (expected survey:QUESTION)")
        run = self.run(run_id)
        ties, problem = self._survey_ties(run, layer)
        out_t = ties[ties["actor_id"] == person_id]
        in_t = ties[ties["target_id"] == person_id]
        strength = pd.concat(
            [
                out_t.set_index("target_id")["weight"],
                in_t.set_index("actor_id")["weight"],
            ]
        )
        strength = strength.groupby(level=0).sum().sort_values(ascending=False, kind="stable")
        strength = strength[strength.index != person_id]
        shown: dict[str, str] = {}
        if names and self.identified:
            col = self._people(run)["display_name"]
            shown = {k: v for k, v in col.items() if isinstance(v, str) and v}
        dept = self._labels(run, "department")
        nodes = [
            {
                "id": p,
                "label": shown.get(p, p),
                "department": dept.get(p),
                "in_network": p in dept.index,
                "strength": float(w),
                "named": bool((out_t["target_id"] == p).any()),
                "named_by": bool((in_t["actor_id"] == p).any()),
            }
            for p, w in strength.items()
        ]
        return clean(
            {
                "run_id": run.run_id,
                "layer": layer,
                "centre": person_id,
                "out_ties": len(out_t),
                "in_ties": len(in_t),
                "nodes": nodes,
                "problem": problem,
            }
        )

    def survey_layers(self) -> list[str]:
        """The survey layers with ties stored (``survey:<slug>``), sorted (not cached: a
        survey closed from the dashboard adds one)."""
        from groundswell.survey.comparison import survey_layers

        return survey_layers(self.ws())

    def _survey_ties(self, run: Run, layer: str) -> tuple[pd.DataFrame, str | None]:
        """The stored ties of ``layer`` over ``run``'s window (actor_id, target_id, weight),
        and why there are none when the run stored none."""
        from groundswell.survey.comparison import ties_key

        def read() -> tuple[pd.DataFrame, str | None]:
            rows = (
                self.ws()
                .con.execute(
                    "SELECT body FROM run_findings WHERE run_id = ? AND section = ?",
                    [run.run_id, ties_key(layer)],
                )
                .fetchall()
            )
            empty = pd.DataFrame({"actor_id": [], "target_id": [], "weight": []})
            if not rows:
                return empty.astype({"weight": np.float64}), (
                    f"run {run.run_id} stored no ties of {layer} (the run is older than the "
                    "survey's closing, or than stored survey ties); re-run analyze"
                )
            body = json.loads(rows[0][0])
            t = pd.DataFrame(body["ties"], columns=["actor_id", "target_id", "weight"])
            return (t if len(t) else empty).astype({"weight": np.float64}), None

        # closing a survey stores its layers' ties again: the key counts the closed surveys
        closed = len(self.surveys_closed())
        return self._cached(("survey ties", run.run_id, layer, closed), read)
