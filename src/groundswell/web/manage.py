"""Pages that change the workspace: the jobs page (``/jobs``: upload and ingest a file,
analyze a window, plan champions, close a survey; see :mod:`groundswell.web.jobs`) and the
account forms of the users page (role, password, remove), each a thin call into the JSON
API with the same access rule. Kept apart from :mod:`groundswell.web.pages` (the read-only
pages)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from groundswell.errors import GroundswellError
from groundswell.web import api, jobs
from groundswell.web.auth import User
from groundswell.web.deps import csrf, get_store, require
from groundswell.web.pages import render
from groundswell.web.views import Views

router = APIRouter(include_in_schema=False)
ViewsD = Annotated[Views, Depends(get_store)]
Jobs = Annotated[User, Depends(require("jobs"))]
Csrf = Annotated[User, Depends(csrf)]


def _open_surveys(store: Views) -> list[dict[str, Any]]:
    try:
        frame = store.ws().query(
            "SELECT survey_id, name FROM surveys WHERE status = 'open' ORDER BY survey_id"
        )
    except GroundswellError:
        return []
    return [{"survey_id": int(r.survey_id), "name": str(r.name)} for r in frame.itertuples()]


@router.get("/jobs")
def jobs_page(request: Request, store: ViewsD, user: Jobs) -> Response:
    return render(
        request,
        "jobs.html.j2",
        user,
        api_url="/api/jobs",
        sources=jobs.SOURCES,
        surveys=_open_surveys(store),
        runs=[r["run_id"] for r in store.runs()],
    )


def _back(error: GroundswellError | None = None) -> Response:
    from urllib.parse import urlencode

    target = "/users" + ("?" + urlencode({"error": str(error)}) if error else "")
    return RedirectResponse(target, status_code=303)


@router.post("/users/{username}/role")
def role_form(
    username: str,
    store: ViewsD,
    user: Csrf,
    role: Annotated[str, Form()],
    person_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        api.user_role(username, store, user, role, person_id or None)
    except GroundswellError as exc:
        return _back(exc)
    return _back()


@router.post("/users/{username}/password")
def password_form(
    username: str, store: ViewsD, user: Csrf, password: Annotated[str, Form()]
) -> Response:
    try:
        api.user_password(username, store, user, password)
    except GroundswellError as exc:
        return _back(exc)
    return _back()


@router.post("/users/{username}/remove")
def remove_form(username: str, store: ViewsD, user: Csrf) -> Response:
    try:
        api.remove_account(username, store, user)
    except GroundswellError as exc:
        return _back(exc)
    return _back()
