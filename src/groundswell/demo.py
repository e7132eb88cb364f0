"""`groundswell demo`: the whole flow on the built-in synthetic organisation.

The organisation is written in the formats users bring — an HR file, a Slack export of its
chat, and a generic events file of its email and meetings (which Slack does not carry) — and
read back through the same readers a user's own exports go through.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from groundswell import synth, workspace
from groundswell.diffusion.champions import ChampionPlan
from groundswell.diffusion.models import probabilities, simulate
from groundswell.privacy import SUPPRESSED
from groundswell.run import Run
from groundswell.synth import plants_communities, plants_roles, plants_traction
from groundswell.synth.slack_export import DROPPED_KINDS, write_slack_export
from groundswell.value import timeline
from groundswell.workspace import Workspace


def run_demo(
    folder: Path,
    *,
    n_people: int = 1000,
    seed: int = 0,
    progress: bool = False,
    say: Callable[[str], None] = print,
) -> Path:
    """Generate, ingest, analyse, report; returns the path of ``folder/report.html``.

    The demo's data and workspace (``folder/data``, ``folder/workspace``) are recreated on
    every call.
    """
    folder = Path(folder)
    data, ws_dir = folder / "data", folder / "workspace"
    for old in (data, ws_dir):
        if old.exists():
            shutil.rmtree(old)
    say(f"generating a synthetic organisation of {n_people:,} people (seed {seed})")
    org = synth.generate(n_people, seed=seed)
    traction = n_people >= 150  # an initiative that spreads in two departments, stalls in one
    if traction:
        org = plants_traction.plant(org, seed=seed)
        org = plants_communities.plant(org, seed=seed)  # a community of each kind (issue 19)
        org = plants_roles.plant(org, seed=seed)  # distinct people for each role (issue 19)
    not_chat = org.events[org.events["kind"].isin(DROPPED_KINDS)].reset_index(drop=True)
    files = synth.SynthOrg(org.people, not_chat, org.truth).write(data)
    slack_zip = write_slack_export(org, data / "slack-export", zip=True)
    with workspace.init(ws_dir) as ws:
        for line in ws.ingest_orgchart(files["hris"], progress=progress).lines():
            say(line)
        for line in ws.ingest("slack", slack_zip, progress=progress).lines():
            say(line)
        for line in ws.ingest_events(files["events"], progress=progress).lines():
            say(line)
        made = plants_communities.adoptions(org)  # green-office's behaviour, taken up
        if len(made):
            made.to_csv(data / "community-adoptions.csv", index=False)
            for line in ws.ingest("adoptions", data / "community-adoptions.csv").lines():
                say(line)
        run = ws.analyze(progress=progress)
        s = run.summary
        say(
            f"run {run.run_id}: window {run.window}, {s['people']:,} people, {s['ties']:,} ties, "
            f"{s['communities']} communities (NMI with departments {s['nmi_departments']:.2f})"
        )
        months = timeline.snapshots(ws, "month")
        say(f"monthly snapshots: {len(months.computed)} computed")
        plan = ws.champions(k=_champions_k(run), quota_by="department")
        best = plan.strategies().loc["plan"]
        say(
            f"plan {plan.plan_id}: {plan.params['k']} champions, one or more per department, "
            f"reach {best['reach']:,.0f} people in simulation"
        )
        adoptions = write_adoptions(
            ws, plan, data / "adoptions.csv", org.people["employee_id"].tolist(), seed=seed
        )
        for line in ws.ingest("adoptions", adoptions, progress=progress).lines():
            say(line)
        if traction:  # the initiative as a user defines it: its channels, by pattern
            pattern = plants_traction.CHANNELS[0].split("-")[0] + "-*"
            say(ws.traction(plants_traction.INITIATIVE, channels=[pattern]).reading)
        for line in plant_outcomes(ws, run, org, data / "outcomes.csv", seed=seed):
            say(line)
        return ws.report(folder / "report.html", run_id=run.run_id)


def plant_outcomes(
    ws: Workspace, run: Run, org: synth.SynthOrg, path: Path, *, seed: int = 0
) -> list[str]:
    """Write the planted outcomes (:mod:`groundswell.synth.plants_outcomes`: goal attainment
    that follows brokerage in Sales and not in Engineering, measured by the run's
    betweenness), ingest them and relate them to the run, as analyze would have; returns the
    lines to say."""
    from groundswell import outcome_links
    from groundswell.synth.plants_outcomes import write_outcomes

    employees = org.people["employee_id"].tolist()
    roster = dict(zip(ws.pseudonymiser.people(employees), employees, strict=True))
    betweenness = run.people()["betweenness"]
    brokerage = pd.Series(
        betweenness.to_numpy(), index=[roster.get(p, p) for p in betweenness.index]
    )
    written, _ = write_outcomes(org.people, brokerage, path, seed=seed)
    lines = ws.ingest("outcomes", written).lines()
    outcome_links.store(run, outcome_links.compute(run))
    return [*lines, *run.outcomes().lines]


def synthetic_profile(n_people: int, label: str, *, seed: int = 0) -> dict[str, object]:
    """The benchmark profile (:func:`groundswell.benchmark.export`, labelled synthetic) of the
    synthetic organisation of ``n_people``: generated with ``seed``, its org chart and events
    ingested, analysed with the default settings (``python -m groundswell.benchmark``)."""
    import tempfile

    from groundswell import benchmark

    with tempfile.TemporaryDirectory() as tmp:
        files = synth.generate(n_people, seed=seed).write(Path(tmp) / "data")
        with workspace.init(Path(tmp) / "ws") as ws:
            ws.ingest_orgchart(files["hris"])
            ws.ingest_events(files["events"])
            return benchmark.export(ws.analyze(), label=label, synthetic=True)


def _champions_k(run: Run) -> int:
    """One percent of the people, and at least one per department."""
    people = run.people()
    return max(int(people["department"].nunique()), round(0.01 * len(people)))


def write_adoptions(
    ws: Workspace, plan: ChampionPlan, path: Path, employee_ids: list[str], *, seed: int = 0
) -> Path:
    """A synthetic record of who took up the change the plan was made for ("new expense
    tool"), by HR id and date: each person adopts with a little less than the chance the
    plan's simulation gave them, except in the department the plan reached least, where the
    change stalls; dates spread over the eight weeks after the run's window."""
    run = ws.run(plan.run_id)
    g = run.graph()
    params = plan.params
    spread = simulate(
        g,
        plan.champions()["person_id"].tolist(),
        model=params["model"],
        probs=probabilities(g, params["rule"], p=params["p"]),
        runs=300,
        seed=seed,
    )
    people = run.people().reindex(g.nodes)
    cov = plan.coverage()
    cov = cov[(cov["strategy"] == "plan") & (cov["group_name"] != SUPPRESSED)]
    stalled = cov.sort_values("share")["group_name"].iloc[0] if len(cov) else None
    rng = np.random.default_rng(seed)
    chance = 0.8 * spread.activation * (people["department"] != stalled).to_numpy()
    adopters = g.nodes[rng.random(g.n) < chance]
    roster = dict(zip(ws.pseudonymiser.people(employee_ids), employee_ids, strict=True))
    start = run.window.end
    days = rng.integers(0, 56, len(adopters))
    rows = pd.DataFrame(
        {
            "employee_id": [roster.get(p, p) for p in adopters],
            "behaviour": "new expense tool",
            "date": [(start + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d") for d in days],
        }
    )
    rows.to_csv(path, index=False)
    return path
