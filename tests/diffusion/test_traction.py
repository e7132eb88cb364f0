"""Traction (groundswell.diffusion.traction.measure): the index and its quality measures
against a small case computed by hand, the two-way share against NetworkX's reciprocity and
the cross-boundary share against the E-I index on random acts, and the privacy gate."""

from __future__ import annotations

import datetime as dt
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from groundswell.diffusion.traction import STALL_RATIO, measure
from groundswell.errors import AnalysisError, ConfigError, ParameterError
from groundswell.initiatives import Initiative
from groundswell.privacy import SUPPRESSED

W1, W2, W3 = dt.date(2024, 1, 1), dt.date(2024, 1, 8), dt.date(2024, 1, 15)


def _people(depts: dict[str, str]) -> pd.DataFrame:
    df = pd.DataFrame({"department": depts}).rename_axis("person_id")
    df["team"] = df["department"] + "-t"
    df["community"] = None
    df["by"] = df["department"]
    return df


def _ts(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz="UTC")


#: three departments: X (a1, a2, a3), Y (b1, b2), Z (c1)
PEOPLE = _people(
    {"a1": "X", "a2": "X", "a3": "X", "b1": "Y", "b2": "Y", "c1": "Z"}
)  # fmt: skip
MESSAGES = pd.DataFrame(
    [
        # week 1: a1's post answered by a2; b1's post answered only by b1 (not an answer)
        ("m1", "a1", _ts("2024-01-02 09:00"), None),
        ("m2", "a2", _ts("2024-01-02 10:00"), "m1"),
        ("m3", "b1", _ts("2024-01-03 09:00"), None),
        ("m4", "b1", _ts("2024-01-03 09:30"), "m3"),
    ],
    columns=["message_id", "author_id", "ts", "root"],
)
ACTS = pd.DataFrame(
    [
        ("a2", "a1", _ts("2024-01-02 10:00")),  # reply, inside X
        ("b1", "a1", _ts("2024-01-03 11:00")),  # mention, Y -> X
        ("a1", "b1", _ts("2024-01-04 11:00")),  # reaction, X -> Y: the pair is two-way
        ("c1", "b2", _ts("2024-01-16 11:00")),  # week 3: Z -> Y, one way
        ("a1", "a1", _ts("2024-01-04 12:00")),  # oneself: no act
        ("a1", "zz", _ts("2024-01-04 12:00")),  # someone outside: no act
    ],
    columns=["actor_id", "target_id", "ts"],
)
ROLES = pd.DataFrame(
    {"person_id": ["a1", "b1", "b1", "c1"], "role": ["hub", "broker", "influencer", "peripheral"]}
)


def test_the_index_and_quality_measures_match_the_hand_computed_case() -> None:
    m = measure(ACTS, MESSAGES, PEOPLE, min_size=1, roles=ROLES)
    p = m.periods.set_index("period_start")
    assert list(p.index) == [W1, W2, W3]  # the empty week is a period with nothing
    w1 = p.loc[W1]
    # replies: m1 answered, m3 not (its only reply is its author's) -> 1/2
    assert w1["replies"] == 0.5 and w1["posts"] == 2
    # pairs {a1,a2} one way, {a1,b1} both ways -> 1/2
    assert w1["two_way"] == 0.5
    # acts a2->a1 inside X, b1->a1 and a1->b1 across -> 2/3
    assert w1["cross_boundary"] == pytest.approx(2 / 3)
    assert w1["quality"] == pytest.approx((0.5 + 0.5 + 2 / 3) / 3)
    # reach: X and Y + influencers a1 (hub) and b1 (broker and influencer: one person)
    assert (w1["groups_reached"], w1["influencers"], w1["reach"]) == (2, 2, 4.0)
    assert w1["traction"] == pytest.approx(4 * 5 / 9)
    assert (w1["acts"], w1["participants"], w1["new_participants"]) == (3, 3, 3)
    w2 = p.loc[W2]
    assert (w2["acts"], w2["participants"], w2["reach"], w2["traction"]) == (0, 0, 0.0, 0.0)
    assert math.isnan(w2["quality"])
    w3 = p.loc[W3]
    # no post: replies undefined, left out of the mean; one pair one way; one act across
    assert math.isnan(w3["replies"]) and w3["two_way"] == 0 and w3["cross_boundary"] == 1
    assert w3["quality"] == 0.5
    # c1 is peripheral: not an influencer
    assert (w3["groups_reached"], w3["influencers"], w3["traction"]) == (2, 0, 1.0)
    assert w3["new_participants"] == 2  # b2 and c1
    # traction = reach x quality in every period with activity
    active = p[p["participants"] > 0]
    assert np.allclose(active["traction"], active["reach"] * active["quality"])
    roles = m.roles.set_index(["period_start", "role"])["people"]
    assert roles.to_dict() == {(W1, "broker"): 1, (W1, "hub"): 1, (W1, "influencer"): 1}


def test_groups_status_spreading_stalled_not_reached() -> None:
    people = _people({"a1": "X", "a2": "X", "b1": "Y", "b2": "Y", "c1": "Z", "d1": "V"})
    m = measure(ACTS, MESSAGES, people, min_size=1, roles=ROLES)
    status = m.status.set_index("group")
    # X took part in week 1 only (2 people): its last third (week 3) has 0 < half of 2
    assert status.loc["X", "status"] == "stalled" and status.loc["X", "peak"] == 2
    # Y: 1 in week 1, 1 in week 3 (b2): recent 1 >= half its peak
    assert status.loc["Y", "status"] == "spreading" and status.loc["Y", "recent"] == 1
    assert status.loc["Z", "status"] == "spreading"
    assert status.loc["V", "status"] == "not reached" and status.loc["V", "share"] == 0
    assert status.loc["X", "share"] == 1.0 and STALL_RATIO == 0.5
    g = m.groups[m.groups["attribute"] == "department"]
    x = g[g["group_name"] == "X"].set_index("period_start")["participants"]
    assert x.to_dict() == {W1: 2, W2: 0, W3: 0}


def test_groups_below_the_minimum_size_go_through_the_gate() -> None:
    # min size 3: X (3 people) is shown; Y (2) and Z (1) merge into one suppressed group
    m = measure(ACTS, MESSAGES, PEOPLE, min_size=3, roles=ROLES)
    names = set(m.groups["group_name"])
    assert "Y" not in names and "Z" not in names and "Y-t" not in names
    assert set(m.groups.loc[m.groups["attribute"] == "department", "group_name"]) == {
        "X",
        SUPPRESSED,
    }
    assert set(m.status["group"]) == {"X", SUPPRESSED}
    assert (m.groups["size"] >= 3).all()
    # teams of 1-3: the merged group of every team is shown once it holds 3 people
    p = m.periods.set_index("period_start")
    assert p.loc[W1, "groups_reached"] == 2 and p.loc[W3, "groups_reached"] == 1
    # the whole organisation below the minimum: no group figure at all
    small = measure(ACTS, MESSAGES, PEOPLE, min_size=10, roles=ROLES)
    assert small.groups.empty and small.status.empty


def test_two_way_and_cross_boundary_against_networkx_and_the_ei_index() -> None:
    rng = np.random.default_rng(7)
    ids = [f"p{i}" for i in range(30)]
    people = _people({p: "ABC"[i % 3] for i, p in enumerate(ids)})
    a = rng.integers(0, 30, 400)
    b = rng.integers(0, 30, 400)
    acts = pd.DataFrame(
        {
            "actor_id": np.array(ids)[a],
            "target_id": np.array(ids)[b],
            "ts": _ts("2024-01-02") + pd.to_timedelta(rng.integers(0, 4 * 24, 400), "h"),
        }
    )
    m = measure(acts, MESSAGES.iloc[:0], people, min_size=1)
    row = m.periods.iloc[0]
    kept = acts[acts["actor_id"] != acts["target_id"]]
    g = nx.DiGraph(list(zip(kept["actor_id"], kept["target_id"], strict=True)))
    # NetworkX: the share of directed edges reciprocated; pairs both ways = that / 2
    r = nx.overall_reciprocity(g)
    both = r * g.number_of_edges() / 2
    assert row["two_way"] == pytest.approx(both / (g.number_of_edges() - both))
    # E-I index over the acts (Krackhardt and Stern): external share = (EI + 1) / 2
    d = people["department"]
    ext = (d[kept["actor_id"]].to_numpy() != d[kept["target_id"]].to_numpy()).sum()
    ei = (ext - (len(kept) - ext)) / len(kept)
    assert row["cross_boundary"] == pytest.approx((ei + 1) / 2)
    assert math.isnan(row["replies"])
    assert row["quality"] == pytest.approx((row["two_way"] + row["cross_boundary"]) / 2)


def test_nobody_inside_is_an_error() -> None:
    with pytest.raises(AnalysisError, match="nobody"):
        measure(ACTS.iloc[4:], MESSAGES.iloc[:0], PEOPLE)


def test_definitions_are_checked() -> None:
    with pytest.raises(ConfigError, match="no definition"):
        Initiative.from_options("x", where="--")
    with pytest.raises(ParameterError, match="--period"):
        Initiative.from_options("x", channels=["a"], period="year", where="--")
    with pytest.raises(ParameterError, match="--by"):
        Initiative.from_options("x", channels=["a"], by="shoe size", where="--")
    with pytest.raises(ParameterError, match="INITIATIVE"):
        Initiative.from_options(" ", channels=["a"], where="--")
    i = Initiative.from_options("x", keywords=["#NewTool", "newtool"], channels=["c", "c"])
    assert i.keywords == ("NewTool", "newtool") and i.channels == ("c",)
    assert i.definition() == {
        "channels": ["c"],
        "keywords": ["NewTool", "newtool"],
        "meetings": [],
        "behaviour": None,
        "period": "week",
        "by": "department",
    }


def test_a_workspace_without_initiatives_reads_as_none(tmp_path) -> None:
    import groundswell as gs
    from groundswell.initiatives import listed, read

    with gs.init(tmp_path / "ws") as ws:
        rows = listed(ws)
        assert rows.empty and rows["measured"].dtype == bool
        assert rows.loc[rows["measured"], "name"].tolist() == []
        with pytest.raises(AnalysisError, match="groundswell traction"):
            read(ws, "nothing")
