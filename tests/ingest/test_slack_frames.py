"""The Slack reader's interactions on integer keys (ingest/slack/frames.py) against
batch.interactions' merges on text ids, its DM member pairs against pandas' merge, and its
batch-wide byte search against a search of each field alone."""

from __future__ import annotations

import msgspec
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell.ingest import batch
from groundswell.ingest.slack import frames, messages


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 12),
    targets=st.lists(
        st.tuples(st.integers(0, 11), st.integers(0, 5), st.sampled_from([0, 1, 2])),
        max_size=40,
    ),
    seed=st.integers(0, 2**16),
)
def test_interactions_on_row_keys_are_batch_interactions(
    n: int, targets: list[tuple[int, int, int]], seed: int
) -> None:
    """Same rows, same order, same recipients' counts, with repeated targets (of one kind
    and of several), self-targets, messages of no target, bots."""
    rng = np.random.default_rng(seed)
    people = np.array([f"p_{i}" for i in range(6)], dtype=object)
    author = people[rng.integers(0, 6, n)]
    ts = pd.to_datetime(rng.integers(0, 10**9, n), unit="s", utc=True)
    is_bot = rng.random(n) < 0.3
    mid = np.array([f"m_{i:03d}" for i in rng.permutation(n)], dtype=object)
    msgs = pd.DataFrame(
        {
            "message_id": mid,
            "author_id": author,
            "ts": ts,
            "n_recipients": np.zeros(n, dtype=np.int32),
            "is_bot": is_bot,
        }
    )
    targets = [(r % n, p, k) for r, p, k in targets]
    rows = np.array([r for r, _, _ in targets], dtype=np.int64)
    whom = people[[p for _, p, _ in targets]] if targets else np.array([], dtype=object)
    kinds = np.array([k for _, _, k in targets], dtype=np.int8)
    # in two parts, as the reader hands them (each list is emptied)
    parts = [rows[: len(rows) // 2], rows[len(rows) // 2 :]], [whom[: len(rows) // 2]], [kinds]
    parts[1].append(whom[len(rows) // 2 :])
    got, n_rec = frames._interactions(*parts, author, msgs, mid, is_bot)
    assert parts == ([], [], [])
    want_msgs = msgs.copy()
    want = batch.interactions(
        want_msgs,
        pd.DataFrame({"message_id": mid[rows], "target_id": whom, "kind": frames._KINDS[kinds]}),
    )
    assert n_rec.tolist() == want_msgs["n_recipients"].tolist()
    assert list(got.columns) == list(want.columns)
    for col in want.columns:
        assert got[col].tolist() == want[col].tolist(), col
    # rows appended after (the reactions'): as pandas' concat of the two frames
    k = len(rows) % 4
    at = np.arange(k) % n
    after = {
        "ts": msgs["ts"].array[at],
        "actor_id": author[at],
        "target_id": author[::-1][at],
        "kind": np.full(k, "reaction", dtype=object),
        "message_id": mid[at],
        "n_recipients": np.ones(k, dtype=np.int32),
        "is_bot": is_bot[at],
        "weight": np.ones(k),
    }
    expected = pd.concat([got, pd.DataFrame(after)], ignore_index=True)
    both, _ = frames._interactions([rows], [whom], [kinds], author, msgs, mid, is_bot, after)
    assert [str(t) for t in both.dtypes] == [str(t) for t in got.dtypes]
    for col in expected.columns:
        assert both[col].tolist() == expected[col].tolist(), col


@pytest.mark.parametrize("seed", range(20))
def test_dm_member_pairs_are_pandas_merge_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 30))
    conv = rng.integers(0, 6, n).astype(np.int32)
    private = np.flatnonzero(rng.random(n) < 0.6)
    member_conv = rng.integers(0, 6, int(rng.integers(0, 15)))
    left = pd.DataFrame({"conv": conv[private], "row": private})
    right = pd.DataFrame({"conv": member_conv, "j": np.arange(len(member_conv))})
    want = left.merge(right, on="conv")
    rows, j = frames._members(private, conv, member_conv)
    assert rows.tolist() == want["row"].tolist()
    assert j.tolist() == want["j"].tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([b'"user_id"', b'"user', b'_id"', b"x", b"\x00", b""]), max_size=6)
    )
)
def test_holding_finds_the_fields_holding_the_needle(parts: list[list[bytes]]) -> None:
    """The batch-wide search places each hit in its field, as a test of each field alone
    would: needles split across fields, NUL bytes in a field, empty fields."""
    raws = [msgspec.Raw(b"".join(p)) for p in parts]
    want = [i for i, r in enumerate(raws) if b'"user_id"' in bytes(r)]
    assert messages._holding(raws, b'"user_id"') == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-5, 30), max_size=60))
def test_first_rows_are_pandas_duplicated(values: list[int]) -> None:
    """_first keeps the first row of every value, as pandas' duplicated says (None: every
    row is a first), and hands back the values sorted."""
    key = np.array(values, dtype=np.int64)
    first, ordered = frames._first(key)
    expected = ~pd.Series(key).duplicated().to_numpy()
    got = np.ones(len(key), dtype=bool) if first is None else first
    np.testing.assert_array_equal(got, expected)
    assert (first is None) == bool(expected.all())
    np.testing.assert_array_equal(ordered, np.sort(key))


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(
        st.lists(st.tuples(st.integers(0, 15), st.integers(-1, 15)), max_size=12), max_size=4
    )
)
def test_thread_ids_are_the_text_of_their_bytes(chunks: list[list[tuple[int, int]]]) -> None:
    """_threads gives what _text gives (None for b""), a thread id equal to a root's message
    id (in any chunk) being the root's own string object; ids repeat across and within
    chunks; no chunk at all."""
    ids = [np.array([f"m{m:02d}".encode() for m, _ in c], dtype="S3") for c in chunks]
    parts = [np.array([b"" if t < 0 else f"m{t:02d}".encode() for _, t in c], dtype="S3")
             for c in chunks]  # fmt: skip
    strings = frames._text(ids)
    got = frames._threads(parts, ids, strings)
    expected = frames._text(parts)
    assert got.tolist() == expected.tolist()
    # a thread id equal to the id of a thread's root (a row whose thread id is its own
    # message id) is one of the roots' own strings, not a copy
    roots = [s for s, t in zip(strings, expected, strict=True) if s is not None and s == t]
    for value in got:
        if value in roots:
            assert any(value is s for s in roots), value
