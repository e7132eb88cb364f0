"""Benchmark: reading the headers of an mbox of N synthetic messages.

Two contenders, each in its own process (so peak memory is its own), on the same file:

- groundswell: ``ingest.email.ingest`` into a fresh workspace (streaming byte splitter,
  header blocks only, pseudonymisation, interactions, one DuckDB transaction);
- mailbox: what a user would write with the standard library: ``mailbox.mbox`` iterated,
  each message's From, To, Cc, Bcc, Date, Message-ID, In-Reply-To, References and List-Id
  read, addresses parsed with ``email.utils.getaddresses`` and dates with
  ``parsedate_to_datetime``, rows kept in lists (nothing stored anywhere).

Each reports wall time, messages per second and the process's peak resident memory
(VmHWM). Run:

    .venv/bin/python bench/mbox.py --messages 200000

and add ``--write docs/performance.md`` to record the result there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _bench import peak_rss_mib, write_block

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


def run_groundswell(path: str) -> dict:
    import groundswell as gs
    from groundswell.ingest import email

    with tempfile.TemporaryDirectory(dir=OUT) as d:
        ws = gs.init(Path(d) / "ws")
        t = time.perf_counter()
        s = email.ingest(ws, Path(path))
        seconds = time.perf_counter() - t
        ws.close()
    return {"seconds": seconds, "messages": s.messages, "interactions": s.interactions}


def run_mailbox(path: str) -> dict:
    import mailbox
    from email.utils import getaddresses, parsedate_to_datetime

    t = time.perf_counter()
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
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "messages": len(rows), "interactions": len(targets)}


CONTENDERS = {"groundswell": run_groundswell, "mailbox": run_mailbox}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--people", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write", type=Path, help="Markdown file whose mbox section to update")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="20,000 messages: a few seconds")
    args = ap.parse_args()
    if args.quick:
        args.messages = 20_000
    if args.child:
        r = CONTENDERS[args.child[0]](args.child[1])
        print(json.dumps({**r, "peak_mib": peak_rss_mib()}))
        return
    t = time.perf_counter()
    path = make_data(args.messages, args.people, args.seed)
    size = path.stat().st_size / 2**20
    print(
        f"data ready in {time.perf_counter() - t:.1f} s: {args.messages:,} messages, "
        f"{size:,.0f} MiB ({path})"
    )
    results = {}
    for name in CONTENDERS:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", name, str(path)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        r = results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"{name:12s} {r['seconds']:8.2f} s  {r['messages'] / r['seconds']:10,.0f} msg/s  "
            f"peak {r['peak_mib']:7.0f} MiB  {r['messages']:,} messages"
        )
    speedup = results["mailbox"]["seconds"] / results["groundswell"]["seconds"]
    mem = results["mailbox"]["peak_mib"] / results["groundswell"]["peak_mib"]
    print(f"groundswell is {speedup:.1f}x faster than mailbox and uses {1 / mem:.2f}x its memory")
    if args.write:
        write_markdown(args, size, results, speedup)


def write_markdown(args: argparse.Namespace, size: float, results: dict, speedup: float) -> None:
    cpu = platform.processor() or platform.machine()
    lines = [
        "<!-- bench/mbox.py: begin -->",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores ({cpu}, "
        f"Python {platform.python_version()}), a synthetic mbox of {args.messages:,} messages "
        f"({size:,.0f} MiB) among {args.people:,} people:",
        "",
        "| contender | time (s) | messages/s | peak memory (MiB) | messages | time ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    base = results["groundswell"]["seconds"]
    for name, label in (
        ("groundswell", "groundswell `ingest.email` (into a fresh workspace)"),
        ("mailbox", "`mailbox.mbox` + `email.utils` header parsing (no storage)"),
    ):
        r = results[name]
        lines.append(
            f"| {label} | {r['seconds']:.2f} | {r['messages'] / r['seconds']:,.0f} | "
            f"{r['peak_mib']:.0f} | {r['messages']:,} | {r['seconds'] / base:.2f} |"
        )
    lines += [
        "",
        f"groundswell reads, pseudonymises and stores the headers **{speedup:.1f}x** faster "
        "than the standard library only reads them.",
        "",
        f"Command: `.venv/bin/python bench/mbox.py --messages {args.messages} "
        f"--people {args.people} --write {args.write}`",
        "<!-- bench/mbox.py: end -->",
    ]
    write_block(args.write, "bench/mbox.py", lines[1:-1], "Reading email headers (mbox)")


if __name__ == "__main__":
    main()
