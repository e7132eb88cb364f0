"""What the survey's two web faces share (:mod:`.web`, the respondent form; :mod:`.admin`,
the admin pages and API): the templates, the error shape of JSON answers, page rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from groundswell.web import templating
from groundswell.web.auth import User
from groundswell.web.deps import get_store, require
from groundswell.web.views import Views

HERE = Path(__file__).parent
STATIC_URL = "/survey/static"
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


def json_error(status: int, detail: str, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    body = {"error": _NAMES.get(status, "error"), "detail": detail}
    return JSONResponse(body, status, headers=headers)


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, {"static": STATIC_URL, **context}, status_code=status
    )


def message(
    request: Request, status: int, title: str, detail: str, retry_after: int | None = None
) -> HTMLResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    shown = page(request, "message.html.j2", status, title=title, detail=detail)
    if headers:
        shown.headers.update(headers)
    return shown
