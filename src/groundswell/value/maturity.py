"""Value maturity: how far a person, a group or the whole network has come along Simon
Terry's five stages — connect, share, solve, innovate, lead change — measured with the same
rules at every scale.

Every stage is a handful of *indicators*, each a ratio of two counts (``reciprocated out-ties
/ out-ties``, ``questions answered / questions taken part in``, ...). A person's indicator is
the ratio of their own counts; a group's (department, team, Leiden community, channel) and the
network's is the ratio of the counts summed over its members. That is what "the same rules at
every scale" means here: one table of per-person counts, summed at each scale, divided the
same way. A stage's score is the mean of its indicators (0 to 1); an indicator the workspace
has no data for at all (no adoptions ingested, no question asked in the window) is left out
of the mean, while a unit without events of its own scores 0 on it (no evidence, no credit).
A unit is placed on the highest stage whose score reaches its threshold
(``value.*_threshold``) with every earlier stage reached too: the stages are a ladder, each
built on the one before (a network does not solve problems it is not connected enough to
hear about), so a unit that shares a lot but connects little stays at ``none``. The rules
and their reasoning are in docs/value.md.

References
----------
Terry, S. (2013–2016). "The value maturity model for enterprise social networks" and
"Collaboration and networks: connect, share, solve, innovate, lead change" (Simon Terry's
blog, *Change Agents Worldwide*). SWOOP Analytics (2016). *Benchmarking report* (the same
five-stage model applied to Yammer networks). Burt, R. S. (2004). Structural holes and good
ideas. *American Journal of Sociology* 110(2) — ties across boundaries and new ideas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.privacy import SUPPRESSED, suppressed_groups
from groundswell.value import _base
from groundswell.value._base import GROUP_KINDS, OPEN_KINDS, RESPONSE_KINDS, ratio

if TYPE_CHECKING:
    from groundswell.network.window import Window
    from groundswell.run import Run
    from groundswell.store import Store

STAGES = ("connect", "share", "solve", "innovate", "lead_change")
SCALES = ("person", "department", "team", "community", "channel", "network")
#: per stage: (indicator name, numerator count, denominator count)
INDICATORS: dict[str, list[tuple[str, str, str]]] = {
    "connect": [
        ("reciprocated", "out_recip", "out_ties"),
        ("across", "across", "contacts"),
        ("new_ties", "new", "contacts"),
    ],
    "share": [("responded", "responded", "posts"), ("beyond", "beyond", "posts")],
    "solve": [
        ("answered", "q_answered", "q_involved"),
        ("fast", "q_fast", "q_involved"),
        ("answered_across", "q_across", "q_involved"),
    ],
    "innovate": [
        ("new_across", "new_across", "contacts"),
        ("new_communities", "in_new", "people"),
    ],
    "lead_change": [
        ("open", "msgs_open", "msgs"),
        ("open_answers", "answers_open", "answers"),
        ("adoption_lead", "followed", "adoptions"),
    ],
}
COUNTS = (
    "out_ties", "out_recip", "contacts", "across", "new", "new_across", "posts", "responded",
    "beyond", "q_involved", "q_answered", "q_fast", "q_across", "people", "in_new", "msgs",
    "msgs_open", "answers", "answers_open", "adoptions", "followed",
)  # fmt: skip
#: a new channel must start this long after the first message in the workspace (channels
#: seen at the very start of the data are old ones whose history was not exported)
WARM_UP_DAYS = 7


def maturity(
    ws: Store, *, run: Run | None = None, window: str | Window | None = None
) -> pd.DataFrame:
    """Value maturity of every person, department, team, community, channel and the network.

    Parameters
    ----------
    ws : Store
    run : Run, optional
        Gives the window (unless ``window`` is set) and the Leiden communities; the latest
        run by default (without any run there is no community scale).
    window : str or Window, optional
        The window measured; the previous window of the same length gives "new" ties and
        channels.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``scale``, ``group``, ``size``, a score per stage (:data:`STAGES`),
        ``stage`` (the highest stage reached, ``"none"``), then every indicator. Groups
        smaller than the minimum group size are merged into one :data:`SUPPRESSED` row per
        scale with no figures. ``attrs`` holds the window and the thresholds.
    """
    run = run if run is not None else _base.latest_run(ws)
    win = _base.default_window(ws, run, window)
    s = _base.settings(ws)
    counts, available = person_counts(ws, win)
    units = _units(ws, win, counts.index, run)
    frames = []
    for scale, membership in units.items():
        pooled = membership.join(counts, on="person_id").groupby("group", sort=True)
        table = pooled[list(COUNTS)].sum()
        table.insert(0, "size", pooled["person_id"].nunique())
        frames.append(table.assign(scale=scale))
    table = pd.concat(frames).rename_axis("group").reset_index()
    out = scores(table, available, thresholds(s))
    out = _suppress(out, ws.settings.min_group_size)
    out.attrs.update({"window": str(win), "thresholds": thresholds(s), "available": available})
    return out


def thresholds(s: dict) -> dict[str, float]:
    """The threshold of each stage from the ``[value]`` settings."""
    return {stage: float(s[f"{stage}_threshold"]) for stage in STAGES}


def scores(
    counts: pd.DataFrame, available: dict[str, bool], limits: dict[str, float]
) -> pd.DataFrame:
    """Indicators, stage scores and the stage reached, from summed counts.

    ``counts`` has the columns of :data:`COUNTS` (and any others, kept in front);
    ``available`` says which indicators the workspace has data for.
    """
    out = counts.copy()
    for stage, inds in INDICATORS.items():
        cols = []
        for name, num, den in inds:
            out[name] = ratio(out[num], out[den]) if available.get(name, True) else np.nan
            if available.get(name, True):
                cols.append(name)
        out[stage] = out[cols].mean(axis=1) if cols else np.nan
    reached = np.column_stack([(out[st] >= limits[st]).to_numpy() for st in STAGES])
    # a ladder: the stage reached is the last one passed with every stage before it passed
    climbed = np.cumprod(reached, axis=1).sum(axis=1)
    last = climbed - 1  # -1 = not even connect
    out["stage"] = np.array([*STAGES, "none"], dtype=object)[last]
    front = [c for c in ("scale", "group", "size") if c in out]
    names = [name for v in INDICATORS.values() for name, _, _ in v]
    rest = [c for c in out.columns if c not in front + list(STAGES) + ["stage", *names]]
    return out[front + list(STAGES) + ["stage", *names, *rest]]


def person_counts(ws: Store, win: Window) -> tuple[pd.DataFrame, dict[str, bool]]:
    """The counts of :data:`COUNTS` for every person of the window, and which indicators the
    workspace has data for (see the module docstring)."""
    s = _base.settings(ws)
    people = _base.people(ws)
    index = _base.members(ws, win)
    frames = [_tie_counts(ws, win, people["department"])]
    frames.append(_post_counts(ws, win))
    qs, ans = _base.questions(ws, win, s)
    frames.append(_question_counts(qs, ans, people["department"], float(s["answer_hours"])))
    created = _channel_counts(ws, win)
    frames.append(created)
    frames.append(_open_counts(ws, win))
    adopt = _adoption_counts(ws, win)
    frames.append(adopt)
    for f in frames:
        index = index.union(f.index)
    counts = pd.concat([f.reindex(index) for f in frames], axis=1).fillna(0)
    counts["people"] = 1
    counts = counts.reindex(columns=list(COUNTS), fill_value=0).astype("int64")
    counts.index.name = "person_id"
    available = {
        "answered": len(qs) > 0,
        "fast": len(qs) > 0,
        "answered_across": len(qs) > 0,
        "open_answers": len(qs) > 0,
        "new_communities": bool(created.attrs.get("any_new", False)),
        "adoption_lead": bool(adopt.attrs.get("any", False)),
    }
    return counts, available


# -- the counts, one family at a time ----------------------------------------------------------


def _tie_counts(ws: Store, win: Window, dept: pd.Series) -> pd.DataFrame:
    """out_ties, out_recip; contacts (distinct people tied either way), across (contacts in
    another department), new (contacts with no tie either way in the previous window) and
    new_across."""
    now = _base.ties(ws, win)
    before = _base.ties(ws, _base.previous(win))
    codes, uniques = pd.factorize(
        pd.concat([now["actor_id"], now["target_id"], before["actor_id"], before["target_id"]])
    )
    n = np.int64(max(len(uniques), 1))
    m, k = len(now), len(before)
    a, b = codes[:m].astype(np.int64), codes[m : 2 * m].astype(np.int64)
    pa_, pb = codes[2 * m : 2 * m + k].astype(np.int64), codes[2 * m + k :].astype(np.int64)
    recip = np.isin(b * n + a, a * n + b)
    out_ties = np.bincount(a, minlength=n)
    out_recip = np.bincount(a[recip], minlength=n)
    pair = np.unique(np.minimum(a, b) * n + np.maximum(a, b))
    old = np.unique(np.minimum(pa_, pb) * n + np.maximum(pa_, pb))
    u, v = pair // n, pair % n
    src, dst = np.concatenate([u, v]), np.concatenate([v, u])
    is_new = np.tile(~np.isin(pair, old), 2)
    dcode = pd.Index(dept.reindex(uniques).to_numpy())
    dc = pd.factorize(dcode)[0]  # -1 = unknown department
    cross = (dc[src] >= 0) & (dc[dst] >= 0) & (dc[src] != dc[dst])
    table = pd.DataFrame(
        {
            "out_ties": out_ties,
            "out_recip": out_recip,
            "contacts": np.bincount(src, minlength=n),
            "across": np.bincount(src[cross], minlength=n),
            "new": np.bincount(src[is_new], minlength=n),
            "new_across": np.bincount(src[is_new & cross], minlength=n),
        },
        index=pd.Index(uniques, name="person_id"),
    ).iloc[: len(uniques)]
    return table[table.sum(axis=1) > 0]


def _post_counts(ws: Store, win: Window) -> pd.DataFrame:
    """posts (thread-opening posts), responded (drew a reply, reaction or reshare from someone
    else in the window) and beyond (one of them from another department)."""
    kinds = ", ".join(f"'{k}'" for k in RESPONSE_KINDS)
    sql = f"""
        WITH {_base.messages_cte()},
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


def _question_counts(
    qs: pd.DataFrame, ans: pd.DataFrame, dept: pd.Series, fast_hours: float
) -> pd.DataFrame:
    """q_involved (questions asked or answered), q_answered, q_fast (first answer within
    ``answer_hours``), q_across (an answerer from a department other than the asker's)."""
    q = question_flags(qs, ans, dept, fast_hours)
    who = pd.concat(
        [
            q[["question_id", "asker"]].rename(columns={"asker": "person_id"}),
            ans[["question_id", "answerer"]].rename(columns={"answerer": "person_id"}),
        ]
    ).drop_duplicates()
    rows = who.merge(q[["question_id", "answered", "fast", "across"]], on="question_id")
    return rows.groupby("person_id").agg(
        q_involved=("question_id", "size"),
        q_answered=("answered", "sum"),
        q_fast=("fast", "sum"),
        q_across=("across", "sum"),
    )


def question_flags(
    qs: pd.DataFrame, ans: pd.DataFrame, dept: pd.Series, fast_hours: float
) -> pd.DataFrame:
    """Each question with ``fast`` (first answer within ``fast_hours``) and ``across`` (an
    answerer whose department is known and differs from the asker's known department)."""
    q = qs.copy()
    q["fast"] = q["answered"] & (q["hours"] <= fast_hours)
    pairs = ans.merge(q[["question_id", "asker"]], on="question_id")
    da = pairs["asker"].map(dept)
    db = pairs["answerer"].map(dept)
    pairs["across"] = (da.notna() & db.notna() & (da != db)).to_numpy()
    across = pairs.groupby("question_id")["across"].any()
    q["across"] = q["question_id"].map(across).fillna(False).astype(bool)
    return q


def _channel_counts(ws: Store, win: Window) -> pd.DataFrame:
    """in_new: 1 for a person who wrote, in the window, in a *new community that lasts*: a
    group channel whose first message fell in the previous window (at least
    :data:`WARM_UP_DAYS` after the workspace's first message: channels seen at the start of
    the data are old ones whose history was not exported) and in which at least 3 people
    wrote in this window. ``attrs["any_new"]`` says whether the workspace has any."""
    prev = _base.previous(win)
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
    df = ws.con.execute(sql, [prev.start, prev.end, win.end]).df().set_index("person_id")
    df.attrs["any_new"] = bool(len(df))
    return df


def _open_counts(ws: Store, win: Window) -> pd.DataFrame:
    """msgs (messages written, reactions aside), msgs_open (in public channels and
    communities), answers (replies in threads opened by someone else) and answers_open."""
    opened = ", ".join(f"'{k}'" for k in OPEN_KINDS)
    sql = f"""
        WITH {_base.messages_cte()},
        roots AS (SELECT message_id, person_id FROM msgs WHERE parent_id IS NULL)
        SELECT m.person_id, count(*) AS msgs,
               count(*) FILTER (WHERE m.channel_kind IN ({opened})) AS msgs_open,
               count(*) FILTER (WHERE m.kind = 'reply' AND r.person_id <> m.person_id) AS answers,
               count(*) FILTER (WHERE m.kind = 'reply' AND r.person_id <> m.person_id
                                AND m.channel_kind IN ({opened})) AS answers_open
        FROM msgs m LEFT JOIN roots r ON r.message_id = m.thread AND m.message_id <> m.thread
        WHERE m.kind <> 'reaction' GROUP BY m.person_id"""
    return ws.con.execute(sql, [win.start, win.end]).df().set_index("person_id")


def _adoption_counts(ws: Store, win: Window) -> pd.DataFrame:
    """adoptions (taken up before the window's end) and followed (a person they are tied to
    in the window took up the same behaviour later: the change spread from them)."""
    has = ws.con.execute("SELECT count(*) FROM adoptions").fetchall()[0][0]
    if not has:
        df = pd.DataFrame(columns=["adoptions", "followed"], index=pd.Index([], name="person_id"))
        df.attrs["any"] = False
        return df
    t = _base.ties(ws, win)
    ws.con.register("_value_ties", t[["actor_id", "target_id"]])
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
    df = df.set_index("person_id")
    df.attrs["any"] = True
    return df


# -- the units --------------------------------------------------------------------------------


def _units(ws: Store, win: Window, index: pd.Index, run: Run | None) -> dict[str, pd.DataFrame]:
    """Membership (person_id, group) of every unit at every scale."""
    people = _base.people(ws).reindex(index)
    ids = pd.Series(index, index=index)
    out = {"person": pd.DataFrame({"person_id": index, "group": index})}
    for attr in ("department", "team"):
        out[attr] = pd.DataFrame(
            {"person_id": index, "group": people[attr].fillna("(unknown)").astype(str).to_numpy()}
        )
    if run is not None:
        comm = run.communities()
        comm = comm[comm.index.isin(index)]
        out["community"] = pd.DataFrame(
            {"person_id": comm.index, "group": comm.astype(str).to_numpy()}
        )
    out["channel"] = channel_members(ws, win)
    out["network"] = pd.DataFrame({"person_id": ids.to_numpy(), "group": "all"})
    return out


def channel_members(ws: Store, win: Window) -> pd.DataFrame:
    """(person_id, group) of the people who wrote in each group channel (public, private,
    community) in the window; a channel is named by its name, or its id when it has none."""
    kinds = ", ".join(f"'{k}'" for k in GROUP_KINDS)
    return ws.con.execute(
        f"""WITH {_base.messages_cte()}
        SELECT DISTINCT person_id, coalesce(channel_name, channel_id) AS "group" FROM msgs
        WHERE channel_kind IN ({kinds})""",
        [win.start, win.end],
    ).df()


def _suppress(table: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """The groups the privacy gate suppresses (:func:`~groundswell.privacy.suppressed_groups`
    per scale: below ``min_size`` people, and as many more as it takes that none follows
    from the network's size less the shown ones) become one :data:`SUPPRESSED` row per scale
    with no figures (people and the network are never suppressed: a person is not a group
    figure, and the network is everyone)."""
    small = pd.Series(False, index=table.index)
    grouped = table[~table["scale"].isin(["person", "network"])]
    for _, rows in grouped.groupby("scale"):
        hidden = suppressed_groups(rows["size"].reset_index(drop=True), min_size)
        small[rows.index[sorted(hidden)]] = True  # by position: two channels may share a name
    if not small.any():
        return table.reset_index(drop=True)
    merged = table[small].groupby("scale", as_index=False).size()[["scale"]]
    merged["group"] = SUPPRESSED
    kept = table[~small]
    out = pd.concat([kept, merged], ignore_index=True)
    order = {s: i for i, s in enumerate(SCALES)}
    key = out["scale"].map(order)
    return out.iloc[np.lexsort([out["group"] == SUPPRESSED, key])].reset_index(drop=True)


def store(ws: Store, run_id: int, table: pd.DataFrame) -> None:
    """Store a maturity table as the run's (replacing any earlier one)."""
    rows = table[["scale", "group", "size", *STAGES, "stage"]].copy()
    rows["group"] = rows["group"].astype(str)
    # several suppressed groups share one row per scale already; the key stays unique
    with ws.transaction() as con:
        con.execute("DELETE FROM maturity WHERE run_id = ?", [run_id])
        con.register("frame", rows)
        con.execute(
            f'INSERT INTO maturity SELECT {int(run_id)}, scale, "group", size::INTEGER, '
            "connect, share, solve, innovate, lead_change, stage FROM frame"
        )
        con.unregister("frame")


def summary(table: pd.DataFrame) -> dict[str, object]:
    """The network's scores and stage, and how many units of each scale reached each stage."""
    net = table[table["scale"] == "network"].iloc[0]
    dist = (
        table[table["group"] != SUPPRESSED]
        .groupby("scale")["stage"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=[*STAGES, "none"], fill_value=0)
    )
    return {
        "network": {st: float(net[st]) for st in STAGES} | {"stage": net["stage"]},
        "stages": {scale: {k: int(v) for k, v in row.items()} for scale, row in dist.iterrows()},
    }
