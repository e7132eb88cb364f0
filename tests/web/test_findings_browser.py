"""What the network says, in headless Chromium: the report and the dashboard's overview open
with the stored findings, and a viewer sees nobody named. Screenshots go to
tests/artifacts/findings/ (gitignored)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import groundswell as gs
from groundswell.browser import offline_page_context
from groundswell.glossary import TERMS
from tests._browser import CHROMIUM, sign_in
from tests.web.conftest import PASSWORD, WebWorkspace
from tests.web.test_dashboard_browser import server  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "findings"

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)
try:
    from playwright.sync_api import sync_playwright
except ImportError as exc:  # pragma: no cover - depends on the environment
    pytest.skip(f"playwright is not importable: {exc}", allow_module_level=True)

PSEUDONYM = re.compile(r"\bp_[a-z2-7]{10}\b")


@pytest.fixture(scope="module")
def report(web_ws: WebWorkspace, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    with gs.open(web_ws.path) as ws:
        ws.report(out)
        run = ws.run()
        names = run.people()["display_name"].dropna().to_dict()  # an identified workspace
        stored = run.key_findings(lambda p: names.get(p, p))
    return out, stored


def test_the_report_opens_with_the_findings(report, tmp_path) -> None:
    path, stored = report
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        sync_playwright() as p,
        offline_page_context(
            p,
            str(tmp_path / "profile"),
            lambda url: url.startswith("file://"),
            viewport={"width": 1200, "height": 900},
        ) as (context, attempted),
    ):
        page = context.new_page()
        page.goto(path.as_uri())
        first = page.locator("main > section").first
        assert first.get_attribute("id") == "findings"
        items = page.locator("#findings li.finding")
        assert items.count() == len(stored["findings"]) >= 1
        for i, f in enumerate(stored["findings"]):
            assert items.nth(i).locator(".finding-text").inner_text() == f["text"]
            href = items.nth(i).locator("a").get_attribute("href")
            assert href == f"#{f['section']}" and page.locator(href).count() == 1
        page.locator("#findings").screenshot(path=str(ARTIFACTS / "report-findings.png"))
        page.locator("#glossary").screenshot(path=str(ARTIFACTS / "report-glossary.png"))
        page.locator("#settings").screenshot(path=str(ARTIFACTS / "report-settings.png"))
        text = page.locator("body").inner_text()
        assert "docs/" not in text and ".md" not in text  # no file paths for readers
    assert attempted == []


def test_the_dashboard_home_opens_with_the_findings(server, report, tmp_path) -> None:  # noqa: F811
    base, _ = server
    _, stored = report
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        sync_playwright() as p,
        offline_page_context(
            p,
            str(tmp_path / "profile"),
            lambda url: url.startswith(base + "/"),
            viewport={"width": 1300, "height": 1000},
        ) as (context, attempted),
    ):
        page = context.new_page()
        sign_in(page, base, "analyst", PASSWORD, lands="/")
        items = page.locator("#findings li.gs-finding")
        assert items.count() == len(stored["findings"])
        n = items.count()
        shown = [items.nth(i).locator(".gs-finding-text").inner_text() for i in range(n)]
        rules = [f["rule"] for f in stored["findings"]]
        assert [items.nth(i).get_attribute("data-rule") for i in range(items.count())] == rules
        page.screenshot(path=str(ARTIFACTS / "dashboard-home.png"))
        page.goto(base + "/glossary")  # the terms, inside the dashboard (no file paths)
        assert page.locator("#glossary dt").count() == len(TERMS)
        page.screenshot(path=str(ARTIFACTS / "dashboard-glossary.png"))
        page.goto(base + "/")
        for i in range(items.count()):
            href = items.nth(i).locator("a").get_attribute("href")
            assert page.request.get(base + href).status == 200
        page.context.clear_cookies()
        sign_in(page, base, "viewer", PASSWORD, lands="/")
        viewer = page.locator("#findings").inner_text()
        assert not PSEUDONYM.search(viewer)  # aggregates only: nobody named
        assert not re.search(r"\((one|two|three) (person|people)\)|: (two|three) people\.", viewer)
        assert page.locator("#findings li.gs-finding").count() == len(shown)
        page.screenshot(path=str(ARTIFACTS / "dashboard-home-viewer.png"))
    assert attempted == []
