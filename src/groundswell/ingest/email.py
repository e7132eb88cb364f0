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
                 unparseable: skipped "unparseable Date"
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

Robustness: the mbox splitter works on bytes, streaming (memory does not grow with the size
of the bodies): a message starts at a line beginning ``From `` that is the first line of the
file or follows a blank line and carries a time (``hh:mm``); ``>From`` lines are body text
(mboxo/mboxrd quoting). A file that does not start with a ``From `` line is read as one
message when it starts with a header. Headers are decoded as UTF-8, falling back to
Latin-1 for 8-bit bytes; RFC 2047 words with unknown charsets keep their raw form; the
pipermail munging ``user at domain`` is read as ``user@domain``.
"""

from __future__ import annotations

import base64
import binascii
import calendar as _calendar
import hashlib
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_tz
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.workspace import Workspace

KIND = "email"
CHUNK = 1 << 20
MAX_HEADER = 1 << 20  # a header block longer than this is cut (broken message)
MAX_TEXT = 64 << 10
WANTED = {
    "from", "to", "cc", "bcc", "date", "message-id", "in-reply-to", "references", "list-id",
    "list-post", "auto-submitted", "subject", "content-type", "content-transfer-encoding",
}  # fmt: skip
WANTED_BYTES = {w.encode() for w in WANTED}
HEADER_FIELD = re.compile(  # only the wanted fields: the engine skips the rest in C
    rb"^(" + b"|".join(re.escape(w) for w in sorted(WANTED_BYTES)) + rb")[ \t]*:"
    rb"([^\n]*(?:\n[ \t][^\n]*)*)",
    re.MULTILINE | re.IGNORECASE,
)
FOLD = re.compile(rb"\r?\n[ \t]*")
SEPARATOR = re.compile(rb"\n\r?\nFrom ")
HEADER_END = re.compile(rb"\r?\n\r?\n")
ENVELOPE_TIME = re.compile(rb"\d{1,2}:\d\d")
HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
MSGID = re.compile(r"<([^<>\s]+)>")
MUNGED = re.compile(r"([^\s@<>()\",;:]+) at ([^\s@<>()\",;:]+\.[^\s@<>()\",;:]+)")
BOT_LOCAL = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+.-]|$)")
MIN_YEAR, MAX_YEAR = 1971, 2200


@dataclass
class Raw:
    """One message's headers as read: the values that matter, undecoded beyond text."""

    where: str
    headers: dict[str, list[str]]
    body: bytes | None = None


@dataclass
class Columns:
    """Accumulated per-message values (plain lists: compact and fast to append)."""

    raw_id: list[str] = field(default_factory=list)
    author: list[str] = field(default_factory=list)
    ts: list[float] = field(default_factory=list)
    is_bot: list[bool] = field(default_factory=list)
    list_id: list[str] = field(default_factory=list)
    parents: list[list[str]] = field(default_factory=list)
    thread: list[str] = field(default_factory=list)
    text: list[str | None] = field(default_factory=list)
    t_msg: list[int] = field(default_factory=list)
    t_addr: list[str] = field(default_factory=list)
    t_kind: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def ingest(
    ws: Workspace, path: Path, *, progress: bool = False, dry_run: bool = False
) -> common.IngestSummary:
    """Load email headers into ``messages``, ``interactions``, ``channels`` (and ``people``
    when internal domains are set); one transaction. See the module docstring."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    domains = ws.settings.internal_domains
    options = {"internal_domains": sorted(domains)}
    with steps(4, enabled=progress) as bar:
        bar.step("checking")
        sha = batch.sha256_path(path)
        seen = common.already_ingested(ws, KIND, sha, options)
        if seen is not None:
            return common.IngestSummary(str(path), KIND, seen, already_ingested=True)
        summary = common.IngestSummary(str(path), KIND, None)
        bar.step("reading headers")
        cols = Columns()
        want_body = ws.store_content
        identified = ws.settings.identified
        seen_ids: set[str] = set()
        for raw in read_messages(path, summary, want_body=want_body):
            summary.rows_read += 1
            _collect(raw, cols, seen_ids, summary, identified=identified)
        summary.skipped = +summary.skipped
        addresses.cache_clear()
        _simple.cache_clear()
        bar.step("pseudonymising")
        out = _frames(ws, cols, domains, identified=identified)
        del cols, seen_ids
        bar.step("storing")
        return batch.write(ws, out, summary, sha, options, dry_run=dry_run)


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


def _read_file(f: Path, summary: common.IngestSummary, want_body: bool, *, strict: bool):
    try:
        with f.open("rb") as fh:
            head = fh.read(1024).removeprefix(b"\xef\xbb\xbf")
            fh.seek(0)
            if not head.strip():
                summary.warnings.append(f"{f.name}: empty file")
                return
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
            if nl < 0:
                return  # a lone envelope line at the end: nothing to read
            start = nl + 1
        line = s.line_at(pos)
        # the header block (an empty one when the envelope is followed by a blank line)
        empty = start > pos and (s.startswith(b"\n", start) or s.startswith(b"\r\n", start))
        at = start - 1 if empty else start
        m = s.search(HEADER_END, at)
        while m is None and s.end - start < MAX_HEADER and s.more(pos):
            m = s.search(HEADER_END, at)
        body_from = min(s.end, start + MAX_HEADER) if m is None else s.base + m.start()
        raw = Raw(f"{name}, line {line}", parse_header_block(s.get(start, body_from)))
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


def parse_header_block(block: bytes) -> dict[str, list[str]]:
    """The wanted headers of a header block, unfolded and decoded to text (never fails)."""
    out: dict[str, list[str]] = {}
    for m in HEADER_FIELD.finditer(block):
        value = m.group(2)
        if b"\n" in value:
            value = FOLD.sub(b" ", value)
        out.setdefault(m.group(1).lower().decode("ascii"), []).append(_text(value.strip()))
    return out


def _text(b: bytes) -> str:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


# ------------------------------------------------------------------------- headers to rows


SIMPLE_LIST = re.compile(r'^[^"()\\:;]*$')
SIMPLE_ADDR = re.compile(
    r"^\s*(?:([^<>]*?)\s*<\s*([^<>\s@]+@[^<>\s@]+)\s*>|([^<>\s@]+@[^<>\s@]+))\s*$"
)


@lru_cache(maxsize=65536)
def addresses(value: str) -> tuple[tuple[str, str], ...]:
    """(display name, lower-cased address) pairs of an address header; invalid ones dropped.

    Plain lists (no quotes, comments, groups) are split on commas; anything else goes through
    :func:`email.utils.getaddresses`.
    """
    if "@" not in value and " at " in value:
        value = MUNGED.sub(r"\1@\2", value)
    if SIMPLE_LIST.match(value):
        out = []
        for item in value.split(","):
            pair = _simple(item)
            if pair is None:
                break
            if pair[1]:
                out.append(pair)
        else:
            return tuple(out)
    try:
        pairs = getaddresses([value])
    except Exception:  # a broken header must not stop the ingest
        return ()
    return tuple(p for p in (_valid(n, a) for n, a in pairs) if p[1])


@lru_cache(maxsize=65536)
def _simple(item: str) -> tuple[str, str] | None:
    """One plain ``Name <addr>`` or ``addr`` item; ("", "") for an empty one; None if other."""
    if not item.strip():
        return ("", "")
    m = SIMPLE_ADDR.match(item)
    if m is None:
        return None
    return _valid(m.group(1) or "", m.group(2) or m.group(3))


def _valid(name: str, addr: str) -> tuple[str, str]:
    addr = addr.strip().strip(".").lower()
    local, _, domain = addr.rpartition("@")
    ok = local and "." in domain and " " not in addr
    return (name, addr) if ok else ("", "")


def display_name(raw: str) -> str:
    """An RFC 2047 phrase decoded; the raw text when a charset is unknown or broken."""
    try:
        return str(make_header(decode_header(raw))).strip().strip('"')
    except Exception:
        return raw.strip().strip('"')


def parse_date(value: str) -> float | None:
    """Seconds since the epoch (UTC) of an RFC 2822 date, or None."""
    try:
        t = parsedate_tz(value)
        if t is None or not MIN_YEAR <= t[0] <= MAX_YEAR:
            return None
        return float(_calendar.timegm(t[:6]) - (t[9] or 0))
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


def msgids(value: str) -> list[str]:
    ids = MSGID.findall(value)
    if not ids and value.strip() and " " not in value.strip():
        ids = [value.strip()]  # an id without angle brackets
    return ids


def _first(h: dict[str, list[str]], key: str) -> str:
    v = h.get(key)
    return v[0] if v else ""


def _collect(
    raw: Raw,
    cols: Columns,
    seen_ids: set[str],
    summary: common.IngestSummary,
    *,
    identified: bool,
) -> None:
    h = raw.headers
    author = addresses(_first(h, "from"))
    if not author:
        summary.skipped["no From address"] += 1
        return
    date = _first(h, "date")
    if not date.strip():
        summary.skipped["no Date"] += 1
        return
    ts = parse_date(date)
    if ts is None:
        summary.skipped["unparseable Date"] += 1
        return
    ids = msgids(_first(h, "message-id"))
    if ids:
        raw_id = ids[0]
    else:
        key = "\x1f".join(" ".join(h.get(k, [])) for k in ("from", "to", "cc", "date", "subject"))
        raw_id = "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    norm = raw_id.strip().lower()
    if norm in seen_ids:
        summary.skipped["duplicate Message-ID in the input"] += 1
        return
    seen_ids.add(norm)
    name, addr = author[0]
    k = len(cols.raw_id)
    if identified and name:
        cols.names.setdefault(addr, display_name(name))
    list_post = addresses(_first(h, "list-post").replace("mailto:", "").replace("MAILTO:", ""))
    exclude = {a for _, a in list_post}
    for header, kind in (("to", "email_to"), ("cc", "email_cc"), ("bcc", "email_cc")):
        for value in h.get(header, ()):
            for tname, taddr in addresses(value):
                if taddr in exclude or taddr == addr:
                    continue
                cols.t_msg.append(k)
                cols.t_addr.append(taddr)
                cols.t_kind.append(kind)
                if identified and tname:
                    cols.names.setdefault(taddr, display_name(tname))
    refs = [i for v in h.get("references", ()) for i in msgids(v)]
    irt = [i for v in h.get("in-reply-to", ()) for i in msgids(v)]
    cols.raw_id.append(raw_id)
    cols.author.append(addr)
    cols.ts.append(ts)
    auto = _first(h, "auto-submitted").strip().lower()
    cols.is_bot.append(bool(auto and auto != "no") or bool(BOT_LOCAL.match(addr)))
    lid = _first(h, "list-id")
    lid_m = MSGID.search(lid)
    cols.list_id.append((lid_m.group(1) if lid_m else lid).strip().lower())
    cols.parents.append(irt[:1] + refs[::-1])
    cols.thread.append(refs[0] if refs else (irt[0] if irt else raw_id))
    cols.text.append(_plain_text(h, raw.body) if raw.body is not None else None)


def _plain_text(h: dict[str, list[str]], body: bytes) -> str | None:
    """The text of a single-part text/plain body, else None."""
    ctype = _first(h, "content-type").lower()
    if ctype and not ctype.startswith("text/plain"):
        return None
    cte = _first(h, "content-transfer-encoding").strip().lower()
    body = body[:MAX_TEXT]
    try:
        if cte == "base64":
            body = base64.b64decode(body, validate=False)
        elif cte == "quoted-printable":
            body = quopri.decodestring(body)
    except (binascii.Error, ValueError):
        return None
    body = re.sub(rb"(?m)^>(>*From )", rb"\1", body)  # mboxrd unquoting
    m = re.search(r'charset="?([\w.:-]+)', ctype)
    try:
        return body.decode(m.group(1) if m else "utf-8")
    except (LookupError, UnicodeDecodeError):
        return body.decode("latin-1")


def is_internal(addrs: pd.Series, domains: list[str]) -> np.ndarray:
    """True where an address's domain is one of ``domains`` or a subdomain of one."""
    dom = addrs.str.rsplit("@", n=1).str[-1]
    hit = np.zeros(len(addrs), dtype=bool)
    for d in domains:
        hit |= ((dom == d) | dom.str.endswith("." + d)).to_numpy()
    return hit


def people_rows(
    ws: Workspace, addrs: pd.Series, domains: list[str], names: dict[str, str]
) -> pd.DataFrame | None:
    """People rows for addresses (None without internal domains); shared with calendar."""
    if not domains:
        return None
    addrs = pd.Series(addrs.unique(), dtype="string")
    return pd.DataFrame(
        {
            "person_id": ws.pseudonymiser.people(addrs),
            "display_name": [names.get(a) for a in addrs] if ws.settings.identified else None,
            "is_internal": is_internal(addrs, domains),
        }
    )


def _frames(ws: Workspace, c: Columns, domains: list[str], *, identified: bool) -> batch.Batch:
    pseudo = ws.pseudonymiser
    n = len(c.raw_id)
    msg_ids = pseudo.messages(c.raw_id) if n else np.array([], dtype=object)
    authors = pseudo.people(c.author) if n else np.array([], dtype=object)
    ts = pd.to_datetime(pd.Series(c.ts, dtype="float64"), unit="s", utc=True)
    list_id = np.array(c.list_id, dtype=object)
    has_list = list_id != ""
    channel = np.full(n, None, dtype=object)
    if has_list.any():
        channel[has_list] = pseudo.channels(["list:" + x for x in list_id[has_list]])
    parent_id, reply_to = _parents(ws, c, msg_ids, authors)
    messages = pd.DataFrame(
        {
            "message_id": msg_ids,
            "channel_id": channel,
            "thread_id": pseudo.messages(c.thread) if n else msg_ids,
            "parent_id": parent_id,
            "author_id": authors,
            "ts": ts.array,
            "kind": "email",
            "n_recipients": 0,
            "is_question": False,
            "is_bot": np.array(c.is_bot, dtype=bool),
            "text": c.text if ws.store_content else None,
        }
    )
    t_addr = pd.Series(c.t_addr, dtype="string")
    targets = pd.DataFrame(
        {
            "message_id": msg_ids[np.array(c.t_msg, dtype=np.int64)],
            "target_id": pseudo.people(t_addr) if len(t_addr) else np.array([], dtype=object),
            "kind": np.array(c.t_kind, dtype=object),
        }
    )
    has_parent = (reply_to != None) & (reply_to != authors)  # noqa: E711 - elementwise
    replies = pd.DataFrame(
        {"message_id": msg_ids[has_parent], "target_id": reply_to[has_parent], "kind": "reply"}
    )
    inter = batch.interactions(messages, pd.concat([targets, replies], ignore_index=True))
    channels = None
    if has_list.any():
        channels = (
            pd.DataFrame({"channel_id": channel, "name": list_id, "ts": ts})[has_list]
            .groupby("channel_id", as_index=False)
            .agg(name=("name", "first"), created_at=("ts", "min"))
            .assign(kind="list")
        )
    people = people_rows(
        ws, pd.concat([pd.Series(c.author), t_addr], ignore_index=True), domains, c.names
    )
    return batch.Batch(people=people, channels=channels, messages=messages, interactions=inter)


def _parents(
    ws: Workspace, c: Columns, msg_ids: np.ndarray, authors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """parent_id of every message, and the author a reply is addressed to (or None).

    The parent is the first candidate (In-Reply-To, then References from the last) whose
    message is in the input or the workspace; with none known, the In-Reply-To (else last
    References) id is kept as parent_id and no reply interaction is made.
    """
    n = len(c.raw_id)
    parent_id = np.full(n, None, dtype=object)
    reply_to = np.full(n, None, dtype=object)
    rows = [k for k in range(n) if c.parents[k]]
    if not rows:
        return parent_id, reply_to
    flat = [i for k in rows for i in c.parents[k]]
    pids = ws.pseudonymiser.messages(flat)
    known = dict(zip(msg_ids.tolist(), authors.tolist(), strict=True))
    unknown = sorted(set(pids.tolist()) - known.keys())
    if unknown:
        known.update(common.stored_authors(ws, unknown))
    j = 0
    for k in rows:
        cands = pids[j : j + len(c.parents[k])].tolist()
        j += len(cands)
        own = msg_ids[k]
        hit = next((p for p in cands if p != own and p in known), None)
        if hit is None:
            parent_id[k] = cands[0] if cands[0] != own else None
        else:
            parent_id[k], reply_to[k] = hit, known[hit]
    return parent_id, reply_to
