"""The events reader holds DuckDB to a budget (``batch.EVENTS_MEMORY`` on
``batch.EVENTS_THREADS``) while its one transaction is open, and puts DuckDB's own limit and
threads back afterwards; should DuckDB run out of memory under it, everything is rolled back
and the file read again under DuckDB's own limit, to the rows an ingest without a budget
stores. The oracle is the same file ingested into a copy of the same workspace (the same
pseudonymisation key) with no budget."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import groundswell as gs
from groundswell.ingest import _events_store, batch, events
from tests.conftest import write_csv

HEADER = ["event_id", "actor", "targets", "timestamp", "kind", "channel", "parent"]
TABLES = ("people", "channels", "messages", "interactions")


def _file(path: Path, n: int) -> Path:
    """``n`` acts among 37 people in 5 channels; every fourth a reply with no targets to the
    act three before it (so a parent read in an earlier batch), every seventh an act repeated
    later in the file (a duplicate)."""
    rows: list[list[object]] = []
    for i in range(n):
        when = f"2024-03-{4 + i // 1440:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00Z"
        actor = f"p{i % 37}@acme.com"
        if i % 4 == 3:
            rows.append([f"e{i}", actor, "", when, "reply", f"c{i % 5}", f"e{i - 3}"])
        else:
            to = f"p{(i * 7 + 1) % 37}@acme.com;p{(i * 11 + 2) % 37}@acme.com"
            rows.append([f"e{i}", actor, to, when, "dm", f"c{i % 5}", ""])
    rows += [rows[i] for i in range(0, n, 7)]
    return write_csv(path, HEADER, rows)


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> str:
    return str(con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0])


def _stored(ws: gs.Workspace) -> dict[str, list[tuple[object, ...]]]:
    return {t: ws.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_the_events_ingest_writes_under_the_budget_and_puts_duckdb_s_settings_back(
    tmp_path, monkeypatch
) -> None:
    path = _file(tmp_path / "events.csv", 600)
    ws = gs.init(tmp_path / "ws")
    ws.con.execute("SET threads = 2")  # a machine of two cores (or more): one in the block
    before = {k: _setting(ws.con, k) for k in ("memory_limit", "threads")}
    real, inside = _events_store.Staging.add, []

    def add(self, *args):  # type: ignore[no-untyped-def]
        inside.append({k: _setting(self.con, k) for k in ("memory_limit", "threads")})
        return real(self, *args)

    monkeypatch.setattr(_events_store.Staging, "add", add)
    summary = events.ingest(ws, path, batch_rows=100)
    assert len(inside) == 7  # 686 rows, 100 a batch: every batch under the budget
    limit = batch._bytes(batch.EVENTS_MEMORY or "")
    for seen in inside:
        assert seen["threads"] == str(batch.EVENTS_THREADS)
        assert abs(batch._bytes(seen["memory_limit"]) - limit) / limit < 0.06  # as printed
    assert {k: _setting(ws.con, k) for k in ("memory_limit", "threads")} == before
    assert summary.messages == 600
    assert summary.skipped == {"duplicate event in the file": 86}
    ws.close()


def test_out_of_memory_under_the_budget_reads_the_file_again_to_the_same_rows(
    tmp_path, monkeypatch
) -> None:
    from groundswell import progress

    path = _file(tmp_path / "events.csv", 600)
    gs.init(tmp_path / "template").close()  # one pseudonymisation key for both copies
    shutil.copytree(tmp_path / "template", tmp_path / "oracle")
    ws = gs.open(tmp_path / "template")
    before = _setting(ws.con, "memory_limit")
    real, limits, heard = events._store, [], []

    def store(reading, df, staging, summary):  # type: ignore[no-untyped-def]
        limits.append(_setting(staging.con, "memory_limit"))
        if len(limits) == 3:  # the third batch under the budget: DuckDB gives up
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return real(reading, df, staging, summary)

    monkeypatch.setattr(events, "_store", store)
    with progress.listen(lambda what, n, total: heard.append((what, n, total))):
        summary = events.ingest(ws, path, batch_rows=100)
    monkeypatch.setattr(events, "_store", real)
    assert len(limits) == 3 + 7  # two batches and the failing one, then the whole file again
    assert limits[0] != before and limits[3] == before  # the budget, then DuckDB's own limit
    assert _setting(ws.con, "memory_limit") == before
    assert heard == [
        ("reading the file", 1, 3),
        ("pseudonymising and storing", 2, 3),
        ("replies and channels", 3, 3),
    ]  # each step once, though the file was read twice
    assert ws.con.execute("SELECT count(*) FROM sources").fetchall() == [(1,)]  # one ingest
    oracle = gs.open(tmp_path / "oracle")
    monkeypatch.setattr(batch, "EVENTS_MEMORY", None)
    expected = events.ingest(oracle, path, batch_rows=100)
    assert (summary.messages, summary.interactions, summary.people, summary.skipped) == (
        expected.messages,
        expected.interactions,
        expected.people,
        expected.skipped,
    )
    # the same rows but their source's number: DuckDB's sequences are not rolled back, so the
    # ingest read again is source 2 (as after any failed ingest)
    assert ws.con.execute("SELECT source_id FROM sources").fetchall() == [(2,)]
    for table in ("sources", "messages", "interaction_rows", "channels"):
        ws.con.execute(f"UPDATE {table} SET source_id = 1 WHERE source_id = 2")
    assert _stored(ws) == _stored(oracle)
    assert len(_stored(ws)["messages"]) == 600
    assert len(_stored(ws)["interactions"]) > 600
    oracle.close()
    ws.close()


@pytest.mark.parametrize("fail", ["under the budget", "without it"])
def test_an_error_that_is_not_out_of_memory_is_not_read_again(tmp_path, monkeypatch, fail) -> None:
    # only DuckDB's out-of-memory reads again; any other error ends the ingest at once, the
    # workspace as it was and DuckDB's limit back
    path = _file(tmp_path / "events.csv", 300)
    ws = gs.init(tmp_path / "ws")
    if fail == "without it":
        monkeypatch.setattr(batch, "EVENTS_MEMORY", None)
    before, calls = _setting(ws.con, "memory_limit"), []

    def store(reading, df, staging, summary):  # type: ignore[no-untyped-def]
        calls.append(1)
        if fail == "without it":  # with no budget, running out of memory is final
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        raise RuntimeError("disk full")  # not a matter of memory: never read again

    monkeypatch.setattr(events, "_store", store)
    with pytest.raises((RuntimeError, duckdb.OutOfMemoryException)):
        events.ingest(ws, path, batch_rows=100)
    assert calls == [1]  # read once
    assert _setting(ws.con, "memory_limit") == before
    assert ws.con.execute("SELECT count(*) FROM messages").fetchall() == [(0,)]
    ws.close()
