"""Answering a survey from a personal link: find the respondent, search the roster, save.

A link answers for its own respondent only: every function here takes the
:class:`Respondent` its token resolved to, and nothing in a request can name another one.
Colleagues are named by their per-survey roster number (``roster_no``), never by pseudonym,
and a search returns only roster numbers and display names.

Rules checked on every save (each failure is a :class:`~.model.SurveyError` whose message
can be shown to the respondent as it is):

- the survey is open (a closed survey accepts nothing and its roster cannot be searched: 409);
- the question exists;
- nominees are people of this survey's roster (422), not the respondent, each named once,
  at most ``max_nominations`` of them;
- a strength is a whole number 1..scale when the question has a scale, absent otherwise;
- an attribute answer is a whole number 1..scale; in a survey with anonymous attributes it
  is given once, with the final submit, and cannot be changed afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.errors import AnswerError, SurveyStateError
from groundswell.survey import intake
from groundswell.survey.model import (
    Survey,
    digest,
    get,
    now,
)
from groundswell.survey.questions import Question

if TYPE_CHECKING:
    from groundswell.store import Store

MIN_QUERY = 2
MAX_RESULTS = 10


@dataclass(frozen=True)
class Respondent:
    """Whom a link token answers for."""

    survey: Survey
    person_id: str
    roster_no: int
    csrf_token: str
    submitted: bool
    attributes_done: bool


@dataclass(frozen=True)
class Nomination:
    """One colleague named for a question: their roster number and the strength given."""

    roster_no: int
    strength: int | None = None


#: a link's respondent: the link's token digest, then the fields of :class:`Respondent`
_RESPONDENTS = (
    "SELECT l.token_hash, l.survey_id, i.person_id, i.roster_no, i.csrf_token, i.submitted_at, "
    "i.attributes_done FROM survey_links l JOIN surveys s USING (survey_id) "
    "JOIN survey_invitations i ON i.survey_id = l.survey_id AND i.person_id = l.person_id "
)


def _respondents(ws: Store, where: str, params: list[Any]) -> dict[str, Respondent]:
    """The respondents of the links ``where`` selects, keyed by token digest."""
    surveys: dict[int, Survey] = {}
    out: dict[str, Respondent] = {}
    for key, sid, pid, no, csrf, submitted, attrs in ws.con.execute(
        _RESPONDENTS + where, params
    ).fetchall():
        survey = surveys.get(int(sid))
        if survey is None:
            survey = surveys[int(sid)] = get(ws, int(sid))
        out[str(key)] = Respondent(survey, pid, int(no), csrf, submitted is not None, bool(attrs))
    return out


def resolve(ws: Store, token: str) -> Respondent | None:
    """The respondent a token answers for, or None for an unknown token (or a malformed one)."""
    if not token or len(token) > 100:
        return None
    key = digest(token)
    return _respondents(ws, "WHERE l.token_hash = ?", [key]).get(key)


def open_respondents(ws: Store, limit: int = 250_000) -> dict[str, Respondent] | None:
    """Every respondent of the open surveys, keyed by their link's token digest — what
    :func:`resolve` would give for each link, read in one query — or None when the open
    surveys hold more than ``limit`` links (then links are resolved one at a time)."""
    (n,) = ws.con.execute(
        "SELECT count(*) FROM survey_links l JOIN surveys s USING (survey_id) "
        "WHERE s.status = 'open'"
    ).fetchall()[0]
    if n > limit:
        return None
    return _respondents(ws, "WHERE s.status = 'open'", [])


def search(ws: Store, who: Respondent, query: str, limit: int = MAX_RESULTS) -> list[dict]:
    """Colleagues of the roster whose display name contains every word of ``query``
    (case-insensitive, at least :data:`MIN_QUERY` characters): ``[{"id": roster_no,
    "name": display_name}]``, at most ``limit``, never the respondent themself. People
    without a display name cannot be found. A survey that is not open answers nothing: it
    raises :class:`~.model.SurveyError` 409 (the roster is not shown once answers are over)."""
    if who.survey.status != "open":
        raise SurveyStateError("this survey is closed: its list of colleagues is no longer shown")
    words = [w for w in str(query).lower().split() if w][:5]
    if sum(len(w) for w in words) < MIN_QUERY:
        return []
    cond = " AND ".join("contains(lower(p.display_name), ?)" for _ in words)
    rows = ws.con.execute(
        "SELECT i.roster_no, p.display_name FROM survey_invitations i JOIN people p "
        "USING (person_id) WHERE i.survey_id = ? AND i.person_id <> ? "
        f"AND p.display_name IS NOT NULL AND {cond} "
        "ORDER BY NOT starts_with(lower(p.display_name), ?), p.display_name, i.roster_no "
        "LIMIT ?",
        [who.survey.survey_id, who.person_id, *words, words[0], min(int(limit), 50)],
    ).fetchall()
    return [{"id": int(r[0]), "name": r[1]} for r in rows]


def state(ws: Store, who: Respondent) -> dict[str, Any]:
    """What the respondent has saved: ``{slug: {"answered": bool, "nominees": [{"id",
    "name", "strength"}], "value": int|None}}``, plus ``submitted``."""
    sid = who.survey.survey_id
    noms = ws.con.execute(
        "SELECT r.slug, i.roster_no, p.display_name, r.strength FROM survey_responses r "
        "JOIN survey_invitations i ON i.survey_id = r.survey_id AND i.person_id = r.nominee_id "
        "LEFT JOIN people p ON p.person_id = r.nominee_id WHERE r.survey_id = ? "
        "AND r.person_id = ? ORDER BY r.slug, p.display_name",
        [sid, who.person_id],
    ).fetchall()
    answered = {
        r[0]
        for r in ws.con.execute(
            "SELECT slug FROM survey_answered WHERE survey_id = ? AND person_id = ?",
            [sid, who.person_id],
        ).fetchall()
    }
    values = dict(
        ws.con.execute(
            "SELECT slug, value FROM survey_attribute_answers WHERE survey_id = ? "
            "AND person_id = ?",
            [sid, who.person_id],
        ).fetchall()
    )
    out: dict[str, Any] = {}
    for q in who.survey.questions:
        out[q.slug] = {
            "answered": q.slug in answered,
            "nominees": [
                {"id": int(no), "name": name or f"colleague {no}", "strength": int(st)}
                for slug, no, name, st in noms
                if slug == q.slug
            ],
            "value": values.get(q.slug),
        }
    return out


def _check_open(ws: Store, who: Respondent) -> None:
    status = ws.con.execute(
        "SELECT status FROM surveys WHERE survey_id = ?", [who.survey.survey_id]
    ).fetchall()[0][0]
    if status != "open":
        raise SurveyStateError(
            "this survey is closed: answers can no longer be given or changed. Thank you.",
        )


#: roster numbers -> person ids of a survey's roster, from memory (see :func:`submit`)
Roster = Callable[[list[int]], dict[int, str]]


def _validate(
    ws: Store, who: Respondent, q: Question, noms: list[Nomination], roster: Roster | None = None
) -> pd.DataFrame:
    """Nominations -> rows (nominee_id, strength), or a SurveyError saying what is wrong."""
    if not q.is_nomination:
        raise AnswerError(f"question {q.slug!r} asks for a value, not for colleagues")
    numbers = []
    for n in noms:
        if not isinstance(n.roster_no, int) or isinstance(n.roster_no, bool):
            raise AnswerError(f"{q.text} — a colleague was not recognised; search again")
        numbers.append(n.roster_no)
    if len(set(numbers)) != len(numbers):
        raise AnswerError(f"{q.text} — you named the same colleague twice")
    if len(numbers) > (q.max_nominations or 0):
        raise AnswerError(
            f"{q.text} — name at most {q.max_nominations} colleagues; you named {len(numbers)}",
        )
    strengths = []
    for n in noms:
        if q.scale is None:
            if n.strength not in (None, 1):
                raise AnswerError(f"{q.text} — this question has no strength to choose")
            strengths.append(1.0)
        else:
            strength = n.strength  # a whole number (not True/False) within the scale
            if not isinstance(strength, int) or isinstance(strength, bool):
                strength = None
            if strength is None or not 1 <= strength <= q.scale:
                raise AnswerError(
                    f"{q.text} — choose how strongly for each colleague, from 1 to {q.scale}",
                )
            strengths.append(float(strength))
    if not numbers:
        return pd.DataFrame({"nominee_id": [], "strength": []})
    found = (
        roster(numbers)
        if roster is not None
        else dict(
            ws.con.execute(
                "SELECT roster_no, person_id FROM survey_invitations WHERE survey_id = ? "
                f"AND roster_no IN ({', '.join('?' for _ in numbers)})",
                [who.survey.survey_id, *numbers],
            ).fetchall()
        )
    )
    missing = [x for x in numbers if x not in found]
    if missing:
        raise AnswerError(
            f"{q.text} — {len(missing)} of the people named are not in this survey's list of "
            "colleagues; choose people from the search",
        )
    if who.roster_no in numbers:
        raise AnswerError(f"{q.text} — name colleagues, not yourself")
    return pd.DataFrame({"nominee_id": [found[x] for x in numbers], "strength": strengths})


def _value(q: Question, value: Any) -> int:
    if q.is_nomination:
        raise AnswerError(f"question {q.slug!r} asks for colleagues, not a value")
    ok = isinstance(value, int) and not isinstance(value, bool)
    if not ok or not 1 <= value <= (q.scale or 0):
        raise AnswerError(f"{q.text} — choose a value from 1 to {q.scale}")
    return int(value)


def save(
    ws: Store,
    who: Respondent,
    slug: str,
    *,
    nominees: list[Nomination] | None = None,
    value: int | None = None,
    roster: Roster | None = None,
) -> dict[str, Any]:
    """Save one question's answer (autosave): it replaces what was saved for that question.
    Committed before it returns. ``nominees=[]`` records that the respondent names nobody.
    ``roster``: see :func:`submit`."""
    q = who.survey.question(slug)
    if q.is_nomination:
        rows = _validate(ws, who, q, nominees or [], roster)
        return _write(ws, who, {q.slug: rows}, {}, submit=False, offline=roster is not None)
    if who.survey.anonymous_attributes:
        raise AnswerError(
            f"{q.text} — anonymous answers are recorded only when you submit the survey",
        )
    return _write(ws, who, {}, {q.slug: _value(q, value)}, submit=False, offline=roster is not None)


def submit(
    ws: Store,
    who: Respondent,
    nominations: dict[str, list[Nomination]],
    values: dict[str, int | None],
    roster: Roster | None = None,
) -> dict[str, Any]:
    """Save every question at once and mark the survey submitted (it can be changed again
    until the survey closes). A nomination question left out counts as naming nobody; an
    attribute question left out (or None) stays unanswered.

    With ``roster`` (the dashboard's copy of the survey's roster, used while another process
    holds the DuckDB file) nothing is read from ``ws``: the answer is checked against the
    copy and the respondent's survey as last read, and accepted into the intake, which
    refuses it if the survey has been closed since (``closed_surveys``)."""
    s = who.survey
    unknown = sorted((set(nominations) | set(values)) - {q.slug for q in s.questions})
    if unknown:
        raise AnswerError(f"this survey has no question {unknown[0]!r}")
    rows = {
        q.slug: _validate(ws, who, q, nominations.get(q.slug, []), roster)
        for q in s.questions
        if q.is_nomination
    }
    vals = {
        q.slug: _value(q, values[q.slug])
        for q in s.questions
        if not q.is_nomination and values.get(q.slug) is not None
    }
    return _write(ws, who, rows, vals, submit=True, offline=roster is not None)


def _write(
    ws: Store,
    who: Respondent,
    rows: dict[str, pd.DataFrame],
    values: dict[str, int],
    *,
    submit: bool,
    offline: bool = False,
) -> dict[str, Any]:
    """Accept the answer into the intake (committed: it is acknowledged from then on) and,
    when ``ws`` may write the DuckDB file, apply it there at once (:mod:`.intake`); a
    read-only ``ws`` (the dashboard while a command holds the file) leaves that to the
    dashboard's next drain."""
    stamp = now()
    nominees = {
        slug: [(str(n), float(w)) for n, w in frame.itertuples(index=False)]
        for slug, frame in rows.items()
    }
    intake.accept(
        ws,
        who.survey.survey_id,
        who.person_id,
        nominees,
        values,
        anonymous=who.survey.anonymous_attributes,
        submit=submit,
        stamp=stamp,
        check_status=not offline,
    )
    if not offline and not ws.read_only:
        intake.drain(ws)
    return {"saved": True, "saved_at": stamp.isoformat(), "submitted": submit}
