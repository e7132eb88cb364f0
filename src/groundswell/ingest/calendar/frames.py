"""The canonical frames of the calendar read: meeting messages, interactions, channels
(one per series) and people (see :mod:`groundswell.ingest.calendar`)."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.ingest import batch, limits
from groundswell.ingest import email as email_reader
from groundswell.ingest.calendar.instances import Rows

if TYPE_CHECKING:
    from groundswell.store import Store


# --------------------------------------------------------------------------------- frames


def _frames(
    ws: Store, r: Rows, domains: list[str], warnings: list[str] | None = None
) -> batch.Batch:
    pseudo = ws.pseudonymiser
    cap = ws.settings.max_recipients
    n = len(r.raw_id)
    msg_ids = pseudo.messages(r.raw_id) if n else np.array([], dtype=object)
    series = pseudo.channels(["meeting:" + u for u in r.series]) if n else msg_ids
    ts = pd.Series(
        pd.to_datetime([t.astimezone(UTC) for t in r.ts], utc=True)
        if n
        else pd.to_datetime([], utc=True)
    )
    messages = pd.DataFrame(
        {
            "message_id": msg_ids,
            "channel_id": series,
            "thread_id": None,
            "parent_id": None,
            "author_id": pseudo.people(r.organiser) if n else msg_ids,
            "ts": ts.array,
            "kind": "meeting",
            "n_recipients": 0,
            "is_question": False,
            "is_bot": False,
            "text": [r.text[k] for k in r.attendees] if ws.store_content else None,
        }
    )
    # each meeting's attendees (distinct) are pseudonymised once, then joined to its instances
    lists = pd.DataFrame(
        [(k, a, kind) for k, att in enumerate(r.lists) for a, kind in att[:cap]],
        columns=["list", "addr", "kind"],
    )
    lists["target_id"] = pseudo.people(lists["addr"]) if len(lists) else lists["addr"]
    inst = pd.DataFrame({"message_id": msg_ids, "list": np.array(r.attendees, dtype=np.int64)})
    t = inst.merge(lists[["list", "target_id", "kind"]], on="list", how="inner")
    targets = pd.DataFrame(
        {
            "message_id": t["message_id"].to_numpy(),
            "target_id": t["target_id"].to_numpy(),
            "kind": t["kind"].to_numpy(),
        }
    )
    inter = batch.interactions(messages, targets)
    _capped(r, messages, inter, cap, warnings)
    channels = (
        pd.DataFrame({"channel_id": series, "ts": ts})
        .groupby("channel_id", as_index=False)
        .agg(created_at=("ts", "min"))
        .assign(name=None, kind="meeting")
    )
    used = lists[lists["list"].isin(set(r.attendees))]["addr"]
    people = email_reader.people_rows(
        ws, pd.concat([pd.Series(r.organiser, dtype="string"), used], ignore_index=True),
        domains, r.names,
    )  # fmt: skip
    return batch.Batch(people=people, channels=channels, messages=messages, interactions=inter)


def _capped(
    r: Rows, messages: pd.DataFrame, inter: pd.DataFrame, cap: int, warnings: list[str] | None
) -> None:
    """Meetings with more than ``cap`` attendees kept the first ``cap`` as interactions:
    warn, naming their UIDs, and set ``n_recipients`` to the true number of attendees."""
    uid = dict(zip(r.attendees, r.series, strict=True))  # meeting -> its UID
    over = sorted(k for k in uid if len(r.lists[k]) > cap)
    if not over:
        return
    size = np.array([len(att) for att in r.lists], dtype=np.int64)
    true = size[np.array(r.attendees, dtype=np.int64)]
    ids = messages["message_id"].to_numpy()[true > cap]
    limits.true_counts((messages, inter), ids, true[true > cap])
    if warnings is not None:
        names = ", ".join(repr(uid[k]) for k in over[:5]) + (", ..." if len(over) > 5 else "")
        where = f"UID{'s' if len(over) > 1 else ''} {names}"
        dropped = int(size[over].sum()) - cap * len(over)
        warnings.append(limits.dropped_warning("meeting", len(over), where, cap, dropped))
