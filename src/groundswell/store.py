"""The store: one workspace folder's DuckDB database, its schema, its key and its settings.

::

    acme/
      groundswell.duckdb   the canonical tables and every run's results (migrations/current.sql)
      secret.key           the pseudonymisation key, mode 0600, never exported
      groundswell.toml     settings, written out with their defaults at init

The schema carries a version in ``meta``; opening an older workspace applies the migrations
in :data:`MIGRATIONS` (the numbered files of ``groundswell/migrations/``) in one transaction,
and a workspace newer than this code is refused.

Opening takes this process's turn on the file first (:mod:`groundswell.gate`): shared with
``read_only=True`` (any number of readers, the dashboard among them), exclusive otherwise;
a command that has to wait says so once and never shows DuckDB's lock error.

This module sits at the bottom of the package: it imports only :mod:`groundswell.errors`,
:mod:`~groundswell.config`, :mod:`~groundswell.privacy`, :mod:`~groundswell.gate` and
:mod:`~groundswell.migrations`.
Every module that reads or writes a workspace (ingest, run, value, survey, diffusion, report,
the dashboard's store) takes a :class:`Store`; :class:`groundswell.workspace.Workspace`, the
public face, is a :class:`Store` with one method for each capability of the library.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import shutil
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from groundswell import config, gate, migrations, privacy
from groundswell.errors import WorkspaceError

__all__ = ["DB_FILE", "MIGRATIONS", "SCHEMA_VERSION", "Store", "create"]

DB_FILE = "groundswell.duckdb"
#: version -> the step that brings a workspace from version-1 to this version: one numbered
#: SQL file each in groundswell/migrations/ (found by glob). Never edit a released step; add
#: the next file.
MIGRATIONS: dict[int, migrations.Step] = migrations.steps()
SCHEMA_VERSION = max(MIGRATIONS)


def create(path: str | Path, *, identified: bool = False, store_content: bool = False) -> Path:
    """Create a new workspace folder (database at the current schema, key, settings).

    Refuses a folder that already holds a workspace, a file, or a folder that is not empty;
    creates missing parent folders. On any failure nothing it made is left behind.
    """
    folder = Path(path)
    if (folder / DB_FILE).exists():
        raise WorkspaceError(f"{folder}: a workspace already exists here")
    if folder.exists() and not folder.is_dir():
        raise WorkspaceError(f"{folder}: is a file, not a folder")
    if folder.exists() and any(folder.iterdir()):
        raise WorkspaceError(f"{folder}: the folder is not empty; choose a new folder")
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        privacy.new_key(folder / privacy.KEY_FILE)
        text = config.default_text()
        text = text.replace("identified = false", f"identified = {str(identified).lower()}")
        text = text.replace(
            "store_content = false", f"store_content = {str(store_content).lower()}"
        )
        (folder / config.CONFIG_FILE).write_text(text)
        con = duckdb.connect(str(folder / DB_FILE))
        try:
            _migrate(con, 0)
            con.execute(
                "INSERT INTO meta VALUES ('created_at', ?), ('store_content', ?)",
                [datetime.now(UTC).isoformat(), str(store_content).lower()],
            )
        finally:
            con.close()
    except BaseException:
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            for name in (DB_FILE, DB_FILE + ".wal", privacy.KEY_FILE, config.CONFIG_FILE):
                (folder / name).unlink(missing_ok=True)
        raise
    return folder


def _migrate(con: duckdb.DuckDBPyConnection, current: int) -> None:
    if current > SCHEMA_VERSION:
        raise WorkspaceError(
            f"the workspace has schema version {current}, newer than this groundswell "
            f"understands ({SCHEMA_VERSION}); upgrade groundswell"
        )
    if current == SCHEMA_VERSION:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](con)
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


class Store:
    """An opened workspace folder: the connection every reader writes to and every analysis
    reads from, the settings and the pseudonymiser. Opening migrates an older schema."""

    def __init__(self, folder: str | Path, *, read_only: bool = False) -> None:
        folder = Path(folder)
        self.folder = folder
        db = folder / DB_FILE
        if not db.exists():
            raise WorkspaceError(
                f"{folder}: no groundswell workspace here (no {DB_FILE}); "
                f"create one with: groundswell init {folder}"
            )
        self.settings = config.load(folder)
        key_file = folder / privacy.KEY_FILE
        # a copy without its key opens for analysis and reports; ingesting and revealing
        # who a pseudonym is need the key (:attr:`pseudonymiser`, :meth:`key`)
        self._key = privacy.load_key(key_file) if key_file.exists() else None
        self._pseudonymiser = privacy.Pseudonymiser(self._key) if self._key else None
        self.read_only = read_only
        #: connections with a transaction open (shared with copies bound to other cursors)
        self._open: list[duckdb.DuckDBPyConnection] = []
        # this process's turn on the file (gate.py): shared to read, exclusive to write; a
        # command that must wait says so once ("waiting for the dashboard's write...")
        self._db = gate.SharedDB.of(folder, DB_FILE)
        self.con = self._db.acquire(write=not read_only, timeout=gate.WAIT)
        # a store dropped without close() gives its lease back when it is collected
        self._finalizer = weakref.finalize(self, self._db.release, self.con)
        try:
            version = self._version()
            if read_only and version < SCHEMA_VERSION and not self._db.write_mode:
                self._finalizer()  # an older schema: migrate under a write turn
                self.con = self._db.acquire(write=True, timeout=gate.WAIT)
                self._finalizer = weakref.finalize(self, self._db.release, self.con)
            _migrate(self.con, self._version())
            stored = self.con.execute(
                "SELECT value FROM meta WHERE key = 'store_content'"
            ).fetchall()
        except BaseException:
            self.close()
            raise
        self.store_content = bool(stored) and stored[0][0] == "true"

    def _version(self) -> int:
        try:
            rows = self.con.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchall()
        except duckdb.CatalogException:
            rows = []
        return int(rows[0][0]) if rows else 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.folder}>"

    @property
    def has_key(self) -> bool:
        """Whether the workspace's pseudonymisation key is here (``secret.key``)."""
        return self._key is not None

    def key(self, purpose: str) -> bytes:
        """A key for ``purpose`` derived from the workspace key (HMAC-SHA256 of the purpose
        under it), so that no two uses share one; raises :class:`WorkspaceError` when the
        key is not here."""
        if self._key is None:
            raise WorkspaceError(self.no_key(purpose))
        return hmac.digest(self._key, b"groundswell\x1f" + purpose.encode(), "sha256")

    @property
    def pseudonymiser(self) -> privacy.Pseudonymiser:
        """The workspace's pseudonymiser; raises :class:`WorkspaceError` without the key."""
        if self._pseudonymiser is None:
            raise WorkspaceError(self.no_key("pseudonymising identifiers"))
        return self._pseudonymiser

    def no_key(self, purpose: str) -> str:
        """The error message for doing ``purpose`` without the key."""
        return (
            f"{self.folder / privacy.KEY_FILE}: the workspace's pseudonymisation key is not "
            f"here, and {purpose} needs it; only the key holder can do this (copy the key "
            "back, mode 600)"
        )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Give this store's lease on the file back: the connection closes (and the process's
        turn on the file ends) when it was the last one, unless a server keeps it open."""
        self._finalizer()  # releases once; later calls do nothing

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Make a store opened read-only writable from here on: its shared turn on the file
        becomes the exclusive one (waiting for it, and saying so, as opening for writing
        does). So a long computation (``analyze``) reads side by side with the dashboard
        and holds the file alone only while it stores its result. A writable store is left
        as it is."""
        if not self.read_only:
            yield
            return
        self._finalizer()  # this process's read lease back first: a writer waits for all
        self.con = self._db.acquire(write=True, timeout=gate.WAIT)
        self._finalizer = weakref.finalize(self, self._db.release, self.con)
        self.read_only = False
        yield

    @contextlib.contextmanager
    def duckdb_threads(self, n: int | None) -> Iterator[None]:
        """DuckDB runs this process's queries of the workspace on ``n`` threads in the block
        (for the file reopened inside it too); ``None`` leaves DuckDB's own (one a core)."""
        if n is None:
            yield
            return
        with self._db.threads(n):
            yield

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: everything written inside commits together or not at all.

        Inside a transaction already open on this connection it joins that one, which then
        commits or rolls back everything (a run stores its findings inside its own)."""
        con = self.con
        if any(c is con for c in self._open):  # the owner of the open one ends it
            yield con
            return
        con.execute("BEGIN TRANSACTION")
        self._open.append(con)
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            for statement in _AFTER_ROLLBACK.pop(id(con), []):  # see put_back
                con.execute(statement)
            raise
        else:
            con.execute("COMMIT")
        finally:
            self._open[:] = [c for c in self._open if c is not con]

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a read query and return a DataFrame."""
        return self.con.execute(sql, params or []).df()

    @property
    def schema_version(self) -> int:
        return int(
            self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0]
        )

    def counts(self) -> dict[str, int]:
        """Row counts of the canonical tables."""
        out = {}
        for table in ("people", "aliases", "channels", "messages", "interactions", "sources"):
            out[table] = self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        return out

    def sources(self) -> pd.DataFrame:
        """What was ingested, when, with which options (the provenance of every row)."""
        df = self.query("SELECT * FROM sources ORDER BY source_id")
        for col in ("options", "skipped"):
            df[col] = df[col].map(json.loads)
        return df

    def runs(self) -> pd.DataFrame:
        """Every complete run, newest first (see :func:`groundswell.run.incomplete_runs` for
        runs an older version left without their findings)."""
        return self.query(
            "SELECT run_id, created_at, version, window_start, window_end, summary "
            "FROM runs WHERE complete ORDER BY run_id DESC"
        )

    def latest_run_id(self) -> int:
        """The id of the latest complete run; WorkspaceError when there is none yet."""
        rows = self.con.execute("SELECT max(run_id) FROM runs WHERE complete").fetchall()
        if rows[0][0] is None:
            raise WorkspaceError(
                f"{self.folder}: no analysis has been run yet; run: "
                f"groundswell analyze {self.folder}"
            )
        return int(rows[0][0])


#: settings to put back once a connection's aborted transaction is rolled back (put_back)
_AFTER_ROLLBACK: dict[int, list[str]] = {}


def put_back(con: Any, statements: list[str]) -> bool:
    """Run ``statements`` (``SET``/``RESET`` of a setting lowered for a block) now and say
    True, or, when the connection's transaction was aborted by an error inside the block
    (DuckDB then refuses every statement until the rollback), run them right after
    :meth:`Store.transaction` rolls it back and say False: the block's own error is what the
    caller sees, and the setting does not stay lowered."""
    try:
        for statement in statements:
            con.execute(statement)
    except duckdb.TransactionException:
        _AFTER_ROLLBACK.setdefault(id(con), []).extend(statements)
        return False
    return True


#: DuckDB's size units (``current_setting('memory_limit')`` shows ``'18.8 GiB'``)
_UNITS = {"": 1, "b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip


def duckdb_bytes(text: str) -> float:
    """Bytes of a DuckDB size such as ``'18.8 GiB'`` or ``'128MB'`` (infinite when not one)."""
    import re

    found = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", str(text))
    if found is None or found.group(2).lower() not in _UNITS:
        return float("inf")
    return float(found.group(1)) * _UNITS[found.group(2).lower()]


@contextlib.contextmanager
def memory_limit(con: Any, limit: float) -> Iterator[bool]:
    """DuckDB's memory limit lowered to ``limit`` bytes for the block (never raised: yields
    whether it was lowered) and put back when the block ends, however it ends: DuckDB's
    default exactly, a limit set by hand as DuckDB shows it (``'2.7 GiB'``), after the
    rollback when an error in the block aborted the transaction (:func:`put_back`). The
    limit is the database's: the process's other cursors of the same file share it
    meanwhile. DuckDB spills what does not fit (sorts, joins, aggregates, inserted rows) to
    its temporary folder rather than fail."""
    before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    if limit >= duckdb_bytes(before):
        yield False
        return
    con.execute(f"SET memory_limit = '{int(limit)}B'")
    try:
        yield True
    finally:
        if (
            put_back(con, ["RESET memory_limit"])
            and con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != before
        ):
            con.execute(f"SET memory_limit = '{before}'")


def insert_frame(con: Any, table: str, run_id: int, frame: Any, cols: str) -> None:
    """Insert ``frame``'s ``cols`` (select expressions over its columns) into ``table`` after
    ``run_id``, in the connection's open transaction. A relation of the frame, not a
    registered view: DuckDB keeps a frame registered inside a transaction alive until that
    transaction ends (inside ``analyze``, through the whole value step); the relation lets go
    of it once inserted."""
    con.from_df(frame).project(f"{int(run_id)}, {cols}").insert_into(table)
