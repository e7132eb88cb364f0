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

from groundswell.privacy import SUPPRESSED, UNKNOWN, gate_names, suppressed_groups
from groundswell.value._base import among
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
    ties: pd.DataFrame  # the run's ties: actor_id, target_id
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
    pairs = _pairs(f.ties)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for scale, size in sizes.items():
        hidden = suppressed_groups(size, min_size)
        shown = [g for g in size.index if g not in hidden and g != SUPPRESSED]
        members = f.units[scale][f.units[scale]["group"].isin(shown)]
        members = members.drop_duplicates(["group", "person_id"])
        qa = _qa(members, f.questions, f.answers, f.answer_hours, channel=scale == "channel")
        bridges = _bridges(members, pairs, dept, to_name, f.roles, min_size)
        renewal = _formal_renewal(scale, f.people, f.active) if scale in FORMAL else None
        # every group's rows as plain values at once (a row lookup per group is slow)
        renewed = _plain_rows(renewal) if renewal is not None else {}
        answered = _plain_rows(qa)
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


def _pairs(ties: pd.DataFrame) -> pd.DataFrame:
    """Each tie both ways (person_id, other), once per unordered pair and direction."""
    a, b = ties["actor_id"].to_numpy(), ties["target_id"].to_numpy()
    both = pd.DataFrame(
        {"person_id": np.concatenate([a, b]), "other": np.concatenate([b, a])}
    ).drop_duplicates()
    return both[both["person_id"] != both["other"]]


def _formal_renewal(scale: str, people: pd.DataFrame, active: dict[str, pd.Index]) -> pd.DataFrame:
    """The renewal of every department or team (members in a window: its people with a
    digital tie in that window)."""
    group = people[scale].dropna().astype(str)

    def members(who: pd.Index) -> pd.DataFrame:
        g = group.reindex(who).dropna()
        # plain object columns: an empty Arrow-backed string column cannot be merged
        return pd.DataFrame(
            {
                "unit_key": np.asarray(g.to_numpy(), dtype=object),
                "person_id": np.asarray(g.index.to_numpy(), dtype=object),
            }
        )

    table = _renewal(members(active["w"]), members(active["p1"]), members(active["p2"]))
    return table[["size", "previous_size", "joined", "left", "newcomer_share", "retention",
                  "newcomers_stayed"]]  # fmt: skip


def _qa(
    members: pd.DataFrame,
    qs: pd.DataFrame,
    ans: pd.DataFrame,
    hours: float,
    *,
    channel: bool,
) -> pd.DataFrame:
    """Per group: questions, answered_share, fast_share, median_hours, outside_share,
    answers_for_others (see the module docstring)."""
    cols = ["questions", "answered", "answered_share", "fast_share", "median_hours",
            "outside_share", "answers_for_others"]  # fmt: skip
    if qs.empty:
        return pd.DataFrame(columns=cols)
    q = qs.assign(fast=qs["answered"] & (qs["hours"] <= hours))
    if channel:
        q = q.assign(group=q["channel_name"].fillna(q["channel_id"]))
        q = q[among(q["group"], members["group"])]
    else:
        q = q.merge(members.rename(columns={"person_id": "asker"}), on="asker")
    g = q.groupby("group")
    out = pd.DataFrame(
        {
            "questions": g.size(),
            "answered": g["answered"].sum(),
            "answered_share": g["answered"].mean(),
            "fast_share": g["fast"].mean(),
            "median_hours": q[q["answered"]].groupby("group")["hours"].median(),
        }
    )
    if channel:
        out["outside_share"] = np.nan
        out["answers_for_others"] = np.nan
        return out[cols]
    # answered by someone outside the group: an answerer of the question not a member
    inside = members.rename(columns={"person_id": "answerer"}).assign(member=True)
    by = q[["question_id", "group"]].merge(ans[["question_id", "answerer"]], on="question_id")
    by = by.merge(inside, on=["group", "answerer"], how="left")
    outside = by[by["member"].isna()].groupby("group")["question_id"].nunique()
    out["outside_share"] = outside.reindex(out.index).fillna(0) / out["questions"]
    # questions of non-members answered by members
    given = ans[["question_id", "answerer"]].merge(qs[["question_id", "asker"]], on="question_id")
    given = given.merge(members.rename(columns={"person_id": "answerer"}), on="answerer")
    asker_in = members.rename(columns={"person_id": "asker"}).assign(own=True)
    given = given.merge(asker_in, on=["group", "asker"], how="left")
    others = given[given["own"].isna()].groupby("group")["question_id"].nunique()
    out = out.reindex(out.index.union(others.index))
    out["answers_for_others"] = others.reindex(out.index).fillna(0)
    out["questions"] = out["questions"].fillna(0)
    out["answered"] = out["answered"].fillna(0)
    return out[cols]


def _bridges(
    members: pd.DataFrame,
    pairs: pd.DataFrame,
    dept: pd.Series,
    to_name: dict[Any, str],
    roles: pd.DataFrame,
    min_size: int,
) -> dict[str, list[dict[str, Any]]]:
    """Per group: the departments its members' outside ties reach, most people first."""
    m = members.merge(pairs, on="person_id")
    inside = members.rename(columns={"person_id": "other"}).assign(inside=True)
    m = m.merge(inside, on=["group", "other"], how="left")
    m = m[m["inside"].isna()]
    own = dept.reindex(m["person_id"]).to_numpy()
    far = dept.reindex(m["other"]).to_numpy()
    keep = pd.notna(own) & pd.notna(far) & (own != far)
    # each far department named once through the gate (not once per tie)
    codes, depts = pd.factorize(far[keep])
    named = np.array([to_name.get(d, SUPPRESSED) for d in depts], dtype=object)
    m = m[keep].assign(to=named[codes])
    m = m[m["to"] != UNKNOWN]
    out: dict[str, list[dict[str, Any]]] = {}
    if m.empty:
        return out
    agg = m.groupby(["group", "to"]).agg(people=("person_id", "nunique"), ties=("other", "size"))
    who = m[["group", "to", "person_id"]].drop_duplicates()
    held = who.join(roles.astype(bool), on="person_id").fillna(False)
    role_counts = held.groupby(["group", "to"])[list(roles.columns)].sum()
    rank = agg.sort_values("people", ascending=False)
    # the rows in that order as plain values (a lookup per row is slow); each row's people
    # sorted by id, cut from one array sorted by (row, id)
    who = who.sort_values("person_id", kind="stable")
    row = rank.index.get_indexer(pd.MultiIndex.from_frame(who[["group", "to"]]))
    by_row = np.argsort(row, kind="stable")
    ids = who["person_id"].to_numpy(dtype=object)[by_row]
    cuts = np.searchsorted(row[by_row], np.arange(len(rank) + 1))
    counts = role_counts.reindex(rank.index).to_numpy(dtype=np.int64)
    names = list(roles.columns)
    for (g, to), n_people, n_ties, held_roles, lo, hi in zip(
        rank.index,
        rank["people"].tolist(),
        rank["ties"].tolist(),
        counts,
        cuts[:-1].tolist(),
        cuts[1:].tolist(),
        strict=True,
    ):
        who_ids = ids[lo:hi]
        few = int(n_people) < min_size
        out.setdefault(str(g), []).append(
            {
                "department": str(to),
                "people": None if few else int(n_people),
                "few": few,
                "ties": None if few else int(n_ties),
                "roles": None
                if few
                else {k: int(v) for k, v in zip(names, held_roles.tolist(), strict=True) if v},
                "ids": [str(x) for x in who_ids],
            }
        )
    return out


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
