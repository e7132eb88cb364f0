"""Schemathesis over the dashboard's OpenAPI document, in process (the ASGI app), once for
every role and once signed out.

For every operation of the document and every role (``auth.ROLES`` and an anonymous
client), generated requests (valid ones, and the ids that exist in the workspace: the
latest run, the person of the ``person`` account, someone else, a department) must get:

- no 5xx answer;
- a body that conforms to the operation's response schema, and the media type it declares;
- no 2xx answer where :data:`POLICY` says the role is refused. The policy is written here,
  from docs/dashboard.md and the role rules of ``web/auth.py`` and ``web/deps.py``, not read
  from the routes, so a route that forgets its permission is caught; a route or a role the
  policy does not list fails the test until it is added.

Signed-in roles send their session cookie and CSRF token with every request. They do not
fuzz ``POST /api/logout`` (it would end the session the other requests need), and the roles
that may download reports do not fuzz the PDF (headless Chromium, seconds per request; the
browser tests cover it), nor start jobs (an analysis or ingest in the background; the jobs'
access and bad input are tested in tests/web/test_jobs.py). The workspace: 60 synthetic
people, one analysis run.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

import groundswell as gs
from groundswell import synth
from groundswell.web import auth
from groundswell.web.app import create_app
from groundswell.web.deps import CSRF_HEADER, SESSION_COOKIE
from tests.fuzz.conftest import fuzz

pytestmark = pytest.mark.fuzz

ANONYMOUS = "anonymous"
SIGNED_IN = frozenset(auth.ROLES)
AGGREGATES = frozenset({"admin", "analyst", "viewer"})
PEOPLE = frozenset({"admin", "analyst"})
ADMIN = frozenset({"admin"})
#: a person account may see this for its own person_id (and only that)
OWN = "own person"

#: operation -> who may get a 2xx answer
POLICY: dict[str, frozenset[str]] = {
    "POST /api/login": SIGNED_IN | {ANONYMOUS},
    "POST /api/logout": SIGNED_IN,
    "GET /api/me": SIGNED_IN,
    "GET /api/overview": AGGREGATES,
    "GET /api/runs": AGGREGATES,
    "GET /api/runs/{run_id}": AGGREGATES,
    "GET /api/groups": AGGREGATES,
    "GET /api/groups/{attribute}/{name}": AGGREGATES,
    "GET /api/communities": AGGREGATES,
    "GET /api/formal": AGGREGATES,
    "GET /api/compare": AGGREGATES,
    "GET /api/map": AGGREGATES,
    "GET /api/runs/{run_id}/value": AGGREGATES,
    "GET /api/runs/{run_id}/qa": AGGREGATES,
    "GET /api/runs/{run_id}/leaders": AGGREGATES,
    "GET /api/runs/{run_id}/community-health": AGGREGATES,
    "GET /api/runs/{run_id}/trends": AGGREGATES,
    "GET /api/runs/{run_id}/onboarding": AGGREGATES,
    "GET /api/runs/{run_id}/survey": AGGREGATES,
    "GET /api/initiatives": AGGREGATES,
    "GET /api/initiatives/{name}": AGGREGATES,
    "GET /api/sources": PEOPLE,
    "GET /api/people": PEOPLE,
    "GET /api/people/{person_id}": PEOPLE | {OWN},
    "GET /api/people/{person_id}/ego": PEOPLE | {OWN},
    "GET /api/people/{person_id}/survey-ego": PEOPLE,
    "GET /api/me/person": frozenset({"person"}),
    "GET /api/me/download": frozenset({"person"}),
    "POST /api/me/optout": frozenset({"person"}),
    "GET /api/me/group": frozenset({"group_lead"}),
    "GET /api/runs/{run_id}/report": PEOPLE,
    "GET /api/runs/{run_id}/report.pdf": PEOPLE,
    "GET /api/plans": PEOPLE,
    "POST /api/plans": PEOPLE,
    "GET /api/plans/jobs/{job_id}": PEOPLE,
    "GET /api/plans/{plan_id}": PEOPLE,
    "GET /api/users": ADMIN,
    "POST /api/users": ADMIN,
    "POST /api/users/{username}/disable": ADMIN,
    "POST /api/users/{username}/enable": ADMIN,
    "POST /api/users/{username}/role": ADMIN,
    "POST /api/users/{username}/password": ADMIN,
    "POST /api/users/{username}/remove": ADMIN,
    "GET /api/jobs": PEOPLE,
    "POST /api/jobs": PEOPLE,
    "POST /api/jobs/ingest": PEOPLE,
    "GET /api/jobs/{job_id}": PEOPLE,
    "POST /api/jobs/{job_id}/cancel": PEOPLE,
    "GET /api/surveys": ADMIN,
    "POST /api/surveys": ADMIN,
    "GET /api/surveys/{survey_id}": ADMIN,
    "POST /api/surveys/{survey_id}/launch": ADMIN,
    "POST /api/surveys/{survey_id}/remind": ADMIN,
    "POST /api/surveys/{survey_id}/close": ADMIN,
    "GET /api/surveys/{survey_id}/nonrespondents": ADMIN,
}
#: what each role may not fuzz (see the module docstring)
SKIP: dict[str, frozenset[str]] = {
    role: frozenset(
        {"POST /api/logout"}
        | ({"GET /api/runs/{run_id}/report.pdf"} if role in PEOPLE else set())
        # a valid generated job would run an analysis or an ingest in the background for the
        # rest of the test; their access and bad input are tested in tests/web/test_jobs.py
        | ({"POST /api/jobs", "POST /api/jobs/ingest"} if role in PEOPLE else set())
    )
    for role in SIGNED_IN
}
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
#: generated requests per operation and role: 42 operations x 5 clients stay within ~90 s
PER_OPERATION = 8
#: and per value that exists in the workspace (a run, a person)
PER_KNOWN = 2


@dataclass
class Client:
    role: str
    cookies: dict[str, str]
    headers: dict[str, str]
    person_id: str | None


@dataclass
class Site:
    path: Path  # the workspace
    clients: dict[str, Client]
    known: dict[str, list[Any]]  # path or query parameter -> values that exist


@dataclass
class Api:
    schema: Any
    clients: dict[str, Client]
    known: dict[str, list[Any]]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The workspace, and a session for every role (sessions live in the workspace, so
    they hold for every app opened on it)."""
    folder = tmp_path_factory.mktemp("fuzz-api")
    files = synth.generate(60, seed=3).write(folder / "data")
    password = secrets.token_urlsafe(24)
    with gs.init(folder / "ws", identified=True) as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        run = ws.analyze()
        people = run.people()
        own, other = str(people.index[3]), str(people.index[0])
        department = str(people["department"].value_counts().index[0])
        names = {role: f"fuzz-{role}-{secrets.token_hex(4)}" for role in auth.ROLES}
        for role in auth.ROLES:
            group = f"department:{department}" if role == "group_lead" else None
            auth.add_user(ws, names[role], password, role, own if role == "person" else None, group)
    clients = {ANONYMOUS: Client(ANONYMOUS, {}, {}, None)}
    with asgi.get_client(create_app(folder / "ws")) as c:
        for role in auth.ROLES:
            r = c.post("/api/login", json={"username": names[role], "password": password})
            assert r.status_code == 200, r.text
            me = r.json()
            cookies = {SESSION_COOKIE: r.cookies[SESSION_COOKIE]}
            clients[role] = Client(role, cookies, {CSRF_HEADER: me["csrf_token"]}, me["person_id"])
    asgi.shutdown_lifespans()  # closes that app's store
    known = {
        "run_id": [run.run_id],
        "run": [run.run_id],
        "person_id": [own, other],
        "attribute": ["department"],
        "name": [department],
    }
    return Site(folder / "ws", clients, known)


@pytest.fixture
def api(site: Site):
    """A fresh app on the workspace for each test: schemathesis ends an app's lifespan (and
    so closes its store) when the test that started it ends."""
    app = create_app(site.path)
    schema = schemathesis.openapi.from_asgi(
        "/api/openapi.json", app, cookies=site.clients["admin"].cookies
    )
    yield Api(schema, site.clients, site.known)
    asgi.shutdown_lifespans()


def test_the_policy_names_every_operation_and_role(api: Api) -> None:
    labels = {r.ok().label for r in api.schema.get_all_operations()}
    assert labels == set(POLICY), (
        f"operations without a policy: {sorted(labels - set(POLICY))}; "
        f"policy for operations that are gone: {sorted(set(POLICY) - labels)}"
    )
    named = set().union(*POLICY.values()) - {ANONYMOUS, OWN}
    assert named == set(auth.ROLES), f"roles the policy does not know: {set(auth.ROLES) - named}"


def _negatable(op: Any) -> bool:
    """Whether a request can break the operation's schema: a body that can, or a parameter
    that must be a number (any text is a valid string parameter)."""
    typed = re.compile(r'"type": "(integer|number|boolean)"')
    return any(b.is_negatable for b in op.body) or any(
        typed.search(json.dumps(p.definition)) for p in op.iter_parameters()
    )


def _strategies(op: Any, known: dict[str, list[Any]]) -> list[tuple[st.SearchStrategy, int]]:
    """Generated requests (valid ones and invalid ones), and a few requests naming each
    thing that exists (a run, the person account's own person, someone else), with how
    many examples each gets."""
    out = [(op.as_strategy(), PER_OPERATION)]
    if _negatable(op):
        out.append((op.as_strategy(GenerationMode.NEGATIVE), PER_OPERATION))
    path = set(re.findall(r"{(\w+)}", op.path))
    query = {p.name for p in op.query}
    for name, values in known.items():
        for value in values:
            if name in path:
                out.append((op.as_strategy(path_parameters={name: value}), PER_KNOWN))
            elif name in query:
                out.append((op.as_strategy(query={name: value}), PER_KNOWN))
    return out


def _allowed(client: Client, label: str, case: Any) -> bool:
    who = POLICY[label]
    if client.role in who:
        return True
    own = (case.path_parameters or {}).get("person_id")
    return OWN in who and client.role == "person" and own is not None and own == client.person_id


def _check_operation(op: Any, client: Client, known: dict[str, list[Any]]) -> None:
    """Generated requests of one operation from one client, checked."""
    for strategy, examples in _strategies(op, known):

        @fuzz(examples)
        @given(case=strategy)
        def answers(case: Any) -> None:
            response = case.call(cookies=client.cookies, headers=client.headers)
            case.validate_response(response, checks=CHECKS)
            assert response.status_code >= 300 or _allowed(client, op.label, case), (
                f"{client.role} got {response.status_code} from {case.method} "
                f"{case.formatted_path}, which the policy refuses it: {response.text[:300]}"
            )

        answers()


@pytest.mark.parametrize("role", [*auth.ROLES, ANONYMOUS])
def test_every_operation_answers_within_the_schema_and_the_role(api: Api, role: str) -> None:
    failures: list[str] = []
    for result in api.schema.get_all_operations():
        op = result.ok()
        if op.label in SKIP.get(role, ()) or op.label not in POLICY:
            continue
        try:
            _check_operation(op, api.clients[role], api.known)
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried, all reported
            failures.append(f"{op.label}: {type(exc).__name__}: {exc}")
    assert not failures, f"{role}: {len(failures)} operation(s) failed:\n" + "\n\n".join(failures)
