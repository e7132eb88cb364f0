"""Reading the day files of a Slack export on every core (see :mod:`groundswell.ingest.slack`).

The day files are cut, in their order, into segments of about :data:`SEGMENT` bytes of
JSON. Worker processes, forked from the reader once the layout is known (so they share the
open export, the conversations, the date bounds and the pseudonymisation key without
copying them), each read whole segments exactly as :meth:`_Reader.days` reads them alone:
parsing, mentions, reactions and the pseudonyms of message and thread ids. They hand back
the packed arrays of each segment, which the reader appends in segment order, shifting the
row numbers of mentions and reactions by the rows before the segment, so the rows, their
order and their ids are those of reading every file in one process.

A segment with bad input is read again by the reader itself, in order, after every segment
before it: the same code then raises the same one ``error:`` line naming the file and the
record, and nothing has been written (the workspace is only written once every file is read).

Workers are forked (POSIX only), as many as there are idle cores: the usable cores less the
other work running (the one-minute load average, less this process). On an idle 2-core
machine two workers read bench/slack.py's 1M-message export in 1.42x less wall time than one
process, and the 651,753 small day files of the synthetic 5,000-person export in 1.24x less;
on a machine whose cores are all busy a second process only adds its own cost (at a load of
10: no faster on the first, 15% slower with 24% more CPU on the second), so then, as with a
small export or where ``fork`` is not available, the reader reads every file itself.
:data:`WORKERS` fixes the number (benchmarks, tests).

What the workers are handed is arrays (:class:`_Files`), not the reader's Python objects:
a forked process that only reads an object writes its reference count, and so copies the
page holding it (see docs/performance.md, "Reading a Slack export", eighth round).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from groundswell import _loading, privacy
from groundswell._cores import idle_cores
from groundswell.errors import InputError
from groundswell.ingest.slack.archive import _DayFiles, _Export

if TYPE_CHECKING:
    from groundswell.ingest.slack.messages import _Reader

SEGMENT = 8 << 20  # bytes of day-file JSON a worker reads in one task
SMALL = 32 << 20  # an export with fewer bytes of day files is read in one process
WORKERS: int | None = None  # worker processes; None: as many as there are idle cores
#: bytes in an export from which the compiled HMAC loop is loaded before the day files are
#: read (loading it costs about 0.5 s of CPU, which about 250,000 messages and threads repay:
#: about 150 MiB of Slack's JSON)
PRELOAD = 160 << 20
#: a zip of this many bytes or more (Slack's JSON packs about 2.4x: 686 MB in a 288 MB zip
#: for the synthetic 5,000-person export) starts that loading at once (:func:`preload_zip`)
PRELOAD_ZIP = 64 << 20

# what forked workers inherit: the reader and the day files (set just before the fork)
_READER: _Reader | None = None
_FILES: _Files | None = None


@dataclass
class _Files:
    """The day files of a read and their segments as a few arrays, not Python objects: a
    forked worker that so much as reads one of the reader's objects writes its reference
    count, which copies the page holding it into the worker; reading the files' names,
    their (name, conversation) pairs and the directory's row numbers one by one copied
    most of their pages into each worker (about 100 MiB each on an export of 651,753 day
    files). A worker makes its own names from the files' text."""

    files: _DayFiles  # the day files, with their directory rows in a zip
    bounds: np.ndarray  # int64: the first file of each segment, then the number of files

    @classmethod
    def of(
        cls, files: Sequence[tuple[str, int]], rows: np.ndarray | None, bounds: list[int]
    ) -> _Files:
        """Files (name, conversation) at directory ``rows`` (or None), cut at ``bounds``."""
        if isinstance(files, _DayFiles):  # arrays already (a new holder: files is emptied)
            days = _DayFiles(files.text, files.starts, files.ends, files.conv, rows)
        else:
            days = _DayFiles.of(files, rows)
        return cls(days, np.asarray(bounds, dtype=np.int64))

    def segment(self, i: int) -> tuple[list[tuple[str, int]], np.ndarray | None]:
        """Segment ``i``'s files (name, conversation), as new objects, and their rows."""
        part = self.files.part(int(self.bounds[i]), int(self.bounds[i + 1]))
        return list(zip(part.names(), part.conv.tolist(), strict=True)), part.rows


@dataclass
class _Segment:
    """The packed result of one segment, with row numbers counted from its first message."""

    chunks: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    rows_read: int
    edited: int


def read_days(
    rd: _Reader,
    files: Sequence[tuple[str, int]],
    *,
    workers: int | None = None,
    segment: int | None = None,
    small: int | None = None,
) -> None:
    """Read day files (name, conversation) into ``rd`` as ``rd.days(files)`` would, on
    ``workers`` processes (default :data:`WORKERS`, else :func:`idle_cores`) in segments
    of ``segment`` bytes (default :data:`SEGMENT`) when they hold ``small`` bytes or more
    (default :data:`SMALL`). Read by workers, ``files`` is emptied, and ``rd``'s export
    keeps no names (see :meth:`~groundswell.ingest.slack.archive._Export.forget_names`)."""
    workers = workers or WORKERS or idle_cores()
    segment = SEGMENT if segment is None else segment
    small = SMALL if small is None else small
    # the reader makes next to no reference cycles, and the collector's passes over the
    # export's directory and day-file list (a million objects for the largest exports) cost
    # more than they free; forked workers inherit the switch
    with _loading.paused():
        _read_days(rd, files, workers, segment, small)


def preload(ex: _Export) -> threading.Thread | None:
    """For an export of :data:`PRELOAD` bytes or more, a thread (started) loading the
    compiled HMAC loop, as :func:`read_days` would before reading (join it before: it
    forks), while the reader finds the layout; else None."""
    return None if ex.total_size() < PRELOAD else _loading_thread()


def preload_zip(path: Path) -> threading.Thread | None:
    """For a zip of :data:`PRELOAD_ZIP` bytes or more, a thread (started) loading the
    compiled HMAC loop from the start, while the zip's directory is read (its own size is
    known before the directory is: the unpacked size :func:`preload` goes by is not); else
    None."""
    try:
        if not path.is_file() or path.stat().st_size < PRELOAD_ZIP:
            return None
    except OSError:
        return None
    return _loading_thread()


def _loading_thread() -> threading.Thread:
    thread = threading.Thread(target=_load, name="groundswell-hmac-load", daemon=True)
    thread.start()
    return thread


def _load() -> None:
    with contextlib.suppress(Exception):  # read_days loads it again, and says what failed
        privacy.load_fast_hmac()


def _read_days(
    rd: _Reader, files: Sequence[tuple[str, int]], workers: int, segment: int, small: int
) -> None:
    if rd.ex.total_size() >= PRELOAD:
        # a large export: the compiled HMAC loop repays its loading, done here once (forked
        # workers share it, and use it for their segments, each too small to repay it)
        privacy.load_fast_hmac()
    if workers < 2:
        rd.days(files)
        return
    if isinstance(files, _DayFiles) and files.rows is not None:  # a zip's, as arrays
        names: list[str] | None = None
        rows: np.ndarray | None = files.rows
        sizes = rd.ex.sizes_at(files.rows)
    else:
        names = [name for name, _ in files]
        rows = rd.ex.rows(names)
        sizes = rd.ex.sizes(names, rows)
    if (
        int(sizes.sum()) < small
        or not files
        or sys.platform == "win32"
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        rd.days(files)
        return
    bounds = _cut(sizes, segment)
    del sizes, names
    parts = _Files.of(files, rows, bounds)
    del rows
    rd.heads()  # made here once, for the workers to share
    global _READER, _FILES
    _READER, _FILES = rd, parts
    # the files as Python objects, the export's names and its directory's name index are
    # let go of before the fork (the reader's heap at the fork 419 -> 282 MiB on an export of
    # 651,753 day files); the reader reads a bad segment from the arrays too
    if isinstance(files, list | _DayFiles):
        files.clear()
    rd.ex.forget_names()
    try:
        ctx = multiprocessing.get_context("fork")
        pool = ctx.Pool(min(workers, len(bounds) - 1))
        try:
            for i, part in enumerate(pool.imap(_read_segment, range(len(bounds) - 1))):
                if part is None:  # bad input: read here, in order, for the same error
                    again, rows = parts.segment(i)
                    rd.ex.expect([name for name, _ in again], rows)
                    rd.days(again)
                    rd.flush()
                    continue
                rd.append(part.chunks, part.targets, part.rows_read, part.edited)
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    finally:
        _READER, _FILES = None, None


def _cut(sizes: np.ndarray, segment: int) -> list[int]:
    """The first file of each run of about ``segment`` bytes of files of ``sizes``, in
    order, then the number of files: a run ends with the file that brings it to
    ``segment`` bytes or more."""
    n = len(sizes)
    total = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=total[1:])  # total[j]: the bytes of the files before file j
    bounds = [0]
    while bounds[-1] < n:
        a = bounds[-1]
        j = max(int(np.searchsorted(total, total[a] + segment, side="left")), a + 1)
        if j > n:
            break
        bounds.append(j)
    if bounds[-1] != n:
        bounds.append(n)
    return bounds


def _read_segment(i: int) -> _Segment | None:
    """In a worker: read segment ``i`` with a reader of its own; None for bad input."""
    assert _READER is not None and _FILES is not None
    files, rows = _FILES.segment(i)
    rd = _READER.fresh()
    rd.ex.expect([name for name, _ in files], rows)
    try:
        rd.days(files)
        rd.flush()
    except InputError:
        return None
    return _Segment(rd.chunks, rd.targets, rd.summary.rows_read, rd.edited)
