"""Community plants: a community of each kind, by what it does, added to a synthetic
organisation (issue 19, point 2; docs/value.md, "Communities by what they do").

:func:`plant` takes the output of :func:`groundswell.synth.generate` and adds events to plant
six community channels (channel kind ``community``), recording them in
``truth["communities"]``:

* two of **interest** — ``running-club`` and ``ai-news``: people of four departments post
  news and links, react and chat; nobody asks for help. ``running-club`` gains newcomers in
  the last four weeks (a living community renews itself); ``ai-news`` keeps its members;
* two of **practice** — ``guild-python`` and ``guild-analytics``: half the threads are
  questions, each answered within hours by a member of another department (so of another
  team); ``guild-python`` gains newcomers in the last four weeks;
* two of **purpose** — ``proj-atlas``, a project channel (its name follows the ``proj-``
  convention that ``value.purpose_channels`` lists by default), where members post work in
  progress and reply to each other; and ``green-office``, whose members are the first to
  take up a new way of working ("green office checklist", in the adoption records
  :func:`adoptions` returns) that others across the organisation take up after them.

Members are ordinary staff from departments that no broker is the only bridge between
(:func:`groundswell.synth.value_plants._eligible`), spread over teams, so no channel sits in
one team or department and the structure :mod:`groundswell.synth` plants stays true.
Everything is drawn from ``seed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from groundswell.synth.org import EVENT_COLUMNS, SynthOrg
from groundswell.synth.value_plants import _TEXT, _eligible, _mins, _Rows

__all__ = ["KINDS", "adoptions", "plant"]

#: the planted channels by kind
KINDS = {
    "interest": ["running-club", "ai-news"],
    "practice": ["guild-python", "guild-analytics"],
    "purpose": ["proj-atlas", "green-office"],
}
#: the behaviour green-office produces (its adoption records)
BEHAVIOUR = "green office checklist"
#: members of each planted channel, and how many join in the last four weeks
SIZE, JOINERS = 12, 6


def plant(org: SynthOrg, *, seed: int = 0) -> SynthOrg:
    """Return a copy of ``org`` with the community plants added (see the module docstring).

    ``org`` needs at least 8 weeks and 150 people. ``truth["communities"]`` holds, per
    planted channel, its kind, members and newcomers (employee ids), and the adoption
    records of green-office's behaviour (employee id, behaviour, date).
    """
    truth = dict(org.truth)
    weeks = int(truth["weeks"])
    if weeks < 8 or int(truth["n_people"]) < 150:
        raise ValueError("community plants need at least 8 weeks and 150 people")
    rng = np.random.default_rng(seed)
    p = org.people
    email = dict(zip(p["employee_id"], p["email"], strict=True))
    t0 = pd.Timestamp(truth["period_start"])
    t1 = pd.Timestamp(truth["period_end"])
    staff, depts = _eligible(p, truth, t0)
    staff = staff[staff["department"].isin(depts[:6])]
    rows = _Rows()
    used: set[str] = set()
    planted: dict[str, dict[str, object]] = {}
    for k, (kind, names) in enumerate(KINDS.items()):
        for j, name in enumerate(names):
            offset = (2 * k + j) % max(len(depts[:6]) - 3, 1)
            pool = staff[
                staff["department"].isin(depts[offset : offset + 4]) & ~staff.index.isin(used)
            ]
            grows = j == 0 and kind != "purpose"
            members = _members(rng, pool, SIZE + (JOINERS if grows else 0))
            used |= set(members)
            core, late = members[:SIZE], members[SIZE:]
            for week in range(weeks):
                now = core + (late if week >= weeks - 4 else [])
                start = t0 + pd.Timedelta(weeks=week)
                _week(rows, rng, kind, name, now, staff["department"], email, start)
            planted[name] = {"kind": kind, "members": sorted(core), "newcomers": sorted(late)}
    added = pd.concat(rows.frames, ignore_index=True)
    added["timestamp"] = pd.to_datetime(added["timestamp"], utc=True).astype(
        org.events["timestamp"].dtype
    )
    added = added[added["timestamp"] < t1]
    out = pd.concat([org.events.astype({c: object for c in _TEXT}), added], ignore_index=True)
    out = out.sort_values(["timestamp", "event_id"], kind="stable").reset_index(drop=True)
    out["is_bot"] = out["is_bot"].astype(bool)
    out["is_question"] = out["is_question"].astype(bool)
    green = list(planted["green-office"]["members"])  # type: ignore[call-overload]
    others = staff.index[~staff.index.isin(used)]
    truth["communities"] = {
        "channels": planted,
        "adoptions": _adoptions(rng, green, list(others), t0, weeks),
        "descriptions": {
            "interest": "People of four departments post news, react and chat; no questions.",
            "practice": "Half the threads are questions, each answered within hours by a "
            "member of another department.",
            "purpose": "proj-atlas: a project channel by name (proj-*); green-office: its "
            "members first adopt a behaviour that others then take up.",
        },
    }
    return SynthOrg(people=org.people, events=out[EVENT_COLUMNS], truth=truth)


def adoptions(org: SynthOrg) -> pd.DataFrame:
    """The adoption records of green-office's behaviour (employee_id, behaviour, date), as
    ``groundswell ingest adoptions`` reads them; empty without the plants."""
    rows = org.truth.get("communities", {}).get("adoptions", [])
    return pd.DataFrame(rows, columns=["employee_id", "behaviour", "date"])


def _members(rng: np.random.Generator, pool: pd.DataFrame, k: int) -> list[str]:
    """``k`` people of ``pool`` taken round-robin over its departments, each department's
    from as many teams as possible."""
    order = pool.loc[sorted(pool.index)].iloc[rng.permutation(len(pool))]
    order = order.assign(_team_rank=order.groupby("team").cumcount())
    order = order.sort_values("_team_rank", kind="stable")
    order = order.assign(_rank=order.groupby("department").cumcount())
    return [str(x) for x in order.sort_values("_rank", kind="stable").index[:k]]


def _adoptions(
    rng: np.random.Generator, first: list[str], others: list[str], t0: pd.Timestamp, weeks: int
) -> list[list[str]]:
    """green-office's members adopt in weeks 1-3, then 30 people elsewhere in weeks 4 to
    the end (all before the last week, so every window that ends with the data sees them)."""
    later = [str(x) for x in rng.choice(sorted(others), size=min(30, len(others)), replace=False)]
    days_first = rng.integers(7, 21, len(first))
    days_later = rng.integers(28, 7 * (weeks - 1), len(later))
    out = []
    for who, d in [*zip(first, days_first, strict=True), *zip(later, days_later, strict=True)]:
        out.append([who, BEHAVIOUR, f"{t0 + pd.Timedelta(days=int(d)):%Y-%m-%d}"])
    return sorted(out, key=lambda r: (r[2], r[0]))


def _week(
    rows: _Rows,
    rng: np.random.Generator,
    kind: str,
    channel: str,
    members: list[str],
    dept: pd.Series,
    email: dict[str, str],
    start: pd.Timestamp,
) -> None:
    """One week of a planted channel: two threads per member on average."""
    n = 2 * len(members)
    authors = rng.choice(members, size=n)
    t = start + pd.Timedelta(hours=8) + _mins(rng.uniform(0, 5 * 24 * 60, n))
    question = np.zeros(n, bool) if kind != "practice" else rng.random(n) < 0.5
    ids = rows.add(
        actor=[email[a] for a in authors],
        timestamp=list(t),
        kind="post",
        channel=channel,
        channel_kind="community",
        is_question=question,
    )
    # replies: a practice question is answered by someone of another department; other
    # threads draw a reply from anyone else half the time, and a reaction or two
    answer = []
    for a, q in zip(authors, question, strict=True):
        pool = [m for m in members if m != a and (not q or dept[m] != dept[a])]
        answer.append(pool[int(rng.integers(len(pool)))] if pool else a)
    replied = question | (rng.random(n) < (0.6 if kind == "purpose" else 0.4))
    replied &= np.array([x != a for x, a in zip(answer, authors, strict=True)])
    rows.add(
        actor=[email[x] for x, r in zip(answer, replied, strict=True) if r],
        timestamp=list((t + _mins(rng.uniform(15, 240, n)))[replied]),
        kind="reply",
        channel=channel,
        channel_kind="community",
        thread=ids[replied],
        parent=ids[replied],
    )
    for _ in range(2):
        who = rng.choice(members, size=n)
        keep = who != authors
        rows.add(
            actor=[email[x] for x in who[keep]],
            timestamp=list((t + _mins(rng.uniform(5, 600, n)))[keep]),
            kind="reaction",
            channel=channel,
            channel_kind="community",
            thread=ids[keep],
            parent=ids[keep],
        )
