"""The workspace's operational store: the dashboard's own state in SQLite, beside DuckDB.

::

    acme/
      groundswell.duckdb        the analytical database (canonical tables, runs)
      groundswell-web.sqlite    accounts, sessions, sign-in attempts, survey answers received

DuckDB lets one process write a database file, and no other process even read it meanwhile
(:mod:`groundswell.gate` takes turns on it). The dashboard's own state must not wait for
those turns: a sign-in, a session, an account change or a survey answer is accepted while a
command analyses or ingests. So it lives here, in SQLite in write-ahead-log mode, which any
number of processes read and write side by side (one writer at a time, for milliseconds;
readers never block). A write commits with ``synchronous = FULL`` before it is acknowledged,
so neither ``kill -9`` nor a power cut loses it.

Tables (:data:`SCHEMA`):

- ``users``, ``web_sessions``, ``login_attempts``: the accounts (:mod:`groundswell.web.auth`).
  Timestamps are whole microseconds since 1970 UTC (integers compare and sort).
- ``survey_intake``: each survey answer as received, in order (``entry_id``); it is applied to
  the survey tables of the DuckDB file by :func:`groundswell.survey.intake.drain`, which
  records the last entry applied in DuckDB's ``meta`` in the same transaction, so each entry
  is applied exactly once whatever fails when.
- ``closed_surveys``: surveys that accept no more answers (written by ``close`` in the same
  SQLite transaction that drains their last answers).

Workspaces made before this store existed kept their accounts in DuckDB (schema v4):
:func:`adopt_accounts` moves them here the first time they are needed. This module sits at
the bottom of the package beside the store: it imports only the standard library and
:mod:`groundswell.errors`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from groundswell.errors import WorkspaceError

__all__ = [
    "OPS_FILE",
    "SCHEMA",
    "adopt_accounts",
    "connect",
    "from_micros",
    "micros",
    "store_id",
    "writing",
]

OPS_FILE = "groundswell-web.sqlite"
#: Seconds a writer waits for SQLite's write lock (held for milliseconds by each write).
BUSY_TIMEOUT = 60.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    person_id     TEXT,
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    group_scope   TEXT
);
CREATE TABLE IF NOT EXISTS web_sessions (
    token_hash    TEXT PRIMARY KEY,
    username      TEXT NOT NULL,
    csrf_token    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_user ON web_sessions (username);
CREATE TABLE IF NOT EXISTS login_attempts (
    username      TEXT NOT NULL,
    client        TEXT NOT NULL,
    ts            INTEGER NOT NULL,
    ok            INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_attempts_ts ON login_attempts (ts);
CREATE TABLE IF NOT EXISTS survey_intake (
    entry_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id     INTEGER NOT NULL,
    person_id     TEXT NOT NULL,
    answer        TEXT NOT NULL,
    received_at   INTEGER NOT NULL,
    applied_at    INTEGER,
    refused       TEXT
);
CREATE TABLE IF NOT EXISTS closed_surveys (survey_id INTEGER PRIMARY KEY);
"""

_made: set[Path] = set()
_made_lock = threading.Lock()


def micros(ts: datetime) -> int:
    """A timezone-aware time as whole microseconds since 1970 UTC (naive: taken as UTC)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    delta = ts - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)


def connect(folder: str | Path) -> sqlite3.Connection:
    """A new connection to the workspace's operational store (made on first use, mode 0600),
    in autocommit mode: write through :func:`writing`. Close it when done."""
    path = Path(folder) / OPS_FILE
    key = path.resolve()
    try:
        if not path.exists():  # made now (mode 0600), its tables below
            _made.discard(key)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
        con = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as exc:
        raise WorkspaceError(f"{path}: the dashboard's store cannot be opened: {exc}") from exc
    con.execute("PRAGMA synchronous = FULL")  # acknowledged = on disk
    if key not in _made:
        with _made_lock:
            con.execute("PRAGMA journal_mode = WAL")  # kept in the file
            con.executescript(SCHEMA)
            con.execute(  # names this store: a DuckDB file tells its entries from another's
                "INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", [secrets.token_hex(8)]
            )
            _made.add(key)
    return con


def store_id(con: sqlite3.Connection) -> str:
    """The random name this store was given when it was made."""
    return str(con.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchall()[0][0])


@contextlib.contextmanager
def writing(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taking SQLite's write lock at once (``BEGIN IMMEDIATE``), so
    what it reads stays true until it commits; committed (on disk) when the block ends."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextlib.contextmanager
def opened(folder: str | Path) -> Iterator[sqlite3.Connection]:
    """:func:`connect`, closed when the block ends."""
    con = connect(folder)
    try:
        yield con
    finally:
        con.close()


_adopted: set[Path] = set()


def adopt_accounts(folder: Path, duck: Any) -> None:
    """Move the accounts and sessions a workspace older than this store kept in DuckDB
    (tables ``users``, ``web_sessions`` of schema v4) here, once; then empty those tables
    when ``duck`` (a DuckDB connection of the workspace) may write. Idempotent."""
    key = (Path(folder) / OPS_FILE).resolve()
    if key in _adopted:
        return
    import duckdb

    try:
        users = duck.execute(
            "SELECT username, password_hash, role, person_id, created_at, disabled, group_scope "
            "FROM users"
        ).fetchall()
        sessions = duck.execute(
            "SELECT token_hash, username, csrf_token, created_at, expires_at FROM web_sessions"
        ).fetchall()
    except duckdb.Error:  # a schema without them, or a connection that cannot read now
        return
    with opened(folder) as con:
        done = con.execute("SELECT 1 FROM meta WHERE key = 'accounts_adopted'").fetchall()
        if not done:
            with writing(con):
                con.executemany(
                    "INSERT OR IGNORE INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(u, h, r, p, micros(c), int(bool(d)), g) for u, h, r, p, c, d, g in users],
                )
                con.executemany(
                    "INSERT OR IGNORE INTO web_sessions VALUES (?, ?, ?, ?, ?)",
                    [(t, u, c, micros(a), micros(e)) for t, u, c, a, e in sessions],
                )
                con.execute("INSERT INTO meta VALUES ('accounts_adopted', '1')")
    _adopted.add(key)
    if users or sessions:  # the copies in DuckDB are never read again: remove them if we may
        with contextlib.suppress(duckdb.Error):  # read-only now: the next process that may
            duck.execute("DELETE FROM web_sessions")
            duck.execute("DELETE FROM login_attempts")
            duck.execute("DELETE FROM users")
