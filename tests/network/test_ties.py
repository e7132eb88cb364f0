"""The tie rules, on hand-built cases and against a plain pandas reading of docs/tie-rules.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell import migrations
from groundswell.errors import ConfigError
from groundswell.ingest.batch import append_interactions
from groundswell.network import TieRules, Window, build_ties
from groundswell.network.ties import active_people

T0 = datetime(2024, 3, 1, tzinfo=UTC)
WIN = Window(T0, T0 + timedelta(days=28))


#: the migration giving interactions integer person keys (the store the tie rules read)
KEYS_STEP = next(v for v, f in migrations.files().items() if f.name.endswith("_person_keys.sql"))


def store(
    people: list[tuple] | None = None, aliases: list[tuple] | None = None, *, keys: bool = True
):
    """The canonical model of schema version 1, and, with ``keys``, the integer person keys
    of interactions (``interaction_rows`` under the view ``interactions``)."""
    con = duckdb.connect()
    steps = migrations.steps()
    steps[1](con)
    if keys:
        steps[KEYS_STEP](con)
    if people:  # as if an org chart had been ingested
        con.execute(
            "INSERT INTO sources VALUES (1, 'orgchart', 'hr.csv', 'x', '{}', 0, 0, '{}', 0, 0, "
            "0, now())"
        )
    for pid, hire, leave in people or []:
        con.execute(
            "INSERT INTO people (person_id, is_internal, hire_date, leave_date, source_id) "
            "VALUES (?, true, ?, ?, 1)",
            [pid, hire, leave],
        )
    for alias, pid in aliases or []:
        con.execute("INSERT INTO aliases VALUES (?, ?, 1)", [alias, pid])
    return con


def add(con, rows: list[dict]) -> None:
    df = pd.DataFrame(
        [
            {
                "ts": r.get("ts", T0 + timedelta(days=1)),
                "actor_id": r["a"],
                "target_id": r["t"],
                "kind": r.get("kind", "dm"),
                "message_id": r.get("id", f"m{i}"),
                "n_recipients": r.get("n", 1),
                "is_bot": r.get("bot", False),
                "weight": r.get("w", 1.0),
                "source_id": 1,
            }
            for i, r in enumerate(rows)
        ]
    )
    con.register("df", df)
    append_interactions(con, "SELECT * FROM df")
    con.unregister("df")


DEFAULT = TieRules()


def ties(con, rules: TieRules = DEFAULT, **kw) -> dict[tuple[str, str], tuple[int, float]]:
    df = build_ties(con, WIN, rules, **kw)
    return {
        (a, t): (n, w)
        for a, t, n, w in df[["actor_id", "target_id", "n", "weight"]].itertuples(index=False)
    }


def test_a_tie_needs_two_interactions() -> None:
    con = store()
    add(con, [{"a": "x", "t": "y"}, {"a": "x", "t": "y"}, {"a": "y", "t": "x"}])
    assert ties(con) == {("x", "y"): (2, 2.0)}
    assert ties(con, TieRules(min_interactions=1)) == {("x", "y"): (2, 2.0), ("y", "x"): (1, 1.0)}


def test_broadcasts_make_no_tie() -> None:
    con = store()
    add(con, [{"a": "x", "t": "y", "n": 25}] * 2 + [{"a": "x", "t": "z", "n": 26}] * 2)
    assert set(ties(con)) == {("x", "y")}


def test_bots_self_ties_and_unweighted_kinds_are_excluded() -> None:
    con = store()
    add(
        con,
        [{"a": "b", "t": "y", "bot": True}] * 2
        + [{"a": "x", "t": "x"}] * 2
        + [{"a": "x", "t": "y", "kind": "post"}] * 2
        + [{"a": "x", "t": "y", "kind": "like"}] * 2,
    )
    assert ties(con) == {}


def test_kind_weights_and_window_edges() -> None:
    con = store()
    add(
        con,
        [
            {"a": "x", "t": "y", "kind": "reaction"},
            {"a": "x", "t": "y", "kind": "reply"},
            {"a": "x", "t": "y", "ts": WIN.start},  # inside (start inclusive)
            {"a": "x", "t": "y", "ts": WIN.end},  # outside (end exclusive)
            {"a": "x", "t": "y", "ts": WIN.start - timedelta(seconds=1)},
        ],
    )
    assert ties(con) == {("x", "y"): (3, 2.5)}


def test_decay_halves_at_the_half_life() -> None:
    con = store()
    add(
        con,
        [
            {"a": "x", "t": "y", "ts": WIN.end - timedelta(days=7)},
            {"a": "x", "t": "y", "ts": WIN.end},
        ],
    )  # second one is outside the window
    add(con, [{"a": "x", "t": "y", "ts": WIN.end - timedelta(days=14), "id": "old"}])
    ((n, w),) = ties(con, TieRules(decay_half_life_days=7)).values()
    assert n == 2 and w == pytest.approx(0.5 + 0.25)


def test_aliases_merge_identifiers_of_one_person() -> None:
    con = store(aliases=[("mail_x", "x")])
    add(con, [{"a": "mail_x", "t": "y"}, {"a": "x", "t": "y"}])
    assert ties(con) == {("x", "y"): (2, 2.0)}


def test_with_an_org_chart_only_people_employed_in_the_window_count() -> None:
    con = store(
        people=[
            ("x", None, None),
            ("y", None, None),
            ("gone", None, datetime(2024, 2, 1)),
            ("new", datetime(2024, 4, 1), None),
        ]
    )
    add(
        con,
        [{"a": "x", "t": "y"}] * 2
        + [{"a": "x", "t": "gone"}] * 2
        + [{"a": "x", "t": "new"}] * 2
        + [{"a": "x", "t": "external"}] * 2,
    )
    assert set(ties(con)) == {("x", "y")}
    assert set(ties(con, TieRules(internal_only=False))) == {
        ("x", "y"),
        ("x", "gone"),
        ("x", "new"),
        ("x", "external"),
    }
    assert sorted(active_people(con, WIN, TieRules())) == ["x", "y"]


def test_formal_layer_is_the_reporting_line() -> None:
    con = store(people=[("ceo", None, None), ("a", None, None)])
    con.execute("UPDATE people SET manager_id = 'ceo' WHERE person_id = 'a'")
    df = build_ties(con, WIN, TieRules(), layers=("digital", "formal"))
    assert df[["actor_id", "target_id", "layer"]].values.tolist() == [["a", "ceo", "formal"]]
    with pytest.raises(ConfigError, match="unknown layer"):
        build_ties(con, WIN, TieRules(), layers=("gossip",))


def test_weekly_periods() -> None:
    con = store()
    add(con, [{"a": "x", "t": "y", "ts": T0 + timedelta(days=d)} for d in (4, 5, 11, 12, 13)])
    df = build_ties(con, WIN, TieRules(), period="week")
    assert sorted(df["n"].tolist()) == [2, 3]


def reference(df: pd.DataFrame, rules: TieRules, win: Window) -> dict:
    """The rules read literally, one step at a time, in pandas."""
    d = df[
        (df["ts"] >= win.start)
        & (df["ts"] < win.end)
        & ~df["is_bot"]
        & (df["n_recipients"] <= rules.broadcast_threshold)
    ]
    kw = d["kind"].map(lambda k: float(rules.weights.get(k, 0.0))).astype(float)
    d = d.assign(w=d["weight"].astype(float) * kw)[(kw > 0) & (d["actor_id"] != d["target_id"])]
    g = d.groupby(["actor_id", "target_id"]).agg(n=("w", "size"), w=("w", "sum"))
    g = g[g["n"] >= rules.min_interactions]
    return {k: (int(r.n), float(r.w)) for k, r in g.iterrows()}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abcd"),
            st.sampled_from("abcd"),
            st.sampled_from(["dm", "reply", "reaction", "post", "email_cc"]),
            st.integers(1, 30),
            st.booleans(),
            st.integers(-3, 30),
        ),
        max_size=60,
    ),
    st.integers(1, 3),
    st.integers(1, 30),
)
def test_rules_match_a_literal_reading(events, min_n, threshold) -> None:
    rules = TieRules(min_interactions=min_n, broadcast_threshold=threshold)
    rows = [
        {"a": a, "t": t, "kind": k, "n": n, "bot": b, "ts": T0 + timedelta(days=day)}
        for a, t, k, n, b, day in events
    ]
    for keys in (True, False):  # integer person keys, and pseudonyms (a lake, an old schema)
        con = store(keys=keys)
        if not rows:
            assert ties(con, rules) == {}
            continue
        add(con, rows)
        frame = con.execute("SELECT * FROM interactions").df()
        expected = reference(frame, rules, WIN)
        got = ties(con, rules)
        assert got.keys() == expected.keys()
        for k in got:
            assert got[k][0] == expected[k][0]
            assert np.isclose(got[k][1], expected[k][1])


def test_collaboration_layer_needs_one_row_and_sums_scores() -> None:
    con = store()
    add(
        con,
        [
            {"a": "x", "t": "y", "kind": "collaboration", "w": 0.25},
            {"a": "x", "t": "y", "kind": "collaboration", "w": 0.5},
            {"a": "y", "t": "x", "kind": "collaboration", "w": 0.1},
            {"a": "y", "t": "z", "kind": "collaboration", "w": 9.0, "ts": WIN.end},
        ],
    )
    df = build_ties(con, WIN, TieRules(), layers=("collaboration",))
    got = {
        (a, t): (n, w)
        for a, t, n, w in df[["actor_id", "target_id", "n", "weight"]].itertuples(index=False)
    }
    assert got == {("x", "y"): (2, 0.75), ("y", "x"): (1, 0.1)}
    assert ties(con) == {}  # never part of the digital layer


def test_survey_layers_ignore_the_window_and_the_interaction_minimum() -> None:
    con = store(people=[("x", None, None), ("y", None, None), ("z", None, None)])
    add(
        con,
        [
            {"a": "x", "t": "y", "kind": "survey:advice", "w": 3.0, "ts": T0 - timedelta(days=90)},
            {"a": "y", "t": "z", "kind": "survey:advice", "w": 1.0},
            {"a": "x", "t": "z", "kind": "survey:trust", "w": 5.0},
        ],
    )
    df = build_ties(con, WIN, TieRules(), layers=("survey:advice",))
    got = {(a, t): w for a, t, w in df[["actor_id", "target_id", "weight"]].itertuples(index=False)}
    assert got == {("x", "y"): 3.0, ("y", "z"): 1.0}
    assert set(df["layer"]) == {"survey:advice"}
    assert ties(con) == {}  # survey answers never count as digital interactions
    con2 = store()
    add(con2, [{"a": "x", "t": "y", "kind": "survey:advice", "w": 2.0}])
    assert len(build_ties(con2, WIN, TieRules(), layers=("survey:advice",))) == 1


def test_ties_are_typed_strong_diverse_reciprocated() -> None:
    from groundswell.pipeline import type_ties

    ties_ = pd.DataFrame(
        {
            "actor_id": ["a", "b", "a", "c", "d"],
            "target_id": ["b", "a", "c", "d", "a"],
            "layer": ["digital"] * 5,
            "n": [2] * 5,
            "weight": [1.0, 2.0, 3.0, 8.0, 4.0],
        }
    )
    dept = pd.Series({"a": "X", "b": "X", "c": "Y", "d": None})
    t = type_ties(ties_, dept).set_index(["actor_id", "target_id"])
    assert t["strong"].tolist() == [False, False, False, True, True]  # weight >= 4.0 (q75)
    assert t["diverse"].tolist() == [False, False, True, False, False]  # d has no department
    assert t["reciprocated"].tolist() == [True, True, False, False, False]
