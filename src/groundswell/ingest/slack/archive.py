"""The Slack export as a set of named files: a zip or its unpacked folder, the layout of its
list files, and the checks on those lists (see :mod:`groundswell.ingest.slack`)."""

from __future__ import annotations

import contextlib
import math
import mmap
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from isal import isal_zlib

from groundswell.errors import InputError
from groundswell.ingest import zips

USERS_FILES = ("users.json", "org_users.json")
LISTS = {
    "channels.json": "public",
    "groups.json": "private",
    "dms.json": "dm",
    "mpims.json": "group_dm",
}
DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
EXPECTED_LAYOUT = (
    "a Slack export: users.json (or org_users.json) and channels.json (with groups.json, "
    "dms.json, mpims.json in full exports) beside one folder per conversation holding "
    "YYYY-MM-DD.json day files, as a .zip or its unpacked folder"
)


# -- the export as a set of named files ------------------------------------------------------
class _Export:
    """A zip or a folder, seen as relative POSIX names and their bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._dir: _Directory | None = None
        self._mapped = 0  # bytes read from the mapped zip since its pages were let go
        self._rows: dict[str, int] | None = None  # rows of the files read next (see expect)
        if not path.exists():
            raise InputError(path, "file not found", expected=EXPECTED_LAYOUT)
        if path.is_dir():
            self.names = sorted(
                p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
            )
        else:
            self._dir = self._walk(path)
            try:
                if self._dir is None:  # anything unusual: zipfile reads the directory
                    self._zip = zipfile.ZipFile(path)
                    self._dir = _Directory.of(self._zip)
                    self._fh = path.open("rb")
                    self._map = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
                self.names = sorted(n for n in self._dir.index if not n.endswith("/"))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                # (NotImplementedError: a member needing a zip version zipfile cannot read)
                raise InputError(
                    path, f"not a readable zip archive ({exc})", expected=EXPECTED_LAYOUT
                ) from exc
        self.names = [n for n in self.names if not n.startswith("__MACOSX/")]

    def _walk(self, path: Path) -> _Directory | None:
        """The directory of a plain zip read from the mapped file, or None (nothing open)."""
        try:
            fh = path.open("rb")
        except OSError:
            return None
        try:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            fh.close()
            return None
        d = _Directory.read(mm)
        if d is None:
            mm.close()
            fh.close()
            return None
        self._fh, self._map = fh, mm
        self._drop()  # the directory's pages (tens of MB in a large export; d holds a copy)
        return d

    def where(self, name: str) -> str:
        return str(self.path / name)

    def rows(self, names: list[str]) -> np.ndarray | None:
        """The directory row of each member of ``names`` (a zip's), or None (a folder)."""
        if self._dir is None:
            return None
        index = self._dir.index
        return np.fromiter((index[n] for n in names), dtype=np.int64, count=len(names))

    def sizes(self, names: list[str], rows: np.ndarray | None) -> np.ndarray:
        """The unpacked size of each file of ``names`` (their directory ``rows`` in a zip),
        as :meth:`size` gives it."""
        if self._dir is not None and rows is not None:
            return self._dir.size[rows]
        return np.fromiter(map(self.size, names), dtype=np.int64, count=len(names))

    def expect(self, names: list[str], rows: np.ndarray | None) -> None:
        """Read the files ``names`` (at the directory ``rows`` of a zip) next without looking
        them up in the directory's name index: in a forked worker, a lookup writes the
        reference count of the index's row number, and so copies into the worker the page
        of the reader's memory holding it (about half the index's pages over the workers'
        reading of a large export)."""
        self._rows = None if rows is None else dict(zip(names, rows.tolist(), strict=True))

    def forget_names(self) -> None:
        """Drop the names and the zip directory's name index (a million objects for the
        largest exports): files are then read by :meth:`expect`'s rows."""
        self.names = []
        if self._dir is not None:
            self._dir.index = {}

    def read(self, name: str) -> bytes:
        try:
            if self._dir is not None:
                return self._read_member(self._dir, name)
            return (self.path / name).read_bytes()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
            raise InputError(self.where(name), f"cannot be read ({exc})") from exc

    def _drop(self) -> None:
        """Let go of the pages of the mapped zip read so far: they are the file's pages in
        the system's cache, but they count in this process's resident memory as long as it
        maps them (the whole zip by the end, 288 MB for the synthetic 5,000-person export);
        a page read again is mapped again from the cache."""
        self._mapped = 0
        with contextlib.suppress(AttributeError, OSError, ValueError):  # no madvise: keep them
            self._map.madvise(mmap.MADV_DONTNEED)

    def _zipfile(self) -> zipfile.ZipFile:
        """zipfile's view of the archive, opened the first time a member needs it."""
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.path)
        return self._zip

    def _read_member(self, d: _Directory, name: str) -> bytes:
        """A member's bytes, inflated straight from the mapped file (zipfile's own reader
        costs ~40 µs a member, which matters for exports of 100,000 day files); anything
        but plain stored or deflated members goes through zipfile."""
        i = self._rows.get(name) if self._rows is not None else None
        if i is None:
            i = d.index[name]
        flags, method, crc, packed, size, at = d.row(i)
        if flags & 0x1 or method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            zf = self._zipfile()
            return zips.read_member(zf, zf.getinfo(name), self.where(name))  # or InputError
        mm = self._map
        try:
            sig, n_name, n_extra = _LOCAL.unpack_from(mm, at)
        except struct.error:  # cut short
            sig = b""
        if sig != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {name}")
        start = at + 30 + n_name + n_extra
        data = mm[start : start + packed]
        if len(data) < packed:
            raise zipfile.BadZipFile(f"{name} is truncated")
        self._mapped += packed
        if self._mapped >= _DROP:
            self._drop()
        if method == zipfile.ZIP_DEFLATED:
            # ISA-L inflates about 3x faster than zlib, to the same bytes
            try:
                data = isal_zlib.decompress(data, -15, max(size, 1))
            except isal_zlib.error:  # type: ignore[misc]  # IsalError, untyped
                data = b""  # a damaged or cut deflate stream: the check below names it
        if len(data) != size or isal_zlib.crc32(data) != crc:
            raise zipfile.BadZipFile(f"{name} is damaged (size or CRC-32 does not match)")
        return data

    def total_size(self) -> int:
        """The unpacked size of every file in the export, in bytes."""
        if self._dir is not None:
            return int(self._dir.size.sum())
        total = 0
        for name in self.names:
            with contextlib.suppress(OSError):
                total += (self.path / name).stat().st_size
        return total

    def size(self, name: str) -> int:
        """The unpacked size of a member, in bytes (0 when it cannot be known: reading it
        names the problem)."""
        if self._dir is not None:
            return int(self._dir.size[self._dir.index[name]])
        try:
            return (self.path / name).stat().st_size
        except OSError:
            return 0

    def json(self, name: str) -> Any:
        raw = self.read(name)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InputError(
                self.where(name),
                f"invalid JSON: {exc.msg}",
                line=exc.lineno,
                expected="a JSON array as Slack's export writes it",
            ) from exc

    def close(self) -> None:
        """Close the file, and drop the names and the directory (a million members of a
        large export hold a few hundred MB), which nothing reads once the export is read."""
        if self._dir is not None:
            self._map.close()
            self._fh.close()
        if self._zip is not None:
            self._zip.close()
        self._dir, self._zip, self.names = None, None, []


#: bytes read from the mapped zip after which its pages are let go (see :meth:`_Export._drop`;
#: the pages mapped are more than the bytes read: the system maps 64 KiB around each page
#: a small member is read from)
_DROP = 8 << 20
_ROW = struct.Struct("<6q")  # a row of :class:`_Directory`'s table
_LOCAL = struct.Struct("<4s22xHH")  # a local header's signature, name and extra lengths
_CD = struct.Struct("<4s6H3L5HLL")  # a central directory entry, before its name
_EOCD = struct.Struct("<4s4H2LH")  # the end of central directory record
_LOC64 = struct.Struct("<4sLQL")  # the ZIP64 end of central directory locator
_END64 = struct.Struct("<4sQ2H2L4Q")  # the ZIP64 end of central directory record


@dataclass
class _Directory:
    """A zip's central directory as arrays: each member's flags, method, CRC-32, packed and
    unpacked sizes and local header offset, at the position :attr:`index` gives its name."""

    index: dict[str, int]
    flags: np.ndarray
    method: np.ndarray
    crc: np.ndarray
    packed: np.ndarray
    size: np.ndarray
    offset: np.ndarray

    def row(self, i: int) -> tuple[int, int, int, int, int, int]:
        """Member ``i``'s flags, method, CRC-32, packed and unpacked sizes and offset, as
        Python integers, unpacked from one table of the six columns side by side (a NumPy
        scalar costs about 0.3 µs to read, which matters at a million members; the columns
        as lists of Python integers held about 110 MB for the 651,753 members of the
        synthetic 5,000-person export, the table 31 MB)."""
        table = self.__dict__.get("_table")
        if table is None:
            cols = (self.flags, self.method, self.crc, self.packed, self.size, self.offset)
            table = self.__dict__["_table"] = np.ascontiguousarray(
                np.stack(cols, axis=1), dtype="<i8"
            ).data.cast("B")
        return _ROW.unpack_from(table, _ROW.size * i)

    @classmethod
    def of(cls, zf: zipfile.ZipFile) -> _Directory:
        """The directory zipfile read (the last member of a name wins, as in zipfile)."""
        infos = zf.infolist()

        def col(attr: str) -> np.ndarray:
            return np.array([getattr(i, attr) for i in infos], dtype=np.int64)

        return cls(
            {i.filename: k for k, i in enumerate(infos)},
            col("flag_bits"),
            col("compress_type"),
            col("CRC"),
            col("compress_size"),
            col("file_size"),
            col("header_offset"),
        )

    @classmethod
    def read(cls, mm: mmap.mmap) -> _Directory | None:
        """The central directory of a plain zip, walked straight from the mapped file (about
        10x faster than zipfile's ZipInfo per member, which matters for the 650,000-file
        exports of big workspaces); None for anything zipfile should read: a comment, ZIP64
        extra fields (ZIP64 end records are read), a damaged extra field, bytes before the
        archive, several disks, a bad record."""
        total = len(mm)
        if total < _EOCD.size:
            return None
        sig, disk, disk_cd, n_disk, n, cd_size, cd_at, comment = _EOCD.unpack(
            mm[total - _EOCD.size :]
        )
        if sig != b"PK\x05\x06" or comment:
            return None
        end = total - _EOCD.size
        if n == 0xFFFF or cd_size == 0xFFFFFFFF or cd_at == 0xFFFFFFFF:
            # ZIP64 (65,535 members or more): its locator just before, its record before that
            if end < _LOC64.size + _END64.size:
                return None
            end -= _LOC64.size
            lsig, ldisk, at64, ldisks = _LOC64.unpack(mm[end : end + _LOC64.size])
            if lsig != b"PK\x06\x07" or ldisk or ldisks != 1 or at64 != end - _END64.size:
                return None
            end = at64
            (sig64, size64, _, _, disk, disk_cd, n_disk, n, cd_size, cd_at) = _END64.unpack(
                mm[end : end + _END64.size]
            )
            if sig64 != b"PK\x06\x06" or size64 != _END64.size - 12:
                return None
        if disk or disk_cd or n_disk != n or cd_at + cd_size != end:
            return None
        cd = mm[cd_at : cd_at + cd_size]
        entries = _entries(cd, n)
        if entries is not None:
            found, table = entries
            names = _names(found, table[:, 0].tolist())
            if names is None:
                return None
            index = dict(zip(names, range(n), strict=True))  # the last member of a name wins
            del found
            return cls._of_table(index, table)
        raws: list[bytes] = []
        rows: list[tuple[int, ...]] = []
        unpack = _CD.unpack_from
        pos = 0
        for _ in range(n):
            if pos + _CD.size > cd_size:
                return None
            (s, _, needed, flags, method, _, _, crc, packed, size, n_name, n_extra, n_comment,
             _, _, _, at) = unpack(cd, pos)  # fmt: skip
            if s != b"PK\x01\x02" or needed > 63 or 0xFFFFFFFF in (packed, size, at):
                return None  # (zipfile refuses a member needing a version above 6.3)
            start = pos + _CD.size
            if n_extra and not _plain_extra(cd[start + n_name : start + n_name + n_extra]):
                return None
            raws.append(cd[start : start + n_name])
            rows.append((flags, method, crc, packed, size, at))
            pos = start + n_name + n_extra + n_comment
        if pos != cd_size:
            return None
        names = _names(raws, [r[0] for r in rows])
        if names is None:
            return None
        index = dict(zip(names, range(n), strict=True))  # the last member of a name wins
        del raws
        table = np.array(rows, dtype="<i8").reshape(n, 6)
        del rows
        return cls._of_table(index, table)

    @classmethod
    def _of_table(cls, index: dict[str, int], table: np.ndarray) -> _Directory:
        """The directory of names ``index`` and rows ``table`` (n x 6, C-ordered little-endian
        int64: flags, method, CRC-32, packed and unpacked sizes, offset), of which the
        columns are views."""
        d = cls(index, table[:, 0], table[:, 1], table[:, 2], table[:, 3], table[:, 4], table[:, 5])
        d.__dict__["_table"] = table.data.cast("B")  # see row()
        return d


_SIGNATURE = np.frombuffer(b"PK\x01\x02", dtype=np.uint8)
#: the fields of a central directory entry's fixed part (:data:`_CD`) that are read
_FIXED = np.dtype(
    {
        "names": ["needed", "flags", "method", "crc", "packed", "size", "n_name", "n_extra",
                  "n_comment", "offset"],
        "formats": ["<u2", "<u2", "<u2", "<u4", "<u4", "<u4", "<u2", "<u2", "<u2", "<u4"],
        "offsets": [6, 8, 10, 16, 20, 24, 28, 30, 32, 42],
        "itemsize": 46,
    }
)  # fmt: skip


def _entries(cd: bytes, n: int) -> tuple[list[bytes], np.ndarray] | None:
    """The ``n`` entries of a central directory ``cd`` as :meth:`_Directory.read` walks them
    (each member's name, and its row of flags, method, CRC-32, packed and unpacked sizes and
    offset), read as arrays: the entries are found by their signature and kept when each
    ends where the next begins and the last at the end; None when they do not (a signature
    inside a name, say) or when an entry has extra fields that are not plain, needs a
    version above 6.3 or holds ZIP64 sizes: the walk entry by entry then decides."""
    buf = np.frombuffer(cd, dtype=np.uint8)
    size = len(buf)
    if n == 0 or size < _CD.size:
        return None
    # the positions of the signature, found a part of the directory at a time
    found = []
    step = 1 << 24
    for lo in range(0, size - 3, step):
        part = buf[lo : min(size, lo + step + 3)]
        at = np.flatnonzero(part[:-3] == _SIGNATURE[0])
        for k in range(1, 4):
            at = at[part[at + k] == _SIGNATURE[k]]
        found.append(at + lo)
    at = np.concatenate(found)
    at = at[at + _CD.size <= size]
    if len(at) != n or at[0] != 0:
        return None

    # each entry's fixed part (46 bytes) as one record of its fields
    fixed = np.lib.stride_tricks.sliding_window_view(buf, _CD.size)[at].view(_FIXED).ravel()

    def field(name: str) -> np.ndarray:
        return fixed[name].astype(np.int64)

    n_name, n_extra, n_comment = field("n_name"), field("n_extra"), field("n_comment")
    ends = at + _CD.size + n_name + n_extra + n_comment
    if ends[-1] != size or not np.array_equal(ends[:-1], at[1:]):
        return None
    extra = np.flatnonzero(n_extra)
    first = (at[extra] + _CD.size + n_name[extra]).tolist()
    for a, b in zip(first, n_extra[extra].tolist(), strict=True):
        if not _plain_extra(cd[a : a + b]):
            return None
    packed, unpacked, offset = field("packed"), field("size"), field("offset")
    full = 0xFFFFFFFF
    if (fixed["needed"] > 63).any() or (
        (packed == full) | (unpacked == full) | (offset == full)
    ).any():
        return None
    table = np.stack(
        [field("flags"), field("method"), field("crc"), packed, unpacked, offset], axis=1
    )
    start = (at + _CD.size).tolist()
    stop = (at + _CD.size + n_name).tolist()
    return [cd[a:b] for a, b in zip(start, stop, strict=True)], table


def _names(raws: list[bytes], flags: list[int]) -> list[str] | None:
    """Members' names from their bytes, as zipfile decodes them (UTF-8 when flag bit 11
    is set, else cp437; cut at a NUL); None when one does not decode. Names all in ASCII,
    which every encoding reads alike, are decoded at once (cp437's decoder is Python code:
    about 2 µs a name, seconds for an export of 700,000 files)."""
    joined = b"\x00".join(raws)
    if joined.isascii() and joined.count(b"\x00") == len(raws) - 1:
        return joined.decode("ascii").split("\x00")
    names = []
    for raw, flag in zip(raws, flags, strict=True):
        try:
            name = raw.decode("utf-8") if flag & 0x800 else raw.decode("cp437")
        except UnicodeDecodeError:
            return None
        names.append(name[: name.index("\x00")] if "\x00" in name else name)
    return names


def _plain_extra(extra: bytes) -> bool:
    """Whether a member's extra fields are well formed and hold no ZIP64 sizes (timestamps,
    Unix ids and the like, which zipfile ignores too)."""
    while len(extra) >= 4:
        kind, n = struct.unpack("<HH", extra[:4])
        if n + 4 > len(extra) or kind == 0x0001:
            return False
        extra = extra[n + 4 :]
    return True


class _Where(str):
    """The place of a day file, computed only when an error needs it."""

    _ex: _Export
    _name: str

    def __new__(cls, ex: _Export, name: str) -> _Where:
        obj = super().__new__(cls, "")
        obj._ex, obj._name = ex, name
        return obj

    def __str__(self) -> str:
        return self._ex.where(self._name)


@dataclass
class _Conv:
    raw_id: str
    name: str | None
    kind: str
    created: float | None
    members: list[str]
    listed: bool = True


def _records(ex: _Export, name: str, data: Any) -> list[dict[str, Any]]:
    """Check that a list file is an array of objects each with a string id."""
    rel = name.rsplit("/", 1)[-1]
    if not isinstance(data, list):
        raise InputError(
            ex.where(name),
            f"{rel} is not a JSON array",
            expected="a JSON array of objects",
            found=type(data).__name__,
        )
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise InputError(
                ex.where(name),
                f"{rel}[{i}] is not an object",
                expected="a JSON object",
                found=type(rec).__name__,
            )
        if not isinstance(rec.get("id"), str) or not rec["id"]:
            raise InputError(
                ex.where(name),
                f"{rel}[{i}].id is missing or not text",
                expected="the Slack id as a string",
                found=rec.get("id"),
            )
    return data


def _seconds(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and 0 < f < 1e11 else None


def _parent(name: str) -> str:
    return name.rsplit("/", 1)[0] if "/" in name else ""
