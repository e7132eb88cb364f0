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
try:  # OpenSSL's one-shot HMAC, without hmac.digest's Python frame (~15% of a call)
    from _hashlib import hmac_digest as _hmac_digest
except ImportError:  # pragma: no cover - a Python built without OpenSSL
    _hmac_digest = hmac.digest  # type: ignore[assignment]

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
    raw = path.read_bytes().strip()
    try:
        key = bytes.fromhex(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != 32:
        from groundswell.errors import WorkspaceError

        # (a key cut short would give other pseudonyms, silently: no key is taken but this)
        shown = f"{len(raw)} bytes" + ("" if raw.isascii() else ", not all ASCII")
        raise WorkspaceError(
            f"{path}: the pseudonymisation key is damaged: expected 64 hexadecimal "
            f"characters (as `groundswell init` writes it), found {shown}; restore it "
            "from your backup of the workspace"
        )
    return key


def normalise_identifier(raw: str) -> str:
    """The form an identifier is hashed in: trimmed and lower-cased, so that
    ``Alice@Example.com`` and ``alice@example.com `` are one person."""
    return raw.strip().lower()


def _distinct(word: np.ndarray, tail: np.ndarray, bits: int) -> bool:
    """Whether the first ``bits`` bits (at most 80) of the digests, ``word`` (bits 0-63) and
    ``tail`` (bits 64-79), are all different: whether the pseudonyms are."""
    if bits <= 64:
        top = word >> np.uint64(64 - bits) if bits < 64 else word
        return len(np.unique(top)) == len(top)
    low = tail >> np.uint64(80 - bits)
    order = np.lexsort((low, word))
    w, t = word[order], low[order]
    return not bool(np.any((w[1:] == w[:-1]) & (t[1:] == t[:-1])))


#: identifiers from which :meth:`Pseudonymiser.pairs` hashes in one compiled loop. Below it,
#: one call per identifier, unless the loop is loaded already (:func:`load_fast_hmac`, which
#: the Slack reader calls for a large export): loading numba and the compiled loop costs
#: about 0.5 s of CPU in a process, which about 250,000 identifiers repay (2 µs each saved).
PAIRS_FAST = 250_000
_loaded = False  # whether this process has loaded the compiled loop (it then serves any size)


def _fast_hmac() -> bool:
    """Whether the compiled HMAC loop can run here (see :func:`_hmac_kernels.available`)."""
    global _loaded
    try:
        from groundswell import _hmac_kernels
    except ImportError:  # pragma: no cover - numba missing
        return False
    _loaded = _hmac_kernels.available()
    return _loaded


def load_fast_hmac() -> bool:
    """Load the compiled HMAC loop now (say, before forking workers, which then share it and
    use it for any number of identifiers); whether it can run here."""
    return _fast_hmac()


def _spell(
    word: np.ndarray, tail: np.ndarray, prefix: str, n_chars: int, as_bytes: bool = False
) -> np.ndarray:
    """Pseudonyms (``prefix`` + ``n_chars`` characters of lower-case base32, 5 bits a
    character, most significant first) of the digests' first 80 bits: ``word`` (bits 0-63)
    and ``tail`` (bits 64-79); as text, or with ``as_bytes`` as fixed-width ASCII bytes."""
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    chars = np.empty((len(word), 16), dtype=np.uint8)
    for i in range(12):  # bits 0..59 from the first 64-bit word
        chars[:, i] = (word >> np.uint64(59 - 5 * i)) & np.uint64(31)
    rest = ((word & np.uint64(15)) << np.uint64(16)) | tail  # 20 bits
    for i in range(4):
        chars[:, 12 + i] = (rest >> np.uint64(15 - 5 * i)) & np.uint64(31)
    out = np.empty((len(word), len(pre) + n_chars), dtype=np.uint8)
    out[:, : len(pre)] = pre
    out[:, len(pre) :] = _B32[chars[:, :n_chars]]
    spelt = out.view(f"S{len(pre) + n_chars}").ravel()
    return spelt if as_bytes else spelt.astype(str)


def _collision() -> None:
    from groundswell.errors import GroundswellError

    raise GroundswellError(
        "two identifiers received the same pseudonym (a 1-in-10^15 chance); "
        "create a new workspace, which draws a new key"
    )


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

        Each distinct normalised identifier is hashed once (in the compiled loop when it is
        loaded in this process, see :func:`load_fast_hmac`: the same digests); the base32
        encoding is done in array steps. Raises if two different identifiers receive the
        same pseudonym.
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
        word, tail = self._digests(namespace, uniques.tolist())
        encoded = _spell(word, tail, prefix, n_chars)
        if not _distinct(word, tail, 5 * n_chars):
            _collision()
        return encoded[codes] if len(codes) else np.array([], dtype=str)

    def _digests(self, namespace: str, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The first 80 bits of HMAC-SHA256(key, namespace + "\\x1f" + text) of each
        normalised identifier: ``word`` (bits 0-63) and ``tail`` (bits 64-79)."""
        if _loaded and texts and _fast_hmac():
            from groundswell import _hmac_kernels

            try:
                word, tail, _, _ = _hmac_kernels.hmac_pairs(
                    self._key, namespace, [""], np.zeros(len(texts), np.int64), texts
                )
            except (UnicodeEncodeError, TypeError):
                pass  # text beyond ASCII: one call an identifier
            else:
                return word, tail
        ns = namespace.encode() + b"\x1f"
        key = self._key
        mac = _hmac_digest
        digests = b"".join([mac(key, ns + u.encode(), "sha256")[:16] for u in texts])
        raw = np.frombuffer(digests, dtype=np.uint8).reshape(len(texts), 16)
        hi = raw[:, :8].astype(np.uint64)
        lo = raw[:, 8:10].astype(np.uint64)
        word = np.zeros(len(texts), dtype=np.uint64)
        for k in range(8):
            word = (word << np.uint64(8)) | hi[:, k]
        tail = (lo[:, 0] << np.uint64(8)) | lo[:, 1]
        return word, tail

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

    def message_pairs(
        self, heads: list[str], head_of: np.ndarray, tails: list[str], *, as_bytes: bool = False
    ) -> np.ndarray:
        """``messages([heads[h] + t for h, t in zip(head_of, tails)])`` (a conversation's id
        and ``":"``, and a timestamp; with ``as_bytes``, the same pseudonyms as fixed-width
        ASCII bytes), without forming the identifiers in Python: for
        :data:`PAIRS_FAST` identifiers or more of ASCII text (any number once the loop is loaded
        in this process, see :func:`load_fast_hmac`), they are formed, normalised and
        hashed in one compiled loop (:mod:`groundswell._hmac_kernels`), with the same
        pseudonyms and the same collision check."""
        return self.pairs("message", heads, head_of, tails, "m_", 16, as_bytes=as_bytes)

    def pairs(
        self,
        namespace: str,
        heads: list[str],
        head_of: np.ndarray,
        tails: list[str],
        prefix: str,
        length: int | None = None,
        *,
        as_bytes: bool = False,
    ) -> np.ndarray:
        """``many(namespace, [heads[h] + t for h, t in zip(head_of, tails)], prefix,
        length)``, the same array (see :meth:`message_pairs`; with ``as_bytes`` as
        fixed-width ASCII bytes)."""
        n_chars = length or self._length
        if len(tails) >= max(1, 1 if _loaded else PAIRS_FAST) and _fast_hmac():
            from groundswell import _hmac_kernels

            try:
                word, tail, norm, start = _hmac_kernels.hmac_pairs(
                    self._key, namespace, heads, head_of, tails
                )
            except (UnicodeEncodeError, TypeError):
                pass  # text beyond ASCII, or not text: the general path
            else:
                if _hmac_kernels.collisions(word, tail, 5 * n_chars, norm, start):
                    _collision()
                return _spell(word, tail, prefix, n_chars, as_bytes)
        out = self.many(
            namespace, [heads[h] + t for h, t in zip(head_of, tails, strict=True)], prefix, length
        )
        return out.astype(np.bytes_) if as_bytes else out


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
    pairs = _plain_sizes(sizes)
    if pairs is not None:  # the same rule on plain values (a pandas call costs ~1 ms)
        return _suppressed(pairs, min_size, also)
    return _suppressed_series(sizes, min_size, also)


def _suppressed_series(
    sizes: pd.Series | dict[Any, int], min_size: int, also: Iterable[Any]
) -> frozenset[Any]:
    """:func:`suppressed_groups` on a pandas Series (any labels, repeated or missing)."""
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


def _plain_sizes(sizes: pd.Series | dict[Any, int]) -> list[tuple[Any, float]] | None:
    """``sizes`` as (group, size) pairs of plain floats, a missing size as 0, in their
    order; None when the groups are not distinct non-missing labels (the pandas path of
    :func:`suppressed_groups` then decides, as it always has)."""
    if isinstance(sizes, pd.Series):
        labels = sizes.index.tolist()
        try:
            values = sizes.to_numpy(dtype="float64", na_value=np.nan).tolist()
        except (TypeError, ValueError):
            return None
    elif isinstance(sizes, dict):
        labels = list(sizes)
        try:
            values = np.asarray(list(sizes.values()), dtype="float64").tolist()
        except (TypeError, ValueError):
            return None
    else:
        return None
    if len(set(labels)) != len(labels) or any(_missing(g) for g in labels):
        return None
    return [(g, 0.0 if v != v else v) for g, v in zip(labels, values, strict=True)]


def _missing(label: Any) -> bool:
    try:
        return bool(pd.isna(label))
    except (TypeError, ValueError):  # a tuple of a MultiIndex: not missing
        return False


def _suppressed(
    pairs: list[tuple[Any, float]], min_size: int, also: Iterable[Any]
) -> frozenset[Any]:
    """:func:`suppressed_groups` on (group, size) pairs (see there): the same steps, with the
    same sums (NumPy's, in the same order) and the same sort."""
    groups = {g for g, _ in pairs}
    hidden = {g for g, v in pairs if v < min_size} | (set(also) & groups)
    positive = [(g, v) for g, v in pairs if v > 0]
    held = [v for g, v in positive if g in hidden]
    total, count = float(np.sum(np.asarray(held, dtype="float64"))), len(held)
    if not any(v < min_size for v in held):
        return frozenset(hidden)  # only groups of the minimum or more: nothing to protect
    shown = [(g, v) for g, v in positive if g not in hidden]
    for group, size in sorted(shown, key=lambda gv: (gv[1], str(gv[0]))):
        if total >= min_size and total >= count + 1:
            break  # at least the minimum together, and room to split them two ways
        hidden.add(group)
        total, count = total + size, count + 1
    return frozenset(hidden)


def merged_too_small(sizes: pd.Series | dict[Any, int], min_size: int) -> bool:
    """Whether the merged group of all suppressed groups is itself below ``min_size`` (only
    when everyone together is): then it shows no figure, no tie and no count either."""
    s = pd.Series(sizes, dtype="float64").fillna(0)
    return 0 < float(s.sum()) < min_size


def gate_names(sizes: pd.Series | dict[Any, int], min_size: int) -> dict[Any, str]:
    """Each group's name as it may be shown, given every group's number of people: its name,
    or :data:`SUPPRESSED` for each group :func:`suppressed_groups` suppresses. A name not
    among ``sizes`` is a group of nobody: callers read it as :data:`SUPPRESSED`.

    >>> gate_names({"a": 1, "b": 9, "c": 6}, 5)
    {'a': '(suppressed)', 'b': 'b', 'c': '(suppressed)'}
    """
    hidden = suppressed_groups(sizes, min_size)
    return {g: SUPPRESSED if g in hidden else str(g) for g in dict(sizes)}


def gate_figures(
    figures: pd.DataFrame, sizes: pd.Series, min_size: int, *, square: bool = False
) -> pd.DataFrame:
    """The figures of groups (one row per group, named as in ``sizes``) as they may be
    shown: missing for every group :func:`suppressed_groups` suppresses, and for a group
    absent from ``sizes`` (nobody). With ``square`` the columns are the same groups (a
    group-to-group matrix), and theirs are blanked too.

    >>> f = pd.DataFrame({"ei": [0.5, -0.2, 0.1]}, index=["a", "b", "c"])
    >>> gate_figures(f, pd.Series({"a": 1, "b": 9, "c": 6}), 5)["ei"].tolist()
    [nan, -0.2, nan]
    """
    s = pd.Series(sizes, dtype="float64").fillna(0)
    hidden = suppressed_groups(s, min_size) | frozenset(set(figures.index) - set(s.index))
    out = figures.astype("float64").copy()
    out.loc[out.index.isin(hidden)] = np.nan
    if square:
        out.loc[:, out.columns.isin(hidden | frozenset(set(figures.columns) - set(s.index)))] = (
            np.nan
        )
    return out


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
    people (a sensitive cell) is suppressed, and so many more cells, empty ones included
    (complementary or secondary suppression), that a reader who knows the shown cells, the
    totals of every row and column and that no cell is negative cannot narrow a sensitive
    cell of ``x`` people to the sensitive range: the cell could hold nobody, or it could
    hold ``min_size`` or more (:func:`_protection`; Hundepool et al. 2012, ch. 4-5). A
    suppressed cell reads the same whether it is empty or not. The complementary cells are
    chosen, for one sensitive cell at a time, as a minimum-cost flow that prefers cells
    already suppressed, then empty cells, then small ones. When no choice protects a cell
    (a table too small for it), every cell is withheld (missing, and ``attrs["withheld"]``
    set).

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
    primary = [(int(r), int(c)) for r, c in np.argwhere(hidden)]
    for r, c in primary:  # each, once protected, stays so: more suppression only widens
        if _protection(values, hidden, r, c, min_size):
            continue
        cells = _complement(values, hidden, r, c, min_size)
        if cells is None:  # nothing short of everything protects it: withhold the table
            out.loc[:, :] = np.nan
            out.attrs["withheld"] = True
            return out
        for i, j in cells:
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


def _residual(values: np.ndarray, hidden: np.ndarray, r: int, c: int) -> Any:
    """The suppressed cells other than (r, c) as a flow network between rows (``("r", i)``)
    and columns (``("c", j)``): a cell can gain people (row -> column, no limit) or lose
    what it holds (column -> row, capacity its value); see :func:`_protection`."""
    import networkx as nx

    net = nx.DiGraph()
    net.add_nodes_from([("r", i) for i in range(values.shape[0])])
    net.add_nodes_from([("c", j) for j in range(values.shape[1])])
    for i, j in np.argwhere(hidden).tolist():
        if (i, j) == (r, c):
            continue
        net.add_edge(("r", i), ("c", j))
        if values[i, j] > 0:
            net.add_edge(("c", j), ("r", i), capacity=int(values[i, j]))
    return net


def feasible_range(values: np.ndarray, hidden: np.ndarray, r: int, c: int) -> tuple[int, int]:
    """The fewest and most people suppressed cell (r, c) can hold, for a reader who knows
    the shown cells, every row and column total, and that no cell is negative (its
    feasibility interval; ``hi`` is ``values.sum()`` when nothing bounds it but the total).

    Another table agreeing with all that differs by a circulation of people among the
    suppressed cells. The cell loses ``t`` people when ``t`` can flow from its row to its
    column through the other suppressed cells (each gaining freely, or losing at most what
    it holds), and gains ``t`` when ``t`` can flow back, so both bounds are maximum flows.
    """
    import networkx as nx

    net = _residual(values, hidden, r, c)
    x, total = int(values[r, c]), int(values.sum())
    down = nx.maximum_flow_value(net, ("r", r), ("c", c)) if net.number_of_edges() else 0
    up = nx.maximum_flow_value(net, ("c", c), ("r", r)) if net.number_of_edges() else 0
    return x - min(x, int(down)), x + int(min(up, total))


def _protection(values: np.ndarray, hidden: np.ndarray, r: int, c: int, min_size: int) -> bool:
    """Whether sensitive cell (r, c) is protected: its feasibility interval
    (:func:`feasible_range`) leaves the sensitive range 1 .. ``min_size - 1``, down to 0
    (lower protection level: its value) or up to ``min_size`` (upper protection level:
    ``min_size`` less its value)."""
    lo, hi = feasible_range(values, hidden, r, c)
    return lo == 0 or hi >= min_size


def _complement(
    values: np.ndarray, hidden: np.ndarray, r: int, c: int, min_size: int
) -> list[tuple[int, int]] | None:
    """The cells to suppress besides those already suppressed so that sensitive cell
    (r, c) is protected, or None when none do.

    Either enough people must be able to leave it (its value, from its row to its column)
    or to join it (up to ``min_size``, from its column to its row). Each is a minimum-cost
    flow over every cell but (r, c): a suppressed cell costs nothing, a shown one its value
    plus one (so empty cells first, then few and small ones); the cheaper of the two
    flows' new cells is taken.
    """
    import networkx as nx

    best: tuple[float, list[tuple[int, int]]] | None = None
    x = int(values[r, c])
    for source, sink, need in ((("r", r), ("c", c), x), (("c", c), ("r", r), min_size - x)):
        net = nx.DiGraph()
        for i, j in np.ndindex(values.shape):
            if (i, j) == (r, c):
                continue
            cost = 0 if hidden[i, j] else int(values[i, j]) + 1
            net.add_edge(("r", i), ("c", j), weight=cost, capacity=need)
            if values[i, j] > 0:
                net.add_edge(("c", j), ("r", i), weight=cost, capacity=int(values[i, j]))
        net.add_node(source, demand=-need)
        net.add_node(sink, demand=need)
        try:
            cost, flow = nx.network_simplex(net)
        except nx.NetworkXUnfeasible:
            continue
        used = {
            (a[1], b[1]) if a[0] == "r" else (b[1], a[1])
            for a, targets in flow.items()
            for b, amount in targets.items()
            if amount > 0
        }
        new = sorted((i, j) for i, j in used if not hidden[i, j])
        if best is None or cost < best[0]:
            best = (cost, new)
    return None if best is None else best[1]
