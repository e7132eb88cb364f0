"""The value step's memory (issue 20, point 5): the same rows, with less held.

- :func:`groundswell.run._score_table` is pandas' pivot of the stored person_scores, to the
  bit: ids sorted by code point, missing cells and stored NaN as NaN, a (person, metric)
  stored twice refused as pandas refuses it;
- :func:`groundswell.value.queries._insert` lets go of the frame once inserted, inside an
  open transaction (a registered frame is kept alive by DuckDB until the commit);
- :func:`groundswell.value.queries.spilling` lowers DuckDB's memory limit for the block only,
  puts it back exactly, never raises it, and what is inserted under it (spilled to DuckDB's
  temporary folder) commits and rolls back as before;
- ``Run.findings(sections)`` reads only those sections, each as the whole read has it.
"""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from groundswell.run import _score_table
from groundswell.store import duckdb_bytes, insert_frame
from groundswell.value import queries


class _Store:
    """What :func:`_score_table` reads of a store: its connection and ``query``."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def query(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()


def _scores(rows: list[tuple[int, str, str, float | None]]) -> _Store:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE person_scores (run_id INTEGER, person_id VARCHAR, metric VARCHAR, "
        "value DOUBLE)"
    )
    if rows:
        con.executemany("INSERT INTO person_scores VALUES (?, ?, ?, ?)", rows)
    return _Store(con)


def _pivot(store: _Store, run_id: int) -> pd.DataFrame:
    return store.query(
        "SELECT person_id, metric, value FROM person_scores WHERE run_id = ?", [run_id]
    ).pivot(index="person_id", columns="metric", values="value")


def test_score_table_is_pandas_pivot_to_the_bit() -> None:
    rng = np.random.default_rng(3)
    people = ["b9", "a1", "Z0", "é2", "ä7", "a10", "a2", "zz", "A", "ab"]
    metrics = ["pagerank", "degree", "Betweenness", "in_degree", "ü"]
    rows = []
    for p in people:
        for m in metrics:
            if rng.random() < 0.8:  # some cells missing
                v = float(rng.normal()) if rng.random() < 0.9 else float("nan")
                rows.append((1, p, m, v))
    rows.append((1, "only-null", "degree", None))
    rows.append((2, "other-run", "degree", 5.0))  # another run's rows left out
    rng.shuffle(rows)  # stored in no order
    store = _scores([tuple(r) for r in rows])
    got = _score_table(store, 1)  # type: ignore[arg-type]
    want = _pivot(store, 1)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.index) == sorted(got.index)  # code point order


def test_score_table_in_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    import groundswell.run as run_module

    rows = [(1, f"p{i % 37:03d}", f"m{i % 7}", float(i)) for i in range(37 * 7)]
    store = _scores(rows[::-1])
    monkeypatch.setattr(run_module, "_SCORE_BATCH", 5)
    pd.testing.assert_frame_equal(
        _score_table(store, 1),  # type: ignore[arg-type]
        _pivot(store, 1),
        check_exact=True,
    )


def test_score_table_refuses_a_cell_stored_twice_as_pivot_does() -> None:
    store = _scores([(1, "a", "degree", 1.0), (1, "a", "degree", 2.0), (1, "b", "degree", 3.0)])
    with pytest.raises(ValueError, match="duplicate"):
        _pivot(store, 1)
    with pytest.raises(ValueError, match="duplicate"):
        _score_table(store, 1)  # type: ignore[arg-type]


def test_score_table_of_a_run_without_scores() -> None:
    store = _scores([(2, "a", "degree", 1.0)])
    got = _score_table(store, 1)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got, _pivot(store, 1))
    assert got.empty


def test_insert_lets_go_of_the_frame_inside_a_transaction() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (run_id INTEGER, person_id VARCHAR, rank INTEGER)")
    frame = pd.DataFrame({"person_id": ["a", "b", "c"], "rank": [3, 1, 2]})
    gone = weakref.ref(frame)
    con.execute("BEGIN TRANSACTION")
    insert_frame(con, "t", 7, frame, "person_id, rank")
    del frame
    gc.collect()
    assert gone() is None  # DuckDB does not keep it until the commit
    con.execute("COMMIT")
    assert con.execute("SELECT * FROM t ORDER BY person_id").fetchall() == [
        (7, "a", 3),
        (7, "b", 1),
        (7, "c", 2),
    ]


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])


def _bodies(n: int, width: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": [f"p{i:08d}" for i in range(n)],
            "body": [f"{i:08d}" + "x" * width for i in range(n)],
        }
    )


def test_spilling_lowers_the_limit_for_the_block_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    con.execute("CREATE TABLE pv (run_id INTEGER, person_id VARCHAR, body VARCHAR NOT NULL)")
    default = _limit(con)
    monkeypatch.setattr(queries, "SPILL_ROOM", 16 * 2**20)
    frame = _bodies(60_000, 1_000)  # some 60 MB of text
    con.execute("BEGIN TRANSACTION")
    with queries.spilling(con, len(frame)):
        inside = _limit(con)
        with queries.spilling(con, 10**9):  # a nested block keeps the outer limit
            assert _limit(con) == inside
        insert_frame(con, "pv", 1, frame, "person_id, body")
        held = con.execute(
            "SELECT sum(memory_usage_bytes) FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'"
        ).fetchall()[0][0]
    assert duckdb_bytes(inside) < duckdb_bytes(default)
    assert held < 40 * 2**20  # the inserted rows went to the temporary folder
    assert _limit(con) == default  # put back exactly
    con.execute("COMMIT")
    got = con.execute("SELECT person_id, body FROM pv ORDER BY person_id").df()
    pd.testing.assert_frame_equal(got, frame, check_dtype=False)


def test_spilling_never_raises_the_limit_and_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    con.execute("CREATE TABLE pv (run_id INTEGER, person_id VARCHAR, body VARCHAR NOT NULL)")
    con.execute("SET memory_limit = '200MiB'")
    con.execute("BEGIN TRANSACTION")
    with queries.spilling(con, 10**7):  # asks for more than 200 MiB: left as it is
        assert _limit(con) == "200.0 MiB"
        insert_frame(con, "pv", 1, _bodies(1_000, 10), "person_id, body")
    assert _limit(con) == "200.0 MiB"
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM pv").fetchall()[0][0] == 0
    monkeypatch.setattr(queries, "SPILL_ROOM", 16 * 2**20)
    con.execute("BEGIN TRANSACTION")
    with pytest.raises(RuntimeError), queries.spilling(con, 0):
        lowered = _limit(con)
        raise RuntimeError("a failing store")
    assert lowered != "200.0 MiB"
    assert _limit(con) == "200.0 MiB"  # put back however the block ends
    con.execute("ROLLBACK")


def test_size_reads_duckdb_sizes() -> None:
    assert duckdb_bytes("18.8 GiB") == 18.8 * 2**30
    assert duckdb_bytes("300.0 MiB") == 300 * 2**20
    assert duckdb_bytes("128MB") == 128 * 10**6
    assert duckdb_bytes("") == float("inf")


def test_findings_of_some_sections(tiny) -> None:  # type: ignore[no-untyped-def]
    run = tiny.analyze()
    everything = run.findings()
    assert {"qa", "value", "groups"} <= set(everything)
    assert run.findings(("qa",)) == {"qa": everything["qa"]}
    assert run.findings(("value", "nothing")) == {"value": everything["value"]}
    assert run.findings(()) == {}


def test_an_error_that_aborts_the_transaction_is_what_the_caller_sees(
    tiny, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """DuckDB refuses every statement of an aborted transaction until the rollback: the
    limit is put back after it (store.put_back), and the block's own error comes out, not
    "Current transaction is aborted" from putting the limit back."""
    monkeypatch.setattr(queries, "SPILL_ROOM", 16 * 2**20)
    before = _limit(tiny.con)
    with (
        pytest.raises(duckdb.ConstraintException),
        tiny.transaction() as con,
        queries.spilling(con, 0),
    ):
        assert _limit(con) != before
        con.execute("CREATE TEMP TABLE once (k INTEGER PRIMARY KEY)")
        con.execute("INSERT INTO once VALUES (1), (1)")  # aborts the transaction
    assert _limit(tiny.con) == before  # put back once rolled back
    from groundswell import store

    assert store._AFTER_ROLLBACK == {}


def test_findings_larger_than_the_spill_room_are_stored(
    tiny, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A findings section is one value (My group's, some 500 bytes a person): a million
    people's was over a gigabyte of DuckDB's memory, which no spilling limit can take. Here
    a 48 MB section against a 1 MiB room: stored whole (it failed with "Out of Memory")."""
    monkeypatch.setattr(queries, "SPILL_ROOM", 2**20)
    body = json.dumps({"rows": ["x" * 1000] * 48_000})
    with tiny.transaction():
        queries.store_findings(tiny, 1, [(1, "groups", body), (1, "qa", "{}")])
    got = dict(
        tiny.con.execute("SELECT section, body FROM run_findings WHERE run_id = 1").fetchall()
    )
    assert got == {"groups": body, "qa": "{}"}
