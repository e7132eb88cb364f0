"""Input limits: the longest field a reader accepts, and the most recipients it stores per act.

A hostile or careless export must not exhaust memory. Two settings bound what one record
can cost (``[ingest]`` in ``groundswell.toml``, docs/settings.md):

- ``max_field_bytes`` (1 MiB): a field longer than this is refused with an
  :class:`~groundswell.errors.InputError` naming the file, the line and the column. No
  identifier, recipients list or message comes near it (45,000 addresses fit in 1 MiB).
- ``max_recipients`` (5,000): an act addressed to more distinct people keeps the first
  ``max_recipients`` of them as interactions, and the ingest warns, naming the lines and how
  many were dropped. The message's ``n_recipients`` keeps the true count, so the act stays
  a broadcast: an act to more than ``ties.broadcast_threshold`` people (25) makes no tie, and
  the setting cannot be lower than that threshold, so the ties lose nothing.

A recipients cell is split without copying it: :func:`split_cells` returns, for every
recipient, only the position of its act (Arrow's ``split_pattern`` and
``list_parent_indices``), so one row with 45,000 recipients costs 45,000 short strings, not
45,000 copies of the cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from groundswell.errors import ConfigError, InputError
from groundswell.ingest import common

__all__ = [
    "Split",
    "cap_items",
    "check_field_sizes",
    "dropped_warning",
    "records",
    "split_cells",
    "true_counts",
]


@dataclass
class Split:
    """The items of many cells: ``parent[i]`` is the position of the cell ``item[i]`` came
    from (ascending). ``capped`` holds the positions of the cells that had more than ``cap``
    distinct items, and ``distinct`` how many each had."""

    parent: np.ndarray
    item: np.ndarray
    cap: int = 0
    capped: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    distinct: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))

    @property
    def dropped(self) -> int:
        """Items left out by the cap, over all cells."""
        return int(self.distinct.sum()) - self.cap * len(self.capped)


def check_field_sizes(
    path: Path, df: pd.DataFrame, columns: list[str], limit: int, *, first: int = 0
) -> None:
    """Raise InputError naming the file, line and column of the first field (among
    ``columns``) longer than ``limit`` bytes of UTF-8. ``first`` is the position in the file
    of the first row of ``df`` (for a file read in batches)."""
    earliest: tuple[int, str, int] | None = None
    for col in dict.fromkeys(columns):
        values = df[col]
        lengths: np.ndarray | None
        if isinstance(values.dtype, pd.CategoricalDtype):
            sizes = _byte_lengths(pd.Series(values.cat.categories))
            if sizes is None or not (sizes > limit).any():
                continue
            codes = values.cat.codes.to_numpy()
            bad = np.isin(codes, np.flatnonzero(sizes > limit))
            lengths = np.where(codes >= 0, sizes[np.maximum(codes, 0)], 0)
        else:
            lengths = _byte_lengths(values)
            if lengths is None:
                continue
            bad = lengths > limit
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            if earliest is None or k < earliest[0]:
                earliest = (k, col, int(lengths[k]))
    if earliest is not None:
        k, col, size = earliest
        raise InputError(
            path,
            f"the {col!r} field is {size:,} bytes long",
            expected=f"at most {limit:,} bytes (setting ingest.max_field_bytes)",
            **common.locate(path, first + k),
        )


def split_cells(values: pd.Series, sep: str, cap: int | None = None) -> Split:
    """Split each cell of ``values`` on the literal ``sep`` into trimmed, non-empty items.

    With ``cap``, a cell with more than ``cap`` distinct items (compared trimmed and
    lower-cased, as pseudonyms are) keeps its first ``cap`` distinct items.
    """
    if sep == "":
        raise ConfigError("the targets separator is empty; expected a character such as ';'")
    arr = pa.array(values.astype("string"), from_pandas=True)
    lists = pc.split_pattern(arr, sep)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    keep = pc.not_equal(flat, "")
    parent = pc.list_parent_indices(lists).filter(keep).to_numpy().astype(np.int64)
    flat = flat.filter(keep)
    item = _strings(flat)
    if cap is None:
        return Split(parent, item)
    kept, capped, distinct = cap_items(
        parent, lambda rows: _strings(pc.utf8_lower(flat.filter(rows))), cap
    )
    return Split(parent[kept], item[kept], cap, capped, distinct)


def cap_items(
    parent: np.ndarray, keys: Callable[[np.ndarray], np.ndarray], cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which items to keep so that no act has more than ``cap`` distinct ones.

    ``parent[i]`` is the act of item ``i`` (a non-negative integer); ``keys(mask)`` gives the
    comparison keys of the items selected by ``mask`` (asked only for the acts with more
    than ``cap`` items). Returns the mask of items kept (the first ``cap`` distinct items of
    each act, every item of the others), the acts over the cap, and how many distinct items
    each of those had.
    """
    none = np.array([], dtype=np.int64)
    counts = np.bincount(parent) if len(parent) else none
    over = (counts > cap)[parent] if len(parent) else np.zeros(0, dtype=bool)
    if not over.any():
        return np.ones(len(parent), dtype=bool), none, none
    sub = pd.DataFrame({"p": parent[over], "key": keys(over)})
    first = ~sub.duplicated().to_numpy()
    rank = sub[first].groupby("p").cumcount().to_numpy()
    keep_sub = np.zeros(len(sub), dtype=bool)
    keep_sub[np.flatnonzero(first)[rank < cap]] = True
    distinct = np.bincount(sub["p"].to_numpy()[first], minlength=len(counts))
    kept = ~over
    kept[np.flatnonzero(over)[keep_sub]] = True
    capped = np.flatnonzero(distinct > cap)
    return kept, capped, distinct[capped]


def true_counts(
    frames: Iterable[pd.DataFrame], message_ids: np.ndarray, distinct: np.ndarray
) -> None:
    """Set ``n_recipients`` of the messages ``message_ids`` (whose recipients were capped), in
    each frame (messages, interactions), to their true number of distinct recipients."""
    true = pd.Series(distinct, index=message_ids)
    for frame in frames:
        n = frame["message_id"].map(true)
        frame["n_recipients"] = n.fillna(frame["n_recipients"]).astype(np.int32)


def records(path: Path, positions: np.ndarray) -> str:
    """Where the records at 0-based ``positions`` are, as a warning names them: "line 52",
    "lines 3, 7, 9, 12, 15, ..." (the first five), or rows for a Parquet file."""
    where = [common.locate(path, int(k)) for k in positions[:5]]
    more = ", ..." if len(positions) > 5 else ""
    plural = "s" if len(positions) > 1 else ""
    return f"{where[0]['unit']}{plural} " + ", ".join(str(w["line"]) for w in where) + more


def dropped_warning(what: str, n: int, where: str, cap: int, dropped: int) -> str:
    """The warning for ``n`` acts (``what``, a singular noun) over the cap, at ``where``."""
    plural = "s" if n > 1 else ""
    lost = f"{dropped:,} recipients were" if dropped != 1 else "1 recipient was"
    return (
        f"{n:,} {what}{plural} with more than {cap:,} recipients (ingest.max_recipients) at "
        f"{where}: the first {cap:,} of each are stored as interactions and {lost} dropped; "
        "n_recipients keeps the true count, and an act to more than ties.broadcast_threshold "
        "people makes no tie"
    )


def _byte_lengths(values: pd.Series) -> np.ndarray | None:
    """UTF-8 byte length of each text value (0 for missing), or None for non-text values."""
    if not (
        pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype)
    ):
        return None
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    t = arr.type
    text = pa.types.is_string(t) or pa.types.is_large_string(t)
    if not (text or pa.types.is_binary(t) or pa.types.is_large_binary(t)):
        return None
    return pc.binary_length(arr).fill_null(0).to_numpy().astype(np.int64)


def _strings(arr: pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False).astype(object)
