"""The session cache (``auth.SessionCache``): a request's user comes from memory for a few
seconds, yet expiry, logout and disabled accounts keep working at once.

Each test runs the app with a cache on a hand-driven clock, so "ten seconds later" is a
call, not a sleep; the database is changed behind the app's back where a test needs to
tell a cached answer from a fresh one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from groundswell import ops
from groundswell.web import auth
from groundswell.web.app import create_app
from tests.web.conftest import PASSWORD, WebWorkspace


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(web_ws: WebWorkspace, clock: Clock) -> Iterator[object]:
    application = create_app(web_ws.path)
    application.state.store.sessions = auth.SessionCache(ttl=10.0, clock=clock)
    yield application
    application.state.store.close()


def sign_in(app, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    r = c.post("/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c, hashlib.sha256(c.cookies["gs_session"].encode()).hexdigest()


def delete_row(app, digest: str) -> None:  # type: ignore[no-untyped-def]
    """End a session in the database only, as if by another writer."""
    with ops.opened(app.state.store.path) as sq, ops.writing(sq):
        sq.execute("DELETE FROM web_sessions WHERE token_hash = ?", [digest])


def test_a_session_is_served_from_the_cache_for_at_most_the_ttl(app, clock) -> None:
    c, digest = sign_in(app, "viewer")
    assert c.get("/api/me").json()["username"] == "viewer"  # read from the database, cached
    assert len(app.state.store.sessions) == 1
    delete_row(app, digest)
    clock.t += 9.9
    assert c.get("/api/me").status_code == 200  # still cached: no database query
    clock.t += 0.1
    assert c.get("/api/me").status_code == 401  # the TTL is up: asked again, and gone
    assert len(app.state.store.sessions) == 0


def test_an_expired_session_is_refused_even_when_cached(app, monkeypatch) -> None:
    c, _ = sign_in(app, "viewer")
    assert c.get("/api/overview").status_code == 200  # cached now
    later = auth._now() + auth.SESSION_LIFETIME + timedelta(seconds=1)
    monkeypatch.setattr(auth, "_now", lambda: later)
    assert c.get("/api/overview").status_code == 401
    assert len(app.state.store.sessions) == 0


def test_logout_ends_a_cached_session_at_once(app) -> None:
    c, _ = sign_in(app, "analyst")
    other, _ = sign_in(app, "analyst")  # a second session of the same account
    assert c.get("/api/me").status_code == 200 and other.get("/api/me").status_code == 200
    assert c.post("/api/logout").status_code == 200
    assert c.get("/api/me").status_code == 401
    assert other.get("/api/me").status_code == 200  # only that session ended
    # the form logout (the pages) too
    r = other.post("/logout", data={"csrf_token": other.headers["X-CSRF-Token"]},
                   follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and other.get("/api/me").status_code == 401


def test_disabling_an_account_cuts_its_cached_sessions_off_at_once(app) -> None:
    admin, _ = sign_in(app, "admin")
    auth.add_user(app.state.store.ws(), "cached-kim", PASSWORD, "analyst")
    kim, _ = sign_in(app, "cached-kim")
    kim2, _ = sign_in(app, "cached-kim")
    assert kim.get("/api/people?limit=1").status_code == 200
    assert kim2.get("/api/people?limit=1").status_code == 200
    assert admin.post("/api/users/cached-kim/disable").status_code == 200
    assert kim.get("/api/people?limit=1").status_code == 401
    assert kim2.get("/api/me").status_code == 401
    # enabled again, the old sessions stay ended; a new sign-in works
    assert admin.post("/api/users/cached-kim/enable").status_code == 200
    assert kim.get("/api/me").status_code == 401
    again, _ = sign_in(app, "cached-kim")
    assert again.get("/api/me").status_code == 200


def test_a_lookup_that_began_before_a_revocation_is_not_cached(clock) -> None:
    cache = auth.SessionCache(ttl=10.0, clock=clock)
    user = auth.User("lee", "analyst", None, "csrf")
    expires = auth._now() + timedelta(hours=1)
    read_at = clock()  # the lookup reads the database here ...
    clock.t += 0.001
    cache.drop_user("lee")  # ... the account is disabled meanwhile ...
    cache.put("d1", user, expires, read_at)  # ... and its answer arrives late
    assert cache.get("d1", auth._now()) is None
    cache.drop("d2")  # the same for one session's logout
    cache.put("d2", user, expires, read_at)
    assert cache.get("d2", auth._now()) is None
    # a lookup that began after the revocation is cached as usual
    clock.t += 0.001
    cache.put("d3", user, expires, clock())
    assert cache.get("d3", auth._now()) == user
    # and one older than the TTL is not cached at all
    stale = clock()
    clock.t += 10.0
    cache.put("d4", user, expires, stale)
    assert cache.get("d4", auth._now()) is None


def test_the_cache_keeps_at_most_its_size(clock) -> None:
    cache = auth.SessionCache(ttl=10.0, size=3, clock=clock)
    expires = auth._now() + timedelta(hours=1)
    for k in range(5):
        cache.put(f"d{k}", auth.User(f"u{k}", "viewer", None, "x"), expires, clock())
    assert len(cache) == 3
    assert cache.get("d0", auth._now()) is None and cache.get("d4", auth._now()) is not None
