"""Benchmark: the value step of ``analyze`` (``groundswell.value.findings``: value maturity, My
network's stage, bridges and suggested connections, group figures, Q&A, leaders, community
health, onboarding) against the previous implementation, in one run (issue 20).

The workspaces: ``groundswell synth --people N --seed 0`` (13 weeks of events), ingested
(org chart and events) and analysed once, cached in ``bench/out/value-N/``. On each, in a
fresh process per measurement, alternating, ``--repeat`` times:

- **new**: this tree's ``value.findings.store(run, value.findings.compute(run))`` on the
  workspace's latest run;
- **previous**: the same call with the ``groundswell.value`` package of commit
  :data:`BASELINE` (extracted by ``git archive`` into ``bench/out/value-baseline/``, put in
  front of this tree's package path: everything else — the store, the run reader, the tie
  builder — is this tree's, so only the value step differs).

Time is wall clock and CPU (user + system of the child: DuckDB's threads included) of that
one call, after the modules ``analyze`` has loaded before its value step (the pipeline,
personas, SciPy's sparse matrices) are imported; the median of the repeats. Each child
then reads back what it stored (the run's ``maturity``, ``person_value``, ``suggestions``
and ``run_findings`` rows); the two must be equal (text exactly, numbers to 1e-12), else
the benchmark fails; the table says when even the JSON text is identical. Run:

    nice .venv/bin/python bench/value.py --people 200 1000 5000 --write docs/performance.md
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import machine, write_block

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
NAME = "bench/value.py"
#: the commit whose value package is "previous" (main before issue 20's value work)
BASELINE = "0909c63"
TOLERANCE = 1e-12

CHILD = r"""
import json, os, sys, time
old = sys.argv[3]
import groundswell
if old:  # the previous value package in front of this tree's
    groundswell.__path__.insert(0, old)
import groundswell as gs
import groundswell.pipeline  # what analyze has imported before its value step
import groundswell.analysis.personas, scipy.sparse
from groundswell.value import findings as vf
assert vf.__file__.startswith(old or os.path.dirname(groundswell.__file__)), vf.__file__
ws = gs.open(sys.argv[1])
run = ws.run()
t0, c0 = time.perf_counter(), os.times()
vf.store(run, vf.compute(run))
c1 = os.times()
wall = time.perf_counter() - t0
cpu = (c1.user - c0.user) + (c1.system - c0.system)
q = lambda sql: ws.con.execute(sql, [run.run_id]).fetchall()
dump = {
    "maturity": [list(r) for r in q(
        "SELECT * EXCLUDE (run_id) FROM maturity WHERE run_id = ? ORDER BY scale, group_name")],
    "suggestions": [list(r) for r in q(
        "SELECT * EXCLUDE (run_id) FROM suggestions WHERE run_id = ? ORDER BY person_id, rank")],
    "person_value": {k: json.loads(v) for k, v in q(
        "SELECT person_id, body FROM person_value WHERE run_id = ?")},
    "run_findings": {k: json.loads(v) for k, v in q(
        "SELECT section, body FROM run_findings WHERE run_id = ?")},
}
with open(sys.argv[2], "w") as f:
    json.dump(dump, f, default=str)
print(json.dumps({"wall": wall, "cpu": cpu}))
"""


def prepare(people: int, env: dict[str, str]) -> Path:
    """The cached workspace of ``people`` (synth, init, org chart, events, analyze)."""
    folder = OUT / f"value-{people}"
    ws = folder / "ws"
    if (folder / "ready").exists():
        return ws
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    gs = [sys.executable, "-m", "groundswell"]
    for args in (
        ["synth", str(folder / "data"), "--people", str(people), "--seed", "0"],
        ["init", str(ws)],
        ["ingest", "orgchart", str(ws), str(folder / "data" / "hris.csv")],
        ["ingest", "events", str(ws), str(folder / "data" / "events.parquet")],
        ["analyze", str(ws)],
    ):
        subprocess.run([*gs, *args], env=env, check=True, capture_output=True)
    (folder / "ready").touch()
    return ws


def baseline(commit: str) -> Path:
    """The value package of ``commit``, extracted under bench/out (once)."""
    root = OUT / f"value-baseline-{commit}"
    if not (root / "value" / "findings.py").exists():
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            tar = Path(tmp) / "v.tar"
            subprocess.run(
                ["git", "-C", str(ROOT), "archive", "-o", str(tar), commit,
                 "src/groundswell/value"], check=True,
            )  # fmt: skip
            subprocess.run(["tar", "-xf", str(tar), "-C", tmp], check=True)
            shutil.rmtree(root / "value", ignore_errors=True)
            shutil.move(str(Path(tmp) / "src" / "groundswell" / "value"), str(root / "value"))
    return root


def measure(ws: Path, old: Path | None, dump: Path, env: dict[str, str]) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(ws), str(dump), str(old or "")],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def differences(a: Any, b: Any, where: str = "", out: list[str] | None = None) -> list[str]:
    """Where two dumps differ (numbers beyond :data:`TOLERANCE`, relative or absolute)."""
    out = [] if out is None else out
    if len(out) > 20:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            out.append(f"{where}: keys {sorted(set(a) ^ set(b))[:5]}")
        for k in sorted(set(a) & set(b), key=str):
            differences(a[k], b[k], f"{where}/{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} against {len(b)} items")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            differences(x, y, f"{where}[{i}]", out)
    elif isinstance(a, bool | str | None) or isinstance(b, bool | str | None):
        if a != b:
            out.append(f"{where}: {a!r} against {b!r}")
    elif isinstance(a, int | float) and isinstance(b, int | float):
        x, y = float(a), float(b)
        if not (
            (math.isnan(x) and math.isnan(y)) or abs(x - y) <= TOLERANCE * max(1.0, abs(x), abs(y))
        ):
            out.append(f"{where}: {a!r} against {b!r}")
    elif a != b:
        out.append(f"{where}: {a!r} against {b!r}")
    return out


def load_avg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, nargs="+", default=[200, 1000, 5000])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each (median)")
    ap.add_argument("--large-repeat", type=int, default=1, help="runs at 5,000 or more")
    ap.add_argument("--baseline", default=BASELINE)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    old = baseline(args.baseline)
    rows, loads = [], [load_avg()]
    for n in args.people:
        ws = prepare(n, env)
        times: dict[str, list[dict[str, float]]] = {"new": [], "previous": []}
        reps = args.repeat if n < 5000 else args.large_repeat
        measure(ws, None, OUT / f"value-{n}-warm.json", env)  # file cache and numba warm
        for _ in range(reps):
            times["previous"].append(measure(ws, old, OUT / f"value-{n}-previous.json", env))
            times["new"].append(measure(ws, None, OUT / f"value-{n}-new.json", env))
        a = json.loads((OUT / f"value-{n}-previous.json").read_text())
        b = json.loads((OUT / f"value-{n}-new.json").read_text())
        diff = differences(a, b)
        if diff:
            sys.exit(f"{n} people: the stored value findings differ:\n" + "\n".join(diff))
        # beyond 1e-12: the same JSON text (an integer stays an integer, a float a float)
        exact = all(json.dumps(a[k], sort_keys=True) == json.dumps(b[k], sort_keys=True) for k in a)
        med = {
            k: {m: statistics.median(r[m] for r in v) for m in ("wall", "cpu")}
            for k, v in times.items()
        }
        same = (
            ("identical text: " if exact else "equal to 1e-12: ")
            + f"{len(b['person_value']):,} people's views, {len(b['suggestions']):,} suggestions, "
            f"{len(b['maturity']):,} maturity rows, {len(b['run_findings'])} sections"
        )
        rows.append((n, med, reps, same))
        loads.append(load_avg())
        print(n, med, same, flush=True)
    lines = [
        f"{machine()}; load average (1, 5, 15 min) {loads[0]} at the start, {loads[-1]} at "
        f"the end (other work running). Previous = the value package of commit "
        f"{args.baseline}; both store the same rows (checked: text equal, numbers to "
        f"{TOLERANCE:g}; 'identical text' when even the JSON text is the same). Median of "
        f"the runs, each contender in a fresh process, alternating.",
        "",
        "| people | previous CPU s | new CPU s | CPU ratio | previous wall s | new wall s | "
        "wall ratio | runs | identical stored rows |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n, med, reps, same in rows:
        p, q = med["previous"], med["new"]
        lines.append(
            f"| {n:,} | {p['cpu']:.2f} | {q['cpu']:.2f} | {p['cpu'] / q['cpu']:.1f}x | "
            f"{p['wall']:.2f} | {q['wall']:.2f} | {p['wall'] / q['wall']:.1f}x | {reps} | {same} |"
        )
    cmd = f"nice .venv/bin/python {NAME} --people {' '.join(map(str, args.people))}"
    cmd += f" --repeat {args.repeat} --large-repeat {args.large_repeat}"
    lines += ["", f"    {cmd}" + (f" --write {args.write}" if args.write else "")]
    print("\n".join(lines))
    if args.write:
        write_block(args.write, NAME, lines, "Value findings")


if __name__ == "__main__":
    main()
