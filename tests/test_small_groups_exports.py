"""The minimum group size in the library's and the command line's person-level outputs and
exports: ``Run.people()``, ``groundswell people --csv``, ``groundswell groups`` and the
report, on the workspace of tests/_small_groups.py (departments of 1, 2, 3 and 4 people;
small teams and locations that merged hold only 4)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app
from groundswell.privacy import SUPPRESSED
from groundswell.report import context, map_data
from tests._small_groups import COMPLEMENTARY, SMALL, build

K = 5
GROUPS = ("department", "team", "location", "community")


@pytest.fixture(scope="module")
def small_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("small-exports"))


def _hidden(attribute: str) -> set[str]:
    return SMALL.get(attribute, set()) | COMPLEMENTARY.get(attribute, set())


def _check_labels(table: pd.DataFrame) -> None:
    """No label names a small group, and counting the labels finds none below the minimum
    (the merged "(suppressed)" group included)."""
    assert len(table) == 31
    for attribute in GROUPS:
        values = table[attribute].astype(str)
        assert not set(values) & _hidden(attribute), attribute
        counts = Counter(values)
        assert all(n >= K for n in counts.values()), (attribute, counts)
    assert (table["department"].astype(str) == SUPPRESSED).sum() == 10  # Tiny1-4


def test_run_people_names_no_small_group(small_ws: Path) -> None:
    with gs.open(small_ws) as ws:
        people = ws.run().people()
    _check_labels(people)
    # the measures are untouched: only labels are suppressed
    assert people["pagerank"].notna().all()


def test_people_csv_names_no_small_group(small_ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "people.csv"
    r = CliRunner().invoke(app, ["people", str(small_ws), "--csv", str(out)])
    assert r.exit_code == 0, r.output
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    _check_labels(pd.DataFrame(rows))
    shown = CliRunner().invoke(app, ["people", str(small_ws), "--top", "31"])
    assert shown.exit_code == 0 and not any(d in shown.output for d in _hidden("department"))


def test_groups_command_gives_no_small_group_away(small_ws: Path) -> None:
    for attribute in ("department", "team", "location"):
        r = CliRunner().invoke(app, ["groups", str(small_ws), "--by", attribute])
        assert r.exit_code == 0, r.output
        assert not any(name in r.output for name in _hidden(attribute)), r.output
    with gs.open(small_ws) as ws:
        teams = ws.run().groups("team")
    shown = teams.drop(index=SUPPRESSED)
    assert (shown["size"] >= K).all()
    assert teams.loc[SUPPRESSED, "size"] == 31 - shown["size"].sum() >= K
    assert teams.loc[SUPPRESSED].drop("size").isna().all()


def test_the_report_gives_no_small_group_away(small_ws: Path) -> None:
    with gs.open(small_ws) as ws:
        run = ws.run()
        ctx = context(run)
        nodes = map_data(run, run.people())["nodes"]  # the report's network map
        html = ws.report(small_ws / "report.html").read_text()
    for attribute in ("department", "team", "location"):
        assert not any(f'"{name}"' in html or f">{name}<" in html for name in _hidden(attribute))
    # the department -> community table shows no cell of 1 to 4 people, not even through
    # its shading (a cell's share of its row, whose total is shown)
    for row in ctx["flow_rows"]:
        for cell, part in zip(row["cells"], row["shares"], strict=True):
            number = cell.replace(",", "")
            assert cell in ("", "·") or (number.isdigit() and int(number) >= K), row
            assert cell != "·" or part == 0, row
            assert round(part * row["total"]) in (0, *range(K, row["total"] + 1)), row
    for attribute in ("department", "community", "location"):
        counts = Counter(n["attrs"][attribute] for n in nodes)
        assert all(n >= K for n in counts.values()), (attribute, counts)
    sizes = [r["size"] for r in ctx["ei_rows"] if r["group"] != SUPPRESSED]
    assert all(isinstance(n, int) and n >= K for n in sizes)
