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
