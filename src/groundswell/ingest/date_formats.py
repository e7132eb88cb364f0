"""How a column of dates is written, decided once from the whole column, then read that one way.

A column is read one way or refused: ``03.04.2022`` can never be 3 April on one line and 4 March
on another. The families (see docs/readers.md, "Dates and times"):

============  ==============================================  ==================================
family        looks like                                      decided how
============  ==============================================  ==================================
``iso``       ``2022-04-03``, ``2022-04-03T09:15:00+02:00``,  year first: nothing to decide
              ``2022/04/03 09:15``
``dmy``       ``03.04.2022``, ``25/02/2022 14:05``            day first: some value's first field
                                                              is over 12, or none decides and
                                                              ``locale.dayfirst`` is true
``mdy``       ``04/03/2022``, ``2/25/2022 2:05 PM``           month first: some value's second
                                                              field is over 12, or none decides
                                                              and ``locale.dayfirst`` is false
``unix_s``    ``1262454010``                                  a number from 10^6 up to 10^11
``unix_ms``   ``1262454010123``                               a number from 10^11 up to 10^14
``excel``     ``44654`` or ``44654.5``                        a number below 10^6: days since
                                                              1899-12-30 (Excel's serial dates)
``text``      ``3 April 2022``, ``Sun, 3 Apr 2022 09:15``     month named in words (unambiguous)
============  ==============================================  ==================================

A column mixing families (a number and a dotted date, an ISO date and a slash date) is refused
with a line of each; so is a ``dmy``/``mdy`` column holding a value that reads only day first and
another only month first, and a number column holding both seconds and milliseconds. A time
with a zone (``Z``, ``+02:00``, ``-0500``, ``UTC``) is converted to UTC; a time without one is
taken as UTC. Classifying and reading are Arrow (RE2) and pandas array operations over the
column's distinct values: no Python loop per row.

A file read in batches (the events reader) decides from its first batch holding a value
(:class:`DateFormat` is passed to the next batches); a later value that contradicts the decision
is refused naming its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from groundswell.errors import InputError
from groundswell.ingest.tables import locate

__all__ = ["FAMILIES", "DateFormat", "decide", "read"]

#: family -> how the summary names it
FAMILIES = {
    "iso": "ISO 8601 (year-month-day)",
    "dmy": "day.month.year (day first)",
    "mdy": "month/day/year (month first)",
    "unix_s": "Unix time in seconds",
    "unix_ms": "Unix time in milliseconds",
    "excel": "Excel serial dates (days since 1899-12-30)",
    "text": "dates with the month in words",
}
_TIME = (
    r"(?:[T ]\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
    r"\s*(?P<P>[AaPp][Mm])?)?"
)
_ZONE = r"\s*(?P<Z>[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$"
_PATTERNS = {
    "iso": r"^(?P<A>\d{4})[-/.](?P<B>\d{1,2})[-/.](?P<C>\d{1,2})" + _TIME + _ZONE,
    "dm": r"^(?P<A>\d{1,2})[./-](?P<B>\d{1,2})[./-](?P<C>\d{4}|\d{2})" + _TIME + _ZONE,
    "num": r"^[+-]?\d+(?:\.\d+)?$",
    "text": r"[A-Za-z]{3,}",
}
#: what marks a value's class, cheap to test (the full patterns above then read its parts)
_CLASSES = {
    "text": r"[A-Za-z]{3,}",
    "num": r"^[+-]?\d+(?:\.\d+)?$",
    "dm": r"^\d{1,2}[./-]\d{1,2}[./-]\d",
    "iso": r"^\d{4}[-/.]\d{1,2}[-/.]\d",
}
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXPECTED = (
    "an ISO 8601 date or time such as 2024-03-31 or 2024-03-31T09:15:00Z, or 31.03.2024, "
    "03/31/2024 09:15, 1711876500 (Unix seconds) or 45382 (an Excel serial date)"
)
#: the class of a value -> its family group: a column holds one group
GROUPS = {"iso": "iso", "text": "iso", "dm": "dm", "num": "num"}


@dataclass(frozen=True)
class DateFormat:
    """How one column is written: its family (:data:`FAMILIES`) and why it was decided so."""

    family: str
    reason: str
    #: the line the decision rests on (a disambiguating value), when there is one
    line: int | None = None

    def describe(self) -> str:
        return f"{FAMILIES[self.family]}, {self.reason}"

    def record(self) -> dict[str, Any]:
        """What the source's options keep of the decision."""
        return {"format": self.family, "why": self.reason}


def decide(
    path: Path,
    values: pd.Series,
    fieldname: str,
    *,
    dayfirst: bool,
    first: int = 0,
    decided: DateFormat | None = None,
) -> tuple[DateFormat | None, pd.Series]:
    """The format of a column of date texts, and the dates it reads as (naive, UTC).

    ``values``: text, '' or missing for no date (NaT). ``first``: the file position of the
    first value (a file read in batches); ``decided``: the format of the batches before, which
    this one must agree with. Returns (None, all NaT) for a column without a value. Raises
    InputError naming the line for a value of no known format, a column mixing formats or
    orders, or a date that does not exist (31.02.2022).
    """
    text = values.astype("string").str.strip().fillna("")
    codes, uniques = pd.factorize(text)
    uniq = pa.array(np.asarray(uniques, dtype=object), type=pa.string())
    n = len(uniq)
    fam = np.full(n, "", dtype=object)
    for name in ("text", "num", "dm", "iso"):  # later wins: "2022-04-03" is not text
        fam[np.asarray(pc.match_substring_regex(uniq, _CLASSES[name]), dtype=bool)] = name
    fam[np.asarray(pc.equal(uniq, ""), dtype=bool)] = "-"

    def line(mask: np.ndarray) -> dict[str, Any]:
        return locate(path, first + int(np.flatnonzero(mask[codes])[0]))

    def shown(mask: np.ndarray) -> str:
        return str(uniq[int(np.flatnonzero(mask)[0])])

    def conflict(a: np.ndarray, what_a: str, b: np.ndarray, what_b: str) -> InputError:
        return _two_ways(path, fieldname, codes, uniq, first, (a, what_a), (b, what_b))

    unknown = fam == ""
    if unknown.any():
        raise InputError(
            path,
            f"unparseable {fieldname}",
            **line(unknown),
            expected=EXPECTED,
            found=shown(unknown),
        )
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    present = sorted(set(fam.tolist()) - {"-"})
    if not present:
        return decided, pd.Series(out[codes], index=values.index)
    # dotted and ISO-like columns are one family each; text sits with ISO (both unambiguous)
    kinds = sorted({GROUPS[f] for f in present})
    if decided is not None:
        kinds = sorted(set(kinds) | {_group(decided.family)})
    if len(kinds) > 1:
        if decided is None:
            names = {"iso": "a year-first date", "dm": "a d/m/y date", "num": "a number"}
            a, b = kinds[0], kinds[1]
            in_a = np.isin(fam, [f for f, g in GROUPS.items() if g == a])
            in_b = np.isin(fam, [f for f, g in GROUPS.items() if g == b])
            raise conflict(in_a, names[a], in_b, names[b])
        raise _mixed(path, fieldname, fam, uniq, codes, first, decided)
    fmt: DateFormat
    if "num" in present:
        fmt, out = _numbers(path, fieldname, uniq, fam == "num", line, shown, conflict, decided)
    elif "dm" in present:
        fmt, parts = _day_month(
            path, fieldname, uniq, fam == "dm", line, shown, conflict, dayfirst, decided
        )
        out[fam == "dm"] = _compose(path, fieldname, parts, fmt.family, line, shown, fam == "dm")
    else:
        fmt = decided or DateFormat("iso", "year first: nothing to decide")
        iso = fam == "iso"
        if iso.any():  # pandas' ISO 8601 parser first (in C), the parts for the rest
            fast = pd.to_datetime(
                pd.Series(uniques[iso]), format="ISO8601", utc=True, errors="coerce"
            )
            held = (fast.dt.year >= 1678) & (fast.dt.year <= 2261)  # else NaT, bounds decide
            out[iso] = fast.where(held).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
            rest = iso & np.isnat(out)
            if rest.any():
                parts = pc.extract_regex(uniq.filter(pa.array(rest)), _PATTERNS["iso"])
                out[rest] = _compose(path, fieldname, parts, "iso", line, shown, rest)
        words = fam == "text"
        if words.any():
            if "iso" not in present:
                fmt = decided or DateFormat("text", "the month in words: nothing to decide")
            got = pd.to_datetime(
                pd.Series(uniques[words]), format="mixed", utc=True, errors="coerce"
            )
            bad = got.isna().to_numpy()
            if bad.any():
                where = np.zeros(n, dtype=bool)
                where[np.flatnonzero(words)[bad]] = True
                raise InputError(
                    path,
                    f"unparseable {fieldname}",
                    **line(where),
                    expected=EXPECTED,
                    found=shown(where),
                )
            out[words] = got.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    return fmt, pd.Series(out[codes], index=values.index)


def read(
    path: Path,
    values: pd.Series,
    fieldname: str,
    *,
    dayfirst: bool,
    first: int = 0,
    decided: DateFormat | None = None,
) -> tuple[DateFormat | None, pd.Series]:
    """:func:`decide` for any column: one read from a file that holds dates as dates (Parquet,
    Excel) is taken as it is, converted to UTC and naive."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = pd.to_datetime(values)
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert("UTC").dt.tz_localize(None)
        return decided or DateFormat("iso", "stored as dates in the file"), out
    return decide(path, values, fieldname, dayfirst=dayfirst, first=first, decided=decided)


def _group(family: str) -> str:
    groups = {"dmy": "dm", "mdy": "dm", "dm": "dm", "num": "num"}
    return groups.get(family, "num" if family in ("unix_s", "unix_ms", "excel") else "iso")


def _two_ways(
    path: Path,
    fieldname: str,
    codes: np.ndarray,
    uniq: pa.Array,
    first: int,
    a: tuple[np.ndarray, str],
    b: tuple[np.ndarray, str],
) -> InputError:
    """The error for a column read two ways: the rows of each way (up to five lines of each),
    the first of the fewer named as the record, the other way as what was expected."""
    rows_a, rows_b = np.flatnonzero(a[0][codes]), np.flatnonzero(b[0][codes])
    (few, what_few), (many, what_many) = (
        ((rows_b, b[1]), (rows_a, a[1])) if len(rows_b) <= len(rows_a) else
        ((rows_a, a[1]), (rows_b, b[1]))
    )  # fmt: skip
    where = [locate(path, first + int(k)) for k in (*few[:5], *many[:5])]
    unit = where[0]["unit"]

    def listed(rows: np.ndarray, at: list[dict[str, Any]]) -> str:
        more = f" and {len(rows) - 5:,} more" if len(rows) > 5 else ""
        plural = "s" if len(rows) > 1 else ""
        return f"{unit}{plural} {', '.join(str(w['line']) for w in at)}{more}"

    shown_many = str(uniq[int(codes[many[0]])])
    return InputError(
        path,
        f"{fieldname} is written two ways: {what_few} on {listed(few, where[: len(few[:5])])}, "
        f"{what_many} on {listed(many, where[len(few[:5]) :])}",
        **where[0],
        expected=f"{what_many} as on {unit} {where[len(few[:5])]['line']} ({shown_many}): "
        "one format in the whole column",
        found=str(uniq[int(codes[few[0]])]),
    )


def _mixed(
    path: Path,
    fieldname: str,
    fam: np.ndarray,
    uniq: pa.Array,
    codes: np.ndarray,
    first: int,
    decided: DateFormat | None,
) -> InputError:
    present = [f for f in ("iso", "text", "dm", "num") if (fam == f).any()]
    if decided is not None:  # always, here
        f = next(f for f in present if _group(f) != _group(decided.family))
        k = int(np.flatnonzero((fam == f)[codes])[0])
        return InputError(
            path,
            f"{fieldname} changes format: the lines before were read as {FAMILIES[decided.family]}",
            **locate(path, first + k),
            expected=f"{FAMILIES[decided.family]}, as in the whole column",
            found=str(uniq[int(np.flatnonzero(fam == f)[0])]),
        )
    raise AssertionError("a column of two formats without a decision: see _two_ways")


def _numbers(
    path: Path,
    fieldname: str,
    uniq: pa.Array,
    mask: np.ndarray,
    line: Any,
    shown: Any,
    conflict: Any,
    decided: DateFormat | None,
) -> tuple[DateFormat, np.ndarray]:
    num = np.full(len(uniq), np.nan)
    num[mask] = pc.cast(uniq.filter(pa.array(mask)), pa.float64()).to_numpy(zero_copy_only=False)
    size = np.abs(num)
    cls = np.where(size < 1e6, "excel", np.where(size < 1e11, "unix_s", "unix_ms"))
    cls = np.where(size >= 1e14, "", cls)
    too_big = mask & (cls == "")
    if too_big.any():
        raise InputError(
            path,
            f"{fieldname} is a number too large for a time",
            **line(too_big),
            expected="Unix seconds (below 10^11) or milliseconds (below 10^14), or an Excel "
            "serial date (below 10^6)",
            found=shown(too_big),
        )
    seen = [c for c in ("excel", "unix_s", "unix_ms") if (mask & (cls == c)).any()]
    if decided is not None and decided.family not in seen:
        seen = [decided.family, *seen]
    if len(seen) > 1:
        a, b = (mask & (cls == seen[0])), (mask & (cls == seen[1]))
        where_b = line(b)
        if decided is not None and decided.family == seen[0]:
            raise InputError(
                path,
                f"{fieldname} changes unit: the lines before were read as {FAMILIES[seen[0]]}",
                **where_b,
                expected=FAMILIES[seen[0]],
                found=shown(b),
            )
        raise conflict(a, FAMILIES[seen[0]], b, FAMILIES[seen[1]])
    family = seen[0]
    reasons = {
        "excel": "numbers below 10^6: Excel serial days",
        "unix_s": "numbers from 10^6 to 10^11: seconds since 1970",
        "unix_ms": "numbers from 10^11 to 10^14: milliseconds since 1970",
    }
    fmt = decided or DateFormat(family, reasons[family])
    out = np.full(len(uniq), np.datetime64("NaT"), dtype="datetime64[ns]")
    if family == "excel":
        ns = np.round(num[mask] * 86_400e9).astype("int64")
        out[mask] = (_EXCEL_EPOCH + pd.to_timedelta(ns, unit="ns")).to_numpy()
    else:
        scale = 1_000_000_000 if family == "unix_s" else 1_000_000
        far = np.abs(num) * scale >= 9.2e18  # past 2262: NaT, refused by the bounds after
        mask = mask & ~far
        chosen = uniq.filter(pa.array(mask))
        whole = pc.all(pc.match_substring_regex(chosen, r"^[+-]?\d+$")).as_py()
        if whole:  # integers: exact, no float rounding of milliseconds
            ints = pc.cast(chosen, pa.int64()).to_numpy(zero_copy_only=False)
            out[mask] = (ints * scale).astype("datetime64[ns]")
        else:
            out[mask] = np.round(num[mask] * scale).astype("int64").astype("datetime64[ns]")
    return fmt, out


def _day_month(
    path: Path,
    fieldname: str,
    uniq: pa.Array,
    mask: np.ndarray,
    line: Any,
    shown: Any,
    conflict: Any,
    dayfirst: bool,
    decided: DateFormat | None,
) -> tuple[DateFormat, pa.StructArray]:
    parts = pc.extract_regex(uniq.filter(pa.array(mask)), _PATTERNS["dm"])
    unmatched = ~np.asarray(parts.is_valid(), dtype=bool)
    if unmatched.any():
        where = np.zeros(len(mask), dtype=bool)
        where[np.flatnonzero(mask)[unmatched]] = True
        raise InputError(
            path, f"unparseable {fieldname}", **line(where), expected=EXPECTED, found=shown(where)
        )
    a = np.zeros(len(uniq))
    b = np.zeros(len(uniq))
    a[mask] = pc.cast(parts.field("A"), pa.float64()).to_numpy(zero_copy_only=False)
    b[mask] = pc.cast(parts.field("B"), pa.float64()).to_numpy(zero_copy_only=False)
    only_day_first, only_month_first = mask & (a > 12), mask & (b > 12)
    if decided is not None:
        contra = only_month_first if decided.family == "dmy" else only_day_first
        if contra.any():
            way = "month first" if decided.family == "dmy" else "day first"
            raise InputError(
                path,
                f"{fieldname} contradicts the lines before: this date reads only {way}, but "
                f"the column was read {FAMILIES[decided.family]} ({decided.reason})",
                **line(contra),
                expected=f"dates {FAMILIES[decided.family]}, as in the whole column",
                found=shown(contra),
            )
        return decided, parts
    if only_day_first.any() and only_month_first.any():
        raise conflict(
            only_day_first, "a date that reads only day first", only_month_first,
            "a date that reads only month first",
        )  # fmt: skip
    if only_day_first.any():
        x = line(only_day_first)
        why = f"decided by {shown(only_day_first)} ({x['unit']} {x['line']}): only day first"
        return DateFormat("dmy", why, x["line"]), parts
    if only_month_first.any():
        x = line(only_month_first)
        why = f"decided by {shown(only_month_first)} ({x['unit']} {x['line']}): only month first"
        return DateFormat("mdy", why, x["line"]), parts
    why = f"no value decides; locale.dayfirst = {str(dayfirst).lower()} in groundswell.toml"
    return DateFormat("dmy" if dayfirst else "mdy", why), parts


def _compose(
    path: Path,
    fieldname: str,
    parts: pa.StructArray,
    family: str,
    line: Any,
    shown: Any,
    mask: np.ndarray,
) -> np.ndarray:
    """The UTC times (naive) of the values matched in ``parts`` (``mask`` says which); a
    value the full pattern does not match is unparseable."""
    unmatched = ~np.asarray(parts.is_valid(), dtype=bool)
    if unmatched.any():
        where = np.zeros(len(mask), dtype=bool)
        where[np.flatnonzero(mask)[unmatched]] = True
        raise InputError(
            path, f"unparseable {fieldname}", **line(where), expected=EXPECTED, found=shown(where)
        )

    def num(name: str, default: float = 0) -> np.ndarray:
        col = parts.field(name)
        col = pc.if_else(pc.equal(col, ""), None, col)
        return np.nan_to_num(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), nan=default)

    a, b, c = num("A"), num("B"), num("C")
    if family == "iso":
        year, month, day = a, b, c
    else:
        year = np.where(c < 100, np.where(c < 69, 2000 + c, 1900 + c), c)
        month, day = (b, a) if family == "dmy" else (a, b)
    hour, minute, second = num("H"), num("M"), num("S")
    ampm = pc.utf8_lower(parts.field("P")).to_numpy(zero_copy_only=False)
    hour = np.where(ampm == "pm", hour % 12 + 12, np.where(ampm == "am", hour % 12, hour))
    frac = pc.utf8_rpad(pc.fill_null(parts.field("F"), ""), 9, "0")
    nanos = pc.cast(frac, pa.int64()).to_numpy(zero_copy_only=False)
    offset = _offsets(pc.fill_null(parts.field("Z"), ""))
    frame = pd.DataFrame(
        dict(year=year, month=month, day=day, hour=hour, minute=minute, second=second)
    )
    bad = (frame["hour"] > 23) | (frame["minute"] > 59) | (frame["second"] > 60)
    # a year a nanosecond time cannot hold is NaT here, refused by the date bounds after
    far = ((frame["year"] < 1678) | (frame["year"] > 2261)).to_numpy()
    frame = frame.astype("float64")
    frame.loc[bad.to_numpy() | far] = np.nan
    when = pd.to_datetime(frame, errors="coerce")
    when = when.astype("datetime64[ns]")
    wrong = when.isna().to_numpy() & ~far
    if wrong.any():
        where = np.zeros(len(mask), dtype=bool)
        where[np.flatnonzero(mask)[wrong]] = True
        raise InputError(
            path,
            f"impossible {fieldname}",
            **line(where),
            expected=f"a real date and time, read as {FAMILIES[family]}",
            found=shown(where),
        )
    ns = when.to_numpy(dtype="datetime64[ns]") + nanos.astype("timedelta64[ns]")
    return ns - (offset * 60_000_000_000).astype("timedelta64[ns]")


def _offsets(zone: pa.Array) -> np.ndarray:
    """Minutes east of UTC for each zone text ('', Z, UTC, GMT, +02, +0200, -05:30)."""
    parts = pc.extract_regex(zone, r"^(?P<s>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?$")
    sign = np.where(np.asarray(pc.equal(parts.field("s"), "-").fill_null(False)), -1, 1)

    def number(name: str) -> np.ndarray:
        col = pc.if_else(pc.equal(parts.field(name), ""), None, parts.field(name))
        return np.nan_to_num(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False))

    return (sign * (number("h") * 60 + number("m"))).astype("int64")
