"""The tie rules on integer person keys (``migrations/014_person_keys.sql``) give the ties the
rules define: checked against a literal pandas reading of the rules with aliases, the
people employed in the window, kind weights, decay and periods (day, week, month), and
against the same rows stored with pseudonyms (the query every engine runs on a lake), in a
UTC session and in a session with a time zone that has daylight saving (where the keyed
query takes a decayed act's age in exact seconds, as the literal reading does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.network import TieRules, Window, build_ties
from groundswell.network.ties import keyed, layer_queries, name_keyed_ties, one_key_each
from tests.network.test_ties import add, store

T0 = datetime(2024, 3, 1, tzinfo=UTC)
WIN = Window(T0, T0 + timedelta(days=75))  # crosses the start of daylight saving in the US
PEOPLE = ["p0", "p1", "p2", "p3", "p4"]
IDS = [*PEOPLE, "mail0", "mail2", "chat2", "ext"]
ALIASES = [("mail0", "p0"), ("mail2", "p2"), ("chat2", "p2")]  # as ingest leaves them: one hop
HR = [(p, None, None) for p in PEOPLE[:-1]] + [("p4", None, datetime(2024, 2, 1))]  # p4 left


def periods(ts: pd.Series, period: str, tz: str) -> pd.Series:
    """The start of each timestamp's day, week (Monday) or month in the time zone ``tz``."""
    local = ts.dt.tz_convert(tz).dt.tz_localize(None)
    if period == "day":
        start = local.dt.normalize()
    elif period == "week":
        start = local.dt.normalize() - pd.to_timedelta(local.dt.day_of_week, unit="D")
    else:
        start = local.dt.to_period("M").dt.start_time
    return start.dt.tz_localize(tz, nonexistent="shift_forward").dt.tz_convert("UTC")


def literal(
    df: pd.DataFrame,
    rules: TieRules,
    *,
    aliases: dict[str, str],
    eligible: set[str] | None,
    period: str | None,
    tz: str,
) -> dict:
    """The rules read one step at a time in pandas, aliases and periods included."""
    d = df[
        (df["ts"] >= WIN.start)
        & (df["ts"] < WIN.end)
        & ~df["is_bot"]
        & (df["n_recipients"] <= rules.broadcast_threshold)
    ].copy()
    kw = d["kind"].map(lambda k: float(rules.weights.get(k, 0.0))).astype(float)
    d = d[kw > 0]
    w = d["weight"].astype(float) * kw[kw > 0]
    if rules.decay_half_life_days > 0:
        age = (WIN.end - d["ts"]).dt.total_seconds()
        w = w * 0.5 ** (age / (rules.decay_half_life_days * 86400))
    d["w"] = w
    d["actor_id"] = d["actor_id"].map(lambda x: aliases.get(x, x))
    d["target_id"] = d["target_id"].map(lambda x: aliases.get(x, x))
    d = d[d["actor_id"] != d["target_id"]]
    if eligible is not None:
        d = d[d["actor_id"].isin(eligible) & d["target_id"].isin(eligible)]
    keys = ["actor_id", "target_id"]
    if period:
        d["period"] = periods(d["ts"], period, tz)
        keys.append("period")
    g = d.groupby(keys).agg(n=("w", "size"), w=("w", "sum"))
    g = g[g["n"] >= rules.min_interactions]
    return {k: (int(r.n), float(r.w)) for k, r in g.iterrows()}


def as_dict(df: pd.DataFrame, period: str | None) -> dict:
    cols = ["actor_id", "target_id", *(["period"] if period else [])]
    out = {}
    for row in df.itertuples(index=False):
        key = tuple(
            pd.Timestamp(getattr(row, c)).tz_convert("UTC") if c == "period" else getattr(row, c)
            for c in cols
        )
        out[key] = (int(row.n), float(row.weight))
    return out


def same(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for k in got:
        assert got[k][0] == expected[k][0], k
        assert np.isclose(got[k][1], expected[k][1]), k


EVENTS = st.lists(
    st.tuples(
        st.sampled_from(IDS),
        st.sampled_from(IDS),
        st.sampled_from(["dm", "reply", "reaction", "post", "email_cc"]),
        st.integers(1, 30),
        st.booleans(),
        st.integers(-3 * 24, 80 * 24),  # hours from T0
    ),
    min_size=1,
    max_size=50,
)


def act_rows(events: list[tuple]) -> list[dict]:
    """The acts of an :data:`EVENTS` example as rows for ``tests.network.test_ties.add``."""
    return [
        {"a": a, "t": t, "kind": k, "n": n, "bot": b, "ts": T0 + timedelta(hours=h)}
        for a, t, k, n, b, h in events
    ]


@settings(max_examples=25, deadline=None)
@given(
    EVENTS,
    st.integers(1, 3),
    st.sampled_from([None, "day", "week", "month"]),
    st.booleans(),
    st.sampled_from([0.0, 10.0]),
    st.sampled_from(["UTC", "America/New_York"]),
)
def test_keyed_ties_match_a_literal_reading_and_the_pseudonym_query(
    events, min_n, period, org, half_life, tz
) -> None:
    rules = TieRules(min_interactions=min_n, broadcast_threshold=20, decay_half_life_days=half_life)
    rows = act_rows(events)
    got = {}
    seen = {x for a, t, *_ in events for x in (a, t)}
    for keys in (True, False):
        con = store(people=HR if org else None, aliases=ALIASES, keys=keys)
        assert keyed(con) is keys
        con.execute(f"SET TimeZone = '{tz}'")
        add(con, rows)
        got[keys] = as_dict(build_ties(con, WIN, rules, period=period), period)
        if keys:  # one key a person or not (an email and an HR id acting), the same ties
            store_con = con
        frame = con.execute("SELECT * FROM interactions").df()
    con = store_con
    expected = literal(
        frame,
        rules,
        aliases=dict(ALIASES),
        eligible=set(PEOPLE[:-1]) if org else None,
        period=period,
        tz=tz,
    )
    same(got[True], expected)
    assert one_key_each(con) is not (
        {"p0", "mail0"} <= seen or len({"p2", "mail2", "chat2"} & seen) > 1
    )
    if tz == "UTC" or not half_life:  # outside UTC the pseudonym query's decay counts a
        same(got[False], got[True])  # calendar day as 86,400 s across daylight saving


def test_keyed_ties_read_integers_and_name_people_by_pseudonym() -> None:
    con = store(aliases=[("mail_x", "x")])
    add(con, [{"a": "mail_x", "t": "y"}, {"a": "x", "t": "y"}, {"a": "y", "t": "x"}] * 2)
    keys = con.execute(
        "SELECT pseudonym, person_key FROM person_keys ORDER BY person_key"
    ).fetchall()
    assert [k for k, _ in keys] == ["mail_x", "x", "y"]  # numbered in order within an insert
    assert con.execute("SELECT typeof(actor_key) FROM interaction_rows LIMIT 1").fetchall() == [
        ("INTEGER",)
    ]
    ((_, sql, _),) = layer_queries(WIN, TieRules(), ("digital",), restrict=False, keys=True)
    assert "FROM interaction_rows" in sql and "FROM interactions" not in sql
    df = build_ties(con, WIN, TieRules())
    assert sorted(map(tuple, df[["actor_id", "target_id", "n"]].values.tolist())) == [
        ("x", "y", 4),
        ("y", "x", 2),
    ]
    named = "SELECT count(*) FROM interactions WHERE actor_id = 'mail_x'"
    assert con.execute(named).fetchall() == [(2,)]


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_a_period_in_a_utc_session_is_the_calendar_s(period) -> None:
    """The UTC shortcut (truncating the timestamp without its zone) gives DuckDB's own
    ``date_trunc`` on the TIMESTAMPTZ, at the edges of days, weeks, months and years."""
    con = store()
    con.execute("SET TimeZone = 'UTC'")
    edges = [
        datetime(2024, 3, 3, 23, 59, 59, 999999, tzinfo=UTC),  # a Sunday's last instant
        datetime(2024, 3, 4, tzinfo=UTC),  # Monday
        datetime(2024, 3, 31, 23, 30, tzinfo=UTC),
        datetime(2024, 4, 1, 0, 0, 1, tzinfo=UTC),
    ]
    add(con, [{"a": "x", "t": "y", "ts": ts} for ts in edges for _ in range(2)])
    got = build_ties(con, WIN, TieRules(), period=period)
    want = con.execute(
        f"SELECT date_trunc('{period}', ts) AS p, count(*) AS n FROM interactions GROUP BY p"
    ).df()
    assert dict(zip(got["period"], got["n"], strict=True)) == dict(
        zip(want["p"], want["n"], strict=True)
    )
    assert str(got["period"].dtype) == str(want["p"].dtype)


@pytest.mark.parametrize("scale", [1, 10**9])  # dense keys (a table of positions), sparse
def test_naming_keyed_ties_is_the_inner_join_on_the_integers(scale) -> None:
    """:func:`name_keyed_ties` names each tie's integers as an inner join with the names
    would (pandas' merge is the oracle): same rows, a tie with an unnamed integer dropped,
    the names' string type kept."""
    rng = np.random.default_rng(5)
    names = pd.DataFrame(
        {
            "person": np.arange(1, 41, dtype=np.int64) * scale,
            "person_id": [f"p{i}" for i in range(40)],
        }
    )
    names = names.iloc[rng.permutation(40)[:30]]  # unordered, and ten integers without a name
    ties = pd.DataFrame(
        {
            "actor": rng.integers(1, 41, 500) * scale,
            "target": rng.integers(1, 41, 500) * scale,
            "n": np.arange(500, dtype=np.int64),
            "weight": rng.random(500),
        }
    )
    got = name_keyed_ties(ties, names)
    side = {"actor": "actor_id", "target": "target_id"}
    want = ties
    for col, out in side.items():
        want = want.merge(names.rename(columns={"person": col, "person_id": out}), on=col)
    want = want.drop(columns=list(side))[["actor_id", "target_id", "n", "weight"]]
    assert list(got.columns) == list(want.columns)
    assert 0 < len(got) < len(ties)
    key = ["n"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True)
    )
    assert got["actor_id"].dtype == names["person_id"].dtype
    assert name_keyed_ties(ties.iloc[:0], names).empty
    assert name_keyed_ties(ties, names.iloc[:0]).empty


def test_a_kind_weighted_zero_makes_no_tie_on_keys() -> None:
    """Only kinds weighted above zero count (the keyed query joins the acts to the weighted
    kinds): zero-weighted reactions make no tie and add nothing to a tie's count; with no
    weighted kind at all, no digital tie. Hand-counted."""
    con = store()
    add(con, [{"a": "x", "t": "y", "kind": "reaction"}] * 3)
    add(
        con,
        [{"a": "y", "t": "x", "kind": "reply"}] * 2 + [{"a": "y", "t": "x", "kind": "reaction"}],
    )
    rules = TieRules(weights={"reply": 1.0, "reaction": 0.0})
    got = build_ties(con, WIN, rules)
    assert got[["actor_id", "target_id", "n", "weight"]].values.tolist() == [["y", "x", 2, 2.0]]
    none = build_ties(con, WIN, TieRules(weights={"reply": 0.0, "reaction": 0.0}))
    assert none.empty and list(none.columns) == list(got.columns)
