"""The jobs page in headless Chromium: upload an HR file and watch it being ingested, start
an analysis and follow it to its run, see a bad upload fail with its one-line reason.

uvicorn serves the app (on a copy of the dashboard tests' workspace) from a thread on a free
loopback port; requests elsewhere are blocked and must stay none. Screenshots in
tests/artifacts/jobs/ (gitignored).
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from groundswell.browser import offline_page_context
from tests._browser import CHROMIUM, free_port, sign_in
from tests.web.conftest import PASSWORD, WebWorkspace

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "jobs"

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)
try:
    from playwright.sync_api import sync_playwright
except ImportError as exc:  # pragma: no cover - depends on the environment
    pytest.skip(f"playwright is not importable: {exc}", allow_module_level=True)


@pytest.fixture(scope="module")
def server(web_ws: WebWorkspace, tmp_path_factory: pytest.TempPathFactory):
    import uvicorn

    from groundswell.web.app import create_app

    copy = tmp_path_factory.mktemp("jobs-browser") / "ws"
    shutil.copytree(web_ws.path, copy, ignore=shutil.ignore_patterns(".groundswell-*"))
    app = create_app(copy)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(timeout=10)
    app.state.store.close()


def test_upload_watch_progress_and_see_the_result(server, web_ws, tmp_path) -> None:
    base, app = server
    # the org chart with one more person (the same file again would add nothing)
    lines = (web_ws.path.parent / "data" / "hris.csv").read_text().splitlines()
    extra = lines[1].split(",")
    extra[:4] = ["E99999", "Noor Newcomer", "noor.newcomer@example.com", extra[0]]
    hr = tmp_path / "hris.csv"
    hr.write_text("\n".join([*lines, ",".join(extra)]) + "\n")
    bad = tmp_path / "broken.csv"
    bad.write_text("who,when\nalice,yesterday\n")
    runs_before = len(app.state.store.runs())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
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
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        page.goto(base + "/jobs")
        sign_in(page, base, "analyst", PASSWORD, on_form=True, lands="/jobs")
        page.screenshot(path=str(ARTIFACTS / "01-jobs.png"), full_page=True)

        # a good HR file: queued, running with the reader's steps, done
        page.select_option("#gs-ingest-source", "orgchart")
        page.set_input_files("#gs-ingest-file", str(hr))
        page.click("#gs-job-ingest button")
        row = page.locator("#gs-job-table tbody tr").first
        page.wait_for_function(
            "() => { const r = document.querySelector('#gs-job-table tbody tr');"
            " return r && r.dataset.status === 'done'; }",
            timeout=60_000,
            polling=100,
        )
        assert "hris.csv" in row.inner_text()
        assert "storing" in row.locator(".gs-log").inner_text()  # the progress lines
        page.screenshot(path=str(ARTIFACTS / "02-ingested.png"), full_page=True)

        # an analysis: watch its progress, then the link to its run
        page.click("#gs-job-analyze button")
        page.wait_for_function(
            "() => { const r = document.querySelector('#gs-job-table tbody tr');"
            " return r && r.textContent.includes('analyze') && r.dataset.status === 'running'"
            " && r.querySelector('.gs-log li'); }",
            timeout=60_000,
            polling=50,
        )
        page.screenshot(path=str(ARTIFACTS / "03-analyzing.png"), full_page=True)
        page.wait_for_function(
            "() => document.querySelector('#gs-job-table tbody tr').dataset.status === 'done'",
            timeout=120_000,
            polling=100,
        )
        link = page.locator("#gs-job-table tbody tr").first.locator("a")
        run_id = app.state.store.runs()[0]["run_id"]
        assert (
            link.inner_text() == f"run {run_id}" and len(app.state.store.runs()) == runs_before + 1
        )
        page.screenshot(path=str(ARTIFACTS / "04-analyzed.png"), full_page=True)

        # a broken file: the job fails and says why, naming the file
        page.select_option("#gs-ingest-source", "events")
        page.set_input_files("#gs-ingest-file", str(bad))
        page.click("#gs-job-ingest button")
        page.wait_for_function(
            "() => document.querySelector('#gs-job-table tbody tr').dataset.status === 'failed'",
            timeout=60_000,
            polling=100,
        )
        failed = page.locator("#gs-job-table tbody tr").first
        assert "broken.csv" in failed.locator("td.gs-error").inner_text()
        page.screenshot(path=str(ARTIFACTS / "05-failed.png"), full_page=True)

        # the new run is on the overview
        page.goto(base + "/")
        assert f"{run_id}" in page.inner_text("main")
        assert attempted == []
    assert errors == []
