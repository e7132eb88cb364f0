"""Benchmark: two costs of a large run that grow with the ties, before and now, on one graph,
in one run (issue 20, point 5).

On the synthetic organisation of bench/analysis.py (``make_org``):

- **clustering** and **directed clustering**: the triangle sums by blocks of sparse products
  (``kernel=False``, below 50,000 people and before) against the numba kernel
  (``kernel=True``, ``analysis/_triangle_kernels.py``, from 50,000 people);
- **the tie keys' set operations** of the value step and of ``analyze``: ``np.unique`` of
  every tie both ways as integer keys (group figures' ``_pairs``) and ``np.isin`` of the
  reversed keys (``overall_reciprocity``, ``type_ties``, maturity), NumPy (before) against
  ``groundswell._sets`` (now).

Each contender runs in a fresh process (its peak memory its own: the resident memory before
the call and the peak during it, VmHWM reset through ``/proc/self/clear_refs`` just before),
alternating, ``--repeat`` rounds; the results are compared (exactly for the set operations,
largest relative difference for the clusterings). Run::

    nice .venv/bin/python bench/triangles.py --people 100000 --ties 3000000

and ``--write docs/performance.md`` to record it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import cpu_seconds, machine, peak_rss_mib, run_child, write_block

OUT = Path(__file__).resolve().parent / "out"
TASKS = {
    "clustering": ("clustering (undirected, weighted)", "blocked sparse products", "numba kernel"),
    "directed": ("directed clustering (weighted)", "blocked sparse products", "numba kernel"),
    "unique": ("unique keys of every tie both ways", "np.unique", "_sets.unique"),
    "isin": ("reversed tie keys among the tie keys", "np.isin", "_sets.isin"),
}


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover


def child(task: str, now: bool, people: int, ties: int) -> dict:
    import numpy as np
    import pandas as pd

    from analysis import data_folder
    from groundswell import _sets
    from groundswell.analysis import position
    from groundswell.network.graph import Graph

    folder = data_folder(people, ties, 1)
    e = pd.read_parquet(folder / "edges.parquet")
    staff = pd.read_parquet(folder / "people.parquet")
    nodes = pd.Index(staff.index).union(pd.Index(e["actor_id"])).union(e["target_id"])
    g = Graph.from_edges(nodes.to_numpy(), e[["actor_id", "target_id", "weight"]])
    del e, staff, nodes
    if task in ("clustering", "directed"):
        f = position.clustering if task == "clustering" else position.directed_clustering
        if now:  # compiled or loaded from the cache before the clock starts
            f(Graph.from_edges(["a", "b", "c"], [("a", "b", 1.0), ("b", "c", 2.0)]), kernel=True)

        def call() -> np.ndarray:
            return f(g, kernel=now).to_numpy()
    else:
        a, b = g.src.astype(np.int64), g.dst.astype(np.int64)
        width = np.int64(g.n + 1)
        if task == "unique":
            keys = np.concatenate([a * width + b, b * width + a])

            def call() -> np.ndarray:
                return _sets.unique(keys) if now else np.unique(keys)
        else:
            key, rev = a * width + b, b * width + a

            def call() -> np.ndarray:
                return _sets.isin(rev, key) if now else np.isin(rev, key)

    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
    before = rss_mib()
    t, c = time.perf_counter(), cpu_seconds()
    got = call()
    seconds, cpu = time.perf_counter() - t, cpu_seconds() - c
    path = OUT / f"triangles-{task}-{'now' if now else 'before'}.npy"
    np.save(path, got)
    return {"seconds": seconds, "cpu": cpu, "peak_mib": peak_rss_mib(), "rss_before": before,
            "n": g.n, "m": g.m, "path": str(path)}  # fmt: skip


def compare(task: str, before: str, now: str) -> str:
    import numpy as np

    x, y = np.load(before), np.load(now)
    if task in ("unique", "isin"):
        return "identical" if x.dtype == y.dtype and np.array_equal(x, y) else "DIFFERENT"
    rel = np.abs(x - y) / np.maximum(np.abs(x), np.finfo(float).tiny)
    return f"largest relative difference {rel.max():.1e} ({(x == y).mean():.0%} bit-equal)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--ties", type=int, default=3_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--write", type=Path)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        task, now, p, t = a.child
        print(json.dumps(child(task, now == "1", int(p), int(t))))
        return
    from analysis import data_folder

    data_folder(a.people, a.ties, 1)
    tasks = a.tasks.split(",")
    res: dict[tuple[str, bool], list[dict]] = {(k, now): [] for k in tasks for now in (False, True)}
    for _ in range(a.repeat):
        for task in tasks:
            for now in (False, True):
                r = run_child(__file__, "--child", task, str(int(now)), str(a.people), str(a.ties))
                res[task, now].append(r)
                print(task, now, r, flush=True)
    best = {k: min(v, key=lambda r: r["cpu"]) for k, v in res.items()}
    load = os.getloadavg()
    first = best[tasks[0], False]
    lines = [
        f"{machine()}, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end "
        "(the machine was shared with other engineers' work; niced).",
        "",
        f"Graph: `make_org` of bench/analysis.py, {first['n']:,} people, {first['m']:,} directed "
        f"weighted ties (seed 1); each contender in a fresh process, alternating, {a.repeat} "
        "round(s), the round with the least CPU shown; memory: the peak during the call (VmHWM "
        "reset just before it) less the resident memory before it.",
        "",
        "| computation | contender | wall (s) | CPU (s) | memory added (MiB) | CPU ratio "
        "| result |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for task in tasks:
        title, old, new = TASKS[task]
        b, n = best[task, False], best[task, True]
        same = compare(task, b["path"], n["path"])
        ratio = f"**{n['cpu'] / b['cpu']:.2f}x**"
        for name, r, x, note in ((old, b, "", "(before)"), (new, n, ratio, same)):
            lines.append(
                f"| {title} | {name} | {r['seconds']:.1f} | {r['cpu']:.2f} "
                f"| {max(r['peak_mib'] - r['rss_before'], 0):,.0f} | {x} | {note} |"
            )
    lines += [
        "",
        f"Command: `nice .venv/bin/python bench/triangles.py --people {a.people} --ties {a.ties} "
        f"--repeat {a.repeat} --write docs/performance.md`",
    ]
    print("\n".join(lines))
    if a.write:
        write_block(a.write, "bench/triangles.py", lines, "Triangles and tie keys at scale")


if __name__ == "__main__":
    main()
