"""Questions and answers: does the network answer the questions people ask, how fast, and
across which boundaries; do its leaders answer in the open?

Questions come from metadata (:func:`groundswell.value.queries.questions_sql`): a source's
question flag, a thread opened in a Q&A channel (a name with ``help``, ``ask``, ``q-a``,
``questions``, ...), and, only when the workspace stores content, the text. Answers are
replies in the question's thread by someone else, within the same window.

Connected leadership (:func:`leaders`) sets each leader against everyone else: **reach**
(people tied to them, and within two steps), **reciprocity** (share of their ties returned),
**responsiveness** (share of the replies, mentions, messages and emails addressed to them
that they answer — any act back to the sender — within ``value.respond_hours``), and how
much they work in the open (share of their messages in public channels and communities,
questions they answer there). A **leader Q&A session** is a run of a leader's answers in one
open channel with no gap longer than ``value.session_gap_hours``.

References
----------
Cross, R., Ernst, C. and Pasmore, B. (2013). A bridge too far? How boundary spanning networks
drive organizational change and effectiveness. *Organizational Dynamics* 42(2). Li, C.
(2015). *The Engaged Leader* (leaders working out loud). Adamic, L. A., Zhang, J., Bakshy, E.
and Ackerman, M. S. (2008). Knowledge sharing and Yahoo Answers: everyone knows something.
*WWW '08* (response rate and time to first answer as the health of a Q&A community).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from groundswell import _sets
from groundswell.privacy import gate_labels
from groundswell.value._base import OPEN_KINDS, gate_rows, question_positions, ratio
from groundswell.value.maturity import question_flags


@dataclass
class QAReport:
    """The questions of a window and how the network answered them."""

    window: str
    summary: dict[str, Any]
    questions: pd.DataFrame  # one row per question
    channels: pd.DataFrame  # per channel: questions, answered, response rate, hours
    boundaries: pd.DataFrame  # asker's department x answerer's department: answers
    sessions: pd.DataFrame  # leader Q&A sessions
    notes: dict[str, Any] = field(default_factory=dict)


def qa(
    window: str,
    qs: pd.DataFrame,
    ans: pd.DataFrame,
    department: pd.Series,
    leaders_ids: pd.Index,
    s: dict[str, Any],
    min_size: int,
) -> QAReport:
    """Questions, response rate, time to first answer, who answers whom across departments,
    and leaders' Q&A sessions, from the questions and answers of a window
    (:func:`groundswell.value._base.answered`), each person's department and the leaders.

    Channels with fewer than ``min_size`` people taking part (askers and answerers) and
    departments below it are merged into one suppressed row.
    """
    q = question_flags(qs, ans, department, float(s["answer_hours"]))
    q["asker_department"] = q["asker"].map(department).to_numpy()
    return QAReport(
        window=window,
        summary=summarise(q),
        questions=q,
        channels=_channels(q, ans, min_size),
        boundaries=_boundaries(q, ans, department, min_size),
        sessions=sessions(q, ans, leaders_ids, s),
    )


def summarise(q: pd.DataFrame) -> dict[str, Any]:
    """Headline figures of a table of questions (with ``fast`` and ``across`` flags)."""
    n = len(q)
    answered = q[q["answered"]] if n else q
    return {
        "questions": n,
        "answered": len(answered),
        "response_rate": len(answered) / n if n else float("nan"),
        "median_hours_to_answer": float(answered["hours"].median()) if len(answered) else None,
        "answered_fast_share": float(q["fast"].mean()) if n else float("nan"),
        "answered_across_share": float(answered["across"].mean()) if len(answered) else None,
        "askers": int(q["asker"].nunique()) if n else 0,
    }


def _channels(q: pd.DataFrame, ans: pd.DataFrame, min_size: int) -> pd.DataFrame:
    cols = ["channel", "kind", "people", "questions", "answered", "response_rate", "median_hours"]
    if q.empty:
        return pd.DataFrame(columns=cols)
    q = q.assign(channel=q["channel_name"].fillna(q["channel_id"]).fillna("(no channel)"))
    at = question_positions(q["question_id"], ans["question_id"])
    if at is None:  # questions sharing an id: by the join of the frames
        who = pd.concat(
            [
                q[["channel", "asker"]].rename(columns={"asker": "p"}),
                ans.merge(q[["question_id", "channel"]], on="question_id")[
                    ["channel", "answerer"]
                ].rename(columns={"answerer": "p"}),
            ]
        )
        size = who.groupby("channel")["p"].nunique()
    else:  # the askers, and the answerers of each channel's questions
        found = np.flatnonzero(at >= 0)
        key = pd.concat([q["channel"], q["channel"].iloc[at[found]]], ignore_index=True)
        person = pd.concat([q["asker"], ans["answerer"].iloc[found]], ignore_index=True)
        size = person.groupby(key).nunique()
    g = q.groupby("channel")
    out = pd.DataFrame(
        {
            "kind": g["channel_kind"].first(),
            "people": size,
            "questions": g.size(),
            "answered": g["answered"].sum(),
            "median_hours": g["hours"].median(),
        }
    )
    out["response_rate"] = out["answered"] / out["questions"]
    out = out.rename_axis("channel").reset_index()[cols]
    return _merge_small(out, "channel", min_size).sort_values("questions", ascending=False)


def _boundaries(q: pd.DataFrame, ans: pd.DataFrame, dept: pd.Series, min_size: int) -> pd.DataFrame:
    """Answers (question, answerer pairs) by the asker's department (rows) and the
    answerer's (columns); departments below the minimum size merged as suppressed."""
    if q.empty or ans.empty:
        return pd.DataFrame()
    label = gate_labels(dept, min_size)  # the privacy gate, by department sizes
    at = question_positions(q["question_id"], ans["question_id"])
    if at is None or not label.index.is_unique:  # by the join of the frames
        pairs = ans.merge(q[["question_id", "asker"]], on="question_id")
        a = pairs["asker"].map(label).fillna("(unknown)")
        b = pairs["answerer"].map(label).fillna("(unknown)")
        return pd.crosstab(a.rename("asker_department"), b.rename("answerer_department"))
    found = np.flatnonzero(at >= 0)
    names = np.append(np.asarray(label.to_numpy(), dtype=object), "(unknown)")
    unknown = len(names) - 1

    def named(who: np.ndarray) -> np.ndarray:
        i = np.asarray(label.index.get_indexer(who), dtype=np.int64)
        return names[np.where(i >= 0, i, unknown)]

    a = named(np.asarray(q["asker"].to_numpy(), dtype=object)[at[found]])
    b = named(np.asarray(ans["answerer"].to_numpy(), dtype=object)[found])
    ra, rows = pd.factorize(a, sort=True)  # rows and columns sorted, as crosstab sorts them
    cb, cols = pd.factorize(b, sort=True)
    cell = np.bincount(ra * len(cols) + cb, minlength=len(rows) * len(cols))
    return pd.DataFrame(
        cell.reshape(len(rows), len(cols)).astype(np.int64),
        index=pd.Index(rows, name="asker_department"),
        columns=pd.Index(cols, name="answerer_department"),
    )


def _merge_small(table: pd.DataFrame, key: str, min_size: int) -> pd.DataFrame:
    """Rows the privacy gate suppresses (by ``people``) merged into one without figures."""
    kept, merged = gate_rows(table, size="people", name=key, min_size=min_size)
    if merged.empty:
        return table
    return pd.concat([kept, merged], ignore_index=True)


def sessions(
    q: pd.DataFrame, ans: pd.DataFrame, leaders_ids: pd.Index, s: dict[str, Any]
) -> pd.DataFrame:
    """Leader Q&A sessions: a leader's answers in one open channel (public, community) with
    no gap longer than ``session_gap_hours``, at least ``session_min_answers`` of them.

    For each session: leader, channel, start (the earliest question they answered in it),
    end (their last answer), questions (asked in the channel between start and end),
    answered (of those, answered by anyone), by_leader (answered by the leader), and the
    median minutes from question to the leader's answer.
    """
    cols = [
        "leader", "channel", "start", "end", "questions", "answered", "by_leader",
        "median_minutes",
    ]  # fmt: skip
    if q.empty or ans.empty:
        return pd.DataFrame(columns=cols)
    q = q.assign(channel=q["channel_name"].fillna(q["channel_id"]))
    a = ans[ans["answerer"].isin(leaders_ids)].merge(
        q[["question_id", "channel", "channel_kind", "ts"]].rename(columns={"ts": "asked"}),
        on="question_id",
    )
    a = a[a["channel_kind"].isin(OPEN_KINDS)].sort_values(["answerer", "channel", "ts"])
    if a.empty:
        return pd.DataFrame(columns=cols)
    gap = pd.Timedelta(hours=float(s["session_gap_hours"]))
    new = (
        (a["answerer"] != a["answerer"].shift())
        | (a["channel"] != a["channel"].shift())
        | ((a["ts"] - a["ts"].shift()) > gap)
    )
    a["session"] = new.cumsum()
    a["minutes"] = (a["ts"] - a["asked"]).dt.total_seconds() / 60
    g = a.groupby("session")
    out = pd.DataFrame(
        {
            "leader": g["answerer"].first(),
            "channel": g["channel"].first(),
            "start": g["asked"].min(),
            "end": g["ts"].max(),
            "by_leader": g["question_id"].nunique(),
            "median_minutes": g["minutes"].median(),
        }
    )
    out = out[out["by_leader"] >= int(s["session_min_answers"])]
    if out.empty:
        return pd.DataFrame(columns=cols)
    # every question asked in the session's channel during the session (a range join)
    inside = out.reset_index().merge(q[["channel", "ts", "answered"]], on="channel")
    inside = inside[(inside["ts"] >= inside["start"]) & (inside["ts"] <= inside["end"])]
    per = inside.groupby("session").agg(questions=("ts", "size"), answered=("answered", "sum"))
    out = out.join(per)
    return out.reset_index(drop=True)[cols]


def leaders(
    ids: pd.Index,
    members: pd.Index,
    ties: pd.DataFrame,
    responses: pd.DataFrame,
    opened: pd.DataFrame,
    qs: pd.DataFrame,
    ans: pd.DataFrame,
    s: dict[str, Any],
) -> pd.DataFrame:
    """Connected-leadership measures of each leader (``ids``) against the organisation:
    everyone of the window's network (``members``) and tied in it (``ties``);
    ``responses`` is :func:`groundswell.value.queries.responsiveness`, ``opened``
    :func:`groundswell.value.queries.open_counts`, ``qs`` and ``ans`` the questions and
    answers of the window.

    One row per leader, plus a final row ``organisation`` with everyone's median:
    ``in_network``, ``contacts`` (people tied to them either way), ``two_step_reach``
    (people within two steps), ``reciprocity`` (share of their out-ties returned),
    ``responsiveness`` (responded / received) and ``median_response_hours``, ``open_share``
    (messages in public channels and communities), ``open_answers`` (questions answered
    there) and ``answer_minutes`` (median minutes to those answers); each of the first five
    with its percentile among everyone (``*_pct``, 0–100), and a ``verdict``:
    **responsive** (at least ``session_min_answers`` questions answered in the open, a
    median answer time within ``answer_hours``, and responsiveness at or above the
    organisation's median) or **absent** (nothing written in the open and responsiveness at
    or below the organisation's 25th percentile).
    """
    t = ties
    # everyone of the window's network, once each (their order makes no figure)
    everyone = pd.Index(
        pd.unique(
            np.concatenate(
                [np.asarray(x, dtype=object) for x in (members, t["actor_id"], t["target_id"])]
            )
        )
    )
    table = _reach(t, everyone)
    table = table.join(responses)
    table["responsiveness"] = ratio(table["responded"].fillna(0), table["received"])
    table.loc[table["received"].fillna(0) == 0, "responsiveness"] = np.nan
    table = table.join(opened[["msgs", "msgs_open"]])
    table["open_share"] = ratio(table["msgs_open"].fillna(0), table["msgs"].fillna(0))
    table = table.join(_open_answers(qs, ans))
    table["open_answers"] = table["open_answers"].fillna(0).astype("int64")
    measures = ["contacts", "two_step_reach", "reciprocity", "responsiveness", "open_share"]
    for m in measures:
        table[f"{m}_pct"] = table[m].rank(pct=True) * 100
    out = table.reindex(ids)
    out.insert(0, "in_network", out.index.isin(table.index))
    median = table["responsiveness"].median()
    q25 = table["responsiveness"].quantile(0.25)
    responsive = (
        (out["open_answers"] >= int(s["session_min_answers"]))
        & (out["answer_minutes"] <= float(s["answer_hours"]) * 60)
        & (out["responsiveness"] >= median)
    )
    absent = (out["msgs_open"].fillna(0) == 0) & (
        (out["responsiveness"].fillna(0) <= q25) | ~out["in_network"]
    )
    out["verdict"] = np.select([responsive, absent], ["responsive", "absent"], default="")
    org = table[[*measures, "median_hours", "answer_minutes", "open_answers"]].median()
    org_row = pd.DataFrame([org.to_dict() | {"verdict": "", "in_network": True}])
    org_row.index = pd.Index(["organisation"])
    cols = [
        "in_network", "contacts", "two_step_reach", "reciprocity", "responsiveness",
        "median_hours", "open_share", "open_answers", "answer_minutes", *[
            f"{m}_pct" for m in measures], "verdict",
    ]  # fmt: skip
    result = pd.concat([out, org_row])[cols].rename(columns={"median_hours": "response_hours"})
    result.index.name = "person_id"
    return result


def _open_answers(qs: pd.DataFrame, ans: pd.DataFrame) -> pd.DataFrame:
    """Per answerer: open_answers (questions in public channels and communities they
    answered) and answer_minutes (the median minutes from such a question to their first
    answer to it)."""
    at = question_positions(qs["question_id"], ans["question_id"])
    if at is None:  # questions sharing an id: by the join of the frames
        a = ans.merge(qs[["question_id", "channel_kind", "ts"]].rename(columns={"ts": "asked"}))
        a = a[a["channel_kind"].isin(OPEN_KINDS)]
        a = a.assign(minutes=(a["ts"] - a["asked"]).dt.total_seconds() / 60)
        return a.groupby("answerer").agg(
            open_answers=("question_id", "nunique"), answer_minutes=("minutes", "median")
        )
    found = np.flatnonzero(at >= 0)
    where = at[found]
    open_kind = np.asarray(qs["channel_kind"].isin(OPEN_KINDS).to_numpy(), dtype=bool)
    keep = open_kind[where]
    rows, where = found[keep], where[keep]
    answered = ans["ts"].array[rows]
    asked = qs["ts"].array[where]
    minutes = np.asarray((answered - asked).total_seconds(), dtype=np.float64) / 60
    who, names = pd.factorize(ans["answerer"].to_numpy()[rows])
    who = np.asarray(who, dtype=np.int64)
    named = who >= 0
    width = np.int64(len(qs) + 1)
    pairs = _sets.unique(who[named] * width + where[named])  # each (answerer, question)
    count = np.bincount(pairs // width, minlength=len(names))
    median = pd.Series(minutes[named]).groupby(who[named]).median()
    shown = np.flatnonzero(count > 0)
    return pd.DataFrame(
        {
            "open_answers": count[shown],
            "answer_minutes": median.reindex(shown).to_numpy(),
        },
        index=pd.Index(np.asarray(names)[shown], name="answerer"),
    )


def _reach(t: pd.DataFrame, everyone: pd.Index) -> pd.DataFrame:
    """contacts, two_step_reach and reciprocity of everyone from the window's ties (sparse
    matrices: the undirected adjacency A; two steps = the non-zeros of A + A @ A)."""
    import scipy.sparse as sp  # on first use: a report reads the stored figures only

    n = len(everyone)
    a = everyone.get_indexer(t["actor_id"])
    b = everyone.get_indexer(t["target_id"])
    directed = sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    undirected = ((directed + directed.T) > 0).astype(np.int32).tocsr()
    # people one or two steps away: the non-zeros of A + A @ A (path counts, all positive,
    # in integers), each row less its own diagonal entry when it has one
    two = (undirected + undirected @ undirected).tocsr()
    counts = np.diff(two.indptr)
    row_of = np.repeat(np.arange(n), counts)
    self_hits = np.bincount(row_of[two.indices == row_of], minlength=n)
    recip = directed.multiply(directed.T)
    out_deg = np.asarray(directed.sum(axis=1)).ravel()
    return pd.DataFrame(
        {
            "contacts": np.diff(undirected.indptr),
            "two_step_reach": (counts - self_hits).astype(counts.dtype),
            "reciprocity": np.where(
                out_deg > 0,
                np.asarray(recip.sum(axis=1)).ravel() / np.maximum(out_deg, 1),
                np.nan,
            ),
        },
        index=pd.Index(everyone, name="person_id"),
    )
