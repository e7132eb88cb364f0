"""The canonical rows one ingest produces, and the one way they are written.

Every reader builds a :class:`Batch` of canonical frames (pseudonymised already) and calls
:func:`write`, which inserts them in one transaction with the provenance row last: rows
already in the workspace are skipped (idempotence), a failure rolls everything back
(atomicity), and ``dry_run`` performs the same inserts and rolls them back, so the summary
of a dry run is exactly what a real run would add.

Aliases may point at another alias (a chat user id at an email, an email at an HR id); the
writer rewrites such chains so that every alias points straight at its person.

Canonical columns (``migrations/001_canonical_model.sql``):

- people: person_id, display_name, is_internal, department, team, title, level, manager_id,
  location, hire_date, leave_date, attrs, relation (``migrations/010_*.sql``)
- aliases: alias_id, person_id
- channels: channel_id, name, kind, created_at
- messages: message_id, channel_id, thread_id, parent_id, author_id, ts, kind,
  n_recipients, is_question, is_bot, text
- targets (input to :func:`interactions`): message_id, target_id, kind
- person_metrics: person_id, period_start, metric, value (``migrations/002_*.sql``)
- group_metrics: attribute, group_a, group_b, period_start, metric, value (``migrations/002_*.sql``)
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import pandas as pd

from groundswell.ingest import common
from groundswell.network.ties import keyed
from groundswell.store import duckdb_bytes, memory_limit

if TYPE_CHECKING:
    import duckdb

    from groundswell.store import Store

PEOPLE_COLUMNS = [
    "person_id", "display_name", "is_internal", "department", "team", "title", "level",
    "manager_id", "location", "hire_date", "leave_date", "attrs", "relation",
]  # fmt: skip
MESSAGE_COLUMNS = [
    "message_id", "channel_id", "thread_id", "parent_id", "author_id", "ts", "kind",
    "n_recipients", "is_question", "is_bot", "text",
]  # fmt: skip
INTERACTION_COLUMNS = [
    "ts", "actor_id", "target_id", "kind", "message_id", "n_recipients", "is_bot", "weight",
]  # fmt: skip
CHANNEL_COLUMNS = ["channel_id", "name", "kind", "created_at"]
PERSON_METRIC_COLUMNS = ["person_id", "period_start", "metric", "value"]
GROUP_METRIC_COLUMNS = ["attribute", "group_a", "group_b", "period_start", "metric", "value"]
_T = TypeVar("_T")


class DryRun(Exception):
    """Raised inside the transaction of a dry run to roll it back."""


@dataclass
class Batch:
    """Canonical frames produced by one reader; any may be None.

    ``people_mode`` is "upsert" for an HR file (its records replace older ones) or "fill"
    for people seen in a chat export (added only when no record exists, so the HR file
    always wins).

    ``unique`` names the frames (``"messages"``, ``"interactions"``) the reader built with
    at most one row per key (a message id; a message, actor, target and kind): :func:`write`
    stores them without de-duplicating them again (rows already in the workspace are still
    skipped). A reader names a frame only where it has proved it (tests/ingest/
    test_batch_unique.py): a duplicate in a frame named here would be stored twice.

    ``firsts`` gives, for a frame not named in ``unique`` (only ``"interactions"`` is
    read), a boolean array of its rows: the first row of each key, every other row being
    a copy of one of them in every column. :func:`write` stores only those rows, without
    de-duplicating them again: the rows its de-duplication would have stored (about 1.5 s
    of DuckDB's hash aggregate on the synthetic export's 1.96M interactions).
    """

    people: pd.DataFrame | None = None
    aliases: pd.DataFrame | None = None
    channels: pd.DataFrame | None = None
    messages: pd.DataFrame | None = None
    interactions: pd.DataFrame | None = None
    person_metrics: pd.DataFrame | None = None
    group_metrics: pd.DataFrame | None = None
    adoptions: pd.DataFrame | None = None
    people_mode: Literal["upsert", "fill"] = "fill"
    unique: frozenset[str] = frozenset()
    firsts: dict[str, np.ndarray] = field(default_factory=dict)


def interactions(messages: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Directed interactions from messages and their targets; sets ``n_recipients``.

    ``targets`` has one row per (message_id, target_id, kind). A message's recipients are
    its distinct targets of every kind; a ``post`` kind counts as audience but makes no
    interaction, and neither does an act toward oneself. Updates
    ``messages["n_recipients"]`` in place and returns the interactions frame.
    """
    t = targets.drop_duplicates(["message_id", "target_id", "kind"])
    n_rec = t.drop_duplicates(["message_id", "target_id"]).groupby("message_id").size()
    messages["n_recipients"] = messages["message_id"].map(n_rec).fillna(0).astype(np.int32)
    m = messages[["message_id", "author_id", "ts", "is_bot", "n_recipients"]]
    out = t.merge(m, on="message_id", how="inner").rename(columns={"author_id": "actor_id"})
    out = out[(out["kind"] != "post") & (out["actor_id"] != out["target_id"])]
    out = out.assign(weight=1.0)  # the act's own intensity; kind weights apply at tie time
    return out[INTERACTION_COLUMNS].reset_index(drop=True)


def reply_targets(
    ws: Store,
    replies: pd.DataFrame,
    authors: dict[str, str],
    summary: common.IngestSummary,
) -> pd.DataFrame:
    """Targets of replies: the author of the message each replies to (``parent_id``), found
    among ``authors`` (this input) or the messages already in the workspace. Replies whose
    parent is in neither are counted in a warning; they stay activity but make no tie."""
    missing = sorted(set(replies["parent_id"]) - authors.keys())
    if missing:
        authors = {**authors, **common.stored_authors(ws, missing)}
    target = replies["parent_id"].map(authors)
    lost = int(target.isna().sum())
    if lost:
        summary.warnings.append(
            f"{lost} replies answer a message that is neither in the input nor in the "
            "workspace: they count as activity but make no reply tie"
        )
    ok = target.notna().to_numpy()
    return pd.DataFrame(
        {
            "message_id": replies["message_id"].to_numpy()[ok],
            "target_id": target.to_numpy()[ok],
            "kind": "reply",
        }
    )


def sha256_path(path: Path) -> str:
    """sha256 of a file, or of a folder (its relative paths and file contents, sorted)."""
    if path.is_file():
        return common.sha256_file(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(path)).encode() + b"\0")
        h.update(common.sha256_file(f).encode())
    return h.hexdigest()


def write(
    ws: Store,
    batch: Batch,
    summary: common.IngestSummary,
    sha: str,
    options: dict[str, Any],
    *,
    dry_run: bool = False,
    memory: str | None = None,
) -> common.IngestSummary:
    """Insert a batch and its provenance in one transaction (rolled back for a dry run).

    ``memory`` (e.g. :data:`WRITE_MEMORY`) bounds DuckDB's memory while the transaction is
    open (:func:`memory_budget`; its threads are left as they are): without it DuckDB keeps
    the blocks it writes in memory until it commits, about 500 MB more than the frames for
    a 1.5M-message Slack export. Should DuckDB run out of memory under that budget (it
    cannot spill every operator), everything is rolled back and written again under DuckDB's
    own limit."""
    skipped = summary.skipped.copy()

    def store(budget: str | None, _threads: int | None) -> common.IngestSummary:
        if budget is None and memory is not None:  # the retry: as the first attempt began
            summary.skipped, summary.source_id = skipped.copy(), None
        return _write(ws, batch, summary, sha, options, dry_run=dry_run, memory=budget)

    return budgeted(store, memory, None)


def _write(
    ws: Store,
    batch: Batch,
    summary: common.IngestSummary,
    sha: str,
    options: dict[str, Any],
    *,
    dry_run: bool,
    memory: str | None,
) -> common.IngestSummary:
    try:
        with memory_budget(ws.con, memory), ws.transaction() as con:
            summary.source_id = sid = common.next_source_id(ws)
            if batch.people is not None and len(batch.people):
                summary.people = _people(con, batch.people, sid, batch.people_mode)
            if batch.aliases is not None and len(batch.aliases):
                _insert(
                    con,
                    "aliases",
                    batch.aliases[["alias_id", "person_id"]],
                    sid,
                    ["alias_id"],
                    replace=batch.people_mode == "upsert",
                )
                _compress_aliases(con)
            if batch.people is not None or batch.aliases is not None:
                _drop_aliased_people(con)
                _mark_outside_hr(con, sid if summary.kind == "orgchart" else None)
            if batch.channels is not None and len(batch.channels):
                _insert(con, "channels", batch.channels[CHANNEL_COLUMNS], sid, ["channel_id"])
            if batch.messages is not None:
                summary.messages = _insert(
                    con,
                    "messages",
                    batch.messages[MESSAGE_COLUMNS],
                    sid,
                    ["message_id"],
                    unique="messages" in batch.unique,
                )
                if summary.messages < len(batch.messages):
                    summary.skipped["already in the workspace"] += (
                        len(batch.messages) - summary.messages
                    )
            if batch.interactions is not None:
                summary.interactions = _insert(
                    con,
                    "interactions",
                    batch.interactions[INTERACTION_COLUMNS],
                    sid,
                    ["message_id", "actor_id", "target_id", "kind"],
                    unique="interactions" in batch.unique,
                    first=batch.firsts.get("interactions"),
                )
            if batch.person_metrics is not None and len(batch.person_metrics):
                summary.metrics += _insert(
                    con,
                    "person_metrics",
                    batch.person_metrics[PERSON_METRIC_COLUMNS],
                    sid,
                    ["person_id", "period_start", "metric"],
                    replace=True,
                )
            if batch.group_metrics is not None and len(batch.group_metrics):
                summary.metrics += _insert(
                    con,
                    "group_metrics",
                    batch.group_metrics[GROUP_METRIC_COLUMNS],
                    sid,
                    ["attribute", "group_a", "group_b", "period_start", "metric"],
                    replace=True,
                )
            if batch.adoptions is not None and len(batch.adoptions):
                summary.adoptions = _insert(
                    con,
                    "adoptions",
                    batch.adoptions[["person_id", "behaviour", "ts"]],
                    sid,
                    ["person_id", "behaviour"],
                )
                if summary.adoptions < len(batch.adoptions):
                    summary.skipped["already in the workspace"] += (
                        len(batch.adoptions) - summary.adoptions
                    )
            if batch.people is None and batch.messages is not None:
                ids = [batch.messages["author_id"]]
                if batch.interactions is not None:
                    ids.append(batch.interactions["target_id"])
                summary.people = int(pd.concat(ids).nunique())
            common.record_source(ws, summary, sha, options)
            if dry_run:
                raise DryRun
    except DryRun:
        summary.dry_run = True
        summary.source_id = None
    return summary


@contextlib.contextmanager
def writing(
    ws: Store,
    summary: common.IngestSummary,
    sha: str,
    options: dict[str, Any],
    *,
    dry_run: bool = False,
    memory: str | None = None,
    threads: int | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The transaction of an ingest written piece by piece (a file read in batches).

    Sets ``summary.source_id``; the block inserts with :func:`insert` and keeps the counts of
    ``summary``. When the block ends, the provenance row is recorded, last, and everything
    commits (or, for a dry run, is rolled back); an error anywhere in the block rolls back
    everything written in it, as :func:`write` does. ``memory`` (e.g. :data:`STREAM_MEMORY`)
    and ``threads`` (e.g. :data:`STREAM_THREADS`) bound DuckDB's memory and threads while
    the transaction is open (:func:`memory_budget`).
    """
    try:
        with memory_budget(ws.con, memory, threads), ws.transaction() as con:
            summary.source_id = common.next_source_id(ws)
            yield con
            common.record_source(ws, summary, sha, options)
            if dry_run:
                raise DryRun
    except DryRun:
        summary.dry_run = True
        summary.source_id = None


#: DuckDB's memory budget while :func:`write` stores a large batch (the Slack reader's):
#: DuckDB evicts the blocks it has written (to the database file, or its temporary folder)
#: instead of holding them until the commit. On the synthetic 5,000-person Slack export
#: (1.55M messages, 1.9M interactions) the store's peak went from about 520 to 140 MiB
#: above the frames, for about 10% more of the store's CPU (docs/performance.md, "Reading a
#: Slack export").
WRITE_MEMORY = "128MB"
#: DuckDB's memory budget while a streamed ingest holds its one transaction open. Without
#: it DuckDB's buffer manager keeps the blocks the ingest writes and reads (the tables it
#: appends to, the ones its anti-joins read, its temporary tables) in memory up to its
#: default limit, 80% of the machine's memory, so the reader's memory grows with the
#: input; with it DuckDB evicts them (to the database file, or to its temporary folder
#: ``groundswell.duckdb.tmp`` beside it, inside the workspace, removed when the connection
#: closes). The buffer pool fills up to the budget and stays there: 32 MB on one thread
#: (:data:`STREAM_THREADS`) is full after about 100,000 messages of the mbox benchmark, so
#: the reader's memory is flat from there (bench/mbox.py, docs/performance.md "Reading email
#: headers (mbox)"). :func:`memory_budget` gives each DuckDB thread at least
#: :data:`THREAD_MEMORY`. Less does not do: under 16 MB or 24 MB on one thread DuckDB ran out
#: of memory within the first 100,000 messages of the benchmark (and :func:`budgeted` read
#: the mbox again without a budget).
STREAM_MEMORY: str | None = "32MB"
#: DuckDB's threads while a streamed ingest holds its transaction open: one. Its statements
#: there are small (a batch's inserts and the anti-joins that scan the stored rows against a
#: batch), so a second thread saved no time but needed a second share of the budget, and
#: the budget, whatever the machine's cores, stays :data:`THREAD_MEMORY`.
STREAM_THREADS: int | None = 1
#: The least budget per DuckDB thread: with two threads, 32 MB in all is too little for the
#: statements of one 20,000-message batch (DuckDB failed, two times in three, with "Out of
#: Memory"); with one thread 32 MB always did (and spilled), so a machine with more cores
#: gets a larger budget rather than a failure.
THREAD_MEMORY = "32MB"

#: DuckDB's memory budget and threads while the events reader's transaction is open
#: (:mod:`groundswell.ingest.events`, with :func:`budgeted`'s fallback): its batches are
#: larger than the email reader's (up to :data:`groundswell.ingest.stream.BATCH_ROWS` rows,
#: each with its recipients). On the 13-week synthetic organisation of 5,000 people (2.6M
#: rows), each in its own process: no budget 878 MiB; 64 MB on one thread 573 MiB with the
#: same CPU time; 128 MB 594 MiB; 32 MB ran out of memory in the keyed insert of a batch, so
#: the file was read twice (1,032 MiB) (docs/performance.md, "Reading an events file with
#: broadcasts").
EVENTS_MEMORY: str | None = "64MB"
EVENTS_THREADS: int | None = 1


def budgeted(
    store: Callable[[str | None, int | None], _T], memory: str | None, threads: int | None
) -> _T:
    """``store(memory, threads)``: a streamed ingest (one transaction, written by
    :func:`writing` with these ``memory`` and ``threads``) under DuckDB's budget; should
    DuckDB run out of memory under it anyway (an operator it cannot spill, on a large
    workspace), the transaction has rolled back and ``store(None, None)`` reads the input
    again under DuckDB's own limit and threads. ``memory`` None: no budget, read once."""
    import duckdb

    if memory is None:
        return store(None, None)
    try:
        return store(memory, threads)
    except duckdb.OutOfMemoryException:
        return store(None, None)


@contextlib.contextmanager
def memory_budget(
    con: duckdb.DuckDBPyConnection, memory: str | None, threads: int | None = None
) -> Iterator[None]:
    """DuckDB's threads lowered to ``threads`` and its memory limit to ``memory`` (at least
    :data:`THREAD_MEMORY` for each of DuckDB's threads in the block) for the block (never
    raised) and put back when it ends, however it ends. DuckDB spills what does not fit
    (sorts, joins, aggregates) to its temporary folder rather than fail. Both settings are
    the database's, so they also hold for the process's other cursors of the same file
    meanwhile; an ingest holds the file's exclusive turn (:mod:`groundswell.gate`) while it
    runs. DuckDB's defaults are put back exactly; a limit set by hand is put back as DuckDB
    shows it (to a tenth of its unit, ``'2.7 GiB'``)."""
    if memory is None:
        yield
        return
    with _fewer_threads(con, threads) as n_threads:
        least = _bytes(THREAD_MEMORY) * n_threads
        if _bytes(memory) < least:
            memory = f"{least / 2**20:.0f}MiB"
        with memory_limit(con, _bytes(memory)):
            yield


def _bytes(text: str) -> float:
    """Bytes of a DuckDB size such as ``'18.8 GiB'`` or ``'128MB'``
    (:func:`groundswell.store.duckdb_bytes`); a budget that is not one is refused."""
    got = duckdb_bytes(text)
    if got == float("inf"):
        raise ValueError(f"not a DuckDB size: {text!r}")
    return got


@contextlib.contextmanager
def _fewer_threads(con: duckdb.DuckDBPyConnection, threads: int | None) -> Iterator[int]:
    """DuckDB's threads lowered to ``threads`` for the block (never raised; ``None``: left
    as they are), put back when it ends; yields the threads in force in the block."""
    before = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    if threads is None or threads >= before:
        yield before
        return
    con.execute(f"SET threads = {max(1, int(threads))}")
    try:
        yield max(1, int(threads))
    finally:
        con.execute("RESET threads")  # the default exactly, when it was the default
        if int(con.execute("SELECT current_setting('threads')").fetchall()[0][0]) != before:
            con.execute(f"SET threads = {before}")


def insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    sid: int,
    key: list[str],
    *,
    others: bool = False,
) -> int:
    """Insert the rows of ``frame`` (the table's columns but ``source_id``, in order) whose
    ``key`` is not in ``table`` yet, the first of each key only, as source ``sid``; returns
    the number of rows added.

    ``others``: the caller knows that no row stored as source ``sid`` so far shares a key
    with ``frame`` (the email reader drops a batch's Message-IDs that an earlier batch
    stored before writing it), so only other sources' rows are looked at. DuckDB then skips
    the ingest's own row groups by their statistics, and a batch's insert costs the same
    at the end of a long input as at its start instead of reading every row stored
    before it."""
    return _insert(con, table, frame, sid, key, others=others)


def insert_people(
    con: duckdb.DuckDBPyConnection, people: pd.DataFrame, sid: int, mode: str = "fill"
) -> int:
    """Insert people rows inside a transaction written piece by piece, as :func:`write` does
    for a batch's people (``mode`` as :attr:`Batch.people_mode`): then drops people rows
    that are another person's alias and marks people outside an HR file external. Returns
    the number of rows added (``fill``) or written (``upsert``)."""
    added = _people(con, people, sid, mode)
    _drop_aliased_people(con)
    _mark_outside_hr(con, None)
    return added


def _insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    sid: int,
    key: list[str],
    *,
    replace: bool = False,
    unique: bool = False,
    first: np.ndarray | None = None,
    others: bool = False,
) -> int:
    """Insert rows whose key is not in the table yet (or replace them); returns rows added.
    With ``others`` (see :func:`insert`) only other sources' stored rows are compared.
    With ``unique`` the frame has at most one row per key (:attr:`Batch.unique`), so it is
    not de-duplicated again (a hash aggregate carrying every column: about a quarter of the
    store's time for a Slack export's messages and interactions); nor are the interactions
    with ``first``, the rows to store, the first of each key (:attr:`Batch.firsts`; a
    workspace of an older schema de-duplicates them, the same rows)."""
    if table == "interactions" and keyed(con):
        return _insert_interactions(con, frame, sid, unique=unique, first=first, others=others)
    # DuckDB reads the frame from the local variable the queries name (a replacement scan):
    # a frame registered on the connection inside a transaction stays in memory until the
    # transaction ends, so an ingest written in batches would keep every batch
    batch_frame = frame  # noqa: F841
    keys = ", ".join(key)
    if replace:
        cond = " AND ".join(f"t.{k} = b.{k}" for k in key)
        con.execute(
            f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM batch_frame b WHERE {cond})"
        )
    before = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    cols = ", ".join(f"b.{c}" for c in frame.columns)
    names = ", ".join([*frame.columns, "source_id"])  # by name: migrations add columns last
    rows = "batch_frame" if unique else f"(SELECT DISTINCT ON ({keys}) * FROM batch_frame)"
    stored = f"(SELECT {keys} FROM {table} WHERE source_id <> {int(sid)})" if others else table
    con.execute(
        f"INSERT INTO {table} ({names}) SELECT {cols}, {sid} FROM {rows} b "
        f"ANTI JOIN {stored} t USING ({keys})"
    )
    after = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return int(after - before)


def repeats(
    con: duckdb.DuckDBPyConnection, sid: int, message_ids: np.ndarray, held: str
) -> np.ndarray:
    """Which of a batch's (distinct) ``message_ids`` an earlier batch of ingest ``sid``
    held: those stored as source ``sid``, or listed in the temporary table ``held`` (one
    column ``message_id``), where an id the workspace held before this ingest is put the
    first time a batch meets it, so that a second copy of it in the input is a repeat too."""
    batch_ids = pd.DataFrame({"message_id": message_ids})  # noqa: F841 (read by DuckDB)
    hits = con.execute(
        "SELECT i.message_id, m.source_id = ? OR o.message_id IS NOT NULL AS again "
        "FROM batch_ids i JOIN messages m USING (message_id) "
        f"LEFT JOIN {held} o USING (message_id)",
        [int(sid)],
    ).df()
    if not len(hits):
        return np.zeros(len(message_ids), dtype=bool)
    again = hits["again"].to_numpy(dtype=bool)
    first_time = hits["message_id"].to_numpy()[~again]  # held before this ingest
    if len(first_time):
        held_ids = pd.DataFrame({"message_id": first_time})  # noqa: F841 (read by DuckDB)
        con.execute(f"INSERT INTO {held} SELECT * FROM held_ids")
    return np.isin(message_ids, hits["message_id"].to_numpy()[again])


def person_keys_sql(relation: str) -> str:
    """The statement giving a key to every identifier in ``relation``'s ``actor_id`` and
    ``target_id`` that has none yet: the next integers, in the order of the identifiers (so
    the same inserts give the same keys)."""
    return (
        "INSERT INTO person_keys SELECT "
        "(SELECT coalesce(max(person_key), 0) FROM person_keys) "
        "+ (row_number() OVER (ORDER BY n.pseudonym))::INTEGER, n.pseudonym FROM "
        f"(SELECT actor_id AS pseudonym FROM {relation} UNION "
        f"SELECT target_id FROM {relation}) n "
        "ANTI JOIN person_keys p USING (pseudonym)"
    )


def keyed_insert_sql(relation: str, sid: int, *, unique: bool = False, others: bool = False) -> str:
    """The statement appending the rows of ``relation`` (columns :data:`INTERACTION_COLUMNS`,
    people as pseudonyms that have keys: run :func:`person_keys_sql` first) to
    ``interaction_rows`` as source ``sid``: the first row of each (message, actor, target,
    kind) that is not stored yet (with ``unique``, ``relation`` has one row per key
    already; with ``others``, no row of source ``sid`` can have its key: see
    :func:`insert`)."""
    rows = (
        relation
        if unique
        else f"(SELECT DISTINCT ON (message_id, actor_id, target_id, kind) * FROM {relation})"
    )
    stored = (
        "(SELECT message_id, actor_key, target_key, kind FROM interaction_rows "
        f"WHERE source_id <> {int(sid)})"
        if others
        else "interaction_rows"
    )
    return (
        "INSERT INTO interaction_rows SELECT b.ts, b.actor_key, b.target_key, b.kind, "
        f"b.message_id, b.n_recipients, b.is_bot, b.weight, {int(sid)} FROM "
        "(SELECT x.ts, a.person_key AS actor_key, t.person_key AS target_key, x.kind, "
        "x.message_id, x.n_recipients, x.is_bot, x.weight FROM "
        f"{rows} x "
        "JOIN person_keys a ON a.pseudonym = x.actor_id "
        "JOIN person_keys t ON t.pseudonym = x.target_id) b "
        f"ANTI JOIN {stored} r ON r.message_id = b.message_id "
        "AND r.actor_key = b.actor_key AND r.target_key = b.target_key AND r.kind = b.kind"
    )


def _insert_interactions(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    sid: int,
    *,
    unique: bool = False,
    first: np.ndarray | None = None,
    others: bool = False,
) -> int:
    """Insert a frame of interactions (columns :data:`INTERACTION_COLUMNS`) into
    ``interaction_rows``: the first row of each (message, actor, target, kind) not stored
    yet (with ``first``: the rows it marks, the first of each key; see :attr:`Batch.firsts`),
    with its people's integer keys (new identifiers get new keys). The anti-join on the
    stored rows keeps re-ingest idempotent without a primary-key index, whose memory grew
    with every event of an ingest until it committed."""
    batch_frame = frame[INTERACTION_COLUMNS]  # (read by DuckDB; see _insert)
    rows = "batch_frame"
    if first is not None and not unique:
        # the other rows repeat the first ones: the same people, the same rows stored
        batch_frame = batch_frame.assign(gs_first=first)  # (no copy of the columns)
        rows, unique = "(SELECT * EXCLUDE (gs_first) FROM batch_frame WHERE gs_first)", True
    before = con.execute("SELECT count(*) FROM interaction_rows").fetchall()[0][0]
    con.execute(person_keys_sql("batch_frame"))
    con.execute(keyed_insert_sql(rows, sid, unique=unique, others=others))
    after = con.execute("SELECT count(*) FROM interaction_rows").fetchall()[0][0]
    return int(after - before)


def append_interactions(
    con: duckdb.DuckDBPyConnection, select: str, params: list[Any] | None = None
) -> None:
    """Append the rows of the query ``select`` to the interactions as they are, skipping
    none: its columns are those of the view ``interactions`` in order (
    :data:`INTERACTION_COLUMNS` then ``source_id``, people as pseudonyms). For a benchmark's
    or a test's hand-made rows; readers go through :func:`write` or :func:`insert`."""
    if not keyed(con):  # a workspace of an older schema (in tests)
        con.execute(f"INSERT INTO interactions {select}", params or [])
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE gs_new_interactions (ts TIMESTAMPTZ, actor_id VARCHAR, "
        "target_id VARCHAR, kind VARCHAR, message_id VARCHAR, n_recipients INTEGER, "
        "is_bot BOOLEAN, weight DOUBLE, source_id INTEGER)"
    )
    con.execute(f"INSERT INTO gs_new_interactions {select}", params or [])
    con.execute(person_keys_sql("gs_new_interactions"))
    con.execute(
        "INSERT INTO interaction_rows SELECT x.ts, a.person_key, t.person_key, x.kind, "
        "x.message_id, x.n_recipients, x.is_bot, x.weight, x.source_id "
        "FROM gs_new_interactions x JOIN person_keys a ON a.pseudonym = x.actor_id "
        "JOIN person_keys t ON t.pseudonym = x.target_id ORDER BY x.rowid"
    )
    con.execute("DROP TABLE gs_new_interactions")


def _drop_aliased_people(con: duckdb.DuckDBPyConnection) -> None:
    """A people row keyed by an identifier that turned out to be another person's alias (a
    chat profile keyed by email, once the HR file links that email to an employee id) is a
    duplicate of that person: drop it, the HR record wins."""
    con.execute(
        "DELETE FROM people WHERE person_id IN "
        "(SELECT alias_id FROM aliases WHERE alias_id <> person_id)"
    )


def _mark_outside_hr(con: duckdb.DuckDBPyConnection, hr_source: int | None) -> None:
    """Once an HR file is in the workspace, it says who is employed: a person it does not list
    (a people row that came from a chat, email or calendar export, not from an org chart) is
    outside the organisation, ``is_internal`` false, whatever order the files came in.
    ``hr_source`` is the org chart being written (its provenance row comes last)."""
    hr = [
        r[0]
        for r in con.execute("SELECT source_id FROM sources WHERE kind = 'orgchart'").fetchall()
    ]
    hr += [hr_source] if hr_source is not None else []
    if hr:
        con.execute(
            "UPDATE people SET is_internal = false WHERE is_internal "
            "AND source_id NOT IN (SELECT unnest(?::INTEGER[]))",
            [hr],
        )


def _compress_aliases(con: duckdb.DuckDBPyConnection) -> None:
    """Keep every alias one hop from its person, whatever the order of ingests.

    A chat export maps its user id to the person's email; an HR file maps that email to the
    employee id. Rewriting chains (user id -> email -> employee id) to point straight at the
    end lets the tie rules resolve an identifier with a single join.
    """
    for _ in range(8):  # chains are short; a cycle cannot arise from the readers
        changed = con.execute(
            "UPDATE aliases SET person_id = b.person_id FROM aliases b "
            "WHERE aliases.person_id = b.alias_id AND aliases.alias_id <> b.alias_id "
            "AND aliases.person_id <> b.person_id"
        ).fetchall()
        if not changed or changed[0][0] == 0:
            return


def _people(con: duckdb.DuckDBPyConnection, people: pd.DataFrame, sid: int, mode: str) -> int:
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'people'"
        ).fetchall()
    }  # a workspace of an older schema, being written before it is migrated (in tests)
    frame = people.reindex(columns=[c for c in PEOPLE_COLUMNS if c in have])
    frame["hire_date"] = pd.to_datetime(frame["hire_date"]).dt.date
    frame["leave_date"] = pd.to_datetime(frame["leave_date"]).dt.date
    if mode == "upsert":
        _insert(con, "people", frame, sid, ["person_id"], replace=True)
        return len(frame)
    return _insert(con, "people", frame, sid, ["person_id"])
