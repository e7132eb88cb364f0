"""Same results? Analyze copies of one workspace with two source trees and compare every run
table, row for row.

Each source folder (``src`` of this checkout, or of another commit exported with ``git
archive COMMIT src``) analyses its own copy of the workspace in a fresh process; then every
table of the workspace that has a ``run_id`` column is read from both, sorted on all its
columns, and compared exactly (``pandas.testing.assert_frame_equal(check_exact=True)``):
JSON bodies (``run_findings``, ``person_value``) as text, so byte for byte. Columns that
record when or how long (``*_at``, ``seconds``, ``version``) are left out.

Run::

    nice .venv/bin/python bench/compare_runs.py WORKSPACE bench/out/before/src src
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def analyse(src: Path, base: Path, folder: Path) -> Path:
    """Copy ``base`` into ``folder``, analyse it with the sources in ``src``; the database."""
    shutil.copytree(base, folder)
    env = dict(os.environ, PYTHONPATH=str(src.resolve()))
    code = f"import groundswell as gs; w = gs.open({str(folder)!r}); w.analyze(); w.close()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return next(folder.glob("*.duckdb"))


def table(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    cols = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
            "AND database_name = current_database() ORDER BY column_index",
            [name],
        ).fetchall()
        if not (r[0].endswith("_at") or r[0] in ("seconds", "version"))
    ]
    listed = ", ".join(f'"{c}"' for c in cols)
    return con.execute(f"SELECT {listed} FROM {name} ORDER BY ALL").df()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("workspace", type=Path, help="an ingested workspace (left unchanged)")
    ap.add_argument("first", type=Path, help="a src folder")
    ap.add_argument("second", type=Path, help="another src folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "out") as tmp:
        dbs = [
            analyse(src, args.workspace, Path(tmp) / f"ws{i}")
            for i, src in enumerate((args.first, args.second))
        ]
        cons = [duckdb.connect(str(d), read_only=True) for d in dbs]
        names = [
            r[0]
            for r in cons[0]
            .execute(
                "SELECT table_name FROM duckdb_columns() WHERE column_name = 'run_id' "
                "AND database_name = current_database() GROUP BY 1 ORDER BY 1"
            )
            .fetchall()
        ]
        different = 0
        for name in names:
            a, b = (table(c, name) for c in cons)
            try:
                pd.testing.assert_frame_equal(a, b, check_exact=True)
                print(f"{name}: identical ({len(a):,} rows)")
            except AssertionError as exc:
                different += 1
                print(f"{name}: DIFFERENT ({len(a):,} and {len(b):,} rows)\n{str(exc)[:800]}")
        for c in cons:
            c.close()
    print(f"{len(names)} run tables, {different} different")
    if different:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
