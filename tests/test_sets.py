"""groundswell._sets against NumPy (the oracle): the same sorted unique values, the same
membership booleans, on random integer arrays of several dtypes, shapes and sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from groundswell import _sets

DTYPES = [np.int64, np.int32, np.int16, np.uint8, np.uint64, np.bool_]


@pytest.mark.parametrize("dtype", DTYPES)
def test_unique_isin_union_are_numpys(dtype: type) -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        x = rng.integers(0, 12, rng.integers(0, 40)).astype(dtype)
        v = rng.integers(0, 12, rng.integers(0, 40)).astype(dtype)
        if rng.random() < 0.3 and x.size % 2 == 0 and x.size:
            x = x.reshape(2, -1)  # isin keeps the shape, unique flattens
        got, want = _sets.unique(x), np.unique(x)
        assert got.dtype == want.dtype and np.array_equal(got, want)
        got_in, want_in = _sets.isin(x, v), np.isin(x, v)
        assert got_in.shape == want_in.shape and np.array_equal(got_in, want_in)
        assert np.array_equal(_sets.union(x, v), np.union1d(x, v))


def test_large_keys_and_negative_values() -> None:
    # tie keys as the value step makes them (actor * width + target), wide and unordered
    rng = np.random.default_rng(7)
    width = np.int64(300_001)
    a, b = rng.integers(0, 300_000, 200_000), rng.integers(0, 300_000, 200_000)
    keys = np.concatenate([a * width + b, b * width + a, -a])
    assert np.array_equal(_sets.unique(keys), np.unique(keys))
    assert np.array_equal(
        _sets.isin(b * width + a, a * width + b), np.isin(b * width + a, a * width + b)
    )


def test_other_dtypes_and_mixed_kinds_go_to_numpy() -> None:
    f = np.array([1.5, np.nan, 1.5, 0.0])
    assert np.array_equal(_sets.unique(f), np.unique(f), equal_nan=True)
    assert np.array_equal(
        _sets.isin(np.array([1, 2, 3]), np.array([2.0, 9.0])), [False, True, False]
    )
    assert np.array_equal(
        _sets.isin(np.array([-1, 5], np.int64), np.array([5], np.uint64)), [False, True]
    )
    assert np.array_equal(_sets.isin([1, 2], []), [False, False])
    assert _sets.unique(np.array([], np.int64)).dtype == np.int64


@pytest.mark.parametrize("seed", range(3))
def test_positions_are_get_indexer_of_every_label(seed: int) -> None:
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    people = pd.Index([f"p{i}é" * (i % 3 + 1) for i in range(500)], dtype=object)
    labels = np.concatenate([people.to_numpy()[rng.integers(0, 500, 4000)], ["stranger"] * 7])
    rng.shuffle(labels)
    arrow = pa.array(labels.tolist(), type=pa.string())
    got = _sets.positions(people, arrow)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, people.get_indexer(labels))
    assert (got == -1).sum() == 7
    assert _sets.positions(people, pa.array([], type=pa.string())).size == 0
