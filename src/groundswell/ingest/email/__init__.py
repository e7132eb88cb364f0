"""Email: mbox files and maildir folders, headers only.

A path may be an mbox file, a single message file (``.eml``), a maildir folder (``cur/``,
``new/``, ``tmp/``), or a folder holding any mix of these (searched recursively; files that
do not start like mail are skipped with a warning).

Read, per message (header block only; bodies are skipped unread):

===============  ==========================================================================
header           use
===============  ==========================================================================
From             the author (first address; lower-cased). No usable address: skipped.
To               one ``email_to`` interaction author -> each address
Cc, Bcc          one ``email_cc`` interaction author -> each address (a Bcc is a copy the
                 sender chose to send; it weighs as a Cc)
Date             RFC 2822 date, stored in UTC (no zone: UTC). Missing: skipped "no Date";
                 unparseable: skipped "unparseable Date"; outside the workspace's date
                 bounds (``ingest.earliest_date``, ``ingest.days_ahead``): an error naming
                 the file, line and Message-ID
Message-ID       the message id (pseudonymised). Missing: a keyed hash of From, To, Cc,
                 Date and Subject, so the same message in two files is one message.
                 A Message-ID seen twice in the input: skipped "duplicate Message-ID"
In-Reply-To,     the parent: the nearest id (In-Reply-To first, then References from the
References       last) whose message is in the input or already in the workspace; the
                 reply then also makes a ``reply`` interaction to the parent's author.
                 ``thread_id``: the first References id, else In-Reply-To, else its own id
List-Id          the message's channel (kind ``list``, named by the list id); the list's
                 own address (List-Post) is the channel, not a person, so it is no target
Auto-Submitted   any value but ``no`` marks the message ``is_bot``, as does a From address
                 such as mailer-daemon@, postmaster@, noreply@, bounces@
Subject          only hashed into the id of a message without Message-ID; never stored
===============  ==========================================================================

Everything else (Received, Reply-To, Sender, the body, attachments) is ignored. With
``store_content`` on, ``messages.text`` holds the body of a single-part ``text/plain``
message (quoted-printable or base64 decoded, first 64 KiB of the raw body); multipart and
other messages get no text.

People: with ``ingest.internal_domains`` set, every address gets a people row (added only
when the person is not known yet; an HR file wins) with ``is_internal`` true when its
domain is one of them or a subdomain, false for external people (customers, partners:
they stay in the network). With no internal domains, no people rows are written: every
address is a person of unknown standing, present in the interactions only. Display names
(From/To/Cc phrases, RFC 2047 decoded) are stored only when the workspace is identified.

Memory: messages are read, pseudonymised and written :data:`BATCH_MESSAGES` at a time (fewer
when ``store_content`` keeps large bodies), all in one transaction, so the reader's memory is
that of one batch plus what grows with the number of distinct people and lists (their
addresses, first display names and pseudonyms); a repeated Message-ID and a reply's parent
in another batch are looked up in the messages already written
(:mod:`groundswell.ingest.email.frames`). DuckDB's memory is held to
:data:`groundswell.ingest.batch.STREAM_MEMORY` while the transaction is open (what does
not fit is written out, inside the workspace folder), so memory stays flat as the input
grows; should DuckDB still run out under that budget (an operator it cannot spill, on a
large workspace), everything is rolled back and the file is read again under DuckDB's own
limit. An error anywhere, in the last message too, rolls back every batch: the workspace
is left as it was.

Cores: a single mbox file of :data:`~groundswell.ingest.email.pieces.LARGE` bytes or more is
cut into pieces where messages start, whose header blocks worker processes parse while this
process writes the batches (:mod:`groundswell.ingest.email.pieces`): the same batches, rows
and summary as reading it here; a piece with bad input sends the file back to be read here,
for the same one error line.

Robustness: the mbox splitter works on bytes, streaming (memory does not grow with the size
of the bodies): a message starts at a line beginning ``From `` that is the first line of the
file or follows a blank line and carries a time (``hh:mm``); ``>From`` lines are body text
(mboxo/mboxrd quoting). A file that does not start with a ``From `` line is read as one
message when it starts with a header -- unless it is named ``.mbox`` or ``.mbx``: such a
file has lost its separator lines (or its start) and is refused, as it would be read as one
message. Damaged input is an error naming the file and line: a NUL byte in a header block,
a file that ends inside a header block or a ``From `` line (cut short), an empty file, an
input with no message at all. Headers are decoded as UTF-8, falling back to
Latin-1 for 8-bit bytes; RFC 2047 words with unknown charsets keep their raw form; the
pipermail munging ``user at domain`` is read as ``user@domain``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from groundswell.errors import InputError
from groundswell.ingest import batch, common, damage
from groundswell.ingest.email import pieces
from groundswell.ingest.email.frames import Writer, is_internal, people_rows
from groundswell.ingest.email.headers import (
    MAX_TEXT,
    Columns,
    Raw,
    _collect,
    _simple,
    addresses,
    display_name,
    msgids,
    parse_date,
    parse_header_block,
)
from groundswell.progress import Once, Steps, steps

if TYPE_CHECKING:
    from groundswell.store import Store

# header parsing and frame building live in _email_headers and _email_frames; these names
# were defined here before the module was split
__all__ = [
    "BATCH_MESSAGES",
    "CHUNK",
    "KIND",
    "MAX_TEXT",
    "Columns",
    "Raw",
    "addresses",
    "display_name",
    "ingest",
    "is_internal",
    "msgids",
    "parse_date",
    "parse_header_block",
    "people_rows",
    "read_messages",
    "split_mbox",
]


KIND = "email"


#: Messages read before they are written (one batch): the reader's memory is that of one
#: batch, about 20 MB of headers and frames, whatever the size of the input.
BATCH_MESSAGES = 20_000


#: A batch is written earlier once the bodies it keeps (``store_content``) reach this size.
BATCH_TEXT_BYTES = 64 << 20


CHUNK = 1 << 20


MAX_HEADER = 1 << 20  # a header block longer than this is cut (broken message)


SEPARATOR = re.compile(rb"\n\r?\nFrom ")


MBOX_SUFFIXES = (".mbox", ".mbx")  # files that must be mbox, not one message


HEADER_END = re.compile(rb"\r?\n\r?\n")


ENVELOPE_TIME = re.compile(rb"\d{1,2}:\d\d")


HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")


def ingest(
    ws: Store, path: Path, *, progress: bool = False, dry_run: bool = False
) -> common.IngestSummary:
    """Load email headers into ``messages``, ``interactions``, ``channels`` (and ``people``
    when internal domains are set); one transaction, written :data:`BATCH_MESSAGES`
    messages at a time. See the module docstring."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    domains = ws.settings.internal_domains
    options = {"internal_domains": sorted(domains)}
    with steps(3, enabled=progress) as bar:
        bar.step("checking")
        sha = batch.sha256_path(path)
        if (seen := common.earlier_ingest(ws, KIND, path, sha, options)) is not None:
            return seen
        bar.step("reading and storing headers")
        last = Once(bar)  # the last step is shown once, even when the file is read again
        return batch.budgeted(
            lambda memory, threads: _store(ws, path, sha, options, dry_run, memory, threads, last),
            batch.STREAM_MEMORY,
            batch.STREAM_THREADS,
        )


def _store(
    ws: Store,
    path: Path,
    sha: str,
    options: dict[str, Any],
    dry_run: bool,
    memory: str | None,
    threads: int | None,
    bar: Steps,
    workers: int | None = None,
) -> common.IngestSummary:
    """Read ``path`` and store it in one transaction, DuckDB held to ``memory`` on
    ``threads``, its headers parsed by ``workers`` processes (0: by this one). By default a
    large mbox is parsed by worker processes (:mod:`.pieces`), unless one of its pieces
    holds bad input (or a worker dies): it is then read again in one process, which names
    the input's error."""
    if workers is None:
        workers = pieces.workers_for(path)
        if workers:
            try:
                return _store(ws, path, sha, options, dry_run, memory, threads, bar, workers)
            except pieces.Again:
                pass  # everything rolled back: read again in one process for the error's line
        workers = 0
    domains = ws.settings.internal_domains
    summary = common.IngestSummary(str(path), KIND, None)
    want_body = ws.store_content
    identified = ws.settings.identified
    bounds = common.date_bounds(ws.settings)
    try:
        with contextlib.ExitStack() as stack:
            parts = (
                stack.enter_context(
                    pieces.Reader(
                        path,
                        workers,
                        split_mbox,
                        SEPARATOR,
                        ENVELOPE_TIME,
                        want_body=want_body,
                        identified=identified,
                        bounds=bounds,
                    )
                )
                if workers
                else None
            )
            con = stack.enter_context(
                batch.writing(
                    ws,
                    summary,
                    sha,
                    options,
                    dry_run=dry_run,
                    memory=memory,
                    threads=threads,
                )
            )
            writer = Writer(ws, con, summary, domains, identified=identified)
            if parts is not None:
                batches = pieces.Batches(BATCH_MESSAGES, BATCH_TEXT_BYTES, summary.skipped)
                for piece in parts:
                    summary.rows_read += len(piece.rows)
                    for cols in batches.feed(piece):
                        writer.write(cols)
                writer.write(batches.take())
            else:
                cols, seen_ids, text_bytes = Columns(), set[str](), 0
                for raw in read_messages(path, summary, want_body=want_body):
                    summary.rows_read += 1
                    _collect(raw, cols, seen_ids, summary, identified=identified, bounds=bounds)
                    if raw.body is not None:
                        text_bytes += len(raw.body)
                    if len(cols) >= BATCH_MESSAGES or text_bytes >= BATCH_TEXT_BYTES:
                        writer.write(cols)
                        cols, text_bytes = Columns(), 0
                        seen_ids.clear()  # an earlier batch's ids are looked up in DuckDB
                writer.write(cols)
                del cols, seen_ids
            damage.require_records(
                path,
                summary.rows_read,
                what="mail message in the input",
                expected="an mbox file, a message file or a maildir holding at least one message",
            )
            bar.step("storing lists and people")
            writer.finish()
            summary.skipped = +summary.skipped
    finally:
        addresses.cache_clear()
        _simple.cache_clear()
    return summary


# ---------------------------------------------------------------------------- reading files


def read_messages(path: Path, summary: common.IngestSummary, *, want_body: bool) -> Iterator[Raw]:
    """Every message under ``path`` (mbox file, message file, maildir, folder of these)."""
    if path.is_file():
        yield from _read_file(path, summary, want_body, strict=True)
        return
    files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
    if not files:
        raise InputError(path, "the folder holds no files", expected="mbox files or a maildir")
    not_mail = 0
    for f in files:
        rel = f.relative_to(path).parts
        if len(rel) >= 2 and rel[-2] == "tmp" and (f.parent.parent / "cur").is_dir():
            continue  # maildir tmp/: messages still being delivered
        if not _looks_like_mail(f):
            not_mail += 1
            continue
        yield from _read_file(f, summary, want_body, strict=False)
    if not_mail:
        summary.warnings.append(f"{not_mail} file(s) in the folder are not mail; ignored")


def _hidden(p: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in p.relative_to(root).parts)


def _looks_like_mail(f: Path) -> bool:
    try:
        with f.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return False
    head = head.removeprefix(b"\xef\xbb\xbf")
    return head.startswith(b"From ") or bool(HEADER_LINE.match(head))


def _read_file(
    f: Path, summary: common.IngestSummary, want_body: bool, *, strict: bool
) -> Iterator[Raw]:
    try:
        with f.open("rb") as fh:
            head = fh.read(1024).removeprefix(b"\xef\xbb\xbf")
            fh.seek(0)
            if not head.strip():
                if strict:
                    raise InputError(f, "the file is empty", expected="mail messages")
                summary.warnings.append(f"{f.name}: empty file")
                return
            if f.suffix.lower() in MBOX_SUFFIXES and HEADER_LINE.match(head):
                raise InputError(
                    f,
                    "an mbox file that does not start with a 'From ' line: its messages "
                    "cannot be told apart (separator lines removed or the start cut off?)",
                    line=1,
                    expected="an mbox whose every message begins with a 'From ' line",
                    found=head.split(b"\n", 1)[0][:60].decode("latin-1"),
                )
            if not head.startswith(b"From ") and not HEADER_LINE.match(head):
                # not an mbox start: look for a first separator further on
                n = 0
                for raw in split_mbox(fh, str(f), want_body, skip_preamble=True):
                    n += 1
                    yield raw
                if n == 0 and strict:
                    raise InputError(
                        f,
                        "no mail message found",
                        line=1,
                        expected="an mbox file (messages after 'From ' lines) or a message "
                        "starting with headers such as 'From: ...'",
                        found=head[:40].decode("latin-1"),
                    )
                if n:
                    summary.skipped["text before the first 'From ' line"] += 1
                return
            yield from split_mbox(fh, str(f), want_body)
    except OSError as exc:
        raise InputError(f, f"cannot be read: {exc}") from exc


class _Stream:
    """A byte buffer over a file that grows by ``CHUNK`` and drops what is consumed.

    Offsets handed out are absolute (from the start of the file), so callers never adjust
    them when the buffer is compacted; ``line_at`` counts newlines incrementally.
    """

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.buf = fh.read(CHUNK)
        self.base = 0  # absolute offset of buf[0]
        self.eof = len(self.buf) < CHUNK
        self.line_pos, self.line_no = 0, 1  # absolute offset and line number there

    def more(self, keep_from: int) -> bool:
        """Read another chunk, dropping bytes before absolute offset ``keep_from``."""
        if self.eof:
            return False
        data = self.fh.read(CHUNK)
        self.eof = len(data) < CHUNK
        if keep_from > self.line_pos:
            self.line_at(keep_from)  # count the lines about to be dropped
        cut = max(0, keep_from - self.base)
        self.buf = self.buf[cut:] + data
        self.base += cut
        return bool(data)

    def search(self, pattern: re.Pattern[bytes], start: int) -> re.Match[bytes] | None:
        return pattern.search(self.buf, start - self.base)

    def find(self, sub: bytes, start: int) -> int:
        i = self.buf.find(sub, start - self.base)
        return i + self.base if i >= 0 else -1

    def startswith(self, sub: bytes, at: int) -> bool:
        return self.buf.startswith(sub, at - self.base)

    def get(self, a: int, b: int) -> bytes:
        return self.buf[a - self.base : b - self.base]

    @property
    def end(self) -> int:
        return self.base + len(self.buf)

    def line_at(self, pos: int) -> int:
        self.line_no += self.buf.count(b"\n", self.line_pos - self.base, pos - self.base)
        self.line_pos = pos
        return self.line_no


def split_mbox(
    fh: IO[bytes], name: str, want_body: bool = False, *, skip_preamble: bool = False
) -> Iterator[Raw]:
    """Stream the messages of an mbox (or of one message file) as header blocks.

    Reads ``CHUNK`` bytes at a time and keeps only the current message's header block (and,
    with ``want_body``, the first ``MAX_TEXT`` bytes of its body) in memory.
    """
    s = _Stream(fh)
    pos = 3 if s.buf.startswith(b"\xef\xbb\xbf") else 0
    if skip_preamble:
        m = s.search(SEPARATOR, 0)
        while m is None and s.more(max(0, s.end - 8)):
            m = s.search(SEPARATOR, max(0, s.end - CHUNK - 8))
        if m is None:
            return
        pos = s.base + m.end() - 5
    while True:
        # the envelope line, if any
        start = pos
        if s.startswith(b"From ", pos):
            nl = s.find(b"\n", pos)
            while nl < 0 and s.more(pos):
                nl = s.find(b"\n", pos)
            if nl < 0:  # the file ends inside the envelope line
                raise InputError(
                    name,
                    "the file ends inside the 'From ' line of a message: it is cut short "
                    "(truncated?)",
                    line=s.line_at(pos),
                    expected="a complete message after every 'From ' line",
                )
            start = nl + 1
        line = s.line_at(pos)
        # the header block (an empty one when the envelope is followed by a blank line)
        empty = start > pos and (s.startswith(b"\n", start) or s.startswith(b"\r\n", start))
        at = start - 1 if empty else start
        m = s.search(HEADER_END, at)
        while m is None and s.end - start < MAX_HEADER and s.more(pos):
            m = s.search(HEADER_END, at)
        body_from = min(s.end, start + MAX_HEADER) if m is None else s.base + m.start()
        block = s.get(start, body_from)
        damage.refuse_nul(name, block, first_line=line + (start > pos))
        if m is None and start > pos and s.end - start < MAX_HEADER:
            raise InputError(
                name,
                "the file ends inside the header block of this message: it is cut short "
                "(truncated?)",
                line=line,
                expected="a blank line after the headers of every message",
            )
        raw = Raw(f"{name}, line {line}", parse_header_block(block))
        # the body: up to the next separator
        search_from = body_from
        while True:
            m = s.search(SEPARATOR, search_from)
            if m is not None:
                sep = s.base + m.end() - 5
                nl = s.find(b"\n", sep)
                while nl < 0 and s.more(min(sep, body_from)):
                    nl = s.find(b"\n", sep)
                env = s.get(sep, nl if nl >= 0 else s.end)
                if ENVELOPE_TIME.search(env):
                    if want_body and raw.body is None:
                        raw.body = _body(s.get(body_from, min(sep, body_from + MAX_TEXT + 4)))
                    yield raw
                    pos = sep
                    break
                search_from = sep  # a "From " line in a body, not a separator
                continue
            if want_body and raw.body is None and s.end - body_from >= MAX_TEXT + 4:
                raw.body = _body(s.get(body_from, body_from + MAX_TEXT + 4))
            tail = max(search_from, s.end - 8)
            if not s.more(tail if raw.body is not None or not want_body else body_from):
                if want_body and raw.body is None:
                    raw.body = _body(s.get(body_from, s.end))
                yield raw
                return
            search_from = tail


def _body(b: bytes) -> bytes:
    return b.lstrip(b"\r\n")
