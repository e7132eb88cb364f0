"""The Slack reader's start on a zip whose names read as arrays (:class:`archive._Listing`:
every name ASCII, or UTF-8 with its flag) against the names read one by one as before: the
sorted list of files, their directory rows (a name held twice: its last member), the day
files and their folders, the layout (day files and their conversations, the conversations,
warnings), the hash on a thread."""

from __future__ import annotations

import itertools
import json
import re
import threading
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest import batch, common
from groundswell.ingest.slack import archive, messages
from tests.ingest.test_slack_fast import msg, user

# the reader's day-file pattern, spelt here again: what the listing's byte test must match
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")

# parts of names: folders (some a prefix of others, with characters sorting before and
# after "/"), day files and near misses, the list files, macOS' folder
FOLDERS = ["a", "a-b", "a.b", "ab", "a/b", "D0123ABC", "mpdm-x--y-1", "__MACOSX", "", "z z",
           "général", "généra", "für-alle", "全体", "全体/雑談", "é"]  # fmt: skip
FILES = [
    "2024-01-01.json",
    "2024-01-02.json",
    "2024-1-01.json",
    "2024-01-01.jsonx",
    "x2024-01-01.json",
    "2024-01-01json",
    "users.json",
    "org_users.json",
    "channels.json",
    "groups.json",
    "dms.json",
    "mpims.json",
    "xusers.json",
    "",
    "u",
    # one character of a day file's name changed, at each place
    *["2024-01-01.json"[:i] + c + "2024-01-01.json"[i + 1 :] for i in range(15) for c in "x/"],
]


def reference(names: list[str]) -> dict[str, Any]:
    """What the reader computed from the names one by one before the listing."""
    index = dict(zip(names, range(len(names)), strict=True))  # the last member wins
    files = sorted(n for n in index if not n.endswith("/"))
    files = [n for n in files if not n.startswith("__MACOSX/")]
    parts = [n.rpartition("/") for n in files]
    days = [i for i, (_, slash, base) in enumerate(parts) if slash and DAY.match(base)]
    folders = [parts[i][0] for i in days]
    return {
        "names": files,
        "rows": [index[n] for n in files],
        "days": days,
        "new_folder": [j == 0 or folders[j] != folders[j - 1] for j in range(len(days))],
        "folders": folders,
        "named": {
            b: [i for i, p in enumerate(parts) if p[2] == b]
            for b in (*archive.USERS_FILES, *archive.LISTS)
        },
    }


def listed(names: list[str]) -> dict[str, Any] | None:
    """The same, from the listing."""
    listing = archive._Listing.of("\x00".join(names).encode("utf-8"), names)
    if listing is None:
        return None
    days = listing.days
    return {
        "names": listing.names(),
        "rows": listing.rows.tolist(),
        "days": days.tolist(),
        "new_folder": listing.new_folder.tolist(),
        "folders": listing.folders(days),
        "named": {b: listing.named(b).tolist() for b in (*archive.USERS_FILES, *archive.LISTS)},
    }


name_parts = st.tuples(
    st.sampled_from(FOLDERS), st.sampled_from(FILES), st.booleans(), st.booleans()
)


def name_of(folder: str, file: str, nested: bool, as_folder: bool) -> str:
    path = f"{folder}/{file}" if folder or nested else file
    return path + "/" if as_folder else path


@settings(max_examples=300, deadline=None)
@given(st.lists(name_parts, max_size=40), st.lists(st.text("ab/-.0json_é全", max_size=20)))
def test_listing_is_the_names_read_one_by_one(parts, others) -> None:
    """Day files and near misses, list files at the top and in folders, folders' entries,
    __MACOSX/, names held twice, folders that are prefixes of others, names in UTF-8 (two and
    three bytes a character) among ASCII ones: the listing gives the
    sorted names, their rows, the day files, where their folder changes and the list files
    as the names read one by one do (fails when the dedup keeps the first member, a digit
    position is off or a folder's run is cut wrongly: checked)."""
    names = [name_of(*p) for p in parts] + others
    got = listed(names)
    if not names or "" in names:
        assert got is None  # (an empty name: read one by one)
        return
    assert got == reference(names)


def test_folders_in_utf8_are_cut_where_they_change() -> None:
    """Day files of folders named in UTF-8 (one to three bytes a character), two or three
    in a row in one folder, after others: the same runs as the names read one by one (fails
    when the folders are compared at the names' character ends instead of their byte
    ends: checked)."""
    names = [f"{folder}/2024-01-0{d}.json" for folder in ["für-alle", "général", "全体",
             "全体/雑談", "généra", "é", "z"] for d in (1, 2, 3)] + ["users.json"]  # fmt: skip
    got = listed(names)
    assert got is not None and got == reference(names)
    assert sum(got["new_folder"]) == 7


def test_list_files_are_found_by_their_last_part() -> None:
    names = ["xusers.json", "users.json", "a/users.json", "a/xusers.json", "b/a_users.json",
             "users.json/x", "org_users.json", "a/b/channels.json", "channels.jsonx", "s.json",
             "dms.json", "a/dms.json/", "mpims.json", "groups.json", "a/mpims.json"]  # fmt: skip
    assert listed(names) == reference(names)


def test_listing_refuses_names_it_does_not_read() -> None:
    """Names holding a NUL or a line feed ("\\d" and "$" of the day files' pattern), or
    that are not the bytes given, are left to the names read one by one."""
    for odd in ["a\x00b", "a/2024-01-01.json\n", "a\nb"]:
        names = ["users.json", odd]
        joined = b"\x00".join(n.encode("utf-8") for n in names)
        assert archive._Listing.of(joined, names) is None
    joined = "users.json\x00général/2024-01-01.json".encode()
    assert archive._Listing.of(joined, ["users.json", "gnral/2024-01-01.json"]) is None


def test_names_are_listed_as_zipfile_decodes_them() -> None:
    """ASCII names whatever their flags; a name not in ASCII only with its UTF-8 flag (bit 11;
    zipfile reads it as cp437 otherwise) and when it is UTF-8; none with a line feed."""
    utf8 = 0x800
    names = ["users.json", "général/2024-01-01.json", "全体/2024-01-01.json"]
    joined = b"\x00".join(n.encode("utf-8") for n in names)
    order = archive._listed_order(joined, np.array([0, utf8, utf8]), 3)
    assert order == "\x00".join(names)
    assert archive._listed_order(joined, np.array([utf8, 0, utf8]), 3) is None  # cp437
    assert archive._listed_order(b"a\x00b", np.array([0, 0]), 2) == "a\x00b"
    bad = b"users.json\x00g\xe9n\xe9ral/2024-01-01.json"  # latin-1, flagged UTF-8
    assert archive._listed_order(bad, np.array([0, utf8]), 2) is None
    assert archive._listed_order(b"a\x00\xc3\xa9\n", np.array([0, utf8]), 2) is None
    assert archive._listed_order(b"a\x00\x00\xc3\xa9", np.array([0, utf8, utf8]), 3) is None


def zip_of(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            if name in zf.NameToInfo:
                with pytest.warns(UserWarning):
                    zf.writestr(name, data)
            else:
                zf.writestr(name, data)
    return path


@pytest.mark.parametrize("a", ["a", "全体"])
def test_export_reads_its_names_as_before(tmp_path, a) -> None:
    """A zip of ASCII names, or with names in UTF-8 (zipfile flags them): the export's names,
    directory index (made when first needed) and rows are those of the directory read one
    by one; a name held twice reads its last member; sizes by row."""
    members = [
        ("users.json", b"[]"),
        (f"{a}/", b""),
        (f"{a}/2024-01-02.json", b"[1]"),
        (f"__MACOSX/{a}/2024-01-01.json", b"[2]"),
        (f"{a}/2024-01-01.json", b"[3]"),
        ("a-b/2024-01-01.json", b"[4, 5]"),
        (f"{a}/2024-01-02.json", b"[6, 7, 8]"),
    ]
    path = zip_of(tmp_path / "e.zip", members)
    ex = archive._Export(path)
    try:
        assert ex.listing is not None
        with zipfile.ZipFile(path) as zf:
            index = {i.filename: k for k, i in enumerate(zf.infolist())}
        assert ex.names == sorted(
            ["a-b/2024-01-01.json", f"{a}/2024-01-01.json", f"{a}/2024-01-02.json", "users.json"]
        )
        assert ex.listing.rows.tolist() == [index[n] for n in ex.names]
        assert ex.read(f"{a}/2024-01-02.json") == b"[6, 7, 8]"
        assert list(ex._dir.index.items()) == list(index.items())  # type: ignore[union-attr]
        sizes = {f"{a}/2024-01-01.json": 3, f"{a}/2024-01-02.json": 9, "users.json": 2}
        assert ex.sizes_at(ex.listing.rows).tolist() == [sizes.get(n, 6) for n in ex.names]
    finally:
        ex.close()


def layout_export(tmp_path: Path, wide: bool = False) -> Path:
    """An export with a nested workspace, a folder in no list, an attachments folder, list
    files in a folder, day files of a folder apart from each other in the sorted names;
    ``wide``: also channels and a folder named in UTF-8."""
    files: dict[str, Any] = {
        "users.json": [user("U1", "A"), user("U2", "B", bot_id="B1")],
        "channels.json": [{"id": "C1", "name": "general", "members": ["U1"]},
                          {"id": "C2", "name": "general-2", "created": 1704067200},
                          {"id": "C3", "name": "x/y"}],
        "x/y/2024-01-01.json": [msg("U1", 1704067250)],  # not the channel "x/y": no day file
        "dms.json": [{"id": "D1", "members": ["U1", "U2"]}],
        "mpims.json": [{"id": "G1", "name": "mpdm-a--b-1", "members": ["U1", "U2"]}],
        "general/2024-01-01.json": [msg("U1", 1704067300)],
        "general/2024-01-02.json": [msg("U1", 1704153700)],
        "general/2024-01-01.json.bak/2024-01-01.json": [msg("U1", 1704067400)],
        "general-2/2024-01-01.json": [msg("U2", 1704067500)],
        "D1/2024-01-01.json": [msg("U2", 1704067600)],
        "mpdm-a--b-1/2024-01-03.json": [msg("U1", 1704240000)],
        "unlisted/2024-01-01.json": [msg("U1", 1704067700)],
        "Dabcdefg1/2024-01-01.json": [msg("U1", 1704067800)],
        "attachments/x/2024-01-01.json": [msg("U1", 1704067900)],
        "team/T1/users.json": [user("U3", "C")],
        "team/T1/channels.json": [{"id": "C9", "name": "general", "members": ["U3"]}],
        "team/T1/general/2024-01-01.json": [msg("U3", 1704068000)],
        "team/T1/other/2024-01-01.json": [msg("U3", 1704068100)],
        "2024-01-01.json": [msg("U1", 1704068200)],
    }  # fmt: skip
    if wide:
        files["channels.json"] += [{"id": "C4", "name": "général"}, {"id": "C5", "name": "全体"}]
        files.update({
            "général/2024-01-01.json": [msg("U1", 1704068300)],
            "général/2024-01-02.json": [msg("U2", 1704154700)],
            "全体/2024-01-01.json": [msg("U1", 1704068400)],
            "für-alle/2024-01-01.json": [msg("U1", 1704068500)],  # in no list
        })  # fmt: skip
    path = tmp_path / "layout.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, value in reversed(files.items()):  # not in sorted order
            zf.writestr(name, json.dumps(value))
    return path


def layout_of(path: Path, ws_path: Path) -> tuple[Any, ...]:
    ws = gs.open(ws_path)
    ex = archive._Export(path)
    try:
        rd = messages._Reader(ws, ex, common.IngestSummary(str(path), "slack", None))
        users, days = rd.layout()
        convs = [(c.raw_id, c.name, c.kind, c.created, c.members, c.listed) for c in rd.convs]
        return list(days), convs, rd.summary.warnings, users, rd.bot_user_of, ex.listing
    finally:
        ex.close()
        ws.close()


@pytest.mark.parametrize("wide", [False, True])
def test_layout_from_the_listing_is_the_layout_name_by_name(tmp_path, monkeypatch, wide) -> None:
    """The day files (in order), their conversations, the conversations made for unlisted
    folders, the warning and the users found through the listing are those found name by
    name, with folders named in UTF-8 too (fails when a folder's conversation is taken from
    the top's lists for a nested folder or the folder runs are not cut: checked)."""
    path = layout_export(tmp_path, wide)
    gs.init(tmp_path / "ws").close()
    *fast, listing = layout_of(path, tmp_path / "ws")
    assert listing is not None
    with monkeypatch.context() as m:
        m.setattr(archive._Listing, "of", classmethod(lambda cls, joined, names: None))
        *slow, none = layout_of(path, tmp_path / "ws")
    assert none is None
    assert fast == slow
    days, convs = dict(fast[0]), fast[1]
    assert convs[days["team/T1/general/2024-01-01.json"]][0] == "C9"  # its own root's
    assert convs[days["unlisted/2024-01-01.json"]][4:] == ([], False)  # made for it
    for not_a_day in ["attachments/x/", "general/2024-01-01.json.bak/", "", "x/y/"]:
        assert not_a_day + "2024-01-01.json" not in days
    assert fast[2]  # the warning of the unlisted folders
    if wide:
        assert convs[days["全体/2024-01-01.json"]][:2] == ("C5", "全体")
        assert convs[days["für-alle/2024-01-01.json"]][4:] == ([], False)


def test_day_files_as_arrays_are_a_sequence_of_pairs() -> None:
    text = "xa/1b/22c/333"
    starts, ends = np.array([1, 5, 9]), np.array([4, 8, 13])
    days = archive._DayFiles(text, starts, ends, np.array([4, 5, 6]), np.array([7, 8, 9]))
    pairs = [("a/1", 4), ("/22", 5), ("/333", 6)]
    assert len(days) == 3 and list(days) == pairs and days.names() == [p[0] for p in pairs]
    assert days[1] == pairs[1] and days[1:] == pairs[1:] and days[::-1] == pairs[::-1]
    days.clear()
    assert len(days) == 0 and list(days) == []


def test_hash_on_a_thread_is_the_hash_and_its_error(tmp_path, monkeypatch) -> None:
    """The export's hash computed while its directory is read is batch.sha256_path's; an
    error while hashing is raised to the caller, and no thread is left behind."""
    from groundswell.ingest import slack

    path = tmp_path / "f.bin"
    path.write_bytes(bytes(range(256)) * 9000)
    assert slack._Hashing(path).result() == batch.sha256_path(path)
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "x").write_bytes(b"x")
    assert slack._Hashing(folder).result() == batch.sha256_path(folder)

    def broken(p: Path) -> str:
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(batch, "sha256_path", broken)
    hashing = slack._Hashing(path)
    with pytest.raises(PermissionError):
        hashing.result()
    assert not [t for t in threading.enumerate() if t.name == "groundswell-sha256"]


def lists_one_by_one(rd: messages._Reader, lists: dict[str, list[dict[str, Any]]]) -> tuple:
    """The conversations and the names they are found by, read record by record as the
    reader did before it read the lists' fields a column at a time."""
    convs: list[archive._Conv] = []
    own: dict[str, int] = {}
    for base, records in lists.items():
        kind = archive.LISTS[base]
        for rec in records:
            rid = rec["id"]
            name = rec.get("name")
            if not isinstance(name, str):
                name = None
            created = archive._seconds(rec.get("created"))
            members = rec.get("members")
            if not isinstance(members, list):
                members = []
            elif set(map(type, members)) != {str}:
                members = [m for m in members if isinstance(m, str)]
            listed = len(convs)
            convs.append(archive._Conv(rid, name, kind, created, members))
            folder = rid if kind == "dm" or not name else name
            own.setdefault(folder, listed)
            if folder != rid:
                own.setdefault(rid, listed)
    return convs, own


_WS: dict[str, Path] = {}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["C1", "C2", "D1", "G1", "x", "general"]),
            st.one_of(
                st.none(),
                st.sampled_from(["general", "C1", "", "x", "mpdm-a-1"]),
                st.integers(0, 3),
            ),
            st.one_of(
                st.none(),
                st.integers(-5, 2**64 - 1),
                st.floats(allow_nan=False, allow_infinity=False),
                st.sampled_from(["1704067200", " 17e8 ", "nan", "x", True]),
            ),
            st.one_of(st.none(), st.just("U1"), st.lists(st.sampled_from(["U1", "U2", 3, None]))),
            st.sampled_from(sorted(archive.LISTS)),
        ),
        max_size=12,
    )
)
def test_lists_read_a_column_at_a_time_are_read_record_by_record(tmp_path_factory, recs) -> None:
    """Names that are not text, times as integers (past int64 too), floats, text and
    booleans, members of any type, folders named like another conversation's id: the same
    conversations, in order, found by the same names (fails when the first of a name does
    not win or an integer time is not checked for its range: checked)."""
    lists: dict[str, list[dict[str, Any]]] = {b: [] for b in sorted(archive.LISTS)}
    for rid, name, created, members, base in recs:
        rec: dict[str, Any] = {"id": rid, "name": name, "created": created, "members": members}
        lists[base].append({k: v for k, v in rec.items() if v is not None})
    tmp = tmp_path_factory.mktemp("lists")
    files: dict[str, Any] = {"users.json": [user("U1", "A")], **lists}
    path = tmp / "e.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, value in files.items():
            zf.writestr(name, json.dumps(value))
    if "lists" not in _WS:  # one workspace for every example
        _WS["lists"] = tmp / "ws"
        gs.init(_WS["lists"]).close()
    ws = gs.open(_WS["lists"])
    ex = archive._Export(path)
    try:
        rd = messages._Reader(ws, ex, common.IngestSummary(str(path), "slack", None))
        rd.lo, rd.hi = 0, 1e11  # every time the lists may hold
        expected = lists_one_by_one(rd, lists)
        rd.layout()
        by_name: dict[str, int] = {}
        for k, c in enumerate(rd.convs):  # what _folder finds a top folder's name by
            folder = c.raw_id if c.kind == "dm" or not c.name else c.name
            by_name.setdefault(folder, k)
            if folder != c.raw_id:
                by_name.setdefault(c.raw_id, k)
        assert rd.convs == expected[0] and by_name == expected[1]
    finally:
        ex.close()
        ws.close()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("ab/", min_size=1, max_size=26), max_size=8), st.data())
def test_folders_compared_a_word_at_a_time(seeds, data) -> None:
    """Folders of every length around 8 and 16 bytes, each followed by its twin, or by its
    twin but one byte, anywhere (the last of a word too), after other text: the same answer
    as comparing the strings (fails when a word's last byte or the last word is not
    compared: checked)."""
    folders = []
    for f in seeds:
        i = data.draw(st.integers(0, len(f) - 1))
        twin = f[:i] + ("b" if f[i] == "a" else "a") + f[i + 1 :]
        folders += [f, data.draw(st.sampled_from([f, twin]))]
    before = data.draw(st.text("xyz", max_size=9))
    names = [f"{folder}/2024-01-01.json" for folder in folders]
    text = before + "".join(names)
    lengths = np.array([len(n) for n in names], dtype=np.int64)
    ends = len(before) + np.cumsum(lengths)
    got = archive._same_folders(text.encode("ascii"), ends, lengths).tolist()
    assert got == [a == b for a, b in itertools.pairwise(folders)]


# conversation lists as a tool or a hand might write them: the fields the layout reads in
# every JSON type, ignored fields with nested objects, text in UTF-8, and what is refused
HOSTILE_LISTS = {
    "plain": b'[{"id":"C1","name":"allgemein","created":1700000000,"members":["U1","U2"],'
    b'"purpose":{"value":"x","creator":"U1"},"topic":{"value":"Gr\xc3\xbc\xc3\x9fe"}}]',
    "not an object": b'["C1"]',
    "no id": b'[{"name":"allgemein"}]',
    "id a number": b'[{"id":5,"name":"allgemein"}]',
    "id empty": b'[{"id":"","name":"allgemein"}]',
    "created as text": b'[{"id":"C1","name":"allgemein","created":"1700000000"}]',
    "created a float": b'[{"id":"C1","name":"allgemein","created":1700000000.5}]',
    "created past int64": b'[{"id":"C1","name":"allgemein","created":1234567890123456789012}]',
    "created in 2999": b'[{"id":"C1","name":"allgemein","created":32503680000}]',
    "created infinite": b'[{"id":"C1","name":"allgemein","created":1e400}]',
    "members mixed": b'[{"id":"C1","name":"allgemein","members":["U1",3,null,"U2"]}]',
    "members text": b'[{"id":"C1","name":"allgemein","members":"U1"}]',
    "name a number": b'[{"id":"C1","name":7}]',
    "not UTF-8 in an ignored field": b'[{"id":"C1","name":"allgemein","topic":"\xff"}]',
    "lone surrogate in an ignored field": b'[{"id":"C1","name":"allgemein","topic":"\\ud800"}]',
    "byte order mark": b'\xef\xbb\xbf[{"id":"C1","name":"allgemein"}]',
    "keys twice": b'[{"id":"C9","id":"C1","name":"x","name":"allgemein"}]',
    "text after": b'[{"id":"C1","name":"allgemein"}] x',
    "an object": b'{"id":"C1"}',
    "null": b"null",
    "empty": b"[]",
    "NUL in an ignored field": b'[{"id":"C1","name":"allgemein","topic":"a\x00b"}]',
    "deep ignored field": b'[{"id":"C1","x":' + b"[" * 3000 + b"]" * 3000 + b"}]",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_LISTS))
def test_lists_decoded_for_their_fields_are_the_lists_read_as_json(tmp_path, case) -> None:
    """The conversation lists decoded for the four fields the layout reads (msgspec) give
    the layout of the lists read as plain JSON, or the same error naming the file and the
    record (fails when a file whose skipped fields are not UTF-8 is accepted: checked)."""
    root = tmp_path / "export"
    (root / "allgemein").mkdir(parents=True)
    (root / "users.json").write_text(json.dumps([user("U1", "A"), user("U2", "B")]))
    (root / "channels.json").write_bytes(HOSTILE_LISTS[case])
    (root / "allgemein" / "2023-11-14.json").write_text(json.dumps([msg("U1", 1699999999)]))
    gs.init(tmp_path / "ws").close()

    def layout() -> Any:
        try:
            return layout_of(root, tmp_path / "ws")[:-1]
        except InputError as exc:
            return str(exc)

    fast = layout()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(messages, "_list_fields", lambda raw: None)
        assert layout() == fast
    if case == "plain":
        assert fast[1][0][:2] == ("C1", "allgemein") and fast[1][0][4] == ["U1", "U2"]


def test_list_fields_are_read_by_msgspec_when_the_file_reads_cleanly() -> None:
    got = messages._list_fields(HOSTILE_LISTS["plain"])
    assert got == (["C1"], ["allgemein"], [1700000000], [["U1", "U2"]])
    for refused in ("no id", "not an object", "not UTF-8 in an ignored field", "null"):
        assert messages._list_fields(HOSTILE_LISTS[refused]) is None


def test_a_large_zip_loads_the_hmac_loop_from_the_start(tmp_path, monkeypatch) -> None:
    from groundswell.ingest.slack import workers

    loads: list[str] = []
    monkeypatch.setattr(workers, "_load", lambda: loads.append(threading.current_thread().name))
    path = tmp_path / "e.zip"
    path.write_bytes(b"x" * 1000)
    monkeypatch.setattr(workers, "PRELOAD_ZIP", 1001)
    assert workers.preload_zip(path) is None and workers.preload_zip(tmp_path) is None
    monkeypatch.setattr(workers, "PRELOAD_ZIP", 1000)
    thread = workers.preload_zip(path)
    assert thread is not None
    thread.join()
    assert loads == ["groundswell-hmac-load"]
    assert workers.preload_zip(tmp_path / "gone.zip") is None
