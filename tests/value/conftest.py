"""Tiny workspaces for the value tests, written by hand so that every expected figure can be
worked out in the test that checks it.

The scenario (window 2024-01-08..2024-01-14; the previous week holds only bob -> dan):
Ann (Exec, level 1), Bob (Eng, level 2), Cat (Sales, level 2), Dan (Eng), Eve (Sales); Fay
left in 2023. Ties in the window (two acts or more): bob -> dan, dan -> bob, bob -> cat,
eve -> cat. Bob posts twice in the public channel eng-chat (Dan replies to the first and Cat
reacts); Cat asks a flagged question in sales that Eve answers after 2 hours; Dan asks in
ask-eng (a Q&A channel, no flag) and Cat answers after 30 hours; Eve's flagged question gets
no answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import groundswell as gs
from tests.conftest import HR_HEADER, HR_ROWS, write_csv

WINDOW = "2024-01-08:2024-01-14"
EVENT_HEADER = [
    "event_id", "actor", "targets", "timestamp", "kind", "channel", "channel_kind", "thread",
    "parent", "is_question", "text",
]  # fmt: skip


def dm(eid: str, a: str, b: str, ts: str) -> list[str]:
    return [eid, a, b, ts, "dm", "", "", "", "", "false", ""]


def post(eid: str, a: str, ts: str, channel: str, *, q: bool = False, text: str = "") -> list[str]:
    return [eid, a, "", ts, "post", channel, "public", eid, "", str(q).lower(), text]


def reply(eid: str, a: str, ts: str, channel: str, root: str, kind: str = "reply") -> list[str]:
    return [eid, a, "", ts, kind, channel, "public", root, root, "false", ""]


SCENARIO = [
    dm("x1", "E2", "E4", "2024-01-02T10:00:00"),
    dm("x2", "E2", "E4", "2024-01-03T10:00:00"),
    dm("d1", "E2", "E4", "2024-01-08T09:00:00"),
    dm("d2", "E2", "E4", "2024-01-09T09:00:00"),
    dm("d3", "E4", "E2", "2024-01-08T10:00:00"),
    dm("d4", "E4", "E2", "2024-01-09T10:00:00"),
    dm("d5", "E2", "E3", "2024-01-08T11:00:00"),
    dm("d6", "E2", "E3", "2024-01-09T11:00:00"),
    dm("d7", "E5", "E3", "2024-01-08T12:00:00"),
    dm("d8", "E5", "E3", "2024-01-09T12:00:00"),
    post("p1", "E2", "2024-01-09T13:00:00", "eng-chat"),
    reply("r1", "E4", "2024-01-09T14:00:00", "eng-chat", "p1"),
    reply("a1", "E3", "2024-01-09T15:00:00", "eng-chat", "p1", kind="reaction"),
    post("p2", "E2", "2024-01-10T09:00:00", "eng-chat"),
    post("p3", "E3", "2024-01-10T10:00:00", "sales", q=True),
    reply("r3", "E5", "2024-01-10T12:00:00", "sales", "p3"),
    post("q2", "E4", "2024-01-10T13:00:00", "ask-eng"),
    reply("r4", "E3", "2024-01-11T19:00:00", "ask-eng", "q2"),
    post("q3", "E5", "2024-01-11T09:00:00", "sales", q=True),
]


def set_setting(ws_folder: Path, old: str, new: str) -> None:
    """Edit one line of a workspace's groundswell.toml."""
    path = ws_folder / "groundswell.toml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def build(
    folder: Path,
    rows: list[list[str]],
    *,
    min_group_size: int = 5,
    hr_rows: list[list[str]] | None = None,
    **init: bool,
) -> gs.Workspace:
    """A workspace with the conftest org chart (or ``hr_rows``) and ``rows`` of events."""
    hr = write_csv(folder.parent / f"{folder.name}-hr.csv", HR_HEADER, hr_rows or HR_ROWS)
    ev = events(folder.parent / f"{folder.name}-events.csv", rows)
    gs.init(folder, **init).close()
    set_setting(folder, "min_group_size = 5", f"min_group_size = {min_group_size}")
    ws = gs.open(folder)
    ws.ingest_orgchart(hr)
    ws.ingest_events(ev)
    return ws


def events(path: Path, rows: list[list[str]]) -> Path:
    return write_csv(path, EVENT_HEADER, rows)


@pytest.fixture
def tiny(tmp_path: Path) -> gs.Workspace:
    # a minimum of 1, so that every figure worked out by hand is shown (with 2, the one-person
    # Exec department would take Eng, the smallest other, into suppression with it)
    ws = build(tmp_path / "tiny", SCENARIO, min_group_size=1)
    yield ws
    ws.close()


def pid(ws: gs.Workspace, employee: str) -> str:
    return ws.pseudonymiser.person(employee)
