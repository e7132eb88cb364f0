"""The Slack export as a set of named files: a zip or its unpacked folder, the layout of its
list files, and the checks on those lists (see :mod:`groundswell.ingest.slack`)."""

from __future__ import annotations

import math
import mmap
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
        if not path.exists():
            raise InputError(path, "file not found", expected=EXPECTED_LAYOUT)
        if path.is_dir():
            self.names = sorted(
                p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
            )
        else:
            try:
                self._zip = zipfile.ZipFile(path)
                self._info = {i.filename: i for i in self._zip.infolist()}
                self.names = sorted(n for n in self._info if not n.endswith("/"))
                self._fh = path.open("rb")
                self._map = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise InputError(
                    path, f"not a readable zip archive ({exc})", expected=EXPECTED_LAYOUT
                ) from exc
        self.names = [n for n in self.names if not n.startswith("__MACOSX/")]

    def where(self, name: str) -> str:
        return str(self.path / name)

    def read(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                return self._read_member(self._zip, name)
            return (self.path / name).read_bytes()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
            raise InputError(self.where(name), f"cannot be read ({exc})") from exc

    def _read_member(self, zf: zipfile.ZipFile, name: str) -> bytes:
        """A member's bytes, inflated straight from the mapped file (zipfile's own reader
        costs ~40 µs a member, which matters for exports of 100,000 day files); anything
        but plain stored or deflated members goes through zipfile."""
        info = self._info[name]
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            return zips.read_member(zf, info, self.where(name))  # or an InputError
        mm = self._map
        at = info.header_offset
        header = mm[at : at + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {name}")
        n_name, n_extra = struct.unpack("<HH", header[26:30])
        start = at + 30 + n_name + n_extra
        data = mm[start : start + info.compress_size]
        if len(data) < info.compress_size:
            raise zipfile.BadZipFile(f"{name} is truncated")
        if info.compress_type == zipfile.ZIP_DEFLATED:
            # ISA-L inflates about 3x faster than zlib, to the same bytes
            try:
                data = isal_zlib.decompress(data, -15, max(info.file_size, 1))
            except isal_zlib.error:  # type: ignore[misc]  # IsalError, untyped
                data = b""  # a damaged or cut deflate stream: the check below names it
        if len(data) != info.file_size or isal_zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"{name} is damaged (size or CRC-32 does not match)")
        return data

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
        if self._zip is not None:
            self._map.close()
            self._fh.close()
            self._zip.close()


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
