"""Damaged input (issue 13, item 8): a file cut short, NUL bytes, an mbox without its 'From '
lines, nothing to ingest, a damaged zip member. Each is an InputError naming the file and the
record, with every table of the workspace as it was, or (a CSV whose last record is complete
but which has no final line break) a warning in the summary.

Every damaged file here is made from a small hand-written sample (tests/conftest.py, tests/data)
or from a real sample in ../shared/data, read in place and damaged in a temporary folder."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app
from groundswell.errors import InputError
from tests.conftest import HR_HEADER, HR_ROWS, SHARED_DATA, TEST_DATA, snapshot, write_csv

MBOX = TEST_DATA / "email" / "acme.mbox"
ICS = TEST_DATA / "calendar" / "team.ics"
ENGAGE = TEST_DATA / "engage" / "export"
TEAMS_PAGE = TEST_DATA / "teams" / "export" / "general_messages.json"
PERCEVAL = SHARED_DATA / "mbox-perceval"  # GPL: read in place, damaged copies in tmp_path only
VIVA_SAMPLES = SHARED_DATA / "viva-insights-vivainsights-pkg" / "vivainsights" / "data"
VIEWER_ZIP = SHARED_DATA / "slack-export" / "slack-export-viewer-testarchive" / "testarchive.zip"


@pytest.fixture
def hr_ws(ws: gs.Workspace, hr_file: Path) -> gs.Workspace:
    """A workspace holding the HR fixture, so 'unchanged' compares tables with rows in them."""
    ws.ingest_orgchart(hr_file)
    return ws


def refused(ws: gs.Workspace, kind: str, path: Path, match: str) -> InputError:
    """Ingest ``path``; it must raise InputError matching ``match`` and change no table."""
    before = snapshot(ws)
    with pytest.raises(InputError, match=match) as err:
        ws.ingest(kind, path)
    assert snapshot(ws) == before
    return err.value


# -- the five CSV readers ----------------------------------------------------------------------
def csv_sample(kind: str, folder: Path) -> Path:
    """A good file for each table reader, from the hand-written samples."""
    if kind == "orgchart":
        return write_csv(folder / "hr2.csv", HR_HEADER, HR_ROWS)
    if kind == "events":
        rows = [
            [f"ev{i}", "E1", f"E{2 + i % 4}", f"2024-03-0{1 + i}T10:00:00Z", "dm"] for i in range(5)
        ]
        return write_csv(
            folder / "ev.csv", ["event_id", "actor", "targets", "timestamp", "kind"], rows
        )
    if kind == "adoptions":
        rows = [[f"E{i}", "new expense tool", f"2024-03-0{i}"] for i in range(1, 6)]
        return write_csv(folder / "ad.csv", ["person", "behaviour", "date"], rows)
    sample = {
        "survey": TEST_DATA / "survey" / "answers.csv",
        "viva": TEST_DATA / "viva" / "p2p_iso.csv",
    }
    return Path(shutil.copy(sample[kind], folder / sample[kind].name))


CSV_KINDS = ["orgchart", "events", "adoptions", "survey", "viva"]


def cut_last_record(text: str, keep: int) -> str:
    """The CSV with its last record cut after ``keep`` fields and no line break after it."""
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows[:-1])
    last = io.StringIO()
    csv.writer(last, lineterminator="").writerow(rows[-1][:keep])
    return out.getvalue() + last.getvalue()


@pytest.mark.parametrize("kind", CSV_KINDS)
def test_a_csv_cut_mid_record_is_refused(hr_ws, tmp_path, kind) -> None:
    good = csv_sample(kind, tmp_path)
    text = good.read_text()
    n_lines = len(text.splitlines())
    good.write_text(cut_last_record(text, 2))
    err = refused(hr_ws, kind, good, "cut short")
    assert err.line == n_lines and "2 of the header's" in str(err)


def test_the_org_chart_cut_after_110_of_200_rows_stores_nothing(hr_ws, tmp_path) -> None:
    """The case of the issue: 110 rows and a bogus person "E00" (the start of "E00111")."""
    rows = [[f"E{i:05d}", f"P {i}", "", "" if i == 1 else "E00001"] for i in range(1, 201)]
    f = write_csv(tmp_path / "hr200.csv", ["employee_id", "name", "email", "manager_id"], rows)
    data = f.read_bytes()
    f.write_bytes(data[: data.index(b"E00111")] + b"E00")
    err = refused(hr_ws, "orgchart", f, r"line 112: the last record has 1 of the header's 4 fields")
    assert err.found == "E00"


@pytest.mark.parametrize("kind", CSV_KINDS)
def test_a_nul_byte_is_refused_with_its_line(hr_ws, tmp_path, kind) -> None:
    f = csv_sample(kind, tmp_path)
    lines = f.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b",", b",\x00", 1)
    f.write_bytes(b"\n".join(lines))
    err = refused(hr_ws, kind, f, "NUL byte")
    assert err.line == 3 and "\x00" in err.found


@pytest.mark.parametrize("kind", CSV_KINDS)
def test_a_header_only_file_is_nothing_to_ingest(hr_ws, tmp_path, kind) -> None:
    f = csv_sample(kind, tmp_path)
    f.write_bytes(f.read_bytes().splitlines(keepends=True)[0])
    refused(hr_ws, kind, f, "nothing to ingest: the file holds its header line and no data rows")
    assert len(hr_ws.query("SELECT * FROM sources")) == 1  # the HR file only


@pytest.mark.parametrize("kind", CSV_KINDS)
def test_no_final_line_break_is_read_with_a_warning(ws, tmp_path, kind) -> None:
    """A cut inside the last field cannot be told from a file written without a final line
    break: the ingest goes on, and says so, naming the last record."""
    f = csv_sample(kind, tmp_path)
    text = f.read_text().rstrip("\r\n")
    f.write_text(text, newline="")
    s = ws.ingest(kind, f)
    assert s.source_id is not None
    line = len(text.splitlines())
    assert any(
        "does not end with a line break" in w and f"(line {line})" in w for w in s.warnings
    ), s.warnings


def test_a_real_viva_sample_cut_mid_record_is_refused(ws, tmp_path) -> None:
    if not VIVA_SAMPLES.exists():
        pytest.skip("shared viva-insights sample absent")
    f = tmp_path / "p2p_data.csv"
    f.write_text(cut_last_record((VIVA_SAMPLES / "p2p_data.csv").read_text(), 3))
    assert refused(ws, "viva", f, "cut short").line == 2015


# -- Engage --------------------------------------------------------------------------------------
def zip_folder(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
    return out


def damage_member(data: bytes, name: bytes) -> bytes:
    """Flip 40 bytes of the compressed data of zip member ``name``."""
    i = data.index(b"PK\x03\x04")  # local file headers, until the one of ``name``
    while data[i + 30 : i + 30 + len(name)] != name:
        i = data.index(b"PK\x03\x04", i + 4)
    n, extra = (int.from_bytes(data[i + k : i + k + 2], "little") for k in (26, 28))
    at = i + 30 + n + extra + 10
    return data[:at] + bytes(b ^ 0x55 for b in data[at : at + 40]) + data[at + 40 :]


def test_an_engage_zip_with_a_damaged_member_names_the_member(hr_ws, tmp_path) -> None:
    z = zip_folder(ENGAGE, tmp_path / "engage.zip")
    z.write_bytes(damage_member(z.read_bytes(), b"Messages.csv"))
    refused(hr_ws, "engage", z, r"engage\.zip/Messages\.csv: damaged inside the zip")


def engage_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(ENGAGE, tmp_path / "export"))


def test_engage_csvs_cut_short_with_nul_bytes_or_no_message(hr_ws, tmp_path) -> None:
    export = engage_copy(tmp_path)
    messages = export / "Messages.csv"
    text = messages.read_text()
    header = next(csv.reader(io.StringIO(text)))
    # cut after created_at: every required column is there, the rest of the record is lost
    messages.write_text(cut_last_record(text, header.index("created_at") + 1))
    refused(hr_ws, "engage", export, r"Messages\.csv, line \d+: the last record has")
    messages.write_text(text.replace("user:", "us\x00er:", 1))
    refused(hr_ws, "engage", export, r"Messages\.csv, line 2: a NUL byte")
    messages.write_text(text.splitlines(keepends=True)[0])
    refused(hr_ws, "engage", export, "nothing to ingest: no message in Messages.csv")


# -- Email ---------------------------------------------------------------------------------------
ENVELOPE = re.compile(rb"(?m)^From [^\n]*\d{1,2}:\d\d[^\n]*\n")


def test_an_mbox_without_from_lines_is_not_read_as_one_message(hr_ws, tmp_path) -> None:
    f = tmp_path / "acme.mbox"
    f.write_bytes(ENVELOPE.sub(b"", MBOX.read_bytes()))
    refused(hr_ws, "email", f, "line 1: an mbox file that does not start with a 'From ' line")


def test_a_real_mbox_without_from_lines_is_refused(ws, tmp_path) -> None:
    if not PERCEVAL.exists():
        pytest.skip("shared mbox-perceval sample absent")
    f = tmp_path / "pipermail_2016_april.mbox"
    f.write_bytes(ENVELOPE.sub(b"", (PERCEVAL / f.name).read_bytes()))
    refused(ws, "email", f, "does not start with a 'From ' line")


def test_mbox_cut_short_nul_in_headers_or_empty(hr_ws, tmp_path) -> None:
    data = MBOX.read_bytes()
    third = [m.start() for m in ENVELOPE.finditer(data)][2]
    line = data.count(b"\n", 0, third) + 1
    f = tmp_path / "acme.mbox"
    f.write_bytes(data[: third + data[third:].index(b"\n") + 30])  # inside its header block
    assert refused(hr_ws, "email", f, "ends inside the header block").line == line
    f.write_bytes(data[: third + data[third:].index(b"\n")])  # at the end of its 'From ' line
    assert refused(hr_ws, "email", f, "ends inside the 'From ' line").line == line
    f.write_bytes(data.replace(b"\nTo: ", b"\nTo: \x00", 1))
    refused(hr_ws, "email", f, "NUL byte")
    f.write_bytes(b"")
    refused(hr_ws, "email", f, "the file is empty")


# -- Calendar, Teams, Slack ------------------------------------------------------------------------
def test_calendar_nul_empty_and_no_event(hr_ws, tmp_path) -> None:
    f = tmp_path / "team.ics"
    data = ICS.read_bytes()
    f.write_bytes(data.replace(b"SUMMARY:", b"SUMMARY:a\x00", 1))
    line = data[: data.index(b"SUMMARY:")].count(b"\n") + 1
    assert refused(hr_ws, "calendar", f, "NUL byte").line == line
    f.write_bytes(b"")
    refused(hr_ws, "calendar", f, "the file is empty")
    f.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    refused(hr_ws, "calendar", f, "nothing to ingest: no VEVENT")


def test_teams_empty_nul_and_cut_short(hr_ws, tmp_path) -> None:
    f = tmp_path / "page.json"
    for empty in (b"  \n", b'{"value": []}'):
        f.write_bytes(empty)
        refused(hr_ws, "teams", f, "nothing to ingest: no chatMessage")
    data = TEAMS_PAGE.read_bytes()
    f.write_bytes(data.replace(b'"value": [', b'"value":\x00 [', 1))
    refused(hr_ws, "teams", f, "line 5: a NUL byte")
    f.write_bytes(data[: len(data) // 2])  # a pretty-printed page cut in half
    err = refused(hr_ws, "teams", f, "cut short")
    assert err.line == data[: len(data) // 2].count(b"\n") + 1


def test_a_slack_export_with_neither_users_nor_messages_is_nothing(hr_ws, tmp_path) -> None:
    export = tmp_path / "slack"
    export.mkdir()
    (export / "users.json").write_text("[]")
    (export / "channels.json").write_text("[]")
    refused(hr_ws, "slack", export, "nothing to ingest: no message and no user")


def test_a_real_slack_zip_with_a_damaged_member_is_refused(ws, tmp_path) -> None:
    if not VIEWER_ZIP.exists():
        pytest.skip("shared slack-export sample absent")
    f = tmp_path / "testarchive.zip"
    data = VIEWER_ZIP.read_bytes()
    member = next(n for n in zipfile.ZipFile(VIEWER_ZIP).namelist() if n.endswith(".json"))
    f.write_bytes(damage_member(data, member.encode()))
    refused(ws, "slack", f, re.escape(member))


# -- the command line: one error line, no traceback ------------------------------------------------
def test_the_cli_prints_one_error_line_and_no_traceback(tmp_path, hr_file) -> None:
    runner = CliRunner()
    acme = tmp_path / "acme"
    assert runner.invoke(app, ["init", str(acme)]).exit_code == 0
    z = zip_folder(ENGAGE, tmp_path / "engage.zip")
    z.write_bytes(damage_member(z.read_bytes(), b"Users.csv"))
    cut = tmp_path / "hr.csv"
    cut.write_bytes(hr_file.read_bytes()[:-40])
    for kind, path, words in [
        ("engage", z, "Users.csv: damaged inside the zip"),
        ("orgchart", cut, "cut short"),
    ]:
        r = runner.invoke(app, ["ingest", kind, str(acme), str(path), "-q"], catch_exceptions=False)
        assert r.exit_code == 1
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ") and words in r.stderr
        assert "Traceback" not in r.output
    cut.write_bytes(hr_file.read_bytes().rstrip(b"\r\n"))  # complete, but no final line break
    r = runner.invoke(app, ["ingest", "orgchart", str(acme), str(cut)], catch_exceptions=False)
    assert r.exit_code == 0 and "warning: " in r.stdout and "line 7" in r.stdout
