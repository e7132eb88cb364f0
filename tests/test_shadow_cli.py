"""``groundswell shadow`` and ``groundswell people --role`` read the stored shadow
organisation (issue 14, point 2); before, ``people --role hidden_influencer`` printed an
empty table and exited 0, and ``--role wizard`` did the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell import synth
from groundswell.cli import app


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic organisation of 120 people with hidden influencers and key people."""
    folder = tmp_path_factory.mktemp("shadow_cli")
    files = synth.generate(120, seed=3, weeks=4).write(folder / "data")
    with gs.init(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        ws.analyze()
    return folder / "ws"


def test_shadow_and_people_role_on_the_command_line(org: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["shadow", str(org), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    with gs.open(org) as ws:
        table = ws.run().shadow()
    assert [(r["finding"], r["person_id"]) for r in rows] == list(
        zip(table["finding"], table["person_id"], strict=True)
    )
    assert all(isinstance(r["evidence"], dict) for r in rows)
    result = runner.invoke(app, ["shadow", str(org)])
    assert result.exit_code == 0 and "hidden influencer" in result.output
    hidden = set(table.loc[table["finding"] == "hidden_influencer", "person_id"])
    result = runner.invoke(
        app, ["people", str(org), "--role", "hidden_influencer", "--csv", str(org / "hi.csv")]
    )
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(org / "hi.csv", index_col=0).index) == hidden
    result = runner.invoke(app, ["people", str(org), "--role", "wizard"])
    assert result.exit_code == 1
    assert "hidden_influencer" in result.output and "'wizard'" in result.output


def test_shadow_of_an_older_run_is_one_error_line(org: Path, tmp_path: Path) -> None:
    folder = tmp_path / "old"
    shutil.copytree(org, folder)
    with gs.open(folder) as ws:  # what migrating a 0.3 workspace leaves
        ws.con.execute("UPDATE runs SET stored_results = false")
    result = CliRunner().invoke(app, ["shadow", str(folder)])
    assert result.exit_code == 1
    assert "re-run analyze" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
