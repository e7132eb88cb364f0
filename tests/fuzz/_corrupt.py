"""Damage done to a reader's sample, as a Hypothesis strategy (:func:`corrupted`): the ways
real exports get damaged or forged. Byte level: truncation, a byte set to any value, NUL and
control bytes and stray quotes or separators inserted, lines duplicated or removed, other
encodings (UTF-16, UTF-32, Latin-1, cp1252, a BOM). Meaning level: numbers made huge,
negative, infinite or NaN; dates made absurd (year 0, 9999, -1, 99999, 30 February, the
bounds of pandas' nanosecond timestamps); JSON values given another type or their key
dropped. For a zip: the archive cut or a byte flipped, or one member broken (its deflate
stream, its CRC, flagged encrypted, an unknown compression method).
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import strategies as st

from tests.fuzz._harness import Input, zip_bytes

# -- the damage --------------------------------------------------------------------------------

JUNK = [
    b"\x00",
    b"\x00\x00\x00\x00",
    b"\x01\x02\x03",
    b"\x1b[31m",
    b"\r",
    b"\x0b\x0c",
    b"\x7f",
    b"\xc2\x85",  # NEL
    b"\xe2\x80\xa8",  # LINE SEPARATOR
    b"\xff\xfe",
    b"\xed\xa0\x80",  # a lone surrogate, not valid UTF-8
    b"\xe9",  # latin-1 e-acute
    b'"',
    b",",
    b";",
    b"\t",
    b"\n",
    b"\\",
    b"{",
    b"]",
]
HUGE = [
    b"9" * 40,
    b"-1",
    b"-99999999999999999999",
    b"18446744073709551616",
    b"2147483648",
    b"1e309",
    b"-1e309",
    b"NaN",
    b"inf",
    b"0",
    b"0.0000000000000000000001",
]
ABSURD_DATES = [
    b"0000-00-00",
    b"0001-01-01",
    b"9999-12-31T23:59:59Z",
    b"2024-02-30",
    b"2024-13-45T25:61:61Z",
    b"-0001-01-01",
    b"99999-01-01",
    b"1677-09-21T00:12:43Z",
    b"2262-04-12T23:47:17Z",
    b"1969-12-31T23:59:59Z",
    b"00000000T000000Z",
    b"99991231T235959Z",
    b"13/45/2024",
    b"1/1/0001",
    b"99999999999999",
    b"-1",
    b"1e20",
    b"Mon, 31 Dec 9999 23:59:59 +0000",
    b"Tue, 1 Jan 0001 00:00:00 -9999",
    b"tomorrow",
    b"",
]
DATE = re.compile(
    rb"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?: ?UTC|Z|[+-]\d{2}:?\d{2})?"
    rb"|\d{8}T\d{6}Z?|\b\d{1,2}/\d{1,2}/\d{4}\b|\b1\d{9}(?:\.\d+)?\b"
    rb"|\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(?::\d{2})?(?: [+-]\d{4})?"
)
NUMBER = re.compile(rb"\d+(?:\.\d+)?")
WRONG_TYPES: list[Any] = [
    None,
    0,
    -1,
    10**30,
    1.5,
    "",
    "x",
    "\x00",
    [],
    {},
    True,
    [None],
    {"": None},
]


def _pick(draw: st.DrawFn, n: int) -> int:
    return draw(st.integers(0, max(n - 1, 0)))


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _truncate(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    i = draw(st.integers(0, len(data)))
    return data[:i], f"truncated at byte {i}"


def _set_byte(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    if not data:
        return data, "nothing to flip"
    i, b = _pick(draw, len(data)), draw(st.integers(0, 255))
    return data[:i] + bytes([b]) + data[i + 1 :], f"byte {i} set to {b:#04x}"


def _insert(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    i, junk = draw(st.integers(0, len(data))), draw(st.sampled_from(JUNK))
    return data[:i] + junk + data[i:], f"{junk!r} inserted at byte {i}"


def _duplicate_line(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    lines = _lines(data)
    k = _pick(draw, len(lines))
    return b"".join([*lines[: k + 1], lines[k], *lines[k + 1 :]]), f"line {k + 1} duplicated"


def _remove_line(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    lines = _lines(data)
    k = _pick(draw, len(lines))
    return b"".join(lines[:k] + lines[k + 1 :]), f"line {k + 1} removed"


def _replace_match(
    draw: st.DrawFn, data: bytes, pattern: re.Pattern[bytes], values: list[bytes], what: str
) -> tuple[bytes, str]:
    found = list(pattern.finditer(data))
    if not found:
        return data, f"no {what} to replace"
    m, value = found[_pick(draw, len(found))], draw(st.sampled_from(values))
    return data[: m.start()] + value + data[m.end() :], f"{what} {m.group()!r} -> {value!r}"


def _huge_number(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    return _replace_match(draw, data, NUMBER, HUGE, "number")


def _absurd_date(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    return _replace_match(draw, data, DATE, ABSURD_DATES, "date")


def _json_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for k, v in items:
        yield from _json_paths(v, (*path, k))


def _json_retype(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    """A value somewhere in a JSON document (or one line of JSON Lines) gets another type,
    or its key is dropped."""
    lines = [data]
    try:
        docs = [json.loads(data)]
    except ValueError:
        lines = _lines(data)
        try:
            docs = [json.loads(ln) if ln.strip() else None for ln in lines]
        except ValueError:
            return data, "not JSON"
    k = _pick(draw, len(docs))
    paths = list(_json_paths(docs[k]))
    path = paths[_pick(draw, len(paths))]
    drop = bool(path) and draw(st.booleans())
    new = None if drop else draw(st.sampled_from(WRONG_TYPES))
    if not path:
        docs[k] = new
    else:
        parent = docs[k]
        for key in path[:-1]:
            parent = parent[key]
        if drop:
            del parent[path[-1]]
        else:
            parent[path[-1]] = new
    out = [json.dumps(d).encode() + (b"\n" if len(lines) > 1 else b"") for d in docs]
    what = "dropped" if drop else f"-> {new!r}"
    return b"".join(out), f"JSON {list(path)} {what}"


def _encoding(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    text = data.decode("utf-8", errors="replace") + "\u00e9\u4e2d"
    how = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "bom"]))
    if how == "bom":
        return b"\xef\xbb\xbf" + data, "UTF-8 BOM added"
    return text.encode(how, errors="replace"), f"re-encoded as {how}"


BYTE_DAMAGE: list[Callable[[st.DrawFn, bytes], tuple[bytes, str]]] = [
    _truncate,
    _set_byte,
    _insert,
    _duplicate_line,
    _remove_line,
    _huge_number,
    _absurd_date,
    _json_retype,
    _encoding,
]


def _zip_damage(draw: st.DrawFn, files: dict[str, bytes]) -> tuple[bytes, str]:
    """Damage the archive itself: cut it, flip a byte, or break one member (its deflate
    stream, its CRC, its encryption flag or its compression method)."""
    raw = bytearray(zip_bytes(files))
    infos = zipfile.ZipFile(io.BytesIO(bytes(raw))).infolist()
    how = draw(st.sampled_from(["truncate", "flip", "stream", "crc", "encrypted", "method"]))
    if how == "truncate":
        i = draw(st.integers(0, len(raw)))
        return bytes(raw[:i]), f"zip truncated at byte {i}"
    if how == "flip":
        i = _pick(draw, len(raw))
        raw[i] ^= 0xFF
        return bytes(raw), f"zip byte {i} flipped"
    k = _pick(draw, len(infos))
    info = infos[k]
    local = info.header_offset
    name_len, extra_len = struct.unpack_from("<HH", raw, local + 26)
    central = [m.start() for m in re.finditer(rb"PK\x01\x02", raw)][k]
    if how == "stream":
        start = local + 30 + name_len + extra_len
        i = start + _pick(draw, max(info.compress_size, 1))
        raw[i] ^= 0xFF
    elif how == "crc":
        for at in (local + 14, central + 16):
            struct.pack_into("<I", raw, at, info.CRC ^ 0xDEADBEEF)
    elif how == "encrypted":
        for at in (local + 6, central + 8):
            raw[at] |= 0x01
    else:
        for at in (local + 8, central + 10):
            struct.pack_into("<H", raw, at, 99)  # AES: not something zipfile reads
    return bytes(raw), f"zip member {info.filename!r}: {how} broken"


@st.composite
def corrupted(draw: st.DrawFn, sample: Input) -> Input:
    """The sample with one to three kinds of damage to one of its files, or (for a zip) to
    the archive itself."""
    files = dict(sample.files)
    if sample.layout == "zip" and draw(st.booleans()):
        raw, what = _zip_damage(draw, files)
        return Input(sample.reader, sample.name, "file", {f"{sample.name}.zip": raw}, (what,))
    name = draw(st.sampled_from(sorted(files)))
    data, steps = files[name], []
    for _ in range(draw(st.integers(1, 3))):
        data, what = draw(st.sampled_from(BYTE_DAMAGE))(draw, data)
        steps.append(f"{name}: {what}")
    files[name] = data
    return Input(sample.reader, sample.name, sample.layout, files, tuple(steps))
