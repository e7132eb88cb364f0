"""Benchmark: reading a Slack export of N messages into canonical rows.

Two exports are read in one run, each generated once under bench/out/:

- the bench's own: a .zip as Slack's export tool writes it (users.json, channels.json,
  groups.json, dms.json, mpims.json and one JSON array per conversation per day, messages
  shaped like today's exports with blocks, user_profile, threads, mentions and reactions),
  ``--messages`` messages among ``--users`` users;
- the synthetic organisation's: ``groundswell.synth.generate(--synth-people, seed=
  --synth-seed, weeks=13)`` written by ``write_slack_export(..., zip=True)`` (what
  ``groundswell demo`` ingests; 5,000 people give about 950,000 messages).

Two contenders read each, each in its own process (so peak memory is its own):

- groundswell: ``groundswell.ingest.slack.ingest`` into a fresh workspace (dry_run=False):
  parsing, pseudonymisation of every identifier, interactions, and the DuckDB transaction;
  with two worker processes reading the day files (both cores) and with one process (the
  reader's default picks as many workers as there are idle cores, so it is one of these);
- pandas: the straightforward reader a user would write: ``json.load`` of every day file
  into one list of dicts, ``pd.DataFrame``, then the same extraction with pandas (authors,
  threads, replies to the root's author, mentions in text and blocks, reactions, DM
  members), no pseudonymisation and no database (so it does less work).

Each reports wall time (best of ``--repeat``), CPU time (user + system, the worker
processes' included), messages per second of wall time and of CPU time, and peak memory: the
process's peak resident memory (VmHWM), or, when higher, the peak of the proportional set
size (PSS) of the process and its workers together, sampled every 0.25 s; the load average
before and after is printed, since the machine may be shared. Run:

    nice .venv/bin/python bench/slack.py --messages 1000000 --synth-people 5000

and add ``--write docs/performance.md`` to record the result there; ``--before TREE/src``
adds the reader of another source tree (in one process), for a before/after ratio in the
same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _bench import TreeMemory, peak_rss_mib, write_block
from _bench import cpu_with_children as cpu_seconds

OUT = Path(__file__).resolve().parent / "out"
T0 = 1_704_067_200  # 2024-01-01
DAYS = 180
BEGIN, END = "<!-- bench/slack.py: begin -->", "<!-- bench/slack.py: end -->"


def make_data(n_messages: int, n_users: int, seed: int) -> Path:
    """The synthetic export as a zip (cached)."""
    import orjson

    folder = OUT / f"slack-{n_messages}-{n_users}-{seed}"
    target = folder / "export.zip"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    users = [f"U{i:08d}" for i in range(n_users)]
    team = "T0000001"
    user_rows = [
        {
            "id": u,
            "team_id": team,
            "name": f"user{i}",
            "deleted": i % 97 == 0,
            "real_name": f"User {i}",
            "is_bot": False,
            "is_restricted": i % 50 == 0,
            "profile": {
                "email": f"user{i}@example.com",
                "title": f"Title {i % 40}",
                "real_name": f"User {i}",
                "display_name": f"user{i}",
                "image_72": "https://example.com/a.png",
                "team": team,
            },
        }
        for i, u in enumerate(users)
    ]
    n_pub, n_priv, n_dm, n_mp = 120, 30, 40, 10
    convs = []  # (list file, record, folder, members)
    for i in range(n_pub + n_priv):
        members = rng.sample(users, rng.randint(5, 60))
        rec = {
            "id": f"C{i:08d}",
            "name": f"chan-{i}",
            "created": T0 - 86400,
            "creator": members[0],
            "members": members,
        }
        convs.append(("channels.json" if i < n_pub else "groups.json", rec, rec["name"], members))
    for i in range(n_dm):
        members = rng.sample(users, 2)
        rec = {"id": f"D{i:08d}", "created": T0, "members": members}
        convs.append(("dms.json", rec, rec["id"], members))
    for i in range(n_mp):
        members = rng.sample(users, rng.randint(3, 8))
        rec = {"id": f"G{i:08d}", "name": f"mpdm-{i}", "created": T0, "members": members}
        convs.append(("mpims.json", rec, rec["name"], members))
    per_conv = [n_messages // len(convs)] * len(convs)
    per_conv[0] += n_messages - sum(per_conv)
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("users.json", orjson.dumps(user_rows))
        for list_name in ("channels.json", "groups.json", "dms.json", "mpims.json"):
            zf.writestr(list_name, orjson.dumps([c[1] for c in convs if c[0] == list_name]))
        for (_, _, folder_name, members), count in zip(convs, per_conv, strict=True):
            step = DAYS * 86400 / max(count, 1)
            day_msgs: dict[str, list] = {}
            roots: list[tuple[str, str]] = []
            for j in range(count):
                t = T0 + j * step + rng.random() * step * 0.5
                sts = f"{t:.6f}"
                author = rng.choice(members)
                m = {
                    "client_msg_id": f"{rng.getrandbits(64):016x}",
                    "type": "message",
                    "user": author,
                    "ts": sts,
                    "team": team,
                    "user_profile": {
                        "avatar_hash": "g0",
                        "image_72": "https://e.com/a.png",
                        "first_name": "F",
                        "real_name": "R",
                        "display_name": "D",
                        "team": team,
                        "name": "n",
                        "is_restricted": False,
                        "is_ultra_restricted": False,
                    },
                }
                words = [
                    "lorem",
                    "ipsum",
                    "dolor",
                    "sit",
                    "amet",
                    "consectetur",
                    "adipiscing",
                    "elit",
                    "sed",
                    "do",
                ]
                text = " ".join(rng.choices(words, k=rng.randint(3, 20)))
                elements = [{"type": "text", "text": text}]
                if rng.random() < 0.2:
                    who = rng.choice(members)
                    text = f"<@{who}> {text}"
                    elements.insert(0, {"type": "user", "user_id": who})
                if rng.random() < 0.1:
                    text += "?"
                m["text"] = text
                m["blocks"] = [
                    {
                        "type": "rich_text",
                        "block_id": "b",
                        "elements": [{"type": "rich_text_section", "elements": elements}],
                    }
                ]
                r = rng.random()
                if r < 0.3 and roots:
                    root_ts, root_user = roots[rng.randrange(max(0, len(roots) - 5), len(roots))]
                    m["thread_ts"] = root_ts
                    m["parent_user_id"] = root_user
                elif r < 0.45:
                    m["thread_ts"] = sts
                    roots.append((sts, author))
                if rng.random() < 0.1:
                    m["reactions"] = [
                        {
                            "name": "+1",
                            "count": 2,
                            "users": rng.sample(members, min(2, len(members))),
                        }
                    ]
                if rng.random() < 0.02:
                    m = {
                        "type": "message",
                        "subtype": "bot_message",
                        "bot_id": "B00000001",
                        "text": "build ok",
                        "ts": sts,
                    }
                day = datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%d")
                day_msgs.setdefault(day, []).append(m)
            for day, msgs in day_msgs.items():
                zf.writestr(f"{folder_name}/{day}.json", orjson.dumps(msgs))
    tmp.rename(target)
    return target


def make_synth(people: int, seed: int) -> Path:
    """The synthetic organisation's Slack export as a zip (cached)."""
    from groundswell import synth
    from groundswell.synth.slack_export import write_slack_export

    target = OUT / f"synth-slack-{people}-13w-{seed}.zip"
    if target.exists():
        return target
    OUT.mkdir(parents=True, exist_ok=True)
    org = synth.generate(people, seed=seed, weeks=13)
    return write_slack_export(org, target, zip=True)


# -- contenders ------------------------------------------------------------------------------------
def run_groundswell(export: str, workers: int) -> tuple[float, float, int, int]:
    import groundswell as gs
    from groundswell.ingest import slack
    from groundswell.ingest.slack import workers as slack_workers

    slack_workers.WORKERS = workers  # not the default (idle cores): the same in every run
    OUT.mkdir(parents=True, exist_ok=True)  # (a fresh checkout has no bench/out)
    tmp = Path(tempfile.mkdtemp(dir=OUT))
    try:
        ws = gs.init(tmp / "ws")
        t, c = time.perf_counter(), cpu_seconds()
        s = slack.ingest(ws, Path(export))
        seconds, cpu = time.perf_counter() - t, cpu_seconds() - c
        ws.close()
        return seconds, cpu, s.messages, s.interactions
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_pandas(export: str) -> tuple[float, float, int, int]:

    import pandas as pd

    t, cpu = time.perf_counter(), cpu_seconds()
    zf = zipfile.ZipFile(export)
    kinds = {
        "channels.json": "public",
        "groups.json": "private",
        "dms.json": "dm",
        "mpims.json": "group_dm",
    }
    folders, members = {}, []
    for list_name, kind in kinds.items():
        for c in json.loads(zf.read(list_name)):
            folders[c.get("name") if kind != "dm" else c["id"]] = (c["id"], kind)
            members += [(c["id"], u) for u in c.get("members", [])]
    users = pd.DataFrame(json.loads(zf.read("users.json")))
    records = []
    for name in zf.namelist():
        if name.count("/") == 1 and name.endswith(".json"):
            cid, kind = folders[name.split("/")[0]]
            for m in json.loads(zf.read(name)):
                m["channel"], m["channel_kind"] = cid, kind
                records.append(m)
    df = pd.DataFrame(records)
    df["author"] = df["user"].fillna(df["bot_id"])
    df["is_bot"] = df["subtype"].isin(["bot_message"]) | df["bot_id"].notna()
    df["ts_utc"] = pd.to_datetime(df["ts"].astype(float), unit="s", utc=True)
    df["message_id"] = df["channel"] + ":" + df["ts"]
    df["is_reply"] = df["thread_ts"].notna() & (df["thread_ts"] != df["ts"])
    df["parent_id"] = (df["channel"] + ":" + df["thread_ts"]).where(df["is_reply"])
    df["is_question"] = df["text"].fillna("").str.contains("?", regex=False)
    roots = df.set_index("message_id")["author"]
    reply = df[df["is_reply"]]
    reply_t = reply["parent_user_id"].fillna(reply["parent_id"].map(roots))
    t_reply = pd.DataFrame({"message_id": reply["message_id"], "target": reply_t, "kind": "reply"})
    ment = df["text"].fillna("").str.findall(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>").explode().dropna()
    t_text = pd.DataFrame(
        {"message_id": df.loc[ment.index, "message_id"], "target": ment, "kind": "mention"}
    )

    def block_users(blocks: object) -> list[str]:
        found: list[str] = []
        stack = [blocks]
        while stack:
            x = stack.pop()
            if isinstance(x, list):
                stack.extend(x)
            elif isinstance(x, dict):
                if x.get("type") == "user":
                    found.append(x.get("user_id"))
                stack.extend(v for v in x.values() if isinstance(v, list | dict))
        return found

    bm = df["blocks"].map(block_users).explode().dropna()
    t_blocks = pd.DataFrame(
        {"message_id": df.loc[bm.index, "message_id"], "target": bm, "kind": "mention"}
    )
    react = df[["message_id", "author", "reactions"]].dropna(subset=["reactions"])
    react = react.explode("reactions")
    react["users"] = react["reactions"].map(lambda r: r.get("users", []))
    react = react.explode("users").dropna(subset=["users"])
    mem = pd.DataFrame(members, columns=["channel", "target"])
    private = df[df["channel_kind"].isin(["dm", "group_dm"])][["message_id", "channel", "author"]]
    t_dm = private.merge(mem, on="channel")
    t_dm = t_dm[t_dm["target"] != t_dm["author"]].assign(kind="dm")
    targets = pd.concat([t_reply, t_text, t_blocks, t_dm[["message_id", "target", "kind"]]])
    targets = targets.drop_duplicates()
    inter = targets.merge(df[["message_id", "author", "ts_utc", "is_bot"]], on="message_id")
    inter = inter[inter["author"] != inter["target"]]
    n_inter = len(inter) + int((react["users"] != react["author"]).sum())
    del users
    return time.perf_counter() - t, cpu_seconds() - cpu, len(df), n_inter


CONTENDERS = {
    "groundswell": lambda export: run_groundswell(export, 2),
    "groundswell-1": lambda export: run_groundswell(export, 1),
    # the same, run with another source tree first on the path (``--before``)
    "before-1": lambda export: run_groundswell(export, 1),
    "pandas": run_pandas,
}
TITLES = {
    "groundswell": "groundswell `ingest.slack`, two worker processes (into a fresh workspace)",
    "groundswell-1": "groundswell `ingest.slack`, one process",
    "before-1": "the reader before (`--before` tree), one process",
    "pandas": "json.load + pandas (no pseudonyms, no database)",
}


def child(name: str, export: str) -> None:
    tree = TreeMemory()
    seconds, cpu, messages, interactions = CONTENDERS[name](export)
    tree_mib = tree.stop()
    print(
        json.dumps(
            {
                "name": name,
                "seconds": seconds,
                "cpu": cpu,
                "messages": messages,
                "interactions": interactions,
                # the process's own peak (exact), or its workers' and its own together
                # (sampled) when that is higher
                "peak_mib": max(peak_rss_mib(), tree_mib),
                "own_peak_mib": peak_rss_mib(),
                "tree_peak_mib": tree_mib,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument(
        "--synth-people", type=int, default=5_000, help="synthetic organisation (0: skip it)"
    )
    ap.add_argument("--synth-seed", type=int, default=1)
    ap.add_argument("--write", type=Path, help="Markdown file whose Slack section to update")
    ap.add_argument(
        "--before",
        type=Path,
        help="a source tree (its src/ folder) whose reader runs too, in one process, "
        "e.g. from `git archive <commit> src | tar -x -C bench/out/before/`",
    )
    ap.add_argument(
        "--without",
        action="append",
        default=[],
        choices=("pandas", "groundswell"),
        help="skip a contender (repeatable): pandas (about 6.5 GB on the synthetic export) "
        "or groundswell (two workers); the one-process reader always runs",
    )
    ap.add_argument(
        "--without-on",
        choices=("own", "synth", "both"),
        default="both",
        help="the export(s) --without applies to (default both)",
    )
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--make-data", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--make-synth", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="50,000 messages among 1,000 users")
    args = ap.parse_args()
    if args.quick:
        args.messages, args.users, args.synth_people = 50_000, 1_000, 300
    if args.child:
        child(args.child[0], args.child[1])
        return
    if args.make_data:
        print(json.dumps(str(make_data(args.messages, args.users, args.seed))))
        return
    if args.make_synth:
        print(json.dumps(str(make_synth(args.synth_people, args.synth_seed))))
        return
    load_before = os.getloadavg()
    exports = []  # (label, path)
    t = time.perf_counter()
    own = _run_json(
        "--make-data",
        "--messages",
        str(args.messages),
        "--users",
        str(args.users),
        "--seed",
        str(args.seed),
    )
    exports.append(("own", own))
    if args.synth_people:
        exports.append(
            (
                "synth",
                _run_json(
                    "--make-synth",
                    "--synth-people",
                    str(args.synth_people),
                    "--synth-seed",
                    str(args.synth_seed),
                ),
            )
        )
    print(f"data ready in {time.perf_counter() - t:.1f} s")
    results: dict[str, dict] = {}
    shapes: dict[str, dict] = {}
    for label, export in exports:
        with zipfile.ZipFile(export) as zf:
            infos = [i for i in zf.infolist() if not i.filename.endswith("/")]
        shapes[label] = {
            "path": export,
            "files": len(infos),
            "unpacked": sum(i.file_size for i in infos),
            "zip": Path(export).stat().st_size,
        }
        print(
            f"{label}: {len(infos):,} files, {shapes[label]['unpacked'] / 2**20:,.0f} MiB "
            f"unpacked, zip {shapes[label]['zip'] / 2**20:,.0f} MiB ({export})"
        )
        for name in CONTENDERS:
            if name == "before-1" and args.before is None:
                continue
            if name in args.without and args.without_on in (label, "both"):
                print(f"  {name:12s} skipped (--without)")
                continue
            best = None
            for _ in range(args.repeat):
                r = _run_json(
                    "--child", name, export, src=args.before if name == "before-1" else None
                )
                if best is None or r["seconds"] < best["seconds"]:
                    best = {**r, "peak_mib": max(r["peak_mib"], (best or r)["peak_mib"])}
            assert best is not None
            results[f"{label}/{name}"] = best
            print(
                f"  {name:12s} {best['seconds']:8.2f} s (CPU {best['cpu']:.2f} s)  "
                f"{best['messages'] / best['seconds']:>10,.0f} msg/s  "
                f"{best['messages'] / best['cpu']:>10,.0f} msg/CPU-s  "
                f"peak {best['peak_mib']:7.0f} MiB  {best['messages']:,} messages, "
                f"{best['interactions']:,} interactions"
            )
        pdr = results.get(f"{label}/pandas")
        for name in ("groundswell", "groundswell-1"):
            gsr = results.get(f"{label}/{name}")
            if gsr is None:
                continue
            vs = (
                f"{pdr['seconds'] / gsr['seconds']:.1f}x the pandas reader in wall time, "
                f"{pdr['cpu'] / gsr['cpu']:.1f}x in CPU, "
                if pdr
                else ""
            )
            print(
                f"  {name}: {gsr['messages'] / gsr['seconds']:,.0f} msg/s wall, "
                f"{gsr['messages'] / gsr['cpu']:,.0f} msg/s of CPU (target >= 150,000), "
                f"{vs}peak {gsr['peak_mib']:.0f} MiB "
                f"(own {gsr['own_peak_mib']:.0f}, with workers {gsr['tree_peak_mib']:.0f}; "
                "target < 953.7, i.e. 1 GB = 10^9 bytes)"
            )
    load_after = os.getloadavg()
    print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    if args.write:
        write_markdown(args, results, shapes, load_before, load_after)


def _run_json(*args: str, src: Path | None = None) -> Any:
    """Run this script again with ``args`` (and the source tree ``src`` first on the path)
    and return the JSON it prints last."""
    env = None
    if src is not None:
        env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
    proc = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def write_markdown(
    args: argparse.Namespace,
    results: dict,
    shapes: dict,
    load_before: tuple[float, ...],
    load_after: tuple[float, ...],
) -> None:
    cpu = platform.processor() or platform.machine()
    own = shapes["own"]
    what = (
        f"(a) the bench's own export (.zip) of {args.messages:,} messages among "
        f"{args.users:,} users in {own['files']:,} files ({own['unpacked'] / 2**20:,.0f} MiB "
        "of JSON unpacked)"
    )
    if "synth" in shapes:
        sy = shapes["synth"]
        n = results["synth/groundswell-1"]["messages"]
        what += (
            f" and (b) the synthetic {args.synth_people:,}-person organisation's export "
            f"(`groundswell.synth.generate({args.synth_people}, seed={args.synth_seed}, "
            f"weeks=13)`, `write_slack_export(zip=True)`): {n:,} messages in "
            f"{sy['files']:,} files ({sy['unpacked'] / 2**20:,.0f} MiB unpacked)"
        )
    lines = [
        BEGIN,
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores ({cpu}, "
        f"Python {platform.python_version()}), load average "
        f"{load_before[0]:.1f} before and {load_after[0]:.1f} after (1 minute; the machine "
        f"was shared), best of {args.repeat}, every contender in its own process, {what}:",
        "",
        "| export | contender | time (s) | CPU time (s) | messages/s | messages per CPU s "
        "| peak memory (MiB) | time ratio | CPU ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in shapes:
        # ratios to the reader with two workers, else (skipped) to the one-process reader
        gsr = results.get(f"{label}/groundswell") or results[f"{label}/groundswell-1"]
        for name, title in TITLES.items():
            if f"{label}/{name}" not in results:
                if name in args.without and args.without_on in (label, "both"):
                    lines.append(
                        f"| {'(a) own' if label == 'own' else '(b) synthetic'} | {title} | "
                        "not run (`--without`) | | | | | | |"
                    )
                continue
            r = results[f"{label}/{name}"]
            lines.append(
                f"| {'(a) own' if label == 'own' else '(b) synthetic'} | {title} | "
                f"{r['seconds']:.2f} | {r['cpu']:.2f} | {r['messages'] / r['seconds']:,.0f} | "
                f"{r['messages'] / r['cpu']:,.0f} | {r['peak_mib']:.0f} | "
                f"{r['seconds'] / gsr['seconds']:.2f} | {r['cpu'] / gsr['cpu']:.2f} |"
            )
    lines += [""]
    for label in shapes:
        gsr, one = results.get(f"{label}/groundswell"), results[f"{label}/groundswell-1"]
        lines.append(
            f"- {'(a)' if label == 'own' else '(b)'} peak memory: "
            + (
                f"groundswell with workers {gsr['own_peak_mib']:.0f} MiB in the reader "
                f"(VmHWM), {gsr['tree_peak_mib']:.0f} MiB summed over the reader and its "
                "workers (PSS, sampled); "
                if gsr
                else ""
            )
            + f"in one process {one['own_peak_mib']:.0f} MiB."
        )
        if f"{label}/before-1" in results:
            old = results[f"{label}/before-1"]
            same = (old["messages"], old["interactions"]) == (one["messages"], one["interactions"])
            lines.append(
                f"- {'(a)' if label == 'own' else '(b)'} the reader before (`--before`), one "
                f"process, against this one in one process: {old['cpu'] / one['cpu']:.2f}x "
                f"the CPU time, {old['seconds'] / one['seconds']:.2f}x the wall time, "
                f"{old['peak_mib'] / one['peak_mib']:.2f}x the peak memory "
                f"({old['peak_mib']:.0f} against {one['peak_mib']:.0f} MiB); the same "
                f"{one['messages']:,} messages and {one['interactions']:,} interactions: "
                f"{'yes' if same else 'NO'}."
            )
    lines += [
        "",
        f"Command: `nice .venv/bin/python bench/slack.py --messages {args.messages} "
        f"--users {args.users} --synth-people {args.synth_people} --repeat {args.repeat} "
        + (f"--before {args.before} " if args.before else "")
        + "".join(f"--without {w} " for w in args.without)
        + (f"--without-on {args.without_on} " if args.without_on != "both" else "")
        + f"--write {args.write}`",
        END,
    ]
    write_block(args.write, "bench/slack.py", lines[1:-1], "Reading a Slack export")


if __name__ == "__main__":
    main()
