"""What every reader shares: column mappings, provenance, the summary.

Reading a table file (its dialect and encoding) lives in :mod:`groundswell.ingest.tables`, and
dates (deciding a column's format, the bounds a date must lie within) in
:mod:`groundswell.ingest.datetimes`; their public names are also importable from here, as every
reader has used them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.errors import InputError, MappingError
from groundswell.ingest import damage, tables
from groundswell.ingest.date_formats import FAMILIES, DateFormat
from groundswell.ingest.datetimes import (
    BOUND_SETTINGS,
    DateBounds,
    Record,
    check_dates,
    date_bounds,
    date_error,
    parse_dates,
    read_dates,
    record_at,
)
from groundswell.ingest.tables import (
    FIRST_DATA_LINE,
    locate,
    read_table,
    separator_hint,
    table_errors,
    unknown_file_type,
)

if TYPE_CHECKING:
    from groundswell.config import Settings
    from groundswell.store import Store

#: This module's own names and those of :mod:`.tables` and :mod:`.datetimes` it re-exports.
__all__ = [
    "BOUND_SETTINGS",
    "FIRST_DATA_LINE",
    "DateBounds",
    "IngestSummary",
    "Opened",
    "Record",
    "already_ingested",
    "check_dates",
    "columns_or_option",
    "date_bounds",
    "date_error",
    "dated_column",
    "earlier_ingest",
    "locate",
    "next_source_id",
    "open_table",
    "or_none",
    "parse_dates",
    "read_lines",
    "read_table",
    "record_at",
    "record_source",
    "resolve_columns",
    "sha256_file",
    "stored_authors",
    "table_errors",
    "text_column",
    "unknown_file_type",
]


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
    outcomes: int = 0
    #: how the file was read (its dialect, each date column's format, a default kind): said
    #: in the summary and kept in the source's options under "read"
    read: dict[str, Any] = field(default_factory=dict)

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
        out += read_lines(self.read)
        if self.adoptions:
            out.append(f"{self.adoptions:,} adoptions")
        if self.outcomes:
            out.append(f"{self.outcomes:,} outcome figures")
        if self.metrics:
            out.append(f"{self.metrics:,} metric values (person or group figures)")
        if self.rows_skipped:
            out.append(f"skipped {self.rows_skipped:,} rows:")
            out += [f"  {n:,}  {why}" for why, n in self.skipped.most_common() if n]
        out += [f"warning: {w}" for w in self.warnings]
        return out


def read_lines(read: dict[str, Any]) -> list[str]:
    """How a file was read, as the summary says it: the dialect, each date column's format
    and why, and what an events file without a kind became."""
    out = [f"read as: {read['file']}"] if "file" in read else []
    for name, d in read.get("dates", {}).items():
        column = f" (column {d['column']!r})" if d.get("column") not in (None, name) else ""
        out.append(f"dates: {name}{column} read as {FAMILIES[d['format']]}, {d['why']}")
    if "kind" in read:
        out.append(f"kind: {read['kind']}")
    return out


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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
        hint = separator_hint(columns)
        raise MappingError(
            path,
            f"no column for the required field(s) {missing}" + (f"; {hint}" if hint else ""),
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
    """The source that holds this file with these options, if any: the options compared
    without what the reader decided while reading ("read"), which these match anyway."""
    rows = ws.con.execute(
        "SELECT source_id, options FROM sources WHERE kind = ? AND sha256 = ? ORDER BY 1",
        [kind, sha],
    ).fetchall()
    want = json.loads(json.dumps(options, sort_keys=True))
    for source_id, stored in rows:
        got = json.loads(stored)
        if isinstance(got, dict):
            got.pop("read", None)
        if got == want:
            return int(source_id)
    return None


def next_source_id(ws: Store) -> int:
    return int(ws.con.execute("SELECT nextval('source_seq')").fetchall()[0][0])


def record_source(ws: Store, summary: IngestSummary, sha: str, options: dict[str, Any]) -> None:
    """Insert the provenance row; called inside the ingest transaction, last. The options
    keep how the file was read (``summary.read``) under "read"."""
    stored = {**options, "read": summary.read} if summary.read else options
    ws.con.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            summary.source_id,
            summary.kind,
            summary.path,
            sha,
            json.dumps(stored, sort_keys=True),
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


# -- the shared path of the table readers (orgchart, survey, adoptions, viva) --------------------


@dataclass
class Opened:
    """A table file opened for ingest: its rows (indexed 0..n-1), the summary begun, its hash
    and the options that identify the ingest (with --delimiter and --encoding when given)."""

    df: pd.DataFrame
    summary: IngestSummary
    sha: str
    options: dict[str, Any]


def open_table(
    ws: Store,
    path: Path,
    kind: str,
    options: dict[str, Any],
    *,
    each: str,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Opened | IngestSummary:
    """Read a table file for a reader of ``kind``, refuse one with no rows (``each``: what a
    row is), and return the summary of the earlier ingest when the same file was ingested with
    the same options, else the file :class:`Opened` with its dialect in the summary."""
    given = {"delimiter": delimiter, "encoding": encoding}
    options = {**options, **{k: v for k, v in given.items() if v is not None}}
    sha = sha256_file(path) if path.is_file() else ""
    notes: list[str] = []  # warnings about the file itself
    table = tables.load(path, notes=notes, delimiter=delimiter, encoding=encoding)
    df = table.df.reset_index(drop=True)
    damage.require_rows(path, len(df), each=each)
    if (seen := earlier_ingest(ws, kind, path, sha, options)) is not None:
        return seen
    summary = IngestSummary(str(path), kind, None, rows_read=len(df), warnings=notes)
    summary.read["file"] = table.read_as
    summary.read.update(table.record)
    return Opened(df, summary, sha, options)


def dated_column(
    path: Path,
    values: pd.Series,
    fieldname: str,
    summary: IngestSummary,
    settings: Settings,
    *,
    bounds: DateBounds | None,
    utc_time: bool = True,
    needed: np.ndarray | None = None,
    default: pd.Timestamp | None = None,
    empty: tuple[str, str] = ("empty date", "a date on every row"),
    column: str | None = None,
    first: int = 0,
    decided: DateFormat | None = None,
) -> tuple[pd.Series, DateFormat | None]:
    """A column of dates read one way (:func:`~groundswell.ingest.datetimes.read_dates`,
    ``locale.dayfirst`` from ``settings``), its format written into ``summary.read``.

    ``needed`` marks the rows that must have a date: an empty one there takes ``default``, or
    without one is an InputError (``empty``: the problem and what was expected). Returns the
    dates (indexed 0..n-1) and the format decided.
    """
    ts, fmt = read_dates(
        path,
        values.reset_index(drop=True),
        fieldname,
        utc_time=utc_time,
        bounds=bounds,
        first=first,
        dayfirst=settings.dayfirst,
        decided=decided,
    )
    if fmt is not None and fmt is not decided:
        dates = summary.read.setdefault("dates", {})
        dates[fieldname] = {"column": column or str(values.name), **fmt.record()}
    missing = ts.isna().to_numpy()
    if needed is not None and (missing & needed).any() and default is None:
        k = int(np.flatnonzero(missing & needed)[0])
        raise InputError(path, empty[0], expected=empty[1], **locate(path, first + k))
    if default is not None and missing.any():
        ts = ts.where(~missing, default)
    return ts, fmt
