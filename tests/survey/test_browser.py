"""Completing a survey from its link in headless Chromium, at desktop and phone size.

The app runs under uvicorn in a thread of this process; every request that does not go to
it is blocked and recorded (the list must stay empty: the form needs nothing from the web).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from groundswell.survey import model, questions
from groundswell.survey.web import mount
from groundswell.web.app import create_app
from tests._browser import chromium, require_browser
from tests._browser import served as serving
from tests.survey.conftest import token_of

pytestmark = pytest.mark.browser
require_browser()
from playwright.sync_api import expect  # noqa: E402

# the suite runs on 2 shared cores beside other browser tests: allow more than the default 5 s
expect.set_options(timeout=20_000)
#: screenshots of the respondent's pages, to look at (tests/artifacts is not committed)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "survey"


@pytest.fixture
def served(org):
    with org.open() as ws:
        qs = [questions.question("advice", max_nominations=3, scale=5), questions.question("trust")]
        s = model.create(ws, "Spring", qs)
        links = model.launch(ws, s, base_url="http://127.0.0.1")
    app = create_app(org.path)
    mount(app)
    with serving(app) as base:
        yield base, links, app


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
)
def test_complete_a_survey_from_its_link(served, tmp_path, viewport) -> None:
    base, links, app = served
    me = links[0] if viewport["width"] > 1000 else links[1]
    url = base + "/s/" + token_of(me.url)
    with chromium(
        tmp_path / "profile",
        lambda u: u.startswith(base),
        viewport=viewport,
        is_mobile=viewport["width"] < 500,
    ) as (ctx, blocked):
        page = ctx.new_page()
        page.goto(url)
        expect(page.get_by_role("heading", name="Spring")).to_be_visible()
        # keyboard only: type, arrow down, Enter
        search = page.get_by_role("combobox", name="Find a colleague by name").first
        search.click()
        # a colleague, never the respondent (the roster order, hence links[i], is random)
        other = next(k for k in links if k.person_id != me.person_id)
        search.type(other.display_name)
        # wait for the answer to the whole query (that one colleague), not a partial one
        expect(page.get_by_role("option")).to_have_count(1)
        expect(page.get_by_role("option", name=other.display_name)).to_be_visible()
        search.press("ArrowDown")
        search.press("Enter")
        advice = page.locator("fieldset[data-slug=advice]")
        expect(advice.locator(".chosen li")).to_have_count(1)
        expect(advice.locator(".saved")).to_contain_text("Saved at")  # autosaved
        advice.locator(".chosen select").select_option("4")
        expect(advice.locator(".saved")).to_contain_text("Saved at")
        # the phone layout does not scroll sideways
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = f"{viewport['width']}"
        page.screenshot(path=str(ARTIFACTS / f"form-{shot}.png"), full_page=True)
        page.get_by_role("button", name="Submit my answers").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"done-{shot}.png"), full_page=True)
    assert blocked == []
    rows = app.state.store.ws().query(
        "SELECT person_id, slug, strength FROM survey_responses WHERE person_id = ?",
        [me.person_id],
    )
    assert rows[["slug", "strength"]].values.tolist() == [["advice", 4.0]]
    sub = app.state.store.ws().query(
        "SELECT submitted_at FROM survey_invitations WHERE person_id = ?", [me.person_id]
    )
    assert sub["submitted_at"].notna().all()
