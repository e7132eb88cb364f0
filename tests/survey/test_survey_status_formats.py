"""``groundswell survey status --format table|csv|json`` (issue 14, point 7): the same
figures as the table, small departments suppressed alike."""

from __future__ import annotations

import csv
import io
import json

import typer
from typer.testing import CliRunner

from groundswell.cli.survey import survey_app

app = typer.Typer()
app.add_typer(survey_app, name="survey")
run = CliRunner().invoke


def test_status_prints_csv_and_json(org, tmp_path) -> None:
    ws = str(org.path)
    assert run(app, ["survey", "create", ws, "--name", "Spring"]).exit_code == 0
    links = str(tmp_path / "links.csv")
    launch = ["survey", "launch", ws, "Spring", "--base-url", "https://x.example.com"]
    assert run(app, [*launch, "--links-csv", links]).exit_code == 0

    r = run(app, ["survey", "status", ws, "Spring", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows[0]["department"] == "all" and rows[0]["invited"] == "24"
    assert "(suppressed)" in {row["department"] for row in rows}
    assert {"invited", "started", "submitted", "rate"} <= set(rows[0])

    r = run(app, ["survey", "status", ws, "Spring", "--format", "json"])
    shown = json.loads(r.stdout)
    assert r.exit_code == 0 and shown["invited"] == 24 and shown["departments"]
    assert json.loads(run(app, ["survey", "status", ws, "Spring", "--json"]).stdout) == shown
