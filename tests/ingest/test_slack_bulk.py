"""The Slack reader's members read together (``_Export.read_many``): the bytes of each file as
``read`` gives them, and None, for ``read`` itself to decide, for anything else."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from groundswell.errors import InputError
from groundswell.ingest.slack import archive, messages
from groundswell.ingest.slack.archive import _Export

DAYS = [f"general/2024-01-{d:02d}.json" for d in range(1, 8)]


def _body(i: int) -> bytes:
    one = b'{"ts": "17040%02d000.000100", "text": "hello %d"}' % (i, i)
    return b"[" + b",".join([one] * (1 + i % 3)) + b"]"


def _zip(path: Path) -> Path:
    """Deflated, stored, empty and bzip2 members, with an extra field on one."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", b"[]")
        for i, name in enumerate(DAYS):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
            info.compress_type = [
                zipfile.ZIP_DEFLATED,
                zipfile.ZIP_STORED,
                zipfile.ZIP_BZIP2,
            ][i % 3]
            if i == 4:
                info.extra = b"\x55\x54\x05\x00\x01\x00\x00\x00\x00"  # a timestamp
            zf.writestr(info, b"" if i == 5 else _body(i))
    return path


def _offset(path: Path, name: str) -> tuple[int, int]:
    """Where member ``name``'s local header and its data start in the file."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = path.read_bytes()
    at = info.header_offset
    n_name = int.from_bytes(raw[at + 26 : at + 28], "little")
    n_extra = int.from_bytes(raw[at + 28 : at + 30], "little")
    return at, at + 30 + n_name + n_extra


def test_read_many_is_read(tmp_path) -> None:
    ex = _Export(_zip(tmp_path / "e.zip"))
    got = ex.read_many(["users.json", *DAYS])
    want = [ex.read(name) for name in ["users.json", *DAYS]]
    assert got[0] == b"[]"
    for i in range(len(DAYS)):
        if i % 3 == 2:  # bzip2: left to read()
            assert got[1 + i] is None
        else:
            assert got[1 + i] == want[1 + i] == (b"" if i == 5 else _body(i))
    # in a worker's order (expect), and a name it was not told about
    ex.expect(DAYS[:3], ex.rows(DAYS[:3]))
    assert ex.read_many([DAYS[3], DAYS[0]]) == [want[4], want[1]]
    assert ex.read_many(["nowhere.json", DAYS[0]]) == [None, None]
    assert ex.read_many([]) == []
    ex.forget_names()  # (a worker's: the expected files are read by their rows alone)
    assert ex.read_many(DAYS[:2]) == want[1:3]
    ex.close()


def test_read_many_of_a_folder_leaves_each_to_read(tmp_path) -> None:
    (tmp_path / "general").mkdir()
    (tmp_path / DAYS[0]).write_bytes(_body(0))
    ex = _Export(tmp_path)
    assert ex.read_many([DAYS[0]]) == [None]


@pytest.mark.parametrize("damage", ["crc", "stream", "signature", "cut", "size"])
def test_damaged_member_is_left_to_read(tmp_path, damage: str) -> None:
    path = _zip(tmp_path / "e.zip")
    raw = bytearray(path.read_bytes())
    header, data = _offset(path, DAYS[3])  # a deflated member
    if damage == "crc":  # a stored member's byte: only the CRC-32 tells
        _, data1 = _offset(path, DAYS[1])
        raw[data1] ^= 0x01
        bad = DAYS[1]
    elif damage == "stream":  # a deflate stream that does not inflate
        raw[data : data + 4] = b"\xff\xff\xff\xff"
        bad = DAYS[3]
    elif damage == "signature":
        raw[header : header + 4] = b"PK\x09\x09"
        bad = DAYS[3]
    elif damage == "size":  # the directory's unpacked size one more than the member's
        entry = bytes(raw).rindex(DAYS[3].encode()) - 46
        size = int.from_bytes(raw[entry + 24 : entry + 28], "little")
        raw[entry + 24 : entry + 28] = (size + 1).to_bytes(4, "little")
        bad = DAYS[3]
    else:  # the local header's name length pointing past the end of the file
        raw[header + 26 : header + 28] = (0xFFFF).to_bytes(2, "little")
        bad = DAYS[3]
    path.write_bytes(bytes(raw))
    ex = _Export(path)
    names = [DAYS[0], DAYS[1], DAYS[3], DAYS[4]]
    got = ex.read_many(names)
    for name, one in zip(names, got, strict=True):
        if name == bad:
            assert one is None
            with pytest.raises(InputError, match="cannot be read"):
                ex.read(name)
        elif damage == "stream":  # a stream that does not inflate: read() reads them all
            assert one is None
            assert ex.read(name)
        else:
            assert one == ex.read(name)
    ex.close()


def _reader(ex: _Export, monkeypatch, run: int) -> tuple[messages._Reader, list[tuple[str, bytes]]]:
    """A reader of ``ex`` reading runs of ``run`` day files, and the (name, bytes) its gather
    is handed, in order."""
    monkeypatch.setattr(messages, "RUN", run)
    rd = object.__new__(messages._Reader)
    read: list[tuple[str, bytes]] = []
    rd.ex = ex
    monkeypatch.setattr(
        rd, "_gather", lambda batch: read.extend((g[3], g[1]) for g in batch), raising=False
    )
    return rd, read


def test_days_read_in_runs_give_the_same_messages(tmp_path, monkeypatch) -> None:
    """Runs of every length give the files in their order, each read once."""
    ex = _Export(_zip(tmp_path / "e.zip"))
    seen: list[list[str]] = []
    real = ex.read_many

    def spy(names: list[str], rows: np.ndarray | None = None) -> list[bytes | None]:
        assert rows is None  # a list of files: looked up by name
        seen.append(names)
        return real(names)

    monkeypatch.setattr(ex, "read_many", spy)
    rd, read = _reader(ex, monkeypatch, 3)
    files = [(name, 0) for name in DAYS if name != DAYS[5]]
    rd.days(files)
    assert seen == [[n for n, _ in files[a : a + 3]] for a in range(0, len(files), 3)]
    assert read == [(name, ex.read(name)) for name, _ in files]
    assert zlib.crc32(b"".join(r for _, r in read)) == zlib.crc32(
        b"".join(_body(DAYS.index(n)) for n, _ in files)
    )


def test_day_files_as_arrays_are_read_by_their_rows(tmp_path, monkeypatch) -> None:
    """A zip's day files as arrays are read at their rows, run by run, without the name index."""
    ex = _Export(_zip(tmp_path / "e.zip"))
    listing = ex.listing
    assert listing is not None
    days = listing.days
    starts = np.where(days > 0, listing.ends[days - 1], 0)
    files = archive._DayFiles(
        listing.text, starts, listing.ends[days], np.zeros(len(days), np.int64), listing.rows[days]
    )
    names = files.names()
    assert names == DAYS
    ex.forget_names()  # no index: a name looked up would fail
    rd, read = _reader(ex, monkeypatch, 2)
    keep = [i for i in range(len(DAYS)) if i % 3 != 2]  # (bzip2 members would need the index)
    rd.days(
        archive._DayFiles(
            files.text, files.starts[keep], files.ends[keep], files.conv[keep], files.rows[keep]
        )
    )
    want = [(DAYS[i], b"" if i == 5 else _body(i)) for i in keep if i != 5]
    assert read == want
