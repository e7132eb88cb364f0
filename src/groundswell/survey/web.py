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

Mount with :func:`mount` (the router plus the static files at ``/survey/static``).
"""

from __future__ import annotations

import hmac
import io
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from groundswell.errors import AnswerError, AuthError, ForbiddenError, GroundswellError
from groundswell.survey import mail, model, respond
from groundswell.survey import questions as qmod
from groundswell.survey.guard import TokenGuard
from groundswell.survey.model import SurveyError
from groundswell.survey.respond import Nomination, Respondent
from groundswell.web import templating
from groundswell.web.auth import User
from groundswell.web.deps import client_address, csrf, get_store, require, same_origin
from groundswell.web.errors import status_of
from groundswell.web.views import Views, clean

HERE = Path(__file__).parent
STATIC_URL = "/survey/static"
router = APIRouter()
templates = templating.templates(HERE / "templates")
ViewsD = Annotated[Views, Depends(get_store)]
Admin = Annotated[User, Depends(require("users"))]
_NAMES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "invalid_request",
    429: "rate_limited",
}


def mount(app: FastAPI) -> None:
    """Add the survey routes and their static files to the dashboard app."""
    app.include_router(router)
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
    who = respond.resolve(store.ws(), token)
    if who is None:
        guard.miss(client, token)
        raise _Refused(
            404, "this survey link is not valid: check that you copied all of it from your email"
        )
    return who


def _json_error(status: int, detail: str, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    body = {"error": _NAMES.get(status, "error"), "detail": detail}
    return JSONResponse(body, status, headers=headers)


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, {"static": STATIC_URL, **context}, status_code=status
    )


def _message(
    request: Request, status: int, title: str, detail: str, retry_after: int | None = None
) -> HTMLResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    page = _page(request, "message.html.j2", status, title=title, detail=detail)
    if headers:
        page.headers.update(headers)
    return page


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
        return _message(request, exc.status, "Survey link", exc.detail, exc.retry_after)
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
    return _page(
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
        return _json_error(exc.status, exc.detail, exc.retry_after)
    try:
        return JSONResponse({"people": respond.search(store.ws(), who, q[:100])})
    except SurveyError as exc:  # a closed survey: its roster is no longer shown
        return _json_error(status_of(exc), str(exc))


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
        result = await run_in_threadpool(
            lambda: respond.save(store.ws(), who, slug, nominees=noms, value=body.value)
        )
    except _Refused as exc:
        return _json_error(exc.status, exc.detail, exc.retry_after)
    except SurveyError as exc:
        return _json_error(status_of(exc), str(exc))
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
        return _message(request, exc.status, "Survey", exc.detail, exc.retry_after)
    try:
        noms, values = _parse_form(who, form)
        await run_in_threadpool(lambda: respond.submit(store.ws(), who, noms, values))
    except SurveyError as exc:
        if status_of(exc) == 409:
            return _message(request, 409, who.survey.name, str(exc))
        problem, status = str(exc), status_of(exc)
        return await run_in_threadpool(
            lambda: _form(request, store, token, who, error=problem, status=status)
        )
    return _page(request, "done.html.j2", survey=who.survey, token=token)


# -- admin: JSON ----------------------------------------------------------------------------
class _Create(BaseModel):
    name: str
    questions: list[dict[str, Any]] | None = None
    anonymous_attributes: bool = False


class _Launch(BaseModel):
    base_url: str | None = None


def _base(request: Request, given: str | None) -> str:
    return given or str(request.base_url).rstrip("/")


def _csv(links: list[model.Link], name: str) -> Response:
    buf = io.StringIO()
    buf.write("person_id,display_name,department,url\n")
    import csv

    w = csv.writer(buf)
    for k in links:
        w.writerow([k.person_id, k.display_name or "", k.department or "", k.url])
    return Response(
        buf.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _api(fn: Any) -> Any:
    """Turn survey errors of an admin JSON route into the dashboard's error shape."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SurveyError as exc:
            return _json_error(status_of(exc), str(exc))
        except GroundswellError as exc:
            return _json_error(400, str(exc))

    return wrapper


@router.get("/api/surveys", tags=["surveys"])
@_api
def api_surveys(user: Admin, store: ViewsD) -> Any:
    """Every survey with its invited and submitted counts (admin)."""
    return clean(model.list_surveys(store.ws()).to_dict("records"))


@router.post("/api/surveys", tags=["surveys"])
@_api
def api_create(body: _Create, user: Annotated[User, Depends(csrf)], store: ViewsD) -> Any:
    """Create a survey (a draft): name, questions (default: the five usual kinds)."""
    _admin(user)
    qs = qmod.parse(body.questions) if body.questions is not None else None
    s = model.create(store.ws(), body.name, qs, anonymous_attributes=body.anonymous_attributes)
    return JSONResponse(clean(s.as_dict()), 201)


@router.get("/api/surveys/{survey_id}", tags=["surveys"])
@_api
def api_survey(survey_id: int, user: Admin, store: ViewsD) -> Any:
    """A survey, its questions and its response rate (overall and by department)."""
    ws = store.ws()
    s = model.get(ws, survey_id)
    return clean({**s.as_dict(), "response_rate": model.response_rate(ws, s)})


@router.post(
    "/api/surveys/{survey_id}/launch",
    tags=["surveys"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the personal links, as CSV"}},
)
@_api
def api_launch(
    survey_id: int,
    body: _Launch,
    request: Request,
    user: Annotated[User, Depends(csrf)],
    store: ViewsD,
) -> Any:
    """Launch: one invitation per person; answers the personal links as CSV (the only copy)."""
    _admin(user)
    links = model.launch(store.ws(), survey_id, base_url=_base(request, body.base_url))
    return _csv(links, f"survey-{survey_id}-links.csv")


@router.post(
    "/api/surveys/{survey_id}/remind",
    tags=["surveys"],
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}},
            "description": "fresh links for everyone who has not submitted, as CSV",
        }
    },
)
@_api
def api_remind(
    survey_id: int,
    body: _Launch,
    request: Request,
    user: Annotated[User, Depends(csrf)],
    store: ViewsD,
) -> Any:
    """Fresh links for everyone who has not submitted, as CSV."""
    _admin(user)
    links = model.remind(store.ws(), survey_id, base_url=_base(request, body.base_url))
    return _csv(links, f"survey-{survey_id}-reminders.csv")


@router.post("/api/surveys/{survey_id}/close", tags=["surveys"])
@_api
def api_close(survey_id: int, user: Annotated[User, Depends(csrf)], store: ViewsD) -> Any:
    """Close: answers become survey:<slug> interactions (idempotent)."""
    _admin(user)
    summary = model.close(store.ws(), survey_id)
    return {
        "source_id": summary.source_id,
        "interactions": summary.interactions,
        "already_closed": summary.already_ingested,
    }


@router.get("/api/surveys/{survey_id}/nonrespondents", tags=["surveys"])
@_api
def api_nonrespondents(survey_id: int, user: Admin, store: ViewsD) -> Any:
    """Who has not submitted (admin only)."""
    return clean(model.nonrespondents(store.ws(), survey_id).to_dict("records"))


def _admin(user: User) -> None:
    if not user.can("users"):
        raise ForbiddenError(f"the {user.role} role may not manage surveys")


# -- admin: pages ---------------------------------------------------------------------------
def _admin_page(request: Request, user: User, name: str, **context: Any) -> HTMLResponse:
    return _page(request, name, user=user, csrf_token=user.csrf_token, **context)


@router.get("/surveys", response_class=HTMLResponse, include_in_schema=False)
def surveys_page(request: Request, user: Admin, store: ViewsD) -> Response:
    ws = store.ws()
    return _admin_page(
        request,
        user,
        "admin_list.html.j2",
        surveys=clean(model.list_surveys(ws).to_dict("records")),
        kinds=qmod.DEFAULT_TEXT,
        error=None,
    )


@router.post("/surveys", response_class=HTMLResponse, include_in_schema=False)
async def surveys_create(
    request: Request, user: Annotated[User, Depends(csrf)], store: ViewsD
) -> Response:
    _admin(user)
    form = await request.form()
    kinds = [k for k in qmod.DEFAULT_TEXT if form.get(f"kind.{k}")]
    try:
        qs = [qmod.question(k) for k in kinds]
        custom = str(form.get("custom_text") or "").strip()
        if custom:
            qs.append(qmod.question("custom", custom))
        name = str(form.get("name") or "")
        anon = bool(form.get("anonymous_attributes"))
        s = await run_in_threadpool(
            lambda: model.create(store.ws(), name, qs, anonymous_attributes=anon)
        )
    except GroundswellError as exc:
        listed = await run_in_threadpool(lambda: model.list_surveys(store.ws()))
        return _admin_page(
            request,
            user,
            "admin_list.html.j2",
            surveys=clean(listed.to_dict("records")),
            kinds=qmod.DEFAULT_TEXT,
            error=str(exc),
        )
    return RedirectResponse(f"/surveys/{s.survey_id}", status_code=303)


@router.get("/surveys/{survey_id}", response_class=HTMLResponse, include_in_schema=False)
def survey_page(survey_id: int, request: Request, user: Admin, store: ViewsD) -> Response:
    ws = store.ws()
    try:
        s = model.get(ws, survey_id)
    except SurveyError as exc:
        return _message(request, status_of(exc), "Survey", str(exc))
    return _admin_page(
        request,
        user,
        "admin_survey.html.j2",
        survey=s,
        rate=clean(model.response_rate(ws, s)),
        base_url=str(request.base_url).rstrip("/"),
    )


@router.post("/surveys/{survey_id}/{action}", include_in_schema=False)
async def survey_action(
    survey_id: int,
    action: str,
    request: Request,
    user: Annotated[User, Depends(csrf)],
    store: ViewsD,
) -> Response:
    _admin(user)
    form = await request.form()
    base = _base(request, str(form.get("base_url") or "") or None)
    try:
        if action == "launch":
            links = await run_in_threadpool(
                lambda: model.launch(store.ws(), survey_id, base_url=base)
            )
            return _csv(links, f"survey-{survey_id}-links.csv")
        if action == "remind":
            links = await run_in_threadpool(
                lambda: model.remind(store.ws(), survey_id, base_url=base)
            )
            return _csv(links, f"survey-{survey_id}-reminders.csv")
        if action == "close":
            await run_in_threadpool(lambda: model.close(store.ws(), survey_id))
            return RedirectResponse(f"/surveys/{survey_id}", status_code=303)
    except SurveyError as exc:
        return _message(request, status_of(exc), "Survey", str(exc))
    return _message(request, 404, "Survey", f"unknown action {action!r}")


@router.get(
    "/surveys/{survey_id}/nonrespondents", response_class=HTMLResponse, include_in_schema=False
)
def nonrespondents_page(survey_id: int, request: Request, user: Admin, store: ViewsD) -> Response:
    ws = store.ws()
    try:
        s = model.get(ws, survey_id)
    except SurveyError as exc:
        return _message(request, status_of(exc), "Survey", str(exc))
    rows = clean(model.nonrespondents(ws, s).to_dict("records"))
    return _admin_page(request, user, "admin_nonrespondents.html.j2", survey=s, rows=rows)
