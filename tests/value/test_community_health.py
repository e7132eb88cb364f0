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
        "top_team_share": 0.2, "top_department_share": 0.5, "question_share": 0.0,
        "newcomer_share": 0.3, "retention": 0.5, "excess_insularity": 0.1,
    }  # fmt: skip
    return base | kw


def test_kind_trend_and_stagnation_rules() -> None:
    s = {
        "purpose_team_share": 0.5, "practice_question_share": 0.2,
        "stagnant_newcomer_share": 0.05, "stagnant_retention": 0.8, "stagnant_insularity": 0.2,
    }  # fmt: skip
    closed = {"newcomer_share": 0.0, "retention": 1.0, "excess_insularity": 0.5}
    t = pd.DataFrame(
        [
            _unit(top_team_share=0.6),  # one team: purpose
            _unit(top_department_share=0.95),  # one department: purpose
            _unit(question_share=0.25),  # questions: practice
            _unit(),  # interest
            _unit(size=12, acts=120),  # +20% size and activity: growing
            _unit(size=8, acts=120),  # one up, one down: mixed
            _unit(**closed),  # the same members, closed: stagnating
            _unit(**closed, top_team_share=0.6),  # ... but a team's own room is not
            _unit(**closed, size=4, previous_size=4),  # ... nor a group below the minimum
            _unit(**closed | {"excess_insularity": 0.1}),  # ... nor an open one
            _unit(previous_size=0, previous_acts=0),  # new this window
        ]
    )
    out = community_health._classify(t, s, 5)
    assert out["kind"].tolist() == [
        "purpose", "purpose", "practice", "interest", "interest", "interest", "interest",
        "purpose", "interest", "interest", "interest",
    ]  # fmt: skip
    assert out["trend"].tolist()[3:6] == ["stable", "growing", "mixed"]
    assert out["trend"].iloc[-1] == "new"
    assert out["stagnating"].tolist() == [False] * 6 + [True] + [False] * 4


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
