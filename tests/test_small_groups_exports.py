"""The minimum group size in the library's and the command line's person-level outputs and
exports: ``Run.people()``, ``groundswell people --csv``, ``groundswell groups`` and the
report, on the workspace of tests/_small_groups.py (departments of 1, 2, 3 and 4 people;
small teams and locations that merged hold only 4).

Then one property test over every output path that shows groups (the report, the API, every
listing command of the CLI that names a department, export-lake), on organisations whose
department sizes hypothesis draws: no department below the minimum is named anywhere, and
no count shown for a group is below the minimum."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app
from groundswell.privacy import SUPPRESSED
from groundswell.report import context, map_data
from tests._small_groups import COMPLEMENTARY, NAMES, SMALL, build, build_random

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


#: the listing commands that name departments, with their arguments after the workspace
LISTINGS = (
    ["groups", "--by", "department"],
    ["groups", "--by", "team"],
    ["people", "--top", "1000"],
    ["shadow"],
    ["value", "--scale", "department", "--scale", "team"],
    ["qa"],
    ["onboarding"],
    ["compare-dates", "--at", "2024-03-05", "--days", "4"],
    ["champions", "--k", "2", "--runs", "20", "--seed", "1", "-q"],
    ["adoption", "tool"],
)
#: the API answers that carry group figures or labels
API = (
    "/api/overview", "/api/groups?attribute=department", "/api/groups?attribute=team",
    "/api/communities", "/api/formal", "/api/people", "/api/map", "/api/runs/1/value",
    "/api/runs/1/qa", "/api/runs/1/onboarding", "/api/runs/1/community-health",
)  # fmt: skip


def _outputs(ws_path: Path) -> dict[str, str]:
    """Every output that shows groups, as text: each listing command as a table and as JSON,
    the report's HTML, the API's answers, the lake's people."""
    from fastapi.testclient import TestClient

    from groundswell.web import auth
    from groundswell.web.app import create_app

    runner = CliRunner()
    texts = {}
    for args in LISTINGS:
        for fmt in ("table", "json"):
            r = runner.invoke(app, [args[0], str(ws_path), *args[1:], "--format", fmt])
            assert r.exit_code == 0, (args, r.output)
            texts[f"{' '.join(args)} --format {fmt}"] = r.stdout
    with gs.open(ws_path) as ws:
        texts["report"] = ws.report(ws_path.parent / "report.html").read_text()
        auth.add_user(ws, "admin", "correct horse battery", "admin", None)
    client = TestClient(create_app(ws_path))
    login = {"username": "admin", "password": "correct horse battery"}
    assert client.post("/api/login", json=login).status_code == 200
    for path in API:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text)
        texts[path] = r.text
    lake = ws_path.parent / "lake"
    r = runner.invoke(app, ["export-lake", str(ws_path), str(lake)])
    assert r.exit_code == 0, r.output
    texts["export-lake people"] = pd.read_parquet(lake / "people").to_csv()
    return texts


def _counts_at_least(texts: dict[str, str], k: int) -> None:
    """The counts the JSON listings show for groups, and the lake's labels, are k or more."""
    for row in json.loads(texts["groups --by department --format json"]):
        assert row["size"] is None or row["size"] >= k, row
    people = pd.DataFrame(json.loads(texts["people --top 1000 --format json"]))
    assert (people["department"].astype(str).value_counts() >= k).all()
    for row in json.loads(texts["value --scale department --scale team --format json"]):
        assert row["scale"] == "network" or row["size"] is None or row["size"] >= k, row
    for row in json.loads(texts["adoption tool --format json"])["departments"]:
        assert row["size"] >= k, row
    lake = pd.read_csv(io.StringIO(texts["export-lake people"]))
    for column in ("department", "team"):
        assert (lake[column].astype(str).value_counts() >= k).all(), column


@settings(
    max_examples=1,  # with the explicit example: two organisations, about a minute
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # a failing case is printed, not shrunk (slow)
    suppress_health_check=[HealthCheck.too_slow],
)
@example([1, 4, 6, 12, 3])
@given(st.lists(st.integers(1, 12), min_size=3, max_size=6))
def test_every_group_output_path_hides_the_small_groups(sizes: list[int]) -> None:
    """Random department sizes through every output path: no department of fewer than the
    minimum (5) people is named in any of them, nor any count below it shown."""
    departments = dict(zip(NAMES, sizes, strict=False))
    if sum(sizes) < 2 * K:  # too few people for a network worth analysing
        departments[NAMES[len(sizes)]] = 2 * K
    small = {name for name, n in departments.items() if n < K}
    folder = Path(tempfile.mkdtemp(prefix="gs-paths-"))
    try:
        texts = _outputs(build_random(folder, departments))
        for where, text in texts.items():
            shown = {name for name in small if name in text}
            assert not shown, (where, shown, departments)
        _counts_at_least(texts, K)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
