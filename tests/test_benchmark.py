"""Benchmark profiles (issue 19, point 6): exported without any identifier or small group,
compared with others' and with the synthetic examples shipped in the package."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell import benchmark, synth
from groundswell.cli import app
from groundswell.privacy import suppressed_groups

runner = CliRunner()
PSEUDONYM = re.compile(r"\bp_[a-z2-7]{10}\b")  # groundswell.privacy.Pseudonymiser's form


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    org = synth.generate(60, seed=1, weeks=3)
    files = org.write(folder / "data")
    with gs.init(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        ws.analyze()
    return folder / "ws", org


def _identifiers(ws: gs.Workspace, org: synth.SynthOrg) -> set[str]:
    """Everything that names a person, a group or a place in this organisation."""
    hr = org.people
    names = set(ws.query("SELECT person_id FROM people")["person_id"])
    for col in ("employee_id", "email", "name", "department", "team", "title", "location"):
        names |= {str(v) for v in hr[col] if str(v)}
    names |= {str(v) for v in hr["name"].str.split().explode()}
    return {n for n in names if len(n) > 2}


def test_an_exported_profile_names_nobody_and_no_group(analysed) -> None:
    folder, org = analysed
    with gs.open(folder) as ws:
        run = ws.run()
        profile = benchmark.export(run, label="acme 2024")
        text = json.dumps(profile)
        leaked = [n for n in _identifiers(ws, org) if n.lower() in text.lower()]
        assert leaked == []
        assert not PSEUDONYM.search(text)
        assert profile["format"] == benchmark.FORMAT and profile["synthetic"] is False
        assert profile["label"] == "acme 2024" and len(profile["made_on"]) == 7  # a month
        people = run.people()
        assert abs(profile["people"] - len(people)) <= 0.05 * len(people)  # rounded
        # every group figure through the gate: the levels, personas and stages it suppresses
        # are null, the others shown
        figures = profile["figures"]
        min_size = ws.settings.min_group_size
        levels = people["level"].dropna().astype(int).value_counts()
        hidden = suppressed_groups(levels, min_size)
        for level in levels.index:
            key = f"ei_level.{level}"
            if key in figures:
                assert (figures[key] is None) == (level in hidden), key
        assert any(levels < min_size) and any(figures[f"ei_level.{lv}"] is None for lv in hidden)
        personas = people["persona"].value_counts()
        hidden = suppressed_groups(personas[personas > 0], min_size)
        for persona, n in personas.items():
            assert (figures[f"persona.{persona}"] is None) == (persona in hidden)
            if persona not in hidden:
                assert figures[f"persona.{persona}"] == pytest.approx(n / personas.sum(), 1e-3)
        # sizes of every team, the small ones too (run.people() merges them as suppressed)
        teams = run._people_unsuppressed()["team"].value_counts()
        assert figures["group_size.team.count"] == (teams >= min_size).sum()
        assert figures["group_size.team.p25"] >= min_size  # only groups of the minimum


def test_a_larger_minimum_group_size_suppresses_more(analysed, tmp_path) -> None:
    folder, _ = analysed
    with gs.open(folder) as ws:
        before = benchmark.export(ws.run())["figures"]
    toml = folder / "groundswell.toml"
    original = toml.read_text()
    toml.write_text(original.replace("min_group_size = 5", "min_group_size = 25"))
    try:
        with gs.open(folder) as ws:
            after = benchmark.export(ws.run())["figures"]
    finally:
        toml.write_text(original)
    nulls = lambda f: {k for k, v in f.items() if v is None}  # noqa: E731
    assert nulls(before) < nulls(after)
    assert after["group_size.department.count"] < before["group_size.department.count"]


def test_compare_places_the_organisation_among_the_others(analysed, tmp_path) -> None:
    folder, _ = analysed
    with gs.open(folder) as ws:
        mine = benchmark.export(ws.run())
    low = json.loads(json.dumps(mine))
    high = json.loads(json.dumps(mine))
    low["label"], high["label"] = "low", "high"
    for k, v in mine["figures"].items():
        if v is not None:
            low["figures"][k], high["figures"][k] = v - 0.1, v + 0.1
    high["figures"]["reciprocity"] = None  # a figure a profile lacks
    table = benchmark.compare(mine, [low, high]).set_index("figure")
    r = table.loc["reciprocity"]
    assert (r["below"], r["above"], r["of"]) == (1, 0, 1) and r["others"][1] is None
    r = table.loc["density"]
    assert (r["below"], r["above"], r["of"]) == (1, 1, 2)
    lines = benchmark.reading(table.reset_index(), [low, high])
    assert any(line.startswith("Reciprocity") and "the highest" in line for line in lines)
    assert any(
        line.startswith("The response rate") and "higher than 1, lower than 1 of 2" in line
        for line in lines
    )
    same = benchmark.reading(benchmark.compare(mine, [mine]), [mine])
    assert any(line.startswith("Reciprocity") and "level with it" in line for line in same)
    # a figure only another profile has is listed, with no value of ours
    other = json.loads(json.dumps(mine))
    other["figures"]["ei_level.9"] = 0.1
    extra = benchmark.compare(mine, [other]).set_index("figure").loc["ei_level.9"]
    assert pd.isna(extra["value"]) and extra["others"] == [0.1]
    assert not any("synthetic" in line for line in lines)


def test_the_shipped_examples_are_synthetic_one_per_shape() -> None:
    shipped = benchmark.load_profiles()
    assert len(shipped) == 3
    assert all(p["synthetic"] and "synthetic" in p["label"] for p in shipped)
    levels = [
        max(int(k.split(".")[1]) for k in p["figures"] if k.startswith("ei_level."))
        for p in shipped
    ]
    assert levels == sorted(levels) and len(set(levels)) == 3  # 4, 5 and 6 levels deep
    text = " ".join(json.dumps(p) for p in shipped)
    assert not PSEUDONYM.search(text) and "@" not in text


def test_analyze_stores_the_comparison_with_the_examples(analysed) -> None:
    folder, _ = analysed
    with gs.open(folder) as ws:
        body = ws.run().findings()["benchmark"]
    assert [a["synthetic"] for a in body["against"]] == [True, True, True]
    assert body["reading"][0].startswith("Compared with synthetic example profiles")
    assert any("Reciprocity" in line for line in body["reading"])


def test_the_cli_exports_and_compares(analysed, tmp_path) -> None:
    folder, _ = analysed
    out = tmp_path / "mine.json"
    r = runner.invoke(app, ["benchmark", "export", str(folder), "-o", str(out), "--label", "x"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(out.read_text())["label"] == "x"
    r = runner.invoke(app, ["benchmark", "compare", str(folder), str(out), "--format", "json"])
    assert r.exit_code == 0, r.stderr
    rows = pd.DataFrame(json.loads(r.stdout)).set_index("figure")
    known = rows[rows["value"].notna()]
    assert (known["others"].map(lambda o: o[0]) == known["value"]).all()  # itself: equal
    r = runner.invoke(app, ["benchmark", "compare", str(folder)])  # the shipped examples
    assert r.exit_code == 0 and "synthetic" in r.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"figures": {}}')
    r = runner.invoke(app, ["benchmark", "compare", str(folder), str(bad)])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("error: ") and "bad.json" in r.stderr and "format" in r.stderr
    r = runner.invoke(app, ["benchmark", "compare", str(folder), str(Path(tmp_path / "no.json"))])
    assert r.exit_code == 1 and "no.json" in r.stderr


def test_every_figure_of_a_profile_reads_in_words_in_the_report() -> None:
    names = {n for p in benchmark.load_profiles() for n in p["figures"]}
    assert {"ei_level.3", "group_size.department.p25", "maturity.lead_change"} <= names
    for name in names:  # no figure left as its code: no underscore, no dotted name
        words = benchmark.figure_words(name)
        assert "_" not in words and not re.search(r"\w\.\w", words), (name, words)
    assert benchmark.figure_words("ei_level.3") == "E-I index, level 3"
    assert benchmark.figure_words("group_size.team.p75") == "team size, upper quartile"
    assert benchmark.figure_words("group_size.team.count") == (
        "teams of at least the minimum size (number)"
    )
    assert benchmark.figure_words("maturity.none") == "highest stage none (share)"
    assert benchmark.figure_words("persona.engager") == "engagers (share)"
    assert benchmark.figure_words("a_new.figure") == "a new: figure"  # a later version's name
