from __future__ import annotations

import pandas as pd
import pytest

import groundswell as gs
from groundswell.errors import InputError, MappingError
from tests.conftest import snapshot, write_csv

HEADER = [
    "event_id",
    "actor",
    "targets",
    "timestamp",
    "kind",
    "channel",
    "channel_kind",
    "thread",
    "parent",
    "is_bot",
    "text",
]


def rows() -> list[list[object]]:
    return [
        [
            "1",
            "ann@x.com",
            "",
            "2024-03-04T09:00:00Z",
            "post",
            "eng",
            "public",
            "1",
            "",
            "false",
            "Who knows the build?",
        ],
        [
            "2",
            "bob@x.com",
            "",
            "2024-03-04T09:05:00Z",
            "reply",
            "eng",
            "public",
            "1",
            "1",
            "false",
            "I do",
        ],
        [
            "3",
            "cat@x.com",
            "ann@x.com;bob@x.com",
            "2024-03-04T10:00:00",
            "mention",
            "eng",
            "public",
            "",
            "",
            "false",
            "hey",
        ],
        [
            "4",
            "deploy-bot",
            "ann@x.com",
            "2024-03-04T11:00:00Z",
            "mention",
            "eng",
            "public",
            "",
            "",
            "true",
            "deployed",
        ],
        [
            "5",
            "dan@x.com",
            "eve@x.com",
            "2024-03-05T08:00:00+01:00",
            "dm",
            "dm-1",
            "dm",
            "",
            "",
            "false",
            "private words",
        ],
        [
            "6",
            "eve@x.com",
            "bob@x.com",
            "2024-03-05T09:00:00Z",
            "email",
            "",
            "",
            "",
            "",
            "false",
            "",
        ],
    ]


def test_events_become_messages_interactions_and_channels(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "ev.csv", HEADER, rows())
    s = ws.ingest_events(f)
    assert (s.rows_read, s.messages, s.rows_skipped) == (6, 6, 0)
    inter = ws.query("SELECT * FROM interactions")
    p = ws.pseudonymiser.person
    got = {
        (a, t, k) for a, t, k in inter[["actor_id", "target_id", "kind"]].itertuples(index=False)
    }
    assert got == {
        (p("bob@x.com"), p("ann@x.com"), "reply"),  # addressed to the parent's author
        (p("cat@x.com"), p("ann@x.com"), "mention"),
        (p("cat@x.com"), p("bob@x.com"), "mention"),
        (p("deploy-bot"), p("ann@x.com"), "mention"),
        (p("dan@x.com"), p("eve@x.com"), "dm"),
        (p("eve@x.com"), p("bob@x.com"), "email_to"),
    }
    assert sorted(inter.set_index("kind").loc["mention", "n_recipients"]) == [1, 2, 2]
    assert inter.loc[inter["kind"] == "mention", "is_bot"].sum() == 1
    msgs = ws.query("SELECT * FROM messages").set_index("message_id")
    assert msgs["text"].isna().all()  # no content stored by default
    dm = msgs.loc[ws.pseudonymiser.message("5")]
    assert dm["ts"] == pd.Timestamp("2024-03-05T07:00:00Z")  # offsets normalised to UTC
    chans = ws.query("SELECT * FROM channels").set_index("kind")
    assert chans.loc["public", "name"] == "eng" and pd.isna(chans.loc["dm", "name"])
    dump = ws.query("SELECT * FROM messages").to_string() + inter.to_string()
    assert "ann@x.com" not in dump and "private words" not in dump


def test_content_is_stored_only_when_switched_on(tmp_path) -> None:
    f = write_csv(tmp_path / "ev.csv", HEADER, rows())
    with gs.init(tmp_path / "c", store_content=True) as ws:
        ws.ingest_events(f)
        assert "I do" in set(ws.query("SELECT text FROM messages")["text"])


def test_parquet_with_mapping_and_comma_separated_targets(ws, tmp_path) -> None:
    df = pd.DataFrame(
        {
            "sender": ["a", "b", "c"],
            "to": ["b,c", "a", "a"],
            "when": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 10:00", "2024-01-03 00:00"]),
            "what": ["dm", "dm", "dm"],
        }
    )
    f = tmp_path / "ev.parquet"
    df.to_parquet(f)
    s = ws.ingest_events(
        f,
        mapping={"actor": "sender", "targets": "to", "timestamp": "when", "kind": "what"},
        targets_sep=",",
    )
    assert (s.messages, s.interactions) == (3, 4)


def test_rows_without_actor_or_timestamp_are_skipped_and_counted(ws, events_file) -> None:
    f = events_file(
        [
            ["a", "b", "2024-01-01", "dm"],
            ["", "b", "2024-01-01", "dm"],
            ["a", "b", "", "dm"],
            ["a", "b", "2024-01-01", "dm"],
        ]
    )
    s = ws.ingest_events(f)
    assert s.skipped == {"no actor": 1, "no timestamp": 1, "duplicate event in the file": 1}
    assert s.messages == 1
    text = "\n".join(s.lines())
    assert "skipped 3 rows" in text and "no actor" in text


def test_bad_timestamp_names_file_line_and_value(ws, events_file) -> None:
    f = events_file([["a", "b", "2024-01-01", "dm"], ["a", "c", "yesterday-ish", "dm"]])
    with pytest.raises(InputError) as err:
        ws.ingest_events(f)
    assert "events.csv, line 3" in str(err.value) and "yesterday-ish" in str(err.value)
    assert "ISO 8601" in str(err.value)


def test_malformed_csv_names_the_line(ws, tmp_path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("actor,targets,timestamp\na,b,2024-01-01\na,b,2024-01-01,extra,fields\n")
    with pytest.raises(InputError) as err:
        ws.ingest_events(f)
    assert err.value.line == 3 and "bad.csv" in str(err.value)


def test_missing_required_column(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "x.csv", ["who", "when"], [["a", "2024-01-01"]])
    with pytest.raises(MappingError, match=r"required field\(s\) \[.actor., .timestamp.\]"):
        ws.ingest_events(f)


def test_unknown_file_type_and_missing_file(ws, tmp_path) -> None:
    (tmp_path / "x.xls").write_text("nope")  # Excel 97-2003: not read (.xlsx is)
    with pytest.raises(InputError, match="unknown file type"):
        ws.ingest_events(tmp_path / "x.xls")
    (tmp_path / "x.xlsx").write_text("nope")
    with pytest.raises(InputError, match=r"x.xlsx: not a readable Excel workbook"):
        ws.ingest_events(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="file not found"):
        ws.ingest_events(tmp_path / "none.csv")


def test_idempotent_same_file_and_overlapping_file(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "ev.csv", HEADER, rows())
    ws.ingest_events(f)
    before = snapshot(ws)
    assert ws.ingest_events(f).already_ingested
    assert snapshot(ws) == before
    # an export that overlaps the first adds only its new events
    more = [
        *rows()[3:],
        ["7", "ann@x.com", "bob@x.com", "2024-03-06T09:00:00Z", "dm", "", "", "", "", "false", ""],
    ]
    s = ws.ingest_events(write_csv(tmp_path / "ev2.csv", HEADER, more))
    assert (s.messages, s.interactions) == (1, 1)
    assert s.skipped["already in the workspace"] == 3
    assert ws.counts()["messages"] == 7


def test_failure_half_way_leaves_the_workspace_unchanged(ws, tmp_path, monkeypatch) -> None:
    from groundswell.ingest import common

    ws.ingest_events(write_csv(tmp_path / "ev.csv", HEADER, rows()[:3]))
    before = snapshot(ws)

    def boom(*a, **k):
        raise KeyboardInterrupt  # even an interrupt must not leave half an ingest

    monkeypatch.setattr(common, "record_source", boom)
    with pytest.raises(KeyboardInterrupt):
        ws.ingest_events(write_csv(tmp_path / "ev2.csv", HEADER, rows()))
    assert snapshot(ws) == before


def test_dry_run_summarises_exactly_and_writes_nothing(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "ev.csv", HEADER, rows())
    before = snapshot(ws)
    dry = ws.ingest_events(f, dry_run=True)
    assert snapshot(ws) == before
    assert dry.dry_run and "dry run: nothing written" in dry.lines()[0]
    real = ws.ingest_events(f)
    assert (dry.messages, dry.interactions, dry.people) == (
        real.messages,
        real.interactions,
        real.people,
    )


def test_implausible_years_are_named_not_crashed_on(ws, events_file) -> None:
    f = events_file([["a", "b", "2024-01-01", "dm"], ["a", "c", "0024-03-01T11:00:00", "dm"]])
    with pytest.raises(InputError, match=r"line 3: timestamp is before the earliest date"):
        ws.ingest_events(f)
