"""The outcomes reader: results by person (HR id, email or name) or group, pseudonymised at
ingest, read through the shared table reader, and refused with one line naming the record."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from groundswell.cli import app
from groundswell.errors import InputError, MappingError
from groundswell.ingest import outcomes
from tests.conftest import snapshot, write_csv

HEADER = ["Employee", "KPI", "Actual", "Month", "Target", "Channel"]
ROWS = [
    ["E4", "sales", "120", "2024-03-01", "100", "#deals"],
    ["eve@x.com", "sales", "90", "2024-03-01", "100", ""],  # an email the org chart links
    ["Fay Fox", "sales", "80", "2024-03-01", "100", ""],  # a name among the sealed identities
    ["", "sales", "70", "2024-03-01", "100", ""],  # nobody: skipped
    ["E5", "sales", "", "2024-04-01", "100", ""],  # no value: skipped
    ["zed@y.com", "sales", "10", "2024-03-01", "100", ""],  # not in the workspace yet
]


@pytest.fixture
def hr_ws(ws, hr_file):
    ws.ingest_orgchart(hr_file)
    return ws


def test_people_are_resolved_like_every_reader_and_stored_pseudonymous(hr_ws, tmp_path) -> None:
    f = write_csv(tmp_path / "o.csv", HEADER, ROWS)
    s = outcomes.ingest(hr_ws, f)
    assert (s.rows_read, s.outcomes, s.people) == (6, 4, 4)
    assert s.skipped == {"no person or group": 1, "no value": 1}
    assert any("not in the workspace" in w for w in s.warnings)
    p = hr_ws.pseudonymiser.person
    got = hr_ws.query("SELECT subject_kind, subject, measure, value, target, tag FROM outcomes")
    by = got.set_index("subject")
    assert set(by.index) == {p("E4"), p("E5"), p("E6"), p("zed@y.com")}
    assert by.loc[p("E4"), "tag"] == "#deals" and by.loc[p("E4"), "target"] == 100.0
    assert by.loc[p("E5"), "value"] == 90.0  # eve@x.com is E5
    assert by.loc[p("E6"), "value"] == 80.0  # Fay Fox is E6
    text = hr_ws.query("SELECT * FROM outcomes").to_string()
    for clear in ("eve@x.com", "Fay Fox", "zed@y.com", "E4"):
        assert clear not in text


def test_groups_take_the_org_chart_spelling_and_regional_files_are_read(hr_ws, tmp_path) -> None:
    f = tmp_path / "d.csv"  # semicolons, day-first dates, decimal commas, thousands points
    f.write_text(
        "Department;Measure;Score;Date\nsales;revenue;1.234,5;03/04/2024\n"
        "ENG;revenue;12,5;03/04/2024\nNowhere;revenue;3;03/04/2024\n",
        encoding="cp1252",
    )
    s = outcomes.ingest(hr_ws, f)
    assert s.outcomes == 3 and any("not in the org chart" in w for w in s.warnings)
    got = hr_ws.query("SELECT subject_kind, subject, value, ts FROM outcomes ORDER BY subject")
    assert list(got["subject"]) == ["Eng", "Nowhere", "Sales"]
    assert list(got["value"]) == [12.5, 3.0, 1234.5]
    assert set(got["subject_kind"]) == {"department"}
    assert got["ts"][0] == pd.Timestamp("2024-04-03", tz="UTC")  # day first


def test_an_excel_workbook_with_one_measure_for_the_file(hr_ws, tmp_path) -> None:
    path = tmp_path / "t.xlsx"
    pd.DataFrame(
        {
            "team": ["Core", "North"],
            "score": [4.2, 3.8],
            "as of": pd.to_datetime(["2024-05-01"] * 2),
        }
    ).to_excel(path, index=False)
    s = outcomes.ingest(hr_ws, path, measure="engagement")
    assert s.outcomes == 2
    got = hr_ws.query("SELECT subject_kind, subject, measure, value FROM outcomes ORDER BY 2")
    assert list(got.itertuples(index=False, name=None)) == [
        ("team", "Core", "engagement", 4.2),
        ("team", "North", "engagement", 3.8),
    ]


def test_the_same_file_twice_adds_nothing_and_a_correction_replaces(hr_ws, tmp_path) -> None:
    f = write_csv(tmp_path / "o.csv", HEADER, ROWS[:1])
    outcomes.ingest(hr_ws, f)
    assert outcomes.ingest(hr_ws, f).already_ingested
    fixed = write_csv(tmp_path / "o2.csv", HEADER, [["E4", "sales", "125", "2024-03-01", "", ""]])
    assert outcomes.ingest(hr_ws, fixed).outcomes == 1
    got = hr_ws.query("SELECT value, target FROM outcomes")
    assert len(got) == 1 and got["value"][0] == 125.0 and pd.isna(got["target"][0])


def test_a_dry_run_writes_nothing(hr_ws, tmp_path) -> None:
    before = snapshot(hr_ws)
    s = outcomes.ingest(hr_ws, write_csv(tmp_path / "o.csv", HEADER, ROWS), dry_run=True)
    assert s.dry_run and s.outcomes == 4
    assert snapshot(hr_ws) == before
    assert hr_ws.query("SELECT count(*) AS n FROM outcomes")["n"][0] == 0


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ([["E4", "sales", "lots", "2024-03-01", "", ""]], ["line 2", "unreadable value", "lots"]),
        ([["E4", "sales", "1", "2024-03-01", "x", ""]], ["line 2", "unreadable target", "'x'"]),
        ([["E4", "sales", "1", "someday", "", ""]], ["line 2", "someday"]),
        ([["E4", "--", "1", "2024-03-01", "", ""]], ["line 2", "measure", "'--'"]),
        (
            [
                ["E4", "sales", "1", "2024-03-01", "", ""],
                ["e4", "sales", "2", "2024-03-01", "", ""],
            ],
            ["lines [2, 3]", "two figures of 'sales'"],
        ),
    ],
)
def test_bad_input_is_one_error_line_and_the_workspace_is_unchanged(
    hr_ws, tmp_path, rows, words
) -> None:
    good = write_csv(tmp_path / "ok.csv", HEADER, ROWS[:1])
    outcomes.ingest(hr_ws, good)
    before = snapshot(hr_ws)
    stored = hr_ws.query("SELECT * FROM outcomes ORDER BY ALL")
    f = write_csv(tmp_path / "bad.csv", HEADER, rows)
    with pytest.raises(InputError) as err:
        outcomes.ingest(hr_ws, f)
    for word in words:
        assert word in str(err.value), (word, str(err.value))
    assert "bad.csv" in str(err.value)
    assert snapshot(hr_ws) == before
    assert hr_ws.query("SELECT * FROM outcomes ORDER BY ALL").equals(stored)


def test_a_file_that_names_no_subject_or_no_measure_is_refused(hr_ws, tmp_path) -> None:
    f = write_csv(
        tmp_path / "o.csv", ["Region", "KPI", "Value", "Date"], [["N", "s", "1", "2024-01-01"]]
    )
    with pytest.raises(InputError, match="whose result"):
        outcomes.ingest(hr_ws, f)
    f = write_csv(tmp_path / "m.csv", ["Employee", "Value", "Date"], [["E4", "1", "2024-01-01"]])
    with pytest.raises(MappingError, match="measure"):
        outcomes.ingest(hr_ws, f)


def test_the_cli_prints_one_error_line(tmp_path, hr_file) -> None:
    runner = CliRunner()
    ws = tmp_path / "w"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    assert runner.invoke(app, ["ingest", "orgchart", str(ws), str(hr_file), "-q"]).exit_code == 0
    bad = write_csv(tmp_path / "bad.csv", HEADER, [["E4", "sales", "lots", "2024-03-01", "", ""]])
    r = runner.invoke(app, ["ingest", "outcomes", str(ws), str(bad)])
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "bad.csv, line 2" in lines[0]
    good = write_csv(tmp_path / "o.csv", HEADER, ROWS)
    r = runner.invoke(app, ["ingest", "outcomes", str(ws), str(good)])
    assert r.exit_code == 0 and "4 outcome figures" in r.stdout
