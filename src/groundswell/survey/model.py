"""A relationship survey's life: create, launch, follow, remind, close.

``create`` stores the questions (a draft); ``launch`` fixes the roster — every person in
``people`` who is internal and has no ``leave_date`` in the past — and issues one personal
link per person. A link is ``BASE_URL/s/TOKEN`` with ``TOKEN = secrets.token_urlsafe(32)``
(256 bits); only its SHA-256 is stored, so the links exist in clear only in what ``launch``
and ``remind`` return (the CSV, the emails). Each reminder issues a fresh link to each person
who has not submitted; earlier links keep working until the survey closes.

``close`` turns every nomination into one message and one interaction of kind
``survey:<slug>`` through :func:`groundswell.ingest.batch.write`, exactly as
:mod:`groundswell.ingest.survey` represents a file of the same answers (author = respondent,
``n_recipients`` 1, weight = strength, 1 without a scale; time = when the respondent saved
that question, to the second). Only the message ids differ: the file reader hashes the
identifiers as the file gives them, the survey hashes the pseudonyms it holds. Closing is
idempotent: a second ``close`` adds nothing.

Writes from the web app run in many threads; each is one short DuckDB transaction, serialised
by a process-wide lock (DuckDB's optimistic concurrency would otherwise abort one of two
transactions touching the same rows), and committed before the caller answers.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pandas as pd

from groundswell.errors import ConfigError, GroundswellError
from groundswell.ingest import batch, common
from groundswell.privacy import SUPPRESSED
from groundswell.survey import questions as qmod
from groundswell.survey.questions import Question

if TYPE_CHECKING:
    from groundswell.workspace import Workspace

T = TypeVar("T")
KIND = "survey"
STATUSES = ("draft", "open", "closed")
_WRITE_LOCK = threading.Lock()


class SurveyError(GroundswellError):
    """A survey operation that is not allowed now, or an answer that is not valid.

    ``status`` is the HTTP status the web layer answers with (400, 403, 404, 409, 422, 429).
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Survey:
    """A stored survey and its questions (in form order)."""

    survey_id: int
    name: str
    status: str
    anonymous_attributes: bool
    created_at: datetime
    launched_at: datetime | None
    closed_at: datetime | None
    source_id: int | None
    questions: tuple[Question, ...]

    def question(self, slug: str) -> Question:
        for q in self.questions:
            if q.slug == slug:
                return q
        raise SurveyError(f"this survey has no question {slug!r}", 404)

    @property
    def layers(self) -> list[str]:
        """The interaction kinds its nomination questions become (``survey:<slug>``)."""
        return [q.layer for q in self.questions if q.layer]

    def as_dict(self) -> dict[str, Any]:
        return {
            "survey_id": self.survey_id,
            "name": self.name,
            "status": self.status,
            "anonymous_attributes": self.anonymous_attributes,
            "created_at": self.created_at.isoformat(),
            "launched_at": self.launched_at.isoformat() if self.launched_at else None,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "source_id": self.source_id,
            "questions": [q.as_dict() for q in self.questions],
        }


@dataclass(frozen=True)
class Link:
    """A personal link as issued: the only moment its token exists in clear."""

    person_id: str
    display_name: str | None
    department: str | None
    url: str


def now() -> datetime:
    """The current time in UTC, to the second (answers are timed to the second)."""
    return datetime.now(UTC).replace(microsecond=0)


def digest(token: str) -> str:
    """The stored form of a link token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


@contextmanager
def writing(ws: Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """One serialised write transaction (see the module docstring)."""
    with _WRITE_LOCK, ws.transaction() as con:
        yield con


def retry(fn: Callable[[], T], attempts: int = 5) -> T:
    """Run a write again when DuckDB reports a conflict with another writer (a dashboard
    session or sign-in in another thread)."""
    for k in range(attempts):
        try:
            return fn()
        except duckdb.TransactionException:
            if k == attempts - 1:
                raise
            time.sleep(0.01 * (k + 1))
    raise AssertionError("unreachable")


# -- create and read ------------------------------------------------------------------------
def create(
    ws: Workspace,
    name: str,
    questions: list[Question] | None = None,
    *,
    anonymous_attributes: bool = False,
) -> Survey:
    """Store a new survey (a draft) and return it.

    Parameters
    ----------
    ws : Workspace
        The workspace.
    name : str
        A unique name, 1 to 100 characters ("Spring 2025 network survey").
    questions : list of Question, optional
        The questions in form order; :func:`groundswell.survey.questions.defaults` (advice,
        information, trust, energy, collaboration) when omitted.
    anonymous_attributes : bool
        Store attribute answers with no respondent (docs/survey.md, "Anonymous attribute
        answers"); nominations are never anonymous, since a tie needs both ends.
    """
    name = " ".join(str(name).split())
    if not name or len(name) > 100:
        raise ConfigError(f"survey name must have 1 to 100 characters; got {name!r}")
    qs = list(questions) if questions is not None else qmod.defaults()
    qmod.parse([q.as_dict() for q in qs])  # validates again, checks slugs are distinct
    if not any(q.is_nomination for q in qs):
        raise ConfigError("a survey needs at least one nomination question (whom do you ...?)")
    exists = ws.con.execute("SELECT count(*) FROM surveys WHERE name = ?", [name]).fetchall()
    if exists[0][0]:
        raise ConfigError(f"a survey named {name!r} already exists; choose another name")

    def write() -> int:
        with writing(ws) as con:
            sid = int(con.execute("SELECT nextval('survey_seq')").fetchall()[0][0])
            con.execute(
                "INSERT INTO surveys VALUES (?, ?, 'draft', ?, ?, NULL, NULL, NULL)",
                [sid, name, anonymous_attributes, now()],
            )
            con.executemany(
                "INSERT INTO survey_questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        sid,
                        i,
                        q.slug,
                        q.kind,
                        q.text,
                        q.help,
                        q.max_nominations,
                        q.scale,
                        q.scale_low,
                        q.scale_high,
                    ]
                    for i, q in enumerate(qs, 1)
                ],
            )
        return sid

    return get(ws, retry(write))


def get(ws: Workspace, survey: int | str | Survey) -> Survey:
    """A stored survey by id or name (a :class:`Survey` is read again, fresh)."""
    if isinstance(survey, Survey):
        survey = survey.survey_id
    if isinstance(survey, str) and survey.isdigit():
        survey = int(survey)
    col = "survey_id" if isinstance(survey, int) else "name"
    rows = ws.con.execute(
        "SELECT survey_id, name, status, anonymous_attributes, created_at, launched_at, "
        f"closed_at, source_id FROM surveys WHERE {col} = ?",
        [survey],
    ).fetchall()
    if not rows:
        known = [r[0] for r in ws.con.execute("SELECT name FROM surveys").fetchall()]
        raise SurveyError(
            f"there is no survey {survey!r}"
            + (f"; surveys: {', '.join(map(repr, known))}" if known else "; create one first"),
            404,
        )
    sid = rows[0][0]
    qrows = ws.con.execute(
        "SELECT kind, text, slug, max_nominations, scale, scale_low, scale_high, help "
        "FROM survey_questions WHERE survey_id = ? ORDER BY position",
        [sid],
    ).fetchall()
    return Survey(*rows[0], questions=tuple(Question(*r) for r in qrows))


def list_surveys(ws: Workspace) -> pd.DataFrame:
    """Every survey with its counts: invited, submitted."""
    return ws.query(
        "SELECT s.survey_id, s.name, s.status, s.created_at, s.launched_at, s.closed_at, "
        "count(i.person_id) AS invited, count(i.submitted_at) AS submitted "
        "FROM surveys s LEFT JOIN survey_invitations i USING (survey_id) "
        "GROUP BY ALL ORDER BY s.survey_id"
    )


# -- roster and launch ----------------------------------------------------------------------
def roster(ws: Workspace, on: datetime | None = None) -> pd.DataFrame:
    """The people a survey launched now would invite: internal, no leave date before today.

    Columns person_id, display_name, department (one row per person, by person_id).
    """
    day = (on or now()).date()
    return ws.query(
        "SELECT person_id, display_name, department FROM people WHERE is_internal "
        "AND (leave_date IS NULL OR leave_date >= ?) ORDER BY person_id",
        [day],
    )


def launch(ws: Workspace, survey: int | str | Survey, *, base_url: str) -> list[Link]:
    """Open a draft survey: one invitation and one personal link per person of the roster.

    Respondents find colleagues by name, so every launch needs display names: a
    pseudonymous workspace (``privacy.identified = false``) keeps none and is refused.
    People without a name are invited (they can answer) but cannot be found and named;
    their number is in the error when nobody has a name.

    Returns the links (the tokens exist in clear only here): write them with
    :func:`write_links` or send them with :func:`groundswell.survey.mail.send_links`.
    """
    s = get(ws, survey)
    if s.status != "draft":
        raise SurveyError(f"survey {s.name!r} is {s.status}; only a draft can be launched", 409)
    base = _base_url(base_url)
    people = roster(ws)
    if people.empty:
        raise SurveyError(
            "the roster is empty: no internal person without a past leave date in `people`; "
            "ingest the HR file first (groundswell ingest orgchart)",
            409,
        )
    named = int(people["display_name"].notna().sum())
    if named == 0:
        raise SurveyError(
            f"none of the {len(people)} people of the roster has a display name, and "
            "respondents find the colleagues they name by name. A pseudonymous workspace "
            "(privacy.identified = false) keeps no names: run surveys in an identified "
            "workspace (groundswell init --identified, then ingest the HR file with its name "
            "column)",
            409,
        )
    order = list(range(1, len(people) + 1))
    secrets.SystemRandom().shuffle(order)
    stamp = now()
    tokens = [secrets.token_urlsafe(32) for _ in range(len(people))]
    inv = pd.DataFrame(
        {
            "survey_id": s.survey_id,
            "person_id": people["person_id"],
            "roster_no": order,
            "csrf_token": [secrets.token_urlsafe(24) for _ in range(len(people))],
            "invited_at": stamp,
        }
    )
    links = pd.DataFrame(
        {
            "token_hash": [digest(t) for t in tokens],
            "survey_id": s.survey_id,
            "person_id": people["person_id"],
            "issued_at": stamp,
        }
    )

    def write() -> None:
        with writing(ws) as con:
            status = con.execute(
                "SELECT status FROM surveys WHERE survey_id = ?", [s.survey_id]
            ).fetchall()[0][0]
            if status != "draft":
                raise SurveyError(f"survey {s.name!r} is {status}; only a draft can launch", 409)
            con.register("inv_frame", inv)
            con.register("link_frame", links)
            try:
                con.execute(
                    "INSERT INTO survey_invitations (survey_id, person_id, roster_no, "
                    "csrf_token, invited_at) SELECT * FROM inv_frame"
                )
                con.execute("INSERT INTO survey_links SELECT * FROM link_frame")
            finally:
                con.unregister("inv_frame")
                con.unregister("link_frame")
            con.execute(
                "UPDATE surveys SET status = 'open', launched_at = ? WHERE survey_id = ?",
                [stamp, s.survey_id],
            )

    retry(write)
    return [
        Link(p, n if isinstance(n, str) else None, d if isinstance(d, str) else None, base + t)
        for p, n, d, t in zip(
            people["person_id"], people["display_name"], people["department"], tokens, strict=True
        )
    ]


def remind(
    ws: Workspace, survey: int | str | Survey, *, base_url: str, include_started: bool = True
) -> list[Link]:
    """Issue a fresh personal link to everyone who has not submitted yet (their earlier links
    keep working). ``include_started=False`` leaves out people who saved some answers."""
    s = _open(ws, survey)
    base = _base_url(base_url)
    cond = "" if include_started else " AND i.started_at IS NULL"
    todo = ws.query(
        "SELECT i.person_id, p.display_name, p.department FROM survey_invitations i "
        "LEFT JOIN people p USING (person_id) WHERE i.survey_id = ? AND i.submitted_at IS NULL"
        + cond
        + " ORDER BY i.person_id",
        [s.survey_id],
    )
    if todo.empty:
        return []
    tokens = [secrets.token_urlsafe(32) for _ in range(len(todo))]
    stamp = now()
    links = pd.DataFrame(
        {
            "token_hash": [digest(t) for t in tokens],
            "survey_id": s.survey_id,
            "person_id": todo["person_id"],
            "issued_at": stamp,
        }
    )

    def write() -> None:
        with writing(ws) as con:
            con.register("link_frame", links)
            try:
                con.execute("INSERT INTO survey_links SELECT * FROM link_frame")
                con.execute(
                    "UPDATE survey_invitations SET reminders = reminders + 1 WHERE survey_id = ? "
                    "AND person_id IN (SELECT person_id FROM link_frame)",
                    [s.survey_id],
                )
            finally:
                con.unregister("link_frame")

    retry(write)
    return [
        Link(p, n if isinstance(n, str) else None, d if isinstance(d, str) else None, base + t)
        for p, n, d, t in zip(
            todo["person_id"], todo["display_name"], todo["department"], tokens, strict=True
        )
    ]


def mark_sent(ws: Workspace, survey_id: int, person_ids: list[str]) -> None:
    """Record that these people's links were emailed now."""
    if not person_ids:
        return
    frame = pd.DataFrame({"person_id": person_ids})

    def write() -> None:
        with writing(ws) as con:
            con.register("sent_frame", frame)
            try:
                con.execute(
                    "UPDATE survey_invitations SET last_sent_at = ? WHERE survey_id = ? "
                    "AND person_id IN (SELECT person_id FROM sent_frame)",
                    [now(), survey_id],
                )
            finally:
                con.unregister("sent_frame")

    retry(write)


def write_links(links: list[Link], path: str | Path, *, names: bool = True) -> Path:
    """The personal links as a CSV (person_id, display_name, department, url). Keep the file
    safe: each link answers for one person, and it is the only copy of the tokens."""
    path = Path(path)
    frame = pd.DataFrame(
        {
            "person_id": [k.person_id for k in links],
            "display_name": [k.display_name if names else None for k in links],
            "department": [k.department for k in links],
            "url": [k.url for k in links],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    path.chmod(0o600)
    return path


def _base_url(base_url: str) -> str:
    base = str(base_url).strip().rstrip("/")
    if not base.startswith(("http://", "https://")) or len(base) < 10:
        raise ConfigError(
            f"base URL must be the dashboard's address, such as https://ona.example.com; "
            f"got {base_url!r}"
        )
    return base + "/s/"


def _open(ws: Workspace, survey: int | str | Survey) -> Survey:
    s = get(ws, survey)
    if s.status != "open":
        raise SurveyError(f"survey {s.name!r} is {s.status}, not open", 409)
    return s


# -- following it ---------------------------------------------------------------------------
def response_rate(ws: Workspace, survey: int | str | Survey) -> dict[str, Any]:
    """Response rate overall and by department, with small groups suppressed.

    A department with fewer invited people than ``privacy.min_group_size`` shows no figures;
    such departments are merged into one ``(suppressed)`` row without figures. When the
    suppressed departments hold fewer people than the minimum together, the next smallest
    departments are suppressed too, so that the suppressed figures cannot be found by
    subtracting the shown departments from the total (secondary suppression). The overall
    figures are suppressed when fewer people than the minimum were invited.

    Returns ``{"invited", "started", "submitted", "rate", "departments": [{"department",
    "invited", "started", "submitted", "rate"}, ...]}`` (figures None where suppressed).
    """
    s = get(ws, survey)
    k = ws.settings.min_group_size
    df = ws.query(
        "SELECT coalesce(p.department, '(unknown)') AS department, count(*) AS invited, "
        "count(i.started_at) AS started, count(i.submitted_at) AS submitted "
        "FROM survey_invitations i LEFT JOIN people p USING (person_id) "
        "WHERE i.survey_id = ? GROUP BY 1 ORDER BY invited, department",
        [s.survey_id],
    )
    total = df[["invited", "started", "submitted"]].sum()
    invited = int(total["invited"])
    show_total = invited >= k
    out: dict[str, Any] = {
        "survey_id": s.survey_id,
        "status": s.status,
        "min_group_size": k,
        "invited": invited if show_total else None,
        "started": int(total["started"]) if show_total else None,
        "submitted": int(total["submitted"]) if show_total else None,
        "rate": (float(total["submitted"]) / invited if invited else None) if show_total else None,
    }
    small = (df["invited"] < k).to_numpy().copy()
    # secondary suppression: the suppressed set must itself hold at least k people
    order = df.sort_values(["invited", "department"]).index
    while small.any() and df.loc[small, "invited"].sum() < k and not small.all():
        nxt = next(i for i in order if not small[df.index.get_loc(i)])
        small[df.index.get_loc(nxt)] = True
    rows = []
    for rec, hide in zip(df.to_dict("records"), small, strict=True):
        if hide:
            continue
        rows.append(
            {
                "department": rec["department"],
                "invited": int(rec["invited"]),
                "started": int(rec["started"]),
                "submitted": int(rec["submitted"]),
                "rate": rec["submitted"] / rec["invited"],
            }
        )
    rows.sort(key=lambda r: r["department"])
    if small.any():
        rows.append(
            {
                "department": SUPPRESSED,
                "invited": None,
                "started": None,
                "submitted": None,
                "rate": None,
            }
        )
    out["departments"] = rows
    return out


def nonrespondents(ws: Workspace, survey: int | str | Survey) -> pd.DataFrame:
    """Who has not submitted (for admins only): person_id, display_name (identified
    workspaces only), department, started (saved some answers), reminders, last_sent_at."""
    s = get(ws, survey)
    df = ws.query(
        "SELECT i.person_id, p.display_name, p.department, i.started_at IS NOT NULL AS started, "
        "i.reminders, i.last_sent_at FROM survey_invitations i LEFT JOIN people p "
        "USING (person_id) WHERE i.survey_id = ? AND i.submitted_at IS NULL "
        "ORDER BY p.department, p.display_name, i.person_id",
        [s.survey_id],
    )
    if not ws.settings.identified:
        df["display_name"] = None
    return df


def answers(ws: Workspace, survey: int | str | Survey) -> pd.DataFrame:
    """Every nomination stored: respondent, nominee (person ids), question (slug), strength,
    timestamp — the columns :mod:`groundswell.ingest.survey` reads."""
    s = get(ws, survey)
    return ws.query(
        "SELECT person_id AS respondent, nominee_id AS nominee, slug AS question, strength, "
        "answered_at AS timestamp FROM survey_responses WHERE survey_id = ? "
        "ORDER BY respondent, question, nominee",
        [s.survey_id],
    )


def attribute_summary(ws: Workspace, survey: int | str | Survey) -> pd.DataFrame:
    """Attribute questions: answers, mean and the count of each value; suppressed (all None)
    for a question with fewer answers than ``privacy.min_group_size``."""
    s = get(ws, survey)
    k = ws.settings.min_group_size
    rows = []
    for q in s.questions:
        if q.is_nomination:
            continue
        vals = [
            r[0]
            for r in ws.con.execute(
                "SELECT value FROM survey_attribute_answers WHERE survey_id = ? AND slug = ?",
                [s.survey_id, q.slug],
            ).fetchall()
        ]
        shown = len(vals) >= k
        row: dict[str, Any] = {
            "question": q.slug,
            "answers": len(vals) if shown else None,
            "mean": sum(vals) / len(vals) if shown else None,
        }
        for v in range(1, (q.scale or 0) + 1):
            row[str(v)] = vals.count(v) if shown else None
        rows.append(row)
    return pd.DataFrame(rows)


# -- close ----------------------------------------------------------------------------------
def close(ws: Workspace, survey: int | str | Survey) -> common.IngestSummary:
    """Close a survey: stop accepting answers and write its nominations as ``survey:<slug>``
    interactions (one :func:`groundswell.ingest.batch.write` transaction). Idempotent: closing
    a closed survey adds nothing and returns the stored summary.
    """
    s = get(ws, survey)
    if s.status == "draft":
        raise SurveyError(f"survey {s.name!r} was never launched; nothing to close", 409)
    if s.status == "open":

        def stop() -> None:
            with writing(ws) as con:
                con.execute(
                    "UPDATE surveys SET status = 'closed', closed_at = ? WHERE survey_id = ? "
                    "AND status = 'open'",
                    [now(), s.survey_id],
                )

        retry(stop)
    frame = answers(ws, s)
    options = {"survey_id": s.survey_id, "survey": s.name}
    sha = hashlib.sha256(
        frame.assign(timestamp=frame["timestamp"].astype(str)).to_csv(index=False).encode()
    ).hexdigest()
    label = f"survey {s.name!r} (id {s.survey_id})"
    seen = common.already_ingested(ws, KIND, sha, options)
    if seen is not None:
        summary = common.IngestSummary(label, KIND, seen, already_ingested=True)
    else:
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
    return summary


def _batch(ws: Workspace, frame: pd.DataFrame) -> batch.Batch:
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


def as_json(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)
