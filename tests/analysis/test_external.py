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


def _groups_by_pandas_group_bys(
    found: pd.DataFrame, members: pd.DataFrame, attributes: tuple[str, ...]
) -> pd.DataFrame:
    """external.groups as it was written with pandas group-bys per attribute (before issue
    20's small-analyze round): the oracle of the array version, bit for bit."""
    cols = [
        "attribute", "group_name", "members", "holders", "external_ties", "externals",
        "top_third_share", "herfindahl",
    ]  # fmt: skip
    mine = found[found["person_id"].isin(members.index)]
    per = mine.groupby("person_id")["external_id"].nunique()
    whole = members.assign(**{external.ORGANISATION[0]: external.ORGANISATION[1]})
    frames = []
    for attribute in (*attributes, external.ORGANISATION[0]):
        label = whole[attribute].astype("object").where(whole[attribute].notna(), "(unknown)")
        label = label.astype(str).rename("group_name")
        people = pd.DataFrame({"group_name": label, "count": per.reindex(label.index).fillna(0)})
        g = people.groupby("group_name", sort=True)["count"]
        out = pd.DataFrame(
            {
                "members": g.size(),
                "holders": (people["count"] > 0).groupby(people["group_name"]).sum(),
                "external_ties": g.sum(),
            }
        )
        reached = mine.assign(group_name=label.reindex(mine["person_id"]).to_numpy())
        out["externals"] = reached.groupby("group_name")["external_id"].nunique()
        held = people[people["count"] > 0].sort_values(
            ["group_name", "count"], ascending=[True, False]
        )
        if len(held):
            total = held.groupby("group_name")["count"].transform("sum")
            h = held.groupby("group_name")["count"].transform("size")
            rank = held.groupby("group_name").cumcount()
            top = held["count"].where(rank < np.ceil(h / 3), 0.0)
            out["top_third_share"] = top.groupby(held["group_name"]).sum() / (
                held.groupby("group_name")["count"].sum()
            )
            out["herfindahl"] = ((held["count"] / total) ** 2).groupby(held["group_name"]).sum()
        else:
            out["top_third_share"] = np.nan
            out["herfindahl"] = np.nan
        frames.append(out.reset_index().assign(attribute=attribute))
    table = pd.concat(frames, ignore_index=True)
    for c in ("members", "holders", "external_ties", "externals"):
        table[c] = table[c].fillna(0).astype("int64")
    for c in ("top_third_share", "herfindahl"):
        table[c] = table[c].astype("float64")
    return table[cols]


@pytest.mark.parametrize("seed", range(12))
def test_group_figures_equal_the_pandas_group_bys_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 120))
    inside = [f"i{k}" for k in rng.permutation(n)]
    names = ["Sales", "R&D", "Ops", "eng", "Éire", None]
    members = pd.DataFrame(
        {
            "department": rng.choice(names, n),
            "team": rng.choice([f"t{k}" for k in range(int(rng.integers(1, 30)))] + [None], n),
            "location": rng.choice(["Paris", "Oslo"], n),
        },
        index=pd.Index(inside, name="person_id"),
    )
    pairs = int(rng.integers(0, 400)) if seed % 4 else 0  # some without any external tie
    holders = [*inside[: max(1, int(n * rng.random()))], "outsider"]  # one not a member
    found = pd.DataFrame(
        {
            "person_id": rng.choice(holders, pairs),
            "external_id": [f"x{k}" for k in rng.integers(0, 1 + int(rng.integers(1, 300)), pairs)],
        }
    ).drop_duplicates()
    found["relation"] = ""
    found["weight"] = 1.0
    attributes = ("department", "team", "location")
    got = external.groups(found, members, attributes)
    want = _groups_by_pandas_group_bys(found, members, attributes)
    assert got.columns.tolist() == want.columns.tolist()
    assert got["attribute"].tolist() == want["attribute"].tolist()
    assert got["group_name"].tolist() == want["group_name"].tolist()
    for c in ("members", "holders", "external_ties", "externals"):
        assert got[c].dtype == np.int64 and got[c].tolist() == want[c].tolist(), c
    for c in ("top_third_share", "herfindahl"):
        assert got[c].to_numpy().tobytes() == want[c].to_numpy().tobytes(), c
