"""Request dependencies shared by the API and the pages: the store, the signed-in user, the
permission a route needs, and the CSRF check of state-changing requests.

The dependencies are ``async def``: they do no blocking work on the event loop (a session
not in the store's :class:`~groundswell.web.auth.SessionCache` is looked up in the
database in the thread pool), so a request does not pay a thread-pool hop for each of them;
the route handlers themselves are plain ``def`` and run in FastAPI's thread pool."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from groundswell.errors import ForbiddenError, SignInError
from groundswell.web import auth
from groundswell.web.auth import User
from groundswell.web.views import Views
from groundswell.web.views.core import NAMES_REVEALED

SESSION_COOKIE = "gs_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


async def get_store(request: Request) -> Views:
    return request.app.state.store


def _session_user(store: Views, token: str | None) -> User | None:
    return auth.session_user(store.accounts(), token, store.sessions)


async def current_user(
    request: Request, store: Annotated[Views, Depends(get_store)]
) -> User | None:
    """The signed-in user of this request, or None: from the session cache when it holds
    the session, else from the database (in the thread pool)."""
    if hasattr(request.state, "user"):  # already looked up for this request
        cached: User | None = request.state.user
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    user = auth.cached_user(store.sessions, token)
    if user is None and token:
        user = await run_in_threadpool(_session_user, store, token)
    request.state.user = user
    # names instead of pseudonyms for this request: only an admin's session that switched
    # to names (the switch is kept in the audit log, so every reveal is logged)
    revealed = False
    if user is not None and user.role == "admin" and token:
        revealed = await run_in_threadpool(store.names_switched, session_digest(token))
    NAMES_REVEALED.set(revealed)
    return user


def session_digest(token: str) -> str:
    """The SHA-256 digest of a session token, as the sessions table keeps it."""
    return hashlib.sha256(token.encode()).hexdigest()


def require(*permissions: str) -> Callable[..., Awaitable[User]]:
    """A dependency: the signed-in user, who must hold one of ``permissions`` (401 when
    nobody is signed in, 403 when the role does not allow it)."""

    async def dependency(user: Annotated[User | None, Depends(current_user)]) -> User:
        if user is None:
            raise SignInError("sign in first")
        if not any(user.can(p) for p in permissions):
            raise ForbiddenError(f"the {user.role} role may not see this")
        return user

    dependency.__name__ = f"require_{'_or_'.join(permissions)}"
    return dependency


def same_origin(request: Request) -> None:
    """Refuse a state-changing request whose Origin (or Referer) names another site."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return  # non-browser clients send neither; the CSRF token still guards sessions
    parts = urlsplit(origin)
    if parts.netloc != request.url.netloc:
        raise ForbiddenError(f"cross-site request refused (origin {parts.netloc!r})")


async def csrf(request: Request, user: Annotated[User | None, Depends(current_user)]) -> User:
    """Every state-changing request of a session carries the session's CSRF token, in the
    ``X-CSRF-Token`` header or the ``csrf_token`` form field; without it: 403."""
    if user is None:
        raise SignInError("sign in first")
    same_origin(request)
    supplied = request.headers.get(CSRF_HEADER)
    if not supplied and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    if not auth.csrf_ok(user, supplied):
        raise ForbiddenError("missing or wrong CSRF token")
    return user


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def names_allowed(user: User, store: Views) -> bool:
    """Display names are shown to analysts and admins of an identified workspace, and to an
    admin who switched the dashboard to names (:meth:`Views.switch`)."""
    return user.can("names") and store.identified
