"""Hostile data in headless Chromium: shown as text, never run; sign-in stays on the site.

The workspace of ``tests/web/_hostile.py`` (every text field a ``<script>``, ``<img onerror>``,
``javascript:`` or ``<svg onload>`` payload) is served by uvicorn from a thread on a free
loopback port. An admin opens the pages that show names, departments, channels and survey
texts, including those drawn by the bundled scripts (the explorer's ego network, a champion
plan, the trends), and a respondent searches the roster and names a colleague; on each page
no element may come from the data (no ``<img>``, ``<iframe>``, inline ``<script>``, ``on*``
attribute or ``javascript:`` link), no dialog may open, and the payloads must be on screen
as text. Signing in from ``/login?next=//evil.example`` (and other addresses off the site)
ends on the overview, a ``next`` holding markup stays text, and no request leaves the
server. A screenshot of the People page is
kept in tests/artifacts/escaping/ (gitignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests._browser import chromium, require_browser, served, sign_in
from tests.web._hostile import MARK, PASSWORD, HostileWorkspace

pytestmark = pytest.mark.browser
STATIC_BUNDLE = (
    Path(__file__).resolve().parents[2] / "src" / "groundswell" / "web" / "static" / "dashboard.js"
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "escaping"
READY_MS = 20_000
require_browser(STATIC_BUNDLE)

#: every element or attribute on the page that data could have made
INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (["img", "iframe", "object", "embed"].includes(tag)) bad.push(el.outerHTML.slice(0, 120));
    if (tag === "script" && !el.src && el.type !== "application/json")
      bad.push("inline script: " + el.textContent.slice(0, 80));
    for (const a of el.attributes) {
      const value = a.value.trim().toLowerCase();
      if (a.name.startsWith("on")) bad.push(tag + " " + a.name + "=" + a.value.slice(0, 60));
      const url = ["href", "src", "action", "formaction"].includes(a.name);
      if (url && value.startsWith("javascript:"))
        bad.push(tag + " " + a.name + "=" + a.value.slice(0, 60));
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def server(hostile_ws: HostileWorkspace) -> Iterator[str]:
    from groundswell.web.app import create_app

    app = create_app(hostile_ws.path)
    with served(app) as base:
        yield base
    app.state.store.close()


@pytest.fixture
def browser(server: str, tmp_path: Path) -> Iterator[tuple[Any, list[str], list[str]]]:
    """(page, requests blocked because they left the server, dialogs opened)."""
    dialogs: list[str] = []
    with chromium(
        tmp_path / "profile",
        lambda url: url.startswith(server + "/"),
        viewport={"width": 1300, "height": 900},
    ) as (context, attempted):
        page = context.new_page()
        page.set_default_timeout(READY_MS)

        def on_dialog(dialog: Any) -> None:
            dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        yield page, attempted, dialogs


def assert_clean(page: Any, where: str, dialogs: list[str], *, shows: bool = True) -> None:
    page.wait_for_timeout(150)  # let an onerror or onload fire, if there were one
    assert page.evaluate(INJECTED) == [], where
    assert dialogs == [], where
    if shows:
        assert MARK in page.inner_text("body"), f"{where}: the payloads are not on the page"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_sign_in_from_a_hostile_link_stays_on_the_site(server, browser, target) -> None:
    page, attempted, dialogs = browser
    sign_in(page, server, "admin", PASSWORD, next_=target)
    assert page.url == server + "/", page.url
    assert attempted == [] and dialogs == []


REFRESH = '"><meta http-equiv="refresh" content="0;url=https://evil.example/">'


@pytest.mark.parametrize("query", ["next=/", "error="])
def test_a_hostile_link_cannot_send_the_browser_away(server, browser, query) -> None:
    """Before escaping, such a link closed the hidden field (or wrote into the page) and
    added a refresh to an outside address, which the content policy does not stop."""
    page, attempted, dialogs = browser
    page.goto(f"{server}/login?{query}{quote(REFRESH, safe='')}")
    page.wait_for_timeout(1500)
    assert page.url.startswith(server + "/login"), page.url
    assert attempted == [] and dialogs == []
    assert page.locator("meta[http-equiv]").count() == 0


def test_pages_show_hostile_data_as_text(server, browser, hostile_ws) -> None:
    page, attempted, dialogs = browser
    sign_in(page, server, "admin", PASSWORD, next_="/people")
    assert page.url == server + "/people"
    assert_clean(page, "/people", dialogs)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "people.png"))
    department = quote(hostile_ws.department, safe="")
    for path in [
        f"/people/{hostile_ws.person_id}",
        "/groups",
        f"/groups/department/{department}",
        "/formal",
        "/qa",
        "/survey",
        "/sources",
        "/users",
        f"/surveys/{hostile_ws.open_survey}",
        "/no-such-page/<script>alert(1)</script>",
    ]:
        page.goto(server + path)
        assert_clean(page, path, dialogs, shows=not path.startswith("/no-such"))
        if path.startswith("/groups/"):  # a group's page, to look at
            page.screenshot(path=str(ARTIFACTS / "group.png"), full_page=True)
    # drawn by the bundled scripts from the JSON API
    page.goto(server + "/explorer")
    page.wait_for_function("() => window.gsDashboard && (gsDashboard.ready || gsDashboard.error)")
    assert page.evaluate("gsDashboard.error") is None
    page.evaluate(f"gsDashboard.showEgo({hostile_ws.person_id!r})")
    page.wait_for_function("() => gsDashboard.ego.ready || gsDashboard.ego.error")
    assert_clean(page, "/explorer (ego network)", dialogs)
    page.goto(server + "/planner")
    page.click(f"button[data-plan='{hostile_ws.plan_id}']")
    page.wait_for_function("() => window.gsPlanner && gsPlanner.ready")
    assert page.evaluate("gsPlanner.error") is None
    assert_clean(page, "/planner (a plan)", dialogs)
    page.goto(server + "/trends")
    page.wait_for_function("() => window.gsTrends && (gsTrends.ready || gsTrends.error)")
    assert_clean(page, "/trends", dialogs, shows=False)
    assert attempted == []


def test_respondent_names_a_hostile_colleague(server, browser, hostile_ws) -> None:
    page, attempted, dialogs = browser
    page.goto(f"{server}/s/{hostile_ws.token}")
    assert_clean(page, "/s/{token}", dialogs)
    question = page.locator("fieldset[data-slug=whom]")  # one colleague named of up to 10
    search = question.get_by_role("combobox")
    search.click()
    search.type("alert")
    question.locator("[role=option]:not(.none)").first.wait_for()
    assert_clean(page, "/s/{token} (search results)", dialogs)
    search.press("ArrowDown")
    search.press("Enter")
    question.locator(".chosen li").nth(1).wait_for()
    question.locator(".saved", has_text="Saved").wait_for()
    assert_clean(page, "/s/{token} (a colleague named)", dialogs)
    assert attempted == []
