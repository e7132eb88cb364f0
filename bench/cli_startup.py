"""Benchmark: how fast ``groundswell --help`` and ``groundswell --version`` answer, against an
empty Python, ``pip --help`` (a Python tool everyone has) and ``git --help`` (a C tool).

Each command runs in a fresh process, ``--rounds`` times in turn (so a burst of load on the
machine hits them all alike); the table gives each one's median and best wall time and its
ratio to ``python -c pass``. Python's bytecode cache is on (a temporary
``PYTHONPYCACHEPREFIX``, warmed by one run of each command first), as on a user's machine:
this environment sets ``PYTHONDONTWRITEBYTECODE``, and without the cache every run would
compile each module again. One more row shows what the CLI no longer imports at start-up:
``import groundswell.workspace`` (pandas, numpy, DuckDB). Run:

    .venv/bin/python bench/cli_startup.py
    .venv/bin/python bench/cli_startup.py --rounds 20 --write docs/performance.md
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

from _bench import machine, write_block

BIN = Path(sys.executable).parent


def commands() -> dict[str, list[str]]:
    """label -> argv, in the order of the table."""
    py = sys.executable
    found = {
        "`python -c pass`": [py, "-c", "pass"],
        "`groundswell --version`": [str(BIN / "groundswell"), "--version"],
        "`groundswell --help`": [str(BIN / "groundswell"), "--help"],
        "`pip --help`": [py, "-m", "pip", "--help"],
        "`git --help`": ["git", "--help"],
        "`python -c 'import groundswell.workspace'` (what start-up no longer loads)": [
            py,
            "-c",
            "import groundswell.workspace",
        ],
    }
    if shutil.which("git") is None:
        del found["`git --help`"]
    return found


def time_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=10, help="runs of each command")
    ap.add_argument("--write", type=Path, help="record the result in this Markdown file")
    args = ap.parse_args()

    cmds = commands()
    times: dict[str, list[float]] = {label: [] for label in cmds}
    cpus: dict[str, list[float]] = {label: [] for label in cmds}
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gs-pycache-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        env["COLUMNS"] = "100"
        for argv in cmds.values():  # warm the bytecode cache and the file system cache
            time_once(argv, env)
        for _ in range(args.rounds):
            for label, argv in cmds.items():
                wall, cpu = time_once(argv, env)
                times[label].append(wall)
                cpus[label].append(cpu)
    load = os.getloadavg()[0]

    base = statistics.median(times["`python -c pass`"])
    rows = [
        "| command | median wall | best wall | median CPU | median wall / `python -c pass` |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, ts in times.items():
        med = statistics.median(ts)
        cpu = statistics.median(cpus[label])
        rows.append(
            f"| {label} | {med * 1000:,.0f} ms | {min(ts) * 1000:,.0f} ms | "
            f"{cpu * 1000:,.0f} ms | {med / base:.1f}x |"
        )
    help_med = statistics.median(times["`groundswell --help`"])
    pip_med = statistics.median(times["`pip --help`"])
    help_cpu = statistics.median(cpus["`groundswell --help`"])
    pip_cpu = statistics.median(cpus["`pip --help`"])
    lines = [
        f"{machine()}, load average {load_start:.1f} at the start and {load:.1f} at the end. "
        f"`.venv/bin/python bench/cli_startup.py --rounds {args.rounds}`: each command "
        f"{args.rounds} times in turn in a fresh process, bytecode cache on.",
        "",
        *rows,
        "",
        f"`groundswell --help` takes **{help_med / pip_med:.2f}x** the wall time of `pip --help` "
        f"and **{help_cpu / pip_cpu:.2f}x** its CPU time ({help_cpu * 1000:,.0f} ms); "
        f"its best run, {min(times['`groundswell --help`']) * 1000:,.0f} ms, is the nearest "
        "to a quiet machine (the goal: under 0.5 s). The CLI imports pandas, numpy, DuckDB and "
        "the analysis only inside the commands that use them (tests/test_cli_startup.py).",
    ]
    print("\n".join(lines))
    if args.write:
        write_block(args.write, "bench/cli_startup.py", lines, "Command-line start-up")


if __name__ == "__main__":
    main()
