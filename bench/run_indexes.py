"""Benchmark: storing a run with and without the primary-key indexes of its large tables.

A run is stored in one transaction (migration 007: visible only when complete), and the
value step and the key findings run inside that same transaction. DuckDB keeps the ART index
of every primary key the open transaction inserts into in memory until the commit. Migrations
015 and 016 took the primary keys off ``person_scores``, ``communities``, ``person_roles`` and
``group_ties`` (``pipeline._store`` checks their keys instead).

This takes the stored rows of one run of a workspace (``--workspace``, its latest run),
reads them into pandas frames (as ``pipeline._store`` holds them), and for each contender —
the schema before 015 (migrations 001–014) and the current one — in a fresh process on a
fresh DuckDB file: inserts every run table from the frames in one transaction, as
``_store`` does, then reports the CPU time of the inserts, DuckDB's own memory while the
transaction is open (``duckdb_memory()``, by tag), the CPU time of the commit and the file's
size. Contenders alternate ``--repeat`` times.

Run::

    nice .venv/bin/python bench/run_indexes.py \\
        --workspace bench/out/fullrun-100000-3000000-1-20000/ws
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import cpu_seconds, machine, peak_rss_mib, write_block

#: the tables ``pipeline._store`` writes, in its order
TABLES = (
    "ties", "person_scores", "communities", "layout", "person_roles", "group_scores",
    "group_ties", "role_overlap", "shadow", "external_holders", "external_groups",
)  # fmt: skip


def child(workspace: str, version: int, out: str) -> dict:
    import duckdb

    from groundswell.migrations import steps

    src = duckdb.connect(str(Path(workspace) / "groundswell.duckdb"), read_only=True)
    run_id = src.execute("SELECT max(run_id) FROM runs WHERE complete").fetchall()[0][0]
    frames = {
        t: src.execute(f"SELECT * EXCLUDE (run_id) FROM {t} WHERE run_id = ?", [run_id]).df()
        for t in TABLES
    }
    src.close()
    con = duckdb.connect(out)
    for v, step in steps().items():
        if v <= version:
            step(con)
    con.execute("SET threads = 2")
    rows = {t: len(f) for t, f in frames.items()}
    c0, t0 = cpu_seconds(), time.perf_counter()
    con.execute("BEGIN")
    for t, frame in frames.items():
        con.register("frame", frame)
        con.execute(f"INSERT INTO {t} SELECT {run_id}, * FROM frame")
        con.unregister("frame")
    insert_cpu, insert_wall = cpu_seconds() - c0, time.perf_counter() - t0
    mem = dict(
        con.execute(
            "SELECT tag, memory_usage_bytes / 1048576 FROM duckdb_memory() "
            "WHERE memory_usage_bytes > 0"
        ).fetchall()
    )
    c1, t1 = cpu_seconds(), time.perf_counter()
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    commit_cpu, commit_wall = cpu_seconds() - c1, time.perf_counter() - t1
    con.close()
    return {
        "version": version,
        "run_id": run_id,
        "rows": rows,
        "insert_cpu": insert_cpu,
        "insert_wall": insert_wall,
        "commit_cpu": commit_cpu,
        "commit_wall": commit_wall,
        "duckdb_mib": sum(mem.values()),
        "index_mib": mem.get("ART_INDEX", 0.0),
        "file_mib": os.path.getsize(out) / 1048576,
        "peak_mib": peak_rss_mib(),
    }


def spawn(workspace: Path, version: int) -> dict:
    with tempfile.TemporaryDirectory(dir=Path(__file__).resolve().parent / "out") as tmp:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(workspace), str(version),
             str(Path(tmp) / "run.duckdb")],
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--write", type=Path, help="Markdown file to put the results block in")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), args.child[2])))
        return
    from groundswell.migrations import files

    latest = max(files())
    contenders = {"primary keys (schema 14)": 14, f"fewer primary keys (schema {latest})": latest}
    results: dict[str, list[dict]] = {n: [] for n in contenders}
    names = list(contenders)
    for i in range(args.repeat):
        for name in names if i % 2 == 0 else names[::-1]:
            r = spawn(args.workspace, contenders[name])
            results[name].append(r)
            print(name, json.dumps(r), file=sys.stderr, flush=True)
    best = {
        n: min(rs, key=lambda r: r["insert_cpu"] + r["commit_cpu"]) for n, rs in results.items()
    }
    before, after = best[names[0]], best[names[1]]
    rows = before["rows"]
    lines = [
        f"{machine()}, load average "
        + " / ".join(f"{x:.1f}" for x in os.getloadavg())
        + " at the end.",
        "",
        f"Run {before['run_id']} of `{args.workspace}`: "
        + ", ".join(f"{t} {n:,}" for t, n in rows.items() if n)
        + " rows; each contender in a fresh process on a fresh DuckDB file, every run table "
        f"inserted from pandas frames in one transaction as `pipeline._store` does, "
        f"alternating, {args.repeat} round(s), the round with the least CPU shown.",
        "",
        "| schema | inserts: CPU (s) | wall (s) | DuckDB's memory before the commit (MiB) "
        "| of which ART indexes (MiB) | commit + checkpoint: CPU (s) | file (MiB) "
        "| process peak (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        r = best[name]
        lines.append(
            f"| {name} | {r['insert_cpu']:.2f} | {r['insert_wall']:.2f} | {r['duckdb_mib']:,.0f} "
            f"| {r['index_mib']:,.0f} | {r['commit_cpu']:.2f} | {r['file_mib']:,.0f} "
            f"| {r['peak_mib']:,.0f} |"
        )
    ratio = (after["insert_cpu"] + after["commit_cpu"]) / (
        before["insert_cpu"] + before["commit_cpu"]
    )
    lines += [
        "",
        f"Inserts and commit: **{ratio:.2f}x** the CPU; DuckDB's memory while the run's "
        f"transaction is open: **{after['duckdb_mib'] / before['duckdb_mib']:.2f}x** "
        f"({before['duckdb_mib']:,.0f} → {after['duckdb_mib']:,.0f} MiB).",
        "",
        f"Command: `nice .venv/bin/python bench/run_indexes.py --workspace {args.workspace} "
        f"--repeat {args.repeat}`",
    ]
    print("\n".join(lines))
    if args.write:
        write_block(args.write, "bench/run_indexes.py", lines, "Storing a run")


if __name__ == "__main__":
    main()
