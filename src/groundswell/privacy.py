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
