"""Grounded maturity (issue 19, point 3): each stage's line is a quantile of the
organisation's own people's scores (or a stated benchmark profile's fixed line); the
distribution is reported; one population (the run's people) for every figure.

Expected values are worked out by hand from the conftest scenario; the quantiles are checked
against scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from groundswell.value import compute, finding_sections, maturity
from tests.value.conftest import SCENARIO, WINDOW, build, pid, post, set_setting


def _people(t: pd.DataFrame) -> pd.DataFrame:
    return t[t["scale"] == "person"].set_index("group")


def test_lines_are_quantiles_of_the_organisations_own_scores(tiny) -> None:
    t = compute.maturity(tiny, window=WINDOW)
    assert t.attrs["basis"]["basis"] == "organisation"
    people = _people(t)
    lines = t.attrs["thresholds"]
    for stage in maturity.STAGES:  # the oracle: scipy on the people's positive scores
        x = people[stage].to_numpy(dtype=float)
        x = x[np.isfinite(x) & (x > 0)]
        q = {"connect": 25}.get(stage, 50)
        assert lines[stage] == pytest.approx(stats.scoreatpercentile(x, q)), stage
    # by hand (scores worked out in test_maturity.py): connect, the positive scores are
    # 1/3 (dan), 1/3 (eve), 1/2 (bob), 1/2 (cat): the lower quartile sits between the two
    # thirds; solve: 1/3 (eve), 2/3 (cat), 2/3 (dan): median 2/3; innovate: bob and cat
    # 1/2; lead change: 1/6 (bob), 3/4 (dan), 3/4 (eve: 2 of 4 messages open, her one
    # answer in the open), 1 (cat): median 3/4
    assert lines["connect"] == pytest.approx(1 / 3)
    assert lines["solve"] == pytest.approx(2 / 3)
    assert lines["innovate"] == pytest.approx(1 / 2)
    assert lines["lead_change"] == pytest.approx(3 / 4)


def test_stages_against_the_organisations_lines_by_hand(tiny) -> None:
    t = compute.maturity(tiny, window=WINDOW)
    stage = {e: _people(t).loc[pid(tiny, e), "stage"] for e in ("E1", "E2", "E3", "E4", "E5")}
    # ann does nothing; eve connects but her one question went unanswered (share 0); bob
    # shares and answers nothing; dan solves (2/3) without a new tie across (innovate 0);
    # cat passes every line
    assert stage == {
        "E1": "none", "E5": "connect", "E2": "share", "E4": "solve", "E3": "lead_change",
    }  # fmt: skip
    d = finding_sections.value_section(t)["distribution"]
    assert [d[s]["reached"] for s in maturity.STAGES] == [4, 3, 2, 1, 1]
    assert d["innovate"]["showing"] == 2 and d["innovate"]["pass"] == 2
    assert sum(d["connect"]["histogram"]) == 5  # everyone, ann's 0 in the first bin
    assert d["connect"]["histogram"][0] == 1


def test_the_benchmark_basis_uses_the_stated_lines(tmp_path) -> None:
    ws = build(tmp_path / "bench", SCENARIO, min_group_size=1)
    ws.close()
    set_setting(
        tmp_path / "bench", 'maturity_basis = "organisation"', 'maturity_basis = "benchmark"'
    )
    import groundswell as gs

    with gs.open(tmp_path / "bench") as again:
        t = compute.maturity(again, window=WINDOW)
    assert t.attrs["thresholds"] == {
        "connect": 0.4, "share": 0.5, "solve": 0.7, "innovate": 0.15, "lead_change": 0.4,
    }  # fmt: skip
    assert t.attrs["basis"] == {
        "basis": "benchmark",
        "profile": "synthetic-2024",
        "text": "the fixed lines of the benchmark profile 'synthetic-2024'",
    }


def test_a_stage_nobody_shows_gets_an_unreachable_line() -> None:
    counts = pd.DataFrame(0, index=pd.Index(["a", "b"], name="person_id"), columns=maturity.COUNTS)
    s = {f"{st}_quantile": 0.5 for st in maturity.STAGES} | {"maturity_basis": "organisation"}
    assert maturity.thresholds(s, counts, {}) == dict.fromkeys(maturity.STAGES, 1.0)


def test_one_population_the_networks_people(tmp_path) -> None:
    # fay left in 2023 and still posts in the window: she is not in the network, so she is
    # counted nowhere (she was a 6th person in the value figures while the run had 5)
    ws = build(tmp_path / "fay", [*SCENARIO, post("f1", "E6", "2024-01-10T09:00:00", "sales")])
    try:
        run = ws.analyze(window=WINDOW)
        t = compute.maturity(ws, run=run)
        people = set(_people(t).index)
        assert len(people) == run.summary["people"] == 5
        assert ws.pseudonymiser.person("E6") not in people
        section = finding_sections.value_section(t)
        assert section["people"] == sum(section["people_by_stage"].values()) == 5
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("old", "new", "setting"),
    [
        ('maturity_basis = "organisation"', 'maturity_basis = "median"', "maturity_basis"),
        ("solve_quantile = 0.5", "solve_quantile = 1.5", "solve_quantile"),
        ('purpose_channels = ["proj-*", "project-*", "prj-*"]', "purpose_channels = 3",
         "purpose_channels"),
    ],
)  # fmt: skip
def test_new_settings_are_checked(tmp_path, old, new, setting) -> None:
    import groundswell as gs
    from groundswell.errors import ConfigError
    from groundswell.value.queries import settings

    build(tmp_path / "bad", SCENARIO).close()
    set_setting(tmp_path / "bad", old, new)
    with gs.open(tmp_path / "bad") as again, pytest.raises(ConfigError, match=setting):
        settings(again)


def test_a_renamed_setting_is_still_read(tmp_path) -> None:
    import groundswell as gs
    from groundswell.value.queries import settings

    build(tmp_path / "old", SCENARIO).close()
    set_setting(tmp_path / "old", "team_room_team_share = 0.5", "purpose_team_share = 0.6")
    with gs.open(tmp_path / "old") as again:
        assert settings(again)["team_room_team_share"] == 0.6


def said(section: dict) -> list:
    """The value_stage finding made from a stored value ``section`` alone."""
    from types import SimpleNamespace

    from groundswell.headlines import value_stage

    facts = SimpleNamespace(run=SimpleNamespace(findings=lambda sections=None: {"value": section}))
    return list(value_stage(facts))  # type: ignore[arg-type]


def test_the_value_finding_reads_one_population_and_no_contradiction() -> None:
    by_stage = {"connect": 100, "share": 50, "solve": 40, "innovate": 0, "lead_change": 0}
    section = {"people": 981, "people_by_stage": by_stage | {"none": 791}}
    section["network"] = {"stage": "solve"}
    (f,) = said(section)
    # 791 of the run's 981 (the section's population, not a sum of some other count)
    assert f.number.startswith("791 of the run's 981 people at no stage yet")
    assert "everyone's activity pooled, is at solve: the other people carry it" in f.number
    assert f.evidence["people"] == 981
    (g,) = said(section | {"network": {"stage": "none"}})
    assert g.number.endswith("the organisation as a whole has not reached it either")
    assert said(section | {"people_by_stage": by_stage | {"none": 400}}) == []  # under half
    assert f.text.startswith("Four out of five people (81%) have not reached the first stage")
    # everyone at no stage: "no one has", not "all 40 people (100%) have not"
    (h,) = said({"people": 40, "people_by_stage": {"none": 40}, "network": {"stage": "none"}})
    assert h.text.startswith("No one of the run's 40 people has reached the first stage")
    assert "100%" not in h.text and "have not" not in h.text


def test_the_indicators_behind_each_stage_by_hand(tiny) -> None:
    t = compute.maturity(tiny, window=WINDOW)
    got = finding_sections.value_section(t)["indicators"]
    # the network pools the counts (test_maturity.py): out-ties 4, returned 2; contacts 6,
    # across 2, new 4. The people (ann, bob, cat, dan, eve; ann did nothing and scores 0):
    # returned 0, 1/2, 0, 1, 0 (median 0); across 0, 1/2, 1/2, 0, 0 (median 0); new 0, 1/2,
    # 1, 0, 1 (median 1/2)
    assert got["connect"] == {
        "reciprocated": {"network": pytest.approx(2 / 4), "people_median": 0.0},
        "across": {"network": pytest.approx(2 / 6), "people_median": 0.0},
        "new_ties": {"network": pytest.approx(4 / 6), "people_median": 0.5},
    }
    people = _people(t)
    for stage, inds in maturity.INDICATORS.items():  # the oracle: the table's own rows
        net = t[t["scale"] == "network"].iloc[0]
        for name, _, _ in inds:
            if name in got[stage]:
                assert got[stage][name]["network"] == pytest.approx(net[name])
                assert got[stage][name]["people_median"] == pytest.approx(
                    float(np.median(people[name].dropna()))
                )
            else:  # left out only when the workspace has no data for it
                assert not t.attrs["available"][name], name
    # no earlier week: "new ties" has no data and is left out, as from the stage's mean
    tiny.con.execute("DELETE FROM interaction_rows WHERE ts < TIMESTAMPTZ '2024-01-08 00:00:00+00'")
    left = finding_sections.value_section(compute.maturity(tiny, window=WINDOW))["indicators"]
    assert set(left["connect"]) == {"reciprocated", "across"}


def test_the_value_finding_names_the_indicator_holding_connection_back() -> None:
    indicators = {
        "connect": {
            "reciprocated": {"network": 0.04, "people_median": 0.5},
            "across": {"network": 0.31, "people_median": 0.0},
            "new_ties": {"network": 0.6, "people_median": 1.0},
        }
    }
    section = {
        "people": 600,
        "people_by_stage": {"connect": 0, "none": 600},
        "network": {"stage": "none", "connect": 0.3167},
        "thresholds": {"connect": 0.35},
        "indicators": indicators,
    }
    (f,) = said(section)
    # the organisation has not connected either: its pooled indicators, the lowest named
    assert f.number.endswith(
        "(its connect score 0.32 against a line of 0.35: ties returned 4%, contacts in another "
        "department 31%, new contacts 60%)"
    )
    assert f.action.startswith("Consider making ties two-way first: only 4% of the ties are")
    assert f.evidence["lowest"] == "reciprocated" and f.evidence["basis"] == "network"
    # the organisation passes as a whole: the people's medians say what most people lack
    (g,) = said(section | {"network": {"stage": "share", "connect": 0.5}})
    assert "(the median person's connect indicators: ties returned 50%, contacts in another " in (
        g.number
    )
    assert g.action.startswith(
        "Consider introductions across departments first: the median person has 0% of their "
        "contacts in another department"
    )
    assert g.evidence["lowest"] == "across" and g.evidence["connect"]["new_ties"] == 1.0
    # a run stored before the indicators were: the general advice, as before
    (h,) = said({k: v for k, v in section.items() if k != "indicators"})
    assert h.action.startswith("Consider starting with connection") and "lowest" not in h.evidence
    assert h.number.endswith("the organisation as a whole has not reached it either")
