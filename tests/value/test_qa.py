"""Questions, answers and leaders on hand-built cases (conftest.py's scenario and a few
frames written here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from groundswell.errors import InputError
from groundswell.network.window import Window
from groundswell.privacy import SUPPRESSED
from groundswell.value import compute, qa, queries
from groundswell.value._base import qa_regex
from tests.conftest import write_csv
from tests.value.conftest import SCENARIO, WINDOW, build, pid, post


def test_questions_from_flags_and_qa_channels(tiny) -> None:
    rep = compute.qa(tiny, window=WINDOW)
    q = rep.questions.set_index("question_id")
    assert len(q) == 3  # p3 and q3 are flagged; q2 opens a thread in ask-eng
    by_asker = rep.questions.set_index("asker")
    # cat's question answered by eve after 2 hours; dan's by cat after 30; eve's never
    assert by_asker.loc[pid(tiny, "E3"), "hours"] == pytest.approx(2)
    assert by_asker.loc[pid(tiny, "E4"), "hours"] == pytest.approx(30)
    assert not by_asker.loc[pid(tiny, "E5"), "answered"]
    s = rep.summary
    assert s["questions"] == 3 and s["answered"] == 2
    assert s["response_rate"] == pytest.approx(2 / 3)
    assert s["median_hours_to_answer"] == pytest.approx(16)
    assert s["answered_fast_share"] == pytest.approx(1 / 3)  # within 24 hours: one of three
    assert s["answered_across_share"] == pytest.approx(1 / 2)  # dan's, by Sales
    # who answers whom: Sales answered one Sales question and one Eng question
    b = rep.boundaries
    assert b.loc["Sales", "Sales"] == 1 and b.loc["Eng", "Sales"] == 1


def test_qa_channel_names_match_whole_words() -> None:
    import re

    rx = re.compile(qa_regex(["help", "ask", "q-a"]))
    for name in ("help", "it-help", "ask-eng", "eng_ask", "team.q-a", "q-a"):
        assert rx.search(name), name
    for name in ("helpdesk-bots", "tasks", "basket", "qa-team"):
        assert not rx.search(name), name


def test_text_counts_only_when_content_is_stored(tmp_path) -> None:
    rows = [
        post("t1", "E2", "2024-01-09T10:00:00", "eng-chat", text="How do I deploy this?"),
        post("t2", "E2", "2024-01-09T11:00:00", "eng-chat", text="Deployed the fix."),
    ]
    win = Window.parse(WINDOW)
    for store, expected in ((True, 1), (False, 0)):
        ws = build(tmp_path / f"content-{store}", rows, store_content=store)
        try:
            qs, _ = compute.questions(ws, win)
        finally:
            ws.close()
        assert len(qs) == expected


def test_small_groups_are_suppressed_in_qa(tmp_path) -> None:
    ws = build(tmp_path / "strict", SCENARIO, min_group_size=5)
    try:
        rep = compute.qa(ws, window=WINDOW)
    finally:
        ws.close()
    assert rep.boundaries.index.tolist() == [SUPPRESSED]
    assert rep.channels["channel"].tolist() == [SUPPRESSED]
    assert rep.channels.drop(columns="channel").isna().all(axis=None)


def test_responsiveness_by_hand(tiny) -> None:
    r = queries.responsiveness(tiny, Window.parse(WINDOW), 48)
    bob = r.loc[pid(tiny, "E2")]
    # to bob: dan's DMs at 8th 10:00 and 9th 10:00 and dan's reply on the 9th at 14:00; bob
    # wrote back to dan on the 9th at 09:00 (23 hours after the first) and never after
    assert (bob["received"], bob["responded"]) == (3, 1)
    assert bob["median_hours"] == pytest.approx(23)
    assert pid(tiny, "E2") in r.index and pid(tiny, "E1") not in r.index  # ann got nothing


def test_leader_sessions_by_hand() -> None:
    t = pd.Timestamp("2024-01-10T10:00:00Z")
    m = pd.Timedelta(minutes=1)
    q = pd.DataFrame(
        {
            "question_id": ["q1", "q2", "q3", "q4", "q5"],
            "asker": ["a", "b", "c", "d", "e"],
            "channel_id": "c_x",
            "channel_name": ["ask-x"] * 4 + ["private-room"],
            "channel_kind": ["public"] * 4 + ["private"],
            "ts": [t, t + 10 * m, t + 20 * m, t + 240 * m, t + 5 * m],
            "answered": [True, True, True, True, True],
        }
    )
    ans = pd.DataFrame(
        {
            "question_id": ["q1", "q2", "q3", "q4", "q5", "q3"],
            "answerer": ["L", "L", "L", "L", "L", "z"],
            "ts": [t + 5 * m, t + 15 * m, t + 40 * m, t + 250 * m, t + 6 * m, t + 25 * m],
        }
    )
    s = {"session_gap_hours": 2, "session_min_answers": 3}
    out = qa.sessions(q, ans, pd.Index(["L"]), s)
    # q1-q3 answered within 2 hours of each other; q4 3.5 hours later stands alone (one
    # answer: no session); q5 is in a private room (not in the open)
    assert len(out) == 1
    row = out.iloc[0]
    assert (row["leader"], row["channel"], row["questions"], row["by_leader"]) == (
        "L",
        "ask-x",
        3,
        3,
    )
    assert row["start"] == t and row["end"] == t + 40 * m
    assert row["median_minutes"] == pytest.approx(5)  # 5, 5 and 20 minutes
    assert qa.sessions(q, ans, pd.Index(["z"]), s).empty


def test_leaders_file_resolves_ids_and_emails(tiny, tmp_path) -> None:
    path = write_csv(tmp_path / "leaders.csv", ["person"], [["E2"], ["cat@x.com"], ["E9"]])
    ids = compute.read_leaders(tiny, path)
    assert list(ids[:2]) == [pid(tiny, "E2"), pid(tiny, "E3")]
    table = compute.leaders(tiny, path, window=WINDOW)
    assert table.index[-1] == "organisation"
    bob = table.loc[pid(tiny, "E2")]
    assert bob["in_network"] and bob["contacts"] == 2
    assert bob["reciprocity"] == pytest.approx(0.5)
    assert bob["responsiveness"] == pytest.approx(1 / 3)
    assert bob["open_share"] == pytest.approx(2 / 6)
    # everyone within two steps of bob: dan, cat, and eve through cat
    assert bob["two_step_reach"] == 3
    cat = table.loc[pid(tiny, "E3")]
    assert cat["open_answers"] == 1 and cat["answer_minutes"] == pytest.approx(30 * 60)
    assert not table.loc[ids[2], "in_network"]  # E9 is nobody
    assert np.isnan(table.loc[ids[2], "contacts"])
    with pytest.raises(InputError):
        compute.read_leaders(tiny, tmp_path / "missing.csv")


def test_responsiveness_on_keys_is_the_query_on_pseudonyms(tmp_path) -> None:
    # the keyed query (integer keys, microseconds) against the one on the interactions view
    # (pseudonyms, TIMESTAMPTZ intervals): acts at random microseconds, gaps of up to 9 days
    # (epoch() of a calendar interval counts whole days, then the rest), two limits
    from groundswell.network.ties import keyed, one_key_each, utc_session

    rng = np.random.default_rng(5)
    people = ["E1", "E2", "E3", "E4", "E5"]
    start = pd.Timestamp("2024-01-01T00:00:00")
    rows, kinds = [], ["dm", "dm", "mention", "reply"]
    for i in range(400):
        a, b = rng.choice(people, size=2, replace=False)
        ts = start + pd.Timedelta(microseconds=int(rng.integers(0, 20 * 86_400_000_000)))
        kind = str(rng.choice(kinds))
        channel = "eng-chat" if kind != "dm" else ""
        rows.append(
            [f"k{i}", str(a), str(b), ts.isoformat(), kind, channel,
             "public" if channel else "", "", "", "false", ""]
        )  # fmt: skip
    ws = build(tmp_path / "keys", rows, min_group_size=1)
    try:
        assert keyed(ws.con) and utc_session(ws.con) and one_key_each(ws.con)
        win = Window.parse("2024-01-01:2024-01-20")
        r = queries.rules(ws)
        kinds_sql = ", ".join(f"'{k}'" for k, w in r.weights.items() if w > 0)
        inbound = ", ".join(f"'{k}'" for k in queries.INBOUND_KINDS)
        for hours in (48.0, 30.5, 200.0):
            fast = queries.responsiveness(ws, win, hours).sort_index()
            slow = queries._responsiveness_named(
                ws, win, hours, r.broadcast_threshold, kinds_sql, inbound
            ).sort_index()
            assert len(fast) == 5 and fast["responded"].sum() > 0
            assert fast["median_hours"].notna().all()
            pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    finally:
        ws.close()


def test_hours_of_a_gap_in_microseconds_are_epoch_of_the_interval() -> None:
    # the keyed responsiveness takes each gap's hours from microseconds; the query on
    # pseudonyms from epoch() of the TIMESTAMPTZ difference: bit for bit the same (UTC)
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SELECT setseed(0.42)")
    con.execute(
        "CREATE TABLE g AS SELECT a, a + to_microseconds((random() * random() * 20 * 86400e6)"
        "::BIGINT) AS b FROM (SELECT make_timestamptz(1700000000000000 + (random() * 3e13)"
        "::BIGINT) AS a FROM range(200000))"
    )
    d = "(epoch_us(b) - epoch_us(a))"
    same, single, long = con.execute(
        f"SELECT count(*) FILTER (WHERE epoch(b - a) / 3600 = {queries.hours_us(d)}), "
        f"count(*) FILTER (WHERE epoch(b - a) / 3600 = {d}::DOUBLE / 1e6 / 3600), "
        "count(*) FILTER (WHERE b - a >= INTERVAL 1 DAY) FROM g"
    ).fetchall()[0]
    assert same == 200_000
    assert single < 200_000 and long > 50_000  # the plain division would not do


def test_reach_against_networkx() -> None:
    # contacts, two-step reach (undirected, at most one intermediary) and reciprocity of a
    # random directed network with people who have no tie at all
    import networkx as nx

    rng = np.random.default_rng(11)
    everyone = pd.Index([f"p{i:03d}" for i in range(120)])
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, 100, size=(400, 2)) if a != b}
    t = pd.DataFrame(
        {"actor_id": [everyone[a] for a, _ in pairs], "target_id": [everyone[b] for _, b in pairs]}
    )
    out = qa._reach(t, everyone)
    d = nx.DiGraph()
    d.add_nodes_from(everyone)
    d.add_edges_from(zip(t["actor_id"], t["target_id"], strict=True))
    u = d.to_undirected()
    for p in everyone:
        row = out.loc[p]
        assert row["contacts"] == u.degree(p)
        assert row["two_step_reach"] == len(nx.single_source_shortest_path_length(u, p, 2)) - 1
        succ = set(d.successors(p))
        if succ:
            assert row["reciprocity"] == pytest.approx(
                len(succ & set(d.predecessors(p))) / len(succ)
            )
        else:
            assert np.isnan(row["reciprocity"])
    assert (out["two_step_reach"] > out["contacts"]).any() and (out["contacts"] == 0).any()
