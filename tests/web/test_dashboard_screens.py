"""A screenshot of every dashboard page, and the map's search and filter at work (issue 17,
points 5 and 6), in headless Chromium, offline.

An admin signs in and opens every page of the navigation bar and a person page; each is kept
as a full-page PNG in tests/artifacts/dashboard-pages/ to be looked at. On the explorer, a
search by part of an id finds the people whose id holds it, a search by department picks out
its people, and the department filter zooms the camera in on the people it leaves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from groundswell.browser import offline_page_context
from groundswell.web.auth import PERMISSIONS
from groundswell.web.pages import NAV
from tests._browser import sign_in
from tests.web.conftest import PASSWORD, WebWorkspace
from tests.web.test_dashboard_browser import READY_TIMEOUT_MS, server  # noqa: F401 - fixture

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "dashboard-pages"

from playwright.sync_api import sync_playwright  # noqa: E402 - skipped above when missing


def test_every_dashboard_page_is_drawn_and_kept(server, web_ws: WebWorkspace, tmp_path) -> None:  # noqa: F811
    base, _ = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        sync_playwright() as p,
        offline_page_context(
            p, tmp_path / "profile", lambda u: u.startswith(base),
            viewport={"width": 1280, "height": 900},
        ) as (ctx, attempted),
    ):  # fmt: skip
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, base, "admin", PASSWORD)
        paths = [p for p, _, perm in NAV if perm in PERMISSIONS["admin"]]
        paths.append(f"/people/{web_ws.other_id}")
        for path in paths:
            r = page.goto(base + path)
            assert r is not None and r.status == 200, path
            page.wait_for_load_state("networkidle")
            if path == "/explorer":
                page.wait_for_function(
                    "() => window.gsDashboard && (gsDashboard.ready || gsDashboard.error)",
                    timeout=READY_TIMEOUT_MS,
                )
            name = re.sub(r"[^a-z0-9]+", "-", path.strip("/") or "home")[:40]
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            # the dashboard's tables sort and page (the survey admin pages have their own)
            assert page.evaluate(
                "!document.querySelector('table.gs-table') || (window.gsTables && gsTables.ready)"
            ), path
        ctx.clear_cookies()
        sign_in(page, base, "person", PASSWORD)  # a person account sees only their own network
        assert page.url == f"{base}/me"
        page.screenshot(path=str(ARTIFACTS / "me.png"), full_page=True)
        assert not errors, errors
        assert not attempted, attempted


def test_map_search_by_part_of_an_id_or_a_department_and_the_filter_zooms(
    server,  # noqa: F811
    web_ws: WebWorkspace,
    tmp_path,
) -> None:
    base, _ = server
    with (
        sync_playwright() as p,
        offline_page_context(
            p, tmp_path / "profile", lambda u: u.startswith(base),
            viewport={"width": 1280, "height": 900},
        ) as (ctx, attempted),
    ):  # fmt: skip
        page = ctx.new_page()
        sign_in(page, base, "admin", PASSWORD)
        page.goto(f"{base}/explorer")
        page.wait_for_function(
            "() => window.gsDashboard && gsDashboard.ready", timeout=READY_TIMEOUT_MS
        )
        ids = page.evaluate("gsDashboard.map.graph.nodes()")
        part = web_ws.other_id[2:7]
        expected = sorted(i for i in ids if part in i)
        found = page.evaluate(f"gsDashboard.map.search({part!r})")
        assert sorted(found) == expected and expected
        departments = page.evaluate("gsDashboard.map.graph.mapNodes((n, a) => a.attrs.department)")
        department = max(
            (d for d in set(departments) if not d.startswith("(")), key=departments.count
        )
        members = page.evaluate(
            f"gsDashboard.map.graph.filterNodes((n, a) => a.attrs.department === {department!r})"
        )
        found = page.evaluate(f"gsDashboard.map.search({department.lower()[:4]!r})")
        assert sorted(found) == sorted(members)
        assert "people in department" in page.inner_text(".gs-status")
        page.wait_for_function(  # the search's own zoom ended (it would undo the reset)
            "() => !gsDashboard.map.sigma.getCamera().isAnimated()", timeout=READY_TIMEOUT_MS
        )
        page.screenshot(path=str(ARTIFACTS / "explorer-search-department.png"))
        page.evaluate(  # back to the whole map
            "gsDashboard.map.sigma.getCamera().setState({x: 0.5, y: 0.5, angle: 0, ratio: 1})"
        )
        before = page.evaluate("gsDashboard.map.sigma.getCamera().getState()")
        shown = page.evaluate(f"gsDashboard.filter({department!r})")
        assert shown == len(members)
        # zoomed in on the people left, once the camera's animation has run (its frames come
        # late on a loaded machine: wait for the end rather than a fixed time)
        page.wait_for_function(
            f"() => gsDashboard.map.sigma.getCamera().getState().ratio < {before['ratio']}",
            timeout=READY_TIMEOUT_MS,
        )
        page.wait_for_function(
            "() => !gsDashboard.map.sigma.getCamera().isAnimated()", timeout=READY_TIMEOUT_MS
        )
        page.wait_for_timeout(200)  # the frame after the animation, with its ties drawn
        page.screenshot(path=str(ARTIFACTS / "explorer-filtered.png"))
        # every one of them on the stage (a tall group on a wide stage fits its height)
        outside = page.evaluate(
            """(dept) => {
              const m = gsDashboard.map, s = m.sigma, d = s.getDimensions();
              return m.graph.filterNodes((n, a) => a.attrs.department === dept).filter((n) => {
                const p = s.graphToViewport(m.graph.getNodeAttributes(n));
                return p.x < 0 || p.x > d.width || p.y < 0 || p.y > d.height;
              }).length;
            }""",
            department,
        )
        assert outside == 0, f"{outside} of {len(members)} people off the stage"
        assert not attempted
