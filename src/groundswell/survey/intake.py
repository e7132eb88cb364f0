"""Survey answers as received: accepted into the operational store, applied to DuckDB after.

A respondent's save or submit is first written to ``survey_intake`` in the workspace's
operational store (:mod:`groundswell.ops`, SQLite in WAL mode) and committed there before it
is acknowledged (:func:`accept`). That needs no turn on the DuckDB file, so answers keep being
accepted while a command analyses or ingests. :func:`drain` then applies the entries, in the
order received, to the survey tables of the DuckDB file (``survey_responses``,
``survey_answered``, ``survey_attribute_answers``, ``survey_invitations``) in one DuckDB
transaction that also records the last entry applied (``meta``, key
:data:`APPLIED_KEY`): each entry is applied exactly once, whichever process drains and
whatever is killed when. The dashboard drains right after each answer when it can write the
file at once, and otherwise (another process holds it) within a second of the file coming
free; :func:`groundswell.survey.closing.close` drains before it closes, holding the store's
write lock so that no answer slips in between, and records the survey in ``closed_surveys``
so that later answers are refused.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from groundswell import ops
from groundswell.errors import SurveyStateError
from groundswell.survey.record import _WRITE_LOCK, retry

if TYPE_CHECKING:
    from groundswell.store import Store

__all__ = ["APPLIED_KEY", "accept", "apply", "drain", "pending"]

#: ``meta`` key of the DuckDB file: the last intake entry applied to it ...
APPLIED_KEY = "survey_intake_applied"
#: ... and which operational store that entry came from (a store made anew, e.g. restored
#: from an older backup than the DuckDB file, counts its entries from 1 again)
STORE_KEY = "survey_intake_store"
#: applied entries are kept this many days in the operational store (then removed)
KEEP_DAYS = 7
CLOSED = "this survey is closed: answers can no longer be given or changed. Thank you."

Nominees = dict[str, list[tuple[str, float]]]


def accept(
    ws: Store,
    survey_id: int,
    person_id: str,
    nominees: Nominees,
    values: dict[str, int],
    *,
    anonymous: bool,
    submit: bool,
    stamp: datetime,
    check_status: bool = True,
) -> int:
    """Record one validated save or submit in the intake (committed when this returns) and
    return its entry id; SurveyStateError (409) when the survey no longer accepts answers.
    ``ws`` may be read-only: only the survey's status is read from it (not even that
    without ``check_status``: then ``closed_surveys`` alone decides)."""
    if check_status:
        status = ws.con.execute(
            "SELECT status FROM surveys WHERE survey_id = ?", [survey_id]
        ).fetchall()
        if not status or status[0][0] != "open":
            raise SurveyStateError(CLOSED)
    answer = json.dumps(
        {
            "nominees": nominees,
            "values": values,
            "anonymous": anonymous,
            "submit": submit,
            "stamp": stamp.isoformat(),
        },
        sort_keys=True,
    )
    with ops.opened(ws.folder) as sq, ops.writing(sq):
        closed = sq.execute("SELECT 1 FROM closed_surveys WHERE survey_id = ?", [survey_id])
        if closed.fetchall():
            raise SurveyStateError(CLOSED)
        cur = sq.execute(
            "INSERT INTO survey_intake (survey_id, person_id, answer, received_at) "
            "VALUES (?, ?, ?, ?)",
            [survey_id, person_id, answer, ops.micros(datetime.now(UTC))],
        )
        return int(cur.lastrowid or 0)


def apply(
    con: duckdb.DuckDBPyConnection,
    survey_id: int,
    person_id: str,
    nominees: Nominees,
    values: dict[str, int],
    *,
    anonymous: bool,
    submit: bool,
    stamp: datetime,
) -> None:
    """Write one save or submit into the survey tables (inside the caller's transaction):
    each question answered replaces what was saved for it. SurveyStateError when the survey
    is not open (nothing written)."""
    sid, pid = survey_id, person_id
    status, done = con.execute(
        "SELECT s.status, i.attributes_done FROM surveys s JOIN survey_invitations i "
        "USING (survey_id) WHERE survey_id = ? AND i.person_id = ?",
        [sid, pid],
    ).fetchall()[0]
    if status != "open":
        raise SurveyStateError(CLOSED)
    if nominees:
        slugs = list(nominees)
        marks = ", ".join("?" for _ in slugs)
        for table in ("survey_responses", "survey_answered"):
            con.execute(
                f"DELETE FROM {table} WHERE survey_id = ? AND person_id = ? AND slug IN ({marks})",
                [sid, pid, *slugs],
            )
        noms = [
            [sid, pid, slug, n, float(w), stamp] for slug, rows in nominees.items() for n, w in rows
        ]
        if noms:
            con.execute(
                "INSERT INTO survey_responses VALUES "
                + ", ".join("(?, ?, ?, ?, ?, ?)" for _ in noms),
                [v for row in noms for v in row],
            )
        con.execute(
            "INSERT INTO survey_answered VALUES " + ", ".join("(?, ?, ?, ?)" for _ in slugs),
            [v for slug in slugs for v in (sid, pid, slug, stamp)],
        )
    if values and anonymous:
        if not done:  # given once; later submits leave them as they were
            con.executemany(
                "INSERT INTO survey_attribute_answers VALUES (?, ?, NULL, ?, NULL)",
                [[sid, slug, v] for slug, v in values.items()],
            )
    else:
        for slug, v in values.items():
            con.execute(
                "DELETE FROM survey_attribute_answers WHERE survey_id = ? "
                "AND person_id = ? AND slug = ?",
                [sid, pid, slug],
            )
            con.execute(
                "INSERT INTO survey_attribute_answers VALUES (?, ?, ?, ?, ?)",
                [sid, slug, pid, v, stamp],
            )
    con.execute(
        "UPDATE survey_invitations SET started_at = coalesce(started_at, ?)"
        + (", submitted_at = ?" if submit else "")
        + (", attributes_done = true" if submit and anonymous else "")
        + " WHERE survey_id = ? AND person_id = ?",
        [stamp, *([stamp] if submit else []), sid, pid],
    )


def applied_upto(con: duckdb.DuckDBPyConnection, store: str) -> int:
    """The last entry of the operational store named ``store`` the DuckDB file holds (0 for
    none)."""
    rows = dict(
        con.execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?)", [APPLIED_KEY, STORE_KEY]
        ).fetchall()
    )
    if rows.get(STORE_KEY) != store:
        return 0
    return int(rows.get(APPLIED_KEY, 0))


def pending(ws: Store) -> int:
    """How many answers were received and are not in the DuckDB file yet."""
    with ops.opened(ws.folder) as sq:
        upto = applied_upto(ws.con, ops.store_id(sq))
        return int(
            sq.execute("SELECT count(*) FROM survey_intake WHERE entry_id > ?", [upto]).fetchall()[
                0
            ][0]
        )


def drain(ws: Store, sq: sqlite3.Connection | None = None) -> int:
    """Apply every entry received and not yet applied to the DuckDB file, in order, in one
    transaction of ``ws`` (which must be able to write); returns how many. ``sq``: an open
    operational-store connection, possibly inside its write transaction (``close`` holds
    one); else one is opened. An entry the survey no longer accepts is recorded as refused
    (the closing protocol leaves none)."""
    own = sq is None
    store = ops.connect(ws.folder) if sq is None else sq
    name = ops.store_id(store)
    try:
        with _WRITE_LOCK:

            def run() -> tuple[int, list[tuple[int, str | None]]]:
                with ws.transaction() as con:
                    upto = applied_upto(con, name)
                    entries = store.execute(
                        "SELECT entry_id, survey_id, person_id, answer FROM survey_intake "
                        "WHERE entry_id > ? ORDER BY entry_id",
                        [upto],
                    ).fetchall()
                    done: list[tuple[int, str | None]] = []
                    for entry_id, survey_id, person_id, text in entries:
                        done.append((int(entry_id), _apply_entry(con, survey_id, person_id, text)))
                    last = done[-1][0] if done else upto
                    if done:
                        con.executemany(
                            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            [[APPLIED_KEY, str(last)], [STORE_KEY, name]],
                        )
                    return last, done

            last, done = retry(run)
        stamp = ops.micros(datetime.now(UTC))
        keep = stamp - KEEP_DAYS * 86_400 * 1_000_000

        def mark(c: sqlite3.Connection) -> None:
            c.executemany(
                "UPDATE survey_intake SET applied_at = ?, refused = ? WHERE entry_id = ?",
                [(stamp, why, entry_id) for entry_id, why in done],
            )
            # entries a crash left unmarked after their DuckDB commit
            c.execute(
                "UPDATE survey_intake SET applied_at = ? WHERE entry_id <= ? "
                "AND applied_at IS NULL",
                [stamp, last],
            )
            c.execute("DELETE FROM survey_intake WHERE applied_at < ?", [keep])

        if own:
            with ops.writing(store):
                mark(store)
        else:
            mark(store)
        return len(done)
    finally:
        if own:
            store.close()


def _apply_entry(con: duckdb.DuckDBPyConnection, survey_id: int, person_id: str, text: str) -> Any:
    """Apply one stored entry; the reason when the survey refused it (else None)."""
    answer = json.loads(text)
    nominees = {
        slug: [(str(n), float(w)) for n, w in rows] for slug, rows in answer["nominees"].items()
    }
    try:
        apply(
            con,
            int(survey_id),
            str(person_id),
            nominees,
            {k: int(v) for k, v in answer["values"].items()},
            anonymous=bool(answer["anonymous"]),
            submit=bool(answer["submit"]),
            stamp=datetime.fromisoformat(answer["stamp"]),
        )
    except SurveyStateError as exc:
        return str(exc)
    return None
