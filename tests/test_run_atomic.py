"""A run becomes visible only when complete: ``analyze`` killed (SIGKILL) or failing at any
stage leaves the previous run as the latest and nothing of the new one behind; a half run
left by groundswell 0.3.0 (committed before its findings) is ignored, reported and removed
by the next analyze.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app
from groundswell.store import SCHEMA_VERSION
from groundswell.synth import generate

#: every table holding a run's rows
TABLES = (
    "runs", "ties", "person_scores", "communities", "layout", "person_roles", "group_scores",
    "maturity", "run_findings", "group_ties", "role_overlap", "shadow",
)  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed workspace of a small synthetic organisation with one complete run (run 1)."""
    folder = tmp_path_factory.mktemp("atomic")
    files = generate(60, seed=2, weeks=3).write(folder / "org")
    with gs.init(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        assert ws.analyze().run_id == 1
    return folder / "ws"


@pytest.fixture
def copy(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template, tmp_path / "ws")
    return tmp_path / "ws"


def _rows(ws: gs.Workspace) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every run table, in a fixed order."""
    return {t: sorted(ws.con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}


# the subprocess: groundswell analyze, killed with SIGKILL right after a named step
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    import groundswell.pipeline as pipeline
    from groundswell.value import findings, queries

    module, name = {"run": (pipeline, "_store"), "maturity": (queries, "store_maturity"),
                    "findings": (findings, "store")}[sys.argv[2]]
    step = getattr(module, name)

    def then_die(*args, **kwargs):
        step(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    setattr(module, name, then_die)
    from groundswell.cli import app
    app(["analyze", sys.argv[1], "--quiet"])
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["run", "maturity", "findings"])
def test_analyze_killed_at_any_stage_leaves_the_previous_run_latest(copy, stage) -> None:
    with gs.open(copy) as ws:
        before = _rows(ws)
    done = subprocess.run(
        [sys.executable, "-c", KILLER, str(copy), stage], capture_output=True, text=True
    )
    assert done.returncode == -signal.SIGKILL, done.stderr  # it was killed, not finished
    with gs.open(copy) as ws:
        assert _rows(ws) == before  # nothing of the killed run: no scores, no half run
        assert ws.run().run_id == 1 and list(ws.runs()["run_id"]) == [1]
        assert set(ws.run().findings()) >= {"value", "qa", "leaders", "communities"}
    result = CliRunner().invoke(app, ["runs", str(copy)])
    assert result.exit_code == 0 and "warning" not in result.output


@pytest.mark.slow
def test_a_failure_at_the_findings_stage_leaves_no_run(copy, monkeypatch) -> None:
    from groundswell.value import findings

    def fails(run: object) -> dict[str, object]:
        raise RuntimeError("the disk is full")

    # after the run's rows and its maturity table are written
    monkeypatch.setitem(findings.SECTIONS, "onboarding", fails)
    with gs.open(copy) as ws:
        before = _rows(ws)
        with pytest.raises(RuntimeError, match="disk is full"):
            ws.analyze()
        assert _rows(ws) == before  # the workspace exactly as it was
        assert ws.run().run_id == 1
        monkeypatch.undo()
        run = ws.analyze()  # and the next analyze works
        assert ws.run().run_id == run.run_id > 1 and run.removed == []
        assert set(run.findings()) >= {"value", "qa", "leaders", "communities", "onboarding"}


@pytest.mark.slow
@pytest.mark.parametrize("table", ["person_roles", "person_scores", "communities", "group_ties"])
def test_a_key_stored_twice_is_refused_and_leaves_no_run(copy, monkeypatch, table) -> None:
    # these tables have no primary-key index (migrations 015, 016): _store checks their keys
    import dataclasses

    import pandas as pd

    from groundswell import pipeline
    from groundswell.errors import AnalysisError

    store = pipeline._store

    def twice(*args):  # type: ignore[no-untyped-def]
        args = list(args)  # ws, win, params, summary, sources, ties, scores, comm, pos, labels
        scores, comm, labels = args[6], args[7], args[9]
        if table == "person_roles":
            args[9] = pd.concat([labels, labels.tail(1)], ignore_index=True)
        elif table == "person_scores":
            args[6] = pd.concat([scores, scores.tail(1)])
        elif table == "group_ties":
            stored = dict(args[11])
            stored["group_ties"] = pd.concat([stored["group_ties"], stored["group_ties"].head(1)])
            args[11] = stored
        else:
            doubled = pd.concat([comm.membership, comm.membership.tail(1)])
            args[7] = dataclasses.replace(comm, membership=doubled)
        return store(*args)

    monkeypatch.setattr(pipeline, "_store", twice)
    with gs.open(copy) as ws:
        before = _rows(ws)
        with pytest.raises(AnalysisError, match=f"the run's {table} would hold .* twice"):
            ws.analyze()
        assert _rows(ws) == before  # the workspace exactly as it was
        assert ws.run().run_id == 1


def test_the_key_check_refuses_a_missing_key() -> None:
    import pandas as pd

    from groundswell.errors import AnalysisError
    from groundswell.pipeline import _unique_keys

    _unique_keys("t", pd.Index(["a", "b"]), "person")  # unique: nothing said
    _unique_keys("t", pd.DataFrame({"p": ["a", "a"], "k": ["x", "y"]}), "row")
    with pytest.raises(AnalysisError, match="would hold a person twice or none"):
        _unique_keys("t", pd.Index(["a", None]), "person")
    with pytest.raises(AnalysisError, match=r"twice: \[\['a', 'x'\]\]"):
        _unique_keys("t", pd.DataFrame({"p": ["a", "a"], "k": ["x", "x"]}), "row")


def _undo_later_migrations(con: duckdb.DuckDBPyConnection, *, after: int) -> None:
    """Drop what the migrations numbered above ``after`` created (their tables and added
    columns), so a forged old workspace holds only what that old schema had."""
    import re

    from groundswell import migrations

    folder = Path(migrations.__file__).parent
    for path in sorted(folder.glob("[0-9][0-9][0-9]_*.sql"), reverse=True):
        if int(path.name[:3]) <= after:
            continue
        text = path.read_text()
        # a table the migration turned into a view (014: interactions over interaction_rows)
        # becomes a table again, with the view's rows, before the view's tables go
        for view in re.findall(r"CREATE VIEW (\w+)", text):
            con.execute(f"CREATE TABLE {view}__undone AS SELECT * FROM {view}")
            con.execute(f"DROP VIEW {view}")
            con.execute(f"ALTER TABLE {view}__undone RENAME TO {view}")
        for table, column in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", text):
            con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        for table in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", text):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _forge_version_6(folder: Path) -> None:
    """Make the workspace what groundswell 0.3.0 could leave: run 2 made by 0.2.0 (before
    findings existed), runs 3 and 4 committed by 0.3.0 without their findings (killed), a
    champion plan made on run 4; schema version 6."""
    con = duckdb.connect(str(folder / "groundswell.duckdb"))
    for run_id, version in ((2, "0.2.0"), (3, "0.3.0"), (4, "0.3.0")):
        con.execute("SELECT nextval('run_seq')")
        con.execute(
            "INSERT INTO runs SELECT ?, created_at, ?, window_start, window_end, params, "
            "sources, summary, true, true FROM runs WHERE run_id = 1",
            [run_id, version],
        )
        for t in ("ties", "person_scores", "communities", "layout", "person_roles"):
            con.execute(f"INSERT INTO {t} SELECT * REPLACE ({run_id} AS run_id) FROM {t} "
                        "WHERE run_id = 1")  # fmt: skip
    con.execute("INSERT INTO plans VALUES (1, 4, now(), '{}', '{}')")
    con.execute("ALTER TABLE runs DROP COLUMN complete")
    con.execute("ALTER TABLE runs DROP COLUMN stored_results")  # schema 8 and its tables
    for t in ("group_ties", "role_overlap", "shadow"):
        con.execute(f"DROP TABLE {t}")
    _undo_later_migrations(con, after=8)
    con.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    con.close()


@pytest.mark.slow
def test_a_half_run_of_an_older_version_is_ignored_reported_and_removed(copy) -> None:
    from groundswell.errors import WorkspaceError
    from groundswell.run import incomplete_runs

    _forge_version_6(copy)
    with gs.open(copy) as ws:  # migrated to schema 7, and on to the current one
        assert ws.schema_version == SCHEMA_VERSION >= 7
        assert ws.run().run_id == 2  # not the half run 4, though it is the newest
        assert list(ws.runs()["run_id"]) == [2, 1]
        assert list(incomplete_runs(ws)["run_id"]) == [3, 4]
        with pytest.raises(WorkspaceError, match="run 3 is incomplete"):
            ws.run(3)
    result = CliRunner().invoke(app, ["runs", str(copy)])
    assert result.exit_code == 0
    assert "warning: run 3 is incomplete (groundswell 0.3.0" in result.output
    assert "warning: run 4 is incomplete" in result.output
    result = CliRunner().invoke(app, ["analyze", str(copy), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "removed run 3, left incomplete by an older groundswell" in result.output
    with gs.open(copy) as ws:
        latest = ws.run().run_id
        assert latest == 5 and list(ws.runs()["run_id"]) == [5, 2, 1]
        for t in TABLES:  # nothing of run 3 is left
            assert ws.con.execute(f"SELECT count(*) FROM {t} WHERE run_id = 3").fetchone() == (0,)
        # run 4 stays, hidden, because a champion plan names it
        assert list(incomplete_runs(ws)["run_id"]) == [4]
