"""Launching a survey and its personal links: the roster, launch, reminders, the links CSV.

``launch`` fixes the roster — every person in ``people`` who is internal and has no
``leave_date`` in the past — and issues one personal link per person. A link is
``BASE_URL/s/TOKEN`` with ``TOKEN = secrets.token_urlsafe(32)`` (256 bits); only its SHA-256
is stored, so the links exist in clear only in what ``launch`` and ``remind`` return (the CSV,
the emails). Each reminder issues a fresh link to each person who has not submitted; earlier
links keep working until the survey closes.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from groundswell.errors import ConfigError, SurveyStateError
from groundswell.survey.record import Link, Survey, digest, get, now, retry, writing

if TYPE_CHECKING:
    from groundswell.store import Store


def roster(ws: Store, on: datetime | None = None) -> pd.DataFrame:
    """The people a survey launched now would invite: internal, no leave date before today.

    Columns person_id, display_name, department (one row per person, by person_id).
    """
    day = (on or now()).date()
    return ws.query(
        "SELECT person_id, display_name, department FROM people WHERE is_internal "
        "AND (leave_date IS NULL OR leave_date >= ?) ORDER BY person_id",
        [day],
    )


def launch(
    ws: Store,
    survey: int | str | Survey,
    *,
    base_url: str,
    outside: pd.DataFrame | None = None,
) -> list[Link]:
    """Open a draft survey: one invitation and one personal link per person of the roster.

    ``outside`` (:func:`groundswell.survey.outsiders.read`): customers, suppliers and partners
    invited too, by email; each becomes a person outside the organisation, in the same
    transaction.

    Respondents find colleagues by name, so every launch needs display names: a
    pseudonymous workspace (``privacy.identified = false``) keeps none and is refused.
    People without a name are invited (they can answer) but cannot be found and named;
    their number is in the error when nobody has a name.

    Returns the links (the tokens exist in clear only here): write them with
    :func:`write_links` or send them with :func:`groundswell.survey.mail.send_links`.
    """
    s = get(ws, survey)
    if s.status != "draft":
        raise SurveyStateError(f"survey {s.name!r} is {s.status}; only a draft can be launched")
    base = _base_url(base_url)
    people = roster(ws)
    if people.empty:
        raise SurveyStateError(
            "the roster is empty: no internal person without a past leave date in `people`; "
            "ingest the HR file first (groundswell ingest orgchart)",
        )
    named = int(people["display_name"].notna().sum())
    if named == 0:
        raise SurveyStateError(
            f"none of the {len(people)} people of the roster has a display name, and "
            "respondents find the colleagues they name by name. A pseudonymous workspace "
            "(privacy.identified = false) keeps no names: run surveys in an identified "
            "workspace (groundswell init --identified, then ingest the HR file with its name "
            "column)",
        )
    if outside is not None and len(outside):
        extra = outside[~outside["person_id"].isin(people["person_id"])]
        people = pd.concat(
            [people, pd.DataFrame({"person_id": extra["person_id"], "display_name": None,
                                   "department": None})],
            ignore_index=True,
        )  # fmt: skip
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
                raise SurveyStateError(f"survey {s.name!r} is {status}; only a draft can launch")
            if outside is not None and len(outside):
                from groundswell.survey import outsiders

                outsiders.store(con, outside)
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
    ws: Store, survey: int | str | Survey, *, base_url: str, include_started: bool = True
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


def mark_sent(ws: Store, survey_id: int, person_ids: list[str]) -> None:
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


def _open(ws: Store, survey: int | str | Survey) -> Survey:
    s = get(ws, survey)
    if s.status != "open":
        raise SurveyStateError(f"survey {s.name!r} is {s.status}, not open")
    return s
