"""The findings of a run, computed once when the run is made and stored with it: value
maturity, Q&A, leaders, community health, onboarding, and the closed relationship surveys set
against the run's digital network (the latest as ``survey``, for the report; every one in
full as ``survey:<id>``, for the dashboard; a survey closed later is stored by its closing).

The report and the dashboard read them (:func:`load`); neither recomputes them. Each
section is the plain dict of :mod:`groundswell.value.finding_sections` (group figures already
suppressed below the minimum group size), stored as JSON in ``run_findings``; the maturity
table itself goes to ``maturity``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from groundswell.errors import GroundswellError
from groundswell.value import finding_sections as sections
from groundswell.value import maturity

if TYPE_CHECKING:
    from groundswell.run import Run
    from groundswell.store import Store

#: section -> function of the run; "value" is made from the stored maturity table
SECTIONS: dict[str, Callable[[Run], dict[str, Any]]] = {
    "qa": sections.qa_section,
    "leaders": sections.leaders_section,
    "communities": sections.communities_section,
    "onboarding": sections.onboarding_section,
}


def compute(run: Run) -> dict[str, Any]:
    """Every section of ``run``, and the maturity table stored; a section the data cannot
    support is recorded as ``{"problem": message}`` instead of failing the run."""
    out: dict[str, Any] = {}
    try:
        table = maturity.maturity(run.ws, run=run)
        maturity.store(run.ws, run.run_id, table)
        out["value"] = sections.value_section(run, table=table)
    except GroundswellError as exc:
        out["value"] = {"problem": str(exc)}
    for name, make in SECTIONS.items():
        try:
            out[name] = make(run)
        except GroundswellError as exc:
            out[name] = {"problem": str(exc)}
    from groundswell.survey.comparison import section as survey_section
    from groundswell.survey.comparison import stored_sections

    try:  # the latest closed relationship survey beside this run's digital network
        survey = survey_section(run)
    except GroundswellError as exc:
        survey = {"problem": str(exc)}
    if survey is not None:
        out["survey"] = survey
    out.update(stored_sections(run))  # every closed survey, for the dashboard
    return out


def store(run: Run, found: dict[str, Any]) -> None:
    """Store the sections of ``run`` (replacing earlier ones) in one transaction."""
    rows = [(run.run_id, k, json.dumps(v, default=_plain)) for k, v in found.items()]
    with run.ws.transaction() as con:
        con.execute("DELETE FROM run_findings WHERE run_id = ?", [run.run_id])
        con.executemany("INSERT INTO run_findings VALUES (?, ?, ?)", rows)


def load(ws: Store, run_id: int) -> dict[str, Any]:
    """The stored sections of a run (empty for a run made before they existed)."""
    rows = ws.con.execute(
        "SELECT section, body FROM run_findings WHERE run_id = ?", [run_id]
    ).fetchall()
    return {k: json.loads(v) for k, v in rows}


def _plain(o: object) -> object:
    """numpy scalars, timestamps and the like as JSON values."""
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)
