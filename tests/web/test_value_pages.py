"""The value pages and routes (maturity, Q&A, leaders, community health, trends,
onboarding) and the survey beside the digital network, for every role.

A copy of the dashboard workspace (tests/web/conftest.py) gets a closed survey: 30
respondents each name, for ``advice``, their two strongest digital contacts of the latest
run and, for ``trust``, one person chosen at random (seed 7). The stored findings of the
earlier run are deleted, so that its pages must say there is nothing to show. Every answer
is checked against the library read independently: the stored findings
(:func:`groundswell.value.findings.load`), the snapshots (:func:`timeline.series`,
:func:`timeline.changes`), :func:`survey.model.response_rate` and
:func:`survey.comparison.compare`; person-level rows must reach only admins and analysts,
and no person id may reach a viewer.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import groundswell as gs
from groundswell.privacy import SUPPRESSED
from groundswell.survey import comparison, model, questions, respond
from groundswell.survey.respond import Nomination
from groundswell.value import findings, timeline
from groundswell.web.app import create_app
from groundswell.web.views.core import community_words
from tests.web.conftest import PASSWORD, ROLES, WebWorkspace

PEOPLE_ROLES = {"admin", "analyst"}
AGGREGATES = {"admin", "analyst", "viewer"}
SECTIONS = ("value", "qa", "leaders", "community-health", "trends", "onboarding", "survey")
PAGES = ("/value", "/qa", "/leaders", "/community-health", "/trends", "/onboarding", "/survey")
PERSON_ID = re.compile(r"\bp_[a-z0-9]{10}\b")


@dataclass
class SurveyWorkspace:
    path: Path
    runs: tuple[int, int]
    survey_id: int
    respondent: str  # someone who answered
    person_id: str  # the 'person' account's record


@pytest.fixture(scope="module")
def survey_ws(web_ws: WebWorkspace, tmp_path_factory: pytest.TempPathFactory) -> SurveyWorkspace:
    dest = tmp_path_factory.mktemp("value-web") / "ws"
    shutil.copytree(web_ws.path, dest)
    (dest / "secret.key").chmod(0o600)
    rng = np.random.default_rng(7)
    with gs.open(dest) as ws:
        run = ws.run(web_ws.runs[1])
        ties = run.ties().sort_values("weight", ascending=False)
        qs = [questions.question("advice", max_nominations=3), questions.question("trust")]
        s = model.create(ws, "Spring", qs)
        links = model.launch(ws, s, base_url="https://ona.example.com")
        numbers = dict(
            ws.con.execute(
                "SELECT person_id, roster_no FROM survey_invitations WHERE survey_id = ?",
                [s.survey_id],
            ).fetchall()
        )
        answered = [k for k in links if k.person_id in set(ties["actor_id"])][:30]
        for link in answered:
            who = respond.resolve(ws, link.url.rsplit("/s/", 1)[1])
            contacts = ties.loc[ties["actor_id"] == link.person_id, "target_id"]
            advice = [Nomination(numbers[p]) for p in contacts.head(2) if p in numbers]
            others = [p for p in numbers if p != link.person_id]
            trust = [Nomination(numbers[others[int(rng.integers(len(others)))]])]
            respond.submit(ws, who, {"advice": advice, "trust": trust}, {})
        model.close(ws, s)
        ws.con.execute("DELETE FROM run_findings WHERE run_id = ?", [web_ws.runs[0]])
    return SurveyWorkspace(dest, web_ws.runs, s.survey_id, answered[0].person_id, web_ws.person_id)


@pytest.fixture(scope="module")
def app(survey_ws: SurveyWorkspace) -> Iterator[object]:
    application = create_app(survey_ws.path)
    yield application
    application.state.store.close()


@pytest.fixture(scope="module")
def clients(app) -> dict[str | None, TestClient]:
    out: dict[str | None, TestClient] = {None: TestClient(app)}
    for role in ROLES:
        c = TestClient(app)
        r = c.post("/api/login", json={"username": role, "password": PASSWORD})
        assert r.status_code == 200, r.text
        out[role] = c
    return out


@pytest.fixture(scope="module")
def ws(app) -> gs.Workspace:
    """The workspace as the library sees it (this thread's cursor of the app's connection:
    DuckDB lets one process hold the file for writing)."""
    return app.state.store.ws()


def get(client: TestClient, url: str) -> dict:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text)
    return r.json()


def test_every_route_for_every_role(clients, survey_ws) -> None:
    latest = survey_ws.runs[1]
    for section in SECTIONS:
        url = f"/api/runs/{latest}/{section}"
        for role, client in clients.items():
            r = client.get(url)
            expected = 401 if role is None else 200 if role in AGGREGATES else 403
            assert r.status_code == expected, (url, role, r.text)
            if expected != 200:
                assert set(r.json()) == {"error", "detail"}
        assert clients["admin"].get(f"/api/runs/999/{section}").status_code == 404
    for page in PAGES:
        for role, client in clients.items():
            r = client.get(page, follow_redirects=False)
            expected = 303 if role is None else 200 if role in AGGREGATES else 403
            assert r.status_code == expected, (page, role)
            if expected == 200:
                assert f'href="/api/runs/{latest}/' in r.text  # the page names its JSON twin
    nav = clients["viewer"].get("/").text
    assert all(f'href="{p}"' in nav for p in PAGES)
    assert 'href="/value"' not in clients["person"].get("/me").text


def test_values_equal_the_stored_findings(clients, survey_ws, ws) -> None:
    latest = survey_ws.runs[1]
    stored = findings.load(ws, latest)
    analyst = {s: get(clients["analyst"], f"/api/runs/{latest}/{s}") for s in SECTIONS[:6]}
    viewer = {s: get(clients["viewer"], f"/api/runs/{latest}/{s}") for s in SECTIONS[:6]}
    v = stored["value"]
    for answer in (analyst["value"], viewer["value"]):
        assert answer["network"] == v["network"] and answer["groups"] == v["groups"]
        assert answer["people_by_stage"] == v["people_by_stage"]
    assert [p["person_id"] for p in analyst["value"]["top_people"]] == [
        p["person_id"] for p in v["top_people"]
    ]
    assert viewer["value"]["top_people"] is None
    # the people furthest along by name (identified workspace), as the leaders below
    people = ws.run(latest).people()["display_name"]
    assert all(p["label"] == people[p["person_id"]] for p in analyst["value"]["top_people"])
    # suppression: no group below the minimum shows figures
    k = ws.settings.min_group_size
    for g in v["groups"]:
        assert g["group"] == SUPPRESSED or g["size"] >= k
    assert any(g["group"] == SUPPRESSED and g["size"] is None for g in analyst["value"]["groups"])
    # Q&A
    q = stored["qa"]
    assert analyst["qa"]["summary"] == q["summary"] and viewer["qa"]["channels"] == q["channels"]
    assert analyst["qa"]["sessions"] == q["sessions"] and viewer["qa"]["sessions"] is None
    assert viewer["qa"]["session_count"] == len(q["sessions"])
    # leaders: rows (and names, identified workspace) for analysts only
    rows = [r for r in stored["leaders"]["leaders"] if r["person_id"] != "organisation"]
    got = analyst["leaders"]["leaders"]
    assert sorted(r["person_id"] for r in got) == sorted(r["person_id"] for r in rows)
    reach = [r["two_step_reach"] for r in got]
    assert reach == sorted(reach, reverse=True)
    names = ws.run(latest).people()["display_name"]
    assert all(r["label"] == names[r["person_id"]] for r in got)
    assert viewer["leaders"]["leaders"] is None and viewer["leaders"]["count"] == len(rows)
    assert sum(viewer["leaders"]["verdicts"].values()) == len(rows)
    # community health and onboarding: the stored aggregates, for everyone
    c = stored["communities"]
    assert viewer["community-health"]["units"] == c["units"]
    assert {u["unit"] for u in c["units"]} == {"community", "channel"}
    assert viewer["onboarding"]["departments"] == stored["onboarding"]["departments"]
    # a viewer receives no person id in any value answer
    for section, body in viewer.items():
        assert not PERSON_ID.search(str(body)), section


def test_trends_are_the_stored_snapshots(clients, survey_ws, ws) -> None:
    latest = survey_ws.runs[1]
    s = timeline.series(ws, "month")
    moved = timeline.changes(ws, "month")
    analyst = get(clients["analyst"], f"/api/runs/{latest}/trends")
    viewer = get(clients["viewer"], f"/api/runs/{latest}/trends")
    assert analyst["periods"] == [f"{t:%Y-%m-%d}" for t in s.index]
    for key in ("people", "ties", "reciprocity"):
        assert viewer["series"][key] == pytest.approx(s[key].tolist())
    assert viewer["changed"] == len(moved) > 0 and viewer["changed_people"] is None
    persona = moved[moved["persona_before"] != moved["persona_after"]]
    assert sum(viewer["persona_changes"].values()) == len(persona)
    assert {p["person_id"] for p in analyst["changed_people"]} == set(moved.index)


def test_a_run_without_stored_findings_says_so(clients, survey_ws) -> None:
    earlier = survey_ws.runs[0]
    for section in ("value", "qa", "leaders", "community-health", "onboarding"):
        body = get(clients["viewer"], f"/api/runs/{earlier}/{section}")
        assert "stored no value findings" in body["problem"], section
    page = clients["viewer"].get(f"/value?run={earlier}").text
    assert 'id="problem"' in page


def test_survey_beside_digital(clients, survey_ws, ws) -> None:
    latest = survey_ws.runs[1]
    run = ws.run(latest)
    expected = comparison.compare(ws, survey_ws.survey_id, window=run.window)
    analyst = get(clients["analyst"], f"/api/runs/{latest}/survey")
    viewer = get(clients["viewer"], f"/api/runs/{latest}/survey?survey={survey_ws.survey_id}")
    assert analyst["survey"]["survey_id"] == survey_ws.survey_id  # the latest closed one
    rate = model.response_rate(ws, survey_ws.survey_id)
    assert viewer["response_rate"]["submitted"] == rate["submitted"] == 30
    assert viewer["response_rate"]["departments"] == pd.DataFrame(rate["departments"]).astype(
        object
    ).where(lambda d: d.notna(), None).to_dict("records")
    ov = {o["layer"]: o for o in viewer["overlap"]}
    for row in expected.overlap.to_dict("records"):
        assert ov[row["layer"]]["jaccard"] == pytest.approx(row["jaccard"])
    # advice names digital contacts, trust names people at random: advice agrees more
    assert ov["survey:advice"]["jaccard"] > ov["survey:trust"]["jaccard"]
    assert viewer["hidden"] is None and viewer["hidden_count"] == len(expected.hidden)
    assert not PERSON_ID.search(str(viewer))
    assert {(h["layer"], h["person_id"]) for h in analyst["hidden"]} == set(
        zip(expected.hidden["layer"], expected.hidden["person_id"], strict=True)
    )
    assert clients["admin"].get(f"/api/runs/{latest}/survey?survey=99").status_code == 404
    page = clients["viewer"].get("/survey").text
    assert 'id="overlap"' in page and 'id="hidden"' not in page
    assert 'id="hidden"' in clients["analyst"].get("/survey").text or not analyst["hidden"]


def test_survey_ego_beside_the_digital_one(clients, survey_ws, ws) -> None:
    who = survey_ws.respondent
    url = f"/api/people/{who}/survey-ego?layer=survey:advice"
    for role, client in clients.items():
        expected = 401 if role is None else 200 if role in PEOPLE_ROLES else 403
        assert client.get(url).status_code == expected, role
    body = get(clients["analyst"], url)
    named = ws.query(
        "SELECT nominee_id FROM survey_responses WHERE person_id = ? AND slug = 'advice'", [who]
    )["nominee_id"]
    assert body["out_ties"] == len(named) > 0
    assert {n["id"] for n in body["nodes"] if n["named"]} == set(named)
    assert clients["analyst"].get(f"/api/people/{who}/survey-ego?layer=digital").status_code == 404
    page = clients["analyst"].get(f"/people/{who}").text
    assert 'id="survey-ego-survey-advice"' in page and 'id="survey-ego-survey-trust"' in page


def test_survey_ego_reads_the_ties_stored_when_the_survey_closed(
    clients, survey_ws, ws, monkeypatch
) -> None:
    """Closing the survey stored each survey layer's ties over the latest run's window; the
    person page reads them (equal to build_ties over that window, the oracle) and builds
    nothing; a run that stored none says so."""
    from groundswell.network import ties as ties_mod

    latest = survey_ws.runs[1]
    run = ws.run(latest)
    stored = run.findings()
    assert {comparison.ties_key(x) for x in ("survey:advice", "survey:trust")} <= set(stored)
    rules = ties_mod.TieRules.from_settings(run.params["ties"])
    oracle = ties_mod.build_ties(ws.con, run.window, rules, layers=("survey:advice",))
    oracle = oracle.groupby(["actor_id", "target_id"])["weight"].sum()
    body = stored[comparison.ties_key("survey:advice")]
    got = pd.DataFrame(body["ties"], columns=["actor_id", "target_id", "weight"])
    assert got.set_index(["actor_id", "target_id"])["weight"].sort_index().to_dict() == (
        pytest.approx(oracle.sort_index().to_dict())
    )
    assert body["window"] == str(run.window) and len(got) > 0

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the dashboard built ties")

    monkeypatch.setattr(ties_mod, "build_ties", refuse)
    who = survey_ws.respondent
    ego = get(clients["analyst"], f"/api/people/{who}/survey-ego?layer=survey:advice&run={latest}")
    assert ego["problem"] is None and ego["out_ties"] == int((got["actor_id"] == who).sum()) > 0
    older = survey_ws.runs[0]  # its findings were deleted: no stored ties
    ego = get(clients["analyst"], f"/api/people/{who}/survey-ego?layer=survey:advice&run={older}")
    assert "stored no ties of survey:advice" in ego["problem"] and ego["nodes"] == []


def test_community_words_by_hand() -> None:
    """The rule of :func:`community_words`, case by case."""
    s = pd.Series
    assert community_words(s([9, 1], index=["Sales", "Ops"]), 10) == "Sales"
    assert community_words(s([18, 2], index=["Sales", "Ops"]), 21) == "mostly Sales"  # 86%
    assert community_words(s([6, 5], index=["Sales", "Ops"]), 11) == "mostly Sales"  # 55%
    assert community_words(s([5, 5], index=["Ops", "Sales"]), 10) == "Ops and Sales"
    assert community_words(s([5, 5], index=["Ops", "Sales"]), 14) == "Ops, Sales and others"
    assert community_words(s([5], index=["Ops"]), 12) == "Ops and others"
    assert community_words(s([], dtype=float), 15) is None


def test_communities_are_named_by_their_departments(clients, survey_ws, ws) -> None:
    """The value and community-health pages describe each community by the departments
    the gate shows in it (the Communities page's cells), with the people counted
    independently from the org chart and the run's communities; a community whose
    departments the gate withholds gets no description at all."""
    latest = survey_ws.runs[1]
    k = ws.settings.min_group_size
    community = ws.run(latest).people()["community"].astype(str)
    raw = ws.query("SELECT person_id, department FROM people").set_index("person_id")
    department = raw["department"].reindex(community.index)
    sizes = community.value_counts()
    cells = {
        str(c["community"]): c["departments"]
        for c in get(clients["viewer"], "/api/communities")["communities"]
    }
    expected, withheld = {}, []
    for label, size in sizes[sizes >= k].items():
        counts = department[community == label].value_counts()
        assert all(counts[d] == n >= k for d, n in cells[label].items())  # true, gated counts
        counts = counts[list(cells[label])].sort_values(ascending=False, kind="stable")
        if counts.empty:
            withheld.append(label)
        else:
            expected[label] = community_words(counts, int(size))
    assert len(expected) >= 5 and len(set(expected.values())) > 1
    assert withheld  # this workspace has one: its department's other cell is below k
    for section in ("value", "community-health"):
        names = get(clients["viewer"], f"/api/runs/{latest}/{section}")["community_names"]
        assert names == expected, section
    # a person's page: their community with its words (or none where withheld)
    for label in (next(iter(expected)), withheld[0]):
        pid = community.index[community == label][0]
        got = get(clients["analyst"], f"/api/people/{pid}?run={latest}")
        assert (got["community"], got["community_words"]) == (label, expected.get(label))
    page = clients["viewer"].get(f"/value?run={latest}").text
    shown = get(clients["viewer"], f"/api/runs/{latest}/value")["groups"]
    label = next(g["group"] for g in shown if g["scale"] == "community")
    assert f'{label} <span class="gs-note">· {expected[str(label)]}</span>' in page
