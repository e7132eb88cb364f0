"""Benchmark: the hop-distance harmonic closeness of the scale path, direction-optimising
breadth-first searches against top-down only, on one graph, in one run (issue 20, point 5).

On the synthetic organisation of bench/analysis.py (``make_org``), the kernel of
:func:`groundswell.analysis.scale.harmonic_hops` (``_scale_kernels.hop_harmonic``, 1,000
sources drawn as ``harmonic_hops`` draws them, seed 42) runs with ``alpha = 0`` (every level
top-down: the search before this change) and with the default ``alpha`` (a level goes
bottom-up once the frontier is large; Beamer et al. 2012), each in a fresh process, in
alternation (``--repeat`` rounds); time, CPU time (user + sys) and peak memory, and a check
that both give the same sums bit for bit. Run::

    nice .venv/bin/python bench/hops.py --people 250000 --ties 7500000

and ``--write docs/performance.md`` to record it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import cpu_seconds, machine, peak_rss_mib, run_child, write_block


def child(alpha: float, people: int, ties: int, sources: int) -> dict:
    import numpy as np
    import pandas as pd

    from analysis import data_folder
    from groundswell.analysis import _scale_kernels, scale
    from groundswell.network.graph import Graph

    folder = data_folder(people, ties, 1)
    e = pd.read_parquet(folder / "edges.parquet")
    staff = pd.read_parquet(folder / "people.parquet")
    nodes = pd.Index(staff.index).union(pd.Index(e["actor_id"])).union(e["target_id"])
    g = Graph.from_edges(nodes.to_numpy(), e[["actor_id", "target_id", "weight"]])
    del e
    src, dst = g.src.astype(np.int64), g.dst.astype(np.int64)
    out = scale._csr_order(src, dst, g.n)[:2]
    rev = scale._csr_order(dst, src, g.n)[:2]
    drawn = np.random.default_rng(42).integers(0, g.n, size=sources)
    _scale_kernels.hop_harmonic(*out, drawn[:2], *rev, alpha=alpha)  # compiled or loaded
    t, c = time.perf_counter(), cpu_seconds()
    s1, s2 = _scale_kernels.hop_harmonic(*out, drawn, *rev, alpha=alpha)
    seconds, cpu = time.perf_counter() - t, cpu_seconds() - c
    digest = hashlib.sha256(s1.tobytes() + s2.tobytes()).hexdigest()
    return {"seconds": seconds, "cpu": cpu, "peak_mib": peak_rss_mib(), "sha": digest, "n": g.n}


def main() -> None:
    from groundswell.analysis._scale_kernels import ALPHA

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=250_000)
    ap.add_argument("--ties", type=int, default=7_500_000)
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        al, p, t, k = a.child
        print(json.dumps(child(float(al), int(p), int(t), int(k))))
        return
    from analysis import data_folder

    data_folder(a.people, a.ties, 1)
    res: dict[str, list[dict]] = {"top-down": [], "direction-optimising": []}
    for _ in range(a.repeat):
        for name, alpha in (("top-down", 0.0), ("direction-optimising", ALPHA)):
            r = run_child(__file__, "--child", str(alpha), str(a.people), str(a.ties),
                          str(a.sources))  # fmt: skip
            res[name].append(r)
            print(name, r, flush=True)
    same = len({r["sha"] for rs in res.values() for r in rs}) == 1
    best = {k: min(v, key=lambda r: r["cpu"]) for k, v in res.items()}
    td, do = best["top-down"], best["direction-optimising"]
    load = os.getloadavg()
    lines = [
        f"{machine()}, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end "
        "(the machine was shared with other engineers' work; niced).",
        "",
        f"Graph: `make_org` of bench/analysis.py, {td['n']:,} people, {a.ties:,} directed "
        f"weighted ties (seed 1); {a.sources:,} breadth-first searches (hop closeness of the "
        f"scale path); each contender in a fresh process, alternating, {a.repeat} rounds, "
        "the round with the least CPU shown.",
        "",
        "| search | wall (s) | CPU (s) | peak (MiB) |",
        "|---|---:|---:|---:|",
        f"| top-down only (before) | {td['seconds']:.1f} | {td['cpu']:.1f} "
        f"| {td['peak_mib']:,.0f} |",
        f"| direction-optimising (alpha = {ALPHA:g}) | {do['seconds']:.1f} | {do['cpu']:.1f} "
        f"| {do['peak_mib']:,.0f} |",
        "",
        f"Direction-optimising: **{do['cpu'] / td['cpu']:.2f}x** the CPU, "
        f"{do['seconds'] / td['seconds']:.2f}x the wall time; sums "
        f"{'identical bit for bit in every round' if same else 'DIFFERENT'}.",
        "",
        f"Command: `nice .venv/bin/python bench/hops.py --people {a.people} --ties {a.ties} "
        f"--sources {a.sources} --repeat {a.repeat} --write docs/performance.md`",
    ]
    print("\n".join(lines))
    if a.write:
        write_block(a.write, "bench/hops.py", lines, "Hop closeness searches at scale")


if __name__ == "__main__":
    main()
