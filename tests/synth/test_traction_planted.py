"""The traction plant (groundswell.synth.plants_traction) is recovered: the initiative
defined by its channels spreads in departments A and B and stalls in C, every other
department is not reached; the result is stored and read back the same; the CLI defines,
stores and prints it (table, csv, json) and names a bad channel in one error line; the
report's section shows the stored reading and its charts, in HTML and in the PDF
(screenshots in tests/artifacts/traction/, gitignored)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell import initiatives, synth
from groundswell.cli import app
from groundswell.privacy import gate_names
from groundswell.synth import plants_traction


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("traction-planted")
    org = plants_traction.plant(synth.generate(160, seed=3, weeks=8), seed=1)
    files = org.write(folder / "data")
    with gs.init(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        ws.analyze()
        # measured here, so each test stands alone (xdist may run them on different workers)
        ws.traction(org.truth["traction"]["initiative"], channels=["newtool-*"])
    return org.truth["traction"], folder / "ws"


def test_the_planted_initiative_spreads_in_two_departments_and_stalls_in_a_third(planted):
    truth, folder = planted
    with gs.open(folder) as ws:
        got = ws.traction(truth["initiative"], channels=["newtool-*"])
        sizes = ws.query(
            "SELECT department, count(*) AS n FROM people WHERE is_internal GROUP BY 1"
        ).set_index("department")["n"]
    status = got.status().set_index("group")["status"]
    spreading = set(status[status == "spreading"].index)
    stalled = set(status[status == "stalled"].index)
    assert spreading == set(truth["spreading"]), status
    assert stalled == {truth["stalled"]}, status
    shown = set(gate_names(sizes, 5).values())  # small departments merged by the gate
    assert set(status[status == "not reached"].index) == shown - spreading - stalled
    # the people who took part, as planted: every one of them, by department
    took = got.status().set_index("group")["participants"]
    for dept, ids in truth["participants"].items():
        assert took[dept] == len(ids)
    # the traction curve rises while the initiative spreads
    curve = got.periods["traction"].to_numpy()
    assert curve[-1] > 3 * curve[0] and got.periods["groups_reached"].max() == 3
    assert "Stalled in " + truth["stalled"] in got.reading


def test_the_result_is_stored_and_read_back(planted):
    truth, folder = planted
    with gs.open(folder, read_only=True) as ws:
        back = initiatives.read(ws, truth["initiative"])
        listed = initiatives.listed(ws)
    assert back.definition["channels"] == ["newtool-*"]
    assert back.summary["index"].startswith("traction = reach × quality")
    assert truth["initiative"] in set(listed["name"])
    assert len(back.groups) and (back.groups["size"] >= 5).all()


def test_the_cli_defines_stores_and_prints_it(planted):
    truth, folder = planted
    runner = CliRunner()
    name = "launch only"
    r = runner.invoke(
        app, ["traction", str(folder), name, "--keyword", "#newtool", "--format", "json"]
    )
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["definition"]["keywords"] == ["newtool"] and data["periods"]
    assert {g["group"] for g in data["groups"] if g["status"] == "stalled"} == {truth["stalled"]}
    # the stored definition is used again without options, by month
    r = runner.invoke(app, ["traction", str(folder), name, "--period", "month", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert r.exit_code == 0 and 2 <= len(rows) <= 4 and "traction" in rows[0]
    r = runner.invoke(app, ["traction", str(folder), name])
    assert r.exit_code == 0 and "spreading" in r.stdout and "traction = reach" in r.stdout
    # bad input: one error line naming the option and what it got
    for args, words in (
        (["--channel", "no-such-channel"], ("--channel", "no-such-channel")),
        (["--behaviour", "flying"], ("--behaviour", "flying")),
        ([], ("not defined", "--channel")),
    ):
        r = runner.invoke(app, ["traction", str(folder), "never defined", *args])
        lines = r.stderr.splitlines()
        assert r.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: "), r.stderr
        assert all(w in lines[0] for w in words), lines[0]
    with gs.open(folder, read_only=True) as ws:  # nothing stored for the failed calls
        assert "never defined" not in set(initiatives.listed(ws)["name"])


def test_the_report_section_reads_the_stored_result(planted):
    from groundswell.report.traction_section import traction_context

    truth, folder = planted
    with gs.open(folder, read_only=True) as ws:
        got = traction_context(ws.run())["initiatives"]
        stored = initiatives.read(ws, truth["initiative"])
    shown = {i["name"]: i for i in got}
    section = shown[truth["initiative"]]
    assert section["reading"] == stored.reading  # the words stored by traction, not remade
    assert "<svg" in section["curve_svg"] and "Traction index" in section["curve_svg"]
    svg = str(section["groups_svg"])
    for dept in truth["spreading"]:
        assert f"{dept} (spreading)" in svg
    assert f"{truth['stalled']} (stalled)" in svg
    assert [r["traction"] for r in section["periods"]] == [
        f"{v:.1f}" for v in stored.periods["traction"]
    ]
    assert all(r["size"] >= 5 for r in section["status"])


ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "traction"


@pytest.mark.browser
def test_the_report_section_in_chromium_and_in_the_pdf(planted, tmp_path):
    from tests._browser import CHROMIUM, chromium

    if not CHROMIUM.exists() or shutil.which("pdftoppm") is None:
        pytest.skip("needs Chromium and poppler-utils (pdftoppm)")
    truth, folder = planted
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with gs.open(folder, read_only=True) as ws:
        html = ws.report(tmp_path / "report.html", pdf=tmp_path / "report.pdf")
    with chromium(
        tmp_path / "profile",
        lambda url: url.startswith("file://"),
        viewport={"width": 1200, "height": 900},
    ) as (context, attempted):
        page = context.new_page()
        page.goto(html.as_uri())
        # one article per initiative measured (the CLI test, if it ran first, a second one)
        with gs.open(folder, read_only=True) as ws:
            measured = int(initiatives.listed(ws)["measured"].sum())
        assert page.locator("#traction article").count() == measured >= 1
        section = page.locator("#traction article", has_text=truth["initiative"])
        assert section.locator("svg.gs-chart").count() == 2
        assert f"Stalled in {truth['stalled']}" in section.locator(".traction-reading").inner_text()
        section.screenshot(path=str(ARTIFACTS / "report-section.png"))
    assert attempted == []
    # the PDF: find the section's first page by its text, render it and the next one
    pages = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(
            ["pdfinfo", str(tmp_path / "report.pdf")], capture_output=True, text=True, check=True
        ).stdout).group(1)
    )  # fmt: skip
    texts = [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(tmp_path / "report.pdf"), "-"],
            capture_output=True, text=True, check=True,
        ).stdout
        for n in range(1, pages + 1)
    ]  # fmt: skip
    texts = [" ".join(t.split()) for t in texts]  # a heading may break across lines
    first = next(n for n, t in enumerate(texts, 1) if "Initiative traction" in t and n > 1)
    assert "new tool rollout" in " ".join(texts[first - 1 : first + 2])
    subprocess.run(
        ["pdftoppm", "-f", str(first), "-l", str(first + 1), "-r", "70", "-png",
         str(tmp_path / "report.pdf"), str(ARTIFACTS / "pdf-page")],
        check=True,
    )  # fmt: skip
    assert len(list(ARTIFACTS.glob("pdf-page-*.png"))) >= 2
