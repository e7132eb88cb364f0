"""Security headers on the dashboard's and the survey's pages, and the OpenAPI document only
for signed-in users.

Every answer, HTML, JSON or error, signed in or not, carries a Content-Security-Policy that
allows scripts only from this server (no inline script, no plugin, no ``<base>``, no
framing by another site), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``
and a referrer policy that sends no address to other sites; everything but the static files
is ``Cache-Control: no-store`` (a survey link's page holds its token). The values come from
the OWASP Secure Headers Project's recommendations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from groundswell.web.app import create_app
from tests.web._hostile import PASSWORD, HostileWorkspace

#: the directives a page's policy must hold, with the values allowed
REQUIRED_CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
REFERRER_POLICIES = {"no-referrer", "same-origin"}


@pytest.fixture(scope="module")
def app(hostile_ws: HostileWorkspace) -> Iterator[Any]:
    application = create_app(hostile_ws.path)
    yield application
    application.state.store.close()


def client(app: Any, role: str | None, address: str) -> TestClient:
    c = TestClient(app, client=(address, 50000))
    if role:
        r = c.post("/api/login", json={"username": role, "password": PASSWORD})
        assert r.status_code == 200, r.text
    return c


def policy(header: str) -> dict[str, set[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = set(words[1:])
    return out


def assert_headers(r: Any, url: str, *, static: bool = False) -> None:
    h = r.headers
    csp = policy(h.get("content-security-policy", ""))
    for directive, allowed in REQUIRED_CSP.items():
        assert csp.get(directive) == allowed, (url, directive, csp.get(directive))
    assert h.get("x-content-type-options") == "nosniff", url
    assert h.get("x-frame-options") == "DENY", url
    assert h.get("referrer-policy") in REFERRER_POLICIES, (url, h.get("referrer-policy"))
    if not static:
        assert h.get("cache-control") == "no-store", url


def test_dashboard_pages_carry_the_headers(app, hostile_ws) -> None:
    nobody = client(app, None, "192.0.2.20")
    admin = client(app, "admin", "192.0.2.21")
    for c, url in [
        (nobody, "/login"),
        (nobody, "/api/overview"),  # 401, JSON
        (nobody, "/no-such-page"),
        (admin, "/"),
        (admin, "/people"),
        (admin, f"/people/{hostile_ws.person_id}"),
        (admin, "/explorer"),
        (admin, "/api/overview"),
        (admin, "/api/openapi.json"),
        (admin, f"/api/runs/{hostile_ws.runs[1]}/report"),
        (admin, "/no-such-page"),
    ]:
        assert_headers(c.get(url, follow_redirects=False), url)
    assert_headers(nobody.get("/static/dashboard.css"), "/static/dashboard.css", static=True)


def test_survey_pages_carry_the_headers(app, hostile_ws) -> None:
    respondent = client(app, None, "192.0.2.22")
    admin = client(app, "admin", "192.0.2.23")
    form = respondent.get(f"/s/{hostile_ws.token}")
    assert form.status_code == 200
    assert_headers(form, "/s/{token}")
    refused = respondent.post(f"/s/{hostile_ws.token}", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    assert_headers(refused, "POST /s/{token}")
    assert_headers(respondent.get(f"/s/{hostile_ws.token}/people?q=a"), "/s/{token}/people")
    unknown = client(app, None, "192.0.2.24").get("/s/not-a-real-token")
    assert unknown.status_code == 404
    assert_headers(unknown, "/s/{unknown}")
    for url in ["/surveys", f"/surveys/{hostile_ws.open_survey}", "/api/surveys"]:
        r = admin.get(url)
        assert r.status_code == 200, url
        assert_headers(r, url)
    static = respondent.get("/survey/static/survey.js")
    assert static.status_code == 200
    assert_headers(static, "/survey/static/survey.js", static=True)


def test_openapi_only_for_signed_in_users(app) -> None:
    nobody = client(app, None, "192.0.2.25")
    r = nobody.get("/api/openapi.json")
    assert r.status_code == 401 and set(r.json()) == {"error", "detail"}
    assert "paths" not in r.text
    for url in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        assert nobody.get(url, follow_redirects=False).status_code == 404, url
    for role in ("admin", "analyst", "viewer", "person"):
        spec = client(app, role, "192.0.2.26").get("/api/openapi.json")
        assert spec.status_code == 200, role
        assert "/api/overview" in spec.json()["paths"], role
