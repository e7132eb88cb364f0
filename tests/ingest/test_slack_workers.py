"""The Slack reader on every core, and its own walk of a zip's central directory.

Oracle for the workers: the same export read by the reader alone (one process), into a
workspace with the same key, so every stored row must be the same; the exports are the
hand-made regional one of test_slack_fast and the real samples. Oracle for the directory:
Python's zipfile, member by member."""

from __future__ import annotations

import io
import itertools
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest import slack
from groundswell.ingest.slack import archive, messages, workers
from tests.conftest import SHARED_DATA
from tests.ingest.test_slack_fast import regional_export, rows, twin_workspaces, write


def ingest_with(folder: Path, export: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Any:
    """Ingest with the workers' settings ``kw`` (workers, segment, small)."""
    original = workers.read_days

    def forced(rd: Any, files: Any) -> None:
        original(rd, files, **kw)

    with monkeypatch.context() as m:
        m.setattr(slack, "read_days", forced)
        ws = gs.open(folder)
        try:
            return slack.ingest(ws, export)
        finally:
            ws.close()


def pids_of_segments(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Have every segment read by a worker write the worker's process id to ``log`` (the
    reader of a segment is made by ``fresh``, in the worker)."""
    original = messages._Reader.fresh

    def logged(self: messages._Reader) -> messages._Reader:
        with log.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return original(self)

    monkeypatch.setattr(messages._Reader, "fresh", logged)


@pytest.mark.parametrize(("as_zip", "segment"), [(True, 1), (False, 1), (True, 600)])
def test_workers_store_what_one_process_stores(tmp_path, monkeypatch, as_zip, segment) -> None:
    """Segments of one day file each, and of a few files (600 bytes), read by two forked
    workers: the rows, their counts, warnings and skips are those of one process; and the
    segments were really read in other processes."""
    export = write(tmp_path / "export", regional_export(), as_zip=as_zip)
    par, one = twin_workspaces(tmp_path)
    log = tmp_path / "pids"
    pids_of_segments(monkeypatch, log)
    s_par = ingest_with(par, export, monkeypatch, workers=2, segment=segment, small=0)
    s_one = ingest_with(one, export, monkeypatch, workers=1)
    pids = {int(p) for p in log.read_text().split()}
    assert pids and os.getpid() not in pids
    assert len(log.read_text().split()) > 1  # several segments
    assert rows(par) == rows(one)
    assert (s_par.messages, s_par.interactions, s_par.people, s_par.rows_read) == (
        s_one.messages,
        s_one.interactions,
        s_one.people,
        s_one.rows_read,
    )
    assert s_par.warnings == s_one.warnings
    assert dict(s_par.skipped) == dict(s_one.skipped)
    assert s_par.messages == 23  # what the hand-made export holds


@pytest.mark.parametrize(
    "name", ["slack-export-viewer-testarchive/unzipped", "slackdump-fixture/unzipped"]
)
def test_workers_on_the_real_samples(tmp_path, monkeypatch, name) -> None:
    folder = SHARED_DATA / "slack-export" / name
    if not folder.exists():
        pytest.skip(f"{folder} not present")
    par, one = twin_workspaces(tmp_path)
    s_par = ingest_with(par, folder, monkeypatch, workers=2, segment=2000, small=0)
    s_one = ingest_with(one, folder, monkeypatch, workers=1)
    assert rows(par) == rows(one)
    assert s_par.messages == s_one.messages > 0
    assert s_par.warnings == s_one.warnings


def test_bad_input_in_a_worker_segment_is_the_same_error(tmp_path, monkeypatch) -> None:
    """A "nan" ts in a day file read by a worker: the reader reads that segment again itself
    and raises the error one process raises, word for word; nothing is written."""
    files = regional_export()
    files["開発/2023-11-14.json"][1]["ts"] = "nan"
    export = write(tmp_path / "export", files, as_zip=True)
    par, one = twin_workspaces(tmp_path)
    errors = []
    for folder, kw in ((par, {"workers": 2, "segment": 1, "small": 0}), (one, {"workers": 1})):
        with pytest.raises(InputError) as info:
            ingest_with(folder, export, monkeypatch, **kw)
        errors.append(str(info.value))
    assert errors[0] == errors[1]
    assert "開発/2023-11-14.json[1].ts" in errors[0]
    assert rows(par) == {t: [] for t in rows(par)}


# -- the central directory ----------------------------------------------------------------------
def as_zipfile_sees(data: bytes) -> dict[str, tuple[int, ...]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {
            i.filename: (
                i.flag_bits,
                i.compress_type,
                i.CRC,
                i.compress_size,
                i.file_size,
                i.header_offset,
            )
            for i in zf.infolist()
        }


def as_walked(path: Path) -> dict[str, tuple[int, ...]] | None:
    ex = archive._Export.__new__(archive._Export)
    d = ex._walk(path)
    if d is None:
        return None
    ex._map.close()
    ex._fh.close()
    cols = (d.flags, d.method, d.crc, d.packed, d.size, d.offset)
    return {n: tuple(int(c[i]) for c in cols) for n, i in d.index.items()}


def test_directory_walk_matches_zipfile(tmp_path) -> None:
    """Deflated and stored members, UTF-8 names (flag 0x800) and a cp437 name, a folder
    entry: the same members with the same fields as zipfile reads."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", b"[]")
        zf.writestr("café-équipe/2023-11-14.json", json.dumps([{"ts": "1"}]).encode())
        zf.writestr(zipfile.ZipInfo("開発/"), b"")
        zf.writestr("stored.json", b"[1, 2]", compress_type=zipfile.ZIP_STORED)
        info = zipfile.ZipInfo("ol\u00e9.json")  # zipfile writes it as UTF-8 with 0x800
        zf.writestr(info, b"[]")
        zf.writestr("cafx.json", b"[]")  # ASCII: no 0x800 flag
        stamped = zipfile.ZipInfo("stamped.json")  # an extended timestamp, as Info-ZIP adds
        stamped.extra = b"UT\x05\x00\x03\x00\xe1\xf5\x05"
        zf.writestr(stamped, b"[]")
    # that name in cp437 (byte 0x82 is 'é' there), in the local and the central header
    data = buf.getvalue().replace(b"cafx.json", b"caf\x82.json")
    path = tmp_path / "a.zip"
    path.write_bytes(data)
    walked = as_walked(path)
    assert walked is not None
    assert walked == as_zipfile_sees(data)
    assert {"caf\u00e9.json", "ol\u00e9.json", "開発/", "stamped.json"} <= walked.keys()


def test_directory_walk_reads_zip64_end_records(tmp_path, monkeypatch) -> None:
    """65,536 members or more need ZIP64 end records (the synthetic 5,000-person export has
    750,000 members); zipfile writes them for 8 members when its limit is lowered to 7, and
    the plain end record then says 0xFFFF members, as it does for 65,536: walked, they give
    what zipfile gives."""
    path = tmp_path / "big.zip"
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 7)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(8):
            zf.writestr(f"c/{i}.json", b"[]" * i)
    monkeypatch.undo()
    data = bytearray(path.read_bytes())
    assert data[-22:-18] == b"PK\x05\x06" and b"PK\x06\x06" in data[-200:]
    data[-14:-10] = b"\xff\xff\xff\xff"  # members on this disk, members in all
    path.write_bytes(bytes(data))
    data = bytes(data)
    walked = as_walked(path)
    assert walked is not None and len(walked) == 8
    assert walked == as_zipfile_sees(data)


@pytest.mark.parametrize("oddity", ["comment", "prefix"])
def test_unusual_zips_are_left_to_zipfile(tmp_path, oddity) -> None:
    """A comment, bytes before the archive (a self-extracting stub): the walk declines,
    zipfile reads the directory, and the export reads the same."""
    files = regional_export()
    path = write(tmp_path / "export", files, as_zip=True)
    plain = slack_rows(tmp_path / "plain", path)
    data = path.read_bytes()
    if oddity == "comment":
        with zipfile.ZipFile(path, "a") as zf:
            zf.comment = b"exported by hand"
    else:
        path.write_bytes(b"#!stub\n" * 10 + data)
    assert as_walked(path) is None
    assert slack_rows(tmp_path / "odd", path) == plain


def test_damaged_extra_field_is_zipfiles_error(tmp_path) -> None:
    """An extra field longer than its member's record: the walk declines, and the error is
    zipfile's, as before."""
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("users.json", b"[]")
        info = zipfile.ZipInfo("channels.json")
        info.extra = b"\xfe\xca\x00\x00"
        zf.writestr(info, b"[]")
    data = path.read_bytes()
    i = data.rindex(b"\xfe\xca\x00\x00")  # in the central directory
    path.write_bytes(data[:i] + b"\xfe\xca\x09\x00" + data[i + 4 :])
    assert as_walked(path) is None
    ws = gs.init(tmp_path / "ws")
    try:
        with pytest.raises(InputError, match=r"not a readable zip archive \(Corrupt extra field"):
            slack.ingest(ws, path)
    finally:
        ws.close()


def slack_rows(folder: Path, export: Path) -> tuple[int, int]:
    ws = gs.init(folder)
    try:
        s = slack.ingest(ws, export)
        return s.messages, s.interactions
    finally:
        ws.close()


def test_not_a_zip_is_the_same_error_as_before(tmp_path) -> None:
    """The walk declines a file that is no zip; zipfile's refusal is the error, as before."""
    path = tmp_path / "export.zip"
    path.write_bytes(b"not a zip at all")
    ws = gs.init(tmp_path / "ws")
    try:
        with pytest.raises(InputError, match="not a readable zip archive"):
            slack.ingest(ws, path)
    finally:
        ws.close()


def test_member_needing_a_newer_zip_version_is_one_input_error(tmp_path) -> None:
    """A member whose "version needed to extract" is above what zipfile reads (6.3): zipfile
    raised NotImplementedError, a traceback; it is one error line naming the zip (found by
    flipping bytes of the central directory: the 400 variants read alike with the walk and
    with zipfile otherwise)."""
    export = write(tmp_path / "export", regional_export(), as_zip=True)
    data = bytearray(export.read_bytes())
    at = data.index(b"PK\x01\x02")
    data[at + 6 : at + 8] = (238).to_bytes(2, "little")  # version 23.8
    export.write_bytes(bytes(data))
    assert as_walked(export) is None
    ws = gs.init(tmp_path / "ws")
    try:
        with pytest.raises(
            InputError, match=r"not a readable zip archive \(zip file version 23\.8"
        ):
            slack.ingest(ws, export)
        assert ws.query("SELECT count(*) AS n FROM sources")["n"].iloc[0] == 0
    finally:
        ws.close()


# -- what the workers are handed ----------------------------------------------------------------
def cut_as_lists(sizes: list[int], segment: int) -> list[list[int]]:
    """The files (positions) in runs of about ``segment`` bytes, as the reader cut them
    before it handed the workers arrays: a run ends once it holds ``segment`` bytes."""
    out: list[list[int]] = []
    run: list[int] = []
    size = 0
    for j, n in enumerate(sizes):
        run.append(j)
        size += n
        if size >= segment:
            out.append(run)
            run, size = [], 0
    if run:
        out.append(run)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=40), st.integers(1, 150))
def test_segments_are_the_runs_of_about_segment_bytes(sizes, segment) -> None:
    bounds = workers._cut(np.asarray(sizes, dtype=np.int64), segment)
    runs = [list(range(a, b)) for a, b in itertools.pairwise(bounds)]
    assert runs == cut_as_lists(sizes, segment)
    assert bounds[0] == 0 and bounds[-1] == len(sizes)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=12), st.integers(0, 2**31 - 1)),
        min_size=1,
        max_size=30,
    ),
    st.data(),
)
def test_a_workers_segment_is_the_files_it_was_cut_from(files, data) -> None:
    """Names of any text (Japanese, emoji, NUL) and conversations come back per segment as
    they went in, with their directory rows."""
    cuts = data.draw(st.sets(st.integers(0, len(files)), max_size=len(files)))
    bounds = [0, *sorted(b for b in cuts if 0 < b < len(files)), len(files)]
    rows = np.arange(len(files), dtype=np.int64) * 7
    parts = workers._Files.of(files, rows, bounds)
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        got, got_rows = parts.segment(i)
        assert got == files[a:b]
        assert got_rows is not None and got_rows.tolist() == rows[a:b].tolist()
    assert workers._Files.of(files, None, bounds).segment(0)[1] is None


def test_files_read_by_their_rows_after_the_names_are_dropped(tmp_path) -> None:
    """A zip holding a name twice: the rows of the directory's index (the last member wins)
    read the same bytes as the index, also once the names and the index are dropped; a
    name not expected is read through the index as before."""
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/2024-01-01.json", b"[1]")
        zf.writestr("b/2024-01-02.json", b"[2, 3]")
        with pytest.warns(UserWarning):
            zf.writestr("a/2024-01-01.json", b"[4]")
    ex = archive._Export(path)
    try:
        names = ["a/2024-01-01.json", "b/2024-01-02.json"]
        by_index = [ex.read(n) for n in names]
        assert by_index == [b"[4]", b"[2, 3]"]
        rows = ex.rows(names)
        assert rows is not None and ex.sizes(names, rows).tolist() == [3, 6]
        ex.expect(names[:1], rows[:1])
        assert ex.read(names[1]) == b"[2, 3]"  # not expected: the index
        ex.expect(names, rows)
        ex.forget_names()
        assert ex.names == []
        assert [ex.read(n) for n in names] == by_index
    finally:
        ex.close()
    folder = tmp_path / "folder"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "2024-01-01.json").write_bytes(b"[5]")
    ex = archive._Export(folder)
    try:
        assert ex.rows(["a/2024-01-01.json"]) is None
        assert ex.sizes(["a/2024-01-01.json", "a/missing.json"], None).tolist() == [3, 0]
        ex.expect(["a/2024-01-01.json"], None)
        assert ex.read("a/2024-01-01.json") == b"[5]"
    finally:
        ex.close()


def test_message_ids_are_the_pseudonyms_of_conversation_and_ts(tmp_path) -> None:
    """The packed ids of a chunk (made from the heads of the chunk's conversations only)
    are the workspace's pseudonyms of "<conversation id>:<ts>" and of the thread's."""
    export = write(tmp_path / "export", regional_export(), as_zip=True)
    gs.init(tmp_path / "ws").close()
    ws = gs.open(tmp_path / "ws")
    ex = archive._Export(export)
    try:
        summary = messages.common.IngestSummary(str(export), "slack", None)
        rd = messages._Reader(ws, ex, summary)
        _, days = rd.layout()
        rd.convs.insert(0, rd.convs[0])  # a conversation no message is in, before the rest
        days = [(name, k + 1) for name, k in days]
        rd.days(days[1:])  # not every conversation has messages in the chunk
        c = rd.cols
        expected = [rd.convs[k].raw_id + ":" + t for k, t in zip(c.conv, c.ts, strict=True)]
        threads = [
            None if t is None else rd.convs[k].raw_id + ":" + t
            for k, t in zip(c.conv, c.thread, strict=True)
        ]
        assert len(expected) > 10 and any(threads)
        rd.flush()
        chunk = rd.chunks[0]
        assert (
            chunk["message_id"].astype(str).tolist() == ws.pseudonymiser.messages(expected).tolist()
        )
        got = chunk["thread_id"].astype(str).tolist()
        some = [t for t in threads if t is not None]
        want = iter(ws.pseudonymiser.messages(some).tolist())
        assert got == ["" if t is None else next(want) for t in threads]
    finally:
        ex.close()
        ws.close()
