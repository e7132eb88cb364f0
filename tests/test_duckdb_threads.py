"""``analyze`` of a small workspace runs DuckDB on one thread (issue 20: a second thread only
waits on its hundreds of small queries, and costs CPU time doing so), through the write turn
that reopens the file, and gives DuckDB its own number of threads back afterwards; the run it
stores is the same row for row as with DuckDB's own number of threads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import groundswell as gs
from groundswell import gate, pipeline
from groundswell.synth import generate
from groundswell.value import findings

#: every table holding a run's rows
TABLES = (
    "runs", "ties", "person_scores", "communities", "layout", "person_roles", "group_scores",
    "maturity", "run_findings", "group_ties", "role_overlap", "shadow", "person_value",
    "suggestions",
)  # fmt: skip


def _threads(con) -> int:  # type: ignore[no-untyped-def]
    return int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed workspace of a small synthetic organisation, ingested, with no run."""
    folder = tmp_path_factory.mktemp("threads")
    files = generate(50, seed=2, weeks=2).write(folder / "org")
    with gs.init(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
    return folder / "ws"


def _copy(template: Path, to: Path) -> Path:
    shutil.copytree(template, to)
    return to


def test_a_small_workspace_is_analysed_on_one_thread_then_given_back(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, int] = {}
    compute, build = findings.compute, pipeline.build_ties

    def watch_compute(run):  # type: ignore[no-untyped-def]
        seen["value step (after the write turn reopened the file)"] = _threads(run.ws.con)
        return compute(run)

    def watch_build(con, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen["building ties (read turn)"] = _threads(con)
        return build(con, *args, **kwargs)

    monkeypatch.setattr(findings, "compute", watch_compute)
    monkeypatch.setattr(pipeline, "build_ties", watch_build)
    with gs.open(_copy(template, tmp_path / "ws"), read_only=True) as ws:  # as the CLI opens
        own = _threads(ws.con)
        assert own > 1 or pytest.skip("DuckDB runs one thread on this machine anyway")
        assert pipeline.duckdb_threads(ws) == 1
        ws.analyze()
        assert seen == {
            "building ties (read turn)": 1,
            "value step (after the write turn reopened the file)": 1,
        }
        assert _threads(ws.con) == own  # DuckDB's own number again


def test_a_larger_workspace_keeps_duckdbs_own_threads(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "ONE_THREAD_ROWS", 10)  # the 50-person workspace is "large"
    seen: list[int] = []
    compute = findings.compute

    def watch(run):  # type: ignore[no-untyped-def]
        seen.append(_threads(run.ws.con))
        return compute(run)

    monkeypatch.setattr(findings, "compute", watch)
    with gs.open(_copy(template, tmp_path / "ws")) as ws:
        own = _threads(ws.con)
        assert pipeline.duckdb_threads(ws) is None
        ws.analyze()
        assert seen == [own]


def test_one_thread_stores_the_same_run_as_duckdbs_own_threads(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = {}
    for name, limit in (("one thread", pipeline.ONE_THREAD_ROWS), ("own threads", -1)):
        monkeypatch.setattr(pipeline, "ONE_THREAD_ROWS", limit)
        with gs.open(_copy(template, tmp_path / name)) as ws:
            ws.analyze()
            rows[name] = {}
            for t in TABLES:
                cols = [
                    c[0]
                    for c in ws.con.execute(f"DESCRIBE {t}").fetchall()
                    if not c[0].endswith("_at")
                ]
                listed = ", ".join(f'"{c}"' for c in cols)
                rows[name][t] = ws.con.execute(f"SELECT {listed} FROM {t} ORDER BY ALL").fetchall()
    assert all(rows["one thread"][t] for t in ("ties", "person_scores", "run_findings"))
    for t in TABLES:
        assert rows["one thread"][t] == rows["own threads"][t], t


def test_the_thread_count_holds_across_a_reopened_file_and_nests(tmp_path: Path) -> None:
    gs.init(tmp_path / "ws").close()
    db = gate.SharedDB.of(tmp_path / "ws", "groundswell.duckdb")
    con = db.acquire()
    own = _threads(con)
    with db.threads(1):
        assert _threads(con) == 1
        db.release(con)  # the last lease: the file is closed
        con = db.acquire(write=True)  # and opened again, for writing
        assert _threads(con) == 1
        with db.threads(2):
            assert _threads(con) == 2
        assert _threads(con) == 1
    assert _threads(con) == own
    db.release(con)
