"""What a respondent's link refuses: searching the roster of a closed survey, and answers
carrying fields the survey does not have (a clear 422, nothing stored)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from groundswell.survey import model, questions
from groundswell.web.app import create_app
from tests.survey.conftest import person, roster_no, token_of


@pytest.fixture
def site(org):
    """(client, app, survey, E01's token, roster numbers of E02 and E03)."""
    with org.open() as ws:
        qs = [questions.question("advice", max_nominations=2, scale=3), questions.question("trust")]
        s = model.create(ws, "Spring", qs)
        links = {
            k.person_id: token_of(k.url) for k in model.launch(ws, s, base_url="http://testserver")
        }
        token = links[person(ws, "E01")]
        nos = {e: roster_no(ws, s.survey_id, e) for e in ("E02", "E03")}
    app = create_app(org.path)
    with TestClient(app) as client:
        yield client, app, s, token, nos


def _csrf(client: TestClient, token: str) -> str:
    return client.get(f"/s/{token}").text.split('name="csrf_token" value="')[1].split('"')[0]


def _stored(app) -> list[int]:
    con = app.state.store.ws().con
    return [
        con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        for t in ("survey_responses", "survey_answered", "survey_attribute_answers")
    ]


def test_the_roster_cannot_be_searched_once_the_survey_is_closed(site) -> None:
    client, app, s, token, nos = site
    url = f"/s/{token}/people"
    found = client.get(url, params={"q": "bo e02"}).json()["people"]
    assert found == [{"id": nos["E02"], "name": "Bo E02"}]
    model.close(app.state.store.ws(), s.survey_id)
    r = client.get(url, params={"q": "bo"})
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    assert "closed" in r.json()["detail"] and "Bo" not in r.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nominees": [{"id": "E02", "strength": 2, "role": "manager"}]}, "nominees.0.role"),
        ({"nominees": [{"id": "E02", "strength": 2}], "respondent": "p_x"}, "respondent"),
    ],
)
def test_an_autosave_with_an_unknown_field_is_refused(site, body, field) -> None:
    client, app, _s, token, nos = site
    for n in body["nominees"]:
        n["id"] = nos[n["id"]]
    r = client.post(
        f"/s/{token}/answers/advice", json=body, headers={"X-CSRF-Token": _csrf(client, token)}
    )
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    assert f"unknown field {field!r}" in r.json()["detail"]
    assert "nothing was saved" in r.json()["detail"]
    assert _stored(app) == [0, 0, 0]


def test_an_autosave_id_must_be_a_number_not_text(site) -> None:
    client, app, _s, token, nos = site
    body = {"nominees": [{"id": str(nos["E02"]), "strength": 2}]}
    r = client.post(
        f"/s/{token}/answers/advice", json=body, headers={"X-CSRF-Token": _csrf(client, token)}
    )
    assert r.status_code == 422 and "expected JSON" in r.json()["detail"]
    assert _stored(app) == [0, 0, 0]


@pytest.mark.parametrize(
    "extra",
    [
        {"n.bogus": "1"},  # a question the survey does not have
        {"role": "admin"},  # no such field at all
        {"s.advice.999": "2"},  # a strength for a colleague not named
        {"a.advice": "2"},  # a value for a nomination question
    ],
)
def test_a_submitted_form_with_an_unknown_field_is_refused(site, extra) -> None:
    client, app, _s, token, nos = site
    form = {"csrf_token": _csrf(client, token), "n.advice": [str(nos["E02"])],
            f"s.advice.{nos['E02']}": "2", "n.trust": [str(nos["E03"])], **extra}  # fmt: skip
    r = client.post(f"/s/{token}", data=form)
    assert r.status_code == 422 and "a field this survey does not have" in r.text
    assert next(iter(extra)) in r.text and "nothing was saved" in r.text
    assert _stored(app) == [0, 0, 0]
    # the same form without it is saved
    del form[next(iter(extra))]
    assert client.post(f"/s/{token}", data=form).status_code == 200
    assert _stored(app) == [2, 2, 0]
