"""The canonical frames of Teams messages once collected: messages, interactions (replies,
mentions, chat DMs, reactions), channels, people and aliases (see
:mod:`groundswell.ingest.teams`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.ingest import batch, common
from groundswell.ingest.teams.files import Loc, _error
from groundswell.ingest.teams.messages import HUMAN_MESSAGE

if TYPE_CHECKING:
    from groundswell.ingest.teams.messages import _Reader
    from groundswell.store import Store

INTERNAL_IDENTITY_TYPES = {"", "aaduser", "onpremiseaaduser"}
ONE_ON_ONE = re.compile(r"^19:([0-9a-fA-F-]{36})_([0-9a-fA-F-]{36})@unq\.gbl\.spaces$")
QUESTION = r"\?(?:\s|$)"


def _timestamps(values: pd.Series) -> pd.Series:
    """ISO 8601 timestamps to UTC; NaT where empty or unreadable."""
    text = values.astype("string").str.strip()
    ts = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    retry = ts.isna() & text.fillna("").ne("")
    if retry.any():
        ts[retry] = pd.to_datetime(text[retry], errors="coerce", utc=True, format="mixed")
    return ts


def _record(loc: Loc, field: str) -> common.Record:
    """Where a value is: the file and JSON path of its record (with its line in JSON Lines),
    as :func:`_error` names them, and the field."""
    f, line, jpath = loc
    jpath = jpath.lstrip(".")
    if line is not None:
        return common.Record(f, f"{jpath}.{field}" if jpath else field, line=line)
    sep = "" if jpath.startswith("[") or not jpath else "."
    return common.Record(f"{f}{sep}{jpath}", field)


def _check_ts(
    ts: pd.Series, raw: pd.Series, locs: list[Loc], field: str, bounds: common.DateBounds
) -> None:
    common.check_dates(ts, bounds, lambda k: _record(locs[k], field), found=raw)
    bad = (ts.isna() & raw.fillna("").ne("")).to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise _error(
            locs[k], field, "unparseable timestamp",
            "an ISO 8601 timestamp such as 2024-03-31T09:15:00.123Z", raw.iloc[k],
        )  # fmt: skip


COLUMNS = [
    "raw_id", "channel", "chat", "reply_to", "created", "modified", "deleted", "mtype",
    "author", "is_app", "content",
]  # fmt: skip


def _build(ws: Store, r: _Reader, summary: common.IngestSummary) -> batch.Batch:
    pseudo = ws.pseudonymiser
    if not r.rows:
        return batch.Batch(people=_people(ws, r), aliases=_aliases(ws, r), people_mode="fill")
    m = pd.DataFrame(r.rows, columns=COLUMNS)
    m["pos"] = np.arange(len(m))
    m["container"] = np.where(m["channel"] != "", m["channel"], m["chat"])
    bounds = common.date_bounds(ws.settings)
    m["ts"] = _timestamps(m["created"])
    _check_ts(m["ts"], m["created"], r.locs, "createdDateTime", bounds)
    m["mod_ts"] = _timestamps(m["modified"])
    _check_ts(m["mod_ts"], m["modified"], r.locs, "lastModifiedDateTime", bounds)

    # the same message listed twice (pages overlap, a reply both nested and listed): keep the
    # latest version
    m["key"] = "teams:" + m["container"] + "/" + m["raw_id"]
    m = m.sort_values(["mod_ts", "pos"], na_position="first", kind="stable")
    dup = m["key"].duplicated(keep="last")
    summary.skipped["same message listed twice (latest version kept)"] += int(dup.sum())
    m = m[~dup.to_numpy()].sort_values("pos", kind="stable").reset_index(drop=True)
    has_parent = m["reply_to"] != ""
    m["parent_key"] = np.where(has_parent, "teams:" + m["container"] + "/" + m["reply_to"], "")
    both = pseudo.messages(pd.concat([m["key"], m["parent_key"].where(has_parent, m["key"])]))
    m["message_id"] = both[: len(m)]
    linked = both[len(m) :]
    m["parent_id"] = common.or_none(has_parent, linked)
    m["thread_id"] = linked
    no_author = (m["author"] == "").to_numpy()
    m["author_id"] = common.or_none(~no_author, pseudo.people(m["author"]))
    # every message of the input, deleted ones included, answers "who wrote the parent"
    authors = dict(zip(m["message_id"], m["author_id"], strict=True))

    summary.skipped["no sender (system event without initiator)"] += int(no_author.sum())
    deleted = m["deleted"].to_numpy() & ~no_author
    summary.skipped["deleted message"] += int(deleted.sum())
    keep = ~(no_author | deleted)
    kept_pos = m.loc[keep, "pos"].to_numpy()
    m = m[keep].reset_index(drop=True)

    system = (m["mtype"].str.lower() != HUMAN_MESSAGE).to_numpy()
    m["is_bot"] = m["is_app"].to_numpy(dtype=bool) | system
    m["kind"] = np.where(m["parent_id"].notna(), "reply", "post")  # system: is_bot, as Slack
    plain = (
        m["content"].str.replace(r"<[^>]*>", " ", regex=True).str.replace("&nbsp;", " ")
        if len(m)
        else m["content"]
    )
    m["is_question"] = (
        plain.str.contains(QUESTION, regex=True).to_numpy(dtype=bool)
        & (m["kind"] == "post").to_numpy()
        & ~system
    )
    m["text"] = plain.str.strip().to_numpy() if ws.store_content else None
    m["channel_id"] = common.or_none(
        m["container"] != "", pseudo.channels("teams:" + m["container"])
    )

    targets = _targets(ws, r, m, kept_pos, authors, system, summary)
    inter = batch.interactions(m, targets)
    reactions = _reactions(r, m, kept_pos, system, pseudo, bounds)
    inter = pd.concat([inter, reactions], ignore_index=True)
    summary.skipped = +summary.skipped
    return batch.Batch(
        people=_people(ws, r),
        aliases=_aliases(ws, r),
        channels=_channels(r, m, bounds),
        messages=m[batch.MESSAGE_COLUMNS],
        interactions=inter[batch.INTERACTION_COLUMNS],
        people_mode="fill",
    )


def _targets(
    ws: Store,
    r: _Reader,
    m: pd.DataFrame,
    kept_pos: np.ndarray,
    authors: dict[str, str],
    system: np.ndarray,
    summary: common.IngestSummary,
) -> pd.DataFrame:
    pseudo = ws.pseudonymiser
    human = ~system
    frames = []
    # replies -> the author of the message replied to (in the input or the workspace)
    rep = m[human & m["parent_id"].notna().to_numpy()]
    frames.append(batch.reply_targets(ws, rep, authors, summary))
    # mentions -> the users mentioned
    row_of = pd.Series(np.arange(len(kept_pos)), index=kept_pos)
    if r.mentions:
        men = pd.DataFrame(r.mentions, columns=["pos", "user"])
        men["row"] = men["pos"].map(row_of)
        men = men.dropna(subset=["row"])
        men = men[human[men["row"].to_numpy(dtype=np.int64)]]
        frames.append(pd.DataFrame({
            "message_id": m["message_id"].to_numpy()[men["row"].to_numpy(dtype=np.int64)],
            "target_id": pseudo.people(men["user"]), "kind": "mention",
        }))  # fmt: skip
    # chats with known members: every message is a dm to each other member
    members = _chat_members(r, m["chat"].unique())
    if members:
        mem = pd.DataFrame(
            [(c, u) for c, us in members.items() for u in us], columns=["chat", "user"]
        )
        chat_msgs = m.loc[human & (m["chat"] != "").to_numpy(), ["message_id", "chat", "author"]]
        dm = chat_msgs.merge(mem, on="chat")
        dm = dm[dm["user"].str.lower() != dm["author"].str.lower()]
        frames.append(pd.DataFrame(
            {"message_id": dm["message_id"], "target_id": pseudo.people(dm["user"]),
             "kind": "dm"}
        ))  # fmt: skip
    unknown = set(m.loc[m["chat"] != "", "chat"]) - members.keys()
    if unknown:
        summary.warnings.append(
            f"{len(unknown)} chats without a member list (add the chat resources, "
            "GET /chats?$expand=members): their messages make ties only through mentions"
        )
    return pd.concat(frames, ignore_index=True)


def _chat_members(r: _Reader, chats: np.ndarray) -> dict[str, set[str]]:
    out = {}
    for c in chats:
        if not c:
            continue
        if c in r.chat_members:
            out[c] = r.chat_members[c]
        elif (hit := ONE_ON_ONE.match(c)) is not None:
            out[c] = {hit.group(1), hit.group(2)}
    return out


def _reactions(
    r: _Reader,
    m: pd.DataFrame,
    kept_pos: np.ndarray,
    system: np.ndarray,
    pseudo: Any,
    bounds: common.DateBounds,
) -> pd.DataFrame:
    """Reactor -> author, dated by the reaction (the message's time when it has none)."""
    if not r.reactions:
        return pd.DataFrame(columns=batch.INTERACTION_COLUMNS)
    x = pd.DataFrame(r.reactions, columns=["pos", "user", "created", "j"])
    ts = _timestamps(x["created"])
    common.check_dates(
        ts,
        bounds,
        lambda k: _record(
            r.locs[int(x["pos"].iloc[k])], f"reactions[{int(x['j'].iloc[k])}].createdDateTime"
        ),
        found=x["created"],
    )
    bad = (ts.isna() & x["created"].ne("")).to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise _error(
            r.locs[int(x["pos"].iloc[k])], f"reactions[{int(x['j'].iloc[k])}].createdDateTime",
            "unparseable timestamp", "an ISO 8601 timestamp", x["created"].iloc[k],
        )  # fmt: skip
    x["ts"] = ts
    row = x["pos"].map(pd.Series(np.arange(len(kept_pos)), index=kept_pos))
    x = x[row.notna().to_numpy()]
    row = row.dropna().to_numpy(dtype=np.int64)
    x = x[~system[row]]
    row = row[~system[row]]
    out = pd.DataFrame({
        "ts": x["ts"].fillna(pd.Series(m["ts"].to_numpy()[row], index=x.index)),
        "actor_id": pseudo.people(x["user"]),
        "target_id": m["author_id"].to_numpy()[row],
        "kind": "reaction",
        "message_id": m["message_id"].to_numpy()[row],
        "n_recipients": np.int32(1),
        "is_bot": m["is_bot"].to_numpy()[row],
        "weight": 1.0,
    })  # fmt: skip
    out = out[out["actor_id"] != out["target_id"]].sort_values("ts", kind="stable")
    return out.drop_duplicates(["message_id", "actor_id", "target_id"])


def _person_frame(r: _Reader) -> pd.DataFrame:
    p = pd.DataFrame(r.people, columns=["id", "name", "itype", "email"])
    p = p[p["id"] != ""]
    for c in ("name", "itype", "email"):
        p[c] = p[c].replace("", None)
    return p.groupby("id", as_index=False, sort=True).agg(
        name=("name", "first"), itype=("itype", "first"), email=("email", "first")
    )


def _people(ws: Store, r: _Reader) -> pd.DataFrame:
    p = _person_frame(r)
    if p.empty:
        return pd.DataFrame(columns=batch.PEOPLE_COLUMNS)
    pseudo = ws.pseudonymiser
    email = p["email"].fillna("").to_numpy()
    has = email != ""
    pid = pseudo.people(p["id"])
    if has.any():
        pid[has] = pseudo.people(email[has])
    internal = p["itype"].fillna("").isin(INTERNAL_IDENTITY_TYPES).to_numpy()
    domains = ws.settings.internal_domains
    if domains and has.any():
        dom = pd.Series(email).str.rsplit("@", n=1).str[-1].str.lower()
        internal = np.where(has, dom.isin(domains).to_numpy(), internal)
    out = pd.DataFrame({"person_id": pid, "is_internal": internal.astype(bool)})
    out["display_name"] = p["name"].to_numpy() if ws.settings.identified else None
    return out.drop_duplicates("person_id").reindex(columns=batch.PEOPLE_COLUMNS)


def _aliases(ws: Store, r: _Reader) -> pd.DataFrame:
    p = _person_frame(r)
    p = p[p["email"].notna()]
    pseudo = ws.pseudonymiser
    return pd.DataFrame(
        {"alias_id": pseudo.people(p["id"]), "person_id": pseudo.people(p["email"])}
    )


def _channels(r: _Reader, m: pd.DataFrame, bounds: common.DateBounds) -> pd.DataFrame:
    c = m.loc[m["container"] != "", ["container", "chat", "channel_id", "ts"]]
    c = c.groupby(["container", "chat", "channel_id"], as_index=False)["ts"].min()
    kinds: list[str] = []
    names: list[str | None] = []
    created: list[str] = []
    members = _chat_members(r, c["chat"].unique())
    for cont, chat in zip(c["container"], c["chat"], strict=True):
        if chat:
            kind = r.chat_kind.get(chat) or (
                "dm" if len(members.get(chat, ())) == 2 else "group_dm"
            )
            kinds.append(kind)
            names.append(None)
            created.append("")
        else:
            kind, name, made = r.channel_kind.get(cont, ("public", "", ""))
            kinds.append(kind)
            names.append(name or None if kind == "public" else None)
            created.append(made)
    made_ts = _timestamps(pd.Series(created, dtype="string"))
    conts = c["container"].to_numpy()
    common.check_dates(
        made_ts,
        bounds,
        lambda k: _record(r.channel_locs[conts[k]], "createdDateTime"),
        found=created,
    )
    return pd.DataFrame(
        {
            "channel_id": c["channel_id"].to_numpy(),
            "name": names,
            "kind": kinds,
            "created_at": made_ts.fillna(c["ts"].reset_index(drop=True)).to_numpy(),
        }
    )
