"""Formal against informal: small graphs with answers worked by hand, suppression, the
Krackhardt, Lazega and email-Eu-core data against plain pandas counts, and the structure the
synthetic organisation plants (synth.py records the truth)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import groundswell as gs
from groundswell import synth
from groundswell.analysis import formal
from groundswell.network.graph import Graph
from groundswell.privacy import SUPPRESSED
from tests.analysis.test_centrality import karate, krackhardt_advice
from tests.conftest import SHARED_DATA, TEST_DATA

# --------------------------------------------------------------------------- data


def krackhardt_attributes() -> pd.DataFrame:
    a = pd.read_csv(TEST_DATA / "krackhardt" / "Krack-High-Tec-Attributes.csv")
    return a.set_axis([f"m{i}" for i in a["ID"]]).rename_axis("person_id")


def lazega() -> tuple[Graph, pd.DataFrame]:
    """Lazega (2001): 71 lawyers' advice ties; ELattr.dat columns per Lazega_lawyers_data.htm."""
    folder = SHARED_DATA / "lazega-lawfirm"
    if not (folder / "ELadv.dat").exists():
        pytest.skip(f"{folder} is absent")
    m = np.loadtxt(folder / "ELadv.dat", dtype=int)
    s, t = np.nonzero(m)
    ids = [f"L{i}" for i in range(1, 72)]
    g = Graph.from_edges(ids, [(ids[a], ids[b], 1.0) for a, b in zip(s, t, strict=True)])
    cols = ["seniority", "status", "gender", "office", "years", "age", "practice", "school"]
    attr = pd.DataFrame(np.loadtxt(folder / "ELattr.dat", dtype=int), columns=cols, index=ids)
    return g, attr


def email_eu_core() -> tuple[Graph, pd.Series]:
    """SNAP email-Eu-core: 1,005 people, 25,571 directed ties (642 self-loops), 42 departments."""
    folder = SHARED_DATA / "email-eu-core"
    if not (folder / "email-Eu-core.txt").exists():
        pytest.skip(f"{folder} is absent")
    e = pd.read_csv(folder / "email-Eu-core.txt", sep=" ", header=None, names=["u", "v"])
    lab = pd.read_csv(
        folder / "email-Eu-core-department-labels.txt", sep=" ", header=None, names=["n", "d"]
    )
    ids = np.array([f"e{i}" for i in range(1005)], dtype=object)
    edges = pd.DataFrame({"s": ids[e["u"]], "t": ids[e["v"]], "w": 1.0})
    g = Graph.from_edges(ids, edges)
    return g, pd.Series(lab["d"].to_numpy(), index=ids[lab["n"]])


def naive_ei(g: Graph, groups: pd.Series, *, weighted: bool) -> pd.DataFrame:
    """E and I for each group with plain pandas: each directed tie for its actor's group."""
    e = g.edges()
    if not g.directed:
        e = pd.concat([e, e.rename(columns={"source": "target", "target": "source"})])
    ga, gt = e["source"].map(groups), e["target"].map(groups)
    w = e["weight"] if weighted else pd.Series(1.0, index=e.index)
    internal = w[ga == gt].groupby(ga[ga == gt]).sum()
    external = w[ga != gt].groupby(ga[ga != gt]).sum()
    out = pd.DataFrame({"internal": internal, "external": external}).fillna(0.0)
    out["ei"] = (out["external"] - out["internal"]) / (out["external"] + out["internal"])
    return out


# --------------------------------------------------------------------------- toys


def two_groups() -> tuple[Graph, pd.Series]:
    """A = {a1, a2, a3}, B = {b1, b2}.

    a1->a2 (2), a2->a1 (1), a2->a3 (1), a3->b1 (4), b1->b2 (1), b2->a1 (3).
    From A: I = 3 ties (weight 4), E = 1 tie (weight 4). From B: I = 1 (1), E = 1 (3).
    """
    edges = [
        ("a1", "a2", 2.0),
        ("a2", "a1", 1.0),
        ("a2", "a3", 1.0),
        ("a3", "b1", 4.0),
        ("b1", "b2", 1.0),
        ("b2", "a1", 3.0),
    ]
    g = Graph.from_edges(["a1", "a2", "a3", "b1", "b2"], edges)
    groups = pd.Series({"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B"})
    return g, groups


def test_group_matrix_of_two_groups() -> None:
    g, groups = two_groups()
    counts = formal.group_matrix(g, groups, weighted=False, min_group_size=1)
    assert counts.loc["A"].to_dict() == {"A": 3.0, "B": 1.0}
    assert counts.loc["B"].to_dict() == {"A": 1.0, "B": 1.0}
    weights = formal.group_matrix(g, groups, min_group_size=1)
    assert weights.loc["A"].to_dict() == {"A": 4.0, "B": 4.0}
    assert weights.loc["B"].to_dict() == {"A": 3.0, "B": 1.0}
    shares = formal.group_matrix(g, groups, normalize=True, min_group_size=1)
    assert shares.loc["B"].to_dict() == {"A": 0.75, "B": 0.25}
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


def test_ei_index_of_two_groups() -> None:
    g, groups = two_groups()
    ei = formal.ei_index(g, groups, min_group_size=1)
    assert ei.loc["A", ["internal", "external"]].tolist() == [3.0, 1.0]
    assert ei.loc["A", "ei"] == pytest.approx((1 - 3) / 4)
    assert ei.loc["A", "inside_share"] == pytest.approx(0.75)
    assert ei.loc["B", "ei"] == pytest.approx(0.0)
    assert ei["size"].to_dict() == {"A": 3, "B": 2}
    # random mixing: a member of A has 2 of 4 possible partners inside
    assert ei.loc["A", "baseline_ei"] == pytest.approx(1 - 2 * 2 / 4)
    assert ei.index[0] == "A"  # most inward first
    weighted = formal.ei_index(g, groups, weighted=True, min_group_size=1)
    assert weighted.loc["A", "ei"] == pytest.approx(0.0)
    assert weighted.loc["B", "ei"] == pytest.approx((3 - 1) / 4)
    # the whole organisation: E = 2, I = 4 ties
    assert formal.ei_organisation(g, groups) == pytest.approx((2 - 4) / 6)


def test_an_undirected_tie_counts_at_both_ends() -> None:
    g = Graph.from_edges(["a1", "a2", "b1"], [("a1", "a2", 1.0), ("a2", "b1", 1.0)], directed=False)
    groups = pd.Series({"a1": "A", "a2": "A", "b1": "B"})
    ei = formal.ei_index(g, groups, min_group_size=1)
    assert ei.loc["A", ["internal", "external"]].tolist() == [2.0, 1.0]
    assert ei.loc["B", ["internal", "external"]].tolist() == [0.0, 1.0]
    m = formal.group_matrix(g, groups, min_group_size=1)
    assert (m.to_numpy() == m.to_numpy().T).all()


def test_small_groups_are_suppressed() -> None:
    rng = np.random.default_rng(0)
    names = [f"x{i}" for i in range(16)]
    groups = pd.Series(["big"] * 8 + ["mid"] * 5 + ["tiny"] * 3, index=names)
    edges = [(names[a], names[b], 1.0) for a, b in rng.integers(0, 16, size=(60, 2))]
    g = Graph.from_edges(names, edges)
    ei = formal.ei_index(g, groups, min_group_size=5)
    # showing "mid" would give "tiny" away (16 - 8 - 5 = 3): it is suppressed with it
    assert "tiny" not in ei.index and "mid" not in ei.index
    assert ei.loc[SUPPRESSED, "size"] == 8
    assert ei.loc[SUPPRESSED].drop("size").isna().all()
    assert ei.loc[["big"], "ei"].notna().all()
    m = formal.group_matrix(g, groups, min_group_size=5)
    assert list(m.index) == ["big", SUPPRESSED] == list(m.columns)
    assert m.notna().all().all()  # the merged group of 8 may be shown
    # a merged group below the minimum shows nothing: only everyone together can be that
    few = pd.Series(["a"] * 2 + ["b"] * 2, index=names[:4])
    tiny = Graph.from_edges(names[:4], [(names[0], names[2], 1.0), (names[1], names[3], 1.0)])
    m0 = formal.group_matrix(tiny, few)
    assert list(m0.index) == [SUPPRESSED]
    assert m0.loc[SUPPRESSED].isna().all() and m0[SUPPRESSED].isna().all()
    # two small groups that together reach the minimum are shown as one merged group
    merged = groups.replace({"mid": "tiny2"})
    merged.iloc[8:10] = "tiny3"  # tiny3: 2 people, tiny2: 3 people, tiny: 3 people
    m2 = formal.group_matrix(g, merged, min_group_size=5)
    assert list(m2.index) == ["big", SUPPRESSED]
    assert m2.notna().all().all()
    assert m2.to_numpy().sum() == g.weight.sum()
    # silos never flag a suppressed group
    assert SUPPRESSED not in formal.silos(g, groups, min_group_size=5).index


def test_people_outside_the_group_table_are_unknown() -> None:
    g, groups = two_groups()
    ei = formal.ei_index(g, groups.drop("b2"), min_group_size=1)
    assert ei.loc["(unknown)", "size"] == 1
    assert ei.loc["B", ["internal", "external"]].tolist() == [0.0, 1.0]


def test_silos_flag_the_inward_group() -> None:
    # five groups of 5: four talk inside and outside, one only inside
    names = [f"{c}{i}" for c in "ABCDE" for i in range(5)]
    groups = pd.Series([n[0] for n in names], index=names)
    edges = [(f"{c}{i}", f"{c}{j}", 1.0) for c in "ABCDE" for i in range(5) for j in range(5)]
    order = "ABCD"
    for k, c in enumerate(order):
        nxt = order[(k + 1) % 4]
        edges += [(f"{c}{i}", f"{nxt}{i}", 1.0) for i in range(2 + k % 2)]
    g = Graph.from_edges(names, edges)
    flagged = formal.silos(g, groups)
    assert list(flagged.index) == ["E"]
    assert flagged.loc["E", "ei"] == -1.0
    assert flagged.loc["E", "ei"] < flagged.loc["E", "ei_threshold"]
    assert flagged.loc["E", "inside_share"] > flagged.loc["E", "org_inside_share"]
    # the same rule on the E-I table a caller already has (analyze's formal step)
    pd.testing.assert_frame_equal(formal.silos_of(formal.ei_index(g, groups)), flagged)
    # too few groups for a quartile: nothing is flagged
    assert formal.silos(g, groups.replace({"C": "A", "D": "B"})).empty


def org(teams: dict[str, list[str]], extra: list[str] = ()) -> pd.DataFrame:
    """A people table from {manager: reports}; everyone else has no manager."""
    rows = {r: m for m, rs in teams.items() for r in rs}
    ids = list(dict.fromkeys([*teams, *rows, *extra]))
    return pd.DataFrame(
        {"manager_id": [rows.get(i, "") for i in ids], "level": 3, "department": "D"},
        index=pd.Index(ids, name="person_id"),
    )


def bottleneck_toy() -> tuple[Graph, pd.DataFrame]:
    """Five managers with five reports each, plus five outsiders o0..o4.

    In every team the members are tied to each other and to their manager. Members of teams
    N1..N4 each have one tie to an outsider; the team of B has none, while B is tied to all
    five outsiders. So for B: team_outside = 0, manager_outside = 5, score = 1; for N1..N4:
    team_outside = 5, manager_outside = 1 (a tie to o0), score = 1/6.
    """
    teams = {m: [f"{m}r{i}" for i in range(5)] for m in ["B", "N1", "N2", "N3", "N4"]}
    outs = [f"o{i}" for i in range(5)]
    edges = []
    for m, rs in teams.items():
        edges += [(a, b, 1.0) for a in rs for b in rs if a < b]
        edges += [(r, m, 1.0) for r in rs]
        if m == "B":
            edges += [(m, o, 1.0) for o in outs]
        else:
            edges += [(r, outs[i], 1.0) for i, r in enumerate(rs)] + [(m, "o0", 1.0)]
    return Graph.from_edges([*teams, *outs], edges), org(teams, outs)


def test_team_bottleneck_by_hand() -> None:
    g, people = bottleneck_toy()
    t = formal.team_bottleneck(g, people, weighted=False)
    assert t.loc["B"].to_dict() == {
        "team_size": 5,
        "team_outside": 0.0,
        "members_outside": 0,
        "manager_outside": 5.0,
        "score": 1.0,
    }
    assert t.loc["N1", ["team_outside", "members_outside", "manager_outside"]].tolist() == [
        5.0,
        5,
        1.0,
    ]
    assert t.loc["N1", "score"] == pytest.approx(1 / 6)
    flagged = formal.bottleneck_managers(g, people, weighted=False)
    assert list(flagged.index) == ["B"]
    # a team below the minimum group size is not scored
    small = formal.team_bottleneck(g, people, min_group_size=6)
    assert small["score"].isna().all()
    assert formal.bottleneck_managers(g, people, min_group_size=6).empty


def test_manager_far_from_team_by_hand() -> None:
    g, people = bottleneck_toy()
    # F manages f0..f4 but is tied to f0 only (the reverse direction counts too)
    extra = [(f"f{i}", f"f{j}", 1.0) for i in range(5) for j in range(5) if i < j]
    extra += [("f0", "F", 1.0), ("F", "o1", 1.0)]
    g2 = Graph.from_edges(
        [*g.nodes, "F"],
        pd.concat([g.edges(), pd.DataFrame(extra, columns=["source", "target", "weight"])]),
    )
    people2 = pd.concat([people, org({"F": [f"f{i}" for i in range(5)]})])
    t = formal.manager_team_ties(g2, people2)
    assert t.loc["F", ["team_size", "reports_tied", "share_tied"]].tolist() == [5, 1, 0.2]
    assert (t.drop("F")["share_tied"] == 1.0).all()
    far = formal.managers_far_from_team(g2, people2)
    assert list(far.index) == ["F"] and far.loc["F", "threshold"] == 0.5


def test_hidden_influencers_and_informal_leaders_by_hand() -> None:
    # 20 people: levels 2..4 in one department; 2 have high scores
    ids = [f"p{i}" for i in range(20)]
    people = pd.DataFrame(
        {
            "department": "D",
            "level": [2] + [3] * 4 + [4] * 15,
            "manager_id": ["", *["p0"] * 4, *[f"p{1 + i % 4}" for i in range(15)]],
        },
        index=ids,
    )
    score = pd.Series(np.linspace(0.01, 0.02, 20), index=ids)
    score["p19"] = 0.5  # a junior individual contributor: hidden influencer
    score["p1"] = 0.4  # a manager with reports: influential, but not hidden
    hidden = formal.hidden_influencers(people, score)
    assert list(hidden.index) == ["p19"]
    assert hidden.loc["p19", "score_percentile"] == 1.0
    assert hidden.loc["p19", "department_level_median"] == 3.0
    assert list(formal.hidden_influencers(people, score, include_managers=True).index) == [
        "p19",
        "p1",
    ]
    # the top decile of 20 is 2 people; only p19 has no reports
    g = Graph.from_edges(ids, [("p19", p, 1.0) for p in ids[:5]])
    leaders = formal.informal_leaders(g, people, score)
    assert list(leaders.index) == ["p19"] and leaders.loc["p19", "contacts"] == 5
    with pytest.raises(ValueError, match="'top'"):
        formal.hidden_influencers(people, score, top=1.5)


def test_key_person_risk_by_hand() -> None:
    # triangle a-b-c, bridge c-d, triangle d-e-f, pendant g on f, and an isolated z
    edges = [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("d", "e"), ("e", "f")]
    edges += [("d", "f"), ("f", "g")]
    g = Graph.from_edges(list("abcdefgz"), [(u, v, 1.0) for u, v in edges])
    r = formal.key_person_risk(g)
    assert set(r.index[r["articulation"]]) == {"c", "d", "f"}
    assert r.loc["c"].to_dict() == {
        "pieces": 2,
        "extra_components": 1,
        "cut_off": 2,  # a and b lose the main body (d, e, f, g)
        "lcc_drop": 3,  # 7 -> 4
        "articulation": True,
    }
    assert r.loc["d", ["cut_off", "lcc_drop"]].tolist() == [3, 4]  # 7 -> {a,b,c} 3
    assert r.loc["f", ["cut_off", "lcc_drop"]].tolist() == [1, 2]
    assert r.loc["a", ["pieces", "cut_off", "lcc_drop"]].tolist() == [1, 0, 1]
    assert r.loc["z", ["pieces", "extra_components", "lcc_drop"]].tolist() == [0, -1, 0]
    assert r.index[0] == "d"  # costliest first
    assert list(formal.key_person_risk(g, top=2).index) == ["d", "c"]


def brute_force_risk(g: Graph) -> pd.DataFrame:
    """Remove each person in turn and recount the components (NetworkX, the oracle)."""
    ref = g.to_networkx().to_undirected()
    lcc = max((len(c) for c in nx.connected_components(ref)), default=0)
    rows = {}
    for v in ref.nodes:
        own = nx.node_connected_component(ref, v)
        h = ref.subgraph(own - {v})
        pieces = [len(c) for c in nx.connected_components(h)]
        rest = ref.subgraph(set(ref.nodes) - {v})
        after = max((len(c) for c in nx.connected_components(rest)), default=0)
        rows[v] = {
            "pieces": len(pieces),
            "cut_off": len(own) - 1 - max(pieces, default=len(own) - 1),
            "lcc_drop": lcc - after,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def random_forest_of_blocks(seed: int) -> Graph:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 80))
    pairs = rng.integers(0, n, size=(int(rng.integers(0, 2 * n)), 2))
    return Graph.from_edges(
        [f"v{i}" for i in range(n)], [(f"v{a}", f"v{b}", 1.0) for a, b in pairs]
    )


@pytest.mark.parametrize(
    "make",
    [krackhardt_advice, karate, *[lambda s=s: random_forest_of_blocks(s) for s in range(12)]],
    ids=["krack", "karate", *[f"random-{s}" for s in range(12)]],
)
def test_key_person_risk_matches_removal_one_by_one(make) -> None:
    g = make()
    got = formal.key_person_risk(g)
    ref = brute_force_risk(g).reindex(got.index)
    for col in ["pieces", "cut_off", "lcc_drop"]:
        assert got[col].tolist() == ref[col].tolist(), col
    arts = set(g.nodes[g.to_undirected().to_igraph().articulation_points()])
    assert set(got.index[got["articulation"]]) == arts


# --------------------------------------------------------------------------- real data


def test_krackhardt_ei_by_department() -> None:
    g, attr = krackhardt_advice(), krackhardt_attributes()
    ei = formal.ei_index(g, attr["DEPT"], min_group_size=1)
    # department 1 = managers 6, 8, 12, 17, 21; the advice they seek (counted by hand from
    # the edge list): 9 ties among themselves, 18 to other departments
    assert ei.loc["1", ["size", "internal", "external"]].tolist() == [5, 9.0, 18.0]
    assert ei.loc["1", "ei"] == pytest.approx(1 / 3)
    # the president (department 0, alone) asks only outside; with the default minimum of 5
    # he, department 3 (3 managers) and department 4 (4) are suppressed together
    assert ei.loc["0", "ei"] == 1.0
    shown = formal.ei_index(g, attr["DEPT"])
    assert set(shown.index) == {"1", "2", SUPPRESSED}
    assert shown.loc[SUPPRESSED, "size"] == 8
    naive = naive_ei(g, attr["DEPT"].astype(str), weighted=False)
    pd.testing.assert_frame_equal(
        ei[["internal", "external", "ei"]].sort_index(), naive.sort_index(), check_names=False
    )


def test_lazega_ei_by_office_and_status() -> None:
    g, attr = lazega()
    for col in ["office", "status", "practice"]:
        got = formal.ei_index(g, attr[col], min_group_size=1)
        naive = naive_ei(g, attr[col].astype(str), weighted=False)
        pd.testing.assert_frame_equal(
            got[["internal", "external", "ei"]].sort_index(),
            naive.reindex(got.index).sort_index(),
            check_names=False,
        )
    # Lazega's offices: Boston and Hartford lawyers seek advice mostly at home
    # (Providence has 4 lawyers: at the default minimum of 5, Hartford would be suppressed
    # with it, since 71 - Boston - Hartford = Providence)
    offices = attr["office"].map({1: "Boston", 2: "Hartford", 3: "Providence"})
    office = formal.ei_index(g, offices, min_group_size=1)
    assert (office.loc[["Boston", "Hartford"], "ei"] < 0).all()


def test_email_eu_core_matrix_and_ei_match_pandas() -> None:
    g, dept = email_eu_core()
    m = formal.group_matrix(g, dept, weighted=False, min_group_size=1)
    e = g.edges()
    ref = pd.crosstab(e["source"].map(dept).astype(str), e["target"].map(dept).astype(str))
    ref = ref.reindex(index=m.index, columns=m.columns, fill_value=0).astype(float)
    np.testing.assert_array_equal(m.to_numpy(), ref.to_numpy())
    got = formal.ei_index(g, dept, min_group_size=1)
    naive = naive_ei(g, dept.astype(str), weighted=False).reindex(got.index)
    np.testing.assert_allclose(got["ei"], naive["ei"])
    # default suppression: departments of fewer than 5 people disappear into one row
    small = (dept.value_counts() < 5).sum()
    shown = formal.ei_index(g, dept)
    assert len(shown) == dept.nunique() - small + 1
    risk = formal.key_person_risk(g)
    arts = set(g.nodes[g.to_undirected().to_igraph().articulation_points()])
    assert set(risk.index[risk["articulation"]]) == arts


# --------------------------------------------------------------------------- planted


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted_formal")
    org_ = synth.generate(400, seed=3, weeks=6)
    files = org_.write(folder / "data")
    gs.init(folder / "ws").close()
    (folder / "ws" / "secret.key").write_text("ab" * 32 + "\n")
    ws = gs.open(folder / "ws")
    ws.ingest_orgchart(files["hris"])
    ws.ingest_events(files["events"])
    run = ws.analyze()
    yield org_.truth, ws.pseudonymiser, run.people(), run.graph()
    ws.close()


def test_planted_silo_is_the_most_extreme(planted) -> None:
    truth, _, people, g = planted
    flagged = formal.silos(g, people["department"])
    silo = truth["siloed_department"]
    assert flagged.index[0] == silo
    assert len(flagged) <= 2
    ei = formal.ei_index(g, people["department"])
    assert ei.loc[silo, "ei"] < -0.99 and ei.index[0] == silo
    pd.testing.assert_frame_equal(formal.silos_of(ei), flagged)
    # the group matrix shows it: the silo's row and column are empty outside the diagonal
    shares = formal.group_matrix(g, people["department"], normalize=True)
    assert shares.loc[silo, silo] > 0.99


def test_planted_bottleneck_manager_is_flagged(planted) -> None:
    truth, pseudo, people, g = planted
    bm = truth["bottleneck_manager"]
    pid = pseudo.person(bm["employee_id"])
    for weighted in (True, False):
        flagged = formal.bottleneck_managers(g, people, weighted=weighted)
        assert list(flagged.index) == [pid]
    assert flagged.loc[pid, "members_outside"] == 0
    assert flagged.loc[pid, "team_size"] == len(bm["team_members"])
    # every manager in the synthetic organisation deals with all of their reports
    assert formal.managers_far_from_team(g, people).empty
    # the manager's departure cuts the whole team off
    risk = formal.key_person_risk(g)
    assert risk.loc[pid, "cut_off"] == len(bm["team_members"])


def test_planted_hidden_influencers_are_found(planted) -> None:
    truth, pseudo, people, g = planted
    planted_ids = {pseudo.person(h["employee_id"]) for h in truth["hidden_influencers"]}
    found = formal.hidden_influencers(people)
    assert planted_ids <= set(found.index)
    assert set(found.index[: len(planted_ids)]) == planted_ids  # and they come first
    # ordinary people are not flagged en masse (precision of the top-decile rule: 3 of 6)
    precision = len(planted_ids & set(found.index)) / len(found)
    assert precision >= 0.5
    assert len(found) <= 0.02 * len(people)
    leaders = formal.informal_leaders(g, people)
    assert planted_ids <= set(leaders.index)
