"""Slack's workspace export, as its export tool writes it: a .zip or the folder it unpacks to.

Layout read (every JSON file is read with orjson, one day file at a time)::

    users.json             the members (org_users.json in an Enterprise Grid org export)
    channels.json          public channels; their folders are named after the channel
    groups.json            private channels; folders named after the channel
    dms.json               direct messages; folders named after the conversation id (D...)
    mpims.json             group DMs; folders named after the conversation (mpdm-a--b-1)
    <folder>/YYYY-MM-DD.json   one JSON array of messages per conversation per day

Enterprise Grid: an export whose users cover several workspaces (``team_id`` on each user)
is read as one organisation. Org-level exports whose files sit in per-workspace subfolders
are read too: every folder holding a users file or a conversation list is an export root,
and a day file belongs to the conversation its folder is named after in the lists of the
root two levels above it (else in any root's lists). Users from every users file are
merged. Slack documents only that an org export has ``org_users.json`` instead of
``users.json``; the nested shape is handled generically, not from a published example.

Fields read
-----------
users: ``id``, ``team_id``, ``is_bot``, ``deleted``, ``is_restricted``,
``is_ultra_restricted``, ``is_stranger``, ``profile.email``, ``profile.title``,
``profile.bot_id`` (a bot user's messages are attributed to it), ``real_name`` /
``profile.real_name`` / ``name`` (display_name, only in identified mode).
conversation lists: ``id``, ``name``, ``created``, ``members``.
messages: ``ts`` (required), ``user`` (else ``comment.user`` of a file comment, else
``bot_id``, else ``username``), ``subtype``, ``bot_id``, ``thread_ts``, ``parent_user_id``,
``text`` (mentions ``<@U…>``, "?" for is_question, stored only when the workspace stores
content), ``blocks`` (rich-text ``user`` elements are mentions), ``reactions[].users``,
``edited`` (counted only).

Ignored: attachments, files (a file share is a post like any other), ``user_profile``,
``replies`` / ``reply_users`` (the replies themselves are in the day files), topics and
purposes, pins, ``integration_logs.json``, ``canvases.json``, uploads, any other file.

Mapping
-------
- channels: ``channel_id`` = pseudonym of the Slack id; kind public / private / dm /
  group_dm from the list naming it; ``name`` only for public channels; ``created_at`` from
  ``created`` (else the first message). A folder in no list is read with a warning, its kind
  guessed from its name (``D…`` a DM, ``mpdm-…`` a group DM, else public).
- messages: ``message_id`` = pseudonym of ``<channel id>:<ts>`` (ts is unique in a
  channel), so the zip and its unpacked folder give the same ids; ``thread_id`` the same
  scheme on ``thread_ts``; a message whose ``thread_ts`` differs from its ``ts`` is a
  ``reply`` with ``parent_id`` = the thread root, else a ``post``. ``is_question`` is a
  metadata-level heuristic: the text contains "?". ``is_bot`` for subtypes bot_message and
  slackbot_response, a ``bot_id``, an author flagged is_bot in users.json, USLACKBOT, and
  system messages.
- System subtypes (joins, leaves, topic / purpose / name changes, archive, bot_add,
  tombstone, pins, reminders, ...) are stored as ``is_bot`` messages and make no
  interaction at all (no mention, reply or reaction), so they count as activity only.
- interactions: a reply -> the thread root's author (``parent_user_id``, else the root
  found in this export or already in the workspace), kind ``reply``; each user mentioned
  in the text or the blocks, kind ``mention``; in a DM or group DM every other member of the
  conversation (``members`` of dms.json / mpims.json, else the people who wrote in it),
  kind ``dm``; each user in ``reactions[].users`` -> the message's author, kind
  ``reaction``: a reaction is the reactor's own act, stored with the message's id and, as
  exports carry no reaction time, the message's time. An interaction is ``is_bot`` when its
  actor or its target is a bot.
- people (added only when absent: an HR file wins): ``person_id`` = pseudonym of the email
  when ``profile.email`` is known, else of the user id, with an alias user id -> email;
  ``is_internal`` = not a bot, not a guest (is_restricted / is_ultra_restricted) and not a
  stranger (a Slack Connect user of another organisation); when ``ingest.internal_domains``
  is set, an email outside those domains is external too. ``title`` from profile.title;
  ``attrs`` holds team_id, deleted, is_bot, guest and stranger flags. Deleted users are
  kept with their messages. User ids seen in messages but absent from users.json are kept
  as external people with ``attrs.unknown`` (counted in a warning); bot ids (B…) as bots.

Bad input raises :class:`~groundswell.errors.InputError` naming the file inside the export
and the JSON path of the record (``general/2016-01-14.json[3].ts``); nothing is written.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import math
import mmap
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.privacy import Pseudonymiser
    from groundswell.workspace import Workspace

KIND = "slack"
USERS_FILES = ("users.json", "org_users.json")
LISTS = {
    "channels.json": "public",
    "groups.json": "private",
    "dms.json": "dm",
    "mpims.json": "group_dm",
}
DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
BOT_SUBTYPES = {"bot_message", "slackbot_response"}
SYSTEM_SUBTYPES = {
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "channel_archive",
    "channel_unarchive",
    "channel_convert_to_private",
    "channel_convert_to_public",
    "channel_posting_permissions",
    "group_join",
    "group_leave",
    "group_topic",
    "group_purpose",
    "group_name",
    "group_archive",
    "group_unarchive",
    "bot_add",
    "bot_remove",
    "bot_enable",
    "bot_disable",
    "tombstone",
    "pinned_item",
    "unpinned_item",
    "reminder_add",
    "reminder_delete",
    "joiner_notification",
    "sh_room_created",
    "app_conversation_join",
    "channel_canvas_updated",
}
EXPECTED_LAYOUT = (
    "a Slack export: users.json (or org_users.json) and channels.json (with groups.json, "
    "dms.json, mpims.json in full exports) beside one folder per conversation holding "
    "YYYY-MM-DD.json day files, as a .zip or its unpacked folder"
)
CHUNK = 100_000  # messages held as Python objects before they are packed into arrays


# -- the export as a set of named files ------------------------------------------------------
class _Export:
    """A zip or a folder, seen as relative POSIX names and their bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if not path.exists():
            raise InputError(path, "file not found", expected=EXPECTED_LAYOUT)
        if path.is_dir():
            self.names = sorted(
                p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
            )
        else:
            try:
                self._zip = zipfile.ZipFile(path)
                self._info = {i.filename: i for i in self._zip.infolist()}
                self.names = sorted(n for n in self._info if not n.endswith("/"))
                self._fh = path.open("rb")
                self._map = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise InputError(
                    path, f"not a readable zip archive ({exc})", expected=EXPECTED_LAYOUT
                ) from exc
        self.names = [n for n in self.names if not n.startswith("__MACOSX/")]

    def where(self, name: str) -> str:
        return str(self.path / name)

    def read(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                return self._read_member(name)
            return (self.path / name).read_bytes()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
            raise InputError(self.where(name), f"cannot be read ({exc})") from exc

    def _read_member(self, name: str) -> bytes:
        """A member's bytes, inflated straight from the mapped file (zipfile's own reader
        costs ~40 µs a member, which matters for exports of 100,000 day files); anything
        but plain stored or deflated members goes through zipfile."""
        info = self._info[name]
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            return self._zip.read(name)  # encrypted or another method: zipfile decides
        mm = self._map
        at = info.header_offset
        header = mm[at : at + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {name}")
        n_name, n_extra = struct.unpack("<HH", header[26:30])
        start = at + 30 + n_name + n_extra
        data = mm[start : start + info.compress_size]
        if len(data) < info.compress_size:
            raise zipfile.BadZipFile(f"{name} is truncated")
        if info.compress_type == zipfile.ZIP_DEFLATED:
            d = zlib.decompressobj(-15)
            data = d.decompress(data) + d.flush()
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"{name} is damaged (size or CRC-32 does not match)")
        return data

    def json(self, name: str) -> Any:
        raw = self.read(name)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InputError(
                self.where(name),
                f"invalid JSON: {exc.msg}",
                line=exc.lineno,
                expected="a JSON array as Slack's export writes it",
            ) from exc

    def close(self) -> None:
        if self._zip is not None:
            self._map.close()
            self._fh.close()
            self._zip.close()


class _Where(str):
    """The place of a day file, computed only when an error needs it."""

    def __new__(cls, ex: _Export, name: str) -> _Where:
        obj = super().__new__(cls, "")
        obj._ex, obj._name = ex, name
        return obj

    def __str__(self) -> str:
        return self._ex.where(self._name)


@dataclass
class _Conv:
    raw_id: str
    name: str | None
    kind: str
    created: float | None
    members: list[str]
    listed: bool = True


def _records(ex: _Export, name: str, data: Any) -> list[dict[str, Any]]:
    """Check that a list file is an array of objects each with a string id."""
    rel = name.rsplit("/", 1)[-1]
    if not isinstance(data, list):
        raise InputError(
            ex.where(name),
            f"{rel} is not a JSON array",
            expected="a JSON array of objects",
            found=type(data).__name__,
        )
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise InputError(
                ex.where(name),
                f"{rel}[{i}] is not an object",
                expected="a JSON object",
                found=type(rec).__name__,
            )
        if not isinstance(rec.get("id"), str) or not rec["id"]:
            raise InputError(
                ex.where(name),
                f"{rel}[{i}].id is missing or not text",
                expected="the Slack id as a string",
                found=rec.get("id"),
            )
    return data


def _seconds(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and 0 < f < 1e11 else None


def _parent(name: str) -> str:
    return name.rsplit("/", 1)[0] if "/" in name else ""


# -- columns of one chunk of messages ------------------------------------------------------------
@dataclass
class _Cols:
    conv: list[int] = field(default_factory=list)
    ts: list[str] = field(default_factory=list)
    tsf: list[float] = field(default_factory=list)
    thread: list[str | None] = field(default_factory=list)
    author: list[str | None] = field(default_factory=list)
    subtype: list[Any] = field(default_factory=list)
    has_bot_id: list[bool] = field(default_factory=list)
    parent_user: list[Any] = field(default_factory=list)
    question: list[bool] = field(default_factory=list)
    text: list[Any] = field(default_factory=list)
    t_row: list[int] = field(default_factory=list)  # mentions and reactions
    t_user: list[str] = field(default_factory=list)
    t_kind: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ts)


class _Reader:
    def __init__(self, ws: Workspace, ex: _Export, summary: common.IngestSummary) -> None:
        self.ws = ws
        self.ex = ex
        self.summary = summary
        self.pseudo: Pseudonymiser = ws.pseudonymiser
        self.store_content = ws.store_content
        self.convs: list[_Conv] = []
        self.chunks: list[pd.DataFrame] = []
        self.targets: list[pd.DataFrame] = []
        self.cols = _Cols()
        self.rows = 0  # messages packed so far
        self.edited = 0
        self.bot_user_of: dict[str, str] = {}

    # -- metadata -------------------------------------------------------------------------------
    def layout(self) -> tuple[list[dict[str, Any]], list[tuple[str, int]]]:
        """Users, and the day files with the conversation each belongs to."""
        names = self.ex.names
        base = {n: n.rsplit("/", 1)[-1] for n in names}
        users_files = [n for n in names if base[n] in USERS_FILES]
        list_files = [n for n in names if base[n] in LISTS]
        if not users_files or not list_files:
            missing = [] if users_files else ["users.json (or org_users.json)"]
            missing += [] if list_files else ["channels.json"]
            found = sorted({n.split("/", 1)[0] + ("/" if "/" in n else "") for n in names})
            raise InputError(
                self.ex.path,
                f"not a Slack export: no {' and no '.join(missing)}",
                expected=EXPECTED_LAYOUT,
                found=found[:8] if found else "nothing",
            )
        users: dict[str, dict[str, Any]] = {}
        for n in users_files:
            for u in _records(self.ex, n, self.ex.json(n)):
                users.setdefault(u["id"], u)
        by_root: dict[str, dict[str, int]] = {}
        anywhere: dict[str, int] = {}
        for n in list_files:
            kind = LISTS[base[n]]
            root = _parent(n)
            for rec in _records(self.ex, n, self.ex.json(n)):
                name = rec.get("name") if isinstance(rec.get("name"), str) else None
                members = rec.get("members")
                members = (
                    [m for m in members if isinstance(m, str)] if isinstance(members, list) else []
                )
                k = len(self.convs)
                self.convs.append(
                    _Conv(rec["id"], name, kind, _seconds(rec.get("created")), members)
                )
                folder = rec["id"] if kind == "dm" or not name else name
                for key in {folder, rec["id"]}:
                    by_root.setdefault(root, {}).setdefault(key, k)
                    anywhere.setdefault(key, k)
        roots = set(by_root) | {_parent(n) for n in users_files}
        days: list[tuple[str, int]] = []
        unlisted: dict[str, int] = {}
        for n in names:
            if not DAY_FILE.match(base[n]) or "/" not in n:
                continue
            folder_path = _parent(n)
            folder = folder_path.rsplit("/", 1)[-1]
            root = _parent(folder_path)
            k = by_root.get(root, {}).get(folder, anywhere.get(folder))
            if k is None and root not in roots:
                continue  # not a conversation folder of this export (e.g. attachments)
            if k is None:
                k = unlisted.get(folder_path)
                if k is None:
                    k = unlisted[folder_path] = len(self.convs)
                    guess = (
                        "dm"
                        if re.fullmatch(r"D[A-Z0-9]{6,}", folder)
                        else "group_dm"
                        if folder.startswith("mpdm-")
                        else "public"
                    )
                    self.convs.append(_Conv(folder, folder, guess, None, [], listed=False))
            days.append((n, k))
        if unlisted:
            self.summary.warnings.append(
                f"{len(unlisted)} conversation folders are in no conversation list "
                f"(e.g. {sorted(unlisted)[:3]}); read with a kind guessed from the name"
            )
        self.bot_user_of = {
            u["profile"]["bot_id"]: uid
            for uid, u in users.items()
            if isinstance(u.get("profile"), dict) and isinstance(u["profile"].get("bot_id"), str)
        }
        return list(users.values()), days

    # -- day files ------------------------------------------------------------------------------
    def day(self, name: str, k: int) -> None:
        raw = self.ex.read(name)
        where = _Where(self.ex, name)
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InputError(
                where,
                f"invalid JSON: {exc.msg}",
                line=exc.lineno,
                expected="a JSON array of messages",
            ) from exc
        if not isinstance(data, list):
            raise InputError(
                where,
                f"{name} is not a JSON array",
                expected="a JSON array of messages",
                found=type(data).__name__,
            )
        try:
            self._extract(name, where, data, raw, k)
        except InputError:
            raise
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            raise InputError(
                where,
                f"unexpected message structure in {name} ({exc!r})",
                expected="messages as Slack's export writes them",
            ) from exc
        self.summary.rows_read += len(data)
        if len(self.cols) >= CHUNK:
            self.flush()

    def _extract(self, name: str, where: str, data: list, raw: bytes, k: int) -> None:
        for i, m in enumerate(data):
            if type(m) is not dict:
                raise InputError(
                    where,
                    f"{name}[{i}] is not a message object",
                    expected="a JSON object",
                    found=type(m).__name__,
                )
        ts = [m.get("ts") for m in data]
        if not all(type(t) is str for t in ts):
            for i, t in enumerate(ts):
                if t is None:
                    raise InputError(
                        where,
                        f"{name}[{i}].ts is missing",
                        expected=('the message timestamp, e.g. "1452837318.000002"'),
                    )
            ts = [
                t if type(t) is str else f"{t:.6f}" if isinstance(t, float | int) else t for t in ts
            ]
        try:
            tsf = [float(t) for t in ts]
            ok = bool(tsf) and math.isfinite(min(tsf)) and math.isfinite(max(tsf))
            ok = ok and min(tsf) > 0 and max(tsf) < 1e11
        except (TypeError, ValueError):
            ok = False
        if not ok and data:
            for i, t in enumerate(ts):
                if _seconds(t) is None:
                    raise InputError(
                        where,
                        f"{name}[{i}].ts is not a Slack timestamp",
                        expected='seconds since 1970, e.g. "1452837318.000002"',
                        found=t,
                    )
        user = [m.get("user") for m in data]
        thread = [m.get("thread_ts") for m in data]
        sub = [m.get("subtype") for m in data]
        bot = [m.get("bot_id") for m in data]
        text = [m.get("text") for m in data]
        if not all(type(u) is str for u in user):
            for i, m in enumerate(data):
                u = user[i]
                if u is not None and type(u) is not str:
                    raise InputError(
                        where,
                        f"{name}[{i}].user is not a user id",
                        expected="a string such as U0BMQB6JE",
                        found=u,
                    )
                if u is None:
                    c = m.get("comment")
                    u = c.get("user") if isinstance(c, dict) else None
                    if type(u) is not str:
                        u = bot[i] if type(bot[i]) is str else m.get("username")
                    user[i] = u if type(u) is str and u else None
        if self.bot_user_of:
            user = [
                self.bot_user_of.get(b, u) if b and u == b else u
                for u, b in zip(user, bot, strict=True)
            ]
        if not all(t is None or type(t) is str for t in thread):
            thread = [t if t is None or type(t) is str else f"{float(t):.6f}" for t in thread]
        c = self.cols
        offset = self.rows + len(c)
        n = len(data)
        c.conv += [k] * n
        c.ts += ts
        c.tsf += tsf
        c.thread += thread
        c.author += user
        c.subtype += sub
        c.has_bot_id += [b is not None for b in bot]
        c.parent_user += (
            [m.get("parent_user_id") for m in data] if b"parent_user_id" in raw else [None] * n
        )
        c.question += [type(t) is str and "?" in t for t in text]
        if self.store_content:
            c.text += [t if type(t) is str else None for t in text]
        if b"<@" in raw:
            for i, t in enumerate(text):
                if type(t) is str and "<@" in t:
                    for u in MENTION.findall(t):
                        c.t_row.append(offset + i)
                        c.t_user.append(u)
                        c.t_kind.append("mention")
        if b'"user_id"' in raw:
            for i, m in enumerate(data):
                blocks = m.get("blocks")
                if blocks:
                    for u in _block_users(blocks):
                        c.t_row.append(offset + i)
                        c.t_user.append(u)
                        c.t_kind.append("mention")
        if b'"reactions"' in raw:
            for i, m in enumerate(data):
                reactions = m.get("reactions")
                if not reactions:
                    continue
                for r in reactions:
                    for u in r.get("users") or ():
                        if type(u) is str:
                            c.t_row.append(offset + i)
                            c.t_user.append(u)
                            c.t_kind.append("reaction")
        if b'"edited"' in raw:
            self.edited += sum("edited" in m for m in data)

    def flush(self) -> None:
        """Pack the Python objects gathered so far into compact arrays."""
        c = self.cols
        if not len(c):
            return
        convs = self.convs
        conv = np.asarray(c.conv, dtype=np.int32)
        prefix = [convs[k].raw_id + ":" for k in c.conv]
        raw_ids = [p + t for p, t in zip(prefix, c.ts, strict=True)]
        has_thread = np.fromiter((t is not None for t in c.thread), bool, len(c))
        raw_threads = [p + t for p, t in zip(prefix, c.thread, strict=True) if t is not None]
        ids = self.pseudo.messages(raw_ids + raw_threads)
        thread_id = np.full(len(c), None, dtype=object)
        thread_id[has_thread] = ids[len(c) :]
        is_reply = np.fromiter(
            (t is not None and t != s for t, s in zip(c.thread, c.ts, strict=True)), bool, len(c)
        )
        self.chunks.append(
            pd.DataFrame(
                {
                    "message_id": ids[: len(c)].astype(object),
                    "conv": conv,
                    "thread_id": thread_id,
                    "is_reply": is_reply,
                    "tsf": np.asarray(c.tsf, dtype=np.float64),
                    "author": pd.Categorical(c.author),
                    "subtype": pd.Categorical([s if type(s) is str else None for s in c.subtype]),
                    "has_bot_id": np.asarray(c.has_bot_id, dtype=bool),
                    "parent_user": pd.Categorical(
                        [u if type(u) is str else None for u in c.parent_user]
                    ),
                    "is_question": np.asarray(c.question, dtype=bool),
                    "text": c.text if self.store_content else None,
                }
            )
        )
        if c.t_row:
            self.targets.append(
                pd.DataFrame(
                    {
                        "row": np.asarray(c.t_row, dtype=np.int64),
                        "user": pd.Categorical(c.t_user),
                        "kind": pd.Categorical(c.t_kind, categories=["mention", "reaction"]),
                    }
                )
            )
        self.rows += len(c)
        self.cols = _Cols()


def _block_users(blocks: Any) -> list[str]:
    """User ids of the rich-text ``user`` elements in a message's blocks.

    Rich text nests them in ``elements`` arrays two or three levels down (section, list,
    quote); other block kinds carry mentions as ``<@U…>`` text. The usual shapes are
    walked with plain loops (this runs for most messages), anything else generically."""
    out: list[str] = []
    try:
        for blk in blocks:
            for sec in blk.get("elements") or ():
                for x in sec.get("elements") or ():
                    t = x.get("type")
                    if t == "user":
                        u = x.get("user_id")
                        if type(u) is str:
                            out.append(u)
                    elif t == "rich_text_section":
                        out += [
                            y["user_id"]
                            for y in x.get("elements") or ()
                            if y.get("type") == "user" and type(y.get("user_id")) is str
                        ]
        return out
    except (AttributeError, TypeError):
        pass
    out = []
    stack = list(blocks) if type(blocks) is list else [blocks]
    while stack:
        x = stack.pop()
        if type(x) is dict:
            if x.get("type") == "user" and type(x.get("user_id")) is str:
                out.append(x["user_id"])
            el = x.get("elements")
            if type(el) is list:
                stack.extend(el)
    return out


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    from pandas.api.types import union_categoricals

    if len(frames) == 1:
        return frames[0]
    out = {}
    for col in frames[0].columns:
        parts = [f[col] for f in frames]
        if isinstance(parts[0].dtype, pd.CategoricalDtype):
            # a chunk where a column is all missing has categories of another dtype (float):
            # give every part object categories so that they can be unioned
            cats = [
                p.array.set_categories(p.array.categories.astype(object))
                if p.array.categories.dtype != object
                else p.array
                for p in parts
            ]
            out[col] = union_categoricals(cats, ignore_order=True)
        else:
            out[col] = np.concatenate([p.to_numpy() for p in parts])
    return pd.DataFrame(out)


def _pseudo_cat(pseudo: Pseudonymiser, cat: pd.Categorical | pd.Series) -> np.ndarray:
    """People pseudonyms of a categorical column (hashing each category once); None stays."""
    arr = cat.array if isinstance(cat, pd.Series) else cat
    cats = np.asarray(arr.categories, dtype=object)
    names = pseudo.people(cats).astype(object) if len(cats) else np.array([], dtype=object)
    codes = arr.codes
    out = np.where(codes >= 0, names[np.maximum(codes, 0)] if len(names) else None, None)
    return out.astype(object)


# -- the reader ----------------------------------------------------------------------------------
def _trim() -> None:
    """Hand the memory of freed Python objects back to the system (glibc keeps it
    otherwise), so that the peak is the largest stage, not the sum of them."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def ingest(
    ws: Workspace, path: Path, *, progress: bool = False, dry_run: bool = False
) -> common.IngestSummary:
    """Load a Slack export (.zip or unpacked folder) in one transaction; see the module doc.

    With ``dry_run`` the export is read and the summary computed; nothing is written.
    """
    path = Path(path)
    with steps(5, enabled=progress) as bar:
        bar.step("checking the export")
        ex = _Export(path)
        try:
            options: dict[str, Any] = {}
            sha = batch.sha256_path(path)
            seen = common.already_ingested(ws, KIND, sha, options)
            if seen is not None:
                return common.IngestSummary(str(path), KIND, seen, already_ingested=True)
            summary = common.IngestSummary(str(path), KIND, None)
            rd = _Reader(ws, ex, summary)
            users, days = rd.layout()
            bar.step(f"reading {len(days):,} day files")
            for name, k in days:
                rd.day(name, k)
            rd.flush()
        finally:
            ex.close()
        bar.step("pseudonymising")
        _trim()
        out = _build(ws, rd, users)
        del rd
        _trim()
        bar.step("storing")
        return batch.write(ws, out, summary, sha, options, dry_run=dry_run)


def _build(ws: Workspace, rd: _Reader, users: list[dict[str, Any]]) -> batch.Batch:
    pseudo = rd.pseudo
    summary = rd.summary
    convs = rd.convs
    conv_ids = pseudo.channels([c.raw_id for c in convs]) if convs else np.array([], dtype=str)
    conv_kind = np.array([c.kind for c in convs] or ["public"], dtype=object)

    user_ids = {u["id"] for u in users}
    bot_users = {u["id"] for u in users if u.get("is_bot") is True} | {"USLACKBOT"}

    if rd.chunks:
        m = _concat(rd.chunks)
        t = _concat(rd.targets) if rd.targets else None
    else:
        m, t = None, None
    rd.chunks, rd.targets = [], []

    messages = inter = None
    seen_ids: set[str] = set()
    if m is not None and len(m):
        n = len(m)
        keep = m["author"].notna().to_numpy().copy()
        summary.skipped["no author (no user, bot_id or username)"] += int((~keep).sum())
        dup = m["message_id"].duplicated().to_numpy() & keep
        summary.skipped["duplicate message in the export"] += int(dup.sum())
        keep &= ~dup
        subtype = m["subtype"].astype(object).to_numpy()
        system = np.isin(subtype, list(SYSTEM_SUBTYPES))
        author_raw = m["author"].astype(object).to_numpy()
        is_bot = (
            system
            | np.isin(subtype, list(BOT_SUBTYPES))
            | m["has_bot_id"].to_numpy()
            | np.isin(author_raw, list(bot_users))
        )
        seen_ids.update(m["author"].cat.categories)
        author_id = _pseudo_cat(pseudo, m["author"].array)
        ts = pd.to_datetime(
            np.rint(m["tsf"].to_numpy() * 1e6).astype(np.int64), unit="us", utc=True
        )
        conv = m["conv"].to_numpy()
        is_reply = m["is_reply"].to_numpy()
        msgs = pd.DataFrame(
            {
                "message_id": m["message_id"].to_numpy(),
                "channel_id": pd.Categorical.from_codes(conv, pd.unique(conv_ids))
                if len(set(conv_ids)) == len(conv_ids)
                else conv_ids.astype(object)[conv],
                "thread_id": m["thread_id"].to_numpy(),
                "parent_id": np.where(is_reply, m["thread_id"].to_numpy(), None),
                "author_id": author_id,
                "ts": ts,
                "kind": pd.Categorical.from_codes(is_reply.astype(np.int8), ["post", "reply"]),
                "n_recipients": np.zeros(n, dtype=np.int32),
                "is_question": m["is_question"].to_numpy() & ~system,
                "is_bot": is_bot,
                "text": m["text"].to_numpy() if rd.store_content else None,
            }
        )
        parent_user = _pseudo_cat(pseudo, m["parent_user"].array)
        seen_ids.update(m["parent_user"].cat.categories)
        live = keep & ~system  # messages that may make interactions
        del m

        frames = []
        # replies -> the thread root's author
        rep = live & is_reply
        target = parent_user[rep]
        missing = pd.isna(target)
        if missing.any():
            roots = pd.Series(author_id[keep & ~system], index=msgs["message_id"][keep & ~system])
            roots = roots[~roots.index.duplicated()]
            pid = msgs["parent_id"].to_numpy()[rep][missing]
            found = pd.Series(pid).map(roots).to_numpy()
            absent = pd.isna(found)
            if absent.any():
                stored = common.stored_authors(ws, sorted(set(pid[absent])))
                found[absent] = pd.Series(pid[absent]).map(stored).to_numpy()
            target = target.copy()
            target[missing] = found
        ok = ~pd.isna(target)
        if (~ok).any():
            summary.warnings.append(
                f"{int((~ok).sum())} replies have no known thread root author; "
                "they make no reply interaction"
            )
        frames.append(
            pd.DataFrame(
                {
                    "message_id": msgs["message_id"].to_numpy()[rep][ok],
                    "target_id": target[ok],
                    "kind": "reply",
                }
            )
        )
        # mentions, and reactions (kept apart: the reactor is the actor)
        reactions = None
        if t is not None and len(t):
            row = t["row"].to_numpy()
            t_ok = live[row]
            t = t[t_ok]
            row = row[t_ok]
            seen_ids.update(t["user"].cat.categories)
            who = _pseudo_cat(pseudo, t["user"].array)
            is_mention = (t["kind"] == "mention").to_numpy()
            frames.append(
                pd.DataFrame(
                    {
                        "message_id": msgs["message_id"].to_numpy()[row[is_mention]],
                        "target_id": who[is_mention],
                        "kind": "mention",
                    }
                )
            )
            rr = row[~is_mention]
            reactor_raw = t["user"].astype(object).to_numpy()[~is_mention]
            reactions = pd.DataFrame(
                {
                    "ts": msgs["ts"].array[rr],
                    "actor_id": who[~is_mention],
                    "target_id": author_id[rr],
                    "kind": "reaction",
                    "message_id": msgs["message_id"].to_numpy()[rr],
                    "n_recipients": np.int32(1),
                    "is_bot": np.isin(reactor_raw, list(bot_users)) | is_bot[rr],
                    "weight": 1.0,
                }
            )
            reactions = reactions[reactions["actor_id"] != reactions["target_id"]]
        # DMs and group DMs -> every other member
        private = np.isin(conv_kind[conv], ["dm", "group_dm"]) & live
        if private.any():
            listed = [
                (k, u)
                for k, c in enumerate(convs)
                if c.kind in ("dm", "group_dm")
                for u in c.members
            ]
            writers = pd.DataFrame({"conv": conv[private], "author": author_raw[private]})
            has_list = {k for k, c in enumerate(convs) if c.members}
            writers = writers[~writers["conv"].isin(has_list) & ~is_bot[private]]
            mem = pd.concat(
                [pd.DataFrame(listed, columns=["conv", "author"]), writers.drop_duplicates()],
                ignore_index=True,
            )
            if len(mem):
                seen_ids.update(mem["author"])
                mem["target_id"] = pseudo.people(mem["author"].astype(str))
                dm = pd.DataFrame(
                    {"conv": conv[private], "message_id": msgs["message_id"].to_numpy()[private]}
                )
                dm = dm.merge(mem[["conv", "target_id"]], on="conv")
                frames.append(dm[["message_id", "target_id"]].assign(kind="dm"))
        targets = pd.concat(frames, ignore_index=True)
        messages = msgs[keep].reset_index(drop=True)
        inter = batch.interactions(messages, targets)
        if reactions is not None and len(reactions):
            inter = pd.concat([inter, reactions[batch.INTERACTION_COLUMNS]], ignore_index=True)
        bots = pseudo.people(sorted(bot_users | {u for u in seen_ids if u.startswith("B")}))
        inter["is_bot"] = inter["is_bot"].to_numpy() | inter["target_id"].isin(bots).to_numpy()
        if rd.edited:
            summary.warnings.append(
                f"{rd.edited:,} messages were edited: the export keeps their last version, "
                "counted once at the time first posted"
            )
    summary.skipped = +summary.skipped

    channels = _channels(convs, conv_ids, messages)
    people, aliases = _people(ws, users, seen_ids - user_ids, summary)
    return batch.Batch(
        people=people,
        aliases=aliases,
        channels=channels,
        messages=messages,
        interactions=inter,
        people_mode="fill",
    )


def _channels(
    convs: list[_Conv], conv_ids: np.ndarray, messages: pd.DataFrame | None
) -> pd.DataFrame:
    created = pd.to_datetime(
        pd.Series([c.created for c in convs], dtype="float64"), unit="s", utc=True
    )
    ch = pd.DataFrame(
        {
            "channel_id": conv_ids.astype(object),
            "name": [c.name if c.kind == "public" else None for c in convs],
            "kind": [c.kind for c in convs],
            "created_at": created,
        }
    )
    if messages is not None and len(messages) and ch["created_at"].isna().any():
        first = messages.groupby("channel_id")["ts"].min()
        ch["created_at"] = ch["created_at"].fillna(ch["channel_id"].map(first))
    return ch.drop_duplicates("channel_id").reset_index(drop=True)


def _people(
    ws: Workspace, users: list[dict[str, Any]], others: set[str], summary: common.IngestSummary
) -> tuple[pd.DataFrame, pd.DataFrame]:
    pseudo = ws.pseudonymiser
    domains = ws.settings.internal_domains
    identified = ws.settings.identified
    rows = []
    emails: list[tuple[str, str]] = []
    for u in users:
        prof = u.get("profile") if isinstance(u.get("profile"), dict) else {}
        email = prof.get("email") if isinstance(prof.get("email"), str) else ""
        email = email.strip()
        bot = u.get("is_bot") is True or u["id"] == "USLACKBOT"
        guest = u.get("is_restricted") is True or u.get("is_ultra_restricted") is True
        stranger = u.get("is_stranger") is True
        internal = not (bot or guest or stranger)
        if internal and domains and "@" in email:
            internal = email.rsplit("@", 1)[1].lower() in domains
        attrs = {"slack_team_id": u.get("team_id"), "deleted": u.get("deleted") is True}
        if bot:
            attrs["is_bot"] = True
        if guest:
            attrs["guest"] = "single-channel" if u.get("is_ultra_restricted") else "multi-channel"
        if stranger:
            attrs["stranger"] = True
        name = None
        if identified:
            for cand in (u.get("real_name"), prof.get("real_name"), u.get("name")):
                if isinstance(cand, str) and cand.strip():
                    name = cand.strip()
                    break
        title = prof.get("title") if isinstance(prof.get("title"), str) else ""
        rows.append(
            (
                email or u["id"],
                name,
                internal,
                title.strip() or None,
                json.dumps({k: v for k, v in attrs.items() if v is not None}, sort_keys=True),
            )
        )
        if email:
            emails.append((u["id"], email))
    unknown = sorted(o for o in others if not o.startswith("B"))
    bots = sorted(o for o in others if o.startswith("B"))
    if unknown:
        summary.warnings.append(
            f"{len(unknown)} user ids appear in messages but not in users.json; "
            "kept as external people (attrs.unknown)"
        )
    rows += [(o, None, False, None, '{"unknown": true}') for o in unknown]
    rows += [(o, None, False, None, '{"is_bot": true}') for o in bots]
    if not rows:
        return pd.DataFrame(columns=batch.PEOPLE_COLUMNS), pd.DataFrame(
            columns=["alias_id", "person_id"]
        )
    raw, name, internal, title, attrs = zip(*rows, strict=True)
    people = pd.DataFrame(
        {
            "person_id": pseudo.people(list(raw)).astype(object),
            "display_name": list(name),
            "is_internal": list(internal),
            "title": list(title),
            "attrs": list(attrs),
        }
    ).drop_duplicates("person_id")
    aliases = pd.DataFrame(
        {
            "alias_id": pseudo.people([e[0] for e in emails]).astype(object),
            "person_id": pseudo.people([e[1] for e in emails]).astype(object),
        }
    )
    return people, aliases
