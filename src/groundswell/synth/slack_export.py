"""The synthetic organisation as a Slack workspace export.

:func:`write_slack_export` writes Slack's standard export layout (the one an admin downloads
from *Settings > Import/export data*): ``users.json``, ``channels.json`` (public channels),
``groups.json`` (private channels), ``dms.json`` and ``mpims.json`` (direct and group
direct messages), ``integration_logs.json``, and one folder per conversation holding one
JSON array of messages per UTC day (``<folder>/YYYY-MM-DD.json``). Channel and group DM
folders are named after the conversation's ``name``, direct-message folders after its
``id``, as Slack does.

Only chat events are exported: the synth's kinds ``email`` and ``meeting`` are not Slack
and are left out (:func:`dropped_events` counts them). The rest map as follows:

==========  ===============================================================================
synth kind  in the export
==========  ===============================================================================
post        a top-level message; a question ends in ``?``
reply       a thread reply (``thread_ts``, ``parent_user_id``) under its root, which gets
            ``thread_ts``, ``reply_count``, ``reply_users``, ``replies`` and ``latest_reply``
mention     a top-level message whose text starts with ``<@Uxxx>`` for each person mentioned
            (and whose ``blocks`` hold rich-text ``user`` elements)
reaction    an entry of the reacted message's ``reactions`` ([{name, users, count}]); a
            person reacting several times to one message uses different emoji
dm          a message in the direct (2 members) or group direct (3+ members) conversation
            whose members are the actor and the targets: one conversation per member set
==========  ===============================================================================

The bot posts with ``subtype: "bot_message"`` and ``bot_id`` (and its ``user`` id).
Timestamps ``ts`` are ``"<seconds>.<microseconds>"``; the synth's times are whole
seconds, so messages of one conversation in the same second get microseconds 0, 1, 2...
in event order, which keeps ``ts`` unique per conversation.

:func:`slack_ground_truth` lists the directed interactions the export encodes, for
round-trip tests of a Slack reader.
"""

from __future__ import annotations

import itertools
import os
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from groundswell.synth.org import BOT_EMAIL, SynthOrg
from groundswell.synth.slack_plan import (
    BOT_ID,
    BOT_NAME,
    DROPPED_KINDS,
    SLACK_KINDS,
    TEAM_ID,
    _chat,
    _Plan,
    _plan,
)

__all__ = [
    "DROPPED_KINDS",
    "SLACK_KINDS",
    "dropped_events",
    "slack_ground_truth",
    "write_slack_export",
]


def dropped_events(org: SynthOrg) -> Counter:
    """Count the synth events the export leaves out, by reason.

    Returns
    -------
    collections.Counter
        ``"email"`` and ``"meeting"`` (not Slack) and, should the synth ever put one in a
        chat, ``"external participant"`` (chat events involving an address that is neither
        an HR person nor the bot).
    """
    return _chat(org, pd.Index([*org.people["email"].astype(str), BOT_EMAIL]))[3]


def write_slack_export(
    org: SynthOrg, folder: str | Path, *, zip: bool = False, overwrite: bool = False
) -> Path:
    """Write ``org`` as a Slack workspace export.

    Parameters
    ----------
    org : SynthOrg
        The synthetic organisation (:func:`groundswell.synth.generate`).
    folder : str or Path
        Destination folder, created if missing; it must be empty unless ``overwrite``.
        With ``zip``, the archive is written to ``folder`` if its name ends in ``.zip``,
        else to ``folder`` + ``".zip"``, and no folder is created.
    zip : bool
        Write one deflated zip archive (with directory entries, like Slack's) instead of a
        folder.
    overwrite : bool
        Replace an existing export at the destination. A non-empty folder is removed only
        if it holds a ``users.json`` (it looks like an export); otherwise this raises.

    Returns
    -------
    Path
        The folder, or the zip archive.

    Raises
    ------
    FileExistsError
        If the destination exists (a non-empty folder, or a file) and may not be replaced.
    """
    plan = _plan(org, texts=True)
    files = _files(plan)
    folder = Path(folder)
    if zip:
        path = folder if folder.suffix == ".zip" else folder.with_name(folder.name + ".zip")
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists (pass overwrite=True to replace it)")
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        try:
            _write_zip(part, files, pd.Timestamp(plan.end, unit="s").timetuple()[:6])
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        return path
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        if not overwrite:
            raise FileExistsError(f"{folder} exists and is not empty (pass overwrite=True)")
        if not (folder / "users.json").is_file():
            raise FileExistsError(f"{folder} does not look like a Slack export: not replaced")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made: set[str] = set()
    for name, data in files:
        top = name.rpartition("/")[0]
        if top and top not in made:
            made.add(top)
            (folder / top).mkdir()
        (folder / name).write_bytes(data)
    return folder


def _write_zip(path: Path, files: list[tuple[str, bytes]], stamp: tuple) -> None:
    """A deflated zip of ``files``, with directory entries; every entry dated ``stamp``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        done: set[str] = set()
        for name, data in files:
            top = name.rpartition("/")[0]
            if top and top not in done:
                done.add(top)
                entry = zipfile.ZipInfo(top + "/", stamp)
                entry.external_attr = 0o40755 << 16 | 0x10  # a directory
                zf.writestr(entry, b"", zipfile.ZIP_STORED)
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            zf.writestr(info, data)


def slack_ground_truth(org: SynthOrg, *, distinct: bool = False) -> pd.DataFrame:
    """The directed interactions the export of ``org`` encodes.

    Parameters
    ----------
    org : SynthOrg
        The synthetic organisation.
    distinct : bool
        Keep one row per message, actor, target and kind, as the workspace's
        ``interactions`` table does (its key): a person who reacts to one message with two
        emoji then counts once. Only reactions can repeat so; by default every reaction is
        listed.

    Returns
    -------
    pandas.DataFrame
        One row per interaction, sorted by ``timestamp``, ``channel``, ``ts``, ``kind``,
        ``target_email``, with columns

        * ``actor_email``, ``target_email``: who acted and towards whom;
        * ``kind``: ``reply`` (to the thread root's author), ``mention`` (to each person
          mentioned), ``reaction`` (to the reacted message's author) or ``dm`` (to every
          other member of the conversation);
        * ``timestamp``: the message's ``ts`` as a UTC time (microseconds included). Slack
          exports give reactions no time, so a reaction carries the reacted message's;
        * ``channel``: the export folder (channel name, DM id or group DM name);
        * ``ts``: the ``ts`` of the message that encodes the interaction (for a reaction,
          the reacted message's);
        * ``is_bot``: the actor is the bot;
        * ``event_id``: the synth event.

        Posts carry no interaction. Without ``distinct``, row counts per kind equal the
        number of targets of the synth's events of that kind (email and meeting events are
        not exported).
    """
    p = _plan(org, texts=False)
    m, r = p.msgs, p.reactions
    emails = np.asarray(p.emails, dtype=object)
    # mentions and dms: one row per target; replies: to the root's author
    direct = m[m["kind"].isin(["mention", "dm"])]
    tl = direct["targets"].str.split(";")
    direct = direct.assign(target=tl).explode("target")
    reply = m[m["kind"] == "reply"]
    parts = [
        pd.DataFrame(
            {
                "actor_email": emails[direct["actor"].to_numpy()],
                "target_email": direct["target"].to_numpy(),
                "kind": direct["kind"].to_numpy(),
                "sec": direct["sec"].to_numpy(),
                "micro": direct["micro"].to_numpy(),
                "channel": direct["folder"].to_numpy(),
                "ts": direct["ts"].to_numpy(),
                "is_bot": direct["is_bot"].to_numpy(),
                "event_id": direct["event_id"].to_numpy(),
            }
        ),
        pd.DataFrame(
            {
                "actor_email": emails[reply["actor"].to_numpy()],
                "target_email": emails[m["actor"].to_numpy()[reply["root"].to_numpy()]],
                "kind": "reply",
                "sec": reply["sec"].to_numpy(),
                "micro": reply["micro"].to_numpy(),
                "channel": reply["folder"].to_numpy(),
                "ts": reply["ts"].to_numpy(),
                "is_bot": reply["is_bot"].to_numpy(),
                "event_id": reply["event_id"].to_numpy(),
            }
        ),
    ]
    on = r["msg"].to_numpy()
    parts.append(
        pd.DataFrame(
            {
                "actor_email": emails[r["actor"].to_numpy()],
                "target_email": emails[m["actor"].to_numpy()[on]],
                "kind": "reaction",
                "sec": m["sec"].to_numpy()[on],
                "micro": m["micro"].to_numpy()[on],
                "channel": m["folder"].to_numpy()[on],
                "ts": m["ts"].to_numpy()[on],
                "is_bot": r["actor"].to_numpy() == p.bot,
                "event_id": r["event_id"].to_numpy(),
            }
        )
    )
    out = pd.concat(parts, ignore_index=True)
    out["timestamp"] = pd.to_datetime(
        out["sec"].to_numpy(np.int64) * 1_000_000 + out["micro"].to_numpy(np.int64),
        unit="us",
        utc=True,
    )
    out = out.sort_values(
        ["sec", "micro", "channel", "kind", "actor_email", "target_email"], kind="stable"
    )
    if distinct:
        out = out.drop_duplicates(["channel", "ts", "actor_email", "target_email", "kind"])
    cols = ["actor_email", "target_email", "kind", "timestamp", "channel", "ts", "is_bot"]
    return out[[*cols, "event_id"]].reset_index(drop=True)


# --------------------------------------------------------------------------- the plan


# --------------------------------------------------------------------------- the files


def _blocks(p: _Plan) -> np.ndarray:
    """Each message's ``blocks`` as JSON text: one rich_text block, ``user`` elements first."""
    m = p.msgs
    kind = m["kind"].to_numpy()
    uid = dict(zip(p.emails, p.uids.tolist(), strict=True))
    users = np.full(len(m), "", dtype=object)
    men = np.flatnonzero(kind == "mention")
    users[men] = [
        "".join(f'{{"type":"user","user_id":"{uid[e]}"}},{{"type":"text","text":" "}},'
                for e in t.split(";"))
        for t in m["targets"].to_numpy()[men]
    ]  # fmt: skip
    escaped = {b: orjson.dumps(b).decode() for b in pd.unique(m["body"].to_numpy())}
    body = np.asarray([escaped[b] for b in m["body"].tolist()], dtype=object)
    eid = m["event_id"].str.slice(1).to_numpy(dtype=object)
    head = '[{"type":"rich_text","block_id":"b'
    mid = '","elements":[{"type":"rich_text_section","elements":['
    return head + eid + mid + users + '{"type":"text","text":' + body + "}]}]}]"


def _files(p: _Plan) -> list[tuple[str, bytes]]:
    """(relative path, JSON bytes) for every file of the export, in a fixed order."""
    dumps = orjson.dumps
    opt = orjson.OPT_INDENT_2
    out = [
        ("channels.json", dumps(p.convs["channels"], option=opt)),
        ("dms.json", dumps(p.convs["dms"], option=opt)),
        ("groups.json", dumps(p.convs["groups"], option=opt)),
        ("integration_logs.json", dumps([], option=opt)),
        ("mpims.json", dumps(p.convs["mpims"], option=opt)),
        ("users.json", dumps(p.users, option=opt)),
    ]
    m, uids, fragment = p.msgs, p.uids, orjson.Fragment
    user = uids[m["actor"].to_numpy()].tolist()
    kind = m["kind"].to_numpy()
    recs: list[dict] = [
        {"type": "message", "subtype": "bot_message", "text": text, "ts": ts, "user": u,
         "bot_id": BOT_ID, "username": BOT_NAME, "blocks": fragment(blocks)}
        if bot else
        {"client_msg_id": f"00000000-0000-4000-8000-{i:012d}", "type": "message",
         "text": text, "user": u, "ts": ts, "team": TEAM_ID, "blocks": fragment(blocks)}
        for i, (u, text, ts, bot, blocks) in enumerate(
            zip(user, m["text"].tolist(), m["ts"].tolist(), m["is_bot"].tolist(),
                _blocks(p).tolist(), strict=True)
        )
    ]  # fmt: skip
    # threads: roots list their replies, replies point at their root (messages are in time
    # order, and ts grows with it in each conversation)
    ts_all = m["ts"].tolist()
    replies = np.flatnonzero(kind == "reply")
    for i, root in zip(replies.tolist(), m["root"].to_numpy()[replies].tolist(), strict=True):
        rr, rec = recs[root], recs[i]
        rec["thread_ts"], rec["parent_user_id"] = ts_all[root], user[root]
        if "replies" not in rr:
            rr |= {"thread_ts": ts_all[root], "reply_count": 0, "reply_users_count": 0,
                   "latest_reply": "", "reply_users": [], "replies": []}  # fmt: skip
        rr["reply_count"] += 1
        rr["latest_reply"] = ts_all[i]
        if user[i] not in rr["reply_users"]:
            rr["reply_users"].append(user[i])
            rr["reply_users_count"] += 1
        rr["replies"].append({"user": user[i], "ts": ts_all[i]})
    # reactions: grouped by emoji, users in the order they reacted
    r = p.reactions
    by_msg: dict[int, dict[str, list[str]]] = {}
    for msg, who, name in zip(r["msg"].tolist(), uids[r["actor"].to_numpy()].tolist(),
                              r["name"].tolist(), strict=True):  # fmt: skip
        by_msg.setdefault(msg, {}).setdefault(name, []).append(who)
    for msg, by in by_msg.items():
        recs[msg]["reactions"] = [{"name": k, "users": v, "count": len(v)} for k, v in by.items()]
    # one file per conversation and day, messages in ts order
    order = np.lexsort((m["micro"].to_numpy(), m["sec"].to_numpy(), m["folder"].to_numpy()))
    key = (m["folder"] + "/" + m["day"] + ".json").to_numpy()[order]
    cut = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
    for a, b in itertools.pairwise(cut.tolist()):
        out.append((key[a], dumps([recs[j] for j in order[a:b]])))
    return out
