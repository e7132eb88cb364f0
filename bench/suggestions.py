"""Benchmark: the suggested-connections kernel of My network (value/my_network.py) against
the same candidates computed with NetworkX, in one run.

The organisation is seeded: people in teams of 50, ten teams to a department, 80% of ties
inside the team, activity log-normal (hubs), directed ties; group channels of log-normal size
mostly drawn from one department (people write in 0-4 of them). Contenders on the same data,
each in its own process (so that peak memory is its own):

- groundswell: ``my_network.suggestions`` (sparse ``U·U``, row-wise products of ``C`` for
  shared channels, the widened people's rows of ``U·U`` and ``C·Cᵀ`` in blocks);
- NetworkX: for every person, the contacts of their contacts (``G.neighbors``) and
  ``nx.common_neighbors`` for each, shared channels as set intersections, the same tiers and
  ranking — what a user would write with NetworkX.

Both must give the same rows (checked); the ratio is NetworkX's time over groundswell's. Then
groundswell alone on a large organisation (default 20,000 people, 300,000 ties): time and
peak resident memory. Run:

    .venv/bin/python bench/suggestions.py

and add ``--write docs/performance.md`` to record the result there. ``--extract WORKSPACE``
instead writes the run's network of a ``groundswell demo`` workspace (positions only, no
pseudonym) to tests/data/demo_network.npz, the input of the test over the whole demo
population (tests/value/test_personal.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from _bench import machine, peak_rss_mib, run_child, write_block
from groundswell.words import count

NAME = "bench/suggestions.py"


def make_org(people: int, ties: int, channels: int, seed: int) -> dict[str, np.ndarray]:
    """Ties (actor, target), department codes, channel memberships (member, channel)."""
    rng = np.random.default_rng(seed)
    team, per_dept = 50, 10
    activity = rng.lognormal(0.0, 1.0, people)
    activity /= activity.sum()
    draws = int(ties * 1.3)
    src = rng.choice(people, draws, p=activity)
    inside = rng.random(draws) < 0.8
    dst = np.where(
        inside,
        np.minimum((src // team) * team + rng.integers(0, team, draws), people - 1),
        rng.choice(people, draws, p=activity),
    )
    keep = src != dst
    key = np.unique(src[keep].astype(np.int64) * people + dst[keep])[:ties]
    department = (np.arange(people) // (team * per_dept)).astype(np.int64)
    n_dept = int(department.max()) + 1
    members, chans = [], []
    for ch in range(channels):
        size = min(int(rng.lognormal(3.0, 1.0)) + 3, people)
        home = rng.integers(0, n_dept)
        pool = np.flatnonzero(department == home)
        local = rng.random(size) < 0.8
        who = np.where(local, rng.choice(pool, size), rng.integers(0, people, size))
        who = np.unique(who)
        members.append(who)
        chans.append(np.full(len(who), ch))
    return {
        "actor": (key // people).astype(np.int64),
        "target": (key % people).astype(np.int64),
        "department": department,
        "member": np.concatenate(members),
        "channel": np.concatenate(chans),
    }


def run_groundswell(org: dict[str, np.ndarray]) -> tuple[float, list, int]:
    import pandas as pd
    import scipy.sparse as sp

    from groundswell.value import my_network

    n = len(org["department"])
    t = time.perf_counter()
    ties = pd.DataFrame({"actor_id": org["actor"], "target_id": org["target"]})
    directed = my_network.contact_matrix(ties, pd.RangeIndex(n))
    c = sp.csr_matrix(
        (np.ones(len(org["member"])), (org["member"], org["channel"])),
        shape=(n, int(org["channel"].max()) + 1),
    )
    c.data[:] = 1.0
    got = my_network.suggestions(directed, org["department"], c, np.zeros(n, dtype=bool))
    took = time.perf_counter() - t
    rows = got[["person", "suggested", "shared_contacts", "shared_channels"]]
    widened = int(got.loc[got["tier"] > 0, "person"].nunique())
    return took, rows.to_numpy(dtype=np.int64).tolist(), widened


def run_networkx(
    org: dict[str, np.ndarray], top: int = 10, enough: int = 3
) -> tuple[float, list, int]:
    import networkx as nx

    n = len(org["department"])
    dept = org["department"].tolist()
    t = time.perf_counter()
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(org["actor"].tolist(), org["target"].tolist(), strict=True))
    chans: dict[int, set[int]] = {i: set() for i in range(n)}
    members: dict[int, set[int]] = {}
    for p, ch in zip(org["member"].tolist(), org["channel"].tolist(), strict=True):
        chans[p].add(ch)
        members.setdefault(ch, set()).add(p)
    out = []
    for a in range(n):
        near = set(g.neighbors(a))
        if not near:
            continue
        two = {b for x in near for b in g.neighbors(x)} - near - {a}
        cands = []
        for b in two:
            if dept[a] != dept[b]:
                k = len(list(nx.common_neighbors(g, a, b)))
                cands.append((0, -k, -len(chans[a] & chans[b]), b, k))
        if len(cands) < enough:
            cands = []
            fellow = {b for ch in chans[a] for b in members[ch]} - near - {a}
            for b in two | fellow:
                k = len(list(nx.common_neighbors(g, a, b))) if b in two else 0
                s = len(chans[a] & chans[b])
                tier = (0 if k else 1) if dept[a] != dept[b] else 2
                cands.append((tier, -k, -s, b, k))
        cands.sort()
        out += [[a, b, k, -s] for _, _, s, b, k in cands[:top]]
    return time.perf_counter() - t, out, -1


DEMO = Path(__file__).resolve().parents[1] / "tests" / "data" / "demo_network.npz"


def demo_org() -> dict[str, np.ndarray]:
    """The network of ``groundswell demo``'s run (1,000 people, seed 0), by position."""
    d = np.load(DEMO)
    return {k: d[k].astype(np.int64) for k in ("actor", "target", "department", "member",
                                               "channel")}  # fmt: skip


def child(which: str, people: int, ties: int, channels: int, seed: int) -> None:
    org = demo_org() if people == 0 else make_org(people, ties, channels, seed)
    before = peak_rss_mib()
    c0 = os.times()
    took, rows, widened = (run_groundswell if which == "groundswell" else run_networkx)(org)
    c1 = os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)  # the contender's, threads included
    peak = peak_rss_mib()
    print(
        json.dumps(
            {"seconds": took, "cpu": cpu, "rows": rows, "widened": widened, "peak_mib": peak,
             "before_mib": before}
        )
    )  # fmt: skip


def extract(workspace: str, out: Path) -> None:
    """The demo run's ties, departments and group-channel writers, by position."""
    import pandas as pd

    import groundswell as gs
    from groundswell.value import queries

    with gs.open(workspace) as ws:
        run = ws.run()
        ties = run.ties()
        people = queries.people(ws)
        cm = queries.channel_members(ws, queries.default_window(ws, run, None))
    index = pd.Index(sorted(set(people.index) | set(ties["actor_id"]) | set(ties["target_id"])))
    dept, _ = pd.factorize(people["department"].reindex(index))
    ch, _ = pd.factorize(cm["group"])
    np.savez_compressed(
        out,
        actor=index.get_indexer(ties["actor_id"]).astype(np.int32),
        target=index.get_indexer(ties["target_id"]).astype(np.int32),
        department=dept.astype(np.int8),
        member=index.get_indexer(cm["person_id"]).astype(np.int32),
        channel=ch.astype(np.int16),
    )
    print(f"wrote {out}: {len(index):,} people, {len(ties):,} ties, {len(cm):,} memberships")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=5000)
    ap.add_argument("--ties", type=int, default=50000)
    ap.add_argument("--channels", type=int, default=60)
    ap.add_argument("--large-people", type=int, default=20000)
    ap.add_argument("--large-ties", type=int, default=300000)
    ap.add_argument("--large-channels", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--extract", metavar="WORKSPACE")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        which, *nums = a.child
        child(which, *map(int, nums))
        return
    if a.extract:
        extract(a.extract, Path(__file__).parents[1] / "tests" / "data" / "demo_network.npz")
        return
    me = str(Path(__file__).resolve())
    load0 = " ".join(f"{x:.1f}" for x in os.getloadavg())
    small = [str(x) for x in (a.people, a.ties, a.channels, a.seed)]
    gs_run = run_child(me, "--child", "groundswell", *small)
    nx_run = run_child(me, "--child", "networkx", *small)
    demo_gs = run_child(me, "--child", "groundswell", "0", "0", "0", "0")
    demo_nx = run_child(me, "--child", "networkx", "0", "0", "0", "0")
    if gs_run["rows"] != nx_run["rows"] or demo_gs["rows"] != demo_nx["rows"]:
        sys.exit("error: groundswell and NetworkX suggest different people")
    demo_ratio = demo_nx["seconds"] / demo_gs["seconds"]
    big = [str(x) for x in (a.large_people, a.large_ties, a.large_channels, a.seed)]
    large = run_child(me, "--child", "groundswell", *big)
    ratio = nx_run["seconds"] / gs_run["seconds"]
    cpu_ratio = nx_run["cpu"] / max(gs_run["cpu"], 1e-9)
    demo_cpu = demo_nx["cpu"] / max(demo_gs["cpu"], 1e-9)
    load1 = " ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"{machine()}, load average (1, 5, 15 min) {load0} at the start and {load1} at the "
        f"end (other work running): a seeded organisation of {a.people:,} people, "
        f"{a.ties:,} directed ties, {a.channels} group channels (teams of 50, ten to a "
        "department, 80% of ties inside the team), top 10 suggestions for everyone; each "
        "contender in its own process, CPU = user + system time of the computation:",
        "",
        "| contender | wall (s) | CPU (s) | wall ratio | CPU ratio | peak memory (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| groundswell `my_network.suggestions` (scipy.sparse) | {gs_run['seconds']:.3f} "
        f"| {gs_run['cpu']:.2f} | 1.00 | 1.00 | {gs_run['peak_mib']:.0f} |",
        f"| NetworkX (`neighbors`, `common_neighbors`, set intersections) | "
        f"{nx_run['seconds']:.3f} | {nx_run['cpu']:.2f} | {ratio:.1f} | {cpu_ratio:.1f} | "
        f"{nx_run['peak_mib']:.0f} |",
        "",
        f"Both give the same {len(gs_run['rows']):,} suggestions (person, suggested, shared "
        f"contacts, shared channels, in rank order; widened, for fewer than three in "
        f"other departments: {count(gs_run['widened'], 'person')}). groundswell takes "
        f"**{cpu_ratio:.0f}x** less CPU ({ratio:.0f}x less wall time).",
        "",
        "The network of `groundswell demo` (its run's ties and group-channel writers, "
        f"tests/data/demo_network.npz; {count(demo_gs['widened'], 'person')} widened): "
        f"groundswell {demo_gs['seconds']:.3f} s wall / {demo_gs['cpu']:.2f} s CPU, NetworkX "
        f"{demo_nx['seconds']:.3f} s / {demo_nx['cpu']:.2f} s, ratio **{demo_ratio:.1f}** "
        f"wall, **{demo_cpu:.1f}** CPU, the same {len(demo_gs['rows']):,} suggestions.",
        "",
        f"Large organisation, groundswell alone: {a.large_people:,} people, "
        f"{a.large_ties:,} ties, {a.large_channels} channels: **{large['seconds']:.2f} s** "
        f"wall, {large['cpu']:.2f} s CPU, "
        f"peak memory **{large['peak_mib']:.0f} MiB** (of which {large['before_mib']:.0f} MiB "
        f"before the kernel: interpreter, libraries, data); {len(large['rows']):,} "
        "suggestions.",
        "",
        f"Command: `nice .venv/bin/python bench/suggestions.py --people {a.people} --ties {a.ties} "
        f"--channels {a.channels} --large-people {a.large_people} --large-ties {a.large_ties} "
        f"--large-channels {a.large_channels} --seed {a.seed}"
        + (f" --write {a.write}`" if a.write else "`"),
    ]
    print("\n".join(lines))
    if a.write:
        write_block(a.write, NAME, lines, "Suggested connections (bench/suggestions.py)")


if __name__ == "__main__":
    main()
