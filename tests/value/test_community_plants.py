"""Communities by what they do (issue 19, point 2): the communities planted in the synthetic
organisation (groundswell.synth.plants_communities) are found, kind by kind, with precision
and recall measured over every channel whose kind the generator knows; the report shows them,
and the value section's distribution, in Chromium and in the PDF (pages kept as PNG in
tests/artifacts/value-report/ to be looked at)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import groundswell as gs
from groundswell import synth
from groundswell.synth import plants_communities
from groundswell.value import compute
from tests.value.conftest import set_setting


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("community-plants")
    org = plants_communities.plant(synth.generate(300, seed=3, weeks=12), seed=1)
    files = org.write(folder / "data")
    adoptions = folder / "data" / "adoptions.csv"
    plants_communities.adoptions(org).to_csv(adoptions, index=False)
    gs.init(folder / "ws").close()
    (folder / "ws" / "secret.key").write_text("ab" * 32 + "\n")  # repeatable pseudonyms
    set_setting(folder / "ws", "leiden_stability_seeds = 3", "leiden_stability_seeds = 0")
    ws = gs.open(folder / "ws")
    ws.ingest_orgchart(files["hris"])
    ws.ingest_events(files["events"])
    ws.ingest("adoptions", adoptions)
    run = ws.analyze()
    table = compute.health(ws, run=run)
    yield org, table, ws, folder
    ws.close()


def _truth(org: synth.SynthOrg) -> dict[str, str]:
    """The kind of every channel the generator knows the kind of: the planted ones, the
    synthetic communities of practice (cop-*: half their threads are questions that members
    of several departments answer), and the formal units' rooms (each team's private
    channel, each department's -general channel)."""
    ev = org.events
    kinds = {n: k for k, names in plants_communities.KINDS.items() for n in names}
    for name, ck in ev[["channel", "channel_kind"]].drop_duplicates().itertuples(index=False):
        name = str(name)
        if name.startswith("cop-"):
            kinds[name] = "practice"
        elif str(ck) == "private" or name.endswith("-general"):
            kinds[name] = "team_room"
    return kinds


def test_planted_communities_keep_the_synthetic_truth(planted) -> None:
    org, *_ = planted
    c = org.truth["communities"]["channels"]
    assert sorted(c) == sorted(n for names in plants_communities.KINDS.values() for n in names)
    members = [set(v["members"]) | set(v["newcomers"]) for v in c.values()]
    assert all(not a & b for i, a in enumerate(members) for b in members[i + 1 :])
    planted_elsewhere = {h["employee_id"] for h in org.truth["hidden_influencers"]}
    planted_elsewhere |= {b["employee_id"] for b in org.truth["brokers"]}
    assert not set().union(*members) & planted_elsewhere
    people = org.people.set_index("employee_id")
    for v in c.values():  # spread over departments and teams: no planted channel is a room
        who = people.loc[v["members"]]
        assert who["department"].nunique() >= 3
        assert who["team"].value_counts().iloc[0] / len(who) < 0.5


def test_every_kind_is_found_with_precision_and_recall(planted) -> None:
    org, table, *_ = planted
    channels = table[table["unit"] == "channel"]
    channels = channels[channels["name"] != "(suppressed)"]
    predicted = dict(zip(channels["name"], channels["kind"], strict=True))
    known = _truth(org)
    # a private channel's name is stored as a pseudonym: every channel not named in the
    # events but for the two broadcast channels is a team's private room
    broadcast = {"announcements", "eng-deploys"}
    truth = {n: known.get(n, "team_room") for n in predicted if n not in broadcast}
    assert sum(n not in known for n in truth) >= 20  # the private rooms are in
    assert sum(k == "practice" for k in truth.values()) >= 5  # the planted and cop-*
    scores = {}
    for kind in ("interest", "practice", "purpose", "team_room"):
        said = {n for n, k in predicted.items() if k == kind and n in truth}
        real = {n for n, k in truth.items() if k == kind}
        hit = len(said & real)
        scores[kind] = (hit / len(said) if said else 0.0, hit / len(real) if real else 0.0)
    for kind, (precision, recall) in scores.items():
        assert precision >= 0.8 and recall >= 0.8, (kind, precision, recall, scores)
    # every planted channel is found exactly
    for name, v in org.truth["communities"]["channels"].items():
        assert predicted[name] == v["kind"], (name, predicted[name])
    # nothing the generator did not plant is called purpose
    assert {n for n, k in predicted.items() if k == "purpose"} == set(
        plants_communities.KINDS["purpose"]
    )


def test_what_each_kind_rests_on(planted) -> None:
    _, table, *_ = planted
    t = table[table["unit"] == "channel"].set_index("name")
    assert t.loc["proj-atlas", "evidence"] == "a project channel (value.purpose_channels)"
    assert "first to adopt 'green office checklist'" in t.loc["green-office", "evidence"]
    for name in plants_communities.KINDS["practice"]:
        row = t.loc[name]
        assert row["question_share"] >= 0.4 and row["answered_share"] >= 0.9
        assert row["across_team_share"] == pytest.approx(1.0)
    for name in plants_communities.KINDS["interest"]:
        assert t.loc[name, "question_share"] == 0 and pd.isna(t.loc[name, "evidence"])


def test_renewal_is_measured_on_the_planted_newcomers(planted) -> None:
    org, table, *_ = planted
    t = table[table["unit"] == "channel"].set_index("name")
    c = org.truth["communities"]["channels"]
    # running-club and guild-python: 12 members all along, 6 more in the last four weeks
    # (the window): 6 of 18 members are new, every member of the window before stayed
    for name in ("running-club", "guild-python"):
        assert len(c[name]["newcomers"]) == 6
        row = t.loc[name]
        assert (row["size"], row["joined"]) == (18, 6)
        assert row["newcomer_share"] == pytest.approx(6 / 18)
        assert row["retention"] == 1 and row["trend"] == "growing"
    row = t.loc["ai-news"]  # the same 12 all along: no newcomer, not growing
    assert (row["size"], row["joined"], row["newcomer_share"]) == (12, 0, 0)
    assert row["trend"] != "growing"


ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "value-report"


@pytest.mark.browser
def test_the_report_shows_the_kinds_and_the_distribution(planted) -> None:
    from groundswell.browser import find_chromium
    from groundswell.report import write_pdf
    from tests._browser import chromium

    if not find_chromium() or not shutil.which("pdftoppm"):
        pytest.skip("needs Chromium and poppler-utils")
    _, _, ws, folder = planted
    html = ws.report(folder / "report.html")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium(folder / "profile", lambda u: u.startswith("file://")) as (context, blocked):
        page = context.new_page()
        page.set_viewport_size({"width": 1200, "height": 900})
        page.goto(html.as_uri())
        value = page.locator("#value")
        # five histograms, each with ten bars, the line and the organisation's mark
        figures = value.locator("#stage-distribution figure")
        assert figures.count() == 5
        for i in range(5):
            svg = figures.nth(i).locator("svg")
            assert svg.locator("rect").count() == 10
            assert svg.locator(".gs-line").count() == 1 and svg.locator(".gs-marker").count() == 1
            assert figures.nth(i).bounding_box()["width"] < 300  # side by side, not stacked
        assert value.locator("#stage-lines tbody tr").count() == 5
        value.screenshot(path=str(ARTIFACTS / "value.png"))
        kinds = page.locator("#health tbody tr td:nth-child(2)").all_inner_texts()
        assert {"interest", "practice", "purpose"} <= set(kinds)
        assert "team room" not in kinds  # counted, not listed
        page.locator("#community-health").screenshot(path=str(ARTIFACTS / "communities.png"))
    assert blocked == []
    pdf = write_pdf(html, folder / "report.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    pages = text.stdout.split("\f")
    wanted = {
        "How the people spread on each stage": "value",
        "Communities by what they do": "communities",
    }
    for heading, stem in wanted.items():
        at = [i for i, p in enumerate(pages) if heading in p][-1]  # after the contents
        for old in ARTIFACTS.glob(f"pdf-{stem}*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", str(at + 1), "-l", str(at + 1), str(pdf),
             str(ARTIFACTS / f"pdf-{stem}")],
            check=True,
        )  # fmt: skip
        assert list(ARTIFACTS.glob(f"pdf-{stem}*.png"))
    assert "green-office" in text.stdout and "guild-python" in text.stdout


def test_every_stage_is_reached_by_someone(planted) -> None:
    # the lines come from the organisation's own people (value.maturity_basis), so the
    # synthetic organisation's spread puts someone on every stage, and fewer on each rung
    _, _, ws, _ = planted
    t = compute.maturity(ws, run=ws.run())
    people = t[t["scale"] == "person"]
    at = people["stage"].value_counts()
    for stage in ("connect", "share", "solve", "innovate", "lead_change"):
        assert at.get(stage, 0) > 0, (stage, at.to_dict())
    assert at.get("none", 0) < len(people) / 2
    assert len(people) == ws.run().summary["people"]  # the run's population, no one else
