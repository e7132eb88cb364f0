"""What every reader shares: reading a table file, column mappings, provenance, the summary."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from groundswell.errors import InputError, MappingError
from groundswell.ingest import damage

if TYPE_CHECKING:
    from groundswell.config import Settings
    from groundswell.store import Store

#: First data line of a CSV as a text editor counts it (line 1 is the header).
FIRST_DATA_LINE = 2


@dataclass
class IngestSummary:
    """What one ingest read, added and skipped (and why)."""

    path: str
    kind: str
    source_id: int | None
    rows_read: int = 0
    people: int = 0
    messages: int = 0
    interactions: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    already_ingested: bool = False
    dry_run: bool = False
    metrics: int = 0
    adoptions: int = 0

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    def lines(self) -> list[str]:
        """The summary as the CLI prints it."""
        if self.already_ingested:
            return [f"{self.path}: already ingested (source {self.source_id}); nothing added."]
        verb = "would add" if self.dry_run else "->"
        out = [
            f"{self.path}: read {self.rows_read:,} rows {verb} {self.people:,} people, "
            f"{self.messages:,} messages, {self.interactions:,} interactions "
            + ("(dry run: nothing written)" if self.dry_run else f"(source {self.source_id})")
        ]
        if self.adoptions:
            out.append(f"{self.adoptions:,} adoptions")
        if self.metrics:
            out.append(f"{self.metrics:,} metric values (person or group figures)")
        if self.rows_skipped:
            out.append(f"skipped {self.rows_skipped:,} rows:")
            out += [f"  {n:,}  {why}" for why, n in self.skipped.most_common() if n]
        out += [f"warning: {w}" for w in self.warnings]
        return out


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_table(path: Path, *, notes: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file with every column as text (CSV) or as stored (Parquet).

    Raises InputError naming the file and line when the CSV is malformed, holds a NUL byte or
    is cut short in its last record (see :mod:`groundswell.ingest.damage`). A warning about
    the file (it may be cut short) is appended to ``notes`` when given.
    """
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a folder", expected="a .csv or .parquet file")
    suffix = path.suffix.lower()
    with table_errors(path):
        if suffix in (".parquet", ".pq"):
            df = pd.read_parquet(path)
            damage.check_utf8(path, df)
        elif suffix in (".csv", ".txt", ".tsv"):
            note = damage.check_csv_file(path, delimiter="\t" if suffix == ".tsv" else ",")
            if note is not None and notes is not None:
                notes.append(note)
            df = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                sep="\t" if suffix == ".tsv" else ",",
                encoding="utf-8-sig",
            )
        else:
            raise unknown_file_type(path)
    df.columns = [str(c).strip() for c in df.columns]
    return df


def unknown_file_type(path: Path) -> InputError:
    """The error for a table file that is neither CSV (or TSV) nor Parquet."""
    return InputError(
        path,
        "unknown file type",
        expected=".csv, .tsv or .parquet",
        found=path.suffix.lower() or "(no suffix)",
    )


@contextlib.contextmanager
def table_errors(path: Path) -> Iterator[None]:
    """Turn what pandas and Arrow raise on a malformed CSV or Parquet file into an InputError
    naming the file (and the line, when the parser names it)."""
    try:
        yield
    except InputError:
        raise
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputError(
            path,
            f"malformed CSV: {exc}".strip(),
            line=int(m.group(1)) if m else None,
            expected="the same number of comma-separated fields on every line",
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            path, f"not UTF-8 text at byte {exc.start}", expected="a UTF-8 encoded CSV"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(path, "the file is empty", expected="a header line") from exc
    except (OSError, ValueError) as exc:
        raise InputError(path, f"cannot be read: {exc}") from exc


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve_columns(
    path: Path,
    columns: list[str],
    canonical: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    mapping: dict[str, str] | None,
) -> dict[str, str]:
    """Decide which file column feeds each canonical field.

    ``canonical`` maps each field to the synonyms recognised without a mapping; an explicit
    ``mapping`` (canonical -> file column) wins. Returns canonical -> file column for the
    fields found; raises MappingError for a mapping to a missing column or a missing
    required field.
    """
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - set(canonical))
    if unknown:
        raise MappingError(
            path,
            f"the mapping names unknown fields {unknown}",
            expected=f"fields among {sorted(canonical)}",
        )
    by_squash = {_squash(c): c for c in columns}
    out: dict[str, str] = {}
    for fieldname, synonyms in canonical.items():
        if fieldname in mapping:
            col = mapping[fieldname]
            if col not in columns:
                raise MappingError(
                    path,
                    f"the mapping {fieldname}={col} names a column the file does not have",
                    expected=f"one of the columns {columns}",
                )
            out[fieldname] = col
            continue
        for cand in (fieldname, *synonyms):
            match = by_squash.get(_squash(cand))
            if match is not None and match not in out.values():
                out[fieldname] = match
                break
    missing = [f for f in required if f not in out]
    if missing:
        raise MappingError(
            path,
            f"no column for the required field(s) {missing}",
            expected=f"a column named like {missing[0]} or a mapping such as "
            f"--map {missing[0]}=YourColumn",
            found=columns,
        )
    return out


def columns_or_option(
    path: Path,
    columns: list[str],
    fields: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    mapping: dict[str, str],
    *,
    field: str,
    option: str | None,
) -> dict[str, str]:
    """:func:`resolve_columns` for a file whose ``field`` may come from a column or, for a file
    about one value only, from an option of the same name -- not both."""
    needed = tuple(r for r in required if not (r == field and option is not None))
    cols = resolve_columns(path, columns, fields, needed, mapping)
    if option is not None and field in cols:
        raise InputError(
            path,
            f"the {field} option is given but the file has a {field} column ({cols[field]!r})",
            expected=f"the {field} option only for a file without a {field} column",
        )
    return cols


def earlier_ingest(
    ws: Store, kind: str, path: str | Path, sha: str, options: dict[str, Any]
) -> IngestSummary | None:
    """The summary to return when this file (same kind, contents and options) was ingested
    before -- nothing is added twice -- or None when it is new."""
    seen = already_ingested(ws, kind, sha, options)
    if seen is None:
        return None
    return IngestSummary(str(path), kind, seen, already_ingested=True)


def already_ingested(ws: Store, kind: str, sha: str, options: dict[str, Any]) -> int | None:
    rows = ws.con.execute(
        "SELECT source_id FROM sources WHERE kind = ? AND sha256 = ? AND options = ?",
        [kind, sha, json.dumps(options, sort_keys=True)],
    ).fetchall()
    return int(rows[0][0]) if rows else None


def next_source_id(ws: Store) -> int:
    return int(ws.con.execute("SELECT nextval('source_seq')").fetchall()[0][0])


def record_source(ws: Store, summary: IngestSummary, sha: str, options: dict[str, Any]) -> None:
    """Insert the provenance row; called inside the ingest transaction, last."""
    ws.con.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            summary.source_id,
            summary.kind,
            summary.path,
            sha,
            json.dumps(options, sort_keys=True),
            summary.rows_read,
            summary.rows_skipped,
            json.dumps(dict(summary.skipped), sort_keys=True),
            summary.people,
            summary.messages,
            summary.interactions,
            datetime.now(UTC),
        ],
    )


def stored_authors(ws: Store, message_ids: list[str]) -> dict[str, str]:
    """Authors of messages already in the workspace (to address a reply whose parent came
    in an earlier ingest), by message id."""
    if not message_ids:
        return {}
    rows = ws.con.execute(
        "SELECT message_id, author_id FROM messages WHERE message_id IN "
        "(SELECT unnest(?::VARCHAR[]))",
        [list(message_ids)],
    ).fetchall()
    return dict(rows)


def locate(path: Path, pos: int) -> dict[str, Any]:
    """Where the record at 0-based position ``pos`` is, for an InputError: the line of a CSV
    as a text editor counts it (header = line 1), or the 1-based row of a Parquet file."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return {"line": pos + 1, "unit": "row"}
    return {"line": pos + FIRST_DATA_LINE, "unit": "line"}


def parse_dates(
    path: Path,
    values: pd.Series,
    fieldname: str,
    *,
    utc_time: bool = False,
    bounds: DateBounds | None = None,
    first: int = 0,
) -> pd.Series:
    """Parse ISO-8601-like dates or timestamps; empty means missing.

    Without ``utc_time`` the result is plain (no time zone): a value that names a zone is
    converted to UTC first, and a value without one is taken as it is.

    Raises InputError naming the first line whose value cannot be parsed, or (with ``bounds``,
    see :func:`check_dates`) whose date lies outside the bounds. ``first`` is the position in
    the file of the first value (for a file read in batches).
    """
    text = values.astype("string").str.strip()
    empty = text.isna() | (text == "")

    def parse(v: pd.Series) -> pd.Series:
        out = pd.to_datetime(v, errors="coerce", utc=True, format="mixed")
        return out if utc_time else out.dt.tz_localize(None)

    try:
        parsed = parse(text.where(~empty))
    except (ValueError, OverflowError):  # pandas raises out-of-range years despite "coerce"
        parsed = pd.Series(
            pd.NaT, index=text.index, dtype="datetime64[ns, UTC]" if utc_time else "datetime64[ns]"
        )
        for i in np.flatnonzero(~empty.to_numpy()):
            try:
                parsed.iloc[i] = parse(text.iloc[i : i + 1]).iloc[0]
            except (ValueError, OverflowError):
                parsed.iloc[i] = pd.NaT
    lo, hi = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")
    if utc_time:
        lo, hi = lo.tz_localize("UTC"), hi.tz_localize("UTC")
    implausible = parsed.notna() & ((parsed < lo) | (parsed >= hi))  # e.g. "24-03-01" = 24 AD
    parsed = parsed.where(~implausible).astype(
        "datetime64[ns, UTC]" if utc_time else "datetime64[ns]"
    )
    if bounds is not None:
        check_dates(parsed, bounds, record_at(path, fieldname, first), found=values)
    bad = parsed.isna() & ~empty
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            path,
            f"unparseable {fieldname}",
            **locate(path, first + pos),
            expected=("an ISO 8601 timestamp" if utc_time else "an ISO 8601 date")
            + (" between 1900 and 2200" if bounds is None else "")
            + (" such as 2024-03-31T09:15:00Z" if utc_time else " such as 2024-03-31"),
            found=values.iloc[pos],
        )
    return parsed


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


def text_column(df: pd.DataFrame, col: str | None) -> pd.Series:
    """A column as stripped text with '' for missing, or all '' when the column is absent."""
    if col is None:
        return pd.Series([""] * len(df), index=df.index, dtype="string")
    return df[col].astype("string").fillna("").str.strip()


_NONE = np.array(None, dtype=object)


def or_none(keep: Any, values: Any) -> np.ndarray:
    """``values`` where ``keep`` holds and None elsewhere, as an object array (a nullable
    column): ``np.where(keep, values, None)``, whose bare None numpy's type stubs refuse."""
    return np.where(keep, values, _NONE)
