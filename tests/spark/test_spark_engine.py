"""The Spark engine gives exactly the ties DuckDB gives (same rules, translated by sqlglot),
on the synthetic organisation and on real Slack exports, and is incremental too.

Spark runs in local mode (2 threads) once for the module; skipped when Java is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.engines import DuckDBEngine, export_lake, refresh, weekly_windows, window_key
from groundswell.engines.spark import SparkEngine, read_ties
from groundswell.network.ties import TieRules
from groundswell.network.window import Window
from tests.conftest import SHARED_DATA
from tests.spark.conftest import assert_same_ties, dyadic
from tests.spark.test_incremental_ties import SETTINGS, WIN, _batch

SLACK = SHARED_DATA / "slack-export"


@pytest.mark.parametrize(("rules", "layers", "period"), SETTINGS)
def test_spark_gives_the_duckdb_ties_on_the_synthetic_org(org, spark, rules, layers, period):
    ws, lake = org
    a = DuckDBEngine(ws.con).ties(WIN, rules, layers=layers, period=period)
    b = SparkEngine(spark, lake).ties(WIN, rules, layers=layers, period=period)
    assert_same_ties(a, b, exact=dyadic(rules, layers))
    assert set(b["layer"]) == set(layers)  # every layer has ties: the check is not empty


@pytest.mark.parametrize(
    "export", ["slack-export-viewer-testarchive/testarchive.zip", "slackdump-fixture"]
)
def test_spark_gives_the_duckdb_ties_on_real_slack_exports(spark, tmp_path, export) -> None:
    folder = SLACK / export
    if export == "slackdump-fixture":
        zips = sorted(folder.glob("*.zip"))
        folder = zips[0] if zips else folder
    if not folder.exists():
        pytest.skip(f"{folder} is absent (see {SLACK / 'PROVENANCE.md'})")
    ws = gs.init(tmp_path / "ws")
    ws.ingest("slack", folder)
    export_lake(ws, tmp_path / "lake")
    first, last = ws.con.execute("SELECT min(ts), max(ts) FROM interactions").fetchall()[0]
    win = Window.parse(f"{first:%Y-%m-%d}:{last:%Y-%m-%d}")
    compared = 0
    for rules, period in (
        (TieRules(min_interactions=1), None),
        (TieRules(min_interactions=1, decay_half_life_days=3), "week"),
        (TieRules(), "day"),
    ):
        a = DuckDBEngine(ws.con).ties(win, rules, period=period)
        b = SparkEngine(spark, tmp_path / "lake").ties(win, rules, period=period)
        if len(a) == 0:
            assert len(b) == 0
            continue
        assert_same_ties(a, b, exact=dyadic(rules, ("digital",)))
        compared += 1
    ws.close()
    assert compared >= 1


def test_a_new_batch_recomputes_only_its_weeks_on_spark(org, spark, tmp_path) -> None:
    _, lake0 = org
    lake = tmp_path / "lake"
    shutil.copytree(lake0, lake)
    out = tmp_path / "ties"
    rules = TieRules(min_interactions=1)
    engine = SparkEngine(spark, lake)
    weeks = weekly_windows(*engine.span())
    assert len(weeks) == 3
    assert refresh(engine, weeks, rules, out).recomputed == weeks
    assert refresh(engine, weeks, rules, out).recomputed == []
    _batch(lake, weeks[2], "b3")
    again = refresh(engine, weeks, rules, out)
    assert again.recomputed == [weeks[2]] and again.kept == weeks[:2]
    duck = DuckDBEngine.from_lake(lake)
    for w in weeks:  # every stored window is what DuckDB gives on the grown lake
        assert_same_ties(read_ties(out / window_key(w)), duck.ties(w, rules), exact=True)


@pytest.mark.slow
def test_analyze_on_spark_gives_the_duckdb_run(org, spark) -> None:
    ws, _ = org
    a = ws.analyze("2024-01-01:2024-01-21", layers=("digital", "formal"))
    b = ws.analyze("2024-01-01:2024-01-21", layers=("digital", "formal"), engine="spark")
    assert b.params["engine"] == "spark"
    for key in ("people", "ties", "interactions", "reciprocity", "strong_ties", "max_k_core"):
        assert a.summary[key] == b.summary[key], key
    cols = ["actor_id", "target_id", "layer", "n", "weight"]
    assert_same_ties(a.ties()[cols], b.ties()[cols], exact=True)


def test_the_ties_command_runs_spark_on_a_lake(org, spark, tmp_path: Path) -> None:
    from groundswell.cli import app

    ws, lake = org
    out = tmp_path / "ties"
    args = ["ties", str(ws.folder), "--engine", "spark", "--master", "local[2]"]
    args += ["--events", str(lake), "--out", str(out), "--window", "2024-01-01:2024-01-21"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 window(s) recomputed" in result.output
    stored = read_ties(out / "window=2024-01-01_2024-01-21")
    settings = TieRules.from_settings(ws.settings.ties)
    assert_same_ties(stored, DuckDBEngine(ws.con).ties(WIN, settings), exact=True)
