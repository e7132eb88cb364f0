"""The champion planner on a workspace, and real adoption against its forecast.

The organisation is the synthetic one (300 people, 8 departments, one of a single person);
expected values of the adoption comparison are counted directly from the stored ties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell import synth
from groundswell.cli import app
from groundswell.diffusion.champions import STRATEGIES, ChampionPlan
from groundswell.errors import ConfigError, GroundswellError, PlanError
from tests.conftest import write_csv


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    folder = tmp_path_factory.mktemp("champions")
    o = synth.generate(300, seed=5, weeks=6)
    files = o.write(folder / "data")
    ws = gs.init(folder / "ws")
    ws.ingest_orgchart(files["hris"])
    ws.ingest_events(files["events"])
    run = ws.analyze()
    yield o, ws, run
    ws.close()


@pytest.fixture(scope="module")
def quota_plan(org):
    _, ws, _ = org
    return ws.champions(k=10, quota_by="department", runs=300, seed=7)


def test_quotas_are_met_and_every_strategy_is_simulated_alike(org, quota_plan) -> None:
    _, _, run = org
    plan = quota_plan
    champs = plan.champions()
    assert len(champs) == 10 and champs["rank"].tolist() == list(range(1, 11))
    people = run.people()
    depts = people.loc[champs["person_id"], "department"]
    in_network = set(people.loc[run.graph().nodes, "department"].dropna())
    assert set(depts) == in_network  # at least one champion in every department
    assert (champs["reason"].isin({"greedy", "quota"})).all()
    strategies = plan.strategies()
    assert list(strategies.index) == list(STRATEGIES)
    for name in STRATEGIES:
        assert len(plan.champions(name)) == 10
        assert (
            strategies.loc[name, "low"]
            <= strategies.loc[name, "reach"]
            <= strategies.loc[name, "high"]
        )
    curves = plan.curves()
    for name, c in curves.groupby("strategy"):
        assert c.sort_values("step")["adopted"].is_monotonic_increasing
        assert c["adopted"].iloc[0] == 10  # step 0: the seeds themselves
        assert c["adopted"].max() == pytest.approx(strategies.loc[name, "reach"])
    # a one-person department never shows as a figure, nor as a champion's label
    assert "Executive" not in set(champs["department"])
    assert "Executive" not in set(plan.coverage()["group_name"])


def test_the_plan_reaches_at_least_as_far_as_the_usual_picks(org) -> None:
    _, ws, _ = org
    plan = ws.champions(k=8, runs=1000, seed=3)
    s = plan.strategies()
    # unconstrained, the plan is within Monte Carlo noise of the best baseline or above it
    for other in ("top_down", "most_connected", "random"):
        assert s.loc["plan", "high"] >= s.loc[other, "low"], other
    assert s.loc["plan", "reach"] > s.loc["random", "high"]
    assert s.loc["plan", "reach"] > s.loc["top_down", "high"]
    assert plan.summary["approximation"] >= 1 - 1 / np.e - 0.1
    by_k = plan.reach_by_k()
    assert by_k["share_reached"].is_monotonic_increasing


def test_same_seed_same_plan_and_stored_plans_load_back(org) -> None:
    _, ws, _ = org
    a = ws.champions(k=6, runs=200, seed=11)
    b = ws.champions(k=6, runs=200, seed=11)
    assert a.plan_id != b.plan_id
    assert a.champions()["person_id"].tolist() == b.champions()["person_id"].tolist()
    assert a.strategies()["reach"].tolist() == b.strategies()["reach"].tolist()
    again = ChampionPlan.load(ws, a.plan_id)
    assert again.params == a.params and again.summary == a.summary
    assert ws.plan().plan_id == b.plan_id  # the latest by default


def test_sponsors_come_first_and_excluded_people_never_appear(org) -> None:
    o, ws, run = org
    top = run.people().sort_values("pagerank", ascending=False).index[:3].tolist()
    sponsor = o.people.iloc[40]
    sponsor_id = ws.pseudonymiser.person(sponsor["employee_id"])
    plan = ws.champions(
        k=5,
        include=[sponsor["email"]],
        exclude=top,
        runs=200,
        seed=1,  # email -> HR person
    )
    champs = plan.champions()
    assert champs.iloc[0]["person_id"] == sponsor_id and champs.iloc[0]["reason"] == "include"
    assert not set(top) & set(champs["person_id"])
    with pytest.raises(ConfigError, match="not in the network"):
        ws.champions(k=5, include=["nobody@nowhere.example"], runs=100)
    with pytest.raises(PlanError):
        ws.champions(k=2, quota_by="department", runs=100)  # fewer picks than departments
    with pytest.raises(ConfigError, match="quota"):
        ws.champions(k=10, quota_by="department", quota="most", runs=100)


def _adoptions(ws, org_people, tmp_path, rows) -> None:
    f = write_csv(tmp_path / "adopt.csv", ["person", "behaviour", "date"], rows)
    ws.ingest("adoptions", f)


def test_real_adoption_against_the_forecast(org, quota_plan, tmp_path) -> None:
    o, ws, run = org
    g = run.graph()
    people = run.people()
    emp = o.people.set_index("employee_id")
    # everyone in Sales and Marketing adopts; one adopter has no tie at all (not in people)
    chosen = emp.index[emp["department"].isin(["Sales", "Marketing"])]
    rows = [[e, "kanban", f"2024-02-{1 + i % 20:02d}"] for i, e in enumerate(chosen)]
    rows.append(["ghost@nowhere.example", "kanban", "2024-02-03"])
    _adoptions(ws, o.people, tmp_path, rows)
    rep = ws.adoption("kanban", plan_id=quota_plan.plan_id)

    adopters = {ws.pseudonymiser.person(e) for e in chosen} & set(g.nodes)
    assert rep.adopted == len(adopters) and rep.outside == 1 + len(chosen) - len(adopters)
    assert rep.people == g.n
    dep = rep.departments.set_index("group")
    assert dep.loc["Sales", "rate"] == 1.0 and dep.loc["Engineering", "adopted"] == 0
    assert bool(dep.loc["Engineering", "stalled"]) and not bool(dep.loc["Sales", "stalled"])
    assert "Executive" not in dep.index  # one person: suppressed
    # bridges: ties from an adopter into a department with no adopter, counted by pair
    dept = people["department"].reindex(g.nodes).to_numpy()
    is_adopter = np.isin(g.nodes, list(adopters))
    cold = {"Engineering", "Operations", "Product", "Finance", "HR"}
    ties = pd.DataFrame({"f": dept[g.src], "t": dept[g.dst], "a": is_adopter[g.src]})
    expected = ties[ties["a"] & ties["t"].isin(cold)].groupby(["f", "t"]).size()
    got = rep.bridges.set_index(["from_group", "to_group"])["ties"]
    assert got.to_dict() == expected.to_dict()
    # champions' neighbourhoods: contacts are the people a champion talks to
    for r in rep.champions.itertuples():
        i = list(g.nodes).index(r.person_id)
        contacts = np.unique(g.dst[g.src == i])
        assert r.contacts == len(contacts)
        assert r.contacts_adopted == int(is_adopter[contacts].sum())
    assert rep.curve["adopters"].is_monotonic_increasing
    assert rep.curve["adopters"].iloc[-1] == rep.adopted
    assert "kanban" in rep.verdict() and "stalled in" in rep.verdict()
    with pytest.raises(GroundswellError, match=r"no adoption of 'scrum'.*kanban"):
        ws.adoption("scrum")


def test_cli_champions_and_adoption(org, quota_plan) -> None:
    _, ws, _ = org
    folder = str(ws.folder)
    ws.con.execute("CHECKPOINT")
    runner = CliRunner()
    result = runner.invoke(
        app, ["champions", folder, "--k", "9", "--quota", "department", "--runs", "200", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "the champion plan" in result.output and "how many are enough" in result.output
    result = runner.invoke(app, ["champions", folder, "--k", "3", "--quota", "department", "-q"])
    assert result.exit_code == 1 and "raise k" in result.output


def test_the_report_shows_the_latest_plan_of_its_run(org, quota_plan, tmp_path) -> None:
    _, ws, run = org
    html = ws.report(tmp_path / "r.html", run_id=run.run_id).read_text()
    assert '<section id="champions">' in html and "plan-curves" in html
    latest = ws.plan()
    for pid in latest.champions()["person_id"]:
        assert pid in html
