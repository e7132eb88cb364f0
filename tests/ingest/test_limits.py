"""Input limits (groundswell.ingest.limits): a recipients cell is split without copying it,
recipients per act are capped with a warning and counted honestly, and an over-long field is
refused with its line. Expected values are counted by hand from the files written here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app
from groundswell.errors import ConfigError, InputError
from groundswell.ingest import calendar, email
from tests.conftest import write_csv

HEADER = ["actor", "targets", "timestamp", "kind"]


def _normal_rows(n: int, day: int) -> list[list[object]]:
    return [
        [
            f"u{i}@example.com",
            f"u{i + 1}@example.com",
            f"2024-01-{day:02d}T{i % 24:02d}:00:00Z",
            "dm",
        ]
        for i in range(n)
    ]


def _set(folder: Path, old: str, new: str) -> None:
    """Change one line of a workspace's groundswell.toml."""
    toml = folder / "groundswell.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new))


# One row addressed to 45,000 people (855 KB, under the 1 MiB field limit) among 100 normal
# rows. Before the split without copying, each of the 45,000 exploded rows carried the whole
# cell: 45,000 x 855 KB = 38 GB (the issue measured 23 GB before the process was killed).
MEMORY_SCRIPT = """
import resource, sys
from pathlib import Path
limit = int(sys.argv[4])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import groundswell as gs
from groundswell.ingest import calendar, engage, events
with gs.init(Path(sys.argv[1])) as ws:
    reader = {"events": events, "engage": engage, "calendar": calendar}[sys.argv[3]]
    s = reader.ingest(ws, Path(sys.argv[2]))
    n = ws.query("SELECT max(n_recipients) AS n FROM messages")["n"].iloc[0]
    print(s.messages, s.interactions, n)
    print(s.warnings[0])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""
LIMIT = 2 << 30  # address space, which DuckDB and numba reserve generously: a two-row ingest
# uses 1.3 GB of it under this limit, the old events code 1.3 GB of RSS on the file below
# before it failed under a 3 GB limit


def _ingest_within_2_gb(tmp_path: Path, reader: str, path: Path) -> tuple[list[str], str]:
    """Ingest ``path`` in a subprocess whose address space is limited to 2 GiB; returns
    the messages, interactions and largest n_recipients, and the first warning."""
    run = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(tmp_path / "w"), str(path), reader, str(LIMIT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    counts, warning, peak = run.stdout.strip().splitlines()
    assert int(peak) < LIMIT
    return counts.split(), warning


def test_a_45000_recipient_cell_is_ingested_within_2_gb(tmp_path) -> None:
    recipients = ";".join(f"u{i:05d}@example.com" for i in range(45_000))
    assert 800_000 < len(recipients) < 1 << 20
    rows = _normal_rows(50, 1)
    rows.append(["ceo@example.com", recipients, "2024-01-02T09:00:00Z", "email"])  # line 52
    rows += _normal_rows(50, 3)
    f = write_csv(tmp_path / "allhands.csv", HEADER, rows)
    counts, warning = _ingest_within_2_gb(tmp_path, "events", f)
    # 101 messages; 100 dm interactions + the first 5,000 (max_recipients) of the broadcast;
    # the message keeps its true count of recipients
    assert counts == ["101", "5100", "45000"]
    assert "line 52" in warning and "40,000 recipients were dropped" in warning


def test_an_engage_message_mentioning_45000_people_is_ingested_within_2_gb(tmp_path) -> None:
    # Before, each mention row carried a copy of the 675 KB body: a 10 GB allocation.
    body = "hello " + " ".join(f"[[user:{10_000 + i}]]" for i in range(45_000))
    export = tmp_path / "export"
    export.mkdir()
    write_csv(
        export / "Messages.csv",
        ["id", "thread_id", "group_id", "sender_id", "sender_type", "body", "created_at"],
        [
            [k, k, "1", sender, "user", text, f"2019-06-12 09:0{k}:00 UTC"]
            for k, sender, text in [
                ("1", "1001", "hi [[user:1002]]"),
                ("2", "1002", body),
                ("3", "1003", "thanks [[user:1001]]"),
            ]
        ],
    )
    counts, warning = _ingest_within_2_gb(tmp_path, "engage", export)
    assert counts == ["3", "45002", "45000"]  # 1 + 45,000 + 1 mentions
    assert warning.startswith("no Users.csv")


def test_a_weekly_meeting_with_45000_attendees_is_ingested_within_2_gb(tmp_path) -> None:
    # Before, attendees were compared pairwise (minutes of CPU) and every instance's
    # addresses pseudonymised one by one: 52 x 45,000 = 2.3 million, a MemoryError here.
    ics = tmp_path / "allhands.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:all-hands\n"
        "DTSTART:20240102T100000Z\nRRULE:FREQ=WEEKLY;COUNT=52\nORGANIZER:mailto:ceo@x.com\n"
        + "".join(f"ATTENDEE:mailto:u{i:05d}@x.com\n" for i in range(45_000))
        + "END:VEVENT\nEND:VCALENDAR\n"
    )
    counts, warning = _ingest_within_2_gb(tmp_path, "calendar", ics)
    assert counts == ["52", str(52 * 5_000), "45000"]  # the first 5,000 of each instance
    assert "UID 'all-hands'" in warning and "40,000 recipients were dropped" in warning


def test_recipients_over_the_cap_are_dropped_with_a_warning_and_counted_honestly(
    tmp_path,
) -> None:
    folder = tmp_path / "w"
    gs.init(folder).close()
    _set(folder, "broadcast_threshold = 25", "broadcast_threshold = 3")
    _set(folder, "max_recipients = 5000", "max_recipients = 4")
    targets = "b@x.com; c@x.com;B@X.com ;d@x.com;e@x.com;;f@x.com;c@x.com"  # 5 distinct
    f = write_csv(
        tmp_path / "ev.csv",
        HEADER,
        [
            ["a@x.com", "b@x.com;c@x.com", "2024-03-04T09:00:00Z", "email"],
            ["a@x.com", targets, "2024-03-04T10:00:00Z", "email"],  # line 3
            ["b@x.com", "a@x.com;c@x.com;d@x.com;e@x.com", "2024-03-04T11:00:00Z", "email"],
        ],
    )
    with gs.open(folder) as ws:
        s = ws.ingest_events(f)
        p = ws.pseudonymiser.person
        inter = ws.query("SELECT * FROM interactions")
        msgs = ws.query("SELECT n_recipients FROM messages ORDER BY ts")
    assert s.warnings == [
        "1 event with more than 4 recipients (ingest.max_recipients) at line 3: the first 4 "
        "of each are stored as interactions and 1 recipient was dropped; n_recipients keeps "
        "the true count, and an act to more than ties.broadcast_threshold people makes no tie"
    ]
    assert msgs["n_recipients"].tolist() == [2, 5, 4]  # the capped act keeps its true 5
    capped = inter[inter["n_recipients"] == 5]
    assert sorted(capped["target_id"]) == sorted(
        p(f"{x}@x.com") for x in "bcde"
    )  # first 4 distinct
    assert len(inter) == 2 + 4 + 4


def test_max_recipients_cannot_be_below_the_broadcast_threshold(tmp_path) -> None:
    folder = tmp_path / "w"
    gs.init(folder).close()
    _set(folder, "max_recipients = 5000", "max_recipients = 24")
    with pytest.raises(ConfigError, match=r"max_recipients' must be at least ties\.broadcast"):
        gs.open(folder)


def test_a_field_over_the_limit_is_refused_naming_file_line_and_column(tmp_path) -> None:
    folder = tmp_path / "w"
    gs.init(folder).close()
    _set(folder, "max_field_bytes = 1048576", "max_field_bytes = 100")
    f = write_csv(
        tmp_path / "ev.csv",
        HEADER,
        [
            ["a@x.com", "b@x.com", "2024-03-04T09:00:00Z", "email"],
            ["a@x.com", ";".join(["b@x.com"] * 13), "2024-03-04T10:00:00Z", "email"],  # 103 B
        ],
    )
    with gs.open(folder) as ws:
        before = ws.counts()
        with pytest.raises(InputError) as exc:
            ws.ingest_events(f)
        assert ws.counts() == before  # nothing written
    assert exc.value.line == 3
    assert str(exc.value) == (
        f"{f}, line 3: the 'targets' field is 103 bytes long; expected at most 100 bytes "
        "(setting ingest.max_field_bytes)"
    )
    r = CliRunner().invoke(app, ["ingest", "events", str(folder), str(f)])
    assert r.exit_code == 1
    assert r.output.startswith("error: ") and r.output.count("\n") == 1


def test_a_long_category_in_a_parquet_file_is_refused_naming_the_row(tmp_path) -> None:
    folder = tmp_path / "w"
    gs.init(folder).close()
    _set(folder, "max_field_bytes = 1048576", "max_field_bytes = 20")
    f = tmp_path / "ev.parquet"
    pd.DataFrame(
        {
            "actor": pd.Categorical(["a@x.com", "a@x.com", "é" * 11]),  # 22 bytes, 11 letters
            "targets": ["b@x.com"] * 3,
            "timestamp": pd.to_datetime(["2024-03-04"] * 3, utc=True),
        }
    ).to_parquet(f)
    with gs.open(folder) as ws, pytest.raises(InputError, match=r"row 3: the 'actor' field is 22"):
        ws.ingest_events(f)


def test_an_unknown_channel_kind_names_its_line(ws, tmp_path) -> None:
    f = write_csv(
        tmp_path / "ev.csv",
        [*HEADER, "channel_kind"],
        [
            ["a@x.com", "b@x.com", "2024-03-04T09:00:00Z", "dm", "dm"],
            ["", "b@x.com", "2024-03-04T09:00:00Z", "dm", "dm"],  # skipped: no actor
            ["a@x.com", "b@x.com", "2024-03-04T10:00:00Z", "dm", "weird"],  # line 4
        ],
    )
    with pytest.raises(InputError, match=r"line 4: unknown channel_kind.*found 'weird'"):
        ws.ingest_events(f)


def _capped_workspace(folder: Path) -> None:
    """A workspace where an act to more than 3 people is a broadcast, and at most 4
    recipients are stored per act."""
    gs.init(folder).close()
    _set(folder, "broadcast_threshold = 25", "broadcast_threshold = 3")
    _set(folder, "max_recipients = 5000", "max_recipients = 4")


def test_an_email_over_the_cap_keeps_its_first_recipients_and_its_true_count(tmp_path) -> None:
    _capped_workspace(tmp_path / "w")
    mbox = tmp_path / "m.mbox"
    mbox.write_text(
        "From a@x.com Mon Jan  1 00:00:00 2024\nFrom: a@x.com\n"
        "To: b@x.com, C@x.com, a@x.com\nCc: c@x.com, d@x.com, e@x.com, f@x.com\n"
        "Date: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <big@x>\n\nhello\n"
    )  # 5 distinct recipients besides the sender: b, c, d, e, f
    with gs.open(tmp_path / "w") as ws:
        s = email.ingest(ws, mbox)
        p = ws.pseudonymiser.person
        inter = ws.query("SELECT target_id, kind, n_recipients FROM interactions")
        n = ws.query("SELECT n_recipients FROM messages")["n_recipients"].tolist()
    assert "1 email with more than 4 recipients" in s.warnings[0]
    assert "Message-ID 'big@x'" in s.warnings[0] and "1 recipient was dropped" in s.warnings[0]
    assert n == [5] and set(inter["n_recipients"]) == {5}
    got = set(inter[["target_id", "kind"]].itertuples(index=False, name=None))
    assert got == {
        (p("b@x.com"), "email_to"),
        (p("c@x.com"), "email_to"),
        (p("d@x.com"), "email_cc"),
        (p("e@x.com"), "email_cc"),
    }


def test_a_meeting_over_the_cap_keeps_its_first_attendees_in_every_instance(tmp_path) -> None:
    _capped_workspace(tmp_path / "w")
    ics = tmp_path / "c.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:weekly\nDTSTART:20240102T100000Z\n"
        "RRULE:FREQ=WEEKLY;COUNT=3\nORGANIZER:mailto:a@x.com\n"
        + "".join(f"ATTENDEE:mailto:{x}@x.com\n" for x in "bcBdefg")  # 6 distinct
        + "END:VEVENT\nEND:VCALENDAR\n"
    )
    with gs.open(tmp_path / "w") as ws:
        s = calendar.ingest(ws, ics)
        inter = ws.query("SELECT target_id, n_recipients FROM interactions")
        n = ws.query("SELECT n_recipients FROM messages")["n_recipients"].tolist()
        first4 = {ws.pseudonymiser.person(f"{x}@x.com") for x in "bcde"}
    assert "1 meeting with more than 4 recipients" in s.warnings[0]
    assert "UID 'weekly'" in s.warnings[0] and "2 recipients were dropped" in s.warnings[0]
    assert n == [6, 6, 6] and len(inter) == 3 * 4 and set(inter["n_recipients"]) == {6}
    assert set(inter["target_id"]) == first4
