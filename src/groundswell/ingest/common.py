"""What every reader shares: reading a table file, column mappings, provenance, the summary."""

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

if TYPE_CHECKING:
    from groundswell.workspace import Workspace

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


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file with every column as text (CSV) or as stored (Parquet).

    Raises InputError naming the file and line when the CSV is malformed.
    """
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a folder", expected="a .csv or .parquet file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            df = pd.read_parquet(path)
        elif suffix in (".csv", ".txt", ".tsv"):
            df = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                sep="\t" if suffix == ".tsv" else ",",
                encoding="utf-8-sig",
            )
        else:
            raise InputError(
                path,
                "unknown file type",
                expected=".csv, .tsv or .parquet",
                found=suffix or "(no suffix)",
            )
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
    df.columns = [str(c).strip() for c in df.columns]
    return df


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
            col = by_squash.get(_squash(cand))
            if col is not None and col not in out.values():
                out[fieldname] = col
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
    ws: Workspace, kind: str, path: str | Path, sha: str, options: dict[str, Any]
) -> IngestSummary | None:
    """The summary to return when this file (same kind, contents and options) was ingested
    before -- nothing is added twice -- or None when it is new."""
    seen = already_ingested(ws, kind, sha, options)
    if seen is None:
        return None
    return IngestSummary(str(path), kind, seen, already_ingested=True)


def already_ingested(ws: Workspace, kind: str, sha: str, options: dict[str, Any]) -> int | None:
    rows = ws.con.execute(
        "SELECT source_id FROM sources WHERE kind = ? AND sha256 = ? AND options = ?",
        [kind, sha, json.dumps(options, sort_keys=True)],
    ).fetchall()
    return int(rows[0][0]) if rows else None


def next_source_id(ws: Workspace) -> int:
    return int(ws.con.execute("SELECT nextval('source_seq')").fetchall()[0][0])


def record_source(ws: Workspace, summary: IngestSummary, sha: str, options: dict[str, Any]) -> None:
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


def stored_authors(ws: Workspace, message_ids: list[str]) -> dict[str, str]:
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
    path: Path, values: pd.Series, fieldname: str, *, utc_time: bool = False
) -> pd.Series:
    """Parse ISO-8601-like dates or timestamps; empty means missing.

    Raises InputError naming the first line whose value cannot be parsed.
    """
    text = values.astype("string").str.strip()
    empty = text.isna() | (text == "")

    def parse(v: pd.Series) -> pd.Series:
        return pd.to_datetime(v, errors="coerce", utc=utc_time, format="mixed")

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
    bad = parsed.isna() & ~empty
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            path,
            f"unparseable {fieldname}",
            **locate(path, pos),
            expected="an ISO 8601 date between 1900 and 2200 such as 2024-03-31"
            if not utc_time
            else "an ISO 8601 timestamp between 1900 and 2200 such as 2024-03-31T09:15:00Z",
            found=values.iloc[pos],
        )
    return parsed


def text_column(df: pd.DataFrame, col: str | None) -> pd.Series:
    """A column as stripped text with '' for missing, or all '' when the column is absent."""
    if col is None:
        return pd.Series([""] * len(df), index=df.index, dtype="string")
    return df[col].astype("string").fillna("").str.strip()
