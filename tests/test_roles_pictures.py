"""The role lists as a reader sees them (issue 19, point 5): in the report (HTML in headless
Chromium, and the PDF page rasterised by pdftoppm) and on the dashboard's People page, each
list with what distinguishes it, and the figure of who appears in more than one list with
its reading in words. The pictures are kept in tests/artifacts/roles/ to be looked at.

The figures shown are checked against the stored roles read independently (pandas on
``run.roles()``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import groundswell as gs
from groundswell import synth
from groundswell.browser import find_chromium
from groundswell.report import write_pdf
from groundswell.role_lists import RANKED
from groundswell.synth import plants_roles
from groundswell.web import auth
from tests._browser import chromium, signed_in_page
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "roles"

if not find_chromium() or not shutil.which("pdftoppm"):
    pytest.skip("needs Chromium and poppler-utils", allow_module_level=True)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("roles-pictures")
    org = plants_roles.plant(synth.generate(300, seed=5, weeks=6), seed=5)
    files = org.write(folder / "data")
    with gs.init(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        run = ws.analyze()
        held = run.roles()
        auth.add_user(ws, "analyst", PASSWORD, "analyst")
        html = ws.report(folder / "report.html")
        write_pdf(html, folder / "report.pdf")
    return folder, held


def _expected(held) -> dict[str, int]:
    count = held[[r for r in RANKED if r in held]].sum(axis=1)
    return {"any": int((count >= 1).sum()), "several": int((count >= 2).sum())}


def test_the_report_shows_each_list_and_who_is_in_several(made, tmp_path) -> None:
    folder, held = made
    html = (folder / "report.html").read_text()
    expected = _expected(held)
    assert "Who appears in more than one list" in html
    reading = re.search(r'id="role-overlap">.*?<p class="reading">(.*?)</p>', html, re.S)
    assert reading is not None
    text = reading.group(1)
    assert f"of the {expected['any']:,} people in at least one, {expected['several']:,}" in text
    for line in ("the most ties: plain size", "their contacts do not know each other"):
        assert line in html  # the one line that distinguishes each list
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium(tmp_path / "profile", lambda url: url.startswith("file://")) as (ctx, blocked):
        page = ctx.new_page()
        page.set_viewport_size({"width": 1200, "height": 900})
        page.goto((folder / "report.html").as_uri())
        section = page.locator("#roles")
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(ARTIFACTS / "report-roles.png"))
        bars = page.locator("#roles figure svg rect")
        assert bars.count() == 4  # 1, 2, 3, 4 or more lists
        heights = [float(bars.nth(i).get_attribute("height") or 0) for i in range(4)]
        assert heights[0] > heights[1]  # most people are in one list only
    assert not blocked


def test_the_pdf_page_holds_the_figure_and_its_reading(made) -> None:
    folder, held = made
    pdf = folder / "report.pdf"
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    pages = out.stdout.split("\f")
    page = next(i for i, t in enumerate(pages, 1) if "Who appears in more than one list" in t)
    text = re.sub(r"\s+", " ", pages[page - 1] + " " + pages[page])
    assert f"{_expected(held)['several']:,}" in text and "are in more than one" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / "report-roles-pdf"
    subprocess.run(
        ["pdftoppm", "-r", "70", "-f", str(page), "-l", str(page), "-png", "-singlefile",
         str(pdf), str(stem)],
        check=True,
    )  # fmt: skip
    from PIL import Image

    img = Image.open(f"{stem}.png").convert("L")
    colours = img.getcolors(maxcolors=256 * 256) or []
    assert img.size[1] > 500 and len(colours) > 20  # a drawn page, not blank


def test_the_dashboard_people_page_shows_the_role_lists(made, tmp_path) -> None:
    folder, held = made
    from groundswell.web.app import create_app

    expected = _expected(held)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with signed_in_page(
        create_app(folder / "ws"), tmp_path / "profile", "analyst", PASSWORD, "/people",
        viewport={"width": 1300, "height": 1000},
    ) as (page, blocked):  # fmt: skip
        rows = page.locator("#roles tbody tr")
        assert rows.count() == len(held.columns)
        first = rows.nth(0).inner_text()
        assert "hub" in first and str(int(held["hub"].sum())) in first
        reading = page.locator("#role-overlap-reading").inner_text()
        assert f"{expected['several']:,}" in reading and f"{expected['any']:,}" in reading
        assert page.locator("#role-lists svg rect").count() == 4
        page.locator("#role-lists").screenshot(path=str(ARTIFACTS / "dashboard-roles.png"))
        # a list's name sorts the people by the score that made it
        page.click("#roles a >> text=broker")
        page.wait_for_url(re.compile(r".*sort=broker_score"))
        top = page.locator("#people tbody tr").nth(0).inner_text()
        assert "broker" in top
    assert not blocked
