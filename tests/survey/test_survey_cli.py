"""``groundswell survey ...`` in process (Typer's CliRunner), and that docs/survey.md documents
every command and option."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import typer
from typer.testing import CliRunner

from groundswell.cli.survey import survey_app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "survey.md"
app = typer.Typer()
app.add_typer(survey_app, name="survey")
run = CliRunner().invoke


def test_create_launch_status_close(org, tmp_path) -> None:
    ws = str(org.path)
    r = run(app, ["survey", "create", ws, "--name", "Spring"])
    assert r.exit_code == 0 and "advice" in r.output, r.output
    r = run(app, ["survey", "launch", ws, "Spring", "--base-url", "https://x.example.com"])
    assert r.exit_code == 1 and "--links-csv FILE or --send" in r.output
    links = tmp_path / "links.csv"
    r = run(app, ["survey", "launch", ws, "Spring", "--base-url", "https://x.example.com",
                  "--links-csv", str(links)])  # fmt: skip
    assert r.exit_code == 0 and "24 invitations" in r.output, r.output
    assert len(pd.read_csv(links)) == 24
    r = run(app, ["survey", "status", ws, "Spring", "--missing"])
    assert r.exit_code == 0 and "(suppressed)" in r.output and "24 people have not" in r.output
    r = run(app, ["survey", "close", ws, "1"])
    assert r.exit_code == 0 and "0 nominations" in r.output, r.output
    r = run(app, ["survey", "close", ws, "Spring"])
    assert r.exit_code == 0 and "already closed" in r.output
    r = run(app, ["survey", "status", ws, "Nope"])
    assert r.exit_code == 1 and "there is no survey 'Nope'" in r.output


def test_every_command_and_option_is_documented() -> None:
    text = DOCS.read_text()
    for command in ("create", "launch", "status", "remind", "close", "compare"):
        assert f"### groundswell survey {command}" in text
        out = run(app, ["survey", command, "--help"]).output
        for option in set(re.findall(r"--[a-z][a-z-]+", out)) - {"--help"}:
            assert option in text, (command, option)
