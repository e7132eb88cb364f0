"""A stored relationship survey: the :class:`Survey` record, creating and reading one.

``create`` stores the questions (a draft); :mod:`.links` launches it, :mod:`.following`
follows it, :mod:`.closing` closes it. This module also holds what they share: the current
time, the digest of a link token, and the write transaction.

Writes from the web app run in many threads; each is one short DuckDB transaction, serialised
by a process-wide lock (DuckDB's optimistic concurrency would otherwise abort one of two
transactions touching the same rows), and committed before the caller answers.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pandas as pd

from groundswell.errors import ConfigError, SurveyNotFoundError
from groundswell.survey import questions as qmod
from groundswell.survey.questions import Question

if TYPE_CHECKING:
    from groundswell.store import Store


T = TypeVar("T")
KIND = "survey"
STATUSES = ("draft", "open", "closed")
_WRITE_LOCK = threading.Lock()


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
        raise SurveyNotFoundError(f"this survey has no question {slug!r}")

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
def writing(ws: Store) -> Iterator[duckdb.DuckDBPyConnection]:
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
    ws: Store,
    name: str,
    questions: list[Question] | None = None,
    *,
    anonymous_attributes: bool = False,
) -> Survey:
    """Store a new survey (a draft) and return it.

    Parameters
    ----------
    ws : Store
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


def get(ws: Store, survey: int | str | Survey) -> Survey:
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
        raise SurveyNotFoundError(
            f"there is no survey {survey!r}"
            + (f"; surveys: {', '.join(map(repr, known))}" if known else "; create one first"),
        )
    sid, name, status, anonymous, created, launched, closed, source = rows[0]
    qrows = ws.con.execute(
        "SELECT kind, text, slug, max_nominations, scale, scale_low, scale_high, help "
        "FROM survey_questions WHERE survey_id = ? ORDER BY position",
        [sid],
    ).fetchall()
    questions = tuple(Question(*r) for r in qrows)
    return Survey(sid, name, status, anonymous, created, launched, closed, source, questions)


def list_surveys(ws: Store) -> pd.DataFrame:
    """Every survey with its counts: invited, submitted."""
    return ws.query(
        "SELECT s.survey_id, s.name, s.status, s.created_at, s.launched_at, s.closed_at, "
        "count(i.person_id) AS invited, count(i.submitted_at) AS submitted "
        "FROM surveys s LEFT JOIN survey_invitations i USING (survey_id) "
        "GROUP BY ALL ORDER BY s.survey_id"
    )


def as_json(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)
