"""The iCalendar (RFC 5545) parser: content lines unfolded, properties with their
parameters, VEVENTs with the structure checked, time zones and times, addresses (see
:mod:`groundswell.ingest.calendar`)."""

from __future__ import annotations

import re
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path

from groundswell.errors import InputError
from groundswell.ingest import damage

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
    file: str = ""  # the .ics file it is in, for errors

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
                if b"\x00" in raw:
                    damage.refuse_nul(path, raw, first_line=n)
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
                event = Event(line, cancelled_by_method=method_cancel, file=str(path))
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
    if first:
        raise InputError(path, "the file is empty", expected="BEGIN:VCALENDAR")
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
