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


def test_outcomes_and_benchmark_sections_read_in_words_and_print(demo_report, tmp_path) -> None:
    """Issue 19: the demo report sets outcomes against the network (the planted link in Sales,
    none in Engineering) and the organisation against the synthetic example profiles, each
    with its reading in words; screenshots and the printed page are kept to be looked at."""
    import shutil
    import subprocess

    from groundswell.report import write_pdf

    path, _ = demo_report
    shots = Path(__file__).resolve().parents[1] / "artifacts" / "outcomes"
    shots.mkdir(parents=True, exist_ok=True)
    with chromium(tmp_path / "profile", is_local, viewport={"width": 1200, "height": 900}) as (
        ctx,
        attempted,
    ):
        page = ctx.new_page()
        page.goto(path.as_uri())
        outcomes = page.locator("#outcomes")
        text = outcomes.inner_text()
        assert "Outcomes against the network" in text
        assert "in Sales" in text and "depends on where people work" in text
        assert "Positive deviants by results" in text
        assert page.locator("#outcomes svg.forest circle").count() >= 3
        outcomes.screenshot(path=str(shots / "outcomes-section.png"))
        bench = page.locator("#benchmark")
        assert "synthetic" in bench.inner_text() and "Reciprocity" in bench.inner_text()
        bench.screenshot(path=str(shots / "benchmark-section.png"))
        roles = page.locator("body").inner_text()
        assert "network positive deviant" in roles
        assert attempted == []
    if not shutil.which("pdftoppm"):
        return
    pdf = write_pdf(path, tmp_path / "demo.pdf")
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    where = next(
        i for i, p in enumerate(pages) if "Outcomes against the network" in p and "rho" in p
    )  # not the contents page
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", str(where + 1), "-l", str(where + 2), str(pdf),
         str(shots / "outcomes-pdf")],
        check=True,
    )  # fmt: skip
    assert list(shots.glob("outcomes-pdf-*.png"))
