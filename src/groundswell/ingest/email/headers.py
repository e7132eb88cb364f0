"""Email header blocks to values: the wanted fields of a block, addresses, dates, message
ids, and one message's values collected into columns (see :mod:`groundswell.ingest.email`)."""

from __future__ import annotations

import base64
import binascii
import calendar as _calendar
import hashlib
import quopri
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_tz
from functools import lru_cache

from groundswell.ingest import common

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


MSGID = re.compile(r"<([^<>\s]+)>")


MUNGED = re.compile(r"([^\s@<>()\",;:]+) at ([^\s@<>()\",;:]+\.[^\s@<>()\",;:]+)")


BOT_LOCAL = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+.-]|$)")


MIN_YEAR, MAX_YEAR = 1, 9999  # a date outside the workspace's bounds is an error (_collect)


@dataclass
class Raw:
    """One message's headers as read: the values that matter, undecoded beyond text."""

    where: str
    headers: dict[str, list[str]]
    body: bytes | None = None


@dataclass
class Columns:
    """Accumulated per-message values of one batch of messages (plain lists: compact and
    fast to append); display names are decoded when the batch is written."""

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
    # display names as read (identified workspaces): message row, address, raw phrase
    n_msg: list[int] = field(default_factory=list)
    n_addr: list[str] = field(default_factory=list)
    n_raw: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.raw_id)

    def take(self, keep: list[bool]) -> Columns:
        """The messages where ``keep`` is true, with their targets and names."""
        new = [-1] * len(keep)
        out = Columns()
        for k, ok in enumerate(keep):
            if ok:
                new[k] = len(out.raw_id)
                for name in _MESSAGE_FIELDS:
                    getattr(out, name).append(getattr(self, name)[k])
        for k, addr, kind in zip(self.t_msg, self.t_addr, self.t_kind, strict=True):
            if new[k] >= 0:
                out.t_msg.append(new[k])
                out.t_addr.append(addr)
                out.t_kind.append(kind)
        for k, addr, raw in zip(self.n_msg, self.n_addr, self.n_raw, strict=True):
            if new[k] >= 0:
                out.n_msg.append(new[k])
                out.n_addr.append(addr)
                out.n_raw.append(raw)
        return out


_MESSAGE_FIELDS = ("raw_id", "author", "ts", "is_bot", "list_id", "parents", "thread", "text")


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


#: Parsed address headers and items kept (least recently used dropped): a full cache is a
#: few MB, reached within the first tens of thousands of messages, so the reader's memory
#: does not keep growing as it fills (65,536 header values held about 15 MB and took the
#: mbox benchmark's first 100,000 messages to fill).
ADDRESS_CACHE, ITEM_CACHE = 8192, 16384


@lru_cache(maxsize=ADDRESS_CACHE)
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


@lru_cache(maxsize=ITEM_CACHE)
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


def _skip(summary: common.IngestSummary, reason: str) -> str:
    """Count a message skipped for ``reason``; the reason."""
    summary.skipped[reason] += 1
    return reason


def _collect(
    raw: Raw,
    cols: Columns,
    seen_ids: set[str],
    summary: common.IngestSummary,
    *,
    identified: bool,
    bounds: common.DateBounds,
    norms: list[str] | None = None,
) -> str | None:
    """Add message ``raw`` to ``cols``, or count in ``summary`` why it is skipped and return
    that reason; a Message-ID in ``seen_ids`` is a repeat. With ``norms`` repeats are left to
    the caller: the message's id as compared (lower case) is appended there instead, and
    ``seen_ids`` is not used (see :mod:`groundswell.ingest.email.pieces`)."""
    h = raw.headers
    author = addresses(_first(h, "from"))
    if not author:
        return _skip(summary, "no From address")
    date = _first(h, "date")
    if not date.strip():
        return _skip(summary, "no Date")
    ts = parse_date(date)
    if ts is None:
        return _skip(summary, "unparseable Date")
    if not bounds.contains(ts):
        ids = msgids(_first(h, "message-id"))
        what = f"Date of message <{ids[0]}>" if ids else "Date"
        raise common.date_error(bounds, common.Record(raw.where, what), ts, date.strip())
    ids = msgids(_first(h, "message-id"))
    if ids:
        raw_id = ids[0]
    else:
        key = "\x1f".join(" ".join(h.get(k, [])) for k in ("from", "to", "cc", "date", "subject"))
        raw_id = "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    norm = raw_id.strip().lower()
    if norms is not None:
        norms.append(norm)
    elif norm in seen_ids:
        return _skip(summary, "duplicate Message-ID in the input")
    else:
        seen_ids.add(norm)
    name, addr = author[0]
    k = len(cols.raw_id)
    if identified and name:
        cols.n_msg.append(k)
        cols.n_addr.append(addr)
        cols.n_raw.append(name)
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
                    cols.n_msg.append(k)
                    cols.n_addr.append(taddr)
                    cols.n_raw.append(tname)
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
    return None


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
