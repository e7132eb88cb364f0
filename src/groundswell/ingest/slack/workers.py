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
other work running (the one-minute load average, less this process). On a machine whose
cores are all busy a second process only adds its own cost (bench/slack.py on this project's
shared 2-core machine at a load of 10: two workers no faster than one process on a 1M-message
export, 15% slower with 24% more CPU on one of 651,753 small day files), so then, as with a
small export or where ``fork`` is not available, the reader reads every file itself.
:data:`WORKERS` fixes the number (benchmarks, tests).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from groundswell import privacy
from groundswell.errors import InputError

if TYPE_CHECKING:
    from groundswell.ingest.slack.messages import _Reader

SEGMENT = 8 << 20  # bytes of day-file JSON a worker reads in one task
SMALL = 32 << 20  # an export with fewer bytes of day files is read in one process
WORKERS: int | None = None  # worker processes; None: as many as there are idle cores
#: bytes in an export from which the compiled HMAC loop is loaded before the day files are
#: read (loading it costs about 0.5 s of CPU, which about 250,000 messages and threads repay:
#: about 150 MiB of Slack's JSON)
PRELOAD = 160 << 20

# what forked workers inherit: the reader and the segments (set just before the fork)
_READER: _Reader | None = None
_SEGMENTS: list[list[tuple[str, int]]] = []


@dataclass
class _Segment:
    """The packed result of one segment, with row numbers counted from its first message."""

    chunks: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    rows_read: int
    edited: int


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def idle_cores() -> int:
    """Usable cores that no other work is running on (at least one: this process's)."""
    cores = usable_cores()
    try:
        others = os.getloadavg()[0] - 1  # the load counts this process too
    except OSError:  # pragma: no cover - no load average
        return cores
    return max(1, min(cores, round(cores - others)))


def read_days(
    rd: _Reader,
    files: list[tuple[str, int]],
    *,
    workers: int | None = None,
    segment: int | None = None,
    small: int | None = None,
) -> None:
    """Read day files (name, conversation) into ``rd`` as ``rd.days(files)`` would, on
    ``workers`` processes (default :data:`WORKERS`, else :func:`idle_cores`) in segments
    of ``segment`` bytes (default :data:`SEGMENT`) when they hold ``small`` bytes or more
    (default :data:`SMALL`)."""
    workers = workers or WORKERS or idle_cores()
    segment = SEGMENT if segment is None else segment
    small = SMALL if small is None else small
    # the reader makes next to no reference cycles, and the collector's passes over the
    # export's directory and day-file list (a million objects for the largest exports) cost
    # more than they free; forked workers inherit the switch
    collecting = gc.isenabled()
    gc.disable()
    try:
        _read_days(rd, files, workers, segment, small)
    finally:
        if collecting:
            gc.enable()


def _read_days(
    rd: _Reader, files: list[tuple[str, int]], workers: int, segment: int, small: int
) -> None:
    if rd.ex.total_size() >= PRELOAD:
        # a large export: the compiled HMAC loop repays its loading, done here once (forked
        # workers share it, and use it for their segments, each too small to repay it)
        privacy.load_fast_hmac()
    sizes = [rd.ex.size(name) for name, _ in files] if workers > 1 else []
    if (
        workers < 2
        or sum(sizes) < small
        or sys.platform == "win32"
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        rd.days(files)
        return
    segments = _cut(files, sizes, segment)
    global _READER, _SEGMENTS
    _READER, _SEGMENTS = rd, segments
    try:
        ctx = multiprocessing.get_context("fork")
        pool = ctx.Pool(min(workers, len(segments)))
        try:
            for i, part in enumerate(pool.imap(_read_segment, range(len(segments)))):
                if part is None:  # bad input: read here, in order, for the same error
                    rd.days(segments[i])
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
        _READER, _SEGMENTS = None, []


def _cut(
    files: list[tuple[str, int]], sizes: list[int], segment: int
) -> list[list[tuple[str, int]]]:
    """The files in order, in runs of about ``segment`` bytes."""
    out: list[list[tuple[str, int]]] = []
    run: list[tuple[str, int]] = []
    size = 0
    for f, n in zip(files, sizes, strict=True):
        run.append(f)
        size += n
        if size >= segment:
            out.append(run)
            run, size = [], 0
    if run:
        out.append(run)
    return out


def _read_segment(i: int) -> _Segment | None:
    """In a worker: read segment ``i`` with a reader of its own; None for bad input."""
    assert _READER is not None
    rd = _READER.fresh()
    try:
        rd.days(_SEGMENTS[i])
        rd.flush()
    except InputError:
        return None
    return _Segment(rd.chunks, rd.targets, rd.summary.rows_read, rd.edited)
