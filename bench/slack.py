"""Benchmark: reading a Slack export of N messages into canonical rows.

A synthetic export (a .zip as Slack's export tool writes it: users.json, channels.json,
groups.json, dms.json, mpims.json and one JSON array per conversation per day, messages
shaped like today's exports with blocks, user_profile, threads, mentions and reactions) is
generated once under bench/out/. Two contenders read it, each in its own process (so peak
memory is its own):

- groundswell: ``groundswell.ingest.slack.ingest`` into a fresh workspace (dry_run=False):
  parsing, pseudonymisation of every identifier, interactions, and the DuckDB transaction;
- pandas: the straightforward reader a user would write: ``json.load`` of every day file
  into one list of dicts, ``pd.DataFrame``, then the same extraction with pandas (authors,
  threads, replies to the root's author, mentions in text and blocks, reactions, DM
  members), no pseudonymisation and no database (so it does less work).

Each reports wall time (best of ``--repeat``), messages per second and the process's peak
resident memory (VmHWM). Run:

    .venv/bin/python bench/slack.py --messages 1000000

and add ``--write docs/performance.md`` to record the result there.
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

from _bench import peak_rss_mib, write_block

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


# -- contenders ------------------------------------------------------------------------------------
def run_groundswell(export: str) -> tuple[float, float, int, int]:
    import groundswell as gs
    from groundswell.ingest import slack

    tmp = Path(tempfile.mkdtemp(dir=OUT))
    try:
        ws = gs.init(tmp / "ws")
        t, c = time.perf_counter(), time.process_time()
        s = slack.ingest(ws, Path(export))
        seconds, cpu = time.perf_counter() - t, time.process_time() - c
        ws.close()
        return seconds, cpu, s.messages, s.interactions
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_pandas(export: str) -> tuple[float, float, int, int]:

    import pandas as pd

    t, cpu = time.perf_counter(), time.process_time()
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
    return time.perf_counter() - t, time.process_time() - cpu, len(df), n_inter


CONTENDERS = {"groundswell": run_groundswell, "pandas": run_pandas}


def child(name: str, export: str) -> None:
    seconds, cpu, messages, interactions = CONTENDERS[name](export)
    print(
        json.dumps(
            {
                "name": name,
                "seconds": seconds,
                "cpu": cpu,
                "messages": messages,
                "interactions": interactions,
                "peak_mib": peak_rss_mib(),
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--write", type=Path, help="Markdown file whose Slack section to update")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--make-data", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="50,000 messages among 1,000 users")
    args = ap.parse_args()
    if args.quick:
        args.messages, args.users = 50_000, 1_000
    if args.child:
        child(args.child[0], args.child[1])
        return
    if args.make_data:
        print(json.dumps(str(make_data(args.messages, args.users, args.seed))))
        return
    t = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--make-data",
            "--messages",
            str(args.messages),
            "--users",
            str(args.users),
            "--seed",
            str(args.seed),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    export = json.loads(proc.stdout.strip().splitlines()[-1])
    with zipfile.ZipFile(export) as zf:
        n_files = len(zf.namelist())
        unpacked = sum(i.file_size for i in zf.infolist())
    size = Path(export).stat().st_size
    print(
        f"data ready in {time.perf_counter() - t:.1f} s: {args.messages:,} messages in "
        f"{n_files:,} files, {unpacked / 2**20:,.0f} MiB unpacked, zip {size / 2**20:,.0f} "
        f"MiB ({export})"
    )
    results = {}
    for name in CONTENDERS:
        best = None
        for _ in range(args.repeat):
            proc = subprocess.run(
                [sys.executable, __file__, "--child", name, export],
                check=True,
                capture_output=True,
                text=True,
            )
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            if best is None or r["seconds"] < best["seconds"]:
                best = {**r, "peak_mib": max(r["peak_mib"], (best or r)["peak_mib"])}
        results[name] = best
        r = results[name]
        print(
            f"{name:12s} {r['seconds']:8.2f} s (CPU {r['cpu']:.2f} s)  "
            f"{r['messages'] / r['seconds']:>10,.0f} msg/s  "
            f"peak {r['peak_mib']:7.0f} MiB  {r['messages']:,} messages, "
            f"{r['interactions']:,} interactions"
        )
    gsr, pdr = results["groundswell"], results["pandas"]
    speedup = pdr["seconds"] / gsr["seconds"]
    rate = gsr["messages"] / gsr["seconds"]
    print(
        f"groundswell reads {rate:,.0f} messages/s (target >= 100,000), {speedup:.1f}x the "
        f"pandas reader (target >= 5x), peak {gsr['peak_mib']:.0f} MiB (target < 1024)"
    )
    if args.write:
        write_markdown(args, results, speedup, n_files, unpacked)


def write_markdown(
    args: argparse.Namespace, results: dict, speedup: float, n_files: int, unpacked: int
) -> None:
    cpu = platform.processor() or platform.machine()
    gsr = results["groundswell"]
    lines = [
        BEGIN,
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores ({cpu}, "
        f"Python {platform.python_version()}): a synthetic Slack export (.zip) of "
        f"{args.messages:,} messages among {args.users:,} users in {n_files:,} files "
        f"({unpacked / 2**20:,.0f} MiB of JSON unpacked), best of {args.repeat}:",
        "",
        "| contender | time (s) | CPU time (s) | messages/s | peak memory (MiB) | time ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, label in (
        ("groundswell", "groundswell `ingest.slack` (into a fresh workspace)"),
        ("pandas", "json.load + pandas (same extraction, no pseudonyms, no database)"),
    ):
        r = results[name]
        lines.append(
            f"| {label} | {r['seconds']:.2f} | {r['cpu']:.2f} | "
            f"{r['messages'] / r['seconds']:,.0f} | "
            f"{r['peak_mib']:.0f} | {r['seconds'] / gsr['seconds']:.2f} |"
        )
    lines += [
        "",
        f"groundswell reads **{gsr['messages'] / gsr['seconds']:,.0f}** messages/s on one "
        f"core (target: at least 100,000), **{speedup:.1f}x** the pandas reader (target: at "
        f"least 5x), with a peak of **{gsr['peak_mib']:.0f} MiB** (target: under 1 GiB).",
        "",
        f"Command: `.venv/bin/python bench/slack.py --messages {args.messages} "
        f"--users {args.users} --repeat {args.repeat} --write {args.write}`",
        END,
    ]
    write_block(args.write, "bench/slack.py", lines[1:-1], "Reading a Slack export")


if __name__ == "__main__":
    main()
