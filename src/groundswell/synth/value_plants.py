"""Value plants: what :mod:`groundswell.value` must find, added to a synthetic organisation.

:func:`plant` takes the output of :func:`groundswell.synth.generate` and adds (or removes)
events to plant four things, recording them in ``truth["value"]``:

* a **maturing community** — a community channel that opens eight weeks before the end of
  the data with six members, and grows by five newcomers from other departments in each of
  the last two fortnights; its members ask questions that members of *other* departments
  answer within hours;
* a **stagnating community** — a community channel of eight fixed members from two
  departments who post, reply, react and message only each other, week after week, with
  nobody new arriving;
* a **responsive leader** — a department head who holds a weekly one-hour Q&A in the
  public channel ``ask-leadership``, answering every question within minutes, and who
  answers the messages people send them within the hour;
* an **absent leader** — another department head whose open-channel posts are removed,
  who answers nine in ten messages sent to them less, and who leaves the questions people
  ask them in their public ``ask-`` channel unanswered.

People taking part are ordinary staff: never the planted hidden influencers, brokers, the
bottleneck manager's team, the siloed department or the CEO, and never two departments that
only a broker connects — so the structure :mod:`groundswell.synth` plants stays true.
Everything is drawn from ``seed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from groundswell.synth.org import EVENT_COLUMNS, SynthOrg

__all__ = ["plant"]


def _mins(x: np.ndarray) -> pd.TimedeltaIndex:
    return pd.to_timedelta(np.asarray(x, dtype=float), unit="min")


class _Rows:
    """Events being added, with ids ``v1``, ``v2``, ... ."""

    def __init__(self) -> None:
        self.frames: list[pd.DataFrame] = []
        self.count = 0

    def add(self, **cols: object) -> np.ndarray:
        n = len(next(iter(v for v in cols.values() if isinstance(v, np.ndarray | list))))
        ids = np.array([f"v{self.count + k + 1:07d}" for k in range(n)], dtype=object)
        self.count += n
        df = pd.DataFrame({"event_id": ids})
        for c in EVENT_COLUMNS[1:]:
            v = cols.get(c, "" if c not in ("is_bot", "is_question") else False)
            df[c] = np.broadcast_to(np.asarray(v, dtype=object), n)
        if "thread" not in cols:  # a top-level message is its own thread
            df["thread"] = ids
        self.frames.append(df)
        return ids


def plant(org: SynthOrg, *, seed: int = 0) -> SynthOrg:
    """Return a copy of ``org`` with the value plants added (see the module docstring).

    Parameters
    ----------
    org : SynthOrg
        From :func:`groundswell.synth.generate`, at least 8 weeks and 150 people.
    seed : int
        Seed of the random draws.

    Returns
    -------
    SynthOrg
        Same people; events with the plants, sorted by time; ``truth["value"]`` holds the
        channels, members (employee ids) and leaders planted.
    """
    truth = dict(org.truth)
    if int(truth["weeks"]) < 8 or int(truth["n_people"]) < 150:
        raise ValueError("value plants need at least 8 weeks and 150 people")
    rng = np.random.default_rng(seed)
    p = org.people.copy()
    email = dict(zip(p["employee_id"], p["email"], strict=True))
    t0 = pd.Timestamp(truth["period_start"])
    t1 = pd.Timestamp(truth["period_end"])
    weeks = int(truth["weeks"])
    staff, depts = _eligible(p, truth, t0)
    rows = _Rows()

    # -- the maturing community: opens 8 weeks before the end, grows in the last 4
    chosen = depts[:4]
    pool = staff[staff["department"].isin(chosen)]
    founders = _pick(rng, pool[pool["department"] == chosen[0]], 6)
    later = [_pick(rng, pool[(pool["department"] != chosen[0]) & ~pool.index.isin(founders)], 10)][
        0
    ]
    wave = {0: founders, 1: later[:5], 2: later[5:]}
    begin = t1 - pd.Timedelta(weeks=8)
    members = list(founders)
    for week in range(8):
        if week == 4:
            members += list(wave[1])
        if week == 6:
            members += list(wave[2])
        start = begin + pd.Timedelta(weeks=week)
        _maturing_week(rows, rng, members, p, email, start, founder=founders[0], first=week == 0)

    # -- the stagnating community: the same eight people, all along
    a, b = depts[4 % len(depts)], depts[5 % len(depts)]
    closed = list(_spread(rng, staff[staff["department"] == a], 4)) + list(
        _spread(rng, staff[staff["department"] == b], 4)
    )
    for week in range(weeks):
        _stagnant_week(rows, rng, closed, email, t0 + pd.Timedelta(weeks=week))

    # -- leaders
    heads = p[(p["level"] == 2) & p["department"].isin(depts)].sort_values("employee_id")
    responsive = str(heads.iloc[0]["employee_id"])
    absent = str(heads.iloc[1]["employee_id"])
    rdept = heads.iloc[0]["department"]
    askers = staff[staff["department"].isin([*[d for d in depts if d != rdept][:3], rdept])]
    for week in range(weeks):
        day = t0 + pd.Timedelta(weeks=week, days=2, hours=15)  # Wednesdays, 15:00 UTC
        who = _pick(rng, askers, 6)
        q_t = day + _mins(np.sort(rng.uniform(0, 50, 6)))
        ids = rows.add(
            actor=[email[x] for x in who],
            timestamp=list(q_t),
            kind="post",
            channel="ask-leadership",
            channel_kind="public",
            is_question=True,
        )
        rows.add(
            actor=email[responsive],
            timestamp=list(q_t + _mins(rng.uniform(2, 12, 6))),
            kind="reply",
            channel="ask-leadership",
            channel_kind="public",
            thread=ids,
            parent=ids,
        )
    events = _respond(org.events, email[responsive], rng)
    adept = heads.iloc[1]["department"]
    prefix = str(adept).lower().replace(" ", "-")
    others = staff[staff["department"] == adept]
    for week in range(weeks):
        who = _pick(rng, others, 4)
        rows.add(
            actor=[email[x] for x in who],
            targets=email[absent],
            timestamp=list(
                t0 + pd.Timedelta(weeks=week, days=1, hours=10) + _mins(rng.uniform(0, 300, 4))
            ),
            kind="mention",
            channel=f"ask-{prefix}",
            channel_kind="public",
            is_question=True,
        )
    events = _silence(events, email[absent], rng)

    added = pd.concat(rows.frames, ignore_index=True)
    added["timestamp"] = pd.to_datetime(added["timestamp"], utc=True).astype(
        events["timestamp"].dtype
    )
    added = added[added["timestamp"] < t1]
    out = pd.concat([events.astype({c: object for c in _TEXT}), added], ignore_index=True)
    out = out.sort_values(["timestamp", "event_id"], kind="stable").reset_index(drop=True)
    out["is_bot"] = out["is_bot"].astype(bool)
    out["is_question"] = out["is_question"].astype(bool)
    truth["value"] = {
        "maturing_community": {
            "channel": "cop-maturing",
            "opened": begin.isoformat(),
            "founders": sorted(map(str, founders)),
            "newcomers": sorted(map(str, later)),
        },
        "stagnating_community": {"channel": "club-legacy", "members": sorted(map(str, closed))},
        "responsive_leader": {"employee_id": responsive, "channel": "ask-leadership"},
        "absent_leader": {"employee_id": absent, "channel": f"ask-{prefix}"},
        "ordinary_leaders": sorted(map(str, heads["employee_id"].iloc[2:5])),
        "descriptions": {
            "maturing_community": "A community channel that opens 8 weeks before the end with "
            "6 members of one department and gains 5 members of other departments in each of "
            "the last two fortnights; questions answered by other departments within hours.",
            "stagnating_community": "8 fixed members of two departments who post, reply, react "
            "and message only each other every week; nobody new arrives.",
            "responsive_leader": "A department head answering every question of a weekly "
            "one-hour Q&A in a public channel within minutes, and messages within the hour.",
            "absent_leader": "A department head with nothing in open channels, who answers "
            "few messages and leaves the questions asked of them unanswered.",
        },
    }
    return SynthOrg(people=org.people, events=out[EVENT_COLUMNS], truth=truth)


_TEXT = ("actor", "kind", "channel", "channel_kind", "targets", "thread", "parent")


def _eligible(p: pd.DataFrame, truth: dict, t0: pd.Timestamp) -> tuple[pd.DataFrame, list[str]]:
    """Ordinary staff (employed all along, not planted elsewhere, below the heads), indexed
    by employee id, and departments that no broker is the only bridge between."""
    planted = {truth["ceo"], truth["bottleneck_manager"]["employee_id"]}
    planted |= set(truth["bottleneck_manager"]["team_members"])
    planted |= {h["employee_id"] for h in truth["hidden_influencers"]}
    planted |= {b["employee_id"] for b in truth["brokers"]}
    hired = pd.to_datetime(p["hire_date"].replace("", None), utc=True)
    stays = p["leave_date"] == ""
    ok = (
        ~p["employee_id"].isin(planted)
        & (p["department"] != truth["siloed_department"])
        & (p["level"] >= 3)
        & stays
        & (hired.isna() | (hired <= t0))
    )
    staff = p[ok].set_index("employee_id")
    pairs = [set(b["bridges"]) for b in truth["brokers"]]
    depts: list[str] = []
    sizes = staff["department"].value_counts()
    for d in sizes.index:  # the biggest first; never both sides of a brokered pair
        if sizes[d] >= 8 and all({d, e} not in pairs for e in depts):
            depts.append(str(d))
    return staff, depts


def _pick(rng: np.random.Generator, pool: pd.DataFrame, k: int) -> np.ndarray:
    ids = np.asarray(sorted(pool.index))
    return rng.choice(ids, size=min(k, len(ids)), replace=False)


def _spread(rng: np.random.Generator, pool: pd.DataFrame, k: int) -> np.ndarray:
    """``k`` people of ``pool``, from as many different teams as possible."""
    order = pool.loc[sorted(pool.index)].iloc[rng.permutation(len(pool))]
    first = order[~order["team"].duplicated()]
    rest = order[order["team"].duplicated()]
    return np.concatenate([first.index.to_numpy(), rest.index.to_numpy()])[:k]


def _maturing_week(rows, rng, members, p, email, start, *, founder, first) -> None:
    dept = p.set_index("employee_id")["department"]
    if first:  # the founder opens the channel
        rows.add(actor=email[founder], timestamp=[start + pd.Timedelta(hours=9)], kind="post",
                 channel="cop-maturing", channel_kind="community")  # fmt: skip
    askers = rng.choice(members, size=2 * len(members))
    q_t = start + pd.Timedelta(days=1) + _mins(rng.uniform(0, 4 * 24 * 60, len(askers)))
    ids = rows.add(
        actor=[email[a] for a in askers],
        timestamp=list(q_t),
        kind="post",
        channel="cop-maturing",
        channel_kind="community",
        is_question=True,
    )
    answerer = []
    for a in askers:  # someone of another department answers (a handful of draws)
        others = [m for m in members if dept[m] != dept[a]] or [m for m in members if m != a]
        answerer.append(others[int(rng.integers(len(others)))])
    rows.add(
        actor=[email[x] for x in answerer],
        timestamp=list(q_t + _mins(rng.uniform(20, 240, len(askers)))),
        kind="reply",
        channel="cop-maturing",
        channel_kind="community",
        thread=ids,
        parent=ids,
    )
    reactor = [members[int(rng.integers(len(members)))] for _ in askers]
    keep = np.array([r != a for r, a in zip(reactor, askers, strict=True)])
    rows.add(
        actor=[email[x] for x, k in zip(reactor, keep, strict=True) if k],
        timestamp=list((q_t + _mins(rng.uniform(5, 300, len(askers))))[keep]),
        kind="reaction",
        channel="cop-maturing",
        channel_kind="community",
        thread=ids[keep],
        parent=ids[keep],
    )


def _stagnant_week(rows, rng, closed, email, start) -> None:
    n = len(closed)
    authors = np.repeat(np.arange(n), 6)
    t = start + pd.Timedelta(hours=8) + _mins(rng.uniform(0, 5 * 24 * 60, len(authors)))
    ids = rows.add(
        actor=[email[closed[a]] for a in authors],
        timestamp=list(t),
        kind="post",
        channel="club-legacy",
        channel_kind="community",
        is_question=rng.random(len(authors)) < 0.3,
    )
    for kind, k in (("reply", 3), ("reaction", 2)):
        root = np.repeat(np.arange(len(authors)), k)
        who = (authors[root] + rng.integers(1, n, len(root))) % n  # anyone but the author
        rows.add(
            actor=[email[closed[w]] for w in who],
            timestamp=list(t[root] + _mins(rng.uniform(5, 180, len(root)))),
            kind=kind,
            channel="club-legacy",
            channel_kind="community",
            thread=ids[root],
            parent=ids[root],
        )
    src = np.repeat(np.arange(n), 10)
    dst = (src + rng.integers(1, n, len(src))) % n
    rows.add(
        actor=[email[closed[s]] for s in src],
        targets=[email[closed[d]] for d in dst],
        timestamp=list(
            start + pd.Timedelta(hours=8) + _mins(rng.uniform(0, 5 * 24 * 60, len(src)))
        ),
        kind="dm",
        channel="dm",
        channel_kind="dm",
    )


def _respond(events: pd.DataFrame, leader: str, rng: np.random.Generator) -> pd.DataFrame:
    """The responsive leader answers every message, mention and email sent to them with a
    direct message within the hour."""
    to_them = events["targets"].astype(str).str.contains(leader, regex=False) & events[
        "kind"
    ].astype(str).isin(["dm", "mention", "email", "reply"])
    src = events[to_them & ~events["is_bot"].astype(bool)]
    n = len(src)
    back = pd.DataFrame(
        {
            "event_id": [f"r{k + 1:07d}" for k in range(n)],
            "actor": leader,
            "targets": src["actor"].astype(str).to_numpy(),
            "timestamp": (
                src["timestamp"] + pd.to_timedelta(rng.uniform(5, 55, n), "min")
            ).to_numpy(),
            "kind": "dm",
            "channel": "dm",
            "channel_kind": "dm",
            "thread": "",
            "parent": "",
            "is_bot": False,
            "is_question": False,
        }
    )
    back["timestamp"] = pd.to_datetime(back["timestamp"], utc=True).astype(
        events["timestamp"].dtype
    )
    back = back[back["targets"] != leader]
    return pd.concat([events.astype({c: object for c in _TEXT}), back], ignore_index=True)


def _silence(events: pd.DataFrame, leader: str, rng: np.random.Generator) -> pd.DataFrame:
    """The absent leader: their open-channel threads go (with the replies in them), and nine
    in ten of their other acts."""
    actor = events["actor"].astype(str) == leader
    opened = events["channel_kind"].astype(str).isin(["public", "community"])
    roots = set(events.loc[actor & opened, "event_id"].astype(str))
    in_thread = events["thread"].astype(str).isin(roots) | events["event_id"].astype(str).isin(
        roots
    )
    leaf = ~events["event_id"].astype(str).isin(set(events["parent"].astype(str)))
    quiet = actor & leaf & (rng.random(len(events)) < 0.9)
    return events[~(in_thread | quiet)].reset_index(drop=True)
