"""VEVENTs to meeting instances: recurring series expanded (RRULE, EXDATE), overrides
(RECURRENCE-ID), cancellations and SEQUENCE applied (see :mod:`groundswell.ingest.calendar`)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from groundswell.ingest import common
from groundswell.ingest.calendar.parser import Context, Event, Prop, address, parse_time

NOT_PEOPLE = {"ROOM", "RESOURCE", "GROUP"}


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


def _check_time(ev: Event, prop: Prop, t: datetime, bounds: common.DateBounds) -> None:
    """A DTSTART or RECURRENCE-ID outside the planned bounds is an error naming the event."""
    if not bounds.contains(t.timestamp()):
        uid = ev.first("UID")
        what = f"{prop.name} of event {uid.value.strip()!r}" if uid else prop.name
        where = common.Record(ev.file, what, line=prop.line)
        raise common.date_error(bounds, where, t, prop.value.strip())


def _instances(
    events: list[Event],
    ctx: Context,
    summary: common.IngestSummary,
    *,
    expand: bool,
    max_occurrences: int,
    planned: common.DateBounds,
    held: common.DateBounds,
) -> Rows:
    """Meeting instances; a start outside ``planned`` is an error, instances after the end
    of ``held`` (not held yet) are skipped and counted."""
    skipped = summary.skipped
    rows = Rows()
    horizon = _horizon(events, ctx) if expand else None
    if horizon is not None:  # occurrences not held yet are skipped: no need to make them
        horizon = min(horizon, held.latest.to_pydatetime())
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
        _check_time(ev, start_p, start, planned)
        recur_p = ev.first("RECURRENCE-ID")
        recur = parse_time(recur_p, ctx) if recur_p else None
        if recur_p is not None and recur is None:
            skipped["unparseable RECURRENCE-ID"] += 1
            continue
        if recur_p is not None and recur is not None:
            _check_time(ev, recur_p, recur, planned)
        org_p = ev.first("ORGANIZER")
        org = address(org_p) if org_p else ""
        att = []
        seen = {org}  # a set: 45,000 attendees compared pairwise took minutes
        for a in ev.props.get("ATTENDEE", []):
            if a.params.get("CUTYPE", "").upper() in NOT_PEOPLE:
                continue
            addr = address(a)
            if not addr or addr in seen:
                continue
            seen.add(addr)
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
    until = held.latest.timestamp()
    for inst in best.values():
        if inst.cancelled or inst.ts is None:
            continue
        if inst.ts.timestamp() > until:
            skipped["meeting not held yet (after now + ingest.days_ahead)"] += 1
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
        out: list[datetime] = []
        for t in rs:
            if len(out) >= max_occurrences or (limit is not None and t > limit):
                break
            out.append(t)
        return out or [start]
    except (ValueError, TypeError, OverflowError, KeyError, IndexError):
        ctx.unexpanded += 1
        return [start]
