"""Reading a table file (CSV, TSV, Excel or Parquet): every column as text, errors naming the line.

A text table's dialect is detected, and said in the ingest summary (docs/readers.md):

- **encoding**: a byte-order mark names UTF-8 or UTF-16; without one, NUL bytes in every other
  position mean UTF-16 (little- or big-endian); else the whole file is checked as UTF-8 (one
  pass, in blocks), and a file that is not UTF-8 is Windows-1252 (Latin-1 when it holds one of
  the five bytes Windows-1252 leaves undefined). A file not in UTF-8 is read through a UTF-8
  copy in a temporary folder, so that every reader and check sees UTF-8 with the same lines.
- **delimiter**: of ``,`` tab ``;`` and ``|``, the one that splits the header into the most
  columns (two at least) and every one of the first 50 records into as many (quoted fields
  read as quoted: a ``;`` inside ``"..."`` does not count); on a tie the order above decides
  (tab first for a ``.tsv``). A file no candidate splits has one column.
- **quoting**: double quotes, doubled inside a field (RFC 4180), as Excel writes them.

``--delimiter`` and ``--encoding`` override either. An ``.xlsx`` workbook is read directly
(openpyxl): its first sheet, the header in row 1; dates stay dates and whole numbers stay
whole (an id 1001 is not 1001.0).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import damage

__all__ = [
    "DELIMITERS",
    "FIRST_DATA_LINE",
    "TEXT_SUFFIXES",
    "Dialect",
    "Table",
    "check_options",
    "decimal_commas",
    "decode",
    "load",
    "locate",
    "read_table",
    "separator_hint",
    "sniff",
    "table_errors",
    "unknown_file_type",
    "utf8_file",
]

#: First data line of a CSV as a text editor counts it (line 1 is the header).
FIRST_DATA_LINE = 2
#: delimiter -> its name, in the order that breaks a tie
DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
#: encoding -> how the summary names it
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a byte-order mark",
    "utf-16": "UTF-16 with a byte-order mark",
    "utf-16-le": "UTF-16 little-endian",
    "utf-16-be": "UTF-16 big-endian",
    "cp1252": "Windows-1252",
    "iso8859-1": "Latin-1 (ISO-8859-1)",
}
SAMPLE = 1 << 16  # bytes read to decide the delimiter
BLOCK = 1 << 20
_UNDEFINED_1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)


@dataclass(frozen=True)
class Dialect:
    """How a text table is written: its delimiter and encoding, and which were detected."""

    delimiter: str
    encoding: str
    given: frozenset[str] = frozenset()
    why: str = ""  # why the encoding is what it is, when detected from the content

    def describe(self) -> str:
        """For the summary: 'semicolon-separated (detected), Windows-1252 (detected: ...)'."""
        sep = DELIMITERS.get(self.delimiter, repr(self.delimiter))
        how = {k: "given" if k in self.given else "detected" for k in ("delimiter", "encoding")}
        enc = ENCODINGS.get(self.encoding, self.encoding)
        why = f": {self.why}" if self.why and how["encoding"] == "detected" else ""
        return f"{sep}-separated ({how['delimiter']}), {enc} ({how['encoding']}{why})"

    def record(self) -> dict[str, Any]:
        """What the source's options keep of it."""
        return {"delimiter": self.delimiter, "encoding": self.encoding}


@dataclass
class Table:
    """A table file read: its rows (every column text, or as stored) and how it was read."""

    df: pd.DataFrame
    read_as: str  # for the summary: the dialect, or the sheet of a workbook
    record: dict[str, Any] = field(default_factory=dict)


def check_options(path: Path, delimiter: str | None, encoding: str | None) -> None:
    """Refuse a --delimiter that is not one character or an --encoding Python does not know."""
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise InputError(
            path,
            "the delimiter option must be one character",
            expected="one of , ; | or a tab ('\\t')",
            found=delimiter,
        )
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(
                path,
                "unknown encoding option",
                expected="an encoding such as utf-8, utf-16, cp1252 or latin-1",
                found=encoding,
            ) from None


def sniff(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> Dialect:
    """The dialect of a text table (module docstring); a given delimiter or encoding wins."""
    if delimiter == "\\t":
        delimiter = "\t"  # as typed on a command line
    check_options(path, delimiter, encoding)
    given = frozenset(k for k, v in (("delimiter", delimiter), ("encoding", encoding)) if v)
    why = ""
    if encoding is None:
        encoding, why = _sniff_encoding(path)
    name = codecs.lookup(encoding).name
    if delimiter is None:
        with path.open("rb") as fh:
            head = fh.read(SAMPLE)
        text = head.decode(name, errors="ignore")
        if len(head) == SAMPLE and "\n" in text:
            text = text[: text.rfind("\n") + 1]  # whole lines only
        delimiter = _sniff_delimiter(text.lstrip("\ufeff"), tsv=path.suffix.lower() == ".tsv")
    return Dialect(delimiter, name, given, why)


def _sniff_encoding(path: Path) -> tuple[str, str]:
    with path.open("rb") as fh:
        head = fh.read(SAMPLE)
    with path.open("rb") as fh:
        return _encoding_of(head, iter(lambda: fh.read(BLOCK), b""))


def _encoding_of(head: bytes, blocks: Iterable[bytes]) -> tuple[str, str]:
    """The encoding of a text whose first bytes are ``head`` and whole content ``blocks``
    (module docstring), and why."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "byte-order mark"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "byte-order mark"
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if len(head) >= 4 and max(even, odd) > len(head) // 4:
        return ("utf-16-le", "NUL bytes") if odd > even else ("utf-16-be", "NUL bytes")
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, bad, undefined = 0, "", False
    for block in blocks:
        if not bad:
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                line = lines + block.count(b"\n", 0, exc.start) + 1
                bad = f"line {line} has the byte 0x{block[exc.start]:02X}, not UTF-8"
        undefined = undefined or any(b in block for b in _UNDEFINED_1252)
        lines += block.count(b"\n")
    if not bad:
        return "utf-8", ""
    return ("latin-1" if undefined else "cp1252"), bad


def decode(where: str | Path, data: bytes) -> tuple[str, Dialect]:
    """A CSV held in memory (a member of a zip) as text, and its dialect (module docstring);
    InputError naming ``where`` when it is not text in the encoding its bytes suggest."""
    encoding, why = _encoding_of(data[:SAMPLE], [data])
    name = codecs.lookup(encoding).name
    try:
        text = data.decode(name).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(
            where,
            f"not {ENCODINGS.get(name, name)} text (the byte 0x{data[exc.start]:02X})",
            expected="a CSV in UTF-8, UTF-16 or Windows-1252",
        ) from None
    sample = text[:SAMPLE]
    if len(text) > SAMPLE and "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]
    return text, Dialect(_sniff_delimiter(sample, tsv=False), name, frozenset(), why)


def _sniff_delimiter(text: str, *, tsv: bool) -> str:
    order = ["\t", ",", ";", "|"] if tsv else list(DELIMITERS)
    best, best_n = order[0], 1
    for sep in order:
        try:
            rows = [r for r in csv.reader(io.StringIO(text), delimiter=sep) if r][:50]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        if all(len(r) == len(rows[0]) for r in rows) and len(rows[0]) > best_n:
            best, best_n = sep, len(rows[0])
    return best


def decimal_commas(text: pd.Series) -> pd.Series:
    """A column of numbers as text with its decimal commas made points, when the column is
    written so: every value a number with at most one comma and no point, and some with a
    comma (``0,5`` and ``2``: a German export). Any other column is returned as it is (``1,500``
    beside ``2.5`` is not a decimal comma)."""
    filled = text.fillna("")
    nonempty = filled[filled != ""]
    european = nonempty.str.fullmatch(r"[+-]?\d+(?:,\d+)?").fillna(False)
    if len(nonempty) and bool(european.all()) and bool(nonempty.str.contains(",").any()):
        return text.str.replace(",", ".", regex=False)
    return text


def separator_hint(columns: list[str], delimiter: str | None = None) -> str:
    """A sentence for an error when the header read as one column looks split by another
    delimiter ("the header is one column 'a;b;c': the file looks semicolon-separated; try
    --delimiter ';'"), else ''."""
    if len(columns) != 1:
        return ""
    name = str(columns[0])
    counts = {d: name.count(d) for d in DELIMITERS if d != delimiter}
    sep = max(counts, key=lambda d: counts[d])
    if not counts[sep]:
        return ""
    shown = name if len(name) <= 60 else name[:57] + "..."
    option = "\\t" if sep == "\t" else sep
    return (
        f"the header is one column {shown!r}: the file looks {DELIMITERS[sep]}-separated; "
        f"try --delimiter '{option}'"
    )


@contextlib.contextmanager
def utf8_file(path: Path, dialect: Dialect) -> Iterator[Path]:
    """The file itself when it is UTF-8, else a UTF-8 copy of it in a temporary folder
    (written a block at a time; removed on leaving)."""
    if dialect.encoding in ("utf-8", "utf-8-sig"):
        yield path
        return
    decoder = codecs.getincrementaldecoder(dialect.encoding)()
    with tempfile.TemporaryDirectory(prefix="groundswell-") as tmp:
        copy = Path(tmp) / (path.stem + ".utf8" + path.suffix)
        with path.open("rb") as src, copy.open("wb") as dst:
            try:
                for block in iter(lambda: src.read(BLOCK), b""):
                    dst.write(decoder.decode(block).encode("utf-8"))
                dst.write(decoder.decode(b"", final=True).encode("utf-8"))
            except UnicodeDecodeError as exc:
                raise InputError(
                    path,
                    f"not {ENCODINGS.get(dialect.encoding, dialect.encoding)} text "
                    f"(the byte 0x{exc.object[exc.start]:02X})",
                    expected="the encoding detected, or one given with --encoding",
                ) from None
        yield copy


def load(
    path: Path,
    *,
    notes: list[str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Table:
    """Read a CSV, TSV, Excel workbook or Parquet file: every column as text (CSV, Excel) or
    as stored (Parquet), and how it was read.

    Raises InputError naming the file and line when the CSV is malformed, holds a NUL byte or
    is cut short in its last record (see :mod:`groundswell.ingest.damage`). A warning about
    the file (it may be cut short) is appended to ``notes`` when given.
    """
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a folder", expected="a .csv, .xlsx or .parquet file")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        with table_errors(path):
            df = pd.read_parquet(path)
        damage.check_utf8(path, df)
        table = Table(df, "Parquet")
    elif suffix in EXCEL_SUFFIXES:
        table = _excel(path)
    elif suffix in TEXT_SUFFIXES:
        dialect = sniff(path, delimiter=delimiter, encoding=encoding)
        with utf8_file(path, dialect) as text, table_errors(path, dialect, text):
            note = damage.check_csv_file(text, delimiter=dialect.delimiter, where=path)
            if note is not None and notes is not None:
                notes.append(note)
            df = pd.read_csv(
                text,
                dtype=str,
                keep_default_na=False,
                sep=dialect.delimiter,
                encoding="utf-8-sig",
            )
        table = Table(df, dialect.describe(), dialect.record())
    else:
        raise unknown_file_type(path)
    table.df.columns = [str(c).strip() for c in table.df.columns]
    return table


def read_table(
    path: Path,
    *,
    notes: list[str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """The rows of :func:`load`."""
    return load(path, notes=notes, delimiter=delimiter, encoding=encoding).df


def _excel(path: Path) -> Table:
    """The first sheet of a workbook, header in row 1; cells as text, dates as ISO text."""
    import openpyxl  # imported when a workbook is read: the CLI starts without it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: not a workbook
        raise InputError(
            path, f"not a readable Excel workbook ({exc})", expected="an .xlsx file"
        ) from None
    try:
        sheets = len(book.worksheets)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or not any(c is not None for c in header):
            raise InputError(
                path,
                f"sheet {sheet.title!r} has no header in row 1",
                expected="the column names in row 1",
            )
        width = max(i + 1 for i, c in enumerate(header) if c is not None)
        body = [list(r[:width]) + [None] * (width - len(r)) for r in rows]
    finally:
        book.close()
    while body and all(c is None for c in body[-1]):
        body.pop()  # formatted but empty rows at the end of a sheet
    names = [str(c) if c is not None else f"column {i + 1}" for i, c in enumerate(header[:width])]
    df = pd.DataFrame(body, columns=names, dtype=object)
    df = df.apply(_cells_as_text) if len(df) else df.astype(str)
    more = f" (the first of {sheets} sheets)" if sheets > 1 else ""
    return Table(df, f"Excel workbook, sheet {sheet.title!r}{more}", {"sheet": sheet.title})


def _cells_as_text(col: pd.Series) -> pd.Series:
    """A workbook column as text: dates as ISO, whole numbers without '.0', empty as ''."""
    dates = col.map(lambda v: hasattr(v, "isoformat")).astype(bool)
    out = col.astype(object).where(col.notna(), "")
    if dates.any():
        stamp = pd.to_datetime(col[dates].astype(str), errors="coerce")
        midnight = bool((stamp == stamp.dt.normalize()).all())
        out[dates] = stamp.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S")
    whole = col.map(lambda v: isinstance(v, float) and v.is_integer()).astype(bool)
    if whole.any():
        out[whole] = col[whole].astype("int64").astype(str)
    return out.astype(str)


def unknown_file_type(path: Path) -> InputError:
    """The error for a table file that is neither CSV (or TSV), Excel nor Parquet."""
    return InputError(
        path,
        "unknown file type",
        expected=".csv, .tsv, .txt, .xlsx or .parquet",
        found=path.suffix.lower() or "(no suffix)",
    )


@contextlib.contextmanager
def table_errors(
    path: Path, dialect: Dialect | None = None, text: Path | None = None
) -> Iterator[None]:
    """Turn what pandas and Arrow raise on a malformed CSV or Parquet file into an InputError
    naming the file (and the line, when the parser names it). With the ``dialect`` and the
    UTF-8 ``text`` of a CSV, a header read as one column that looks split by another
    delimiter adds the hint of :func:`separator_hint`."""
    try:
        yield
    except InputError:
        raise
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        sep = "," if dialect is None else dialect.delimiter
        hint = _hint(text, sep) if text is not None else ""
        raise InputError(
            path,
            f"malformed CSV: {exc}".strip() + (f"; {hint}" if hint else ""),
            line=int(m.group(1)) if m else None,
            expected=f"the same number of {DELIMITERS.get(sep, repr(sep))}-separated fields "
            "on every line",
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            path,
            f"not UTF-8 text at byte {exc.start}",
            expected="a UTF-8 encoded CSV, or the encoding given with --encoding",
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(path, "the file is empty", expected="a header line") from exc
    except (OSError, ValueError) as exc:
        raise InputError(path, f"cannot be read: {exc}") from exc


def _hint(text: Path, sep: str) -> str:
    with text.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        header = next(csv.reader(fh, delimiter=sep), [])
    return separator_hint(header, sep)


def locate(path: Path, pos: int) -> dict[str, Any]:
    """Where the record at 0-based position ``pos`` is, for an InputError: the line of a CSV
    as a text editor counts it (header = line 1), the 1-based row of a Parquet file, or the
    row of an Excel sheet as Excel numbers it (header = row 1)."""
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return {"line": pos + 1, "unit": "row"}
    if suffix in EXCEL_SUFFIXES:
        return {"line": pos + FIRST_DATA_LINE, "unit": "row"}
    return {"line": pos + FIRST_DATA_LINE, "unit": "line"}
