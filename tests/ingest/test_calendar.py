from __future__ import annotations

import copy

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import groundswell as gs
from groundswell.config import Settings
from groundswell.errors import InputError
from groundswell.ingest import calendar
from tests.conftest import TEST_DATA, ingests_or_fails_cleanly, snapshot

ICS = TEST_DATA / "calendar" / "team.ics"


def edges(ws: gs.Workspace) -> list[tuple[str, str, str]]:
    df = ws.query("SELECT actor_id, target_id, kind FROM interactions ORDER BY ts, target_id")
    return list(df.itertuples(index=False, name=None))


def event(uid: str, extra: str = "", attendees: int = 1, start: str = "20240304T090000Z") -> str:
    guests = "".join(f"ATTENDEE:mailto:g{i}@acme.com\n" for i in range(attendees))
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTART:{start}\nORGANIZER:mailto:ann@acme.com\n"
        f"{guests}{extra}END:VEVENT\n"
    )


def calendar_file(tmp_path, *events: str, name: str = "c.ics"):
    f = tmp_path / name
    f.write_text("BEGIN:VCALENDAR\nVERSION:2.0\n" + "".join(events) + "END:VCALENDAR\n")
    return f


def test_fixture_meetings_declined_cancelled_tzid_recurrence(ws) -> None:
    s = calendar.ingest(ws, ICS)
    assert s.rows_read == 5
    assert s.skipped == {"cancelled": 1, "no ORGANIZER": 1}
    assert (s.messages, s.interactions) == (4, 6)
    p = ws.pseudonymiser.person
    ann, bob, dan, eve = (
        p(x) for x in ("ann@acme.com", "bob@acme.com", "dan@acme.com", "eve@partner.org")
    )
    got = edges(ws)
    assert sorted(got[:2]) == sorted([(ann, bob, "meeting"), (ann, eve, "meeting")])
    assert set(got[2:]) == {
        (bob, dan, "meeting"),
        (bob, eve, "meeting"),
    }
    msgs = ws.query("SELECT * FROM messages ORDER BY ts")
    # Europe/Paris 10:00 in March is 09:00 UTC; the series' VTIMEZONE says -05:00; the
    # EXDATE removes 13 March and the override moves 20 March to 10:00 local
    assert [str(t) for t in msgs["ts"]] == [
        "2024-03-04 09:00:00+00:00",
        "2024-03-06 14:00:00+00:00",
        "2024-03-20 15:00:00+00:00",
        "2024-03-27 14:00:00+00:00",
    ]
    # declined cat is counted as invited; the room, the organiser and the alarm are not
    assert msgs["n_recipients"].tolist() == [3, 1, 2, 1]
    assert set(msgs["kind"]) == {"meeting"} and msgs["text"].isna().all()
    assert msgs["message_id"][0] == ws.pseudonymiser.message("plan-1@acme.com")
    assert msgs["message_id"][2] == ws.pseudonymiser.message("weekly-1@acme.com|20240320T140000Z")
    chans = ws.query("SELECT * FROM channels")
    assert len(chans) == 2 and set(chans["kind"]) == {"meeting"} and chans["name"].isna().all()
    assert msgs["channel_id"].nunique() == 2
    assert ws.counts()["people"] == 0


def test_internal_domains_and_names(ws) -> None:
    raw = copy.deepcopy(ws.settings.raw)
    raw["ingest"]["internal_domains"] = ["acme.com"]
    raw["privacy"]["identified"] = True
    ws.settings = Settings(raw)
    calendar.ingest(ws, ICS)
    people = ws.query("SELECT * FROM people").set_index("person_id")
    p = ws.pseudonymiser.person
    assert not people.loc[p("eve@partner.org"), "is_internal"]
    assert people.loc[p("ann@acme.com"), "is_internal"]
    assert people.loc[p("bob@acme.com"), "display_name"] == "Bob, the builder"  # folded, quoted


def test_content_stores_the_summary(tmp_path) -> None:
    with gs.init(tmp_path / "c", store_content=True) as ws:
        calendar.ingest(ws, ICS)
        assert "Build plan" in set(ws.query("SELECT text FROM messages")["text"])


def test_large_meeting_counts_everyone_invited(ws, tmp_path) -> None:
    f = calendar_file(tmp_path, event("big", attendees=40), event("small", attendees=2))
    s = calendar.ingest(ws, f)
    assert s.interactions == 42  # stored; the tie rules drop the broadcast
    n = ws.query("SELECT n_recipients FROM messages ORDER BY n_recipients")["n_recipients"]
    assert n.tolist() == [2, 40]


def test_open_ended_series_expands_up_to_the_latest_date_in_the_input(ws, tmp_path) -> None:
    f = calendar_file(
        tmp_path,
        event("daily", "RRULE:FREQ=DAILY\n", start="20240301T090000Z"),
        event("later", start="20240305T120000Z"),
    )
    assert calendar.ingest(ws, f).messages == 5 + 1  # 1..5 March, and "later"
    with gs.init(tmp_path / "w2") as ws2:
        assert calendar.ingest(ws2, f, expand=False).messages == 2


def test_duplicates_keep_the_highest_sequence(ws, tmp_path) -> None:
    a = event("x", "SEQUENCE:1\n", attendees=1)
    b = event("x", "SEQUENCE:2\n", attendees=3)
    s = calendar.ingest(ws, calendar_file(tmp_path, a, b))
    assert s.skipped == {"duplicate event in the input": 1}
    assert ws.query("SELECT n_recipients FROM messages")["n_recipients"].tolist() == [3]


def test_method_cancel_and_unknown_zone_and_bad_dates(ws, tmp_path) -> None:
    f = tmp_path / "c.ics"
    f.write_text(
        "BEGIN:VCALENDAR\nMETHOD:CANCEL\n" + event("a") + "END:VCALENDAR\n"
        "BEGIN:VCALENDAR\n"
        + event("b", start="20240304T090000")  # floating: UTC
        + "BEGIN:VEVENT\nUID:c\nDTSTART;TZID=Mars/Olympus:20240304T090000\n"
        "ORGANIZER:mailto:ann@acme.com\nATTENDEE:mailto:bob@acme.com\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:d\nDTSTART:tomorrow\nORGANIZER:mailto:ann@acme.com\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:e\nORGANIZER:mailto:ann@acme.com\nEND:VEVENT\n"
        "this line has no colon\n"
        "END:VCALENDAR\n"
    )
    s = calendar.ingest(ws, f)
    assert s.skipped == {"cancelled": 1, "unparseable DTSTART": 1, "no DTSTART": 1}
    assert s.messages == 2
    assert any("Mars/Olympus" in w for w in s.warnings)
    assert any("unreadable line" in w for w in s.warnings)
    ts = ws.query("SELECT ts FROM messages")["ts"]
    assert (ts == pd.Timestamp("2024-03-04 09:00Z")).all()


def test_folder_of_ics_files(ws, tmp_path) -> None:
    calendar_file(tmp_path, event("a"), name="a.ics")
    (tmp_path / "sub").mkdir()
    calendar_file(tmp_path / "sub", event("b"), name="b.ICS")
    (tmp_path / "notes.txt").write_text("ignored")
    assert calendar.ingest(ws, tmp_path).messages == 2


def test_structural_faults_raise_input_errors_naming_the_line(ws, tmp_path) -> None:
    bad = tmp_path / "bad.ics"
    bad.write_text("hello\n")
    with pytest.raises(InputError, match=r"bad.ics, line 1: not an iCalendar file"):
        calendar.ingest(ws, bad)
    bad.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nEND:VTODO\nEND:VCALENDAR\n")
    with pytest.raises(InputError, match=r"line 4: END:VTODO closes nothing; expected END:VEVENT"):
        calendar.ingest(ws, bad)
    bad.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n")
    with pytest.raises(InputError, match=r"ends inside VEVENT begun at line 2"):
        calendar.ingest(ws, bad)
    with pytest.raises(InputError, match="file not found"):
        calendar.ingest(ws, tmp_path / "none.ics")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no \.ics file"):
        calendar.ingest(ws, tmp_path / "empty")


def test_idempotent_atomic_and_dry_run(ws, tmp_path, monkeypatch) -> None:
    before = snapshot(ws)
    dry = calendar.ingest(ws, ICS, dry_run=True)
    assert dry.dry_run and snapshot(ws) == before
    real = calendar.ingest(ws, ICS)
    assert (dry.messages, dry.interactions, dry.people) == (
        real.messages,
        real.interactions,
        real.people,
    )
    after = snapshot(ws)
    assert calendar.ingest(ws, ICS).already_ingested and snapshot(ws) == after
    # the same events in another file add nothing
    copy_file = tmp_path / "copy.ics"
    copy_file.write_bytes(ICS.read_bytes() + b"\r\n")
    assert calendar.ingest(ws, copy_file).messages == 0
    after = snapshot(ws)

    from groundswell.ingest import common

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "record_source", boom)
    with pytest.raises(KeyboardInterrupt):
        calendar.ingest(ws, calendar_file(tmp_path, event("new")))
    assert snapshot(ws) == after


SAMPLE = ICS.read_bytes()


@st.composite
def corrupted(draw: st.DrawFn) -> bytes:
    data = bytearray(SAMPLE)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        op = draw(st.sampled_from(["truncate", "flip", "delete_line", "insert"]))
        i = draw(st.integers(0, len(data) - 1))
        if op == "truncate":
            del data[i:]
        elif op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "delete_line":
            j = data.find(b"\n", i)
            del data[i : j if j >= 0 else len(data)]
        else:
            data[i:i] = draw(
                st.sampled_from([b"\r\n ", b";", b":", b'"', b"\r\nRRULE:FREQ=SECONDLY\r\n"])
            )
    return bytes(data)


@pytest.fixture(scope="module")
def shared_ws(tmp_path_factory):
    with gs.init(tmp_path_factory.mktemp("corrupt") / "ws") as ws:
        yield ws


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=corrupted())
def test_corruptions_ingest_cleanly_or_raise_input_error(shared_ws, data) -> None:
    f = shared_ws.folder.parent / "x.ics"
    f.write_bytes(data)
    ingests_or_fails_cleanly(shared_ws, lambda: calendar.ingest(shared_ws, f))
