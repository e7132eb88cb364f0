"""The findings of a run, computed once when the run is made and stored with it: value
maturity, Q&A, leaders, community health, onboarding, and the closed relationship surveys set
against the run's digital network (the latest as ``survey``, for the report; every one in
full as ``survey:<id>``, for the dashboard; a survey closed later is stored by its closing),
with the ties of every survey layer over the run's window (``ties:survey:<slug>``, for the
person page's ego networks).

The report and the dashboard read them (:func:`load`); neither recomputes them. Each
section is the plain dict of :mod:`groundswell.value.finding_sections` (group figures already
suppressed below the minimum group size), stored as JSON in ``run_findings``; the maturity
table itself goes to ``maturity``. This module wires the measures (:mod:`.compute`) to the
sections and the stored rows (:mod:`.queries`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.errors import GroundswellError
from groundswell.value import compute as calc
from groundswell.value import finding_sections as sections
from groundswell.value import queries, timeline

if TYPE_CHECKING:
    from groundswell.run import Run
    from groundswell.store import Store


def value(run: Run, *, top: int = 10, table: pd.DataFrame | None = None) -> dict[str, Any]:
    """The value-maturity section of ``run`` (``table``: its maturity table when already
    computed)."""
    table = calc.maturity(run.ws, run=run) if table is None else table
    return sections.value_section(table, top=top)


def qa(run: Run) -> dict[str, Any]:
    """The Q&A section of ``run``."""
    return sections.qa_section(calc.qa(run.ws, run=run))


def leaders(run: Run, leaders_file: str | None = None) -> dict[str, Any]:
    """The connected-leadership section of ``run``: leaders from ``leaders_file``, else
    everyone at or above ``value.leader_level``."""
    return sections.leaders_section(calc.leaders(run.ws, leaders_file, run=run))


def communities(run: Run) -> dict[str, Any]:
    """The community-health section of ``run``."""
    return sections.communities_section(calc.health(run.ws, run=run))


def trends(run: Run, period: str = "month") -> dict[str, Any]:
    """The trends section: the stored snapshots brought up to date and read back."""
    ws = run.ws
    timeline.snapshots(ws, period)
    s = timeline.series(ws, period)
    moved = timeline.changes(ws, period) if len(s) >= 2 else pd.DataFrame()
    return sections.trends_section(period, s, moved)


def onboarding(run: Run) -> dict[str, Any]:
    """The onboarding section: newcomers by department."""
    return sections.onboarding_section(calc.onboarding(run.ws), run.ws.settings.min_group_size)


def compare(run: Run, at: str, days: int | None = None) -> dict[str, Any]:
    """Before and after a date, side by side (:func:`groundswell.value.compute.compare_dates`)."""
    return sections.compare_section(calc.compare_dates(run.ws, at, days=days))


#: section -> function of the run; "value" is made from the stored maturity table
SECTIONS: dict[str, Callable[[Run], dict[str, Any]]] = {
    "qa": qa,
    "leaders": leaders,
    "communities": communities,
    "onboarding": onboarding,
}


def compute(run: Run) -> dict[str, Any]:
    """Every section of ``run``, and the maturity table stored; a section the data cannot
    support is recorded as ``{"problem": message}`` instead of failing the run."""
    with queries.shared(run.ws):  # each window's ties, members, questions read once
        return _compute(run)


def _compute(run: Run) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        table = calc.maturity(run.ws, run=run)
        calc.store_maturity(run.ws, run.run_id, table)
        read = calc.store_personal(run, table)
        out["value"] = value(run, table=table)
        out["groups"] = calc.group_figures(run, table, read)  # a group lead's view (/mygroup)
    except GroundswellError as exc:
        out["value"] = {"problem": str(exc)}
    for name, make in SECTIONS.items():
        try:
            out[name] = make(run)
        except GroundswellError as exc:
            out[name] = {"problem": str(exc)}
    from groundswell.survey.comparison import section as survey_section
    from groundswell.survey.comparison import stored_layer_ties, stored_sections

    try:  # the latest closed relationship survey beside this run's digital network
        survey = survey_section(run)
    except GroundswellError as exc:
        survey = {"problem": str(exc)}
    if survey is not None:
        out["survey"] = survey
    out.update(stored_sections(run))  # every closed survey, for the dashboard
    out.update(stored_layer_ties(run))  # each survey layer's ties: the person page's ego
    return out


def store(run: Run, found: dict[str, Any]) -> None:
    """Store the sections of ``run`` (replacing earlier ones) in one transaction."""
    rows = [(run.run_id, k, json.dumps(v, default=_plain)) for k, v in found.items()]
    queries.store_findings(run.ws, run.run_id, rows)


def load(ws: Store, run_id: int) -> dict[str, Any]:
    """The stored sections of a run (empty for a run made before they existed)."""
    return queries.load_findings(ws, run_id)


def _plain(o: object) -> object:
    """numpy scalars, timestamps and the like as JSON values."""
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)
