"""Signs of a damaged input: NUL bytes, a file cut short, nothing to ingest.

A reader would otherwise take such input in silence: pandas reads a CSV cut in the middle of
its last row as a row whose missing fields are empty (an org chart cut after 110 of 200 rows
stored the 110 and a person "E00", the first characters of the next id); a NUL byte, which
no text export writes, ends up inside an identifier; an empty or header-only file "succeeds"
and is recorded as a source. Every check here raises
:class:`~groundswell.errors.InputError` naming the file and the line, so the ingest stops
before anything is written.

What counts as cut short: a CSV whose last record has fewer fields than its header and no
line break after it (a cut that falls exactly on a line break, or inside the last field of
a record, leaves a file that looks complete and cannot be told apart). The other formats
check their own ends: an iCalendar file must close VCALENDAR, JSON must be complete, an
mbox message must finish its header block, a zip member must inflate to its recorded size
and CRC.
"""

from __future__ import annotations

import collections
import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa

from groundswell.errors import InputError

__all__ = [
    "check_csv_file",
    "check_csv_text",
    "check_utf8",
    "refuse_nul",
    "require_records",
    "require_rows",
]

BLOCK = 1 << 20
NUL_PROBLEM = "a NUL byte, which no text export writes (a damaged file, or not UTF-8 text)"
NUL_EXPECTED = "UTF-8 text without NUL bytes"


def refuse_nul(where: str | Path, data: bytes | str, *, first_line: int = 1) -> None:
    """Raise InputError naming the line of the first NUL byte in ``data`` (whose first line
    is line ``first_line`` of the file ``where``), if there is one."""
    i = data.find(b"\x00") if isinstance(data, bytes) else data.find("\x00")
    if i >= 0:
        raise _nul_error(where, data, i, first_line)


def check_csv_file(
    path: Path, *, delimiter: str = ",", where: str | Path | None = None
) -> str | None:
    """Refuse a CSV (or TSV) file holding a NUL byte or cut short in its last record.

    ``where`` names the file in errors when ``path`` is a UTF-8 copy of it.

    Streams the file once (``BLOCK`` bytes at a time); only a file that does not end with a
    line break is parsed again, to count the fields of its last record. Returns the warning
    for such a file whose last record is complete (a cut inside its last field cannot be
    told from a file written without a final line break), else None.
    """
    name = path if where is None else where
    lines = 0
    last = b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            refuse_nul(name, block, first_line=lines + 1)
            lines += block.count(b"\n")
            last = block
    if not last or last.endswith((b"\n", b"\r")):
        return None
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        return _last_record(name, fh, delimiter)


def check_csv_text(where: str | Path, text: str, *, delimiter: str = ",") -> str | None:
    """:func:`check_csv_file` for a CSV already in memory (a member of a zip)."""
    refuse_nul(where, text)
    if not text or text.endswith(("\n", "\r")):
        return None
    return _last_record(where, io.StringIO(text), delimiter)


def require_records(where: str | Path, n: int, *, what: str, expected: str) -> None:
    """Refuse an input that holds nothing to ingest (``n`` records of ``what``): an empty
    or header-only file would otherwise be recorded as a source with nothing in it."""
    if n == 0:
        raise InputError(where, f"nothing to ingest: no {what}", expected=expected)


def require_rows(path: Path, n: int, *, each: str) -> None:
    """Refuse a table file with no data rows (``n``): a header-only CSV, an empty Parquet."""
    if n == 0:
        parquet = path.suffix.lower() in (".parquet", ".pq")
        raise InputError(
            path,
            "nothing to ingest: the file holds "
            + ("no rows" if parquet else "its header line and no data rows"),
            expected=f"one row per {each}",
        )


def check_utf8(path: Path, df: pd.DataFrame, *, first: int = 0) -> None:
    """Refuse a table read from Parquet whose text columns hold bytes that are not UTF-8.

    pyarrow reads Parquet strings without checking their UTF-8; the bad bytes surface later,
    as an ``ArrowException`` wherever the column is first turned into Python strings. This
    checks every Arrow-backed column of ``df`` (whose first row is the row at 0-based
    position ``first`` of the file) and raises InputError naming the column and the row.
    """
    for name in df.columns:
        values = df[name].array
        if not hasattr(values, "__arrow_array__"):
            continue  # held by NumPy: already Python objects
        arrow = values.__arrow_array__()
        try:
            arrow.validate(full=True)
        except pa.ArrowInvalid as exc:
            row, found = _bad_utf8(arrow)
            raise InputError(
                path,
                f"column {name!r} holds text that is not valid UTF-8"
                + ("" if row is not None else f" ({exc})"),
                line=None if row is None else first + row + 1,
                unit="row",
                expected="UTF-8 text in every string column",
                found=found,
            ) from None


def _bad_utf8(arrow: pa.ChunkedArray | pa.Array) -> tuple[int | None, str | None]:
    """The 0-based position of the first value of a string column that is not UTF-8, and
    that value with its bad bytes shown as U+FFFD; (None, None) when it cannot be told."""
    if not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return None, None
    raw = arrow.cast(pa.large_binary()).to_pylist()
    for i, value in enumerate(raw):
        if value is None:
            continue
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            text = value.decode("utf-8", errors="replace")
            return i, text if len(text) <= 60 else text[:57] + "..."
    return None, None


def _last_record(where: str | Path, fh: io.TextIOBase, delimiter: str) -> str | None:
    """Raise InputError when the last record of a file without a final line break has
    fewer fields than the header; else the warning that it may still be cut short."""
    reader = csv.reader(fh, delimiter=delimiter)
    try:
        header = next(reader, None)
        tail = collections.deque(reader, maxlen=1)  # consumed in C: no Python loop per row
    except csv.Error:
        return None  # malformed quoting: the CSV parser reports it with its line
    if header is None or not tail:
        return None
    row = tail[0]
    # the record starts on the line after the previous one ended: count the line breaks
    # inside its (quoted) fields back from the last line
    start = reader.line_num - sum(f.count("\n") + f.count("\r") - f.count("\r\n") for f in row)
    if len(row) >= len(header):
        return (
            f"{where}: the file does not end with a line break; if it was cut short, its "
            f"last record (line {start}) is incomplete: check that record"
        )
    shown = delimiter.join(row)
    raise InputError(
        where,
        f"the last record has {len(row)} of the header's {len(header)} fields and no line "
        "break after it: the file is cut short (truncated?)",
        line=start,
        expected=f"{len(header)} fields, as in the header, and a complete file",
        found=shown if len(shown) <= 60 else shown[:57] + "...",
    )


def _nul_error(where: str | Path, data: bytes | str, i: int, first_line: int) -> InputError:
    """The error for the NUL byte at ``data[i]``: its line, and up to 30 characters of that
    line either side of it."""
    if isinstance(data, bytes):
        line = first_line + data.count(b"\n", 0, i)
        a, b = data.rfind(b"\n", 0, i) + 1, data.find(b"\n", i)
        near = data[max(a, i - 30) : min(b if b >= 0 else len(data), i + 30)]
        text = near.decode("utf-8", errors="replace")
    else:
        line = first_line + data.count("\n", 0, i)
        a, b = data.rfind("\n", 0, i) + 1, data.find("\n", i)
        text = data[max(a, i - 30) : min(b if b >= 0 else len(data), i + 30)]
    return InputError(where, NUL_PROBLEM, line=line, expected=NUL_EXPECTED, found=text.rstrip("\r"))
