"""The sign-in limit holds under concurrent bursts and spoofed X-Forwarded-For headers.

The bursts are really concurrent: threads call ``auth.login`` with a DuckDB cursor each (as
the app's worker threads do), or send HTTP requests at once to a live uvicorn server built
the way ``groundswell serve`` builds it (:func:`groundswell.cli.serve.server`). The numbers
come from the rule: of any burst of wrong passwords for one username and address, exactly
``auth.MAX_FAILURES`` (5) are checked; the rest answer 429.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

import groundswell as gs
from groundswell import ops
from groundswell.cli.serve import server
from groundswell.errors import AuthError, ConfigError
from groundswell.web import auth
from groundswell.web.app import create_app
from groundswell.web.errors import status_of
from groundswell.web.views import Views

PASSWORD = "lantern orbit pickle"
WRONG = "not the password at all"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace with one account, hashed with argon2's real (slow) parameters."""
    with gs.init(tmp_path / "ws") as ws:
        auth.add_user(ws, "kim", PASSWORD, "analyst")
    return tmp_path / "ws"


@pytest.fixture
def fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The same, with cheap argon2 parameters, for tests of many sequential sign-ins (the
    limits do not depend on the cost of a hash)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("dummy"))
    with gs.init(tmp_path / "ws") as ws:
        auth.add_user(ws, "kim", PASSWORD, "analyst")
    return tmp_path / "ws"


def _outcome(fn: Callable[[], Any]) -> int:
    try:
        fn()
    except AuthError as exc:
        return status_of(exc)
    return 200


def _burst(n: int, call: Callable[[int], int]) -> list[int]:
    """``call(i)`` for i in range(n), from n threads released at once; the status codes."""
    barrier = threading.Barrier(n)
    codes: list[int] = [0] * n

    def run(i: int) -> None:
        barrier.wait()
        codes[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return codes


# -- the store function, from several threads -----------------------------------------------
def test_a_concurrent_burst_of_wrong_passwords_checks_only_max_failures(workspace) -> None:
    store = Views(workspace)
    try:
        codes = _burst(
            40, lambda i: _outcome(lambda: auth.login(store.ws(), "kim", WRONG, "10.0.0.1"))
        )
        assert Counter(codes) == {401: auth.MAX_FAILURES, 429: 40 - auth.MAX_FAILURES}
        # and the right password is refused too, until the window passes
        assert _outcome(lambda: auth.login(store.ws(), "kim", PASSWORD, "10.0.0.1")) == 429
    finally:
        store.close()


class GatedHasher:
    """argon2's hasher, but checking a wrong password waits until ``gate`` opens: a slow
    hash, made slow on purpose so the order of a burst is known."""

    def __init__(self, real: Any, right: str) -> None:
        self.real, self.right = real, right
        self.gate = threading.Event()
        self.waiting = 0
        self._lock = threading.Lock()

    def verify(self, stored: str, password: str) -> bool:
        if password != self.right:
            with self._lock:
                self.waiting += 1
            self.gate.wait(60)
        return self.real.verify(stored, password)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_19_wrong_then_the_right_one_in_one_burst_do_not_sign_in(workspace, monkeypatch) -> None:
    hasher = GatedHasher(auth._hasher, PASSWORD)
    monkeypatch.setattr(auth, "_hasher", hasher)
    store = Views(workspace)
    done: list[int] = []

    def wrong() -> None:
        done.append(_outcome(lambda: auth.login(store.ws(), "kim", WRONG, "10.0.0.2")))

    threads = [threading.Thread(target=wrong) for _ in range(19)]
    try:
        for t in threads:
            t.start()
        # all 19 are in: each is either checking its password (held at the gate) or refused
        deadline = time.monotonic() + 60
        while hasher.waiting + len(done) < 19 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert hasher.waiting + len(done) == 19
        # the 20th, the right password, while the 19 are still being checked
        assert _outcome(lambda: auth.login(store.ws(), "kim", PASSWORD, "10.0.0.2")) == 429
    finally:
        hasher.gate.set()
        for t in threads:
            t.join(60)
        store.close()
    assert hasher.waiting == auth.MAX_FAILURES
    assert Counter(done) == {401: auth.MAX_FAILURES, 429: 19 - auth.MAX_FAILURES}


def test_one_account_is_limited_across_addresses_and_one_address_across_accounts(fast) -> None:
    store = Views(fast)
    try:
        ws = store.ws()
        # 4 failures from each of 5 addresses: 20 for kim, none at the per-address limit
        for i in range(auth.MAX_ACCOUNT_FAILURES):
            assert _outcome(lambda i=i: auth.login(ws, "kim", WRONG, f"10.1.0.{i // 4}")) == 401
        assert _outcome(lambda: auth.login(ws, "kim", PASSWORD, "10.1.9.9")) == 429
        # one address trying many names (password spraying)
        for i in range(auth.MAX_CLIENT_FAILURES):
            assert _outcome(lambda i=i: auth.login(ws, f"user{i}", WRONG, "10.2.0.1")) == 401
        assert _outcome(lambda: auth.login(ws, "someone", WRONG, "10.2.0.1")) == 429
    finally:
        store.close()


def test_a_success_resets_the_count_of_its_username_and_address(fast) -> None:
    store = Views(fast)
    try:
        ws = store.ws()
        for _ in range(auth.MAX_FAILURES - 1):
            assert _outcome(lambda: auth.login(ws, "kim", WRONG, "10.4.0.1")) == 401
        assert _outcome(lambda: auth.login(ws, "kim", PASSWORD, "10.4.0.1")) == 200
        for _ in range(auth.MAX_FAILURES):
            assert _outcome(lambda: auth.login(ws, "kim", WRONG, "10.4.0.1")) == 401
        assert _outcome(lambda: auth.login(ws, "kim", PASSWORD, "10.4.0.1")) == 429
        with ops.opened(fast) as sq:  # the operational store (groundswell.ops)
            ok = sq.execute("SELECT count(*) FROM login_attempts WHERE ok").fetchall()[0][0]
        assert ok == 1  # the success is recorded as one (its row turned from failure to success)
    finally:
        store.close()


# -- a live server, as `groundswell serve` runs it ------------------------------------------
def _serve(path: Path) -> Iterator[tuple[str, Any]]:
    app = create_app(path)
    srv = server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    port = srv.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        srv.should_exit = True
        thread.join(30)


@pytest.fixture
def live(workspace: Path) -> Iterator[tuple[str, Any]]:
    yield from _serve(workspace)


@pytest.fixture
def live_fast(fast: Path) -> Iterator[tuple[str, Any]]:
    yield from _serve(fast)


def _post_login(base: str, password: str, headers: dict[str, str] | None = None) -> int:
    with httpx.Client(base_url=base, timeout=120) as c:
        body = {"username": "kim", "password": password}
        return c.post("/api/login", json=body, headers=headers or {}).status_code


def test_a_burst_sent_at_once_to_the_server_checks_only_max_failures(live) -> None:
    base, _app = live
    codes = _burst(40, lambda i: _post_login(base, WRONG))
    assert Counter(codes) == {401: auth.MAX_FAILURES, 429: 40 - auth.MAX_FAILURES}
    assert _post_login(base, PASSWORD) == 429


def test_a_rotating_x_forwarded_for_from_loopback_is_not_believed(live_fast) -> None:
    base, app = live_fast
    codes = [
        _post_login(base, WRONG, {"X-Forwarded-For": f"198.51.100.{i}"})
        for i in range(auth.MAX_FAILURES + 2)
    ]
    assert codes == [401] * auth.MAX_FAILURES + [429, 429]
    with ops.opened(app.state.store.path) as sq:
        clients = sq.execute("SELECT DISTINCT client FROM login_attempts").fetchall()
    assert clients == [("127.0.0.1",)]


# -- trusted proxies (web.trusted_proxies) ---------------------------------------------------
def _trust(workspace: Path, proxies: str) -> None:
    toml = workspace / "groundswell.toml"
    text = toml.read_text()
    assert "trusted_proxies = []" in text
    toml.write_text(text.replace("trusted_proxies = []", f"trusted_proxies = {proxies}"))


def test_forwarded_addresses_are_believed_only_from_a_configured_proxy(fast) -> None:
    _trust(fast, '["10.9.0.5", "10.8.0.0/16"]')
    app = create_app(fast)
    try:
        proxy = TestClient(app, client=("10.9.0.5", 40000))
        other = TestClient(app, client=("192.0.2.9", 40000))
        wrong = {"username": "kim", "password": WRONG}
        for i in range(auth.MAX_FAILURES + 1):  # each a different client behind the proxy
            r = proxy.post("/api/login", json=wrong, headers={"X-Forwarded-For": f"203.0.113.{i}"})
            assert r.status_code == 401
        for i in range(auth.MAX_FAILURES + 1):  # not a proxy: its own address, whatever it says
            r = other.post("/api/login", json=wrong, headers={"X-Forwarded-For": f"203.0.114.{i}"})
            assert r.status_code == (401 if i < auth.MAX_FAILURES else 429)
        # a forged hop in front of the real client does not help either: the rightmost
        # address not a proxy is the client
        hops = {"X-Forwarded-For": "198.51.100.1, 203.0.113.0, 10.8.1.1"}
        r = TestClient(app, client=("10.8.2.2", 1)).post("/api/login", json=wrong, headers=hops)
        with ops.opened(fast) as sq:
            got = dict(
                sq.execute(
                    "SELECT client, count(*) FROM login_attempts GROUP BY client ORDER BY client"
                ).fetchall()
            )
        assert got["192.0.2.9"] == auth.MAX_FAILURES and "203.0.114.0" not in got
        assert got["203.0.113.0"] == 2 and got["203.0.113.5"] == 1 and "198.51.100.1" not in got
    finally:
        app.state.store.close()


@pytest.mark.parametrize("bad", ['["*"]', '["proxy.local"]', '"10.0.0.1"', "[10]"])
def test_trusted_proxies_must_be_addresses_or_networks(fast, bad) -> None:
    _trust(fast, bad)
    with pytest.raises(ConfigError, match=r"web\.trusted_proxies"):
        gs.open(fast)
