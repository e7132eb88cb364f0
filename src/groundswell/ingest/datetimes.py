"""Dates in table files: parsing a column, and the bounds a date must lie within."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import date_formats
from groundswell.ingest.date_formats import DateFormat
from groundswell.ingest.tables import locate

if TYPE_CHECKING:
    from groundswell.config import Settings

__all__ = [
    "BOUND_SETTINGS",
    "DateBounds",
    "Record",
    "check_dates",
    "date_bounds",
    "date_error",
    "parse_dates",
    "read_dates",
    "record_at",
]


def parse_dates(
    path: Path,
    values: pd.Series,
    fieldname: str,
    *,
    utc_time: bool = False,
    bounds: DateBounds | None = None,
    first: int = 0,
    dayfirst: bool = True,
) -> pd.Series:
    """:func:`read_dates` without the decision: the dates alone."""
    return read_dates(
        path,
        values,
        fieldname,
        utc_time=utc_time,
        bounds=bounds,
        first=first,
        dayfirst=dayfirst,
    )[0]


def read_dates(
    path: Path,
    values: pd.Series,
    fieldname: str,
    *,
    utc_time: bool = False,
    bounds: DateBounds | None = None,
    first: int = 0,
    dayfirst: bool = True,
    decided: DateFormat | None = None,
) -> tuple[pd.Series, DateFormat | None]:
    """Read a column of dates or times, its format decided once from the whole column
    (:mod:`groundswell.ingest.date_formats`); empty means missing.

    Without ``utc_time`` the result is plain (no time zone): a value that names a zone is
    converted to UTC first, and a value without one is taken as it is. ``dayfirst`` reads a
    column of d/m/y dates that does not decide its order day first (the ``locale.dayfirst``
    setting); ``decided`` is the format decided from the batches of the file before this one.

    Raises InputError naming the first line whose value cannot be read, that contradicts the
    column's format, or (with ``bounds``, see :func:`check_dates`) whose date lies outside the
    bounds (without bounds: outside 1900 to 2200). ``first`` is the position in the file of
    the first value (for a file read in batches). Returns the dates and the format decided
    (None for a column without a value).
    """
    fmt, parsed = date_formats.read(
        path, values, fieldname, dayfirst=dayfirst, first=first, decided=decided
    )
    if utc_time:
        parsed = parsed.dt.tz_localize("UTC")
    text = values.astype("string").str.strip().fillna("")
    if bounds is not None:
        check_dates(parsed, bounds, record_at(path, fieldname, first), found=values)
        lost = (parsed.isna() & (text != "")).to_numpy()  # a time too far out to hold
        if lost.any():
            pos = int(np.flatnonzero(lost)[0])
            raise InputError(
                path,
                f"{fieldname} is outside the dates accepted",
                **locate(path, first + pos),
                expected=bounds.expected,
                found=values.iloc[pos],
            )
        return parsed, fmt
    lo, hi = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")
    if utc_time:
        lo, hi = lo.tz_localize("UTC"), hi.tz_localize("UTC")
    implausible = (parsed.notna() & ((parsed < lo) | (parsed >= hi))).to_numpy()
    implausible |= (parsed.isna() & (text != "")).to_numpy()
    if implausible.any():  # e.g. "24-03-01" = 24 AD
        pos = int(np.flatnonzero(implausible)[0])
        raise InputError(
            path,
            f"unparseable {fieldname}",
            **locate(path, first + pos),
            expected=("an ISO 8601 timestamp" if utc_time else "an ISO 8601 date")
            + " between 1900 and 2200"
            + (" such as 2024-03-31T09:15:00Z" if utc_time else " such as 2024-03-31"),
            found=values.iloc[pos],
        )
    return parsed, fmt


# -- date bounds ---------------------------------------------------------------------------------
#: The settings ([ingest] in groundswell.toml) that bound each kind of date: its earliest day
#: and how many days after now it may lie.
BOUND_SETTINGS = {
    "activity": ("earliest_date", "days_ahead"),  # messages, meetings, events, metrics, ...
    "planned": ("earliest_date", "planned_days_ahead"),  # meetings scheduled in a calendar
    "hr": ("earliest_hr_date", "planned_days_ahead"),  # hire and leave dates
}
#: The year of a date's text: leading (2024-03-31) or after day and month (31/3/2024).
_YEAR = re.compile(r"^\s*([+-]?\d{4,})(?=\D)|^\s*\d{1,2}[/.-]\d{1,2}[/.-](\d{4,})\b")


@dataclass(frozen=True)
class DateBounds:
    """The dates a reader accepts, both ends included, in UTC; made by :func:`date_bounds`.

    ``settings`` names the two settings that set them, for the error message.
    """

    earliest: pd.Timestamp
    latest: pd.Timestamp
    settings: tuple[str, str] = BOUND_SETTINGS["activity"]

    @property
    def expected(self) -> str:
        a, b = self.settings
        return (
            f"a date between {self.earliest:%Y-%m-%d} and {self.latest:%Y-%m-%d %H:%M} UTC "
            f"(settings ingest.{a} and ingest.{b})"
        )

    @property
    def seconds(self) -> tuple[float, float]:
        """The bounds in seconds since 1970, for readers that hold times as numbers."""
        return self.earliest.timestamp(), self.latest.timestamp()

    def outside(self, ts: Any) -> np.ndarray:
        """True where a time lies outside the bounds, never where it is missing.

        ``ts``: datetimes (a Series, an index, a list; naive ones are taken as UTC) or numbers
        of seconds since 1970.
        """
        arr = np.asarray(ts) if not isinstance(ts, pd.Series | pd.Index) else ts
        if getattr(arr, "dtype", None) is not None and arr.dtype.kind in "fiu":
            lo, hi = self.seconds
            sec = np.asarray(arr, dtype="float64")
            return (sec < lo) | (sec > hi)
        idx = pd.DatetimeIndex(pd.to_datetime(ts, utc=True))
        return np.asarray((idx < self.earliest) | (idx > self.latest), dtype=bool)

    def contains(self, seconds: float) -> bool:
        """Whether one time, in seconds since 1970, lies inside the bounds."""
        lo, hi = self.seconds
        return lo <= seconds <= hi


def date_bounds(
    settings: Settings,
    kind: Literal["activity", "planned", "hr"] = "activity",
    *,
    now: datetime | None = None,
) -> DateBounds:
    """The bounds of one kind of date (:data:`BOUND_SETTINGS`) from a workspace's settings:
    from the earliest day setting to ``now`` (default: the current time) plus the days ahead."""
    first, ahead = BOUND_SETTINGS[kind]
    raw = settings.raw["ingest"]
    earliest = pd.Timestamp(str(raw[first])).tz_localize("UTC")
    latest = pd.Timestamp(now or datetime.now(UTC)) + timedelta(days=int(raw[ahead]))
    latest = latest.tz_localize("UTC") if latest.tz is None else latest.tz_convert("UTC")
    return DateBounds(earliest, latest, (first, ahead))


@dataclass(frozen=True)
class Record:
    """Where a value sits, for an error: the file (or the place in an archive), what in it
    (a column, a JSON path, a header) and its line when it has one."""

    path: str | Path
    what: str
    line: int | None = None
    unit: str = "line"


def record_at(path: Path, what: str, first: int = 0) -> Callable[[int], Record]:
    """Where the value at position ``k`` of a column (``what``) of a table file is, for
    :func:`check_dates`, when the column's first value is the record at ``first``."""
    return lambda k: Record(path, what, **locate(path, first + k))


def date_error(bounds: DateBounds, record: Record, value: Any, found: Any = None) -> InputError:
    """The InputError for a date outside ``bounds``: the file, the record, the bounds
    expected and the value found (with the date it means when that is not plain in it).

    ``value`` is the time read: a datetime or seconds since 1970; ``found`` the text it was
    read from (else the time is shown).
    """
    if isinstance(value, int | float | np.integer | np.floating):
        late = float(value) > bounds.seconds[1]
        try:
            when = datetime.fromtimestamp(float(value), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        except (OverflowError, ValueError, OSError):
            when = None
    elif pd.isna(value):  # a date too far out for a timestamp: its text says which end
        m = _YEAR.match(str(found))
        late = m is not None and int(m.group(1) or m.group(2)) > bounds.latest.year
        when = None
    else:
        t = pd.Timestamp(value)
        t = t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")
        late = t > bounds.latest
        when = _utc_text(t)
    shown = found if found is not None and str(found).strip() else when
    if when and found is not None and str(found).strip() and when[:4] not in str(found):
        shown = f"{str(found).strip()} ({when})"
    end = "after the latest" if late else "before the earliest"
    return InputError(
        record.path,
        f"{record.what} is {end} date accepted" if record.what else f"a date {end} accepted",
        line=record.line,
        unit=record.unit,
        expected=bounds.expected,
        found=shown,
    )


def _utc_text(t: pd.Timestamp) -> str:
    """A UTC time as ``YYYY-MM-DD HH:MM:SS UTC``, even for a year strftime cannot write
    (before year 1, as a date outside the bounds may be): then from its parts."""
    try:
        return t.strftime("%Y-%m-%d %H:%M:%S UTC")
    except (NotImplementedError, ValueError, OverflowError):
        year = f"-{-t.year:04d}" if t.year < 0 else f"{t.year:04d}"
        return f"{year}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC"


def check_dates(
    ts: Any,
    bounds: DateBounds,
    record: Path | Callable[[int], Record],
    what: str = "date",
    *,
    found: Sequence[Any] | pd.Series | None = None,
    rows: np.ndarray | None = None,
) -> None:
    """Raise :func:`date_error` for the first time in ``ts`` outside ``bounds``.

    ``record`` is the file of a table (its line then named as :func:`locate` counts it,
    ``what`` naming the column) or a function from a position to its :class:`Record`.
    ``found`` holds the text each time was read from: a time that could not be held (NaT) but
    whose text starts with a year outside the bounds, such as 5138-11-16, is outside too.
    ``rows``, when given, marks the positions to check. Missing times are not checked.
    """
    bad = bounds.outside(ts)
    missing = (
        np.flatnonzero(np.asarray(pd.isna(ts), dtype=bool))
        if found is not None
        else np.array([], dtype=np.int64)
    )
    if len(missing):
        text = pd.Series(np.asarray(found, dtype=object)[missing]).astype("string")
        parts = text.str.extract(_YEAR)
        year = pd.to_numeric(parts[0].fillna(parts[1]), errors="coerce")
        far = (year < bounds.earliest.year) | (year > bounds.latest.year)
        bad[missing] |= far.fillna(False).to_numpy(dtype=bool)
    if rows is not None:
        bad = bad & rows
    if not bad.any():
        return
    k = int(np.flatnonzero(bad)[0])
    rec = record(k) if callable(record) else Record(record, what, **locate(record, k))
    raise date_error(bounds, rec, _at(ts, k), None if found is None else _at(found, k))


def _at(values: Any, k: int) -> Any:
    return values.iloc[k] if isinstance(values, pd.Series) else values[k]
