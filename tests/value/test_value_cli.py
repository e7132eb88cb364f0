"""The value commands, in-process (CliRunner), on the conftest scenario."""

from __future__ import annotations

import json

import typer
import typer.main
from typer.testing import CliRunner

from groundswell.cli.value import COMMANDS, app, register
from tests.conftest import write_csv
from tests.value.conftest import WINDOW

runner = CliRunner()


def test_every_command_runs(tiny, tmp_path) -> None:
    folder = str(tiny.folder)
    tiny.close()  # the commands open the workspace themselves
    leaders = write_csv(tmp_path / "leaders.csv", ["person"], [["E2"], ["cat@x.com"]])
    cases = [
        ["value", folder, "--window", WINDOW, "--scale", "department", "--scale", "person"],
        ["qa", folder, "--window", WINDOW, "--leaders", str(leaders)],
        ["leaders", folder, str(leaders), "--window", WINDOW],
        ["community-health", folder, "--window", WINDOW],
        ["timeline", folder, "--period", "week", "--changes", "--quiet"],
        ["onboarding", folder],
        ["compare-dates", folder, "--at", "2024-01-08", "--days", "7"],
    ]
    for args in cases:
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (args, res.output)
    res = runner.invoke(app, ["qa", folder, "--window", WINDOW, "--json"])
    assert json.loads(res.output)["questions"] == 3
    out = tmp_path / "value.csv"
    res = runner.invoke(app, ["value", folder, "--window", WINDOW, "--csv", str(out)])
    assert res.exit_code == 0 and out.read_text().startswith("scale,group,size,connect")
    res = runner.invoke(app, ["compare-dates", folder, "--at", "2024-01-08", "--json"])
    assert json.loads(res.output)["at"] == "2024-01-08"


def test_errors_are_one_line_and_exit_1(tiny) -> None:
    folder = str(tiny.folder)
    tiny.close()
    res = runner.invoke(app, ["timeline", folder, "--period", "year"])
    assert res.exit_code == 1 and "--period must be one of week, month, quarter" in res.output
    res = runner.invoke(app, ["value", folder, "--window", WINDOW, "--scale", "planet"])
    assert res.exit_code == 1 and "--scale must be one of" in res.output
    res = runner.invoke(app, ["leaders", folder, "missing.csv"])
    assert res.exit_code == 1 and "missing.csv" in res.output


def test_register_adds_every_command_with_its_options() -> None:
    main = typer.Typer()

    @main.command()
    def other() -> None:  # a command of the host app
        """Something else."""

    register(main)
    group = typer.main.get_command(main)
    assert set(COMMANDS) <= set(group.commands)
    opts = {p.opts[0] for p in group.commands["timeline"].params if p.opts[0].startswith("--")}
    assert opts == {"--period", "--full", "--changes", "--csv", "--format", "--quiet"}
