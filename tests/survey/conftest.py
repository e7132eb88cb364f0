"""A small identified organisation for the survey tests, built once and copied per test.

25 people in the HR file: Eng 10, Sales 8, Legal 3, Ops 3, and one Sales leaver whose
leave_date is in the past (not in the roster), so 24 are invited. Everyone has a name
("Ada E01", ...) and an email (e01@x.com).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import groundswell as gs
from groundswell.web import auth
from tests.conftest import write_csv

PASSWORD = "correct horse battery"
DEPARTMENTS = ["Eng"] * 10 + ["Sales"] * 8 + ["Legal"] * 3 + ["Ops"] * 3
FIRST = ["Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lu"]
HR_HEADER = ["employee_id", "name", "email", "department", "hire_date", "leave_date"]


def hr_rows(departments: list[str]) -> list[list[str]]:
    rows = [
        [f"E{i:02d}", f"{FIRST[(i - 1) % len(FIRST)]} E{i:02d}", f"e{i:02d}@x.com", d,
         "2020-01-01", ""]
        for i, d in enumerate(departments, 1)
    ]  # fmt: skip
    n = len(departments) + 1
    rows.append([f"E{n:02d}", f"Gone E{n:02d}", f"e{n:02d}@x.com", "Sales", "2020-01-01",
                 "2021-01-01"])  # fmt: skip
    return rows


def build(folder: Path, departments: list[str], *, identified: bool = True) -> Path:
    """A workspace with the HR file of ``departments`` and an admin and a viewer account."""
    hr = write_csv(folder.parent / f"{folder.name}-hr.csv", HR_HEADER, hr_rows(departments))
    with gs.init(folder, identified=identified) as ws:
        ws.ingest_orgchart(hr)
        auth.add_user(ws, "admin", PASSWORD, "admin")
        auth.add_user(ws, "viewer", PASSWORD, "viewer")
    return folder


@dataclass
class Org:
    path: Path

    def open(self) -> gs.Workspace:
        return gs.open(self.path)


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("survey-template") / "ws", DEPARTMENTS)


@pytest.fixture
def org(_template: Path, tmp_path: Path) -> Org:
    """A fresh copy of the small organisation (same key: the same pseudonyms)."""
    dest = tmp_path / "ws"
    shutil.copytree(_template, dest)
    (dest / "secret.key").chmod(0o600)
    return Org(dest)


def person(ws: gs.Workspace, employee_id: str) -> str:
    return ws.pseudonymiser.person(employee_id)


def roster_no(ws: gs.Workspace, survey_id: int, employee_id: str) -> int:
    return int(
        ws.con.execute(
            "SELECT roster_no FROM survey_invitations WHERE survey_id = ? AND person_id = ?",
            [survey_id, person(ws, employee_id)],
        ).fetchall()[0][0]
    )


def token_of(url: str) -> str:
    return url.rsplit("/s/", 1)[1]
