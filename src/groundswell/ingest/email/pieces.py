"""Reading a large mbox on every core (see :mod:`groundswell.ingest.email`).

The file is cut into pieces of about :data:`PIECE` bytes, each beginning where a message
begins as the one-process reader finds it (a ``From `` line with a time, after a blank
line). Worker processes, forked before the ingest's transaction opens, split and parse the
pieces' header blocks (:func:`~groundswell.ingest.email.split_mbox`, the header parser and
:func:`~groundswell.ingest.email.headers._collect`) and hand back plain columns; the
reader, in piece order, drops the repeated Message-IDs, cuts the messages into the same
batches as reading alone would (:data:`~groundswell.ingest.email.BATCH_MESSAGES` kept
messages, or :data:`~groundswell.ingest.email.BATCH_TEXT_BYTES` of bodies), counts what was
skipped in the same order, and writes each batch itself. So the rows stored, the summary and
its counts are those of reading in one process, while the parsing (about half of a
message's cost) runs beside the writing.

A piece with bad input makes the reader stop, roll everything back and read the file again
in one process: the same code then raises the same one ``error:`` line naming the file and
the line. So does a worker that dies (killed by the system for its memory, say). At most
``2 x workers`` pieces are read ahead of the writing, so memory does not grow with the file.
Workers are used for a single mbox file of :data:`LARGE` bytes or more on a POSIX system with
two idle cores or more (:func:`groundswell._cores.idle_cores`); :data:`WORKERS` fixes their
number (benchmarks, tests).
"""

from __future__ import annotations

import bisect
import collections
import itertools
import multiprocessing
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from groundswell._cores import idle_cores
from groundswell.errors import GroundswellError
from groundswell.ingest import common
from groundswell.ingest.email.headers import Columns, Raw, _collect

PIECE = 8 << 20  # bytes of mbox a worker reads in one task
LARGE = 64 << 20  # a smaller mbox is read in one process
WORKERS: int | None = None  # worker processes; None: as many as there are idle cores

_BOM = b"\xef\xbb\xbf"


class Again(Exception):
    """A piece held bad input, a worker died or the file could not be read: the file is to
    be read again in one process (which names what is wrong)."""


@dataclass
class Piece:
    """What a worker read of one piece: the messages kept (``cols``, repeats not dropped)
    with their ids as compared (``norms``); for each message read, in order, its row in
    ``cols`` or -1 when skipped (``rows``), why each skipped one was (``reasons``, in
    order) and, when bodies are kept, each one's body length or -1 for none (``bodies``)."""

    cols: Columns
    norms: list[str]
    rows: list[int]
    reasons: list[str]
    bodies: list[int] | None


def workers_for(path: Path) -> int:
    """How many workers should read ``path`` (0: read it in one process)."""
    if sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    try:
        if not path.is_file() or path.stat().st_size < LARGE:
            return 0
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return 0
    if not head.removeprefix(_BOM).startswith(b"From "):
        return 0  # a single message, or an mbox with a preamble: one process decides
    n = WORKERS or idle_cores()
    return n if n >= 2 else 0


def starts(
    path: Path, separator: re.Pattern[bytes], envelope: re.Pattern[bytes], piece: int | None = None
) -> list[int]:
    """Where the pieces of ``path`` begin (the first at 0), each the first message start
    at or after a multiple of ``piece`` bytes (default :data:`PIECE`), then the file's
    size; a message starts at a ``From `` line after a blank line (``separator``) that
    carries a time (``envelope``), as :func:`~groundswell.ingest.email.split_mbox` reads.
    Only the bytes around each cut are read (a mapping of the file would count every page
    it touched, and the kernel's read-ahead around them, in the reader's memory)."""
    piece = piece or PIECE
    size = path.stat().st_size
    out = [0]
    fd = os.open(path, os.O_RDONLY)
    try:
        at = piece
        while at < size:
            p = _next_start(fd, at, separator, envelope)
            if p is None:
                break
            if p > out[-1]:
                out.append(p)
            at = max(at + piece, p + 1)
    finally:
        os.close(fd)
    out.append(size)
    return out


_LOOK = 1 << 16  # bytes read at a time to find where a message starts


def _next_start(
    fd: int, at: int, separator: re.Pattern[bytes], envelope: re.Pattern[bytes]
) -> int | None:
    """The first position at or after ``at`` where a message begins in file ``fd``: a
    ``From `` line after a blank line whose line carries a time (as :func:`split_mbox`
    tells them)."""
    base = max(0, at - 3)  # (a blank line "\n\r\n" may end just before at)
    buf = os.pread(fd, _LOOK, base)
    pos = 0
    while True:
        m = separator.search(buf, pos)
        if m is None:  # read on, keeping the bytes a separator may begin with
            more = os.pread(fd, _LOOK, base + len(buf))
            if not more:
                return None
            keep = max(pos, len(buf) - 8)
            base, buf, pos = base + keep, buf[keep:] + more, 0
            continue
        nl = buf.find(b"\n", m.end())
        if nl < 0:  # its line is not whole: read on
            more = os.pread(fd, _LOOK, base + len(buf))
            if more:
                buf += more
                continue
            nl = len(buf)
        p = m.end() - 5
        if base + p >= at and envelope.search(buf, p, nl):
            return base + p
        pos = p


class _Window:
    """Bytes ``start`` to ``end`` of a file, read like a file from the start."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self.fd, self.at, self.end = fd, start, end

    def read(self, n: int = -1) -> bytes:
        n = self.end - self.at if n < 0 else min(n, self.end - self.at)
        data = os.pread(self.fd, n, self.at) if n > 0 else b""
        self.at += len(data)
        return data


#: split_mbox(file, name, want_body): the messages of an mbox as header blocks
Split = Callable[[IO[bytes], str, bool], Iterable[Raw]]


@dataclass
class _Task:
    split: Split
    path: str
    start: int
    end: int
    want_body: bool
    identified: bool
    bounds: common.DateBounds


def _read_piece(task: _Task) -> Piece | None:
    """In a worker: read one piece; None for bad input."""
    cols, norms, rows, reasons = Columns(), list[str](), list[int](), list[str]()
    bodies: list[int] | None = [] if task.want_body else None
    summary = common.IngestSummary(task.path, "email", None)  # (counted in the reader)
    try:
        fd = os.open(task.path, os.O_RDONLY)
    except OSError:
        return None  # gone or unreadable meanwhile: reading in one process says so
    try:
        window = _Window(fd, task.start, task.end)
        for raw in task.split(cast(IO[bytes], window), task.path, task.want_body):
            n = len(cols)
            reason = _collect(
                raw,
                cols,
                set(),
                summary,
                identified=task.identified,
                bounds=task.bounds,
                norms=norms,
            )
            if reason is None:
                rows.append(n)
            else:  # skipped: its reason kept, for the reader to count in order
                rows.append(-1)
                reasons.append(reason)
            if bodies is not None:
                bodies.append(-1 if raw.body is None else len(raw.body))
    except (GroundswellError, OSError):
        return None
    finally:
        os.close(fd)
    return Piece(cols, norms, rows, reasons, bodies)


class Reader:
    """The pieces of ``path`` read by ``workers`` forked processes with ``split`` (cut where
    ``separator`` and ``envelope`` say messages start: :func:`starts`), iterated in order
    (the workers are forked on entering, before the ingest's transaction opens, and stopped
    on leaving); iterating raises :class:`Again` at a piece with bad input, or when a worker
    died (killed, say, by the system for its memory)."""

    def __init__(
        self,
        path: Path,
        workers: int,
        split: Split,
        separator: re.Pattern[bytes],
        envelope: re.Pattern[bytes],
        *,
        want_body: bool,
        identified: bool,
        bounds: common.DateBounds,
    ) -> None:
        try:
            cuts = starts(path, separator, envelope)
        except OSError as exc:  # gone or unreadable meanwhile: reading in one process says so
            raise Again from exc
        self.tasks = iter(
            [
                _Task(split, str(path), a, b, want_body, identified, bounds)
                for a, b in itertools.pairwise(cuts)
            ]
        )
        self.workers = max(1, min(workers, len(cuts) - 1))
        self.pool: ProcessPoolExecutor | None = None
        self.ahead: collections.deque[Future[Piece | None]] = collections.deque()

    def __enter__(self) -> Reader:
        # (with fork, the executor starts every worker at the first task: here, before the
        # ingest's transaction opens)
        fork = multiprocessing.get_context("fork")
        self.pool = ProcessPoolExecutor(self.workers, mp_context=fork)
        self._submit(2 * self.workers)
        return self

    def _submit(self, n: int) -> None:
        assert self.pool is not None
        for task in itertools.islice(self.tasks, n):
            self.ahead.append(self.pool.submit(_read_piece, task))

    def __iter__(self) -> Iterator[Piece]:
        while self.ahead:
            try:
                piece = self.ahead.popleft().result()
                self._submit(1)  # (refused too, once the pool knows a worker died)
            except BrokenProcessPool as exc:
                raise Again from exc
            if piece is None:
                raise Again
            if not self.ahead:  # the last piece: the workers go before it is written
                self._stop()
            yield piece

    def _stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __exit__(self, *exc: object) -> None:
        self._stop()


class Batches:
    """The batches of the pieces fed, in order, as reading in one process cuts them: a batch
    ends once it holds ``size`` messages or its messages read (kept or not) hold
    ``text_bytes`` of bodies; a Message-ID seen earlier in the batch is a repeat (counted in
    ``skipped``, as every skipped message is, in the order read)."""

    def __init__(self, size: int, text_bytes: int, skipped: collections.Counter[str]) -> None:
        self.size, self.text_bytes, self.skipped = size, text_bytes, skipped
        self.parts: list[Columns] = []
        self.kept = 0
        self.bytes = 0
        self.seen: set[str] = set()

    def feed(self, piece: Piece) -> Iterator[Columns]:
        """The batches complete once ``piece`` is read."""
        cols, norms, seen, skipped = piece.cols, piece.norms, self.seen, self.skipped
        reasons = iter(piece.reasons)
        bodies = piece.bodies
        lo = hi = 0  # the piece's rows not yet in a batch part, up to the last one read
        dropped: list[int] = []
        for r, j in enumerate(piece.rows):
            if j < 0:
                skipped[next(reasons)] += 1
            else:
                hi = j + 1
                if norms[j] in seen:
                    skipped["duplicate Message-ID in the input"] += 1
                    dropped.append(j)
                else:
                    seen.add(norms[j])
                    self.kept += 1
            if bodies is not None and bodies[r] >= 0:
                self.bytes += bodies[r]
            if self.kept >= self.size or self.bytes >= self.text_bytes:
                self.parts.append(_part(cols, lo, hi, dropped))
                lo, dropped = hi, []
                yield self.take()
        hi = len(cols)
        if hi > lo:
            self.parts.append(_part(cols, lo, hi, dropped))

    def take(self) -> Columns:
        """The batch so far (then empty)."""
        out = _join(self.parts)
        self.parts, self.kept, self.bytes = [], 0, 0
        self.seen.clear()  # an earlier batch's ids are looked up in DuckDB
        return out


def _part(cols: Columns, lo: int, hi: int, dropped: list[int]) -> Columns:
    """Rows ``lo`` to ``hi`` of ``cols`` but ``dropped``, with their targets and names."""
    t0, t1 = bisect.bisect_left(cols.t_msg, lo), bisect.bisect_left(cols.t_msg, hi)
    n0, n1 = bisect.bisect_left(cols.n_msg, lo), bisect.bisect_left(cols.n_msg, hi)
    out = Columns(
        raw_id=cols.raw_id[lo:hi],
        author=cols.author[lo:hi],
        ts=cols.ts[lo:hi],
        is_bot=cols.is_bot[lo:hi],
        list_id=cols.list_id[lo:hi],
        parents=cols.parents[lo:hi],
        thread=cols.thread[lo:hi],
        text=cols.text[lo:hi],
        t_msg=[k - lo for k in cols.t_msg[t0:t1]],
        t_addr=cols.t_addr[t0:t1],
        t_kind=cols.t_kind[t0:t1],
        n_msg=[k - lo for k in cols.n_msg[n0:n1]],
        n_addr=cols.n_addr[n0:n1],
        n_raw=cols.n_raw[n0:n1],
    )
    if dropped:
        keep = [True] * (hi - lo)
        for j in dropped:
            keep[j - lo] = False
        out = out.take(keep)
    return out


def _join(parts: list[Columns]) -> Columns:
    """The parts' rows one after the other."""
    if len(parts) == 1:
        return parts[0]
    out = Columns()
    for p in parts:
        at = len(out)
        for name in ("raw_id", "author", "ts", "is_bot", "list_id", "parents", "thread", "text"):
            getattr(out, name).extend(getattr(p, name))
        out.t_msg.extend(k + at for k in p.t_msg)
        out.t_addr.extend(p.t_addr)
        out.t_kind.extend(p.t_kind)
        out.n_msg.extend(k + at for k in p.n_msg)
        out.n_addr.extend(p.n_addr)
        out.n_raw.extend(p.n_raw)
    return out
