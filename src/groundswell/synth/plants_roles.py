"""Role plants: a distinct person for each role of :mod:`groundswell.analysis.roles`, added
to a synthetic organisation so the tests can measure each role list's recall and precision.

:func:`plant` takes the output of :func:`groundswell.synth.generate` and adds events that
give a few ordinary staff (individual contributors, employed all along, with a typical
number of contacts and a typical activity, outside every other planted structure) one
behaviour each, and nothing else:

* **hubs** — sheer size: ties with many colleagues of their own department, who also talk
  among themselves (a dense neighbourhood, so no structural hole), at an ordinary pace;
* **brokers** — one contact in each of many other teams of their own department, people who
  do not otherwise deal with each other, the broker or the broker's partners (a structural
  hole between every two), as strong as ordinary ties, their home network thinned;
* **boundary spanners** — a colleague group (one team) in the department their own
  department deals with most, as many ties there as at home;
* **influencers** — few ties, but sought out again and again by the most sought-out people
  of their department (its head and managers);
* **activists** — start many conversations (posts) in their team's channel, answered by
  the colleagues they already know;
* **advocates** — answer and amplify the colleagues they already know (mentions), often;
* **mavericks** — most of their ties in a department their own department hardly deals
  with.

Events run weekly over the whole period, so every tie holds in any window. No event crosses
a pair of departments that only a planted broker connects, touches the siloed department,
the bottleneck manager's team, the CEO or another planted person. ``truth["roles"]``
records the people (employee ids) by role. Everything is drawn from ``seed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from groundswell.synth.org import EVENT_COLUMNS, SynthOrg

__all__ = ["PLANTED_ROLES", "plant"]

#: the roles planted, in the order people are picked
PLANTED_ROLES = (
    "hub", "broker", "boundary_spanner", "influencer", "activist", "advocate", "maverick",
)  # fmt: skip


class _Rows:
    """Events being added, column by column, with ids ``ro1``, ``ro2``, ... ."""

    def __init__(self) -> None:
        self.cols: dict[str, list[np.ndarray]] = {c: [] for c in EVENT_COLUMNS}
        self.count = 0

    def add(self, n: int, **cols: object) -> np.ndarray:
        ids = np.char.add("ro", np.char.zfill((self.count + 1 + np.arange(n)).astype(str), 7))
        self.count += n
        self.cols["event_id"].append(ids.astype(object))
        for c in EVENT_COLUMNS[1:]:
            v = cols.get(c, False if c in ("is_bot", "is_question") else "")
            arr = np.asarray(v) if isinstance(v, list | np.ndarray) else np.full(n, v, object)
            self.cols[c].append(arr.astype(np.int64) if c == "timestamp" else arr.astype(object))
        return ids.astype(object)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {c: np.concatenate(v) if v else np.array([], object) for c, v in self.cols.items()},
            columns=EVENT_COLUMNS,
        )


def plant(org: SynthOrg, *, seed: int = 0, per_role: int | None = None) -> SynthOrg:
    """Return a copy of ``org`` with the role plants added (see the module docstring).

    Parameters
    ----------
    org : SynthOrg
        From :func:`groundswell.synth.generate`.
    seed : int
        Seed of the random draws.
    per_role : int, optional
        People planted per role (5 by default). An organisation too small to hold them gets
        fewer (``truth["roles"]`` lists who was planted).
    """
    truth = dict(org.truth)
    n = int(truth["n_people"])
    k = per_role if per_role is not None else 5
    rng = np.random.default_rng([seed, 19])
    p = org.people.set_index("employee_id")
    email = dict(zip(p.index.astype(str), p["email"].astype(str), strict=True))
    t0, t1 = pd.Timestamp(truth["period_start"]), pd.Timestamp(truth["period_end"])
    weeks = int(truth["weeks"])
    staff = _ordinary(p, truth, t0)
    blocked = [set(b["bridges"]) for b in truth["brokers"]]
    depts = [d for d in staff["department"].value_counts().index if d != "Executive"]
    partner = _partners(org.events, p, truth)
    rows = _Rows()
    used: set[str] = set()
    touched: set[str] = set()  # everyone a plant gave a tie: never planted again
    thin: list[str] = []  # people whose own direct messages mostly go (brokers, mavericks)
    who: dict[str, list[str]] = {r: [] for r in PLANTED_ROLES}
    minute = 60_000_000_000  # timestamps as nanoseconds until the end
    week_starts = [int(t0.value) + w * 7 * 24 * 60 * minute for w in range(weeks)]

    def times(m: int, week: int) -> np.ndarray:
        mins = np.sort(rng.uniform(8 * 60, 5 * 24 * 60 - 60, m))
        return week + (mins * 60).astype(np.int64) * 1_000_000_000  # whole seconds

    def dm(a: str, b: str, per_week: int, *, mark: bool = True, every: int = 1) -> None:
        if mark:
            touched.update((a, b))
        starts = np.repeat(np.asarray(week_starts[::every], dtype=np.int64), per_week)
        t = (
            starts
            + (rng.uniform(8 * 60, 5 * 24 * 60 - 60, len(starts)) * 60).astype(np.int64)
            * 1_000_000_000
        )  # whole seconds, weekdays
        rows.add(len(t), actor=email[a], targets=email[b], timestamp=t,
                 kind="dm", channel="dm", channel_kind="dm")  # fmt: skip

    def pick(pool: pd.DataFrame) -> str | None:
        free = pool[~pool.index.isin(used | touched)]
        if free.empty:
            return None
        person = str(rng.choice(np.asarray(sorted(free.index))))
        used.add(person)
        return person

    contacts = _contacts(org.events, p)
    tied: dict[str, set[str]] = {}  # each person's partners, both directions
    for a, bs in contacts.items():
        for b in bs:
            tied.setdefault(a, set()).add(b)
            tied.setdefault(b, set()).add(a)

    def known_to(x: str) -> set[str]:
        return tied.get(x, set())

    received = _received(org.events, p)
    sizes = pd.Series({k: len(v) for k, v in contacts.items()}).reindex(staff.index).fillna(0)
    lo, hi = sizes.quantile(0.25), sizes.quantile(0.75)
    ics = staff[~staff.index.isin(set(p["manager_id"]))]
    mates_n = ics.groupby("team")["team"].transform("size").reindex(staff.index).fillna(0)
    # planted people start ordinary, in a team of at least five individual contributors
    # ... and as active as most: neither how many conversations they start nor how much
    # they send to others is in the top or bottom quarter (nothing but the plant stands out)
    acts = _acts(org.events, p).reindex(staff.index).fillna(0)
    middle = [acts[c].between(acts[c].quantile(0.25), acts[c].quantile(0.75)) for c in acts]
    typical = staff[(sizes >= lo) & (sizes <= hi) & (mates_n >= 6) & middle[0] & middle[1]]
    stars: set[str] = set()  # people whose in-degree a plant raised (hubs, the sought-out)
    teams_in = staff.groupby("department")["team"].nunique()
    sought_out = {h["employee_id"]: h["department"] for h in truth["hidden_influencers"]}
    star_depts = list(dict.fromkeys(sought_out.values()))
    for i in range(k):  # one of each role per round, spread over the departments
        for j, role in enumerate(PLANTED_ROLES):
            start = (i * len(PLANTED_ROLES) + j) % max(len(depts), 1)
            person, target, dept = None, None, ""
            candidates = depts[start:] + depts[:start]
            if role == "hub":  # where there are many colleagues to know
                candidates = sorted(
                    candidates, key=lambda d: -int((staff["department"] == d).sum())
                )
            if role == "influencer":  # where the most sought-out people work
                hub_depts = [str(p.loc[h, "department"]) for h in who["hub"]]
                candidates = [d for d in candidates if d in star_depts] + [
                    d for d in candidates if d in hub_depts
                ]  # only there
            if role == "broker":  # where there are many teams to link
                candidates = sorted(candidates, key=lambda d: -teams_in[d])
            for dept in candidates:  # the first department that can
                if role in ("boundary_spanner", "maverick"):
                    near = role == "boundary_spanner"
                    target = _far_dept(partner, dept, depts, blocked, near=near)
                    if target is None:
                        continue
                if role == "broker":  # at least 10 other teams with someone to know
                    free = staff[(staff["department"] == dept) & ~staff.index.isin(touched)]
                    if free["team"].nunique() < 11:
                        continue
                person = pick(typical[typical["department"] == dept])
                if person is not None:
                    break
            if person is None:
                continue
            who[role].append(person)
            colleagues = staff[(staff["department"] == dept) & ~staff.index.isin(used | stars)]
            known = [c for c in contacts.get(person, []) if c in colleagues.index]
            team = colleagues.index[colleagues["team"] == p.loc[person, "team"]]
            mates = list(dict.fromkeys([*sorted(team), *known]))
            if len(mates) < 10:  # a team of managers or newcomers: colleagues will do
                pool = sorted(set(colleagues.index) - {person, *mates})
                mates += list(rng.choice(np.asarray(pool), min(10 - len(mates), len(pool)), False))
            if role == "hub":  # many ties in a dense neighbourhood, at an ordinary pace
                near = colleagues[colleagues.index != person]
                m = min(len(near), max(36, n // 12))
                near = near.assign(
                    t=near["team"] != p.loc[person, "team"],
                    cc=near["cost_centre"] != p.loc[person, "cost_centre"],
                    r=rng.random(len(near)),
                )  # the nearest in the chart first: they already know each other
                ring = list(near.sort_values(["t", "cc", "r"]).index[:m].astype(str))
                for c in ring:  # they come to the hub; the hub answers every other week
                    dm(person, c, 1, every=2)
                    dm(c, person, 1)
                for step in range(1, 7):  # and each knows the next six around the ring
                    for a, b in zip(ring, ring[step:] + ring[:step], strict=True):
                        dm(a, b, 1)
                stars.add(person)
            elif role == "broker":  # one contact in each of many other teams, often
                others = colleagues[
                    (colleagues["team"] != p.loc[person, "team"]) & ~colleagues.index.isin(touched)
                ]
                # round-robin over cost centres (divisions): teams far apart in the chart
                others = others.loc[sorted(others.index)]
                others = others.assign(r=others.groupby("cost_centre").cumcount())
                order = others.sort_values(["r", "cost_centre"], kind="stable")
                mine = set(known_to(person))
                chosen: list[str] = []
                teams: set[str] = set()
                for c in map(str, order.index):  # a hole: no one already tied to another
                    if p.loc[c, "team"] in teams or c in mine or mine & set(known_to(c)):
                        continue
                    if any(c in known_to(x) for x in chosen):
                        continue
                    chosen.append(c)
                    teams.add(p.loc[c, "team"])
                    if len(chosen) == 14:
                        break
                for c in chosen:  # a tie as strong as an ordinary colleague's, both ways
                    dm(person, c, 2)
                    dm(c, person, 2)
                thin.append(person)
            elif role == "boundary_spanner":  # a partner team, who also know the home team
                assert target is not None
                there = staff[(staff["department"] == target) & ~staff.index.isin(used)]
                big = there["team"].value_counts().index[0]
                group = sorted(there.index[there["team"] == big])[:6]
                home = mates[:6]
                for c in group:
                    dm(person, c, 2)
                    dm(c, person, 2)
                    for h in rng.choice(np.asarray(home), min(4, len(home)), replace=False):
                        dm(c, str(h), 1)
                        dm(str(h), c, 1)
            elif role == "maverick":  # most ties in one team of a far department
                assert target is not None
                there = staff[(staff["department"] == target) & ~staff.index.isin(used)]
                big = there["team"].value_counts().index[0]
                group = sorted(there.index[there["team"] == big])[:10]
                for c in group:  # they come to the maverick
                    dm(person, c, 1)
                    dm(c, person, 8)
                thin.append(person)
            elif role == "influencer":  # sought out by the department's sought-out
                sought = received.reindex(colleagues.index).dropna()
                sought = sought.drop([person, *used], errors="ignore")
                hubs = [h for h, d in sought_out.items() if d == dept]
                hubs += [h for h in who["hub"] if p.loc[h, "department"] == dept]
                hubs += sorted(h for h in stars if p.loc[h, "department"] == dept)
                top = sought.sort_values(ascending=False, kind="stable").index
                seekers = list(dict.fromkeys([*hubs, *top]))[:4]
                fans = [c for c in colleagues.index if c not in {person, *seekers, *used}]
                for b in seekers:  # each sought out by twenty more colleagues ...
                    for c in rng.choice(np.asarray(sorted(fans)), min(20, len(fans)), False):
                        dm(str(c), str(b), 1, mark=False)
                    for other in seekers:  # ... who know each other well ...
                        if other != b:
                            dm(str(b), str(other), 3, mark=False)
                    dm(str(b), person, 6 if b in hubs else 3, mark=b not in sought_out)
                    dm(person, str(b), 1, mark=b not in sought_out)  # ... and turn to them
                stars.update(seekers)
                # the seekers' teammates now have a star among them: never planted later
                touched.update(map(str, p.index[p["team"].isin(p.loc[seekers, "team"])]))
            elif role == "activist":  # starts conversations, answered by colleagues
                answerers = np.asarray(mates[:8])
                channel = f"ideas-{str(p.loc[person, 'team']).lower().replace(' ', '-')}"
                for week in week_starts:
                    t = times(12, week)
                    ids = rows.add(12, actor=email[person], timestamp=t, kind="post",
                                   channel=channel, channel_kind="public")  # fmt: skip
                    if len(answerers):
                        answer = rng.choice(answerers, 12)
                        rows.add(12, actor=[email[a] for a in answer],
                                 timestamp=t + 30 * minute,
                                 kind="reply", channel=channel, channel_kind="public",
                                 thread=ids, parent=ids)  # fmt: skip
            elif role == "advocate":  # answers and amplifies their own team
                own = [c for c in mates if c in set(team)] or mates
                each = -(-48 // max(len(own[:10]), 1))  # about 48 a week in all
                for c in own[:10]:
                    for week in week_starts:
                        rows.add(each, actor=email[person], targets=email[c],
                                 timestamp=times(each, week), kind="mention",
                                 channel="kudos", channel_kind="public")  # fmt: skip
    added = rows.frame()
    added["timestamp"] = pd.to_datetime(added["timestamp"].astype("int64"), utc=True).astype(
        org.events["timestamp"].dtype
    )
    added = added[added["timestamp"] < t1]
    text = [c for c in EVENT_COLUMNS if c not in ("timestamp", "is_bot", "is_question")]
    events = _thin(org.events, [email[x] for x in thin], rng, added)
    out = pd.concat([events.astype({c: object for c in text}), added], ignore_index=True)
    out = out.sort_values(["timestamp", "event_id"], kind="stable").reset_index(drop=True)
    out["is_bot"] = out["is_bot"].astype(bool)
    out["is_question"] = out["is_question"].astype(bool)
    for c in ("actor", "kind", "channel", "channel_kind"):
        out[c] = out[c].astype("category")
    truth["roles"] = {
        "people": {r: sorted(v) for r, v in who.items()},
        "description": "One behaviour each, nothing else: hubs (many ties in a dense "
        "neighbourhood), brokers (one contact in each of many unlinked teams), boundary "
        "spanners (a team in the department theirs deals with most, as many ties there as "
        "at home), influencers (few ties, sought out by their department's head and "
        "managers), activists (start many conversations), advocates (answer and mention "
        "colleagues often), mavericks (most ties in a department theirs hardly deals with).",
    }
    return SynthOrg(people=org.people, events=out[EVENT_COLUMNS], truth=truth)


def _planted(truth: dict) -> set[str]:
    out = {str(truth["ceo"]), str(truth["bottleneck_manager"]["employee_id"])}
    out |= set(truth["bottleneck_manager"]["team_members"])
    out |= {h["employee_id"] for h in truth["hidden_influencers"]}
    out |= {b["employee_id"] for b in truth["brokers"]}
    return out


def _ordinary(p: pd.DataFrame, truth: dict, t0: pd.Timestamp) -> pd.DataFrame:
    """Individual contributors employed all along, outside every planted structure."""
    hired = pd.to_datetime(p["hire_date"].replace("", None), utc=True)
    managers = set(p["manager_id"])
    ok = (
        ~p.index.isin(_planted(truth))
        & ~p.index.isin(managers)
        & (p["department"] != truth["siloed_department"])
        & (p["level"] >= 3)
        & (p["leave_date"].fillna("") == "")
        & (hired.isna() | (hired <= t0))
    )
    return p[ok]


def _contacts(events: pd.DataFrame, p: pd.DataFrame) -> dict[str, list[str]]:
    """Each person's direct-message partners already in the log, most messaged first."""
    by_email = pd.Series(p.index, index=p["email"])
    d = events[events["kind"].astype(str) == "dm"]
    d = d[~d["targets"].astype(str).str.contains(";", regex=False)]
    a = d["actor"].astype(str).map(by_email)
    b = d["targets"].astype(str).map(by_email)
    pairs = pd.DataFrame({"a": a, "b": b}).dropna()
    counts = pairs.value_counts().reset_index(name="n").sort_values(["a", "n", "b"])
    counts = counts.sort_values(["a", "n"], ascending=[True, False], kind="stable")
    return {str(k): list(map(str, g["b"])) for k, g in counts.groupby("a")}


def _thin(
    events: pd.DataFrame, who: list[str], rng: np.random.Generator, added: pd.DataFrame
) -> pd.DataFrame:
    """Three in five of the direct messages, emails and mentions ``who`` send or receive go:
    their own home network thins, so what was planted (``added``) is most of it. Their other
    behaviours stay in proportion: when what they send to others (thinned, plus ``added``)
    falls, their posts thin by the same ratio (with the replies to a post that went), so
    posting does not grow against sending and ties."""
    kind = events["kind"].astype(str)
    actor = events["actor"].astype(str)
    theirs = actor.isin(who) | events["targets"].astype(str).isin(who)
    direct = (kind.isin(["dm", "email", "mention"]) & theirs).to_numpy()
    drop = direct & (rng.random(len(events)) < 0.6)
    sent = actor[kind != "post"]
    before = sent.value_counts()
    after = (
        sent[~drop[(kind != "post").to_numpy()]]
        .value_counts()
        .add(
            added.loc[added["kind"].astype(str) != "post", "actor"].astype(str).value_counts(),
            fill_value=0,
        )
    )
    keep = (after.reindex(who).fillna(0) / before.reindex(who)).clip(upper=1).fillna(1)
    post = (kind == "post").to_numpy() & actor.isin(who).to_numpy()
    chance = actor.map(keep).astype(float).fillna(1).to_numpy()
    drop |= post & (rng.random(len(events)) >= chance)
    gone = set(events["event_id"][drop & (kind == "post").to_numpy()].astype(str))
    drop |= events["thread"].astype(str).isin(gone).to_numpy()
    return events[~drop].reset_index(drop=True)


def _acts(events: pd.DataFrame, p: pd.DataFrame) -> pd.DataFrame:
    """Each person's posts and everything else they send (replies, messages, mentions)."""
    by_email = pd.Series(p.index, index=p["email"])
    who = events["actor"].astype(str).map(by_email)
    post = events["kind"].astype(str) == "post"
    return pd.DataFrame(
        {"posts": who[post].value_counts(), "sent": who[~post].value_counts()}
    ).fillna(0)


def _received(events: pd.DataFrame, p: pd.DataFrame) -> pd.Series:
    """Direct messages each person received (the sought-out receive many)."""
    by_email = pd.Series(p.index, index=p["email"])
    d = events[events["kind"].astype(str) == "dm"]
    d = d[~d["targets"].astype(str).str.contains(";", regex=False)]
    return d["targets"].astype(str).map(by_email).value_counts()


def _partners(events: pd.DataFrame, p: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """Direct messages and emails between departments: a department x department count."""
    by_email = p["department"].set_axis(p["email"])
    d = events[events["kind"].astype(str).isin(["dm", "email"])]
    d = d[~d["targets"].astype(str).str.contains(";", regex=False)]
    a = d["actor"].astype(str).map(by_email)
    b = d["targets"].astype(str).map(by_email)
    return pd.crosstab(a, b)


def _far_dept(
    partner: pd.DataFrame, dept: str, depts: list[str], blocked: list[set[str]], *, near: bool
) -> str | None:
    """The department ``dept`` deals with most (``near``) or least, among those it may."""
    if dept not in partner.index:
        return None
    row = partner.loc[dept].reindex(depts).fillna(0).drop(dept, errors="ignore")
    row = row[[d for d in row.index if {dept, d} not in blocked]]
    if row.empty:
        return None
    row = row.sort_values(ascending=not near, kind="stable")
    return str(row.index[0])
