"""External relationships (issue 15, point 5): who holds the ties to customers, suppliers and
partners, which departments have none, how concentrated they are; checked against a case
computed by hand, then through analyze and the stored run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import groundswell as gs
from groundswell.analysis import external
from tests.conftest import write_csv

# internal A, B, C (dept X), D (dept Y), E (dept Z); customers c1..c3, supplier s1
PEOPLE = pd.DataFrame(
    {
        "person_id": ["A", "B", "C", "D", "E", "c1", "c2", "c3", "s1"],
        "is_internal": [True] * 5 + [False] * 4,
        "relation": [None] * 5 + ["customer", "customer", "customer", "supplier"],
        "department": ["X", "X", "X", "Y", "Z", None, None, None, None],
    }
).set_index("person_id")
TIES = pd.DataFrame(
    [("A", "c1", 1.0), ("c1", "A", 2.0), ("A", "c2", 1.0), ("A", "s1", 1.0),
     ("B", "c3", 1.0), ("c2", "B", 1.0), ("D", "c1", 1.0), ("A", "B", 5.0)],
    columns=["actor_id", "target_id", "weight"],
)  # fmt: skip


def test_holders_and_concentration_by_hand() -> None:
    found = external.pairs(TIES, PEOPLE, has_orgchart=True)
    assert len(found) == 6  # A-c1 (both ways, one pair), A-c2, A-s1, B-c3, B-c2, D-c1
    held = external.holders(found)
    assert list(held.index) == ["A", "B", "D"]
    assert held.loc["A"].to_dict() == {
        "externals": 3, "customers": 2, "suppliers": 1, "partners": 0, "weight": 5.0, "rank": 1,
    }  # fmt: skip
    members = PEOPLE[PEOPLE["is_internal"]][["department"]]
    groups = external.groups(found, members, ("department",)).set_index("group_name")
    org = groups.loc["(all)"]
    # holders hold 3, 2, 1: the top third (1 of 3) holds 3 of 6; HHI = (9 + 4 + 1) / 36
    assert (org["members"], org["holders"], org["external_ties"], org["externals"]) == (5, 3, 6, 4)
    assert org["top_third_share"] == pytest.approx(0.5)
    assert org["herfindahl"] == pytest.approx(14 / 36)
    x = groups.loc["X"]  # A 3, B 2: top third is A, 3 of 5; HHI = (9 + 4) / 25
    assert (x["holders"], x["external_ties"], x["externals"]) == (2, 5, 4)
    assert x["top_third_share"] == pytest.approx(0.6) and x["herfindahl"] == pytest.approx(0.52)
    assert groups.loc["Y", "herfindahl"] == pytest.approx(1.0)  # one holder holds all
    z = groups.loc["Z"]  # a department with no external relationship
    assert z["holders"] == 0 and z["external_ties"] == 0 and math.isnan(z["herfindahl"])


def test_an_id_without_a_people_row_is_external_only_with_an_hr_file() -> None:
    ties = pd.DataFrame([("A", "stranger", 1.0)], columns=["actor_id", "target_id", "weight"])
    assert len(external.pairs(ties, PEOPLE, has_orgchart=True)) == 1
    assert external.pairs(ties, PEOPLE, has_orgchart=False).empty


def test_evenly_spread_ties_give_one_over_h() -> None:
    top, hhi = external.concentration([2, 2, 2, 2])
    assert top == pytest.approx(4 / 8) and hhi == pytest.approx(1 / 4)  # ceil(4/3) = 2 of 4
    assert external.concentration([0, 0]) == (None, None)


def _workspace(tmp_path, internal_only: bool) -> gs.Workspace:
    hr = write_csv(
        tmp_path / "hr.csv",
        ["id", "Department", "Relation"],
        [[p, r["department"] if pd.notna(r["department"]) else "",
          r["relation"] if pd.notna(r["relation"]) else "employee"]
         for p, r in PEOPLE.iterrows()],
    )  # fmt: skip
    rows = []
    for a, t, w in TIES.itertuples(index=False):
        for k in range(int(w) * 2):  # two acts per unit of weight: every pair makes a tie
            rows.append([a, t, f"2024-01-{2 + k:02d}T09:00:00Z", "dm"])
    events = write_csv(tmp_path / "events.csv", ["actor", "targets", "timestamp", "kind"], rows)
    ws = gs.init(tmp_path / f"ws{internal_only}")
    toml = ws.folder / "groundswell.toml"
    flag = f"internal_only = {str(internal_only).lower()}"
    toml.write_text(toml.read_text().replace("internal_only = true", flag))
    ws.close()
    ws = gs.open(ws.folder)
    ws.ingest_orgchart(hr)
    ws.ingest_events(events)
    return ws


@pytest.mark.parametrize("internal_only", [True, False])
def test_analyze_stores_them_and_the_run_reads_them(tmp_path, internal_only) -> None:
    with _workspace(tmp_path, internal_only) as ws:
        run = ws.analyze("2024-01-01..2024-02-01")
        got = run.external()
        people = run.people()
    p = ws.pseudonymiser.person
    s = got["summary"]
    assert (s["holders"], s["external_ties"], s["externals"]) == (3, 6, 4)
    assert s["herfindahl"] == pytest.approx(14 / 36)
    assert list(got["holders"]["person_id"]) == [p("A"), p("B"), p("D")]
    # every department below the minimum group size (5): one merged row, no figures
    assert list(got["groups"].index) == ["(suppressed)"]
    if internal_only:  # the main network keeps only employees
        assert not people["external"].any() and p("c1") not in people.index
    else:  # externals are in it, and marked, in the table and in the dashboard's API
        assert people.loc[p("c1"), "external"] and people.loc[p("c1"), "relation"] == "customer"
        assert not people.loc[p("A"), "external"]
        from groundswell.web.views import Views

        views = Views(ws.folder)
        try:
            rows = {r["person_id"]: r for r in views.people(None, limit=1000)["people"]}
            one = views.person(None, p("s1"))
        finally:
            views.close()
        assert (rows[p("c1")]["external"], rows[p("c1")]["relation"]) == (True, "customer")
        assert (rows[p("A")]["external"], rows[p("A")]["relation"]) == (False, "employee")
        assert (one["external"], one["relation"]) == (True, "supplier")


def test_group_figures_equal_a_plain_python_count_on_random_data() -> None:
    """The array steps of external.groups against a count written out person by person."""
    rng = np.random.default_rng(7)
    inside = [f"i{k}" for k in range(60)]
    members = pd.DataFrame(
        {"department": rng.choice(["A", "B", "C", None], 60)}, index=pd.Index(inside)
    )
    found = pd.DataFrame(
        {"person_id": rng.choice(inside[:45], 150), "external_id": rng.choice(40, 150)}
    ).drop_duplicates()
    got = external.groups(found, members, ("department",)).set_index("group_name")
    for name in ["A", "B", "C", "(unknown)"]:
        dept = members["department"].fillna("(unknown)")
        people = [p for p in inside if dept[p] == name]
        counts = sorted(
            (len(set(found[found["person_id"] == p]["external_id"])) for p in people),
            reverse=True,
        )
        held = [c for c in counts if c]
        total = sum(held)
        k = math.ceil(len(held) / 3)
        row = got.loc[name]
        assert (row["members"], row["holders"], row["external_ties"]) == (
            len(people),
            len(held),
            total,
        )
        assert row["externals"] == len(set(found[found["person_id"].isin(people)]["external_id"]))
        assert row["top_third_share"] == pytest.approx(sum(held[:k]) / total)
        assert row["herfindahl"] == pytest.approx(sum((c / total) ** 2 for c in held))
