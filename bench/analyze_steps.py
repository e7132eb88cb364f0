"""Benchmark: the 5,000-person ``analyze``, step by step, one checkout against another.

Takes the synthetic organisation of issue 20 (``groundswell synth --people 5000 --weeks 13
--seed 1``: ``hris.csv`` and ``events.parquet``), ingests it once into a workspace with no
run (cached in ``bench/out/analyze-steps-*``), and then, for each contender — the sources of
this checkout and those of another commit (``--before``: a ``src`` folder exported with
``git archive COMMIT src``) — analyses a fresh copy of that workspace in a fresh process,
alternating the contenders ``--repeat`` times. Each process reports, for every step of
``analyze`` (``groundswell.progress.listen``), the wall time and the CPU time of the
process (user + system of all its threads, ``time.process_time``) spent until the next
step began, and the peak memory; the parent adds the whole process's wall and CPU time
(``os.wait4``: Python start-up and imports included). Before the timed runs each contender
analyses a 1,000-person workspace once, untimed, so that both have their bytecode and
numba caches filled (a warm run, as a user's second ``analyze``).

On a machine shared with other work, wall time is what a user waits and CPU time what the
work costs; both are reported, with the load average.

Run::

    nice .venv/bin/python bench/analyze_steps.py --before bench/out/before/src \\
        --data bench/out/synthetic-5000-13w-1 --repeat 1 --write docs/performance.md
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import machine, peak_rss_mib, write_block

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def child(ws_path: str) -> None:
    """In the child: analyze ``ws_path`` and print the steps as one JSON line."""
    t0w, t0c = time.perf_counter(), time.process_time()
    import groundswell as gs
    from groundswell import progress

    marks = [("opening, importing the analysis", time.perf_counter(), time.process_time())]

    def heard(description: str, _n: int, _total: int) -> None:
        marks.append((description, time.perf_counter(), time.process_time()))

    try:  # what the analyze command does first (this checkout; not in older ones)
        from groundswell.cli.analyse import igraph_without_matplotlib
    except ImportError:
        pass
    else:
        igraph_without_matplotlib()
    ws = gs.open(ws_path)
    with progress.listen(heard):
        run = ws.analyze()
    marks.append(("end", time.perf_counter(), time.process_time()))
    steps = [{"step": "importing groundswell", "wall": marks[0][1] - t0w, "cpu": marks[0][2] - t0c}]
    for (name, w, c), (_, w2, c2) in itertools.pairwise(marks):
        steps.append({"step": name, "wall": w2 - w, "cpu": c2 - c})
    out = {
        "steps": steps,
        "people": run.summary["people"],
        "ties": run.summary["ties"],
        "peak_mib": peak_rss_mib(),
    }
    ws.close()
    print(json.dumps(out))


def spawn(src: Path, ws_path: Path, *, timed: bool = True) -> dict:
    """Analyze ``ws_path`` with the sources in ``src`` in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(src))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # warm: bytecode cached as a user's would be
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(ws_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    out_text = proc.stdout.read() if proc.stdout else ""
    err_text = proc.stderr.read() if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"analyze with {src} failed:\n{err_text[-3000:]}")
    result = json.loads(out_text.strip().splitlines()[-1])
    result["process_wall"] = wall
    result["process_cpu"] = usage.ru_utime + usage.ru_stime
    return result


def groundswell_cli(src: Path, *args: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(src))
    subprocess.run([sys.executable, "-m", "groundswell", *args], env=env, check=True)


def workspace(src: Path, data: Path | None, folder: Path) -> Path:
    """The workspace of ``data`` (org chart and events ingested by the sources in ``src``, no
    run), built once; opened once by those sources, so that its schema is theirs."""
    ws = folder / "ws"
    if not (ws / "groundswell.toml").exists():
        if data is None:
            raise SystemExit(f"{ws}: no workspace and no data to build it from")
        shutil.rmtree(ws, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        groundswell_cli(src, "init", str(ws))
        groundswell_cli(src, "ingest", "orgchart", str(ws), str(data / "hris.csv"))
        groundswell_cli(src, "ingest", "events", str(ws), str(data / "events.parquet"))
    env = dict(os.environ, PYTHONPATH=str(src))
    code = f"import groundswell as gs; gs.open({str(ws)!r}).close()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)  # migrated if older
    return ws


def synth(src: Path, people: int, folder: Path) -> Path:
    if not (folder / "events.parquet").exists():
        groundswell_cli(src, "synth", "--people", str(people), "--seed", "1", str(folder))
    return folder


def table(results: dict[str, list[dict]], names: list[str]) -> list[str]:
    """Median per step of every contender, and the ratio of the first to the second."""
    import statistics

    steps = [s["step"] for s in results[names[0]][0]["steps"]]
    head = "| step | " + " | ".join(f"{n} CPU (s) | {n} wall (s)" for n in names)
    head += " | CPU ratio |" if len(names) == 2 else " |"
    lines = [head, "|---|" + "---:|" * (2 * len(names) + (1 if len(names) == 2 else 0))]

    def med(name: str, step: str, key: str) -> float:
        return statistics.median(
            next(s[key] for s in r["steps"] if s["step"] == step) for r in results[name]
        )

    for step in steps:
        cells = []
        for n in names:
            cells += [f"{med(n, step, 'cpu'):.2f}", f"{med(n, step, 'wall'):.2f}"]
        row = f"| {step} | " + " | ".join(cells)
        if len(names) == 2:
            a, b = med(names[0], step, "cpu"), med(names[1], step, "cpu")
            row += f" | {a / b:.1f}x |" if b > 0.005 else " | - |"
        else:
            row += " |"
        lines.append(row)
    cells = []
    for n in names:
        cells += [
            f"**{statistics.median(r['process_cpu'] for r in results[n]):.2f}**",
            f"**{statistics.median(r['process_wall'] for r in results[n]):.2f}**",
        ]
    row = "| **whole process** (start-up, imports, analyze) | " + " | ".join(cells)
    if len(names) == 2:
        a = statistics.median(r["process_cpu"] for r in results[names[0]])
        b = statistics.median(r["process_cpu"] for r in results[names[1]])
        row += f" | **{a / b:.1f}x** |"
    else:
        row += " |"
    lines.append(row)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--before", type=Path, help="a src folder of another commit")
    ap.add_argument("--before-name", default="before")
    ap.add_argument("--data", type=Path, default=OUT / "synthetic-5000-13w-1")
    ap.add_argument("--people", type=int, default=5000, help="synth size when --data is absent")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-warm", action="store_true", help="skip the untimed warm-up runs")
    ap.add_argument("--write", type=Path, help="Markdown file to put the results block in")
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    here = ROOT / "src"
    contenders = {"after": here}
    if args.before is not None:
        contenders = {args.before_name: args.before.resolve(), "after": here}
    names = list(contenders)
    data = args.data if (args.data / "events.parquet").exists() else None
    if data is None:
        data = synth(here, args.people, OUT / f"synthetic-{args.people}-13w-1")
    bases = {n: workspace(src, data, OUT / f"analyze-steps-{data.name}-{n}") for n, src in
             contenders.items()}  # fmt: skip
    load_start = os.getloadavg()[0]
    if not args.no_warm:
        for name, src in contenders.items():
            folder = OUT / f"analyze-steps-warm-1000-{name}"
            warm_data = None
            if not (folder / "ws" / "groundswell.toml").exists():
                warm_data = synth(here, 1000, OUT / "synthetic-1000-13w-1")
            warm = workspace(src, warm_data, folder)
            with tempfile.TemporaryDirectory(dir=OUT) as tmp:
                shutil.copytree(warm, Path(tmp) / "ws")
                spawn(src, Path(tmp) / "ws")
    results: dict[str, list[dict]] = {n: [] for n in names}
    for i in range(args.repeat):
        for name in names if i % 2 == 0 else names[::-1]:
            with tempfile.TemporaryDirectory(dir=OUT) as tmp:
                shutil.copytree(bases[name], Path(tmp) / "ws")
                r = spawn(contenders[name], Path(tmp) / "ws")
            results[name].append(r)
            print(
                f"{name}: {r['process_wall']:.1f} s wall, {r['process_cpu']:.1f} s CPU, "
                f"load {os.getloadavg()[0]:.1f}",
                file=sys.stderr,
                flush=True,
            )
    load_end = os.getloadavg()[0]
    first = results[names[-1]][0]
    lines = [
        f"{machine()}, load average {load_start:.1f} at the start and {load_end:.1f} at the "
        f"end. Workspace: `{data.name}` ingested (org chart and events); the run has "
        f"{first['people']:,} people and {first['ties']:,} ties. Each analyze in a fresh "
        f"process on a fresh copy of the workspace, contenders alternating, median of "
        f"{args.repeat}; "
        + (
            "warm (bytecode and numba caches filled by earlier runs of both checkouts). "
            if args.no_warm
            else "warm (bytecode and numba caches filled by an untimed analyze of a "
            "1,000-person workspace). "
        )
        + "CPU is user + system time of the process's threads; a "
        "step's figure is the time until the next step began.",
        "",
        *table(results, names),
        "",
        "Peak memory: "
        + ", ".join(f"{n} {max(r['peak_mib'] for r in results[n]):,.0f} MiB" for n in names)
        + ".",
        "",
        "Command: `nice .venv/bin/python bench/analyze_steps.py"
        + (f" --before {args.before}" if args.before else "")
        + f" --data {data.relative_to(ROOT) if data.is_relative_to(ROOT) else data}"
        f" --repeat {args.repeat}"
        + (" --no-warm" if args.no_warm else "")
        + (f" --write {args.write}" if args.write else "")
        + "`",
    ]
    print("\n".join(lines))
    if args.write:
        write_block(args.write, "bench/analyze_steps.py", lines, "The 5,000-person analyze")


if __name__ == "__main__":
    main()
