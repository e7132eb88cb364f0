"""What the tie rules ask of a workspace before each query (an org chart? integer person keys?
one key per person? a UTC session? how many acts?) is asked once per connection inside
``facts_kept`` (``analyze`` builds the ties of several windows on data nothing changes), every
time outside it, and never kept for another thread or after the block."""

from __future__ import annotations

import threading
from datetime import timedelta

import pandas as pd

from groundswell.network import TieRules, Window, build_ties
from groundswell.network.ties import (
    facts_kept,
    has_orgchart,
    keyed,
    one_key_each,
    utc_session,
)
from tests.network.test_ties import T0, add, store

FACTS = (has_orgchart, keyed, one_key_each, utc_session)


class Counting:
    """A connection that counts the queries it is asked."""

    def __init__(self, con) -> None:
        self.con, self.n = con, 0

    def execute(self, *args):
        self.n += 1
        return self.con.execute(*args)


def answers(con) -> list[bool]:
    return [fact(con) for fact in FACTS]


def test_the_facts_are_asked_once_in_the_block_and_agree() -> None:
    con = Counting(store([("p0", None, None)], [("mail0", "p0")]))
    outside = answers(con)
    assert outside == [True, True, True, True] and con.n == 4
    assert answers(con) == outside and con.n == 8  # asked again outside the block
    with facts_kept():
        assert answers(con) == outside and con.n == 12
        with facts_kept():  # nested: the outer block's answers
            assert answers(con) == outside and con.n == 12
        assert answers(con) == outside and con.n == 12
        other = Counting(store())  # another connection: its own answers
        assert answers(other) == [False, True, True, True] and other.n == 4
        # another thread keeps nothing of this block
        seen: list[list[bool]] = []
        thread = threading.Thread(target=lambda: seen.append(answers(con)))
        thread.start()
        thread.join()
        assert seen == [outside] and con.n == 16
    assert answers(con) == outside and con.n == 20  # nothing kept after the block


def test_a_change_is_seen_after_the_block() -> None:
    con = store()
    with facts_kept():
        assert not has_orgchart(con) and one_key_each(con)
        con.execute(
            "INSERT INTO sources VALUES (1, 'orgchart', 'hr.csv', 'x', '{}', 0, 0, '{}', 0, 0, "
            "0, now())"
        )
        add(con, [{"a": "p0", "t": "p1"}, {"a": "mail0", "t": "p1"}])
        con.execute("INSERT INTO aliases VALUES ('mail0', 'p0', 1)")
        assert not has_orgchart(con) and one_key_each(con)  # kept: the block's promise
    assert has_orgchart(con) and not one_key_each(con)


def test_ties_of_several_windows_are_the_same_with_the_facts_kept() -> None:
    con = store([("p0", None, None), ("p1", None, None), ("p2", None, None)], [("mail0", "p0")])
    add(
        con,
        [
            {"a": a, "t": t, "ts": T0 + timedelta(days=d)}
            for d in range(0, 60, 3)
            for a, t in (("p0", "p1"), ("mail0", "p2"), ("p1", "p2"), ("p2", "p0"))
        ],
    )
    rules = TieRules(min_interactions=1)
    windows = [Window(T0 + timedelta(days=d), T0 + timedelta(days=d + 30)) for d in (0, 15, 30)]
    alone = [build_ties(con, w, rules, period=p) for w in windows for p in (None, "week")]
    counted = Counting(con)
    with facts_kept():
        kept = [build_ties(counted, w, rules, period=p) for w in windows for p in (None, "week")]

    def rows(t: pd.DataFrame) -> pd.DataFrame:  # DuckDB's aggregate gives no row order
        return t.sort_values(list(t.columns)).reset_index(drop=True)

    for a, b in zip(alone, kept, strict=True):
        assert rows(a).equals(rows(b)) and len(a)
    # the facts once (an org chart, keys, UTC, one key each, the acts stored), then each
    # window's ties and their names alone
    assert counted.n == 5 + 2 * len(kept)
