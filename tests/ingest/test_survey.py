from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groundswell as gs
from groundswell.errors import InputError, MappingError
from groundswell.ingest import survey
from groundswell.network import TieRules, Window, build_ties
from tests.conftest import TEST_DATA, ingests_or_fails_cleanly, snapshot, write_csv

ANSWERS = TEST_DATA / "survey" / "answers.csv"
WINDOW = Window.parse("2024-03-01:2024-03-31")


def test_answers_become_survey_interactions(ws) -> None:
    s = survey.ingest(ws, ANSWERS)
    assert (s.rows_read, s.messages, s.interactions) == (9, 6, 6)
    assert s.skipped == {"self-nomination": 1, "duplicate answer": 1, "no nominee": 1}
    p = ws.pseudonymiser.person
    inter = ws.query("SELECT * FROM interactions")
    got = {
        (a, t, k, w)
        for a, t, k, w in inter[["actor_id", "target_id", "kind", "weight"]].itertuples(index=False)
    }
    assert got == {
        (p("ann@x.com"), p("E2"), "survey:advice", 3.0),
        (p("bob@x.com"), p("E1"), "survey:advice", 1.0),  # empty strength
        (p("cat@x.com"), p("E1"), "survey:advice", 2.0),
        (p("cat@x.com"), p("eve@x.com"), "survey:advice", 1.0),
        (p("dan@x.com"), p("E2"), "survey:who_energises_you", 5.0),
        (p("dan@x.com"), p("E4"), "survey:advice", 1.0),
    }
    assert set(inter["n_recipients"]) == {1} and not inter["is_bot"].any()
    msgs = ws.query("SELECT * FROM messages")
    assert set(msgs["kind"]) == {"survey:advice", "survey:who_energises_you"}
    assert msgs["ts"].min() == pd.Timestamp("2024-03-01T10:00:00Z")
    assert "ann@x.com" not in msgs.to_string() + inter.to_string()


def test_survey_layers_reach_the_tie_rules_through_aliases(ws, hr_file) -> None:
    ws.ingest_orgchart(hr_file)  # maps ann@x.com -> E1, ...
    survey.ingest(ws, ANSWERS)
    p = ws.pseudonymiser.person
    ties = build_ties(ws.con, WINDOW, TieRules(), layers=("survey:advice",))
    assert set(ties["layer"]) == {"survey:advice"}
    assert {
        (a, t, w) for a, t, w in ties[["actor_id", "target_id", "weight"]].itertuples(index=False)
    } == {
        (p("E1"), p("E2"), 3.0),
        (p("E2"), p("E1"), 1.0),
        (p("E3"), p("E1"), 2.0),
        (p("E3"), p("E5"), 1.0),
    }  # dan@x.com naming E4 is dan himself: no tie
    other = build_ties(ws.con, WINDOW, TieRules(), layers=("survey:who_energises_you",))
    assert list(zip(other["actor_id"], other["target_id"], strict=True)) == [(p("E4"), p("E2"))]
    digital = build_ties(ws.con, WINDOW, TieRules(), layers=("digital",))
    assert digital.empty  # survey answers never leak into the digital layer


def test_slug() -> None:
    assert survey.slug("Who do you go to for ADVICE?") == "who_do_you_go_to_for_advice"
    assert survey.slug("  trust ") == "trust"
    assert survey.slug("Q3: Innovation / ideas") == "q3_innovation_ideas"


def test_mapping_synonyms_question_and_date_options(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "s.csv", ["Ego", "Alter"], [["a", "b"], ["b", "c"]])
    with pytest.raises(MappingError, match="question"):
        survey.ingest(ws, f)
    with pytest.raises(InputError, match="no timestamp column and no survey date"):
        survey.ingest(ws, f, question="advice")
    s = survey.ingest(ws, f, question="Advice", date="2024-03-15")
    assert s.interactions == 2
    df = ws.query("SELECT DISTINCT kind, ts FROM interactions")
    assert list(df["kind"]) == ["survey:advice"]
    assert df["ts"][0] == pd.Timestamp("2024-03-15", tz="UTC")
    g = write_csv(
        tmp_path / "m.csv",
        ["who", "whom", "q", "how much", "when"],
        [["a", "b", "trust", "2.5", "2024-04-01"]],
    )
    mapping = {
        "respondent": "who",
        "nominee": "whom",
        "question": "q",
        "strength": "how much",
        "timestamp": "when",
    }
    s = survey.ingest(ws, g, mapping=mapping)
    assert s.interactions == 1
    got = ws.query("SELECT weight FROM interactions WHERE kind = 'survey:trust'")["weight"]
    assert list(got) == [2.5]
    with pytest.raises(InputError, match="the question option is given"):
        survey.ingest(ws, g, mapping=mapping, question="advice")


def test_empty_timestamps_take_the_date_option(ws, tmp_path) -> None:
    header = ["from", "to", "item", "date"]
    f = write_csv(tmp_path / "s.csv", header, [["a", "b", "x", ""], ["a", "c", "x", "2024-01-02"]])
    with pytest.raises(InputError, match="empty timestamp") as err:
        survey.ingest(ws, f)
    assert err.value.line == 2
    survey.ingest(ws, f, date="2024-01-01")
    assert sorted(str(t)[:10] for t in ws.query("SELECT ts FROM interactions")["ts"]) == [
        "2024-01-01",
        "2024-01-02",
    ]


@pytest.mark.parametrize("bad", ["0", "-1", "strong", "nan", "inf"])
def test_strength_must_be_a_positive_number(ws, tmp_path, bad) -> None:
    header = ["respondent", "nominee", "question", "strength", "timestamp"]
    rows = [["a", "b", "advice", "1", "2024-01-01"], ["a", "c", "advice", bad, "2024-01-01"]]
    with pytest.raises(InputError, match="unreadable strength") as err:
        survey.ingest(ws, write_csv(tmp_path / "s.csv", header, rows))
    assert err.value.line == 3 and "greater than 0" in str(err.value)


def test_bad_question_and_timestamp(ws, tmp_path) -> None:
    header = ["respondent", "nominee", "question", "timestamp"]
    f = write_csv(tmp_path / "q.csv", header, [["a", "b", "???", "2024-01-01"]])
    with pytest.raises(InputError, match="question without letters") as err:
        survey.ingest(ws, f)
    assert err.value.line == 2
    g = write_csv(tmp_path / "t.csv", header, [["a", "b", "x", "someday"]])
    with pytest.raises(InputError, match="unparseable timestamp"):
        survey.ingest(ws, g)


def test_a_later_wave_is_kept_apart(ws, tmp_path) -> None:
    header = ["respondent", "nominee", "question"]
    f = write_csv(tmp_path / "w.csv", header, [["a", "b", "advice"]])
    survey.ingest(ws, f, date="2024-01-01")
    assert survey.ingest(ws, f, date="2024-01-01").already_ingested
    s = survey.ingest(ws, f, date="2024-07-01")
    assert s.interactions == 1 and ws.counts()["interactions"] == 2


def test_idempotent(ws, tmp_path) -> None:
    survey.ingest(ws, ANSWERS)
    before = snapshot(ws)
    assert survey.ingest(ws, ANSWERS).already_ingested
    assert snapshot(ws) == before
    # the same answers in another file (another order) add nothing either
    with ANSWERS.open() as fh:
        rows = list(csv.reader(fh))
    copy = write_csv(tmp_path / "copy.csv", rows[0], rows[:0:-1])
    s = survey.ingest(ws, copy)
    assert (s.messages, s.interactions) == (0, 0)
    assert s.skipped["already in the workspace"] == 6


def test_failure_half_way_leaves_the_workspace_unchanged(ws, tmp_path, monkeypatch) -> None:
    from groundswell.ingest import common

    f = write_csv(
        tmp_path / "a.csv", ["ego", "alter", "item", "date"], [["x", "y", "z", "2024-01-01"]]
    )
    survey.ingest(ws, f)
    before = snapshot(ws)

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "record_source", boom)
    with pytest.raises(KeyboardInterrupt):
        survey.ingest(ws, ANSWERS)
    assert snapshot(ws) == before


def test_dry_run(ws) -> None:
    before = snapshot(ws)
    dry = survey.ingest(ws, ANSWERS, dry_run=True)
    assert dry.dry_run and snapshot(ws) == before
    real = survey.ingest(ws, ANSWERS)
    assert (dry.people, dry.messages, dry.interactions, dry.skipped) == (
        real.people,
        real.messages,
        real.interactions,
        real.skipped,
    )


def test_parquet_with_typed_columns(ws, tmp_path) -> None:
    df = pd.read_csv(ANSWERS)
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df.to_parquet(tmp_path / "a.parquet")
    s = survey.ingest(ws, tmp_path / "a.parquet")
    assert (s.messages, s.interactions) == (6, 6)


def corrupt(data: bytes, op: str, i: int, byte: int) -> bytes:
    if not data:
        return data
    lines = data.split(b"\n")
    if op == "truncate":
        return data[: i % (len(data) + 1)]
    if op == "flip":
        k = i % len(data)
        return data[:k] + bytes([byte]) + data[k + 1 :]
    if op == "drop_line":
        del lines[i % len(lines)]
        return b"\n".join(lines)
    k = i % len(lines[0].split(b","))
    return b"\n".join(b",".join(f for j, f in enumerate(ln.split(b",")) if j != k) for ln in lines)


def test_random_corruptions_are_clean_or_input_errors(tmp_path: Path) -> None:
    data = ANSWERS.read_bytes()
    ws = gs.init(tmp_path / "ws")
    counter = iter(range(10**6))

    @settings(max_examples=30, deadline=None)
    @given(
        op=st.sampled_from(["truncate", "flip", "drop_line", "drop_column"]),
        i=st.integers(min_value=0, max_value=10**6),
        byte=st.integers(min_value=0, max_value=255),
        with_date=st.booleans(),
    )
    def check(op: str, i: int, byte: int, with_date: bool) -> None:
        f = tmp_path / f"c{next(counter)}.csv"
        f.write_bytes(corrupt(data, op, i, byte))
        ingests_or_fails_cleanly(
            ws, lambda: survey.ingest(ws, f, date="2024-03-01" if with_date else None)
        )

    try:
        check()
    finally:
        ws.close()
