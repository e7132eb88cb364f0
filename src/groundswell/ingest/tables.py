"""Reading a table file (CSV, TSV or Parquet): every column as text, errors naming the line."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import damage

__all__ = ["FIRST_DATA_LINE", "locate", "read_table", "table_errors", "unknown_file_type"]

#: First data line of a CSV as a text editor counts it (line 1 is the header).
FIRST_DATA_LINE = 2


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


def locate(path: Path, pos: int) -> dict[str, Any]:
    """Where the record at 0-based position ``pos`` is, for an InputError: the line of a CSV
    as a text editor counts it (header = line 1), or the 1-based row of a Parquet file."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return {"line": pos + 1, "unit": "row"}
    return {"line": pos + FIRST_DATA_LINE, "unit": "line"}
