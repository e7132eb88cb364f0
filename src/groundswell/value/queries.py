"""Every query of :mod:`groundswell.value`: the one module of the package that talks to the
workspace's database (a test, tests/value/test_value_shape.py, fails on any other).

The measures (:mod:`.maturity`, :mod:`.qa`, :mod:`.community_health`, :mod:`.snapshots`,
:mod:`.onboarding`, :mod:`.trends`, :mod:`.before_after`) are pure functions of the frames
read here; the orchestration (:mod:`.compute`, :mod:`.timeline`, :mod:`.findings`) reads with
these functions, calls the measures and writes their results back with the ``store_*``
functions below. Every read runs in DuckDB with identities resolved through ``aliases`` and
bots left out; Python only sees per-person, per-question or per-unit rows.

This module is longer than 500 lines because it is the one place for the package's SQL: the
queries of the measures side by side, so that a change of the canonical model is made here
and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from groundswell import _sets, config
from groundswell.network.activity import activities as _activities
from groundswell.network.activity import activity as _activity
from groundswell.network.ties import (
    TieRules,
    active_people,
    build_ties,
    keyed,
    one_key_each,
    utc_session,
)
from groundswell.store import insert_frame, memory_limit
from groundswell.value._base import (
    ANSWER_KINDS,
    GROUP_KINDS,
    OPEN_KINDS,
    RESPONSE_KINDS,
    TEXT_QUESTION,
    WARM_UP_DAYS,
    TieCodes,
    check_settings,
    qa_regex,
)

if TYPE_CHECKING:
    from groundswell.network.window import Window
    from groundswell.run import Run
    from groundswell.store import Store

#: acts that call for a response (reactions and meetings do not)
INBOUND_KINDS = ("reply", "mention", "dm", "email_to")

T = TypeVar("T")
#: the reads kept while :func:`shared` is open, by workspace (id) then by read and window
_SHARED: dict[int, dict[tuple[Any, ...], Any]] = {}


@contextmanager
def shared(ws: Store, *, together: bool = False) -> Iterator[None]:
    """Within this block every read of :func:`memo` (the ties, members, questions, channel
    writers, activity and org chart of a window; the settings) is made once and handed to
    every measure that asks for it: ``analyze`` computes all the value findings of a run
    inside one such block (the frames are not changed in place: pandas' copy-on-write).
    Nothing is kept after the block; blocks nest (the outermost one owns the reads).
    ``together`` (a small workspace, read on one thread) lets reads of several windows be
    one query (:func:`activities`): less CPU where each query's fixed cost dominates, more
    where the rows do."""
    key = id(ws)
    owner = key not in _SHARED
    if owner:
        _SHARED[key] = {_TOGETHER: together}
    try:
        yield
    finally:
        if owner:
            del _SHARED[key]


#: the key under which :func:`shared` keeps its ``together``
_TOGETHER = ("read windows together",)


def memo(ws: Store, key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """``make()``, once per ``key`` while :func:`shared` is open for ``ws`` (else every time)."""
    kept = _SHARED.get(id(ws))
    if kept is None:
        return make()
    if key not in kept:
        kept[key] = make()
    return kept[key]


def _span(window: Window) -> tuple[Any, Any]:
    return (window.start, window.end)


def hand_over(
    ws: Store,
    window: Window,
    *,
    ties: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    active: pd.Series | None = None,
) -> None:
    """Within :func:`shared`, keep what ``analyze`` read of its window with the value step's
    own functions (:func:`groundswell.network.ties.build_ties` of the digital layer alone,
    :func:`groundswell.network.activity.activity`,
    :func:`groundswell.network.ties.active_people`, under the workspace's tie rules) as
    :func:`ties`, :func:`activity` and :func:`members` of ``window``, so that the value
    findings do not read them again. Outside :func:`shared` it keeps nothing."""
    kept = _SHARED.get(id(ws))
    if kept is None:
        return
    if ties is not None:
        kept.setdefault(("ties", *_span(window)), ties[["actor_id", "target_id", "n", "weight"]])
    if activity is not None:
        kept.setdefault(("activity", *_span(window)), activity)
    if active is not None:
        kept.setdefault(("members", *_span(window)), pd.Index(active).unique())


# -- settings, the run, the window --------------------------------------------------------------


def settings(ws: Store) -> dict[str, Any]:
    """The ``[value]`` settings of the workspace over the defaults, checked."""

    def make() -> dict[str, Any]:
        out = dict(config.defaults().raw["value"])
        out.update(ws.settings.raw.get("value", {}))
        return check_settings(out)

    return dict(memo(ws, ("settings",), make))  # a copy: callers may add to it


def rules(ws: Store) -> TieRules:
    """The workspace's tie rules."""
    return TieRules.from_settings(ws.settings.ties)


def latest_run(ws: Store) -> Run | None:
    """The latest complete run of the workspace, or None when none has been made."""
    rows = ws.con.execute("SELECT max(run_id) FROM runs WHERE complete").fetchall()
    from groundswell.run import Run

    return None if rows[0][0] is None else Run.load(ws, int(rows[0][0]))


def default_window(ws: Store, run: Run | None, window: str | Window | None) -> Window:
    """The window asked for, else the run's, else the last ``ties.window_days`` of data."""
    from groundswell.run import resolve_window

    if window is None and run is not None:
        return run.window
    return resolve_window(ws, window)


def run_people(run: Run) -> pd.Index:
    """The people of a run's network (its graph's nodes, as its summary counts them)."""

    def make() -> pd.Index:
        rows = run.ws.con.execute(
            "SELECT DISTINCT person_id FROM person_scores WHERE run_id = ? ORDER BY person_id",
            [run.run_id],
        ).fetchall()
        return pd.Index([r[0] for r in rows], name="person_id")

    return memo(run.ws, ("run_people", run.run_id), make)


def communities(run: Run) -> pd.Series:
    """The Leiden community of each person of a run."""
    return memo(run.ws, ("communities", run.run_id), run.communities)


def run_ties(run: Run) -> pd.DataFrame:
    """The stored ties of a run (:meth:`groundswell.run.Run.ties`)."""
    return memo(run.ws, ("run_ties", run.run_id), run.ties)


def run_codes(run: Run) -> TieCodes:
    """The stored ties of a run (every layer, one entry per row of :meth:`run_ties`) as
    integer positions into the run's people (:func:`run_people`; a tie end outside them,
    which the pipeline does not make, is added after them): read in batches of Arrow
    strings turned into positions by Arrow, so that no pseudonym of a tie becomes a Python
    object (issue 20: the run's ties as text were a gigabyte at 100,000 people)."""
    return memo(run.ws, ("run_codes", run.run_id), lambda: _run_codes(run))


#: ties read at once by :func:`run_codes`
CODES_BATCH = 1_000_000


def _run_codes(run: Run) -> TieCodes:
    import numpy as np
    import pyarrow as pa

    people = run_people(run)
    # one hash table of the people for every batch (Arrow's index_in builds its value set's
    # anew on each call: 60 times a million people's at 1,000,000 people and 30M ties)
    known = pd.Index(people.to_numpy(dtype=object), dtype=object)
    extra: dict[str, int] = {}
    ends: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
    reader = run.ws.con.sql(  # a relation streams its batches (a result would copy them)
        "SELECT actor_id, target_id FROM ties WHERE run_id = ?", params=[run.run_id]
    ).to_arrow_reader(CODES_BATCH)
    for batch in reader:
        for col, parts in zip((0, 1), ends, strict=True):
            text = batch.column(col).cast(pa.string())
            codes = _sets.positions(known, text)
            if (codes < 0).any():  # not one of the run's people: numbered after them
                missing = np.flatnonzero(codes < 0)
                for i, v in zip(missing.tolist(), text.take(missing).to_pylist(), strict=True):
                    codes[i] = extra.setdefault(v, len(people) + len(extra))
            parts.append(codes)
    ids = people.append(pd.Index(list(extra), dtype=object)) if extra else people
    actor, target = (np.concatenate(p) if p else np.zeros(0, np.int64) for p in ends)
    return TieCodes(pd.Index(ids), actor, target)


def run_labels(run: Run, kind: str) -> pd.DataFrame:
    """The stored labels of ``kind`` (persona, role) of a run's people: person_id, name."""
    return memo(
        run.ws,
        ("labels", run.run_id, kind),
        lambda: run.ws.query(
            "SELECT person_id, name FROM person_roles WHERE run_id = ? AND kind = ?",
            [run.run_id, kind],
        ),
    )


def run_personas(run: Run) -> pd.Series:
    """The stored persona of each person of a run, by person_id (missing where none): the
    ``persona`` column of :meth:`groundswell.run.Run.people`, without the rest of it."""
    index = run_people(run)
    named = run_labels(run, "persona").set_index("person_id")["name"]
    return named.reindex(index).rename("persona")


def run_roles(run: Run) -> pd.DataFrame:
    """One boolean column per role, by person_id (:meth:`groundswell.run.Run.roles`, read
    from the stored labels alone)."""
    from groundswell.analysis.roles import ROLES

    index = run_people(run)
    held = run_labels(run, "role")
    if not index.is_unique:
        return pd.DataFrame(
            {r: index.isin(held.loc[held["name"] == r, "person_id"]) for r in ROLES}, index=index
        )
    at = np.asarray(index.get_indexer(held["person_id"]), dtype=np.int64)
    name = np.asarray(held["name"].to_numpy(), dtype=object)
    cols = {}
    for r in ROLES:
        col = np.zeros(len(index), dtype=bool)
        col[at[(name == r) & (at >= 0)]] = True
        cols[r] = col
    return pd.DataFrame(cols, index=index)


# -- the org chart, ties and members -----------------------------------------------------------


def people(ws: Store) -> pd.DataFrame:
    """The org chart: department, team, level, manager, hire and leave dates by person."""
    return memo(
        ws,
        ("people",),
        lambda: ws.query(
            "SELECT person_id, department, team, level, manager_id, hire_date, leave_date "
            "FROM people"
        ).set_index("person_id"),
    )


def ties(ws: Store, window: Window) -> pd.DataFrame:
    """The digital ties of a window under the workspace's tie rules (one definition:
    :func:`groundswell.network.ties.build_ties`)."""
    return memo(
        ws,
        ("ties", *_span(window)),
        lambda: build_ties(ws.con, window, rules(ws), layers=("digital",))[
            ["actor_id", "target_id", "n", "weight"]
        ],
    )


def members(ws: Store, window: Window) -> pd.Index:
    """Everyone who belongs in the network of a window (the graph's nodes)."""
    return memo(
        ws,
        ("members", *_span(window)),
        lambda: pd.Index(active_people(ws.con, window, rules(ws))).unique(),
    )


def activity(ws: Store, window: Window) -> pd.DataFrame:
    """Posts, responses given and received per person (:mod:`groundswell.network.activity`)."""
    return memo(ws, ("activity", *_span(window)), lambda: _activity(ws.con, window, rules(ws)))


def activities(ws: Store, windows: list[Window]) -> list[pd.DataFrame]:
    """:func:`activity` of each of ``windows``; within :func:`shared` with ``together``, those
    not read yet are read in one query (:func:`groundswell.network.activity.activities`)."""
    kept = _SHARED.get(id(ws))
    if kept is not None and kept[_TOGETHER]:
        missing = [w for w in windows if ("activity", *_span(w)) not in kept]
        if len(missing) > 1:
            for w, frame in zip(missing, _activities(ws.con, missing, rules(ws)), strict=True):
                kept[("activity", *_span(w))] = frame
    return [activity(ws, w) for w in windows]


def resolve_people(ws: Store, raw: pd.Series) -> pd.Index:
    """Pseudonymous ids of raw identifiers (HR ids, emails, chat ids), as every reader
    makes them, resolved through ``aliases`` to the person they belong to."""
    raw = raw.astype("string").fillna("").str.strip()
    ids = pd.Series(ws.pseudonymiser.people(raw[raw != ""]))
    aliases = dict(ws.con.execute("SELECT alias_id, person_id FROM aliases").fetchall())
    return pd.Index(ids.map(lambda i: aliases.get(i, i))).unique()


def leaders_by_level(ws: Store, level: int) -> pd.Index:
    """Internal people at or above ``level`` of the hierarchy (1 = the top)."""
    ids = ws.query("SELECT person_id FROM people WHERE is_internal AND level <= ?", [int(level)])[
        "person_id"
    ]
    return pd.Index(ids)


# -- messages and questions --------------------------------------------------------------------


def messages_cte(start: str = "$1", end: str = "$2") -> str:
    """``msgs``: non-bot messages in [start, end) with the author resolved, the thread (its
    root) and the channel's kind and name."""
    return f"""msgs AS (
        SELECT m.message_id, m.channel_id, coalesce(m.thread_id, m.parent_id, m.message_id)
                   AS thread, m.parent_id, coalesce(a.person_id, m.author_id) AS person_id,
               m.ts, m.kind, m.is_question, m.text, coalesce(c.kind, '') AS channel_kind,
               c.name AS channel_name
        FROM messages m LEFT JOIN aliases a ON a.alias_id = m.author_id
        LEFT JOIN channels c ON c.channel_id = m.channel_id
        WHERE NOT m.is_bot AND m.ts >= {start} AND m.ts < {end})"""


def questions_sql(store_content: bool, s: dict[str, Any]) -> str:
    """The questions asked in the window [$1, $2), one row each: question_id, asker,
    channel_id, channel_kind, channel_name, ts.

    A question is a message that opens a thread (no parent; its thread is itself; not a
    reaction) and that (a) is flagged ``is_question`` by its source, or (b) is a post in a
    channel whose name matches the Q&A patterns (:func:`~groundswell.value._base.qa_regex`),
    or (c) when the workspace stores content, whose text has a question mark or opens with
    an interrogative.
    """
    rx = qa_regex(list(s["qa_channel_patterns"])).replace("'", "''")
    text = (
        f" OR (q.text IS NOT NULL AND regexp_matches(lower(q.text), '{TEXT_QUESTION}'))"
        if store_content
        else ""
    )
    return f"""
        WITH {messages_cte()},
        qs AS (
            SELECT q.* FROM msgs q
            WHERE q.parent_id IS NULL AND q.thread = q.message_id AND q.kind <> 'reaction'
              AND (q.is_question
                   OR (q.kind = 'post' AND regexp_matches(lower(coalesce(q.channel_name, '')),
                                                          '{rx}')){text}))"""


def question_rows(
    ws: Store, window: Window, s: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The questions of a window (question_id, asker, channel_id, channel_kind,
    channel_name, ts) and every answerer of each (question_id, answerer, ts of their first
    answer, replies): an answer is a reply in the question's thread by someone other than
    the asker, within the same window. :func:`groundswell.value._base.answered` joins them.
    """
    key = ("questions", *_span(window), ws.store_content, *s["qa_channel_patterns"])
    return memo(ws, key, lambda: _question_rows(ws, window, s))


def _question_rows(
    ws: Store, window: Window, s: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    kinds = ", ".join(f"'{k}'" for k in ANSWER_KINDS)
    base = questions_sql(ws.store_content, s)
    qs = ws.con.execute(
        base + " SELECT message_id AS question_id, person_id AS asker, channel_id, "
        "channel_kind, channel_name, ts FROM qs",
        [window.start, window.end],
    ).df()
    ans = ws.con.execute(
        base
        + f""", r AS (
            SELECT q.message_id AS question_id, r.person_id AS answerer, r.ts
            FROM qs q JOIN msgs r ON r.thread = q.message_id AND r.message_id <> q.message_id
            WHERE r.kind IN ({kinds}) AND r.person_id <> q.person_id AND r.ts >= q.ts)
        SELECT question_id, answerer, min(ts) AS ts, count(*) AS replies FROM r
        GROUP BY ALL ORDER BY question_id, ts, answerer""",
        [window.start, window.end],
    ).df()
    return qs, ans


# -- per-person counts of value maturity -------------------------------------------------------


def post_counts(ws: Store, win: Window) -> pd.DataFrame:
    """posts (thread-opening posts), responded (drew a reply, reaction or reshare from someone
    else in the window) and beyond (one of them from another department)."""
    kinds = ", ".join(f"'{k}'" for k in RESPONSE_KINDS)
    sql = f"""
        WITH {messages_cte()},
        posts AS (SELECT message_id, person_id FROM msgs
                  WHERE kind = 'post' AND parent_id IS NULL AND thread = message_id),
        resp AS (
            SELECT p.message_id,
                   bool_or(pr.department IS NOT NULL AND pa.department IS NOT NULL
                           AND pr.department <> pa.department) AS beyond
            FROM posts p JOIN msgs r ON r.thread = p.message_id AND r.message_id <> p.message_id
            LEFT JOIN people pa ON pa.person_id = p.person_id
            LEFT JOIN people pr ON pr.person_id = r.person_id
            WHERE r.kind IN ({kinds}) AND r.person_id <> p.person_id
            GROUP BY p.message_id)
        SELECT p.person_id, count(*) AS posts, count(r.message_id) AS responded,
               count(*) FILTER (WHERE r.beyond) AS beyond
        FROM posts p LEFT JOIN resp r USING (message_id) GROUP BY p.person_id"""
    return ws.con.execute(sql, [win.start, win.end]).df().set_index("person_id")


def new_community_writers(ws: Store, prev: Window, win: Window) -> pd.DataFrame:
    """in_new: 1 for a person who wrote, in ``win``, in a *new community that lasts*: a
    group channel whose first message fell in ``prev`` (at least ``WARM_UP_DAYS`` after the
    workspace's first message) and in which at least 3 people wrote in ``win``."""
    kinds = ", ".join(f"'{k}'" for k in GROUP_KINDS)
    sql = f"""
        WITH first AS (
            SELECT m.channel_id, min(m.ts) AS t0 FROM messages m
            JOIN channels c ON c.channel_id = m.channel_id
            WHERE NOT m.is_bot AND c.kind IN ({kinds}) GROUP BY m.channel_id),
        origin AS (SELECT min(ts) + INTERVAL {WARM_UP_DAYS} DAY AS t FROM messages),
        born AS (SELECT f.channel_id FROM first f, origin o
                 WHERE f.t0 >= $1 AND f.t0 < $2 AND f.t0 >= o.t),
        writers AS (
            SELECT DISTINCT m.channel_id, coalesce(a.person_id, m.author_id) AS person_id
            FROM messages m LEFT JOIN aliases a ON a.alias_id = m.author_id
            WHERE NOT m.is_bot AND m.ts >= $2 AND m.ts < $3
              AND m.channel_id IN (SELECT channel_id FROM born)),
        lasting AS (SELECT channel_id FROM writers GROUP BY 1 HAVING count(*) >= 3)
        SELECT DISTINCT person_id, 1 AS in_new FROM writers
        WHERE channel_id IN (SELECT channel_id FROM lasting)"""
    return ws.con.execute(sql, [prev.start, prev.end, win.end]).df().set_index("person_id")


def open_counts(ws: Store, win: Window) -> pd.DataFrame:
    """msgs (messages written, reactions aside), msgs_open (in public channels and
    communities), answers (replies in threads opened by someone else) and answers_open."""
    opened = ", ".join(f"'{k}'" for k in OPEN_KINDS)
    sql = f"""
        WITH {messages_cte()},
        roots AS (SELECT message_id, person_id FROM msgs WHERE parent_id IS NULL)
        SELECT m.person_id, count(*) AS msgs,
               count(*) FILTER (WHERE m.channel_kind IN ({opened})) AS msgs_open,
               count(*) FILTER (WHERE m.kind = 'reply' AND r.person_id <> m.person_id) AS answers,
               count(*) FILTER (WHERE m.kind = 'reply' AND r.person_id <> m.person_id
                                AND m.channel_kind IN ({opened})) AS answers_open
        FROM msgs m LEFT JOIN roots r ON r.message_id = m.thread AND m.message_id <> m.thread
        WHERE m.kind <> 'reaction' GROUP BY m.person_id"""
    return memo(
        ws,
        ("open_counts", *_span(win)),
        lambda: ws.con.execute(sql, [win.start, win.end]).df().set_index("person_id"),
    )


def adoption_counts(ws: Store, win: Window, ties: pd.DataFrame) -> pd.DataFrame | None:
    """adoptions (taken up before the window's end) and followed (a person they are tied to
    by ``ties`` took up the same behaviour later), per person; None when the workspace holds
    no adoptions at all."""
    has = ws.con.execute("SELECT count(*) FROM adoptions").fetchall()[0][0]
    if not has:
        return None
    ws.con.register("_value_ties", ties[["actor_id", "target_id"]])
    try:
        df = ws.con.execute(
            """
            WITH ad AS (SELECT coalesce(a.person_id, d.person_id) AS person_id, d.behaviour,
                               min(d.ts) AS ts
                        FROM adoptions d LEFT JOIN aliases a ON a.alias_id = d.person_id
                        WHERE d.ts < $1 GROUP BY ALL),
            nb AS (SELECT actor_id AS p, target_id AS q FROM _value_ties
                   UNION SELECT target_id, actor_id FROM _value_ties),
            fol AS (SELECT DISTINCT x.person_id, x.behaviour FROM ad x
                    JOIN nb ON nb.p = x.person_id
                    JOIN ad y ON y.person_id = nb.q AND y.behaviour = x.behaviour
                    AND y.ts > x.ts)
            SELECT x.person_id, count(*) AS adoptions, count(f.person_id) AS followed
            FROM ad x LEFT JOIN fol f USING (person_id, behaviour) GROUP BY x.person_id""",
            [win.end],
        ).df()
    finally:
        ws.con.unregister("_value_ties")
    return df.set_index("person_id")


def adoption_rows(ws: Store, end: Any) -> pd.DataFrame:
    """Every adoption taken up before ``end``: person_id (through the aliases), behaviour,
    ts (the person's first adoption of it)."""
    return ws.con.execute(
        """SELECT coalesce(a.person_id, d.person_id) AS person_id, d.behaviour, min(d.ts) AS ts
           FROM adoptions d LEFT JOIN aliases a ON a.alias_id = d.person_id
           WHERE d.ts < $1 GROUP BY ALL ORDER BY behaviour, ts, person_id""",
        [end],
    ).df()


def outcome_tags(ws: Store, end: Any) -> pd.DataFrame:
    """Outcome records credited to a channel or community (``outcomes.tag``) before ``end``:
    tag, records, measures (a sorted list); empty when the workspace has no such table."""
    has = ws.con.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'outcomes' AND column_name = 'tag'"
    ).fetchall()[0][0]
    if not has:
        return pd.DataFrame(columns=["tag", "records", "measures"])
    return ws.con.execute(
        """SELECT tag, count(*) AS records, list_sort(list(DISTINCT measure)) AS measures
           FROM outcomes WHERE tag IS NOT NULL AND trim(tag) <> '' AND ts < $1
           GROUP BY tag ORDER BY tag""",
        [end],
    ).df()


def channel_members(ws: Store, win: Window) -> pd.DataFrame:
    """(person_id, group) of the people who wrote in each group channel (public, private,
    community) in the window; a channel is named by its name, or its id when it has none."""
    kinds = ", ".join(f"'{k}'" for k in GROUP_KINDS)
    return memo(
        ws,
        ("channel_members", *_span(win)),
        lambda: ws.con.execute(
            f"""WITH {messages_cte()}
            SELECT DISTINCT person_id, coalesce(channel_name, channel_id) AS "group" FROM msgs
            WHERE channel_kind IN ({kinds})""",
            [win.start, win.end],
        ).df(),
    )


def store_maturity(ws: Store, run_id: int, rows: pd.DataFrame) -> None:
    """Store a maturity table (scale, group, size, the stages, stage) as the run's,
    replacing any earlier one."""
    with ws.transaction() as con, spilling(con, len(rows)):
        con.execute("DELETE FROM maturity WHERE run_id = ?", [run_id])
        insert_frame(
            con,
            "maturity",
            run_id,
            rows,
            'scale, "group", size::INTEGER, connect, share, solve, innovate, lead_change, stage',
        )


def opted_out(ws: Store, column: str) -> pd.Index:
    """The people who opted out (``column``: no_suggest or no_name)."""
    if column not in ("no_suggest", "no_name"):
        raise ValueError(column)
    rows = ws.con.execute(f"SELECT person_id FROM person_optout WHERE {column}").fetchall()
    return pd.Index([r[0] for r in rows], dtype=object)


def store_personal(
    ws: Store,
    run_id: int,
    bodies: pd.DataFrame | Iterable[pd.DataFrame],
    suggested: pd.DataFrame,
) -> None:
    """Store each person's own view (person_value: one frame, or frames made one at a time
    and each let go once stored) and suggestions as the run's, each insert
    :func:`spilling`."""
    parts = [bodies] if isinstance(bodies, pd.DataFrame) else bodies
    with ws.transaction() as con:
        con.execute("DELETE FROM person_value WHERE run_id = ?", [run_id])
        for frame in parts:
            with spilling(con, len(frame)):
                insert_frame(con, "person_value", run_id, frame, "person_id, body")
        con.execute("DELETE FROM suggestions WHERE run_id = ?", [run_id])
        cols = "person_id, rank, suggested_id, shared_contacts, shared_channels"
        with spilling(con, len(suggested)):
            insert_frame(con, "suggestions", run_id, suggested, cols)


#: what DuckDB may hold beyond its indexes while :func:`spilling` (the rows being inserted,
#: the pages of the tables read meanwhile)
SPILL_ROOM = 256 * 2**20
#: index memory allowed for each key an insert under :func:`spilling` may add (an ART key of
#: a run, a pseudonym and a rank took some 100 bytes at 200,000 people)
SPILL_KEY_BYTES = 256


@contextmanager
def spilling(con: Any, keys: int = 0) -> Iterator[None]:
    """DuckDB's memory limit lowered for the block, so that the rows inserted into the open
    transaction go to DuckDB's temporary folder rather than stay in memory until the
    commit (inside ``analyze``, the run's transaction holds them through the whole value
    step: person views and suggestions, some 300 MiB at 200,000 people). The limit is what
    DuckDB's indexes hold now (they cannot be spilled), what ``keys`` more index keys may
    take (:data:`SPILL_KEY_BYTES` each) and :data:`SPILL_ROOM`; never raised, and put back
    when the block ends, however it ends (DuckDB's default exactly). Nested blocks keep the
    outer one's limit. The limit is the database's: the process's other cursors of the
    same file share it meanwhile (as under an ingest's budget). The rows are the same; the
    commit reads them back."""
    if _SPILLING:  # a nested block keeps the outer one's limit
        yield
        return
    held = con.execute(
        "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'ART_INDEX'"
    ).fetchall()[0][0]
    limit = int(held) + int(keys) * SPILL_KEY_BYTES + SPILL_ROOM
    with memory_limit(con, limit) as lowered:
        if lowered:
            _SPILLING.append(limit)
        try:
            yield
        finally:
            if lowered:
                _SPILLING.pop()


#: the limits of the :func:`spilling` blocks open
_SPILLING: list[int] = []


# -- Q&A and leaders ---------------------------------------------------------------------------


def responsiveness(ws: Store, win: Window, hours: float) -> pd.DataFrame:
    """Per person: ``received`` (replies, mentions, messages and emails addressed to them in
    the window, bots and broadcasts aside), ``responded`` (of those, answered by any act back
    to the sender within ``hours``) and ``median_hours`` to that response.

    One ASOF join in DuckDB: for each act received, the first act back to its sender. On a
    workspace with integer person keys where each person acted under one key, in a UTC
    session, the join runs on the keys and on microseconds (:func:`_responsiveness_keyed`:
    the same rows and the same values, about 3x less CPU at 5,000 people).
    """
    r = rules(ws)
    kinds = ", ".join(f"'{k}'" for k, w in r.weights.items() if w > 0)
    inbound = ", ".join(f"'{k}'" for k in INBOUND_KINDS)
    if keyed(ws.con) and utc_session(ws.con) and one_key_each(ws.con):
        return _responsiveness_keyed(ws, win, hours, r.broadcast_threshold, kinds, inbound)
    return _responsiveness_named(ws, win, hours, r.broadcast_threshold, kinds, inbound)


def _responsiveness_named(
    ws: Store, win: Window, hours: float, broadcast: int, kinds: str, inbound: str
) -> pd.DataFrame:
    """:func:`responsiveness` on the ``interactions`` view: pseudonyms resolved through
    ``aliases``, times as TIMESTAMPTZ (any workspace, any session time zone)."""
    sql = f"""
        WITH acts AS (
            SELECT coalesce(a1.person_id, i.actor_id) AS actor,
                   coalesce(a2.person_id, i.target_id) AS target, i.ts, i.kind
            FROM interactions i LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id
            LEFT JOIN aliases a2 ON a2.alias_id = i.target_id
            WHERE i.ts >= $1 AND i.ts < $2 AND NOT i.is_bot AND i.n_recipients <= $3
              AND i.kind IN ({kinds})),
        inb AS (SELECT target AS person, actor AS other, ts FROM acts
                WHERE kind IN ({inbound}) AND actor <> target),
        outb AS (SELECT actor AS person, target AS other, ts FROM acts WHERE actor <> target),
        paired AS (
            SELECT i.person, i.ts, o.ts AS back FROM inb i
            ASOF LEFT JOIN outb o ON i.person = o.person AND i.other = o.other AND o.ts > i.ts)
        SELECT person AS person_id, count(*) AS received,
               count(*) FILTER (WHERE back <= ts + to_seconds($4)) AS responded,
               median(epoch(back - ts) / 3600) FILTER (WHERE back <= ts + to_seconds($4))
                   AS median_hours
        FROM paired GROUP BY person"""
    return (
        ws.con.execute(sql, [win.start, win.end, broadcast, float(hours) * 3600])
        .df()
        .set_index("person_id")
    )


def hours_us(d: str) -> str:
    """SQL: the hours of a gap of ``d`` microseconds (>= 0), as ``epoch(b - a) / 3600`` gives
    them for ``d = epoch_us(b) - epoch_us(a)`` in a UTC session: DuckDB's difference of two
    TIMESTAMPTZ is an interval of whole days and the rest, and ``epoch`` of it is ``days *
    86400 + rest / 1e6`` in doubles (one division of ``d`` by 1e6 differs in the last bit
    for about 5% of gaps over a day)."""
    return f"((({d} // 86400000000) * 86400)::DOUBLE + ({d} % 86400000000)::DOUBLE / 1e6) / 3600"


def _responsiveness_keyed(
    ws: Store, win: Window, hours: float, broadcast: int, kinds: str, inbound: str
) -> pd.DataFrame:
    """:func:`responsiveness` on ``interaction_rows``: acts paired on their integer person
    keys (each person has one key, so a key stands for its person) and times in
    microseconds since the epoch, people named last.

    The same figures as the query on pseudonyms and TIMESTAMPTZ, exactly, in a UTC session:
    ``back <= ts + to_seconds(h)`` is ``d <= `` the interval's microseconds (a day is
    86,400 s in UTC), with ``d`` the gap in microseconds; ``epoch(back - ts)`` of the
    calendar interval (whole days, then the rest) is ``days * 86400 + rest / 1e6`` in
    doubles, which is what the median takes here
    (tests/value/test_qa.py::test_responsiveness_on_keys_is_the_query_on_pseudonyms).
    """
    limit = ws.con.execute(  # the interval's microseconds, as DuckDB makes it
        "SELECT epoch_us(TIMESTAMP '2000-01-01' + to_seconds($1)) "
        "- epoch_us(TIMESTAMP '2000-01-01')",
        [float(hours) * 3600],
    ).fetchall()[0][0]
    sql = f"""
        WITH acts AS (
            SELECT i.actor_key AS actor, i.target_key AS target, epoch_us(i.ts) AS ts, i.kind
            FROM interaction_rows i
            WHERE i.ts >= $1 AND i.ts < $2 AND NOT i.is_bot AND i.n_recipients <= $3
              AND i.kind IN ({kinds})),
        inb AS (SELECT target AS person, actor AS other, ts FROM acts
                WHERE kind IN ({inbound}) AND actor <> target),
        outb AS (SELECT actor AS person, target AS other, ts FROM acts WHERE actor <> target),
        paired AS (
            SELECT i.person, o.ts - i.ts AS d FROM inb i
            ASOF LEFT JOIN outb o ON i.person = o.person AND i.other = o.other AND o.ts > i.ts),
        per AS (
            SELECT person, count(*) AS received, count(*) FILTER (WHERE d <= $4) AS responded,
                   median({hours_us("d")}) FILTER (WHERE d <= $4) AS median_hours
            FROM paired GROUP BY person)
        SELECT coalesce(a.person_id, k.pseudonym) AS person_id, p.received, p.responded,
               p.median_hours
        FROM per p JOIN person_keys k ON k.person_key = p.person
        LEFT JOIN aliases a ON a.alias_id = k.pseudonym"""
    return (
        ws.con.execute(sql, [win.start, win.end, broadcast, int(limit)]).df().set_index("person_id")
    )


# -- community health --------------------------------------------------------------------------


def first_interaction(ws: Store) -> Any:
    """The time of the first interaction of the workspace (None when there is none)."""
    return ws.con.execute("SELECT min(ts) FROM interactions").fetchall()[0][0]


def thread_roots(ws: Store, win: Window) -> pd.DataFrame:
    """The posts that open a thread in the window: message_id, person_id and replied (a
    reply from someone else in the window)."""
    sql = f"""
        WITH {messages_cte()},
        roots AS (SELECT message_id, person_id FROM msgs
                  WHERE parent_id IS NULL AND thread = message_id AND kind = 'post'),
        replied AS (SELECT DISTINCT r.message_id FROM roots r JOIN msgs m
                    ON m.thread = r.message_id AND m.kind = 'reply' AND m.person_id <> r.person_id)
        SELECT r.message_id, r.person_id, (p.message_id IS NOT NULL) AS replied
        FROM roots r LEFT JOIN replied p USING (message_id)"""
    return ws.con.execute(sql, [win.start, win.end]).df()


def channel_activity(ws: Store, before: Window, win: Window) -> pd.DataFrame:
    """Per group channel (unit_key: its name, or its id): acts in ``win`` and in ``before``
    (the window just before it), threads opened in ``win`` and how many drew a reply from
    someone else in ``win``."""
    kinds = ", ".join(f"'{k}'" for k in GROUP_KINDS)
    sql = f"""
        WITH {messages_cte("$1", "$3")},
        ch AS MATERIALIZED (  -- read three times below: once
            SELECT *, coalesce(channel_name, channel_id) AS unit_key, ts >= $2 AS now
            FROM msgs WHERE channel_kind IN ({kinds})),
        roots AS (SELECT * FROM ch WHERE now AND parent_id IS NULL AND thread = message_id
                  AND kind <> 'reaction'),
        replied AS (SELECT DISTINCT r.message_id FROM roots r JOIN ch m
                    ON m.thread = r.message_id AND m.kind = 'reply' AND m.now
                    AND m.person_id <> r.person_id),
        acts AS (SELECT unit_key, count(*) FILTER (WHERE now) AS acts,
                        count(*) FILTER (WHERE NOT now) AS previous_acts FROM ch GROUP BY 1),
        th AS (SELECT r.unit_key, count(*) AS threads, count(p.message_id) AS replied
               FROM roots r LEFT JOIN replied p USING (message_id) GROUP BY 1)
        SELECT a.unit_key, a.acts, a.previous_acts, coalesce(t.threads, 0) AS threads,
               coalesce(t.replied, 0) AS replied FROM acts a LEFT JOIN th t USING (unit_key)"""
    return ws.con.execute(sql, [before.start, win.start, win.end]).df().set_index("unit_key")


# -- snapshots ---------------------------------------------------------------------------------


def period_fingerprints(
    ws: Store, period: str, span: tuple[pd.Timestamp, pd.Timestamp] | None = None
) -> pd.DataFrame:
    """Per period with events (only those in ``span`` = [start, end) when given): ps (the
    period's start, UTC, naive) and fp, the fingerprint of its own rows: the number of its
    interactions and messages, their latest time and an order-free checksum of their rows."""
    trunc = f"date_trunc('{period}', ts AT TIME ZONE 'UTC')"
    where, params = "", []
    if span is not None:
        # only the rows of the touched periods are read (zone maps skip the rest)
        where = "WHERE ts >= $1 AND ts < $2"
        params = [span[0].to_pydatetime(), span[1].to_pydatetime()]
    sql = f"""
        WITH i AS (
            SELECT {trunc} AS ps, count(*) AS n, max(ts) AS mx,
                   sum(hash(message_id, actor_id, target_id, kind, ts))::VARCHAR AS h
            FROM interactions {where} GROUP BY 1),
        m AS (
            SELECT {trunc} AS ps, count(*) AS n, max(ts) AS mx,
                   sum(hash(message_id, ts))::VARCHAR AS h
            FROM messages {where} GROUP BY 1)
        SELECT coalesce(i.ps, m.ps) AS ps,
               concat_ws('|', coalesce(i.n, 0), i.mx, i.h, coalesce(m.n, 0), m.mx, m.h) AS fp
        FROM i FULL JOIN m ON i.ps = m.ps ORDER BY 1"""
    return ws.con.execute(sql, params).df()


def touched_periods(ws: Store, period: str, sources: list[int]) -> list[pd.Timestamp]:
    """The periods holding rows of the given sources (ingests): what they may have
    changed. Rows of one ingest are stored together, so this reads little."""
    if not sources:
        return []
    ids = ", ".join(str(int(x)) for x in sources)
    trunc = f"date_trunc('{period}', ts AT TIME ZONE 'UTC')"
    rows = ws.con.execute(
        f"SELECT DISTINCT {trunc} FROM interactions WHERE source_id IN ({ids}) "
        f"UNION SELECT DISTINCT {trunc} FROM messages WHERE source_id IN ({ids}) ORDER BY 1"
    ).fetchall()
    return [pd.Timestamp(r[0], tz="UTC") for r in rows]


def context_checksums(ws: Store) -> list[str]:
    """Checksums of what every period depends on besides its own events: the org chart, the
    aliases and the channels."""
    parts = ws.con.execute(
        """SELECT
          (SELECT sum(hash(person_id, is_internal, department, team, level, manager_id,
                           hire_date, leave_date))::VARCHAR FROM people),
          (SELECT sum(hash(alias_id, person_id))::VARCHAR FROM aliases),
          (SELECT sum(hash(channel_id, name, kind))::VARCHAR FROM channels)"""
    ).fetchall()[0]
    return list(map(str, parts))


def has_events(ws: Store) -> bool:
    """Whether the workspace holds any interaction or message (an org chart alone has none)."""
    row = ws.con.execute(
        "SELECT EXISTS (SELECT 1 FROM interactions) OR EXISTS (SELECT 1 FROM messages)"
    ).fetchall()
    return bool(row[0][0])


def source_ids(ws: Store) -> list[int]:
    """The id of every ingest of the workspace."""
    return [int(r[0]) for r in ws.con.execute("SELECT source_id FROM sources").fetchall()]


def snapshot_state(ws: Store, period: str) -> tuple[set[int], str] | None:
    """The ingests and the context checksum of the last refresh of ``period`` (None before
    the first)."""
    state = ws.con.execute(
        "SELECT sources, context FROM snapshot_state WHERE period = ?", [period]
    ).fetchall()
    return (set(json.loads(state[0][0])), str(state[0][1])) if state else None


def stored_fingerprints(ws: Store, period: str) -> pd.DataFrame:
    """The stored snapshots of ``period``: period_start, period_end (UTC), fingerprint."""
    stored = ws.query(
        "SELECT period_start, period_end, fingerprint FROM snapshots WHERE period = ?", [period]
    )
    for col in ("period_start", "period_end"):
        stored[col] = pd.to_datetime(stored[col], utc=True)
    return stored


def drop_periods(ws: Store, period: str, starts: list[Any]) -> None:
    """Remove the stored snapshots of ``period`` starting at ``starts``."""
    with ws.transaction() as con:
        for a in starts:
            for table in ("snapshots", "snapshot_measures", "snapshot_people"):
                con.execute(
                    f"DELETE FROM {table} WHERE period = ? AND period_start = ?", [period, a]
                )


def save_snapshot_state(ws: Store, period: str, sources: list[int], context: str) -> None:
    """Record the ingests and context a refresh of ``period`` has seen."""
    with ws.transaction() as con:
        con.execute(
            "INSERT OR REPLACE INTO snapshot_state VALUES (?, ?, ?)",
            [period, json.dumps(sorted(sources)), context],
        )


def window_counts(ws: Store, win: Window) -> tuple[int, int, int]:
    """Messages and interactions (bots aside) in a window, and people hired in it."""
    row = ws.con.execute(
        "SELECT (SELECT count(*) FROM messages WHERE ts >= $1 AND ts < $2 AND NOT is_bot), "
        "(SELECT count(*) FROM interactions WHERE ts >= $1 AND ts < $2 AND NOT is_bot), "
        "(SELECT count(*) FROM people WHERE hire_date >= $1::DATE AND hire_date < $2::DATE)",
        [win.start, win.end],
    ).fetchall()[0]
    return int(row[0]), int(row[1]), int(row[2])


def store_snapshot(
    ws: Store,
    period: str,
    win: Window,
    fingerprint: str,
    measures: dict[str, float],
    people: pd.DataFrame,
    seconds: float,
) -> None:
    """Store one period's snapshot (its headline measures and each person's persona, roles
    and degree), replacing the period's earlier one."""
    from datetime import UTC, datetime

    long = pd.DataFrame({"metric": list(measures), "value": [float(v) for v in measures.values()]})
    with ws.transaction() as con:
        for table in ("snapshots", "snapshot_measures", "snapshot_people"):
            con.execute(
                f"DELETE FROM {table} WHERE period = ? AND period_start = ?", [period, win.start]
            )
        con.execute(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?)",
            [period, win.start, win.end, fingerprint, datetime.now(UTC), seconds],
        )
        for name, frame, cols in (
            ("snapshot_measures", long, "metric, value"),
            ("snapshot_people", people, "person_id, persona, roles, degree"),
        ):
            con.register("frame", frame)
            con.execute(f"INSERT INTO {name} SELECT ?, ?, {cols} FROM frame", [period, win.start])
            con.unregister("frame")


def snapshot_measures(ws: Store, period: str) -> pd.DataFrame:
    """The stored headline measures of ``period``, long: period_start, metric, value."""
    return ws.query(
        "SELECT period_start, metric, value FROM snapshot_measures WHERE period = ?", [period]
    )


def snapshot_starts(ws: Store, period: str) -> pd.Series:
    """The start of every stored snapshot of ``period`` (UTC), oldest first."""
    return pd.to_datetime(
        ws.query(
            "SELECT DISTINCT period_start FROM snapshots WHERE period = ? ORDER BY 1", [period]
        )["period_start"],
        utc=True,
    )


def snapshot_people(ws: Store, period: str, start: pd.Timestamp) -> pd.DataFrame:
    """Each person's persona and roles in one stored snapshot, by person_id."""
    sql = (
        "SELECT person_id, persona, roles FROM snapshot_people "
        "WHERE period = ? AND period_start = ?"
    )
    return ws.query(sql, [period, start]).set_index("person_id")


# -- onboarding --------------------------------------------------------------------------------


def newcomer_ties(ws: Store, k: int) -> pd.DataFrame:
    """Per person hired after the first interaction: hire_date, department, days_to_k (days
    from the hire date until their ``k``-th tie: a pair that has exchanged
    ``ties.min_interactions`` acts, either way, since the hire date), ties_30, ties_60,
    ties_90 (ties within so many days) and observed (days from the hire date to the last
    interaction).

    On a workspace with integer person keys where each person acted under one key, the acts
    are read from ``interaction_rows`` and paired on the keys (a newcomer's key found once
    through ``person_keys`` and ``aliases``) instead of resolving every act's pseudonyms:
    the same pairs, the same rows, about 2.5x less CPU at 5,000 people."""
    r = rules(ws)
    kinds = ", ".join(f"'{x}'" for x, w in r.weights.items() if w > 0)
    if keyed(ws.con) and one_key_each(ws.con):
        head = f"""
        WITH span AS (SELECT min(ts) AS t0, max(ts) AS t1 FROM interaction_rows),
        nc AS (SELECT p.person_id, p.hire_date, p.department FROM people p, span
               WHERE p.is_internal AND p.hire_date >= span.t0::DATE),
        nck AS (SELECT nc.person_id, nc.hire_date, k.person_key FROM nc
                JOIN person_keys k ON nc.person_id = coalesce(
                    (SELECT a.person_id FROM aliases a WHERE a.alias_id = k.pseudonym),
                    k.pseudonym)),
        acts AS (
            SELECT i.actor_key AS actor, i.target_key AS target, i.ts FROM interaction_rows i
            WHERE NOT i.is_bot AND i.n_recipients <= $1 AND i.kind IN ({kinds})),
        pair AS (
            SELECT nc.person_id, a.target AS other, a.ts, nc.hire_date FROM acts a
            JOIN nck nc ON a.actor = nc.person_key
            WHERE a.ts >= nc.hire_date AND a.target <> a.actor
            UNION ALL
            SELECT nc.person_id, a.actor, a.ts, nc.hire_date FROM acts a
            JOIN nck nc ON a.target = nc.person_key
            WHERE a.ts >= nc.hire_date AND a.target <> a.actor),"""
    else:
        head = f"""
        WITH span AS (SELECT min(ts) AS t0, max(ts) AS t1 FROM interactions),
        nc AS (SELECT p.person_id, p.hire_date, p.department FROM people p, span
               WHERE p.is_internal AND p.hire_date >= span.t0::DATE),
        acts AS (
            SELECT coalesce(a1.person_id, i.actor_id) AS actor,
                   coalesce(a2.person_id, i.target_id) AS target, i.ts
            FROM interactions i LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id
            LEFT JOIN aliases a2 ON a2.alias_id = i.target_id
            WHERE NOT i.is_bot AND i.n_recipients <= $1 AND i.kind IN ({kinds})),
        pair AS (
            SELECT nc.person_id, a.target AS other, a.ts, nc.hire_date FROM acts a
            JOIN nc ON a.actor = nc.person_id WHERE a.ts >= nc.hire_date AND a.target <> a.actor
            UNION ALL
            SELECT nc.person_id, a.actor, a.ts, nc.hire_date FROM acts a
            JOIN nc ON a.target = nc.person_id
            WHERE a.ts >= nc.hire_date AND a.target <> a.actor),"""
    sql = f"""{head}
        ranked AS (SELECT *, row_number() OVER (PARTITION BY person_id, other ORDER BY ts) AS r
                   FROM pair),
        tied AS (SELECT person_id, epoch(ts - hire_date::TIMESTAMPTZ) / 86400 AS days
                 FROM ranked WHERE r = $2),
        kth AS (SELECT person_id, days, row_number() OVER (PARTITION BY person_id ORDER BY days)
                   AS r FROM tied)
        SELECT nc.person_id, nc.hire_date, nc.department,
               (SELECT days FROM kth WHERE kth.person_id = nc.person_id AND kth.r = $3)
                   AS days_to_k,
               count(t.days) FILTER (WHERE t.days <= 30) AS ties_30,
               count(t.days) FILTER (WHERE t.days <= 60) AS ties_60,
               count(t.days) FILTER (WHERE t.days <= 90) AS ties_90,
               epoch(any_value(span.t1) - nc.hire_date::TIMESTAMPTZ) / 86400 AS observed
        FROM nc CROSS JOIN span LEFT JOIN tied t ON t.person_id = nc.person_id
        GROUP BY nc.person_id, nc.hire_date, nc.department ORDER BY nc.hire_date, nc.person_id"""
    return ws.con.execute(sql, [r.broadcast_threshold, r.min_interactions, int(k)]).df()


# -- findings ----------------------------------------------------------------------------------


def store_findings(ws: Store, run_id: int, rows: list[tuple[int, str, str]]) -> None:
    """Store a run's findings sections (run_id, section, JSON body), replacing earlier ones,
    in one transaction."""
    # not under spilling: a section is one value (My group's, some 500 bytes a person, over
    # a gigabyte of DuckDB's memory at a million people), which DuckDB cannot spill
    with ws.transaction() as con:
        con.execute("DELETE FROM run_findings WHERE run_id = ?", [run_id])
        con.executemany("INSERT INTO run_findings VALUES (?, ?, ?)", rows)


def load_findings(ws: Store, run_id: int) -> dict[str, Any]:
    """The stored findings sections of a run (empty for a run made before they existed)."""
    rows = ws.con.execute(
        "SELECT section, body FROM run_findings WHERE run_id = ?", [run_id]
    ).fetchall()
    return {k: json.loads(v) for k, v in rows}
