"""Generic interaction events: the escape hatch for any source without a reader of its own.

One row per act. Recognised fields:

============  =========================================================================
field         meaning
============  =========================================================================
actor         who acted (any identifier: HR id, email, chat user id) — required
targets       who it was addressed to: one or more identifiers, separated by ``;``
timestamp     when (ISO 8601; no zone means UTC) — required
kind          reply, mention, reaction, dm, email (= email_to), email_to, email_cc,
              meeting, post (no tie: counts as activity only), or any other word
event_id      the source's id of the act (else one is derived from the row's content)
channel       channel, chat, community, list or meeting series it happened in
channel_kind  public, private, dm, group_dm, community, list, meeting
thread        the thread (its root event id)
parent        the event replied or reacted to; a reply or reaction with no targets is
              addressed to the parent's actor
is_bot        true for automated actors (excluded from ties, counted as activity)
is_question   true for a post that asks a question
text          message text, stored only if the workspace stores content
============  =========================================================================
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import _events_store, batch, common, damage, domains, limits, stream
from groundswell.ingest.date_formats import DateFormat
from groundswell.progress import Once, Steps, steps

if TYPE_CHECKING:
    from groundswell.privacy import Pseudonymiser
    from groundswell.store import Store

FIELDS: dict[str, tuple[str, ...]] = {
    "actor": ("sender", "from", "author", "user", "actorid", "senderid", "source"),
    "targets": ("target", "recipients", "recipient", "to", "targetid", "receiver"),
    "timestamp": ("ts", "time", "datetime", "date", "createdat", "sentat", "created"),
    "kind": ("type", "eventtype", "action", "interaction"),
    "event_id": ("id", "eventid", "messageid", "msgid"),
    "channel": ("channelname", "channelid", "room", "conversation", "chat"),
    "channel_kind": ("channeltype", "conversationtype"),
    "thread": ("threadid", "threadts", "conversationid"),
    "parent": ("parentid", "replyto", "inreplyto", "replytoid", "parentevent"),
    "is_bot": ("bot", "isbot", "automated"),
    "is_question": ("question", "isquestion"),
    "text": ("body", "content", "message"),
}
#: the kind of a row with targets and no kind (``--kind``)
DEFAULT_KIND = "message"
#: kinds (as written, before the aliases) that make no interaction
POST_KINDS = {"post", "chat"}
KIND_ALIASES = {"email": "email_to", "message": "post", "chat": "post", "dm": "dm"}
CHANNEL_KINDS = {"public", "private", "dm", "group_dm", "community", "list", "meeting"}
NAMED_CHANNEL_KINDS = {"public", "community", "list"}
TRUE = {"true", "1", "yes", "y", "t"}
FALSE = {"false", "0", "no", "n", "f", ""}


def ingest(
    ws: Store,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    targets_sep: str = ";",
    kind: str = DEFAULT_KIND,
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: bool = False,
    dry_run: bool = False,
    batch_rows: int = stream.BATCH_ROWS,
) -> common.IngestSummary:
    """Load events into ``messages``, ``interactions`` and ``channels``; one transaction.

    The file is read in batches of at most ``batch_rows`` rows and about 16 MiB
    (:mod:`groundswell.ingest.stream`); each batch is checked, pseudonymised and written
    before the next is read, so the reader's memory is that of one batch; everything is
    written in one transaction, so an error in any row leaves the workspace as it was.
    What depends on the whole file (an event repeated in it, a reply whose parent comes
    later) is resolved in DuckDB (:mod:`groundswell.ingest._events_store`). While the
    transaction is open DuckDB runs on :data:`~groundswell.ingest.batch.EVENTS_THREADS`
    thread under :data:`~groundswell.ingest.batch.EVENTS_MEMORY` (what does not fit is
    written out inside the workspace folder); should it run out of memory anyway, everything
    is rolled back and the file read again under DuckDB's own limit
    (:func:`groundswell.ingest.batch.budgeted`). With ``dry_run`` the file is read and the
    summary computed, and nothing is written.

    A CSV's ``delimiter`` and ``encoding`` are detected unless given, and the timestamp
    format is decided from the first batch holding one; a later batch that contradicts it
    is refused naming the line (:mod:`groundswell.ingest.date_formats`). A row with targets
    and no kind (no kind column, or an empty cell) is an act of ``kind`` (default
    ``message``, weighted as ``ties.weights.message``, like a DM); the summary says how many.
    A file none of whose rows makes an interaction is a warning saying why.
    """
    if not kind.strip() or kind.strip().lower() in POST_KINDS:
        raise InputError(
            path,
            f"the kind option {kind!r} makes no interaction",
            expected="a kind of act such as message, dm, email or mention",
        )
    with steps(3, enabled=progress) as bar:
        mapping = {**ws.settings.mapping("events"), **(mapping or {})}
        options: dict[str, Any] = {"mapping": mapping, "targets_sep": targets_sep}
        if kind != DEFAULT_KIND:
            options["kind"] = kind
        options.update({k: v for k, v in (("delimiter", delimiter), ("encoding", encoding)) if v})
        sha = common.sha256_file(path) if path.is_file() else ""
        bar.step("reading the file")
        once = Once(bar)  # each step shown once, even when the file is read again
        return batch.budgeted(
            lambda memory, threads: _ingest(
                ws, path, sha, options, mapping, targets_sep, kind, delimiter, encoding,
                batch_rows, dry_run, once, memory, threads,
            ),
            batch.EVENTS_MEMORY,
            batch.EVENTS_THREADS,
        )  # fmt: skip


def _ingest(
    ws: Store,
    path: Path,
    sha: str,
    options: dict[str, Any],
    mapping: dict[str, str],
    targets_sep: str,
    kind: str,
    delimiter: str | None,
    encoding: str | None,
    batch_rows: int,
    dry_run: bool,
    bar: Steps,
    memory: str | None,
    threads: int | None,
) -> common.IngestSummary:
    """Read the file in batches and store it in one transaction, DuckDB held to ``memory``
    on ``threads`` while it is open (see :func:`ingest`)."""
    notes: list[str] = []  # warnings about the file itself
    how: dict[str, Any] = {}
    parts = stream.batches(
        path,
        rows=batch_rows,
        notes=notes,
        delimiter=delimiter,
        encoding=encoding,
        read_as=how,
    )
    try:
        first = next(parts, None)
        damage.require_rows(path, 0 if first is None else len(first), each="event")
        assert first is not None
        if (seen := common.earlier_ingest(ws, "events", path, sha, options)) is not None:
            return seen
        cols = common.resolve_columns(
            path, list(first.columns), FIELDS, ("actor", "timestamp"), mapping
        )
        summary = common.IngestSummary(str(path), "events", None, warnings=notes)
        summary.read.update(how)
        bar.step("pseudonymising and storing")
        norm = kind.strip().lower()
        norm = norm if norm == DEFAULT_KIND else KIND_ALIASES.get(norm, norm)
        reading = _Reading(ws, path, cols, targets_sep, norm)
        with batch.writing(
            ws, summary, sha, options, dry_run=dry_run, memory=memory, threads=threads
        ) as con:
            assert summary.source_id is not None
            staging = _events_store.Staging(con, summary.source_id)
            for df in itertools.chain([first], parts):
                _store(reading, df, staging, summary)
            bar.step("replies and channels")
            added, summary.people = staging.finish()
            summary.interactions += added
            if reading.capped:
                summary.warnings.append(reading.capped_warning())
            reading.say(summary)
            summary.skipped = +summary.skipped  # drop zero counts
    finally:
        parts.close()
    return summary


@dataclass
class _Reading:
    """What every batch of one file shares, and the recipients dropped by the cap so far."""

    ws: Store
    path: Path
    cols: dict[str, str]
    targets_sep: str
    kind: str  # of a row with targets and no kind
    bounds: common.DateBounds = field(init=False)
    dates: DateFormat | None = None  # the timestamp format, decided from the first batch
    defaulted: int = 0  # rows with targets and no kind, given ``kind``
    targeted: int = 0  # rows with targets
    posts: int = 0  # rows with targets whose kind is a post
    capped: int = 0  # events over ingest.max_recipients
    dropped: int = 0  # recipients they lost
    where: list[int] = field(default_factory=list)  # the positions of the first six

    def __post_init__(self) -> None:
        self.bounds = common.date_bounds(self.ws.settings)

    def say(self, summary: common.IngestSummary) -> None:
        """Say what rows without a kind became, and why no row made an interaction."""
        weight = self.ws.settings.ties["weights"].get(self.kind)
        weighed = (
            f"weighted {weight} as ties.weights.{self.kind}"
            if weight is not None
            else f"weighted 0: ties.weights has no {self.kind!r}, so they make no tie"
        )
        if self.defaulted:
            why = "no kind column" if "kind" not in self.cols else "an empty kind cell"
            summary.read["kind"] = (
                f"{self.defaulted:,} rows with targets and no kind ({why}) are {self.kind!r} "
                f"interactions (--kind), {weighed}"
            )
        if summary.interactions or not summary.messages:
            return
        if not self.targeted:
            why = (
                f"no row has targets (the {self.cols['targets']!r} column is empty)"
                if "targets" in self.cols
                else "the file has no targets column (recipients: to, target, recipients)"
            )
        elif self.posts == self.targeted:
            why = (
                f"every row with targets has kind post ({self.posts:,}): a post counts as "
                "activity and makes no tie"
            )
        else:
            why = "every target is the actor themself, or already in the workspace"
        summary.warnings.append(
            f"{self.path}: no row makes an interaction: {why}; analyze will find no ties"
        )

    def capped_warning(self) -> str:
        where = limits.records(self.path, np.asarray(self.where))
        cap = self.ws.settings.max_recipients
        return limits.dropped_warning("event", self.capped, where, cap, self.dropped)


def _store(
    r: _Reading, df: pd.DataFrame, staging: _events_store.Staging, summary: common.IngestSummary
) -> None:
    """Check, pseudonymise and write one batch (``df``, indexed by file position)."""
    path, cols, pseudo = r.path, r.cols, r.ws.pseudonymiser
    first = int(df.index[0]) if len(df) else 0
    df = df.reset_index(drop=True)
    summary.rows_read += len(df)
    limits.check_field_sizes(
        path, df, list(cols.values()), r.ws.settings.max_field_bytes, first=first
    )
    actor = common.text_column(df, cols["actor"])
    no_actor = (actor == "").to_numpy()
    summary.skipped["no actor"] += int(no_actor.sum())
    ts, r.dates = common.dated_column(
        path,
        df[cols["timestamp"]],
        "timestamp",
        summary,
        r.ws.settings,
        bounds=r.bounds,
        first=first,
        decided=r.dates,
    )
    no_ts = ts.isna().to_numpy() & ~no_actor
    summary.skipped["no timestamp"] += int(no_ts.sum())
    targets_raw = common.text_column(df, cols.get("targets"))
    has_targets = (targets_raw != "").to_numpy() & ~(no_actor | no_ts)
    kind = common.text_column(df, cols.get("kind")).str.lower().replace(KIND_ALIASES)
    default = (kind == "").to_numpy() & has_targets
    kind = kind.mask(default, r.kind)
    kind = kind.mask(kind == "", "post")
    r.defaulted += int(default.sum())
    r.targeted += int(has_targets.sum())
    r.posts += int((has_targets & (kind == "post").to_numpy()).sum())
    is_bot = _flags(path, df, cols.get("is_bot"), "is_bot", first)
    is_question = _flags(path, df, cols.get("is_question"), "is_question", first)

    # message ids: the source's own, else a keyed hash of the row's content
    if "event_id" in cols:
        raw_id = common.text_column(df, cols["event_id"])
        missing = raw_id == ""
        if missing.any():
            k = int(np.flatnonzero(missing.to_numpy())[0])
            raise InputError(
                path,
                "empty event id",
                expected="an id on every row",
                **common.locate(path, first + k),
            )
    else:
        raw_id = (
            actor
            + "\x1f"
            + targets_raw
            + "\x1f"
            + ts.astype("string").fillna("")
            + "\x1f"
            + kind
            + "\x1f"
            + common.text_column(df, cols.get("channel"))
        )
    # an event repeated in the file counts once, at its first row (this batch or earlier)
    ok = np.flatnonzero(~(no_actor | no_ts))
    message_id = pseudo.messages(raw_id.to_numpy()[ok])
    again = pd.Series(message_id).duplicated().to_numpy(copy=True)
    again[~again] = staging.repeats(message_id[~again])
    summary.skipped["duplicate event in the file"] += int(again.sum())
    ok, message_id = ok[~again], message_id[~again]

    rows = pd.DataFrame(
        {
            "message_id": message_id,
            "author_id": pseudo.people(actor.to_numpy()[ok]),
            "ts": ts.array[ok],
            "kind": kind.to_numpy()[ok],
            "is_bot": is_bot[ok],
            "is_question": is_question[ok],
            "targets": targets_raw.to_numpy()[ok],
        }
    )
    channel = common.text_column(df, cols.get("channel")).to_numpy()[ok]
    ckind = common.text_column(df, cols.get("channel_kind")).str.lower().to_numpy()[ok]
    bad_ck = ~np.isin(ckind, [*CHANNEL_KINDS, ""])
    positions = first + ok  # each row's record in the file
    if bad_ck.any():
        k = int(positions[np.flatnonzero(bad_ck)[0]])
        raise InputError(
            path,
            "unknown channel_kind",
            expected=f"one of {sorted(CHANNEL_KINDS)}",
            found=ckind[bad_ck][0],
            **common.locate(path, k),
        )
    rows["channel_id"] = common.or_none(channel != "", pseudo.channels(channel))
    thread = common.text_column(df, cols.get("thread")).to_numpy()[ok]
    parent = common.text_column(df, cols.get("parent")).to_numpy()[ok]
    linked = pseudo.messages(np.concatenate([thread, parent]))  # one pass: ids repeat
    rows["thread_id"] = common.or_none(thread != "", linked[: len(thread)])
    rows["parent_id"] = common.or_none(parent != "", linked[len(thread) :])
    rows["text"] = (
        common.text_column(df, cols.get("text")).to_numpy()[ok] if r.ws.store_content else None
    )

    split = limits.split_cells(rows["targets"], r.targets_sep, r.ws.settings.max_recipients)
    inter = batch.interactions(rows, _targets(rows, split, pseudo))
    if len(split.capped):
        r.capped += len(split.capped)
        r.dropped += split.dropped
        r.where += positions[split.capped][: 6 - len(r.where)].tolist()
        ids = rows["message_id"].to_numpy()[split.capped]
        limits.true_counts((rows, inter), ids, split.distinct)

    con, sid = staging.con, staging.sid
    if r.ws.settings.internal_domains:  # outsiders by domain, decided before the hash is all
        raw = pd.Series(targets_raw.to_numpy()[ok]).str.split(r.targets_sep).explode()
        everyone = np.concatenate([actor.to_numpy()[ok], raw.dropna().to_numpy()])
        domains.insert(con, domains.outside_rows(r.ws, everyone), sid)
    added = batch.insert(con, "messages", rows[batch.MESSAGE_COLUMNS], sid, ["message_id"])
    summary.messages += added
    if added < len(rows):
        summary.skipped["already in the workspace"] += len(rows) - added
    summary.interactions += batch.insert(
        con,
        "interactions",
        inter[batch.INTERACTION_COLUMNS],
        sid,
        ["message_id", "actor_id", "target_id", "kind"],
    )
    staging.add(rows, inter, _channels(rows, channel, ckind))


def _channels(rows: pd.DataFrame, name: np.ndarray, kind: np.ndarray) -> pd.DataFrame:
    """A batch's channels: the name and kind of each one's first row, its earliest time."""
    kind = np.where(kind == "", "public", kind)
    named = np.isin(kind, list(NAMED_CHANNEL_KINDS))
    channels = pd.DataFrame(
        {
            "channel_id": rows["channel_id"],
            "name": common.or_none(named, name),
            "kind": kind,
            "ts": rows["ts"],
        }
    ).dropna(subset=["channel_id"])
    return channels.groupby("channel_id", as_index=False, sort=False).agg(
        name=("name", "first"), kind=("kind", "first"), created_at=("ts", "min")
    )


def _flags(path: Path, df: pd.DataFrame, col: str | None, name: str, first: int) -> np.ndarray:
    if col is None:
        return np.zeros(len(df), dtype=bool)
    values = df[col]
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).to_numpy(dtype=bool)
    text = values.astype("string").fillna("").str.strip().str.lower()
    bad = ~text.isin(TRUE | FALSE)
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            path,
            f"unreadable {name}",
            expected="true or false",
            found=values.iloc[k],
            **common.locate(path, first + k),
        )
    return text.isin(TRUE).to_numpy()


def _targets(rows: pd.DataFrame, split: limits.Split, pseudo: Pseudonymiser) -> pd.DataFrame:
    """One row per (message, target, kind) from the split targets column: each row carries
    the position of its message, never the cell (see :mod:`groundswell.ingest.limits`)."""
    codes, uniques = pd.factorize(split.item)  # pseudonymise each distinct target once
    return pd.DataFrame(
        {
            "message_id": rows["message_id"].to_numpy()[split.parent],
            "target_id": pseudo.people(uniques)[codes] if len(codes) else np.array([], str),
            "kind": rows["kind"].to_numpy()[split.parent],
        }
    )
