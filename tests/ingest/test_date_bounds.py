"""Absurd dates in every reader: one shared bounds check (``common.check_dates``), set by
``ingest.earliest_date`` / ``days_ahead`` (hire and leave dates: ``earliest_hr_date`` /
``planned_days_ahead``), naming the file, the record, the bounds and the value found.

Each file below is a small hand-made copy of the readers' fixtures (tests/data, and the files
written by tests/ingest/test_<reader>.py) with one date changed. 99999999999 is the Slack
timestamp of issue 13: 5138-11-16T09:46:39Z.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app
from groundswell.errors import ConfigError, InputError
from groundswell.ingest import (
    adoptions,
    calendar,
    email,
    engage,
    events,
    orgchart,
    slack,
    survey,
    teams,
    viva,
)
from tests.conftest import HR_HEADER, HR_ROWS, TEST_DATA, snapshot, write_csv

NOW = pd.Timestamp.now(tz="UTC")
SOON = NOW + pd.Timedelta(hours=12)  # inside: the latest date accepted is now + 1 day
LATER = NOW + pd.Timedelta(days=3)  # outside for a message, inside for a planned date
T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
ABSURD = "99999999999"  # 5138-11-16T09:46:39Z


def fails_cleanly(ws: gs.Workspace, ingest, match: str) -> InputError:
    """The ingest raises InputError matching ``match`` and leaves the workspace as it was."""
    before = snapshot(ws)
    with pytest.raises(InputError, match=match) as err:
        ingest()
    assert snapshot(ws) == before
    return err.value


# -- Slack ---------------------------------------------------------------------------------------
def slack_export(root: Path, day: list[dict], created: object = T0) -> Path:
    files = {
        "users.json": [{"id": u, "name": u.lower()} for u in ("U1", "U2")],
        "channels.json": [
            {"id": "C1", "name": "general", "created": created, "members": ["U1", "U2"]}
        ],
        "general/2023-11-14.json": day,
    }
    for name, value in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(json.dumps(value))
    return root


def slack_msg(ts: object, user: str = "U1") -> dict:
    return {"type": "message", "user": user, "text": "<@U2> hi", "ts": ts}


def test_slack_absurd_timestamp_names_the_day_file_and_message(ws, tmp_path) -> None:
    root = slack_export(tmp_path / "e", [slack_msg(f"{T0}.000100"), slack_msg(ABSURD)])
    err = fails_cleanly(
        ws,
        lambda: slack.ingest(ws, root),
        r"general/2023-11-14\.json\[1\]\.ts is after the latest date accepted",
    )
    assert err.path.endswith("general/2023-11-14.json")
    assert "99999999999 (5138-11-16 09:46:39 UTC)" in str(err)
    assert "ingest.earliest_date and ingest.days_ahead" in str(err)


def test_slack_zip_member_and_channel_created_are_named(ws, tmp_path) -> None:
    import zipfile

    root = slack_export(tmp_path / "e", [slack_msg(f"{T0}.000100")], created=int(ABSURD))
    z = tmp_path / "e.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(root.rglob("*.json")):
            zf.write(f, f.relative_to(root).as_posix())
    err = fails_cleanly(
        ws, lambda: slack.ingest(ws, z), r"channels\.json\[0\]\.created is after the latest"
    )
    assert err.path == str(z / "channels.json")
    root = slack_export(tmp_path / "f", [slack_msg("1.5")])  # 1970: before the earliest
    fails_cleanly(ws, lambda: slack.ingest(ws, root), r"\[0\]\.ts is before the earliest date")


def test_slack_dates_just_inside_the_bounds_are_read(ws, tmp_path) -> None:
    earliest = pd.Timestamp("1990-01-01", tz="UTC").timestamp()
    day = [slack_msg(f"{earliest:.6f}"), slack_msg(f"{SOON.timestamp():.6f}", "U2")]
    s = slack.ingest(ws, slack_export(tmp_path / "e", day))
    assert s.messages == 2
    got = ws.query("SELECT min(ts) AS a, max(ts) AS b FROM messages").iloc[0]
    assert pd.Timestamp(got["a"]).year == 1990 and pd.Timestamp(got["b"]).year == SOON.year


# -- Teams ---------------------------------------------------------------------------------------
def teams_msg(mid: str, ts: str, **extra: object) -> dict:
    return {
        "id": mid,
        "messageType": "message",
        "createdDateTime": ts,
        "from": {"user": {"id": "ann", "userIdentityType": "aadUser"}},
        "body": {"contentType": "text", "content": "hi"},
        "channelIdentity": {"teamId": "t", "channelId": "19:general@thread.tacv2"},
        **extra,
    }


@pytest.mark.parametrize("bad", ["5138-11-16T09:46:39Z", "2224-03-01T10:00:00Z"])
def test_teams_absurd_created_names_the_json_path(ws, tmp_path, bad) -> None:
    f = tmp_path / "m.json"
    f.write_text(json.dumps([teams_msg("1", "2024-03-01T10:00:00Z"), teams_msg("2", bad)]))
    err = fails_cleanly(
        ws, lambda: teams.ingest(ws, f), "createdDateTime is after the latest date accepted"
    )
    assert err.path == f"{f}[1]" and err.found == bad


def test_teams_reaction_time_in_json_lines_names_line_and_path(ws, tmp_path) -> None:
    react = [{"createdDateTime": "1969-07-20T20:17:00Z", "user": {"user": {"id": "bob"}}}]
    f = tmp_path / "m.jsonl"
    f.write_text(
        json.dumps(teams_msg("1", "2024-03-01T10:00:00Z"))
        + "\n"
        + json.dumps(teams_msg("2", "2024-03-01T11:00:00Z", reactions=react))
        + "\n"
    )
    err = fails_cleanly(
        ws, lambda: teams.ingest(ws, f), r"reactions\[0\]\.createdDateTime is before the earliest"
    )
    assert err.line == 2


def test_teams_dates_just_inside_the_bounds_are_read(ws, tmp_path) -> None:
    f = tmp_path / "m.json"
    f.write_text(
        json.dumps([teams_msg("1", "1990-01-01T00:00:00Z"), teams_msg("2", SOON.isoformat())])
    )
    assert teams.ingest(ws, f).messages == 2


# -- Viva Engage ---------------------------------------------------------------------------------
def engage_export(root: Path, created: list[str]) -> Path:
    root.mkdir(parents=True)
    with (root / "Messages.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "sender_id", "sender_type", "group_id", "body", "created_at"])
        w.writerows([str(i), "1001", "user", "1", "hi", c] for i, c in enumerate(created, 1))
    return root


def test_engage_absurd_created_at_names_file_line_and_column(ws, tmp_path) -> None:
    root = engage_export(tmp_path / "x", ["2019-06-12 09:00:00 UTC", "5138-11-16 09:46:39 UTC"])
    err = fails_cleanly(
        ws,
        lambda: engage.ingest(ws, root),
        r"Messages\.csv, line 3: column created_at is after the latest date accepted",
    )
    assert err.found == "5138-11-16 09:46:39 UTC"


def test_engage_dates_just_inside_the_bounds_are_read(ws, tmp_path) -> None:
    soon = SOON.strftime("%Y-%m-%d %H:%M:%S UTC")
    root = engage_export(tmp_path / "x", ["1990-01-01 00:00:00 UTC", soon])
    assert engage.ingest(ws, root).messages == 2


# -- email ---------------------------------------------------------------------------------------
def mbox(path: Path, *dates: str) -> Path:
    parts = [
        f"From ann@acme.com Mon Mar  4 09:00:00 2024\nFrom: ann@acme.com\nTo: bob@acme.com\n"
        f"Date: {d}\nMessage-ID: <m{i}@acme.com>\nSubject: s\n\nbody\n\n"
        for i, d in enumerate(dates, 1)
    ]
    path.write_text("".join(parts))
    return path


def test_email_absurd_date_names_file_line_and_message_id(ws, tmp_path) -> None:
    f = mbox(
        tmp_path / "x.mbox", "Mon, 4 Mar 2024 09:00:00 +0000", "Thu, 16 Nov 5138 09:46:39 +0000"
    )
    err = fails_cleanly(
        ws,
        lambda: email.ingest(ws, f),
        r"x\.mbox, line 10: Date of message <m2@acme\.com> is after the latest date accepted",
    )
    assert err.found == "Thu, 16 Nov 5138 09:46:39 +0000"
    f = mbox(tmp_path / "y.mbox", "Tue, 1 Jan 1985 09:00:00 +0000")  # read before: >= 1971
    fails_cleanly(ws, lambda: email.ingest(ws, f), "is before the earliest date accepted")


def test_email_dates_just_inside_the_bounds_are_read(ws, tmp_path) -> None:
    soon = SOON.strftime("%a, %d %b %Y %H:%M:%S +0000")
    f = mbox(tmp_path / "x.mbox", "Mon, 1 Jan 1990 00:00:00 +0000", soon)
    assert email.ingest(ws, f).messages == 2


# -- calendar ------------------------------------------------------------------------------------
def ics(path: Path, *events: tuple[str, str, str]) -> Path:
    body = "".join(
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTART:{start}\n{extra}ORGANIZER:mailto:ann@acme.com\n"
        "ATTENDEE:mailto:bob@acme.com\nEND:VEVENT\n"
        for uid, start, extra in events
    )
    path.write_text("BEGIN:VCALENDAR\nVERSION:2.0\n" + body + "END:VCALENDAR\n")
    return path


def test_calendar_absurd_dtstart_names_file_line_and_uid(ws, tmp_path) -> None:
    f = ics(tmp_path / "c.ics", ("ok@x", "20240304T090000Z", ""), ("far@x", "51381116T094639Z", ""))
    err = fails_cleanly(
        ws,
        lambda: calendar.ingest(ws, f),
        r"c\.ics, line 11: DTSTART of event 'far@x' is after the latest date accepted",
    )
    assert "ingest.planned_days_ahead" in str(err)
    f = ics(tmp_path / "d.ics", ("old@x", "19800304T090000Z", ""))
    fails_cleanly(ws, lambda: calendar.ingest(ws, f), "before the earliest date accepted")


def test_calendar_meetings_not_held_yet_are_skipped_and_counted(ws, tmp_path) -> None:
    fmt = "%Y%m%dT%H%M%SZ"
    f = ics(
        tmp_path / "c.ics",
        ("first@x", "19900101T000000Z", ""),
        ("soon@x", SOON.strftime(fmt), ""),
        ("later@x", LATER.strftime(fmt), ""),
        # open-ended weekly series from a week ago: this week's instance is held, later not
        ("weekly@x", (NOW - pd.Timedelta(days=7)).strftime(fmt), "RRULE:FREQ=WEEKLY\n"),
    )
    s = calendar.ingest(ws, f)
    assert s.messages == 4  # first, soon and two of the weekly series
    assert s.skipped == {"meeting not held yet (after now + ingest.days_ahead)": 1}
    assert ws.query("SELECT max(ts) AS t FROM messages")["t"].iloc[0] <= SOON


# -- Viva Insights -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "date", "match"),
    [
        ("p2p_iso.csv", "5138-01-08", "MetricDate is after the latest date accepted"),
        ("p2p_iso.csv", "1985-01-06", "MetricDate is before the earliest date accepted"),
        ("person_query.csv", "1/8/5138", "MetricDate is after the latest date accepted"),
    ],
)
def test_viva_absurd_metric_date_names_the_line(ws, tmp_path, name, date, match) -> None:
    with (TEST_DATA / "viva" / name).open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    rows[2][header.index("MetricDate")] = date
    f = write_csv(tmp_path / name, header, rows)
    err = fails_cleanly(ws, lambda: viva.ingest(ws, f), match)
    assert err.line == 4 and err.found == date


def test_viva_dates_just_inside_the_bounds_are_read(ws, tmp_path) -> None:
    with (TEST_DATA / "viva" / "p2p_iso.csv").open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    rows = rows[:2]
    rows[0][header.index("MetricDate")] = "1990-01-01"
    rows[1][header.index("MetricDate")] = SOON.strftime("%Y-%m-%d")
    s = viva.ingest(ws, write_csv(tmp_path / "q.csv", header, rows))
    assert s.interactions == 2


# -- events, adoptions, survey (CSV and Parquet) ---------------------------------------------------
def test_events_absurd_timestamp_names_the_line(ws, events_file) -> None:
    f = events_file([["a", "b", "2024-01-01", "dm"], ["a", "c", "2224-03-01T11:00:00", "dm"]])
    err = fails_cleanly(
        ws, lambda: events.ingest(ws, f), "line 3: timestamp is after the latest date accepted"
    )
    assert err.found == "2224-03-01T11:00:00"


def test_events_parquet_datetimes_are_bounded_too(ws, tmp_path) -> None:
    df = pd.DataFrame(
        {
            "actor": ["a", "a"],
            "targets": ["b", "c"],
            "timestamp": pd.to_datetime(["2024-01-01", "2224-01-01"]),
        }
    )
    df.to_parquet(tmp_path / "e.parquet")
    fails_cleanly(
        ws,
        lambda: events.ingest(ws, tmp_path / "e.parquet"),
        "e.parquet, row 2: timestamp is after the latest date accepted",
    )


def test_events_dates_just_inside_the_bounds_are_read(ws, events_file) -> None:
    f = events_file([["a", "b", "1990-01-01T00:00:00Z", "dm"], ["a", "c", SOON.isoformat(), "dm"]])
    assert events.ingest(ws, f).messages == 2


def test_adoptions_absurd_date_names_the_line(ws, tmp_path) -> None:
    rows = [["ann@x.com", "new tool", "2024-03-04"], ["bob@x.com", "new tool", "5138-03-04"]]
    f = write_csv(tmp_path / "a.csv", ["Email", "Behaviour", "Date"], rows)
    fails_cleanly(
        ws, lambda: adoptions.ingest(ws, f), "line 3: date is after the latest date accepted"
    )
    rows[1][2] = SOON.isoformat()
    f = write_csv(tmp_path / "b.csv", ["Email", "Behaviour", "Date"], rows)
    assert adoptions.ingest(ws, f).adoptions == 2


def test_survey_absurd_timestamp_and_date_option(ws, tmp_path) -> None:
    with (TEST_DATA / "survey" / "answers.csv").open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    rows[1][header.index("timestamp")] = "5138-11-16T09:46:39Z"
    f = write_csv(tmp_path / "s.csv", header, rows)
    fails_cleanly(
        ws, lambda: survey.ingest(ws, f), "line 3: timestamp is after the latest date accepted"
    )
    for row in rows:
        row[header.index("timestamp")] = ""
    f = write_csv(tmp_path / "t.csv", header, rows)
    err = fails_cleanly(
        ws,
        lambda: survey.ingest(ws, f, date="2224-03-31"),
        "date option is after the latest date accepted",
    )
    assert err.line is None
    assert survey.ingest(ws, f, date=SOON.strftime("%Y-%m-%d %H:%M")).messages > 0


# -- org chart: hire and leave dates -----------------------------------------------------------
@pytest.mark.parametrize(
    ("col", "value", "match"),
    [
        (8, "1899-12-31", "hire_date is before the earliest date accepted"),
        (9, "9999-12-31", "leave_date is after the latest date accepted"),
    ],
)
def test_orgchart_absurd_hire_or_leave_date(ws, tmp_path, col, value, match) -> None:
    rows = [list(r) for r in HR_ROWS]
    rows[3][col] = value
    f = write_csv(tmp_path / "hr.csv", HR_HEADER, rows)
    err = fails_cleanly(ws, lambda: orgchart.ingest(ws, f), "line 5: " + match)
    assert "ingest.earliest_hr_date and ingest.planned_days_ahead" in str(err)


def test_orgchart_old_hires_and_planned_leavers_are_read(ws, tmp_path) -> None:
    rows = [list(r) for r in HR_ROWS]
    rows[1][8] = "1900-01-01"  # older than any message may be
    rows[2][9] = LATER.strftime("%Y-%m-%d")  # a planned leave date
    s = orgchart.ingest(ws, write_csv(tmp_path / "hr.csv", HR_HEADER, rows))
    assert s.people == len(HR_ROWS)


# -- settings and the command line -----------------------------------------------------------
def test_bounds_are_settings(tmp_path) -> None:
    w = gs.init(tmp_path / "acme")
    w.close()
    toml = tmp_path / "acme" / "groundswell.toml"
    toml.write_text(
        toml.read_text().replace('earliest_date = "1990-01-01"', 'earliest_date = "2024-01-02"')
    )
    f = write_csv(tmp_path / "e.csv", ["actor", "targets", "timestamp"], [["a", "b", "2024-01-01"]])
    with gs.open(tmp_path / "acme") as ws:
        fails_cleanly(ws, lambda: events.ingest(ws, f), "between 2024-01-02 and")
    toml.write_text(toml.read_text().replace("days_ahead = 1\n", "days_ahead = -1\n"))
    with pytest.raises(ConfigError, match=r"ingest\.days_ahead"):
        gs.open(tmp_path / "acme")


def test_cli_slack_absurd_timestamp_is_one_error_line(tmp_path) -> None:
    acme = tmp_path / "acme"
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(acme)]).exit_code == 0
    root = slack_export(tmp_path / "e", [slack_msg(f"{T0}.000100"), slack_msg(ABSURD)])
    r = runner.invoke(app, ["ingest", "slack", str(acme), str(root)], catch_exceptions=False)
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in r.output
    assert "general/2023-11-14.json[1].ts is after the latest date accepted" in lines[0]
    with gs.open(acme) as ws:
        assert ws.counts()["messages"] == 0 and ws.counts()["sources"] == 0
