"""The Slack reader's cheaper steps against the ones they replace: the zip's central
directory read as arrays against the walk entry by entry, message pseudonyms spelt as bytes
against the text turned into bytes, the conversations' pseudonyms through the compiled loop
against ``channels``, and the conversation lists' member lists."""

from __future__ import annotations

import mmap
import zipfile
from pathlib import Path

import numpy as np
import pytest

import groundswell as gs
from groundswell import privacy
from groundswell.ingest import common
from groundswell.ingest.slack import archive, messages
from groundswell.ingest.slack.archive import _Export
from tests.ingest.test_slack_fast import msg, user, write


def _directories(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple:
    """The directory read with the arrays' reading, and with the walk entry by entry, and
    whether the arrays' reading took it."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        cd = archive._Directory.read(mm)
        taken: list[bool] = []
        entries = archive._entries

        def spy(cd_bytes: bytes, n: int) -> object:
            out = entries(cd_bytes, n)
            taken.append(out is not None)
            return out

        with monkeypatch.context() as m:
            m.setattr(archive, "_entries", spy)
            archive._Directory.read(mm)
        with monkeypatch.context() as m:
            m.setattr(archive, "_entries", lambda cd_bytes, n: None)
            walked = archive._Directory.read(mm)
    return cd, walked, taken == [True]


def _same(a: archive._Directory | None, b: archive._Directory | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    cols = ("flags", "method", "crc", "packed", "size", "offset")
    return (
        list(a.index.items()) == list(b.index.items())
        and all(np.array_equal(getattr(a, c), getattr(b, c)) for c in cols)
        and all(getattr(a, c).dtype == getattr(b, c).dtype for c in cols)
        and bytes(a.__dict__["_table"]) == bytes(b.__dict__["_table"])
        and all(a.row(i) == b.row(i) for i in range(len(a.index)))
    )


def _zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def _info(name: str, *, extra: bytes = b"", comment: bytes = b"") -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.extra = extra
    info.comment = comment
    return info


def test_directory_as_arrays_is_the_walk(tmp_path, monkeypatch) -> None:
    """Stored and deflated members, UTF-8 and cp437 names, duplicate names, entry comments
    and plain extra fields: the arrays' reading takes the directory and reads it as the
    walk does (fails when a column is read at the wrong offset: checked)."""
    ut = b"\x55\x54\x05\x00\x01" + (1_700_000_000).to_bytes(4, "little")  # a timestamp
    members: list[tuple[zipfile.ZipInfo | str, bytes]] = [
        ("users.json", b"[]"),
        ("général/2024-01-01.json", b'[{"ts": "1"}]' * 50),
        (_info("開発/2024-01-02.json", extra=ut, comment=b"hi"), b"[]"),
        (_info("dup.json"), b"1"),
        (_info("dup.json"), b"22"),
    ]
    stored = zipfile.ZipInfo("stored.json")
    stored.compress_type = zipfile.ZIP_STORED
    members.append((stored, b"x" * 70_000))
    members += [(f"c{i}/2024-01-{1 + i % 28:02d}.json", b"[]" * i) for i in range(300)]
    path = _zip(tmp_path / "a.zip", members)
    cd, walked, taken = _directories(path, monkeypatch)
    assert taken
    assert cd is not None and _same(cd, walked)
    assert len(cd.index) == len(members) - 1  # the last of a name wins
    ex = _Export(path)
    try:
        assert ex.read("stored.json") == b"x" * 70_000
        assert ex.read("dup.json") == b"22"
        assert ex.read("開発/2024-01-02.json") == b"[]"
    finally:
        ex.close()


def test_signature_inside_a_name_falls_back_to_the_walk(tmp_path, monkeypatch) -> None:
    """A name holding the entries' signature: the arrays' reading declines, the walk reads
    the same directory as before."""
    path = _zip(tmp_path / "b.zip", [("a/PK\x01\x02b.json", b"[]"), ("users.json", b"[]")])
    cd, walked, taken = _directories(path, monkeypatch)
    assert not taken
    assert cd is not None and _same(cd, walked)
    assert "a/PK\x01\x02b.json" in cd.index


def test_zip64_extra_field_is_left_to_zipfile(tmp_path, monkeypatch) -> None:
    """An entry with a ZIP64 extra field: neither reading takes the directory (zipfile
    does, as before)."""
    zip64 = b"\x01\x00\x08\x00" + (5).to_bytes(8, "little")
    path = _zip(tmp_path / "c.zip", [(_info("a.json", extra=zip64), b"[]"), ("b.json", b"1")])
    cd, walked, _ = _directories(path, monkeypatch)
    assert cd is None and walked is None


@pytest.mark.parametrize("fast", [False, True])
def test_message_pairs_as_bytes(fast: bool, monkeypatch) -> None:
    """The pseudonyms spelt as bytes are the text ones turned into bytes, through the
    compiled loop and through one call an identifier (a conversation id beyond ASCII)."""
    if fast and not privacy.load_fast_hmac():
        pytest.skip("no compiled HMAC loop here")
    if not fast:
        monkeypatch.setattr(privacy, "_loaded", False)
        monkeypatch.setattr(privacy, "_fast_hmac", lambda: False)
    p = privacy.Pseudonymiser(bytes(range(32)))
    for heads in (["C1:", " d2 :", "G3:"], ["C1:", "全体:", "G3:"]):
        head_of = np.array([0, 1, 2, 1, 0], dtype=np.int64)
        tails = ["1.000001", "2.5", " 3 ", "1.000001", "9"]
        text = p.message_pairs(heads, head_of, tails)
        spelt = p.message_pairs(heads, head_of, tails, as_bytes=True)
        assert spelt.dtype == np.dtype("S18")
        assert spelt.tolist() == text.astype(np.bytes_).tolist()
        assert [s.decode() for s in spelt.tolist()] == text.tolist()


def test_pseudonyms_through_the_loop_are_the_python_ones(monkeypatch) -> None:
    """Once the compiled loop is loaded, ``many`` (here ``channels``) and ``pairs`` with an
    empty head hash through it: the pseudonyms of one call an identifier, also for ids that
    normalise alike, missing ones and ids beyond ASCII (one call an identifier again)."""
    if not privacy.load_fast_hmac():
        pytest.skip("no compiled HMAC loop here")
    p = privacy.Pseudonymiser(bytes(range(32)))
    cases = (["C1", "D2", " c1 ", "mpdm-a--b-1", "\x1fE\t"], ["C1", "全体", "café"])
    with monkeypatch.context() as m:
        m.setattr(privacy, "_loaded", False)
        m.setattr(privacy, "_fast_hmac", lambda: False)
        wants = [p.channels(ids) for ids in cases] + [p.people(["A", None, " a"])]
    for ids, want in zip(cases, wants, strict=False):
        got = p.pairs("channel", [""], np.zeros(len(ids), np.int64), ids, "c_")
        assert got.dtype == want.dtype
        assert got.tolist() == want.tolist()
        got = p.channels(ids)
        assert got.dtype == want.dtype
        assert got.tolist() == want.tolist()
    assert p.people(["A", None, " a"]).tolist() == wants[-1].tolist()


def test_members_of_the_lists_keep_text_only(tmp_path) -> None:
    """A conversation list's members: text kept in order, anything else passed over, a
    list that is not one read as none."""
    files = {
        "users.json": [user("U1", "A"), user("U2", "B")],
        "channels.json": [
            {"id": "C1", "name": "a", "members": ["U2", "U1"]},
            {"id": "C2", "name": "b", "members": ["U1", 5, None, "U2", ["U3"]]},
            {"id": "C3", "name": "c", "members": "U1"},
            {"id": "C4", "name": "d", "members": []},
            {"id": "C5", "name": "e"},
        ],
        "a/2024-01-01.json": [msg("U1", 0)],
    }
    export = write(tmp_path / "export", files, as_zip=True)
    ws = gs.init(tmp_path / "ws")
    try:
        ex = _Export(export)
        rd = messages._Reader(ws, ex, common.IngestSummary(str(export), "slack", None))
        rd.layout()
        ex.close()
    finally:
        ws.close()
    assert [c.members for c in rd.convs] == [["U2", "U1"], ["U1", "U2"], [], [], []]
