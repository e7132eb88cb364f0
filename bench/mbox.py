"""Benchmark: reading the headers of an mbox of N synthetic messages.

Two contenders, each in its own process (so peak memory is its own), on the same file:

- groundswell: ``ingest.email.ingest`` into a fresh workspace (streaming byte splitter,
  header blocks only, pseudonymisation, interactions, one DuckDB transaction);
- mailbox: what a user would write with the standard library: ``mailbox.mbox`` iterated,
  each message's From, To, Cc, Bcc, Date, Message-ID, In-Reply-To, References and List-Id
  read, addresses parsed with ``email.utils.getaddresses`` and dates with
  ``parsedate_to_datetime``, rows kept in lists (nothing stored anywhere).

Each reports wall time, CPU time (user + system, of the reading alone), messages per second
and the process's peak resident memory (VmHWM). ``--flat`` adds smaller sizes to the same
run (the first messages of the largest mbox), to show how memory grows with the number of
messages; ``--unbudgeted`` adds groundswell without the DuckDB memory budget its ingest
holds while its transaction is open (``batch.STREAM_MEMORY``), to show what the budget
saves and costs; ``--before SRC`` adds groundswell from another source tree (an earlier
commit's ``src``, e.g. ``git archive main src | tar -x -C bench/out/before/``), run the same
way in the same run, so that a change is a ratio measured side by side; the load average is
printed beside each row. Run, niced on a shared machine:

    nice .venv/bin/python bench/mbox.py --messages 1000000 --flat 100000,300000

and add ``--write docs/performance.md`` to record the result there.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _bench import TreeMemory, machine, peak_rss_mib, run_child, write_block
from _bench import cpu_with_children as cpu_seconds

OUT = Path(__file__).resolve().parent / "out"
WORDS = ["the", "plan", "build", "review", "ship", "test", "team", "meeting", "budget", "draft"]


def make_data(n: int, n_people: int, seed: int, cuts: tuple[int, ...] = ()) -> Path:
    """An mbox of ``n`` messages among ``n_people``: a third are replies, a fifth go to a
    list, bodies of 3 to 40 lines (some quoting ``From `` lines as mboxrd does). The first
    ``c`` messages of it for each ``c`` in ``cuts`` are written as the mbox of ``c``
    messages (the same as generating it: the messages are drawn in order)."""
    path = _path(n, n_people, seed)
    todo = [c for c in cuts if c < n and not _path(c, n_people, seed).exists()]
    if path.exists() and not todo:
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    tmp = path.with_suffix(".tmp")
    offsets = {}
    with tmp.open("wb") as fh:
        for i in range(n):
            if i in todo:
                offsets[i] = fh.tell()
            a = rng.randrange(n_people)
            team = (a // 10) * 10
            to = {(team + rng.randrange(10)) % n_people for _ in range(rng.randint(1, 3))}
            cc = {rng.randrange(n_people) for _ in range(rng.randint(0, 2))}
            when = start + timedelta(seconds=i * 37)
            lines = [
                f"From p{a}@acme.com {when:%a %b %d %H:%M:%S %Y}",
                f"From: Person {a} <p{a}@acme.com>",
                "To: " + ", ".join(f"p{t}@acme.com" for t in sorted(to)),
            ]
            if cc:
                lines.append(
                    "Cc: "
                    + ", ".join(f"=?utf-8?q?P=C3=A9rson_{c}?= <p{c}@acme.com>" for c in sorted(cc))
                )
            lines += [
                f"Date: {when:%a, %d %b %Y %H:%M:%S} +0000",
                f"Subject: {' '.join(rng.choices(WORDS, k=5))}",
                f"Message-ID: <{i}.{seed}@acme.com>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                f"Received: from mx{i % 7}.acme.com by mail.acme.com; "
                f"{when:%a, %d %b %Y %H:%M:%S} +0000",
            ]
            if i and rng.random() < 0.33:
                parent = rng.randrange(max(0, i - 500), i)
                lines += [
                    f"In-Reply-To: <{parent}.{seed}@acme.com>",
                    f"References: <{parent}.{seed}@acme.com>",
                ]
            if rng.random() < 0.2:
                lines.append(f"List-Id: Team {team} <team{team}.acme.com>")
            body = [" ".join(rng.choices(WORDS, k=12)) for _ in range(rng.randint(3, 40))]
            if rng.random() < 0.05:
                body.insert(1, ">From the archive, as quoted")
            fh.write(("\n".join(lines) + "\n\n" + "\n".join(body) + "\n\n").encode())
    with tmp.open("rb") as src:
        for c, size in offsets.items():
            src.seek(0)
            part = _path(c, n_people, seed).with_suffix(".tmp")
            with part.open("wb") as dst:
                left = size
                while left:
                    left -= dst.write(src.read(min(left, 1 << 24)))
            part.rename(_path(c, n_people, seed))
    tmp.rename(path)
    return path


def _path(n: int, n_people: int, seed: int) -> Path:
    return OUT / f"mbox-{n}-{n_people}-{seed}.mbox"


def run_groundswell(path: str, budget: bool = True, one: bool = False) -> dict:
    """groundswell's ingest as a user runs it: a large mbox parsed by worker processes
    when cores are idle (their CPU time counted, and their memory: the peak is the larger
    of this process's own and the summed PSS of it and its workers); ``one``: in one
    process whatever the size."""
    import groundswell as gs
    from groundswell.ingest import batch, email

    if not budget:  # DuckDB at its default limit while the ingest's transaction is open
        batch.STREAM_MEMORY = None
    workers = 0
    try:
        from groundswell.ingest.email import pieces
    except ImportError:  # an earlier tree (--before): one process
        pieces = None
    if pieces is not None:
        if one:
            pieces.LARGE = 1 << 62
        workers = pieces.workers_for(Path(path))
        pieces.WORKERS = workers or 1  # the ingest uses the number reported (1: none)

    with tempfile.TemporaryDirectory(dir=OUT) as d:
        ws = gs.init(Path(d) / "ws")
        tree = TreeMemory()
        t, cpu = time.perf_counter(), cpu_seconds()
        s = email.ingest(ws, Path(path))
        seconds, cpu = time.perf_counter() - t, cpu_seconds() - cpu
        tree_mib = tree.stop()
        ws.close()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "messages": s.messages,
        "interactions": s.interactions,
        "workers": workers,
        "tree_peak_mib": tree_mib,
    }


def run_groundswell_one(path: str) -> dict:
    """groundswell's ingest in one process (no workers), as before workers."""
    return run_groundswell(path, one=True)


def run_groundswell_unbudgeted(path: str) -> dict:
    """groundswell without the ingest's DuckDB memory budget (``batch.STREAM_MEMORY``)."""
    return run_groundswell(path, budget=False)


def run_groundswell_without_keys(path: str) -> dict:
    """groundswell on a workspace whose ``messages`` and ``interactions`` tables have no
    primary key (what the store's index work aims at): the reader's memory without the
    indexes DuckDB keeps until the ingest commits."""
    import groundswell as gs
    from groundswell.ingest import email

    with tempfile.TemporaryDirectory(dir=OUT) as d:
        ws = gs.init(Path(d) / "ws")
        for table in ("messages", "interactions"):
            kind = ws.con.execute(
                "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [table]
            ).fetchall()
            if kind and kind[0][0] == "BASE TABLE":
                ws.con.execute(f"CREATE TABLE {table}_copy AS FROM {table} LIMIT 0")
                ws.con.execute(f"DROP TABLE {table}")
                ws.con.execute(f"ALTER TABLE {table}_copy RENAME TO {table}")
        t, cpu = time.perf_counter(), cpu_seconds()
        s = email.ingest(ws, Path(path))
        seconds, cpu = time.perf_counter() - t, cpu_seconds() - cpu
        ws.close()
    return {"seconds": seconds, "cpu": cpu, "messages": s.messages, "interactions": s.interactions}


def run_mailbox(path: str) -> dict:
    import mailbox
    from email.utils import getaddresses, parsedate_to_datetime

    t, cpu = time.perf_counter(), cpu_seconds()
    rows, targets = [], []
    for msg in mailbox.mbox(path):
        try:
            ts = parsedate_to_datetime(msg["Date"])
        except (TypeError, ValueError):
            continue
        author = getaddresses([msg.get("From", "")])[0][1].lower()
        mid = msg.get("Message-ID", "")
        for header in ("To", "Cc", "Bcc"):
            for _, addr in getaddresses(msg.get_all(header, [])):
                targets.append((mid, addr.lower(), header))
        rows.append(
            (mid, author, ts, msg.get("In-Reply-To"), msg.get("References"), msg.get("List-Id"))
        )
    seconds, cpu = time.perf_counter() - t, cpu_seconds() - cpu
    return {"seconds": seconds, "cpu": cpu, "messages": len(rows), "interactions": len(targets)}


CONTENDERS = {
    "groundswell": run_groundswell,
    "groundswell-1": run_groundswell_one,
    "mailbox": run_mailbox,
}
EXTRA = {
    "groundswell-without-keys": run_groundswell_without_keys,
    "groundswell-unbudgeted": run_groundswell_unbudgeted,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument(
        "--flat",
        type=lambda v: [int(x) for x in v.split(",") if x],
        default=[],
        help="smaller sizes also measured in the same run (comma-separated), to show how "
        "peak memory grows with the number of messages",
    )
    ap.add_argument("--people", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write", type=Path, help="Markdown file whose mbox section to update")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="20,000 messages: a few seconds")
    ap.add_argument(
        "--without",
        type=lambda v: [x for x in v.split(",") if x],
        default=[],
        help="leave these contenders out (comma-separated, e.g. mailbox: its rows change "
        "only with Python's standard library)",
    )
    ap.add_argument(
        "--before",
        type=Path,
        help="also run groundswell from this source tree (an earlier commit's src folder)",
    )
    ap.add_argument(
        "--unbudgeted",
        action="store_true",
        help="also run groundswell without the ingest's DuckDB memory budget "
        "(batch.STREAM_MEMORY), to show what the budget saves and costs",
    )
    args = ap.parse_args()
    if args.quick:
        args.messages, args.flat = 20_000, [5_000]
    if args.child:
        r = {**CONTENDERS, **EXTRA}[args.child[0]](args.child[1])
        own = peak_rss_mib()
        peak = max(own, r.get("tree_peak_mib", 0))
        print(json.dumps({**r, "own_peak_mib": own, "peak_mib": peak}))
        return
    sizes = sorted({*args.flat, args.messages})
    t = time.perf_counter()
    make_data(sizes[-1], args.people, args.seed, cuts=tuple(sizes[:-1]))
    paths = {n: _path(n, args.people, args.seed) for n in sizes}
    mib = {n: p.stat().st_size / 2**20 for n, p in paths.items()}
    print(f"data ready in {time.perf_counter() - t:.1f} s: " + ", ".join(
        f"{n:,} messages ({mib[n]:,.0f} MiB)" for n in sizes
    ))  # fmt: skip
    results: dict[int, dict[str, dict]] = {}
    loads = [os.getloadavg()[0]]
    contenders = [
        *(c for c in CONTENDERS if c not in args.without),
        *(["groundswell-before"] if args.before else []),
        *(["groundswell-unbudgeted"] if args.unbudgeted else []),
    ]
    for n in sizes:
        for name in contenders:
            if name == "groundswell-before":
                r = _run_before(args.before, str(paths[n]))
            else:
                r = run_child(__file__, "--child", name, str(paths[n]))
            results.setdefault(n, {})[name] = r
            loads.append(os.getloadavg()[0])
            print(
                f"{n:>9,} {name:12s} {r['seconds']:8.2f} s wall {r['cpu']:8.2f} s CPU "
                f"{r['messages'] / r['seconds']:9,.0f} msg/s  peak {r['peak_mib']:6.0f} MiB  "
                f"workers {r.get('workers', 0)}  load {loads[-1]:.1f}",
                flush=True,
            )
    top = results[sizes[-1]]
    print(
        f"at {sizes[-1]:,} messages groundswell takes "
        f"{top['groundswell']['peak_mib'] / results[sizes[0]]['groundswell']['peak_mib']:.3f}x "
        f"its peak memory at {sizes[0]:,}"
    )
    if "mailbox" in top:
        print(
            f"at {sizes[-1]:,} messages groundswell takes "
            f"{top['groundswell']['seconds'] / top['mailbox']['seconds']:.2f}x mailbox's wall "
            f"time, {top['groundswell']['cpu'] / top['mailbox']['cpu']:.2f}x its CPU time and "
            f"{top['groundswell']['peak_mib'] / top['mailbox']['peak_mib']:.2f}x its memory"
        )
    for n in sizes:
        if "groundswell-1" in results[n]:
            now, one = results[n]["groundswell"], results[n]["groundswell-1"]
            print(
                f"at {n:,} messages groundswell ({now.get('workers', 0)} workers) takes "
                f"{now['seconds'] / one['seconds']:.2f}x the wall time, "
                f"{now['cpu'] / one['cpu']:.2f}x the CPU time and "
                f"{now['peak_mib'] / one['peak_mib']:.2f}x the memory of one process"
            )
    for n in sizes if args.before else []:
        now, then = results[n]["groundswell"], results[n]["groundswell-before"]
        print(
            f"at {n:,} messages groundswell takes {now['cpu'] / then['cpu']:.2f}x the CPU time "
            f"and {now['peak_mib'] / then['peak_mib']:.2f}x the memory of {args.before}"
        )
    if args.unbudgeted:
        un = top["groundswell-unbudgeted"]
        print(
            f"the memory budget: {top['groundswell']['cpu'] / un['cpu']:.2f}x the CPU time, "
            f"{top['groundswell']['seconds'] / un['seconds']:.2f}x the wall time and "
            f"{top['groundswell']['peak_mib'] / un['peak_mib']:.2f}x the memory of no budget"
        )
    if args.write:
        write_markdown(args, sizes, mib, results, loads)


def _run_before(src: Path, path: str) -> dict:
    """The groundswell child with the package imported from ``src`` (this script's own
    helpers are the same; only ``groundswell`` differs)."""
    env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", "groundswell", path],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def write_markdown(
    args: argparse.Namespace,
    sizes: list[int],
    mib: dict[int, float],
    results: dict[int, dict[str, dict]],
    loads: list[float],
) -> None:
    lines = [
        f"{machine()}, synthetic mboxes among {args.people:,} people (the smaller ones are "
        f"the first messages of the largest); load average {min(loads):.1f} to "
        f"{max(loads):.1f} during the run (2 cores shared with other work: compare CPU "
        "times, and wall times only within a row's size):",
        "",
        "| messages (MiB) | contender | wall (s) | CPU (s) | messages/s (wall) | "
        "messages/s (CPU) | peak memory (MiB) | wall ratio | CPU ratio | memory ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "groundswell": "groundswell `ingest.email` (into a fresh workspace; workers on idle cores)",
        "groundswell-1": "groundswell `ingest.email` in one process",
        "mailbox": "`mailbox.mbox` + `email.utils` (reading only)",
        "groundswell-before": f"groundswell before (`{args.before}`)",
        "groundswell-unbudgeted": "groundswell without its DuckDB memory budget",
    }
    for n in sizes:
        base = results[n]["groundswell"]
        for name, label in labels.items():
            if name not in results[n]:
                continue
            r = results[n][name]
            lines.append(
                f"| {n:,} ({mib[n]:,.0f}) | {label} | {r['seconds']:.1f} | {r['cpu']:.1f} | "
                f"{r['messages'] / r['seconds']:,.0f} | {r['messages'] / r['cpu']:,.0f} | "
                f"{r['peak_mib']:,.0f} | {r['seconds'] / base['seconds']:.2f} | "
                f"{r['cpu'] / base['cpu']:.2f} | {r['peak_mib'] / base['peak_mib']:.2f} |"
            )
    flat = ",".join(str(n) for n in sizes[:-1])
    lines += [
        "",
        f"Command: `nice .venv/bin/python bench/mbox.py --messages {args.messages} "
        + (f"--flat {flat} " if flat else "")
        + (f"--without {','.join(args.without)} " if args.without else "")
        + (f"--before {args.before} " if args.before else "")
        + ("--unbudgeted " if args.unbudgeted else "")
        + f"--people {args.people} --write {args.write}`",
    ]
    write_block(args.write, "bench/mbox.py", lines, "Reading email headers (mbox)")


if __name__ == "__main__":
    main()
