"""The Slack export as a set of named files: a zip or its unpacked folder, the layout of its
list files, and the checks on those lists (see :mod:`groundswell.ingest.slack`)."""

from __future__ import annotations

import contextlib
import itertools
import math
import mmap
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

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
        self._names: list[str] | None = None  # see names
        self._total: int | None = None  # a folder's total_size
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
                if self._dir.listing is None:
                    self.names = sorted(n for n in self._dir.index if not n.endswith("/"))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                # (NotImplementedError: a member needing a zip version zipfile cannot read)
                raise InputError(
                    path, f"not a readable zip archive ({exc})", expected=EXPECTED_LAYOUT
                ) from exc
        if self._names is not None:  # (a listing's names leave __MACOSX/ out already)
            self.names = [n for n in self._names if not n.startswith("__MACOSX/")]

    @property
    def names(self) -> list[str]:
        """The export's files (relative POSIX names), sorted, without ``__MACOSX/``."""
        if self._names is None:
            listing = self._dir.listing if self._dir is not None else None
            self._names = listing.names() if listing is not None else []
        return self._names

    @names.setter
    def names(self, names: list[str]) -> None:
        self._names = names

    @property
    def listing(self) -> _Listing | None:
        """The names as arrays (a zip whose names read as arrays), or None: see
        :class:`_Listing`."""
        return self._dir.listing if self._dir is not None else None

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
        try:
            d = _Directory.read(mm, fh.fileno())
        except OSError:
            d = None
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

    def sizes_at(self, rows: np.ndarray) -> np.ndarray:
        """The unpacked size of the zip's members at directory ``rows``."""
        assert self._dir is not None
        return self._dir.size[rows]

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
            self._dir.listing = None

    def read(self, name: str) -> bytes:
        try:
            if self._dir is not None:
                return self._read_member(self._dir, name)
            return (self.path / name).read_bytes()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
            raise InputError(self.where(name), f"cannot be read ({exc})") from exc

    def read_many(self, names: list[str], rows: np.ndarray | None = None) -> list[bytes | None]:
        """The bytes of each file of ``names`` as :meth:`read` gives them, or None for a file
        :meth:`read` itself must read (a folder's, a member that is not plain stored or
        deflated, or one failing a check: reading it then raises the same error). A zip's
        plain members are read together: their local headers looked at as arrays over the
        mapped file, then each inflated and its size and CRC-32 compared in one pass (about
        1 µs less a member than one :meth:`read` each, for exports of 650,000 day files).
        ``rows``, when given, are the files' directory rows (then not looked up by name)."""
        d = self._dir
        n = len(names)
        if d is None or not n:
            return [None] * n
        if rows is not None:
            return self._read_rows(d, rows)
        index, known = d.index, self._rows
        try:
            if known is not None:
                rows = np.fromiter(
                    (known[m] if m in known else index[m] for m in names), np.int64, n
                )
            else:
                rows = np.fromiter(map(index.__getitem__, names), np.int64, n)
        except KeyError:
            return [None] * n
        return self._read_rows(d, rows)

    def _read_rows(self, d: _Directory, rows: np.ndarray) -> list[bytes | None]:
        """:meth:`read_many` for the members at directory ``rows``."""
        mm = self._map
        out: list[bytes | None] = [None] * len(rows)
        if len(mm) < 30:
            return out
        flags, method, at = d.flags[rows], d.method[rows], d.offset[rows]
        packed, size = d.packed[rows], d.size[rows]
        deflated = method == zipfile.ZIP_DEFLATED
        ok = ((flags & 0x1) == 0) & (deflated | (method == zipfile.ZIP_STORED))
        ok &= at + 30 <= len(mm)
        view = np.frombuffer(mm, dtype=np.uint8)
        try:
            head = view[np.where(ok, at, 0)[:, None] + _HEAD]  # each local header's 30 bytes
        finally:
            del view  # (a view left would keep the map from closing)
        ok &= (head[:, :4] == _LOCAL_SIG).all(axis=1)
        n_name, n_extra = head[:, 26:30].copy().view("<u2").astype(np.int64).T
        start = at + 30 + n_name + n_extra
        end = start + packed
        ok &= end <= len(mm)
        good = np.flatnonzero(ok)
        if not len(good):
            return out
        self._mapped += int(packed[good].sum())
        # the members' packed bytes, then each deflated one inflated, all through map
        data: list[Any] = list(
            map(mm.__getitem__, map(slice, start[good].tolist(), end[good].tolist()))
        )
        flate = np.flatnonzero(deflated[good])
        try:
            if len(flate) == len(good):
                data = list(
                    map(isal_zlib.decompress, data, _WBITS, np.maximum(size[good], 1).tolist())
                )
            else:
                for j, z in zip(
                    flate.tolist(), np.maximum(size[good[flate]], 1).tolist(), strict=True
                ):
                    data[j] = isal_zlib.decompress(data[j], -15, z)
        except isal_zlib.error:  # type: ignore[misc]  # IsalError, untyped
            return out  # read() reads each, and names the one that does not inflate
        same = (np.fromiter(map(len, data), np.int64, len(data)) == size[good]) & (
            np.fromiter(map(isal_zlib.crc32, data), np.int64, len(data)) == d.crc[rows[good]]
        )
        if len(good) == len(rows) and same.all():
            out = data
        else:
            for j in np.flatnonzero(same).tolist():
                out[int(good[j])] = data[j]
        if self._mapped >= _DROP:
            self._drop()
        return out

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
        """The unpacked size of every file in the export, in bytes (a folder's files looked
        at once)."""
        if self._dir is not None:
            return int(self._dir.size.sum())
        if self._total is None:
            total = 0
            for name in self.names:
                with contextlib.suppress(OSError):
                    total += (self.path / name).stat().st_size
            self._total = total
        return self._total

    def size(self, name: str) -> int:
        """The unpacked size of a member, in bytes (0 when it cannot be known: reading it
        names the problem)."""
        if self._dir is not None:
            return int(self._dir.size[self._dir.index[name]])
        try:
            return (self.path / name).stat().st_size
        except OSError:
            return 0

    def json(self, name: str, raw: bytes | None = None) -> Any:
        """File ``name`` as Python (``raw``: its bytes, when already read), or one error
        naming the file and the line."""
        raw = self.read(name) if raw is None else raw
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
_LOCAL_SIG = np.frombuffer(b"PK\x03\x04", dtype=np.uint8)
_HEAD = np.arange(30)  # the bytes of a local header
_WBITS = itertools.repeat(-15)  # a raw deflate stream, for isal_zlib.decompress
_CD = struct.Struct("<4s6H3L5HLL")  # a central directory entry, before its name
_EOCD = struct.Struct("<4s4H2LH")  # the end of central directory record
_LOC64 = struct.Struct("<4sLQL")  # the ZIP64 end of central directory locator
_END64 = struct.Struct("<4sQ2H2L4Q")  # the ZIP64 end of central directory record


@dataclass
class _Directory:
    """A zip's central directory as arrays: each member's flags, method, CRC-32, packed and
    unpacked sizes and local header offset, at the position :attr:`index` gives its name."""

    _index: dict[str, int] | None  # None: made from _order when first needed
    flags: np.ndarray
    method: np.ndarray
    crc: np.ndarray
    packed: np.ndarray
    size: np.ndarray
    offset: np.ndarray
    listing: _Listing | None = None  # the files' names as arrays, when they read as such
    _order: str | None = None  # every member's name in the directory's order, NUL between

    @property
    def index(self) -> dict[str, int]:
        """The row of each member's name (the last member of a name wins, as in zipfile)."""
        if self._index is None:
            names = self._order.split("\x00") if self._order is not None else []
            self._index = dict(zip(names, range(len(names)), strict=True))
            self._order = None
        return self._index

    @index.setter
    def index(self, index: dict[str, int]) -> None:
        self._index, self._order = index, None

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
    def read(cls, mm: mmap.mmap, fd: int | None = None) -> _Directory | None:
        """The central directory of a plain zip, walked straight from the mapped file (about
        10x faster than zipfile's ZipInfo per member, which matters for the 650,000-file
        exports of big workspaces); None for anything zipfile should read: a comment, ZIP64
        extra fields (ZIP64 end records are read), a damaged extra field, bytes before the
        archive, several disks, a bad record. With the file's descriptor ``fd`` the directory's
        bytes are read from it (its pages are then not mapped: 58 MB of them in the
        synthetic 5,000-person export, faulted in one by one through the mapping)."""
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
        cd = mm[cd_at : cd_at + cd_size] if fd is None else os.pread(fd, cd_size, cd_at)
        entries = _entries(cd, n)
        if entries is not None:
            name_at, name_len, table = entries
            stop = (name_at + name_len).tolist()
            found = [cd[a:b] for a, b in zip(name_at.tolist(), stop, strict=True)]
            joined = b"\x00".join(found)
            order = _listed_order(joined, table[:, 0], n)
            if order is not None:
                # the names as arrays, the name index made when first needed
                listing = _Listing.of(joined, order.split("\x00"))
                if listing is not None:
                    d = cls._of_table(None, table)
                    d.listing, d._order = listing, order
                    return d
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
    def _of_table(cls, index: dict[str, int] | None, table: np.ndarray) -> _Directory:
        """The directory of names ``index`` and rows ``table`` (n x 6, C-ordered little-endian
        int64: flags, method, CRC-32, packed and unpacked sizes, offset), of which the
        columns are views."""
        d = cls(index, table[:, 0], table[:, 1], table[:, 2], table[:, 3], table[:, 4], table[:, 5])
        d.__dict__["_table"] = table.data.cast("B")  # see row()
        return d


#: a day file's last 16 bytes ("/YYYY-MM-DD.json"): where its digits are, and the rest
_DIGITS = [1, 2, 3, 4, 6, 7, 9, 10]
_REST_AT = [0, 5, 8, 11, 12, 13, 14, 15]
_REST = np.frombuffer(b"/--.json", dtype=np.uint8)
#: the bytes of a name's last 16 kept when it is shorter (its length's row), the rest 0
_SHORT = np.where(np.arange(16) >= 16 - np.arange(17)[:, None], 0xFF, 0).astype(np.uint8)


def _listed_order(joined: bytes, flags: np.ndarray, n: int) -> str | None:
    """The ``n`` names ``joined`` by NUL bytes (a directory's, in its order), decoded as
    zipfile decodes them, when they can be listed as arrays (:class:`_Listing`): every name
    in ASCII, which every encoding reads alike, or in UTF-8 with the member's flag bit 11
    set (zipfile reads a name without it as cp437); none empty or holding a NUL or a line
    feed. Else None (the names are then read one by one)."""
    if not n or b"\n" in joined or joined.count(0) != n - 1:
        return None
    if joined.isascii():
        return joined.decode("ascii")
    raw = np.frombuffer(joined, dtype=np.uint8)
    ends = np.append(np.flatnonzero(raw == 0), len(raw))
    starts = np.append(0, ends[:-1] + 1)
    if not (ends - starts).all():
        return None  # an empty name
    wide = np.maximum.reduceat(raw, starts) >= 0x80  # the names not in ASCII
    if (np.asarray(flags)[wide] & 0x800 == 0).any():
        return None
    try:
        return joined.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _tails(
    names: list[str], lengths: np.ndarray, chars: np.ndarray
) -> tuple[str, np.ndarray, np.ndarray, bytes, np.ndarray]:
    """``names`` of ``lengths`` bytes in UTF-8 and ``chars`` characters end to end: the
    text, where each name ends in it (in characters), each one's last 16 bytes (n x 16, 0
    before a shorter one), and the text's bytes with where each name ends in them."""
    text = "".join(names)
    ends = np.cumsum(chars)
    raw = text.encode("utf-8")
    byte_ends = ends if len(raw) == len(text) else np.cumsum(lengths)  # (ASCII: the same)
    padded = np.frombuffer(bytes(16) + raw, dtype=np.uint8)
    tails = np.lib.stride_tricks.sliding_window_view(padded, 16)[byte_ends]  # (a copy)
    short = np.flatnonzero(lengths < 16)  # the bytes of the names before it: cleared
    tails[short] &= _SHORT[lengths[short]]
    return text, ends, tails, raw, byte_ends


#: the low k bytes of a word (k = 0..8)
_LOW = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


def _same_folders(text: bytes, ends: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Whether each day file's folder (its name but the last 16 bytes, "/YYYY-MM-DD.json")
    is the one of the day file before it, for day files ending at byte ``ends`` of ``text``
    (the names' bytes), of ``lengths`` bytes: compared 8 bytes at a time, only as far as the
    folders go."""
    folder = lengths - 16
    same = folder[1:] == folder[:-1]
    if not len(same):
        return same
    raw = text + bytes(8)
    # every 8 bytes of the text from any position, as one little-endian word
    words = np.ndarray((len(raw) - 7,), dtype="<u8", buffer=raw, strides=(1,))
    pair = np.flatnonzero(same)  # (pair j: day files j and j + 1)
    starts = ends - lengths
    a, b = starts[pair], starts[pair + 1]
    size = folder[pair]
    done = 0
    while len(pair):
        k = np.minimum(size - done, 8)
        differ = ((words[a + done] ^ words[b + done]) & _LOW[k]) != 0
        same[pair[differ]] = False
        done += 8
        going = ~differ & (size > done)
        pair, a, b, size = pair[going], a[going], b[going], size[going]
    return same


@dataclass
class _Listing:
    """A zip's files, when every name is ASCII or flagged UTF-8 (no line feed, no NUL; see
    :func:`_listed_order`), as arrays: their
    names sorted (the list ``sorted`` gives, without folders' entries and ``__MACOSX/``, a
    name held twice once, at its last member's row) end to end in :attr:`text`, each one's
    directory row and last 16 bytes, which are day files (``<folder>/YYYY-MM-DD.json``,
    :data:`DAY_FILE`) and where their folder changes: a large export's names are then not
    looked at one by one in Python (651,753 day files in the synthetic 5,000-person export)."""

    text: str  # the names end to end
    ends: np.ndarray  # int64: where each name ends in text (in characters)
    rows: np.ndarray  # int64: each name's directory row
    tails: np.ndarray  # uint8 (names x 16): each name's last 16 bytes, 0 before a short one
    days: np.ndarray  # int64: the names that are day files, in order
    new_folder: np.ndarray  # bool: each day file's folder is not the one of the day file before
    _others: np.ndarray | None = None  # see others()

    def name(self, i: int) -> str:
        """Name ``i``."""
        return self.text[int(self.ends[i - 1]) if i else 0 : int(self.ends[i])]

    def names(self) -> list[str]:
        """Every name, as Python strings."""
        ends = self.ends.tolist()
        starts = [0, *ends[:-1]] if ends else []
        return [self.text[a:b] for a, b in zip(starts, ends, strict=True)]

    def spans(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where names ``at`` start and end in :attr:`text` (in characters)."""
        ends = self.ends
        return np.where(at > 0, ends[at - 1], 0), ends[at]

    def folders(self, days: np.ndarray) -> list[str]:
        """The folders of day files ``days`` (names of :attr:`days`), as ``rpartition`` cuts
        them: each name but its last 16 characters, "/YYYY-MM-DD.json"."""
        starts, ends = self.spans(days)
        text = self.text
        return [text[a:b] for a, b in zip(starts.tolist(), (ends - 16).tolist(), strict=True)]

    def named(self, base: str) -> np.ndarray:
        """The names whose last part (after the last "/", if any) is ``base`` (15 ASCII
        characters or fewer), in order. A day file's last part is a day (YYYY-MM-DD.json):
        for any other ``base`` only the other names are looked at (a few hundred of an
        export's 750,000, where looking at all took 42 ms a base)."""
        k = len(base)
        want = np.frombuffer(bytes(15 - k) + b"/" + base.encode("ascii"), dtype="<u8")
        own = np.frombuffer(bytes(16 - k) + b"\xff" * k, dtype="<u8")  # the base's bytes
        slash = np.frombuffer(bytes(15 - k) + b"\xff" * (k + 1), dtype="<u8")  # and "/"
        among = None if DAY_FILE.match(base) else self.others()
        words = self.tails.view("<u8")  # each name's last 16 bytes as two words
        if among is not None:
            words = words[among]
        differ = words ^ want
        ends = ((differ & own) == 0).all(axis=1)
        alone = ((words & ~own) == 0).all(axis=1)  # nothing before (a name holds no NUL)
        after_slash = ((differ & slash) == 0).all(axis=1)
        found = np.flatnonzero(ends & (alone | after_slash))
        return found if among is None else among[found]

    def others(self) -> np.ndarray:
        """The names that are not day files, in order (made once)."""
        if self._others is None:
            day = np.zeros(len(self.rows), dtype=bool)
            day[self.days] = True
            self._others = np.flatnonzero(~day)
        return self._others

    @classmethod
    def of(cls, joined: bytes, names: list[str]) -> _Listing | None:
        """The listing of a directory whose members' ``names`` (in the directory's order,
        decoded as ASCII or UTF-8: :func:`_listed_order`) are ``joined`` by NUL bytes, or
        None when one is empty, is neither, or holds a line feed (which the day files'
        pattern treats apart) or a NUL."""
        n = len(names)
        if not n or b"\n" in joined or joined.count(0) != n - 1:
            return None
        raw = np.frombuffer(joined, dtype=np.uint8)
        ends = np.append(np.flatnonzero(raw == 0), len(raw))
        starts = np.append(0, ends[:-1] + 1)
        lengths = ends - starts  # in bytes
        if not lengths.all():
            return None  # an empty name
        if joined.isascii():
            chars = lengths
        else:  # a character is every byte but UTF-8's continuation bytes (10xxxxxx)
            follow = ((raw & 0xC0) == 0x80).astype(np.int64)
            chars = lengths - np.add.reduceat(follow, starts)
            if int(chars.sum()) != sum(map(len, names)):
                return None  # names that are not these bytes in UTF-8
        skip = raw[ends - 1] == ord("/")  # a folder's entry
        mac = b"__MACOSX/"
        if mac in joined:
            long = np.flatnonzero(lengths >= len(mac))
            windows = np.lib.stride_tricks.sliding_window_view(raw, len(mac))
            at_mac = (windows[starts[long]] == np.frombuffer(mac, dtype=np.uint8)).all(axis=1)
            skip[long[at_mac]] = True
        # Python's sort of the names (timsort, quick on a zip's nearly sorted order), stable:
        # of a name held twice the last member is the last one
        order = sorted(np.flatnonzero(~skip).tolist(), key=names.__getitem__)
        ordered = list(map(names.__getitem__, order))
        rows = np.asarray(order, dtype=np.int64)
        del order
        lengths, chars = lengths[rows], chars[rows]
        text, ends, tails, raw_text, byte_ends = _tails(ordered, lengths, chars)
        # a name held twice: the same length and last 16 bytes, then the same name
        words = tails.view("<u8")
        maybe = (lengths[1:] == lengths[:-1]) & (words[1:] == words[:-1]).all(axis=1)
        twice = [j for j in np.flatnonzero(maybe).tolist() if ordered[j] == ordered[j + 1]]
        if twice:
            last = np.ones(len(rows), dtype=bool)
            last[twice] = False
            ordered = list(itertools.compress(ordered, last.tolist()))
            rows, lengths, chars = rows[last], lengths[last], chars[last]
            text, ends, tails, raw_text, byte_ends = _tails(ordered, lengths, chars)
        del ordered
        digits = tails[:, _DIGITS]
        days = np.flatnonzero(
            ((digits >= ord("0")) & (digits <= ord("9"))).all(axis=1)
            & (tails[:, _REST_AT] == _REST).all(axis=1)
        )
        new_folder = np.ones(len(days), dtype=bool)
        new_folder[1:] = ~_same_folders(raw_text, byte_ends[days], lengths[days])
        return cls(text, ends, rows, tails, days, new_folder)


class _DayFiles(Sequence[tuple[str, int]]):
    """Day files (name, conversation) as arrays over one text: what
    :meth:`~groundswell.ingest.slack.messages._Reader.layout` finds in a zip whose names
    read as arrays (over its :class:`_Listing`'s text), and what the reader's forked workers
    are handed (:class:`~groundswell.ingest.slack.workers._Files`); a sequence of (name,
    conversation) pairs like the list the layout finds otherwise, whose pairs are made when
    asked for."""

    def __init__(
        self,
        text: str,
        starts: np.ndarray,
        ends: np.ndarray,
        conv: np.ndarray,
        rows: np.ndarray | None,
    ) -> None:
        self.text = text  # the names end to end, and maybe others among them
        self.starts = starts  # int64: where each name starts in text
        self.ends = ends  # int64: where each name ends
        self.conv = conv  # int64: each file's conversation
        self.rows = rows  # int64: each file's directory row in a zip, else None

    @classmethod
    def of(cls, files: Sequence[tuple[str, int]], rows: np.ndarray | None) -> _DayFiles:
        """Files (name, conversation) at directory ``rows`` (or None), as arrays."""
        n = len(files)
        ends = np.cumsum(np.fromiter((len(name) for name, _ in files), dtype=np.int64, count=n))
        starts = np.concatenate([np.zeros(min(n, 1), dtype=np.int64), ends[:-1]])
        conv = np.fromiter((k for _, k in files), dtype=np.int64, count=n)
        return cls("".join(name for name, _ in files), starts, ends, conv, rows)

    def part(self, a: int, b: int) -> _DayFiles:
        """Files ``a`` to ``b`` (not included), over the same text."""
        rows = None if self.rows is None else self.rows[a:b]
        return _DayFiles(self.text, self.starts[a:b], self.ends[a:b], self.conv[a:b], rows)

    def __len__(self) -> int:
        return len(self.ends)

    @overload
    def __getitem__(self, i: int) -> tuple[str, int]: ...

    @overload
    def __getitem__(self, i: slice) -> list[tuple[str, int]]: ...

    def __getitem__(self, i: int | slice) -> tuple[str, int] | list[tuple[str, int]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.text[int(self.starts[i]) : int(self.ends[i])], int(self.conv[i])

    def __iter__(self) -> Iterator[tuple[str, int]]:
        text = self.text
        starts, ends = self.starts.tolist(), self.ends.tolist()
        for a, b, k in zip(starts, ends, self.conv.tolist(), strict=True):
            yield text[a:b], k

    def names(self) -> list[str]:
        """The files' names, as Python strings."""
        text = self.text
        return [text[a:b] for a, b in zip(self.starts.tolist(), self.ends.tolist(), strict=True)]

    def clear(self) -> None:
        """Hold no files any more."""
        empty = np.empty(0, dtype=np.int64)
        self.text, self.starts, self.ends, self.conv, self.rows = "", empty, empty, empty, empty


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


def _entries(cd: bytes, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The ``n`` entries of a central directory ``cd`` as :meth:`_Directory.read` walks them
    (where each member's name starts in ``cd`` and its length, and each member's row of
    flags, method, CRC-32, packed and unpacked sizes and offset), read as arrays: the
    entries are found by their signature and kept when each ends where the next begins and
    the last at the end; None when they do not (a signature inside a name, say) or when an
    entry has extra fields that are not plain, needs a version above 6.3 or holds ZIP64
    sizes: the walk entry by entry then decides."""
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
    return at + _CD.size, n_name, table


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
