"""The Value page of a workspace whose ties are not chat, enterprise-social or email
interactions (Microsoft Viva Insights' person-to-person pairs and an org chart), in headless
Chromium: the stages are said to be not measured, with what they need, instead of everyone
at 0 against a line of 1; no histogram, line or people-by-stage table is drawn. The page's
text is checked against the stored value section (the library read independently).
Screenshot: tests/artifacts/dashboard/value-unmeasured.png (gitignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

import groundswell as gs
from groundswell.value import maturity
from groundswell.web import auth
from tests._browser import require_browser, signed_in_page
from tests.conftest import TEST_DATA

pytestmark = pytest.mark.browser

STATIC_BUNDLE = (
    Path(__file__).resolve().parents[2] / "src" / "groundswell" / "web" / "static" / "dashboard.js"
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "dashboard"
PASSWORD = "correct horse battery"

require_browser(STATIC_BUNDLE)


def test_the_value_page_says_the_stages_were_not_measured(tmp_path) -> None:
    from groundswell.web.app import create_app

    with gs.init(tmp_path / "ws") as ws:
        ws.ingest("viva", TEST_DATA / "viva" / "p2p_iso.csv", progress=False)
        run = ws.analyze()
        section = run.findings()["value"]
        said = [f["rule"] for f in run.findings()["headline"]["findings"]]
        auth.add_user(ws, "analyst", PASSWORD, "analyst")
    assert run.params["layers"] == ["collaboration"]
    gone = [u["stage"] for u in section["unmeasured"]]
    assert gone == list(maturity.STAGES)  # no post, no question, no digital tie
    assert "value_stage" not in said
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with signed_in_page(
        create_app(tmp_path / "ws"), tmp_path / "profile", "analyst", PASSWORD, "/value",
        viewport={"width": 1200, "height": 900},
    ) as (page, blocked):  # fmt: skip
        note = page.locator("#stages-unmeasured")
        assert note.is_visible()
        text = note.inner_text()
        assert text.startswith("The stages could not be measured on this run's data.")
        assert maturity.NEEDS["connect"] in text
        assert page.locator(".gs-hist").count() == 0  # no empty histogram, no line of 1
        for nothing in ("#people-by-stage", "#groups", "#distribution", "#top-people"):
            assert page.locator(nothing).count() == 0, nothing  # all "–", "not yet at"
        assert page.locator("#network-stage").count() == 0
        lines = page.locator("#network-scores tbody tr td:nth-child(3)").all_inner_texts()
        assert lines == ["not measured"] * len(maturity.STAGES)
        assert page.locator("#stage-name").count() == 0  # the note stands for the ladder
        page.screenshot(path=str(ARTIFACTS / "value-unmeasured.png"), full_page=True)
        assert blocked == []


def test_the_stage_component_says_not_measured_without_connect_data() -> None:
    """The ladder of a person's or a group's page (_stage.html.j2) on the same data: "not
    measured", not "not yet at Connect"; with a connect score, as before."""
    from groundswell.web.templating import environment

    folder = Path(__file__).resolve().parents[2] / "src" / "groundswell" / "web" / "templates"
    stage = environment(folder).get_template("_stage.html.j2")
    lines = dict.fromkeys(maturity.STAGES, 1.0)

    def name(scores: dict) -> str:
        html = stage.render(st={"stage": "none", "scores": scores, "thresholds": lines}, who="Your")
        return html.split('id="stage-name">', 1)[1].split("</strong>", 1)[0]

    assert name(dict.fromkeys(maturity.STAGES)) == "not measured (no data for Connect)"
    assert name(dict.fromkeys(maturity.STAGES, 0.0)) == "not yet at Connect"
