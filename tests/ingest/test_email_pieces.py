"""A large mbox read by worker processes (ingest/email/pieces.py): the same rows, summary
and errors as reading it in one process."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest import email
from groundswell.ingest.email import pieces
from groundswell.ingest.email.headers import Columns

NAMES = ["Jürgen Größ", "山田 太郎", "Zoë Ørsted", "ann", "bob", "carl", "dora", "eve"]
DATES = [
    "Mon, 2 Sep 2024 10:{m:02d}:00 +0200",
    "Tue, 3 Sep 2024 23:{m:02d}:59 -0700",
    "Mi, 4 Sep 2024 08:{m:02d}:00 +0100",  # a German day name
    "4 Sep 2024 08:{m:02d}:00 GMT",
]


def hostile_mbox(n: int, seed: int) -> bytes:
    """``n`` messages with what a real mailbox holds: UTF-8 and RFC 2047 names, replies
    to earlier (and later) messages, repeated Message-IDs near and far, messages with no
    From, no Date or a Date that does not parse, ``From `` lines in bodies (with and
    without a time), mboxrd quoting, CRLF line ends, empty bodies and header blocks,
    lists, long bodies."""
    rng = random.Random(seed)
    out = []
    ids: list[str] = []
    for i in range(n):
        crlf = rng.random() < 0.1
        who = rng.randrange(len(NAMES))
        addr = f"p{who}@acme.example"
        headers = []
        if rng.random() > 0.03:
            headers.append(f"From: {NAMES[who]} <{addr}>")
        r = rng.random()
        if r > 0.03:  # else no Date
            date = rng.choice(DATES).format(m=i % 60) if r > 0.06 else "not a date"
            headers.append(f"Date: {date}")
        to = rng.sample(range(len(NAMES)), rng.randrange(1, 4))
        headers.append("To: " + ", ".join(f"{NAMES[t]} <p{t}@acme.example>" for t in to))
        if rng.random() < 0.3:
            headers.append(f"Cc: =?utf-8?q?J=C3=BCrgen?= <p{rng.randrange(9)}@partner.example>")
        repeat = rng.random() < 0.05 and ids  # a repeat, near or far
        mid = rng.choice(ids) if repeat else f"m{i}.{seed}@acme.example"
        if rng.random() > 0.02:
            headers.append(f"Message-ID: <{mid}>")
        ids.append(mid)
        if ids and rng.random() < 0.4:
            parent = rng.choice(ids) if rng.random() < 0.9 else f"m{i + 5}.{seed}@acme.example"
            headers.append(f"In-Reply-To: <{parent}>")
            headers.append(f"References: <{rng.choice(ids)}> <{parent}>")
        if rng.random() < 0.2:
            headers.append("List-Id: Team <team.acme.example>")
            headers.append("List-Post: <mailto:team@acme.example>")
        if rng.random() < 0.05:
            headers.append("Auto-Submitted: auto-replied")
        headers.append("Subject: Grüße " + "x" * rng.randrange(0, 50))
        body = []
        for _ in range(rng.choice([0, 1, 3, 10, 60])):
            k = rng.random()
            if k < 0.05:
                body.append("From the desk of the CEO")  # no time: not a separator
            elif k < 0.08:
                body.append(">From 10:00 quoted, mboxrd")
            elif k < 0.1:
                body.append("")
            else:
                body.append("Lorem ipsum dolor sit amet, ünïcödé 日本語 " * rng.randrange(1, 4))
        if rng.random() < 0.02:
            headers = []  # an empty header block
        env = f"From {addr} Mon Sep  2 10:{i % 60:02d}:00 2024"
        nl = "\r\n" if crlf else "\n"
        out.append(nl.join([env, *headers, "", *body, ""]))
    return "\n".join(out).encode("utf-8")


def _read(
    tmp: Path, template: Path, mbox: Path, workers: int, *, burn: int = 0
) -> tuple[list, dict]:
    """Ingest ``mbox`` into a copy of ``template`` with ``workers`` (0: one process); the
    summary's lines and skipped counts in order, and every stored table in stored order.
    ``burn``: source ids drawn before (as an attempt rolled back draws one)."""
    to = tmp / f"ws{workers}"
    shutil.copytree(template, to)
    with gs.open(to) as ws:
        for _ in range(burn):
            ws.con.execute("SELECT nextval('source_seq')")
        s = email.ingest(ws, mbox)
        tables = {
            t: ws.con.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
            for t in ("messages", "interaction_rows", "channels", "person_keys")
        }
        tables["sources"] = ws.con.execute(
            "SELECT * EXCLUDE (ingested_at) FROM sources ORDER BY source_id"
        ).fetchall()
    return [s.lines(), list(s.skipped.items()), s.rows_read], tables


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers for any mbox, in pieces of 2,000 bytes, batches of 7 messages."""
    monkeypatch.setattr(pieces, "LARGE", 0)
    monkeypatch.setattr(pieces, "PIECE", 2_000)
    monkeypatch.setattr(email, "BATCH_MESSAGES", 7)


@pytest.mark.parametrize("content", [False, True])
def test_pieces_store_what_one_process_stores(
    tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch, content: bool
) -> None:
    mbox = tmp_path / "hostile.mbox"
    mbox.write_bytes(hostile_mbox(400, seed=3))
    template = tmp_path / "template"
    gs.init(template, store_content=content, identified=True).close()
    if content:  # batches cut by their bodies' bytes too
        monkeypatch.setattr(email, "BATCH_TEXT_BYTES", 3_000)
    cuts = pieces.starts(mbox, email.SEPARATOR, email.ENVELOPE_TIME)
    assert len(cuts) > 40  # many pieces, each starting where a message starts
    assert all(mbox.read_bytes()[a : a + 5] == b"From " for a in cuts[1:-1])
    monkeypatch.setattr(pieces, "WORKERS", 1)  # workers_for: none (below two)
    assert pieces.workers_for(mbox) == 0
    one = _read(tmp_path, template, mbox, 0)
    monkeypatch.setattr(pieces, "WORKERS", 2)
    assert pieces.workers_for(mbox) == 2
    two = _read(tmp_path, template, mbox, 2)
    assert one == two
    summary, tables = two
    skipped = dict(summary[1])
    # the input's hazards were met: repeats, messages skipped, replies stored
    assert skipped["duplicate Message-ID in the input"] > 5
    assert skipped["no From address"] and skipped["unparseable Date"] and skipped["no Date"]
    assert len(tables["messages"]) > 300


@pytest.mark.parametrize("look", [8, 13, 1 << 16])
def test_piece_starts_are_where_one_process_starts_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, look: int
) -> None:
    monkeypatch.setattr(pieces, "_LOOK", look)  # bytes read at a time, down to a few
    mbox = tmp_path / "m.mbox"
    data = hostile_mbox(200, seed=5)
    mbox.write_bytes(data)
    with mbox.open("rb") as fh:
        where = [int(r.where.rsplit(" ", 1)[1]) for r in email.split_mbox(fh, "m")]
    # a piece at every message
    starts = pieces.starts(mbox, email.SEPARATOR, email.ENVELOPE_TIME, piece=1)
    lines = [data.count(b"\n", 0, a) + 1 for a in starts[:-1]]
    assert lines == where


@pytest.mark.parametrize("bad", ["nul", "date", "cut"])
def test_bad_input_in_a_piece_gives_the_one_process_error(
    tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    data = hostile_mbox(300, seed=7)
    at = data.index(b"\nFrom ", len(data) // 2) + 1  # a message in a later piece
    if bad == "nul":
        data = data[:at] + data[at:].replace(b"To: ", b"To: \x00", 1)
    elif bad == "date":
        late = b"Date: Mon, 2 Sep 2999 10:00:00 +0000\nX-Old: "
        data = data[:at] + data[at:].replace(b"Date: ", late, 1)
    else:
        data = data[: data.index(b"\nSubject", at)]  # ends inside a header block
    mbox = tmp_path / "bad.mbox"
    mbox.write_bytes(data)
    errors = []
    for workers in (0, 2):
        monkeypatch.setattr(pieces, "WORKERS", workers or 1)
        ws_path = tmp_path / f"ws{workers}"
        with gs.init(ws_path) as ws:
            before = ws.con.execute("SELECT count(*) FROM messages").fetchall()
            with pytest.raises(InputError) as err:
                email.ingest(ws, mbox)
            errors.append(str(err.value))
            assert ws.con.execute("SELECT count(*) FROM messages").fetchall() == before
    assert errors[0] == errors[1]
    assert "bad.mbox" in errors[0] and "line" in errors[0]


def test_batches_cut_as_one_process_cuts() -> None:
    """Batches fed pieces, by hand: repeats dropped within a batch only, skipped
    messages counted in order, cuts at the batch size across pieces."""

    def piece(ids: list[str | None]) -> pieces.Piece:
        cols = Columns()
        norms, rows, reasons = [], [], []
        for mid in ids:
            if mid is None:
                rows.append(-1)
                reasons.append("no Date")
                continue
            rows.append(len(cols))
            k = len(cols)
            cols.raw_id.append(mid)
            cols.author.append("a@x")
            cols.ts.append(0.0)
            cols.is_bot.append(False)
            cols.list_id.append("")
            cols.parents.append([])
            cols.thread.append(mid)
            cols.text.append(None)
            cols.t_msg.append(k)
            cols.t_addr.append(f"to-{mid}@x")
            cols.t_kind.append("email_to")
            norms.append(mid.lower())
        return pieces.Piece(cols, norms, rows, reasons, None)

    from collections import Counter

    skipped: Counter[str] = Counter()
    b = pieces.Batches(3, 1 << 30, skipped)
    out = list(b.feed(piece(["A", "a", None, "B"])))  # "a" repeats "A"
    assert out == []
    out = list(b.feed(piece(["C", "D", "A", None, "E", "F"])))
    # "A" again in a new batch: kept here (the writer finds it stored)
    assert [c.raw_id for c in out] == [["A", "B", "C"], ["D", "A", "E"]]
    assert out[0].t_addr == ["to-A@x", "to-B@x", "to-C@x"]
    assert out[1].t_addr == ["to-D@x", "to-A@x", "to-E@x"] and out[1].t_msg == [0, 1, 2]
    rest = b.take()
    assert rest.raw_id == ["F"] and rest.t_msg == [0] and rest.t_addr == ["to-F@x"]
    assert list(skipped.items()) == [("duplicate Message-ID in the input", 1), ("no Date", 2)]


_DIE_AT: list[int] = []  # the start of the piece whose worker dies (see below)


def _dying_read_piece(task: pieces._Task) -> pieces.Piece | None:
    """pieces._read_piece, but the worker given the piece at _DIE_AT dies at once."""
    if task.start in _DIE_AT:
        os._exit(9)
    return _READ_PIECE(task)


_READ_PIECE = pieces._read_piece


def test_a_worker_that_dies_sends_the_file_back_to_one_process(
    tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed mid-way (the system's out-of-memory killer, say): the file is read
    again in one process, with the same rows as reading it there."""
    mbox = tmp_path / "m.mbox"
    mbox.write_bytes(hostile_mbox(200, seed=4))
    template = tmp_path / "template"
    gs.init(template).close()
    monkeypatch.setattr(pieces, "WORKERS", 1)
    # (the attempt with workers, rolled back, has drawn a source id: DuckDB's sequences are
    # not transactional, as when an ingest is read again under DuckDB's own memory limit)
    one = _read(tmp_path, template, mbox, 0, burn=1)
    _DIE_AT.append(pieces.starts(mbox, email.SEPARATOR, email.ENVELOPE_TIME)[5])
    monkeypatch.setattr(pieces, "_read_piece", _dying_read_piece)
    monkeypatch.setattr(pieces, "WORKERS", 2)
    again = []
    store = email._store

    def spy(*args: object) -> object:
        again.append(args[8] if len(args) > 8 else None)  # the workers asked for
        return store(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(email, "_store", spy)
    try:
        assert _read(tmp_path, template, mbox, 2) == one
    finally:
        _DIE_AT.clear()
    # by default, then with workers; the one-process read that follows drew the second
    # source id (the reference above drew one first), so the attempt with workers was
    # rolled back
    assert again == [None, 2]


def test_a_pool_broken_between_pieces_sends_the_file_back(tmp_path: Path) -> None:
    """The pool may learn that a worker died after a piece came back and before the next
    is asked for: asking is then refused, and the file goes back to one process too."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    mbox = tmp_path / "m.mbox"
    mbox.write_bytes(hostile_mbox(50, seed=2))
    with gs.init(tmp_path / "ws") as ws:
        bounds = email.common.date_bounds(ws.settings)
    reader = pieces.Reader(
        mbox,
        2,
        email.split_mbox,
        email.SEPARATOR,
        email.ENVELOPE_TIME,
        want_body=False,
        identified=False,
        bounds=bounds,
    )

    class Broken:
        def submit(self, *args: object) -> None:
            raise BrokenProcessPool("a worker died")

        def shutdown(self, **kwargs: object) -> None:
            pass

    done: Future = Future()
    done.set_result(pieces.Piece(Columns(), [], [], [], None))
    reader.pool = Broken()  # type: ignore[assignment]
    reader.ahead.append(done)
    reader.tasks = iter([object()])  # type: ignore[list-item]  # one more piece to ask for
    with pytest.raises(pieces.Again):
        list(reader)


def test_a_file_that_cannot_be_cut_is_read_in_one_process(
    tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file unreadable to the cutting (gone or its permissions changed since the
    ingest looked): no traceback, the file goes to one process, which reads it or names
    the problem in one line."""
    mbox = tmp_path / "m.mbox"
    mbox.write_bytes(hostile_mbox(60, seed=6))
    template = tmp_path / "template"
    gs.init(template).close()
    monkeypatch.setattr(pieces, "WORKERS", 1)
    one = _read(tmp_path, template, mbox, 0)

    def refused(*args: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pieces, "os", _OsWithout(refused))  # (pieces' os.open alone)
    monkeypatch.setattr(pieces, "WORKERS", 2)
    assert _read(tmp_path, template, mbox, 2) == one  # nothing was begun: no source id drawn


class _OsWithout:
    """The os module with another ``open``."""

    def __init__(self, open_: object) -> None:
        self.open = open_

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)
