"""Benchmark: everyday latency — `analyze` and `report` on a small workspace, warm and on the
first run after installing from a wheel, against a NetworkX script on the same ties (issue 20).

The workspace: ``groundswell synth --people N --seed S`` (13 weeks of events), ingested once
(org chart and events) and cached in ``bench/out/everyday-N-S/``. Every command runs in a
fresh process; time is wall clock and CPU (user + system, of the child).

1. **Warm**, in the development environment (bytecode cached under a private
   ``PYTHONPYCACHEPREFIX``, numba kernels in their cache): ``groundswell analyze`` and
   ``groundswell report``, each ``--repeat`` times after one warm-up; the median.
   With ``--before SRC`` (a ``src`` folder exported by ``git archive COMMIT src``) the same
   two commands also run with those sources, alternating with this tree's in every round,
   each on a fresh workspace ingested by its own sources from the same files (a newer tree
   migrates a workspace, an older one refuses the newer schema): the ratio says what the
   change saved, measured side by side.
2. **A NetworkX script on the same ties**: the ties of the analysed run exported to Parquet,
   then one process that imports pandas and NetworkX, reads them and computes the measures
   ONA scripts compute (PageRank, betweenness, harmonic closeness, eigenvector, k-core,
   clustering, constraint, effective size, Louvain) and writes them to CSV.
3. **First run after installing from a wheel**: the wheel built from this tree
   (``uv build``) installed with its locked dependencies into a fresh virtualenv by
   ``uv pip install`` (offline from uv's cache when it can; no bytecode compiled, as uv
   installs), run as an
   unprivileged user (``setpriv``, uid 65534) when this runs as root, so site-packages is
   read-only to it; a fresh ``HOME`` (numba's user-wide cache and groundswell's bytecode
   and template caches land in ``~/.cache``); ``analyze`` then ``report`` then both again.
   The bench counts what the first runs left in ``~/.cache``: numba kernels, compiled
   modules (groundswell/_bytecode.py) and templates. Skipped with ``--skip-wheel``.

Load: the machine is shared, so every row gives CPU time (user + system) beside wall time,
the load average is printed at the start and the end, and the contenders of a ratio run in
the same invocation.

    .venv/bin/python bench/everyday.py --people 200 --write docs/performance.md
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import machine, write_block

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
TARGET_WARM_S, TARGET_FIRST_S = 2.0, 10.0

NX_SCRIPT = """
import sys
import pandas as pd
import networkx as nx

ties = pd.read_parquet(sys.argv[1])
g = nx.DiGraph()
g.add_weighted_edges_from(ties[["source", "target", "weight"]].itertuples(index=False))
for a, b, d in g.edges(data=True):
    d["distance"] = 1.0 / d["weight"]
u = g.to_undirected()
out = pd.DataFrame({
    "pagerank": nx.pagerank(g, weight="weight"),
    "betweenness": nx.betweenness_centrality(g, weight="distance"),
    "harmonic": nx.harmonic_centrality(g, distance="distance"),
    "eigenvector": nx.eigenvector_centrality(u, weight="weight", max_iter=1000),
    "k_core": nx.core_number(u),
    "clustering": nx.clustering(u, weight="weight"),
    "constraint": nx.constraint(g, weight="weight"),
    "effective_size": nx.effective_size(g, weight="weight"),
})
for i, c in enumerate(nx.community.louvain_communities(u, weight="weight", seed=42)):
    out.loc[list(c), "community"] = i
out.to_csv(sys.argv[2])
"""


def timed(
    cmd: list[str], env: dict[str, str] | None = None, user: bool = False
) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one command in a fresh process."""
    if user:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    before = os.times()
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def prepare(people: int, seed: int, env: dict[str, str]) -> Path:
    """The cached, ingested workspace (synth, init, org chart, events)."""
    folder = OUT / f"everyday-{people}-{seed}"
    ws = folder / "ws"
    if (folder / "ready").exists():
        return ws
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    gs = [sys.executable, "-m", "groundswell"]
    run = lambda *a: subprocess.run([*gs, *a], env=env, check=True, capture_output=True)  # noqa: E731
    run("synth", str(folder / "data"), "--people", str(people), "--seed", str(seed))
    run("init", str(ws))
    run("ingest", "orgchart", str(ws), str(folder / "data" / "hris.csv"))
    run("ingest", "events", str(ws), str(folder / "data" / "events.parquet"))
    (folder / "ready").touch()
    return ws


def ingest_with(data: Path, ws: Path, env: dict[str, str]) -> Path:
    """A fresh workspace at ``ws`` holding the org chart and events of ``data``, made by the
    sources that ``env`` puts first: with ``--before``, each contender analyses a workspace of
    its own schema (a newer tree migrates a workspace on its first write, and an older one
    refuses a schema it does not know), ingested from the same files."""
    gs = [sys.executable, "-m", "groundswell"]
    run = lambda *a: subprocess.run([*gs, *a], env=env, check=True, capture_output=True)  # noqa: E731
    run("init", str(ws))
    run("ingest", "orgchart", str(ws), str(data / "hris.csv"))
    run("ingest", "events", str(ws), str(data / "events.parquet"))
    return ws


def export_ties(ws: Path, to: Path, env: dict[str, str]) -> int:
    code = (
        "import sys, groundswell as gs; g = gs.open(sys.argv[1]).run().graph(); "
        "g.edges().to_parquet(sys.argv[2]); print(g.m)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(ws), str(to)], env=env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    return int(proc.stdout.strip())


def wheel_venv(tmp: Path) -> Path:
    """A fresh virtualenv with the wheel of this tree and its locked dependencies."""
    uv = Path(sys.executable).parent / "uv"
    src = tmp / "src"
    shutil.copytree(  # the sources alone: not a virtualenv, demo or build kept in the tree
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", "bench", "tests", "node_modules", "out", ".venv", "venv", "demo", "dist",
            "build", "site", "*.egg-info", "__pycache__", ".*_cache",
        ),
    )  # fmt: skip
    subprocess.run(
        [uv, "build", "--wheel", "-o", tmp / "dist", src], check=True, capture_output=True
    )
    venv = tmp / "venv"
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, venv], check=True, capture_output=True
    )
    wheel = next((tmp / "dist").glob("groundswell-*.whl"))
    install = [uv, "pip", "install", "-q", "--python", venv / "bin" / "python", wheel,
               "-c", ROOT / "requirements.lock"]  # fmt: skip
    # from uv's cache when it holds the locked packages (as after `make setup`); on a machine
    # whose cache does not (a fresh one), from the package index, the same pinned versions
    if subprocess.run([*install, "--offline"], capture_output=True).returncode:
        subprocess.run(install, check=True, capture_output=True)
    return venv / "bin" / "python"


#: the front-end bundles the report and the dashboard need, built by `make setup` (npm) and
#: not in git: a `src` exported by `git archive` lacks them
BUNDLES = ("groundswell/report/assets/map.js", "groundswell/web/static/dashboard.js")


def bundles(before: Path) -> None:
    """Copy this tree's built front-end bundles into the ``before`` sources where they are
    missing (`report` refuses to run without the map's script); says which it copied."""
    for rel in BUNDLES:
        mine, theirs = ROOT / "src" / rel, before / rel
        if mine.exists() and not theirs.exists() and (before / "groundswell").is_dir():
            theirs.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(mine, theirs)
            print(f"{before}: no built {rel}; this tree's copied in", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-wheel", action="store_true")
    ap.add_argument("--write", type=Path)
    ap.add_argument("--before", type=Path, help="a src folder of an earlier commit to compare")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
        ws = prepare(args.people, args.seed, env)
        gs = [sys.executable, "-m", "groundswell"]
        warm: dict[str, list[tuple[float, float]]] = {"analyze": [], "report": []}
        earlier: dict[str, list[tuple[float, float]]] = {"analyze": [], "report": []}
        old_env = {**env, "PYTHONPATH": str(args.before.resolve())} if args.before else None
        old_ws = None
        if args.before:
            bundles(args.before)
        if old_env is not None:  # each contender its own fresh workspace, the same files
            data = ws.parent / "data"
            ws = ingest_with(data, tmp / "ws-now", env)
            old_ws = ingest_with(data, tmp / "ws-before", old_env)
        for i in range(args.repeat + 1):
            for into, run_env, run_ws in ((warm, env, ws), (earlier, old_env, old_ws)):
                if run_env is None or run_ws is None:
                    continue
                a = timed([*gs, "analyze", str(run_ws)], run_env)
                r = timed([*gs, "report", str(run_ws), "-o", str(tmp / "report.html")], run_env)
                if i:  # the first round warms the caches
                    into["analyze"].append(a)
                    into["report"].append(r)
        ties = tmp / "ties.parquet"
        m = export_ties(ws, ties, env)
        script = tmp / "nx_ona.py"
        script.write_text(NX_SCRIPT)
        nx_runs = [timed([sys.executable, str(script), str(ties), str(tmp / "nx.csv")], env)
                   for _ in range(args.repeat + 1)][1:]  # one warm-up  # fmt: skip
        first: list[tuple[str, float, float]] = []
        if not args.skip_wheel:
            python = wheel_venv(tmp)
            as_user = os.geteuid() == 0
            home = tmp / "home"
            copy = tmp / "ws-copy"
            shutil.copytree(ws, copy)
            home.mkdir()
            if as_user:
                subprocess.run(["chown", "-R", "65534:65534", home, copy], check=True)
                os.chmod(tmp, 0o755)
            clean = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
            cmd = [str(python), "-m", "groundswell"]
            installed: dict[str, list[tuple[float, float]]] = {"analyze": [], "report": []}
            for i in range(args.repeat + 1):
                a = timed([*cmd, "analyze", str(copy)], clean, user=as_user)
                r = timed(
                    [*cmd, "report", str(copy), "-o", str(copy / "r.html")], clean, user=as_user
                )
                if i == 0:
                    first += [("first `analyze`", *a), ("first `report`", *r)]
                else:
                    installed["analyze"].append(a)
                    installed["report"].append(r)
            # the script gets a bytecode cache too (as a warm groundswell does), one warm-up
            nx_env = {**clean, "PYTHONPYCACHEPREFIX": str(home / ".cache" / "nx-pycache")}
            nx_cmd = [str(python), str(script), str(ties), str(copy / "nx.csv")]
            nx_installed = [timed(nx_cmd, nx_env, user=as_user) for _ in range(args.repeat + 1)][1:]
            cache = home / ".cache"
            cached = {
                "numba kernels": len(list(cache.rglob("*.nbi"))),
                "compiled modules": len(list((cache / "groundswell" / "pycache").rglob("*.pyc"))),
                "templates": len(list((cache / "groundswell" / "jinja").glob("*"))),
            }
    load_end = os.getloadavg()[0]
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in warm.items()}  # fmt: skip
    nx_wall = statistics.median(w for w, _ in nx_runs)
    nx_cpu = statistics.median(c for _, c in nx_runs)
    lines = [
        f"{machine()}, load average {load:.1f} at the start and {load_end:.1f} after the "
        f"warm runs. Workspace: `groundswell synth --people {args.people} --seed {args.seed}` "
        f"(13 weeks), ingested; the run has {m:,} ties. Each command in a fresh process; "
        f"median of {args.repeat} after one warm-up; CPU is user + system time of the process.",
        "",
        "| command | wall (s) | CPU (s) | target | wall / NetworkX | CPU / NetworkX |",
        "|---|---:|---:|---:|---:|---:|",
        f"| `groundswell analyze` (every measure, communities, roles, findings, map; stored) "
        f"| {med['analyze'][0]:.2f} | {med['analyze'][1]:.2f} | < {TARGET_WARM_S:.0f} | "
        f"{med['analyze'][0] / nx_wall:.2f} | {med['analyze'][1] / nx_cpu:.2f} |",
        f"| `groundswell report` (self-contained HTML) | {med['report'][0]:.2f} | "
        f"{med['report'][1]:.2f} | < {TARGET_WARM_S:.0f} | - | - |",
        f"| NetworkX script on the same ties (read, 9 measures + Louvain, CSV out) | "
        f"{nx_wall:.2f} | {nx_cpu:.2f} | - | 1.00 | 1.00 |",
    ]
    if args.before:
        old = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
               for k, v in earlier.items()}  # fmt: skip
        lines += [
            "",
            f"The same commands with the sources of `{args.before}` (before this change), "
            "alternating with this tree's in every round; each analyses its own workspace, "
            "ingested from the same files by its own sources (a schema each understands):",
            "",
            "| command | before: wall (s) | before: CPU (s) | now: wall (s) | now: CPU (s) "
            "| now / before, wall | now / before, CPU |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *(
                f"| warm `{k}` | {old[k][0]:.2f} | {old[k][1]:.2f} | {med[k][0]:.2f} | "
                f"{med[k][1]:.2f} | {med[k][0] / old[k][0]:.2f} | {med[k][1] / old[k][1]:.2f} |"
                for k in ("analyze", "report")
            ),
        ]
    if first:
        inst = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
                for k, v in installed.items()}  # fmt: skip
        nxi = (
            statistics.median(w for w, _ in nx_installed),
            statistics.median(c for _, c in nx_installed),
        )
        lines += [
            "",
            "Installed from the wheel into a fresh virtualenv (`uv pip install`, no "
            "bytecode compiled), run as an unprivileged user who cannot write site-packages, "
            f"fresh `HOME`: the first `analyze` and `report`, then {args.repeat} more rounds "
            "(warm: bytecode, templates and any numba kernel in `~/.cache`), and the NetworkX "
            "script with the same Python, as the same user, after one warm-up (its bytecode "
            "cached in `~/.cache` too):",
            "",
            "| run | wall (s) | CPU (s) | target | wall / NetworkX | CPU / NetworkX |",
            "|---|---:|---:|---:|---:|---:|",
            *(
                f"| {label} | {w:.2f} | {c:.2f} | < {TARGET_FIRST_S:.0f} (both) | - | - |"
                for label, w, c in first
            ),
            f"| first `analyze` + `report` | {first[0][1] + first[1][1]:.2f} | "
            f"{first[0][2] + first[1][2]:.2f} | < {TARGET_FIRST_S:.0f} | - | - |",
            *(
                f"| warm `{k}` (median of {args.repeat}) | {w:.2f} | {c:.2f} | "
                f"< {TARGET_WARM_S:.0f} | {w / nxi[0]:.2f} | {c / nxi[1]:.2f} |"
                for k, (w, c) in inst.items()
            ),
            f"| the NetworkX script, same environment and user (median of {args.repeat}) | "
            f"{nxi[0]:.2f} | {nxi[1]:.2f} | - | 1.00 | 1.00 |",
            "",
            "Left in the fresh `~/.cache` by these runs (site-packages not writable): "
            + ", ".join(f"{v:,} {k}" for k, v in cached.items())
            + ".",
        ]
    lines += [
        "",
        f"Command: `.venv/bin/python bench/everyday.py --people {args.people} --seed "
        f"{args.seed} --repeat {args.repeat}{' --skip-wheel' if args.skip_wheel else ''}"
        f"{f' --before {args.before}' if args.before else ''} --write docs/performance.md`",
    ]
    print("\n".join(lines))
    if args.write:
        write_block(args.write, "bench/everyday.py", lines, "Everyday latency (issue 20)")


if __name__ == "__main__":
    main()
