"""Calendar: iCalendar (RFC 5545) ``.ics`` files, or a folder of them (searched recursively).

Each VEVENT instance becomes one message of kind ``meeting`` in a channel of kind
``meeting`` (one per series, i.e. per UID), written by its organiser and addressed to its
attendees, with one ``meeting`` interaction organiser -> attendee. ``n_recipients`` is the
number of people invited, so a meeting above the broadcast threshold makes no tie.

Read, per VEVENT:

================  =========================================================================
property          use
================  =========================================================================
UID               the series; the message id is the UID, or UID + instance start for an
                  instance of a recurring series (RECURRENCE-ID or an RRULE occurrence).
                  No UID: a keyed hash of organiser, start and attendees
ORGANIZER         the author (``mailto:`` address, or the EMAIL parameter); none: skipped
                  "no ORGANIZER"
ATTENDEE          one target each (``mailto:`` or EMAIL). PARTSTAT=DECLINED: counted as
                  invited (in ``n_recipients``) but makes no tie; CUTYPE ROOM, RESOURCE or
                  GROUP: not a person, ignored; the organiser listed as attendee: ignored
DTSTART           the message time: UTC, or local time in its TZID (IANA names through
                  zoneinfo; others through the file's VTIMEZONE offset, else UTC with a
                  warning); floating times and all-day dates are taken as UTC. None or
                  unreadable: skipped "no DTSTART" / "unparseable DTSTART"
RRULE, EXDATE     a recurring series is expanded (python-dateutil) into one message per
                  occurrence (an open-ended rule, without COUNT or UNTIL, up to the latest
                  DTSTART/DTSTAMP in the input), at most
                  ``max_occurrences`` per series, EXDATEs left out; ``expand=False`` keeps
                  only the first instance. A rule dateutil cannot read: first instance only,
                  with a warning
RECURRENCE-ID     an overridden instance: replaces the generated occurrence it names
STATUS            CANCELLED: skipped "cancelled" (a cancelled override removes its instance);
                  METHOD:CANCEL on the calendar cancels every event in it
SEQUENCE          when one instance appears twice (e.g. in two people's exports), the highest
                  SEQUENCE wins; others are skipped "duplicate event in the input"
SUMMARY           stored as ``messages.text`` only when the workspace stores content
================  =========================================================================

Ignored: DTEND and DURATION (a meeting weighs 1 whatever its length: there is no column for
duration), DESCRIPTION, LOCATION, VALARM, VTODO, VJOURNAL, VFREEBUSY, attachments.

People rows and display names (the CN parameter) follow the email reader: rows only when
``ingest.internal_domains`` is set, ``is_internal`` by domain, names only when identified.

Structural faults (no BEGIN:VCALENDAR, an END that closes nothing, a file ending inside a
component) raise :class:`~groundswell.errors.InputError` naming the file and line; a content
line without a ``:`` is ignored and counted in a warning.
"""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common
from groundswell.ingest import email as email_reader
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.workspace import Workspace

KIND = "calendar"
NOT_PEOPLE = {"ROOM", "RESOURCE", "GROUP"}
DT = re.compile(r"^(\d{4})(\d\d)(\d\d)(?:T(\d\d)(\d\d)(\d\d)(Z?))?$")
OFFSET = re.compile(r"^([+-])(\d\d)(\d\d)(\d\d)?$")


@dataclass
class Prop:
    name: str
    params: dict[str, str]
    value: str
    line: int


@dataclass
class Event:
    """The properties of one VEVENT that matter."""

    line: int
    props: dict[str, list[Prop]] = field(default_factory=dict)
    cancelled_by_method: bool = False

    def first(self, name: str) -> Prop | None:
        v = self.props.get(name)
        return v[0] if v else None


@dataclass
class Context:
    """What the whole input shares: time zones defined in VTIMEZONE, counters."""

    tz_offsets: dict[str, tzinfo] = field(default_factory=dict)
    tz_unknown: Counter[str] = field(default_factory=Counter)
    bad_lines: int = 0
    unexpanded: int = 0


def ingest(
    ws: Workspace,
    path: Path,
    *,
    expand: bool = True,
    max_occurrences: int = 1000,
    progress: bool = False,
    dry_run: bool = False,
) -> common.IngestSummary:
    """Load meetings into ``messages``, ``interactions``, ``channels`` (and ``people`` when
    internal domains are set); one transaction. See the module docstring."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    domains = ws.settings.internal_domains
    options = {
        "internal_domains": sorted(domains),
        "expand": expand,
        "max_occurrences": max_occurrences,
    }
    with steps(4, enabled=progress) as bar:
        bar.step("checking")
        sha = batch.sha256_path(path)
        seen = common.already_ingested(ws, KIND, sha, options)
        if seen is not None:
            return common.IngestSummary(str(path), KIND, seen, already_ingested=True)
        summary = common.IngestSummary(str(path), KIND, None)
        bar.step("reading events")
        ctx = Context()
        events = [ev for f in _files(path) for ev in read_events(f, ctx)]
        summary.rows_read = len(events)
        rows = _instances(events, ctx, summary, expand=expand, max_occurrences=max_occurrences)
        if ctx.bad_lines:
            summary.warnings.append(f"{ctx.bad_lines} unreadable line(s) ignored")
        for tz, n in ctx.tz_unknown.items():
            summary.warnings.append(f"unknown time zone {tz!r}: {n} time(s) taken as UTC")
        if ctx.unexpanded:
            summary.warnings.append(
                f"{ctx.unexpanded} recurrence rule(s) not understood: first instance only"
            )
        summary.skipped = +summary.skipped
        bar.step("pseudonymising")
        out = _frames(ws, rows, domains)
        bar.step("storing")
        return batch.write(ws, out, summary, sha, options, dry_run=dry_run)


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() == ".ics" and not p.name.startswith(".")
    )
    if not files:
        raise InputError(path, "the folder holds no .ics file", expected="iCalendar files")
    return files


# --------------------------------------------------------------------------------- parsing


def content_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Unfolded content lines (RFC 5545 3.1) with the number of their first physical line."""
    try:
        with path.open("rb") as fh:
            cur: bytes | None = None
            start = 0
            for n, raw in enumerate(fh, 1):
                raw = raw.rstrip(b"\r\n")
                if n == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                if raw[:1] in (b" ", b"\t") and cur is not None:
                    cur += raw[1:]
                    continue
                if cur is not None:
                    yield start, _text(cur)
                cur, start = raw, n
            if cur is not None:
                yield start, _text(cur)
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc}") from exc


def _text(b: bytes) -> str:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def parse_line(text: str, line: int) -> Prop | None:
    """``NAME;P=V;Q="a:b":value`` -> Prop; None when there is no ``:`` outside quotes."""
    i, n, quoted = 0, len(text), False
    cut = []
    while i < n:
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in ";:":
            cut.append(i)
            if ch == ":":
                break
        i += 1
    if i >= n:
        return None
    head = [text[a + 1 : b] for a, b in zip([-1, *cut[:-1]], cut, strict=True)]
    params = {}
    for p in head[1:]:
        k, _, v = p.partition("=")
        params[k.strip().upper()] = v.strip().strip('"')
    return Prop(head[0].strip().upper(), params, text[i + 1 :], line)


def read_events(path: Path, ctx: Context) -> Iterator[Event]:
    """The VEVENTs of one file, structure checked; VTIMEZONE offsets go into ``ctx``."""
    stack: list[tuple[str, int]] = []
    event: Event | None = None
    method_cancel = False
    tz_id: str | None = None
    first = True
    for line, text in content_lines(path):
        if not text.strip():
            continue
        prop = parse_line(text, line)
        if first:
            first = False
            if prop is None or prop.name != "BEGIN" or prop.value.strip().upper() != "VCALENDAR":
                raise InputError(
                    path,
                    "not an iCalendar file",
                    line=line,
                    expected="BEGIN:VCALENDAR",
                    found=text[:40],
                )
        if prop is None:
            ctx.bad_lines += 1
            continue
        value = prop.value.strip().upper()
        if prop.name == "BEGIN":
            stack.append((value, line))
            if value == "VEVENT" and len(stack) == 2:
                event = Event(line, cancelled_by_method=method_cancel)
            elif value == "VCALENDAR":
                if len(stack) != 1:
                    raise InputError(path, "VCALENDAR inside another component", line=line)
                method_cancel = False
            continue
        if prop.name == "END":
            if not stack or stack[-1][0] != value:
                raise InputError(
                    path,
                    f"END:{value} closes nothing",
                    line=line,
                    expected=f"END:{stack[-1][0]}" if stack else "BEGIN:VCALENDAR",
                )
            stack.pop()
            if value == "VEVENT" and event is not None and len(stack) == 1:
                yield event
                event = None
            continue
        if not stack:
            ctx.bad_lines += 1
            continue
        top = stack[-1][0]
        if top == "VEVENT" and event is not None and len(stack) == 2:
            event.props.setdefault(prop.name, []).append(prop)
        elif top == "VCALENDAR" and prop.name == "METHOD":
            method_cancel = value == "CANCEL"
        elif top == "VTIMEZONE" and prop.name == "TZID":
            tz_id = prop.value.strip()
        elif top == "STANDARD" and prop.name == "TZOFFSETTO" and tz_id:
            m = OFFSET.match(prop.value.strip())
            if m and tz_id not in ctx.tz_offsets:
                sign = -1 if m.group(1) == "-" else 1
                delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
                ctx.tz_offsets[tz_id] = timezone(sign * delta)
    if stack:
        name, began = stack[-1]
        raise InputError(
            path,
            f"the file ends inside {name} begun at line {began} (truncated?)",
            expected=f"END:{name}",
        )


_ZONES: dict[str, tzinfo] = {}  # resolved TZIDs (IANA names only: VTIMEZONE ones vary)


def zone(tzid: str, ctx: Context) -> tzinfo | None:
    """A tzinfo for a TZID: IANA name, a path ending in one, or the VTIMEZONE offset."""
    if tzid in _ZONES:
        return _ZONES[tzid]
    found: tzinfo | None = None
    for cand in (tzid, "/".join(tzid.strip("/").split("/")[-2:]), tzid.strip("/").split("/")[-1]):
        try:
            found = zoneinfo.ZoneInfo(cand)
            break
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            continue
    if found is not None:
        _ZONES[tzid] = found
        return found
    return ctx.tz_offsets.get(tzid)


def parse_time(prop: Prop, ctx: Context, value: str | None = None) -> datetime | None:
    """An aware datetime (local to its TZID when it has one), or None if unreadable."""
    m = DT.match((value if value is not None else prop.value).strip())
    if m is None:
        return None
    y, mo, d, hh, mi, ss, z = m.groups()
    try:
        if hh is None:
            return datetime(int(y), int(mo), int(d), tzinfo=UTC)
        dt = datetime(int(y), int(mo), int(d), int(hh), int(mi), min(int(ss), 59))
    except ValueError:
        return None
    if z:
        return dt.replace(tzinfo=UTC)
    tzid = prop.params.get("TZID")
    if not tzid:
        return dt.replace(tzinfo=UTC)  # floating time: taken as UTC
    tz = zone(tzid, ctx)
    if tz is None:
        ctx.tz_unknown[tzid] += 1
        return dt.replace(tzinfo=UTC)
    return dt.replace(tzinfo=tz)


def address(prop: Prop) -> str:
    """The lower-cased email of an ORGANIZER / ATTENDEE, or ''."""
    v = prop.value.strip()
    if v.lower().startswith("mailto:"):
        v = v[7:]
    if "@" not in v:
        v = prop.params.get("EMAIL", "")
    v = v.strip().lower()
    local, _, domain = v.rpartition("@")
    return v if local and "." in domain and " " not in v else ""


# ------------------------------------------------------------------------------- instances


@dataclass
class Rows:
    raw_id: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    organiser: list[str] = field(default_factory=list)
    ts: list[datetime] = field(default_factory=list)
    attendees: list[int] = field(default_factory=list)  # index into lists
    text: list[str | None] = field(default_factory=list)
    lists: list[list[tuple[str, str]]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def _key(uid: str, t: datetime) -> str:
    return f"{uid}|{t.astimezone(UTC):%Y%m%dT%H%M%SZ}"


@dataclass
class Instance:
    key: str
    uid: str
    override: bool
    seq: int
    cancelled: bool
    organiser: str = ""
    ts: datetime | None = None
    attendees: int = -1


def _horizon(events: list[Event], ctx: Context) -> datetime | None:
    """The latest DTSTART or DTSTAMP in the input: how far open-ended series are expanded."""
    out = None
    for ev in events:
        for name in ("DTSTART", "DTSTAMP"):
            p = ev.first(name)
            t = parse_time(p, ctx) if p else None
            if t is not None and (out is None or t > out):
                out = t
    return out


def _instances(
    events: list[Event],
    ctx: Context,
    summary: common.IngestSummary,
    *,
    expand: bool,
    max_occurrences: int,
) -> Rows:
    skipped = summary.skipped
    rows = Rows()
    horizon = _horizon(events, ctx) if expand else None
    found: list[Instance] = []
    for ev in events:
        status = ev.first("STATUS")
        cancelled = ev.cancelled_by_method or (
            status is not None and status.value.strip().upper() == "CANCELLED"
        )
        start_p = ev.first("DTSTART")
        if start_p is None:
            skipped["no DTSTART"] += 1
            continue
        start = parse_time(start_p, ctx)
        if start is None:
            skipped["unparseable DTSTART"] += 1
            continue
        recur_p = ev.first("RECURRENCE-ID")
        recur = parse_time(recur_p, ctx) if recur_p else None
        if recur_p is not None and recur is None:
            skipped["unparseable RECURRENCE-ID"] += 1
            continue
        org_p = ev.first("ORGANIZER")
        org = address(org_p) if org_p else ""
        att = []
        for a in ev.props.get("ATTENDEE", []):
            if a.params.get("CUTYPE", "").upper() in NOT_PEOPLE:
                continue
            addr = address(a)
            if not addr or addr == org or any(addr == x for x, _ in att):
                continue
            declined = a.params.get("PARTSTAT", "").upper() == "DECLINED"
            att.append((addr, "post" if declined else "meeting"))
            if a.params.get("CN"):
                rows.names.setdefault(addr, a.params["CN"])
        uid_p = ev.first("UID")
        uid = uid_p.value.strip() if uid_p else ""
        if not uid:
            blob = "\x1f".join([org, start.isoformat(), *sorted(a for a, _ in att)])
            uid = "sha256:" + hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()
        seq_p = ev.first("SEQUENCE")
        seq = int(seq_p.value.strip()) if seq_p and seq_p.value.strip().isdigit() else 0
        if cancelled:
            skipped["cancelled"] += 1
            if recur is not None:  # removes the instance it overrides
                found.append(Instance(_key(uid, recur), uid, True, seq, True))
            continue
        if not org:
            skipped["no ORGANIZER"] += 1
            continue
        if org_p is not None and org_p.params.get("CN"):
            rows.names.setdefault(org, org_p.params["CN"])
        summ = ev.first("SUMMARY")
        rows.lists.append(att)
        rows.text.append(summ.value if summ else None)
        k = len(rows.lists) - 1
        rule = ev.first("RRULE")
        if recur is not None:
            found.append(Instance(_key(uid, recur), uid, True, seq, False, org, start, k))
        elif rule is not None:
            for t in _occurrences(ev, rule, start, ctx, horizon, expand, max_occurrences):
                found.append(Instance(_key(uid, t), uid, False, seq, False, org, t, k))
        else:
            found.append(Instance(uid, uid, False, seq, False, org, start, k))
    # per instance: an override beats a generated occurrence, then the highest SEQUENCE
    best: dict[str, Instance] = {}
    for inst in found:
        old = best.get(inst.key)
        if old is not None:
            if old.override == inst.override and not (old.cancelled or inst.cancelled):
                skipped["duplicate event in the input"] += 1
            if (inst.override, inst.seq) <= (old.override, old.seq):
                continue
        best[inst.key] = inst
    for inst in best.values():
        if inst.cancelled or inst.ts is None:
            continue
        rows.raw_id.append(inst.key)
        rows.series.append(inst.uid)
        rows.organiser.append(inst.organiser)
        rows.ts.append(inst.ts)
        rows.attendees.append(inst.attendees)
    return rows


def _occurrences(
    ev: Event,
    rule: Prop,
    start: datetime,
    ctx: Context,
    horizon: datetime | None,
    expand: bool,
    max_occurrences: int,
) -> list[datetime]:
    if not expand:
        return [start]
    from dateutil.rrule import rruleset, rrulestr

    try:
        rs = rruleset()
        rs.rrule(rrulestr(rule.value.strip(), dtstart=start))
        for ex in ev.props.get("EXDATE", []):
            for v in ex.value.split(","):
                t = parse_time(ex, ctx, v)
                if t is not None:
                    rs.exdate(t)
        bounded = re.search(r"(?i)\b(COUNT|UNTIL)=", rule.value) is not None
        limit = None if bounded else horizon
        out = []
        for t in rs:
            if len(out) >= max_occurrences or (limit is not None and t > limit):
                break
            out.append(t)
        return out or [start]
    except (ValueError, TypeError, OverflowError, KeyError, IndexError):
        ctx.unexpanded += 1
        return [start]


# --------------------------------------------------------------------------------- frames


def _frames(ws: Workspace, r: Rows, domains: list[str]) -> batch.Batch:
    pseudo = ws.pseudonymiser
    n = len(r.raw_id)
    msg_ids = pseudo.messages(r.raw_id) if n else np.array([], dtype=object)
    series = pseudo.channels(["meeting:" + u for u in r.series]) if n else msg_ids
    ts = pd.Series(
        pd.to_datetime([t.astimezone(UTC) for t in r.ts], utc=True)
        if n
        else pd.to_datetime([], utc=True)
    )
    messages = pd.DataFrame(
        {
            "message_id": msg_ids,
            "channel_id": series,
            "thread_id": None,
            "parent_id": None,
            "author_id": pseudo.people(r.organiser) if n else msg_ids,
            "ts": ts.array,
            "kind": "meeting",
            "n_recipients": 0,
            "is_question": False,
            "is_bot": False,
            "text": [r.text[k] for k in r.attendees] if ws.store_content else None,
        }
    )
    lists = pd.DataFrame(
        [(k, a, kind) for k, att in enumerate(r.lists) for a, kind in att],
        columns=["list", "addr", "kind"],
    )
    inst = pd.DataFrame({"message_id": msg_ids, "list": np.array(r.attendees, dtype=np.int64)})
    t = inst.merge(lists, on="list", how="inner")
    targets = pd.DataFrame(
        {
            "message_id": t["message_id"].to_numpy(),
            "target_id": pseudo.people(t["addr"]) if len(t) else np.array([], dtype=object),
            "kind": t["kind"].to_numpy(),
        }
    )
    inter = batch.interactions(messages, targets)
    channels = (
        pd.DataFrame({"channel_id": series, "ts": ts})
        .groupby("channel_id", as_index=False)
        .agg(created_at=("ts", "min"))
        .assign(name=None, kind="meeting")
    )
    used = lists[lists["list"].isin(set(r.attendees))]["addr"]
    people = email_reader.people_rows(
        ws, pd.concat([pd.Series(r.organiser, dtype="string"), used], ignore_index=True),
        domains, r.names,
    )  # fmt: skip
    return batch.Batch(people=people, channels=channels, messages=messages, interactions=inter)
