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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from groundswell.synth.org import BOT_EMAIL, SynthOrg

__all__ = [
    "DROPPED_KINDS",
    "SLACK_KINDS",
    "dropped_events",
    "slack_ground_truth",
    "write_slack_export",
]

SLACK_KINDS = ("post", "reply", "mention", "reaction", "dm")
DROPPED_KINDS = ("email", "meeting")  # not Slack
TEAM_ID = "T0000001"
BOT_ID = "B0000001"
BOT_NAME = "deploy-bot"
PUBLIC_KINDS = ("public", "community")  # -> channels.json; "private" -> groups.json

_TZ = {  # location -> (tz, label, offset in seconds): winter time, like the synth
    "New York": ("America/New_York", "Eastern Standard Time", -18_000),
    "Toronto": ("America/Toronto", "Eastern Standard Time", -18_000),
    "London": ("Europe/London", "Greenwich Mean Time", 0),
    "Berlin": ("Europe/Berlin", "Central European Time", 3_600),
    "Singapore": ("Asia/Singapore", "Singapore Standard Time", 28_800),
    "Sydney": ("Australia/Sydney", "Australian Eastern Daylight Time", 39_600),
}
_COLOURS = ["9f69e7", "4bbe2e", "e7392d", "3c989f", "674b1b", "e96699", "5b89d5", "dc7dbb"]
_EMOJI = ["+1", "white_check_mark", "eyes", "raised_hands", "tada", "heart", "pray", "joy",
          "100", "fire", "rocket", "bulb"]  # fmt: skip
_TOPICS = np.array([
    "roadmap", "release plan", "Q1 budget", "hiring plan", "onboarding guide",
    "incident review", "customer escalation", "pricing page", "data pipeline", "design review",
    "sprint goals", "vendor contract", "quarterly report", "test coverage", "launch checklist",
    "team offsite", "API docs", "dashboard", "security audit", "migration plan",
    "support backlog", "renewal forecast", "training session", "architecture doc", "OKRs",
])  # fmt: skip
_STATEMENTS = np.array(
    [
        "Sharing the latest draft of the ",
        "Pushed an update to the ",
        "Heads up: small change to the ",
        "Notes from today's sync on the ",
        "Thanks all for the help with the ",
        "I have started a doc for the ",
        "Good progress this week on the ",
        "Reminder to review the ",
        "FYI, new numbers are in for the ",
        "Wrapped up my part of the ",
    ]
)
_QUESTIONS = np.array(
    [
        "Does anyone know who owns the ",
        "Any thoughts on the ",
        "Can someone help me understand the ",
        "Where can I find the latest ",
        "Has anyone looked at the ",
        "What is the status of the ",
        "Who should I ask about the ",
        "Is there a deadline for the ",
    ]
)
_REPLIES = np.array(
    [
        "Good point, I will follow up on the ",
        "Agreed, let us keep going with the ",
        "I can take a look at the ",
        "Thanks, that clears up the ",
        "Adding a note about the ",
        "Here is the link for the ",
        "I think Dana owns the ",
        "We covered this last week in the ",
    ]
)
_MENTIONS = np.array(
    [
        "could you take a look at the ",
        "please review the ",
        "looping you in on the ",
        "you wanted an update on the ",
        "can you sign off on the ",
    ]
)
_DMS = np.array(
    [
        "Hey, quick one about the ",
        "Got a minute later to talk about the ",
        "Thanks for your help on the ",
        "Just sent you my comments on the ",
        "Following up on the ",
        "Let us sync tomorrow on the ",
        "I moved our chat about the ",
    ]
)
_BOT = np.array(
    [
        "Deploy finished for the ",
        "Build failed for the ",
        "Rollback started for the ",
        "Canary is healthy for the ",
    ]
)


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


@dataclass
class _Plan:
    """Everything the export holds; messages (and reactions) are in time order."""

    emails: list[str]  # account index -> email: HR people in id order, then the bot
    uids: np.ndarray  # account index -> "U..."
    bot: int  # the bot's account index
    users: list[dict]
    msgs: pd.DataFrame  # one row per message
    reactions: pd.DataFrame  # msg (row in msgs), actor, name, event_id
    convs: dict[str, list[dict]]  # channels / groups / dms / mpims -> conversation objects
    dropped: Counter
    start: int  # period start and end, epoch seconds
    end: int


def _plan(org: SynthOrg, *, texts: bool) -> _Plan:
    people = org.people
    n = len(people)
    emails = [*people["email"].astype(str).tolist(), BOT_EMAIL]
    bot = n
    uids = np.array([f"U{k:07d}" for k in range(1, n + 2)], dtype=object)
    start = int(pd.Timestamp(org.truth["period_start"]).timestamp())
    end = int(pd.Timestamp(org.truth["period_end"]).timestamp())
    users = _users(people, uids, start, end, str(org.truth.get("ceo", "")))

    index = pd.Index(emails)
    chat, actor, targets, dropped = _chat(org, index)
    kind = chat["kind"].astype(str).to_numpy()

    # reactions leave the message stream; everything else is a message
    epoch = pd.Timestamp(0, tz="UTC")
    sec = ((chat["timestamp"] - epoch) // pd.Timedelta(seconds=1)).to_numpy(np.int64)
    is_r = kind == "reaction"
    m = pd.DataFrame(
        {
            "event_id": chat["event_id"].to_numpy()[~is_r],
            "actor": actor[~is_r],
            "targets": targets.to_numpy()[~is_r],
            "sec": sec[~is_r],
            "kind": kind[~is_r],
            "channel": chat["channel"].astype(str).to_numpy()[~is_r],
            "ckind": chat["channel_kind"].astype(str).to_numpy()[~is_r],
            "parent": chat["parent"].to_numpy()[~is_r],
            "is_bot": actor[~is_r] == bot,
            "is_q": chat["is_question"].to_numpy()[~is_r],
        }
    )
    # DM conversations: one per member set (the actor and the targets)
    dm = m["kind"].to_numpy() == "dm"
    pos = {e: k for k, e in enumerate(emails)}
    members = np.full(len(m), None, dtype=object)
    members[dm] = pd.Series(
        [
            tuple(sorted({a, *(pos[e] for e in t.split(";"))}))
            for a, t in zip(
                m["actor"].to_numpy()[dm].tolist(), m["targets"].to_numpy()[dm], strict=True
            )
        ],
        dtype=object,
    ).to_numpy()
    # besides the authors, channels list everyone mentioned or reacting there
    rows, who = _mentioned(m, index)
    seen = (
        np.concatenate([m["channel"].to_numpy()[rows], chat["channel"].astype(str)[is_r]]),
        np.concatenate([who, actor[is_r]]),
    )
    convs, folder = _conversations(m, dm, members, seen, uids, users)
    m["folder"] = folder
    # ts: whole seconds, then microseconds to keep them unique in each conversation
    m["micro"] = m.groupby(["folder", "sec"], sort=False).cumcount().to_numpy()
    m["ts"] = m["sec"].astype(str) + "." + m["micro"].astype(str).str.zfill(6)
    m["day"] = pd.to_datetime(m["sec"], unit="s").dt.strftime("%Y-%m-%d")
    rows = pd.Index(m["event_id"])
    m["root"] = rows.get_indexer(m["parent"].where(m["kind"] == "reply", ""))
    # reactions, on the message they react to
    r = chat[is_r]
    reactions = pd.DataFrame(
        {
            "msg": rows.get_indexer(r["parent"]),
            "actor": actor[is_r],
            "event_id": r["event_id"].to_numpy(),
        }
    )
    lost = int((reactions["msg"] < 0).sum() + ((m["kind"] == "reply") & (m["root"] < 0)).sum())
    if lost:  # cannot happen with the synth: replies and reactions follow their parent
        raise AssertionError(f"{lost} replies or reactions refer to no exported message")
    # a person reacting twice to one message uses two different emoji
    grp = reactions.groupby(["msg", "actor"], sort=False)
    rng = np.random.default_rng([int(org.truth.get("seed", 0)), 0x51ACC])
    base = pd.Series(rng.integers(0, len(_EMOJI), len(reactions)), index=reactions.index)
    base = base.groupby([reactions["msg"], reactions["actor"]], sort=False).transform("first")
    reactions["name"] = np.asarray(_EMOJI)[(base + grp.cumcount()).to_numpy() % len(_EMOJI)]
    if texts:
        m["text"], m["body"] = _texts(m, dict(zip(emails, uids.tolist(), strict=True)), rng)
    return _Plan(emails, uids, bot, users, m, reactions, convs, dropped, start, end)


def _chat(org: SynthOrg, index: pd.Index) -> tuple[pd.DataFrame, np.ndarray, pd.Series, Counter]:
    """The chat events, their actors (positions in ``index``), targets, and what is dropped."""
    ev = org.events
    kind = ev["kind"].astype(str).to_numpy()
    dropped = Counter({k: int((kind == k).sum()) for k in DROPPED_KINDS})
    chat = ev[np.isin(kind, SLACK_KINDS)]
    actor = index.get_indexer(chat["actor"].astype(str))
    targets = chat["targets"].astype(str)
    flat = targets.str.split(";").explode()
    flat = flat[flat != ""]
    known = pd.Series(index.get_indexer(flat.to_numpy()) >= 0, index=flat.index)
    ok = (actor >= 0) & known.groupby(level=0).all().reindex(chat.index, fill_value=True)
    ok = ok.to_numpy()
    if not ok.all():
        dropped["external participant"] = int((~ok).sum())
    return chat[ok], actor[ok], targets[ok], dropped


def _users(people: pd.DataFrame, uids: np.ndarray, start: int, end: int, ceo: str) -> list[dict]:
    """users.json: one user per HR person (in id order), then the bot; the CEO owns it."""
    end_day = pd.Timestamp(end, unit="s").strftime("%Y-%m-%d")
    out = []
    for k, (eid, name, email, title, loc, leave) in enumerate(
        zip(
            people["employee_id"].astype(str),
            people["name"].astype(str),
            people["email"].astype(str),
            people["title"].astype(str),
            people["location"].astype(str),
            people["leave_date"].astype(str),
            strict=True,
        )
    ):
        tz, label, offset = _TZ.get(loc, ("UTC", "Coordinated Universal Time", 0))
        first, _, last = name.partition(" ")
        uid = uids[k]
        out.append(
            _user(uid, email.split("@")[0], name, k, tz, label, offset, start)
            | {"deleted": bool(leave) and leave <= end_day}
        )
        out[-1]["profile"] |= {
            "title": title,
            "email": email,
            "first_name": first,
            "last_name": last,
        }
        out[-1]["is_admin"] = out[-1]["is_owner"] = out[-1]["is_primary_owner"] = eid == ceo
    bot = _user(uids[-1], BOT_NAME, "Deploy Bot", len(out), "UTC", "Coordinated Universal Time",
                0, start)  # fmt: skip
    bot["is_bot"] = True
    bot["profile"] |= {"title": "", "email": BOT_EMAIL, "bot_id": BOT_ID, "always_active": True}
    out.append(bot)
    return out


def _user(uid, name, real, k, tz, label, offset, start) -> dict:
    return {
        "id": uid,
        "team_id": TEAM_ID,
        "name": name,
        "deleted": False,
        "color": _COLOURS[k % len(_COLOURS)],
        "real_name": real,
        "tz": tz,
        "tz_label": label,
        "tz_offset": offset,
        "profile": {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": real,
            "real_name_normalized": real,
            "display_name": real,
            "display_name_normalized": real,
            "fields": None,
            "status_text": "",
            "status_emoji": "",
            "avatar_hash": f"g{k:011x}",
            **{f"image_{s}": "" for s in (24, 32, 48, 72, 192, 512)},
            "team": TEAM_ID,
        },
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": False,
        "is_app_user": False,
        "updated": start,
    }


def _mentioned(m: pd.DataFrame, index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """(row in ``m``, account mentioned) for every mention."""
    rows = np.flatnonzero(m["kind"].to_numpy() == "mention")
    tl = m["targets"].iloc[rows].str.split(";")
    who = index.get_indexer(tl.explode().to_numpy())
    return np.repeat(rows, tl.str.len().to_numpy()), who


def _conversations(
    m: pd.DataFrame,
    dm: np.ndarray,
    members: np.ndarray,
    seen: tuple[np.ndarray, np.ndarray],
    uids: np.ndarray,
    users: list[dict],
) -> tuple[dict[str, list[dict]], np.ndarray]:
    """Conversation objects for the four listings, and each message's folder."""
    folder = m["channel"].to_numpy().copy()
    # DMs: ids D..., group DMs G... named mpdm-<names>-1, numbered by first message
    sets = pd.unique(members[dm])
    names = [u["name"] for u in users]
    pairs = [s for s in sets if len(s) == 2]
    groups = [s for s in sets if len(s) > 2]
    dm_id = {s: f"D{k:07d}" for k, s in enumerate(pairs, 1)}
    mp_name = {s: "mpdm-" + "--".join(sorted(names[i] for i in s)) + "-1" for s in groups}
    mp_id = {s: f"G{k:07d}" for k, s in enumerate(groups, 5_000_001)}
    folder[dm] = [dm_id.get(s) or mp_name[s] for s in members[dm]]
    agg = m.groupby(folder, sort=False).agg(sec=("sec", "min"), actor=("actor", "first"))
    pairs_of = zip(agg["sec"].tolist(), agg["actor"].tolist(), strict=True)
    first = dict(zip(agg.index, pairs_of, strict=True))  # folder -> (sec, account)
    # members of channels: everyone who wrote there, and ``seen`` (channel, account) pairs
    chan = ~dm
    member_of = pd.DataFrame(
        {
            "c": np.concatenate([folder[chan], seen[0]]),
            "u": np.concatenate([m["actor"].to_numpy()[chan], seen[1]]),
        }
    )
    kinds = pd.Series(m["ckind"].to_numpy()[chan]).groupby(folder[chan]).first()
    convs: dict[str, list[dict]] = {"channels": [], "groups": [], "dms": [], "mpims": []}
    chan_ids = iter(range(1, 10_000_000))
    grp_ids = iter(range(1, 10_000_000))
    member_of = member_of.drop_duplicates().sort_values(["c", "u"])
    lists = member_of.groupby("c", sort=False)["u"].agg(list)
    for name in sorted(kinds.index):
        public = kinds[name] in PUBLIC_KINDS
        cid = f"C{next(chan_ids):07d}" if public else f"G{next(grp_ids):07d}"
        convs["channels" if public else "groups"].append(
            _channel(cid, name, first[name], uids, uids[lists[name]].tolist())
        )
    for s in pairs:
        f = first[dm_id[s]]
        convs["dms"].append({"id": dm_id[s], "created": f[0], "members": uids[list(s)].tolist()})
    for s in groups:
        f = first[mp_name[s]]
        convs["mpims"].append(_channel(mp_id[s], mp_name[s], f, uids, uids[list(s)].tolist()))
    return convs, folder


def _channel(cid: str, name: str, first: tuple, uids: np.ndarray, members: list) -> dict:
    """A channels.json / groups.json / mpims.json entry; ``first`` is its first message."""
    topic = {"value": "", "creator": "", "last_set": 0}
    return {
        "id": cid,
        "name": name,
        "created": first[0],
        "creator": uids[first[1]],
        "is_archived": False,
        "is_general": name == "announcements",
        "members": members,
        "topic": topic,
        "purpose": dict(topic),
    }


def _texts(
    m: pd.DataFrame, uid: dict[str, str], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic message text, and its part after the mentions.

    Mentions come first (``<@U...>``); questions end with ``?`` and nothing else holds one.
    """
    k = len(m)
    kind, is_q, is_bot = m["kind"].to_numpy(), m["is_q"].to_numpy(bool), m["is_bot"].to_numpy()
    topic = _TOPICS[rng.integers(0, len(_TOPICS), k)]
    pick = rng.integers(0, 1 << 30, k)

    def choose(pool: np.ndarray) -> np.ndarray:
        return pool[pick % len(pool)]

    stem = np.select(
        [is_bot, kind == "dm", kind == "reply", kind == "mention", is_q],
        [choose(_BOT), choose(_DMS), choose(_REPLIES), choose(_MENTIONS), choose(_QUESTIONS)],
        choose(_STATEMENTS),
    )
    body = pd.Series(stem, dtype=object) + pd.Series(topic, dtype=object)
    body = (body + np.where(is_q, "?", ".")).to_numpy()
    text = body.copy()
    men = np.flatnonzero(kind == "mention")
    tl = m["targets"].to_numpy()[men]
    prefix = [" ".join(f"<@{uid[e]}>" for e in t.split(";")) + " " for t in tl]
    text[men] = np.asarray(prefix, dtype=object) + body[men]
    return text, body


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
