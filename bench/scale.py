"""Benchmark: 100 million synthetic events aggregated into weekly ties by DuckDB, within a
memory limit, spilling to disk when it must.

The events are generated directly as Parquet with numpy and pyarrow in chunks of 5 million
(not with ``groundswell.synth``, which builds a whole organisation in memory): 100,000 people,
26 weeks, 80% of acts within a team of 10, kinds as in bench/aggregate.py, 0.5% broadcasts,
0.1% by bots; person ids are dictionary-encoded strings. The aggregation is groundswell's
own: the queries of ``network.ties.layer_queries`` (every rule, people employed in the
window, aliases) on a lake read by ``engines.DuckDBEngine.from_lake``, with DuckDB's
``memory_limit`` and ``temp_directory`` set, written straight to Parquet with COPY. The
aggregation runs in its own process; its peak resident memory (VmHWM) is reported. Run:

    .venv/bin/python bench/scale.py --events 100000000 --memory-limit 3GB

and add ``--write docs/performance.md`` to record the result there (``--quick``: 10 million).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _bench import machine, peak_rss_mib, run_child, write_block

OUT = Path(__file__).resolve().parent / "out"
START = datetime(2024, 1, 1, tzinfo=UTC)
KINDS = ["reply", "reaction", "dm", "mention", "email_to", "post"]
KIND_P = [0.35, 0.2, 0.15, 0.1, 0.1, 0.1]
CHUNK = 5_000_000


def make_lake(n_events: int, n_people: int, weeks: int, seed: int) -> Path:
    """Write the lake (interactions in chunks, people, sources) unless it exists."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    lake = OUT / f"scale-{n_events}-{n_people}-{weeks}-{seed}"
    done = lake / "_complete"
    if done.exists():
        return lake
    shutil.rmtree(lake, ignore_errors=True)
    (lake / "interactions").mkdir(parents=True)
    ids = pa.array([f"p_{i:010d}" for i in range(n_people)])
    kinds = pa.array(KINDS)
    rng = np.random.default_rng(seed)
    t0 = int(START.timestamp() * 1e6)
    span = weeks * 7 * 86_400_000_000
    for c, lo in enumerate(range(0, n_events, CHUNK)):
        n = min(CHUNK, n_events - lo)
        a = rng.integers(0, n_people, n)
        u, v = rng.random(n), rng.random(n)
        team = (a // 10) * 10 + (v * 10).astype(np.int64)
        t = np.where(u < 0.8, team % n_people, (v * n_people).astype(np.int64))
        ts = np.sort(t0 + rng.integers(0, span, n))
        table = pa.table(
            {
                "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
                "actor_id": pa.DictionaryArray.from_arrays(pa.array(a.astype(np.int32)), ids),
                "target_id": pa.DictionaryArray.from_arrays(pa.array(t.astype(np.int32)), ids),
                "kind": pa.DictionaryArray.from_arrays(
                    pa.array(rng.choice(len(KINDS), n, p=KIND_P).astype(np.int32)), kinds
                ),
                "message_id": pc.binary_join_element_wise(
                    "m", pc.cast(pa.array(np.arange(lo, lo + n)), pa.string()), ""
                ),
                "n_recipients": pa.array(
                    np.where(u > 0.995, 40, 1 + (v * 4).astype(np.int32)).astype(np.int32)
                ),
                "is_bot": pa.array(rng.random(n) > 0.999),
                "weight": pa.array(np.ones(n)),
                "source_id": pa.array(np.full(n, 1, np.int32)),
            }
        )
        pq.write_table(table, lake / "interactions" / f"part-{c:05d}.parquet")
    (lake / "people").mkdir()
    pq.write_table(
        pa.table(
            {
                "person_id": ids,
                "is_internal": pa.array(np.ones(n_people, bool)),
                "manager_id": pa.nulls(n_people, pa.string()),
                "hire_date": pa.nulls(n_people, pa.date32()),
                "leave_date": pa.nulls(n_people, pa.date32()),
            }
        ),
        lake / "people" / "part-0.parquet",
    )
    (lake / "sources").mkdir()
    pq.write_table(
        pa.table({"source_id": pa.array([1], pa.int32()), "kind": ["orgchart"]}),
        lake / "sources" / "part-0.parquet",
    )
    done.touch()
    return lake


def aggregate(lake: str, weeks: int, memory_limit: str, threads: int) -> dict:
    """groundswell's weekly ties of the whole span, DuckDB on the lake, written to Parquet."""
    from groundswell.engines import DuckDBEngine
    from groundswell.engines.translate import to_duckdb
    from groundswell.network.ties import TieRules, layer_queries
    from groundswell.network.window import Window

    tmp = Path(lake) / "_spill"
    shutil.rmtree(tmp, ignore_errors=True)
    eng = DuckDBEngine.from_lake(lake, memory_limit=memory_limit)
    eng.con.execute(f"SET temp_directory = '{tmp}'")
    eng.con.execute(f"SET threads = {threads}")
    win = Window(START, START + timedelta(weeks=weeks))
    ((_, sql, params),) = layer_queries(win, TieRules(), ("digital",), restrict=True, period="week")
    out = Path(lake) / "_ties.parquet"
    t = time.perf_counter()
    eng.con.execute(f"COPY ({to_duckdb(sql, params)}) TO '{out}' (FORMAT parquet)")
    seconds = time.perf_counter() - t
    rows = eng.con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchall()[0][0]
    spilled = sum(f.stat().st_size for f in tmp.rglob("*") if f.is_file()) if tmp.exists() else 0
    return {
        "seconds": seconds,
        "rows": int(rows),
        "peak_mib": peak_rss_mib(),
        "temp_dir": str(tmp),
        "spill_left_mib": spilled / 2**20,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--events", type=int, default=100_000_000)
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--weeks", type=int, default=26)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="10 million events")
    ap.add_argument("--write", type=Path, help="Markdown file whose scale section to update")
    ap.add_argument("--child", nargs=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.events = 10_000_000
    if args.child:
        res = aggregate(args.child[0], args.weeks, args.memory_limit, args.threads)
        print(json.dumps(res))
        return
    t = time.perf_counter()
    lake = make_lake(args.events, args.people, args.weeks, args.seed)
    gen = time.perf_counter() - t
    size = sum(f.stat().st_size for f in (lake / "interactions").glob("*.parquet")) / 2**30
    print(f"lake ready in {gen:.0f} s: {args.events:,} events, {size:.2f} GiB Parquet ({lake})")
    r = run_child(
        __file__,
        "--child", str(lake), "--weeks", str(args.weeks), "--memory-limit", args.memory_limit,
        "--threads", str(args.threads),
    )  # fmt: skip
    rate = args.events / r["seconds"]
    print(
        f"DuckDB: {r['seconds']:.1f} s ({rate / 1e6:.1f} M events/s), peak {r['peak_mib']:.0f} "
        f"MiB, {r['rows']:,} weekly ties; memory_limit {args.memory_limit}"
    )
    if args.write:
        lines = [
            f"{machine()}: {args.events:,} synthetic events ({size:.2f} GiB of Parquet, "
            f"generated with numpy in chunks, not with `synth.py`) among {args.people:,} people "
            f"over {args.weeks} weeks, aggregated into weekly ties with every tie rule by "
            f"DuckDB on the Parquet lake (`DuckDBEngine.from_lake`), {args.threads} threads, "
            f"`memory_limit = '{args.memory_limit}'`, `temp_directory` = the lake's `_spill/`:",
            "",
            "| events | time (s) | events/s | peak memory (MiB) | weekly ties |",
            "|---:|---:|---:|---:|---:|",
            f"| {args.events:,} | {r['seconds']:.1f} | {rate:,.0f} | {r['peak_mib']:.0f} | "
            f"{r['rows']:,} |",
            "",
            f"Command: `.venv/bin/python bench/scale.py --events {args.events} --people "
            f"{args.people} --weeks {args.weeks} --memory-limit {args.memory_limit} --write "
            f"{args.write}`",
        ]
        write_block(args.write, "bench/scale.py", lines, "100 million events on one machine")


if __name__ == "__main__":
    sys.exit(main())
