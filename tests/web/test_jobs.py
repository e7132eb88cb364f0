"""Work from the browser (issue 16, point 2): upload and ingest, analyze, plan champions and
close a survey as background jobs, with progress, cancel, and a clear error on bad input
that leaves the workspace as it was. In-process (TestClient) on a copy of the dashboard
tests' workspace."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import groundswell as gs
from groundswell.survey import model
from groundswell.web.app import create_app
from tests.web.conftest import PASSWORD, WebWorkspace


@pytest.fixture(scope="module")
def copy(web_ws: WebWorkspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    to = tmp_path_factory.mktemp("jobs") / "ws"
    shutil.copytree(web_ws.path, to, ignore=shutil.ignore_patterns(".groundswell-*"))
    with gs.open(to) as ws:
        s = model.create(ws, "Pulse")
        model.launch(ws, s, base_url="http://127.0.0.1")
    return to


@pytest.fixture(scope="module")
def clients(copy: Path) -> Iterator[dict[str, TestClient]]:
    application = create_app(copy)
    out = {}
    for role in ("admin", "analyst", "viewer"):
        c = TestClient(application)
        r = c.post("/api/login", json={"username": role, "password": PASSWORD})
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        out[role] = c
    yield out
    application.state.store.close()


def finished(client: TestClient, job: dict, timeout: float = 120) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = client.get(f"/api/jobs/{job['job_id']}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job still {job['status']} after {timeout} s: {job}")


def state(client: TestClient) -> tuple:
    """What a failed job must leave unchanged: row counts, sources, runs."""
    overview = client.get("/api/overview").json()
    return overview["counts"], overview["runs"], len(client.get("/api/sources").json())


def test_bad_uploads_fail_clearly_and_change_nothing(clients, copy: Path) -> None:
    analyst = clients["analyst"]
    before = state(analyst)
    bad = b"who,when\nalice,yesterday\n"
    r = analyst.post("/api/jobs/ingest", data={"source": "events"},
                     files={"file": ("march.csv", bad, "text/csv")})  # fmt: skip
    assert r.status_code == 202, r.text
    job = finished(analyst, r.json())
    assert job["status"] == "failed" and job["error"]["status"] == 400
    assert "march.csv" in job["error"]["detail"]  # names the file and what was expected
    assert state(analyst) == before
    assert not list((copy / "uploads").glob("*/march.csv"))  # the upload is gone again
    # refused before any job: no file, an empty file, an unknown source
    assert analyst.post("/api/jobs/ingest", data={"source": "events"}).status_code == 400
    r = analyst.post("/api/jobs/ingest", data={"source": "events"},
                     files={"file": ("x.csv", b"", "text/csv")})  # fmt: skip
    assert r.status_code == 400 and "empty" in r.json()["detail"]
    r = analyst.post("/api/jobs/ingest", data={"source": "nosuch"},
                     files={"file": ("x.csv", bad, "text/csv")})  # fmt: skip
    assert r.status_code == 400 and "source must be one of" in r.json()["detail"]
    for body, where in (
        ({"kind": "analyze", "window": "2024-13-01:2024-14-01"}, "window"),
        ({"kind": "analyze", "windw": "x"}, "windw"),
        ({"kind": "reboot"}, "kind"),
        ({"kind": "champions", "k": 0}, "k"),
        ({"kind": "close_survey"}, "survey"),
    ):
        r = analyst.post("/api/jobs", json=body)
        assert r.status_code == 400 and where in r.json()["detail"], (body, r.text)
    assert state(analyst) == before


def test_upload_analyze_plan_close(clients, copy: Path, web_ws: WebWorkspace) -> None:
    analyst = clients["analyst"]
    sources = state(analyst)[2]
    # an HR file: the org chart again, with one more person
    hr = (web_ws.path.parent / "data" / "hris.csv").read_text()
    first = hr.splitlines()[1].split(",")
    first[:4] = ["E99999", "Noor Newcomer", "noor.newcomer@example.com", first[0]]
    extra = ",".join(first)
    upload = {"file": ("hr.csv", (hr + extra + "\n").encode(), "text/csv")}
    r = analyst.post("/api/jobs/ingest", data={"source": "orgchart"}, files=upload)
    job = finished(analyst, r.json())
    assert job["status"] == "done", job
    assert any("storing" in p["line"] for p in job["progress"])  # the reader's own steps
    assert len(analyst.get("/api/sources").json()) == sources + 1
    # analyze a window
    r = analyst.post("/api/jobs", json={"kind": "analyze", "window": "2024-02-05:2024-03-04"})
    job = finished(analyst, r.json())
    assert job["status"] == "done", job
    run_id = job["result"]["run_id"]
    assert analyst.get("/api/runs").json()[0]["run_id"] == run_id  # seen at once
    assert analyst.get("/api/overview").json()["run"]["run_id"] == run_id
    # champions on it
    r = analyst.post("/api/jobs", json={"kind": "champions", "k": 3, "runs": 50, "seed": 1})
    job = finished(analyst, r.json())
    assert job["status"] == "done", job
    plan = analyst.get(f"/api/plans/{job['result']['plan_id']}").json()
    assert plan["run_id"] == run_id
    assert max(len(picks) for picks in plan["champions"].values()) == 3
    # close the survey
    r = analyst.post("/api/jobs", json={"kind": "close_survey", "survey": "Pulse"})
    job = finished(analyst, r.json())
    assert job["status"] == "done", job
    with gs.open(copy, read_only=True) as ws:
        assert ws.survey("Pulse").status == "closed"
    listed = [j["kind"] for j in analyst.get("/api/jobs").json()]
    assert listed[:4] == ["close_survey", "champions", "analyze", "ingest"]


def test_cancel_leaves_the_workspace_as_it_was(clients) -> None:
    admin = clients["admin"]
    before = state(admin)
    first = admin.post("/api/jobs", json={"kind": "analyze"}).json()
    second = admin.post("/api/jobs", json={"kind": "analyze"}).json()
    assert second["status"] == "queued"  # one at a time, in order
    assert admin.post(f"/api/jobs/{second['job_id']}/cancel").status_code == 200
    end = time.monotonic() + 60
    while admin.get(f"/api/jobs/{first['job_id']}").json()["status"] == "queued":
        assert time.monotonic() < end
        time.sleep(0.02)
    assert admin.post(f"/api/jobs/{first['job_id']}/cancel").status_code == 200
    first, second = finished(admin, first), finished(admin, second)
    assert second["status"] == "cancelled" and second["started"] is None
    assert first["status"] == "cancelled", first  # stopped at its next step
    assert state(admin) == before  # its transaction rolled back
    assert admin.post(f"/api/jobs/{first['job_id']}/cancel").status_code == 409


def test_who_may_start_jobs(clients) -> None:
    viewer = clients["viewer"]
    assert viewer.get("/api/jobs").status_code == 403
    assert viewer.get("/jobs").status_code == 403
    assert viewer.post("/api/jobs", json={"kind": "analyze"}).status_code == 403
    r = viewer.post("/api/jobs/ingest", data={"source": "events"},
                    files={"file": ("x.csv", b"a\n", "text/csv")})  # fmt: skip
    assert r.status_code == 403
    nobody = TestClient(viewer.app)
    assert nobody.post("/api/jobs", json={"kind": "analyze"}).status_code == 401
    assert clients["analyst"].get("/api/jobs/nosuchjob").status_code == 404
    # without the CSRF token: refused
    r = clients["analyst"].post("/api/jobs", json={"kind": "analyze"},
                                headers={"X-CSRF-Token": ""})  # fmt: skip
    assert r.status_code == 403
