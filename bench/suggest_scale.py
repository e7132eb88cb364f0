"""Benchmark: My network's suggested connections in a large organisation — the blocked
sparse products (``U·U`` in blocks of people) against the numba kernel used from
``my_network.KERNEL_PEOPLE`` people on (issue 20, point 5), in one run.

The network is the organisation of ``bench/analysis.py`` (``make_org``: departments, teams,
a manager tree, 8% of ties to anyone weighted by a log-normal activity, so some people have
many contacts), the departments its own, no group channel and nobody opted out (the shape of
the whole-run benchmark's workspace, bench/fullrun.py). Each contender runs
``my_network.suggestions`` in a fresh process (so that peak memory is its own), alternating,
``--repeat`` times; the time of the call is measured (the kernel's includes loading it from
numba's cache). Both must give the same rows (person, rank, suggested, shared contacts,
shared channels, tier: checked). Run::

    nice .venv/bin/python bench/suggest_scale.py --people 100000 --ties 3000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import cpu_seconds, machine, peak_rss_mib, write_block

NAME = "bench/suggest_scale.py"
CONTENDERS = {"sparse": "blocked sparse products (`U·U`, before)", "kernel": "numba kernel"}


def child(which: str, people: int, ties: int, out: str) -> None:
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    from analysis import data_folder
    from groundswell.value import my_network

    folder = data_folder(people, ties, 1)
    edges = pd.read_parquet(folder / "edges.parquet")
    staff = pd.read_parquet(folder / "people.parquet")
    index = pd.Index(staff.index)
    a = index.get_indexer(edges.iloc[:, 0])
    b = index.get_indexer(edges.iloc[:, 1])
    n = len(index)
    directed = sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    directed.data[:] = 1.0
    dept = np.asarray(pd.factorize(staff["department"])[0], np.int64)
    channels = sp.csr_matrix((n, 1))
    excluded = np.zeros(n, dtype=bool)
    t, c = time.perf_counter(), cpu_seconds()
    got = my_network.suggestions(directed, dept, channels, excluded, kernel=which == "kernel")
    wall, cpu = time.perf_counter() - t, cpu_seconds() - c
    np.save(out, got.to_numpy(np.int64))
    print(json.dumps({"wall": wall, "cpu": cpu, "peak": peak_rss_mib(), "rows": len(got)}))


def main() -> None:
    import numpy as np

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--ties", type=int, default=3_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        which, people, ties, out = args.child
        child(which, int(people), int(ties), out)
        return
    from analysis import data_folder

    data_folder(args.people, args.ties, 1)  # made once, outside the timings
    runs: dict[str, list[dict]] = {k: [] for k in CONTENDERS}
    same = True
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            rows = {}
            for which in CONTENDERS:
                out = str(Path(tmp) / f"{which}.npy")
                proc = subprocess.run(
                    [sys.executable, __file__, "--child", which, str(args.people),
                     str(args.ties), out],
                    stdout=subprocess.PIPE, text=True, check=True,
                )  # fmt: skip
                runs[which].append(json.loads(proc.stdout.strip().splitlines()[-1]))
                rows[which] = np.load(out)
            same = same and bool(np.array_equal(rows["sparse"], rows["kernel"]))
    best = {k: min(v, key=lambda r: r["cpu"]) for k, v in runs.items()}
    import os

    load = os.getloadavg()
    lines = [
        f"{machine()}, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end "
        "(the machine was shared with other engineers' work; niced).",
        "",
        f"Network: `make_org` of bench/analysis.py, {args.people:,} people, {args.ties:,} "
        f"directed ties (seed 1), its departments, no channel; top 10 for everyone; each "
        f"contender in a fresh process, alternating, {args.repeat} round(s), the round with "
        "the least CPU shown.",
        "",
        "| contender | wall (s) | CPU, user + sys (s) | peak (MiB) | rows |",
        "|---|---:|---:|---:|---:|",
    ]
    for k, label in CONTENDERS.items():
        r = best[k]
        lines.append(
            f"| {label} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['peak']:,.0f} | {r['rows']:,} |"
        )
    ratio = best["kernel"]["cpu"] / best["sparse"]["cpu"]
    wratio = best["kernel"]["wall"] / best["sparse"]["wall"]
    lines += [
        "",
        f"The kernel: **{ratio:.2f}x** the CPU of the sparse products ({wratio:.2f}x the wall "
        f"time); rows {'identical' if same else 'DIFFERENT'} in every round.",
        "",
        f"Command: `nice .venv/bin/python bench/suggest_scale.py --people {args.people} "
        f"--ties {args.ties} --repeat {args.repeat} --write docs/performance.md`",
    ]
    print("\n".join(lines))
    if not same:
        raise SystemExit("the two contenders' rows differ")
    if args.write:
        write_block(args.write, NAME, lines, "A million people on one machine")


if __name__ == "__main__":
    main()
