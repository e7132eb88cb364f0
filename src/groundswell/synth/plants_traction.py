"""Traction plant: an initiative that spreads through two departments and stalls at a third.

:func:`plant` adds to a synthetic organisation (:func:`groundswell.synth.generate`) the
public channels ``newtool-launch`` and ``newtool-help`` of an initiative, "new tool rollout",
and records in ``truth["traction"]`` who took part where:

* **department A** (the largest eligible) launches it in the first week with three people;
  two more of A join every week, to about 40% of A's ordinary staff;
* **department B** joins in the third week with two people, and grows by two a week;
* **department C** joins in the third week too, with four people who ask questions in
  ``newtool-help`` that people of A answer, for three weeks; one of them posts once more in
  the sixth week, then nobody of C takes part again: it **stalls**;
* every other department never takes part.

Each week every active participant posts (a third of the posts are questions, in
``newtool-help``); nine posts in ten get one or two replies from other active participants
of the two spreading departments (the stalled department's questions are answered by people
of A) and a reaction; in seven threads in ten the author reacts to the first reply, so that pair
interacts both ways.

People taking part are ordinary staff as :mod:`groundswell.synth.value_plants` chooses them
(never the planted hidden influencers, brokers, the bottleneck manager's team, the siloed
department or the CEO), and A, B, C are never two departments that only a broker connects,
so the structure :mod:`groundswell.synth` plants stays true. Everything is drawn from
``seed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from groundswell.synth.org import EVENT_COLUMNS, SynthOrg
from groundswell.synth.value_plants import _TEXT, _eligible, _mins

__all__ = ["CHANNELS", "INITIATIVE", "plant"]

#: the initiative's name and its channels (the demo defines it by the pattern newtool-*)
INITIATIVE = "new tool rollout"
CHANNELS = ("newtool-launch", "newtool-help")
#: weeks: B and C join in this week (0-based); C's last active week; its one late post
JOIN_WEEK, C_LAST_WEEK, C_LATE_WEEK = 2, 4, 5


class _Rows:
    """Events being added, with ids ``t1``, ``t2``, ... ."""

    def __init__(self) -> None:
        self.frames: list[pd.DataFrame] = []
        self.count = 0

    def add(self, **cols: object) -> np.ndarray:
        n = len(next(v for v in cols.values() if isinstance(v, list)))
        ids = np.array([f"t{self.count + k + 1:07d}" for k in range(n)], dtype=object)
        self.count += n
        df = pd.DataFrame({"event_id": ids})
        for c in EVENT_COLUMNS[1:]:
            v = cols.get(c, "" if c not in ("is_bot", "is_question") else False)
            df[c] = list(v) if isinstance(v, list | np.ndarray) else [v] * n
        if "thread" not in cols:
            df["thread"] = ids
        self.frames.append(df)
        return ids


def _active(weeks: int, a: list[str], b: list[str], c: list[str]) -> list[list[str]]:
    """Who takes part in each week (see the module docstring)."""
    out = []
    for w in range(weeks):
        now = a[: 3 + 2 * w]
        if w >= JOIN_WEEK:
            now = now + b[: 2 + 2 * (w - JOIN_WEEK)]
        if JOIN_WEEK <= w <= C_LAST_WEEK:
            now = now + c[:4]
        elif w == C_LATE_WEEK:
            now = now + c[:1]
        out.append(now)
    return out


def plant(org: SynthOrg, *, seed: int = 0) -> SynthOrg:
    """Return a copy of ``org`` with the initiative added (see the module docstring).

    Parameters
    ----------
    org : SynthOrg
        From :func:`groundswell.synth.generate`, at least 8 weeks and 150 people.
    seed : int
        Seed of the random draws.

    Returns
    -------
    SynthOrg
        Same people; events with the initiative's, sorted by time; ``truth["traction"]``
        holds the initiative, its channels, the departments (spreading A and B, stalled C)
        and who of each took part (employee ids).
    """
    truth = dict(org.truth)
    if int(truth["weeks"]) < 8 or int(truth["n_people"]) < 150:
        raise ValueError("the traction plant needs at least 8 weeks and 150 people")
    rng = np.random.default_rng(seed + 19)
    p = org.people
    email = dict(zip(p["employee_id"], p["email"], strict=True))
    t0 = pd.Timestamp(truth["period_start"])
    weeks = int(truth["weeks"])
    staff, depts = _eligible(p, truth, t0)
    if len(depts) < 3:
        raise ValueError("the traction plant needs three departments of ordinary staff")
    dept_a, dept_b, dept_c = depts[:3]

    def people_of(dept: str, share: float) -> list[str]:
        ids = sorted(staff.index[staff["department"] == dept])
        k = max(4, int(share * len(ids)))
        return [str(x) for x in rng.permutation(ids)[:k]]

    a, b, c = people_of(dept_a, 0.4), people_of(dept_b, 0.4), people_of(dept_c, 0.2)
    dept = {**dict.fromkeys(a, dept_a), **dict.fromkeys(b, dept_b), **dict.fromkeys(c, dept_c)}
    rows = _Rows()
    took: dict[str, set[str]] = {dept_a: set(), dept_b: set(), dept_c: set()}
    for w, now in enumerate(_active(weeks, a, b, c)):
        start = t0 + pd.Timedelta(weeks=w, hours=9)
        for x in now:
            took[dept[x]].add(x)
        _week(rows, rng, now, dept, email, start, a, stalled=dept_c)
    added = pd.concat(rows.frames, ignore_index=True)
    events = org.events
    added["timestamp"] = pd.to_datetime(added["timestamp"], utc=True).astype(
        events["timestamp"].dtype
    )
    added = added[added["timestamp"] < pd.Timestamp(truth["period_end"])]
    out = pd.concat([events.astype({col: object for col in _TEXT}), added], ignore_index=True)
    out = out.sort_values(["timestamp", "event_id"], kind="stable").reset_index(drop=True)
    out["is_bot"] = out["is_bot"].astype(bool)
    out["is_question"] = out["is_question"].astype(bool)
    truth["traction"] = {
        "initiative": INITIATIVE,
        "channels": list(CHANNELS),
        "spreading": [dept_a, dept_b],
        "stalled": dept_c,
        "not_reached": [d for d in sorted(set(p["department"])) if d not in took],
        "participants": {d: sorted(ids) for d, ids in took.items()},
        "description": f"{INITIATIVE!r} in channels {', '.join(CHANNELS)}: launched in "
        f"{dept_a} in week 1 and growing every week; {dept_b} joins in week {JOIN_WEEK + 1} "
        f"and grows; {dept_c} joins in week {JOIN_WEEK + 1} with four people, stops after "
        f"week {C_LAST_WEEK + 1} (one post in week {C_LATE_WEEK + 1}) and stalls.",
    }
    return SynthOrg(people=org.people, events=out[EVENT_COLUMNS], truth=truth)


def _week(
    rows: _Rows,
    rng: np.random.Generator,
    now: list[str],
    dept: dict[str, str],
    email: dict[str, str],
    start: pd.Timestamp,
    a: list[str],
    *,
    stalled: str,
) -> None:
    """One week: a post by every active participant, one or two replies to each from
    other participants (people of A answer the stalled department's questions), a
    reaction, and the author's reaction to the first reply of most threads."""
    n = len(now)
    ask = rng.random(n) < 1 / 3
    asks = [bool(q) or dept[x] == stalled for q, x in zip(ask, now, strict=True)]
    t = start + _mins(rng.uniform(0, 4 * 24 * 60, n))
    posts = rows.add(
        actor=[email[x] for x in now],
        timestamp=list(t),
        kind="post",
        channel=["newtool-help" if q else "newtool-launch" for q in asks],
        channel_kind="public",
        is_question=asks,
    )
    spreading = [x for x in now if dept[x] != stalled]
    helpers = [x for x in a if x in set(now)]
    for i, author in enumerate(now):
        pool = helpers if dept[author] == stalled else [x for x in spreading if x != author]
        pool = [x for x in pool if x != author] or [x for x in now if x != author]
        k = int(rng.choice([0, 1, 2], p=[0.1, 0.45, 0.45]))  # one post in ten unanswered
        if k == 0:
            continue
        who = [pool[int(j)] for j in rng.integers(0, len(pool), k)]
        chan = "newtool-help" if asks[i] else "newtool-launch"
        rt = t[i] + _mins(np.sort(rng.uniform(10, 300, k)))
        replies = rows.add(
            actor=[email[x] for x in who],
            timestamp=list(rt),
            kind="reply",
            channel=chan,
            channel_kind="public",
            thread=[posts[i]] * k,
            parent=[posts[i]] * k,
        )
        if rng.random() < 0.7:  # the author reacts to the first reply: a two-way exchange
            rows.add(
                actor=[email[author]],
                timestamp=[rt[0] + pd.Timedelta(minutes=30)],
                kind="reaction",
                channel=chan,
                channel_kind="public",
                thread=[posts[i]],
                parent=[replies[0]],
            )
        fan = pool[int(rng.integers(len(pool)))]
        rows.add(
            actor=[email[fan]],
            timestamp=[t[i] + pd.Timedelta(minutes=45)],
            kind="reaction",
            channel=chan,
            channel_kind="public",
            thread=[posts[i]],
            parent=[posts[i]],
        )
