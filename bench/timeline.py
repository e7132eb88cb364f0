"""Benchmark: monthly snapshots over two years of a 20,000-person organisation, then one new
month appended and the snapshots brought up to date.

The events come from a numpy generator written straight into the workspace's DuckDB tables
(``groundswell.synth`` draws ~40 events per person per week, ~80 million rows for two years
of 20,000 people: more than this machine's memory holds in pandas). The org chart is
``groundswell.synth``'s, ingested by the org-chart reader; each month, every person writes
about 4 posts in their team channel (30% questions), each drawing about 1.5 replies from team
mates, and about 30 direct messages (60% to their team, 30% to their department, 10% to
anyone): ~0.8 million messages and ~0.7 million interactions a month.

Three steps, each in its own process so that its peak memory is its own:

1. ``full``: :func:`groundswell.value.timeline.snapshots` over every month (all computed);
2. the next month of events is appended (timed apart: that is ingest, not analysis);
3. ``append``: the same call again — only the new month should be computed.

The ratio of step 3 to step 1 shows the incremental cost; step 3 against one month of step 1
shows it is one month's work (plus the fingerprint scan over all events). Run:

    .venv/bin/python bench/timeline.py                 # 20,000 people, 24 months
    .venv/bin/python bench/timeline.py --people 2000 --months 4   # a quick check

and add ``--write docs/performance.md`` to record the result there.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _bench import machine, peak_rss_mib, run_child, write_block

OUT = Path(__file__).resolve().parent / "out"
START = pd.Timestamp("2024-01-01", tz="UTC")


def build(folder: Path, people: int, months: int, seed: int) -> dict:
    """A workspace with the org chart and ``months`` months of events."""
    import groundswell as gs
    from groundswell import synth

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    org = synth.generate(people, seed=seed, weeks=1, start=str(START.date()))
    hr = org.people.copy()
    hr["hire_date"] = np.where(
        hr["hire_date"] > str(START.date()), str(START.date()), hr["hire_date"]
    )
    hr["leave_date"] = ""
    hr.to_csv(folder / "hris.csv", index=False)
    ws = gs.init(folder / "ws")
    ws.ingest_orgchart(folder / "hris.csv")
    t0 = time.perf_counter()
    for m in range(months):
        append_month(ws, hr, m, seed)
    took = time.perf_counter() - t0
    counts = ws.counts()
    ws.close()
    return {
        "load_seconds": took,
        "messages": counts["messages"],
        "interactions": counts["interactions"],
    }


def append_month(ws, hr: pd.DataFrame, m: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    """Draw month ``m``'s posts, replies and direct messages and insert them."""
    from groundswell.ingest.batch import append_interactions

    rng = np.random.default_rng([seed, m])
    ids = ws.pseudonymiser.people(hr["employee_id"])
    n = len(ids)
    team = pd.factorize(hr["team"].astype(str) + "|" + hr["department"].astype(str))[0]
    dept = pd.factorize(hr["department"])[0]
    t0 = START + pd.DateOffset(months=m)
    span = ((t0 + pd.DateOffset(months=1)) - t0).total_seconds()
    base = t0.value // 1000  # microseconds

    def members(groups: np.ndarray, who: np.ndarray) -> np.ndarray:
        """A random member of each ``who``'s group (CSR sampling, no Python loop)."""
        order = np.argsort(groups, kind="stable")
        ptr = np.concatenate([[0], np.cumsum(np.bincount(groups, minlength=groups.max() + 1))])
        g = groups[who]
        size = ptr[g + 1] - ptr[g]
        return order[ptr[g] + (rng.random(len(who)) * size).astype(np.int64)]

    # posts in team channels, and replies from team mates
    author = np.repeat(np.arange(n), rng.poisson(4, n))
    p_ts = base + (rng.random(len(author)) * span * 1e6).astype(np.int64)
    is_q = rng.random(len(author)) < 0.3
    root = np.repeat(np.arange(len(author)), rng.poisson(1.5, len(author)))
    replier = members(team, author[root])
    keep = replier != author[root]
    root, replier = root[keep], replier[keep]
    r_ts = np.minimum(
        p_ts[root] + (rng.exponential(2 * 3600, len(root)) * 1e6).astype(np.int64),
        base + int(span * 1e6) - 1,
    )
    # direct messages
    sender = np.repeat(np.arange(n), rng.poisson(30, n))
    u = rng.random(len(sender))
    target = np.where(
        u < 0.6,
        members(team, sender),
        np.where(u < 0.9, members(dept, sender), rng.integers(0, n, len(sender))),
    )
    keep = target != sender
    sender, target = sender[keep], target[keep]
    d_ts = base + (rng.random(len(sender)) * span * 1e6).astype(np.int64)

    tag = f"m{m:03d}_"
    post_id = np.char.add(tag + "p", np.arange(len(author)).astype(str))
    reply_id = np.char.add(tag + "r", np.arange(len(root)).astype(str))
    dm_id = np.char.add(tag + "d", np.arange(len(sender)).astype(str))
    channel = np.char.add("c_team", team.astype(str))
    messages = pd.DataFrame(
        {
            "message_id": np.concatenate([post_id, reply_id, dm_id]),
            "channel_id": np.concatenate(
                [channel[author], channel[author[root]], np.full(len(sender), "c_dm")]
            ),
            "thread_id": np.concatenate([post_id, post_id[root], np.full(len(sender), None)]),
            "parent_id": np.concatenate(
                [np.full(len(author), None), post_id[root], np.full(len(sender), None)]
            ),
            "author_id": ids[np.concatenate([author, replier, sender])],
            "ts": pd.to_datetime(np.concatenate([p_ts, r_ts, d_ts]), unit="us", utc=True),
            "kind": np.repeat(["post", "reply", "dm"], [len(author), len(root), len(sender)]),
            "n_recipients": np.repeat([0, 1, 1], [len(author), len(root), len(sender)]).astype(
                np.int32
            ),
            "is_question": np.concatenate([is_q, np.zeros(len(root) + len(sender), bool)]),
        }
    )
    inter = pd.DataFrame(
        {
            "ts": pd.to_datetime(np.concatenate([r_ts, d_ts]), unit="us", utc=True),
            "actor_id": ids[np.concatenate([replier, sender])],
            "target_id": ids[np.concatenate([author[root], target])],
            "kind": np.repeat(["reply", "dm"], [len(root), len(sender)]),
            "message_id": np.concatenate([reply_id, dm_id]),
        }
    )
    messages = messages.sort_values("ts", kind="stable")
    inter = inter.sort_values("ts", kind="stable")
    with ws.transaction() as con:
        # one ingest (a sources row) per month, as a reader would record it
        src = int(con.execute("SELECT nextval('source_seq')").fetchall()[0][0])
        con.execute(
            "INSERT INTO sources VALUES (?, 'events', ?, ?, '{}', ?, 0, '{}', 0, ?, ?, now())",
            [
                src,
                f"bench-month-{m}",
                f"bench-{seed}-{m}",
                len(messages),
                len(messages),
                len(inter),
            ],
        )
        if m == 0:
            chans = pd.DataFrame({"channel_id": np.unique(channel)})
            con.register("c", chans)
            con.execute(
                "INSERT INTO channels SELECT channel_id, NULL, 'private', "
                "TIMESTAMPTZ '2024-01-01', 0 FROM c "
                "UNION ALL SELECT 'c_dm', NULL, 'dm', TIMESTAMPTZ '2024-01-01', 0"
            )
            con.unregister("c")
        con.register("msg", messages)
        con.execute(
            "INSERT INTO messages SELECT message_id, channel_id, thread_id, parent_id, author_id, "
            f"ts, kind, n_recipients, is_question, false, NULL, {src} FROM msg"
        )
        con.unregister("msg")
        con.register("it", inter)
        append_interactions(
            con, f"SELECT ts, actor_id, target_id, kind, message_id, 1, false, 1.0, {src} FROM it"
        )
        con.unregister("it")


def child(phase: str, folder: str) -> None:
    import groundswell as gs
    from groundswell.value import timeline

    ws = gs.open(Path(folder) / "ws")
    t = time.perf_counter()
    done = timeline.snapshots(ws, "month")
    took = time.perf_counter() - t
    fp = float("inf")
    for _ in range(3):  # the scan alone, best of three
        t = time.perf_counter()
        timeline.fingerprints(ws, "month")
        fp = min(fp, time.perf_counter() - t)
    per = ws.query("SELECT period_start, seconds FROM snapshots WHERE period = 'month'")
    ws.close()
    print(
        json.dumps(
            {
                "phase": phase,
                "seconds": took,
                "computed": len(done.computed),
                "scan": done.scan,
                "skipped": done.skipped,
                "periods": done.periods,
                "fingerprint_seconds": fp,
                "mean_period_seconds": float(per["seconds"].mean()),
                "peak_rss_mib": peak_rss_mib(),
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write", type=Path, help="Markdown file whose timeline block to update")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = OUT / f"timeline-{args.people}-{args.months}-{args.seed}"
    t = time.perf_counter()
    built = build(folder, args.people, args.months, args.seed)
    build_s = time.perf_counter() - t
    print(
        f"built {built['messages']:,} messages, {built['interactions']:,} interactions "
        f"in {build_s:.0f} s",
        file=sys.stderr,
    )
    full = run_child(__file__, "--child", "full", str(folder))
    print(f"full: {full}", file=sys.stderr)

    import groundswell as gs

    ws = gs.open(folder / "ws")
    hr = pd.read_csv(folder / "hris.csv", dtype=str, keep_default_na=False)
    t = time.perf_counter()
    append_month(ws, hr, args.months, args.seed)
    append_s = time.perf_counter() - t
    total = ws.counts()
    ws.close()
    again = run_child(__file__, "--child", "append", str(folder))
    print(f"append: {again}", file=sys.stderr)
    ratio = again["seconds"] / full["seconds"]
    per_month = full["seconds"] / max(full["computed"], 1)
    result = {
        "people": args.people,
        "months": args.months,
        **built,
        "full": full,
        "append_ingest_seconds": append_s,
        "append": again,
        "ratio_append_to_full": ratio,
        "ratio_append_to_one_month": again["seconds"] / per_month,
        "messages_after": total["messages"],
        "interactions_after": total["interactions"],
    }
    print(json.dumps(result))
    if args.write:
        lines = [
            f"{machine()}. `.venv/bin/python bench/timeline.py --people {args.people} "
            f"--months {args.months}`: {args.people:,} people, {built['messages']:,} messages and "
            f"{built['interactions']:,} interactions over {args.months} months, written straight "
            "into DuckDB by the benchmark's numpy generator (posts, replies, direct messages).",
            "",
            "| step | months computed | wall time | peak memory |",
            "|---|---|---|---|",
            f"| every month from scratch (`timeline --period month`) | {full['computed']} | "
            f"{full['seconds']:.1f} s ({per_month:.2f} s a month) | "
            f"{full['peak_rss_mib']:,.0f} MiB |",
            f"| one month appended, then brought up to date | {again['computed']} (skipped "
            f"{again['skipped']}) | {again['seconds']:.2f} s | {again['peak_rss_mib']:,.0f} MiB |",
            "",
            f"Appending a month costs **{ratio:.3f}x** the full computation, "
            f"**{again['seconds'] / per_month:.2f}x** one month's share of it: only the periods "
            f"holding rows of the new ingest are fingerprinted again ({again['scan']}), the new "
            f"month is computed and the {again['skipped']} others are skipped. Fingerprinting "
            f"every period (the first refresh, or after a change to the org chart or the tie "
            f"rules) scans every event: {again['fingerprint_seconds']:.2f} s here (best of "
            f"three), the part that grows with history. Ingesting the new month's events took "
            f"{append_s:.1f} s apart from this.",
        ]
        write_block(
            args.write, "bench/timeline.py", lines, "Snapshots over time (bench/timeline.py)"
        )


if __name__ == "__main__":
    main()
