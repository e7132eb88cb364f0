"""Privacy: keyed pseudonymisation, the minimum group size, what may be shown.

Identifiers are pseudonymised at ingest with HMAC-SHA256 under a per-workspace secret key, so
the same person gets the same pseudonym in every source of one workspace, and nobody without
the key can reverse it or link it to another workspace. The key lives in the workspace folder
with mode 0600 and is never logged or exported.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_B32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)

KEY_FILE = "secret.key"
SUPPRESSED = "(suppressed)"
PERSON_PREFIX = "p_"


def new_key(path: Path) -> None:
    """Create a fresh 256-bit key file readable by its owner only (mode 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)


def load_key(path: Path) -> bytes:
    """Read the workspace key; refuse a key that others can read."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        from groundswell.errors import WorkspaceError

        raise WorkspaceError(
            f"{path}: the pseudonymisation key is readable by others (mode {mode:o}); "
            f"expected 600. Run: chmod 600 {path}"
        )
    return bytes.fromhex(path.read_text().strip())


def normalise_identifier(raw: str) -> str:
    """The form an identifier is hashed in: trimmed and lower-cased, so that
    ``Alice@Example.com`` and ``alice@example.com `` are one person."""
    return raw.strip().lower()


class Pseudonymiser:
    """Turns raw identifiers into stable pseudonyms with a keyed HMAC.

    A pseudonym is a prefix and the first 50 bits of HMAC-SHA256 in lower-case base32
    (``p_`` + 10 characters for people): 12 characters in all, short enough for DuckDB to
    keep inline (it groups them about twice as fast as longer strings), case-insensitive so
    spreadsheet look-ups cannot confuse two people, and with a chance of two people among a
    million colliding below 1 in 2,000 (a reader that ingests people checks for it).

    >>> p = Pseudonymiser(bytes(32))
    >>> p.person("E001") == p.person(" e001 ")
    True
    >>> p.person("E001").startswith("p_")
    True
    """

    def __init__(self, key: bytes, *, length: int = 10) -> None:
        self._key = key
        self._length = length

    def hash(self, namespace: str, raw: str, length: int | None = None) -> str:
        """Base32 pseudonym of ``raw`` within ``namespace`` (person, channel, message, ...)."""
        return str(self.many(namespace, [raw], "", length)[0])

    def many(
        self, namespace: str, raws: Iterable[str], prefix: str, length: int | None = None
    ) -> np.ndarray:
        """Pseudonyms of many identifiers at once, as an array of ``prefix + base32``.

        Each distinct normalised identifier is hashed once; the base32 encoding is done in
        array steps. Raises if two different identifiers receive the same pseudonym.
        """
        n_chars = length or self._length
        values = np.asarray(
            raws.to_numpy() if isinstance(raws, pd.Series) else list(raws), dtype=object
        )
        missing = pd.isna(values)
        if missing.any():
            values = values.copy()
            values[missing] = ""
        # normalise each distinct raw value once, then merge values that normalise alike
        raw_codes, raw_uniques = pd.factorize(values)
        norm = np.array([str(u).strip().lower() for u in raw_uniques.tolist()], dtype=object)
        norm_codes, uniques = pd.factorize(norm)
        codes = norm_codes[raw_codes] if len(raw_codes) else raw_codes
        ns = namespace.encode() + b"\x1f"
        key = self._key
        digests = b"".join(
            [hmac.digest(key, ns + u.encode(), "sha256")[:16] for u in uniques.tolist()]
        )
        raw = np.frombuffer(digests, dtype=np.uint8).reshape(len(uniques), 16)
        # base32: 5 bits a character, most significant first, over the first 80 bits
        hi = raw[:, :8].astype(np.uint64)
        lo = raw[:, 8:10].astype(np.uint64)
        word = np.zeros(len(uniques), dtype=np.uint64)
        for k in range(8):
            word = (word << np.uint64(8)) | hi[:, k]
        tail = (lo[:, 0] << np.uint64(8)) | lo[:, 1]
        chars = np.empty((len(uniques), 16), dtype=np.uint8)
        for i in range(12):  # bits 0..59 from the first 64-bit word
            chars[:, i] = (word >> np.uint64(59 - 5 * i)) & np.uint64(31)
        rest = ((word & np.uint64(15)) << np.uint64(16)) | tail  # 20 bits
        for i in range(4):
            chars[:, 12 + i] = (rest >> np.uint64(15 - 5 * i)) & np.uint64(31)
        text = _B32[chars[:, :n_chars]].view(f"S{n_chars}").ravel()
        encoded = np.char.add(prefix.encode(), text).astype(str)
        if not pd.Index(encoded).is_unique:
            from groundswell.errors import GroundswellError

            raise GroundswellError(
                "two identifiers received the same pseudonym (a 1-in-10^15 chance); "
                "create a new workspace, which draws a new key"
            )
        return encoded[codes] if len(codes) else np.array([], dtype=str)

    def person(self, raw: str) -> str:
        return PERSON_PREFIX + self.hash("person", raw)

    def people(self, raws: Iterable[str]) -> np.ndarray:
        """Pseudonyms of many people's identifiers (see :meth:`many`)."""
        return self.many("person", raws, PERSON_PREFIX)

    def channel(self, raw: str) -> str:
        return "c_" + self.hash("channel", raw)

    def channels(self, raws: Iterable[str]) -> np.ndarray:
        return self.many("channel", raws, "c_")

    def message(self, raw: str) -> str:
        # 80 bits: messages run to billions, people to millions
        return "m_" + self.hash("message", raw, 16)

    def messages(self, raws: Iterable[str]) -> np.ndarray:
        return self.many("message", raws, "m_", 16)


def suppress_small_groups(
    counts: pd.Series | pd.DataFrame, sizes: pd.Series, min_size: int
) -> pd.Series | pd.DataFrame:
    """Blank out every figure of a group smaller than ``min_size``.

    ``sizes`` maps each group (the index of ``counts``) to its number of people. Rows of
    groups below the minimum are set to missing; callers render missing as
    :data:`SUPPRESSED`. Groups absent from ``sizes`` are treated as size 0 and suppressed.
    """
    small = sizes.reindex(counts.index).fillna(0) < min_size
    out = counts.astype("float64").copy()
    out.loc[small.to_numpy()] = float("nan")
    return out


def group_label(name: object, size: int, min_size: int) -> str:
    """The label a group may be shown under: its name, or :data:`SUPPRESSED` if too small."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return "(unknown)"
    return str(name) if size >= min_size else SUPPRESSED


# -- the gate: what may be shown of a group ------------------------------------------------
#
# Every output that shows a group (a department, team, location, community, channel) asks
# the functions below which groups may be shown; nothing else decides. A group below the
# minimum size is suppressed, and so many more as it takes that no suppressed group's size
# follows from the shown ones (complementary suppression): subtracting the shown groups from
# the total gives only the suppressed groups together, which then hold at least the minimum
# and are at least two, with room to differ.

UNKNOWN = "(unknown)"


def suppressed_groups(
    sizes: pd.Series | dict[Any, int], min_size: int, *, also: Iterable[Any] = ()
) -> frozenset[Any]:
    """The groups whose figures may not be shown, given every group's number of people.

    Each group below ``min_size`` is suppressed (and each of size 0, which has nothing to
    show), with every group in ``also`` (suppressed for another reason). While the
    suppressed groups hold fewer than ``min_size`` people together, or too few for them to
    be told apart (``n`` groups of ``n`` people: one each), the smallest shown group is
    suppressed too (complementary suppression). Then the total less the shown groups gives
    only the suppressed groups' sum, which is at least ``min_size`` and fits at least two
    different splits among them. When the whole total is below ``min_size`` every group is
    suppressed; callers then show no figure at all for the merged group
    (:func:`merged_too_small`).

    >>> sorted(suppressed_groups({"a": 1, "b": 9, "c": 6}, 5))
    ['a', 'c']
    >>> sorted(suppressed_groups({"a": 1, "b": 4, "c": 6}, 5))
    ['a', 'b']
    """
    s = pd.Series(sizes, dtype="float64").fillna(0)
    hidden = set(s.index[s < min_size]) | (set(also) & set(s.index))
    positive = s[s > 0]
    held = positive[positive.index.isin(hidden)]
    total, count = float(held.sum()), len(held)
    if not (held < min_size).any():
        return frozenset(hidden)  # only groups of the minimum or more: nothing to protect
    shown = positive[~positive.index.isin(hidden)]
    for group in sorted(shown.index, key=lambda g: (shown[g], str(g))):
        if total >= min_size and total >= count + 1:
            break  # at least the minimum together, and room to split them two ways
        hidden.add(group)
        total, count = total + float(shown[group]), count + 1
    return frozenset(hidden)


def merged_too_small(sizes: pd.Series | dict[Any, int], min_size: int) -> bool:
    """Whether the merged group of all suppressed groups is itself below ``min_size`` (only
    when everyone together is): then it shows no figure, no tie and no count either."""
    s = pd.Series(sizes, dtype="float64").fillna(0)
    return 0 < float(s.sum()) < min_size


def gate_labels(values: pd.Series, min_size: int, *, keep: bool = False) -> pd.Series:
    """Each person's group label as it may be shown: the group's name, or :data:`SUPPRESSED`
    for every group :func:`suppressed_groups` suppresses (sizes counted in ``values``).

    Missing values form the group :data:`UNKNOWN`. With ``keep`` the shown labels keep their
    value and type (missing stays missing when the unknown group may be shown), for tables
    of people; otherwise every label is a string, for the dashboard and the report.
    Suppressing is idempotent: the merged group is at least the minimum (or everyone).
    """
    filled = values.astype("object").where(values.notna(), UNKNOWN).astype(str)
    hidden = suppressed_groups(filled.value_counts(), min_size)
    small = filled.isin(hidden).to_numpy()
    if not keep:
        return filled.where(~small, SUPPRESSED)
    if not small.any():
        return values
    return values.astype("object").where(~small, SUPPRESSED)


def gate_crosstab(table: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """A table of people counted by two groupings (say departments by communities), as it
    may be shown: suppressed cells are missing.

    Rows and columns are first merged as :func:`suppressed_groups` says (by their totals)
    into a :data:`SUPPRESSED` row and column. Then every cell of 1 to ``min_size - 1``
    people is suppressed, and so many more cells, smallest first in the same row or column,
    that none of them follows from the shown cells and the totals of its row and column
    (all of which a reader may know): a suppressed cell is safe when the suppressed cells,
    each known to hold at least one person, can shift people around a cycle through it.
    When no choice achieves that, every cell is withheld (missing, empty ones too, and
    ``attrs["withheld"]`` set). Otherwise empty cells are shown as 0.

    >>> t = pd.DataFrame({"x": [6, 2], "y": [5, 9]}, index=["A", "B"])
    >>> gate_crosstab(t, 5).isna().to_numpy().tolist()
    [[True, True], [True, True]]
    """
    counts = _merge_axis(_merge_axis(table.fillna(0).astype("int64"), min_size).T, min_size).T
    values = counts.to_numpy()
    out = counts.astype("float64")
    if 0 < int(values.sum()) < min_size:
        out.loc[:, :] = np.nan
        out.attrs["withheld"] = True
        return out
    hidden = (values > 0) & (values < min_size)
    primary = np.argwhere(hidden)
    while True:
        arcs = _arcs(values, hidden)
        exposed = next(((r, c) for r, c in primary if _determined(values, arcs, r, c)), None)
        if exposed is None:
            break
        r, c = exposed
        near = [(values[r, j], r, j) for j in range(values.shape[1])]
        near += [(values[i, c], i, c) for i in range(values.shape[0])]
        near = [x for x in near if x[0] > 0 and not hidden[x[1], x[2]]]
        if not near:  # its row and column are all suppressed: any other cell, then
            near = [(values[i, j], i, j) for i, j in np.argwhere((values > 0) & ~hidden)]
        if not near:  # nothing left to suppress: withhold the whole table
            out.loc[:, :] = np.nan
            out.attrs["withheld"] = True
            return out
        _, i, j = min(near)
        hidden[i, j] = True
    out[hidden] = np.nan
    return out


def _merge_axis(counts: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """Rows of ``counts`` that :func:`suppressed_groups` suppresses, merged into one (rows
    of nobody are left out)."""
    counts = counts.loc[counts.sum(axis=1) > 0]
    hidden = suppressed_groups(counts.sum(axis=1), min_size)
    if not hidden:
        return counts
    merged = counts.loc[counts.index.isin(hidden) | (counts.index == SUPPRESSED)].sum()
    kept = counts.loc[~counts.index.isin(hidden) & (counts.index != SUPPRESSED)]
    return pd.concat([kept, merged.to_frame(SUPPRESSED).T])


def _arcs(values: np.ndarray, hidden: np.ndarray) -> dict[int, list[int]]:
    """The suppressed cells as arcs between rows (0 .. n-1) and columns (n ..): row ->
    column for each, and column -> row for each holding two or more (see
    :func:`_determined`)."""
    n_rows = values.shape[0]
    arcs: dict[int, list[int]] = {}
    for i, j in np.argwhere(hidden).tolist():
        arcs.setdefault(i, []).append(n_rows + j)
        if values[i, j] >= 2:
            arcs.setdefault(n_rows + j, []).append(i)
    return arcs


def _determined(values: np.ndarray, arcs: dict[int, list[int]], r: int, c: int) -> bool:
    """Whether suppressed cell (r, c) follows from the shown cells and the margins.

    The suppressed cells are unknowns, each at least 1, with known row and column sums.
    Another solution differs from the true one by a circulation, which contains a cycle
    through the cell alternately adding and removing a person (removing only where a cell
    holds two or more). With the arcs of :func:`_arcs`, the cell is free iff one of its
    own arcs lies on a directed cycle that does not use the cell again.
    """
    col = values.shape[0] + int(c)
    r = int(r)

    def reaches(start: int, goal: int) -> bool:
        seen, stack = {start}, [start]
        while stack:
            v = stack.pop()
            if v == goal:
                return True
            for w in arcs.get(v, ()):
                if {v, w} == {r, col} or w in seen:
                    continue  # the cell's own arcs: a cycle may not use it twice
                seen.add(w)
                stack.append(w)
        return False

    return not (reaches(col, r) or (values[r, c] >= 2 and reaches(r, col)))
