"""Benchmark: the map layout, multilevel (numba) against igraph's Fruchterman-Reingold.

Both lay out the same graphs with the same seed through ``groundswell.network.layout.layout``
(the same parts, pulling-in and packing; only the force layout of each part differs), each
in its own process, in one run. Graphs: the synthetic organisation of ``bench/analysis.py``
(departments, teams of 5-15, hubs) at each ``--sizes`` entry, people:ties.

Readability, measured on the positions as drawn (after packing, scaled to [-1, 1]); each is
computed the same way for both:

- **stress**: normalised stress over pairs of the same part, hop distance D against drawn
  distance X scaled by the best factor a: mean(((aX - D) / D)^2), over every person's
  distances from 100 sampled people (Gansner, Koren and North, "Graph drawing by stress
  majorization", 2004). Lower is better.
- **neighbourhood preservation**: for each person with d ties, the share of their d nearest
  people on the map who are tied to them (Kruiger et al., "Graph layouts by t-SNE", 2017).
  Higher is better.
- **community together**: the share of each person's 10 nearest people on the map who are
  in their community (igraph Leiden, modularity, seeded). Higher is better: the map packs
  communities.
- **crossings**: the share of 200,000 random pairs of ties without a shared person whose
  segments cross. Lower is better.
- **crowded**: the share of people whose nearest person is closer than 0.2% of the map's
  width (drawn on top of each other). Lower is better.

    .venv/bin/python bench/layout.py --sizes 5000:50000,20000:200000 --write docs/performance.md
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import machine, peak_rss_mib, write_block

METHODS = {"multilevel": "groundswell multilevel (numba)", "fruchterman-reingold": "igraph FR"}


def graph(people: int, ties: int, seed: int):  # type: ignore[no-untyped-def]
    from analysis import make_org
    from groundswell.network.graph import Graph

    edges, staff = make_org(people, ties, seed)[:2]
    return Graph.from_edges(staff.index.to_numpy(), edges)


def child(method: str, people: int, ties: int, seed: int, out: str) -> None:
    """Lay the graph out in this process; print the timings as JSON."""
    import pandas as pd

    from groundswell.network.graph import Graph
    from groundswell.network.layout import layout

    g = graph(people, ties, seed)
    t = time.perf_counter()
    layout(Graph.from_edges([], [("a", "b", 1.0), ("b", "c", 1.0)]), seed=1, method=method)
    first = time.perf_counter() - t  # imports, and the numba kernels loaded or compiled
    t0, c0 = time.perf_counter(), time.process_time()
    pos = layout(g, seed=seed, max_people=people, method=method)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    pd.DataFrame(pos).to_parquet(out)
    print(json.dumps({"wall": wall, "cpu": cpu, "first": first, "mib": peak_rss_mib()}))


def readability(g, pos, seed: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The measures of the module docstring, for positions ``pos`` (n x 2, g's node order)."""
    import igraph as ig
    from scipy.sparse.csgraph import connected_components, shortest_path
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    u = g.to_undirected()
    adj = u.adjacency(weighted=False)
    n = u.n
    # stress
    _, part = connected_components(adj, directed=False)
    sources = rng.choice(n, min(100, n), replace=False)
    hops = shortest_path(adj, unweighted=True, directed=False, indices=sources)
    drawn = np.linalg.norm(pos[sources][:, None, :] - pos[None, :, :], axis=2)
    ok = np.isfinite(hops) & (hops > 0) & (part[sources][:, None] == part[None, :])
    d, x = hops[ok], drawn[ok]
    a = np.sum(x / d) / np.sum(x * x / (d * d))
    stress = float(np.mean(((a * x - d) / d) ** 2))
    # neighbourhood preservation
    tree = cKDTree(pos)
    deg = np.diff(adj.indptr)
    kmax = int(min(deg.max(), 50)) + 1
    _, near = tree.query(pos, k=min(kmax, n))
    shares = []
    for i in np.flatnonzero(deg > 0):
        k = min(int(deg[i]), kmax - 1)
        mine = set(adj.indices[adj.indptr[i] : adj.indptr[i + 1]].tolist())
        shares.append(len(mine.intersection(near[i, 1 : k + 1].tolist())) / k)
    # communities together
    h = ig.Graph(n=n, edges=np.column_stack([u.src, u.dst]).tolist())
    import random

    ig.set_random_number_generator(random.Random(seed))
    comm = np.asarray(
        h.community_leiden(
            objective_function="modularity", weights=u.weight.tolist(), n_iterations=2
        ).membership
    )
    ig.set_random_number_generator(random)
    _, near10 = tree.query(pos, k=min(11, n))
    together = float(np.mean(comm[near10[:, 1:]] == comm[:, None]))
    # crossings
    e1 = rng.integers(0, u.m, 200_000)
    e2 = rng.integers(0, u.m, 200_000)
    s1, t1, s2, t2 = u.src[e1], u.dst[e1], u.src[e2], u.dst[e2]
    disjoint = (s1 != s2) & (s1 != t2) & (t1 != s2) & (t1 != t2)
    p1, p2, p3, p4 = pos[s1], pos[t1], pos[s2], pos[t2]

    def orient(a, b, c):  # type: ignore[no-untyped-def]
        return np.sign(
            (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
        )

    cross = (orient(p1, p2, p3) != orient(p1, p2, p4)) & (orient(p3, p4, p1) != orient(p3, p4, p2))
    crossings = float(np.mean(cross[disjoint]))
    # crowding
    width = float(np.ptp(pos[:, 0]) or 1.0)
    nearest, _ = tree.query(pos, k=2)
    crowded = float(np.mean(nearest[:, 1] < 0.002 * width))
    return {
        "stress": stress,
        "neighbourhood": float(np.mean(shares)),
        "together": together,
        "crossings": crossings,
        "crowded": crowded,
        "communities": int(comm.max() + 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5000:50000,20000:200000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--methods", default="multilevel,fruchterman-reingold")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--child", nargs=5, metavar=("METHOD", "PEOPLE", "TIES", "SEED", "OUT"))
    args = ap.parse_args()
    if args.child:
        m, p, t, s, out = args.child
        child(m, int(p), int(t), int(s), out)
        return
    import subprocess

    import pandas as pd

    sizes = [tuple(int(x) for x in size.split(":")) for size in args.sizes.split(",")]
    methods = args.methods.split(",")
    load = os.getloadavg()[0]
    rows: list[str] = []
    summary: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for people, ties in sizes:
            g = graph(people, ties, args.seed)
            found: dict[str, tuple[dict, dict]] = {}
            late: list[str] = []
            for method in methods:
                out = str(Path(tmp) / f"{method}-{people}.parquet")
                cmd = [sys.executable, __file__, "--child", method, str(people), str(ties)]
                try:
                    proc = subprocess.run(
                        [*cmd, str(args.seed), out],
                        capture_output=True, text=True, timeout=args.timeout, check=True,
                    )  # fmt: skip
                except subprocess.TimeoutExpired:
                    print(people, method, "timed out", flush=True)
                    cells = " | ".join(["-"] * 8)
                    late.append(
                        f"| {people:,} / {g.m:,} | {METHODS[method]} | > {args.timeout:,.0f} "
                        f"| {cells} |"
                    )
                    continue
                timing = json.loads(proc.stdout.strip().splitlines()[-1])
                pos = pd.read_parquet(out).reindex(g.nodes).to_numpy()
                found[method] = (timing, readability(g, pos, args.seed))
                print(people, method, timing, found[method][1], flush=True)
            if not found:
                rows += late
                continue
            base = found.get("multilevel", next(iter(found.values())))[0]["wall"]
            for method, (timing, r) in found.items():
                rows.append(
                    f"| {people:,} / {g.m:,} | {METHODS[method]} | {timing['wall']:.2f} | "
                    f"{timing['cpu']:.2f} | {timing['wall'] / base:.1f} | {timing['mib']:.0f} | "
                    f"{r['stress']:.3f} | {r['neighbourhood']:.3f} | {r['together']:.3f} | "
                    f"{r['crossings']:.4f} | {r['crowded']:.3f} |"
                )
            rows += late
            if "fruchterman-reingold" in found and "multilevel" in found:
                fr, ml = found["fruchterman-reingold"][0], found["multilevel"][0]
                summary.append(
                    f"- {people:,} people: the multilevel layout takes **{ml['wall']:.2f} s**, "
                    f"igraph FR {fr['wall']:.1f} s (**{fr['wall'] / ml['wall']:.0f}x**); "
                    f"first call in a fresh process {ml['first']:.2f} s (numba kernels from "
                    "the on-disk cache, or compiled)."
                )
    lines = [
        f"{machine()}, load average {load:.1f} at the start. Synthetic organisation of "
        f"`bench/analysis.py` (seed {args.seed}); each layout in its own process; the time "
        "is `layout.layout` warm (after one call on a 3-person graph); readability on the "
        "drawn positions (see `bench/layout.py`): stress and crossings lower is better, "
        "neighbourhood and together higher is better, crowded lower is better.",
        "",
        "| people / ties | layout | wall (s) | CPU (s) | time ratio | peak MiB | stress "
        "| neighbourhood | together | crossings | crowded |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        *summary,
        "",
        f"Command: `.venv/bin/python bench/layout.py --sizes {args.sizes} --seed {args.seed} "
        "--write docs/performance.md`",
    ]
    print("\n".join(lines))
    if args.write:
        write_block(args.write, "bench/layout.py", lines, "The map layout (issue 20)")


if __name__ == "__main__":
    main()
