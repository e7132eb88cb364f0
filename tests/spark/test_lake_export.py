"""export-lake on identified and pseudonymous workspaces, read back by both engines; the
export is atomic (a failed export leaves the old lake as it was) and never replaces a folder
that is not a lake.

The DuckDB tests need no Java; the Spark ones skip when Spark cannot start.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.engines import DuckDBEngine, export_lake
from groundswell.engines.spark import SparkEngine
from groundswell.errors import ConfigError
from groundswell.network.ties import TieRules
from groundswell.synth import generate
from tests.spark.conftest import assert_same_ties
from tests.spark.test_incremental_ties import WIN

RULES = TieRules(min_interactions=1)


def _workspace(folder: Path, *, identified: bool) -> gs.Workspace:
    files = generate(60, seed=5, weeks=3).write(folder / "org")
    ws = gs.init(folder / "ws", identified=identified)
    ws.ingest_orgchart(files["hris"])
    ws.ingest_events(files["events"])
    return ws


@pytest.fixture(scope="module", params=[True, False], ids=["identified", "pseudonymous"])
def mode(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """(workspace, identified) for each mode, shared by the module."""
    ws = _workspace(tmp_path_factory.mktemp("lake"), identified=request.param)
    yield ws, request.param
    ws.close()


def _tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the sha256 of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_the_lake_of_either_mode_gives_the_workspace_ties_on_duckdb(mode, tmp_path) -> None:
    ws, identified = mode
    ex = export_lake(ws, tmp_path / "lake")
    assert ex.rows["people"] == 60 and ex.batches_written == [2]
    lake = DuckDBEngine.from_lake(tmp_path / "lake")
    assert_same_ties(DuckDBEngine(ws.con).ties(WIN, RULES), lake.ties(WIN, RULES), exact=True)
    names = lake.con.execute("SELECT count(display_name) FROM people").fetchall()[0][0]
    assert names == (60 if identified else 0)  # names leave only an identified workspace


def test_the_cli_exports_either_mode(mode, tmp_path) -> None:
    from groundswell.cli import app

    ws, _ = mode
    result = CliRunner().invoke(app, ["export-lake", str(ws.folder), str(tmp_path / "lake")])
    assert result.exit_code == 0, result.output
    assert "1 batch(es) written" in result.output
    assert sorted(p.name for p in (tmp_path / "lake").iterdir()) == sorted(
        ["aliases", "interactions", "people", "sources"]
    )


class _Failing:
    """A connection that fails at the first statement reading ``table`` (a disk full, a
    killed query): everything else goes to the real connection."""

    def __init__(self, con: object, table: str) -> None:
        self._con, self._table = con, table

    def execute(self, sql: str, *args: object) -> object:
        if f"FROM {self._table}" in sql and sql.startswith("COPY"):
            raise OSError("No space left on device")
        return self._con.execute(sql, *args)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def test_a_failed_export_leaves_the_old_lake_as_it_was(tmp_path, events_file) -> None:
    ws = _workspace(tmp_path, identified=False)
    lake = tmp_path / "out" / "lake"
    export_lake(ws, lake)
    before = _tree(lake)
    rows = [["a@x.com", "b@x.com", "2024-01-10T09:00:00Z", "dm"]] * 3
    ws.ingest_events(events_file(rows))  # a new source: the next export writes a batch first
    real = ws.con
    ws.con = _Failing(real, "people")  # type: ignore[assignment]
    try:
        with pytest.raises(OSError, match="No space"):
            export_lake(ws, lake)
    finally:
        ws.con = real
    assert _tree(lake) == before  # not the new batch, not a half-written people table
    assert sorted(p.name for p in lake.parent.iterdir()) == ["lake"]  # no temporary folder
    ex = export_lake(ws, lake)  # and the next export works, keeping the first batch
    assert ex.batches_kept == [2] and len(ex.batches_written) == 1
    assert _tree(lake)["interactions/source-2.parquet"] == before["interactions/source-2.parquet"]
    ws.close()


def test_a_folder_that_is_not_a_lake_is_refused_and_left_alone(tmp_path) -> None:
    ws = _workspace(tmp_path, identified=False)
    target = tmp_path / "documents"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match=r"notes\.txt.*not part of a lake"):
        export_lake(ws, target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    with pytest.raises(ConfigError, match="is a file"):
        export_lake(ws, target / "notes.txt")
    ws.close()


@pytest.mark.slow
def test_spark_reads_the_lake_of_either_mode(mode, spark, tmp_path) -> None:
    ws, _ = mode
    export_lake(ws, tmp_path / "lake")
    b = SparkEngine(spark, tmp_path / "lake").ties(WIN, RULES)
    assert_same_ties(DuckDBEngine(ws.con).ties(WIN, RULES), b, exact=True)


@pytest.mark.slow
def test_analyze_on_spark_in_either_mode(mode, spark) -> None:
    ws, _ = mode
    a = ws.analyze(str(WIN.start.date()) + ":2024-01-21")
    b = ws.analyze(str(WIN.start.date()) + ":2024-01-21", engine="spark")
    assert b.params["engine"] == "spark"
    for key in ("people", "ties", "interactions", "reciprocity", "max_k_core"):
        assert a.summary[key] == b.summary[key], key
    cols = ["actor_id", "target_id", "layer", "n", "weight"]
    assert_same_ties(a.ties()[cols], b.ties()[cols], exact=True)
    assert (ws.folder / "lake" / "people" / "part-0.parquet").exists()
