"""The value plants (groundswell.synth.value_plants) are found; ordinary units are not flagged."""

from __future__ import annotations

import pandas as pd
import pytest

import groundswell as gs
from groundswell import synth
from groundswell.synth.value_plants import plant
from groundswell.value import compute, maturity
from tests.value.conftest import set_setting


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("value-planted")
    org = plant(synth.generate(300, seed=3, weeks=12), seed=1)
    files = org.write(folder / "data")
    gs.init(folder / "ws").close()
    (folder / "ws" / "secret.key").write_text("cd" * 32 + "\n")  # repeatable pseudonyms
    set_setting(folder / "ws", "leiden_stability_seeds = 3", "leiden_stability_seeds = 0")
    ws = gs.open(folder / "ws")
    ws.ingest_orgchart(files["hris"])
    ws.ingest_events(files["events"])
    run = ws.analyze()
    truth = org.truth["value"]
    ids = [
        truth["responsive_leader"]["employee_id"],
        truth["absent_leader"]["employee_id"],
        *truth["ordinary_leaders"],
    ]
    pd.DataFrame({"person": ids}).to_csv(folder / "leaders.csv", index=False)
    yield org.truth, ws, run, folder / "leaders.csv"
    ws.close()


def test_plants_keep_the_synthetic_truth_consistent(planted) -> None:
    truth, *_ = planted
    v = truth["value"]
    assert len(v["maturing_community"]["founders"]) == 6
    assert len(v["maturing_community"]["newcomers"]) == 10
    assert len(v["stagnating_community"]["members"]) == 8
    planted_elsewhere = {h["employee_id"] for h in truth["hidden_influencers"]}
    everyone = set(v["stagnating_community"]["members"]) | set(
        v["maturing_community"]["founders"] + v["maturing_community"]["newcomers"]
    )
    assert not everyone & planted_elsewhere


def test_stagnating_and_maturing_communities_are_found(planted) -> None:
    _, ws, run, _ = planted
    table = compute.health(ws, run=run).set_index("name")
    legacy = table.loc["club-legacy"]
    assert legacy["stagnating"] and legacy["newcomer_share"] == 0
    assert legacy["retention"] == 1 and legacy["size"] == 8
    grown = table.loc["cop-maturing"]
    assert not grown["stagnating"] and grown["trend"] == "growing"
    assert grown["newcomer_share"] >= 0.5 and grown["kind"] == "practice"
    # nothing else stagnates: the synthetic communities of practice, department channels,
    # team rooms, announcements and Leiden communities are ordinary
    flagged = table.index[table["stagnating"].fillna(False).astype(bool)]
    assert list(flagged) == ["club-legacy"]
    assert (table.loc[[n for n in table.index if n.startswith("cop-") and n != "cop-maturing"],
                      "kind"] == "practice").all()  # fmt: skip


def test_maturing_community_climbs_higher(planted) -> None:
    _, ws, run, _ = planted
    t = compute.maturity(ws, run=run)
    ch = t[t["scale"] == "channel"].set_index("group")
    grown, legacy = ch.loc["cop-maturing"], ch.loc["club-legacy"]
    # new cross-department ties and a new community that lasts: it innovates
    assert grown["innovate"] > 2 * legacy["innovate"]
    assert grown["new_communities"] == 1.0
    order = {s: i for i, s in enumerate([*maturity.STAGES])} | {"none": -1}
    assert order[grown["stage"]] > order[legacy["stage"]]
    assert grown["answered_across"] > t.loc[t["scale"] == "network", "answered_across"].iloc[0]


def test_responsive_and_absent_leaders_are_found(planted) -> None:
    truth, ws, run, leaders_csv = planted
    v = truth["value"]
    table = compute.leaders(ws, leaders_csv, run=run)
    good = ws.pseudonymiser.person(v["responsive_leader"]["employee_id"])
    gone = ws.pseudonymiser.person(v["absent_leader"]["employee_id"])
    assert table.loc[good, "verdict"] == "responsive"
    assert table.loc[gone, "verdict"] == "absent"
    others = [ws.pseudonymiser.person(e) for e in v["ordinary_leaders"]]
    assert (table.loc[others, "verdict"] == "").all()
    assert table.loc[good, "responsiveness"] > table.loc["organisation", "responsiveness"]
    assert table.loc[gone, "open_share"] == 0

    rep = compute.qa(ws, run=run, leaders_ids=compute.read_leaders(ws, leaders_csv))
    sessions = rep.sessions
    mine = sessions[sessions["leader"] == good]
    # a weekly hour in ask-leadership: four in the four-week window, six questions each
    assert len(mine) == 4 and (mine["channel"] == "ask-leadership").all()
    assert (mine["by_leader"] == 6).all() and (mine["median_minutes"] < 15).all()
    assert gone not in set(sessions["leader"])
    ask = rep.channels.set_index("channel")
    assert ask.loc[v["absent_leader"]["channel"], "response_rate"] == 0


def test_report_sections_are_plain_data(planted) -> None:
    import json

    from groundswell.value import findings

    *_, run, leaders_csv = planted
    sections = {
        "value": findings.value(run),
        "qa": findings.qa(run),
        "leaders": findings.leaders(run, str(leaders_csv)),
        "communities": findings.communities(run),
        "trends": findings.trends(run, "month"),
        "onboarding": findings.onboarding(run),
    }
    text = json.dumps(sections)  # no numpy, pandas or datetime objects left
    assert "club-legacy" in text
    assert sections["communities"]["summary"]["channel"]["stagnating"] == ["club-legacy"]
    assert sections["value"]["network"]["stage"] in (*maturity.STAGES, "none")
    assert len(sections["trends"]["periods"]) == 3  # January to March 2024
