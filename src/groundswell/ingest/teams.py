"""Microsoft Teams: channel and chat messages as Microsoft Graph returns them.

Input: Graph ``chatMessage`` resources (https://learn.microsoft.com/graph/api/resources/chatmessage)
in one file or a folder of ``.json`` / ``.jsonl`` / ``.ndjson`` files, each holding JSON Lines
(one object a line), a JSON array, one object, or Graph's paged envelope
``{"value": [...], "@odata.nextLink": ...}`` (also an array of such pages). Messages listed with
``$expand=replies`` have their ``replies`` read too. The same folder may hold Graph ``chat``
resources (``GET /chats?$expand=members``) and ``channel`` resources (``GET /teams/{id}/channels``):
they tell who is in a chat and which channels are private.

chatMessage fields read
=======================  ===================================================================
id                       the message (unique within its channel or chat) — required
createdDateTime          when (ISO 8601, UTC) — required
replyToId                the root message a channel reply answers: parent and thread
channelIdentity          {teamId, channelId}: the channel of a channel message
chatId                   the chat of a chat message
messageType              ``message`` is a person's post; ``systemEventMessage``, ``chatEvent``,
                         ``typing`` and anything else are system messages (is_bot, no ties)
from                     {user {id, displayName, userIdentityType}} a person (AAD object id);
                         {application {id}} a bot or app (is_bot); neither: the initiator in
                         ``eventDetail`` (system messages), else the message is skipped
mentions                 [{mentioned {user {id, displayName}}}]: mention ties to users; mentions
                         of apps, conversations (@channel, @team) and tags make none
reactions                [{user {user {id}}, createdDateTime}]: reaction ties, reactor ->
                         author, dated by the reaction's own createdDateTime
deletedDateTime          set: a deleted message, skipped and counted (still answers "who wrote
                         the message this reply answers")
lastModifiedDateTime     when a message appears twice, the latest version is kept
body.content             text (tags stripped) only when the workspace stores content; a root
                         post whose text asks (``?`` before a space or the end) is a question
=======================  ===================================================================

Ignored: etag, subject, summary, importance, locale, webUrl, attachments, hostedContents,
policyViolation, messageHistory, lastEditedDateTime, eventDetail (except its initiator), and
any ``@odata.*`` annotation.

Channels: a channel message's channel is ``channelIdentity.channelId`` — kind ``public``
unless a channel resource in the input says ``membershipType`` private or shared (Graph
exposes membershipType on the channel resource only, never on the message). A chat message's
channel is its ``chatId`` — ``dm`` for a one-on-one chat (``chatType`` oneOnOne, two members,
or the one-on-one id form ``19:{user}_{user}@unq.gbl.spaces`` used in Graph's examples),
``meeting`` for a meeting chat, else ``group_dm``. When the members of a chat are known (a
chat resource with ``members``, or a one-on-one id), every message in it is a ``dm`` from
its author to each other member; without a member list a chat makes ties only through
replies and mentions.

People: user ids are AAD object ids, pseudonymised as they are (so an HR file keyed by AAD
id links directly). chatMessage carries no email; when a chat member (``email``) or an
identity (``userPrincipalName``, ``email``, ``mail``) gives one, the person is keyed by the
email and the user id becomes an alias. ``userIdentityType`` other than aadUser /
onPremiseAadUser (guests, federated, personal accounts, phone, email users) marks the person
external; with ``ingest.internal_domains`` set, the email domain decides. Display names are
kept only in identified mode. Bots and apps get no people row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.workspace import Workspace

KIND = "teams"
SUFFIXES = (".json", ".jsonl", ".ndjson")
HUMAN_MESSAGE = "message"
INTERNAL_IDENTITY_TYPES = {"", "aaduser", "onpremiseaaduser"}
ONE_ON_ONE = re.compile(r"^19:([0-9a-fA-F-]{36})_([0-9a-fA-F-]{36})@unq\.gbl\.spaces$")
CHAT_KINDS = {"oneonone": "dm", "group": "group_dm", "meeting": "meeting"}
CHANNEL_KINDS = {"standard": "public", "private": "private", "shared": "private"}
QUESTION = r"\?(?:\s|$)"

Loc = tuple[Path, int | None, str]  # file, JSON Lines line (or None), JSON path in the file


def ingest(
    ws: Workspace, path: Path, *, progress: bool = False, dry_run: bool = False
) -> common.IngestSummary:
    """Load Teams messages into ``messages``, ``interactions``, ``channels`` and ``people``.

    One transaction; the same input twice adds nothing; ``dry_run`` writes nothing.
    """
    path = Path(path)
    with steps(4, enabled=progress) as bar:
        bar.step("reading the messages")
        files = _files(path)
        options: dict[str, Any] = {}
        sha = batch.sha256_path(path)
        seen = common.already_ingested(ws, KIND, sha, options)
        if seen is not None:
            return common.IngestSummary(str(path), KIND, seen, already_ingested=True)
        summary = common.IngestSummary(str(path), KIND, None)
        reader = _Reader()
        for f in files:
            for rec, loc, parent in _records(f):
                reader.add(rec, loc, parent)
        summary.rows_read = reader.n_records
        if not reader.rows:
            summary.warnings.append("no chatMessage found in the input")
        bar.step("pseudonymising")
        out = _build(ws, reader, summary)
        bar.step("storing")
        return batch.write(ws, out, summary, sha, options, dry_run=dry_run)


# -- reading ----------------------------------------------------------------------------------


def _files(path: Path) -> list[Path]:
    if not path.exists():
        raise InputError(path, "file or folder not found")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise InputError(
            path, "no JSON files in the folder", expected="files ending .json, .jsonl or .ndjson"
        )
    return files


def _records(f: Path) -> Iterator[tuple[dict[str, Any], Loc, str]]:
    """Every JSON object of one file with where it is, and the id of the message whose
    ``replies`` it was listed in ('' for a top-level record)."""
    data = f.read_bytes().removeprefix(b"\xef\xbb\xbf")
    if not data.strip():
        return
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if data.lstrip()[:1] != b"{":
            raise InputError(
                f,
                f"malformed JSON: {exc.msg}",
                line=exc.lineno,
                expected='a JSON array, a Graph page {"value": [...]} or JSON Lines',
            ) from None
        yield from _json_lines(f, data)
        return
    yield from _expand(f, whole, None, "")


def _json_lines(f: Path, data: bytes) -> Iterator[tuple[dict[str, Any], Loc, str]]:
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(
                f,
                f"malformed JSON: {exc.msg}",
                line=n,
                expected="one complete JSON object on every line (JSON Lines)",
            ) from None
        yield from _expand(f, obj, n, "")


def _expand(
    f: Path, obj: Any, line: int | None, prefix: str
) -> Iterator[tuple[dict[str, Any], Loc, str]]:
    """Records of a parsed value: an envelope's ``value``, an array's items, or an object."""
    if isinstance(obj, dict) and isinstance(obj.get("value"), list) and "id" not in obj:
        items: list[tuple[Any, str]] = [
            (r, f"{prefix}.value[{i}]") for i, r in enumerate(obj["value"])
        ]
    elif isinstance(obj, list):
        items = []
        for i, r in enumerate(obj):
            if isinstance(r, dict) and isinstance(r.get("value"), list) and "id" not in r:
                items += [(x, f"{prefix}[{i}].value[{j}]") for j, x in enumerate(r["value"])]
            else:
                items.append((r, f"{prefix}[{i}]"))
    else:
        items = [(obj, prefix)]
    for rec, jpath in items:
        if not isinstance(rec, dict):
            raise _error(
                (f, line, jpath),
                "",
                "not a JSON object",
                "a chatMessage object",
                type(rec).__name__,
            )
        yield rec, (f, line, jpath), ""
        replies = rec.get("replies")
        if isinstance(replies, list) and replies:
            parent = _text(rec.get("id"), (f, line, jpath), "id")
            for j, r in enumerate(replies):
                loc = (f, line, f"{jpath}.replies[{j}]")
                if not isinstance(r, dict):
                    raise _error(loc, "", "not a JSON object", "a chatMessage object", r)
                yield r, loc, parent


def _error(loc: Loc, field: str, problem: str, expected: str, found: object = None) -> InputError:
    """An InputError naming the file and the record: its line in JSON Lines (with the JSON
    path inside the line), else its JSON path such as ``page.json.value[3].createdDateTime``."""
    f, line, jpath = loc
    where = f"{jpath}.{field}" if field else jpath
    where = where.lstrip(".")
    if line is not None:
        problem = f"{where}: {problem}" if where else problem
        return InputError(f, problem, line=line, expected=expected, found=found)
    sep = "" if where.startswith("[") or not where else "."
    return InputError(f"{f}{sep}{where}", problem, expected=expected, found=found)


def _text(value: Any, loc: Loc, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _error(loc, field, "not a string", "a string", value)


def _obj(value: Any, loc: Loc, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise _error(loc, field, "not an object", "a JSON object or null", value)


def _list(value: Any, loc: Loc, field: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise _error(loc, field, "not an array", "a JSON array or null", value)


class _Reader:
    """Collects messages, chats and channels from records, column by column."""

    def __init__(self) -> None:
        self.n_records = 0
        self.rows: list[tuple[Any, ...]] = []
        self.locs: list[Loc] = []
        self.mentions: list[tuple[int, str]] = []
        self.reactions: list[tuple[int, str, str, int]] = []
        self.people: list[tuple[str, str, str, str]] = []  # id, name, identity type, email
        self.named: set[Any] = set()  # ids already recorded with a display name
        self.chat_members: dict[str, set[str]] = {}
        self.chat_kind: dict[str, str] = {}
        self.channel_kind: dict[str, tuple[str, str, str]] = {}  # id -> kind, name, created

    def add(self, rec: dict[str, Any], loc: Loc, parent: str) -> None:
        self.n_records += 1
        if "chatType" in rec:
            self._chat(rec, loc)
        elif "membershipType" in rec:
            cid = _text(rec.get("id"), loc, "id")
            kind = CHANNEL_KINDS.get(
                _text(rec.get("membershipType"), loc, "membershipType").lower(), "public"
            )
            name = _text(rec.get("displayName"), loc, "displayName")
            self.channel_kind[cid] = (
                kind,
                name,
                _text(rec.get("createdDateTime"), loc, "createdDateTime"),
            )
        else:
            self._message(rec, loc, parent)

    def _chat(self, rec: dict[str, Any], loc: Loc) -> None:
        cid = _text(rec.get("id"), loc, "id")
        if not cid:
            raise _error(loc, "id", "chat without an id", "the chat's id")
        ctype = _text(rec.get("chatType"), loc, "chatType").lower()
        members = set()
        for j, m in enumerate(_list(rec.get("members"), loc, "members")):
            m = _obj(m, loc, f"members[{j}]")
            uid = _text(m.get("userId"), loc, f"members[{j}].userId")
            if uid:
                members.add(uid)
                self.people.append(
                    (uid, _text(m.get("displayName"), loc, f"members[{j}].displayName"), "",
                     _text(m.get("email"), loc, f"members[{j}].email"))
                )  # fmt: skip
        if members:
            self.chat_members[cid] = members
        self.chat_kind[cid] = CHAT_KINDS.get(ctype, "")

    def _message(self, rec: dict[str, Any], loc: Loc, parent: str) -> None:
        mid = _text(rec.get("id"), loc, "id")
        if not mid:
            raise _error(loc, "id", "message without an id", "the chatMessage id")
        if not ({"messageType", "body", "from", "createdDateTime"} & rec.keys()):
            raise _error(
                loc, "", "not a chatMessage", "a Microsoft Graph chatMessage "
                "(id, createdDateTime, messageType, from, body, ...)", sorted(rec)[:8],
            )  # fmt: skip
        created = _text(rec.get("createdDateTime"), loc, "createdDateTime")
        if not created:
            raise _error(loc, "createdDateTime", "missing", "an ISO 8601 timestamp")
        ident = _obj(rec.get("channelIdentity"), loc, "channelIdentity")
        channel = _text(ident.get("channelId"), loc, "channelIdentity.channelId")
        chat = _text(rec.get("chatId"), loc, "chatId")
        mtype = _text(rec.get("messageType"), loc, "messageType") or HUMAN_MESSAGE
        sender = _obj(rec.get("from"), loc, "from")
        user = _obj(sender.get("user"), loc, "from.user")
        app = _obj(sender.get("application"), loc, "from.application")
        author, is_app = _text(user.get("id"), loc, "from.user.id"), False
        if author:
            self._person(user, loc, "from.user")
        else:
            author, is_app = _text(app.get("id"), loc, "from.application.id"), True
        if not author:
            detail = _obj(rec.get("eventDetail"), loc, "eventDetail")
            init = _obj(detail.get("initiator"), loc, "eventDetail.initiator")
            iu = _obj(init.get("user"), loc, "eventDetail.initiator.user")
            ia = _obj(init.get("application"), loc, "eventDetail.initiator.application")
            author = _text(iu.get("id"), loc, "eventDetail.initiator.user.id")
            is_app = not author
            author = author or _text(ia.get("id"), loc, "eventDetail.initiator.application.id")
        body = _obj(rec.get("body"), loc, "body")
        content = body.get("content")
        k = len(self.rows)
        self.rows.append(
            (
                mid, channel, chat, _text(rec.get("replyToId"), loc, "replyToId") or parent,
                created, _text(rec.get("lastModifiedDateTime"), loc, "lastModifiedDateTime"),
                rec.get("deletedDateTime") not in (None, ""), mtype, author, is_app,
                content if isinstance(content, str) else "",
            )
        )  # fmt: skip
        self.locs.append(loc)
        for j, m in enumerate(_list(rec.get("mentions"), loc, "mentions")):
            try:  # the common shape, without a check per level
                mu = m["mentioned"]["user"]
                if type(mu["id"]) is str and mu["id"]:
                    self.mentions.append((k, mu["id"].strip()))
                    self._person(mu, loc, f"mentions[{j}].mentioned.user")
                    continue
            except (KeyError, TypeError):
                pass
            m = _obj(m, loc, f"mentions[{j}]")
            who = _obj(m.get("mentioned"), loc, f"mentions[{j}].mentioned")
            mu = _obj(who.get("user"), loc, f"mentions[{j}].mentioned.user")
            uid = _text(mu.get("id"), loc, f"mentions[{j}].mentioned.user.id")
            if uid:
                self.mentions.append((k, uid))
                self._person(mu, loc, f"mentions[{j}].mentioned.user")
        for j, r in enumerate(_list(rec.get("reactions"), loc, "reactions")):
            try:  # the common shape, without a check per level
                ru = r["user"]["user"]
                ts = r.get("createdDateTime") or ""
                if type(ru["id"]) is str and ru["id"] and type(ts) is str:
                    self.reactions.append((k, ru["id"].strip(), ts.strip(), j))
                    self._person(ru, loc, f"reactions[{j}].user.user")
                    continue
            except (KeyError, TypeError):
                pass
            r = _obj(r, loc, f"reactions[{j}]")
            ru = _obj(_obj(r.get("user"), loc, f"reactions[{j}].user").get("user"), loc,
                      f"reactions[{j}].user.user")  # fmt: skip
            uid = _text(ru.get("id"), loc, f"reactions[{j}].user.user.id")
            if uid:
                ts = _text(r.get("createdDateTime"), loc, f"reactions[{j}].createdDateTime")
                self.reactions.append((k, uid, ts, j))
                self._person(ru, loc, f"reactions[{j}].user.user")

    def _person(self, ident: dict[str, Any], loc: Loc, field: str) -> None:
        if ident.get("id") in self.named:
            return
        if ident.get("displayName"):
            self.named.add(ident.get("id"))
        email = ""
        for key in ("email", "mail", "userPrincipalName"):
            email = email or _text(ident.get(key), loc, f"{field}.{key}")
        self.people.append(
            (
                _text(ident.get("id"), loc, f"{field}.id"),
                _text(ident.get("displayName"), loc, f"{field}.displayName"),
                _text(ident.get("userIdentityType"), loc, f"{field}.userIdentityType").lower(),
                email if "@" in email else "",
            )
        )


# -- canonical frames -------------------------------------------------------------------------


def _timestamps(values: pd.Series) -> pd.Series:
    """ISO 8601 timestamps to UTC; NaT where empty or unreadable."""
    text = values.astype("string").str.strip()
    ts = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    retry = ts.isna() & text.fillna("").ne("")
    if retry.any():
        ts[retry] = pd.to_datetime(text[retry], errors="coerce", utc=True, format="mixed")
    return ts


def _check_ts(ts: pd.Series, raw: pd.Series, locs: list[Loc], field: str) -> None:
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


def _build(ws: Workspace, r: _Reader, summary: common.IngestSummary) -> batch.Batch:
    pseudo = ws.pseudonymiser
    if not r.rows:
        return batch.Batch(people=_people(ws, r), aliases=_aliases(ws, r), people_mode="fill")
    m = pd.DataFrame(r.rows, columns=COLUMNS)
    m["pos"] = np.arange(len(m))
    m["container"] = np.where(m["channel"] != "", m["channel"], m["chat"])
    m["ts"] = _timestamps(m["created"])
    _check_ts(m["ts"], m["created"], r.locs, "createdDateTime")
    m["mod_ts"] = _timestamps(m["modified"])
    _check_ts(m["mod_ts"], m["modified"], r.locs, "lastModifiedDateTime")

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
    m["parent_id"] = np.where(has_parent, linked, None)
    m["thread_id"] = linked
    no_author = (m["author"] == "").to_numpy()
    m["author_id"] = np.where(no_author, None, pseudo.people(m["author"]))
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
    m["channel_id"] = np.where(
        m["container"] != "", pseudo.channels("teams:" + m["container"]), None
    )

    targets = _targets(ws, r, m, kept_pos, authors, system, summary)
    inter = batch.interactions(m, targets)
    inter = pd.concat([inter, _reactions(r, m, kept_pos, system, pseudo)], ignore_index=True)
    summary.skipped = +summary.skipped
    return batch.Batch(
        people=_people(ws, r),
        aliases=_aliases(ws, r),
        channels=_channels(r, m),
        messages=m[batch.MESSAGE_COLUMNS],
        interactions=inter[batch.INTERACTION_COLUMNS],
        people_mode="fill",
    )


def _targets(
    ws: Workspace,
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
    r: _Reader, m: pd.DataFrame, kept_pos: np.ndarray, system: np.ndarray, pseudo: Any
) -> pd.DataFrame:
    """Reactor -> author, dated by the reaction (the message's time when it has none)."""
    if not r.reactions:
        return pd.DataFrame(columns=batch.INTERACTION_COLUMNS)
    x = pd.DataFrame(r.reactions, columns=["pos", "user", "created", "j"])
    ts = _timestamps(x["created"])
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


def _people(ws: Workspace, r: _Reader) -> pd.DataFrame:
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


def _aliases(ws: Workspace, r: _Reader) -> pd.DataFrame:
    p = _person_frame(r)
    p = p[p["email"].notna()]
    pseudo = ws.pseudonymiser
    return pd.DataFrame(
        {"alias_id": pseudo.people(p["id"]), "person_id": pseudo.people(p["email"])}
    )


def _channels(r: _Reader, m: pd.DataFrame) -> pd.DataFrame:
    c = m.loc[m["container"] != "", ["container", "chat", "channel_id", "ts"]]
    c = c.groupby(["container", "chat", "channel_id"], as_index=False)["ts"].min()
    kinds, names, created = [], [], []
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
    return pd.DataFrame(
        {
            "channel_id": c["channel_id"].to_numpy(),
            "name": names,
            "kind": kinds,
            "created_at": made_ts.fillna(c["ts"].reset_index(drop=True)).to_numpy(),
        }
    )
