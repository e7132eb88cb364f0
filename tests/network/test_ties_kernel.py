"""The digital layer aggregated in numba (``build_ties`` on a workspace of at least
``ties.FAST_ACTS`` acts: :func:`groundswell.network.ties.aggregate_keyed` and
``network/_ties_kernel.py``) gives the ties the rules define: against the literal pandas
reading of tests/network/test_keyed_ties.py (aliases, people employed in the window, decay,
periods, a time zone with daylight saving), row for row against DuckDB's query (the path
below the threshold), and the periods' starts against DuckDB's ``date_trunc``."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.network import TieRules, build_ties
from groundswell.network import ties as ties_module
from groundswell.network.ties import aggregate_keyed, eligible_people_sql, one_key_each
from tests.network import test_keyed_ties as keyed_cases
from tests.network import test_ties as cases
from tests.network.test_keyed_ties import (
    ALIASES,
    EVENTS,
    HR,
    PEOPLE,
    T0,
    WIN,
    act_rows,
    as_dict,
    literal,
    same,
)
from tests.network.test_ties import add, store


@contextmanager
def fast(on: bool = True) -> Iterator[None]:
    """``build_ties`` aggregates in numba whatever the workspace's size (``on``), or never."""
    before = ties_module.FAST_ACTS
    ties_module.FAST_ACTS = 0 if on else 10**18
    try:
        yield
    finally:
        ties_module.FAST_ACTS = before


@settings(max_examples=15, deadline=None)
@given(
    EVENTS,
    st.integers(1, 3),
    st.sampled_from([None, "day", "week", "month"]),
    st.booleans(),
    st.sampled_from([0.0, 10.0]),
    st.sampled_from(["UTC", "America/New_York"]),
)
def test_numba_ties_match_a_literal_reading_and_duckdb(
    events, min_n, period, org, half_life, tz
) -> None:
    rules = TieRules(min_interactions=min_n, broadcast_threshold=20, decay_half_life_days=half_life)
    rows = act_rows(events)
    con = store(people=HR if org else None, aliases=ALIASES)
    con.execute(f"SET TimeZone = '{tz}'")
    add(con, rows)
    with fast():
        got = build_ties(con, WIN, rules, period=period)
    with fast(False):
        duck = build_ties(con, WIN, rules, period=period)
    expected = literal(
        con.execute("SELECT * FROM interactions").df(),
        rules,
        aliases=dict(ALIASES),
        eligible=set(PEOPLE[:-1]) if org else None,
        period=period,
        tz=tz,
    )
    same(as_dict(got, period), expected)
    same(as_dict(got, period), as_dict(duck, period))
    assert list(got.columns) == list(duck.columns)
    assert got.dtypes.to_dict() == duck.dtypes.to_dict()


@functools.cache
def _random_store(seed: int, *, aliases: bool, org: bool):  # type: ignore[no-untyped-def]
    """Some 6,000 acts among 60 identifiers over three months (some bots, broadcasts,
    unweighted kinds, acts outside the window), weights multiples of 1/4 (sums exact)."""
    rng = np.random.default_rng(seed)
    ids = [f"p{i}" for i in range(50)] + [f"mail{i}" for i in range(10)]
    al = [(f"mail{i}", f"p{i}") for i in range(10)] if aliases else None
    hr = (
        [(f"p{i}", None, None) for i in range(45)]
        + [(f"p{i}", None, datetime(2024, 3, 20)) for i in range(45, 48)]  # left mid-window
        if org
        else None
    )
    con = store(people=hr, aliases=al)
    n = 6000
    a = rng.integers(0, len(ids), n)
    t = np.where(
        rng.random(n) < 0.7, (a + rng.integers(1, 4, n)) % len(ids), rng.integers(0, 60, n)
    )
    kinds = np.array(["dm", "reply", "reaction", "post", "email_cc", "mention"])
    hours = rng.integers(-10 * 24, 95 * 24, n)
    add(
        con,
        [
            {
                "a": ids[a[i]],
                "t": ids[t[i]],
                "kind": str(kinds[rng.integers(0, len(kinds))]),
                "n": int(rng.choice([1, 2, 3, 40])),
                "bot": bool(rng.random() < 0.02),
                "w": float(rng.integers(1, 8)) / 4,
                "ts": T0 + timedelta(hours=int(hours[i]), minutes=int(rng.integers(0, 60))),
            }
            for i in range(n)
        ],
    )
    return con


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    key = [c for c in ("actor_id", "target_id", "period") if c in df.columns]
    return df.sort_values(key).reset_index(drop=True)


@pytest.mark.parametrize("period", [None, "day", "week", "month"])
@pytest.mark.parametrize(("aliases", "org"), [(False, False), (False, True), (True, True)])
def test_numba_ties_equal_duckdb_row_for_row(period, aliases, org) -> None:
    """The same frame, dtypes and values exactly (sums of quarters are exact whatever their
    order), on one key a person and with two keys for some people (the mapping path), with
    and without the org chart's people filter; in order of actor, each actor's ties in the
    order of their first act."""
    con = _random_store(7, aliases=aliases, org=org)
    assert one_key_each(con) is not aliases
    with fast():
        got = build_ties(con, WIN, TieRules(), period=period)
        raw = aggregate_keyed(
            con,
            WIN,
            TieRules(),
            period=period,
            eligible=eligible_people_sql() if org else None,
            one_key_each=not aliases,
        )
    with fast(False):
        duck = build_ties(con, WIN, TieRules(), period=period)
    assert raw is not None and len(got) > 50
    pd.testing.assert_frame_equal(_sorted(got), _sorted(duck), check_exact=True)
    assert raw["actor"].is_monotonic_increasing


@pytest.mark.parametrize("half_life", [3.0, 30.0])
def test_numba_decayed_ties_equal_duckdb(half_life) -> None:
    rules = TieRules(decay_half_life_days=half_life, min_interactions=1)
    con = _random_store(11, aliases=True, org=False)
    with fast():
        got = _sorted(build_ties(con, WIN, rules, period="week"))
    with fast(False):
        duck = _sorted(build_ties(con, WIN, rules, period="week"))
    pd.testing.assert_frame_equal(got.drop(columns="weight"), duck.drop(columns="weight"))
    assert np.allclose(got["weight"], duck["weight"], rtol=1e-12, atol=0)


@settings(max_examples=30, deadline=None)
@given(
    st.datetimes(datetime(1969, 6, 1), datetime(2031, 1, 1)),
    st.integers(1, 24 * 120),
    st.sampled_from(["day", "week", "month"]),
)
def test_period_starts_are_duckdbs_date_trunc(start, hours, period) -> None:
    """Every period meeting a window, as DuckDB truncates each hour of it and its last
    instant in a UTC session (also before 1970, where division rounds the other way)."""
    import duckdb

    lo = start.replace(tzinfo=UTC)
    hi = lo + timedelta(hours=hours)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    want = con.execute(
        f"SELECT DISTINCT epoch_us(date_trunc('{period}', ts)) AS p FROM (SELECT unnest("
        "generate_series($1::TIMESTAMPTZ, $2::TIMESTAMPTZ - INTERVAL 1 microsecond, "
        "INTERVAL 1 hour)) AS ts UNION ALL SELECT $2::TIMESTAMPTZ - INTERVAL 1 microsecond) "
        "ORDER BY p",
        [lo, hi],
    ).fetchall()
    got = ties_module.period_edges(ties_module._epoch_us(lo), ties_module._epoch_us(hi), period)
    assert got.tolist() == [p for (p,) in want]


def test_the_kernel_puts_an_act_at_a_period_edge_in_the_period_it_starts() -> None:
    """Acts at the last instant of a period and at the first of the next (the kernel's guess
    from the mean period length, too high or too low, is corrected against the starts), and
    acts toward oneself left out; hand-counted."""
    from groundswell.network._ties_kernel import aggregate

    day = 86_400_000_000
    edges = np.array([0, 31 * day, 60 * day, 91 * day], dtype=np.int64)  # months of 2000
    us = np.array([31 * day - 1, 31 * day, 31 * day, 60 * day - 1, 60 * day, 91 * day, 0, 5])
    actor = np.array([1, 1, 1, 1, 1, 1, 1, 2], dtype=np.int32)
    target = np.array([2, 2, 2, 2, 2, 2, 2, 2], dtype=np.int32)  # the last: 2 to 2
    w = np.arange(8, dtype=np.float64)
    a, t, b, n, tot = aggregate(actor, target, us, w, np.empty(0, np.int32), 3, edges, 1)
    assert a.tolist() == [1] * 4 and t.tolist() == [2] * 4
    assert b.tolist() == [0, 1, 2, 3] and n.tolist() == [2, 3, 1, 1]
    assert tot.tolist() == [0.0 + 6.0, 1.0 + 2.0 + 3.0, 4.0, 5.0]


def test_the_kernel_maps_keys_to_people() -> None:
    """Keys 1 and 3 are one person (0), key 2 another (1), key 4 nobody's (-1: its acts are
    dropped); acts between two keys of one person make no tie; hand-counted."""
    from groundswell.network._ties_kernel import aggregate

    person = np.array([-1, 0, 1, 0, -1], dtype=np.int32)
    actor = np.array([1, 3, 2, 1, 4, 2], dtype=np.int32)
    target = np.array([2, 2, 3, 3, 2, 4], dtype=np.int32)
    us = np.empty(0, np.int64)
    edges = np.zeros(1, np.int64)
    a, t, b, n, w = aggregate(actor, target, us, np.ones(6), person, 2, edges, 1)
    assert list(zip(a.tolist(), t.tolist(), n.tolist(), strict=True)) == [(0, 1, 2), (1, 0, 1)]
    assert b.tolist() == [0, 0] and w.tolist() == [2.0, 1.0]
    a, *_, n, _ = aggregate(actor, target, us, np.ones(6), person, 2, edges, 2)
    assert a.tolist() == [0] and n.tolist() == [2]


def test_only_large_workspaces_and_utc_periods_take_the_numba_path() -> None:
    con = store()
    add(con, [{"a": "x", "t": "y"}] * 3)
    rules = TieRules()
    assert aggregate_keyed(con, WIN, rules, one_key_each=True) is None  # 3 acts < FAST_ACTS
    with fast():
        assert aggregate_keyed(con, WIN, rules, one_key_each=True) is not None
        con.execute("SET TimeZone = 'America/New_York'")
        assert aggregate_keyed(con, WIN, rules, period="week", one_key_each=True) is None
        assert len(aggregate_keyed(con, WIN, rules, one_key_each=True)) == 1  # no calendar


@pytest.mark.parametrize(
    "case",
    [
        cases.test_a_tie_needs_two_interactions,
        cases.test_broadcasts_make_no_tie,
        cases.test_bots_self_ties_and_unweighted_kinds_are_excluded,
        cases.test_kind_weights_and_window_edges,
        cases.test_decay_halves_at_the_half_life,
        cases.test_aliases_merge_identifiers_of_one_person,
        cases.test_with_an_org_chart_only_people_employed_in_the_window_count,
        cases.test_weekly_periods,
        keyed_cases.test_keyed_ties_read_integers_and_name_people_by_pseudonym,
        keyed_cases.test_a_kind_weighted_zero_makes_no_tie_on_keys,
        *(
            lambda p=p: keyed_cases.test_a_period_in_a_utc_session_is_the_calendar_s(p)
            for p in ("day", "week", "month")
        ),
    ],
)
def test_hand_counted_cases_hold_in_numba(case) -> None:
    """The hand-counted cases of the tie rules, with the acts aggregated in numba."""
    with fast():
        case()
