"""The adoptions reader: who took up which behaviour, and when."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.errors import InputError, MappingError
from groundswell.ingest import adoptions
from tests.conftest import ingests_or_fails_cleanly, snapshot, write_csv

ROWS = [
    ["ann@x.com", "new expense tool", "2024-03-04"],
    ["E2", "new expense tool", "2024-03-06T09:30:00Z"],
    ["ann@x.com", "new expense tool", "2024-03-01"],  # earlier: this date is kept
    ["", "new expense tool", "2024-03-02"],  # no person
    ["E3", "weekly demo", "2024-03-10"],
]


def test_adoptions_are_stored_pseudonymous_with_the_first_date(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "a.csv", ["Email", "Behaviour", "Date"], ROWS)
    s = adoptions.ingest(ws, f)
    assert (s.rows_read, s.adoptions, s.people) == (5, 3, 3)
    assert s.skipped == {"repeat of an adoption": 1, "no person": 1}
    p = ws.pseudonymiser.person
    got = ws.query("SELECT person_id, behaviour, ts FROM adoptions ORDER BY ts")
    assert list(got.itertuples(index=False, name=None)) == [
        (p("ann@x.com"), "new expense tool", pd.Timestamp("2024-03-01", tz="UTC")),
        (p("E2"), "new expense tool", pd.Timestamp("2024-03-06T09:30:00Z")),
        (p("E3"), "weekly demo", pd.Timestamp("2024-03-10", tz="UTC")),
    ]
    assert "ann@x.com" not in ws.query("SELECT * FROM adoptions").to_string()
    src = ws.query("SELECT kind, rows_read, rows_skipped FROM sources")
    assert list(src.itertuples(index=False, name=None)) == [("adoptions", 5, 2)]


def test_the_same_file_twice_and_a_cumulative_extract_add_only_new_adopters(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "a.csv", ["person", "behaviour", "date"], ROWS[:2])
    adoptions.ingest(ws, f)
    assert adoptions.ingest(ws, f).already_ingested
    later = write_csv(
        tmp_path / "b.csv",
        ["person", "behaviour", "date"],
        [*ROWS[:2], ["E9", "new expense tool", "2024-04-01"]],
    )
    s = adoptions.ingest(ws, later)
    assert s.adoptions == 1 and s.skipped == {"already in the workspace": 2}
    assert len(ws.query("SELECT * FROM adoptions")) == 3


def test_behaviour_option_mapping_and_dry_run(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "a.csv", ["Who", "FirstUsed"], [["E1", "2024-01-02"]])
    with pytest.raises(MappingError, match="behaviour"):
        adoptions.ingest(ws, f)
    before = snapshot(ws)
    s = adoptions.ingest(ws, f, behaviour="copilot", dry_run=True)
    assert s.dry_run and s.adoptions == 1 and snapshot(ws) == before
    g = write_csv(tmp_path / "g.csv", ["Staff", "Feature", "On"], [["E1", "copilot", "2024-01-02"]])
    s = adoptions.ingest(ws, g, mapping={"person": "Staff", "date": "On"})
    assert s.adoptions == 1
    with pytest.raises(InputError, match="behaviour option is given but the file has"):
        adoptions.ingest(ws, g, mapping={"person": "Staff", "date": "On"}, behaviour="x")


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (["E1", "tool", ""], "empty adoption date"),
        (["E1", "tool", "next tuesday"], "date"),
        (["E1", "???", "2024-01-01"], "without letters or digits"),
    ],
)
def test_bad_rows_name_the_line_and_change_nothing(ws, tmp_path, row, problem) -> None:
    f = write_csv(tmp_path / "a.csv", ["person", "behaviour", "date"], [ROWS[0][:3], row])
    before = snapshot(ws)
    with pytest.raises(InputError, match=problem) as err:
        adoptions.ingest(ws, f)
    assert "a.csv" in str(err.value) and "line 3" in str(err.value)
    assert snapshot(ws) == before


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=300), cut=st.integers(0, 200))
def test_random_corruption_ingests_or_fails_cleanly(tmp_path_factory, data, cut) -> None:
    import groundswell as gs

    folder = tmp_path_factory.mktemp("fuzz")
    text = "person,behaviour,date\n" + "\n".join(",".join(r) for r in ROWS) + "\n"
    raw = text.encode()[:cut] + data
    f = folder / "a.csv"
    f.write_bytes(raw)
    with gs.init(folder / "ws") as ws:
        ingests_or_fails_cleanly(ws, lambda: adoptions.ingest(ws, f))
