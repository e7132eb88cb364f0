"""What the Slack export of a synthetic organisation holds, before it is written: users,
conversations and messages in time order, with their texts and reactions (:func:`_plan`).
Part of :mod:`groundswell.synth`; :mod:`~groundswell.synth.slack_export` writes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from groundswell.synth.org import BOT_EMAIL, SynthOrg

__all__ = ["DROPPED_KINDS", "SLACK_KINDS"]

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
