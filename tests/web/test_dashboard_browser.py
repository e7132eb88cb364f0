"""The dashboard in headless Chromium: sign in, open the map, search a person, open their
ego network, click another person, open the Value page and the Trends page's charts.

uvicorn serves the app from a thread on a free loopback port; every request that is not
to that server is blocked and recorded, and the record must stay empty (the dashboard
loads nothing from the internet). Screenshots are kept in tests/artifacts/dashboard/
(gitignored). The Chromium recipe is the one of tests/test_report_browser.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests._browser import chromium, require_browser, served, sign_in
from tests.web.conftest import PASSWORD, WebWorkspace

pytestmark = pytest.mark.browser

STATIC_BUNDLE = (
    Path(__file__).resolve().parents[2] / "src" / "groundswell" / "web" / "static" / "dashboard.js"
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "dashboard"
READY_TIMEOUT_MS = 15_000

require_browser(STATIC_BUNDLE)


@pytest.fixture(scope="module")
def server(web_ws: WebWorkspace):
    """The dashboard under uvicorn on a free loopback port; yields (base url, app)."""
    from groundswell.web.app import create_app

    app = create_app(web_ws.path)
    with served(app) as base:
        yield base, app
    app.state.store.close()


def test_sign_in_map_search_and_ego_network(server, web_ws, tmp_path) -> None:
    base, app = server
    store = app.state.store
    expected_map = store.map(None, identities=True, names=True)
    target = store.person(None, web_ws.other_id, names=True)
    ego_api = store.ego(None, web_ws.other_id, names=True)
    department = target["department"]
    in_department = sum(n["attrs"]["department"] == department for n in expected_map["nodes"])
    stages = store.value(None, people=True)
    trends = store.trends(None)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []

    with chromium(
        tmp_path / "profile",
        lambda url: url.startswith(base + "/"),
        viewport={"width": 1300, "height": 900},
    ) as (context, attempted):
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        page.on(
            "console",
            lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
        # signed out: the explorer sends us to the sign-in form, which sends us back
        page.goto(base + "/explorer")
        assert page.url.startswith(base + "/login?next=")
        sign_in(page, base, "analyst", PASSWORD, on_form=True, lands="/explorer")
        page.wait_for_function(
            "() => window.gsDashboard && (gsDashboard.ready || gsDashboard.error)",
            timeout=READY_TIMEOUT_MS,
            polling=50,
        )
        assert page.evaluate("gsDashboard.error") is None
        assert page.locator("#gs-explorer canvas").count() > 0
        order, size = page.evaluate("[gsDashboard.map.graph.order, gsDashboard.map.graph.size]")
        assert order == len(expected_map["nodes"])
        assert size == len(expected_map["edges"])
        # the legend names its values in full (a page rule for another legend once squeezed
        # every label to 12 px: "E.", "F.")
        cut = page.evaluate(
            "[...document.querySelectorAll('#gs-legend .gs-legend-value')]"
            ".filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)"
        )
        assert page.locator("#gs-legend .gs-legend-value").count() > 0 and cut == []
        page.screenshot(path=str(ARTIFACTS / "01-map.png"))

        # filter by department: only its people stay visible
        page.select_option("#gs-department", department)
        shown = page.evaluate(
            "(() => { let n = 0; gsDashboard.map.graph.forEachNode((_k, a) => "
            "{ if (!a.hidden) n += 1; }); return n; })()"
        )
        assert shown == in_department
        page.screenshot(path=str(ARTIFACTS / "02-filtered.png"))
        page.select_option("#gs-department", "")

        # colour by community
        page.select_option("#gs-colour", "community")
        assert page.evaluate("gsDashboard.map.colourBy") == "community"
        # its legend: each community's number with the departments it draws on (the Value
        # page's words, from the map's own data), in full
        words = expected_map["value_words"]["community"]
        texts = page.evaluate(
            "[...document.querySelectorAll('#gs-legend .gs-legend-value')].map(e => e.textContent)"
        )
        assert words and any(" · " in t for t in texts), texts
        for text in texts:
            label = text.split(" · ")[0]
            assert text == (f"{label} · {words[label]}" if label in words else label)
        cut = page.evaluate(
            "[...document.querySelectorAll('#gs-legend .gs-legend-value')]"
            ".filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)"
        )
        assert cut == []
        page.screenshot(path=str(ARTIFACTS / "02-community-legend.png"))

        # search a person by name: their ego network opens in the side panel
        page.fill("#gs-search", target["display_name"])
        page.press("#gs-search", "Enter")
        page.wait_for_function(
            f"() => gsDashboard.ego.ready && gsDashboard.ego.id === {json.dumps(web_ws.other_id)}",
            timeout=5000,
            polling=100,
        )
        assert page.inner_text("#gs-ego-title") == target["display_name"]
        # the panel names the person's community with its words, as the legend does
        community = next(str(n["community"]) for n in ego_api["nodes"] if n.get("centre"))
        said = words.get(community)
        shown = page.inner_text("#gs-ego-community")
        assert shown == (f"{community} · {said}" if said else community), shown
        assert page.evaluate("gsDashboard.ego.nodes") == len(ego_api["nodes"])
        assert page.locator("#gs-ego .gs-ego-graph canvas").count() > 0
        page.screenshot(path=str(ARTIFACTS / "03-ego.png"))

        # click another person on the map
        other = max(
            (n for n in expected_map["nodes"] if n["id"] != web_ws.other_id),
            key=lambda n: n["size"],
        )["id"]
        page.evaluate(
            "gsDashboard.map.select(null); "
            "gsDashboard.map.sigma.getCamera().setState({x: 0.5, y: 0.5, ratio: 1})"
        )
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        box = page.locator("#gs-explorer .gs-canvas").bounding_box()
        xy = page.evaluate(
            f"gsDashboard.map.sigma.framedGraphToViewport("
            f"gsDashboard.map.sigma.getNodeDisplayData({json.dumps(other)}))"
        )
        page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
        page.wait_for_function(
            f"() => gsDashboard.ego.ready && gsDashboard.ego.id !== {json.dumps(web_ws.other_id)}",
            timeout=5000,
            polling=100,
        )
        clicked = page.evaluate("gsDashboard.ego.id")
        assert clicked in {n["id"] for n in expected_map["nodes"]}
        page.screenshot(path=str(ARTIFACTS / "04-clicked.png"))

        # the Value page, then the Trends page's charts (drawn by the page's script)
        page.click("nav a[href='/value']")
        page.wait_for_url(base + "/value")
        assert page.inner_text("#network-stage") == stages["network"]["stage"].replace("_", " ")
        assert page.locator("#top-people tbody tr").count() == len(stages["top_people"])
        # how the people spread on each stage (issue 19): ten bars, the line, and the rows
        hists = page.locator("#distribution figure.gs-hist")
        assert hists.count() == 5
        for i in range(5):
            assert hists.nth(i).locator(".gs-hist-bars span").count() == 10
            assert hists.nth(i).locator(".gs-hist-bars i").count() == 1
        assert page.locator("#stage-lines tbody tr").count() == 5
        page.locator("#distribution").screenshot(path=str(ARTIFACTS / "05-value-distribution.png"))
        # communities by what they do: the synthetic cop-* channels share and solve, the
        # teams' rooms are team rooms
        page.goto(base + "/community-health")
        kinds = dict(
            zip(
                page.locator("#units tbody td:nth-child(2)").all_inner_texts(),
                page.locator("#units tbody td:nth-child(3)").all_inner_texts(),
                strict=True,
            )
        )
        assert kinds["cop-data"] == "practice" and "team room" in kinds.values()
        page.screenshot(path=str(ARTIFACTS / "05-community-kinds.png"), full_page=False)
        page.click("nav a[href='/trends']")
        page.wait_for_function(
            "() => window.gsTrends && (gsTrends.ready || gsTrends.error)",
            timeout=5000,
            polling=50,
        )
        assert page.evaluate("gsTrends.error") is None
        assert page.evaluate("gsTrends.points") == [len(trends["periods"])] * len(
            [k for k in trends["measures"] if k in trends["series"]]
        )
        assert (
            page.locator("#gs-trends svg polyline").count() == page.evaluate("gsTrends.charts") > 0
        )
        page.screenshot(path=str(ARTIFACTS / "05-trends.png"))
    assert attempted == []
    assert errors == []


def test_a_viewer_gets_an_anonymous_map(server, tmp_path) -> None:
    base, _app = server
    with chromium(tmp_path / "profile", lambda url: url.startswith(base + "/")) as (
        context,
        attempted,
    ):
        page = context.new_page()
        sign_in(page, base, "viewer", PASSWORD, lands="/")
        page.goto(base + "/explorer")
        page.wait_for_function(
            "() => window.gsDashboard && gsDashboard.ready",
            timeout=READY_TIMEOUT_MS,
            polling=100,
        )
        assert page.locator("#gs-ego").count() == 0
        assert not page.locator("#gs-search").is_visible()
        assert page.evaluate("gsDashboard.showEgo") is None
    assert attempted == []


def test_plan_champions_and_export_the_pdf(server, web_ws, tmp_path) -> None:
    """An analyst plans champions in the browser (a sponsor picked with the type-ahead),
    watches the progress, sees the plan against the baselines, then downloads the PDF."""
    base, app = server
    store = app.state.store
    sponsor = store.person(None, web_ws.other_id, names=True)
    k = 6
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with chromium(
        tmp_path / "profile",
        lambda url: url.startswith(base + "/"),
        viewport={"width": 1300, "height": 1000},
        accept_downloads=True,
    ) as (context, attempted):
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        sign_in(page, base, "analyst", PASSWORD, next_="/planner", lands="/planner")
        page.fill("#gs-k", str(k))
        page.fill("#gs-runs", "200")
        page.fill("#gs-seed", "1")
        # type-ahead: part of the sponsor's name lists them; picking adds their id
        page.fill("#gs-include-search", sponsor["display_name"][:6])
        page.wait_for_function(
            f"() => [...document.querySelectorAll('#gs-people-list option')]"
            f".some(o => o.value === {json.dumps(web_ws.other_id)})",
            timeout=5000,
        )
        page.fill("#gs-include-search", web_ws.other_id)
        assert page.locator("#gs-include li").get_attribute("data-id") == web_ws.other_id
        page.click("#gs-plan-submit")
        page.wait_for_function(
            "() => window.gsPlanner && gsPlanner.ready && (gsPlanner.plan || gsPlanner.error)",
            timeout=60_000,
            polling=100,
        )
        assert page.evaluate("gsPlanner.error") is None
        assert page.locator("#gs-plan-log li").count() >= 3  # the progress was shown
        plan_id = page.evaluate("gsPlanner.plan.plan_id")
        stored = store.plan(plan_id, names=True)
        rows = page.locator("#gs-plan-champions tbody tr")
        assert rows.count() == k
        first = rows.nth(0).locator("td")
        assert first.nth(1).inner_text() == sponsor["display_name"]
        assert first.nth(5).inner_text() == "include"
        labels = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(k)]
        assert labels == [c["label"] for c in stored["champions"]["plan"]]
        # the chart: one line and one interval band per strategy
        assert page.locator("#gs-plan-curves polyline").count() == len(stored["strategies"])
        assert page.locator("#gs-plan-curves polygon").count() == len(stored["strategies"])
        assert page.locator("#gs-plan-reach rect").count() == len(stored["strategies"])
        assert page.locator("#gs-plan-coverage tbody tr").count() == len(
            stored["coverage"]["groups"]
        )
        page.locator("#gs-plan-result").screenshot(path=str(ARTIFACTS / "05-plan.png"))

        # the report of the run, as PDF, from the sources and runs page
        run = web_ws.runs[1]
        page.goto(base + "/sources")
        with page.expect_download(timeout=90_000) as info:
            page.click(f"#gs-report-pdf-{run}")
        download = info.value
        assert download.suggested_filename == f"groundswell-run-{run}.pdf"
        pdf = Path(download.path()).read_bytes()
        assert pdf[:5] == b"%PDF-" and len(pdf) > 10_000
        (ARTIFACTS / f"groundswell-run-{run}.pdf").write_bytes(pdf)
        page.screenshot(path=str(ARTIFACTS / "06-sources.png"))
    assert attempted == []
    assert errors == []
