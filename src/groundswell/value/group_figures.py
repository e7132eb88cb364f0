"""My group: what analyze stores for a group lead's view of their own group (issue 18).

For every department, team, Leiden community and group channel of a run that the privacy gate
shows (:func:`groundswell.privacy.suppressed_groups` per scale, on the same memberships as
value maturity, :func:`groundswell.value.maturity.units`), stored once as the run's
``groups`` finding; the dashboard only reads it (``/mygroup``, ``/api/me/group``).

=================  ==========================================================================
figure             rule
=================  ==========================================================================
renewal            departments and teams: the community-health rules
                   (:func:`groundswell.value.community_health._renewal`) over the group's
                   *members in a window*: its people (org chart) with a digital tie in that
                   window. ``newcomer_share`` members of W not members of P over W's;
                   ``retention`` P's members still members in W over P's;
                   ``newcomers_stayed`` P's newcomers (not members in P2) still members in
                   W. Communities and channels: the run's stored community health (the same
                   rules, the same windows), read by the view, not recomputed here
Q&A                questions asked by the group's members (a channel: asked in the channel)
                   in the run's window: ``questions``, ``answered_share``, ``fast_share``
                   (first answer within ``value.answer_hours``), ``median_hours`` to the
                   first answer, ``outside_share`` (answered by someone outside the group;
                   not for channels) and ``answers_for_others`` (questions of non-members
                   the members answered)
bridges            per department *to* which the group's members are tied (a tie, either
                   direction, with someone outside the group whose known department differs
                   from the member's own): how many members hold such ties (``people``),
                   how many ties (``ties``), and how many of those people hold each role of
                   :mod:`groundswell.analysis.roles` (``roles``). The departments are named
                   through the gate (:func:`groundswell.privacy.gate_names`); ``people``,
                   ``ties`` and ``roles`` are left out (``few``) when fewer than the minimum
                   group size hold the ties. ``ids`` (the people) are stored for the view,
                   which names them only in an identified workspace and never someone who
                   opted out
=================  ==========================================================================

References: Kraut, R. E. and Resnick, P. (2012). *Building Successful Online Communities*
(newcomers and retention); Burt, R. S. (2004). Structural holes and good ideas. *American
Journal of Sociology* 110(2) (who bridges); Mamykina, L. et al. (2011). Design lessons from
the fastest Q&A site in the west. *CHI* (answer rate and time to the first answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from groundswell import _sets
from groundswell.privacy import SUPPRESSED, UNKNOWN, gate_names, suppressed_groups
from groundswell.value._base import TieCodes
from groundswell.value.community_health import _renewal

SCALES = ("department", "team", "community", "channel")
#: the scales whose renewal is computed here (communities and channels: community health)
FORMAL = ("department", "team")


@dataclass
class Frames:
    """What the groups' figures are made of (read by :mod:`groundswell.value.queries`)."""

    units: dict[str, pd.DataFrame]  # maturity.units: (person_id, group) per scale
    people: pd.DataFrame  # the org chart: department, team by person_id
    active: dict[str, pd.Index]  # "w", "p1", "p2": people with a digital tie in each window
    ties: pd.DataFrame | TieCodes  # the run's ties: actor_id, target_id (or their codes)
    roles: pd.DataFrame  # one boolean column per role, by person_id
    questions: pd.DataFrame  # the window's questions (value._base.answered)
    answers: pd.DataFrame  # one row per question and answerer
    answer_hours: float


def groups(f: Frames, min_size: int) -> dict[str, dict[str, dict[str, Any]]]:
    """scale -> group name -> its figures (see the module docstring), for every group the
    privacy gate shows."""
    dept = f.people["department"]
    sizes = {s: f.units[s].groupby("group")["person_id"].nunique() for s in SCALES if s in f.units}
    dept_sizes = f.units["department"].assign(d=lambda d: d["group"]).groupby("d").size()
    to_name = gate_names(dept_sizes, min_size)
    ties = f.ties if isinstance(f.ties, TieCodes) else TieCodes.of(f.ties)
    codes = _People(f, ties, dept, to_name)
    pairs = _pairs(codes, ties)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for scale, size in sizes.items():
        hidden = suppressed_groups(size, min_size)
        shown = [g for g in size.index if g not in hidden and g != SUPPRESSED]
        members = f.units[scale][f.units[scale]["group"].isin(shown)]
        members = _Members(members.drop_duplicates(["group", "person_id"]), codes)
        channel = scale == "channel"
        answered = _qa(members, codes, f.questions, f.answers, f.answer_hours, channel=channel)
        bridges = _bridges(members, codes, pairs, f.roles, min_size)
        renewal = _formal_renewal(scale, f.people, f.active) if scale in FORMAL else None
        # every group's rows as plain values at once (a row lookup per group is slow)
        renewed = _plain_rows(renewal) if renewal is not None else {}
        sizes_of = size.to_dict()
        rows: dict[str, dict[str, Any]] = {}
        for g in shown:
            row: dict[str, Any] = {"size": int(sizes_of[g])}
            if renewal is not None:
                row["renewal"] = renewed.get(g)
            row["qa"] = answered.get(g)
            row["bridges"] = bridges.get(g, [])
            rows[str(g)] = row
        out[scale] = rows
    return out


class _People:
    """One integer per person (every id of the org chart, the ties, the units, the
    questions and answers; -1 for a missing id), each person's department as the gate names
    it (a code into ``names``, -1 when unknown), and the people's ids in that order."""

    def __init__(self, f: Frames, ties: TieCodes, dept: pd.Series, to_name: dict[Any, str]) -> None:
        parts = [
            pd.Series(f.people.index),
            pd.Series(ties.ends()),
            *(u["person_id"] for u in f.units.values()),
            f.questions["asker"] if "asker" in f.questions else pd.Series([], dtype=object),
            f.answers["answerer"] if "answerer" in f.answers else pd.Series([], dtype=object),
        ]
        values = np.concatenate([np.asarray(p.to_numpy(), dtype=object) for p in parts])
        self.ids = pd.Index(pd.unique(values[pd.notna(values)]), dtype=object)
        n = len(self.ids)
        # each person's known department, then its name through the gate (a department
        # missing from the org chart's units is nobody's: suppressed)
        known = dept[dept.notna()]
        at = self.code(known.index)
        dept_code, depts = pd.factorize(known.to_numpy())
        named = [to_name.get(d, SUPPRESSED) for d in depts]
        self.names, name_code = _sorted_codes(np.asarray(named, dtype=object))
        self.dept = np.full(n, -1, dtype=np.int64)
        self.named = np.full(n, -1, dtype=np.int64)
        ok = at >= 0
        self.dept[at[ok]] = dept_code[ok]
        self.named[at[ok]] = name_code[dept_code[ok]]
        # each person's place in the order of their ids (ids listed sorted)
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[self.ids.argsort()] = np.arange(n)

    def code(self, values: Any) -> np.ndarray:
        return np.asarray(self.ids.get_indexer(np.asarray(values, dtype=object)), dtype=np.int64)


class _Members:
    """A scale's memberships as integers: ``group`` (codes into ``labels``, sorted as pandas
    sorts group keys) and ``person``, one row per (group, person); ``by_person``: the rows
    ordered by person with ``start`` (each person's first row there, and the end)."""

    def __init__(self, members: pd.DataFrame, codes: _People) -> None:
        self.labels, self.group = _sorted_codes(members["group"].to_numpy())
        self.person = codes.code(members["person_id"])
        keep = (self.group >= 0) & (self.person >= 0)
        self.group, self.person = self.group[keep], self.person[keep]
        n = len(codes.ids)
        self.width = np.int64(n + 1)
        self.keys = _sets.unique(self.group * self.width + self.person)
        self.by_person = np.argsort(self.person, kind="stable")
        self.start = np.searchsorted(self.person[self.by_person], np.arange(n + 1))

    def has(self, group: np.ndarray, person: np.ndarray) -> np.ndarray:
        """Whether each (group, person) is a membership."""
        return _sets.isin(group * self.width + person, self.keys) & (person >= 0)

    def of(self, person: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (row of ``person``, group) with the person a member of the group."""
        ok = person >= 0
        p = np.where(ok, person, 0)
        count = np.where(ok, self.start[p + 1] - self.start[p], 0)
        row = np.repeat(np.arange(len(person)), count)
        first = np.repeat(self.start[p] - (np.cumsum(count) - count), count)
        at = self.by_person[first + np.arange(len(row))]
        return row, self.group[at]


def _sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, sorted as a pandas group-by sorts its keys, and each value's
    code into them (-1 for a missing value)."""
    codes, uniques = pd.factorize(values, sort=True)
    return np.asarray(uniques, dtype=object), codes.astype(np.int64)


def _pairs(codes: _People, ties: TieCodes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each tie both ways (person, other), once per unordered pair and direction, no
    self-tie, ordered by person; with each person's first pair there (and the end)."""
    at = codes.code(ties.ids)
    a, b = at[ties.actor], at[ties.target]
    ok = (a >= 0) & (b >= 0) & (a != b)
    a, b = a[ok], b[ok]
    width = np.int64(len(codes.ids) + 1)
    key = _sets.unique(np.concatenate([a * width + b, b * width + a]))
    person, other = key // width, key % width
    start = np.searchsorted(person, np.arange(len(codes.ids) + 1))
    return person, other, start


def _formal_renewal(scale: str, people: pd.DataFrame, active: dict[str, pd.Index]) -> pd.DataFrame:
    """The renewal of every department or team (members in a window: its people with a
    digital tie in that window)."""
    group = people[scale].dropna().astype(str)
    names = np.asarray(group.to_numpy(), dtype=object)

    def members(who: pd.Index) -> pd.DataFrame:
        # each person of ``who`` in the org chart with a group, as group.reindex(who) has
        # them; plain object columns: an empty Arrow-backed string column cannot be merged
        at = np.asarray(group.index.get_indexer(who), dtype=np.int64)
        ok = at >= 0
        return pd.DataFrame(
            {
                "unit_key": names[at[ok]],
                "person_id": np.asarray(who.to_numpy(), dtype=object)[ok],
            }
        )

    table = _renewal(members(active["w"]), members(active["p1"]), members(active["p2"]))
    return table[["size", "previous_size", "joined", "left", "newcomer_share", "retention",
                  "newcomers_stayed"]]  # fmt: skip


def _bridges(
    members: _Members,
    codes: _People,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    roles: pd.DataFrame,
    min_size: int,
) -> dict[str, list[dict[str, Any]]]:
    """Per group: the departments its members' outside ties reach, most people first."""
    group, person, to = _outside(members, codes, pairs)
    out: dict[str, list[dict[str, Any]]] = {}
    if not len(group):
        return out
    # the (group, department) rows in the order of a group-by on both
    n_names = np.int64(len(codes.names))
    cell, where = np.unique(group * n_names + to, return_inverse=True)
    ties = np.bincount(where, minlength=len(cell))
    width = np.int64(len(codes.ids) + 1)
    who = _sets.unique(where * width + person)  # each (row, person) once, by row then person
    who_row, who_person = who // width, who % width
    people = np.bincount(who_row, minlength=len(cell)).astype(np.int64)
    names = list(roles.columns)
    held = np.zeros((len(codes.ids), len(names)), dtype=np.int64)
    at_role = codes.code(roles.index)
    ok = at_role >= 0
    held[at_role[ok]] = roles.to_numpy(dtype=bool)[ok]
    counts = np.zeros((len(cell), len(names)), dtype=np.int64)
    np.add.at(counts, who_row, held[who_person])
    # most people first (as DataFrame.sort_values sorts them), each row's people by id
    rank = pd.DataFrame({"people": people}).sort_values("people", ascending=False).index
    order = np.lexsort((codes.rank[who_person], who_row))
    ids = codes.ids.to_numpy()[who_person[order]]
    cuts = np.searchsorted(who_row[order], np.arange(len(cell) + 1))
    for r in rank.to_numpy().tolist():
        g, to_code = divmod(int(cell[r]), int(n_names))
        n_people, few = int(people[r]), int(people[r]) < min_size
        out.setdefault(str(members.labels[g]), []).append(
            {
                "department": str(codes.names[to_code]),
                "people": None if few else n_people,
                "few": few,
                "ties": None if few else int(ties[r]),
                "roles": None
                if few
                else {n: int(v) for n, v in zip(names, counts[r].tolist(), strict=True) if v},
                "ids": [str(x) for x in ids[cuts[r] : cuts[r + 1]]],
            }
        )
    return out


#: (membership, pair) rows :func:`_outside` looks at once (memory: some 80 bytes each)
BRIDGE_BUDGET = 1_000_000


def _outside(
    members: _Members,
    codes: _People,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    budget: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (membership, pair of its person) whose other end is outside the group, in a
    known department other than the person's own, named through the gate: its group,
    person and that department's name code, in the order of the memberships and then of
    the pairs. The memberships go in runs of at most ``budget`` pairs (one membership at
    least): every pair of every member at once held several arrays of 3 million entries per
    scale at 100,000 people (default :data:`BRIDGE_BUDGET`)."""
    budget = BRIDGE_BUDGET if budget is None else budget
    p_of, o_of, start = pairs
    count = start[members.person + 1] - start[members.person]
    ends = np.cumsum(count)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    lo, n = 0, len(count)
    while lo < n:
        base = ends[lo - 1] if lo else 0
        hi = min(max(int(np.searchsorted(ends, base + budget, side="right")), lo + 1), n)
        c = count[lo:hi]
        row = np.repeat(np.arange(hi - lo), c)
        first = np.repeat(start[members.person[lo:hi]] - (np.cumsum(c) - c), c)
        at = first + np.arange(len(row))
        group, person, other = members.group[lo:hi][row], p_of[at], o_of[at]
        own, far = codes.dept[person], codes.dept[other]
        to = codes.named[other]
        keep = ~members.has(group, other) & (own >= 0) & (far >= 0) & (own != far)
        group, person, to = group[keep], person[keep], to[keep]
        named = codes.names[to] != UNKNOWN  # a far department known: named through the gate
        parts.append((group[named], person[named], to[named]))
        lo = hi
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    g, p, t = (np.concatenate(x) for x in zip(*parts, strict=True))
    return g, p, t


#: the Q&A figures of a group, in the order they are stored
QA = ["questions", "answered", "answered_share", "fast_share", "median_hours", "outside_share",
      "answers_for_others"]  # fmt: skip


def _qa(
    members: _Members,
    codes: _People,
    qs: pd.DataFrame,
    ans: pd.DataFrame,
    hours: float,
    *,
    channel: bool,
) -> dict[Any, dict[str, Any]]:
    """Per group (by its label): questions, answered, answered_share, fast_share,
    median_hours, outside_share, answers_for_others (see the module docstring), each a float
    or None."""
    if qs.empty:
        return {}
    answered = qs["answered"].to_numpy(dtype=bool)
    took = qs["hours"].to_numpy(dtype=np.float64)
    fast = answered & (took <= hours)
    n_groups = len(members.labels)
    if channel:  # a question is its channel's (by name, else by id)
        unit = qs["channel_name"].fillna(qs["channel_id"]).to_numpy()
        index = pd.Index(members.labels)
        group = np.asarray(index.get_indexer(np.asarray(unit, dtype=object)), dtype=np.int64)
        q = np.flatnonzero(group >= 0)
        group = group[q]
    else:  # a question is every group of its asker's
        q, group = members.of(codes.code(qs["asker"]))
    asked = np.bincount(group, minlength=n_groups)
    said = np.bincount(group, weights=answered[q], minlength=n_groups)
    quick = np.bincount(group, weights=fast[q], minlength=n_groups)
    median = np.full(n_groups, np.nan)
    timed = answered[q] & ~np.isnan(took[q])
    by = np.argsort(group[timed], kind="stable")
    g_timed, h_timed = group[timed][by], took[q][timed][by]
    cuts = np.searchsorted(g_timed, np.arange(n_groups + 1))
    for g in np.flatnonzero(cuts[1:] > cuts[:-1]).tolist():
        median[g] = np.median(h_timed[cuts[g] : cuts[g + 1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        table = {
            "questions": asked.astype(np.float64),
            "answered": said,
            "answered_share": said / asked,
            "fast_share": quick / asked,
            "median_hours": median,
        }
    has = asked > 0
    if channel:
        table["outside_share"] = table["answers_for_others"] = np.full(n_groups, np.nan)
    else:
        # answered by someone outside the group: an answerer of the question not a member
        ans_q = pd.Index(qs["question_id"]).get_indexer(ans["question_id"])
        answerer = codes.code(ans["answerer"])
        ok = ans_q >= 0
        a_by_q = np.argsort(ans_q[ok], kind="stable")
        a_q, a_who = ans_q[ok][a_by_q], answerer[ok][a_by_q]
        a_start = np.searchsorted(a_q, np.arange(len(qs) + 1))
        count = a_start[q + 1] - a_start[q]
        row = np.repeat(np.arange(len(q)), count)
        at = np.repeat(a_start[q] - (np.cumsum(count) - count), count) + np.arange(len(row))
        out_g, out_q = group[row], q[row]
        away = ~members.has(out_g, a_who[at])
        outside = _distinct_per_group(out_g[away], out_q[away], len(qs), n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            table["outside_share"] = outside / asked
        # questions of non-members answered by members: each answer's question and its
        # asker, for every group of the answerer
        asker = codes.code(qs["asker"])
        r, g_ans = members.of(a_who)
        own = members.has(g_ans, asker[a_q[r]])
        others = _distinct_per_group(g_ans[~own], a_q[r][~own], len(qs), n_groups)
        table["answers_for_others"] = others
        has |= others > 0
    return {
        members.labels[g]: {c: (None if np.isnan(table[c][g]) else float(table[c][g])) for c in QA}
        for g in np.flatnonzero(has).tolist()
    }


def _distinct_per_group(
    group: np.ndarray, item: np.ndarray, n_items: int, n_groups: int
) -> np.ndarray:
    """How many distinct items each group has (float)."""
    pairs = _sets.unique(group * np.int64(n_items + 1) + item)
    return np.bincount(pairs // np.int64(n_items + 1), minlength=n_groups).astype(np.float64)


def _plain_rows(frame: pd.DataFrame) -> dict[Any, dict[str, Any]]:
    """Every row as JSON values (NaN as None), by the index: the values as a row of ``frame`` holds
    them (one common type for the row, as ``frame.loc[g]`` gives: a count in a frame of
    shares reads as a float, as it always has)."""
    cols = list(frame.columns)
    return {
        g: {k: _value(v) for k, v in zip(cols, values, strict=True)}
        for g, values in zip(frame.index, frame.to_numpy(), strict=True)
    }


def _value(v: Any) -> Any:
    return None if pd.isna(v) else float(v) if isinstance(v, float | np.floating) else int(v)
