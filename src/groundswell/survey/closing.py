"""Closing a survey: its nominations become interactions.

``close`` turns every nomination into one message and one interaction of kind
``survey:<slug>`` through :func:`groundswell.ingest.batch.write`, exactly as
:mod:`groundswell.ingest.survey` represents a file of the same answers (author = respondent,
``n_recipients`` 1, weight = strength, 1 without a scale; time = when the respondent saved
that question, to the second). Only the message ids differ: the file reader hashes the
identifiers as the file gives them, the survey hashes the pseudonyms it holds. Closing is
idempotent: a second ``close`` adds nothing.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pandas as pd

from groundswell import ops
from groundswell.errors import SurveyStateError
from groundswell.ingest import batch, common
from groundswell.survey import intake
from groundswell.survey.following import answers
from groundswell.survey.record import (
    _WRITE_LOCK,
    KIND,
    Survey,
    get,
    now,
    retry,
    writing,
)

if TYPE_CHECKING:
    from groundswell.store import Store


def close(ws: Store, survey: int | str | Survey) -> common.IngestSummary:
    """Close a survey: stop accepting answers and write its nominations as ``survey:<slug>``
    interactions (one :func:`groundswell.ingest.batch.write` transaction). Idempotent: closing
    a closed survey adds nothing and returns the stored summary.
    """
    s = get(ws, survey)
    was_open = s.status == "open"
    if s.status == "draft":
        raise SurveyStateError(f"survey {s.name!r} was never launched; nothing to close")
    if s.status == "open":

        def stop() -> None:
            with writing(ws) as con:
                con.execute(
                    "UPDATE surveys SET status = 'closed', closed_at = ? WHERE survey_id = ? "
                    "AND status = 'open'",
                    [now(), s.survey_id],
                )

        # no answer may slip in between the last drain and the status change: the
        # operational store's write lock is held throughout, and the survey is recorded
        # there as closed in the same SQLite transaction (see survey/intake.py)
        with ops.opened(ws.folder) as sq, ops.writing(sq):
            sq.execute("INSERT OR IGNORE INTO closed_surveys VALUES (?)", [s.survey_id])
            intake.drain(ws, sq)
            retry(stop)
    frame = answers(ws, s)
    options = {"survey_id": s.survey_id, "survey": s.name}
    sha = hashlib.sha256(
        frame.assign(timestamp=frame["timestamp"].astype(str)).to_csv(index=False).encode()
    ).hexdigest()
    label = f"survey {s.name!r} (id {s.survey_id})"
    summary = common.earlier_ingest(ws, KIND, label, sha, options)
    if summary is None:
        summary = common.IngestSummary(label, KIND, None, rows_read=len(frame))
        with _WRITE_LOCK:
            batch.write(ws, _batch(ws, frame), summary, sha, options)
    if get(ws, s).source_id is None:

        def record() -> None:
            with writing(ws) as con:
                con.execute(
                    "UPDATE surveys SET source_id = ? WHERE survey_id = ?",
                    [summary.source_id, s.survey_id],
                )

        retry(record)
    if was_open:  # the survey beside the latest run, for the dashboard to read
        from groundswell.survey.comparison import store_for_latest_run

        store_for_latest_run(ws, s.survey_id)
    return summary


def _batch(ws: Store, frame: pd.DataFrame) -> batch.Batch:
    """The messages and interactions of nominations, as :mod:`groundswell.ingest.survey`
    builds them from a file (same kinds, times, weights; keys hash the pseudonyms)."""
    ts = pd.to_datetime(frame["timestamp"], utc=True).astype("datetime64[ns, UTC]")
    resp = frame["respondent"].astype(str).str.lower()
    nom = frame["nominee"].astype(str).str.lower()
    kind = ("survey:" + frame["question"].astype(str)).to_numpy(dtype=object)
    key = (
        "survey\x1f"
        + resp
        + "\x1f"
        + frame["question"].astype(str)
        + "\x1f"
        + nom
        + "\x1f"
        + ts.dt.strftime("%Y-%m-%dT%H:%M:%S")
    )
    messages = pd.DataFrame(
        {
            "message_id": ws.pseudonymiser.messages(key.astype("string")),
            "channel_id": None,
            "thread_id": None,
            "parent_id": None,
            "author_id": frame["respondent"].to_numpy(dtype=object),
            "ts": ts.array,
            "kind": kind,
            "n_recipients": 1,
            "is_question": False,
            "is_bot": False,
            "text": None,
        }
    )
    targets = pd.DataFrame(
        {
            "message_id": messages["message_id"],
            "target_id": frame["nominee"].to_numpy(dtype=object),
            "kind": kind,
        }
    )
    inter = batch.interactions(messages, targets)
    w = pd.Series(frame["strength"].to_numpy(dtype="float64"), index=messages["message_id"])
    inter["weight"] = inter["message_id"].map(w).astype("float64").to_numpy()
    return batch.Batch(messages=messages, interactions=inter)
