"""No raw name, address or phone number anywhere in a pseudonymous workspace or its exports
(issue 15, point 4).

Files with known raw names and emails from every kind of source (an HR file with phone and
remarks columns, events, an mbox with display names, a Slack export, Teams messages with a
channel member list, survey answers; tests/e2e/org_files.py) are ingested, analysed and
exported. Then every byte is searched for each raw string as written, lower-cased, and in
UTF-16 (both byte orders):

- the workspace folder, every file in it (the DuckDB file, the write-ahead log while the
  workspace is still open — before DuckDB checkpoints it into the database file — and after
  closing, when it has been checkpointed);
- every export: the Parquet lake (export-lake), the network exports (``export`` as GEXF,
  GraphML, JSON and CSV), the report's HTML, the text of its PDF (pdftotext), the CSV and
  JSON of ``people`` and ``groups``.

DuckDB may compress strings in its file (dictionary and FSST), which a byte search could
miss; so every text cell of every table is also read back through SQL and searched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app
from tests.e2e import org_files

RUNNER = CliRunner()


def _needles() -> list[bytes]:
    out: set[bytes] = set()
    for raw in org_files.raw_strings():
        for text in {raw, raw.lower()}:
            out.add(text.encode("utf-8"))
            out.add(text.encode("utf-16-le"))
            out.add(text.encode("utf-16-be"))
    return sorted(out)


NEEDLES = _needles()


def _found(data: bytes) -> list[str]:
    low = data.lower()
    return [n.decode("utf-8", "replace") for n in NEEDLES if n in data or n.lower() in low]


def _files_with_pii(folder: Path) -> dict[str, list[str]]:
    hits = {}
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        found = _found(f.read_bytes())
        if found:
            hits[str(f.relative_to(folder))] = found[:5]
    return hits


def _cells_with_pii(ws: gs.Workspace) -> dict[str, list[str]]:
    hits = {}
    tables = ws.query("SELECT table_name FROM information_schema.tables")["table_name"]
    for table in tables:
        text = ws.query(f'SELECT * FROM "{table}"').to_csv().encode()
        found = _found(text)
        if found:
            hits[table] = found[:5]
    return hits


def _invoke(*args: str) -> str:
    done = RUNNER.invoke(app, list(args), catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return done.output


def test_the_needles_are_found_where_they_are(tmp_path) -> None:
    # the search itself: it finds a raw name written in each encoding, in any case
    name = org_files.people()[0].name
    for enc in ("utf-8", "utf-16-le", "utf-16-be"):
        assert _found(f"x{name.upper()}y".encode(enc))
    assert not _found(b"p_k3xq7m2a9d Vertrieb Technik")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler) absent")
def test_no_raw_name_email_or_phone_in_the_workspace_or_any_export(tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    folder = tmp_path / "acme"
    with gs.init(folder) as ws:
        toml = folder / "groundswell.toml"
        toml.write_text(
            toml.read_text().replace(
                "internal_domains = []", f'internal_domains = ["{org_files.DOMAIN}"]'
            )
        )
    with gs.open(folder) as ws:
        summary = ws.ingest_orgchart(org_files.hr_plain(src / "hr.csv"))
        said = " ".join(summary.lines())
        assert "'Mobile' (a phone number)" in said and "'Comments' (free text)" in said
        ws.ingest_events(org_files.events(src / "events.csv"))
        ws.ingest("email", org_files.mbox(src / "mail.mbox"))
        ws.ingest("slack", org_files.slack(src / "slack"))
        ws.ingest("teams", org_files.teams(src / "teams"))
        ws.ingest("survey", org_files.survey(src / "answers.csv"))
        wal = folder / "groundswell.duckdb.wal"
        if wal.exists():  # before the checkpoint: what the ingests wrote is in the log
            assert wal.stat().st_size > 0
            assert _found(wal.read_bytes()) == []
        assert _files_with_pii(folder) == {}
        assert _cells_with_pii(ws) == {}
        run = ws.analyze("2024-03-01..2024-04-01")
        assert run.external()["summary"]["externals"] == 2  # the outsiders, by domain
    assert not wal.exists()  # closed: checkpointed into the database file
    out = tmp_path / "out"
    _invoke("export-lake", str(folder), str(out / "lake"))
    _invoke("report", str(folder), "-o", str(out / "report.html"), "--pdf")
    (out / "report.txt").write_text(
        subprocess.run(
            ["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
    )
    (out / "people.csv").write_text(
        _invoke("people", str(folder), "--format", "csv", "--top", "1000")
    )
    people = _invoke("people", str(folder), "--format", "json", "--top", "1000")
    (out / "people.json").write_text(people)
    assert len(json.loads(people)) >= 12  # the listing is there, pseudonymous
    (out / "groups.csv").write_text(_invoke("groups", str(folder), "--format", "csv"))
    (out / "groups.json").write_text(_invoke("groups", str(folder), "--format", "json"))
    for fmt, name in (("gexf", "g.gexf"), ("graphml", "g.graphml"), ("json", "g.json"),
                      ("csv", "tables")):  # fmt: skip
        _invoke("export", str(folder), "--format", fmt, "-o", str(out / name))
    assert "Vertrieb" in (out / "report.txt").read_text()  # the PDF's text was read
    assert _files_with_pii(out) == {}
    assert _files_with_pii(folder) == {}
    with gs.open(folder) as ws:
        assert _cells_with_pii(ws) == {}
