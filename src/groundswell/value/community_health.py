"""Community health: for every Leiden community of a run and every group channel (public,
private, community), what kind of community it is, how big and busy, how responsive and how
closed, whether it renews itself, where it is heading — and whether it is stagnating.

Three consecutive windows of the same length are compared: the window measured (W), the one
before (P) and the one before that (P2). A channel's **members** in a window are the people
who wrote in it (posts, replies, reactions); a Leiden community's are the people of the
community who have a tie, in that window, with another of its people.

=================  ==========================================================================
figure             rule
=================  ==========================================================================
size               members in W
activity           messages in the channel in W per week (a community: acts between its
                   members per week)
responsiveness     share of the threads opened in W (in the channel; a community: by its
                   members, anywhere) that drew a reply from someone else
insularity         share of the members' tie weight in W that stays between members
excess_insularity  the same beyond what the unit's size alone gives: (insularity − f) /
                   (1 − f), f the share of the network's other people who are members (a
                   channel everyone is in keeps every tie inside without being closed)
newcomer_share     members in W who were members neither in P nor in P2, over the members
                   in W (someone back after a quiet month is not new; without P2 in the
                   data, not in P)
retention          members of P still members in W, over the members of P
newcomers_stayed   newcomers of P (members in P, not in P2) still members in W, over them
                   (None when P2 starts before the data)
size_change,       W against P, as a relative change; the trend is *growing* when the
activity_change    members rose by 10% or more (so there are newcomers), *shrinking* when
                   they fell by 10% or more, else *busier* or *quieter* when only the
                   activity rose or fell by 10% or more, else *stable*; *new* without
                   members in P
kind               what the unit does (docs/value.md, "Communities by what they do"):
                   *team room* when at least ``value.team_room_team_share`` of its members
                   sit in one team or in one formal unit of the org chart (a manager and
                   their direct reports), or ``value.team_room_department_share`` in one
                   department (a formal unit's own room or cluster: not a community);
                   else *purpose* when something it produced is on record (``evidence``):
                   a channel named in ``value.purpose_channels``, a behaviour the unit's
                   members were first to adopt and others took up (:func:`origins`), or
                   outcome records credited to it (:func:`credited`); else *practice*
                   when it shares and solves across teams: at least
                   ``value.practice_question_share`` of its threads are questions, at
                   least ``value.practice_answered_share`` of them answered, and at least
                   ``value.practice_across_share`` of the answered ones by someone of
                   another team than the asker's; else
                   *interest* (people gather and connect around a topic)
network_share      members in W over the people in W's network
stagnating         not a team room, at least the minimum group size, fewer than half of the
                   network's people (a channel nearly everyone is in has nobody left to
                   welcome), newcomers at most
                   ``value.stagnant_newcomer_share``, retention at least
                   ``value.stagnant_retention`` and excess insularity at least
                   ``value.stagnant_insularity``: the same members only talk to each other and
                   nobody new arrives
=================  ==========================================================================

Units with fewer members than the minimum group size are merged into one suppressed row.

References
----------
Wenger, E. (1998). *Communities of Practice: Learning, Meaning, and Identity* (mutual
engagement, joint enterprise, shared repertoire). Wenger, E., McDermott, R. and Snyder,
W. M. (2002). *Cultivating Communities of Practice* (a community of practice against a
formal unit, a project team and an informal network; the life cycle of a community).
Society 3.0, ch. 3.7 (communities of interest, practice and purpose; renewal).
Kraut, R. E. and Resnick, P. (2012). *Building Successful Online Communities* (newcomers,
retention and turnover). Krackhardt, D. and Stern, R. N. (1988). Informal networks and
organizational crises. *Social Psychology Quarterly* 51(2) (the E-I view of insularity).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from groundswell import _sets
from groundswell.privacy import SUPPRESSED
from groundswell.value._base import (
    GROUP_KINDS,
    among,
    answered_across,
    gate_rows,
    ratio,
)

#: what a unit does, the most mature first; a team room is a formal unit's, not a community
KINDS = ("purpose", "practice", "interest", "team_room")
#: a unit is a behaviour's origin only when its first adopters are at least this many times
#: as concentrated in it as everyone is
ORIGIN_LIFT = 2.0
#: a unit holding this share of the network's people or more cannot stagnate: there is hardly
#: anyone left to arrive (an announcements channel everyone reads)
MOST_OF_THE_NETWORK = 0.5
#: the evidence of a channel named in ``value.purpose_channels``
PROJECT = "a project channel (value.purpose_channels)"
#: relative change that counts as a trend
TREND_CHANGE = 0.1
COLUMNS = [
    "unit", "name", "kind", "size", "activity", "responsiveness", "insularity",
    "excess_insularity", "newcomer_share", "retention", "newcomers_stayed", "joined", "left",
    "size_change", "activity_change", "trend", "stagnating", "top_team_share",
    "top_department_share", "top_unit_share", "teams", "question_share", "answered_share",
    "across_team_share", "evidence", "network_share",
]  # fmt: skip


@dataclass
class Frames:
    """What the health of a window is made of (read by :mod:`groundswell.value.queries`):
    the window measured (W) and the two before it (P, P2)."""

    weeks: float  # W's length in weeks
    history: bool  # whether the data reaches back to the start of P2
    members: int  # people in W's network
    people: pd.DataFrame  # the org chart: team, department by person_id
    ties: dict[str, pd.DataFrame]  # "w", "p1", "p2": digital ties of each window
    communities: pd.Series | None  # Leiden community by person_id (None without a run)
    roots: pd.DataFrame  # queries.thread_roots of W
    questions: pd.DataFrame  # the questions of W (_base.answered)
    answers: pd.DataFrame  # their answers: question_id, answerer
    produced: pd.DataFrame  # evidence of production: unit, unit_key, evidence (origins())
    channel_members: dict[str, pd.DataFrame]  # "w", "p1", "p2": queries.channel_members
    channel_activity: pd.DataFrame  # queries.channel_activity (P and W)


def health(f: Frames, s: dict[str, Any], min_size: int) -> pd.DataFrame:
    """Health of every Leiden community and every group channel of a window against the two
    windows before it.

    Returns one row per unit with :data:`COLUMNS` (see the module docstring); ``unit`` is
    ``community`` or ``channel``.
    """
    frames = []
    across = _answered_across(f.questions, f.answers, f.people["team"])
    if f.communities is not None:
        comm = f.communities.astype(str)
        frames.append(_communities(comm, f.ties, f.people, f.roots, across))
    frames.append(_channels(f.channel_members, f.ties["w"], f.people, f, across))
    frames = [fr for fr in frames if len(fr)]
    if not frames:  # no community nor channel: a run on Viva or survey data only
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    if not f.history:
        table["newcomers_stayed"] = np.nan
    table["activity"] = table["acts"] / f.weeks
    n = max(f.members, 2)
    share = ((table["size"] - 1) / (n - 1)).clip(0, 0.999)
    table["network_share"] = table["size"] / n
    table["excess_insularity"] = ((table["insularity"] - share) / (1 - share)).clip(lower=0)
    table = _evidence(table, f.produced, s)
    table = _classify(table, s, min_size)
    return _suppress(table[COLUMNS], min_size)


def _renewal(now: pd.DataFrame, before: pd.DataFrame, older: pd.DataFrame) -> pd.DataFrame:
    """Per unit, from memberships (unit, person_id) of W, P and P2: size, joined, left,
    newcomer_share, retention, newcomers_stayed. Units are those with a member in W or P,
    sorted (a unit without a name is left out); each (unit, person) pair is one integer
    and the counts are bincounts over the pairs of W or P."""
    frames = (now, before, older)
    units_of = pd.concat([f["unit_key"] for f in frames], ignore_index=True)
    unit_code, units = pd.factorize(units_of, sort=True, use_na_sentinel=False)
    person_code, people = pd.factorize(
        pd.concat([f["person_id"] for f in frames], ignore_index=True), use_na_sentinel=False
    )
    width = np.int64(len(people) + 1)
    pair = unit_code.astype(np.int64) * width + person_code.astype(np.int64)
    cut = np.cumsum([0, *(len(f) for f in frames)])
    w, p, q = (_sets.unique(pair[cut[i] : cut[i + 1]]) for i in range(3))
    both = _sets.union(w, p)  # every pair in W or P, once
    in_w, in_p, in_q = _sets.isin(both, w), _sets.isin(both, p), _sets.isin(both, q)
    unit = both // width
    k = len(units)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(unit[mask], minlength=k).astype(np.int64)

    size, previous_size = count(in_w), count(in_p)
    joined = count(in_w & ~in_p & ~in_q)  # back after a quiet window is not new
    left = count(in_p & ~in_w)
    stay = count(in_w & in_p)
    new_p = count(in_p & ~in_q)
    new_p_stay = count(in_p & ~in_q & in_w)
    shown = (np.bincount(unit, minlength=k) > 0) & ~np.asarray(pd.isna(units), dtype=bool)
    out = pd.DataFrame(
        {
            "size": size[shown],
            "previous_size": previous_size[shown],
            "joined": joined[shown],
            "left": left[shown],
            "newcomer_share": ratio(joined, size)[shown],
            "retention": np.where(previous_size > 0, ratio(stay, previous_size), np.nan)[shown],
            "newcomers_stayed": np.where(new_p > 0, ratio(new_p_stay, new_p), np.nan)[shown],
        },
        index=pd.Index(units[shown], name="unit_key"),
    )
    return out


def _insularity(members: pd.DataFrame, ties: pd.DataFrame) -> pd.Series:
    """Per unit: weight of ties between two members over the weight of ties with at least
    one member end (members: unit_key, person_id), indexed by the units with such a tie
    (sorted). Each tie's units come from the members as integers; the weights are summed
    per unit by a group-by over the ties in their order (as a merge of the ties with the
    members would list them)."""
    m = members[["unit_key", "person_id"]]
    unit_code, units = pd.factorize(m["unit_key"], sort=True)
    ids = pd.Index(pd.unique(np.asarray(m["person_id"].to_numpy(), dtype=object)))
    member = _Membership(ids.get_indexer(m["person_id"]), unit_code.astype(np.int64), len(ids))
    weight = ties["weight"].to_numpy()
    a = np.asarray(ids.get_indexer(ties["actor_id"]), dtype=np.int64)
    b = np.asarray(ids.get_indexer(ties["target_id"]), dtype=np.int64)
    tie_a, unit_a = member.of(a)  # (tie, unit of its actor), by tie then unit
    tie_b, unit_b = member.of(b)
    inside = member.has(unit_a, b[tie_a])
    w_a = _sum_by(unit_a, weight[tie_a])
    w_b = _sum_by(unit_b, weight[tie_b])
    both = _sum_by(unit_a[inside], weight[tie_a][inside])
    touching = w_a.add(w_b, fill_value=0).sub(both, fill_value=0)
    out = both.reindex(touching.index).fillna(0.0) / touching
    out.index = pd.Index(units.take(out.index.to_numpy(dtype=np.int64)), name="unit_key")
    return out


def _sum_by(key: np.ndarray, values: np.ndarray) -> pd.Series:
    """``values`` summed per ``key`` (sorted keys), as a pandas group-by sums them."""
    return pd.Series(values).groupby(key, sort=True).sum()


class _Membership:
    """Memberships (person, unit) as integers, once each: which units a person is in, and
    whether a (unit, person) is a membership."""

    def __init__(self, person: np.ndarray, unit: np.ndarray, n_people: int) -> None:
        ok = (person >= 0) & (unit >= 0)
        self.width = np.int64(n_people + 1)
        self.keys = _sets.unique(unit[ok] * self.width + person[ok].astype(np.int64))
        unit_of, person_of = self.keys // self.width, self.keys % self.width
        order = np.argsort(person_of, kind="stable")  # by person, then unit
        self.units = unit_of[order]
        self.start = np.searchsorted(person_of[order], np.arange(n_people + 1))

    def of(self, person: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (position in ``person``, unit) with that person a member of the unit, in
        the order of the positions, then of the units."""
        ok = np.flatnonzero(person >= 0)
        p = person[ok]
        count = np.zeros(len(person), dtype=np.int64)
        count[ok] = self.start[p + 1] - self.start[p]
        begin = np.zeros(len(person), dtype=np.int64)
        begin[ok] = self.start[p]
        row = np.repeat(np.arange(len(person)), count)
        first = np.repeat(begin - (np.cumsum(count) - count), count)
        return row, self.units[first + np.arange(len(row))]

    def has(self, unit: np.ndarray, person: np.ndarray) -> np.ndarray:
        """Whether each (unit, person) is a membership."""
        return _sets.isin(unit * self.width + person, self.keys) & (person >= 0)


def _composition(members: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Per unit: the largest share of its members in one team, in one department, and in
    one formal unit of the org chart (a manager and their direct reports: the room of a
    leadership team whose members each run a team of their own); how many teams. Counted
    on integer codes of the units, the people, their teams, departments and managers."""
    m = members[["unit_key", "person_id"]]
    unit_code, units = pd.factorize(m["unit_key"], sort=True)
    who = np.asarray(m["person_id"].to_numpy(), dtype=object)
    at = np.asarray(people.index.get_indexer(who), dtype=np.int64)  # -1: not in the org chart
    boss = np.full(len(who), None, dtype=object)
    if len(people):
        manager = np.asarray(people["manager_id"].to_numpy(), dtype=object)
        known = at >= 0
        boss[known] = manager[at[known]]
    # one code space for the members and their managers (a lead is a person either way)
    code, _ = pd.factorize(np.concatenate([who, boss]), use_na_sentinel=False)
    code = code.astype(np.int64)
    person, lead = code[: len(who)], np.where(pd.isna(boss), -1, code[len(who) :])
    unknown = np.asarray(pd.isna(who), dtype=bool)  # a member without an id leads nobody
    width = np.int64(max(int(code.max(initial=-1)) + 1, 1))
    ok = unit_code >= 0
    first = np.unique(unit_code[ok].astype(np.int64) * width + person[ok], return_index=True)[1]
    rows = np.flatnonzero(ok)[first]  # each (unit, person) once
    u, p = unit_code[rows].astype(np.int64), person[rows]
    k = len(units)
    counted = np.bincount(u, minlength=k)
    present = counted > 0
    size = pd.Series(counted[present], index=units[present])
    out: dict[str, pd.Series] = {}
    teams = np.zeros(k, dtype=np.int64)
    for col in ("team", "department"):
        c = np.full(len(rows), -1, dtype=np.int64)
        if len(people):
            values = np.asarray(pd.factorize(people[col].to_numpy())[0], dtype=np.int64)
            c = np.where(at[rows] >= 0, values[np.maximum(at[rows], 0)], -1)
        top, distinct = _top_count(u[c >= 0], c[c >= 0], k)
        out[f"top_{col}_share"] = pd.Series(top[distinct > 0], index=units[distinct > 0]) / size
        if col == "team":
            teams = distinct
    # each person is in the unit of their manager and leads their own
    led_u = np.concatenate([u, u])
    led_by = np.concatenate([lead[rows], np.where(unknown[rows], -1, p)])
    led_p = np.concatenate([p, p])
    has = (led_by >= 0) & ~np.concatenate([unknown[rows], unknown[rows]])
    triple = _sets.unique((led_u[has] * width + led_by[has]) * width + led_p[has])
    top, distinct = _top_count(triple // width // width, (triple // width) % width, k)
    out["top_unit_share"] = pd.Series(top[distinct > 0], index=units[distinct > 0]) / size
    out["teams"] = pd.Series(teams[present], index=units[present])
    frame = pd.DataFrame(out).fillna(0.0)
    frame.index.name = "unit_key"
    return frame


def _top_count(unit: np.ndarray, value: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per unit (0..k-1): the largest number of rows sharing one value, and how many
    distinct values it has."""
    n = np.int64(max(int(value.max(initial=-1)) + 1, 1))
    cell = np.sort(unit.astype(np.int64) * n + value)
    top = np.zeros(k, dtype=np.int64)
    if not len(cell):
        return top, np.zeros(k, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], cell[1:] != cell[:-1]]))
    count = np.diff(np.append(starts, len(cell)))
    owner = cell[starts] // n
    np.maximum.at(top, owner, count)
    return top, np.bincount(owner, minlength=k)


def _communities(
    comm: pd.Series,
    ties: dict[str, pd.DataFrame],
    people: pd.DataFrame,
    roots: pd.DataFrame,
    across: pd.DataFrame,
) -> pd.DataFrame:
    ids, values = comm.index, comm.to_numpy()
    code, labels = pd.factorize(values)
    code = np.asarray(code, dtype=np.int64)

    def inside(t: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ties of ``t`` inside one community: their actor's and target's positions in
        ``comm``, and the rows of ``t`` they are."""
        a = np.asarray(ids.get_indexer(t["actor_id"]), dtype=np.int64)
        b = np.asarray(ids.get_indexer(t["target_id"]), dtype=np.int64)
        ca, cb = np.full(len(a), -1, dtype=np.int64), np.full(len(b), -1, dtype=np.int64)
        ca[a >= 0], cb[b >= 0] = code[a[a >= 0]], code[b[b >= 0]]
        rows = np.flatnonzero((ca == cb) & (ca >= 0))
        return a[rows], b[rows], rows

    within = {k: inside(t) for k, t in ties.items()}

    def active(a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
        who = pd.unique(np.concatenate([a, b]))
        return pd.DataFrame({"unit_key": values[who], "person_id": ids[who]})

    memb = {k: active(a, b) for k, (a, b, _) in within.items()}
    table = _renewal(memb["w"], memb["p1"], memb["p2"])
    everyone = pd.DataFrame({"unit_key": values, "person_id": ids})
    table["insularity"] = _insularity(everyone, ties["w"])
    for k, col in (("w", "acts"), ("p1", "previous_acts")):
        a, _, rows = within[k]
        n = ties[k]["n"].to_numpy()[rows]
        acts = pd.Series(n).groupby(code[a]).sum()  # per community, by its code
        acts.index = pd.Index(np.asarray(labels)[acts.index.to_numpy(dtype=np.int64)])
        table[col] = acts
    table = table.join(_composition(memb["w"], people))
    table = table.join(_community_threads(roots, across, comm))
    table["unit"] = "community"
    table["name"] = table.index.astype(str)
    return table.reset_index(drop=True).fillna({"acts": 0, "previous_acts": 0})


def _answered_across(qs: pd.DataFrame, ans: pd.DataFrame, team: pd.Series) -> pd.DataFrame:
    """Each question (question_id, asker, unit_key: its channel's name or id, channel_kind)
    with ``answered`` and ``across_team`` (an answerer whose team is known and differs from
    the asker's known team)."""
    cols = ["question_id", "asker", "unit_key", "channel_kind", "answered", "across_team"]
    if qs.empty:
        return pd.DataFrame(columns=cols)
    q = qs.assign(unit_key=qs["channel_name"].fillna(qs["channel_id"]))
    q["across_team"] = answered_across(q, ans, team)
    q["answered"] = q["answered"].astype(bool)
    return q[cols]


def _question_figures(q: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Per unit (``key``: the unit of each question): questions, the share answered and the
    share of the answered ones answered across teams (by the unit's code: bincounts)."""
    if q.empty:
        g = q.assign(unit_key=key.to_numpy()).dropna(subset=["unit_key"]).groupby("unit_key")
        n, answered, across = g.size(), g["answered"].sum(), g["across_team"].sum()
    else:
        code, units = pd.factorize(key.to_numpy(), sort=True)
        code = np.asarray(code, dtype=np.int64)
        ok = code >= 0
        k = len(units)

        def total(flags: pd.Series) -> np.ndarray:
            ones = flags.to_numpy(dtype=bool)[ok]
            return np.bincount(code[ok], weights=ones, minlength=k).astype(np.int64)

        index = pd.Index(units, name="unit_key")
        n = pd.Series(np.bincount(code[ok], minlength=k), index=index)
        answered = pd.Series(total(q["answered"]), index=index)
        across = pd.Series(total(q["across_team"]), index=index)
        shown = n.to_numpy() > 0
        n, answered, across = n[shown], answered[shown], across[shown]
    return pd.DataFrame(
        {
            "questions": n,
            "answered_share": answered / n,
            "across_team_share": (across / answered.where(answered > 0)),
        }
    )


def _community_threads(roots: pd.DataFrame, across: pd.DataFrame, comm: pd.Series) -> pd.DataFrame:
    """Per community: threads opened by its members (``roots``), how many drew a reply from
    someone else (responsiveness) and how many were questions (question share); the share
    of its members' questions answered, and answered across teams."""
    unit = np.asarray(comm.reindex(roots["person_id"]).to_numpy(), dtype=object)
    code, units = pd.factorize(unit, sort=True)  # a root by no member of a community: -1
    code = np.asarray(code, dtype=np.int64)
    ok = code >= 0
    k = len(units)
    threads = np.bincount(code[ok], minlength=k)
    question = among(roots["message_id"], across["question_id"])
    replied = roots["replied"].to_numpy(dtype=bool)
    shown = threads > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "responsiveness": np.bincount(code[ok], weights=replied[ok], minlength=k) / threads,
                "question_share": np.bincount(code[ok], weights=question[ok], minlength=k)
                / threads,
            },
            index=pd.Index(units, name="unit_key"),
        )[shown]
    figures = _question_figures(across, across["asker"].map(comm))
    return out.join(figures[["answered_share", "across_team_share"]])


def _channels(
    members: dict[str, pd.DataFrame],
    ties_w: pd.DataFrame,
    people: pd.DataFrame,
    f: Frames,
    across: pd.DataFrame,
) -> pd.DataFrame:
    memb = {k: m.rename(columns={"group": "unit_key"}) for k, m in members.items()}
    table = _renewal(memb["w"], memb["p1"], memb["p2"])
    table["insularity"] = _insularity(memb["w"], ties_w)
    counts = f.channel_activity.copy()
    inside = across[across["channel_kind"].isin(GROUP_KINDS)]
    figures = _question_figures(inside, inside["unit_key"]).reindex(counts.index)
    counts["responsiveness"] = np.where(
        counts["threads"] > 0, ratio(counts["replied"], counts["threads"]), np.nan
    )
    counts["question_share"] = ratio(figures["questions"].fillna(0), counts["threads"])
    counts = counts.join(figures[["answered_share", "across_team_share"]])
    cols = ["acts", "previous_acts", "responsiveness", "question_share"]
    table = table.join(counts[[*cols, "answered_share", "across_team_share"]])
    table = table.join(_composition(memb["w"], people))
    table["unit"] = "channel"
    table["name"] = table.index.astype(str)
    return table.reset_index(drop=True).fillna({"acts": 0, "previous_acts": 0})


def _evidence(table: pd.DataFrame, produced: pd.DataFrame, s: dict) -> pd.DataFrame:
    """Each unit's evidence of production, in words (None without any): its channel named
    in ``value.purpose_channels`` (names or shell-style patterns such as ``proj-*``), and
    the rows of ``produced`` (unit, unit_key, evidence) that name it."""
    t = table.copy()
    said: dict[tuple[str, str], list[str]] = {}
    patterns = [str(p).lower() for p in s.get("purpose_channels", [])]
    for unit, name in zip(t["unit"], t["name"], strict=True):
        if unit == "channel" and any(fnmatch.fnmatchcase(str(name).lower(), p) for p in patterns):
            said.setdefault((unit, str(name)), []).append(PROJECT)
    for unit, key, text in produced[["unit", "unit_key", "evidence"]].itertuples(index=False):
        said.setdefault((str(unit), str(key)), []).append(str(text))
    t["evidence"] = [
        "; ".join(said[(u, str(n))]) if (u, str(n)) in said else None
        for u, n in zip(t["unit"], t["name"], strict=True)
    ]
    return t


def _classify(table: pd.DataFrame, s: dict, min_size: int) -> pd.DataFrame:
    t = table.copy()
    prev_size = t["previous_size"].replace(0, np.nan)
    t["size_change"] = t["size"] / prev_size - 1
    t["activity_change"] = t["acts"] / t["previous_acts"].replace(0, np.nan) - 1
    grew, fell = t["size_change"] >= TREND_CHANGE, t["size_change"] <= -TREND_CHANGE
    busier = t["activity_change"] >= TREND_CHANGE
    quieter = t["activity_change"] <= -TREND_CHANGE
    t["trend"] = np.select(
        [grew, fell, busier, quieter], ["growing", "shrinking", "busier", "quieter"], "stable"
    )
    t.loc[t["previous_size"] == 0, "trend"] = "new"
    if "evidence" not in t:
        t["evidence"] = None
    one_team = t[["top_team_share", "top_unit_share"]].max(axis=1)
    room = (one_team >= float(s["team_room_team_share"])) | (
        t["top_department_share"] >= float(s["team_room_department_share"])
    )
    purpose = t["evidence"].notna()
    practice = (
        (t["question_share"].fillna(0) >= float(s["practice_question_share"]))
        & (t["answered_share"].fillna(0) >= float(s["practice_answered_share"]))
        & (t["across_team_share"].fillna(0) >= float(s["practice_across_share"]))
    )
    t["kind"] = np.select(
        [room, purpose, practice], ["team_room", "purpose", "practice"], default="interest"
    )
    most = t["network_share"] if "network_share" in t else pd.Series(0.0, index=t.index)
    t["stagnating"] = (
        (t["kind"] != "team_room")
        & (t["size"] >= min_size)
        & (most.fillna(0) < MOST_OF_THE_NETWORK)
        & (t["newcomer_share"] <= float(s["stagnant_newcomer_share"]))
        & (t["retention"].fillna(0) >= float(s["stagnant_retention"]))
        & (t["excess_insularity"].fillna(0) >= float(s["stagnant_insularity"]))
    )
    return t


def credited(tags: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Outcome records credited to a unit (``tags``: tag, records, measures, from the
    outcome records' channel-or-community tag): a tag names a channel by its name or id
    (case ignored, a leading ``#`` dropped) or a detected community as ``community N``.

    ``units``: unit, unit_key (every channel and community of the window). Returns unit,
    unit_key, evidence (in words), one row per unit credited.
    """
    cols = ["unit", "unit_key", "evidence"]
    if tags.empty or units.empty:
        return pd.DataFrame(columns=cols)
    u = units[["unit", "unit_key"]].drop_duplicates()
    label = np.where(u["unit"] == "community", "community " + u["unit_key"].astype(str),
                     u["unit_key"].astype(str))  # fmt: skip
    look = pd.Series(
        list(zip(u["unit"], u["unit_key"], strict=True)), index=pd.Index(label).str.lower()
    )
    look = look[~look.index.duplicated()]
    rows: dict[tuple[str, str], list[tuple[int, list[str]]]] = {}
    for tag, n, measures in tags[["tag", "records", "measures"]].itertuples(index=False):
        key = " ".join(str(tag).strip().lstrip("#").lower().replace(":", " ").split())
        if key in look.index:
            rows.setdefault(look[key], []).append((int(n), [str(m) for m in measures]))
    out = []
    for (unit, key), got in sorted(rows.items()):
        n = sum(x for x, _ in got)
        measures = sorted({m for _, ms in got for m in ms})
        noun = "outcome record" if n == 1 else "outcome records"
        out.append((unit, key, f"{n} {noun} credited to it ({', '.join(measures)})"))
    return pd.DataFrame(out, columns=cols)


def origins(
    adoptions: pd.DataFrame,
    members: pd.DataFrame,
    *,
    first_share: float,
    origin_share: float,
    min_size: int,
) -> pd.DataFrame:
    """Behaviours a unit produced, read from adoption records: a unit is the origin of a
    behaviour when at least ``origin_share`` of its first adopters (the earliest
    ``first_share`` of the adopters, at least ``min_size`` of them) are its members, and at
    least ``min_size`` people who are not its members took the behaviour up after them, and
    the first adopters are at least :data:`ORIGIN_LIFT` times as concentrated in it as
    everyone is (its share of the first adopters over its share of all the people in
    ``members``); of several such channels (or communities) the one with the highest
    concentration is the origin.

    ``adoptions``: person_id, behaviour, ts; ``members``: unit, unit_key, person_id.
    Returns one row per (unit, behaviour): unit, unit_key, behaviour, first (how many first
    adopters), inside (of them, members), followers (non-members adopting later), evidence
    (in words).
    """
    cols = ["unit", "unit_key", "behaviour", "first", "inside", "followers", "evidence"]
    if adoptions.empty or members.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    ad = adoptions.sort_values(["behaviour", "ts", "person_id"], kind="stable")
    memb = members.drop_duplicates()
    size = memb.groupby(["unit", "unit_key"])["person_id"].nunique()
    population = max(memb["person_id"].nunique(), 1)
    for behaviour, g in ad.groupby("behaviour", sort=True):
        k = max(int(min_size), int(np.ceil(first_share * len(g))))
        if len(g) < k + min_size:  # too few adopters to tell a start from a spread
            continue
        first, later = g.iloc[:k], g.iloc[k:]
        hit = memb[memb["person_id"].isin(first["person_id"])]
        inside = hit.groupby(["unit", "unit_key"])["person_id"].nunique()
        # lift: how much more the first adopters sit in the unit than everyone does (a
        # channel everyone writes in holds them all, and says nothing about where it began)
        lift = (inside / k) / (size.reindex(inside.index) / population)
        ok = (inside >= origin_share * k) & (lift >= ORIGIN_LIFT)
        # one origin per behaviour and kind of unit: the one with the highest lift
        best = (
            pd.DataFrame({"inside": inside[ok], "lift": lift[ok]})
            .reset_index()
            .sort_values(["unit", "lift", "unit_key"], ascending=[True, False, True])
            .drop_duplicates("unit")
            .set_index(["unit", "unit_key"])["inside"]
        )
        for (unit, key), n in best.items():
            mine = set(memb.loc[(memb["unit"] == unit) & (memb["unit_key"] == key), "person_id"])
            followers = int((~later["person_id"].isin(mine)).sum())
            if followers >= min_size:
                rows.append(
                    (
                        unit,
                        key,
                        behaviour,
                        k,
                        int(n),
                        followers,
                        f"first to adopt '{behaviour}' ({int(n)} of its first {k} adopters), "
                        f"taken up by {followers} others",
                    )
                )
    return pd.DataFrame(rows, columns=cols)


def _suppress(table: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """Units the privacy gate suppresses (per unit kind, by size) merged into one row each."""
    kept, merged = gate_rows(table, size="size", name="name", min_size=min_size, within="unit")
    order = kept.sort_values(["unit", "size"], ascending=[False, False])
    if merged.empty:
        return order.reset_index(drop=True)
    return pd.concat([order, merged], ignore_index=True)


def summary(table: pd.DataFrame) -> dict[str, object]:
    """How many communities and channels of each kind and trend, and which stagnate."""
    kept = table[table["name"] != SUPPRESSED]
    return {
        unit: {
            "units": len(g),
            "kinds": {k: int(v) for k, v in g["kind"].value_counts().items()},
            "trends": {k: int(v) for k, v in g["trend"].value_counts().items()},
            "stagnating": sorted(g.loc[g["stagnating"].astype(bool), "name"].tolist()),
        }
        for unit, g in kept.groupby("unit")
    }
