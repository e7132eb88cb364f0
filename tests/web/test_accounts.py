"""Accounts from the command line and from the users page (issue 16, point 3): list,
disable, enable, passwd, role, remove; the last enabled admin is never taken away."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app as cli
from groundswell.web import auth
from groundswell.web.app import create_app

PASSWORD = "correct horse battery"
NEW = "lantern orbit pickle"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    with gs.init(tmp_path / "ws") as opened:
        auth.add_user(opened, "root", PASSWORD, "admin")
        auth.add_user(opened, "ana", PASSWORD, "analyst")
    return tmp_path / "ws"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), input=stdin)
    return r.exit_code, r.stdout, r.stderr


def accounts(ws: Path) -> dict[str, dict]:
    code, out, _ = run("user", "list", str(ws), "--format", "json")
    assert code == 0
    return {u["username"]: u for u in json.loads(out)}


def test_user_commands(ws: Path) -> None:
    assert {u: a["role"] for u, a in accounts(ws).items()} == {"root": "admin", "ana": "analyst"}
    assert run("user", "disable", str(ws), "ana")[0] == 0
    assert accounts(ws)["ana"]["disabled"] is True
    assert run("user", "enable", str(ws), "ana")[0] == 0
    assert accounts(ws)["ana"]["disabled"] is False
    assert run("user", "role", str(ws), "ana", "viewer")[0] == 0
    assert accounts(ws)["ana"]["role"] == "viewer"
    code, _, err = run("user", "passwd", str(ws), "ana", "--password-stdin", stdin="123\n")
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
    assert run("user", "passwd", str(ws), "ana", "--password-stdin", stdin=NEW + "\n")[0] == 0
    with gs.open(ws) as opened:
        assert auth.login(opened, "ana", NEW, "test")[1].role == "viewer"
        with pytest.raises(Exception, match="wrong username or password"):
            auth.login(opened, "ana", PASSWORD, "test")
    code, _, err = run("user", "role", str(ws), "nobody", "viewer")
    assert code == 1 and "no user 'nobody'" in err
    assert run("user", "remove", str(ws), "ana")[0] == 0
    assert set(accounts(ws)) == {"root"}
    table = run("user", "list", str(ws))[1]
    assert "root" in table and "admin" in table


def test_the_last_admin_stays(ws: Path) -> None:
    for args in (("disable", "root"), ("role", "root", "analyst"), ("remove", "root")):
        code, _, err = run("user", args[0], str(ws), *args[1:])
        assert code == 1, args
        assert err.startswith("error: 'root' is the last enabled admin") and err.count("\n") == 1
    assert accounts(ws)["root"] == {**accounts(ws)["root"], "role": "admin", "disabled": False}
    # with a second admin, the first may go; then the second is the last one
    assert run("user", "role", str(ws), "ana", "admin")[0] == 0
    assert run("user", "role", str(ws), "root", "viewer")[0] == 0
    assert run("user", "disable", str(ws), "ana")[0] == 1
    # a disabled admin does not count as one
    assert run("user", "role", str(ws), "root", "admin")[0] == 0
    assert run("user", "disable", str(ws), "root")[0] == 0
    assert run("user", "role", str(ws), "ana", "viewer")[0] == 1


@pytest.fixture
def admin(ws: Path) -> Iterator[TestClient]:
    application = create_app(ws)
    client = TestClient(application)
    r = client.post("/api/login", json={"username": "root", "password": PASSWORD})
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    yield client
    application.state.store.close()


def test_users_page_and_api(admin: TestClient, ws: Path) -> None:
    analyst = TestClient(admin.app)
    r = analyst.post("/api/login", json={"username": "ana", "password": PASSWORD})
    analyst.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    assert analyst.post("/api/users/ana/role", json={"role": "admin"}).status_code == 403
    # a role change applies to the account's open session at once
    r = admin.post("/api/users/ana/role", json={"role": "viewer"})
    assert r.status_code == 200, r.text
    assert analyst.get("/api/me").json()["role"] == "viewer"
    assert admin.post("/api/users/root/role", json={"role": "analyst"}).status_code == 409
    assert admin.post("/api/users/ana/role", json={"role": "boss"}).status_code == 400
    # a new password ends the account's sessions
    assert admin.post("/api/users/ana/password", json={"password": "short"}).status_code == 400
    assert admin.post("/api/users/ana/password", json={"password": NEW}).status_code == 200
    assert analyst.get("/api/me").status_code == 401
    assert admin.post("/api/users/root/remove").status_code == 403  # not yourself
    # the page's forms, with the token as a form field
    token = {"csrf_token": admin.headers["X-CSRF-Token"]}
    bare = {"X-CSRF-Token": ""}
    r = admin.post("/users/ana/role", data={**token, "role": "analyst"}, headers=bare,
                   follow_redirects=False)  # fmt: skip
    assert (r.status_code, r.headers["location"]) == (303, "/users")
    r = admin.post("/users/root/role", data={**token, "role": "viewer"}, headers=bare,
                   follow_redirects=False)  # fmt: skip
    assert r.headers["location"].startswith("/users?error=")
    page = admin.get(r.headers["location"]).text
    assert "last enabled admin" in page and 'action="/users/ana/password"' in page
    r = admin.post("/users/ana/remove", data=token, headers=bare, follow_redirects=False)
    assert r.status_code == 303
    assert [u["username"] for u in admin.get("/api/users").json()] == ["root"]
