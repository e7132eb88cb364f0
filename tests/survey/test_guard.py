"""The guard of the respondents' links (``survey/guard.py``): per address with a light
penalty, per token prefix from any address, and still hopeless for a guesser.

The numbers come from the defaults: ``survey.max_unknown_tokens = 20`` refilled over
``survey.unknown_token_window_minutes = 10``, so one unknown link every 30 seconds; 5 unknown
links per prefix (``guard.PREFIX_LIMIT``, the first 8 characters) per 10 minutes. Time is a
hand-driven clock, so "30 seconds later" is an addition, not a sleep.
"""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from groundswell.survey import guard, model, questions
from groundswell.survey.guard import TokenGuard
from groundswell.web.app import create_app
from tests.survey.conftest import person, token_of


class Clock:
    def __init__(self) -> None:
        self.t = 5000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def site(org, clock):
    """The app with a launched survey, its guard on ``clock``; (app, a valid token)."""
    with org.open() as ws:
        s = model.create(ws, "Spring", [questions.question("advice")])
        links = {
            k.person_id: token_of(k.url) for k in model.launch(ws, s, base_url="http://testserver")
        }
        valid = links[person(ws, "E01")]
    app = create_app(org.path)
    app.state.survey_guard = TokenGuard(20, 600, clock=clock)
    yield app, valid
    app.state.store.close()


def _unknown(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)[len(prefix) :]


def test_an_office_behind_one_address_is_not_locked_out_for_long(site, clock) -> None:
    app, valid = site
    office = TestClient(app, client=("192.0.2.10", 1000))
    for _ in range(20):  # twenty typos from one NAT address, each a link of its own
        assert office.get(f"/s/{_unknown()}").status_code == 404
    r = office.get(f"/s/{valid}")
    # used up: every link answers 429, a valid one too (guessing learns nothing) ...
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"
    r = office.get(f"/s/{valid}/people", params={"q": "bo"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"
    clock.t += 29
    assert office.get(f"/s/{valid}").status_code == 429
    # ... for 30 seconds, not 10 minutes
    clock.t += 1
    assert office.get(f"/s/{valid}").status_code == 200
    assert office.get(f"/s/{valid}").status_code == 200  # valid links cost nothing
    assert office.get(f"/s/{_unknown()}").status_code == 404  # one more typo refilled
    assert office.get(f"/s/{valid}").status_code == 429
    # another address is not affected at all
    assert TestClient(app, client=("198.51.100.7", 1)).get(f"/s/{valid}").status_code == 200


def test_links_that_begin_alike_are_limited_from_any_address(site) -> None:
    app, valid = site
    seen = "Zq3xP0kT"  # the first 8 characters of a link someone glimpsed
    for i in range(guard.PREFIX_LIMIT):
        c = TestClient(app, client=(f"203.0.113.{i}", 1000))
        assert c.get(f"/s/{_unknown(seen)}").status_code == 404
    fresh = TestClient(app, client=("203.0.113.99", 1000))
    r = fresh.get(f"/s/{_unknown(seen)}")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) == 600 // guard.PREFIX_LIMIT
    # only links beginning that way: the same address, other links, are answered as usual
    assert fresh.get(f"/s/{_unknown()}").status_code == 404
    assert fresh.get(f"/s/{valid}").status_code == 200


def test_a_sustained_guesser_gets_one_try_per_refill(clock) -> None:
    g = TokenGuard(20, 600, clock=clock)
    tries = 0
    for _ in range(3600):  # one request a second for an hour, from one address
        token = _unknown()
        if not g.blocked("192.0.2.1", token):
            g.miss("192.0.2.1", token)
            tries += 1
        clock.t += 1
    assert tries == 20 + 3599 // 30  # the burst, then one every 30 seconds (t = 0..3599)
    # 140 guesses an hour against 2^256 tokens: a year of them has no chance at all
    assert 140 * 24 * 365 / 2**256 < 1e-70


def test_the_allowance_follows_the_settings(org, clock) -> None:
    toml = org.path / "groundswell.toml"
    text = toml.read_text()
    assert "max_unknown_tokens = 20" in text
    toml.write_text(text.replace("max_unknown_tokens = 20", "max_unknown_tokens = 3"))
    app = create_app(org.path)
    try:
        c = TestClient(app, client=("192.0.2.20", 1000))
        codes = [c.get(f"/s/{_unknown()}").status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        # refilled evenly over the 10-minute window: one every 200 seconds
        assert c.get(f"/s/{_unknown()}").headers["Retry-After"] == "200"
    finally:
        app.state.store.close()
