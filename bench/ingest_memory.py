"""Benchmark: peak memory of the events reader on a file with all-hands broadcasts.

An events CSV of N ordinary acts (one to three recipients each) and B broadcasts, each
addressed to R people in one ``targets`` cell (R x about 21 bytes). Two contenders, each in
its own process (so peak memory is its own) under an address-space limit (``--limit-gib``,
so that the naive one cannot take the machine):

- groundswell: ``ingest.events.ingest`` into a fresh workspace (the cell split in Arrow
  without copying it, at most ``ingest.max_recipients`` recipients kept per act,
  pseudonymisation, interactions, one DuckDB transaction);
- pandas: what a user would otherwise write: ``read_csv`` then
  ``assign(target=targets.str.split(";")).explode("target")`` and a strip -- each exploded
  row carries the whole row, the cell included (nothing stored anywhere).

Each reports wall time, CPU time (user + system, of the reading alone) and the process's
peak resident memory (VmHWM). ``--before SRC`` adds groundswell from another source tree
(an earlier commit's ``src``, e.g. ``git archive main src | tar -x -C bench/out/before/``),
run the same way in the same run, so that a change is a ratio measured side by side;
``--without pandas`` leaves pandas out. Run:

    .venv/bin/python bench/ingest_memory.py --rows 200000 --broadcasts 10 --recipients 3000

and add ``--write docs/performance.md`` to record the result there.

Large files (the events reader reads them in batches, ``groundswell.ingest.stream``): with
``--broadcasts 0`` the file holds ordinary acts only, so ``--rows 10000000 --recipients 5000``
writes an events CSV of about 1 GB; ``--synthetic 5000`` measures the events file of the
13-week synthetic organisation of 5,000 people instead (2.6 million rows of Parquet, written
by ``groundswell.synth``); pandas then reads it with ``read_parquet``:

    .venv/bin/python bench/ingest_memory.py --synthetic 5000 --limit-gib 6
    .venv/bin/python bench/ingest_memory.py --rows 10000000 --broadcasts 0 --recipients 5000 \
        --limit-gib 6
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from _bench import cpu_seconds, machine, peak_rss_mib, write_block

OUT = Path(__file__).resolve().parent / "out"


def make_data(n: int, broadcasts: int, recipients: int, seed: int) -> Path:
    """``n`` ordinary acts among ``recipients`` people and ``broadcasts`` acts to all of
    them, spread evenly through the file, over one week."""
    path = OUT / f"events-broadcast-{n}-{broadcasts}-{recipients}-{seed}.csv"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    everyone = ";".join(f"person{i:05d}@acme.com" for i in range(recipients))
    start = datetime(2024, 1, 1, tzinfo=UTC)
    every = max(1, n // max(1, broadcasts))
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["event_id", "actor", "targets", "timestamp", "kind", "channel"])
        for i in range(n + broadcasts):
            when = (start + timedelta(seconds=i * 604_800 // (n + broadcasts))).isoformat()
            actor = f"person{rng.randrange(recipients):05d}@acme.com"
            if i % (every + 1) == every and i // (every + 1) < broadcasts:
                w.writerow([f"e{i}", actor, everyone, when, "email", ""])
                continue
            k = rng.randint(1, 3)
            to = ";".join(f"person{rng.randrange(recipients):05d}@acme.com" for _ in range(k))
            w.writerow([f"e{i}", actor, to, when, rng.choice(["email", "dm", "mention"]), ""])
    tmp.rename(path)
    return path


def make_synthetic(people: int, seed: int) -> Path:
    """The events file of the 13-week synthetic organisation of ``people`` people."""
    folder = OUT / f"synthetic-{people}-13w-{seed}"
    if not (folder / "events.parquet").exists():
        from groundswell import synth

        synth.generate(people, seed=seed, weeks=13).write(folder)
    return folder / "events.parquet"


def run_groundswell(path: str) -> dict:
    import groundswell as gs
    from groundswell.ingest import events

    with tempfile.TemporaryDirectory(dir=OUT) as d:
        ws = gs.init(Path(d) / "ws")
        t, cpu = time.perf_counter(), cpu_seconds()
        s = events.ingest(ws, Path(path))
        seconds, cpu = time.perf_counter() - t, cpu_seconds() - cpu
        ws.close()
    return {"seconds": seconds, "cpu": cpu, "rows": s.interactions}


def run_pandas(path: str) -> dict:
    import pandas as pd

    t, cpu = time.perf_counter(), cpu_seconds()
    if path.endswith(".parquet"):
        df = pd.read_parquet(path)
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.assign(target=df["targets"].str.split(";")).explode("target")
    df["target"] = df["target"].str.strip()
    df = df[df["target"] != ""]
    return {"seconds": time.perf_counter() - t, "cpu": cpu_seconds() - cpu, "rows": len(df)}


CONTENDERS = {"groundswell": run_groundswell, "pandas": run_pandas}
LABELS = {
    "groundswell": "groundswell `ingest.events` (into a fresh workspace)",
    "groundswell-before": "groundswell before (`{before}`)",
    "pandas": "pandas `read_csv` + `str.split` + `explode` (no storage)",
}


def child(name: str, path: str, limit_gib: float) -> None:
    limit = int(limit_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        r = CONTENDERS[name](path)
    except MemoryError:  # numpy's MemoryError and Arrow's ArrowMemoryError alike
        r = {"failed": True}
    print(json.dumps({**r, "peak_mib": peak_rss_mib()}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000, help="ordinary acts")
    ap.add_argument("--broadcasts", type=int, default=10)
    ap.add_argument("--recipients", type=int, default=3_000, help="people per broadcast")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit-gib", type=float, default=8.0, help="address space per contender")
    ap.add_argument("--write", type=Path, help="Markdown file whose section to update")
    ap.add_argument("--quick", action="store_true", help="20,000 rows, 5 broadcasts of 2,000")
    ap.add_argument(
        "--synthetic", type=int, metavar="PEOPLE", help="the 13-week synthetic organisation"
    )
    ap.add_argument(
        "--before",
        type=Path,
        help="also run groundswell from this source tree (an earlier commit's src folder)",
    )
    ap.add_argument(
        "--without",
        type=lambda v: [x for x in v.split(",") if x],
        default=[],
        help="leave these contenders out (comma-separated, e.g. pandas)",
    )
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.limit_gib)
        return
    if args.quick:
        args.rows, args.broadcasts, args.recipients = 20_000, 5, 2_000
    if args.synthetic:
        path = make_synthetic(args.synthetic, args.seed)
        args.rows = pq.ParquetFile(path).metadata.num_rows
    else:
        path = make_data(args.rows, args.broadcasts, args.recipients, args.seed)
    size = path.stat().st_size / 2**20
    print(f"{path}: {_describe(args, size)}")
    results, limit = {}, str(args.limit_gib)
    loads = [os.getloadavg()[0]]
    names = ["groundswell", *(["groundswell-before"] if args.before else []), "pandas"]
    for name in [n for n in names if n not in args.without]:
        env = dict(os.environ)
        if name == "groundswell-before":  # this script's helpers, the package from SRC
            env["PYTHONPATH"] = str(Path(args.before).resolve())
        who = name.removesuffix("-before")
        proc = subprocess.run(
            [sys.executable, __file__, "--child", who, str(path), "--limit-gib", limit],
            capture_output=True,
            text=True,
            env=env,
        )
        loads.append(os.getloadavg()[0])
        lines = proc.stdout.strip().splitlines()
        r = results[name] = json.loads(lines[-1]) if lines else {"failed": True, "peak_mib": 0}
        if r.get("failed"):
            print(f"{name:12s} failed within the {args.limit_gib:g} GiB limit")
            continue
        print(
            f"{name:18s} {r['seconds']:8.2f} s wall {r['cpu']:8.2f} s CPU  "
            f"peak {r['peak_mib']:7.0f} MiB  {r['rows']:,} recipient rows  load {loads[-1]:.1f}"
        )
    g = results["groundswell"]
    for name, r in results.items():
        if name != "groundswell" and not g.get("failed") and not r.get("failed"):
            print(
                f"{name} takes {r['cpu'] / g['cpu']:.2f}x the CPU time and "
                f"{r['peak_mib'] / g['peak_mib']:.2f}x the peak memory of groundswell"
            )
    if args.write:
        write_markdown(args, size, results, loads)


def _describe(args: argparse.Namespace, size: float) -> str:
    if args.synthetic:
        return (
            f"the events file of the 13-week synthetic organisation of {args.synthetic:,} "
            f"people ({args.rows:,} rows, {size:,.1f} MiB of Parquet)"
        )
    if not args.broadcasts:
        return (
            f"an events CSV of {args.rows:,} ordinary acts among {args.recipients:,} people "
            f"({size:,.1f} MiB)"
        )
    return (
        f"an events CSV of {args.rows:,} ordinary acts and {args.broadcasts} broadcasts to "
        f"{args.recipients:,} people each ({size:,.1f} MiB)"
    )


def write_markdown(
    args: argparse.Namespace, size: float, results: dict, loads: list[float]
) -> None:
    base = results["groundswell"]
    lines = [
        f"{machine()}, {_describe(args, size)}, each contender in its own process "
        f"under a {args.limit_gib:g} GiB address-space limit, one after the other; load "
        f"average {min(loads):.1f} to {max(loads):.1f} during the run (compare CPU times):",
        "",
        "| contender | wall (s) | CPU (s) | peak memory (MiB) | CPU ratio | memory ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        label = LABELS[name].format(before=args.before)
        if r.get("failed"):
            lines.append(f"| {label} | — | — | over the limit | — | — |")
            continue
        lines.append(
            f"| {label} | {r['seconds']:.2f} | {r['cpu']:.2f} | {r['peak_mib']:.0f} | "
            f"{r['cpu'] / base['cpu']:.2f} | {r['peak_mib'] / base['peak_mib']:.2f} |"
        )
    data = (
        f"--synthetic {args.synthetic}"
        if args.synthetic
        else f"--rows {args.rows} --broadcasts {args.broadcasts} --recipients {args.recipients}"
    )
    extra = (f"--before {args.before} " if args.before else "") + (
        f"--without {','.join(args.without)} " if args.without else ""
    )
    lines += [
        "",
        f"Command: `nice .venv/bin/python bench/ingest_memory.py {data} {extra}"
        f"--limit-gib {args.limit_gib:g} --write {args.write}`",
    ]
    if args.synthetic:
        block, heading = "bench/ingest_memory.py synthetic", "Events of a synthetic organisation"
    elif not args.broadcasts:
        block, heading = "bench/ingest_memory.py large", "A large events file: memory"
    else:
        block, heading = "bench/ingest_memory.py", "Events with broadcasts: memory"
    write_block(args.write, block, lines, heading)


if __name__ == "__main__":
    main()
