"""Benchmark: the analysis stages of a run (no ingest) on a synthetic organisation.

The organisation is generated with numpy (seeded): departments of 200-20,000 people, teams
of 5-15 grouped by 8 under a group lead, a manager tree (CEO, department heads, group
leads, team leads, members; ``level`` 1-5), activity per person log-normal (so there are
hubs), and directed ties drawn 50% inside the team, 25% inside the group, 17% inside the
department and 8% anywhere; a tie's weight is how many times its pair was drawn, plus a
geometric number of further interactions (so at least 2, as the tie rules require).

Part 1 runs the stages of ``pipeline.analyze`` in one process, in order, with the default
settings (betweenness and harmonic closeness sampled above 5,000 people): Graph.from_edges,
measures.individual, personas, communities.leiden (+ agreement), roles.roles, the formal
functions of ``pipeline._formal``, layout.layout. After each stage the process reports its time
and its peak resident memory so far (VmHWM). A stage that exceeds ``--timeout`` is killed
and reported; the run resumes after it in a new process.

Part 2 sets the individual measures and communities the way most ONA scripts compute them
(NetworkX) against groundswell (measures.individual + communities.leiden) on a 5,000-person
sample, each contender in its own process. Run:

    .venv/bin/python bench/analysis.py            # ~15 minutes; --quick for a few

and add ``--write docs/performance.md`` to record the result there.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import queue
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from groundswell import __file__ as gs_file

OUT = Path(__file__).resolve().parent / "out"
BEGIN, END = "<!-- bench/analysis.py: begin -->", "<!-- bench/analysis.py: end -->"
DEFAULTS = tomllib.loads((Path(gs_file).parent / "defaults.toml").read_text())
A, MIN_GROUP = DEFAULTS["analysis"], int(DEFAULTS["privacy"]["min_group_size"])
SEED = int(A["seed"])
TARGET_SECONDS, TARGET_MIB = 300, 6e9 / 2**20  # 5 minutes, 6 GB


# --------------------------------------------------------------------------- data


def _ranges(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First index and size of each person's group (labels sorted, groups contiguous)."""
    first = np.r_[0, np.flatnonzero(np.diff(labels)) + 1]
    return first[labels], np.bincount(labels)[labels]


def make_org(people: int, ties: int, seed: int):  # type: ignore[no-untyped-def]
    """(edges, people, activity) DataFrames of a synthetic organisation (see the docstring)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    hi, sizes, left = max(200, min(20_000, people // 3)), [], people
    while left > 0:
        s = min(int(np.exp(rng.uniform(np.log(200), np.log(hi)))), left)
        s = left if left - s < 200 else s
        sizes.append(s)
        left -= s
    size = np.array(sizes)
    dept = np.repeat(np.arange(len(size)), size)
    idx = np.arange(people)
    d0, dn = _ranges(dept)
    cuts = np.union1d(np.cumsum(rng.integers(5, 16, people // 5 + 1)), d0)  # teams of 5-15
    team = np.searchsorted(cuts[cuts < people], idx, side="right") - 1
    team_local = team - team[d0]
    group = np.unique(dept * 10**6 + team_local // 8, return_inverse=True)[1]
    (t0, tn), (g0, gn) = _ranges(team), _ranges(group)
    is_head, is_glead, is_lead = idx == d0, idx == g0, idx == t0
    manager = np.where(is_head, 0, np.where(is_glead, d0, np.where(is_lead, g0, t0)))
    level = np.select([idx == 0, is_head, is_glead, is_lead], [1, 2, 3, 4], 5)
    site = (dept + rng.choice([0, 0, 0, 1, 2, 3], team.max() + 1)[team]) % 8  # 8 locations
    act = rng.lognormal(0.0, 1.0, people)
    p = act / act.sum()
    keys = np.empty(0, np.int64)
    draws = int(ties * 1.6)
    for _ in range(30):  # draw until there are enough distinct pairs
        src = rng.choice(people, draws, p=p)
        u = rng.random(draws)
        start = np.select([u < 0.5, u < 0.75, u < 0.92], [t0[src], g0[src], d0[src]], 0)
        span = np.select([u < 0.5, u < 0.75, u < 0.92], [tn[src], gn[src], dn[src]], people)
        dst = start + (rng.random(draws) * span).astype(np.int64)
        far = u >= 0.92
        dst[far] = rng.choice(people, int(far.sum()), p=p)
        keys = np.concatenate([keys, (src * people + dst)[src != dst]])
        uniq, count = np.unique(keys, return_counts=True)
        if len(uniq) >= ties:
            break
        draws = 2 * (ties - len(uniq)) + 1000
    pick = np.sort(rng.choice(len(uniq), min(ties, len(uniq)), replace=False))
    uniq, count = uniq[pick], count[pick]
    ids = np.array([f"p_{i:07d}" for i in range(people)], dtype=object)
    s, d = uniq // people, uniq % people
    count = count + rng.geometric(0.35, len(count))  # interactions per tie: 2 or more
    edges = pd.DataFrame({"actor_id": ids[s], "target_id": ids[d], "weight": count * 1.0})
    mgr = ids[manager].copy()
    mgr[0] = None
    index = pd.Index(ids, name="person_id")
    staff = pd.DataFrame({
        "department": [f"dept_{x:03d}" for x in dept], "team": [f"team_{x:05d}" for x in team],
        "level": level, "manager_id": mgr, "location": [f"site_{x}" for x in site],
    }, index=index)  # fmt: skip
    activity = pd.DataFrame({
        "posts": rng.poisson(act * 3),
        "given": rng.poisson(0.5 * np.bincount(s, weights=count, minlength=people)),
        "received": rng.poisson(0.5 * np.bincount(d, weights=count, minlength=people)),
    }, index=index).astype("int64")  # fmt: skip
    return edges, staff, activity


def data_folder(people: int, ties: int, seed: int) -> Path:
    """The organisation as Parquet files, made once and cached under bench/out."""
    folder = OUT / f"analysis-v2-{people}-{ties}-{seed}"
    if not (folder / "activity.parquet").exists():
        folder.mkdir(parents=True, exist_ok=True)
        frames = make_org(people, ties, seed)
        for name, frame in zip(("edges", "people", "activity"), frames, strict=True):
            frame.to_parquet(folder / f"{name}.parquet")
    return folder


# --------------------------------------------------------------------------- steps


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM: reset at exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover


def analysis_steps(ns: dict) -> list:  # type: ignore[type-arg]
    """The stages of ``pipeline.analyze`` after ingest, as (name, function of ns) pairs."""
    import pandas as pd

    from groundswell.analysis import centrality, communities, measures, personas, roles
    from groundswell.network import layout
    from groundswell.network.graph import Graph
    from groundswell.pipeline import _formal, type_ties

    people = ns["people"]

    def graph() -> str:
        e = ns["edges"]
        nodes = pd.Index(people.index).union(pd.Index(e["actor_id"])).union(e["target_id"])
        ns["g"] = g = Graph.from_edges(nodes.to_numpy(), e[["actor_id", "target_id", "weight"]])
        return f"{g.n:,} people, {g.m:,} ties"

    def individual() -> str:
        ns["scores"], notes = measures.individual(
            ns["g"], people["department"], seed=SEED,
            exact_max_nodes=int(A["betweenness_exact_max_nodes"]),
            samples=int(A["betweenness_samples"]), delta=float(A["betweenness_delta"]),
            scale_min_nodes=int(A["scale_min_nodes"]),
            epsilon=float(A["betweenness_epsilon"]),
        )  # fmt: skip
        return (
            f"betweenness {notes['betweenness_method']} ({notes['betweenness_samples']} "
            f"sources), harmonic {notes['harmonic_method']}, eigenvector "
            f"{notes['eigenvector_method']}"
        )

    def persona() -> str:
        act = ns["activity"].reindex(ns["g"].nodes).fillna(0).astype("int64")
        pers = personas.personas(act)
        ns["scores"] = ns["scores"].join(act).join(pers["received_share"])
        return f"{pers['persona'].nunique()} personas"

    def leiden() -> str:
        comm = communities.leiden(ns["g"], resolution=float(A["leiden_resolution"]), seed=SEED)
        agree = communities.agreement(comm.membership, people["department"])
        seeds = communities.stability_seeds(
            ns["g"].n, int(A["leiden_stability_seeds"]),
            scale_min_nodes=int(A["scale_min_nodes"]),
            at_scale=int(A["leiden_stability_seeds_at_scale"]),
        )  # fmt: skip
        stable = communities.stability(ns["g"], comm, seeds=seeds) if seeds else float("nan")
        return (
            f"{len(comm):,} communities, modularity {comm.modularity:.3f}, NMI with "
            f"departments {agree.nmi:.2f}; stability over {seeds} more seeds {stable:.2f}"
        )

    def typed() -> str:
        t = type_ties(ns["edges"].assign(layer="digital", n=1), people["department"])
        return f"{t['strong'].mean():.0%} strong, {t['diverse'].mean():.0%} diverse"

    def role() -> str:
        held = roles.roles(
            ns["scores"].join(people[["department", "level"]]), min_group_size=MIN_GROUP
        )
        return f"{int(held.any(axis=1).sum()):,} people hold a role"

    def formal() -> str:
        findings, _, _ = _formal(ns["g"], people, ns["scores"], MIN_GROUP)
        return f"{len(findings):,} findings"

    def lay(iterations: int | None = None) -> str:
        most = int(os.environ.get("BENCH_MAP_PEOPLE", A["map_max_people"]))
        layout.layout(ns["g"], seed=SEED, iterations=iterations, max_people=most)
        return f"multilevel force layout (numba), {min(most, ns['g'].n):,} people"

    def standin() -> str:  # when measures.individual was skipped: what later stages read
        g = ns["g"]
        ns["scores"] = centrality.degree_strength(g).assign(pagerank=centrality.pagerank(g))
        return "stand-in: degree and PageRank only"

    ns["standin"] = {"measures.individual": standin, "layout.layout": lambda: lay(25)}
    return [
        ("Graph.from_edges", graph),
        ("measures.individual", individual),
        ("personas", persona),
        ("communities.leiden + agreement + stability", leiden),
        ("pipeline.type_ties", typed),
        ("roles.roles", role),
        ("formal (pipeline._formal)", formal),
        ("layout.layout", lay),
    ]


def networkx_steps(ns: dict) -> list:  # type: ignore[type-arg]
    import networkx as nx

    def build() -> str:
        e = ns["edges"]
        ns["G"] = g = nx.DiGraph()
        g.add_nodes_from(ns["people"].index)
        g.add_weighted_edges_from(e.itertuples(index=False, name=None))
        for _, _, d in g.edges(data=True):
            d["distance"] = 1.0 / d["weight"]
        ns["U"] = g.to_undirected()
        return "DiGraph + undirected copy"

    def eigen() -> str:
        try:
            nx.eigenvector_centrality(ns["G"], weight="weight", max_iter=1000)
            return "directed"
        except nx.PowerIterationFailedConvergence:
            nx.eigenvector_centrality(ns["U"], weight="weight", max_iter=1000)
            return "did not converge directed; undirected"

    g = lambda: ns["G"]  # noqa: E731
    return [
        ("build graph", build),
        ("degree", lambda: [dict(g().in_degree(weight="weight")), dict(g().out_degree())]),
        ("pagerank", lambda: nx.pagerank(g(), weight="weight")),
        ("betweenness", lambda: nx.betweenness_centrality(g(), weight="distance")),
        ("harmonic closeness", lambda: nx.harmonic_centrality(g(), distance="distance")),
        ("eigenvector", eigen),
        ("k-core", lambda: nx.core_number(ns["U"])),
        ("clustering", lambda: nx.clustering(ns["U"], weight="weight")),
        ("constraint", lambda: nx.constraint(g(), weight="weight")),
        ("effective size", lambda: nx.effective_size(g(), weight="weight")),
        ("communities", lambda: nx.community.louvain_communities(ns["U"], seed=SEED)),
    ]


def groundswell_steps(ns: dict) -> list:  # type: ignore[type-arg]
    from groundswell.analysis import centrality, communities, position
    from groundswell.analysis import structural_holes as sh

    steps = analysis_steps(ns)
    g = lambda: ns["g"]  # noqa: E731
    return [
        ("build graph", steps[0][1]),
        ("degree", lambda: centrality.degree_strength(g())),
        ("pagerank", lambda: centrality.pagerank(g())),
        ("betweenness", lambda: centrality.betweenness(g(), seed=SEED).method),
        ("harmonic closeness", lambda: position.harmonic_closeness(g(), seed=SEED)),
        ("eigenvector", lambda: position.eigenvector(g()).attrs["method"]),
        ("k-core", lambda: position.k_core(g())),
        ("clustering", lambda: position.clustering(g())),
        ("constraint", lambda: sh.constraint(g())),
        ("effective size", lambda: sh.effective_size(g())),
        ("measures.individual", steps[1][1]),
        ("communities", lambda: len(communities.leiden(g(), seed=SEED))),
    ]


STEPS = {"analysis": analysis_steps, "networkx": networkx_steps, "groundswell": groundswell_steps}


def child(mode: str, folder: Path, skip: list[str]) -> None:
    """Run the steps of ``mode``, one JSON line when each starts and when it ends."""
    import pandas as pd

    def emit(**kw: object) -> None:
        print(json.dumps(kw), flush=True)

    for lib in ("igraph", "networkit", "networkx", "scipy.sparse"):
        importlib.import_module(lib)  # imports are not timed

    t = time.perf_counter()
    ns = {k: pd.read_parquet(folder / f"{k}.parquet") for k in ("edges", "people", "activity")}
    emit(step="load data", seconds=time.perf_counter() - t, peak_mib=peak_rss_mib(), note="",
         standin=False)  # fmt: skip
    for name, fn in STEPS[mode](ns):
        emit(start=name)
        if name in skip:  # timed out: its stand-in once, then nothing
            fn = ns.get("standin", {}).get(name) if skip.count(name) == 1 else None
            if fn is None:
                continue
        t = time.perf_counter()
        note = fn()
        seconds = time.perf_counter() - t
        note = note if isinstance(note, str) else ""
        emit(step=name, seconds=seconds, peak_mib=peak_rss_mib(), note=note, standin=name in skip)


def _pump(out, lines: queue.Queue) -> None:  # type: ignore[no-untyped-def, type-arg]
    for line in out:
        lines.put(line)
    lines.put(None)


def run_steps(mode: str, folder: Path, timeout: float) -> list[dict]:
    """Run ``child(mode)`` in a subprocess; a step silent for ``timeout`` s is killed,
    reported, and skipped in a fresh process (earlier steps are rerun, their rows kept)."""
    rows: dict[str, dict] = {}
    skip: list[str] = []
    while True:
        cmd = [sys.executable, __file__, "--child", mode, str(folder), "--skip", *skip]
        with tempfile.TemporaryFile("w+") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
            lines: queue.Queue[str | None] = queue.Queue()
            out = proc.stdout
            assert out is not None
            threading.Thread(target=_pump, args=(out, lines), daemon=True).start()
            current, failure = "load data", None
            while failure is None:
                try:
                    line = lines.get(timeout=timeout)
                except queue.Empty:
                    proc.kill()
                    failure = f"killed after {timeout:.0f} s"
                    continue
                if line is None:
                    if proc.wait() == 0:
                        return list(rows.values())
                    err.seek(0)
                    tail = err.read().strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
                    failure = f"failed: {tail[0][:120]}"
                    continue
                d = json.loads(line)
                if "start" in d:
                    current = d["start"]
                    print(f"  [{mode}] {current} ...", flush=True)
                else:
                    d["step"] += " (stand-in)" if d["standin"] else ""
                    rows.setdefault(d["step"], d)
            proc.wait()
        print(f"  [{mode}] {current}: {failure}", flush=True)
        key = current + (" (stand-in)" if current in skip else "")
        rows[key] = {"step": key, "seconds": None, "peak_mib": None, "note": failure}
        if current in ("load data", "Graph.from_edges", "build graph"):
            return list(rows.values())
        skip.append(current)


# --------------------------------------------------------------------------- report


def _s(x: float | None, timeout: float, note: str = "") -> str:
    if x is None:
        return "failed" if note.startswith("failed") else f"> {timeout:.0f}"
    return f"{x:.2f}" if x >= 1 else f"{x:.3f}"


def part1_table(rows: list[dict], timeout: float) -> tuple[list[str], float, float, bool]:
    lines = ["| stage | time (s) | peak memory so far (MiB) | note |", "|---|---:|---:|---|"]
    total, peak, complete = 0.0, 0.0, True
    for r in rows:
        mem = "-" if r["peak_mib"] is None else f"{r['peak_mib']:.0f}"
        note = r["note"]
        if r.get("standin") and r["step"].startswith("layout"):  # 25 of 500 iterations
            note += f": x20 = about {20 * r['seconds']:.0f} s for the real 500 (not in the total)"
        lines.append(f"| {r['step']} | {_s(r['seconds'], timeout, r['note'])} | {mem} | {note} |")
        if r["step"] != "load data" and not r.get("standin"):
            complete &= r["seconds"] is not None
            total += r["seconds"] or timeout
            peak = max(peak, r["peak_mib"] or 0.0)
    bound = "" if complete else "at least "
    lines.append(f"| **total (stages, without loading)** | **{bound}{total:.1f}** | "
                 f"**{peak:.0f}** | |")  # fmt: skip
    return lines, total, peak, complete


def part2_table(nxr: list[dict], gsr: list[dict], timeout: float) -> tuple[list[str], dict]:
    nx_t = {r["step"]: r["seconds"] for r in nxr}
    gs_t = {r["step"]: r["seconds"] for r in gsr}
    lines = ["| measure | NetworkX (s) | groundswell (s) | NetworkX / groundswell |",
             "|---|---:|---:|---:|"]  # fmt: skip
    names = [r["step"] for r in nxr if r["step"] not in ("load data", "build graph")]
    for name in ["build graph", *names]:
        a, b = nx_t.get(name), gs_t.get(name)
        ratio = f"{(a or timeout) / b:,.0f}x" if b else "-"
        ratio = ratio if a is not None else f"> {ratio}"
        label = "communities (Louvain / Leiden)" if name == "communities" else name
        lines.append(f"| {label} | {_s(a, timeout)} | {_s(b, timeout)} | {ratio} |")
    nx_total = sum(nx_t.get(n) or timeout for n in names)
    gs_total = (gs_t.get("measures.individual") or np.nan) + (gs_t.get("communities") or np.nan)
    lines.append(
        f"| **all measures + communities** | **{nx_total:.1f}** | **{gs_total:.2f}** (measures."
        f"individual, all 17 measures, + leiden) | **{nx_total / gs_total:,.0f}x** |"
    )
    ratios = {
        "overall": nx_total / gs_total,
        "constraint": (nx_t.get("constraint") or timeout) / (gs_t.get("constraint") or np.nan),
        "exact": all(nx_t.get(n) is not None for n in names),
    }
    return lines, ratios


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--ties", type=int, default=3_000_000)
    ap.add_argument("--sample-people", type=int, default=5_000)
    ap.add_argument("--sample-ties", type=int, default=50_000)
    ap.add_argument("--quick", action="store_true", help="20,000 / 500,000 and 1,000 / 10,000")
    ap.add_argument("--timeout", type=float, default=600, help="seconds allowed per stage")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--map-people", type=int, help="analysis.map_max_people for the layout")
    ap.add_argument(
        "--workspace",
        action="store_true",
        help="a whole run instead: workspace, analyze, report, map (bench/fullrun.py)",
    )
    ap.add_argument("--write", type=Path, help="Markdown file whose analysis section to update")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--skip", nargs="*", default=[], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.skip)
        return
    if args.workspace:
        from fullrun import run_full

        run_full(args.people, args.ties, args.seed, args.map_people or 20_000,
                 max(args.timeout, 3600), args.write)  # fmt: skip
        return
    if args.map_people:
        os.environ["BENCH_MAP_PEOPLE"] = str(args.map_people)  # read by the children
    if args.quick:
        args.people, args.ties = 20_000, 500_000
        args.sample_people, args.sample_ties = 1_000, 10_000
    t = time.perf_counter()
    big = data_folder(args.people, args.ties, args.seed)
    small = data_folder(args.sample_people, args.sample_ties, args.seed)
    print(f"data ready in {time.perf_counter() - t:.1f} s ({big}, {small})", flush=True)
    rows = run_steps("analysis", big, args.timeout)
    t1, total, peak, complete = part1_table(rows, args.timeout)
    print("\n".join(t1), flush=True)
    nxr = run_steps("networkx", small, args.timeout)
    gsr = run_steps("groundswell", small, args.timeout)
    t2, ratios = part2_table(nxr, gsr, args.timeout)
    print("\n".join(t2))
    verdict = verdicts(args, total, peak, complete, ratios)
    print("\n".join(verdict))
    if args.write:
        write_markdown(args, rows, t1, t2, verdict)


def verdicts(args, total, peak, complete, ratios) -> list[str]:  # type: ignore[no-untyped-def]
    def met(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    scale = "" if args.people == 100_000 else " (at this smaller size the target is indicative)"
    bound = "" if ratios["exact"] else "at least "
    return [
        f"- Full analysis of {args.people:,} people: {'' if complete else 'at least '}"
        f"{total:.0f} s against the target of {TARGET_SECONDS} s: "
        f"{met(complete and total < TARGET_SECONDS)}; peak memory {peak:,.0f} MiB against "
        f"6 GB ({TARGET_MIB:,.0f} MiB): {met(peak < TARGET_MIB)}{scale}.",
        f"- Individual measures and communities on {args.sample_people:,} people: groundswell is "
        f"{bound}{ratios['overall']:,.0f}x faster than NetworkX (target at least 50x): "
        f"{met(ratios['overall'] >= 50)}.",
        f"- Constraint: {ratios['constraint']:,.0f}x faster than NetworkX's "
        f"`nx.constraint(G, weight='weight')` for all nodes (target at least 100x): "
        f"{met(ratios['constraint'] >= 100)}. NetworkX 3.6's all-nodes path uses dense n x n "
        "arrays; its per-node path (`nodes=`) is thousands of times slower (bench/constraint.py).",
    ]


def write_markdown(args, rows, t1, t2, verdict) -> None:  # type: ignore[no-untyped-def]
    import networkx as nx

    cpu = platform.processor() or platform.machine()
    cmd = "--quick" if args.quick else (
        f"--people {args.people} --ties {args.ties} --sample-people {args.sample_people} "
        f"--sample-ties {args.sample_ties}")  # fmt: skip
    lines = [
        BEGIN,
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores ({cpu}, Python "
        f"{platform.python_version()}, NetworkX {nx.__version__}). Synthetic organisation "
        f"(seed {args.seed}): departments of 200-20,000 people, teams of 5-15, a manager "
        "tree, ties 50% in the team, 25% in the group of 8 teams, 17% in the department, "
        "8% anywhere.",
        "",
        f"**Full analysis**, {args.people:,} people and {args.ties:,} directed weighted ties, "
        "the stages of `pipeline.analyze` after ingest in one process (default settings: "
        "betweenness and harmonic closeness sampled above 5,000 people); peak memory is the "
        f"process's VmHWM after each stage; each stage may take at most {args.timeout:.0f} s:",
        "",
        *t1,
        "",
        f"**Against NetworkX**, {args.sample_people:,} people and {args.sample_ties:,} ties "
        "(exact betweenness and closeness in both), each contender in its own process; "
        "NetworkX as ONA scripts call it (betweenness with `weight='distance'` = 1/weight, "
        "`harmonic_centrality`, `eigenvector_centrality`, `core_number` and `clustering` on "
        "the undirected copy, `constraint`, `effective_size`, `louvain_communities`):",
        "",
        *t2,
        "",
        *verdict,
        "",
        f"Command: `.venv/bin/python bench/analysis.py {cmd} --seed {args.seed} "
        f"--timeout {args.timeout:.0f} --write {args.write}`",
        END,
    ]
    block = "\n".join(lines)
    text = args.write.read_text() if args.write.exists() else "# Performance\n\n"
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n## Analysis stages of a run\n\n" + block + "\n"
    args.write.write_text(text)


if __name__ == "__main__":
    main()
