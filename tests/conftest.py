"""Shared fixtures: small workspaces and files written by hand, so every expected value is
visible in the test that uses it."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import groundswell as gs

# the team's shared datasets: ../shared/data beside the repository, or where
# GROUNDSWELL_SHARED_DATA says (a git worktree elsewhere, a CI cache)
SHARED_DATA = Path(
    os.environ.get("GROUNDSWELL_SHARED_DATA")
    or Path(__file__).resolve().parents[2] / "shared" / "data"
)
TEST_DATA = Path(__file__).resolve().parent / "data"

HR_HEADER = [
    "employee_id",
    "name",
    "email",
    "manager_id",
    "department",
    "team",
    "title",
    "location",
    "hire_date",
    "leave_date",
    "grade",
]
HR_ROWS = [
    ["E1", "Ann Archer", "ann@x.com", "", "Exec", "Board", "CEO", "London", "2020-01-01", "", "A"],
    ["E2", "Bob Baker", "bob@x.com", "E1", "Eng", "Core", "VP", "London", "2020-01-01", "", "B"],
    ["E3", "Cat Cole", "cat@x.com", "E1", "Sales", "North", "VP", "Paris", "2020-01-01", "", "B"],
    ["E4", "Dan Dale", "dan@x.com", "E2", "Eng", "Core", "Dev", "London", "2021-01-01", "", "C"],
    ["E5", "Eve East", "eve@x.com", "E3", "Sales", "North", "Rep", "Paris", "2021-01-01", "", "C"],
    [
        "E6",
        "Fay Fox",
        "fay@x.com",
        "E3",
        "Sales",
        "North",
        "Rep",
        "Paris",
        "2021-01-01",
        "2023-06-30",
        "C",
    ],
]


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def ws(tmp_path: Path) -> gs.Workspace:
    w = gs.init(tmp_path / "acme")
    yield w
    w.close()


@pytest.fixture
def hr_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "hris.csv", HR_HEADER, HR_ROWS)


@pytest.fixture
def events_file(tmp_path: Path) -> Callable[..., Path]:
    """Write an events CSV from (actor, targets, timestamp, kind[, extra columns]) rows."""

    def make(
        rows: list[list[object]], header: list[str] | None = None, name: str = "events.csv"
    ) -> Path:
        return write_csv(tmp_path / name, header or ["actor", "targets", "timestamp", "kind"], rows)

    return make


def ingests_or_fails_cleanly(ws: gs.Workspace, ingest: Callable[[], object]) -> None:
    """What every reader promises on bad input: the ingest succeeds, or it raises InputError
    and leaves the workspace exactly as it was (any other exception fails the test)."""
    from groundswell.errors import InputError

    before = snapshot(ws)
    try:
        ingest()
    except InputError:
        assert snapshot(ws) == before


def snapshot(ws: gs.Workspace) -> dict[str, object]:
    """Everything an ingest could change, to compare before and after a failure."""
    out: dict[str, object] = {}
    for table in (
        "people",
        "aliases",
        "channels",
        "messages",
        "interactions",
        "sources",
        "person_metrics",
        "group_metrics",
        "adoptions",
        "outcomes",
    ):
        out[table] = ws.query(f"SELECT * FROM {table} ORDER BY ALL").to_dict(orient="list")
    return out
