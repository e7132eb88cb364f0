"""My network in headless Chromium (issue 18): the person signs in and sees the stage
ladder with next steps, the ego map and suggestions with reasons, at desktop and phone size.
Screenshots in tests/artifacts/mynetwork/ (gitignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._browser import chromium, require_browser, served, sign_in
from tests.web.conftest import PASSWORD, WebWorkspace

pytestmark = pytest.mark.browser

STATIC_BUNDLE = (
    Path(__file__).resolve().parents[2] / "src" / "groundswell" / "web" / "static" / "dashboard.js"
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "mynetwork"
SIZES = {"desktop": {"width": 1300, "height": 900}, "phone": {"width": 390, "height": 844}}

require_browser(STATIC_BUNDLE)


@pytest.fixture(scope="module")
def server(web_ws: WebWorkspace):
    from groundswell.web.app import create_app

    app = create_app(web_ws.path)
    with served(app) as base:
        yield base, app
    app.state.store.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_my_network_page(server, web_ws, tmp_path, size) -> None:
    base, app = server
    mine = app.state.store.my_network(None, web_ws.person_id)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with chromium(
        tmp_path / "profile", lambda url: url.startswith(base + "/"), viewport=SIZES[size]
    ) as (context, attempted):
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        sign_in(page, base, "person", PASSWORD, lands="/me")
        # the ladder: five stages, the reached ones marked, the next one marked
        assert page.locator("#stage .gs-ladder li").count() == 5
        assert page.locator("#stage-name").inner_text()
        steps = page.locator("#next-steps li")
        assert steps.count() == len(mine["next_steps"]) >= 1
        assert mine["next_steps"][0]["measured"] in steps.first.inner_text()
        # the ego map: me and one circle per drawn contact, one line each
        drawn = len(mine["ego"]["nodes"]) - 1
        assert page.locator("svg.gs-ego circle").count() == drawn + 1
        assert page.locator("svg.gs-ego line").count() == drawn
        both = sum(n.get("direction") == "both" for n in mine["ego"]["nodes"])
        assert page.locator("svg.gs-ego line.gs-tie-both").count() == both
        sugg = page.locator("#suggestions li")
        assert sugg.count() == len(mine["suggestions"]) >= 3
        assert "shared contact" in sugg.first.inner_text()
        # the persona strip: one box per stored period, the last the run's persona
        strip = page.locator("svg.gs-personas g")
        assert strip.count() == len(mine["personas"]["periods"]) == 4
        assert (mine["personas"]["periods"][-1]["persona"] or "") in strip.last.text_content()
        strip_box = page.locator("svg.gs-personas").bounding_box()
        assert strip_box is not None and strip_box["width"] <= SIZES[size]["width"]
        box = page.locator("svg.gs-ego").bounding_box()
        assert box is not None and box["width"] <= SIZES[size]["width"]
        page.screenshot(path=str(ARTIFACTS / f"my-network-{size}.png"), full_page=True)
        assert attempted == [] and errors == []


@pytest.mark.parametrize("size", list(SIZES))
def test_my_group_page(server, web_ws, tmp_path, size) -> None:
    base, app = server
    mine = app.state.store.my_group(None, "department:Engineering")
    errors: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium(
        tmp_path / "profile", lambda url: url.startswith(base + "/"), viewport=SIZES[size]
    ) as (context, attempted):
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        sign_in(page, base, "group_lead", PASSWORD, lands="/mygroup")
        assert page.locator("#stage .gs-ladder li").count() == 5
        reached = page.locator("#stage .gs-ladder li.reached").count()
        order = ["connect", "share", "solve", "innovate", "lead_change"]
        st = mine["stage"]["stage"]
        assert reached == (order.index(st) + 1 if st in order else 0)
        rows = page.locator("#comparison tbody tr")
        assert rows.count() == len(mine["comparison"])
        assert page.locator("#comparison tr.gs-mine").count() == 1
        # renewal, questions and bridges, as stored; the names folded away until opened
        assert f"{mine['renewal']['size']} members active" in page.locator("#renewal").inner_text()
        assert f"{mine['qa']['questions']} questions" in page.locator("#qa").inner_text()
        bridges = page.locator("#bridges tbody tr")
        assert bridges.count() == len(mine["bridges"]) >= 1
        assert not page.locator("#bridges details").first.evaluate("d => d.open")
        # nothing runs past the right edge on a phone: wide tables scroll in their own box,
        # and their titles (outside the box) wrap
        title = page.locator("#comparison-title").bounding_box()
        assert title is not None and title["x"] + title["width"] <= SIZES[size]["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        page.screenshot(path=str(ARTIFACTS / f"my-group-{size}.png"), full_page=True)
        assert attempted == [] and errors == []
