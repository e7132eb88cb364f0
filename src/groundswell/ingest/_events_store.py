"""What the events reader needs to know across the batches of one file, kept in DuckDB.

The events reader (:mod:`groundswell.ingest.events`) writes each batch of a file into the
canonical tables inside the ingest's one transaction, so that its memory is that of one
batch. Four things depend on more than one batch; each is kept in a temporary table of
that transaction (gone with it, whether it commits or rolls back), not in a frame of the
whole file:

- an event repeated in the file: the first of its rows counts, later ones are skipped as
  "duplicate event in the file" -- found among the messages this ingest has written
  (``source_id``) and, for events the workspace held before, in ``ev_old``;
- a reply or reaction without targets is addressed to its parent's author, and the parent
  may come later in the file: such acts wait in ``ev_orphans`` and are resolved once every
  batch is written, against all the messages of the workspace;
- a channel's name and kind come from its first row in the file, its ``created_at`` is its
  earliest event: each batch adds its own first and earliest to ``ev_channels``;
- the summary counts the distinct people of the file (authors and targets): ``ev_people``.

Frames reach DuckDB as the local variables the queries name (replacement scans), never
registered: a frame registered inside a transaction is kept until the transaction ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.ingest import batch
from groundswell.network.ties import keyed

if TYPE_CHECKING:
    import duckdb

TABLES = {
    "ev_old": "message_id VARCHAR",
    "ev_orphans": "message_id VARCHAR, parent_id VARCHAR, kind VARCHAR, actor_id VARCHAR, "
    "ts TIMESTAMPTZ, is_bot BOOLEAN",
    "ev_channels": "channel_id VARCHAR, name VARCHAR, kind VARCHAR, created_at TIMESTAMPTZ, "
    "seq INTEGER",
    "ev_people": "person_id VARCHAR",
}


class Staging:
    """The temporary tables of one events ingest, on the connection of its transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source_id: int) -> None:
        self.con = con
        self.sid = source_id
        self.seq = 0
        for name, columns in TABLES.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")

    def repeats(self, message_ids: np.ndarray) -> np.ndarray:
        """Which of a batch's (distinct) message ids an earlier batch of the file holds."""
        return batch.repeats(self.con, self.sid, message_ids, "ev_old")

    def add(self, rows: pd.DataFrame, inter: pd.DataFrame, channels: pd.DataFrame) -> None:
        """Keep what a written batch leaves for the end: its acts addressed to a parent,
        its channels, its people."""
        orphan = (
            rows["kind"].isin(["reply", "reaction"]).to_numpy()
            & (rows["targets"] == "").to_numpy()
            & rows["parent_id"].notna().to_numpy()
        )
        if orphan.any():
            o = rows.loc[orphan, ["message_id", "parent_id", "kind", "author_id", "ts", "is_bot"]]
            self._append("ev_orphans", o)
        if len(channels):
            self._append("ev_channels", channels.assign(seq=self.seq))
        self.seq += 1
        people = pd.concat([rows["author_id"], inter["target_id"]], ignore_index=True)
        ev_ids = pd.DataFrame({"person_id": people.unique()})  # noqa: F841 (read by DuckDB)
        self.con.execute(
            "INSERT INTO ev_people SELECT person_id FROM ev_ids ANTI JOIN ev_people "
            "USING (person_id)"
        )

    def finish(self) -> tuple[int, int]:
        """Write what waited for the whole file: the acts addressed to their parent's
        author (the parent found in the file or the workspace) and the channels. Returns
        the interactions added and the number of distinct people; drops the tables."""
        con, sid = self.con, self.sid
        con.execute(
            "CREATE OR REPLACE TEMP TABLE ev_replies AS SELECT o.message_id, o.kind, o.actor_id, "
            "m.author_id AS target_id, o.ts, o.is_bot "
            "FROM ev_orphans o JOIN messages m ON m.message_id = o.parent_id"
        )
        # the parent's author is the act's one recipient (itself included, as for targets)
        con.execute(
            "UPDATE messages SET n_recipients = 1 WHERE source_id = ? AND message_id IN "
            "(SELECT message_id FROM ev_replies)",
            [sid],
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE ev_acts AS SELECT ts, actor_id, target_id, kind, "
            "message_id, 1 AS n_recipients, is_bot, 1.0 AS weight FROM ev_replies "
            "WHERE actor_id <> target_id"
        )
        if keyed(con):
            before = _count(con, "interaction_rows")
            con.execute(batch.person_keys_sql("ev_acts"))
            con.execute(batch.keyed_insert_sql("ev_acts", sid))
            added = _count(con, "interaction_rows") - before
        else:  # a workspace of an older schema, written before it is migrated (in tests)
            before = _count(con, "interactions")
            columns = ", ".join(f"r.{c}" for c in batch.INTERACTION_COLUMNS)
            con.execute(
                f"INSERT INTO interactions SELECT {columns}, {int(sid)} FROM ev_acts r "
                "ANTI JOIN interactions t USING (message_id, actor_id, target_id, kind)"
            )
            added = _count(con, "interactions") - before
        con.execute(
            "INSERT INTO ev_people SELECT DISTINCT r.target_id FROM ev_replies r "
            "ANTI JOIN ev_people p ON p.person_id = r.target_id WHERE r.actor_id <> r.target_id"
        )
        con.execute(
            f"INSERT INTO channels SELECT c.*, {int(sid)} FROM ("
            "SELECT channel_id, arg_min(name, seq) FILTER (WHERE name IS NOT NULL) AS name, "
            "arg_min(kind, seq) AS kind, min(created_at) AS created_at "
            "FROM ev_channels GROUP BY channel_id) c ANTI JOIN channels t USING (channel_id)"
        )
        people = _count(con, "ev_people")
        for name in [*TABLES, "ev_replies", "ev_acts"]:
            con.execute(f"DROP TABLE IF EXISTS {name}")
        return added, people

    def _append(self, table: str, frame: pd.DataFrame) -> None:
        ev_frame = frame  # noqa: F841 (read by DuckDB)
        self.con.execute(f"INSERT INTO {table} SELECT * FROM ev_frame")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
