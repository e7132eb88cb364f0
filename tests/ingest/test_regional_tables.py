"""Tables as organisations really export them (issue 15, points 1 to 3): every file here is
written by hand in a regional format, and every expected value is computed independently of
the reader (a datetime built from its parts, a count of the rows written)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest import adoptions, events, orgchart, survey, tables
from tests.conftest import snapshot

# -- a German HR export: semicolons, Windows-1252 umlauts, day-first dates, decimal commas ----

GERMAN = [
    ["Personalnummer", "Nachname", "Abteilung", "Vorgesetzter", "Eintrittsdatum", "FTE"],
    ["1001", "Müller", "Geschäftsführung", "", "03.04.2022", "1,0"],
    ["1002", "Schäfer", "Qualitätssicherung", "1001", "25.02.2022", "0,5"],
    ["1003", "Groß", "Qualitätssicherung", "1002", "01.12.2021", "0,75"],
    ["1004", "Öztürk", "Vertrieb Süd", "1001", "12.01.2020", "1,0"],
]
#: each person's hire date read day first, built from its parts
GERMAN_HIRED = {
    "1001": dt.date(2022, 4, 3),
    "1002": dt.date(2022, 2, 25),
    "1003": dt.date(2021, 12, 1),
    "1004": dt.date(2020, 1, 12),
}


def _write(
    path: Path, rows: list[list[str]], *, sep: str, encoding: str, eol: str = "\r\n"
) -> Path:
    path.write_bytes("".join(sep.join(r) + eol for r in rows).encode(encoding))
    return path


def _pairs(people: pd.DataFrame, col: str) -> list[tuple[str, object]]:
    return list(zip(people["person_id"], people[col], strict=True))


def _people(ws: gs.Workspace) -> pd.DataFrame:
    return ws.query("SELECT person_id, department, hire_date, manager_id FROM people")


def _options(ws: gs.Workspace) -> dict:
    return json.loads(ws.query("SELECT options FROM sources ORDER BY source_id DESC")["options"][0])


def test_a_german_hr_export_loads_with_its_dialect_and_dates_said(ws, tmp_path) -> None:
    f = _write(tmp_path / "Mitarbeiter.csv", GERMAN, sep=";", encoding="cp1252")
    assert b"\xfc" in f.read_bytes()  # ü in Windows-1252: not UTF-8
    summary = ws.ingest_orgchart(f)
    people = _people(ws)
    assert len(people) == 4
    ids = list(GERMAN_HIRED)
    pid = dict(zip(ids, ws.pseudonymiser.people(ids), strict=True))
    hired = {p: pd.Timestamp(d).date() for p, d in _pairs(people, "hire_date")}
    assert {k: hired[pid[k]] for k in GERMAN_HIRED} == GERMAN_HIRED
    depts = dict(zip(people["person_id"], people["department"], strict=True))
    assert depts[pid["1002"]] == "Qualitätssicherung" and depts[pid["1004"]] == "Vertrieb Süd"
    managers = dict(zip(people["person_id"], people["manager_id"], strict=True))
    assert managers[pid["1003"]] == pid["1002"]
    text = "\n".join(summary.lines())
    assert "semicolon-separated (detected)" in text
    assert "Windows-1252 (detected: line 2 has the byte 0xFC, not UTF-8)" in text
    assert "hire_date (column 'Eintrittsdatum') read as day.month.year" in text
    assert "decided by 25.02.2022 (line 3)" in text
    read = _options(ws)["read"]
    assert read["delimiter"] == ";" and read["encoding"] == "cp1252"
    assert read["dates"]["hire_date"]["format"] == "dmy"


def test_the_same_file_twice_adds_nothing_though_its_options_keep_what_was_read(
    ws, tmp_path
) -> None:
    f = _write(tmp_path / "hr.csv", GERMAN, sep=";", encoding="cp1252")
    first = ws.ingest_orgchart(f)
    again = ws.ingest_orgchart(f)
    assert again.already_ingested and again.source_id == first.source_id


def test_a_forced_wrong_delimiter_is_one_error_line_suggesting_the_right_one(ws, tmp_path) -> None:
    f = _write(tmp_path / "hr.csv", GERMAN, sep=";", encoding="utf-8")
    before = snapshot(ws)
    with pytest.raises(InputError) as err:
        ws.ingest_orgchart(f, delimiter=",")
    msg = str(err.value)
    assert "hr.csv" in msg and "\n" not in msg
    assert "the file looks semicolon-separated; try --delimiter ';'" in msg
    assert "the header is one column 'Personalnummer;Nachname;" in msg
    assert snapshot(ws) == before


def test_a_given_encoding_wins_over_the_detected_one(ws, tmp_path) -> None:
    f = _write(tmp_path / "hr.csv", GERMAN, sep=";", encoding="utf-8")
    ws.ingest_orgchart(f, encoding="latin-1")  # read wrongly, as asked: mojibake
    depts = set(_people(ws)["department"])
    assert "QualitÃ¤tssicherung" in depts
    assert _options(ws)["encoding"] == "latin-1"


def test_a_date_column_read_two_ways_is_refused_naming_the_rows(ws, tmp_path) -> None:
    rows = [r[:] for r in GERMAN]
    rows[4][4] = "01/13/2020"  # month first: contradicts 25.02.2022 on line 3
    f = _write(tmp_path / "hr.csv", rows, sep=";", encoding="utf-8")
    before = snapshot(ws)
    with pytest.raises(InputError) as err:
        ws.ingest_orgchart(f)
    msg = str(err.value)
    assert msg.startswith(f"{f}, line 5: hire_date is written two ways")
    assert "only month first on line 5" in msg and "only day first on line 3" in msg
    assert "found '01/13/2020'" in msg
    assert snapshot(ws) == before


@pytest.mark.parametrize(("dayfirst", "month"), [(True, 4), (False, 3)])
def test_a_column_that_does_not_decide_follows_the_locale_setting_and_says_so(
    tmp_path, dayfirst, month
) -> None:
    ws = gs.init(tmp_path / "w")
    (tmp_path / "w" / "groundswell.toml").write_text(
        f"[locale]\ndayfirst = {str(dayfirst).lower()}\n"
    )
    ws.close()
    rows = [["employee_id", "hire_date"], ["E1", "03/04/2022"], ["E2", "05/06/2021"]]
    f = _write(tmp_path / "hr.csv", rows, sep=",", encoding="utf-8")
    with gs.open(tmp_path / "w") as w:
        summary = w.ingest_orgchart(f)
        hired = sorted(pd.Timestamp(d).date() for d in _people(w)["hire_date"])
    first = dt.date(2022, month, 3 if month == 4 else 4)
    assert first in hired
    assert f"no value decides; locale.dayfirst = {str(dayfirst).lower()}" in "\n".join(
        summary.lines()
    )


# -- an Excel "Unicode text" file: UTF-16 with a byte-order mark, tab-separated ---------------


def test_a_utf16_unicode_text_events_file_without_kind_makes_messages(ws, tmp_path) -> None:
    rows = [
        ["Absender", "Empfänger", "Zeitpunkt"],
        ["jürgen@x.de", "zoë@x.de", "1262454010"],
        ["zoë@x.de", "jürgen@x.de;ådne@x.de", "1262454070"],
        ["ådne@x.de", "", "1262454130"],  # no targets: a post
    ]
    f = _write(tmp_path / "export.txt", rows, sep="\t", encoding="utf-16")
    assert f.read_bytes()[:2] == b"\xff\xfe"
    summary = ws.ingest_events(f, mapping={"actor": "Absender", "targets": "Empfänger",
                                           "timestamp": "Zeitpunkt"})  # fmt: skip
    assert (summary.messages, summary.interactions) == (3, 3)
    inter = ws.query("SELECT kind, ts FROM interactions ORDER BY ts")
    assert set(inter["kind"]) == {"message"}
    expected = dt.datetime.fromtimestamp(1262454010, dt.UTC)
    assert pd.Timestamp(inter["ts"].iloc[0]).tz_convert("UTC") == pd.Timestamp(expected)
    text = "\n".join(summary.lines())
    assert "tab-separated (detected), UTF-16 with a byte-order mark (detected" in text
    assert "Unix time in seconds" in text
    assert "2 rows with targets and no kind (no kind column) are 'message' interactions" in text
    assert "weighted 1.0 as ties.weights.message" in text
    assert ws.settings.ties["weights"]["message"] == ws.settings.ties["weights"]["dm"]


def test_millisecond_timestamps_and_time_zones_are_read_to_utc(ws, tmp_path) -> None:
    ms = [
        ["actor", "targets", "timestamp"],
        ["a", "b", "1262454010123"],
        ["b", "a", "1262454011000"],
    ]
    f = _write(tmp_path / "ms.csv", ms, sep=",", encoding="utf-8")
    ws.ingest_events(f)
    got = sorted(ws.query("SELECT ts FROM messages")["ts"])
    want = dt.datetime(2010, 1, 2, 17, 40, 10, 123000, tzinfo=dt.UTC)
    assert pd.Timestamp(got[0]).tz_convert("UTC") == pd.Timestamp(want)
    zoned = [["actor", "targets", "timestamp"], ["a", "c", "2022-04-03T09:15:00+02:00"]]
    g = _write(tmp_path / "tz.csv", zoned, sep=",", encoding="utf-8")
    ws.ingest_events(g)
    ts = ws.query("SELECT ts FROM messages WHERE ts > '2020-01-01'")["ts"].iloc[0]
    assert pd.Timestamp(ts).tz_convert("UTC") == pd.Timestamp("2022-04-03 07:15:00", tz="UTC")


def test_excel_serial_dates_are_days_since_1899_12_30(ws, tmp_path) -> None:
    rows = [["person", "behaviour", "date"], ["a", "tool", "44654"], ["b", "tool", "44654.5"]]
    f = _write(tmp_path / "adopt.csv", rows, sep=",", encoding="utf-8")
    summary = adoptions.ingest(ws, f)
    got = sorted(
        pd.Timestamp(t).tz_convert("UTC") for t in ws.query("SELECT ts FROM adoptions")["ts"]
    )
    day = dt.datetime(1899, 12, 30, tzinfo=dt.UTC) + dt.timedelta(days=44654)
    assert got == [pd.Timestamp(day), pd.Timestamp(day + dt.timedelta(hours=12))]
    assert "Excel serial dates" in "\n".join(summary.lines())


def test_a_column_of_seconds_and_milliseconds_is_refused(ws, tmp_path) -> None:
    rows = [
        ["actor", "targets", "timestamp"],
        ["a", "b", "1262454010"],
        ["a", "b", "1262454010000"],
    ]
    f = _write(tmp_path / "e.csv", rows, sep=",", encoding="utf-8")
    before = snapshot(ws)
    with pytest.raises(InputError, match=r"e.csv, line 3: timestamp is written two ways"):
        ws.ingest_events(f)
    assert snapshot(ws) == before


def test_a_later_batch_that_contradicts_the_first_is_refused_naming_its_line(ws, tmp_path) -> None:
    rows = [["actor", "targets", "timestamp", "kind"]]
    rows += [["a", "b", f"25/02/2022 10:0{i}", "dm"] for i in range(4)]
    rows += [["a", "b", "02/26/2022 10:00", "dm"]]  # line 6: month first
    f = _write(tmp_path / "e.csv", rows, sep=",", encoding="utf-8")
    before = snapshot(ws)
    with pytest.raises(InputError) as err:
        events.ingest(ws, f, batch_rows=2)
    msg = str(err.value)
    assert msg.startswith(f"{f}, line 6: timestamp contradicts the lines before")
    assert "decided by 25/02/2022 10:00 (line 2)" in msg
    assert snapshot(ws) == before


def test_a_file_that_makes_no_interaction_says_why(ws, tmp_path) -> None:
    rows = [["actor", "timestamp"], ["a", "2022-01-01"], ["b", "2022-01-02"]]
    f = _write(tmp_path / "posts.csv", rows, sep=",", encoding="utf-8")
    summary = ws.ingest_events(f)
    assert summary.interactions == 0
    assert any("no row makes an interaction: the file has no targets column" in w
               for w in summary.warnings)  # fmt: skip
    rows = [["actor", "targets", "timestamp", "kind"], ["a", "b", "2022-01-01", "post"]]
    g = _write(tmp_path / "p.csv", rows, sep=",", encoding="utf-8")
    warned = ws.ingest_events(g).warnings
    assert any("every row with targets has kind post" in w for w in warned)


def test_an_explicit_kind_option_names_the_default_kind(ws, tmp_path) -> None:
    rows = [["actor", "targets", "timestamp"], ["a", "b", "2022-01-01"]]
    f = _write(tmp_path / "e.csv", rows, sep="|", encoding="utf-8")
    summary = ws.ingest_events(f, kind="email")
    assert set(ws.query("SELECT kind FROM interactions")["kind"]) == {"email_to"}
    assert "pipe-separated (detected)" in "\n".join(summary.lines())
    with pytest.raises(InputError, match="the kind option 'post' makes no interaction"):
        ws.ingest_events(f, kind="post")


# -- an .xlsx workbook, written here with openpyxl -------------------------------------------


def test_an_xlsx_hr_file_is_read_directly_with_its_dates_and_whole_ids(ws, tmp_path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "HR"
    sheet.append(["EmployeeID", "ManagerID", "Department", "HireDate"])
    sheet.append([1001, None, "Exec", dt.datetime(2019, 4, 3)])
    sheet.append([1002, 1001, "Eng", dt.datetime(2021, 11, 30)])
    sheet.append([1003, 1002, "Eng", dt.datetime(2022, 2, 1)])
    f = tmp_path / "hr.xlsx"
    book.save(f)
    summary = orgchart.ingest(ws, f)
    people = _people(ws)
    ids = ["1001", "1002", "1003"]
    pid = dict(zip(ids, ws.pseudonymiser.people(ids), strict=True))
    hired = {p: pd.Timestamp(d).date() for p, d in _pairs(people, "hire_date")}
    assert hired == {pid["1001"]: dt.date(2019, 4, 3), pid["1002"]: dt.date(2021, 11, 30),
                     pid["1003"]: dt.date(2022, 2, 1)}  # fmt: skip
    managers = dict(zip(people["person_id"], people["manager_id"], strict=True))
    assert managers[pid["1003"]] == pid["1002"]  # 1002 read as "1002", not "1002.0"
    assert "Excel workbook, sheet 'HR'" in "\n".join(summary.lines())


def test_an_xlsx_error_names_the_sheet_row(ws, tmp_path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["person", "behaviour", "date"])
    book.active.append(["a", "tool", "2022-01-01"])
    book.active.append(["b", "tool", "someday"])
    f = tmp_path / "a.xlsx"
    book.save(f)
    with pytest.raises(InputError, match=r"a.xlsx, row 3: unparseable date"):
        adoptions.ingest(ws, f)


# -- the survey reader on the same path ------------------------------------------------------


def test_a_semicolon_latin1_survey_loads_with_decimal_comma_strengths(ws, tmp_path) -> None:
    rows = [
        ["Befragter", "Genannt", "Frage", "Datum", "Stärke"],
        ["anna", "jörg", "Rat", "03.04.2022", "0,5"],
        ["jörg", "anna", "Rat", "13.04.2022", "2"],
    ]
    f = _write(tmp_path / "umfrage.csv", rows, sep=";", encoding="latin-1")
    s = survey.ingest(
        ws, f, mapping={"respondent": "Befragter", "nominee": "Genannt", "question": "Frage",
                        "timestamp": "Datum", "strength": "Stärke"},
    )  # fmt: skip
    assert s.interactions == 2
    days = sorted(pd.Timestamp(t).date() for t in ws.query("SELECT ts FROM messages")["ts"])
    assert days == [dt.date(2022, 4, 3), dt.date(2022, 4, 13)]
    assert sorted(ws.query("SELECT weight FROM interactions")["weight"]) == [0.5, 2.0]


# -- detection rules, one by one -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),  # a decimal comma does not make it comma-separated
        ("a\tb\n1\t2\n", "\t"),
        ("a|b\n1|2\n", "|"),
        ('a;b\n"x;y";2\n', ";"),  # a quoted delimiter
        ("name\nAnn\n", ","),  # one column
    ],
)
def test_the_delimiter_rule(tmp_path, text, sep) -> None:
    f = tmp_path / "t.csv"
    f.write_text(text, encoding="utf-8")
    assert tables.sniff(f).delimiter == sep


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("a,b\nü,1\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "a,b\nü,1\n".encode(), "utf-8-sig"),
        ("a,b\nü,1\n".encode("utf-16"), "utf-16"),
        ("a,b\nü,1\n".encode("utf-16-le"), "utf-16-le"),
        ("a,b\nü,€\n".encode("cp1252"), "cp1252"),
        (b"a,b\n\xfc,\x81\n", "iso8859-1"),  # 0x81: undefined in Windows-1252
    ],
)
def test_the_encoding_rule(tmp_path, data, encoding) -> None:
    f = tmp_path / "t.csv"
    f.write_bytes(data)
    dialect = tables.sniff(f)
    assert dialect.encoding == encoding
    assert tables.read_table(f).iloc[0, 0] == "ü"


# -- the command line ------------------------------------------------------------------------


def test_the_cli_options_and_the_one_error_line(tmp_path) -> None:
    from typer.testing import CliRunner

    from groundswell.cli import app

    runner = CliRunner()
    acme = tmp_path / "acme"
    assert runner.invoke(app, ["init", str(acme)]).exit_code == 0
    f = _write(tmp_path / "hr.csv", GERMAN, sep=";", encoding="cp1252")
    r = runner.invoke(app, ["ingest", "orgchart", str(acme), str(f), "--delimiter", ","])
    assert r.exit_code != 0
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "try --delimiter ';'" in lines[0]
    r = runner.invoke(app, ["ingest", "orgchart", str(acme), str(f), "--encoding", "cp1252"])
    assert r.exit_code == 0, r.output
    assert "semicolon-separated (detected), Windows-1252 (given)" in r.output
    assert "4 people" in r.output
    ev = _write(tmp_path / "e.tsv", [["actor", "targets", "timestamp"], ["a", "b", "1262454010"]],
                sep="\t", encoding="utf-8")  # fmt: skip
    r = runner.invoke(app, ["ingest", "events", str(acme), str(ev), "--kind", "mention"])
    assert r.exit_code == 0, r.output
    assert "1 rows with targets and no kind (no kind column) are 'mention' interactions" in r.output
    r = runner.invoke(app, ["ingest", "events", str(acme), str(ev), "--encoding", "klingon"])
    assert r.output.startswith("error: ") and "unknown encoding option" in r.output


def test_an_xlsx_events_file_is_read_in_batches_like_a_csv(ws, tmp_path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["actor", "targets", "timestamp"])
    stamps = [dt.datetime(2022, 4, 3, 9, 0) + dt.timedelta(minutes=i) for i in range(5)]
    for i, when in enumerate(stamps):
        book.active.append([f"p{i}", f"p{i + 1}", when])
    f = tmp_path / "events.xlsx"
    book.save(f)
    summary = events.ingest(ws, f, batch_rows=2)
    assert (summary.messages, summary.interactions) == (5, 5)
    got = sorted(
        pd.Timestamp(t).tz_convert("UTC") for t in ws.query("SELECT ts FROM messages")["ts"]
    )
    assert got == [pd.Timestamp(w, tz="UTC") for w in stamps]
