"""HMAC-SHA256 of many short identifiers in one compiled loop, for the pseudonymiser.

:meth:`groundswell.privacy.Pseudonymiser.many` hashes each identifier with OpenSSL's one-shot
HMAC, one Python call each: about 1.7 µs an identifier on this project's machine, of which
the hashing proper is a small part (two SHA-256 blocks once the key's pads are hashed: about
0.05 µs each with the CPU's SHA instructions). A Slack export of a million messages names a
million messages and their threads, so :func:`hmac_pairs` computes, in one numba loop, the
digests of ``head + tail`` for many pairs (a conversation's id and ``":"``, and a
timestamp): it forms each identifier in place, normalises it as
:func:`groundswell.privacy.normalise_identifier` does (trimmed of whitespace, lower-cased;
ASCII text only, which the caller checks), and computes HMAC (RFC 2104) with SHA-256 (FIPS
180-4), the key's inner and outer pads hashed once. Each 64-byte block goes through
OpenSSL's own ``SHA256_Transform`` (the libcrypto that Python's :mod:`hashlib` uses), called
from the compiled loop as a first-class function, so the hashing is OpenSSL's.

The result is the first 80 bits of each digest (a 64-bit and a 16-bit word), from which the
pseudonymiser spells the pseudonyms exactly as before; :func:`collisions` says whether two
different identifiers share the bits a pseudonym keeps. :func:`available` says whether this
path can run here (numba, a libcrypto with ``SHA256_Transform``, and a known answer checked
against :mod:`hmac` on first use); when it cannot, the pseudonymiser keeps its one call per
identifier. tests/test_privacy.py checks the two against each other and against :mod:`hmac`.

References
----------
FIPS 180-4, *Secure Hash Standard* (NIST, 2015), sections 5.3.3 and 6.2 (SHA-256).
Krawczyk, Bellare, Canetti, *HMAC: Keyed-Hashing for Message Authentication*, RFC 2104 (1997).
"""

from __future__ import annotations

import ctypes
import functools
import hmac
from typing import Any

import numba
import numba.experimental.function_type  # registers first-class function types
import numpy as np
from numba import types

_H0 = np.array(
    [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB,
     0x5BE0CD19],
    dtype=np.uint32,
)  # fmt: skip


class _Transform(types.WrapperAddressProtocol):
    """OpenSSL's ``SHA256_Transform(SHA256_CTX *c, const unsigned char *block)`` as a function
    the compiled loop calls by address (so the compiled code, cached, holds no address)."""

    def __init__(self, fn: Any) -> None:
        self._fn = fn

    def __wrapper_address__(self) -> int:
        return int(ctypes.cast(self._fn, ctypes.c_void_p).value or 0)

    def signature(self) -> Any:
        return types.void(types.uint64, types.uint64)


def _libcrypto() -> ctypes.CDLL | None:
    """The libcrypto this process's :mod:`hashlib` loaded (else the system's), or None."""
    import _hashlib  # noqa: F401 (loads libcrypto)

    paths: list[str] = []
    try:
        with open("/proc/self/maps") as fh:
            paths = sorted({ln.split()[-1] for ln in fh if "libcrypto" in ln and "/" in ln})
    except OSError:
        pass
    if not paths:
        from ctypes.util import find_library

        found = find_library("crypto")
        paths = [found] if found else []
    for path in paths:
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


@functools.cache
def _transform() -> _Transform | None:
    lib = _libcrypto()
    fn = getattr(lib, "SHA256_Transform", None) if lib is not None else None
    if fn is None:
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    fn.restype = None
    return _Transform(fn)


@functools.cache
def available() -> bool:
    """Whether :func:`hmac_pairs` can run here and gives :mod:`hmac`'s digests on a known
    set of identifiers (short, several blocks long, with whitespace and capitals)."""
    try:
        if _transform() is None:
            return False
        key = bytes(range(32))
        tails = ["  Ab:1.5 ", "x" * 60, "y" * 130, "", "\t\x1cZ\x1f"]
        word, tail, _, _ = hmac_pairs(
            key, "message", ["C1:", " "], np.array([0, 1, 0, 1, 0]), tails
        )
        for i, (h, t) in enumerate(zip(["C1:", " ", "C1:", " ", "C1:"], tails, strict=True)):
            raw = (h + t).strip().lower().encode()
            d = hmac.digest(key, b"message\x1f" + raw, "sha256")
            if int.from_bytes(d[:8], "big") != int(word[i]):
                return False
            if int.from_bytes(d[8:10], "big") != int(tail[i]):
                return False
        return True
    except Exception:  # anything odd here: keep the one-call-per-identifier path
        return False


@numba.njit(cache=True, inline="always")
def _space(c: int) -> bool:
    """ASCII whitespace as ``str.strip`` sees it (tab to carriage return, 28-31, space)."""
    return (9 <= c <= 13) or (28 <= c <= 32)


@numba.njit(cache=True)
def _pads(fn: Any, key: np.ndarray, h0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The SHA-256 states (``SHA256_CTX`` buffers of 112 bytes, state first) after the key's
    inner and outer pads (a key of at most 64 bytes)."""
    inner = np.zeros(28, dtype=np.uint32)
    outer = np.zeros(28, dtype=np.uint32)
    inner[:8] = h0
    outer[:8] = h0
    block = np.zeros(64, dtype=np.uint8)
    block[: len(key)] = key
    ipad = block ^ np.uint8(0x36)
    opad = block ^ np.uint8(0x5C)
    fn(np.uint64(inner.ctypes.data), np.uint64(ipad.ctypes.data))
    fn(np.uint64(outer.ctypes.data), np.uint64(opad.ctypes.data))
    return inner, outer


@numba.njit(cache=True)
def _hmac_pairs(
    fn: Any,
    ns: np.ndarray,
    heads: np.ndarray,
    head_start: np.ndarray,
    head_of: np.ndarray,
    tails: np.ndarray,
    tail_start: np.ndarray,
    inner0: np.ndarray,
    outer0: np.ndarray,
    word: np.ndarray,
    tail16: np.ndarray,
    norm: np.ndarray,
    norm_start: np.ndarray,
) -> None:
    n = len(head_of)
    ctx = np.zeros(28, dtype=np.uint32)
    block = np.zeros(64, dtype=np.uint8)
    raw = np.empty(256, dtype=np.uint8)
    c_at = np.uint64(ctx.ctypes.data)
    b_at = np.uint64(block.ctypes.data)
    at = 0
    n_ns = len(ns)
    for i in range(n):
        h = head_of[i]
        hs, he = head_start[h], head_start[h + 1]
        ts, te = tail_start[i], tail_start[i + 1]
        size = (he - hs) + (te - ts)
        if size > len(raw):
            raw = np.empty(2 * size, dtype=np.uint8)
        raw[: he - hs] = heads[hs:he]
        raw[he - hs : size] = tails[ts:te]
        lo, hi = 0, size
        while lo < hi and _space(raw[lo]):
            lo += 1
        while hi > lo and _space(raw[hi - 1]):
            hi -= 1
        for j in range(lo, hi):
            c = raw[j]
            if 65 <= c <= 90:
                raw[j] = c + 32
        norm_start[i] = at
        norm[at : at + hi - lo] = raw[lo:hi]
        at += hi - lo
        # inner hash: namespace and identifier, after the inner pad's block
        for j in range(8):
            ctx[j] = inner0[j]
        total = n_ns + hi - lo
        pos = 0
        for j in range(total):
            block[pos] = ns[j] if j < n_ns else raw[lo + j - n_ns]
            pos += 1
            if pos == 64:
                fn(c_at, b_at)
                pos = 0
        block[pos] = 0x80
        pos += 1
        if pos > 56:
            for j in range(pos, 64):
                block[j] = 0
            fn(c_at, b_at)
            pos = 0
        for j in range(pos, 56):
            block[j] = 0
        bits = (64 + total) * 8
        for j in range(8):
            block[63 - j] = (bits >> (8 * j)) & 0xFF
        fn(c_at, b_at)
        # outer hash: the inner digest, after the outer pad's block
        for j in range(8):
            v = ctx[j]
            block[4 * j] = (v >> 24) & 0xFF
            block[4 * j + 1] = (v >> 16) & 0xFF
            block[4 * j + 2] = (v >> 8) & 0xFF
            block[4 * j + 3] = v & 0xFF
            ctx[j] = outer0[j]
        block[32] = 0x80
        for j in range(33, 62):
            block[j] = 0
        block[62] = 0x03  # (64 + 32) * 8 = 768 bits
        block[63] = 0x00
        fn(c_at, b_at)
        word[i] = (np.uint64(ctx[0]) << np.uint64(32)) | np.uint64(ctx[1])
        tail16[i] = np.uint64(ctx[2]) >> np.uint64(16)
    norm_start[n] = at


def hmac_pairs(
    key: bytes,
    namespace: str,
    heads: list[str],
    head_of: np.ndarray,
    tails: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first 80 bits of HMAC-SHA256(key, namespace + "\\x1f" + normalised identifier)
    of each identifier ``heads[head_of[i]] + tails[i]`` (ASCII text: the caller checks), as
    ``word`` (bits 0-63, uint64) and ``tail`` (bits 64-79); with the normalised identifiers
    (the bytes ``norm[norm_start[i]:norm_start[i + 1]]``) for :func:`collisions`."""
    fn = _transform()
    if fn is None:
        raise RuntimeError("no SHA256_Transform in this process's libcrypto")
    if len(key) > 64:  # RFC 2104: a longer key is hashed first
        import hashlib

        key = hashlib.sha256(key).digest()
    inner, outer = _pads(fn, np.frombuffer(key, dtype=np.uint8), _H0)
    head_bytes, head_start = _joined(heads)
    tail_bytes, tail_start = _joined(tails)
    n = len(head_of)
    word = np.empty(n, dtype=np.uint64)
    tail = np.empty(n, dtype=np.uint64)
    longest_head = int(np.diff(head_start).max()) if len(heads) else 0
    norm = np.empty(len(tail_bytes) + n * longest_head, dtype=np.uint8)
    norm_start = np.empty(n + 1, dtype=np.int64)
    _hmac_pairs(
        fn,
        np.frombuffer(namespace.encode() + b"\x1f", dtype=np.uint8),
        head_bytes,
        head_start,
        np.asarray(head_of, dtype=np.int64),
        tail_bytes,
        tail_start,
        inner,
        outer,
        word,
        tail,
        norm,
        norm_start,
    )
    return word, tail, norm, norm_start


def _joined(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """ASCII texts as one byte array and the start of each (and the end of the last)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    start = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=start[1:])
    return np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8), start


@numba.njit(cache=True)
def _collide(
    key: np.ndarray, low: np.ndarray, order: np.ndarray, norm: np.ndarray, start: np.ndarray
) -> bool:
    """Whether, among identifiers sorted by ``key`` (``order``), two with the same ``key``
    and ``low`` have different bytes."""
    n = len(order)
    i = 0
    while i < n:
        j = i + 1
        ki = key[order[i]]
        while j < n and key[order[j]] == ki:
            j += 1
        for a in range(i + 1, j):  # each against the first of its (key, low) in the run
            oa = order[a]
            for b in range(i, a):
                ob = order[b]
                if low[ob] == low[oa]:
                    sa, sb = start[oa], start[ob]
                    size = start[oa + 1] - sa
                    if start[ob + 1] - sb != size:
                        return True
                    for x in range(size):
                        if norm[sa + x] != norm[sb + x]:
                            return True
                    break
        i = j
    return False


def collisions(
    word: np.ndarray, tail: np.ndarray, bits: int, norm: np.ndarray, norm_start: np.ndarray
) -> bool:
    """Whether two different normalised identifiers share the first ``bits`` bits (at most
    80) of their digests (from :func:`hmac_pairs`)."""
    if bits <= 64:
        key = word >> np.uint64(64 - bits) if bits < 64 else word
        low = np.zeros(len(word), dtype=np.uint64)
    else:
        key, low = word, tail >> np.uint64(80 - bits)
    order = np.argsort(key, kind="stable")
    return bool(_collide(key, low, order, norm, norm_start))
