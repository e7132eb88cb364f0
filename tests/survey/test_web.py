"""The survey's HTTP faces, in process (FastAPI TestClient): respondent rules and admin routes."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from groundswell.survey import model, questions
from groundswell.survey.web import mount
from groundswell.web.app import create_app
from tests.survey.conftest import PASSWORD, person, roster_no, token_of

BASE = "http://testserver"


@pytest.fixture
def site(org):
    with org.open() as ws:
        qs = [questions.question("advice", max_nominations=2, scale=3), questions.question("trust")]
        s = model.create(ws, "Spring", qs)
        links = {k.person_id: token_of(k.url) for k in model.launch(ws, s, base_url=BASE)}
        nos = {e: roster_no(ws, s.survey_id, e) for e in ("E01", "E02", "E03", "E04")}
        tokens = {e: links[person(ws, e)] for e in ("E01", "E02")}
        ids = {e: person(ws, e) for e in ("E01", "E02", "E03")}
    app = create_app(org.path)
    mount(app)
    with TestClient(app) as client:
        yield client, s, tokens, nos, ids, app


def _csrf(client, token):
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


def _responses(app):
    return (
        app.state.store.ws()
        .query("SELECT person_id, slug, nominee_id, strength FROM survey_responses ORDER BY ALL")
        .values.tolist()
    )


def test_form_is_accessible_markup_and_loads_nothing_from_elsewhere(site) -> None:
    client, _s, tokens, *_ = site
    page = client.get(f"/s/{tokens['E01']}")
    html = page.text
    assert page.status_code == 200 and "<fieldset" in html and "<legend>" in html
    assert 'role="combobox"' in html and 'aria-live="polite"' in html
    assert '<label for="search-advice">' in html and 'name="viewport"' in html
    assert "http://" not in html.replace(BASE, "") and "https://" not in html
    assert client.get("/survey/static/survey.js").status_code == 200


def test_type_ahead_returns_roster_numbers_and_names_only(site) -> None:
    client, _s, tokens, nos, _ids, _ = site
    got = client.get(f"/s/{tokens['E01']}/people", params={"q": "bo e02"}).json()
    assert got == {"people": [{"id": nos["E02"], "name": "Bo E02"}]}
    assert "p_" not in client.get(f"/s/{tokens['E01']}/people", params={"q": "e0"}).text
    assert client.get(f"/s/{tokens['E01']}/people", params={"q": "Gone"}).json() == {"people": []}


def test_autosave_needs_the_invitations_csrf_token(site) -> None:
    client, _s, tokens, nos, ids, app = site
    body = {"nominees": [{"id": nos["E02"], "strength": 3}]}
    url = f"/s/{tokens['E01']}/answers/advice"
    assert client.post(url, json=body).status_code == 403
    other = _csrf(client, tokens["E02"])  # another respondent's token does not do
    assert client.post(url, json=body, headers={"X-CSRF-Token": other}).status_code == 403
    mine = _csrf(client, tokens["E01"])
    r = client.post(
        url, json=body, headers={"X-CSRF-Token": mine, "Origin": "https://evil.example"}
    )
    assert r.status_code == 403
    r = client.post(url, json=body, headers={"X-CSRF-Token": mine})
    assert r.status_code == 200 and r.json()["saved"] is True
    assert _responses(app) == [[ids["E01"], "advice", ids["E02"], 3.0]]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"nominees": [{"id": 99999, "strength": 1}]}, 422, "not in this survey's list"),
        ({"nominees": [{"id": "E02"}]}, 422, "expected JSON"),
        ({"nominees": [{"id": 1, "strength": 9}]}, 422, "from 1 to 3"),
    ],
)
def test_autosave_validation_messages(site, body, status, message) -> None:
    client, _s, tokens, _nos, _ids, app = site
    csrf = _csrf(client, tokens["E01"])
    r = client.post(f"/s/{tokens['E01']}/answers/advice", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == status and message in r.json()["detail"]
    assert r.json()["error"] == "invalid_request"
    assert _responses(app) == []


def test_max_nominations_and_self_nomination_over_http(site) -> None:
    client, _s, tokens, nos, _ids, _app = site
    csrf = _csrf(client, tokens["E01"])
    url = f"/s/{tokens['E01']}/answers/advice"
    three = {"nominees": [{"id": nos[e], "strength": 1} for e in ("E02", "E03", "E04")]}
    r = client.post(url, json=three, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422 and "name at most 2" in r.json()["detail"]
    me = {"nominees": [{"id": nos["E01"], "strength": 1}]}
    r = client.post(url, json=me, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422 and "not yourself" in r.json()["detail"]


def test_submit_form_then_change_then_closed(site) -> None:
    client, s, tokens, nos, ids, app = site
    csrf = _csrf(client, tokens["E01"])
    form = {"csrf_token": csrf, "n.advice": [str(nos["E02"])], f"s.advice.{nos['E02']}": "2",
            "n.trust": [str(nos["E03"])]}  # fmt: skip
    r = client.post(f"/s/{tokens['E01']}", data=form)
    assert r.status_code == 200 and "Thank you" in r.text
    assert _responses(app) == sorted(
        [[ids["E01"], "advice", ids["E02"], 2.0], [ids["E01"], "trust", ids["E03"], 1.0]]
    )
    bad = {**form, f"s.advice.{nos['E02']}": "7"}
    r = client.post(f"/s/{tokens['E01']}", data=bad)
    assert r.status_code == 422 and 'role="alert"' in r.text and "from 1 to 3" in r.text
    r = client.post(f"/s/{tokens['E01']}", data={**form, "n.trust": []})  # a change
    assert r.status_code == 200 and len(_responses(app)) == 1
    model.close(app.state.store.ws(), s.survey_id)
    page = client.get(f"/s/{tokens['E01']}")
    assert page.status_code == 409 and "closed" in page.text
    r = client.post(f"/s/{tokens['E01']}", data=form)
    assert r.status_code == 409 and len(_responses(app)) == 1
    r = client.post(f"/s/{tokens['E01']}/answers/trust", json={"nominees": []},
                    headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert r.status_code == 409 and r.json()["error"] == "conflict"


def test_unknown_tokens_are_rate_limited_per_client(site) -> None:
    client, _s, tokens, *_ = site
    for _ in range(20):  # survey.max_unknown_tokens, each with a prefix of its own
        assert client.get(f"/s/{secrets.token_urlsafe(32)}").status_code == 404
    r = client.get(f"/s/{secrets.token_urlsafe(32)}")
    # until one more has refilled: 10 minutes / 20 (tests/survey/test_guard.py: the rest)
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 30
    # from now on even a valid link answers 429: guessing learns nothing
    assert client.get(f"/s/{tokens['E01']}").status_code == 429
    assert client.get(f"/s/{tokens['E01']}/people?q=bo").status_code == 429


def _login(client, username):
    r = client.post("/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client.get("/api/me").json()["csrf_token"]


def test_admin_routes_need_the_admin_role(site) -> None:
    client, s, *_ = site
    assert client.get("/api/surveys").status_code == 401
    _login(client, "viewer")
    assert client.get("/api/surveys").status_code == 403
    assert client.get(f"/api/surveys/{s.survey_id}/nonrespondents").status_code == 403
    assert client.get("/surveys").status_code == 403


def test_admin_creates_launches_follows_and_closes(site) -> None:
    client, _s, _tokens, _nos, _ids, _app = site
    csrf = _login(client, "admin")
    h = {"X-CSRF-Token": csrf}
    assert client.post("/api/surveys", json={"name": "Autumn"}).status_code == 403  # no CSRF
    r = client.post("/api/surveys", json={"name": "Autumn", "questions": [{"kind": "energy"}]},
                    headers=h)  # fmt: skip
    assert r.status_code == 201, r.text
    sid = r.json()["survey_id"]
    bad = client.post("/api/surveys", json={"name": "X", "questions": [{"kind": "gossip"}]},
                      headers=h)  # fmt: skip
    assert bad.status_code == 400 and "question kind must be one of" in bad.json()["detail"]
    r = client.post(f"/api/surveys/{sid}/launch", json={"base_url": "https://ona.example.com"},
                    headers=h)  # fmt: skip
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert len(lines) == 25 and lines[1].split(",")[-1].startswith("https://ona.example.com/s/")
    rate = client.get(f"/api/surveys/{sid}").json()["response_rate"]
    assert (rate["invited"], rate["submitted"]) == (24, 0)
    assert len(client.get(f"/api/surveys/{sid}/nonrespondents").json()) == 24
    assert "Who has not answered" in client.get(f"/surveys/{sid}").text
    r = client.post(f"/api/surveys/{sid}/close", headers=h)
    assert r.status_code == 200 and r.json()["already_closed"] is False
    assert client.post(f"/api/surveys/{sid}/close", headers=h).json()["already_closed"] is True
    assert client.get("/api/surveys/999").status_code == 404
