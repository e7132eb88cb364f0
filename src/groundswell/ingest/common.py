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
from groundswell.ingest.datetimes import (
    BOUND_SETTINGS,
    DateBounds,
    Record,
    check_dates,
    date_bounds,
    date_error,
    parse_dates,
    record_at,
)
from groundswell.ingest.tables import (
    FIRST_DATA_LINE,
    locate,
    read_table,
    table_errors,
    unknown_file_type,
)

if TYPE_CHECKING:
    from groundswell.store import Store

#: This module's own names and those of :mod:`.tables` and :mod:`.datetimes` it re-exports.
__all__ = [
    "BOUND_SETTINGS",
    "FIRST_DATA_LINE",
    "DateBounds",
    "IngestSummary",
    "Record",
    "already_ingested",
    "check_dates",
    "columns_or_option",
    "date_bounds",
    "date_error",
    "earlier_ingest",
    "locate",
    "next_source_id",
    "or_none",
    "parse_dates",
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
