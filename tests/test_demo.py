"""`groundswell demo` end to end: generate, ingest, analyse, report."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app


def test_demo_end_to_end(tmp_path) -> None:
    folder = tmp_path / "demo"
    r = CliRunner().invoke(
        app, ["demo", "--folder", str(folder), "--people", "300"], catch_exceptions=False
    )
    assert r.exit_code == 0, r.output
    report = folder / "report.html"
    assert r.output.strip().splitlines()[-1] == str(report.resolve())
    assert "300 people" in r.output and "NMI with departments" in r.output
    html = report.read_text()
    # one self-contained file: no external scripts, styles or fetches
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "http://" not in html.replace("http://www.w3.org", "") or "cdn" not in html.lower()
    data = json.loads(
        re.search(r'<script id="gs-graph" type="application/json">(.*?)</script>', html, re.S)
        .group(1)
        .replace("<\\/", "</")
    )
    assert 250 <= len(data["nodes"]) <= 300 and len(data["edges"]) > 500
    assert all(n["id"].startswith("p_") for n in data["nodes"])
    assert "@example.com" not in html  # pseudonymous: no emails, no names
    assert "Communities against departments" in html
    # the planted initiative's traction curve, stalled where it was planted to stall
    truth = json.loads((folder / "data" / "truth.json").read_text())
    traction = re.search(r'<section id="traction">(.*?)</section>', html, re.S).group(1)
    assert "new tool rollout" in traction and "Traction index, week by week" in traction
    assert f"Stalled in {truth['traction']['stalled']} " in traction
    # the report opens with what the network says, naming what the organisation plants
    truth = json.loads((folder / "data" / "truth.json").read_text())
    said = re.search(r'<section id="findings">(.*?)</section>', html, re.S).group(1)
    assert html.index('<section id="findings">') < html.index('<section id="headline">')
    assert f"{truth['siloed_department']} talks" in said
    with gs.open(folder / "workspace") as ws:
        p = ws.pseudonymiser.person
        manager = p(truth["bottleneck_manager"]["employee_id"])
        assert f"{manager} is a bottleneck manager" in said
        assert all(p(h["employee_id"]) in said for h in truth["hidden_influencers"])
    # the demo can run again over its own folder
    r = CliRunner().invoke(app, ["demo", "--folder", str(folder), "--people", "300", "-q"])
    assert r.exit_code == 0
