"""Incremental tie tables on the DuckDB engine, and the translation of the rules (no Java
needed): windows are recomputed only when the events they cover change."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from groundswell.engines import DuckDBEngine, refresh, weekly_windows, window_key
from groundswell.engines.spark import read_ties
from groundswell.engines.translate import to_duckdb, to_spark
from groundswell.network.ties import TieRules, layer_queries
from groundswell.network.window import Window
from tests.spark.conftest import assert_same_ties, dyadic

WIN = Window.parse("2024-01-01:2024-01-21")
SETTINGS = [
    (TieRules(), ("digital",), None),
    (TieRules(decay_half_life_days=7, min_interactions=1), ("digital", "formal"), "week"),
    (
        TieRules(internal_only=False, broadcast_threshold=3, weights={"dm": 1.0, "reply": 0.25}),
        ("digital", "collaboration", "survey:advice"),
        "day",
    ),
]


@pytest.mark.parametrize(("rules", "layers", "period"), SETTINGS)
def test_bound_literals_give_what_the_parameters_give(org, rules, layers, period) -> None:
    """Binding the parameters as literals (the first step of the Spark translation) changes
    nothing: DuckDB gives the same rows from the bound text as from the parameters."""
    ws, _ = org
    for _layer, sql, params in layer_queries(WIN, rules, layers, restrict=True, period=period):
        a = ws.con.execute(sql, params).df()
        b = ws.con.execute(to_duckdb(sql, params)).df()
        assert len(a) > 0
        keys = list(a.columns[:-1])
        pd.testing.assert_frame_equal(
            a.sort_values(keys).reset_index(drop=True), b.sort_values(keys).reset_index(drop=True)
        )
        spark_sql = to_spark(sql, params)
        assert "$" not in spark_sql and ":1" not in spark_sql and "EPOCH" not in spark_sql.upper()


def test_the_lake_gives_the_workspace_ties(org) -> None:
    """DuckDB on the exported Parquet lake gives exactly the workspace's ties."""
    ws, lake = org
    for rules, layers, period in SETTINGS:
        a = DuckDBEngine(ws.con).ties(WIN, rules, layers=layers, period=period)
        b = DuckDBEngine.from_lake(lake).ties(WIN, rules, layers=layers, period=period)
        assert_same_ties(a, b, exact=dyadic(rules, layers))


def _batch(lake: Path, week: Window, name: str, n: int = 300) -> None:
    """Append to the lake a batch of ``n`` events copied from ``week`` with new ids."""
    src = str(lake / "interactions" / "*.parquet")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"COPY (SELECT * REPLACE ('{name}-' || message_id AS message_id) FROM read_parquet("
        f"'{src}') WHERE ts >= ? AND ts < ? AND kind = 'dm' ORDER BY message_id LIMIT {n}) "
        f"TO '{lake / 'interactions' / (name + '.parquet')}' (FORMAT parquet)",
        [week.start, week.end],
    )


def test_a_new_batch_recomputes_only_the_weeks_it_touches(org, tmp_path) -> None:
    _, lake0 = org
    lake = tmp_path / "lake"
    shutil.copytree(lake0, lake)
    out = tmp_path / "ties"
    rules = TieRules(min_interactions=1)
    engine = DuckDBEngine.from_lake(lake)
    weeks = weekly_windows(*engine.span())
    assert len(weeks) == 3  # events from Monday 2024-01-01 to Sunday 2024-01-21
    first = refresh(engine, weeks, rules, out)
    assert first.recomputed == weeks and first.kept == []
    assert refresh(engine, weeks, rules, out).recomputed == []  # nothing changed
    before = {window_key(w): read_ties(out / window_key(w)) for w in weeks}

    _batch(lake, weeks[1], "b2")
    engine = DuckDBEngine.from_lake(lake)  # the views see the new file
    again = refresh(engine, weeks, rules, out)
    assert again.recomputed == [weeks[1]]
    assert len(again.kept) == len(weeks) - 1
    after = read_ties(out / window_key(weeks[1]))
    assert after["n"].sum() == before[window_key(weeks[1])]["n"].sum() + 300
    # the refreshed week is what a full computation gives
    assert_same_ties(after, engine.ties(weeks[1], rules), exact=True)
    # other settings: every window is recomputed
    assert len(refresh(engine, weeks, TieRules(min_interactions=3), out).recomputed) == 3


def test_the_workspace_engine_is_incremental_too(org, tmp_path, events_file) -> None:
    """On the workspace (no lake): ingesting a batch recomputes the windows of its days."""
    ws, _ = org
    engine = DuckDBEngine(ws.con)
    windows = [WIN, Window(WIN.start, WIN.start + timedelta(days=10))]
    windows += weekly_windows(*engine.span())
    out = tmp_path / "ties"
    assert len(refresh(engine, windows, TieRules(), out).recomputed) == len(windows)
    actor, target = ws.con.execute(
        "SELECT actor_id, target_id FROM interactions WHERE kind = 'dm' LIMIT 1"
    ).fetchall()[0]
    emails = dict(ws.con.execute("SELECT person_id, alias_id FROM aliases").fetchall())
    rows = [[emails.get(actor, actor), emails.get(target, target), "2024-01-17T10:00:00Z", "dm"]]
    ws.ingest_events(events_file(rows * 1, name="batch.csv"))
    done = refresh(engine, windows, TieRules(), out)
    # 2024-01-17 is in WIN (01-01..01-21) and in the week of 01-15, not in 01-01..01-10
    assert [window_key(w) for w in done.recomputed] == [
        "window=2024-01-01_2024-01-21",
        "window=2024-01-15_2024-01-21",
    ]
