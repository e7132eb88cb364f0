"""Benchmark: reading a column of dates the groundswell way, against the way it was read before.

Before issue 15 every reader parsed dates with ``pandas.to_datetime(format="mixed")``, which
decides each value on its own (so ``03.04.2022`` and ``25.02.2022`` could be read two ways in
one column) and parses most values with dateutil in Python. Now
:func:`groundswell.ingest.date_formats.decide` classifies the column's distinct values with
Arrow's RE2 expressions, decides the format once, and composes the dates with array
operations. Three columns of ``--rows`` values each:

- ``iso``: ISO 8601 times with a zone, every value distinct (an events file);
- ``dotted``: day-first ``dd.mm.yyyy`` dates, 3,000 distinct (an HR export);
- ``unix``: Unix seconds as text, every value distinct.

Each column is read by both; the table gives seconds and the ratio (before / now). Run:

    .venv/bin/python bench/date_columns.py                  # 1,000,000 rows
    .venv/bin/python bench/date_columns.py --rows 100000    # a quick check

and add ``--write docs/performance.md`` to record the result there.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _bench import machine, write_block
from groundswell.ingest.date_formats import decide


def columns(rows: int) -> dict[str, pd.Series]:
    rng = np.random.default_rng(7)
    seconds = 1_600_000_000 + np.sort(rng.integers(0, 90_000_000, rows))
    times = pd.to_datetime(seconds, unit="s", utc=True)
    days = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 3000, rows), unit="D")
    return {
        "iso": pd.Series(times.strftime("%Y-%m-%dT%H:%M:%S+00:00")),
        "dotted": pd.Series(days.strftime("%d.%m.%Y")),
        "unix": pd.Series(seconds.astype(str)),
    }


def before(values: pd.Series, name: str) -> pd.Series:
    if name == "unix":  # format="mixed" refused these: as numbers, the nearest it had
        return pd.to_datetime(pd.to_numeric(values), unit="s", utc=True)
    return pd.to_datetime(values, format="mixed", utc=True, errors="coerce")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--write", type=Path, help="Markdown file to write the results into")
    args = ap.parse_args()
    lines = [
        f"{machine()}; {args.rows:,} values a column. Command: "
        f"`.venv/bin/python bench/date_columns.py --rows {args.rows}`.",
        "",
        "| column | before: `to_datetime(format='mixed')` (s) | now: `date_formats.decide` (s) "
        "| before / now | same dates |",
        "|---|---:|---:|---:|---|",
    ]
    for name, values in columns(args.rows).items():
        t0 = time.perf_counter()
        old = before(values, name)
        t1 = time.perf_counter()
        fmt, new = decide(Path("bench.csv"), values, name, dayfirst=True)
        t2 = time.perf_counter()
        same = bool((old.dt.tz_localize(None).to_numpy() == new.to_numpy()).all())
        assert fmt is not None
        lines.append(
            f"| {name} ({fmt.family}) | {t1 - t0:.2f} | {t2 - t1:.2f} | "
            f"{(t1 - t0) / max(t2 - t1, 1e-9):.1f} | {'yes' if same else 'no'} |"
        )
    print("\n".join(lines))
    if args.write:
        write_block(args.write, "date-columns", lines, "Reading a column of dates")


if __name__ == "__main__":
    main()
