"""Benchmark: N synthetic interactions aggregated into weekly ties.

Three contenders, each in its own process (so peak memory is its own), on the same events:

- groundswell: ``network.ties.build_ties(period="week")`` on the workspace's DuckDB store,
  with every tie rule (window, bots, broadcasts, kind weights, aliases, people employed in
  the window, minimum interactions);
- bare DuckDB: the simplest query giving weekly ties with the same filters, no alias
  resolution and no people filter (the floor groundswell's rules cost is measured against);
- pandas: the straightforward groupby a user would write, on the events in a DataFrame.

Each reports the best wall time of ``--repeat`` runs of the aggregation step (data already
loaded in its natural home: the DuckDB file, or a DataFrame read from Parquet) and the
process's peak resident memory. Run:

    .venv/bin/python bench/aggregate.py --events 10000000

and add ``--write docs/performance.md`` to record the result there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from _bench import peak_rss_mib, write_block

OUT = Path(__file__).resolve().parent / "out"
START = datetime(2024, 1, 1, tzinfo=UTC)
WEEKS = 13


def make_data(n_events: int, n_people: int, seed: int) -> tuple[Path, Path]:
    """A workspace with ``n_events`` interactions among ``n_people`` people, and the same
    events as Parquet. Most acts stay within a team of 10; some are broadcasts or by bots."""
    import groundswell as gs

    folder = OUT / f"agg-{n_events}-{n_people}-{seed}"
    parquet = folder / "events.parquet"
    if parquet.exists():
        return folder / "ws", parquet
    folder.mkdir(parents=True, exist_ok=True)
    ws = gs.init(folder / "ws")
    con = ws.con
    con.execute(f"SELECT setseed({seed / 1000})")
    con.execute(
        f"""
        CREATE TEMP TABLE ev AS
        WITH r AS (
          SELECT i, floor(random() * {n_people})::BIGINT AS a, random() AS u, random() AS v,
                 random() AS k, random() AS t FROM range({n_events}) tbl(i))
        SELECT
          TIMESTAMPTZ '{START.isoformat()}' + to_microseconds((t * {WEEKS * 7 * 86400e6})::BIGINT)
            AS ts,
          'p_' || lpad(a::VARCHAR, 10, '0') AS actor_id,
          'p_' || lpad((CASE WHEN u < 0.8 THEN ((a // 10) * 10 + floor(v * 10)::BIGINT)
                                               % {n_people}
                              ELSE floor(v * {n_people})::BIGINT END)::VARCHAR, 10, '0')
            AS target_id,
          CASE WHEN k < 0.35 THEN 'reply' WHEN k < 0.55 THEN 'reaction' WHEN k < 0.7 THEN 'dm'
               WHEN k < 0.8 THEN 'mention' WHEN k < 0.9 THEN 'email_to' ELSE 'post' END AS kind,
          'm_' || i::VARCHAR AS message_id,
          CASE WHEN u > 0.995 THEN 40 ELSE 1 + (v * 4)::INTEGER END AS n_recipients,
          (k > 0.999) AS is_bot, 1.0::DOUBLE AS weight, 1 AS source_id
        FROM r
        """
    )
    con.execute("INSERT INTO interactions SELECT * FROM ev")
    con.execute(
        f"INSERT INTO people (person_id, is_internal, source_id) SELECT 'p_' || "
        f"lpad(i::VARCHAR, 10, '0'), true, 1 FROM range({n_people}) tbl(i)"
    )
    con.execute(f"COPY ev TO '{parquet}' (FORMAT parquet)")
    ws.close()
    return folder / "ws", parquet


def _window():  # type: ignore[no-untyped-def]
    from groundswell.network.window import Window

    return Window(START, START.replace(month=4))


def run_groundswell(ws_path: str, parquet: str, repeat: int) -> tuple[float, int]:
    import groundswell as gs
    from groundswell.network.ties import TieRules, build_ties

    ws = gs.open(ws_path)
    rules = TieRules.from_settings(ws.settings.ties)
    best, rows = float("inf"), 0
    for _ in range(repeat):
        t = time.perf_counter()
        rows = len(build_ties(ws.con, _window(), rules, period="week"))
        best = min(best, time.perf_counter() - t)
    return best, rows


def run_duckdb(ws_path: str, parquet: str, repeat: int) -> tuple[float, int]:
    import duckdb

    con = duckdb.connect(str(Path(ws_path) / "groundswell.duckdb"), read_only=True)
    w = _window()
    sql = """
        SELECT actor_id, target_id, date_trunc('week', ts) AS period, count(*) AS n,
               sum(weight * CASE kind WHEN 'reaction' THEN 0.5 WHEN 'email_cc' THEN 0.5
                                      ELSE 1.0 END) AS weight
        FROM interactions
        WHERE ts >= $1 AND ts < $2 AND NOT is_bot AND n_recipients <= 25
          AND kind IN ('reply', 'mention', 'reaction', 'dm', 'email_to', 'email_cc', 'meeting')
          AND actor_id <> target_id
        GROUP BY ALL HAVING count(*) >= 2
    """
    best, rows = float("inf"), 0
    for _ in range(repeat):
        t = time.perf_counter()
        rows = len(con.execute(sql, [w.start, w.end]).df())
        best = min(best, time.perf_counter() - t)
    return best, rows


def run_pandas(ws_path: str, parquet: str, repeat: int) -> tuple[float, int]:
    import pandas as pd

    df = pd.read_parquet(parquet)
    w = _window()
    weights = {
        "reply": 1.0,
        "mention": 1.0,
        "reaction": 0.5,
        "dm": 1.0,
        "email_to": 1.0,
        "email_cc": 0.5,
        "meeting": 1.0,
    }
    best, rows = float("inf"), 0
    for _ in range(repeat):
        t = time.perf_counter()
        d = df[
            (df["ts"] >= w.start)
            & (df["ts"] < w.end)
            & ~df["is_bot"]
            & (df["n_recipients"] <= 25)
            & df["kind"].isin(list(weights))
            & (df["actor_id"] != df["target_id"])
        ]
        d = d.assign(
            w=d["weight"] * d["kind"].map(weights), period=d["ts"].dt.to_period("W").dt.start_time
        )
        g = d.groupby(["actor_id", "target_id", "period"], observed=True).agg(
            n=("w", "size"), weight=("w", "sum")
        )
        g = g[g["n"] >= 2]
        rows = len(g)
        best = min(best, time.perf_counter() - t)
    return best, rows


def _jvm_peak_mib() -> float:
    """Peak resident memory (VmHWM) of the JVM this process started (PySpark's gateway)."""
    peak = 0.0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            stat = (proc / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak += int(line.split()[1]) / 1024
        except (OSError, ValueError, IndexError):
            continue
    return peak


def run_spark(ws_path: str, parquet: str, repeat: int) -> tuple[float, int, dict]:
    """groundswell's Spark engine, local[2]: the same rules translated to Spark SQL, reading
    the events' Parquet and writing the weekly ties as Parquet (the lake is prepared first,
    untimed: the events file linked, people and sources exported from the workspace)."""
    import duckdb

    import groundswell as gs
    from groundswell.engines.spark import SparkEngine, spark_session
    from groundswell.network.ties import TieRules

    lake = Path(parquet).parent / "lake"
    if not (lake / "_complete").exists():
        for table in ("interactions", "people", "sources"):
            (lake / table).mkdir(parents=True, exist_ok=True)
        link = lake / "interactions" / "events.parquet"
        if not link.exists():
            link.symlink_to(Path(parquet).resolve())
        con = duckdb.connect(str(Path(ws_path) / "groundswell.duckdb"), read_only=True)
        con.execute(f"COPY people TO '{lake / 'people' / 'part-0.parquet'}' (FORMAT parquet)")
        con.execute(
            f"COPY (SELECT source_id, kind FROM sources) TO "
            f"'{lake / 'sources' / 'part-0.parquet'}' (FORMAT parquet)"
        )
        con.close()
        (lake / "_complete").touch()
    with gs.open(ws_path) as ws:
        rules = TieRules.from_settings(ws.settings.ties)
    t = time.perf_counter()
    spark = spark_session("local[2]", conf={"spark.driver.memory": "6g"})
    startup = time.perf_counter() - t
    engine = SparkEngine(spark, lake)
    out = Path(parquet).parent / "spark-ties"
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        engine.write_ties(_window(), rules, str(out), period="week")
        best = min(best, time.perf_counter() - t)
    rows = spark.read.parquet(str(out)).count()
    jvm = _jvm_peak_mib()
    spark.stop()
    return best, rows, {"startup_s": startup, "jvm_mib": jvm, "python_mib": peak_rss_mib()}


CONTENDERS = {
    "groundswell": run_groundswell,
    "duckdb": run_duckdb,
    "pandas": run_pandas,
    "spark": run_spark,
}


def child(name: str, ws_path: str, parquet: str, repeat: int) -> None:
    seconds, rows, *extra = CONTENDERS[name](ws_path, parquet, repeat)
    more = extra[0] if extra else {}
    peak = more["python_mib"] + more["jvm_mib"] if more else peak_rss_mib()
    print(json.dumps({"name": name, "seconds": seconds, "rows": rows, "peak_mib": peak, **more}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", type=Path, help="Markdown file whose aggregate section to update")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--make-data", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="1,000,000 events, one repeat")
    args = ap.parse_args()
    if args.quick:
        args.events, args.repeat = 1_000_000, 1
    if args.child:
        child(args.child[0], args.child[1], args.child[2], args.repeat)
        return
    if args.make_data:
        print(json.dumps([str(p) for p in make_data(args.events, args.people, args.seed)]))
        return
    t = time.perf_counter()
    proc = subprocess.run(  # in its own process, so the contenders start small
        [
            sys.executable,
            __file__,
            "--make-data",
            "--events",
            str(args.events),
            "--people",
            str(args.people),
            "--seed",
            str(args.seed),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    ws_path, parquet = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"data ready in {time.perf_counter() - t:.1f} s: {args.events:,} events, "
        f"{args.people:,} people ({ws_path})"
    )
    results = {}
    for name in CONTENDERS:
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--repeat",
                str(args.repeat),
                "--child",
                name,
                str(ws_path),
                str(parquet),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = results[name]
        print(
            f"{name:12s} {r['seconds']:8.2f} s  peak {r['peak_mib']:8.0f} MiB  "
            f"{r['rows']:,} weekly ties"
        )
    sp = results["spark"]
    print(
        f"spark: start-up {sp['startup_s']:.1f} s (not in the time), JVM peak "
        f"{sp['jvm_mib']:.0f} MiB + Python {sp['python_mib']:.0f} MiB"
    )
    gsr, dk, pd_ = results["groundswell"], results["duckdb"], results["pandas"]
    speedup = pd_["seconds"] / gsr["seconds"]
    overhead = gsr["seconds"] / dk["seconds"]
    print(
        f"groundswell is {speedup:.1f}x faster than pandas (target >= 10x) and takes "
        f"{overhead:.2f}x the bare DuckDB query (target <= 1.5x)"
    )
    if args.write:
        write_markdown(args, results, speedup, overhead)


def write_markdown(
    args: argparse.Namespace, results: dict, speedup: float, overhead: float
) -> None:
    cpu = platform.processor() or platform.machine()
    lines = [
        "<!-- bench/aggregate.py: begin -->",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores ({cpu}, "
        f"Python {platform.python_version()}), {args.events:,} events among "
        f"{args.people:,} people over {WEEKS} weeks, best of {args.repeat}:",
        "",
        "| contender | time (s) | peak memory (MiB) | weekly ties | time ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    base = results["groundswell"]["seconds"]
    for name, label in (
        ("groundswell", "groundswell `build_ties(period='week')`"),
        ("duckdb", "bare DuckDB query (same filters, no aliases/people)"),
        ("pandas", "pandas groupby"),
        ("spark", "groundswell on Spark `local[2]` (same rules; Parquet in and out)"),
    ):
        r = results[name]
        lines.append(
            f"| {label} | {r['seconds']:.2f} | {r['peak_mib']:.0f} | {r['rows']:,} | "
            f"{r['seconds'] / base:.2f} |"
        )
    lines += [
        "",
        f"groundswell is **{speedup:.1f}x** faster than pandas (target: at least 10x) and takes "
        f"**{overhead:.2f}x** the time of the bare DuckDB query (target: at most 1.5x).",
        "",
        f"Spark `local[2]`: **{results['spark']['seconds'] / base:.1f}x** groundswell's DuckDB "
        f"time, plus {results['spark']['startup_s']:.1f} s of start-up not counted; its peak "
        f"memory is the JVM's ({results['spark']['jvm_mib']:.0f} MiB, `spark.driver.memory` 6g) "
        f"plus the Python driver's ({results['spark']['python_mib']:.0f} MiB).",
        "",
        f"Command: `.venv/bin/python bench/aggregate.py --events {args.events} "
        f"--people {args.people} --repeat {args.repeat} --write {args.write}`",
        "<!-- bench/aggregate.py: end -->",
    ]
    write_block(
        args.write, "bench/aggregate.py", lines[1:-1], "Aggregating events into weekly ties"
    )


if __name__ == "__main__":
    main()
