"""Benchmark: a whole run at scale — workspace, ``analyze``, report and dashboard (issue 20, 5).

``bench/analysis.py --workspace`` (or this script) takes the synthetic organisation of
``bench/analysis.py`` (``make_org``: people in departments, teams and a manager tree; ties
drawn mostly inside teams and departments, weight = interactions per tie), and:

1. **builds a workspace** (cached in ``bench/out/fullrun-*/``, not timed as analysis): the
   people as an org chart (pseudonymised with the workspace's key, as the readers do) and
   every tie as one already-aggregated pair of the ``collaboration`` layer (the shape of
   Microsoft Viva Insights' person-to-person export: one row per pair and period, its
   weight the tie's), inserted by DuckDB from the Parquet files; ``analysis.map_max_people``
   is set to ``--map-people``;
2. runs ``Workspace.analyze`` in a fresh process: the real pipeline, results stored as a
   run; the time of each of its steps (``groundswell.progress.listen``) and the process's
   peak memory (VmHWM) after each;
3. writes the HTML report of the run in a fresh process (time, size, peak memory);
4. serves the dashboard (``create_app`` under uvicorn) and opens the network map in headless
   Chromium (every request outside the server blocked): time to the first drawn frame, the
   people and ties drawn; screenshots of the map and of the report go to ``bench/out``.

Run::

    nice .venv/bin/python bench/analysis.py --workspace --people 250000 --ties 7500000 \\
        --map-people 20000
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import cpu_seconds, machine, peak_rss_mib, write_block

OUT = Path(__file__).resolve().parent / "out"
DAY = "2024-06-03 12:00:00+00"


def rss_mib() -> float:
    """This process's resident memory now (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover


def build(data: Path, ws_path: Path, map_people: int) -> dict:
    """The workspace of the organisation in ``data`` (see the module docstring)."""
    import duckdb
    import numpy as np
    import pandas as pd

    import groundswell as gs
    from groundswell.ingest.batch import append_interactions

    t = time.perf_counter()
    ws = gs.init(ws_path)
    toml = ws_path / "groundswell.toml"
    text = re.sub(r"(?m)^map_max_people = \d+", f"map_max_people = {map_people}", toml.read_text())
    toml.write_text(text)
    people = pd.read_parquet(data / "people.parquet")
    raw = people.index.to_numpy(object)
    pid = ws.pseudonymiser.people(raw)
    idmap = dict(zip(raw, pid, strict=True))
    frame = pd.DataFrame(
        {
            "raw": raw,
            "person_id": pid,
            "department": people["department"].to_numpy(),
            "team": people["team"].to_numpy(),
            "level": people["level"].to_numpy(np.int64),
            "manager_id": [idmap.get(m) for m in people["manager_id"]],
            "location": people["location"].to_numpy(),
        }
    )
    edges = str(data / "edges.parquet")
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{edges}')").fetchall()[0][0]
    with ws.transaction() as con:
        src = int(con.execute("SELECT nextval('source_seq')").fetchall()[0][0])
        con.execute(
            "INSERT INTO sources VALUES (?, 'viva', ?, ?, '{}', ?, 0, '{}', ?, 0, ?, now())",
            [src, str(data), f"bench-{data.name}", count, len(frame), count],
        )
        con.register("staff", frame)
        con.execute(
            "INSERT INTO people SELECT person_id, NULL, true, department, team, NULL, level, "
            f"manager_id, location, DATE '2020-01-01', NULL, '{{}}', {src}, NULL FROM staff"
        )
        append_interactions(
            con,
            "SELECT TIMESTAMPTZ '" + DAY + "', a.person_id, "
            "b.person_id, 'collaboration', 'c' || e.rowid, 1, false, e.weight, " + str(src) + " "
            f"FROM read_parquet('{edges}', file_row_number = true) "
            "AS e(actor_id, target_id, weight, rowid) "
            "JOIN staff a ON a.raw = e.actor_id JOIN staff b ON b.raw = e.target_id",
        )
        con.unregister("staff")
    ws.close()
    return {"build_seconds": time.perf_counter() - t, "interactions": int(count)}


class TreeMemory:
    """The peak of this process's resident memory plus its child processes' (the worker
    ``analyze`` may start for the communities), sampled every 50 ms by a thread; at least
    this process's own peak (VmHWM)."""

    def __init__(self) -> None:
        import threading

        import psutil

        self.me = psutil.Process()
        self.most = 0.0
        self.workers_most = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        import psutil

        while not self.stop.wait(0.05):
            try:
                kids = sum(c.memory_info().rss for c in self.me.children(recursive=True)) / 2**20
            except psutil.Error:  # a child ended while read
                continue
            self.workers_most = max(self.workers_most, kids)
            self.most = max(self.most, self.me.memory_info().rss / 2**20 + kids)

    def peak(self) -> float:
        return max(self.most, peak_rss_mib())


def cpu_all() -> float:
    """CPU time of this process and of its child processes that have ended, user + sys."""
    import resource

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return cpu_seconds() + kids.ru_utime + kids.ru_stime


def analyze(ws_path: Path) -> dict:
    """``Workspace.analyze`` with the time and peak memory after each of its steps (memory
    and CPU of the process with its worker processes)."""
    import groundswell as gs
    from groundswell import progress

    tree = TreeMemory()
    steps: list[dict] = []
    clock = {"t": time.perf_counter(), "cpu": cpu_all(), "name": "opening"}
    c0 = clock["cpu"]

    def duckdb_mib() -> float:
        """DuckDB's own memory now (duckdb_memory(): buffers, indexes, the open transaction)."""
        try:
            got = ws.con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()
            return float(got[0][0] or 0) / 2**20
        except Exception:  # a measurement only: never fail the run for it
            return float("nan")

    def heard(description: str, _n: int, _total: int) -> None:
        now, cpu = time.perf_counter(), cpu_all()
        steps.append(
            {
                "step": clock["name"],
                "seconds": now - clock["t"],
                "cpu": cpu - clock["cpu"],
                "peak_mib": tree.peak(),
                "own_peak_mib": peak_rss_mib(),
                "workers_peak_mib": tree.workers_most,
                "rss_mib": rss_mib(),
                "duckdb_mib": duckdb_mib(),
                "load": os.getloadavg()[0],
            }
        )
        print(json.dumps(steps[-1]), file=sys.stderr, flush=True)
        clock.update(t=now, cpu=cpu, name=description)

    t0 = time.perf_counter()
    ws = gs.open(ws_path)
    with progress.listen(heard):
        run = ws.analyze()
    heard("end", 0, 0)
    total = time.perf_counter() - t0
    s = run.summary
    keep = {k: v for k, v in s.items() if "betweenness" in k or "harmonic" in k or "closeness" in k}
    tree.stop.set()
    out = {
        "steps": steps,
        "seconds": total,
        "cpu": cpu_all() - c0,
        "peak_mib": tree.peak(),
        "own_peak_mib": peak_rss_mib(),
        "workers_peak_mib": tree.workers_most,
        "people": s["people"],
        "ties": s["ties"],
        "communities": s["communities"],
        "notes": keep,
        "run_id": run.run_id,
        "mapped": int(
            ws.query("SELECT count(*) AS c FROM layout WHERE run_id = ?", [run.run_id])["c"][0]
        ),
    }
    ws.close()
    return out


def report(ws_path: Path, html: Path) -> dict:
    import groundswell as gs

    t, c = time.perf_counter(), cpu_seconds()
    with gs.open(ws_path) as ws:
        ws.report(html)
    return {"seconds": time.perf_counter() - t, "cpu": cpu_seconds() - c,
            "peak_mib": peak_rss_mib(), "mib": html.stat().st_size / 2**20}  # fmt: skip


def look(ws_path: Path, html: Path, shots: Path) -> dict:
    """The dashboard's map and the report in headless Chromium, with screenshots."""
    from playwright.sync_api import sync_playwright

    from dashboard import PASSWORD, USER, Server, ensure_user
    from groundswell.browser import offline_page_context

    ensure_user(ws_path)
    out: dict = {}
    with Server(ws_path) as server:
        base = server.base
        with (
            tempfile.TemporaryDirectory(prefix="gs-bench-") as profile,
            sync_playwright() as p,
            offline_page_context(
                p,
                profile,
                lambda url: url.startswith((base + "/", "file:")),
                viewport={"width": 1400, "height": 900},
            ) as (context, blocked),
        ):
            page = context.new_page()
            page.goto(base + "/login?next=/")
            page.fill("#username", USER)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            t = time.perf_counter()
            page.goto(base + "/explorer")
            page.wait_for_function(
                "() => window.gsDashboard && (gsDashboard.ready || gsDashboard.error)",
                timeout=600_000,
                polling=50,
            )
            out["map_error"] = page.evaluate("gsDashboard.error")
            out["map_seconds"] = time.perf_counter() - t
            out["map_first_frame_ms"] = page.evaluate("gsDashboard.timings.sinceNavigationMs")
            out["map_nodes"], out["map_edges"] = page.evaluate(
                "[gsDashboard.map.graph.order, gsDashboard.map.graph.size]"
            )
            page.wait_for_timeout(1000)
            page.screenshot(path=str(shots / "dashboard-map.png"))
            t = time.perf_counter()
            page.goto(html.resolve().as_uri(), timeout=600_000)
            page.wait_for_load_state("load", timeout=600_000)
            out["report_open_seconds"] = time.perf_counter() - t
            page.wait_for_timeout(3000)
            page.screenshot(path=str(shots / "report-top.png"))
            out["blocked"] = len(blocked)
    return out


def child(what: str, *args: str) -> None:
    funcs = {"build": build, "analyze": analyze, "report": report, "look": look}
    conv = [Path(a) if "/" in a else int(a) for a in args]
    print(json.dumps(funcs[what](*conv)))


def in_child(what: str, *args: str, timeout: float) -> dict:
    proc = subprocess.run(  # the child's stderr (its steps as they end) passes through
        [sys.executable, __file__, "--child", what, *args],
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    if proc.returncode:
        raise RuntimeError(f"{what} failed (its error is above, on stderr)")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_full(people: int, ties: int, seed: int, map_people: int, timeout: float,
             write: Path | None) -> None:  # fmt: skip
    from analysis import data_folder

    t = time.perf_counter()
    data = data_folder(people, ties, seed)
    print(f"data ready in {time.perf_counter() - t:.1f} s ({data})", flush=True)
    folder = OUT / f"fullrun-{people}-{ties}-{seed}-{map_people}"
    ws_path, html, shots = folder / "ws", folder / "report.html", folder
    if not (folder / "built.json").exists():
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        built = in_child("build", str(data), str(ws_path), str(map_people), timeout=timeout)
        (folder / "built.json").write_text(json.dumps(built))
    built = json.loads((folder / "built.json").read_text())
    print("built", built, flush=True)
    a = in_child("analyze", str(ws_path), timeout=timeout)
    print("analyzed", json.dumps(a), flush=True)
    r = in_child("report", str(ws_path), str(html), timeout=timeout)
    print("report", r, flush=True)
    lk = in_child("look", str(ws_path), str(html), str(shots), timeout=timeout)
    print("look", lk, flush=True)
    lines = table(people, ties, seed, map_people, built, a, r, lk)
    print("\n".join(lines))
    if write:
        write_block(write, "bench/fullrun.py", lines, "A whole run at scale")


def table(people, ties, seed, map_people, built, a, r, lk) -> list[str]:  # type: ignore[no-untyped-def]
    load = os.getloadavg()
    n = a["notes"]
    rows = [
        "| step of `analyze` | wall (s) | CPU, user + sys (s) | peak memory so far (MiB)¹ "
        "| resident at its end (MiB) | of which DuckDB's (MiB) | load average (1 min) at its end |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in a["steps"]:
        rows.append(
            f"| {s['step']} | {s['seconds']:.1f} | {s.get('cpu', float('nan')):.1f} "
            f"| {s['peak_mib']:,.0f} | {s.get('rss_mib', float('nan')):,.0f} "
            f"| {s.get('duckdb_mib', float('nan')):,.0f} | {s.get('load', float('nan')):.1f} |"
        )
    rows.append(
        f"| **total** | **{a['seconds']:.1f}** | **{a.get('cpu', float('nan')):.1f}** "
        f"| **{a['peak_mib']:,.0f}** | | | |"
    )
    bounds = ", ".join(f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}"
                       for k, v in sorted(n.items()))  # fmt: skip
    return [
        f"{machine()}, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end "
        "(the machine was shared with other engineers' work).",
        "",
        f"Organisation: `make_org` of bench/analysis.py, {people:,} people, {ties:,} directed "
        f"weighted ties (seed {seed}), stored as {built['interactions']:,} collaboration "
        f"pairs in a pseudonymous workspace (built in {built['build_seconds']:.0f} s, not "
        f"counted); `analysis.map_max_people = {map_people:,}`. The run: {a['people']:,} "
        f"people, {a['ties']:,} ties, {a['communities']:,} communities; {a['mapped']:,} "
        "people on the map.",
        "",
        *rows,
        "",
        "¹ The process with its worker processes (the communities' worker from 50,000 people "
        "on): their resident memory summed, sampled every 50 ms, and at least the process's "
        f"own peak (VmHWM: {a.get('own_peak_mib', a['peak_mib']):,.0f} MiB; the workers' "
        f"largest sum {a.get('workers_peak_mib', 0):,.0f} MiB). CPU includes the workers' "
        "once they have ended (counted in the step that waits for them).",
        "",
        f"Sampled measures and their stated bounds (`run.summary`): {bounds}.",
        "",
        f"Report (`Workspace.report`, fresh process): {r['seconds']:.1f} s wall, "
        f"{r.get('cpu', float('nan')):.1f} s CPU, {r['mib']:.1f} MiB "
        f"of HTML, peak {r['peak_mib']:,.0f} MiB; opened in headless Chromium in "
        f"{lk['report_open_seconds']:.1f} s.",
        f"Dashboard (`create_app` under uvicorn): the network map drew its first frame "
        f"{lk['map_first_frame_ms'] / 1000:.1f} s after navigation with {lk['map_nodes']:,} "
        f"people and {lk['map_edges']:,} ties (error: {lk['map_error']}); "
        f"{lk['blocked']} outside requests blocked.",
        "",
        f"Command: `nice .venv/bin/python bench/analysis.py --workspace --people {people} "
        f"--ties {ties} --seed {seed} --map-people {map_people} --write docs/performance.md`",
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:])
    else:
        import argparse

        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--people", type=int, default=250_000)
        ap.add_argument("--ties", type=int, default=7_500_000)
        ap.add_argument("--seed", type=int, default=1)
        ap.add_argument("--map-people", type=int, default=20_000)
        ap.add_argument("--timeout", type=float, default=3600)
        ap.add_argument("--write", type=Path)
        a = ap.parse_args()
        run_full(a.people, a.ties, a.seed, a.map_people, a.timeout, a.write)
