"""The demo's real report, opened in headless Chromium with the network cut off."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._browser import chromium, require_browser
from tests.test_report_browser import BUNDLE, is_local

pytestmark = pytest.mark.browser
require_browser(BUNDLE)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> tuple[Path, object]:
    import groundswell as gs
    from groundswell.demo import run_demo

    folder = tmp_path_factory.mktemp("e2e")
    path = run_demo(folder, n_people=300, say=lambda s: None)
    ws = gs.open(folder / "workspace")
    run = ws.run()
    yield path, run
    ws.close()


def test_report_renders_offline_and_the_map_answers(demo_report, tmp_path) -> None:
    path, run = demo_report
    errors: list[str] = []
    with chromium(tmp_path / "profile", is_local, viewport={"width": 1200, "height": 900}) as (
        ctx,
        attempted,
    ):
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_function("window.gsMap && window.gsMap.ready", timeout=15_000)
        assert attempted == [] and errors == []
        assert page.evaluate("gsMap.graph.order") == run.summary["people"]
        assert page.evaluate("gsMap.graph.size") == run.summary["ties"]
        # colour by community: the legend lists the communities (small ones suppressed)
        page.select_option("#gs-colour", "community")
        legend = page.locator("#gs-legend").inner_text()
        assert "0" in legend
        # search the most influential person from the table and find them on the map
        top = run.people().index[0]
        assert top in page.locator("#people").inner_text()
        page.fill("#gs-search", top)
        page.press("#gs-search", "Enter")
        page.wait_for_function(f"gsMap.highlighted === '{top}'", timeout=5_000)
        # the tables a board reads are there, with pseudonyms only
        body = page.locator("body").inner_text()
        assert "Communities against departments" in body and "@example.com" not in body
