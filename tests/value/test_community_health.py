"""Community health: each rule on frames small enough to check by hand, and the suppression
of small communities on the conftest scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from groundswell.privacy import SUPPRESSED
from groundswell.value import community_health, compute
from groundswell.value.queries import settings
from tests.value.conftest import SCENARIO, WINDOW, build


def _m(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_key", "person_id"])


def test_renewal_by_hand() -> None:
    older = _m([("u", "a"), ("u", "b")])
    before = _m([("u", "a"), ("u", "b"), ("u", "c"), ("u", "d")])  # c and d new in P
    now = _m([("u", "a"), ("u", "c"), ("u", "e"), ("u", "f"), ("u", "g")])  # b, d left
    r = community_health._renewal(now, before, older).loc["u"]
    assert (r["size"], r["joined"], r["left"]) == (5, 3, 2)  # e, f, g joined
    assert r["newcomer_share"] == pytest.approx(3 / 5)
    assert r["retention"] == pytest.approx(2 / 4)  # a and c stayed of a, b, c, d
    assert r["newcomers_stayed"] == pytest.approx(1 / 2)  # of P's newcomers c, d: c


def test_insularity_by_hand() -> None:
    members = _m([("u", "a"), ("u", "b")])
    ties = pd.DataFrame(
        {
            "actor_id": ["a", "b", "a", "c", "c"],
            "target_id": ["b", "a", "c", "a", "d"],
            "weight": [2.0, 1.0, 1.0, 4.0, 9.0],
        }
    )
    # inside: a->b 2 + b->a 1 = 3; touching a member: 3 + a->c 1 + c->a 4 = 8 (c->d is not)
    assert community_health._insularity(members, ties).loc["u"] == pytest.approx(3 / 8)


def _unit(**kw: object) -> dict:
    base = {
        "size": 10, "previous_size": 10, "acts": 100, "previous_acts": 100,
        "top_team_share": 0.2, "top_department_share": 0.5, "top_unit_share": 0.2,
        "question_share": 0.0,
        "answered_share": np.nan, "across_team_share": np.nan, "evidence": None,
        "newcomer_share": 0.3, "retention": 0.5, "excess_insularity": 0.1,
    }  # fmt: skip
    return base | kw


S = {
    "team_room_team_share": 0.5, "team_room_department_share": 0.9,
    "practice_question_share": 0.2, "practice_answered_share": 0.5,
    "practice_across_share": 0.3, "purpose_channels": ["proj-*"],
    "stagnant_newcomer_share": 0.05, "stagnant_retention": 0.8, "stagnant_insularity": 0.2,
}  # fmt: skip
SOLVES = {"question_share": 0.25, "answered_share": 0.6, "across_team_share": 0.4}


def test_kind_trend_and_stagnation_rules() -> None:
    closed = {"newcomer_share": 0.0, "retention": 1.0, "excess_insularity": 0.5}
    made = "first to adopt 'x'"
    t = pd.DataFrame(
        [
            _unit(top_team_share=0.6),  # one team: a team room
            _unit(top_department_share=0.95),  # one department: a team room
            _unit(**SOLVES),  # questions, answered, across teams: practice
            _unit(),  # interest
            _unit(size=12, acts=120),  # +20% members: growing
            _unit(size=10, acts=120),  # same members, +20% activity: busier, not growing
            _unit(**closed),  # the same members, closed: stagnating
            _unit(**closed, top_team_share=0.6),  # ... but a team's own room is not
            _unit(**closed, size=4, previous_size=4),  # ... nor a group below the minimum
            _unit(**closed | {"excess_insularity": 0.1}),  # ... nor an open one
            _unit(previous_size=0, previous_acts=0),  # new this window
            _unit(**SOLVES | {"evidence": made}),  # produced something: purpose beats practice
            _unit(evidence=made, top_team_share=0.7),  # a team producing: still its room
            _unit(**SOLVES | {"answered_share": 0.4}),  # questions left unanswered: interest
            _unit(**SOLVES | {"across_team_share": 0.2}),  # answered within teams: interest
            _unit(**SOLVES | {"question_share": 0.1}),  # few questions: interest
            _unit(**SOLVES | {"top_unit_share": 0.6}),  # a manager and reports: a team room
            _unit(size=8, acts=140),  # members fell 20%: shrinking, whatever the activity
            _unit(**closed, network_share=0.6),  # most of the network: nobody left to arrive
        ]
    )
    out = community_health._classify(t, S, 5)
    assert out["kind"].tolist() == [
        "team_room", "team_room", "practice", "interest", "interest", "interest", "interest",
        "team_room", "interest", "interest", "interest", "purpose", "team_room", "interest",
        "interest", "interest", "team_room", "interest", "interest",
    ]  # fmt: skip
    assert out["trend"].tolist()[3:6] == ["stable", "growing", "busier"]
    assert out["trend"].iloc[10] == "new" and out["trend"].iloc[-2] == "shrinking"
    assert out["stagnating"].tolist() == [False] * 6 + [True] + [False] * 12


def test_composition_by_hand() -> None:
    people = pd.DataFrame(
        {
            "team": ["Lead", "T1", "T2", "T3", "T3"],
            "department": ["D1", "D1", "D2", "D3", "D3"],
            "manager_id": [None, "m", "m", "m", "x"],
        },
        index=pd.Index(["m", "a", "b", "c", "d"], name="person_id"),
    )
    # m leads a, b, c: a leadership team's room whose members each sit in another team
    room = _m([("u", "m"), ("u", "a"), ("u", "b"), ("u", "d")])
    c = community_health._composition(room, people).loc["u"]
    assert c["top_team_share"] == pytest.approx(1 / 4)  # teams Lead, T1, T2, T3: one each
    assert c["top_department_share"] == pytest.approx(2 / 4)  # m and a in D1
    assert c["top_unit_share"] == pytest.approx(3 / 4)  # m's unit: m, a, b (d reports to x)
    assert c["teams"] == 4


def test_project_channels_by_name() -> None:
    t = pd.DataFrame(
        [
            _unit() | {"unit": "channel", "name": "proj-atlas"},
            _unit() | {"unit": "channel", "name": "PROJ-Beta"},  # patterns ignore case
            _unit() | {"unit": "channel", "name": "my-proj-x"},  # the pattern is anchored
            _unit() | {"unit": "community", "name": "proj-1"},  # a community is not a channel
            _unit() | {"unit": "community", "name": "4"},
        ]
    ).drop(columns="evidence")
    produced = pd.DataFrame(
        {"unit": ["community"], "unit_key": ["4"], "evidence": ["first to adopt 'x'"]}
    )
    out = community_health._evidence(t, produced, S)
    assert out["evidence"].notna().tolist() == [True, True, False, False, True]
    assert out["evidence"].iloc[0] == community_health.PROJECT


def test_answered_across_teams_by_hand() -> None:
    team = pd.Series({"a": "T1", "b": "T1", "c": "T2", "d": None})
    qs = pd.DataFrame(
        {
            "question_id": ["q1", "q2", "q3", "q4"],
            "asker": ["a", "a", "c", "d"],
            "channel_id": ["C1", "C1", "C1", "C2"],
            "channel_name": ["help", "help", None, "x"],
            "channel_kind": "public",
            "answered": [True, True, False, True],
        }
    )
    ans = pd.DataFrame({"question_id": ["q1", "q1", "q2", "q4"], "answerer": ["b", "c", "b", "a"]})
    q = community_health._answered_across(qs, ans, team).set_index("question_id")
    # q1: b (same team) and c (T2): across; q2: only b; q3 unanswered; q4: asker's team unknown
    assert q["across_team"].tolist() == [True, False, False, False]
    assert q["unit_key"].tolist() == ["help", "help", "C1", "x"]  # the name, else the id
    f = community_health._question_figures(q.reset_index(), q["unit_key"])
    assert f.loc["help", "questions"] == 2 and f.loc["help", "answered_share"] == 1.0
    assert f.loc["help", "across_team_share"] == pytest.approx(1 / 2)
    assert f.loc["C1", "answered_share"] == 0 and np.isnan(f.loc["C1", "across_team_share"])


def test_origins_by_hand() -> None:
    # behaviour b: 12 adopters in order p0..p11; the first max(3, ceil(0.1 * 12)) = 3 are
    # p0, p1, p2; unit U holds p0, p1 (2 of 3 >= 0.5) and 9 non-members followed (>= 3)
    t = pd.date_range("2024-01-01", periods=12, freq="D", tz="UTC")
    ad = pd.DataFrame({"person_id": [f"p{i}" for i in range(12)], "behaviour": "b", "ts": t})
    units = pd.DataFrame(
        {
            "unit": "channel",
            "unit_key": ["U", "U", "V", "V"],
            "person_id": ["p0", "p1", "p2", "p11"],
        }
    )
    # ALL holds all twelve: the three first adopters, but no more than everyone (lift 1)
    everyone = pd.DataFrame({"unit": "channel", "unit_key": "ALL", "person_id": ad["person_id"]})
    members = pd.concat([units, everyone], ignore_index=True)
    out = community_health.origins(
        ad.iloc[::-1], members, first_share=0.1, origin_share=0.5, min_size=3
    )  # the order of the rows does not matter: time does
    # U: (2/3 of the first adopters) / (2/12 of the people) = lift 4 >= 2; V: 1 of 3 < 0.5
    assert out[["unit_key", "first", "inside", "followers"]].values.tolist() == [["U", 3, 2, 9]]
    assert "2 of its first 3 adopters" in out["evidence"].iloc[0]
    # with 5 adopters there are too few to tell a start from a spread (3 first + 2 after)
    few = community_health.origins(
        ad.head(5), members, first_share=0.1, origin_share=0.5, min_size=3
    )
    assert few.empty
    # U2 holds all twelve adopters, in an organisation of 24: lift 2, but nobody outside it
    # took the behaviour up, so it produced nothing for others
    inside = everyone.assign(unit_key="U2")
    rest = pd.DataFrame({"unit": "channel", "unit_key": "X", "person_id": list("abcdefghijkl")})
    alone = community_health.origins(
        ad, pd.concat([inside, rest]), first_share=0.1, origin_share=0.5, min_size=3
    )
    assert alone.empty


def test_health_on_the_scenario_suppresses_small_units(tmp_path) -> None:
    ws = build(tmp_path / "strict", SCENARIO, min_group_size=5)
    try:
        table = compute.health(ws, window=WINDOW)
        s = settings(ws)
    finally:
        ws.close()
    assert s["stagnant_insularity"] == 0.2
    # three channels with 2-3 writers each: one suppressed row without figures
    assert table["name"].tolist() == [SUPPRESSED]
    assert table.drop(columns=["unit", "name"]).isna().all(axis=None)


def test_health_by_hand_on_the_scenario(tiny) -> None:
    table = compute.health(tiny, window=WINDOW).set_index("name")
    eng = table.loc["eng-chat"]
    # writers bob, dan (reply) and cat (reaction); nobody wrote there the week before
    assert eng["size"] == 3 and eng["joined"] == 3 and np.isnan(eng["retention"])
    assert eng["trend"] == "new"
    # two threads (p1, p2): p1 drew a reply
    assert eng["responsiveness"] == pytest.approx(0.5)
    # ties touching bob, dan or cat: bob->dan, dan->bob, bob->cat inside; eve->cat touching
    # weights (reply 1, dm 1, reaction 0.5): bob->dan 2, dan->bob 3, bob->cat 2, eve->cat 3
    assert eng["insularity"] == pytest.approx(7 / 10)
    assert eng["activity"] == pytest.approx(4 / 1)  # p1, r1, a1, p2 in one week


def test_outcomes_credited_by_hand() -> None:
    tags = pd.DataFrame(
        {
            "tag": ["#Proj-Atlas", "proj-atlas", "community:3", "nowhere", "C42"],
            "records": [2, 1, 4, 7, 1],
            "measures": [["revenue"], ["nps"], ["savings"], ["x"], ["y"]],
        }
    )
    units = pd.DataFrame(
        {
            "unit": ["channel", "channel", "community", "community", "channel"],
            "unit_key": ["proj-atlas", "proj-atlas", "3", "4", "C42"],
        }
    )
    out = community_health.credited(tags, units).set_index(["unit", "unit_key"])["evidence"]
    # the channel's two spellings add up; a community by "community N"; an id; no guesses
    assert out.to_dict() == {
        ("channel", "C42"): "1 outcome record credited to it (y)",
        ("channel", "proj-atlas"): "3 outcome records credited to it (nps, revenue)",
        ("community", "3"): "4 outcome records credited to it (savings)",
    }
    assert community_health.credited(tags.iloc[:0], units).empty


def test_outcomes_credited_to_a_channel_make_it_purpose(tmp_path) -> None:
    import groundswell as gs
    from tests.value.conftest import set_setting

    build(tmp_path / "tagged", SCENARIO, min_group_size=1).close()
    # ask-eng: dan (Eng, Core) asks, cat (Sales, North) answers: half in one team, which
    # this test does not count as a team's room
    set_setting(tmp_path / "tagged", "team_room_team_share = 0.5", "team_room_team_share = 0.6")
    ws = gs.open(tmp_path / "tagged")
    try:
        before = compute.health(ws, window=WINDOW).set_index("name")
        assert before.loc["ask-eng", "kind"] == "practice"  # one question, answered across
        # an outcomes file as a user brings it (groundswell ingest outcomes), its tag naming
        # the channel as people write it; the second row is after the window: not counted
        from tests.conftest import write_csv

        path = write_csv(
            tmp_path / "outcomes.csv",
            ["team", "measure", "value", "date", "tag"],
            [["Core", "fixes shipped", "3", "2024-01-09", "#ask-eng"],
             ["Core", "fixes shipped", "5", "2024-02-09", "ask-eng"]],
        )  # fmt: skip
        ws.ingest("outcomes", path)
        after = compute.health(ws, window=WINDOW).set_index("name")
    finally:
        ws.close()
    assert after.loc["ask-eng", "kind"] == "purpose"
    assert after.loc["ask-eng", "evidence"] == "1 outcome record credited to it (fixes shipped)"
