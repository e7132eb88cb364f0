"""Benchmark: N synthetic interactions aggregated into weekly ties.

Three kinds of contender, each run in its own process (so peak memory is its own), on the
same events:

- groundswell: ``network.ties.build_ties(period="week")`` on the workspace's DuckDB store
  (integer person keys in ``interaction_rows``), with every tie rule (window, bots,
  broadcasts, kind weights, aliases, people employed in the window, minimum interactions),
  returning pseudonyms; from ``ties.FAST_ACTS`` acts (as here) DuckDB filters and weighs
  the acts and numba aggregates them. Again with the acts aggregated by DuckDB's query
  whatever the size (the path below ``FAST_ACTS``), and both again on a copy of the
  workspace where one person has two keys (an alias: the mapping path);
- bare DuckDB: the same query shape on the same stored data -- the filters and the weekly
  grouping on the integer keys, the week truncated the same way, the same result columns
  (period as TIMESTAMPTZ) except that people stay integer keys -- without alias resolution
  or the people filter (the floor groundswell's rules cost is measured against); and the
  same naming people by pseudonym in SQL (two joins), which gives build_ties' columns;
- pandas: the straightforward groupby a user would write, on the events (pseudonyms as
  strings) in a DataFrame read from Parquet; and the same with the kind weights mapped
  through a categorical, which a user who knows pandas would write (pandas 3 maps a dict
  over a column of strings row by row in Python: 40% of the plain version's time).

groundswell and the bare query run a second time with DuckDB on one thread (``SET
threads = 1``): pandas runs on one core, and DuckDB's two threads spend more CPU in all
(partitioned aggregation) for less wall time, so the CPU comparison with pandas is
shown both ways. With ``--spark``, groundswell's Spark engine in local mode on the same
Parquet as well.

Each reports the best wall time of ``--repeat`` runs of the aggregation step (data already
loaded in its natural home: the DuckDB file, or a DataFrame read from Parquet; groundswell's
kernel loaded by a first, untimed call), the CPU time (user + system) of that run, and the
process's peak resident memory; the load average is printed before and after. Every
contender on the plain workspace must give the same ties (rows, total acts, total weight).
Run (``nice`` on a shared machine):

    nice .venv/bin/python bench/aggregate.py --events 10000000 --people 10000

and add ``--write docs/performance.md`` to record the result there; ``--check`` compares
the tie frames of the numba aggregation and of DuckDB's query instead (every row, exactly;
no period, day, week and month; the plain workspace and the one with an alias).
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
    from groundswell.ingest.batch import append_interactions

    folder = OUT / f"agg-keys-{n_events}-{n_people}-{seed}"
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
    append_interactions(con, "SELECT * FROM ev")
    con.execute(
        f"INSERT INTO people (person_id, is_internal, source_id) SELECT 'p_' || "
        f"lpad(i::VARCHAR, 10, '0'), true, 1 FROM range({n_people}) tbl(i)"
    )
    con.execute(f"COPY ev TO '{parquet}' (FORMAT parquet)")
    ws.close()
    return folder / "ws", parquet


def alias_copy(ws_path: str) -> str:
    """A copy of the workspace where one person acted under two identifiers (an alias of
    person 1 for person 0's key): no longer one key a person, so ``build_ties`` maps every
    act's keys to people (its mapping path). Made once, beside the workspace."""
    import shutil

    import groundswell as gs

    copy = Path(ws_path).parent / "ws-alias"
    if not (copy / "_complete").exists():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(ws_path, copy)
        ws = gs.open(copy)
        ws.con.execute("INSERT INTO aliases VALUES ('p_0000000001', 'p_0000000000', 1)")
        ws.close()
        (copy / "_complete").touch()
    return str(copy)


def _timed(run, repeat: int) -> tuple[float, float, int, dict]:  # type: ignore[no-untyped-def]
    """The best wall time of ``repeat`` calls of ``run`` (which returns the weekly ties: a
    DataFrame with columns ``n`` and ``weight``), the CPU time (user + system, every thread)
    of that call, the rows, and the sums of ``n`` and ``weight`` (the same for every
    contender: the same ties)."""
    best, cpu, out = float("inf"), 0.0, None
    for _ in range(repeat):
        c0, t = os.times(), time.perf_counter()
        out = run()
        wall, c1 = time.perf_counter() - t, os.times()
        if wall < best:
            best, cpu = wall, (c1.user + c1.system) - (c0.user + c0.system)
    assert out is not None
    sums = {"n_sum": int(out["n"].sum()), "weight_sum": float(out["weight"].sum())}
    return best, cpu, len(out), sums


def _window():  # type: ignore[no-untyped-def]
    from groundswell.network.window import Window

    return Window(START, START.replace(month=4))


def run_groundswell(
    ws_path: str,
    parquet: str,
    repeat: int,
    threads: int = 0,
    duckdb_only: bool = False,
    alias: bool = False,
) -> tuple[float, float, int, dict]:
    """``build_ties(period="week")``; with ``duckdb_only`` the acts aggregated by DuckDB's
    query whatever the workspace's size (as before numba took over from ``FAST_ACTS``); with
    ``alias`` on the copy where one person has two keys (the mapping path)."""
    import groundswell as gs
    from groundswell.network import ties
    from groundswell.network.ties import TieRules, build_ties

    if duckdb_only:
        ties.FAST_ACTS = 10**18
    ws = gs.open(alias_copy(ws_path) if alias else ws_path)
    if threads:
        ws.con.execute(f"SET threads = {int(threads)}")
    rules = TieRules.from_settings(ws.settings.ties)
    # the first call, not counted: it loads numba and its kernel (numba's start-up is paid once
    # a process, and shared with analyze's other kernels); its CPU time is reported apart
    first = _timed(lambda: build_ties(ws.con, _window(), rules, period="week"), 1)[1]
    seconds, cpu, rows, more = _timed(
        lambda: build_ties(ws.con, _window(), rules, period="week"), repeat
    )
    ((acts,),) = ws.con.execute("SELECT count(*) FROM interaction_rows").fetchall()
    return seconds, cpu, rows, more | {"numba": acts >= ties.FAST_ACTS, "first_cpu": first}


#: the bare query: the tie rules' filters and weekly grouping on the stored integer keys, the
#: period turned back into a TIMESTAMPTZ (build_ties' column) after the grouping, as
#: build_ties does it (to_timestamp of whole seconds; a cast would go through the calendar)
BARE = """
    SELECT actor_key, target_key, to_timestamp(epoch_us(period) // 1000000) AS period, n, weight
    FROM (
      SELECT actor_key, target_key, date_trunc('week', make_timestamp(epoch_us(ts))) AS period,
             count(*) AS n,
             sum(weight * CASE kind WHEN 'reaction' THEN 0.5 WHEN 'email_cc' THEN 0.5
                                    ELSE 1.0 END) AS weight
      FROM interaction_rows
      WHERE ts >= $1 AND ts < $2 AND NOT is_bot AND n_recipients <= 25
        AND kind IN ('reply', 'mention', 'reaction', 'dm', 'email_to', 'email_cc', 'meeting')
        AND actor_key <> target_key
      GROUP BY ALL HAVING count(*) >= 2)
"""


def run_duckdb(
    ws_path: str, parquet: str, repeat: int, threads: int = 0
) -> tuple[float, float, int, dict]:
    import duckdb

    con = duckdb.connect(str(Path(ws_path) / "groundswell.duckdb"), read_only=True)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    w = _window()
    return _timed(lambda: con.execute(BARE, [w.start, w.end]).df(), repeat)


#: the same, naming the people of each tie by pseudonym, as build_ties' result does
BARE_NAMED = f"""
    WITH b AS ({BARE})
    SELECT a.pseudonym AS actor_id, t.pseudonym AS target_id, b.period, b.n, b.weight
    FROM b JOIN person_keys a ON a.person_key = b.actor_key
    JOIN person_keys t ON t.person_key = b.target_key
"""


def run_duckdb_named(ws_path: str, parquet: str, repeat: int) -> tuple[float, float, int, dict]:
    import duckdb

    con = duckdb.connect(str(Path(ws_path) / "groundswell.duckdb"), read_only=True)
    w = _window()
    return _timed(lambda: con.execute(BARE_NAMED, [w.start, w.end]).df(), repeat)


def run_pandas(
    ws_path: str, parquet: str, repeat: int, categorical: bool = False
) -> tuple[float, float, int, dict]:
    """The groupby a user would write; with ``categorical``, the kind weights looked up
    through a categorical (the map then runs on the few kinds, not on every act: pandas'
    ``map`` of a dict over a column of strings goes through Python for each row)."""
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

    def once() -> pd.DataFrame:
        d = df[
            (df["ts"] >= w.start)
            & (df["ts"] < w.end)
            & ~df["is_bot"]
            & (df["n_recipients"] <= 25)
            & df["kind"].isin(list(weights))
            & (df["actor_id"] != df["target_id"])
        ]
        kind = d["kind"].astype("category") if categorical else d["kind"]
        d = d.assign(
            w=d["weight"] * kind.map(weights).astype("float64"),
            period=d["ts"].dt.to_period("W").dt.start_time,
        )
        g = d.groupby(["actor_id", "target_id", "period"], observed=True).agg(
            n=("w", "size"), weight=("w", "sum")
        )
        return g[g["n"] >= 2]

    return _timed(once, repeat)


def check_frames(ws_path: str) -> list[str]:
    """The ties of groundswell's numba aggregation and of DuckDB's query, compared frame to
    frame (every row, dtypes, values exactly) for each period and without, on the plain
    workspace and on the copy where one person has two keys."""
    import pandas as pd

    import groundswell as gs
    from groundswell.network import ties
    from groundswell.network.ties import TieRules, build_ties

    out = []
    for path in (ws_path, alias_copy(ws_path)):
        ws = gs.open(path)
        rules = TieRules.from_settings(ws.settings.ties)
        for period in (None, "day", "week", "month"):
            frames = []
            for fast in (0, 10**18):
                ties.FAST_ACTS = fast
                df = build_ties(ws.con, _window(), rules, period=period)
                key = ["actor_id", "target_id", *(["period"] if period else [])]
                frames.append(df.sort_values(key).reset_index(drop=True))
            pd.testing.assert_frame_equal(frames[0], frames[1], check_exact=True)
            out.append(f"{Path(path).name}, period {period}: {len(frames[0]):,} ties, identical")
        ws.close()
    return out


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


def run_spark(ws_path: str, parquet: str, repeat: int) -> tuple[float, float, int, dict]:
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
    more = {"startup_s": startup, "jvm_mib": jvm, "python_mib": peak_rss_mib()}
    return best, float("nan"), rows, more  # the JVM's CPU time is not this process's


CONTENDERS = {
    "groundswell": run_groundswell,
    "groundswell_duckdb": lambda ws, pq, repeat: run_groundswell(ws, pq, repeat, duckdb_only=True),
    "duckdb": run_duckdb,
    "duckdb_named": run_duckdb_named,
    "groundswell_alias": lambda ws, pq, repeat: run_groundswell(ws, pq, repeat, alias=True),
    "groundswell_alias_duckdb": lambda ws, pq, repeat: run_groundswell(
        ws, pq, repeat, alias=True, duckdb_only=True
    ),
    "groundswell_1t": lambda ws, pq, repeat: run_groundswell(ws, pq, repeat, threads=1),
    "duckdb_1t": lambda ws, pq, repeat: run_duckdb(ws, pq, repeat, threads=1),
    "pandas": run_pandas,
    "pandas_cat": lambda ws, pq, repeat: run_pandas(ws, pq, repeat, categorical=True),
    "spark": run_spark,
}


def child(name: str, ws_path: str, parquet: str, repeat: int) -> None:
    seconds, cpu, rows, more = CONTENDERS[name](ws_path, parquet, repeat)
    peak = more["python_mib"] + more["jvm_mib"] if "jvm_mib" in more else peak_rss_mib()
    print(
        json.dumps(
            {"name": name, "seconds": seconds, "cpu": cpu, "rows": rows, "peak_mib": peak, **more}
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--spark", action="store_true", help="also groundswell's Spark engine")
    ap.add_argument("--write", type=Path, help="Markdown file whose aggregate section to update")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--make-data", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="1,000,000 events, one repeat")
    ap.add_argument(
        "--check",
        action="store_true",
        help="only compare the tie frames of numba's and DuckDB's aggregation, every period",
    )
    args = ap.parse_args()
    if args.quick:
        args.events, args.repeat = 1_000_000, 1
    if args.child:
        child(args.child[0], args.child[1], args.child[2], args.repeat)
        return
    if args.make_data:
        ws_path, parquet = make_data(args.events, args.people, args.seed)
        alias_copy(str(ws_path))
        print(json.dumps([str(ws_path), str(parquet)]))
        return
    args.started = datetime.now(UTC)
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
    if args.check:
        for line in check_frames(ws_path):
            print(line, flush=True)
        return
    print(
        f"data ready in {time.perf_counter() - t:.1f} s: {args.events:,} events, "
        f"{args.people:,} people ({ws_path})"
    )
    load = [os.getloadavg()[0]]
    results = {}
    names = [n for n in CONTENDERS if n != "spark" or args.spark]
    for name in names:
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
            f"{name:24s} {r['seconds']:8.2f} s  CPU {r['cpu']:6.2f} s  peak "
            f"{r['peak_mib']:8.0f} MiB  {r['rows']:,} weekly ties",
            flush=True,
        )
    load.append(os.getloadavg()[0])
    if args.spark:
        sp = results["spark"]
        print(
            f"spark: start-up {sp['startup_s']:.1f} s (not in the time), JVM peak "
            f"{sp['jvm_mib']:.0f} MiB + Python {sp['python_mib']:.0f} MiB"
        )
    print(f"load average (1 min) {load[0]:.1f} before, {load[1]:.1f} after")
    for line in verdict(results):
        print(line)
    if args.write:
        write_markdown(args, results, load)


def same_ties(results: dict) -> bool:
    """Whether every contender on the plain workspace gave the same ties: as many rows, the
    same total of acts and the same total weight (the sums are exact: weights of 1 and 0.5)."""
    digests = {
        (r["rows"], r["n_sum"], r["weight_sum"])
        for name, r in results.items()
        if "alias" not in name and name != "spark"
    }
    return len(digests) == 1


def verdict(results: dict) -> list[str]:
    """The targets of issue 20, point 3, read in CPU time and in wall time (and in CPU time
    with DuckDB on one thread, as pandas is)."""
    gsr, pd_ = results["groundswell"], results["pandas"]
    dk, dn = results["duckdb"], results["duckdb_named"]
    out = []
    for what, key in (("CPU", "cpu"), ("wall", "seconds")):
        speedup, overhead, named = pd_[key] / gsr[key], gsr[key] / dk[key], gsr[key] / dn[key]
        out.append(
            f"in {what} time, groundswell is **{speedup:.1f}x** faster than pandas (target: at "
            f"least 5x: {'met' if speedup >= 5 else 'not met'}) and takes **{overhead:.2f}x** "
            f"the bare DuckDB query with keys out (target: at most 1.2x: "
            f"{'met' if overhead <= 1.2 else 'not met'}), **{named:.2f}x** the bare query "
            f"naming people in SQL ({'met' if named <= 1.2 else 'not met'})"
        )
    if "pandas_cat" in results:
        pc = results["pandas_cat"]
        out.append(
            "against pandas with categorical kinds, groundswell is "
            f"**{pc['cpu'] / gsr['cpu']:.1f}x** faster in CPU time, "
            f"**{pc['seconds'] / gsr['seconds']:.1f}x** in wall time"
        )
    if "groundswell_duckdb" in results and not gsr.get("numba", True):
        out.append(
            "below `FAST_ACTS` acts, groundswell aggregates them by DuckDB's query: its two "
            "first rows are the same code"
        )
    elif "groundswell_duckdb" in results:
        gd = results["groundswell_duckdb"]
        out.append(
            "the acts aggregated in numba take "
            f"**{gsr['cpu'] / gd['cpu']:.2f}x** the CPU time and "
            f"**{gsr['seconds'] / gd['seconds']:.2f}x** the wall time of the same rules "
            "aggregated by DuckDB's query (groundswell below `FAST_ACTS`, and before this "
            f"round); a process's first call took {gsr['first_cpu']:.2f} s of CPU against "
            f"{gd['first_cpu']:.2f} s (numba's start-up, once a process)"
        )
    if "groundswell_alias" in results:
        ga = results["groundswell_alias"]
        line = (
            "with one person under two keys (the mapping path), groundswell takes "
            f"**{ga['cpu'] / dk['cpu']:.2f}x** the bare query's CPU time and "
            f"**{ga['seconds'] / dk['seconds']:.2f}x** its wall time (target: at most 1.2x: "
            f"{'met' if ga['cpu'] / dk['cpu'] <= 1.2 else 'not met'} in CPU), "
            f"**{pd_['cpu'] / ga['cpu']:.1f}x** faster than pandas in CPU time"
        )
        if "groundswell_alias_duckdb" in results:
            gad = results["groundswell_alias_duckdb"]
            line += (
                f"; aggregated by DuckDB's query it took **{gad['cpu'] / dk['cpu']:.2f}x** the "
                f"bare query's CPU time ({gad['seconds'] / dk['seconds']:.2f}x its wall time)"
            )
        out.append(line)
    if "groundswell_1t" in results:
        g1, d1 = results["groundswell_1t"], results["duckdb_1t"]
        speedup, overhead = pd_["cpu"] / g1["cpu"], g1["cpu"] / d1["cpu"]
        out.append(
            f"with DuckDB on one thread (pandas' one core), groundswell is "
            f"**{speedup:.1f}x** faster than pandas in CPU time "
            f"({'met' if speedup >= 5 else 'not met'}) and takes **{overhead:.2f}x** the bare "
            f"query on one thread ({'met' if overhead <= 1.2 else 'not met'}); one thread "
            f"spends {g1['cpu'] / gsr['cpu']:.2f}x the CPU of two for "
            f"{g1['seconds'] / gsr['seconds']:.2f}x the wall time"
        )
    out.append(
        "every contender on the plain workspace gives the same ties (rows, total acts and "
        f"total weight): {'yes' if same_ties(results) else 'NO'}"
    )
    return out


def write_markdown(args: argparse.Namespace, results: dict, load: list[float]) -> None:
    cpu = platform.processor() or platform.machine()
    lines = [
        "<!-- bench/aggregate.py: begin -->",
        f"Measured {args.started:%Y-%m-%d %H:%M}–{datetime.now(UTC):%H:%M} UTC on "
        f"{os.cpu_count()} cores ({cpu}, "
        f"Python {platform.python_version()}, load average {load[0]:.1f} before and "
        f"{load[1]:.1f} after), {args.events:,} events among {args.people:,} people over "
        f"{WEEKS} weeks, best of {args.repeat}:",
        "",
        "| contender | CPU (s) | wall (s) | peak memory (MiB) | weekly ties | CPU ratio | "
        "wall ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    base = results["groundswell"]
    labels = {
        "groundswell": "groundswell `build_ties(period='week')` (integer keys, every rule; "
        "acts aggregated in numba)",
        "groundswell_duckdb": "the same `build_ties`, acts aggregated by DuckDB's query "
        "(below `FAST_ACTS`; before this round)",
        "groundswell_alias": "groundswell, one person under two keys (the mapping path)",
        "groundswell_alias_duckdb": "the same, acts aggregated by DuckDB's query",
        "duckdb": "bare DuckDB query (same filters and weeks on the integer keys; keys out)",
        "duckdb_named": "the bare query naming people by pseudonym in SQL (build_ties' columns)",
        "groundswell_1t": "groundswell `build_ties`, DuckDB on one thread",
        "duckdb_1t": "bare DuckDB query (keys out), DuckDB on one thread",
        "pandas": "pandas groupby (pseudonyms as strings, from Parquet)",
        "pandas_cat": "the same pandas, kind weights mapped through a categorical",
        "spark": "groundswell on Spark `local[2]` (same rules; Parquet in and out)",
    }
    for name, r in results.items():
        cpu_s = "—" if r["cpu"] != r["cpu"] else f"{r['cpu']:.2f}"
        cpu_r = "—" if r["cpu"] != r["cpu"] else f"{r['cpu'] / base['cpu']:.2f}"
        lines.append(
            f"| {labels[name]} | {cpu_s} | {r['seconds']:.2f} | {r['peak_mib']:.0f} | "
            f"{r['rows']:,} | {cpu_r} | {r['seconds'] / base['seconds']:.2f} |"
        )
    lines += ["", *(f"- {line[0].upper()}{line[1:]}." for line in verdict(results))]
    if "spark" in results:
        sp = results["spark"]
        lines += [
            "",
            f"Spark `local[2]`: **{sp['seconds'] / base['seconds']:.1f}x** groundswell's DuckDB "
            f"time, plus {sp['startup_s']:.1f} s of start-up not counted; its peak memory is "
            f"the JVM's ({sp['jvm_mib']:.0f} MiB, `spark.driver.memory` 6g) plus the Python "
            f"driver's ({sp['python_mib']:.0f} MiB).",
        ]
    spark = " --spark" if "spark" in results else ""
    lines += [
        "",
        f"Command: `nice .venv/bin/python bench/aggregate.py --events {args.events} "
        f"--people {args.people} --repeat {args.repeat}{spark} --write {args.write}`",
        "<!-- bench/aggregate.py: end -->",
    ]
    write_block(
        args.write, "bench/aggregate.py", lines[1:-1], "Aggregating events into weekly ties"
    )


if __name__ == "__main__":
    main()
