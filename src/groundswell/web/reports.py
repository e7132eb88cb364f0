"""The report of a run, downloaded from the dashboard: the same self-contained HTML file as
``groundswell report`` (:func:`groundswell.report.write_report`) and its PDF printed by
headless Chromium (:func:`groundswell.report.write_pdf`).

Analysts and admins only (permission ``people``: the report lists the people who matter,
by name in an identified workspace); viewers and person accounts get 403. The report is
rendered on request from the stored run (and its latest champion plan) into a temporary
folder and sent as an attachment. At most one PDF is printed at a time (Chromium takes a
core and a few hundred MB); a request that cannot get its turn within
:data:`PDF_QUEUE_SECONDS` answers 503.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from groundswell import report
from groundswell.errors import GroundswellError, UnavailableError
from groundswell.web.auth import User
from groundswell.web.deps import get_store, require
from groundswell.web.views import Views

PDF_QUEUE_SECONDS = 60.0
PDF_TIMEOUT_SECONDS = 120.0
_printing = threading.BoundedSemaphore(1)

router = APIRouter(prefix="/api/runs", tags=["reports"])
ViewsD = Annotated[Views, Depends(get_store)]
Analyst = Annotated[User, Depends(require("people"))]


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def render_html(store: Views, run_id: int, folder: Path) -> Path:
    """Write the report of ``run_id`` into ``folder``; its path (404 for an unknown run)."""
    run = store.run(run_id)
    return report.write_report(run, folder / f"groundswell-run-{run.run_id}.html")


@router.get(
    "/{run_id}/report",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "the report, as a download"}},
)
def report_html(run_id: int, store: ViewsD, user: Analyst) -> Response:
    """The self-contained HTML report of a run (works offline), as a download."""
    with tempfile.TemporaryDirectory(prefix="gs-report-") as tmp:
        path = render_html(store, run_id, Path(tmp))
        return _download(path.read_bytes(), "text/html; charset=utf-8", path.name)


@router.get(
    "/{run_id}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the report as PDF"}},
)
def report_pdf(run_id: int, store: ViewsD, user: Analyst) -> Response:
    """The report of a run as PDF, printed by headless Chromium (503 without Chromium)."""
    store.run(run_id)  # 404 before any work
    try:
        report.chromium()
    except GroundswellError as exc:
        raise UnavailableError(str(exc)) from exc
    if not _printing.acquire(timeout=PDF_QUEUE_SECONDS):
        raise UnavailableError("another PDF is being printed; try again in a minute")
    try:
        with tempfile.TemporaryDirectory(prefix="gs-report-") as tmp:
            html = render_html(store, run_id, Path(tmp))
            pdf = report.write_pdf(html, html.with_suffix(".pdf"), timeout=PDF_TIMEOUT_SECONDS)
            return _download(pdf.read_bytes(), "application/pdf", pdf.name)
    finally:
        _printing.release()
