"""The dashboard: a FastAPI app over one workspace's stored results.

``create_app(workspace)`` wires the store (:mod:`.store`), accounts (:mod:`.auth`), the
JSON API (:mod:`.api`, OpenAPI at ``/api/openapi.json`` for signed-in users only, and no
``/docs`` or ``/redoc``, whose scripts would come from the internet; the champion planner's
routes in :mod:`.planner`, the report downloads in :mod:`.reports`, the value findings, trends
and survey comparison in :mod:`.value_api`), the HTML pages (:mod:`.pages`)
and the static assets bundled in the package (``web/static``: nothing is loaded from the
internet). Every error leaves as one JSON shape, ``{"error": ..., "detail": ...}`` (pages
render the same as HTML, and send a signed-out visitor to ``/login``).

The client address (what the sign-in and survey-link limits count) is the peer of the
connection; ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the proxies
listed in the ``web.trusted_proxies`` setting (none by default).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from groundswell import __version__
from groundswell.errors import GroundswellError, SignInError
from groundswell.web import (
    api,
    jobs,
    manage,
    pages,
    planner,
    reports,
    traction_routes,
    value_api,
)
from groundswell.web.auth import User
from groundswell.web.deps import current_user
from groundswell.web.errors import NAMES, document_errors, error_body, status_of
from groundswell.web.views import Views
from groundswell.web.views.core import RequestLeases

STATIC = Path(__file__).parent / "static"
#: Content-Security-Policy: scripts only from this server, nothing from elsewhere. Inline
#: styles are allowed because the network map injects its own stylesheet.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds the security headers (and ``Cache-Control: no-store`` outside ``/static/``) to
    every HTTP answer that does not set them itself.

    A plain ASGI middleware: it edits the response's first message in passing, where
    Starlette's ``@app.middleware("http")`` would run every request through an extra task
    and memory streams (a sizeable share of a small JSON answer's cost)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = _HEADERS if static else [*_HEADERS, (b"cache-control", b"no-store")]
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(workspace_path: str | Path, *, secure_cookies: bool = False) -> FastAPI:
    """The dashboard app of a workspace.

    Parameters
    ----------
    workspace_path : str or Path
        The workspace folder; opened once (read-write: accounts and sessions are stored).
    secure_cookies : bool
        Mark the session cookie ``Secure`` even on plain http (set it behind a TLS proxy
        that talks http to uvicorn). Over https the flag is always set. On a plain-http
        loopback address leave it off: a browser does not send a Secure cookie over http,
        so nobody could stay signed in.
    """
    store = Views(workspace_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        planner.wait(store, timeout=30)  # a plan being computed finishes before the store closes
        jobs.stop(store, timeout=30)
        store.close()

    app = FastAPI(
        title="groundswell dashboard",
        version=__version__,
        description="The informal network beside the org chart: stored results of a "
        "groundswell workspace. Sign in with POST /api/login; send the CSRF token "
        "from /api/me as X-CSRF-Token on every POST.",
        openapi_url=None,  # served below, to signed-in users only
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.secure_cookies = secure_cookies
    document_errors(app)  # the OpenAPI document shows the 422 body the handlers send

    app.add_middleware(SecurityHeaders)
    # one lease on the shared DuckDB file per request (groundswell.gate): read for a GET,
    # write for a POST; the file is given up between requests when another process waits
    app.add_middleware(RequestLeases.middleware)
    if store.settings.trusted_proxies:
        # X-Forwarded-For/-Proto believed only from these peers; uvicorn runs without its own
        # proxy_headers (cli/serve.py), which would believe them from 127.0.0.1
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=store.settings.trusted_proxies)

    def answer(request: Request, status: int, detail: Any) -> Response:
        if _is_api(request):
            return JSONResponse(error_body(status, detail), status_code=status)
        if status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)
        user = getattr(request.state, "user", None) or None
        return pages.render(
            request,
            "error.html.j2",
            user,
            status=status,
            error=NAMES.get(status, "error"),
            detail=detail if isinstance(detail, str) else str(detail),
        )

    @app.exception_handler(GroundswellError)
    async def groundswell_error(request: Request, exc: GroundswellError) -> Response:
        return answer(request, status_of(exc), str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return answer(request, exc.status_code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
            for e in exc.errors()
        ]
        return answer(request, 422, detail)

    @app.get("/api/openapi.json", include_in_schema=False)
    async def openapi(user: Annotated[User | None, Depends(current_user)]) -> JSONResponse:
        """The OpenAPI document of the JSON API, for any signed-in user (401 otherwise)."""
        if user is None:
            raise SignInError("sign in first")
        return JSONResponse(app.openapi())

    # the JSON API and the pages; a new face of the workspace (the survey routes) is one
    # more include_router line here
    app.include_router(api.router)
    app.include_router(planner.router)
    app.include_router(jobs.router)
    app.include_router(reports.router)
    app.include_router(value_api.router)
    app.include_router(traction_routes.router)
    app.include_router(manage.router)
    app.include_router(pages.router)
    from groundswell.survey.web import mount as mount_surveys  # respondents' links, /surveys

    mount_surveys(app)
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    return app


__all__ = ["create_app", "error_body", "status_of"]
