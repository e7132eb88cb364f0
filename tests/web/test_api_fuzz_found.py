"""Requests the API fuzz harness (tests/fuzz/test_fuzz_api.py) found answered with a server
error, replayed as plain tests; each failed before its fix."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient

from groundswell.web.app import create_app
from tests.web.conftest import PASSWORD, WebWorkspace


@pytest.fixture(scope="module")
def viewer(web_ws: WebWorkspace):
    app = create_app(web_ws.path)
    with TestClient(app) as c:
        r = c.post("/api/login", json={"username": "viewer", "password": PASSWORD})
        assert r.status_code == 200, r.text
        yield c


@pytest.mark.parametrize("path", ["/api/formal", "/formal"])
@pytest.mark.parametrize("attribute", ["", "bogus"])
def test_formal_with_an_unknown_attribute_is_a_400(viewer, path, attribute) -> None:
    """``/api/formal?attribute=`` raised KeyError (500); groups and group already said 400."""
    r = viewer.get(path, params={"attribute": attribute})
    assert r.status_code == 400, r.text
    assert "attribute must be one of" in r.text


def test_a_422_answer_has_the_shape_the_openapi_document_gives(viewer) -> None:
    """The document described FastAPI's own 422 body (``detail`` items with ``loc``, ``msg``,
    ``type``); the app sends ``{"error", "detail": [{"where", "problem"}]}``."""
    spec = schemathesis.openapi.from_dict(viewer.get("/api/openapi.json").json())
    r = viewer.post("/api/login", json={"username": ["not", "a", "string"], "password": "x"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["where"] == "body.username"
    spec["/api/login"]["POST"].validate_response(r)  # raises when the body does not conform


@pytest.mark.parametrize("action", ["launch", "remind"])
def test_survey_links_are_documented_as_csv(viewer, action) -> None:
    """Launch and remind answer the personal links as text/csv; the document said JSON."""
    spec = viewer.get("/api/openapi.json").json()
    ok = spec["paths"][f"/api/surveys/{{survey_id}}/{action}"]["post"]["responses"]["200"]
    assert set(ok["content"]) == {"text/csv"}
