"""An initiative's traction: the groups and influencers it reaches times the quality of the
interaction around it, period by period.

The essay "The singularity of organisation is influence" (2014) ends its progression of a
social network with "viral traction takes place based on a maximized formula of quantity of
groups and influencers and quality of interaction". This module measures that formula for
one initiative (:class:`groundswell.initiatives.Initiative`: channels, keywords, meetings or
an adoption behaviour) in every period (week or month) from its first act to its last:

Reach, :math:`R_t = G_t + I_t`
    :math:`G_t` is the number of groups of the definition's ``by`` (departments by default)
    with at least one member taking part in period *t*, counted through the privacy gate
    (groups below the minimum size merged into one); :math:`I_t` the number of people taking
    part who hold an influence role in the run's role lists (:data:`INFLUENCE_ROLES`).
    Teams and communities reached are counted beside it, not in it.

Quality, :math:`Q_t` (0 to 1)
    The mean of the measures defined in the period:

    - *replies*: the share of the period's posts (top-level messages) answered by someone
      other than their author (Q&A research's "response rate"; undefined when there are no
      posts: meetings, adoptions);
    - *two-way*: the share of the pairs of people with an act between them in the period who
      acted in both directions (dyadic reciprocity, Wasserman and Faust 1994, §13.2);
    - *cross-boundary*: the share of the period's acts between people of different ``by``
      groups (the external share of Krackhardt and Stern's E-I index, 1988).

Traction index, :math:`T_t = R_t \\times Q_t`
    It grows with every group and influencer reached, and is worth nothing when the
    interaction is one-way broadcasting inside one group. A period with no activity has
    :math:`T_t = 0`.

Each group of ``by`` gets a status over the whole span: **spreading** when the people taking
part in its most recent third of the periods (their mean) are at least half its peak
period's, **stalled** when they fell below half (:data:`STALL_RATIO`, as
:mod:`.adoption` calls a department stalled at half its forecast rate), **not reached** when
none of its people took part. With a champion plan, each group's share of people taking part
is set beside the share the plan forecast it would reach.

Participants are internal people (bots and people outside the organisation left out). The
roles and communities are the run's (the latest by default). :func:`measure` is the pure
part (frames in, tables out: tested against hand-computed cases); :func:`compute` reads the
workspace, calls it and stores the result (tables ``initiatives``, ``initiative_periods``,
``initiative_groups``, ``initiative_roles``), which the report, dashboard and CLI read
(:func:`groundswell.initiatives.read`).
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.errors import AnalysisError, ParameterError
from groundswell.initiatives import Initiative, Traction, read, save
from groundswell.privacy import SUPPRESSED, UNKNOWN, gate_labels, merged_too_small
from groundswell.words import count

if TYPE_CHECKING:
    from groundswell.store import Store

__all__ = ["INFLUENCE_ROLES", "STALL_RATIO", "Measured", "compute", "measure", "period_starts"]

#: the roles whose holders count as influencers (peripheral and isolated people do not)
INFLUENCE_ROLES = (
    "hub", "broker", "boundary_spanner", "influencer", "activist", "advocate", "maverick",
    "network_positive_deviant",
)  # fmt: skip
#: a group stalled when its recent participation fell below this share of its peak
STALL_RATIO = 0.5
#: the group attributes counted in each period besides ``by``
ATTRIBUTES = ("department", "team", "community")

INDEX_TEXT = (
    "traction = reach × quality. Reach = the groups ({by}s) with someone taking part in the "
    "period + the influencers (people on the run's hub, broker, boundary-spanner, influencer, "
    "activist, advocate, maverick or network-positive-deviant lists) taking part. Quality = "
    "the mean of three shares, each 0 to 1: posts answered by someone else (replies), pairs "
    "of people interacting both ways (two-way ties), acts between people of different {by}s "
    "(cross-boundary). After the essay's 'quantity of groups and influencers and quality of "
    "interaction'."
)


@dataclass(frozen=True)
class Measured:
    """What :func:`measure` finds: the tables :class:`~groundswell.initiatives.Traction`
    holds (``periods``, ``groups``, ``roles``, ``status``)."""

    periods: pd.DataFrame
    groups: pd.DataFrame
    roles: pd.DataFrame
    status: pd.DataFrame


def period_starts(ts: pd.Series, period: str) -> pd.Series:
    """The first day of the week (Monday) or month holding each time (UTC), as dates."""
    naive = pd.to_datetime(ts, utc=True).dt.tz_convert(None)
    freq = "W-SUN" if period == "week" else "M"
    return naive.dt.to_period(freq).dt.start_time.dt.date


def _all_periods(first: Any, last: Any, period: str) -> list[Any]:
    freq = "7D" if period == "week" else "MS"
    return [d.date() for d in pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq=freq)]


def measure(
    acts: pd.DataFrame,
    messages: pd.DataFrame,
    people: pd.DataFrame,
    *,
    period: str = "week",
    by: str = "department",
    min_size: int = 5,
    roles: pd.DataFrame | None = None,
    joined: pd.DataFrame | None = None,
) -> Measured:
    """Traction period by period from an initiative's acts and messages (pure; see the
    module docstring for every definition).

    Parameters
    ----------
    acts : DataFrame
        Directed acts between two people: ``actor_id``, ``target_id``, ``ts``.
    messages : DataFrame
        The initiative's messages: ``message_id``, ``author_id``, ``ts``, ``root`` (the
        post a reply answers; a post's own id, or missing, for a post) and optionally
        ``answerable`` (False for a meeting: nobody replies to one in a thread; such
        messages count their authors as taking part, not as posts).
    people : DataFrame
        Everyone internal, indexed by person_id, with ``department``, ``team``,
        ``community`` and ``by`` columns (raw values; missing allowed). Group sizes and the
        privacy gate are counted over them.
    roles : DataFrame, optional
        ``person_id``, ``role``: the run's role lists.
    joined : DataFrame, optional
        ``person_id``, ``ts``: people who joined without an act (adopters of a behaviour).

    Returns
    -------
    Measured
    """
    inside = people.index
    acts = acts[
        acts["actor_id"].isin(inside)
        & acts["target_id"].isin(inside)
        & (acts["actor_id"] != acts["target_id"])
    ].copy()
    messages = messages[messages["author_id"].isin(inside)].copy()
    joined = (
        joined[joined["person_id"].isin(inside)].copy()
        if joined is not None
        else pd.DataFrame({"person_id": pd.Series(dtype=object), "ts": pd.Series(dtype=object)})
    )
    acts["p"] = period_starts(acts["ts"], period) if len(acts) else pd.Series(dtype=object)
    messages["p"] = (
        period_starts(messages["ts"], period) if len(messages) else pd.Series(dtype=object)
    )
    joined["p"] = period_starts(joined["ts"], period) if len(joined) else pd.Series(dtype=object)
    # who took part, when: authors, both ends of every act, people who joined
    part = pd.concat(
        [
            messages[["author_id", "p"]].set_axis(["person_id", "p"], axis=1),
            acts[["actor_id", "p"]].set_axis(["person_id", "p"], axis=1),
            acts[["target_id", "p"]].set_axis(["person_id", "p"], axis=1),
            joined[["person_id", "p"]],
        ],
        ignore_index=True,
    ).drop_duplicates()
    if part.empty:
        raise AnalysisError("nobody inside the organisation took part in the initiative")
    periods = _all_periods(part["p"].min(), part["p"].max(), period)

    labels = {
        a: gate_labels(people[a], min_size) for a in (*ATTRIBUTES, "by") if a in people.columns
    }
    sizes = {a: lab.value_counts() for a, lab in labels.items()}
    raw_by = people["by"]

    # -- quality -------------------------------------------------------------------------
    top = messages["root"].isna() | (messages["root"] == messages["message_id"])
    if "answerable" in messages:
        top &= messages["answerable"].fillna(True).astype(bool)
    posts = messages[top]
    replies = messages[messages["root"].notna() & (messages["root"] != messages["message_id"])]
    author = posts.set_index("message_id")["author_id"]
    answered_roots = replies.loc[
        replies["author_id"].to_numpy() != replies["root"].map(author).to_numpy(), "root"
    ]
    posts = posts.assign(answered=posts["message_id"].isin(set(answered_roots)))
    reply_share = posts.groupby("p")["answered"].mean()
    post_count = posts.groupby("p").size()

    a, b = acts["actor_id"].to_numpy(dtype=object), acts["target_id"].to_numpy(dtype=object)
    lo, hi = np.where(a < b, a, b), np.where(a < b, b, a)
    pairs = pd.DataFrame({"p": acts["p"].to_numpy(), "lo": lo, "hi": hi, "fwd": a < b})
    both = pairs.groupby(["p", "lo", "hi"])["fwd"].agg(["min", "max"])
    both = both["min"] != both["max"]  # acts in both directions
    two_way = both.groupby(level="p").mean()
    ga, gb = raw_by.reindex(a).to_numpy(), raw_by.reindex(b).to_numpy()
    known = pd.notna(ga) & pd.notna(gb)
    cross = (
        pd.Series(np.where(known, ga != gb, np.nan).astype(float), index=acts.index)
        .groupby(acts["p"].to_numpy())
        .mean()
    )
    act_count = acts.groupby("p").size()

    # -- reach ---------------------------------------------------------------------------
    held = roles[roles["role"].isin(INFLUENCE_ROLES)] if roles is not None else None
    influencer_ids = set(held["person_id"]) if held is not None else set()
    seen: set[Any] = set()
    period_rows: list[dict[str, Any]] = []
    group_rows: list[dict[str, Any]] = []
    role_rows: list[dict[str, Any]] = []
    for p in periods:
        who = pd.Index(part.loc[part["p"] == p, "person_id"].unique())
        new = who.difference(pd.Index(list(seen)))
        seen.update(who)
        reached = {}
        for attr, lab in labels.items():
            shown = lab.reindex(who).dropna()
            shown = shown[shown != UNKNOWN]
            counts = shown.value_counts()
            reached[attr] = len(counts)
            if attr in ATTRIBUTES:
                group_rows.extend(
                    {"attribute": attr, "group_name": g, "period_start": p, "participants": int(n)}
                    for g, n in counts.items()
                )
        infl = who[who.isin(list(influencer_ids))]
        if held is not None:
            for role, n in held[held["person_id"].isin(infl)].groupby("role").size().items():
                role_rows.append({"period_start": p, "role": role, "people": int(n)})
        q_parts = [reply_share.get(p, np.nan), two_way.get(p, np.nan), cross.get(p, np.nan)]
        defined = [float(v) for v in q_parts if v == v]
        quality = float(np.mean(defined)) if defined else np.nan
        reach = reached["by"] + len(infl)
        period_rows.append(
            {
                "period_start": p,
                "acts": int(act_count.get(p, 0)),
                "posts": int(post_count.get(p, 0)),
                "participants": len(who),
                "new_participants": len(new),
                "departments": reached.get("department", 0),
                "teams": reached.get("team", 0),
                "communities": reached.get("community", 0),
                "groups_reached": reached["by"],
                "influencers": len(infl),
                "replies": q_parts[0],
                "two_way": q_parts[1],
                "cross_boundary": q_parts[2],
                "quality": quality,
                "reach": float(reach),
                "traction": float(reach * quality) if quality == quality else 0.0,
            }
        )
    groups = _fill_groups(pd.DataFrame(group_rows), periods, sizes, min_size)
    status = _status(part, labels["by"], sizes["by"], periods, min_size)
    return Measured(
        periods=pd.DataFrame(period_rows),
        groups=groups,
        roles=pd.DataFrame(role_rows, columns=["period_start", "role", "people"]),
        status=status,
    )


def _fill_groups(
    rows: pd.DataFrame, periods: list[Any], sizes: dict[str, pd.Series], min_size: int
) -> pd.DataFrame:
    """Each group reached at least once, every period (zeros where nobody took part), with
    its size; the merged suppressed group dropped when it is itself too small."""
    cols = ["attribute", "group_name", "period_start", "size", "participants"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    out = []
    for (attr, group), g in rows.groupby(["attribute", "group_name"], sort=True):
        size = int(sizes[attr].get(group, 0))
        if group == SUPPRESSED and merged_too_small(sizes[attr], min_size):
            continue
        if size < min_size and group != SUPPRESSED:
            continue  # the gate never leaves one, but a figure below the minimum never leaves
        n = g.set_index("period_start")["participants"].reindex(periods, fill_value=0)
        out.append(
            pd.DataFrame(
                {
                    "attribute": attr,
                    "group_name": group,
                    "period_start": periods,
                    "size": size,
                    "participants": n.to_numpy(dtype=int),
                }
            )
        )
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=cols)


def _status(
    part: pd.DataFrame, label: pd.Series, sizes: pd.Series, periods: list[Any], min_size: int
) -> pd.DataFrame:
    """Each group of ``by``: size, people who took part (distinct), their share, peak and
    recent participation, and the status (see the module docstring)."""
    recent_n = max(1, len(periods) // 3)
    recent = set(periods[-recent_n:])
    part = part.assign(group=label.reindex(part["person_id"]).to_numpy())
    rows = []
    too_small = merged_too_small(sizes, min_size)
    for group, size in sizes.items():
        if group == UNKNOWN or (group == SUPPRESSED and too_small) or size < min_size:
            continue
        mine = part[part["group"] == group]
        per = mine.groupby("p")["person_id"].nunique().reindex(periods, fill_value=0)
        peak = int(per.max()) if len(per) else 0
        last = float(per[per.index.isin(recent)].mean()) if len(per) else 0.0
        if mine.empty:
            status = "not reached"
        elif last >= STALL_RATIO * peak:
            status = "spreading"
        else:
            status = "stalled"
        took = int(mine["person_id"].nunique())
        rows.append(
            {
                "group": str(group),
                "size": int(size),
                "participants": took,
                "share": took / int(size),
                "peak": peak,
                "recent": last,
                "status": status,
            }
        )
    order = {"spreading": 0, "stalled": 1, "not reached": 2}
    out = pd.DataFrame(
        rows, columns=["group", "size", "participants", "share", "peak", "recent", "status"]
    )
    return out.sort_values(
        ["status", "share"], key=lambda s: s.map(order) if s.name == "status" else -s
    ).reset_index(drop=True)


# -- reading the workspace -------------------------------------------------------------------
def _channel_ids(ws: Store, initiative: Initiative) -> list[str]:
    """The channels the initiative names (by name, pattern or id) or whose name holds one
    of its keywords; a ParameterError naming what matched nothing."""
    chans = ws.query(  # named channels and meeting series; a DM has no name to match
        "SELECT channel_id, name, kind FROM channels WHERE name IS NOT NULL "
        "OR kind = 'meeting' OR channel_id IN (SELECT unnest(?::VARCHAR[]))",
        [list(initiative.channels)],
    )
    names = chans["name"].fillna("").str.lower()
    found: set[str] = set()
    for given in initiative.channels:
        pattern = given.lower().lstrip("#")
        matches = [bool(n) and fnmatch.fnmatchcase(n, pattern) for n in names]
        hit = chans["channel_id"].eq(given) | pd.Series(matches, index=chans.index)
        if not hit.any():
            some = sorted(set(chans["name"].dropna()))[:8]
            raise ParameterError(
                "--channel",
                "a channel name, pattern or id in the workspace"
                + (f" (such as {', '.join(some)})" if some else " (it has no named channel)"),
                given,
            )
        found |= set(chans.loc[hit, "channel_id"])
    for word in initiative.keywords:
        found |= set(chans.loc[names.str.contains(word.lower(), regex=False), "channel_id"])
    if initiative.meetings:
        meetings = chans[chans["kind"] == "meeting"]
        pseudo = ws.pseudonymiser if ws.has_key else None
        for given in initiative.meetings:
            ids = {given}
            if pseudo is not None:
                ids |= {pseudo.channel(given), pseudo.channel("meeting:" + given)}
            hit = meetings["channel_id"].isin(ids)
            if not hit.any():
                raise ParameterError(
                    "--meeting", "a meeting series' id (c_...) or its identifier in the source",
                    given,
                )  # fmt: skip
            found |= set(meetings.loc[hit, "channel_id"])
    return sorted(found)


_PERSON = "coalesce({a}.person_id, {t}.{col})"


def _message_acts(ws: Store, initiative: Initiative) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The initiative's messages (root: the post each answers) and acts (replies, mentions,
    reactions, meetings, ... carried by those messages)."""
    ids = _channel_ids(ws, initiative)
    cond = ["m.channel_id IN (SELECT unnest(?::VARCHAR[]))"]
    params: list[Any] = [ids]
    if initiative.keywords and ws.store_content:  # message text only when switched on
        for word in initiative.keywords:
            cond.append("m.text ILIKE ?")
            params.append(f"%{word}%")
    where = " OR ".join(cond)
    author = _PERSON.format(a="al", t="m", col="author_id")
    ws.con.execute(
        "CREATE OR REPLACE TEMP TABLE _gs_init_msgs AS "
        f"SELECT m.message_id, {author} AS author_id, m.ts, "
        "coalesce(m.thread_id, m.parent_id) AS root, m.kind <> 'meeting' AS answerable "
        "FROM messages m "
        "LEFT JOIN aliases al ON al.alias_id = m.author_id "
        f"WHERE NOT m.is_bot AND ({where})",
        params,
    )
    if initiative.keywords and ws.store_content:  # the replies in matched threads
        ws.con.execute(
            "INSERT INTO _gs_init_msgs "
            f"SELECT m.message_id, {author}, m.ts, coalesce(m.thread_id, m.parent_id), "
            "m.kind <> 'meeting' FROM messages m LEFT JOIN aliases al ON al.alias_id = m.author_id "
            "WHERE NOT m.is_bot AND coalesce(m.thread_id, m.parent_id) IN "
            "(SELECT message_id FROM _gs_init_msgs) "
            "AND m.message_id NOT IN (SELECT message_id FROM _gs_init_msgs)"
        )
    messages = ws.query("SELECT * FROM _gs_init_msgs")
    acts = ws.query(
        f"SELECT {_PERSON.format(a='a1', t='i', col='actor_id')} AS actor_id, "
        f"{_PERSON.format(a='a2', t='i', col='target_id')} AS target_id, i.ts "
        "FROM interactions i LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id "
        "LEFT JOIN aliases a2 ON a2.alias_id = i.target_id "
        "WHERE NOT i.is_bot AND i.message_id IN (SELECT message_id FROM _gs_init_msgs)"
    )
    ws.con.execute("DROP TABLE IF EXISTS _gs_init_msgs")
    messages["root"] = messages["root"].where(messages["root"] != messages["message_id"])
    return messages, acts


def _adoption_acts(ws: Store, behaviour: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """People who adopted ``behaviour`` (when), and their acts toward each other once both
    had adopted."""
    joined = ws.query(
        "SELECT coalesce(a.person_id, d.person_id) AS person_id, min(d.ts) AS ts "
        "FROM adoptions d LEFT JOIN aliases a ON a.alias_id = d.person_id "
        "WHERE d.behaviour = ? GROUP BY 1",
        [behaviour],
    )
    if joined.empty:
        known = ws.query("SELECT DISTINCT behaviour FROM adoptions ORDER BY 1")["behaviour"]
        raise ParameterError(
            "--behaviour",
            "a behaviour recorded in the adoptions"
            + (f" ({', '.join(known)})" if len(known) else " (none ingested yet)"),
            behaviour,
        )
    acts = ws.con.execute(
        "WITH ad AS (SELECT unnest(?::VARCHAR[]) AS person_id, unnest(?::TIMESTAMPTZ[]) AS ts), "
        f"i AS (SELECT {_PERSON.format(a='a1', t='i', col='actor_id')} AS actor_id, "
        f"{_PERSON.format(a='a2', t='i', col='target_id')} AS target_id, i.ts "
        "FROM interactions i LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id "
        "LEFT JOIN aliases a2 ON a2.alias_id = i.target_id WHERE NOT i.is_bot "
        "AND i.kind NOT LIKE 'survey:%' AND i.kind <> 'reports_to') "
        "SELECT i.actor_id, i.target_id, i.ts FROM i "
        "JOIN ad x ON x.person_id = i.actor_id AND x.ts <= i.ts "
        "JOIN ad y ON y.person_id = i.target_id AND y.ts <= i.ts",
        [joined["person_id"].tolist(), joined["ts"].tolist()],
    ).df()
    return joined, acts


def _people(ws: Store, run_id: int, by: str) -> pd.DataFrame:
    people = ws.query(
        f"SELECT p.person_id, p.department, p.team, p.{by} AS by, c.community "
        "FROM people p LEFT JOIN communities c ON c.person_id = p.person_id AND c.run_id = ? "
        "WHERE p.is_internal",
        [run_id],
    ).set_index("person_id")
    people["community"] = people["community"].map(
        lambda c: None if pd.isna(c) else f"community {int(c)}"
    )
    return people


def _forecast(ws: Store, plan_id: int | None, status: pd.DataFrame) -> dict[str, Any] | None:
    """The champion plan's forecast (the latest plan unless ``plan_id``), or None."""
    from groundswell.diffusion.champions import ChampionPlan

    if plan_id is None:
        latest = ws.query("SELECT max(plan_id) AS p FROM plans")["p"].iloc[0]
        if pd.isna(latest):
            return None
        plan_id = int(latest)
    plan = ChampionPlan.load(ws, plan_id)
    strat = plan.strategies().loc["plan"]
    cov = plan.coverage()
    cov = cov[cov["strategy"] == "plan"].set_index("group_name")["share"]
    return {
        "plan_id": plan.plan_id,
        "people": int(plan.summary["people"]),
        "reach": float(strat["reach"]),
        "low": float(strat["low"]),
        "high": float(strat["high"]),
        "share_by_group": {str(g): float(v) for g, v in cov.items()},
    }


def _reading(
    initiative: Initiative, m: Measured, forecast: dict[str, Any] | None, people: int
) -> str:
    """The result in words."""
    p = m.periods
    first, last = p.iloc[0], p.iloc[-1]
    peak = p.loc[p["traction"].idxmax()]
    took = int(m.periods["new_participants"].sum())
    by = initiative.by
    spreading = m.status.loc[m.status["status"] == "spreading", "group"].tolist()
    stalled = m.status.loc[m.status["status"] == "stalled", "group"].tolist()
    unreached = int((m.status["status"] == "not reached").sum())
    text = (
        f"{initiative.name}: {count(took, 'person', 'people')} took part over "
        f"{count(len(p), initiative.period)}; "
        f"its traction index went from {first['traction']:.1f} to {last['traction']:.1f} "
        f"(peak {peak['traction']:.1f} in the {initiative.period} of "
        f"{peak['period_start']}: {count(int(peak['groups_reached']), by)} and "
        f"{count(int(peak['influencers']), 'influencer')} reached, "
        + (
            f"quality {peak['quality']:.2f}). "
            if peak["quality"] == peak["quality"]
            else "no interaction between them). "
        )
    )
    if spreading:
        text += f"Still spreading in {', '.join(spreading)}. "
    if stalled:
        its = "its" if len(stalled) == 1 else "each one's"
        text += f"Stalled in {', '.join(stalled)} (taking part fell below half {its} peak). "
    if unreached:
        text += f"{count(unreached, by)} not reached. "
    if forecast is not None:
        share = took / people if people else 0.0
        fc = forecast["reach"] / forecast["people"] if forecast["people"] else 0.0
        verdict = (
            "behind"
            if took < forecast["low"]
            else "ahead of"
            if took > forecast["high"]
            else "in line with"
        )
        text += (
            f"{verdict.capitalize()} champion plan {forecast['plan_id']}'s forecast: "
            f"{share:.0%} of people took part against {fc:.0%} forecast "
            f"({forecast['low']:,.0f}-{forecast['high']:,.0f} people)."
        )
    return text.strip()


def compute(
    ws: Store,
    initiative: Initiative,
    *,
    run_id: int | None = None,
    plan_id: int | None = None,
) -> Traction:
    """Measure ``initiative``'s traction over all the workspace's data, with the roles and
    communities of a run (the latest by default) and the forecast of a champion plan (the
    latest, when there is one), store the definition and the result, and return it as
    stored (:func:`groundswell.initiatives.read`)."""
    run_id = ws.latest_run_id() if run_id is None else int(run_id)
    if ws.query("SELECT count(*) AS n FROM runs WHERE run_id = ?", [run_id])["n"].iloc[0] == 0:
        raise ParameterError("--run", "the id of a stored run", run_id)
    people = _people(ws, run_id, initiative.by)
    messages = pd.DataFrame(columns=["message_id", "author_id", "ts", "root", "answerable"])
    acts = pd.DataFrame(columns=["actor_id", "target_id", "ts"])
    joined = None
    if initiative.channels or initiative.keywords or initiative.meetings:
        messages, acts = _message_acts(ws, initiative)
    if initiative.behaviour:
        joined, more = _adoption_acts(ws, initiative.behaviour)
        acts = pd.concat([acts, more], ignore_index=True) if len(acts) else more
    roles = ws.query(
        "SELECT person_id, name AS role FROM person_roles WHERE run_id = ? AND kind = 'role'",
        [run_id],
    )
    min_size = ws.settings.min_group_size
    try:
        m = measure(
            acts,
            messages,
            people,
            period=initiative.period,
            by=initiative.by,
            min_size=min_size,
            roles=roles,
            joined=joined,
        )
    except AnalysisError as exc:
        raise AnalysisError(
            f"initiative {initiative.name!r}: {exc} ({initiative.describe()})"
        ) from None
    forecast = _forecast(ws, plan_id, m.status)
    status = m.status.copy()
    if forecast is not None:
        status["forecast_share"] = status["group"].map(forecast["share_by_group"])
    summary = {
        "index": INDEX_TEXT.format(by=initiative.by),
        "definition_text": initiative.describe(),
        "status": json.loads(status.to_json(orient="records")),
        "forecast": forecast,
        "people": len(people),
        "totals": {
            "participants": int(m.periods["new_participants"].sum()),
            "acts": int(m.periods["acts"].sum()),
            "posts": int(m.periods["posts"].sum()),
            "periods": len(m.periods),
        },
        "reading": _reading(initiative, m, forecast, len(people)),
    }
    save(ws, initiative)
    name = initiative.name
    with ws.transaction() as con:
        for table in ("initiative_periods", "initiative_groups", "initiative_roles"):
            con.execute(f"DELETE FROM {table} WHERE name = ?", [name])
        for table, frame in (
            ("initiative_periods", m.periods),
            ("initiative_groups", m.groups),
            ("initiative_roles", m.roles),
        ):
            if len(frame):
                rows = frame.assign(name=name)
                con.register("_gs_rows", rows)
                cols = ", ".join(f'"{c}"' for c in ["name", *frame.columns])
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _gs_rows")
                con.unregister("_gs_rows")
        con.execute(
            "UPDATE initiatives SET computed_at = ?, run_id = ?, plan_id = ?, summary = ? "
            "WHERE name = ?",
            [
                pd.Timestamp.now(tz="UTC"),
                run_id,
                None if forecast is None else forecast["plan_id"],
                json.dumps(summary),
                name,
            ],
        )
    return read(ws, name)
