"""Benchmark: the scale path's sampled betweenness and closeness against the pivot sampling
they replace, on one graph, in one run (issue 20, point 5).

On the synthetic organisation of bench/analysis.py (``make_org``), each contender runs in
its own fresh process (time, CPU time user + sys, peak memory):

- ``paths``: :func:`groundswell.analysis.scale.betweenness_paths` — Riondato &
  Kornaropoulos' sampled shortest paths, ``--epsilon`` (0.02) for everyone at once with
  probability 0.9, by a bidirectional search;
- ``paths-all``: the same without adaptive stopping (all of Riondato & Kornaropoulos'
  paths, as before adaptive stopping), same seed;
- ``pivots``: :func:`groundswell.analysis.centrality.betweenness_and_closeness` — the
  Brandes & Pich pivots used below ``scale_min_nodes``: ``--pivots`` (1,000) full
  shortest-path searches, betweenness and weighted harmonic closeness from the same
  searches, each with its Hoeffding bound;
- ``hops``: :func:`groundswell.analysis.scale.harmonic_hops` from ``--pivots`` sources.

The table gives each contender's bound beside its time. Pivots need
k = ln(2n/delta) / (2 (eps (n-1)/n)^2) sources for the paths' bound; their time for that k
is extrapolated linearly from the measured run (a search per source), and said so. Run::

    nice .venv/bin/python bench/sampled.py --people 100000 --ties 3000000

and ``--write docs/performance.md`` to record it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import cpu_seconds, machine, peak_rss_mib, run_child, write_block


def child(what: str, people: int, ties: int, epsilon: float, pivots: int) -> dict:
    import pandas as pd

    from analysis import data_folder
    from groundswell.analysis import centrality, scale
    from groundswell.network.graph import Graph

    folder = data_folder(people, ties, 1)
    e = pd.read_parquet(folder / "edges.parquet")
    staff = pd.read_parquet(folder / "people.parquet")
    nodes = pd.Index(staff.index).union(pd.Index(e["actor_id"])).union(e["target_id"])
    g = Graph.from_edges(nodes.to_numpy(), e[["actor_id", "target_id", "weight"]])
    del e
    t, c = time.perf_counter(), cpu_seconds()
    out: dict = {}
    if what in ("paths", "paths-all"):
        b = scale.betweenness_paths(g, epsilon=epsilon, seed=42, adaptive=what == "paths")
        out = {
            "samples": b.samples,
            "bound": b.error_bound,
            "top": float(b.scores.max()),
            "top100": scale.top_relative_bound(b),
        }
    elif what == "pivots":
        b, h = centrality.betweenness_and_closeness(
            g, exact_max_nodes=0, samples=pivots, delta=0.1, seed=42
        )
        out = {
            "samples": b.samples,
            "bound": b.error_bound,
            "top": float(b.scores.max()),
            "harmonic_bound": h.attrs["error_bound"],
            "harmonic_median": float(h.median()),
        }
    else:
        h = scale.harmonic_hops(g, samples=pivots, delta=0.1, seed=42)
        out = {
            "samples": pivots,
            "bound": h.attrs["error_bound"],
            "harmonic_median": float(h.median()),
        }
    out.update(
        seconds=time.perf_counter() - t, cpu=cpu_seconds() - c, peak_mib=peak_rss_mib(), n=g.n
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--ties", type=int, default=3_000_000)
    ap.add_argument("--epsilon", type=float, default=0.02)
    ap.add_argument("--pivots", type=int, default=1000)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        w, p, t, eps, k = a.child
        print(json.dumps(child(w, int(p), int(t), float(eps), int(k))))
        return
    from analysis import data_folder

    data_folder(a.people, a.ties, 1)
    args = [str(a.people), str(a.ties), str(a.epsilon), str(a.pivots)]
    res = {}
    for what in ("paths", "paths-all", "pivots", "hops"):
        res[what] = run_child(__file__, "--child", what, *args)
        print(what, res[what], flush=True)
    n = res["paths"]["n"]
    p, v, h, f = res["paths"], res["pivots"], res["hops"], res["paths-all"]
    k_equal = math.ceil(math.log(2 * n / 0.1) / (2 * (p["bound"] * (n - 1) / n) ** 2))
    cpu_equal = v["cpu"] / v["samples"] * k_equal
    load = os.getloadavg()
    lines = [
        f"{machine()}, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end "
        "(the machine was shared with other engineers' work; niced).",
        "",
        f"Graph: `make_org` of bench/analysis.py, {n:,} people, {a.ties:,} directed weighted "
        "ties (seed 1); each contender in a fresh process; delta = 0.1.",
        "",
        "| contender | samples | stated bound (every person at once) | wall (s) | CPU (s) "
        "| peak (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| betweenness, sampled shortest paths (scale path) | {p['samples']:,} paths "
        f"| {p['bound']:.4f} (the 100 highest within ±{p['top100']:.0%} of theirs) "
        f"| {p['seconds']:.1f} | {p['cpu']:.1f} | {p['peak_mib']:,.0f} |",
        f"| the same, all of Riondato & Kornaropoulos' paths (no adaptive stopping) "
        f"| {f['samples']:,} paths | {f['bound']:.4f} (the 100 highest within "
        f"±{f['top100']:.0%} of theirs) | {f['seconds']:.1f} | {f['cpu']:.1f} "
        f"| {f['peak_mib']:,.0f} |",
        f"| betweenness + weighted harmonic, pivots (below the scale path) "
        f"| {v['samples']:,} sources | {v['bound']:.4f} (harmonic: {v['harmonic_bound']:.2f} "
        f"against a median score of {v['harmonic_median']:.3f}) | {v['seconds']:.1f} "
        f"| {v['cpu']:.1f} | {v['peak_mib']:,.0f} |",
        f"| harmonic closeness on hops (scale path) | {h['samples']:,} sources "
        f"| {h['bound']:.4f} (median score {h['harmonic_median']:.3f}) | {h['seconds']:.1f} "
        f"| {h['cpu']:.1f} | {h['peak_mib']:,.0f} |",
        "",
        f"The highest betweenness: {p['top']:.4f} (paths), {f['top']:.4f} (all paths), "
        f"{v['top']:.4f} (pivots).",
        "",
        f"Adaptive stopping drew {p['samples']:,} of the {f['samples']:,} paths: "
        f"**{p['cpu'] / f['cpu']:.2f}x** the CPU ({p['seconds'] / f['seconds']:.2f}x the wall "
        f"time) for the same guarantee (every person within {a.epsilon}); the 100 highest "
        f"figures' relative bound goes from ±{f['top100']:.0%} to ±{p['top100']:.0%}.",
        "",
        f"For the paths' bound ({p['bound']:.4f}) pivots need {k_equal:,} sources: about "
        f"{cpu_equal:,.0f} s of CPU extrapolated from the measured {v['samples']:,} (linear "
        f"in sources), **{cpu_equal / p['cpu']:.0f}x** the sampled paths' {p['cpu']:.0f} s. "
        f"Measured as run, the sampled paths took **{p['cpu'] / v['cpu']:.2f}x** the CPU of "
        f"{v['samples']:,} pivots for a bound **{v['bound'] / p['bound']:.1f}x** tighter.",
        "",
        f"Command: `nice .venv/bin/python bench/sampled.py --people {a.people} --ties {a.ties} "
        f"--epsilon {a.epsilon} --pivots {a.pivots} --write docs/performance.md`",
    ]
    print("\n".join(lines))
    if a.write:
        write_block(a.write, "bench/sampled.py", lines, "Sampled betweenness at scale")


if __name__ == "__main__":
    main()
