"""The survey's web faces: the respondent form (no account) and the admin pages.

Respondents (``/s/{token}``, no account; docs/survey.md):

- ``GET /s/{token}``: the form; ``POST /s/{token}``: submit every answer (form fields
  ``csrf_token``, ``n.<slug>`` repeated roster numbers, ``s.<slug>.<no>`` strengths,
  ``a.<slug>`` attribute values);
- ``POST /s/{token}/answers/{slug}``: autosave one question (JSON ``{"nominees": [{"id",
  "strength"}], "value"}``, header ``X-CSRF-Token``);
- ``GET /s/{token}/people?q=``: type-ahead search of the roster (roster numbers and names).

Each link's form carries the invitation's own CSRF token; a POST without it, or from another
site, is refused (403). Unknown links are rate-limited per client address and per token
prefix (:mod:`.guard`): a client that has used up its allowance gets 429 with
``Retry-After`` on every ``/s/`` request, valid link or not, so guessing learns nothing.

Admins (role ``admin``; the dashboard's session and CSRF token): ``/surveys`` pages and their
JSON twins under ``/api/surveys``.

Mount with :func:`mount` (the router plus the static files at ``/survey/static``). The admin
routes are in :mod:`.admin`, what both share (templates, pages, JSON errors) in :mod:`.rendering`.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from groundswell.errors import AnswerError, AuthError
from groundswell.survey import admin, mail, respond
from groundswell.survey import questions as qmod
from groundswell.survey.guard import TokenGuard
from groundswell.survey.model import SurveyError
from groundswell.survey.rendering import (
    HERE,
    STATIC_URL,
    ViewsD,
    json_error,
    message,
    page,
)
from groundswell.survey.respond import Nomination, Respondent
from groundswell.web.deps import client_address, same_origin
from groundswell.web.errors import status_of
from groundswell.web.views import Views

router = APIRouter()


def mount(app: FastAPI) -> None:
    """Add the survey routes (the respondent form, :mod:`.admin`'s pages and API) and their
    static files to the dashboard app."""
    app.include_router(router)
    app.include_router(admin.router)
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="survey-static")


# -- brute-force guard (the counting is in guard.py) --------------------------------------
def _guard(request: Request, store: Views) -> TokenGuard:
    guard = getattr(request.app.state, "survey_guard", None)
    if guard is None:
        cfg = mail.settings(store.ws())
        guard = TokenGuard(cfg.max_unknown_tokens, cfg.unknown_token_window_minutes * 60)
        request.app.state.survey_guard = guard
    return guard


class _Refused(Exception):
    def __init__(self, status: int, detail: str, retry_after: int | None = None) -> None:
        self.status, self.detail, self.retry_after = status, detail, retry_after


def _respondent(request: Request, store: Views, token: str) -> Respondent:
    guard = _guard(request, store)
    client = client_address(request)
    wait = guard.retry_after(client, token)
    if wait:
        raise _Refused(
            429,
            f"too many invalid survey links from your address, or like this one; try again in "
            f"{wait} seconds",
            wait,
        )
    who = store.respondent(token)
    if who is None:
        guard.miss(client, token)
        raise _Refused(
            404, "this survey link is not valid: check that you copied all of it from your email"
        )
    return who


def _check_csrf(request: Request, who: Respondent, supplied: str | None) -> None:
    try:
        same_origin(request)
    except AuthError as exc:
        raise _Refused(403, str(exc)) from None
    if not supplied or not hmac.compare_digest(str(supplied), who.csrf_token):
        raise _Refused(
            403, "this form has expired or was not sent from your survey page; reload it"
        )


# -- respondent routes ----------------------------------------------------------------------
@router.get("/s/{token}", response_class=HTMLResponse, include_in_schema=False)
def survey_form(token: str, request: Request, store: ViewsD) -> Response:
    try:
        who = _respondent(request, store, token)
    except _Refused as exc:
        return message(request, exc.status, "Survey link", exc.detail, exc.retry_after)
    return _form(request, store, token, who)


def _form(
    request: Request,
    store: Views,
    token: str,
    who: Respondent,
    *,
    error: str | None = None,
    answers: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    s = who.survey
    closed = s.status != "open"
    return page(
        request,
        "form.html.j2",
        409 if closed and status == 200 else status,
        survey=s,
        token=token,
        who=who,
        closed=closed,
        error=error,
        state=answers or respond.state(store.ws(), who),
    )


@router.get("/s/{token}/people", include_in_schema=False)
def survey_people(token: str, request: Request, store: ViewsD, q: str = "") -> Response:
    try:
        who = _respondent(request, store, token)
    except _Refused as exc:
        return json_error(exc.status, exc.detail, exc.retry_after)
    try:
        return JSONResponse({"people": respond.search(store.ws(), who, q[:100])})
    except SurveyError as exc:  # a closed survey: its roster is no longer shown
        return json_error(status_of(exc), str(exc))


class _Nominee(BaseModel):
    # strict: an id is a JSON whole number, and a field this model does not know is refused
    model_config = ConfigDict(extra="forbid", strict=True)
    id: int
    strength: int | None = None


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    nominees: list[_Nominee] = Field(default_factory=list, max_length=qmod.MAX_NOMINATIONS_LIMIT)
    value: int | None = None


@router.post("/s/{token}/answers/{slug}", include_in_schema=False)
async def survey_autosave(token: str, slug: str, request: Request, store: ViewsD) -> Response:
    try:
        who = await run_in_threadpool(_respondent, request, store, token)
        _check_csrf(request, who, request.headers.get("X-CSRF-Token"))
        try:
            body = _Answer.model_validate_json(await request.body())
        except ValidationError as exc:
            raise _Refused(422, _invalid_answer(exc)) from None
        noms = [Nomination(n.id, n.strength) for n in body.nominees]
        roster = await run_in_threadpool(store.offline_roster, who)
        offline = store.accounts()  # no lease: used only with the roster from memory
        result = await run_in_threadpool(
            lambda: respond.save(
                offline if roster else store.ws(),
                who,
                slug,
                nominees=noms,
                value=body.value,
                roster=roster,
            )
        )
        await run_in_threadpool(store.settle_answers)  # accepted; now into DuckDB if it may
    except _Refused as exc:
        return json_error(exc.status, exc.detail, exc.retry_after)
    except SurveyError as exc:
        return json_error(status_of(exc), str(exc))
    return JSONResponse(result)


def _invalid_answer(exc: ValidationError) -> str:
    expected = 'expected JSON {"nominees": [{"id": number, "strength": number}], "value": number}'
    for e in exc.errors():
        if e["type"] == "extra_forbidden":
            where = ".".join(str(p) for p in e["loc"])
            return f"unknown field {where!r}: {expected}; nothing was saved"
    return f"{expected}; nothing was saved"


def _form_fields(who: Respondent, form: Any) -> set[str]:
    """The fields a form for ``who`` may send: its CSRF token, and per question ``n.<slug>``
    (with ``s.<slug>.<no>`` for each colleague named, when it has a scale) or ``a.<slug>``."""
    fields = {"csrf_token"}
    for q in who.survey.questions:
        if q.is_nomination:
            fields.add(f"n.{q.slug}")
            if q.scale:
                named = [str(v).strip() for v in form.getlist(f"n.{q.slug}")]
                fields |= {f"s.{q.slug}.{int(v)}" for v in named if v.isdigit()}
        else:
            fields.add(f"a.{q.slug}")
    return fields


def _parse_form(who: Respondent, form: Any) -> tuple[dict[str, list[Nomination]], dict[str, Any]]:
    unknown = sorted(set(form.keys()) - _form_fields(who, form))
    if unknown:
        raise AnswerError(
            f"the form sent a field this survey does not have ({unknown[0]!r}); nothing was "
            "saved: reload the page and try again",
        )
    noms: dict[str, list[Nomination]] = {}
    values: dict[str, Any] = {}
    for q in who.survey.questions:
        if q.is_nomination:
            items = []
            for raw in form.getlist(f"n.{q.slug}"):
                if not str(raw).strip().isdigit():
                    raise AnswerError(
                        f"{q.text} — a colleague was not recognised; search again",
                    )
                no = int(raw)
                st = form.get(f"s.{q.slug}.{no}")
                strength = int(st) if st not in (None, "") and str(st).isdigit() else None
                if st not in (None, "") and strength is None:
                    raise AnswerError(f"{q.text} — choose how strongly, from 1 to {q.scale}")
                items.append(Nomination(no, strength))
            noms[q.slug] = items
        else:
            raw = form.get(f"a.{q.slug}")
            if raw not in (None, ""):
                if not str(raw).isdigit():
                    raise AnswerError(f"{q.text} — choose a value from 1 to {q.scale}")
                values[q.slug] = int(raw)
    return noms, values


@router.post("/s/{token}", response_class=HTMLResponse, include_in_schema=False)
async def survey_submit(token: str, request: Request, store: ViewsD) -> Response:
    try:
        who = await run_in_threadpool(_respondent, request, store, token)
        form = await request.form()
        supplied = form.get("csrf_token")
        _check_csrf(request, who, supplied if isinstance(supplied, str) else None)
    except _Refused as exc:
        return message(request, exc.status, "Survey", exc.detail, exc.retry_after)
    try:
        noms, values = _parse_form(who, form)
        roster = await run_in_threadpool(store.offline_roster, who)
        await run_in_threadpool(
            lambda: respond.submit(
                store.accounts() if roster else store.ws(), who, noms, values, roster
            )
        )
        await run_in_threadpool(store.settle_answers)  # accepted; now into DuckDB if it may
    except SurveyError as exc:
        if status_of(exc) == 409:
            return message(request, 409, who.survey.name, str(exc))
        problem, status = str(exc), status_of(exc)
        return await run_in_threadpool(
            lambda: _form(request, store, token, who, error=problem, status=status)
        )
    return page(request, "done.html.j2", survey=who.survey, token=token)


# -- admin: JSON ----------------------------------------------------------------------------
