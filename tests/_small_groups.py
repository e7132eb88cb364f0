"""A small workspace with groups of every size below the minimum (5), for the privacy tests.

31 people, everyone active in March 2024. Departments: Tiny1 (1), Tiny2 (2), Tiny3 (3),
Tiny4 (4), Alpha (8), Beta (7), Gamma (6): the four small ones merged hold 10. Teams: Solo
(the one Tiny1 person), A-edge (3 of Alpha), A-core (the other 5), Ops (Tiny2-4, 9), Beta (7),
Gamma (6): the small teams merged hold only 4, so the smallest shown team (A-core, 5) must be
suppressed with them. Locations: Rome (the Tiny1 person), Nice (A-edge), Paris and Oslo (the
rest, alternately): Rome and Nice merged hold 4 as well. Each person writes to two colleagues
of their department (as many as there are) and two outside it, eight times each; with seed 3
the department -> community flow has small cells that can be protected without withholding
the whole table (other seeds give tables only withholding protects).
"""

from __future__ import annotations

import random
from pathlib import Path

import groundswell as gs
from tests.conftest import write_csv

DEPARTMENTS = {"Tiny1": 1, "Tiny2": 2, "Tiny3": 3, "Tiny4": 4, "Alpha": 8, "Beta": 7, "Gamma": 6}
SMALL = {
    "department": {"Tiny1", "Tiny2", "Tiny3", "Tiny4"},
    "team": {"Solo", "A-edge"},
    "location": {"Rome", "Nice"},
}
#: suppressed only so that the small ones cannot be found by subtraction
COMPLEMENTARY = {"team": {"A-core"}}
HEADER = ["employee_id", "name", "email", "manager_id", "department", "team", "title"]
HEADER += ["location", "hire_date", "leave_date", "grade"]


def _team(dept: str, k: int) -> str:
    if dept == "Tiny1":
        return "Solo"
    if dept.startswith("Tiny"):
        return "Ops"
    if dept == "Alpha":
        return "A-core" if k < 5 else "A-edge"
    return dept


def _location(dept: str, team: str, i: int) -> str:
    if dept == "Tiny1":
        return "Rome"
    if team == "A-edge":
        return "Nice"
    return "Paris" if i % 2 else "Oslo"


EVENTS = ["event_id", "actor", "targets", "timestamp", "kind"]


def _events(people: list[tuple[str, str]], seed: int) -> list[list[str]]:
    """Each person writes to two colleagues of their department (as many as there are) and
    two outside it, on each of the first eight days of March 2024."""
    rng = random.Random(seed)
    events: list[list[str]] = []
    for a, dept in people:
        same = [p for p, d in people if d == dept and p != a]
        other = [p for p, d in people if d != dept]
        for b in rng.sample(same, min(2, len(same))) + rng.sample(other, min(2, len(other))):
            for day in range(1, 9):
                events.append([f"e{len(events)}", a, b, f"2024-03-{day:02d}T10:00:00", "dm"])
    return events


def build(folder: Path, seed: int = 3) -> Path:
    """Write the files, ingest them into a new identified workspace, analyse March 2024;
    return the workspace folder."""
    folder.mkdir(parents=True, exist_ok=True)
    rows, people = [], []
    for dept, n in DEPARTMENTS.items():
        for k in range(n):
            i = len(rows) + 1
            team = _team(dept, k)
            rows.append(
                [f"E{i}", f"Person {i}", f"p{i}@x.com", "", dept, team, "Staff",
                 _location(dept, team, i), "2020-01-01", "", "C"]
            )  # fmt: skip
            people.append((f"p{i}@x.com", dept))
    hr = write_csv(folder / "hr.csv", HEADER, rows)
    ev = write_csv(folder / "events.csv", EVENTS, _events(people, seed))
    with gs.init(folder / "ws", identified=True) as ws:
        ws.ingest_orgchart(hr)
        ws.ingest_events(ev)
        ws.analyze("2024-03-01:2024-03-31")
    return folder / "ws"


#: department names for random organisations: no name holds another, none is a word the
#: outputs use otherwise, so finding one in an output's text means it is shown
NAMES = ("Alfa", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel")
TEAMS = ("Otter", "Heron", "Lynx", "Marten", "Puffin", "Stoat", "Vole", "Wren")


def build_random(folder: Path, sizes: dict[str, int], seed: int = 0) -> Path:
    """An identified workspace whose departments have the given ``sizes`` (names from
    :data:`NAMES`), one team per department (:data:`TEAMS`, same size), two locations
    alternately; every person writes to two colleagues and two others, eight days of March
    2024; two thirds of everyone adopt one behaviour ("tool") in April;
    analysed over March. Returns the workspace folder."""
    folder.mkdir(parents=True, exist_ok=True)
    rows, people = [], []
    for d, (dept, n) in enumerate(sizes.items()):
        for _ in range(n):
            i = len(rows) + 1
            rows.append(
                [f"E{i}", f"Person {i}", f"p{i}@x.com", "", dept, TEAMS[d], "Staff",
                 "Paris" if i % 2 else "Oslo", "2024-03-10" if i % 3 == 0 else "2020-01-01",
                 "", "C"]
            )  # fmt: skip
            people.append((f"p{i}@x.com", dept))
    adoptions = [
        [a, "tool", f"2024-04-{1 + k % 20:02d}"] for k, (a, _) in enumerate(people) if k % 3
    ]
    files = {
        "hr.csv": write_csv(folder / "hr.csv", HEADER, rows),
        "events.csv": write_csv(folder / "events.csv", EVENTS, _events(people, seed)),
        "adoptions.csv": write_csv(
            folder / "adoptions.csv", ["person", "behaviour", "date"], adoptions
        ),
    }
    with gs.init(folder / "ws", identified=True) as ws:
        ws.ingest_orgchart(files["hr.csv"])
        ws.ingest_events(files["events.csv"])
        ws.ingest("adoptions", files["adoptions.csv"])
        ws.analyze("2024-03-01:2024-03-31")
    return folder / "ws"
