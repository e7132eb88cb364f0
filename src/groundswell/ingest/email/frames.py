"""The canonical frames of the email read: messages, interactions (To, Cc, replies),
list channels and people (see :mod:`groundswell.ingest.email`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.ingest import batch, common, limits
from groundswell.ingest.email.headers import Columns

if TYPE_CHECKING:
    from groundswell.store import Store


def is_internal(addrs: pd.Series, domains: list[str]) -> np.ndarray:
    """True where an address's domain is one of ``domains`` or a subdomain of one."""
    dom = addrs.str.rsplit("@", n=1).str[-1]
    hit = np.zeros(len(addrs), dtype=bool)
    for d in domains:
        hit |= ((dom == d) | dom.str.endswith("." + d)).to_numpy()
    return hit


def people_rows(
    ws: Store, addrs: pd.Series, domains: list[str], names: dict[str, str]
) -> pd.DataFrame | None:
    """People rows for addresses (None without internal domains); shared with calendar."""
    if not domains:
        return None
    addrs = pd.Series(addrs.unique(), dtype="string")
    return pd.DataFrame(
        {
            "person_id": ws.pseudonymiser.people(addrs),
            "display_name": [names.get(a) for a in addrs] if ws.settings.identified else None,
            "is_internal": is_internal(addrs, domains),
        }
    )


def _frames(
    ws: Store,
    c: Columns,
    domains: list[str],
    *,
    identified: bool,
    warnings: list[str] | None = None,
) -> batch.Batch:
    pseudo = ws.pseudonymiser
    n = len(c.raw_id)
    msg_ids = pseudo.messages(c.raw_id) if n else np.array([], dtype=object)
    authors = pseudo.people(c.author) if n else np.array([], dtype=object)
    ts = pd.to_datetime(pd.Series(c.ts, dtype="float64"), unit="s", utc=True)
    list_id = np.array(c.list_id, dtype=object)
    has_list = list_id != ""
    channel = np.full(n, None, dtype=object)
    if has_list.any():
        channel[has_list] = pseudo.channels(["list:" + x for x in list_id[has_list]])
    parent_id, reply_to = _parents(ws, c, msg_ids, authors)
    messages = pd.DataFrame(
        {
            "message_id": msg_ids,
            "channel_id": channel,
            "thread_id": pseudo.messages(c.thread) if n else msg_ids,
            "parent_id": parent_id,
            "author_id": authors,
            "ts": ts.array,
            "kind": "email",
            "n_recipients": 0,
            "is_question": False,
            "is_bot": np.array(c.is_bot, dtype=bool),
            "text": c.text if ws.store_content else None,
        }
    )
    # at most ingest.max_recipients distinct recipients (To, Cc, Bcc) per message
    cap = ws.settings.max_recipients
    t_msg, t_addr = np.array(c.t_msg, dtype=np.int64), np.array(c.t_addr, dtype=object)
    kept, capped, distinct = limits.cap_items(t_msg, t_addr.__getitem__, cap)
    t_msg, t_addr = t_msg[kept], pd.Series(t_addr[kept], dtype="string")
    targets = pd.DataFrame(
        {
            "message_id": msg_ids[t_msg],
            "target_id": pseudo.people(t_addr) if len(t_addr) else np.array([], dtype=object),
            "kind": np.array(c.t_kind, dtype=object)[kept],
        }
    )
    has_parent = (reply_to != None) & (reply_to != authors)  # noqa: E711 - elementwise
    replies = pd.DataFrame(
        {"message_id": msg_ids[has_parent], "target_id": reply_to[has_parent], "kind": "reply"}
    )
    inter = batch.interactions(messages, pd.concat([targets, replies], ignore_index=True))
    if len(capped):
        limits.true_counts((messages, inter), msg_ids[capped], distinct)
        if warnings is not None:
            ids = ", ".join(repr(c.raw_id[k]) for k in capped[:5])
            where = f"Message-ID {ids}" + (", ..." if len(capped) > 5 else "")
            dropped = int(distinct.sum()) - len(capped) * cap
            warnings.append(limits.dropped_warning("email", len(capped), where, cap, dropped))
    channels = None
    if has_list.any():
        channels = (
            pd.DataFrame({"channel_id": channel, "name": list_id, "ts": ts})[has_list]
            .groupby("channel_id", as_index=False)
            .agg(name=("name", "first"), created_at=("ts", "min"))
            .assign(kind="list")
        )
    people = people_rows(
        ws, pd.concat([pd.Series(c.author), t_addr], ignore_index=True), domains, c.names
    )
    return batch.Batch(people=people, channels=channels, messages=messages, interactions=inter)


def _parents(
    ws: Store, c: Columns, msg_ids: np.ndarray, authors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """parent_id of every message, and the author a reply is addressed to (or None).

    The parent is the first candidate (In-Reply-To, then References from the last) whose
    message is in the input or the workspace; with none known, the In-Reply-To (else last
    References) id is kept as parent_id and no reply interaction is made.
    """
    n = len(c.raw_id)
    parent_id = np.full(n, None, dtype=object)
    reply_to = np.full(n, None, dtype=object)
    rows = [k for k in range(n) if c.parents[k]]
    if not rows:
        return parent_id, reply_to
    flat = [i for k in rows for i in c.parents[k]]
    pids = ws.pseudonymiser.messages(flat)
    known = dict(zip(msg_ids.tolist(), authors.tolist(), strict=True))
    unknown = sorted(set(pids.tolist()) - known.keys())
    if unknown:
        known.update(common.stored_authors(ws, unknown))
    j = 0
    for k in rows:
        cands = pids[j : j + len(c.parents[k])].tolist()
        j += len(cands)
        own = msg_ids[k]
        hit = next((p for p in cands if p != own and p in known), None)
        if hit is None:
            parent_id[k] = cands[0] if cands[0] != own else None
        else:
            parent_id[k], reply_to[k] = hit, known[hit]
    return parent_id, reply_to
