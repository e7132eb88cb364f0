"""The DuckDB engine: the tie rules as written, on a workspace or on a Parquet lake."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from groundswell.engines.base import DAY_MICROS, ROW_COLUMNS, TABLES, Engine
from groundswell.network.ties import build_ties

if TYPE_CHECKING:
    from groundswell.network.ties import TieRules
    from groundswell.network.window import Window

EMPTY = {
    "interactions": "ts TIMESTAMPTZ, actor_id VARCHAR, target_id VARCHAR, kind VARCHAR, "
    "message_id VARCHAR, n_recipients INTEGER, is_bot BOOLEAN, weight DOUBLE, source_id INTEGER",
    "aliases": "alias_id VARCHAR, person_id VARCHAR, source_id INTEGER",
    "people": "person_id VARCHAR, is_internal BOOLEAN, manager_id VARCHAR, hire_date DATE, "
    "leave_date DATE",
    "sources": "source_id INTEGER, kind VARCHAR",
}


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBEngine(Engine):
    """The tie rules run by DuckDB on ``con``: a workspace's connection (its tables) or, from
    :meth:`from_lake`, views over a local Parquet lake (see :mod:`.base` for the layout)."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    @classmethod
    def from_lake(cls, lake: str | Path, *, memory_limit: str | None = None) -> DuckDBEngine:
        """An engine on an in-memory DuckDB whose tables are views over the lake's Parquet
        files (missing tables are empty; no ``sources`` means a non-empty ``people`` is an
        org chart). Time zone UTC, like the Spark engine."""
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        if memory_limit:
            con.execute(f"SET memory_limit = {_q(memory_limit)}")
        root = Path(lake)
        for table in TABLES:
            files = sorted((root / table).glob("**/*.parquet")) if (root / table).is_dir() else []
            if files:
                glob = _q(str(root / table / "**" / "*.parquet"))
                con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet({glob})")
            elif table == "sources" and (root / "people").is_dir():
                con.execute(
                    "CREATE VIEW sources AS SELECT 0::INTEGER AS source_id, 'orgchart' AS kind "
                    "WHERE (SELECT count(*) FROM people) > 0"
                )
            else:
                con.execute(f"CREATE TABLE {table} ({EMPTY[table]})")
        return cls(con)

    def ties(
        self,
        window: Window,
        rules: TieRules,
        *,
        layers: tuple[str, ...] = ("digital",),
        period: str | None = None,
    ) -> pd.DataFrame:
        return build_ties(self.con, window, rules, layers=layers, period=period)

    def write_ties(
        self,
        window: Window,
        rules: TieRules,
        out: str,
        *,
        layers: tuple[str, ...] = ("digital",),
        period: str | None = None,
    ) -> None:
        frame = self.ties(window, rules, layers=layers, period=period)
        folder = Path(out)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        self.con.register("gs_ties_frame", frame)
        try:
            self.con.execute(
                f"COPY (SELECT * FROM gs_ties_frame) TO {_q(str(folder / 'part-0.parquet'))} "
                "(FORMAT parquet)"
            )
        finally:
            self.con.unregister("gs_ties_frame")

    def span(self) -> tuple[datetime | None, datetime | None]:
        lo, hi = self.con.execute("SELECT min(ts), max(ts) FROM interactions").fetchall()[0]
        return lo, hi

    def day_digests(self) -> dict[int, tuple[int, str]]:
        cols = ", ".join(ROW_COLUMNS["interactions"])
        rows = self.con.execute(
            f"SELECT floor(epoch_us(ts) / {DAY_MICROS})::BIGINT, count(*), "
            f"sum(hash({cols}))::VARCHAR FROM interactions GROUP BY 1"
        ).fetchall()
        return {int(d): (int(n), str(h)) for d, n, h in rows}

    def _table_digest(self, table: str, where: str = "") -> str:
        cols = ", ".join(ROW_COLUMNS[table])
        n, h = self.con.execute(
            f"SELECT count(*), coalesce(sum(hash({cols}))::VARCHAR, '') FROM {table} {where}"
        ).fetchall()[0]
        return f"{table}:{n}:{h}"

    def reference_digest(self) -> str:
        return "|".join(
            self._table_digest(t, "WHERE kind = 'orgchart'" if t == "sources" else "")
            for t in ("aliases", "people", "sources")
        )

    def survey_digest(self) -> str:
        return self._table_digest("interactions", "WHERE kind LIKE 'survey:%'")
