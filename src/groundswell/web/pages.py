"""The HTML pages: Jinja2 templates over the very functions that answer under ``/api/``.

Over 500 lines because every page sits beside its access rule in one router, which the
role x route access test walks; the person-facing pages (/me, the group lead's page) should
move to a router of their own next.

Each page handler calls the API function of the same data (same access rule, same store
method) and renders it; every page links to its JSON twin. Pages answer 303 to ``/login``
when nobody is signed in (see the error handler in :mod:`groundswell.web.app`).
"""

from __future__ import annotations

import secrets
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from groundswell import charts, role_lists, words
from groundswell.errors import AuthError, ForbiddenError
from groundswell.privacy import SUPPRESSED
from groundswell.web import api, auth, planner, templating, value_api
from groundswell.web.auth import User
from groundswell.web.deps import (
    SESSION_COOKIE,
    client_address,
    csrf,
    current_user,
    get_store,
    require,
    same_origin,
    session_digest,
)
from groundswell.web.errors import status_of
from groundswell.web.views import GROUP_ATTRIBUTES, Views

router = APIRouter(include_in_schema=False)
templates = templating.templates(Path(__file__).parent / "templates")
LOGIN_CSRF_COOKIE = "gs_login_csrf"

ViewsD = Annotated[Views, Depends(get_store)]
Aggregates = Annotated[User, Depends(require("aggregates"))]
People = Annotated[User, Depends(require("people"))]
Anyone = Annotated[User, Depends(require("aggregates", "people", "self"))]
Signed = Annotated[User, Depends(require("aggregates", "people", "self", "group"))]
Sources = Annotated[User, Depends(require("sources"))]
Plans = Annotated[User, Depends(require("plans"))]
Admin = Annotated[User, Depends(require("users"))]

#: (path, title, permission) of the navigation bar.
NAV = (
    ("/", "Overview", "aggregates"),
    ("/explorer", "Network explorer", "aggregates"),
    ("/people", "People", "people"),
    ("/groups", "Groups", "aggregates"),
    ("/communities", "Communities", "aggregates"),
    ("/formal", "Formal vs informal", "aggregates"),
    ("/compare", "Compare periods", "aggregates"),
    ("/value", "Value", "aggregates"),
    ("/qa", "Q&A", "aggregates"),
    ("/leaders", "Leaders", "aggregates"),
    ("/community-health", "Communities health", "aggregates"),
    ("/trends", "Trends", "aggregates"),
    ("/onboarding", "Onboarding", "aggregates"),
    ("/survey", "Survey vs digital", "aggregates"),
    ("/initiatives", "Initiatives", "aggregates"),
    ("/planner", "Champion planner", "plans"),
    ("/jobs", "Jobs", "jobs"),
    ("/sources", "Sources and runs", "sources"),
    ("/surveys", "Surveys", "users"),
    ("/users", "Users", "users"),
    ("/me", "My network", "self"),
    ("/mygroup", "My group", "group"),
    ("/glossary", "Terms used", "aggregates"),
)


def render(
    request: Request,
    name: str,
    user: User | None,
    *,
    api_url: str | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    nav = [(p, t) for p, t, perm in NAV if user is not None and user.can(perm)]
    return templates.TemplateResponse(
        request,
        name,
        {"user": user, "nav": nav, "api_url": api_url, "path": request.url.path, **context},
        status_code=status,
    )


def _q(**params: Any) -> str:
    kept = {k: v for k, v in params.items() if v is not None}
    return "?" + urlencode(kept) if kept else ""


# -- sign in and out -----------------------------------------------------------------------
def _safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else ``"/"``: it starts with one ``/``
    (``//host`` and ``/\\host`` are other sites to a browser), holds no backslash and no
    control character (a browser drops tabs and newlines, so ``/\\t/host`` is ``//host``),
    and names no scheme or host."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return "/"
    if "\\" in target or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in target):
        return "/"
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    # no ?error=: a link must not put words of its own in the sign-in form
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html.j2", None, login_csrf=token, next=_safe_next(next))
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.secure_cookies or request.url.scheme == "https",
        path="/login",
    )
    return response


@router.post("/login")
def login_form(
    request: Request,
    store: ViewsD,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    same_origin(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise ForbiddenError("the sign-in form expired or came from elsewhere; reload it")
    try:
        token, user = auth.login(store.accounts(), username, password, client_address(request))
    except AuthError as exc:
        return render(
            request,
            "login.html.j2",
            None,
            login_csrf=expected,
            next=_safe_next(next),
            error=str(exc),
            status=status_of(exc),
        )
    landing = {"person": "/me", "group_lead": "/mygroup"}
    target = landing.get(user.role) or _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    api.set_session_cookie(request, response, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout_form(request: Request, store: ViewsD, user: Annotated[User, Depends(csrf)]) -> Response:
    auth.logout(store.accounts(), request.cookies.get(SESSION_COOKIE), store.sessions)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- aggregates ----------------------------------------------------------------------------
@router.get("/")
def home(request: Request, store: ViewsD, user: Signed, run: int | None = None) -> Response:
    if not user.can("aggregates"):
        return RedirectResponse("/mygroup" if user.can("group") else "/me", status_code=303)
    data = api.overview(store, user, run)
    cards, small = home_pictures(store, data)
    return render(
        request, "overview.html.j2", user, api_url="/api/overview" + _q(run=run), data=data,
        cards=cards, small_charts=small,
    )  # fmt: skip


#: the home page's headline cards: (summary key, label, kind)
HOME_CARDS = (
    ("people", "people in the network", "count"),
    ("ties", "ties", "count"),
    ("reciprocity", "ties returned", "share"),
    ("diverse_ties", "ties between departments", "share"),
    ("communities", "communities", "count"),
    ("isolated", "people with no ties", "count"),
    ("silos", "departments that are silos", "count"),
    ("modularity", "modularity", "number"),
)
#: the home page's small charts: measures of the monthly snapshots
HOME_TRENDS = ("people", "ties", "cross_department_share")


def _figure(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if kind == "share":
        return f"{value:.0%}"
    if kind == "count":
        return f"{int(value):,}"
    return f"{value:.2f}"


def home_pictures(store: Views, data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    """The home page's headline cards against the previous period, and small charts of the
    monthly snapshots (axes from zero; none when fewer than two months are stored)."""
    r = data.get("run")
    if not r:
        return [], []
    before = r.get("previous")
    cards = []
    for key, label, kind in HOME_CARDS:
        now = r["headlines"].get(key, {}).get("value")
        then = before["headlines"].get(key) if before else None
        change, direction = words.change(now, then, partial(_figure, kind=kind), kind)
        cards.append(
            {
                "key": key,
                "label": label,
                "value": _figure(now, kind),
                "then": _figure(then, kind) if before else None,
                "change": change,
                "direction": direction,
            }
        )
    small = []
    trends = store.trends(r["run_id"], people=False)
    months = trends.get("periods") or []
    if len(months) >= 2:
        labels = [m[:7] for m in months]
        for key in HOME_TRENDS:
            series = trends["series"].get(key)
            measure = trends["measures"].get(key)
            if not series or not measure:
                continue
            kind = measure["kind"]
            small.append(
                charts.line_chart_svg(
                    labels,
                    [
                        (
                            measure["reading"],
                            "#2563eb",
                            [float("nan") if v is None else v for v in series],
                        )
                    ],
                    title=measure["reading"].capitalize(),
                    y_title={"share": "% of ties", "count": "count"}.get(kind, "value"),
                    x_title="month",
                    unit=kind if kind in ("share", "count") else "number",
                    width=300,
                    height=160,
                )
            )
    return cards, small


@router.get("/glossary")
def glossary_page(request: Request, user: Anyone) -> Response:
    """The terms the dashboard uses, in plain words, with where each idea comes from."""
    from groundswell.glossary import TERMS

    return render(request, "glossary.html.j2", user, terms=TERMS)


@router.post("/names")
def names_form(
    request: Request,
    store: ViewsD,
    user: Annotated[User, Depends(csrf)],
    on: Annotated[str, Form()] = "1",
) -> Response:
    """Switch this session to names (admins only; needs the workspace key; logged in the
    audit log) or back to pseudonyms."""
    if not user.can("users"):
        raise ForbiddenError(f"the {user.role} role may not switch the dashboard to names")
    token = request.cookies.get(SESSION_COOKIE) or ""
    store.switch(session_digest(token), user.username, on == "1")
    return RedirectResponse("/", status_code=303)


@router.get("/explorer")
def explorer(request: Request, store: ViewsD, user: Aggregates, run: int | None = None) -> Response:
    return render(
        request,
        "explorer.html.j2",
        user,
        api_url="/api/map" + _q(run=run),
        run=run,
        identities=user.can("people"),
    )


@router.get("/groups")
def groups_page(
    request: Request,
    store: ViewsD,
    user: Aggregates,
    run: int | None = None,
    attribute: str = "department",
) -> Response:
    data = api.groups(store, user, run, attribute)
    return render(
        request,
        "groups.html.j2",
        user,
        api_url="/api/groups" + _q(run=run, attribute=attribute),
        data=data,
        attributes=GROUP_ATTRIBUTES,
        quote=quote,
    )


@router.get("/groups/{attribute}/{name:path}")  # a name may hold "/"
def group_page(
    attribute: str, name: str, request: Request, store: ViewsD, user: Aggregates,
    run: int | None = None,
) -> Response:  # fmt: skip
    data = api.group(attribute, name, store, user, run)
    url = f"/api/groups/{quote(attribute)}/{quote(name, safe='')}" + _q(run=run)
    return render(request, "group.html.j2", user, api_url=url, data=data)


@router.get("/communities")
def communities_page(
    request: Request, store: ViewsD, user: Aggregates, run: int | None = None
) -> Response:
    data = api.communities(store, user, run)
    return render(
        request, "communities.html.j2", user, api_url="/api/communities" + _q(run=run), data=data
    )


@router.get("/formal")
def formal_page(
    request: Request,
    store: ViewsD,
    user: Aggregates,
    run: int | None = None,
    attribute: str = "department",
) -> Response:
    data = api.formal(store, user, run, attribute)
    departments = sorted({f["department"] for f in data["flow"]})
    comms = sorted(
        {f["community"] for f in data["flow"]}, key=lambda c: (not c.isdigit(), c.zfill(6))
    )
    cells = {(f["department"], f["community"]): f["people"] for f in data["flow"]}
    return render(
        request,
        "formal.html.j2",
        user,
        api_url="/api/formal" + _q(run=run, attribute=attribute),
        data=data,
        departments=departments,
        comms=comms,
        cells=cells,
        attributes=GROUP_ATTRIBUTES,
        sankey=_sankey(data["flow"]),
        matrix_legend=charts.heat_legend_svg(
            (31, 119, 180), lambda v: 0.9 * v, title="share of the row group's ties (shading)"
        ),
    )


def _sankey(flow: list[dict[str, Any]]) -> Any:
    """The flow diagram of departments into communities, from the gated flow the page shows
    (a cell the gate suppresses is not in it): departments and communities largest first."""
    people: dict[str, float] = {}
    for f in flow:
        if f["people"]:
            people[f["department"]] = people.get(f["department"], 0) + f["people"]
    legend = charts.category_colours({d: int(n) for d, n in people.items()})
    comm_size: dict[str, float] = {}
    for f in flow:
        comm_size[f["community"]] = comm_size.get(f["community"], 0) + (f["people"] or 0)
    rank = {c: i for i, c in enumerate(sorted(comm_size, key=lambda c: -comm_size[c]))}
    order = sorted(flow, key=lambda f: (-people.get(f["department"], 0), rank[f["community"]]))
    return charts.sankey_svg(
        [(f["department"], f"community {f['community']}", f["people"]) for f in order],
        charts.colour_of(legend),
        title="Departments into communities",
        left_title="department",
        right_title="community",
    )


@router.get("/compare")
def compare_page(
    request: Request, store: ViewsD, user: Aggregates, a: int | None = None, b: int | None = None
) -> Response:
    runs = api.runs(store, user)
    if a is None and b is None and len(runs) >= 2:
        a, b = runs[1]["run_id"], runs[0]["run_id"]
    data = api.compare(store, user, a, b) if a is not None and b is not None else None
    return render(
        request,
        "compare.html.j2",
        user,
        api_url="/api/compare" + _q(a=a, b=b) if data else "/api/runs",
        data=data,
        runs=runs,
        a=a,
        b=b,
    )


# -- value ---------------------------------------------------------------------------------
#: path -> (template, API function of :mod:`.value_api`, API path under /api/runs/{id}/)
VALUE_PAGES = {
    "/value": ("value.html.j2", value_api.value, "value"),
    "/qa": ("qa.html.j2", value_api.qa, "qa"),
    "/leaders": ("leaders.html.j2", value_api.leaders, "leaders"),
    "/community-health": ("health.html.j2", value_api.community_health, "community-health"),
    "/trends": ("trends.html.j2", value_api.trends, "trends"),
    "/onboarding": ("onboarding.html.j2", value_api.onboarding, "onboarding"),
}


def natural_order(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group rows by scale (in the order stored), each scale by name in natural order
    (community 2 before community 10), the merged "(suppressed)" last."""
    scales = list(dict.fromkeys(g.get("scale") for g in groups))
    return sorted(
        groups,
        key=lambda g: (
            scales.index(g.get("scale")),
            g.get("group") == SUPPRESSED,
            charts.natural_key(str(g.get("group", ""))),
        ),
    )


def _value_page(path: str) -> Any:
    template, fn, api_path = VALUE_PAGES[path]

    def page(request: Request, store: ViewsD, user: Aggregates, run: int | None = None) -> Response:
        data = fn(store, user, run)
        if data.get("groups"):  # as people read them: community 2 before community 10
            data = {**data, "groups": natural_order(data["groups"])}
        return render(
            request,
            template,
            user,
            api_url=f"/api/runs/{data['run_id']}/{api_path}",
            data=data,
            people=user.can("people"),
        )

    page.__name__ = f"{api_path.replace('-', '_')}_page"
    return page


for _path in VALUE_PAGES:
    router.add_api_route(_path, _value_page(_path), methods=["GET"])


@router.get("/survey")
def survey_page(
    request: Request,
    store: ViewsD,
    user: Aggregates,
    run: int | None = None,
    survey: int | None = None,
) -> Response:
    data = value_api.survey(store, user, run, survey)
    return render(
        request,
        "survey.html.j2",
        user,
        api_url=f"/api/runs/{data['run_id']}/survey" + _q(survey=survey),
        data=data,
        people=user.can("people"),
    )


# -- people --------------------------------------------------------------------------------
@router.get("/people")
def people_page(
    request: Request,
    store: ViewsD,
    user: People,
    run: int | None = None,
    sort: str = "pagerank",
    offset: int = 0,
    q: str | None = None,
) -> Response:
    data = api.people(store, user, run, sort, 100, max(offset, 0), q)
    return render(
        request,
        "people.html.j2",
        user,
        api_url="/api/people" + _q(run=run, sort=sort, offset=offset or None, q=q),
        data=data,
        q=q or "",
        run=run,
        role_chart=role_lists.chart(data["role_lists"]) if data.get("role_lists") else "",
    )


@router.get("/people/{person_id}")
def person_page(
    person_id: str, request: Request, store: ViewsD, user: Anyone, run: int | None = None
) -> Response:
    data = api.person(person_id, store, user, run)
    url = f"/api/people/{quote(person_id, safe='')}" + _q(run=run)
    # beside the digital ego network: the person's ties in each survey layer (read once
    # per run and layer, then cached; analysts and admins only, as the ego network)
    surveys = []
    if user.can("people"):
        names = api.names_allowed(user, store)
        surveys = [
            store.survey_layer_ego(run, person_id, layer, names=names)
            for layer in store.survey_layers()
        ]
    return render(
        request, "person.html.j2", user, api_url=url, data=data, personal=False,
        surveys=surveys,
    )  # fmt: skip


@router.get("/me")
def me_page(
    request: Request, store: ViewsD, user: Annotated[User, Depends(require("self"))],
    run: int | None = None,
) -> Response:  # fmt: skip
    data = api.personal(store, user, run)
    return render(
        request, "my_network.html.j2", user, api_url="/api/me/person" + _q(run=run), data=data,
    )  # fmt: skip


@router.get("/mygroup")
def my_group_page(
    request: Request, store: ViewsD, user: Annotated[User, Depends(require("group"))],
    run: int | None = None,
) -> Response:  # fmt: skip
    data = api.my_group(store, user, run)
    return render(
        request, "my_group.html.j2", user, api_url="/api/me/group" + _q(run=run), data=data
    )


@router.post("/me/optout")
def optout_form(
    store: ViewsD,
    user: Annotated[User, Depends(csrf)],
    no_suggest: Annotated[str, Form()] = "",
    no_name: Annotated[str, Form()] = "",
) -> Response:
    api.optout(store, user, no_suggest=no_suggest == "1", no_name=no_name == "1")
    return RedirectResponse("/me", status_code=303)


@router.get("/planner")
def planner_page(request: Request, store: ViewsD, user: Plans, run: int | None = None) -> Response:
    plans = planner.plans(store, user, run)
    return render(
        request, "planner.html.j2", user, api_url="/api/plans" + _q(run=run), plans=plans,
        run=run, quota_attributes=planner.QUOTA_ATTRIBUTES,
    )  # fmt: skip


@router.get("/sources")
def sources_page(request: Request, store: ViewsD, user: Sources) -> Response:
    return render(
        request,
        "sources.html.j2",
        user,
        api_url="/api/sources",
        sources=api.sources(store, user),
        runs=api.runs(store, user),
    )


# -- accounts ------------------------------------------------------------------------------
@router.get("/users")
def users_page(request: Request, store: ViewsD, user: Admin, error: str | None = None) -> Response:
    return render(
        request,
        "users.html.j2",
        user,
        api_url="/api/users",
        users=api.users(store, user),
        roles=auth.ROLES,
        error=error,
    )


@router.post("/users")
def users_form(
    request: Request,
    store: ViewsD,
    user: Annotated[User, Depends(csrf)],
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
    person_id: Annotated[str, Form()] = "",
) -> Response:
    from groundswell.errors import ConfigError

    try:
        api.create_user(store, user, username, password, role, person_id or None)
    except ConfigError as exc:
        return RedirectResponse("/users" + _q(error=str(exc)), status_code=303)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{username}/disable")
def disable_form(username: str, store: ViewsD, user: Annotated[User, Depends(csrf)]) -> Response:
    api.disable_user(username, store, user)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{username}/enable")
def enable_form(username: str, store: ViewsD, user: Annotated[User, Depends(csrf)]) -> Response:
    api.enable_user(username, store, user)
    return RedirectResponse("/users", status_code=303)


__all__ = ["current_user", "router"]
