"""The dashboard's switch to names (issue 17, point 2): in a pseudonymous workspace only an
admin may switch their session to names; the names come from the sealed identities, every
switch is in the audit log, and nobody else's session sees them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import groundswell as gs
from groundswell import identity, synth
from groundswell.web import auth
from groundswell.web.app import create_app
from tests.web.conftest import PASSWORD

ROLES = ("admin", "analyst", "viewer")


@pytest.fixture(scope="module")
def pseudonymous(tmp_path_factory) -> Iterator[tuple[object, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("names")
    org = synth.generate(80, seed=4, weeks=3)
    files = org.write(folder / "data", events_format="csv")
    with gs.init(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        ws.analyze()
        for role in ROLES:
            auth.add_user(ws, role, PASSWORD, role)
        names = identity.directory(ws)["name"].dropna().to_dict()
    app = create_app(folder / "ws")
    yield app, names
    app.state.store.close()


def _client(app: object, role: str) -> TestClient:
    c = TestClient(app)  # type: ignore[arg-type]
    r = c.post("/api/login", json={"username": role, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


def _shown_names(c: TestClient) -> list[str | None]:
    r = c.get("/api/people", params={"limit": 20})
    assert r.status_code == 200, r.text
    return [p["display_name"] for p in r.json()["people"]]


def _log(app: object) -> list[dict]:
    ws = app.state.store.ws()  # type: ignore[attr-defined]
    return identity.reveals(ws).to_dict(orient="records")


def test_only_an_admin_can_switch_to_names_and_it_is_logged(pseudonymous) -> None:
    app, names = pseudonymous
    clients = {role: _client(app, role) for role in ROLES}
    before = len(_log(app))
    for role in ("analyst", "viewer"):
        r = clients[role].post("/names", data={"on": "1"}, follow_redirects=False)
        assert r.status_code == 403, (role, r.status_code)
        assert "Show names" not in clients[role].get("/").text
    assert len(_log(app)) == before  # a refused switch reveals nothing
    # pseudonyms for everyone at first
    assert all(n is None for n in _shown_names(clients["admin"]))
    home = clients["admin"].get("/").text
    assert 'id="gs-names-switch"' in home and "Show names" in home
    r = clients["admin"].post("/names", data={"on": "1"}, follow_redirects=False)
    assert r.status_code == 303
    log = _log(app)
    assert len(log) == before + 1
    assert log[-1]["action"] == "dashboard names" and log[-1]["actor"] == "admin"
    shown = _shown_names(clients["admin"])
    assert shown and all(n in names.values() for n in shown)  # the sealed names
    # the admin's switch is theirs alone: the analyst's session still sees pseudonyms
    assert all(n is None for n in _shown_names(clients["analyst"]))
    # and back
    r = clients["admin"].post("/names", data={"on": "0"}, follow_redirects=False)
    assert r.status_code == 303 and _log(app)[-1]["action"] == "dashboard names off"
    assert all(n is None for n in _shown_names(clients["admin"]))


def test_the_switch_needs_the_csrf_token(pseudonymous) -> None:
    app, _ = pseudonymous
    c = _client(app, "admin")
    del c.headers["X-CSRF-Token"]
    r = c.post("/names", data={"on": "1"}, follow_redirects=False)
    assert r.status_code == 403
