"""Reading the day files of a Slack export: the conversation of each day file, and the
messages, mentions and reactions of each, packed chunk by chunk into compact arrays (see
:mod:`groundswell.ingest.slack`)."""

from __future__ import annotations

import collections
import contextlib
import itertools
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import orjson
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import common
from groundswell.ingest.slack.archive import (
    DAY_FILE,
    EXPECTED_LAYOUT,
    LISTS,
    USERS_FILES,
    _Conv,
    _DayFiles,
    _Export,
    _Listing,
    _parent,
    _records,
    _seconds,
    _Where,
)

if TYPE_CHECKING:
    from groundswell.privacy import Pseudonymiser
    from groundswell.store import Store

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHUNK = 100_000  # messages held as Python objects before they are packed into arrays
BATCH = 20_000  # messages of parsed day files gathered at once
RUN = 256  # day files read together (see _Export.read_many)
_NONE = msgspec.Raw(b"")
_NO_THREAD = np.array(None, dtype=object)


class _Msg(msgspec.Struct, gc=False):
    """The fields of a message the reader uses, typed as Slack writes them; everything else
    is skipped while parsing (``user_profile``, ``files``, ...), and the rarely needed
    nested fields stay raw JSON until asked for. A day file that does not fit these types
    is read again as plain JSON by the general path, which accepts or names every oddity."""

    ts: str
    user: str | None = None
    thread_ts: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    text: str | None = None
    parent_user_id: str | None = None
    blocks: msgspec.Raw = _NONE
    reactions: msgspec.Raw = _NONE
    edited: msgspec.Raw = _NONE
    comment: msgspec.Raw = _NONE
    username: msgspec.Raw = _NONE


_DECODE = msgspec.json.Decoder(list[_Msg]).decode


class _Listed(msgspec.Struct, gc=False):
    """The fields of a conversation list's record the layout reads, as JSON gives them
    (anything; absent: None, as ``dict.get`` gives it); the others are skipped while
    parsing (a group DM's purpose and topic: decoding every field of the synthetic 5,000-
    person export's 25 MB ``mpims.json`` into dicts took 0.46 s, these four 0.06 s)."""

    id: Any = None
    name: Any = None
    created: Any = None
    members: Any = None


_DECODE_LIST = msgspec.json.Decoder(list[_Listed]).decode


def _list_fields(raw: bytes) -> tuple[list[Any], list[Any], list[Any], list[Any]] | None:
    """A conversation list's ids, names, creation times and members, record by record, or
    None when the file is anything but valid UTF-8 JSON, an array of objects each with a
    non-empty string id: then the file is read as plain JSON, which names the problem. A
    number past a double's range in a field not read is not looked at (as in the day files);
    read as plain JSON, orjson refused the file for it."""
    try:
        raw.decode("utf-8")  # (the skipped fields' text is not checked while parsing)
        records = _DECODE_LIST(raw)
    except (UnicodeDecodeError, msgspec.MsgspecError, RecursionError, ValueError):
        return None
    ids = [r.id for r in records]
    if not all(type(i) is str and i for i in ids):
        return None
    return (
        ids,
        [r.name for r in records],
        [r.created for r in records],
        [r.members for r in records],
    )


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


def _all_seconds(values: list[Any]) -> list[float | None]:
    """:func:`_seconds` of each value: for integers all at once."""
    if set(map(type, values)) == {int}:
        with contextlib.suppress(OverflowError):  # (an integer past int64: one at a time)
            seconds = np.array(values, dtype=np.int64).astype(np.float64)
            out: list[float | None] = seconds.tolist()
            for i in np.flatnonzero(~((seconds > 0) & (seconds < 1e11))).tolist():
                out[i] = None
            return out
    return [_seconds(v) for v in values]


def _members(members: Any) -> list[str]:
    """A conversation's members: the strings of a list, else none."""
    if not isinstance(members, list):
        return []
    if set(map(type, members)) != {str}:  # (each member's type tested in C)
        return [m for m in members if isinstance(m, str)]
    return members


def _places(folders: list[str], ids: list[str], first: int) -> tuple[list[str], list[int]]:
    """The names a list's conversations are found by, in order (each one's folder, then
    its id when that differs), and the place of each (the conversations from ``first``)."""
    places = range(first, first + len(ids))
    differ = list(map(operator.ne, folders, ids))
    if not any(differ):
        return folders, list(places)
    if all(differ):
        both = [x for pair in zip(folders, ids, strict=True) for x in pair]
        return both, [k for k in places for _ in "ab"]
    keys: list[str] = []
    at: list[int] = []
    for f, rid, k, other in zip(folders, ids, places, differ, strict=True):
        keys.append(f)
        at.append(k)
        if other:
            keys.append(rid)
            at.append(k)
    return keys, at


class _Reader:
    def __init__(self, ws: Store, ex: _Export, summary: common.IngestSummary) -> None:
        self.ws = ws
        self.ex = ex
        self.summary = summary
        self.pseudo: Pseudonymiser = ws.pseudonymiser
        self.store_content = ws.store_content
        self.convs: list[_Conv] = []
        # packed chunks of messages, and of their mentions and reactions (see flush)
        self.chunks: list[dict[str, Any]] = []
        self.targets: list[dict[str, Any]] = []
        self.cols = _Cols()
        self.rows = 0  # messages packed so far
        self.edited = 0
        self.bot_user_of: dict[str, str] = {}
        self.bounds = common.date_bounds(ws.settings)
        self.lo, self.hi = self.bounds.seconds
        self._heads: tuple[str, np.ndarray] | None = None  # see heads()

    def fresh(self) -> _Reader:
        """A reader of the same export, conversations and settings with nothing read yet
        (a worker's, see :mod:`groundswell.ingest.slack.workers`)."""
        rd = object.__new__(_Reader)
        rd.__dict__.update(self.__dict__)
        rd.summary = common.IngestSummary(self.summary.path, self.summary.kind, None)
        rd.chunks, rd.targets, rd.cols = [], [], _Cols()
        rd.rows = rd.edited = 0
        return rd

    def append(
        self,
        chunks: list[dict[str, Any]],
        targets: list[dict[str, Any]],
        rows_read: int,
        edited: int,
    ) -> None:
        """Append packed chunks read by a fresh reader (their mentions' and reactions' rows
        counted from its first message) after everything read so far."""
        self.flush()
        for t in targets:
            t["row"] = t["row"] + self.rows
            self.targets.append(t)
        for m in chunks:
            self.chunks.append(m)
            self.rows += len(m["message_id"])
        self.summary.rows_read += rows_read
        self.edited += edited

    def heads(self) -> tuple[str, np.ndarray]:
        """The conversations' ids end to end, and where each ends: made once, and read by
        the forked workers without touching the conversations themselves (see flush)."""
        if self._heads is None or len(self._heads[1]) != len(self.convs):
            raw = [cv.raw_id for cv in self.convs]
            ends = np.cumsum(np.fromiter(map(len, raw), dtype=np.int64, count=len(raw)))
            self._heads = "".join(raw), ends
        return self._heads

    # -- metadata -------------------------------------------------------------------------------
    def layout(self) -> tuple[list[dict[str, Any]], Sequence[tuple[str, int]]]:
        """Users, and the day files with the conversation each belongs to (a list, or for a
        zip whose names read as arrays the same pairs as :class:`_DayFiles`)."""
        listing = self.ex.listing
        if listing is None:
            names = self.ex.names
            parts = [n.rpartition("/") for n in names]  # (folder, "/" or "", file name)
            users_files = [n for n, p in zip(names, parts, strict=True) if p[2] in USERS_FILES]
            list_files = [n for n, p in zip(names, parts, strict=True) if p[2] in LISTS]
        else:
            at_users, at_lists = (
                np.sort(np.concatenate([listing.named(b) for b in bases]))
                for bases in (USERS_FILES, LISTS)
            )
            users_files = [listing.name(i) for i in at_users.tolist()]
            list_files = [listing.name(i) for i in at_lists.tolist()]
            # read by their rows: the directory's name index is not made for them
            self.ex.expect(users_files + list_files, listing.rows[np.append(at_users, at_lists)])
        if not users_files or not list_files:
            names = self.ex.names
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
        lo, hi = self.lo, self.hi
        for n in list_files:
            base = n.rsplit("/", 1)[-1]
            kind = LISTS[base]
            root = _parent(n)
            raw = self.ex.read(n)
            fields = _list_fields(raw)
            if fields is None:  # read as plain JSON, which accepts it or names what is wrong
                records = _records(self.ex, n, self.ex.json(n, raw))
                fields = (
                    [rec["id"] for rec in records],
                    [rec.get("name") for rec in records],
                    [rec.get("created") for rec in records],
                    [rec.get("members") for rec in records],
                )
                del records
            # the records' fields a column at a time (97,028 records in the synthetic
            # 5,000-person export), each as the record by record reading took it
            ids, titles, when_raw, members_raw = fields
            del fields, raw
            own = by_root.setdefault(root, {}) if ids else {}
            convs = self.convs
            titles = [name if isinstance(name, str) else None for name in titles]
            created = _all_seconds(when_raw)
            for i, when in enumerate(created):
                if when is not None and not lo <= when <= hi:
                    where = common.Record(self.ex.where(n), f"{base}[{i}].created")
                    raise common.date_error(self.bounds, where, when, when_raw[i])
            members = [_members(m) for m in members_raw]
            del when_raw, members_raw
            first = len(convs)
            convs.extend(map(_Conv, ids, titles, itertools.repeat(kind), created, members))
            folder = ids if kind == "dm" else [t or rid for rid, t in zip(ids, titles, strict=True)]
            # each folder, then the id when it differs, at the conversation's place: the
            # first of a name wins (setdefault, in order)
            keys, places = _places(folder, ids, first)
            for named in (own, anywhere):
                collections.deque(map(named.setdefault, keys, places), maxlen=0)
        roots = set(by_root) | {_parent(n) for n in users_files}
        folders: dict[str, int] = {}  # conversation of each folder of day files (-1: none)
        days: Sequence[tuple[str, int]]
        if listing is not None:
            days = self._listed_days(listing, folders, by_root, anywhere, roots)
        else:
            days = []
            match = DAY_FILE.match
            for n, (folder_path, slash, base) in zip(names, parts, strict=True):
                if not slash or not match(base):
                    continue
                k = folders.get(folder_path)
                if k is None:
                    k = folders[folder_path] = self._folder(folder_path, by_root, anywhere, roots)
                if k >= 0:
                    days.append((n, k))
        unlisted = [f for f, k in folders.items() if k >= 0 and not self.convs[k].listed]
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

    def _listed_days(
        self,
        listing: _Listing,
        folders: dict[str, int],
        by_root: dict[str, dict[str, int]],
        anywhere: dict[str, int],
        roots: set[str],
    ) -> _DayFiles:
        """The day files of a listing with their conversations, as :meth:`layout` finds them
        name by name: each folder's conversation found once, where a run of the listing's
        day files in one folder begins (``folders`` filled as :meth:`layout` fills it)."""
        days = listing.days
        first = np.flatnonzero(listing.new_folder)
        paths = listing.folders(days[first])
        # a folder at the top named in the top's own lists: its conversation, no more to
        # decide (what _folder finds for it too); any other through _folder, once each
        own = by_root.get("", {})
        convs = list(map(own.get, paths))
        for j, folder_path in enumerate(paths):
            listed = convs[j]
            if listed is not None and "/" not in folder_path:
                folders.setdefault(folder_path, listed)
                continue
            k = folders.get(folder_path)
            if k is None:
                k = folders[folder_path] = self._folder(folder_path, by_root, anywhere, roots)
            convs[j] = k
        conv = np.repeat(np.asarray(convs, dtype=np.int64), np.diff(np.append(first, len(days))))
        kept = conv >= 0
        at, conv = days[kept], conv[kept]
        starts, ends = listing.spans(at)
        return _DayFiles(listing.text, starts, ends, conv, listing.rows[at])

    def _folder(
        self,
        folder_path: str,
        by_root: dict[str, dict[str, int]],
        anywhere: dict[str, int],
        roots: set[str],
    ) -> int:
        """The conversation the day files of a folder belong to (a new, unlisted one with a
        kind guessed from the name if need be), or -1 for a folder of no conversation."""
        folder = folder_path.rsplit("/", 1)[-1]
        root = _parent(folder_path)
        k = by_root.get(root, {}).get(folder, anywhere.get(folder))
        if k is None and root not in roots:
            return -1  # not a conversation folder of this export (e.g. attachments)
        if k is None:
            k = len(self.convs)
            guess = (
                "dm"
                if re.fullmatch(r"D[A-Z0-9]{6,}", folder)
                else "group_dm"
                if folder.startswith("mpdm-")
                else "public"
            )
            self.convs.append(_Conv(folder, folder, guess, None, [], listed=False))
        return k

    # -- day files ------------------------------------------------------------------------------
    def days(self, files: Iterable[tuple[str, int]]) -> None:
        """Read day files (name, conversation) in order. They are read from the export
        :data:`RUN` at a time (see :meth:`~groundswell.ingest.slack.archive._Export.read_many`);
        files that parse into :class:`_Msg` are gathered a batch at a time, so the
        per-message work runs over lists of thousands of messages, not over one day file's
        two or three."""
        batch: list[tuple[list[_Msg], bytes, int, str]] = []
        size = 0
        ex = self.ex
        it = iter(files)
        # a zip's day files as arrays carry their directory rows (no name looked up)
        at = files.rows if isinstance(files, _DayFiles) else None
        done = 0
        while run := list(itertools.islice(it, RUN)):
            rows = None if at is None else at[done : done + len(run)]
            done += len(run)
            raws = ex.read_many([name for name, _ in run], rows)
            for (name, k), one in zip(run, raws, strict=True):
                raw = ex.read(name) if one is None else one
                try:
                    msgs: list[_Msg] | None = _DECODE(raw)
                except (msgspec.MsgspecError, ValueError, RecursionError):
                    # not the usual shape (or nested deeper than msgspec goes): the general
                    # path decides, and names what is wrong
                    msgs = None
                if msgs is None:
                    self._gather(batch)
                    batch, size = [], 0
                    self._day_general(name, _Where(ex, name), raw, k)
                    continue
                batch.append((msgs, raw, k, name))
                size += len(msgs)
                if size >= BATCH:
                    self._gather(batch)
                    batch, size = [], 0
        self._gather(batch)

    def day(self, name: str, k: int) -> None:
        """Read one day file of conversation ``k``."""
        self.days([(name, k)])

    def _gather(self, batch: list[tuple[list[_Msg], bytes, int, str]]) -> None:
        """Gather a batch of parsed day files; a file the batch cannot take (see
        :meth:`_extract_fast`) is read on its own, by the general path if need be, and
        every file keeps its place in the order."""
        if not batch:
            return
        if len(batch) == 1 or not self._extract_fast(batch):
            for one in batch:
                if not self._extract_fast([one]):
                    _, raw, k, name = one
                    self._day_general(name, _Where(self.ex, name), raw, k)
                    continue
                self.summary.rows_read += len(one[0])
        else:
            self.summary.rows_read += sum(len(g[0]) for g in batch)
        if len(self.cols) >= CHUNK:
            self.flush()

    def _day_general(self, name: str, where: str, raw: bytes, k: int) -> None:
        """Any day file, as plain JSON: names the file and record of any bad input."""
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

    def _extract_fast(self, groups: list[tuple[list[_Msg], bytes, int, str]]) -> bool:
        """Day files parsed into :class:`_Msg` (messages, raw bytes, conversation, name),
        gathered exactly as :meth:`_extract` would gather each; False (nothing gathered)
        when something needs a closer look: a timestamp that is not a number in the
        accepted dates, or a nested field that does not read as expected."""
        msgs = groups[0][0] if len(groups) == 1 else [m for g in groups for m in g[0]]
        ts = [m.ts for m in msgs]
        try:
            tsf = list(map(float, ts))
        except ValueError:
            return False
        if not _within(tsf, self.lo, self.hi):
            return False
        user = [m.user for m in msgs]
        bot = [m.bot_id for m in msgs]
        text = [m.text for m in msgs]
        t_row: list[int] = []
        t_user: list[str] = []
        t_kind: list[str] = []
        parent: list[str | None] = []
        edited = 0
        try:
            if None in user:
                for i, m in enumerate(msgs):
                    if user[i] is None:
                        c = _json(m.comment)
                        u = c.get("user") if isinstance(c, dict) else None
                        if type(u) is not str:
                            u = bot[i] if bot[i] is not None else _json(m.username)
                        user[i] = u if type(u) is str and u else None
            # the byte tests gate each file's work as in _extract: the messages that would
            # do something are found over the whole batch at once, then kept when their
            # file passes the test (a search that stops at the first hit); the mentions and
            # reactions are put back in the order of reading file by file (a file's text
            # mentions, then its block mentions, then its reactions). Text mentions are
            # found in the decoded text alone: a writer may escape "<" in its JSON
            # ("\u003c@U1\u003e": Go's encoder, so slackdump's exports), so the file's
            # bytes need not hold "<@"
            ends = list(itertools.accumulate(len(g[0]) for g in groups))
            sections: list[int] = []  # 0 text mention, 1 block mention, 2 reaction
            hits = [i for i, t in enumerate(text) if t and "<@" in t]
            for i in hits:
                found = MENTION.findall(text[i] or "")
                t_row += [i] * len(found)
                t_user += found
            sections += [0] * len(t_row)
            raw = [m.blocks for m in msgs]
            hits = _holding(raw, b'"user_id"')
            for i in _gated(groups, ends, hits, b'"user_id"'):
                blocks = orjson.loads(bytes(raw[i]))
                if blocks:
                    found = _block_users(blocks)
                    t_row += [i] * len(found)
                    t_user += found
            sections += [1] * (len(t_row) - len(sections))
            n_mentions = len(t_row)
            raw = [m.reactions for m in msgs]
            hits = [i for i, r in enumerate(raw) if r]
            for i in _gated(groups, ends, hits, b'"reactions"'):
                reactions = _json(raw[i])
                if not reactions:
                    continue
                users = _reaction_users(reactions)
                if users is None:
                    return False  # a closer look names the problem
                t_row += [i] * len(users)
                t_user += users
            del raw
            sections += [2] * (len(t_row) - len(sections))
            t_kind = ["mention"] * n_mentions + ["reaction"] * (len(t_row) - n_mentions)
            if t_row and len(groups) > 1:
                t_row, t_user, t_kind = _file_order(ends, t_row, t_user, t_kind, sections)
            offset = self.rows + len(self.cols)
            t_row = [offset + i for i in t_row]
            parent = [m.parent_user_id for m in msgs]
            hits = [i for i, u in enumerate(parent) if u is not None]
            kept = _gated(groups, ends, hits, b"parent_user_id")
            if len(kept) < len(hits):
                parent = [None] * len(msgs)
                for i in kept:
                    parent[i] = msgs[i].parent_user_id
            hits = [i for i, m in enumerate(msgs) if m.edited]
            edited = len(_gated(groups, ends, hits, b'"edited"'))
        except (orjson.JSONDecodeError, TypeError, AttributeError, KeyError, ValueError):
            return False  # nothing gathered yet: a closer look names the problem
        if self.bot_user_of:
            user = [
                self.bot_user_of.get(b, u) if b and u == b else u
                for u, b in zip(user, bot, strict=True)
            ]
        c = self.cols
        for g, _, k, _ in groups:
            c.conv += [k] * len(g)
        c.ts += ts
        c.tsf += tsf
        c.thread += [m.thread_ts for m in msgs]
        c.author += user
        c.subtype += [m.subtype for m in msgs]
        c.has_bot_id += [b is not None for b in bot]
        c.parent_user += parent
        c.question += [t is not None and "?" in t for t in text]
        if self.store_content:
            c.text += text
        c.t_row += t_row
        c.t_user += t_user
        c.t_kind += t_kind
        self.edited += edited
        return True

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
            ok = bool(tsf) and _within(tsf, self.lo, self.hi)
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
            common.check_dates(
                np.asarray(tsf, dtype="float64"),
                self.bounds,
                lambda i: common.Record(where, f"{name}[{i}].ts"),
                found=ts,
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
        for i, t in enumerate(text):  # the decoded text: "<" may be escaped in the bytes
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
                users = _reaction_users(reactions)
                if users is None:
                    raise InputError(
                        where,
                        f"{name}[{i}].reactions is not a list of reactions",
                        expected='a list such as [{"name": "+1", "users": ["U0BMQB6JE"]}]',
                        found=reactions,
                    )
                c.t_row += [offset + i] * len(users)
                c.t_user += users
                c.t_kind += ["reaction"] * len(users)
        if b'"edited"' in raw:
            self.edited += sum("edited" in m for m in data)

    def flush(self) -> None:
        """Pack the Python objects gathered so far into compact arrays."""
        c = self.cols
        if not len(c):
            return
        conv = np.asarray(c.conv, dtype=np.int32)
        thread = np.asarray(c.thread, dtype=object)
        has_thread = np.not_equal(thread, _NO_THREAD)
        is_reply = has_thread & np.not_equal(thread, np.asarray(c.ts, dtype=object))
        # the ids of messages and threads: "<conversation id>:<ts>", pseudonymised together
        # (as fixed-width bytes, 18 a pseudonym, and b"" for no thread: cheap to hold and to
        # hand between processes, and no Python string per id until the frames are built)
        # (the heads of the conversations of this chunk alone, made from heads(): a worker
        # that touched every conversation object at each flush copied their pages)
        used, head_of = np.unique(np.concatenate([conv, conv[has_thread]]), return_inverse=True)
        text, ends = self.heads()
        stops = ends[used].tolist()
        starts = np.where(used > 0, ends[used - 1], 0).tolist()
        ids = self.pseudo.message_pairs(
            [text[a:b] + ":" for a, b in zip(starts, stops, strict=True)],
            head_of,
            c.ts + thread[has_thread].tolist(),
            as_bytes=True,
        )
        del thread
        thread_id = np.zeros(len(c), dtype=ids.dtype)
        thread_id[has_thread] = ids[len(c) :]
        self.chunks.append(
            {
                "message_id": ids[: len(c)].copy(),
                "conv": conv,
                "thread_id": thread_id,
                "is_reply": is_reply,
                "tsf": np.asarray(c.tsf, dtype=np.float64),
                "author": _categorical(c.author),
                "subtype": _categorical([s if type(s) is str else None for s in c.subtype]),
                "has_bot_id": np.asarray(c.has_bot_id, dtype=bool),
                "parent_user": _categorical([u if type(u) is str else None for u in c.parent_user]),
                "is_question": np.asarray(c.question, dtype=bool),
                "text": np.asarray(c.text, dtype=object) if self.store_content else None,
            }
        )
        if c.t_row:
            self.targets.append(
                {
                    "row": np.asarray(c.t_row, dtype=np.int64),
                    "user": _categorical(c.t_user),
                    "kind": pd.Categorical(
                        np.asarray(c.t_kind, dtype=object), categories=["mention", "reaction"]
                    ),
                }
            )
        self.rows += len(c)
        self.cols = _Cols()


def _gated(
    groups: list[tuple[list[_Msg], bytes, int, str]],
    ends: list[int],
    hits: list[int],
    needle: bytes,
) -> list[int]:
    """The messages of ``hits`` (positions in the batch, in order) whose file's bytes hold
    ``needle``; ``ends`` are the files' ends in the batch."""
    out: list[int] = []
    f, seen, ok = 0, -1, False
    for i in hits:
        while i >= ends[f]:
            f += 1
        if f != seen:
            seen, ok = f, needle in groups[f][1]
        if ok:
            out.append(i)
    return out


def _holding(raws: list[msgspec.Raw], needle: bytes) -> list[int]:
    """The positions of the raw JSON fields that hold ``needle`` (a needle of no NUL byte),
    in order: the fields joined by NUL bytes are searched at once, and each hit is placed
    by the fields' ends (a copy of each field to test it alone cost about 1 µs a message)."""
    blob = b"\x00".join(raws)
    at = [m.start() for m in re.finditer(re.escape(needle), blob)]
    if not at:
        return []
    ends = np.cumsum(np.fromiter(map(len, raws), dtype=np.int64, count=len(raws)) + 1)
    return np.unique(np.searchsorted(ends, at, side="right")).tolist()


def _file_order(
    ends: list[int],
    rows: list[int],
    users: list[str],
    kinds: list[str],
    sections: list[int],
) -> tuple[list[int], list[str], list[str]]:
    """Mentions and reactions gathered section by section over a batch (``rows``: message
    positions in the batch; ``ends``: the files' ends) in the order of reading the files one
    by one: by file, then by section, each in its order."""
    file = np.searchsorted(np.asarray(ends), np.asarray(rows, dtype=np.int64), side="right")
    order = np.argsort(file * 3 + np.asarray(sections, dtype=np.int64), kind="stable")
    take = order.tolist()
    return [rows[j] for j in take], [users[j] for j in take], [kinds[j] for j in take]


def _categorical(values: Sequence[str | None]) -> pd.Categorical:
    """A categorical of text values (None missing) with plain object categories in the
    order they first appear (pandas' own constructor would infer Arrow-backed text for them
    and sort them, at two to three times the cost; the reader reads categories as a set)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return pd.Categorical.from_codes(codes, pd.Index(uniques, dtype=object))


def _within(tsf: list[float], lo: float, hi: float) -> bool:
    """Whether every timestamp lies between ``lo`` and ``hi`` (not NaN, which compares
    false, nor infinite): the least and greatest alone would miss a NaN among them."""
    arr = np.asarray(tsf, dtype=np.float64)
    return bool(((arr >= lo) & (arr <= hi)).all())


def _reaction_users(reactions: Any) -> list[str] | None:
    """The ids of the people who reacted, one per reaction, from a message's ``reactions``
    (a list of objects whose ``users``, when present, is a list of user ids; an entry that
    is not text is passed over); None when it has another shape (text where the list
    belongs would otherwise be read letter by letter, each letter a person)."""
    if type(reactions) is not list:
        return None
    out: list[str] = []
    for r in reactions:
        if type(r) is not dict:
            return None
        users = r.get("users")
        if users is None:
            continue
        if type(users) is not list:
            return None
        out += [u for u in users if type(u) is str]  # an odd entry is passed over, as before
    return out


def _json(value: msgspec.Raw) -> Any:
    """A raw JSON field as Python (None when absent)."""
    return orjson.loads(memoryview(value)) if value else None


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
