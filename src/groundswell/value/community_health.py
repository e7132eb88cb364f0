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
newcomer_share     members in W who were not members in P, over the members in W
retention          members of P still members in W, over the members of P
newcomers_stayed   newcomers of P (members in P, not in P2) still members in W, over them
                   (None when P2 starts before the data)
size_change,       W against P, as a relative change; the trend is *growing* when one of
activity_change    them rose by 10% or more and neither fell by 10% or more, *shrinking* in
                   the mirror case, *mixed* when one rose and one fell, else *stable*
kind               *purpose* when at least ``value.purpose_team_share`` of its members sit in
                   one team, or 90% in one department (a formal unit's own room: it exists to
                   get that unit's work done); else *practice* when at least
                   ``value.practice_question_share`` of its threads are questions (people of
                   the same craft helping each other); else *interest*
stagnating         not of purpose, at least the minimum group size, newcomers at most
                   ``value.stagnant_newcomer_share``, retention at least
                   ``value.stagnant_retention`` and excess insularity at least
                   ``value.stagnant_insularity``: the same members only talk to each other and
                   nobody new arrives
=================  ==========================================================================

Units with fewer members than the minimum group size are merged into one suppressed row.

References
----------
Wenger, E., McDermott, R. and Snyder, W. M. (2002). *Cultivating Communities of Practice*
(communities of practice, of interest and of purpose; the life cycle of a community).
Kraut, R. E. and Resnick, P. (2012). *Building Successful Online Communities* (newcomers,
retention and turnover). Krackhardt, D. and Stern, R. N. (1988). Informal networks and
organizational crises. *Social Psychology Quarterly* 51(2) (the E-I view of insularity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from groundswell.privacy import SUPPRESSED
from groundswell.value._base import GROUP_KINDS, gate_rows, ratio

KINDS = ("purpose", "practice", "interest")
#: a community of purpose when this share of its members sit in one department
PURPOSE_DEPARTMENT_SHARE = 0.9
#: relative change that counts as a trend
TREND_CHANGE = 0.1
COLUMNS = [
    "unit", "name", "kind", "size", "activity", "responsiveness", "insularity",
    "excess_insularity", "newcomer_share", "retention", "newcomers_stayed", "joined", "left",
    "size_change", "activity_change", "trend", "stagnating", "top_team_share",
    "top_department_share", "question_share",
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
    questions: pd.DataFrame  # the questions of W
    channel_members: dict[str, pd.DataFrame]  # "w", "p1", "p2": queries.channel_members
    channel_activity: pd.DataFrame  # queries.channel_activity (P and W)


def health(f: Frames, s: dict[str, Any], min_size: int) -> pd.DataFrame:
    """Health of every Leiden community and every group channel of a window against the two
    windows before it.

    Returns one row per unit with :data:`COLUMNS` (see the module docstring); ``unit`` is
    ``community`` or ``channel``.
    """
    frames = []
    if f.communities is not None:
        comm = f.communities.astype(str)
        frames.append(_communities(comm, f.ties, f.people, f.roots, f.questions))
    frames.append(_channels(f.channel_members, f.ties["w"], f.people, f))
    frames = [fr for fr in frames if len(fr)]
    if not frames:  # no community nor channel: a run on Viva or survey data only
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    if not f.history:
        table["newcomers_stayed"] = np.nan
    table["activity"] = table["acts"] / f.weeks
    n = max(f.members, 2)
    share = ((table["size"] - 1) / (n - 1)).clip(0, 0.999)
    table["excess_insularity"] = ((table["insularity"] - share) / (1 - share)).clip(lower=0)
    table = _classify(table, s, min_size)
    return _suppress(table[COLUMNS], min_size)


def _renewal(now: pd.DataFrame, before: pd.DataFrame, older: pd.DataFrame) -> pd.DataFrame:
    """Per unit, from memberships (unit, person_id) of W, P and P2: size, joined, left,
    newcomer_share, retention, newcomers_stayed."""
    key = ["unit_key", "person_id"]
    w = now[key].drop_duplicates().assign(w=True)
    p = before[key].drop_duplicates().assign(p=True)
    q = older[key].drop_duplicates().assign(q=True)
    m = w.merge(p, on=key, how="outer").merge(q, on=key, how="left")
    m = m.fillna({"w": False, "p": False, "q": False}).infer_objects()
    m["joined"] = m["w"] & ~m["p"]
    m["left"] = m["p"] & ~m["w"]
    m["stay"] = m["w"] & m["p"]
    m["new_p"] = m["p"] & ~m["q"]
    m["new_p_stay"] = m["new_p"] & m["w"]
    g = m.groupby("unit_key")[["w", "p", "joined", "left", "stay", "new_p", "new_p_stay"]].sum()
    out = pd.DataFrame(index=g.index)
    out["size"] = g["w"]
    out["previous_size"] = g["p"]
    out["joined"] = g["joined"]
    out["left"] = g["left"]
    out["newcomer_share"] = ratio(g["joined"], g["w"])
    out["retention"] = np.where(g["p"] > 0, ratio(g["stay"], g["p"]), np.nan)
    out["newcomers_stayed"] = np.where(g["new_p"] > 0, ratio(g["new_p_stay"], g["new_p"]), np.nan)
    return out


def _insularity(members: pd.DataFrame, ties: pd.DataFrame) -> pd.Series:
    """Per unit: weight of ties between two members over the weight of ties with at least
    one member end (members: unit_key, person_id)."""
    m = members[["unit_key", "person_id"]].drop_duplicates()
    a = ties.merge(m.rename(columns={"person_id": "actor_id"}), on="actor_id")
    b = ties.merge(m.rename(columns={"person_id": "target_id"}), on="target_id")
    inside = a.merge(m.rename(columns={"person_id": "target_id"}), on=["unit_key", "target_id"])
    w_a = a.groupby("unit_key")["weight"].sum()
    w_b = b.groupby("unit_key")["weight"].sum()
    both = inside.groupby("unit_key")["weight"].sum()
    touching = w_a.add(w_b, fill_value=0).sub(both, fill_value=0)
    return both.reindex(touching.index).fillna(0.0) / touching


def _composition(members: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Per unit: the largest share of its members in one team, and in one department."""
    m = members.join(people[["team", "department"]], on="person_id")
    out = {}
    for col in ("team", "department"):
        counts = m.groupby(["unit_key", col]).size()
        out[f"top_{col}_share"] = counts.groupby(level=0).max() / m.groupby("unit_key").size()
    return pd.DataFrame(out).fillna(0.0)


def _communities(
    comm: pd.Series,
    ties: dict[str, pd.DataFrame],
    people: pd.DataFrame,
    roots: pd.DataFrame,
    qs: pd.DataFrame,
) -> pd.DataFrame:
    def active(t: pd.DataFrame) -> pd.DataFrame:
        a = t["actor_id"].map(comm)
        b = t["target_id"].map(comm)
        inside = t[(a == b) & a.notna()]
        who = pd.concat([inside["actor_id"], inside["target_id"]]).unique()
        return pd.DataFrame({"unit_key": comm.reindex(who).to_numpy(), "person_id": who})

    memb = {k: active(t) for k, t in ties.items()}
    table = _renewal(memb["w"], memb["p1"], memb["p2"])
    everyone = pd.DataFrame({"unit_key": comm.to_numpy(), "person_id": comm.index})
    table["insularity"] = _insularity(everyone, ties["w"])
    for k, col in (("w", "acts"), ("p1", "previous_acts")):
        t = ties[k]
        a = t["actor_id"].map(comm)
        inside = t[(a == t["target_id"].map(comm)) & a.notna()]
        table[col] = inside.groupby(inside["actor_id"].map(comm))["n"].sum()
    table = table.join(_composition(memb["w"], people))
    table = table.join(_community_threads(roots, qs, comm))
    table["unit"] = "community"
    table["name"] = table.index.astype(str)
    return table.reset_index(drop=True).fillna({"acts": 0, "previous_acts": 0})


def _community_threads(roots: pd.DataFrame, qs: pd.DataFrame, comm: pd.Series) -> pd.DataFrame:
    """Per community: threads opened by its members (``roots``), how many drew a reply from
    someone else (responsiveness) and how many were questions (question share)."""
    roots = roots.copy()
    roots["unit_key"] = roots["person_id"].map(comm)
    roots["question"] = roots["message_id"].isin(qs["question_id"])
    g = roots.dropna(subset=["unit_key"]).groupby("unit_key")
    return pd.DataFrame(
        {"responsiveness": g["replied"].mean(), "question_share": g["question"].mean()}
    )


def _channels(
    members: dict[str, pd.DataFrame], ties_w: pd.DataFrame, people: pd.DataFrame, f: Frames
) -> pd.DataFrame:
    memb = {k: m.rename(columns={"group": "unit_key"}) for k, m in members.items()}
    table = _renewal(memb["w"], memb["p1"], memb["p2"])
    table["insularity"] = _insularity(memb["w"], ties_w)
    qs = f.questions
    counts = f.channel_activity.copy()
    qcount = (
        qs[qs["channel_kind"].isin(GROUP_KINDS)]
        .assign(unit_key=lambda d: d["channel_name"].fillna(d["channel_id"]))
        .groupby("unit_key")
        .size()
    )
    counts["responsiveness"] = np.where(
        counts["threads"] > 0, ratio(counts["replied"], counts["threads"]), np.nan
    )
    counts["question_share"] = ratio(qcount.reindex(counts.index).fillna(0), counts["threads"])
    table = table.join(counts[["acts", "previous_acts", "responsiveness", "question_share"]])
    table = table.join(_composition(memb["w"], people))
    table["unit"] = "channel"
    table["name"] = table.index.astype(str)
    return table.reset_index(drop=True).fillna({"acts": 0, "previous_acts": 0})


def _classify(table: pd.DataFrame, s: dict, min_size: int) -> pd.DataFrame:
    t = table.copy()
    prev_size = t["previous_size"].replace(0, np.nan)
    t["size_change"] = t["size"] / prev_size - 1
    t["activity_change"] = t["acts"] / t["previous_acts"].replace(0, np.nan) - 1
    up = (t["size_change"] >= TREND_CHANGE) | (t["activity_change"] >= TREND_CHANGE)
    down = (t["size_change"] <= -TREND_CHANGE) | (t["activity_change"] <= -TREND_CHANGE)
    t["trend"] = np.select(
        [up & ~down, down & ~up, up & down], ["growing", "shrinking", "mixed"], default="stable"
    )
    t.loc[t["previous_size"] == 0, "trend"] = "new"
    purpose = (t["top_team_share"] >= float(s["purpose_team_share"])) | (
        t["top_department_share"] >= PURPOSE_DEPARTMENT_SHARE
    )
    practice = t["question_share"].fillna(0) >= float(s["practice_question_share"])
    t["kind"] = np.select([purpose, practice], ["purpose", "practice"], default="interest")
    t["stagnating"] = (
        (t["kind"] != "purpose")
        & (t["size"] >= min_size)
        & (t["newcomer_share"] <= float(s["stagnant_newcomer_share"]))
        & (t["retention"].fillna(0) >= float(s["stagnant_retention"]))
        & (t["excess_insularity"].fillna(0) >= float(s["stagnant_insularity"]))
    )
    return t


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
