"""The email reader holds DuckDB to a memory budget (``batch.STREAM_MEMORY``) while its one
transaction is open, so its memory stays flat as the mbox grows: what does not fit is
written out (inside the workspace folder) rather than refused, the rows stored are the same
as without the budget, and the database's own limit is put back afterwards, after an error
too. The oracle is the same ingests into a copy of the same workspace with no budget."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest import batch, email
from groundswell.store import DB_FILE
from tests.conftest import TEST_DATA

TABLES = ("people", "channels", "messages", "interactions")
#: small enough that the second ingest's joins against the first's 30,000 stored messages
#: (and its temporary tables) do not fit: batch.THREAD_MEMORY, the least it gives a thread
TINY = "32MB"


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])


def _mbox(path: Path, start: int, n: int) -> Path:
    """``n`` messages numbered from ``start`` among 97 authors and 89 recipients; every
    third one replies to the message before it."""
    parts = []
    for i in range(start, start + n):
        reply = f"In-Reply-To: <m{i - 1}@acme.com>\n" if i and i % 3 == 0 else ""
        parts.append(
            f"From p{i % 97}@acme.com Mon Mar  4 09:15:00 2024\n"
            f"From: p{i % 97}@acme.com\nTo: q{(i * 7 + 1) % 89}@acme.com\n"
            f"Date: Mon, {4 + i // 86400} Mar 2024 "
            f"{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} +0000\n"
            f"Message-ID: <m{i}@acme.com>\n{reply}\nhello\n\n"
        )
    path.write_text("".join(parts))
    return path


def _stored(ws: gs.Workspace) -> dict[str, list[tuple[object, ...]]]:
    return {t: ws.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_an_ingest_over_the_budget_spills_inside_the_workspace_and_stores_the_same_rows(
    tmp_path, monkeypatch
) -> None:
    first = _mbox(tmp_path / "first.mbox", 0, 30_000)
    second = _mbox(tmp_path / "second.mbox", 15_000, 30_000)  # half of it stored already
    gs.init(tmp_path / "template").close()
    results, sums = {}, {}
    for budget in (None, TINY):
        monkeypatch.setattr(batch, "STREAM_MEMORY", budget)
        folder = tmp_path / f"ws-{budget}"
        shutil.copytree(tmp_path / "template", folder)
        ws = gs.open(folder)
        ws.con.execute("SET threads = 1")  # the budget's least: 32 MB for one thread
        before = _limit(ws.con)
        s = [email.ingest(ws, f) for f in (first, second, TEST_DATA / "email" / "regional.mbox")]
        sums[budget] = [(x.messages, x.interactions, x.people, dict(x.skipped)) for x in s]
        results[budget] = _stored(ws)
        assert _limit(ws.con) == before  # the database's limit is back
        spilled = folder / f"{DB_FILE}.tmp"
        if budget is not None:
            # the budget bit: DuckDB wrote what did not fit to its folder in the workspace
            assert spilled.is_dir() and any(spilled.iterdir())
        ws.close()
        assert not spilled.exists()  # and removed it with the connection
    assert sums[TINY][1][:2] == (15_000, 20_000)  # the second file's new half
    assert sums[TINY][1][3]["already in the workspace"] == 15_000
    assert sums[TINY] == sums[None]
    assert results[TINY] == results[None]
    assert len(results[TINY]["messages"]) == 45_000 + sums[None][2][0]


def test_the_budget_lowers_the_limit_only_for_the_block_and_never_raises_it(ws) -> None:
    con = ws.con
    con.execute("SET threads = 2")
    before = _limit(con)
    with batch.memory_budget(con, "16MB"):  # 32 MB for each of the two threads
        assert _limit(con) == "61.0 MiB"  # 2 x 32 MB
    with batch.memory_budget(con, "64MB"):
        assert _limit(con) == "61.0 MiB"  # 64 MB as DuckDB shows it
        with batch.memory_budget(con, "1GB"):  # above the budget in force: left as it is
            assert _limit(con) == "61.0 MiB"
    assert _limit(con) == before
    with pytest.raises(RuntimeError), batch.memory_budget(con, "64MB"):
        raise RuntimeError("the ingest failed")
    assert _limit(con) == before
    with batch.memory_budget(con, None):
        assert _limit(con) == before
    con.execute("SET memory_limit = '3GiB'")  # a limit set by hand is put back as it was
    with batch.memory_budget(con, "64MB"):
        assert _limit(con) == "61.0 MiB"
    assert _limit(con) == "3.0 GiB"


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])


def test_the_budget_lowers_the_threads_only_for_the_block_and_never_raises_them(ws) -> None:
    con = ws.con
    con.execute("RESET threads")
    default, limit = _threads(con), _limit(con)
    with batch.memory_budget(con, "16MB", threads=1):  # one thread: 32 MB, not 2 x 32 MB
        assert _threads(con) == 1
        assert _limit(con) == "31.0 MiB"  # 32 MB (30.5 MiB), rounded up to a whole MiB
        with batch.memory_budget(con, "16MB", threads=4):  # never raised
            assert _threads(con) == 1
    assert (_threads(con), _limit(con)) == (default, limit)
    with pytest.raises(RuntimeError), batch.memory_budget(con, "32MB", threads=1):
        raise RuntimeError("the ingest failed")
    assert (_threads(con), _limit(con)) == (default, limit)
    with batch.memory_budget(con, None, threads=1):  # no budget: threads left as they are
        assert _threads(con) == default
    con.execute("SET threads = 2")  # threads set by hand are put back as they were
    with batch.memory_budget(con, "32MB", threads=1):
        assert _threads(con) == 1
    assert _threads(con) == 2


def test_the_email_ingest_runs_on_stream_threads_under_the_budget(tmp_path, monkeypatch) -> None:
    from groundswell.ingest.email import frames

    ws = gs.init(tmp_path / "ws")
    ws.con.execute("SET threads = 2")
    real, seen = frames.Writer.write, []

    def write(self, cols):  # type: ignore[no-untyped-def]
        seen.append((_threads(self.con), _limit(self.con)))
        return real(self, cols)

    monkeypatch.setattr(frames.Writer, "write", write)
    email.ingest(ws, _mbox(tmp_path / "m.mbox", 0, 20))
    assert seen[0] == (batch.STREAM_THREADS, "30.5 MiB")  # 32 MB, as DuckDB shows it
    assert _threads(ws.con) == 2
    ws.close()


def test_a_failed_ingest_under_the_budget_leaves_the_workspace_and_the_limit(ws, tmp_path) -> None:
    before = _limit(ws.con)
    bad = tmp_path / "bad.mbox"
    good = (TEST_DATA / "email" / "regional.mbox").read_bytes()
    bad.write_bytes(good.replace(b"Subject:", b"Sub\x00ject:", 1))
    with pytest.raises(InputError, match="NUL"):
        email.ingest(ws, bad)
    assert _limit(ws.con) == before
    assert ws.con.execute("SELECT count(*) FROM messages").fetchall() == [(0,)]


def test_sizes_are_read_as_duckdb_writes_them() -> None:
    assert batch._bytes("18.8 GiB") == 18.8 * 2**30
    assert batch._bytes("128MB") == 128 * 10**6
    assert batch._bytes("9.5 MiB") == 9.5 * 2**20
    assert batch._bytes("0 bytes") == 0
    with pytest.raises(ValueError, match="not a DuckDB size"):
        batch._bytes("lots")


def test_out_of_memory_under_the_budget_reads_again_under_duckdb_s_own_limit(
    tmp_path, monkeypatch
) -> None:
    # DuckDB cannot spill every operator: should one run out under the budget, the whole
    # transaction is rolled back and the file read again without the budget, to the same rows
    # as an ingest that never had one (the oracle: a copy of the workspace, no budget)
    from groundswell.ingest.email import frames

    path = _mbox(tmp_path / "m.mbox", 0, 3_000)
    gs.init(tmp_path / "template").close()  # one pseudonymisation key for both copies
    shutil.copytree(tmp_path / "template", tmp_path / "oracle")
    ws = gs.open(tmp_path / "template")
    real, limits = frames.Writer.write, []

    def write(self, cols):  # type: ignore[no-untyped-def]
        limits.append(_limit(self.con))
        if len(limits) == 1:  # the first batch under the budget: DuckDB gives up
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return real(self, cols)

    before = _limit(ws.con)
    monkeypatch.setattr(frames.Writer, "write", write)
    summary = email.ingest(ws, path)
    monkeypatch.setattr(frames.Writer, "write", real)
    assert limits[0] != before and limits[1] == before  # budget first, DuckDB's own after
    assert _limit(ws.con) == before
    assert ws.con.execute("SELECT count(*) FROM sources").fetchall() == [(1,)]  # one ingest
    assert summary.messages == 3_000 and summary.rows_read == 3_000  # counted once
    oracle = gs.open(tmp_path / "oracle")
    monkeypatch.setattr(batch, "STREAM_MEMORY", None)
    email.ingest(oracle, path)
    # the same rows but their source's number: DuckDB's sequences are not rolled back, so the
    # ingest that was read again is source 2 (as after any failed ingest)
    assert ws.con.execute("SELECT source_id FROM sources").fetchall() == [(2,)]
    ws.con.execute("UPDATE sources SET source_id = 1")
    for table in ("messages", "interaction_rows"):
        ws.con.execute(f"UPDATE {table} SET source_id = 1 WHERE source_id = 2")
    assert _stored(ws) == _stored(oracle)
    assert len(_stored(ws)["messages"]) == 3_000
    oracle.close()
    ws.close()


def test_reading_again_after_out_of_memory_steps_the_progress_bar_once(
    tmp_path, monkeypatch
) -> None:
    # the fallback reads the file again: its last step ("storing lists and people") was
    # already shown when DuckDB gave up in it, and must not be shown twice (step 4 of 3)
    from groundswell import progress
    from groundswell.ingest.email import frames

    path = _mbox(tmp_path / "m.mbox", 0, 50)
    ws = gs.init(tmp_path / "ws")
    real, calls, heard = frames.Writer.finish, [], []

    def finish(self):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:  # under the budget, in the last step: DuckDB gives up
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return real(self)

    monkeypatch.setattr(frames.Writer, "finish", finish)
    with progress.listen(lambda what, n, total: heard.append((what, n, total))):
        summary = email.ingest(ws, path)
    assert len(calls) == 2  # read twice
    assert summary.messages == 50
    assert heard == [
        ("checking", 1, 3),
        ("reading and storing headers", 2, 3),
        ("storing lists and people", 3, 3),
    ]
    ws.close()
