"""The report's content against the stored run: the heat map, the previous period, the PDF."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

import groundswell as gs
from groundswell import synth
from groundswell.analysis.formal import group_matrix
from groundswell.errors import GroundswellError
from groundswell.privacy import SUPPRESSED
from groundswell.report import chromium, context, sections, write_pdf
from groundswell.words import window


@pytest.fixture(scope="module")
def two_periods(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    org = synth.generate(300, seed=5, weeks=8)
    files = org.write(folder / "data")
    ws = gs.init(folder / "ws")
    ws.ingest_orgchart(files["hris"])
    ws.ingest_events(files["events"])
    first, last = ws.query("SELECT min(ts) AS a, max(ts) AS b FROM interactions").iloc[0]
    middle = first + (last - first) / 2
    early = ws.analyze(window=f"{first:%Y-%m-%d}:{middle:%Y-%m-%d}")
    late = ws.analyze(window=f"{middle + timedelta(days=1):%Y-%m-%d}:{last:%Y-%m-%d}")
    yield ws, early, late
    ws.close()


def test_the_heat_map_shows_the_group_matrix_as_row_shares(two_periods) -> None:
    ws, _, run = two_periods
    people = run.people()
    ctx = sections.heatmap_context(run, people, ws.settings.min_group_size)
    ref = group_matrix(run.graph(), people["department"], normalize=True, min_group_size=5)
    assert ctx["heat_columns"] and len(ctx["heat_rows"]) == len(ctx["heat_columns"])
    for row in ctx["heat_rows"]:
        for col, cell in zip(ctx["heat_columns"], row["cells"], strict=True):
            v = ref.loc[row["group"], col]
            assert cell["text"] == sections._cell(v)
            if v >= 0.005:
                assert int(cell["text"].rstrip("%")) == round(v * 100)
    inside = [ref.loc[r["group"], r["group"]] for r in ctx["heat_rows"]]
    assert ctx["heat_most_inward"] == ctx["heat_rows"][int(np.argmax(inside))]["group"]


def test_small_departments_never_reach_the_heat_map(two_periods) -> None:
    _, _, run = two_periods
    people = run.people()
    big = people["department"].value_counts()
    min_size = int(big.iloc[1]) + 1  # only the largest department is big enough
    ctx = sections.heatmap_context(run, people, min_size)
    names = {r["group"] for r in ctx["heat_rows"]}
    assert str(big.index[0]) in names
    # people() already shows the departments below 5 as one "(suppressed)" group
    assert not names & {str(d) for d in big.index[1:] if d != SUPPRESSED}


def test_the_report_compares_with_the_previous_period(two_periods) -> None:
    ws, early, late = two_periods
    assert late.previous().run_id == early.run_id and early.previous() is None
    ctx = sections.comparison_context(late)
    rows = {r["label"]: r for r in ctx["compare_rows"]}
    people = rows["People in the network"]
    assert people["then"] == f"{early.summary['people']:,}"
    assert people["now"] == f"{late.summary['people']:,}"
    delta = late.summary["ties"] - early.summary["ties"]
    assert rows["Ties"]["change"].startswith(f"{delta:+,}")
    # a share's change is the difference of the two percentages the table prints
    shares = [r for r in rows.values() if r["now"].endswith("%") and r["then"].endswith("%")]
    assert shares
    for r in shares:
        d = int(r["now"][:-1]) - int(r["then"][:-1])
        said = "about the same" if d == 0 else f"{d:+d} point{'' if abs(d) == 1 else 's'}"
        assert r["change"] in (said, "no change"), r
    html = ws.report(ws.folder / "late.html", run_id=late.run_id).read_text()
    assert "Against the previous period" in html
    # the earlier period in a reader's words ("4–31 March 2024"), never the stored "a:b" form
    assert window(str(early.window)) in html and str(early.window) not in html
    assert "Against the previous period" not in (
        ws.report(ws.folder / "early.html", run_id=early.run_id).read_text()
    )


def test_the_title_names_the_period_in_words(two_periods) -> None:
    from datetime import date

    from groundswell.words import period

    ws, _, late = two_periods
    html = ws.report(ws.folder / "late-title.html", run_id=late.run_id).read_text()
    w = late.window
    assert f"<h1>The informal network, {period(w.start, w.last_day)}</h1>" in html
    assert str(w) not in html.split("</h1>")[0]  # no START:END code in the title
    assert period(date(2024, 1, 15), date(2024, 2, 11)) == "15 January – 11 February 2024"
    assert period(date(2024, 2, 1), date(2024, 2, 28)) == "1–28 February 2024"
    assert period(date(2023, 12, 15), date(2024, 1, 11)) == "15 December 2023 – 11 January 2024"
    assert period(date(2024, 3, 5), date(2024, 3, 5)) == "5 March 2024"


def test_every_chart_has_a_one_line_reading(two_periods) -> None:
    ws, _, run = two_periods
    html = ws.report(ws.folder / "r.html", run_id=run.run_id).read_text()
    sections_ = re.findall(r'<section id="([a-z]+)"[^>]*>(.*?)</section>', html, re.S)
    assert {"headline", "map", "heatmap", "formal", "silos", "roles"} <= {s for s, _ in sections_}
    for name, body in sections_:
        if name != "people":  # two tables side by side, each with its own reading
            assert '<p class="reading">' in body, name
    assert context(run)["heat_rows"]


def _has_chromium() -> bool:
    try:
        chromium()
    except GroundswellError:
        return False
    return True


@pytest.mark.browser
@pytest.mark.skipif(not _has_chromium(), reason="needs Chromium")
def test_the_pdf_is_printed_from_the_report(two_periods, tmp_path) -> None:
    ws, _, run = two_periods
    html = ws.report(tmp_path / "board.html", run_id=run.run_id, pdf=tmp_path / "board.pdf")
    pdf = (tmp_path / "board.pdf").read_bytes()
    assert html.exists() and pdf.startswith(b"%PDF-") and len(pdf) > 20_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board.html", "board.pdf"]


def test_a_failing_printer_leaves_nothing_behind(tmp_path, monkeypatch) -> None:
    html = tmp_path / "r.html"
    html.write_text("<p>hi</p>")
    monkeypatch.setenv("GROUNDSWELL_CHROMIUM", "/bin/false")
    with pytest.raises(GroundswellError, match="could not print"):
        write_pdf(html, tmp_path / "r.pdf")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    monkeypatch.setenv("GROUNDSWELL_CHROMIUM", "")
    monkeypatch.setenv("PATH", str(Path(tmp_path)))
    with pytest.raises(GroundswellError, match="needs Chromium"):
        write_pdf(html, tmp_path / "r.pdf")


def test_value_sections_come_from_what_the_run_stored(two_periods) -> None:
    from groundswell.value import timeline

    ws, _, run = two_periods
    found = run.findings()
    assert {"value", "qa", "leaders", "communities", "onboarding"} <= set(found)
    html = ws.report(ws.folder / "v.html", run_id=run.run_id).read_text()
    for section in ("value", "qa", "leaders"):
        assert f'<section id="{section}">' in html, section
    assert f"everyone's activity pooled — is at <strong>{found['value']['network']['stage']}" in (
        html.replace("lead change", "lead_change")
    )
    # the distribution, not only the stage: a chart and a row of lines per stage
    for stage in ("connect", "share", "solve", "innovate", "lead_change"):
        assert f'data-stage="{stage}"' in html
    assert html.count("median of those who show it") == 4  # share to lead change
    stored = ws.query(
        "SELECT group_name, stage FROM maturity WHERE run_id = ? AND scale = 'department'",
        [run.run_id],
    )
    assert len(stored) and set(stored["group_name"]) <= {
        g["group"] for g in found["value"]["groups"]
    }
    assert '<section id="trends">' not in html  # no snapshots yet: no trends to show
    timeline.snapshots(ws, "month")
    again = ws.report(ws.folder / "t.html", run_id=run.run_id).read_text()
    assert '<section id="trends">' in again and "people in the network" in again


def test_a_stored_window_reads_in_words() -> None:
    assert window("2024-03-04:2024-03-31") == "4–31 March 2024"
    assert window("2023-12-15:2024-01-11") == "15 December 2023 – 11 January 2024"
    assert window("all time") == "all time" and window(None) == ""
