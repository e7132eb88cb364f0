"""The canonical frames of a Slack export once read: messages, interactions (replies,
mentions, reactions, DMs), channels and people (see :mod:`groundswell.ingest.slack`)."""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.ingest import batch, common

if TYPE_CHECKING:
    from collections.abc import Callable

    from groundswell.ingest.slack.archive import _Conv
    from groundswell.ingest.slack.messages import _Reader
    from groundswell.privacy import Pseudonymiser
    from groundswell.store import Store

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


def _build(ws: Store, rd: _Reader, users: list[dict[str, Any]]) -> batch.Batch:
    pseudo = rd.pseudo
    summary = rd.summary
    convs = rd.convs
    conv_ids = pseudo.channels([c.raw_id for c in convs]) if convs else np.array([], dtype=str)
    conv_kind = np.array([c.kind for c in convs] or ["public"], dtype=object)

    user_ids = {u["id"] for u in users}
    bot_users = {u["id"] for u in users if u.get("is_bot") is True} | {"USLACKBOT"}

    if rd.chunks:
        # which message ids repeat an earlier one, on the chunks' bytes (before they are text)
        again_id = _repeated([c["message_id"] for c in rd.chunks])
        m = _concat(rd.chunks)
        t = _concat(rd.targets) if rd.targets else None
    else:
        m, t = None, None
    rd.chunks, rd.targets = [], []
    _give_back()

    messages = inter = None
    seen_ids: set[str] = set()
    # frames with one row per key by construction (batch.Batch.unique): messages, a
    # duplicate id dropped below; interactions, one row per (message row, person, kind)
    # from _interactions (each row a distinct message) and reactions of another kind,
    # unless someone reacted to a message twice
    unique: set[str] = set()
    firsts: dict[str, np.ndarray] = {}  # the first row of each key, of a frame not unique
    if m is not None and len(m):
        n = len(m)
        keep = m["author"].notna().to_numpy().copy()
        summary.skipped["no author (no user, bot_id or username)"] += int((~keep).sum())
        mid = m["message_id"].to_numpy()  # the columns as arrays: no pandas text inferred
        dup = again_id & keep
        del again_id
        summary.skipped["duplicate message in the export"] += int(dup.sum())
        keep &= ~dup
        system = _cat_isin(m["subtype"], SYSTEM_SUBTYPES)
        author_raw = m["author"].astype(object).to_numpy()
        is_bot = (
            system
            | _cat_isin(m["subtype"], BOT_SUBTYPES)
            | m["has_bot_id"].to_numpy()
            | _cat_isin(m["author"], bot_users)
        )
        seen_ids.update(m["author"].cat.categories)
        author_id = _pseudo_cat(pseudo, m["author"].array)
        ts = pd.to_datetime(
            np.rint(m["tsf"].to_numpy() * 1e6).astype(np.int64), unit="us", utc=True
        )
        conv = m["conv"].to_numpy()
        is_reply = m["is_reply"].to_numpy()
        thread_id = m["thread_id"].to_numpy()
        parent_id = common.or_none(is_reply, thread_id)
        msgs = pd.DataFrame(
            {
                "message_id": _obj(mid),
                "channel_id": pd.Categorical.from_codes(conv, pd.unique(conv_ids))
                if len(set(conv_ids)) == len(conv_ids)
                else _obj(conv_ids.astype(object)[conv]),
                "thread_id": _obj(thread_id),
                "parent_id": _obj(parent_id),
                "author_id": _obj(author_id),
                "ts": ts,
                "kind": pd.Categorical.from_codes(is_reply.astype(np.int8), ["post", "reply"]),
                "n_recipients": np.zeros(n, dtype=np.int32),
                "is_question": m["is_question"].to_numpy() & ~system,
                "is_bot": is_bot,
            },
            copy=False,  # the arrays as they are (pandas copies a dict's)
        )
        # the text, the last column, is added once the interactions are formed
        text = m["text"].to_numpy() if rd.store_content else None
        parent_user = _pseudo_cat(pseudo, m["parent_user"].array)
        seen_ids.update(m["parent_user"].cat.categories)
        live = keep & ~system  # messages that may make interactions
        del m
        _give_back()

        # the targets of each message, by row: (row, person, kind), in the order of
        # batch.interactions' input (replies, mentions, DMs)
        rows: list[np.ndarray] = []
        whom: list[np.ndarray] = []
        kinds: list[np.ndarray] = []
        # replies -> the thread root's author
        rep = live & is_reply
        target = parent_user[rep]
        missing = pd.isna(target)
        if missing.any():
            roots = pd.Series(author_id[live], index=mid[live])
            roots = roots[~roots.index.duplicated()]
            pid = parent_id[rep][missing]
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
        rows.append(np.flatnonzero(rep)[ok])
        whom.append(target[ok])
        kinds.append(np.full(int(ok.sum()), _REPLY, dtype=np.int8))
        del parent_user, target, rep, ok  # (what is no longer needed goes as it goes)
        # mentions, and reactions (kept apart: the reactor is the actor)
        reactions = None
        reactions_unique = True
        again = None  # the reactions' rows that repeat an earlier one (see below)
        if t is not None and len(t):
            row = t["row"].to_numpy()
            t_ok = live[row]
            t = t[t_ok]
            row = row[t_ok]
            seen_ids.update(t["user"].cat.categories)
            who = _pseudo_cat(pseudo, t["user"].array)
            is_mention = (t["kind"] == "mention").to_numpy()
            rows.append(row[is_mention])
            whom.append(who[is_mention])
            kinds.append(np.full(int(is_mention.sum()), _MENTION, dtype=np.int8))
            rr = row[~is_mention]
            actor, target = who[~is_mention], author_id[rr]
            # a person who reacts to a message with two emoji is listed twice: the rows
            # are one per key unless someone did; then the later rows, each a copy of the
            # first in every column (the same message, people, time and flags), are marked
            # for the store to skip (batch.Batch.firsts). The key is the reactor's
            # pseudonym, as the store's is (two users of one pseudonym are one key there).
            codes = pd.factorize(actor)[0].astype(np.int64)
            again = (
                pd.Series(rr.astype(np.int64) * (len(codes) + 1) + codes + 1, copy=False)
                .duplicated()
                .to_numpy()
            )
            reactor_raw = t["user"].astype(object).to_numpy()[~is_mention]
            acts = np.not_equal(actor, target)  # no reaction to one's own message
            bot = (np.isin(reactor_raw, list(bot_users)) | is_bot[rr])[acts]
            reactions_unique = not again.any()
            rr, n_r, again = rr[acts], int(acts.sum()), again[acts]
            # the columns of the reactions' rows, appended to the other interactions'
            reactions = {
                "ts": msgs["ts"].array[rr],
                "actor_id": actor[acts],
                "target_id": target[acts],
                "kind": _repeat("reaction", n_r),
                "message_id": mid[rr],
                "n_recipients": np.ones(n_r, dtype=np.int32),
                "is_bot": bot,
                "weight": np.ones(n_r),
            }
            del t, who, actor, target, acts, bot, reactor_raw, row, rr, codes, t_ok, is_mention
        # DMs and group DMs -> every other member
        # (each conversation's kind tested once, not each message's)
        private = np.isin(conv_kind, ["dm", "group_dm"])[conv] & live
        if private.any():
            mem_conv, mem_author = _dm_members(convs, conv, author_raw, private & ~is_bot)
            if len(mem_conv):
                seen_ids.update(mem_author.tolist())
                # one string per distinct member, shared by its rows (a string per row was
                # about 12 MB on the synthetic export)
                codes, distinct = pd.factorize(mem_author)
                member = pseudo.people(distinct).astype(object)[codes]
                del codes, distinct
                r, j = _members(np.flatnonzero(private), conv, mem_conv)
                rows.append(r)
                whom.append(member[j])
                kinds.append(np.full(len(r), _DM, dtype=np.int8))
                del member, r, j
            del mem_conv, mem_author
        del author_raw, private, conv, live, system, dup
        _give_back()
        inter, n_rec = _interactions(rows, whom, kinds, author_id, msgs, mid, is_bot, reactions)
        del reactions
        msgs["n_recipients"] = n_rec
        keep_rows = np.flatnonzero(keep)
        # every row kept (the usual case): the frame itself, not a copy of every column
        messages = msgs if len(keep_rows) == n else msgs.take(keep_rows).reset_index(drop=True)
        del msgs
        _give_back()
        if text is not None and len(keep_rows) != n:
            text = text[keep_rows]
        messages["text"] = _obj(text) if text is not None else None
        del text
        unique.add("messages")
        if reactions_unique:
            unique.add("interactions")
        elif again is not None:  # the rows before the reactions' are one per key
            firsts["interactions"] = np.concatenate(
                [np.ones(len(inter) - len(again), dtype=bool), ~again]
            )
        bots = pseudo.people(sorted(bot_users | {u for u in seen_ids if u.startswith("B")}))
        # (a hash table of the bots: np.isin sorted a copy of every target with them)
        inter["is_bot"] = inter["is_bot"].to_numpy() | (
            inter["target_id"].isin(bots.astype(object)).to_numpy()
        )
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
        unique=frozenset(unique),
        firsts=firsts,
    )


def _give_back() -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``): the arrays
    just freed (the reader's packed chunks, the concatenated columns) lie below the mmap
    threshold, in the heap, where neither the Python strings made next (pymalloc's own
    arenas) nor the large arrays (mmapped) reuse them, so they would count in the peak until
    the end of the build (about 300 MB of the 1.55M-message synthetic export). No garbage
    collection: the arrays are freed by their reference counts."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


_REPLY, _MENTION, _DM = 0, 1, 2
_KINDS = np.array(["reply", "mention", "dm"], dtype=object)


def _repeat(value: str, n: int) -> np.ndarray:
    """An object array of ``n`` references to the one string ``value`` (``np.full`` of an
    object dtype stores a copy of the string in every row: 33 MB of "reaction" on the
    synthetic export)."""
    out = np.empty(n, dtype=object)
    out[:] = value
    return out


def _obj(values: np.ndarray) -> pd.Series:
    """A column of text (None missing) as it is: a pandas object column, not text pandas
    would infer (and convert) for a frame built from arrays."""
    return pd.Series(values, dtype=object, copy=False)


def _dm_members(
    convs: list[_Conv], conv: np.ndarray, author: np.ndarray, wrote: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The members of the DMs and group DMs (conversation, member) as two arrays: those
    listed (``convs``' members, in the lists' order), then the writers of the messages
    ``wrote`` (a mask over ``conv``, each message's conversation, and ``author``, its
    writer) in conversations without a list, each (conversation, writer) the first time
    it is met, as pandas' concat of the listed with the writers' ``drop_duplicates``."""
    listed = [k for k, c in enumerate(convs) if c.kind in ("dm", "group_dm")]
    listed_conv = np.repeat(
        np.asarray(listed, dtype=np.int64),
        np.fromiter((len(convs[k].members) for k in listed), np.int64, len(listed)),
    )
    listed_author = np.fromiter(
        itertools.chain.from_iterable(convs[k].members for k in listed),
        dtype=object,
        count=len(listed_conv),
    )
    has_list = np.array([bool(c.members) for c in convs] or [False], dtype=bool)
    unlisted = wrote & ~has_list[conv]
    w_conv, w_author = conv[unlisted].astype(np.int64), author[unlisted]
    code, who = pd.factorize(w_author)
    pair = pd.Series(w_conv * (len(who) + 1) + code, copy=False)
    first = ~pair.duplicated().to_numpy()
    return (
        np.concatenate([listed_conv, w_conv[first]]),
        np.concatenate([listed_author, w_author[first]]),
    )


def _members(
    private: np.ndarray, conv: np.ndarray, member_conv: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``private`` (messages in DMs, in order), each member of its
    conversation (rows of ``member_conv``, in their order): the pairs (message row, member
    row), as pandas' inner merge of the messages with the members on the conversation
    orders them (the left's order, then the right's)."""
    order = np.argsort(member_conv, kind="stable")
    sorted_conv = member_conv[order]
    c = conv[private]
    lo = np.searchsorted(sorted_conv, c, side="left")
    hi = np.searchsorted(sorted_conv, c, side="right")
    count = hi - lo
    rows = np.repeat(private, count)
    # positions lo, lo + 1, ..., hi - 1 of each message's run, in order
    starts = np.repeat(lo - np.cumsum(count) + count, count)
    j = order[starts + np.arange(int(count.sum()))]
    return rows, j


def _interactions(
    row_parts: list[np.ndarray],
    whom_parts: list[np.ndarray],
    kind_parts: list[np.ndarray],
    author_id: np.ndarray,
    msgs: pd.DataFrame,
    mid: np.ndarray,
    is_bot: np.ndarray,
    after: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`groundswell.ingest.batch.interactions` of the messages ``msgs`` and their
    targets given, in parts that are emptied here (so that they go as soon as joined), by
    message row (``row_parts``; every row a distinct message id), person (``whom_parts``,
    pseudonyms) and kind (``kind_parts``: codes of :data:`_KINDS`), on integer keys
    rather than merges on text ids: the same rows in the same order, and each message's
    number of recipients (its distinct targets of every kind). The columns ``after``
    (the reactions', by name) are appended to the rows, column by column (the frames'
    concat held both frames and the result at once: the build's peak on the synthetic
    export)."""
    whom = np.concatenate(whom_parts)
    whom_parts.clear()
    # the people as codes (whom is made again from them once the rows are chosen)
    person, people = pd.factorize(whom)
    del whom
    n_people = len(people) or 1
    person = person.astype(np.int32 if n_people < 2**31 else np.int64)
    rows = np.concatenate(row_parts).astype(np.int64, copy=False)
    row_parts.clear()
    # the key (message row, person, kind), whose first rows are kept
    key = rows * n_people
    key += person
    if len(msgs) < 2**31:
        rows = rows.astype(np.int32)  # the same rows, in half the memory
    kinds = np.concatenate(kind_parts)
    kind_parts.clear()
    key *= 3
    key += kinds
    first, pairs = _first(key)
    del key
    if first is not None:
        rows = rows[first]
        person = person[first]
        kinds = kinds[first]
    del first
    # each message's distinct (message row, person) pairs, counted on the sorted keys (a
    # repeated key is a repeated pair, counted once all the same)
    pairs //= 3
    step = np.empty(len(pairs), dtype=bool)
    step[:1] = True
    np.not_equal(pairs[1:], pairs[:-1], out=step[1:])
    pairs //= n_people
    n_rec = np.bincount(pairs[step], minlength=len(msgs)).astype(np.int32)
    del pairs, step
    whom = np.asarray(people, dtype=object)[person]
    whom[person < 0] = None  # (a missing person, as factorize coded it)
    del person, people
    actor = author_id[rows]
    act = np.not_equal(actor, whom)
    if not act.all():
        rows = rows[act]
        whom = whom[act]
        kinds = kinds[act]
        actor = actor[act]
    del act
    out: dict[str, Any] = {}

    def put(name: str, col: Any) -> None:
        """Column ``name`` of the rows, the reactions' appended."""
        if after is not None:
            part = after.pop(name)
            col = (
                type(col)._concat_same_type([col, part])
                if isinstance(col, pd.api.extensions.ExtensionArray)
                else np.concatenate([col, part])
            )
            del part
        out[name] = _obj(col) if col.dtype == object else col

    # in the order of batch.INTERACTION_COLUMNS, each array let go once used
    put("ts", msgs["ts"].array[rows])
    put("actor_id", actor)
    del actor
    put("target_id", whom)
    del whom
    put("kind", _KINDS[kinds])
    del kinds
    put("message_id", mid[rows])
    put("n_recipients", n_rec[rows])
    put("is_bot", is_bot[rows])
    put("weight", np.ones(len(rows)))
    del rows
    # (the arrays as they are: pandas copies a dict's)
    return pd.DataFrame(out, copy=False), n_rec


def _repeated(parts: list[np.ndarray]) -> np.ndarray:
    """Which of the ids ``parts`` (fixed-width bytes) joined repeat an earlier one, as
    pandas' ``duplicated`` of them says: the rows whose last 8 bytes repeat (few, for
    pseudonyms) compared whole (0.15 against 0.4 s for a hash table of the 1.55M ids of
    the synthetic 5,000-person export as strings)."""
    n = sum(len(p) for p in parts)
    if not n:
        return np.zeros(0, dtype=bool)
    width = max(8, *(p.dtype.itemsize for p in parts))
    key = np.empty(n, dtype=np.uint64)
    at = 0
    for p in parts:
        key[at : at + len(p)] = _tail(p, width)
        at += len(p)
    starts = np.cumsum([0, *(len(p) for p in parts)])

    def whole(rows: np.ndarray) -> np.ndarray:
        """The ids at ``rows`` (ascending), as bytes objects."""
        part = np.searchsorted(starts, rows, side="right") - 1
        return np.array(
            [
                bytes(parts[k][r - starts[k]])
                for k, r in zip(part.tolist(), rows.tolist(), strict=True)
            ],
            dtype=object,
        )

    first, _ = _first(key, whole)
    return np.zeros(n, dtype=bool) if first is None else ~first


def _tail(ids: np.ndarray, width: int) -> np.ndarray:
    """The last 8 bytes of fixed-width bytes ``ids`` made ``width`` wide (8 or more; NUL
    padded, so equal ids give equal values) as integers: past a pseudonym's fixed prefix."""
    if ids.dtype.itemsize != width:
        ids = ids.astype(f"S{width}")
    tail = ids.view(np.uint8).reshape(len(ids), width)[:, width - 8 :]
    return np.ascontiguousarray(tail).view(np.uint64).ravel()


def _first(
    key: np.ndarray, whole: Callable[[np.ndarray], np.ndarray] | None = None
) -> tuple[np.ndarray | None, np.ndarray]:
    """Which rows of ``key`` are the first of their value (None: every row), as pandas'
    ``duplicated`` says, and the values sorted (a copy). The repeated values, usually few,
    are found among the rows by a search, in place of a hash table of every row (the
    build's peak on the synthetic export). With ``whole`` (the values of the rows asked, of
    which ``key`` is a part), the rows are the first of their whole value."""
    ordered = np.sort(key)
    repeat = np.flatnonzero(ordered[1:] == ordered[:-1])
    if not len(repeat):
        return None, ordered
    twice = np.unique(ordered[repeat])
    # the rows holding a repeated value (a search of a part of the rows at a time)
    hits = []
    for at in range(0, len(key), 1 << 20):
        part = key[at : at + (1 << 20)]
        pos = np.minimum(np.searchsorted(twice, part), len(twice) - 1)
        hits.append(np.flatnonzero(twice[pos] == part) + at)
    hit = np.concatenate(hits)
    first = np.ones(len(key), dtype=bool)
    of = key[hit] if whole is None else whole(hit)
    first[hit] = ~pd.Series(of, copy=False).duplicated().to_numpy()
    return first, ordered


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
    ws: Store, users: list[dict[str, Any]], others: set[str], summary: common.IngestSummary
) -> tuple[pd.DataFrame, pd.DataFrame]:
    pseudo = ws.pseudonymiser
    domains = ws.settings.internal_domains
    identified = ws.settings.identified
    rows = []
    emails: list[tuple[str, str]] = []
    for u in users:
        profile = u.get("profile")
        prof: dict[str, Any] = profile if isinstance(profile, dict) else {}
        raw_email = prof.get("email")
        email = raw_email.strip() if isinstance(raw_email, str) else ""
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
        raw_title = prof.get("title")
        title = raw_title if isinstance(raw_title, str) else ""
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


def _concat(chunks: list[dict[str, Any]]) -> pd.DataFrame:
    """One frame of the reader's packed chunks (see :meth:`_Reader.flush`), their text
    columns as plain objects."""
    out: dict[str, Any] = {}
    for col in chunks[0]:
        parts = [c[col] for c in chunks]
        if parts[0] is None:
            out[col] = None
        elif isinstance(parts[0], pd.Categorical):
            # a chunk where a column is all missing may have categories of another dtype:
            # give every part object categories so that they can be unioned
            cats = [
                p.set_categories(p.categories.astype(object)) if p.categories.dtype != object else p
                for p in parts
            ]
            out[col] = cats[0] if len(cats) == 1 else _union(cats)
        elif parts[0].dtype.kind == "S":
            if col == "thread_id" and "message_id" in out:
                # a thread's id is its root message's id: rows share the root's string
                ids = [c["message_id"] for c in chunks]
                out[col] = _obj(_threads(parts, ids, out["message_id"].to_numpy()))
            else:
                out[col] = _obj(_text(parts))
        else:
            arr = parts[0] if len(parts) == 1 else np.concatenate(parts)
            if arr.dtype.kind in "OU":
                arr = pd.Series(arr.astype(object, copy=False), dtype=object, copy=False)
            out[col] = arr
    return pd.DataFrame(out, copy=False)  # the arrays as they are (pandas copies a dict's)


def _union(parts: list[pd.Categorical]) -> pd.Categorical:
    """pandas' ``union_categoricals(parts, ignore_order=True)`` of categoricals of object
    categories: the categories in the order first met, each part's codes mapped to them
    (one hash table of every part's categories rather than a recoding of each part against
    the union so far: 0.06 against 0.27 s for the 82 chunks of the synthetic export)."""
    cats = [np.asarray(p.categories, dtype=object) for p in parts]
    where, union = pd.factorize(np.concatenate(cats))
    codes = np.empty(sum(len(p) for p in parts), dtype=np.int64)
    at = start = 0
    for p, c in zip(parts, cats, strict=True):
        to = np.append(where[start : start + len(c)], -1)  # code -1 (missing) stays -1
        codes[at : at + len(p)] = to[p.codes]
        at += len(p)
        start += len(c)
    return pd.Categorical.from_codes(codes, pd.Index(union, dtype=object), validate=False)


def _text(parts: list[np.ndarray]) -> np.ndarray:
    """The pseudonyms of the reader's chunks (ASCII as fixed-width bytes, b"" for none) as
    one column of Python strings (None for b""), turned chunk by chunk (the whole column as
    fixed-width text at once would take 4 bytes a character)."""
    out = np.empty(sum(len(p) for p in parts), dtype=object)
    at = 0
    for p in parts:
        part = out[at : at + len(p)]
        part[:] = p.astype(np.str_)
        part[p == b""] = None
        at += len(p)
    return out


def _threads(parts: list[np.ndarray], ids: list[np.ndarray], strings: np.ndarray) -> np.ndarray:
    """:func:`_text` of the thread ids ``parts``, where a thread id equal to a message id
    (``ids``, the same chunks' message ids as bytes; ``strings``, as the column of strings
    :func:`_text` made of them) is that message's string rather than a copy of it: the
    root's own row, and the replies of a root in the export (about 40 MB of strings on the
    synthetic export)."""
    out = np.empty(sum(len(p) for p in parts), dtype=object)
    if not parts:
        return out
    # the rows whose thread id is their own message id (the threads' roots), sorted by id
    root_ids: list[np.ndarray] = []
    root_rows: list[np.ndarray] = []
    own: list[np.ndarray] = []
    at = 0
    for p, m in zip(parts, ids, strict=True):
        same = p == m
        rows = np.flatnonzero(same) + at
        out[rows] = strings[rows]
        root_ids.append(p[same])
        root_rows.append(rows)
        own.append(~same & (p != b""))
        at += len(p)
    # the roots ordered by the last 8 bytes of their ids (integers: a search of them is
    # faster than of the bytes); a thread id found there whose bytes differ (two ids of
    # the same 8 last bytes) is spelt again, the same text
    width = max(8, *(p.dtype.itemsize for p in parts), *(m.dtype.itemsize for m in ids))
    by_id = np.concatenate(root_ids)
    by_key = _tail(by_id, width)
    order = np.argsort(by_key, kind="stable")
    by_id, by_key, root_at = by_id[order], by_key[order], np.concatenate(root_rows)[order]
    del root_ids, root_rows, order
    at = 0
    for p, rest in zip(parts, own, strict=True):
        where = np.flatnonzero(rest)
        if len(where):
            tid = p[where]
            hit = np.zeros(len(where), dtype=bool)
            if len(by_id):
                i = np.minimum(np.searchsorted(by_key, _tail(tid, width)), len(by_id) - 1)
                hit = by_id[i] == tid
                out[where[hit] + at] = strings[root_at[i[hit]]]
            miss = where[~hit]
            out[miss + at] = p[miss].astype(np.str_)
        at += len(p)
    return out


def _cat_isin(col: pd.Series, values: set[str]) -> np.ndarray:
    """Where a categorical column's value is one of ``values`` (testing each category once;
    a missing value is in none), as ``np.isin`` on its values would say."""
    cats = np.asarray(col.cat.categories, dtype=object)
    hit = np.append(np.isin(cats, list(values)), False)
    return hit[col.cat.codes.to_numpy()]  # code -1 (missing) reads the final False


def _pseudo_cat(pseudo: Pseudonymiser, cat: pd.Categorical | pd.Series) -> np.ndarray:
    """People pseudonyms of a categorical column (hashing each category once); None stays."""
    arr = cat.array if isinstance(cat, pd.Series) else cat
    cats = np.asarray(arr.categories, dtype=object)
    names = pseudo.people(cats).astype(object) if len(cats) else np.array([], dtype=object)
    codes = arr.codes
    if not len(names):  # no categories: every value is missing
        return np.full(len(codes), None, dtype=object)
    return common.or_none(codes >= 0, names[np.maximum(codes, 0)]).astype(object)
