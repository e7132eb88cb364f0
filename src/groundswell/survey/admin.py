"""The survey's admin faces (role ``admin``; the dashboard's session and CSRF token):
``/surveys`` pages and their JSON twins under ``/api/surveys`` (docs/survey.md). Mounted with
the respondent form by :func:`groundswell.survey.web.mount`."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from groundswell.errors import ForbiddenError, GroundswellError
from groundswell.survey import model
from groundswell.survey import questions as qmod
from groundswell.survey.model import SurveyError
from groundswell.survey.rendering import Admin, ViewsD, json_error, message, page
from groundswell.web.auth import User
from groundswell.web.deps import csrf
from groundswell.web.errors import status_of
from groundswell.web.views import clean

router = APIRouter()


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


def _links(
    make: Any, what: str, survey_id: int, body: _Launch, request: Request, user: User, store: Any
) -> Response:
    """``make`` (launch or remind) the survey's links, as a CSV download (admins only)."""
    _admin(user)
    links = make(store.ws(), survey_id, base_url=_base(request, body.base_url))
    return _csv(links, f"survey-{survey_id}-{what}.csv")


def _api(fn: Any) -> Any:
    """Turn survey errors of an admin JSON route into the dashboard's error shape."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SurveyError as exc:
            return json_error(status_of(exc), str(exc))
        except GroundswellError as exc:
            return json_error(400, str(exc))

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
    return _links(model.launch, "links", survey_id, body, request, user, store)


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
    return _links(model.remind, "reminders", survey_id, body, request, user, store)


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
    return page(request, name, user=user, csrf_token=user.csrf_token, **context)


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
        return message(request, status_of(exc), "Survey", str(exc))
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
        return message(request, status_of(exc), "Survey", str(exc))
    return message(request, 404, "Survey", f"unknown action {action!r}")


@router.get(
    "/surveys/{survey_id}/nonrespondents", response_class=HTMLResponse, include_in_schema=False
)
def nonrespondents_page(survey_id: int, request: Request, user: Admin, store: ViewsD) -> Response:
    ws = store.ws()
    try:
        s = model.get(ws, survey_id)
    except SurveyError as exc:
        return message(request, status_of(exc), "Survey", str(exc))
    rows = clean(model.nonrespondents(ws, s).to_dict("records"))
    return _admin_page(request, user, "admin_nonrespondents.html.j2", survey=s, rows=rows)
