"""The Initiatives page and its JSON (issue 19, point 4): the stored traction as
``groundswell traction`` stored it (read, never recomputed), groups below the minimum size
never shown, an unknown initiative a 404 in the one error shape, and the page in headless
Chromium with its two charts and their readings (screenshot in
tests/artifacts/initiatives/, gitignored). Who may read them: tests/web/test_api.py."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import groundswell as gs
from groundswell.initiatives import read
from tests._browser import CHROMIUM, chromium, served, sign_in
from tests.web.conftest import PASSWORD, WebWorkspace

NAME = "communities of practice"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "initiatives"


@pytest.fixture(scope="module")
def app(web_ws: WebWorkspace):
    from groundswell.web.app import create_app

    application = create_app(web_ws.path)
    yield application
    application.state.store.close()


@pytest.fixture(scope="module")
def viewer(app) -> TestClient:
    c = TestClient(app)
    r = c.post("/api/login", json={"username": "viewer", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return c


def test_the_api_answers_what_traction_stored(viewer, web_ws) -> None:
    listing = viewer.get("/api/initiatives").json()
    assert [i["name"] for i in listing] == [NAME] and listing[0]["computed_at"]
    got = viewer.get("/api/initiatives/" + urllib.parse.quote(NAME, safe="")).json()
    with gs.open(web_ws.path, read_only=True) as ws:
        stored = read(ws, NAME)
        least = ws.settings.min_group_size
    assert got["reading"] == stored.reading == listing[0]["reading"]
    assert [p["traction"] for p in got["periods"]] == pytest.approx(
        stored.periods["traction"].tolist()
    )
    assert [p["period_start"] for p in got["periods"]] == [
        str(d) for d in stored.periods["period_start"]
    ]
    assert got["index"].startswith("traction = reach × quality")
    # influencers counted by role, never listed; no group below the minimum size
    assert all(set(r) == {"period_start", "role", "people"} for r in got["roles"])
    assert all(g["size"] >= least for g in got["groups"]) and got["groups"]
    assert all(s["size"] >= least for s in got["status"]) and got["status"]


def test_an_unknown_initiative_is_a_404_in_the_one_shape(viewer) -> None:
    r = viewer.get("/api/initiatives/" + urllib.parse.quote("<b>none?</b>", safe="/"))
    assert r.status_code == 404 and r.json()["error"] == "not_found", r.text
    r = viewer.get("/api/initiatives/" + urllib.parse.quote("no such <thing>", safe=""))
    assert r.status_code == 404 and r.json()["error"] == "not_found", r.text
    assert "'no such <thing>'" in r.json()["detail"]
    r = viewer.get("/initiatives?name=nothing")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


def test_the_page_shows_the_charts_and_their_readings(viewer) -> None:
    page = viewer.get("/initiatives").text
    assert NAME in page and "Reading the curve" in page and "Reading the groups" in page
    assert page.count("<svg") >= 2 and "Traction index, week by week" in page
    assert 'href="/api/initiatives"' in page  # the JSON twin


@pytest.mark.browser
def test_the_page_in_chromium(app, tmp_path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with (
        served(app) as base,
        chromium(
            tmp_path / "profile",
            lambda url: url.startswith(base + "/"),
            viewport={"width": 1300, "height": 900},
        ) as (context, attempted),
    ):
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        sign_in(page, base, "viewer", PASSWORD)
        page.goto(base + "/initiatives")
        section = page.locator("#initiative-1")
        assert section.locator("svg.gs-chart").count() == 2
        assert section.locator(".traction-status tbody tr").count() >= 2
        assert "took part" in section.locator(".traction-reading").inner_text()
        box = section.locator("svg.gs-chart").first.bounding_box()
        assert box is not None and box["width"] > 300
        page.screenshot(path=str(ARTIFACTS / "initiatives-desktop.png"), full_page=True)
    assert attempted == [] and errors == []
