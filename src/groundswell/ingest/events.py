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

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common, damage, limits
from groundswell.progress import steps

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
    progress: bool = False,
    dry_run: bool = False,
) -> common.IngestSummary:
    """Load events into ``messages``, ``interactions`` and ``channels``; one transaction.

    With ``dry_run`` the file is read and the summary computed, and nothing is written.
    """
    with steps(4, enabled=progress) as bar:
        mapping = {**ws.settings.mapping("events"), **(mapping or {})}
        options = {"mapping": mapping, "targets_sep": targets_sep}
        sha = common.sha256_file(path) if path.is_file() else ""
        bar.step("reading the file")
        notes: list[str] = []  # warnings about the file itself
        df = common.read_table(path, notes=notes)
        damage.require_rows(path, len(df), each="event")
        if (seen := common.earlier_ingest(ws, "events", path, sha, options)) is not None:
            return seen
        cols = common.resolve_columns(
            path, list(df.columns), FIELDS, ("actor", "timestamp"), mapping
        )
        limits.check_field_sizes(path, df, list(cols.values()), ws.settings.max_field_bytes)
        summary = common.IngestSummary(str(path), "events", None, rows_read=len(df), warnings=notes)
        df = df.reset_index(drop=True)
        bar.step("pseudonymising")
        pseudo = ws.pseudonymiser

        actor = common.text_column(df, cols["actor"])
        no_actor = (actor == "").to_numpy()
        summary.skipped["no actor"] += int(no_actor.sum())
        ts = _timestamps(path, df[cols["timestamp"]], common.date_bounds(ws.settings))
        no_ts = ts.isna().to_numpy() & ~no_actor
        summary.skipped["no timestamp"] += int(no_ts.sum())
        kind = common.text_column(df, cols.get("kind")).str.lower().replace(KIND_ALIASES)
        kind = kind.mask(kind == "", "post")
        is_bot = _flags(path, df, cols.get("is_bot"), "is_bot")
        is_question = _flags(path, df, cols.get("is_question"), "is_question")
        targets_raw = common.text_column(df, cols.get("targets"))

        # message ids: the source's own, else a keyed hash of the row's content
        if "event_id" in cols:
            raw_id = common.text_column(df, cols["event_id"])
            missing = raw_id == ""
            if missing.any():
                k = int(np.flatnonzero(missing.to_numpy())[0])
                raise InputError(
                    path, "empty event id", expected="an id on every row", **common.locate(path, k)
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
        ok = ~(no_actor | no_ts)
        dup = raw_id.duplicated().to_numpy() & ok
        summary.skipped["duplicate event in the file"] += int(dup.sum())
        ok &= ~dup
        summary.skipped = +summary.skipped  # drop zero counts

        rows = pd.DataFrame(
            {
                "message_id": pseudo.messages(raw_id[ok]),
                "raw_parent": common.text_column(df, cols.get("parent"))[ok].to_numpy(),
                "author_id": pseudo.people(actor[ok]),
                "ts": ts[ok].array,
                "kind": kind[ok].to_numpy(),
                "is_bot": is_bot[ok],
                "is_question": is_question[ok],
                "targets": targets_raw[ok].to_numpy(),
            }
        )
        channel = common.text_column(df, cols.get("channel"))[ok].to_numpy()
        ckind = common.text_column(df, cols.get("channel_kind"))[ok].str.lower().to_numpy()
        bad_ck = ~np.isin(ckind, [*CHANNEL_KINDS, ""])
        positions = np.flatnonzero(ok)  # each row's record in the file
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
        thread = common.text_column(df, cols.get("thread"))[ok].to_numpy()
        parent = rows["raw_parent"].to_numpy()
        linked = pseudo.messages(np.concatenate([thread, parent]))  # one pass: ids repeat
        rows["thread_id"] = common.or_none(thread != "", linked[: len(thread)])
        rows["parent_id"] = common.or_none(parent != "", linked[len(thread) :])
        rows["text"] = (
            common.text_column(df, cols.get("text"))[ok].to_numpy() if ws.store_content else None
        )

        bar.step("interactions")
        split = limits.split_cells(rows["targets"], targets_sep, ws.settings.max_recipients)
        targets = pd.concat(
            [_targets(rows, split, pseudo), _address_to_parent(ws, rows)], ignore_index=True
        )
        inter = batch.interactions(rows, targets)
        if len(split.capped):
            where = limits.records(path, positions[split.capped])
            summary.warnings.append(
                limits.dropped_warning("event", len(split.capped), where, split.cap, split.dropped)
            )
            ids = rows["message_id"].to_numpy()[split.capped]
            limits.true_counts((rows, inter), ids, split.distinct)

        channels = pd.DataFrame(
            {"channel_id": rows["channel_id"], "name": channel, "kind": ckind, "ts": rows["ts"]}
        ).dropna(subset=["channel_id"])
        channels["kind"] = channels["kind"].replace("", "public")
        channels["name"] = channels["name"].where(channels["kind"].isin(NAMED_CHANNEL_KINDS))
        channels = channels.groupby("channel_id", as_index=False).agg(
            name=("name", "first"), kind=("kind", "first"), created_at=("ts", "min")
        )

        bar.step("storing")
        out = batch.Batch(channels=channels, messages=rows, interactions=inter)
        return batch.write(ws, out, summary, sha, options, dry_run=dry_run)


def _timestamps(path: Path, values: pd.Series, bounds: common.DateBounds) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is None:
            values = values.dt.tz_localize("UTC")
        common.check_dates(values, bounds, path, "timestamp")
        return values.dt.tz_convert("UTC")
    return common.parse_dates(path, values, "timestamp", utc_time=True, bounds=bounds)


def _flags(path: Path, df: pd.DataFrame, col: str | None, name: str) -> np.ndarray:
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
            **common.locate(path, k),
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


def _address_to_parent(ws: Store, rows: pd.DataFrame) -> pd.DataFrame:
    """A reply or reaction with no targets is addressed to the author of its parent,
    found in the same file or among the messages already in the workspace."""
    orphan = rows[
        rows["kind"].isin(["reply", "reaction"])
        & (rows["targets"] == "")
        & rows["parent_id"].notna()
    ]
    empty = pd.DataFrame({"message_id": [], "target_id": [], "kind": []}, dtype=object)
    if orphan.empty:
        return empty
    authors = dict(zip(rows["message_id"], rows["author_id"], strict=True))
    authors.update(common.stored_authors(ws, orphan["parent_id"].unique().tolist()))
    target = orphan["parent_id"].map(authors)
    found = target.notna()
    return pd.DataFrame(
        {
            "message_id": orphan.loc[found, "message_id"].to_numpy(),
            "target_id": target[found].to_numpy(),
            "kind": orphan.loc[found, "kind"].to_numpy(),
        }
    )
