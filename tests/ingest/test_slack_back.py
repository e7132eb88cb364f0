"""The Slack reader's end after reading (ingest/slack/frames.py, ingest/batch.py): repeated
message ids found on the ids' last 8 bytes against pandas' ``duplicated``, thread ids found
among the roots by those bytes against their text, and the interactions' first rows
(``batch.Batch.firsts``) stored as the store's own de-duplication stores them."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import groundswell as gs
from groundswell.ingest import batch, common
from groundswell.ingest.slack import frames

# ids of a few heads and a few tails: many share their last 8 bytes, and some are equal
_HEADS = st.sampled_from([b"m_", b"m_a", b"xy", b""])
_TAILS = st.sampled_from([b"ABCDEFGH", b"ABCDEFGI", b"12345678", b"1234", b""])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunks=st.lists(st.lists(st.tuples(_HEADS, _TAILS), max_size=10), max_size=4))
def test_repeated_ids_are_pandas_duplicated(chunks: list[list[tuple[bytes, bytes]]]) -> None:
    """_repeated says of each id what pandas' duplicated says of the ids joined: ids equal
    whole, or only in their last 8 bytes (then not repeats), b"", chunks of other widths."""
    parts = [
        np.array(
            [h + t for h, t in c], dtype=f"S{max([len(h + t) for h, t in c], default=0) + k + 1}"
        )
        for k, c in enumerate(chunks)
    ]
    joined = [bytes(x) for p in parts for x in p]
    expected = pd.Series(joined, dtype=object).duplicated().to_numpy()
    np.testing.assert_array_equal(frames._repeated(parts), expected)


def test_repeated_ids_whose_last_bytes_repeat() -> None:
    """Ids alike in their last 8 bytes but not whole are not repeats; equal ones are, from
    the second on, across chunks."""
    a = np.array([b"m_xABCDEFGH", b"m_yABCDEFGH", b"m_zzzzzzzzz"], dtype="S11")
    b = np.array([b"m_yABCDEFGH", b"m_qABCDEFGH", b"m_xABCDEFGH"], dtype="S11")
    assert frames._repeated([a, b]).tolist() == [False, False, False, True, False, True]
    assert frames._repeated([]).tolist() == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chunks=st.lists(
        st.lists(st.tuples(_HEADS, _TAILS, st.sampled_from([0, 1, 2])), max_size=10), max_size=4
    )
)
def test_thread_ids_found_by_their_last_bytes_are_their_text(
    chunks: list[list[tuple[bytes, bytes, int]]],
) -> None:
    """_threads gives what _text gives when roots' ids share their last 8 bytes: a thread
    id is its root's own string (0: the row is a root), another root's id (1) or none (2)."""
    ids = [np.array([h + t for h, t, _ in c], dtype="S11") for c in chunks]
    flat = [h + t for c in chunks for h, t, _ in c]
    parts = []
    for c in chunks:
        thread = [h + t if k == 0 else (flat[len(flat) // 2] if k == 1 else b"") for h, t, k in c]
        parts.append(np.array(thread, dtype="S11"))
    strings = frames._text(ids)
    got = frames._threads(parts, ids, strings)
    assert got.tolist() == frames._text(parts).tolist()


def _interactions() -> pd.DataFrame:
    ts0 = pd.Timestamp("2024-01-01", tz="UTC")
    rows = [  # (message, actor, target, kind), the repeated ones copies of a first row
        ("m1", "b", "a", "reply"),
        ("m2", "a", "b", "mention"),
        ("m1", "c", "a", "reaction"),
        ("m3", "c", "b", "reaction"),
        ("m1", "c", "a", "reaction"),
        ("m3", "a", "b", "reaction"),
        ("m3", "c", "b", "reaction"),
    ]
    return pd.DataFrame(
        {
            "ts": [ts0 + pd.Timedelta(minutes=int(m[1])) for m, *_ in rows],
            "actor_id": [a for _, a, _, _ in rows],
            "target_id": [t for _, _, t, _ in rows],
            "kind": [k for *_, k in rows],
            "message_id": [m for m, *_ in rows],
            "n_recipients": [1] * len(rows),
            "is_bot": [False] * len(rows),
            "weight": [1.0] * len(rows),
        }
    )


def _stored(ws: gs.Workspace) -> pd.DataFrame:
    return ws.query("SELECT * EXCLUDE (source_id) FROM interactions ORDER BY ALL")


def test_first_rows_store_what_de_duplication_stores(tmp_path: Path) -> None:
    """Interactions handed with their first rows (Batch.firsts) store the rows the store's
    de-duplication stores, and people keys alike; stored rows are skipped again."""
    inter = _interactions()
    first = ~inter.duplicated(["message_id", "actor_id", "target_id", "kind"]).to_numpy()
    got: list[Any] = []
    for firsts in ({}, {"interactions": first}):
        ws = gs.init(tmp_path / f"ws{len(firsts)}")
        s = batch.write(
            ws,
            batch.Batch(interactions=inter, firsts=firsts),
            common.IngestSummary("one", "slack", None),
            "one",
            {},
        )
        again = batch.write(
            ws,
            batch.Batch(interactions=inter, firsts=firsts),
            common.IngestSummary("two", "slack", None),
            "two",
            {},
        )
        keys = ws.query("SELECT * FROM person_keys ORDER BY ALL")
        got.append((_stored(ws), keys, s.interactions, again.interactions))
        ws.close()
    (plain, keys_plain, n_plain, again_plain), (fast, keys_fast, n_fast, again_fast) = got
    pd.testing.assert_frame_equal(plain, fast, check_exact=True)
    pd.testing.assert_frame_equal(keys_plain, keys_fast, check_exact=True)
    assert n_plain == n_fast == 5 and again_plain == again_fast == 0


def test_first_rows_are_the_rows_stored(tmp_path: Path) -> None:
    """Only the rows marked are stored (a mask missing a key's row leaves the key out)."""
    inter = _interactions()
    first = ~inter.duplicated(["message_id", "actor_id", "target_id", "kind"]).to_numpy()
    first[1] = False  # the mention: its only row
    ws = gs.init(tmp_path / "ws")
    s = batch.write(
        ws,
        batch.Batch(interactions=inter, firsts={"interactions": first}),
        common.IngestSummary("one", "slack", None),
        "one",
        {},
    )
    assert s.interactions == 4
    assert "mention" not in set(_stored(ws)["kind"])
    ws.close()


def test_collector_off_while_reading_building_and_storing(ws, tmp_path, monkeypatch) -> None:
    """The garbage collector is off from the day files to the store, and on again after,
    whether the ingest ends well or with an error; off before, it stays off."""
    from groundswell.errors import InputError
    from groundswell.ingest import slack
    from tests.ingest.test_slack import base_export, write_export

    seen: list[tuple[str, bool]] = []
    for name in ("read_days", "_build"):
        real = getattr(slack, name)

        def spy(*a: Any, _real: Any = real, _name: str = name, **k: Any) -> Any:
            seen.append((_name, gc.isenabled()))
            return _real(*a, **k)

        monkeypatch.setattr(slack, name, spy)
    real_write = batch.write

    def spy_write(*a: Any, **k: Any) -> Any:
        seen.append(("write", gc.isenabled()))
        return real_write(*a, **k)

    monkeypatch.setattr(batch, "write", spy_write)
    assert gc.isenabled()
    slack.ingest(ws, write_export(tmp_path / "e", base_export()))
    assert seen == [("read_days", False), ("_build", False), ("write", False)]
    assert gc.isenabled()
    files = base_export()
    files["general/2023-11-14.json"][0]["ts"] = "yesterday"
    with pytest.raises(InputError):
        slack.ingest(ws, write_export(tmp_path / "bad", files))
    assert gc.isenabled()
    gc.disable()
    try:
        slack.ingest(ws, write_export(tmp_path / "e2", base_export()), dry_run=True)
        assert not gc.isenabled()
    finally:
        gc.enable()


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(
        st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "ü", "U1", "日本"])), max_size=8),
        min_size=2,
        max_size=5,
    )
)
def test_union_of_chunk_categoricals_is_pandas_union(chunks: list[list[str | None]]) -> None:
    """_union gives pandas' union_categoricals: the categories in the order first met and
    the same codes, with missing values and chunks of no category at all."""
    from pandas.api.types import union_categoricals

    parts = [pd.Categorical(pd.Series(c, dtype=object)) for c in chunks]
    parts = [p.set_categories(p.categories.astype(object)) for p in parts]
    expected = union_categoricals(parts, ignore_order=True)
    got = frames._union(parts)
    assert list(got.categories) == list(expected.categories)
    np.testing.assert_array_equal(got.codes, expected.codes)
    assert got.to_numpy(dtype=object).tolist() == expected.to_numpy(dtype=object).tolist()


def _dm_members_by_pandas(
    convs: list[Any], conv: np.ndarray, author: np.ndarray, wrote: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The DM members as the reader made them with pandas before (merge of frames)."""
    listed = [
        (k, u) for k, c in enumerate(convs) if c.kind in ("dm", "group_dm") for u in c.members
    ]
    writers = pd.DataFrame({"conv": conv[wrote], "author": author[wrote]})
    has_list = {k for k, c in enumerate(convs) if c.members}
    writers = writers[~writers["conv"].isin(has_list)]
    mem = pd.concat(
        [pd.DataFrame(listed, columns=["conv", "author"]), writers.drop_duplicates()],
        ignore_index=True,
    )
    return mem["conv"].to_numpy(), mem["author"].astype(str).to_numpy()


@settings(max_examples=300, deadline=None)
@given(
    lists=st.lists(
        st.tuples(
            st.sampled_from(["dm", "group_dm", "public", "private"]),
            st.lists(st.sampled_from(["U1", "U2", "Ü3", "U4"]), max_size=3),
        ),
        min_size=1,
        max_size=6,
    ),
    msgs=st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["U1", "U2", "Ü3", "B9"]), st.booleans()),
        max_size=30,
    ),
)
def test_dm_members_are_the_pandas_members(
    lists: list[tuple[str, list[str]]], msgs: list[tuple[int, str, bool]]
) -> None:
    """_dm_members: the listed members, then each unlisted conversation's writers once, in
    the order pandas' concat and drop_duplicates gave them."""
    from groundswell.ingest.slack.archive import _Conv

    convs = [_Conv(f"D{k}", None, kind, None, members) for k, (kind, members) in enumerate(lists)]
    msgs = [(k % len(convs), a, w) for k, a, w in msgs]
    conv = np.array([k for k, _, _ in msgs], dtype=np.int32)
    author = np.array([a for _, a, _ in msgs], dtype=object)
    wrote = np.array([w for _, _, w in msgs], dtype=bool)
    got_conv, got_author = frames._dm_members(convs, conv, author, wrote)
    want_conv, want_author = _dm_members_by_pandas(convs, conv, author, wrote)
    assert got_conv.tolist() == want_conv.tolist()
    assert got_author.tolist() == want_author.tolist()
