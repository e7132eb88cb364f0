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
                  unreadable: skipped "no DTSTART" / "unparseable DTSTART". A DTSTART or
                  RECURRENCE-ID outside ``ingest.earliest_date`` .. now +
                  ``ingest.planned_days_ahead`` is an error naming the file, line and UID;
                  an instance after now + ``ingest.days_ahead`` is not held yet: skipped
                  "meeting not held yet"
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
component, i.e. cut short), a NUL byte, an empty file and an input without any VEVENT raise
:class:`~groundswell.errors.InputError` naming the file and line; a content line without a
``:`` is ignored and counted in a warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from groundswell.errors import InputError
from groundswell.ingest import batch, common, damage
from groundswell.ingest.calendar.frames import _frames
from groundswell.ingest.calendar.instances import NOT_PEOPLE, Instance, Rows, _instances
from groundswell.ingest.calendar.parser import (
    DT,
    OFFSET,
    Context,
    Event,
    Prop,
    address,
    content_lines,
    parse_line,
    parse_time,
    read_events,
    zone,
)
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.store import Store

# the parser, the expansion into instances and frame building live in _ics_parser,
# _ics_instances and _ics_frames; these names were defined here before the module was split
__all__ = [
    "DT",
    "KIND",
    "NOT_PEOPLE",
    "OFFSET",
    "Context",
    "Event",
    "Instance",
    "Prop",
    "Rows",
    "address",
    "content_lines",
    "ingest",
    "parse_line",
    "parse_time",
    "read_events",
    "zone",
]


KIND = "calendar"


def ingest(
    ws: Store,
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
        if (seen := common.earlier_ingest(ws, KIND, path, sha, options)) is not None:
            return seen
        summary = common.IngestSummary(str(path), KIND, None)
        bar.step("reading events")
        ctx = Context()
        events = [ev for f in _files(path) for ev in read_events(f, ctx)]
        summary.rows_read = len(events)
        damage.require_records(
            path, len(events), what="VEVENT in the input", expected="at least one meeting"
        )
        rows = _instances(
            events,
            ctx,
            summary,
            expand=expand,
            max_occurrences=max_occurrences,
            planned=common.date_bounds(ws.settings, "planned"),
            held=common.date_bounds(ws.settings),
        )
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
        out = _frames(ws, rows, domains, summary.warnings)
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
