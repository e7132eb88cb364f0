"""--format table|csv|json on the value listing commands (issue 14, point 7)."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from groundswell.cli.value import app
from tests.conftest import write_csv
from tests.value.conftest import WINDOW

runner = CliRunner()


def test_value_listings_print_json_and_csv(tiny, tmp_path) -> None:
    folder = str(tiny.folder)
    tiny.close()  # the commands open the workspace themselves
    leaders = write_csv(tmp_path / "leaders.csv", ["person"], [["E2"], ["cat@x.com"]])

    res = runner.invoke(
        app, ["leaders", folder, str(leaders), "--window", WINDOW, "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows and {"leader", "contacts", "verdict"} <= set(rows[0])

    args = ["community-health", folder, "--window", WINDOW, "--format", "csv"]
    res = runner.invoke(app, args)
    table = list(csv.DictReader(io.StringIO(res.stdout)))
    assert res.exit_code == 0 and table and {"name", "unit", "kind", "activity"} <= set(table[0])

    res = runner.invoke(app, ["onboarding", folder, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert all("department" in row for row in json.loads(res.stdout))

    res = runner.invoke(app, ["onboarding", folder, "--format", "yaml"])
    assert res.exit_code == 2  # Typer's usage error names the choices
