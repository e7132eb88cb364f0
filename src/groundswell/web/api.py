"""The JSON API under ``/api/``: every page's data, each route one call into the store.

Access (see :data:`groundswell.web.auth.PERMISSIONS`): aggregate routes need
``aggregates`` (admin, analyst, viewer); person-level routes need ``people`` (admin,
analyst), except that a ``person`` account may read its own record through ``/api/me/...``
and ``/api/people/{its own id}``; ``/api/users`` needs ``users`` (admin). Every POST needs
the session's CSRF token. The champion planner's routes are in :mod:`.planner`, the report
downloads in :mod:`.reports`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from groundswell.errors import ForbiddenError, WorkspaceError
from groundswell.web import auth
from groundswell.web.auth import User
from groundswell.web.deps import (
    SESSION_COOKIE,
    client_address,
    csrf,
    current_user,
    get_store,
    names_allowed,
    require,
    same_origin,
)
from groundswell.web.views import ColdCache, Views

router = APIRouter(prefix="/api")
T = TypeVar("T")

RunQ = Annotated[int | None, Query(alias="run", description="Run id; the latest if omitted.")]
ViewsD = Annotated[Views, Depends(get_store)]
Aggregates = Annotated[User, Depends(require("aggregates"))]
People = Annotated[User, Depends(require("people"))]
Anyone = Annotated[User, Depends(require("aggregates", "people", "self"))]
Sources = Annotated[User, Depends(require("sources"))]
Admin = Annotated[User, Depends(require("users"))]
Self = Annotated[User, Depends(require("self"))]
Lead = Annotated[User, Depends(require("group"))]
Signed = Annotated[User, Depends(require("aggregates", "people", "self", "group"))]
Csrf = Annotated[User, Depends(csrf)]


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """HttpOnly, SameSite=Strict; Secure over https or with ``--secure-cookies``."""
    secure = request.app.state.secure_cookies or request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


async def read(store: Views, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, a read of the store: on the event loop when it needs only cached data
    (no database query, no table to build: a fraction of a millisecond of Python, where a
    worker thread would only add a hop and contend for the GIL), else in the thread pool.

    The busiest routes (a person page, the overview) are ``async def`` and call this; the
    others are plain ``def`` and run in FastAPI's thread pool."""
    try:
        with store.cached_only():
            return fn(*args)
    except ColdCache:
        return await run_in_threadpool(fn, *args)


# -- session -------------------------------------------------------------------------------
@router.post("/login", tags=["session"])
def login(
    request: Request,
    response: Response,
    store: ViewsD,
    username: Annotated[str, Body()],
    password: Annotated[str, Body()],
) -> dict[str, Any]:
    """Sign in; sets the session cookie and returns the CSRF token for later requests."""
    same_origin(request)
    token, user = auth.login(store.accounts(), username, password, client_address(request))
    set_session_cookie(request, response, token)
    return me(user)


@router.post("/logout", tags=["session"])
def logout(request: Request, response: Response, store: ViewsD, user: Csrf) -> dict[str, Any]:
    """End the session."""
    auth.logout(store.accounts(), request.cookies.get(SESSION_COOKIE), store.sessions)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"signed_out": user.username}


@router.get("/me", tags=["session"])
def me(user: Signed) -> dict[str, Any]:
    """Who is signed in, their role, what they may do, and the CSRF token."""
    return {
        "username": user.username,
        "role": user.role,
        "person_id": user.person_id,
        "group": user.group,
        "permissions": sorted(auth.PERMISSIONS[user.role]),
        "csrf_token": user.csrf_token,
    }


# -- aggregates ----------------------------------------------------------------------------
def overview(store: Views, user: User, run: int | None = None) -> dict[str, Any]:
    """What the network says, headline figures of a run and the workspace's counts."""
    return store.overview(run, names=names_allowed(user, store), people=user.can("people"))


@router.get("/overview", tags=["aggregates"], name="overview")
async def overview_route(store: ViewsD, user: Aggregates, run: RunQ = None) -> dict[str, Any]:
    """Headline figures of a run and the workspace's counts."""
    return await read(store, overview, store, user, run)


@router.get("/runs", tags=["aggregates"])
def runs(store: ViewsD, user: Aggregates) -> list[dict[str, Any]]:
    """Every stored run, newest first."""
    return store.runs()


@router.get("/runs/{run_id}", tags=["aggregates"])
def run_detail(run_id: int, store: ViewsD, user: Aggregates) -> dict[str, Any]:
    """One run: settings it used, sources it saw, its summary."""
    return store.run_detail(run_id)


@router.get("/groups", tags=["aggregates"])
def groups(
    store: ViewsD, user: Aggregates, run: RunQ = None, attribute: str = "department"
) -> dict[str, Any]:
    """Group figures by department, team or location (small groups suppressed)."""
    return store.groups(run, attribute)


@router.get("/groups/{attribute}/{name:path}", tags=["aggregates"])  # a name may hold "/"
def group(
    attribute: str, name: str, store: ViewsD, user: Aggregates, run: RunQ = None
) -> dict[str, Any]:
    """One group; only ``suppressed: true`` for a group below the minimum size."""
    return store.group(run, attribute, name)


@router.get("/communities", tags=["aggregates"])
def communities(store: ViewsD, user: Aggregates, run: RunQ = None) -> dict[str, Any]:
    """Detected communities and the departments they draw on."""
    return store.communities(run)


@router.get("/formal", tags=["aggregates"])
def formal(
    store: ViewsD, user: Aggregates, run: RunQ = None, attribute: str = "department"
) -> dict[str, Any]:
    """Formal against informal: department -> community flow, group matrix, silos."""
    return store.formal(run, attribute)


@router.get("/compare", tags=["aggregates"])
def compare(store: ViewsD, user: Aggregates, a: int, b: int) -> dict[str, Any]:
    """Headline figures of runs ``a`` and ``b`` side by side."""
    return store.compare(a, b)


@router.get("/map", tags=["aggregates"])
def network_map(store: ViewsD, user: Aggregates, run: RunQ = None) -> dict[str, Any]:
    """Nodes (position, size, groups) and ties for the explorer; anonymous for viewers."""
    return store.map(run, identities=user.can("people"), names=names_allowed(user, store))


# -- people --------------------------------------------------------------------------------
@router.get("/sources", tags=["people"])
def sources(store: ViewsD, user: Sources) -> list[dict[str, Any]]:
    """What was ingested, when, with which options."""
    return store.sources()


@router.get("/people", tags=["people"])
def people(
    store: ViewsD,
    user: People,
    run: RunQ = None,
    sort: str = "pagerank",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    q: str | None = None,
) -> dict[str, Any]:
    """People of a run, sorted by a measure, a page at a time."""
    return store.people(
        run, names=names_allowed(user, store), sort=sort, limit=limit, offset=offset, q=q
    )


def _own(user: User, person_id: str) -> bool:
    return user.role == "person" and user.person_id == person_id


def person(person_id: str, store: Views, user: User, run: int | None = None) -> dict[str, Any]:
    """A person's measures, roles, persona and ego network (a person account: its own only)."""
    if _own(user, person_id):
        return personal(store, user, run)
    if not user.can("people"):
        raise ForbiddenError("you may see only your own personal view")
    out = store.person(run, person_id, names=names_allowed(user, store))
    out["ego"] = store.ego(run, person_id, names=names_allowed(user, store))
    return out


@router.get("/people/{person_id}", tags=["people"], name="person")
async def person_route(
    person_id: str, store: ViewsD, user: Anyone, run: RunQ = None
) -> dict[str, Any]:
    """A person's measures, roles, persona and ego network (a person account: its own only)."""
    return await read(store, person, person_id, store, user, run)


@router.get("/people/{person_id}/ego", tags=["people"])
def ego(person_id: str, store: ViewsD, user: Anyone, run: RunQ = None) -> dict[str, Any]:
    """A person's ties and their neighbours' ties among themselves."""
    if _own(user, person_id):
        return store.ego(run, person_id, among=False, anonymous=True)
    if not user.can("people"):
        raise ForbiddenError("you may see only your own network")
    return store.ego(run, person_id, names=names_allowed(user, store))


@router.get("/me/person", tags=["people"])
def personal(store: ViewsD, user: Self, run: RunQ = None) -> dict[str, Any]:
    """The personal view of a ``person`` account: its own measures, persona, roles and ties
    (contacts anonymous, and not their ties among themselves)."""
    if not user.person_id:
        raise ForbiddenError("this account is not linked to a person")
    try:
        out = store.person(run, user.person_id, names=False)
    except WorkspaceError as exc:
        raise WorkspaceError(
            "you are not in the network of this run (no ties in its window)"
        ) from exc
    out.update(store.my_network(run, user.person_id))
    return out


@router.get("/me/download", tags=["people"])
def download(store: ViewsD, user: Self, run: RunQ = None) -> Response:
    """What groundswell holds about me: the personal view, every stored measure and label,
    and my opt-out choices, as one JSON file (docs/my-network.md)."""
    import json

    body = personal(store, user, run)
    body["about"] = (
        "What groundswell holds about you: your measures, roles and persona in this run, "
        "your value stage and next steps, the departments you bridge, your questions, the "
        "people suggested to you (by count of shared contacts, never who they are), your "
        "contacts as shown on your map, and your opt-out choices."
    )
    return Response(
        json.dumps(body, indent=2, sort_keys=True, default=str),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="groundswell-about-me.json"'},
    )


@router.get("/me/group", tags=["aggregates"])
def my_group(store: ViewsD, user: Lead, run: RunQ = None) -> dict[str, Any]:
    """A group lead's group: stage, ties inside and out, Q&A, trend, comparison with the
    other groups of its kind; aggregates only, ``suppressed: true`` below the minimum size."""
    if not user.group:
        raise ForbiddenError("this account is not attached to a group")
    return store.my_group(run, user.group)


@router.post("/me/optout", tags=["people"])
def optout(
    store: ViewsD,
    user: Csrf,
    no_suggest: Annotated[bool, Body()] = False,
    no_name: Annotated[bool, Body()] = False,
) -> dict[str, bool]:
    """Opt out of being suggested to others (``no_suggest``) or named to others
    (``no_name``); both false opts back in."""
    if user.role != "person" or not user.person_id:
        raise ForbiddenError("only a person account has choices about itself")
    return store.set_optouts(user.person_id, no_suggest=no_suggest, no_name=no_name)


# -- accounts ------------------------------------------------------------------------------
@router.get("/users", tags=["accounts"])
def users(store: ViewsD, user: Admin) -> list[dict[str, Any]]:
    """Every dashboard account."""
    return auth.list_users(store.accounts())


@router.post("/users", tags=["accounts"], status_code=201)
def create_user(
    store: ViewsD,
    user: Csrf,
    username: Annotated[str, Body()],
    password: Annotated[str, Body()],
    role: Annotated[str, Body()],
    person_id: Annotated[str | None, Body()] = None,
) -> dict[str, Any]:
    """Create an account (admin)."""
    if not user.can("users"):
        raise ForbiddenError(f"the {user.role} role may not manage accounts")
    auth.add_user(store.ws(), username, password, role, person_id or None)
    return {"created": username.strip(), "role": role}


@router.post("/users/{username}/disable", tags=["accounts"])
def disable_user(username: str, store: ViewsD, user: Csrf) -> dict[str, Any]:
    """Disable an account and end its sessions (admin)."""
    if not user.can("users"):
        raise ForbiddenError(f"the {user.role} role may not manage accounts")
    if username == user.username:
        raise ForbiddenError("you cannot disable your own account")
    auth.set_disabled(store.accounts(), username, True, store.sessions)
    return {"disabled": username}


@router.post("/users/{username}/enable", tags=["accounts"])
def enable_user(username: str, store: ViewsD, user: Csrf) -> dict[str, Any]:
    """Enable a disabled account again (admin)."""
    if not user.can("users"):
        raise ForbiddenError(f"the {user.role} role may not manage accounts")
    auth.set_disabled(store.accounts(), username, False, store.sessions)
    return {"enabled": username}


def _admin(user: User) -> None:
    if not user.can("users"):
        raise ForbiddenError(f"the {user.role} role may not manage accounts")


@router.post("/users/{username}/role", tags=["accounts"])
def user_role(
    username: str,
    store: ViewsD,
    user: Csrf,
    role: Annotated[str, Body()],
    person_id: Annotated[str | None, Body()] = None,
) -> dict[str, Any]:
    """Give an account another role (admin; 409 for the last enabled admin)."""
    _admin(user)
    auth.set_role(store.ws(), username, role, person_id or None, store.sessions)
    return {"username": username, "role": role}


@router.post("/users/{username}/password", tags=["accounts"])
def user_password(
    username: str, store: ViewsD, user: Csrf, password: Annotated[str, Body(embed=True)]
) -> dict[str, Any]:
    """Set an account's password (admin); the account's sessions end."""
    _admin(user)
    auth.set_password(store.accounts(), username, password, store.sessions)
    return {"username": username, "password_changed": True}


@router.post("/users/{username}/remove", tags=["accounts"])
def remove_account(username: str, store: ViewsD, user: Csrf) -> dict[str, Any]:
    """Delete an account and its sessions (admin; not your own, not the last admin)."""
    _admin(user)
    if username == user.username:
        raise ForbiddenError("you cannot remove your own account")
    auth.remove_user(store.accounts(), username, store.sessions)
    return {"removed": username}


__all__ = ["current_user", "router"]
