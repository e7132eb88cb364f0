"""The browser tests' one way to drive Chromium: Debian's system Chromium through Playwright
(``executable_path``, never ``playwright install``), offline but for what a test allows, and
the dashboard under uvicorn on a free loopback port. Used by tests/test_report_browser.py,
tests/e2e, tests/web/test_dashboard_browser.py, tests/web/test_escaping_browser.py and
tests/survey/test_browser.py."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from groundswell.browser import find_chromium, offline_page_context

CHROMIUM = Path(find_chromium() or "/usr/bin/chromium")


def require_browser(*bundles: Path) -> None:
    """Skip the calling test module unless Chromium, Playwright and every front-end
    ``bundles`` file (built by ``make assets``) are here."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)
    for bundle in bundles:
        if not bundle.exists():
            pytest.skip(f"{bundle} is missing: run `make assets`", allow_module_level=True)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"playwright is not importable: {exc}", allow_module_level=True)


@contextmanager
def chromium(
    profile: str | Path, allow: Callable[[str], bool], **options: Any
) -> Iterator[tuple[Any, list[str]]]:
    """A Playwright context of the system Chromium in a fresh ``profile`` (see
    :func:`groundswell.browser.offline_page_context`): yields it and the list of the URLs it
    blocked because ``allow`` refused them. ``options`` go to the context (viewport, ...)."""
    from playwright.sync_api import sync_playwright

    with (
        sync_playwright() as p,
        offline_page_context(p, str(profile), allow, **options) as (context, attempted),
    ):
        yield context, attempted


def sign_in(
    page: Any, base: str, user: str, password: str, *, next_: str | None = None,
    lands: str | None = None, on_form: bool = False,
) -> None:  # fmt: skip
    """Sign ``user`` in through the dashboard's form at ``base`` (``/login``, with ``?next=``
    when given; ``on_form``: the page is on the form already, sent there) and wait for the page
    it sends them to; ``lands`` (a path such as ``"/jobs"``): wait until that page is open."""
    if not on_form:
        page.goto(base + "/login" + (f"?next={quote(next_, safe='')}" if next_ else ""))
    page.fill("#username", user)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if lands is not None:
        page.wait_for_url(base + lands)
    page.wait_for_load_state()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` under uvicorn in a thread of this process, on a free loopback port; yields its
    base URL and stops it afterwards."""
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@contextmanager
def signed_in_page(
    app: Any, profile: str | Path, user: str, password: str, path: str, **options: Any
) -> Iterator[tuple[Any, list[str]]]:
    """``app`` served (:func:`served`), a Chromium page (:func:`chromium`, everything outside
    the server blocked; ``options`` go to the context) signed in as ``user`` and on ``path``:
    yields the page and the list of blocked URLs. The app's store is closed afterwards."""
    try:
        with (
            served(app) as base,
            chromium(profile, lambda url: url.startswith(base + "/"), **options) as (ctx, blocked),
        ):
            page = ctx.new_page()
            sign_in(page, base, user, password, next_=path, lands=path)
            yield page, blocked
    finally:
        app.state.store.close()
