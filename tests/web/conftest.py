"""One small synthetic workspace for the dashboard tests, built once per session.

200 people from :mod:`groundswell.synth` (seed 3), identified mode (so the tests can check
who sees names), two runs of the analysis over different windows (so periods can be
compared), one stored champion plan on the latest run (k = 5, 200 cascades, seed 1), the
monthly snapshots (for the Trends page), one initiative's traction (the channels cop-*, for
the Initiatives page), and one account per role (the group lead's:
the Engineering department). The synthetic
organisation has a one-person "Executive" department and one-person leadership teams:
groups below the minimum size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import groundswell as gs
from groundswell import synth
from groundswell.value import timeline
from groundswell.web import auth
from tests.web import _hostile

PASSWORD = "correct horse battery"
ROLES = ("admin", "analyst", "viewer", "person", "group_lead")
#: the group of the group_lead account (issue 18)
LEAD_GROUP = "department:Engineering"


@dataclass
class WebWorkspace:
    path: Path
    runs: tuple[int, int]  # (earlier, latest)
    person_id: str  # the people record of the 'person' account
    other_id: str  # someone else, with ties
    small_team: str  # a team below the minimum group size
    small_department: str
    plan_id: int  # a stored champion plan on the latest run


@pytest.fixture(scope="session")
def web_ws(tmp_path_factory: pytest.TempPathFactory) -> WebWorkspace:
    folder = tmp_path_factory.mktemp("web")
    org = synth.generate(200, seed=3)
    files = org.write(folder / "data")
    with gs.init(folder / "ws", identified=True) as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        first = ws.analyze("2024-02-05:2024-03-04")
        latest = ws.analyze()
        people = latest.people()
        # the smallest groups as the org chart has them (people() shows them suppressed)
        raw = ws.query("SELECT person_id, department, team FROM people").set_index("person_id")
        teams = raw["team"].reindex(people.index).value_counts()
        departments = raw["department"].reindex(people.index).value_counts()
        ids = people.index  # sorted by PageRank, most central first
        person_id, other_id = str(ids[10]), str(ids[0])
        plan = ws.champions(k=5, runs=200, seed=1)
        ws.traction("communities of practice", channels=["cop-*"])  # the Initiatives page
        timeline.snapshots(ws, "month")  # the Trends page reads the stored snapshots
        for role in ROLES:
            auth.add_user(
                ws, role, PASSWORD, role, person_id if role == "person" else None,
                LEAD_GROUP if role == "group_lead" else None,
            )  # fmt: skip
    return WebWorkspace(
        path=folder / "ws",
        runs=(first.run_id, latest.run_id),
        person_id=person_id,
        other_id=other_id,
        small_team=str(teams.index[-1]),
        small_department=str(departments.index[-1]),
        plan_id=plan.plan_id,
    )


@pytest.fixture(scope="session")
def hostile_ws(tmp_path_factory: pytest.TempPathFactory) -> _hostile.HostileWorkspace:
    """A workspace whose every text field is an attack (tests/web/_hostile.py)."""
    return _hostile.build(tmp_path_factory.mktemp("hostile"))
