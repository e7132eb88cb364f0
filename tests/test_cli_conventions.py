"""Command-line conventions (issue 14, points 5 and 7): --version, help panels, completion,
--format table|csv|json on listing commands, parameter errors that name the parameter, and
every known error as one ``error:`` line with exit code 1 (never a traceback)."""

from __future__ import annotations

import ast
import csv
import io
import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app
from tests.conftest import write_csv

runner = CliRunner()
SRC = Path(gs.__file__).parent


def invoke(*args: object, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, input=input)


def one_error_line(r, *words: str) -> None:
    """Exit 1, nothing on stdout, exactly one ``error:`` line on stderr holding ``words``."""
    assert r.exit_code == 1, (r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory) -> Path:
    from groundswell.demo import run_demo

    folder = tmp_path_factory.mktemp("conventions")
    run_demo(folder / "d", n_people=200, say=lambda s: None)
    return folder / "d" / "workspace"


def test_version() -> None:
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"groundswell {gs.__version__}"


def test_help_groups_commands_in_panels_in_the_order_a_user_meets_them() -> None:
    r = invoke("--help")
    assert r.exit_code == 0
    titles = ["Set up", "Ingest", "Analyse", "Explore", "Change", "Survey", "Serve"]
    where = [r.stdout.find(f"─ {t} ─") for t in titles]
    assert -1 not in where and where == sorted(where), where
    explore = r.stdout[where[3] : where[4]]
    assert "people" in explore and "groups" in explore and "init " not in explore
    # every registered command and group sits in a panel of PANELS
    from groundswell.cli import PANELS

    listed = {name for names in PANELS.values() for name in names}
    names = {(c.name or c.callback.__name__).replace("_", "-") for c in app.registered_commands}
    names |= {g.name for g in app.registered_groups}
    assert names <= listed, names - listed


def test_shell_completion_is_offered() -> None:
    r = invoke("--help")
    assert "--install-completion" in r.stdout and "--show-completion" in r.stdout


def test_every_cli_module_reports_errors_through_the_one_helper() -> None:
    """No CLI module catches GroundswellError itself: console.reports_errors does."""
    from groundswell.cli import MODULES

    assert {m.__name__.rsplit(".", 1)[1] for m in MODULES} >= {"explore", "value", "serve"}
    for module in MODULES:
        rel = Path(str(module.__file__)).relative_to(SRC)
        tree = ast.parse((SRC / rel).read_text())
        caught = [
            ast.unparse(h.type)
            for h in ast.walk(tree)
            if isinstance(h, ast.ExceptHandler) and h.type is not None
        ]
        assert not any("GroundswellError" in c for c in caught), (rel, caught)
        assert "reports_errors" in (SRC / rel).read_text(), rel


@pytest.mark.parametrize(
    "args",
    [
        ["runs", "{missing}"],
        ["survey", "status", "{missing}", "s"],
        ["serve", "{missing}"],
        ["value", "{missing}"],
    ],
)
def test_known_errors_are_one_line_from_every_cli_module(tmp_path, args) -> None:
    missing = tmp_path / "nowhere"
    r = invoke(*[a.format(missing=missing) for a in args])
    one_error_line(r, "no groundswell workspace here")


def test_unknown_filter_values_are_errors_naming_the_parameter(demo_ws) -> None:
    one_error_line(invoke("people", demo_ws, "--role", "wizard"), "role", "'wizard'", "hub")
    one_error_line(invoke("groups", demo_ws, "--by", "wizard"), "--by", "'wizard'", "team")
    one_error_line(invoke("people", demo_ws, "--sort", "charisma"), "--sort", "'charisma'")
    r = invoke("people", demo_ws, "--format", "yaml")
    assert r.exit_code == 2 and "yaml" in r.stderr  # Typer's own usage error


def test_report_refuses_a_pdf_name_for_its_html(demo_ws, tmp_path) -> None:
    # `report -o x.pdf --pdf` wrote the HTML into x.pdf, then a one-page PDF of it over it
    target = tmp_path / "board.pdf"
    one_error_line(invoke("report", demo_ws, "-o", target, "--pdf"), "--output", "board.pdf")
    assert not target.exists()


def test_gap_top_out_of_range_is_a_parameter_error(demo_ws, tmp_path) -> None:
    nominees = write_csv(tmp_path / "leaders.csv", ["person"], [["nobody@x.com"]])
    one_error_line(invoke("gap", demo_ws, nominees, "--top", "2"), "--top", "between 0 and 1")
    from groundswell.analysis.gap import perception_gap
    from groundswell.errors import ParameterError

    with pytest.raises(ParameterError, match="'top' parameter"):
        perception_gap([], __import__("pandas").Series([1.0]), top=2)


def test_listing_commands_print_json_and_csv(demo_ws, tmp_path) -> None:
    r = invoke("people", demo_ws, "--top", "5", "--format", "json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 5 and all(row["person_id"].startswith("p_") for row in rows)
    assert [row["pagerank"] for row in rows] == sorted(
        (row["pagerank"] for row in rows), reverse=True
    )

    r = invoke("people", demo_ws, "--top", "3", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(r.stdout)))
    assert r.exit_code == 0 and len(table) == 3 and "betweenness" in table[0]

    r = invoke("groups", demo_ws, "--format", "json")
    groups = json.loads(r.stdout)
    with gs.open(demo_ws) as ws:
        least = ws.settings.min_group_size
    assert r.exit_code == 0 and {"department", "size", "ei"} <= set(groups[0])
    assert all(g["size"] is None or g["size"] >= least for g in groups)  # privacy: no small size

    r = invoke("runs", demo_ws, "--format", "json")
    runs = json.loads(r.stdout)
    assert r.exit_code == 0 and runs[0]["run_id"] == 1 and runs[0]["summary"]["people"] > 0

    r = invoke("sources", demo_ws, "--format", "csv")
    kinds = {row["kind"] for row in csv.DictReader(io.StringIO(r.stdout))}
    assert r.exit_code == 0 and "orgchart" in kinds

    nominees = write_csv(tmp_path / "leaders.csv", ["person"], [["nobody@x.com"]])
    r = invoke("gap", demo_ws, nominees, "--format", "json")
    assert r.exit_code == 0 and {row["verdict"] for row in json.loads(r.stdout)} >= {"unseen"}

    r = invoke("people", demo_ws, "--top", "2")  # the table stays the default
    assert r.exit_code == 0 and "persona" in r.stdout and r.stdout.count("p_") == 2


def test_people_on_a_viva_only_workspace(tmp_path) -> None:
    """A Viva Insights person-to-person query with no levels: analyze used to fail in the
    community health (ValueError: No objects to concatenate) and people on the unknown
    levels (TypeError: boolean value of NA is ambiguous)."""
    header = [
        "PrimaryCollaborator_PersonId", "SecondaryCollaborator_PersonId", "MetricDate",
        "Diverse_tie_score", "Diverse_tie_type", "Strong_tie_score", "Strong_tie_type",
        "PrimaryCollaborator_Organization", "SecondaryCollaborator_Organization",
        "PrimaryCollaborator_Level", "SecondaryCollaborator_Level",
    ]  # fmt: skip
    rows = [
        [f"P{a:03}", f"P{b:03}", week, 0.1, 0, 0.5, 2, "Sales", "Sales", "", ""]
        for week in ("2023-01-08", "2023-01-15", "2023-01-22", "2023-01-29")
        for a, b in itertools.permutations(range(1, 9), 2)
        if (a + b) % 3
    ]
    viva = write_csv(tmp_path / "p2p.csv", header, rows)
    ws = tmp_path / "ws"
    assert invoke("init", ws).exit_code == 0
    assert invoke("ingest", "viva", ws, viva, "-q").exit_code == 0
    r = invoke("analyze", ws, "-q", "--window", "2023-01-01:2023-02-28", "--layer", "collaboration")
    assert r.exit_code == 0, r.stderr
    r = invoke("people", ws)
    assert r.exit_code == 0 and r.stdout.count("p_") == 8, r.stdout
    rows = json.loads(invoke("people", ws, "--format", "json").stdout)
    assert all(row["level"] is None for row in rows)
    r = invoke("shadow", ws)  # informal leaders with no level
    assert r.exit_code == 0 and "informal leader" in r.stdout, r.stdout


#: the commands that do something rather than list rows: they take no --format
ACTIONS = {
    "init", "user add", "user disable", "user enable", "user passwd", "user role", "user remove",
    "synth", "demo", "analyze", "ties", "report", "serve", "export-lake",
    "survey create", "survey launch", "survey remind", "survey close",
    "export",  # writes a network file; its --format is the file's (gexf, graphml, ...)
    "benchmark export",  # writes a profile, JSON by definition (docs/benchmarks.md)
}  # fmt: skip


def _leaves(group, prefix: str = ""):
    """Every command of the app, by the words a user types (``survey status``)."""
    for name, cmd in group.commands.items():
        words = f"{prefix}{name}"
        if hasattr(cmd, "commands"):  # a command group (Typer's own click)
            yield from _leaves(cmd, words + " ")
        else:
            yield words, cmd


def test_every_listing_command_takes_format() -> None:
    """Enumerated from the app itself, so a new listing command without --format fails here:
    every command is an action (ACTIONS, which include the readers) or takes --format with
    table, csv and json."""
    from typer.main import get_command

    leaves = dict(_leaves(get_command(app)))
    assert {"people", "timeline", "qa", "survey status", "compare-dates"} <= set(leaves)
    missing = []
    for words, cmd in leaves.items():
        if words in ACTIONS or words.startswith("ingest "):
            continue
        option = next((p for p in cmd.params if "--format" in getattr(p, "opts", ())), None)
        if option is None:
            missing.append(words)
            continue
        shown = invoke(*words.split(), "--help").stdout
        assert "table|csv|json" in "".join(shown.split()), (words, shown)
    assert missing == []


@pytest.mark.parametrize(
    "args",
    [
        ["value", "{ws}"],
        ["qa", "{ws}"],
        ["timeline", "{ws}", "-q"],
        ["compare-dates", "{ws}", "--at", "2024-02-15"],
        ["champions", "{ws}", "--k", "3", "--runs", "50", "-q"],
        ["adoption", "{ws}", "new expense tool", "--plan", "1"],
        ["traction", "{ws}", "new tool rollout"],
        ["outcomes", "{ws}"],
        ["outcomes", "{ws}", "--deviants"],
        ["benchmark", "compare", "{ws}"],
    ],
)
def test_the_newer_listing_commands_print_json_and_csv(demo_ws, args) -> None:
    argv = [a.format(ws=demo_ws) for a in args]
    r = invoke(*argv, "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)  # stdout holds the JSON alone (notes go to stderr)
    assert data
    r = invoke(*argv, "--format", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and len(rows[0]) >= 2
