"""Benchmark: the champion planner against SUBSIM (Guo, Wang, Wei and Chen, SIGMOD 2020).

SUBSIM is the authors' C++ implementation (one thread) of OPIM-C with subset sampling of RR
sets. It is GPL-licensed: this script builds it from a copy of its repository into
``bench/out/subsim/`` (gitignored) and runs the binary; nothing of it enters groundswell.

The graph is the documented generator of issue 20: ``--people`` people in teams of
``--team`` (consecutive ids), ``--draws`` draws of an ordered pair whose first person is
uniform and whose second is, with probability ``--inside``, a uniform member of the first's
team, else anyone; numpy ``default_rng(--seed)``; self-ties dropped and duplicates merged
(the weight of a tie is how often it was drawn). Influence flows along each tie, with the
probabilities SUBSIM's ``-pdist=wc`` gives: ``p(u, v) = 1 / in-degree(v)`` (groundswell's
``probabilities(g, "weighted_cascade", weighted=False)``). Both planners pick ``k`` seeds
with ``epsilon`` and ``delta = 1/n`` (SUBSIM's default); each run is in its own process,
SUBSIM and groundswell alternate, ``--repeat`` times. Then every seed set is scored by the
same Monte Carlo (``simulate``, ``--mc-runs`` runs, one seed for all).

Times: SUBSIM's own ``Time (sec)`` (wall clock of RR sampling and greedy, graph loaded) and
groundswell's ``plan`` call (wall clock, graph built, kernels loaded by a call on a tiny
graph before); the wall and CPU time of each whole process are shown as well. Peak memory
is each process's peak resident set (``ru_maxrss`` of the child; VmHWM for groundswell's).

Run::

    nice .venv/bin/python bench/subsim.py --subsim-src PATH_TO_SUBSIM --write docs/performance.md

``PATH_TO_SUBSIM`` is a clone of https://github.com/qtguo/subsim (a work tree, or a bare
repository, read with ``git archive HEAD``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import machine, peak_rss_mib, write_block

OUT = Path(__file__).resolve().parent / "out" / "subsim"


def make_graph(
    people: int, team: int, draws: int, inside: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The documented generator: (src, dst, times drawn) of the merged ties, sorted."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, people, draws)
    same = rng.random(draws) < inside
    start = (src // team) * team
    dst = np.where(same, start + rng.integers(0, team, draws), rng.integers(0, people, draws))
    dst = np.minimum(dst, people - 1)  # the last team may be short
    keep = src != dst
    key, count = np.unique(src[keep] * people + dst[keep], return_counts=True)
    return (key // people).astype(np.int32), (key % people).astype(np.int32), count


def build_subsim(source: Path) -> Path:
    """Copy SUBSIM's sources into bench/out/subsim/src and compile them as its Makefile does."""
    binary = OUT / "subsim"
    if binary.exists():
        return binary
    dest = OUT / "src"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    if (source / "subsim.cpp").exists():
        shutil.copytree(source, dest, dirs_exist_ok=True)
    else:  # a bare repository
        tar = subprocess.run(
            ["git", f"--git-dir={source}", "archive", "HEAD"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
    subprocess.run(
        ["g++", "-std=c++14", "-O3", "subsim.cpp", "-o", str(binary)], cwd=dest, check=True
    )
    return binary


def run_process(cmd: list[str], cwd: Path | None = None) -> tuple[str, float, float, float]:
    """Run ``cmd`` to completion; (stdout, wall s, CPU s, peak RSS MiB) from its rusage."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, use = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {out.decode()[-800:]}")
    return out.decode(), wall, use.ru_utime + use.ru_stime, use.ru_maxrss / 1024


def subsim_once(binary: Path, folder: Path, k: int, eps: float) -> dict:
    out, wall, cpu, peak = run_process(
        [str(binary), "-func=im", "-gname=org", f"-seedsize={k}", f"-eps={eps}"], cwd=folder
    )
    info = dict(
        line.strip(" |").split(": ", 1) for line in out.splitlines() if line.startswith("  |")
    )
    seeds = np.loadtxt(folder / "result" / "seed" / f"seed_org_subsim_k{k}_wc", dtype=np.int64)
    return {
        "seconds": float(info["Time (sec)"]),
        "wall": wall,
        "cpu": cpu,
        "peak_mib": peak,
        "rr_sets": int(info["#RR sets"]),
        "estimate": float(info["Influence"]),
        "seeds": seeds.tolist(),
    }


def ours_once(graph: Path, k: int, eps: float, seed: int) -> dict:
    out, wall, cpu, peak = run_process(
        [sys.executable, __file__, "--child", str(graph), str(k), str(eps), str(seed)]
    )
    d = json.loads(out.strip().splitlines()[-1])
    d.update(wall=wall, cpu=cpu, peak_mib=max(peak, d["peak_mib"]))
    return d


def child(graph: str, k: int, eps: float, seed: int) -> None:
    """groundswell's planner in this fresh process, as a user's script would call it."""
    from groundswell.diffusion.imm import plan
    from groundswell.diffusion.models import probabilities
    from groundswell.network.graph import Graph

    with np.load(graph) as z:
        n = int(z["n"])
        g = Graph(np.arange(n), z["src"], z["dst"], z["weight"])
    probs = probabilities(g, "weighted_cascade", weighted=False)
    tiny = Graph(np.arange(3), np.array([0, 1], np.int32), np.array([1, 2], np.int32), np.ones(2))
    t = time.perf_counter()
    plan(tiny, 1, probs=np.ones(2))  # loads the compiled kernels (numba's cache)
    warm = time.perf_counter() - t
    t, c = time.perf_counter(), time.process_time()
    s = plan(g, k, probs=probs, epsilon=eps, seed=seed)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    print(
        json.dumps(
            {
                "seconds": seconds,
                "plan_cpu": cpu,
                "warm": warm,
                "rr_sets": s.rr_sets,
                "estimate": s.spread,
                "ratio": s.approximation,
                "seeds": s.seeds.tolist(),
                "peak_mib": peak_rss_mib(),
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subsim-src", type=Path, default=os.environ.get("SUBSIM_SRC"))
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--team", type=int, default=40)
    ap.add_argument("--draws", type=int, default=1_000_000)
    ap.add_argument("--inside", type=float, default=0.75)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--epsilon", type=float, default=0.1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--mc-runs", type=int, default=10_000)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child[0], int(a.child[1]), float(a.child[2]), int(a.child[3]))
        return
    if a.subsim_src is None or not Path(a.subsim_src).exists():
        sys.exit(
            "error: --subsim-src: expected a clone of https://github.com/qtguo/subsim "
            f"(or set SUBSIM_SRC); found {a.subsim_src!r}"
        )
    binary = build_subsim(Path(a.subsim_src))
    src, dst, count = make_graph(a.people, a.team, a.draws, a.inside, a.seed)
    n = a.people
    print(f"{n:,} people, {len(src):,} ties", flush=True)
    tag = f"{n}-{a.team}-{a.draws}-{a.inside}-{a.seed}"
    folder = OUT / f"graph-{tag}"
    (folder / "graphInfo").mkdir(parents=True, exist_ok=True)
    npz = folder / "graph.npz"
    np.savez(npz, n=n, src=src, dst=dst, weight=count.astype(np.float64))
    text = folder / "graphInfo" / "org"
    with text.open("w") as f:
        f.write(f"{n} {len(src)}\n")
        np.savetxt(f, np.column_stack([src, dst]), fmt="%d\t%d")
    t = time.perf_counter()
    run_process([str(binary), "-func=format", "-gname=org", "-pdist=wc"], cwd=folder)
    fmt_s = time.perf_counter() - t
    ours_once(npz, 2, a.epsilon, 0)  # numba compiles (once per installation; cached)
    rows: dict[str, list[dict]] = {"subsim": [], "ours": []}
    for r in range(a.repeat):
        rows["subsim"].append(subsim_once(binary, folder, a.k, a.epsilon))
        print("subsim", {k: v for k, v in rows["subsim"][-1].items() if k != "seeds"}, flush=True)
        rows["ours"].append(ours_once(npz, a.k, a.epsilon, seed=r))
        print("ours", {k: v for k, v in rows["ours"][-1].items() if k != "seeds"}, flush=True)

    from groundswell.diffusion.models import probabilities, simulate
    from groundswell.network.graph import Graph

    g = Graph(np.arange(n), src, dst, count.astype(np.float64))
    probs = probabilities(g, "weighted_cascade", weighted=False)
    for who in rows.values():
        for d in who:
            s = simulate(g, np.array(d["seeds"]), probs=probs, runs=a.mc_runs, seed=12345)
            d["mc"], d["mc_half"] = s.reach, s.reach_ci[1] - s.reach
    lines = report(a, len(src), rows, fmt_s)
    print("\n".join(lines))
    if a.write:
        write_block(a.write, "bench/subsim.py", lines, "The champion planner against SUBSIM")


def report(a: argparse.Namespace, m: int, rows: dict[str, list[dict]], fmt_s: float) -> list[str]:
    def med(who: str, key: str) -> float:
        return float(np.median([d[key] for d in rows[who]]))

    def mean(who: str, key: str) -> float:
        return float(np.mean([d[key] for d in rows[who]]))

    load = os.getloadavg()
    out = [
        f"{machine()}, load average {load[0]:.1f} at the end. Graph: the documented generator, "
        f"{a.people:,} people in teams of {a.team}, {a.draws:,} draws, {a.inside:.0%} inside "
        f"the team, seed {a.seed}, self-ties dropped and duplicates merged: {m:,} directed "
        f"ties; p(u, v) = 1 / in-degree(v) (SUBSIM's `-pdist=wc`). k = {a.k}, epsilon = "
        f"{a.epsilon}, delta = 1/n. {a.repeat} runs each, alternating, each in its own "
        f"process; spread of every seed set by the same Monte Carlo ({a.mc_runs:,} runs, "
        "one seed).",
        "",
        "| run | planner | selection (s) | process wall (s) | process CPU (s) | peak memory (MiB) "
        "| RR sets | own estimate | simulated spread (95% CI) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"subsim": "SUBSIM (C++, 1 thread)", "ours": "groundswell `plan` (numba, 2 threads)"}
    for r in range(a.repeat):
        for who in ("subsim", "ours"):
            d = rows[who][r]
            out.append(
                f"| {r + 1} | {names[who]} | {d['seconds']:.2f} | {d['wall']:.2f} | "
                f"{d['cpu']:.2f} | {d['peak_mib']:.0f} | {d['rr_sets']:,} | "
                f"{d['estimate']:,.0f} | {d['mc']:,.1f} ± {d['mc_half']:.1f} |"
            )
    t_ratio = med("ours", "seconds") / med("subsim", "seconds")
    s_ratio = mean("ours", "mc") / mean("subsim", "mc")
    m_ratio = max(d["peak_mib"] for d in rows["ours"]) / max(d["peak_mib"] for d in rows["subsim"])
    c_ratio = med("ours", "cpu") / med("subsim", "cpu")

    def met(ok: bool) -> str:
        return "met" if ok else "**not met**"

    out += [
        "",
        f"- Time: groundswell's median selection takes **{t_ratio:.2f}x** SUBSIM's "
        f"({med('ours', 'seconds'):.2f} s against {med('subsim', 'seconds'):.2f} s; target at "
        f"most 1x: {met(t_ratio <= 1)}); whole processes, CPU time: {c_ratio:.2f}x "
        f"(groundswell's includes starting Python, imports and loading its compiled kernels, "
        f"{med('ours', 'warm'):.2f} s).",
        f"- Spread: groundswell's seeds reach **{s_ratio:.3f}x** SUBSIM's on average "
        f"({mean('ours', 'mc'):,.1f} against {mean('subsim', 'mc'):,.1f}; target at least 1x: "
        f"{met(s_ratio >= 1)}).",
        f"- Peak memory: **{m_ratio:.2f}x** SUBSIM's (target under 2x: {met(m_ratio < 2)}).",
        f"- Formatting the graph for SUBSIM (`-func=format -pdist=wc`) took {fmt_s:.2f} s, not "
        "counted.",
        "",
        "Command: `nice .venv/bin/python bench/subsim.py --subsim-src PATH_TO_SUBSIM "
        f"--people {a.people} --team {a.team} --draws {a.draws} --inside {a.inside} "
        f"--seed {a.seed} --k {a.k} --epsilon {a.epsilon} --repeat {a.repeat} "
        f"--mc-runs {a.mc_runs}{' --write docs/performance.md' if a.write else ''}`",
    ]
    return out


if __name__ == "__main__":
    main()
