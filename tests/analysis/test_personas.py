"""Personas on hand-built activity, where each rule can be checked by eye."""

from __future__ import annotations

import pandas as pd
import pytest

from groundswell.analysis.personas import personas


def test_each_rule_by_hand() -> None:
    act = pd.DataFrame(
        {
            #          posts given received
            "eng": (4, 10, 10),  # balanced: 50% received
            "cat": (6, 2, 20),  # 91% received
            "res": (1, 20, 3),  # 13% received
            "bro": (30, 2, 3),  # posts a lot, 5 responses < 30 posts
            "obs": (0, 1, 0),  # puts in 1 < the 25th percentile
            "none": (0, 0, 5),  # puts in nothing at all
        },
        index=["posts", "given", "received"],
    ).T
    got = personas(act)["persona"].astype(str).to_dict()
    assert got == {
        "eng": "engager",
        "cat": "catalyst",
        "res": "responder",
        "bro": "broadcaster",
        "obs": "observer",
        "none": "observer",
    }
    assert personas(act).loc["cat", "received_share"] == pytest.approx(20 / 22)


def test_thresholds_are_checked() -> None:
    act = pd.DataFrame({"posts": [1], "given": [1], "received": [1]})
    with pytest.raises(ValueError, match="responder_share"):
        personas(act, catalyst_share=0.3, responder_share=0.5)


def test_activity_counts_posts_and_responses_from_the_store() -> None:
    import pandas as pd

    from groundswell.network.activity import activity
    from groundswell.network.ties import TieRules
    from tests.network.test_ties import WIN, add, store

    con = store(aliases=[("mail_x", "x")])
    con.execute(
        "INSERT INTO messages VALUES ('m1', NULL, NULL, NULL, 'x', ?, 'post', 0, false, false, "
        "NULL, 1), ('m2', NULL, 'm1', 'm1', 'y', ?, 'reply', 1, false, false, NULL, 1), "
        "('m3', NULL, NULL, NULL, 'mail_x', ?, 'post', 0, false, false, NULL, 1), "
        "('m4', NULL, NULL, NULL, 'bot', ?, 'post', 0, false, true, NULL, 1)",
        [WIN.start] * 4,
    )
    add(
        con,
        [
            {"a": "y", "t": "mail_x", "kind": "reply"},
            {"a": "z", "t": "x", "kind": "reaction"},
            {"a": "x", "t": "y", "kind": "dm"},
            {"a": "x", "t": "z", "kind": "mention", "n": 40},
            {"a": "bot", "t": "x", "kind": "mention", "bot": True},
        ],
    )
    got = activity(con, WIN, TieRules()).sort_index()
    # x's DM to y is an act (issue 15: a direct message or an email sent is activity); the
    # mention to 40 people is a broadcast and the bot's mention a bot's: neither counts
    expected = pd.DataFrame(
        {"posts": [2, 0, 0], "given": [1, 1, 1], "received": [2, 1, 0]},
        index=pd.Index(["x", "y", "z"], name="person_id"),
    )
    pd.testing.assert_frame_equal(got, expected)


def test_activities_of_several_windows_read_together_as_each_alone() -> None:
    """network.activity.activities gives each window's activity() (row order aside): acts
    on a window's first instant and just before its end, a gap between windows, a window
    with nothing in it, overlapping windows (read one by one), a broadcast and a bot."""
    import random
    from datetime import timedelta

    import pandas as pd

    from groundswell.network.activity import activities, activity
    from groundswell.network.ties import TieRules
    from groundswell.network.window import Window
    from tests.network.test_ties import WIN, add, store

    rng = random.Random(7)
    day, start = timedelta(days=1), WIN.start
    con = store(aliases=[("mail_x", "x")])
    people = ["x", "y", "z", "w", "mail_x", "bot"]
    kinds = ["reply", "reaction", "mention", "dm", "email_to", "email_cc", "post", "other"]
    rows = []
    for i in range(400):
        ts = start + timedelta(seconds=rng.randrange(0, 100 * 86400))
        if i % 50 == 0:
            ts = start + 28 * day * rng.randrange(0, 3)  # a window's first instant
        elif i % 50 == 1:
            ts = start + 28 * day * rng.randrange(1, 3) - timedelta(microseconds=1)
        a, t = rng.choice(people), rng.choice(people)
        rows.append(
            {
                "a": a,
                "t": t,
                "kind": rng.choice(kinds),
                "ts": ts,
                "id": f"i{i}",
                "n": rng.choice([1, 1, 1, 60]),
                "bot": a == "bot",
            }
        )
        con.execute(
            "INSERT INTO messages VALUES (?, NULL, ?, ?, ?, ?, ?, 0, false, ?, NULL, 1)",
            [
                f"m{i}",
                *([None, None] if i % 3 else [f"m{i - 1}"] * 2),
                a,
                ts,
                rng.choice(["post", "reply", "reaction"]),
                a == "bot",
            ],
        )
    add(con, rows)
    w = [Window(start + 28 * day * k, start + 28 * day * (k + 1)) for k in range(3)]
    empty = Window(start - 56 * day, start - 28 * day)
    gap = Window(start + 90 * day, start + 95 * day)
    overlap = Window(start + 10 * day, start + 40 * day)
    rules = TieRules()
    for windows in ([*w], [w[2], w[0]], [empty, *w, gap], [w[0], overlap, w[1]], [w[1]]):
        got = activities(con, windows, rules)
        assert len(got) == len(windows)
        for window, frame in zip(windows, got, strict=True):
            expected = activity(con, window, rules)
            pd.testing.assert_frame_equal(frame.sort_index(), expected.sort_index())
    assert len(activity(con, empty, rules)) == 0
    assert all(len(activity(con, x, rules)) > 0 for x in w)
