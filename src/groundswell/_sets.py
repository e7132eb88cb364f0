"""Set operations on integer keys, by sorting, and lookups of labels (issue 20: a million
people).

NumPy 2.3+ answers a plain ``np.unique(x)`` through a hash table, and ``np.isin`` through
that same unique for keys spread wider than a lookup table. On the tie keys of a large
network (millions of 64-bit integers with no locality, such as ``actor * n + target``)
that hash table costs most of a second per million keys: at 100,000 people / 3M ties
``np.unique`` of the 6M keys of every tie both ways took 7.9 s of CPU where sorting them
took 0.13 s. These functions give exactly NumPy's answers for integer arrays (sorted
unique values; the membership booleans) by sorting instead; other dtypes go to NumPy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


def _integer(x: np.ndarray) -> bool:
    return x.dtype.kind in "iub"


def unique(x: np.ndarray | list[int]) -> np.ndarray:
    """``np.unique(x)`` (sorted distinct values of the flattened array), by one sort."""
    a = np.asarray(x)
    if not _integer(a):
        return np.unique(a)
    s = np.sort(a, axis=None)
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def isin(x: np.ndarray | list[int], values: np.ndarray | list[int]) -> np.ndarray:
    """``np.isin(x, values)`` (shape of ``x``), by sorting both and binary searches."""
    a, v = np.asarray(x), np.asarray(values)
    if not (_integer(a) and _integer(v)) or a.dtype.kind != v.dtype.kind:
        return np.isin(a, v)
    if not v.size or not a.size:
        return np.zeros(a.shape, dtype=bool)
    s = np.sort(v, axis=None)
    flat = a.ravel()
    order = np.argsort(flat)  # queries in order: the binary searches walk s forwards
    q = flat[order]
    at = np.searchsorted(s, q)
    at[at == s.size] = s.size - 1
    out = np.empty(flat.size, dtype=bool)
    out[order] = s[at] == q
    return out.reshape(a.shape)


def union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.union1d(a, b)``."""
    return unique(np.concatenate([np.ravel(a), np.ravel(b)]))


def isin_labels(x: object, values: object) -> np.ndarray:
    """``pd.Index(x).isin(values)`` for any labels (person ids as text among them), missing
    labels matching missing ones: both factorized together, then :func:`isin` on the codes.
    pandas' own ``isin`` on Arrow text turns every value into a Python object first (about
    a second per 100,000 values)."""
    import pandas as pd

    a, v = pd.Series(pd.Index(x)), pd.Series(pd.Index(values))
    if not len(a) or not len(v):
        return np.zeros(len(a), dtype=bool)
    codes = pd.factorize(pd.concat([a, v], ignore_index=True), use_na_sentinel=False)[0]
    return isin(codes[: len(a)], codes[len(a) :])


def positions(index: pd.Index, labels: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """``index.get_indexer(labels)`` (int64; -1 where a label is not in ``index``, a
    ``pd.Index`` built once by the caller) for ``labels`` an Arrow array of text: each
    distinct label looked up once, so that only those become Python objects. Arrow's own
    ``index_in`` builds a hash table of its whole value set on every call: read in batches
    against a million people, that grew with the square of the people (issue 20)."""
    import pyarrow.compute as pc

    coded = pc.dictionary_encode(labels)
    found = index.get_indexer(coded.dictionary.to_numpy(zero_copy_only=False))
    return found.astype(np.int64)[coded.indices.to_numpy(zero_copy_only=False)]
