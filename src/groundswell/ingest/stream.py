"""Reading a table file (CSV, TSV or Parquet) a bounded amount at a time.

A reader that holds a whole file in pandas pays for every row at once: the events reader
cost about 2 KB of memory per row, so a 1 GB events CSV needed some 14 GB. :func:`batches`
yields the rows in DataFrames of at most ``rows`` rows, read from at most
:data:`BLOCK_BYTES` of the file at a time, so that a reader needs the memory of one batch
whatever the size of the file and of its rows (a bound on rows alone would let a file of
long rows, 100,000 rows of 10 KB, put a gigabyte in one batch). Each batch is indexed by
its rows' positions in the file (0 is the first data row), which
:func:`groundswell.ingest.common.locate` turns into the line or row an error names.

A CSV is cut at the last line break of each block of :data:`BLOCK_BYTES` and each piece is
parsed by the same pandas parser with the same options as
:func:`~groundswell.ingest.common.read_table` (every column as text, empty fields as ``""``,
a missing trailing field as ``""``, a UTF-8 byte-order mark dropped). When the cut falls
inside a quoted field (a line break inside a value), the piece is extended to the next
block's last line break, so the pieces parse to the rows the whole file does. Errors are
those of :func:`~groundswell.ingest.common.read_table`, with the line counted in the whole
file: a NUL byte or a file cut short before any row is read
(:func:`groundswell.ingest.damage.check_csv_file` streams the file once), a malformed line
when its piece is read. One difference: a data line with more fields than the header is
refused wherever it is; pandas took such a first data line as naming an index column, which
moved every value one column to the right (a header without the trailing comma of the rows).

A Parquet file is read with ``pyarrow.parquet.ParquetFile.iter_batches``, without reading
whole column chunks ahead, in batches of at most ``rows`` rows and of about
:data:`BLOCK_BYTES` uncompressed (from the file's metadata); columns keep their stored
types, as :func:`pandas.read_parquet` gives them.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from groundswell.errors import InputError
from groundswell.ingest import damage, tables

__all__ = ["BATCH_ROWS", "BLOCK_BYTES", "batches"]

#: Rows per batch at most: about 200 MB of working memory in the events reader, and few
#: enough batches that writing each into DuckDB costs little more than writing one.
BATCH_ROWS = 100_000
#: Bytes of the file read at a time (a CSV piece, or a Parquet batch uncompressed).
BLOCK_BYTES = 16 << 20
#: A CSV piece whose end still falls inside a quoted field when it is this long is parsed
#: as it is, and refused for its unclosed quote (no field of an export comes near it).
LONGEST = 4 * BLOCK_BYTES


def batches(
    path: Path,
    *,
    rows: int = BATCH_ROWS,
    notes: list[str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    read_as: dict[str, Any] | None = None,
) -> Generator[pd.DataFrame, None, None]:
    """The rows of a CSV, TSV, Excel or Parquet file in DataFrames of at most ``rows`` rows.

    A CSV's delimiter and encoding are detected (or given) as
    :func:`groundswell.ingest.tables.sniff` says, a file not in UTF-8 read through a UTF-8
    copy; an Excel workbook is read whole (:func:`tables.load`) and cut into batches.
    ``read_as``, when given, receives how the file was read (``"file"``: for the summary).
    A file with no data rows yields one empty DataFrame (a CSV: with its header's columns)
    or none (a Parquet file). A warning about the file (a CSV without a final line break)
    is appended to ``notes`` when given. Raises InputError as :func:`common.read_table`
    does, when the part of the file that holds the problem is read.
    """
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a folder", expected="a .csv, .xlsx or .parquet file")
    suffix = path.suffix.lower()
    with contextlib.ExitStack() as stack:
        parts: Iterator[pd.DataFrame]
        if suffix in tables.PARQUET_SUFFIXES:
            parts = _parquet(path, rows)
            how: dict[str, Any] = {"file": "Parquet"}
        elif suffix in tables.EXCEL_SUFFIXES:
            table = tables.load(path)
            parts, how = iter([table.df]), {"file": table.read_as, **table.record}
        elif suffix in tables.TEXT_SUFFIXES:
            dialect = tables.sniff(path, delimiter=delimiter, encoding=encoding)
            text = stack.enter_context(tables.utf8_file(path, dialect))
            with tables.table_errors(path, dialect, text):
                note = damage.check_csv_file(text, delimiter=dialect.delimiter, where=path)
            if note is not None and notes is not None:
                notes.append(note)
            parts = _csv(path, text, dialect)
            how = {"file": dialect.describe(), **dialect.record()}
        else:
            raise tables.unknown_file_type(path)
        if read_as is not None:
            read_as.update(how)
        start, empty = 0, None
        for part in parts:
            part.columns = [str(c).strip() for c in part.columns]
            if not len(part):
                empty = part
                continue
            for i in range(0, len(part), rows):
                df = part.iloc[i : i + rows]
                df.index = pd.RangeIndex(start, start + len(df))
                start += len(df)
                yield df
        if start == 0 and empty is not None:
            yield empty


def _csv(path: Path, text: Path, dialect: tables.Dialect) -> Iterator[pd.DataFrame]:
    """The rows of a CSV (``text``: it in UTF-8), a piece of about :data:`BLOCK_BYTES` at a
    time; errors name ``path``."""
    sep = dialect.delimiter
    columns: list[str] | None = None  # known once the first piece is read
    lines = 0  # line breaks before the piece
    data = b""  # the file from the start of the piece on, as far as it is read
    again = False  # the last cut fell inside a quoted field
    with text.open("rb") as fh:
        while True:
            block = fh.read(BLOCK_BYTES)
            end = not block
            data += block
            if end and not data and columns is not None:
                return
            cut = len(data) if end else _cut(data, quotes=not again)
            if not (cut or end):
                continue  # no line break yet: read on
            piece = data[:cut]
            try:
                with tables.table_errors(path, dialect, text):
                    df = _parse(piece, sep, columns, lines, last=end or len(data) > LONGEST)
            except _CutInQuotes:
                again = True
                continue
            again = False
            data = data[cut:]
            columns = list(df.columns)
            lines += piece.count(b"\n")
            yield df
            if end:
                return


def _cut(data: bytes, *, quotes: bool) -> int:
    """Where a piece of CSV text ends: after its last line break outside quotes (with an
    even number of quote characters before it), or after its last line break when there is
    none such or ``quotes`` is false; 0 when there is no line break."""
    cut = data.rfind(b"\n") + 1
    if not (quotes and cut):
        return cut
    pos, odd = cut, data.count(b'"', 0, cut) % 2
    while odd and pos > 0:
        before = data.rfind(b"\n", 0, pos - 1) + 1
        odd ^= data.count(b'"', before, pos) % 2
        pos = before
    return pos if pos > 0 else cut


class _CutInQuotes(Exception):
    """A piece of a CSV ends inside a quoted field: it is read again with the next block."""


def _parse(
    text: bytes, sep: str, columns: list[str] | None, lines: int, *, last: bool
) -> pd.DataFrame:
    """One piece of a CSV after ``lines`` line breaks of the file: the first holds the
    header, the others take its ``columns``. Lines named in errors count from the file's
    start; a piece that ends inside a quoted field raises :class:`_CutInQuotes` unless it
    is the ``last``."""
    header = {"header": None, "names": columns} if columns is not None else {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                io.BytesIO(text),
                dtype=str,
                keep_default_na=False,
                sep=sep,
                encoding="utf-8-sig",
                index_col=False,
                **header,
            )
    except pd.errors.ParserWarning as exc:  # the piece's first row has too many fields
        first = lines + 1 + (columns is None)
        raise pd.errors.ParserError(f"line {first} has more fields than the header") from exc
    except pd.errors.ParserError as exc:
        message = str(exc)
        if "EOF inside string" in message and not last:
            raise _CutInQuotes from exc
        shifted = re.sub(r"(line|row) (\d+)", lambda m: f"{m[1]} {lines + int(m[2])}", message)
        raise pd.errors.ParserError(shifted) from exc


def _parquet(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    with tables.table_errors(path):
        pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
        meta = pf.metadata
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        per_row = size / max(1, meta.num_rows)
        parts = pf.iter_batches(batch_size=max(1, min(rows, int(BLOCK_BYTES / max(1, per_row)))))
    start = 0  # the rows read before the part
    while True:
        with tables.table_errors(path):
            part = next(parts, None)
            if part is None:
                return
            df = part.to_pandas()
        damage.check_utf8(path, df, first=start)
        start += len(df)
        yield df
