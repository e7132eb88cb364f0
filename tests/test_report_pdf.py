"""The report's PDF as a board gets it (issue 17, point 3): the map drawn, no controls, A4 or
letter, a contents page, page numbers, tables inside the page, progress while it prints.

The PDF is printed once per paper by headless Chromium from a 300-person synthetic run, read
back with poppler (pdftotext, pdftoppm) and its pages kept as PNG in
tests/artifacts/report-pdf/ to be looked at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import groundswell as gs
from groundswell import synth
from groundswell.browser import find_chromium
from groundswell.report import write_pdf

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "report-pdf"

if not find_chromium() or not shutil.which("pdftoppm"):
    pytest.skip("needs Chromium and poppler-utils", allow_module_level=True)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    org = synth.generate(300, seed=5, weeks=6)
    files = org.write(folder / "data")
    with gs.init(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        ws.analyze()
        stages: list[str] = []
        html = ws.report(folder / "board.html")
        write_pdf(html, folder / "board.pdf", step=stages.append)
        write_pdf(html, folder / "letter.pdf", paper="letter")
    return folder, stages


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    return text.stdout.split("\f")[:-1]


def _page_size(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    m = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert m, info
    return float(m.group(1)), float(m.group(2))


def _words(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, xMin, yMin, xMax, yMax) in points, from pdftotext -bbox."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
    ).stdout
    pattern = (
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    )
    return [
        (w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(pattern, out)
    ]


def _raster(pdf: Path, page: int, dpi: int, stem: Path) -> np.ndarray:
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile",
         str(pdf), str(stem)],
        check=True,
    )  # fmt: skip
    return np.asarray(Image.open(f"{stem}.png").convert("RGB"), dtype=float)


def test_the_map_is_drawn_in_the_pdf_with_its_legend(printed) -> None:
    folder, _ = printed
    pdf = folder / "board.pdf"
    pages = _pages(pdf)
    page = next(i for i, t in enumerate(pages, 1) if "The network map" in t and i > 1)
    assert page <= 4  # among the first pages
    words = _words(pdf, page)
    heading = min(y1 for w, _, _, _, y1 in words if w == "map")  # "The network map"
    legend = [y0 for w, _, y0, _, _ in words if w == "department" and y0 > heading]
    # the legend's title under the picture: the first "department" with no text above it
    # for a good height (the reading above the picture names departments too)
    lines = sorted({round(y0) for _, _, y0, _, _ in words})
    bottom = next(y for y in legend if max(v for v in lines if v < y - 1) < y - 150)
    top = max(y1 for _, _, _, _, y1 in words if y1 < bottom - 1)  # the text above it
    width, _ = _page_size(pdf)
    dpi = 60
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    img = _raster(pdf, page, dpi, ARTIFACTS / "map-page")
    k = dpi / 72
    box = img[int(top * k) : int(bottom * k), int(0.05 * width * k) : int(0.95 * width * k)]
    assert box.shape[0] > 150  # the picture is tall, not a strip
    assert box.std() > 10  # not blank
    # the dots are coloured (text is black and grey): a real share of the box, in many hues
    rgb = box / 255
    saturation = rgb.max(axis=2) - rgb.min(axis=2)
    coloured = saturation > 0.25
    assert coloured.mean() > 0.01
    hues = {tuple((px * 4).astype(int)) for px in rgb[coloured][::7]}
    assert len(hues) >= 5
    text = pages[page - 1]
    for department in ("Engineering", "Sales"):  # the printed legend
        assert department in text


def test_no_control_is_printed_and_the_tables_stay_inside_the_page(printed) -> None:
    folder, _ = printed
    pdf = folder / "board.pdf"
    text = "\n".join(_pages(pdf))
    for control in ("Colour by", "Find a person", "Reset view", "Zoom in"):
        assert control not in text
    width, _ = _page_size(pdf)
    for page in range(1, len(_pages(pdf)) + 1):
        worst = max((x1 for _, _, _, x1, _ in _words(pdf, page)), default=0.0)
        assert worst <= width - 20, f"page {page}: text runs to {worst:.0f} of {width:.0f} pt"


def test_a4_by_default_letter_on_request_contents_and_page_numbers(printed) -> None:
    folder, stages = printed
    w, h = _page_size(folder / "board.pdf")
    assert (round(w), round(h)) == (596, 842)  # A4: 210 x 297 mm
    assert tuple(round(v) for v in _page_size(folder / "letter.pdf")) == (612, 792)
    pages = _pages(folder / "board.pdf")
    n = len(pages)
    first = pages[0]
    assert "Contents" in first
    for heading in ("The network map", "Silos: who looks inward", "How these figures were made"):
        assert heading in first
    for i, text in enumerate(pages, 1):
        assert f"page {i} of {n}" in text
    assert stages == ["starting Chromium", "loading the report", "drawing the pictures",
                      "printing the pages"]  # fmt: skip
    for i in range(1, n + 1):  # kept to be looked at
        _raster(folder / "board.pdf", i, 50, ARTIFACTS / f"page-{i:02d}")


def test_the_command_prints_on_letter_and_refuses_other_paper(printed, tmp_path) -> None:
    from typer.testing import CliRunner

    from groundswell.cli import app

    folder, _ = printed
    bad = CliRunner().invoke(app, ["report", str(folder / "ws"), "-o", str(tmp_path / "r.html"),
                                   "--pdf", "--paper", "a3"])  # fmt: skip
    assert bad.exit_code != 0
    assert "--paper" in bad.output and "a3" in bad.output
    assert list(tmp_path.iterdir()) == []
