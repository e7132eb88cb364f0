"""My group's stored figures (value/group_figures.py) on a hand-made organisation: renewal by the
community-health rules, Q&A per group and per channel, who bridges a group to which
department (with roles, few bridgers not broken down), and the privacy gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from groundswell.privacy import SUPPRESSED, UNKNOWN
from groundswell.value import group_figures
from groundswell.value._base import TieCodes

# Departments: A (a0..a5: team A1 = a0..a2, A2 = a3..a5), B (b0..b5), C (c0, c1) and D
# (d0, d1): C and D below the minimum of 3, suppressed together (4 people, two groups)
PEOPLE = pd.DataFrame(
    {
        "department": ["A"] * 6 + ["B"] * 6 + ["C"] * 2 + ["D"] * 2,
        "team": ["A1"] * 3 + ["A2"] * 3 + ["B1"] * 6 + ["C1"] * 2 + ["D1"] * 2,
    },
    index=pd.Index([f"a{i}" for i in range(6)] + [f"b{i}" for i in range(6)]
                   + ["c0", "c1", "d0", "d1"], name="person_id"),
)  # fmt: skip


def _units(people: pd.DataFrame, channels: pd.DataFrame) -> dict[str, pd.DataFrame]:
    ids = people.index
    return {
        "department": pd.DataFrame({"person_id": ids, "group": people["department"].to_numpy()}),
        "team": pd.DataFrame({"person_id": ids, "group": people["team"].to_numpy()}),
        "channel": channels,
    }


def _frames() -> group_figures.Frames:
    # ties: a0-b0, a1-b0, a2-b1, a3-b2, a4-b3 (five A people reach B), a5-c0 (one reaches C),
    # plus ties inside A and inside B
    ties = pd.DataFrame(
        [("a0", "b0"), ("b0", "a1"), ("a2", "b1"), ("a3", "b2"), ("a4", "b3"), ("a5", "c0"),
         ("a0", "a1"), ("a1", "a2"), ("a3", "a4"), ("b0", "b1"), ("b2", "b3"), ("b4", "b5")],
        columns=["actor_id", "target_id"],
    )  # fmt: skip
    roles = pd.DataFrame(False, index=PEOPLE.index, columns=["broker", "hub"])
    roles.loc[["a0", "a3"], "broker"] = True
    roles.loc["a0", "hub"] = True
    # windows: A's active people: W = a0..a4 + a5; P = a0..a3 + x; P2 = a0, a1
    active = {
        "w": pd.Index(["a0", "a1", "a2", "a3", "a4", "a5", "b0", "b1", "b2", "b3", "b4", "b5",
                       "c0"]),
        "p1": pd.Index(["a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3", "b4", "b5"]),
        "p2": pd.Index(["a0", "a1", "b0", "b1", "b2", "b3", "b4", "b5"]),
    }  # fmt: skip
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    questions = pd.DataFrame(
        {
            "question_id": ["q1", "q2", "q3", "q4", "q5"],
            "asker": ["a0", "a1", "a3", "b0", "b1"],
            "channel_id": ["c-help"] * 5,
            "channel_name": ["help", "help", "help", "help", None],
            "answered": [True, True, False, True, False],
            "hours": [1.0, 30.0, np.nan, 2.0, np.nan],
            "ts": [t0] * 5,
        }
    )
    answers = pd.DataFrame(
        {"question_id": ["q1", "q2", "q4"], "answerer": ["a1", "b2", "a3"], "ts": [t0] * 3}
    )
    channels = pd.DataFrame(
        {"person_id": ["a0", "a1", "a3", "b0", "b2", "b4"], "group": ["help"] * 6}
    )
    return group_figures.Frames(
        units=_units(PEOPLE, channels),
        people=PEOPLE,
        active=active,
        ties=ties,
        roles=roles,
        questions=questions,
        answers=answers,
        answer_hours=24.0,
    )


def test_renewal_is_the_community_health_rule_on_active_members() -> None:
    out = group_figures.groups(_frames(), min_size=3)
    a = out["department"]["A"]["renewal"]
    # W = {a0..a5} (6), P = {a0..a3} (4), P2 = {a0, a1}: joined a4, a5; nobody left;
    # P's newcomers a2, a3 both still here
    assert (a["size"], a["previous_size"], a["joined"], a["left"]) == (6, 4, 2, 0)
    assert a["newcomer_share"] == pytest.approx(2 / 6)
    assert a["retention"] == pytest.approx(1.0)
    assert a["newcomers_stayed"] == pytest.approx(1.0)
    a2 = out["team"]["A2"]["renewal"]  # W = {a3, a4, a5}, P = {a3}, P2 = {}
    assert (a2["size"], a2["joined"], a2["retention"]) == (3, 2, 1.0)
    assert a2["newcomers_stayed"] == pytest.approx(1.0)  # a3 new in P (not in P2), stayed


def test_questions_and_answers_per_group_and_channel() -> None:
    out = group_figures.groups(_frames(), min_size=3)
    qa = out["department"]["A"]["qa"]
    # A asked q1 (answered by a1 in 1 h), q2 (by b2 in 30 h), q3 (unanswered)
    assert (qa["questions"], qa["answered"]) == (3, 2)
    assert qa["answered_share"] == pytest.approx(2 / 3)
    assert qa["fast_share"] == pytest.approx(1 / 3)  # within 24 hours
    assert qa["median_hours"] == pytest.approx(15.5)
    assert qa["outside_share"] == pytest.approx(1 / 3)  # q2 answered by b2
    assert qa["answers_for_others"] == 1  # a3 answered b0's q4
    b = out["department"]["B"]["qa"]
    assert (b["questions"], b["answered"], b["outside_share"]) == (2, 1, pytest.approx(0.5))
    assert b["answers_for_others"] == 1  # b2 answered a1's q2
    # a channel: the questions asked in it (q5 has no name: the channel's id), no outside
    help_qa = out["channel"]["help"]["qa"]
    assert (help_qa["questions"], help_qa["answered"]) == (4, 3)
    assert help_qa["outside_share"] is None


def test_bridges_by_department_with_roles_and_the_gate() -> None:
    out = group_figures.groups(_frames(), min_size=3)
    bridges = {b["department"]: b for b in out["department"]["A"]["bridges"]}
    # to B: a0, a1, a2, a3, a4 (five people, five ties); roles: brokers a0, a3; hub a0
    to_b = bridges["B"]
    assert (to_b["people"], to_b["ties"], to_b["few"]) == (5, 5, False)
    assert to_b["roles"] == {"broker": 2, "hub": 1}
    assert to_b["ids"] == ["a0", "a1", "a2", "a3", "a4"]
    # C has two people: below the minimum, named through the gate as suppressed; one
    # bridger (a5): too few to count or break down
    hidden = bridges[SUPPRESSED]
    assert hidden["few"] and hidden["people"] is None and hidden["roles"] is None
    assert hidden["ties"] is None
    # team A1 (a0..a2) reaches B only; ties inside A (a2-a1) are not bridges
    a1 = out["team"]["A1"]["bridges"]
    assert [b["department"] for b in a1] == ["B"] and a1[0]["people"] == 3
    # B's bridges: b0..b3 to A (four people: at least the minimum of 3)
    assert out["department"]["B"]["bridges"][0]["people"] == 4


def test_groups_the_gate_suppresses_are_not_stored() -> None:
    out = group_figures.groups(_frames(), min_size=3)
    # C and D (two each) are suppressed, A and B (six each) shown; teams alike
    assert set(out["department"]) == {"A", "B"}
    assert set(out["team"]) == {"A1", "A2", "B1"}
    out5 = group_figures.groups(_frames(), min_size=5)
    # teams of 3 below 5: A1, A2, C1 and D1 suppressed together, B1 (6) shown
    assert set(out5["team"]) == {"B1"}


def test_empty_earlier_windows() -> None:
    """Data that starts with the window (ids as Arrow-backed strings): nobody active in the
    two windows before and no question — renewal counts everyone as a newcomer, retention
    and newcomers who stayed are undefined, no Q&A figure."""
    f = _frames()
    arrow = "string[pyarrow]"
    people = PEOPLE.astype(arrow)
    people.index = people.index.astype(arrow)
    f.people = people
    f.active = {
        "w": pd.Index(["a0", "a1", "a2", "b0", "b1", "b2"], dtype=arrow),
        "p1": pd.Index([], dtype=arrow),
        "p2": pd.Index([], dtype=arrow),
    }
    f.questions = f.questions.iloc[0:0]
    f.answers = f.answers.iloc[0:0]
    out = group_figures.groups(f, min_size=3)
    a = out["department"]["A"]["renewal"]
    assert (a["size"], a["joined"], a["newcomer_share"]) == (3, 3, 1.0)
    assert a["retention"] is None and a["newcomers_stayed"] is None
    assert out["department"]["A"]["qa"] is None


def test_no_org_chart_at_all() -> None:
    """Chat data alone (the real Slack sample): no department, no team, ids as pandas
    strings — no formal group, and no error (an empty string column cannot be merged
    unless its values are plain objects)."""
    f = _frames()
    people = pd.DataFrame(
        {"department": [None] * len(PEOPLE), "team": [None] * len(PEOPLE)},
        index=PEOPLE.index.astype("str"),
        dtype=object,
    )
    f.people = people
    f.units = _units(people, f.units["channel"])
    f.active = {k: v.astype("str") for k, v in f.active.items()}
    out = group_figures.groups(f, min_size=3)
    assert all(r.get("renewal") is None for r in out["department"].values())
    assert all(not r["bridges"] for r in out["channel"].values())  # no department to reach


# -- the same figures as the pandas formulation they replaced --------------------------------
# groups() computes Q&A and bridges on integer codes (NumPy) since issue 20; the pandas
# formulation it replaced (merges and group-bys, commit 2c39de5) is kept below as the oracle,
# and both must give the same values, in the same order, on random organisations.


def _old_pairs(ties: pd.DataFrame) -> pd.DataFrame:
    a, b = ties["actor_id"].to_numpy(), ties["target_id"].to_numpy()
    both = pd.DataFrame(
        {"person_id": np.concatenate([a, b]), "other": np.concatenate([b, a])}
    ).drop_duplicates()
    return both[both["person_id"] != both["other"]]


def _old_qa(members, qs, ans, hours, *, channel):  # type: ignore[no-untyped-def]
    cols = ["questions", "answered", "answered_share", "fast_share", "median_hours",
            "outside_share", "answers_for_others"]  # fmt: skip
    if qs.empty:
        return pd.DataFrame(columns=cols)
    q = qs.assign(fast=qs["answered"] & (qs["hours"] <= hours))
    if channel:
        q = q.assign(group=q["channel_name"].fillna(q["channel_id"]))
        q = q[q["group"].isin(members["group"])]
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
    inside = members.rename(columns={"person_id": "answerer"}).assign(member=True)
    by = q[["question_id", "group"]].merge(ans[["question_id", "answerer"]], on="question_id")
    by = by.merge(inside, on=["group", "answerer"], how="left")
    outside = by[by["member"].isna()].groupby("group")["question_id"].nunique()
    out["outside_share"] = outside.reindex(out.index).fillna(0) / out["questions"]
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


def _old_bridges(members, pairs, dept, to_name, roles, min_size):  # type: ignore[no-untyped-def]
    m = members.merge(pairs, on="person_id")
    inside = members.rename(columns={"person_id": "other"}).assign(inside=True)
    m = m.merge(inside, on=["group", "other"], how="left")
    m = m[m["inside"].isna()]
    own = dept.reindex(m["person_id"]).to_numpy()
    far = dept.reindex(m["other"]).to_numpy()
    keep = pd.notna(own) & pd.notna(far) & (own != far)
    m = m[keep].assign(to=[to_name.get(d, SUPPRESSED) for d in far[keep]])
    m = m[m["to"] != UNKNOWN]
    out: dict = {}
    if m.empty:
        return out
    agg = m.groupby(["group", "to"]).agg(people=("person_id", "nunique"), ties=("other", "size"))
    who = m[["group", "to", "person_id"]].drop_duplicates()
    held = who.join(roles.astype(bool), on="person_id").fillna(False)
    role_counts = held.groupby(["group", "to"])[list(roles.columns)].sum()
    for (g, to), r in agg.sort_values("people", ascending=False).iterrows():
        few = int(r["people"]) < min_size
        ids = sorted(who.loc[(who["group"] == g) & (who["to"] == to), "person_id"])
        counts = role_counts.loc[(g, to)]
        out.setdefault(str(g), []).append(
            {
                "department": str(to),
                "people": None if few else int(r["people"]),
                "few": few,
                "ties": None if few else int(r["ties"]),
                "roles": None if few else {k: int(v) for k, v in counts.items() if v},
                "ids": [str(x) for x in ids],
            }
        )
    return out


def _old_value(v):  # type: ignore[no-untyped-def]
    return None if pd.isna(v) else float(v)


def _random_frames(seed: int) -> group_figures.Frames:
    """A random organisation with the awkward cases: people without a department, ties and
    questions of people the org chart does not know, self-ties and repeated ties, channels
    with many members each, missing askers and answerers, unanswered questions."""
    rng = np.random.default_rng(seed)
    n = 60
    ids = [f"p{i:02d}" for i in range(n)]
    depts = rng.choice(["A", "B", "C", "D", None], size=n, p=[0.3, 0.3, 0.2, 0.1, 0.1])
    people = pd.DataFrame(
        {"department": depts, "team": [f"{d}{rng.integers(2)}" if d else None for d in depts]},
        index=pd.Index(ids, name="person_id"),
    ).astype("str")
    everyone = [*ids, "x1", "x2"]  # two people outside the org chart
    ties = pd.DataFrame(
        {"actor_id": rng.choice(everyone, 300), "target_id": rng.choice(everyone, 300)}
    )
    roles = pd.DataFrame(
        rng.random((40, 3)) < 0.3, index=pd.Index(ids[:40]), columns=["broker", "hub", "peripheral"]
    )
    comm = pd.DataFrame({"person_id": ids, "group": [str(c) for c in rng.integers(0, 6, n)]})
    channels = pd.DataFrame(
        {"person_id": rng.choice(ids, 150), "group": rng.choice(["c1", "c2", "c3", "help"], 150)}
    ).drop_duplicates()
    units = _units(people, channels)
    units["community"] = comm.astype("str")
    units = {k: v.astype("str") for k, v in units.items()}
    nq = 80
    answered = rng.random(nq) < 0.7
    questions = pd.DataFrame(
        {
            "question_id": [f"q{i}" for i in range(nq)],
            "asker": [a if rng.random() > 0.05 else None for a in rng.choice(everyone, nq)],
            "channel_id": rng.choice(["i1", "i2", "i3", "i4"], nq),
            "channel_name": rng.choice(["c1", "c2", "help", None], nq),
            "answered": answered,
            "hours": np.where(answered, rng.integers(1, 60, nq).astype(float), np.nan),
        }
    ).astype({"question_id": "str", "channel_id": "str", "channel_name": "str"})
    answers = pd.DataFrame(
        {
            "question_id": rng.choice(questions["question_id"].to_numpy()[answered], 120),
            "answerer": [a if rng.random() > 0.05 else None for a in rng.choice(everyone, 120)],
        }
    ).drop_duplicates()
    active = {k: pd.Index(rng.choice(ids, 40, replace=False)) for k in ("w", "p1", "p2")}
    return group_figures.Frames(
        units=units, people=people, active=active, ties=ties, roles=roles,
        questions=questions, answers=answers, answer_hours=24.0,
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_the_same_figures_as_the_pandas_formulation(seed: int) -> None:
    f = _random_frames(seed)
    min_size = 2 + seed % 3
    out = group_figures.groups(f, min_size)
    dept = f.people["department"]
    dept_sizes = f.units["department"].groupby("group").size()
    to_name = group_figures.gate_names(dept_sizes, min_size)
    pairs = _old_pairs(f.ties)
    checked = 0
    for scale, rows in out.items():
        members = f.units[scale][f.units[scale]["group"].isin(list(rows))]
        members = members.drop_duplicates(["group", "person_id"])
        qa = _old_qa(members, f.questions, f.answers, 24.0, channel=scale == "channel")
        expected_qa = {
            g: {k: _old_value(v) for k, v in zip(qa.columns, vals, strict=True)}
            for g, vals in zip(qa.index, qa.to_numpy(), strict=True)
        }
        bridges = _old_bridges(members, pairs, dept, to_name, f.roles, min_size)
        for g, row in rows.items():
            assert row["qa"] == expected_qa.get(g), (scale, g)
            assert list(row["qa"] or {}) == list(group_figures.QA) if row["qa"] else True
            assert row["bridges"] == bridges.get(g, []), (scale, g)
            checked += bool(row["qa"]) + bool(row["bridges"])
    assert checked > 10  # the figures compared are not all empty


@pytest.mark.parametrize("seed", range(3))
def test_the_same_figures_from_tie_codes_and_in_small_runs_of_memberships(
    seed: int, monkeypatch
) -> None:
    f = _random_frames(seed)
    whole = group_figures.groups(f, 2)
    assert any(row["bridges"] for rows in whole.values() for row in rows.values())
    f.ties = TieCodes.of(f.ties)
    assert group_figures.groups(f, 2) == whole
    for budget in (1, 7, 50):  # a run of one membership, a few, many
        monkeypatch.setattr(group_figures, "BRIDGE_BUDGET", budget)
        assert group_figures.groups(f, 2) == whole
