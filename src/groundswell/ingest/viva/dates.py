"""Viva Insights ``MetricDate`` values: ISO or slash dates, the format decided once per file.

The rules are those of :mod:`groundswell.ingest.viva` (module docstring, "Dates").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import common

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?)?$")


def parse_metric_dates(
    path: Path,
    values: pd.Series,
    date_format: str = "auto",
    *,
    bounds: common.DateBounds | None = None,
    decision: dict[str, str] | None = None,
) -> tuple[pd.Series, str | None]:
    """Parse a MetricDate column into dates (datetime64, midnight), deciding the format per file.

    Returns the dates and a note when the format was inferred rather than certain. Raises
    InputError for an empty or unreadable date, a mix of ISO and slash dates, a slash column
    that reads as day/month on one line and month/day on another, an impossible date, or
    (with ``bounds``) a date outside them. ``decision``, when given, receives the format read
    ("iso", "dmy" or "mdy") and why, for the summary and the source's options.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = pd.to_datetime(values)
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert("UTC").dt.tz_localize(None)
        if out.isna().any():
            k = int(np.flatnonzero(out.isna().to_numpy())[0])
            raise InputError(path, "empty MetricDate", expected="a date", **common.locate(path, k))
        if bounds is not None:
            common.check_dates(out, bounds, path, "MetricDate")
        if decision is not None:
            decision.update(format="iso", why="stored as dates in the file")
        return out.dt.normalize(), None
    text = values.astype("string").fillna("").str.strip()
    codes, uniques = pd.factorize(text)
    uniq = pd.Series(np.asarray(uniques, dtype=object), dtype="string")

    def first_line(mask_u: np.ndarray) -> dict[str, Any]:
        k = int(np.flatnonzero(mask_u[codes])[0])
        return common.locate(path, k)

    def found(mask_u: np.ndarray) -> str:
        return str(uniq[int(np.flatnonzero(mask_u)[0])])

    empty = (uniq == "").to_numpy()
    if empty.any():
        raise InputError(
            path, "empty MetricDate", expected="a date on every row", **first_line(empty)
        )
    iso = uniq.str.extract(_ISO).astype("Float64")
    slash = uniq.str.extract(_SLASH).astype("Float64")
    is_iso = iso[0].notna().to_numpy()
    is_slash = slash[0].notna().to_numpy()
    neither = ~(is_iso | is_slash)
    if neither.any():
        raise InputError(
            path,
            "unreadable MetricDate",
            expected="a date such as 2023-01-08 or 1/8/2023",
            found=found(neither),
            **first_line(neither),
        )
    note = None
    if is_iso.any() and is_slash.any():
        a, b = first_line(is_iso), first_line(is_slash)
        raise InputError(
            path,
            f"mixed date formats: line {a['line']} has an ISO date ({found(is_iso)!r}) and "
            f"line {b['line']} a slash date ({found(is_slash)!r})",
            expected="one date format in the whole file",
        )
    if is_iso.all():
        if date_format in ("mdy", "dmy"):
            raise InputError(
                path,
                f"date_format={date_format} but the dates are ISO",
                expected="date_format iso or auto",
                found=found(is_iso),
                **first_line(is_iso),
            )
        year, month, day = iso[0], iso[1], iso[2]
        why = "year first: nothing to decide"
        fmt = "iso"
    else:
        if date_format == "iso":
            raise InputError(
                path,
                "date_format=iso but the dates are slash-separated",
                expected="an ISO date such as 2023-01-08",
                found=found(is_slash),
                **first_line(is_slash),
            )
        f1, f2, year = slash[0], slash[1], slash[2]
        over1, over2 = (f1 > 12).to_numpy(), (f2 > 12).to_numpy()
        if date_format == "auto":
            if over1.any() and over2.any():
                a, b = first_line(over1), first_line(over2)
                raise InputError(
                    path,
                    f"ambiguous dates: line {a['line']} ({found(over1)!r}) reads only as "
                    f"day/month/year and line {b['line']} ({found(over2)!r}) only as "
                    "month/day/year",
                    expected="one date order in the whole file (or pass date_format mdy/dmy)",
                )
            if over1.any():
                fmt = "dmy"
                why = f"decided by {found(over1)} (line {first_line(over1)['line']})"
            elif over2.any():
                fmt = "mdy"
                why = f"decided by {found(over2)} (line {first_line(over2)['line']})"
            else:
                fmt, note = _by_calendar(f1, f2, year)
                why = f"no value decides; {note}"
                note = f"{path}: {note}"
        else:
            fmt = date_format
            why = f"given: date_format {date_format}"
        month, day = (f1, f2) if fmt == "mdy" else (f2, f1)
    if decision is not None:
        decision.update(format=fmt, why=why)
    parsed = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day}).astype("float64"),
        errors="coerce",
    )
    if bounds is not None:
        common.check_dates(
            parsed,
            bounds,
            lambda u: common.Record(path, "MetricDate", **first_line(np.arange(len(uniq)) == u)),
            found=uniq,
        )
    bad = parsed.isna().to_numpy()
    if bad.any():
        raise InputError(
            path,
            "impossible MetricDate",
            expected="a real calendar date"
            + ("" if is_iso.all() else f" read as {'month/day' if month is f1 else 'day/month'}"),
            found=found(bad),
            **first_line(bad),
        )
    return pd.Series(parsed.to_numpy()[codes], index=values.index), note


def _by_calendar(f1: pd.Series, f2: pd.Series, year: pd.Series) -> tuple[str, str]:
    """Choose m/d/Y or d/m/Y when no field exceeds 12: Viva periods start on a Sunday (week)
    or on the 1st (month)."""

    def fits(month: pd.Series, day: pd.Series) -> bool:
        d = pd.to_datetime(
            pd.DataFrame({"year": year, "month": month, "day": day}).astype("float64"),
            errors="coerce",
        )
        if d.isna().any():
            return False
        return bool((d.dt.day_of_week == 6).all() or (d.dt.day == 1).all())

    mdy, dmy = fits(f1, f2), fits(f2, f1)
    if dmy and not mdy:
        return "dmy", (
            "MetricDate read as day/month/year: every date is then the start of a week "
            "(Sunday) or a month, and not so as month/day/year; pass date_format=mdy if wrong"
        )
    why = "either" if mdy and dmy else "no"
    return "mdy", (
        f"MetricDate read as month/day/year ({why} reading is decided by the values); "
        "pass date_format=dmy if the file is day/month/year"
    )
