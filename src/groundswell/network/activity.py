"""What each person did in a window: posts, and the acts they gave and received.

The raw material of personas (:mod:`groundswell.analysis.personas`). Read from the canonical
tables with the same identity resolution (aliases) and the same window as the ties; bots and
broadcasts are left out, as in the tie rules.

Each source counts with what it has: a chat's replies, reactions and mentions, a direct
message, an email to or copied to someone (:data:`ACTS`). An email-only organisation is
therefore not all observers: who writes to others gives, who is written to receives.
Relationship-survey answers and Viva Insights' aggregated collaboration pairs are no acts
(they say a tie exists, not who did what).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import duckdb

    from groundswell.network.ties import TieRules
    from groundswell.network.window import Window

#: interaction kinds that respond to someone (a reply, a reaction, a mention)
RESPONSES = ("reply", "reaction", "mention")
#: interaction kinds that address someone directly (a direct message, an email)
DIRECT = ("dm", "email_to", "email_cc")
#: every act a person gives to another and the other receives
ACTS = RESPONSES + DIRECT


def _sql(kinds: str, windowed: str = "") -> str:
    """The activity query: per person (and, with ``windowed``, per window ``k``: the CASE
    numbering the windows), parameters $1 and $2 the span read and $3 the broadcast
    threshold."""
    k = "{k} AS k, " if windowed else ""
    by = "GROUP BY 1, 2" if windowed else "GROUP BY 1"
    using = "USING (k, person_id)" if windowed else "USING (person_id)"
    return f"""
        WITH posts AS (
            SELECT {k.format(k=windowed.format(t="m"))}coalesce(a.person_id, m.author_id)
                   AS person_id, count(*) AS posts
            FROM messages m LEFT JOIN aliases a ON a.alias_id = m.author_id
            WHERE m.ts >= $1 AND m.ts < $2 AND NOT m.is_bot AND m.parent_id IS NULL
              AND m.kind = 'post'
            {by}),
        resp AS (
            SELECT {k.format(k=windowed.format(t="i"))}coalesce(a1.person_id, i.actor_id)
                   AS actor, coalesce(a2.person_id, i.target_id) AS target
            FROM interactions i
            LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id
            LEFT JOIN aliases a2 ON a2.alias_id = i.target_id
            WHERE i.ts >= $1 AND i.ts < $2 AND NOT i.is_bot AND i.kind IN ({kinds})
              AND i.n_recipients <= $3),
        given AS (SELECT {k.format(k="k")}actor AS person_id, count(*) AS given FROM resp
                  WHERE actor <> target {by}),
        received AS (SELECT {k.format(k="k")}target AS person_id, count(*) AS received
                     FROM resp WHERE actor <> target {by})
        SELECT {k.format(k="k")}person_id, coalesce(p.posts, 0) AS posts,
               coalesce(g.given, 0) AS given, coalesce(r.received, 0) AS received
        FROM posts p FULL JOIN given g {using} FULL JOIN received r {using}
    """


def activity(con: duckdb.DuckDBPyConnection, window: Window, rules: TieRules) -> pd.DataFrame:
    """Per person: ``posts`` (messages that open a thread), ``given`` (replies, reactions,
    mentions, direct messages and emails made to others: :data:`ACTS`) and ``received`` (the
    same, made to them) within the window."""
    kinds = ", ".join(f"'{k}'" for k in ACTS)
    df = con.execute(_sql(kinds), [window.start, window.end, rules.broadcast_threshold]).df()
    return df.set_index("person_id").astype("int64")


def activities(
    con: duckdb.DuckDBPyConnection, windows: list[Window], rules: TieRules
) -> list[pd.DataFrame]:
    """:func:`activity` of each of ``windows``, read in one query when no two of them overlap:
    the same rows, by window (in another order: the rows of one window come in no particular
    order either)."""
    spans = sorted((w.start, w.end) for w in windows)
    if len(windows) < 2 or any(a[1] > b[0] for a, b in itertools.pairwise(spans)):  # overlap
        return [activity(con, w, rules) for w in windows]
    kinds = ", ".join(f"'{k}'" for k in ACTS)
    params: list[object] = [
        min(w.start for w in windows),
        max(w.end for w in windows),
        rules.broadcast_threshold,
    ]
    cases = []
    for i, w in enumerate(windows):
        cases.append(f"WHEN {{t}}.ts >= ${4 + 2 * i} AND {{t}}.ts < ${5 + 2 * i} THEN {i}")
        params += [w.start, w.end]
    sql = _sql(kinds, "CASE " + " ".join(cases) + " END")
    df = con.execute(sql, params).df()
    k = df.pop("k").to_numpy()
    out = []
    for i in range(len(windows)):
        one = df[k == i].set_index("person_id").astype("int64")
        if one.empty:  # as DuckDB gives an empty result: ids of no type
            one.index = pd.Index([], dtype=object, name="person_id")
        out.append(one)
    return out
