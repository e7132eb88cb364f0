"""Frames a reader built with one row per key (``batch.Batch.unique``) are stored without being
de-duplicated again: the store gives the same rows as with de-duplication, and the Slack
reader names a frame only when it holds one row per key (a person reacting to a message
with two emoji is listed twice, so then its interactions are de-duplicated as before). An
insert told that the ingest's own rows cannot hold its keys (``others``, the email reader's
batches) compares only other sources' rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import groundswell as gs
from groundswell.ingest import batch, common, slack
from tests.ingest.test_slack import USERS, base_export, msg, ts, write_export

MESSAGE_KEY = ["message_id"]
INTERACTION_KEY = ["message_id", "actor_id", "target_id", "kind"]


def _captured(monkeypatch: pytest.MonkeyPatch) -> list[batch.Batch]:
    """The batches the readers hand to batch.write (which still writes them)."""
    got: list[batch.Batch] = []
    real = batch.write

    def spy(ws: Any, b: batch.Batch, *args: Any, **kwargs: Any) -> common.IngestSummary:
        got.append(b)
        return real(ws, b, *args, **kwargs)

    monkeypatch.setattr(batch, "write", spy)
    return got


def _stored(ws: gs.Workspace) -> dict[str, pd.DataFrame]:
    return {
        t: ws.query(f"SELECT * EXCLUDE (source_id) FROM {t} ORDER BY ALL")
        for t in ("messages", "interactions")
    }


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    ts0 = pd.Timestamp("2024-01-01", tz="UTC")
    messages = pd.DataFrame(
        {
            "message_id": ["m1", "m2", "m3"],
            "channel_id": ["c", "c", "c"],
            "thread_id": [None, "m1", None],
            "parent_id": [None, "m1", None],
            "author_id": ["a", "b", "a"],
            "ts": [ts0, ts0 + pd.Timedelta(minutes=1), ts0 + pd.Timedelta(minutes=2)],
            "kind": ["post", "reply", "post"],
            "n_recipients": [0, 1, 1],
            "is_question": [False, False, True],
            "is_bot": [False, False, False],
            "text": [None, None, None],
        }
    )
    inter = pd.DataFrame(
        {
            "ts": [ts0 + pd.Timedelta(minutes=1), ts0 + pd.Timedelta(minutes=2), ts0],
            "actor_id": ["b", "a", "b"],
            "target_id": ["a", "b", "a"],
            "kind": ["reply", "mention", "reaction"],
            "message_id": ["m2", "m3", "m1"],
            "n_recipients": [1, 1, 1],
            "is_bot": [False, False, False],
            "weight": [1.0, 1.0, 1.0],
        }
    )
    return messages, inter


def _write(ws: gs.Workspace, b: batch.Batch, name: str) -> common.IngestSummary:
    return batch.write(ws, b, common.IngestSummary(name, "slack", None), name, {})


def test_unique_frames_store_the_rows_de_duplication_stores(tmp_path: Path) -> None:
    messages, inter = _frames()
    got = {}
    for flag in (frozenset(), frozenset({"messages", "interactions"})):
        ws = gs.init(tmp_path / f"ws{len(flag)}")
        s = _write(ws, batch.Batch(messages=messages, interactions=inter, unique=flag), "one")
        # rows already stored are still skipped: the same frames again add nothing
        again = _write(ws, batch.Batch(messages=messages, interactions=inter, unique=flag), "two")
        got[len(flag)] = (_stored(ws), s.messages, s.interactions, again.messages)
        assert (again.messages, again.interactions) == (0, 0)
        ws.close()
    (plain, *counts_plain), (fast, *counts_fast) = got[0], got[2]
    assert counts_plain == counts_fast == [3, 3, 0]
    for t in plain:
        pd.testing.assert_frame_equal(plain[t], fast[t], check_exact=True)
        assert len(plain[t]) == 3


def test_write_under_a_memory_budget_stores_the_same_rows(tmp_path: Path) -> None:
    messages, inter = _frames()
    doubled_i = pd.concat([inter, inter.iloc[[2]]], ignore_index=True)
    got = []
    for memory in (None, "64MB"):
        ws = gs.init(tmp_path / f"ws{memory}")
        limit = ws.con.execute("SELECT current_setting('memory_limit')").fetchall()
        seen: list[Any] = []
        real = ws.transaction

        def spy(real: Any = real, ws: gs.Workspace = ws, seen: list[Any] = seen) -> Any:
            seen.append(ws.con.execute("SELECT current_setting('memory_limit')").fetchall())
            return real()

        ws.transaction = spy  # type: ignore[method-assign]
        s = batch.write(
            ws,
            batch.Batch(messages=messages, interactions=doubled_i, unique=frozenset({"messages"})),
            common.IngestSummary("one", "slack", None),
            "one",
            {},
            memory=memory,
        )
        ws.transaction = real  # type: ignore[method-assign]
        assert (s.messages, s.interactions) == (3, 3)
        # the budget holds while the rows are written, and is put back after
        assert (seen[0] != limit) == (memory is not None)
        assert ws.con.execute("SELECT current_setting('memory_limit')").fetchall() == limit
        got.append(_stored(ws))
        ws.close()
    for t in got[0]:
        pd.testing.assert_frame_equal(got[0][t], got[1][t], check_exact=True)


def test_out_of_memory_under_the_budget_writes_again_without_it(tmp_path, monkeypatch) -> None:
    import duckdb

    messages, inter = _frames()
    ws = gs.init(tmp_path / "ws")
    limit = ws.con.execute("SELECT current_setting('memory_limit')").fetchall()
    real, calls = batch._insert, []

    def failing(con: Any, table: str, *args: Any, **kwargs: Any) -> int:
        calls.append(con.execute("SELECT current_setting('memory_limit')").fetchall())
        if table == "interactions" and calls[-1] != limit:
            raise duckdb.OutOfMemoryException("Out of Memory Error: test")
        return real(con, table, *args, **kwargs)

    monkeypatch.setattr(batch, "_insert", failing)
    summary = common.IngestSummary("one", "slack", None)
    summary.skipped["no author"] += 1
    s = batch.write(
        ws,
        batch.Batch(messages=messages, interactions=inter),
        summary,
        "one",
        {},
        memory="64MB",
    )
    # the first attempt (under the budget) was rolled back whole; the second wrote it all
    assert (s.messages, s.interactions) == (3, 3)
    assert dict(s.skipped) == {"no author": 1}
    assert calls[0] != limit and calls[-1] == limit
    assert ws.query("SELECT count(*) AS n FROM messages")["n"][0] == 3
    assert ws.query("SELECT count(*) AS n FROM sources")["n"][0] == 1
    ws.close()


def test_frames_not_named_unique_are_de_duplicated(tmp_path: Path) -> None:
    messages, inter = _frames()
    doubled_m = pd.concat([messages, messages.iloc[[0]]], ignore_index=True)
    doubled_i = pd.concat([inter, inter.iloc[[2]]], ignore_index=True)
    ws = gs.init(tmp_path / "ws")
    s = _write(ws, batch.Batch(messages=doubled_m, interactions=doubled_i), "one")
    assert (s.messages, s.interactions) == (3, 3)
    stored = _stored(ws)
    assert not stored["messages"].duplicated(MESSAGE_KEY).any()
    assert not stored["interactions"].duplicated(INTERACTION_KEY).any()
    ws.close()


def _no_duplicate_keys(b: batch.Batch) -> None:
    """Every frame the reader names unique has one row per key."""
    for name, key in (("messages", MESSAGE_KEY), ("interactions", INTERACTION_KEY)):
        frame = getattr(b, name)
        if name in b.unique:
            assert frame is not None
            assert not frame.duplicated(key).any(), name


def test_slack_names_its_frames_unique(ws, tmp_path, monkeypatch) -> None:
    got = _captured(monkeypatch)
    files = base_export()
    # the same message twice in a day file (dropped by the reader as a duplicate)
    files["secret-plans/2023-11-14.json"].append(msg("U1", 10, "private"))
    slack.ingest(ws, write_export(tmp_path / "e", files))
    (b,) = got
    assert b.unique == {"messages", "interactions"}
    _no_duplicate_keys(b)


def test_slack_two_emoji_from_one_person_keep_de_duplication(ws, tmp_path, monkeypatch) -> None:
    got = _captured(monkeypatch)
    files = base_export()
    files["general/2023-11-14.json"][3]["reactions"] = [
        {"name": "+1", "users": ["U2", "U3"], "count": 2},
        {"name": "tada", "users": ["U2"], "count": 1},
    ]
    s = slack.ingest(ws, write_export(tmp_path / "e", files))
    (b,) = got
    assert "messages" in b.unique and "interactions" not in b.unique
    assert b.interactions is not None and b.interactions.duplicated(INTERACTION_KEY).any()
    # the repeated reaction marked: the store keeps the first rows only
    first = b.firsts["interactions"]
    np.testing.assert_array_equal(first, ~b.interactions.duplicated(INTERACTION_KEY).to_numpy())
    stored = _stored(ws)["interactions"]
    reactions = stored[stored["kind"] == "reaction"]
    assert len(reactions) == 2  # U2 once, U3 once, to U1's message
    assert not stored.duplicated(INTERACTION_KEY).any()
    assert s.interactions == len(stored)


_PEOPLE = [u["id"] for u in USERS if u["id"] != "UB"]


@st.composite
def _exports(draw: st.DrawFn) -> dict[str, Any]:
    files = base_export()
    day: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 12))):
        who = draw(st.sampled_from(_PEOPLE))
        second = draw(st.integers(0, 6))  # a repeated ts is a duplicate message
        extra: dict[str, Any] = {}
        if draw(st.booleans()):
            groups = draw(
                st.lists(st.lists(st.sampled_from(_PEOPLE), min_size=1, max_size=3), max_size=3)
            )
            extra["reactions"] = [
                {"name": f"e{k}", "users": g, "count": len(g)} for k, g in enumerate(groups)
            ]
        if draw(st.booleans()) and second:
            extra["thread_ts"] = ts(1000)
        mentions = " ".join(f"<@{u}>" for u in draw(st.lists(st.sampled_from(_PEOPLE))))
        day.append(msg(who, 1000 + second, f"{i} {mentions}", **extra))
    files["random/2023-11-14.json"] = day
    files["channels.json"] = [
        *files["channels.json"],
        {"id": "C2", "name": "random", "created": 0, "members": _PEOPLE},
    ]
    return files


_WORKSPACE: dict[str, gs.Workspace] = {}


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(files=_exports())
def test_slack_unique_frames_hold_one_row_per_key(tmp_path_factory, files) -> None:
    root = tmp_path_factory.mktemp("u")
    if "ws" not in _WORKSPACE:  # one workspace: every ingest is a dry run, rolled back
        _WORKSPACE["ws"] = gs.init(root / "ws")
    ws = _WORKSPACE["ws"]
    got: list[batch.Batch] = []
    real = batch.write

    def spy(w: Any, b: batch.Batch, *args: Any, **kwargs: Any) -> common.IngestSummary:
        got.append(b)
        return real(w, b, *args, **kwargs)

    batch.write = spy  # type: ignore[assignment]
    try:
        s = slack.ingest(ws, write_export(root / "e", files), dry_run=True)
    finally:
        batch.write = real  # type: ignore[assignment]
    (b,) = got
    _no_duplicate_keys(b)
    assert b.messages is not None and b.interactions is not None
    # a frame not named unique has its first rows marked, the others copies of them
    repeat = b.interactions.duplicated(INTERACTION_KEY).to_numpy()
    if "interactions" in b.unique:
        assert "interactions" not in b.firsts
    else:
        np.testing.assert_array_equal(b.firsts["interactions"], ~repeat)
        copies = b.interactions.duplicated().to_numpy()  # equal in every column
        np.testing.assert_array_equal(copies, repeat)
    # whatever the flags, what a (dry) run stores is the frames' distinct keys
    assert s.dry_run
    assert s.messages == len(b.messages.drop_duplicates(MESSAGE_KEY))
    assert s.interactions == len(b.interactions.drop_duplicates(INTERACTION_KEY))


def teardown_module() -> None:
    for ws in _WORKSPACE.values():
        ws.close()
    _WORKSPACE.clear()


def test_insert_with_others_compares_only_other_sources_rows(tmp_path: Path) -> None:
    """``batch.insert(..., others=True)`` skips the keys other sources stored and not the
    rows the same ingest stored (its caller guarantees there are none: the email reader drops
    a Message-ID an earlier batch stored), on both the messages' and the keyed interactions'
    statement; without it every stored row is compared."""
    messages, inter = _frames()
    ws = gs.init(tmp_path / "ws")
    _write(ws, batch.Batch(messages=messages.iloc[[0]], interactions=inter.iloc[[2]]), "old")
    added = []
    with ws.transaction() as con:
        sid = common.next_source_id(ws)
        for others in (True, True, False):
            added.append(
                (
                    batch.insert(con, "messages", messages, sid, MESSAGE_KEY, others=others),
                    batch.insert(con, "interactions", inter, sid, INTERACTION_KEY, others=others),
                )
            )
        common.record_source(ws, common.IngestSummary("new", "slack", sid), "new", {})
    # m1 and its reaction, stored by the other source, are skipped every time; the rest is
    # stored again by a second call with others (this source's rows are not compared), and
    # skipped once every stored row is
    assert added == [(2, 2), (2, 2), (0, 0)]
    got = ws.query("SELECT source_id, count(*) AS n FROM messages GROUP BY ALL ORDER BY ALL")
    assert got["n"].tolist() == [1, 4]
    ws.close()
