"""What the value modules share: their settings, the canonical rows they read (identities
resolved through ``aliases``, bots left out) and the questions of a window.

Every query here runs in DuckDB; Python only sees per-person or per-question results.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell import config
from groundswell.errors import ConfigError
from groundswell.network.ties import TieRules, active_people, build_ties
from groundswell.network.window import Window

if TYPE_CHECKING:
    from groundswell.run import Run
    from groundswell.store import Store

#: channel kinds where anyone in the organisation can read and answer
OPEN_KINDS = ("public", "community")
#: channel kinds that are groups of people talking in the open or in a closed room (not DMs,
#: meetings or mailing lists)
GROUP_KINDS = ("public", "private", "community")
#: message kinds that answer a thread or respond to a post
ANSWER_KINDS = ("reply",)
RESPONSE_KINDS = ("reply", "reaction", "share", "reshare")
_TYPES: dict[str, type[int] | tuple[type[int], type[float]]] = {
    "answer_hours": (int, float),
    "leader_level": int,
    "session_gap_hours": (int, float),
    "session_min_answers": int,
    "respond_hours": (int, float),
    "onboarding_ties": int,
}


def settings(ws: Store) -> dict[str, Any]:
    """The ``[value]`` settings of the workspace over the defaults, checked."""
    out = dict(config.defaults().raw["value"])
    out.update(ws.settings.raw.get("value", {}))
    for key, value in out.items():
        if key == "qa_channel_patterns":
            ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
            allowed = 'a list of words such as ["help", "ask"]'
        elif key in _TYPES:
            ok = isinstance(value, _TYPES[key]) and not isinstance(value, bool) and value > 0
            allowed = "a number > 0"
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
            allowed = "a number >= 0"
        if not ok:
            raise ConfigError(
                f"{config.CONFIG_FILE}: 'value.{key}' must be {allowed}; got {value!r}"
            )
    return out


def rules(ws: Store) -> TieRules:
    return TieRules.from_settings(ws.settings.ties)


def qa_regex(patterns: list[str]) -> str:
    """A regular expression matching a channel name that has one of ``patterns`` as a whole
    word (between ``-``, ``_``, ``.``, spaces or the ends of the name), case-insensitively."""
    words = "|".join(re.escape(p.lower()) for p in patterns)
    return rf"(^|[-_. ])({words})([-_. ]|$)"


#: an interrogative opening or a question mark (text is only stored with content analysis)
TEXT_QUESTION = (
    r"(\?\s*$)|(\?\s)|^\s*(who|what|when|where|why|how|which|can|could|does|do|is|are|should|"
    r"would|will|has|have|any(one|body))\b"
)


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


def questions_sql(ws: Store, s: dict[str, Any]) -> str:
    """The questions asked in the window [$1, $2), one row each: question_id, asker,
    channel_id, channel_kind, channel_name, ts.

    A question is a message that opens a thread (no parent; its thread is itself; not a
    reaction) and that (a) is flagged ``is_question`` by its source, or (b) is a post in a
    channel whose name matches the Q&A patterns (:func:`qa_regex`), or (c) when the workspace
    stores content, whose text has a question mark or opens with an interrogative.
    """
    rx = qa_regex(list(s["qa_channel_patterns"])).replace("'", "''")
    text = (
        f" OR (q.text IS NOT NULL AND regexp_matches(lower(q.text), '{TEXT_QUESTION}'))"
        if ws.store_content
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


def questions(
    ws: Store, window: Window, s: dict[str, Any] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Questions of a window and their answers.

    An answer is a reply in the question's thread by someone other than the asker, within
    the same window (so a period's figures depend on that period's events only).

    Returns
    -------
    (questions, answers)
        ``questions``: question_id, asker, channel_id, channel_kind, channel_name, ts,
        answers (replies), answerers (distinct people), first_answer (time), first_answerer,
        answered, hours (to the first answer). ``answers``: one row per question and
        answerer with the time of that person's first answer (question_id, answerer, ts).
    """
    s = s or settings(ws)
    kinds = ", ".join(f"'{k}'" for k in ANSWER_KINDS)
    base = questions_sql(ws, s)
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
    per = ans.groupby("question_id").agg(
        answers=("replies", "sum"),
        answerers=("answerer", "size"),
        first_answer=("ts", "first"),
        first_answerer=("answerer", "first"),
    )
    qs = qs.join(per, on="question_id")
    qs["answers"] = qs["answers"].fillna(0).astype("int64")
    qs["answerers"] = qs["answerers"].fillna(0).astype("int64")
    qs["answered"] = qs["answers"] > 0
    qs["hours"] = (qs["first_answer"] - qs["ts"]).dt.total_seconds() / 3600
    qs = qs.sort_values(["ts", "question_id"], kind="stable").reset_index(drop=True)
    return qs, ans[["question_id", "answerer", "ts"]]


def people(ws: Store) -> pd.DataFrame:
    """The org chart: department, team, level, manager, hire and leave dates by person."""
    return ws.query(
        "SELECT person_id, department, team, level, manager_id, hire_date, leave_date FROM people"
    ).set_index("person_id")


def ties(ws: Store, window: Window) -> pd.DataFrame:
    """The digital ties of a window under the workspace's tie rules (one definition:
    :func:`groundswell.network.ties.build_ties`)."""
    return build_ties(ws.con, window, rules(ws), layers=("digital",))[
        ["actor_id", "target_id", "n", "weight"]
    ]


def members(ws: Store, window: Window) -> pd.Index:
    """Everyone who belongs in the network of a window (the graph's nodes)."""
    return pd.Index(active_people(ws.con, window, rules(ws))).unique()


def previous(window: Window) -> Window:
    """The window of the same length just before ``window``."""
    return Window(window.start - (window.end - window.start), window.start)


def default_window(ws: Store, run: Run | None, window: str | Window | None) -> Window:
    """The window asked for, else the run's, else the last ``ties.window_days`` of data."""
    from groundswell.run import resolve_window

    if window is None and run is not None:
        return run.window
    return resolve_window(ws, window)


def latest_run(ws: Store) -> Run | None:
    """The latest run of the workspace, or None when none has been made."""
    rows = ws.con.execute("SELECT max(run_id) FROM runs WHERE complete").fetchall()
    from groundswell.run import Run

    return None if rows[0][0] is None else Run.load(ws, int(rows[0][0]))


def ratio(num: pd.Series | np.ndarray, den: pd.Series | np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0 (no evidence earns no credit)."""
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out


def resolve_people(ws: Store, raw: pd.Series) -> pd.Index:
    """Pseudonymous ids of raw identifiers (HR ids, emails, chat ids), as every reader
    makes them, resolved through ``aliases`` to the person they belong to."""
    raw = raw.astype("string").fillna("").str.strip()
    ids = pd.Series(ws.pseudonymiser.people(raw[raw != ""]))
    aliases = dict(ws.con.execute("SELECT alias_id, person_id FROM aliases").fetchall())
    return pd.Index(ids.map(lambda i: aliases.get(i, i))).unique()
