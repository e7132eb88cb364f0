"""The formal step's array forms against the forms they replaced (the oracles, written out
here): the shadow organisation's evidence as DataFrame.iterrows gave it, the typed ties as
Series.map and a groupby's quantile gave them, external pairs looked up tie by tie, and
membership as pandas' isin answers it; igraph graphs with the same edges, and Leiden's
kept graph let go of by stability."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from groundswell import _sets, results
from groundswell.analysis import communities, external
from groundswell.network.graph import Graph
from groundswell.pipeline import type_ties


def _shadow_iterrows(found: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for finding in results.SHADOW:
        frame = found.get(finding)
        if frame is None:
            continue
        keep = [c for c in frame.columns if c not in results._NOT_EVIDENCE]
        for rank, (person, r) in enumerate(frame[keep].iterrows(), start=1):
            evidence = {str(k): results._plain(v) for k, v in r.items()}
            rows.append((finding, str(person), rank, json.dumps(evidence, sort_keys=True)))
    return pd.DataFrame(rows, columns=["finding", "person_id", "rank", "evidence"])


def test_shadow_rows_are_iterrows_evidence() -> None:
    idx = pd.Index(["p1", "p2", "p3"], dtype="str", name="person_id")
    text = pd.Series(["L1", None, "L3"], dtype="str").to_numpy()
    found = {  # integers beside floats (read as floats), beside booleans, text, missing
        "hidden_influencer": pd.DataFrame(
            {"score": [0.5, np.nan, 1e-9], "level": pd.array([3, None, 2], dtype="Int64"),
             "reports": [0, 1, 2], "department": ["a", "b", None]}, index=idx),
        "informal_leader": pd.DataFrame(
            {"score": [0.5, 0.1, 0.2], "contacts": [1, 2, 3], "level": text}, index=idx),
        "bottleneck_manager": pd.DataFrame(
            {"team_size": [5, 6, 7], "members_outside": [1.0, np.nan, 2.0],
             "flag": [True, False, True]}, index=idx),
        "key_person": pd.DataFrame(
            {"pieces": [2, 3, 4], "cut_off": [1, 0, 5], "articulation": [True, True, False]},
            index=idx),
        "manager_far_from_team": pd.DataFrame({"s": text, "t": ["u", "v", "w"]}, index=idx),
    }  # fmt: skip
    got = results.shadow_rows(found)
    pd.testing.assert_frame_equal(got, _shadow_iterrows(found), check_exact=True)
    # as iterrows: an integer beside floats only is a float
    numbers = {"key_person": pd.DataFrame({"score": [0.5], "reports": [0]}, index=idx[:1])}
    assert results.shadow_rows(numbers)["evidence"][0] == '{"reports": 0.0, "score": 0.5}'


def _type_ties_by_map(ties: pd.DataFrame, departments: pd.Series) -> pd.DataFrame:
    out = ties.copy()
    q75 = out.groupby("layer")["weight"].transform(lambda w: w.quantile(0.75))
    out["strong"] = out["weight"] >= q75
    a = out["actor_id"].map(departments)
    b = out["target_id"].map(departments)
    out["diverse"] = (a.notna() & b.notna() & (a != b)).astype(bool)
    keys = set(zip(out["layer"], out["actor_id"], out["target_id"], strict=True))
    out["reciprocated"] = [
        (la, t, s) in keys
        for la, s, t in zip(out["layer"], out["actor_id"], out["target_id"], strict=True)
    ]
    return out


@pytest.mark.parametrize("seed", range(5))
def test_type_ties_is_the_map_form(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ids = [f"p{i}" for i in range(40)]
    m = 400
    ties = pd.DataFrame(
        {
            "actor_id": pd.Series(rng.choice(ids, m), dtype="str"),
            "target_id": pd.Series(rng.choice(ids, m), dtype="str"),
            "layer": pd.Series(rng.choice(["digital", "meetings", "formal"], m), dtype="str"),
            "n": rng.integers(1, 9, m),
            "weight": np.round(rng.random(m) * 10, 1),
        }
    ).drop_duplicates(["layer", "actor_id", "target_id"], ignore_index=True)
    # departments: some missing, some people not listed at all
    listed = ids[:35]
    dept = pd.Series(rng.choice(["A", "B", "C", None], len(listed)), index=listed)
    got, want = type_ties(ties, dept), _type_ties_by_map(ties, dept)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def _pairs_by_reindex(ties: pd.DataFrame, people: pd.DataFrame, has: bool) -> pd.DataFrame:
    ids = pd.Index(pd.unique(np.concatenate([ties["actor_id"], ties["target_id"]])))
    ext = external.external_flags(ids, people, has_orgchart=has).astype(bool)
    a = ext.reindex(ties["actor_id"]).to_numpy()
    b = ext.reindex(ties["target_id"]).to_numpy()
    out_, in_ = ties[~a & b], ties[a & ~b]
    both = pd.concat(
        [
            pd.DataFrame({"person_id": out_["actor_id"], "external_id": out_["target_id"],
                          "weight": out_["weight"]}),
            pd.DataFrame({"person_id": in_["target_id"], "external_id": in_["actor_id"],
                          "weight": in_["weight"]}),
        ],
        ignore_index=True,
    )  # fmt: skip
    got = both.groupby(["person_id", "external_id"], as_index=False)["weight"].sum()
    rel = people["relation"].reindex(got["external_id"]).fillna("").astype(str)
    got["relation"] = rel.to_numpy()
    return got[["person_id", "external_id", "relation", "weight"]]


@pytest.mark.parametrize("has_orgchart", [True, False])
def test_external_pairs_are_the_reindex_form(has_orgchart: bool) -> None:
    rng = np.random.default_rng(3)
    ids = [f"p{i}" for i in range(30)] + [f"x{i}" for i in range(6)]
    people = pd.DataFrame(
        {
            "is_internal": [True] * 25 + [False] * 6,
            "relation": [None] * 25 + ["customer", "supplier", "partner", None, "customer", ""],
        },
        index=pd.Index(ids[:25] + ids[30:], name="person_id"),
    )  # p25..p29 have no people row: external once an org chart is in
    m = 300
    ties = pd.DataFrame(
        {
            "actor_id": pd.Series(rng.choice(ids, m), dtype="str"),
            "target_id": pd.Series(rng.choice(ids, m), dtype="str"),
            "weight": rng.random(m),
        }
    )
    got = external.pairs(ties, people, has_orgchart=has_orgchart)
    want = _pairs_by_reindex(ties, people, has_orgchart)
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("kind", ["str", "object"])
def test_isin_labels_is_pandas_isin(kind: str) -> None:
    rng = np.random.default_rng(1)
    pool = np.array([f"id{i}" for i in range(50)] + [None], dtype=object)
    for _ in range(50):
        x = pd.Index(rng.choice(pool, rng.integers(0, 30)), dtype=kind)
        v = pd.Index(rng.choice(pool, rng.integers(0, 30)), dtype=kind)
        assert np.array_equal(_sets.isin_labels(x, v), x.isin(v))
        assert np.array_equal(_sets.isin_labels(pd.Series(x), v), pd.Series(x).isin(v))


def _graph(seed: int) -> Graph:
    rng = np.random.default_rng(seed)
    ids = [f"p{i:03d}" for i in range(120)]
    # four planted groups: Leiden has a structure to find
    s = rng.integers(0, 120, 900)
    t = np.where(rng.random(900) < 0.85, s // 30 * 30 + rng.integers(0, 30, 900),
                 rng.integers(0, 120, 900))  # fmt: skip
    edges = pd.DataFrame({"s": np.array(ids)[s], "t": np.array(ids)[t], "w": rng.random(900)})
    return Graph.from_edges(ids, edges)


def test_to_igraph_has_the_graphs_edges() -> None:
    g = _graph(0)
    for graph in (g, g.to_undirected()):
        ig = graph.to_igraph()
        assert ig.get_edgelist() == list(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))
        assert ig.is_directed() == graph.directed and ig.vcount() == graph.n
        assert ig.vs["name"] == graph.nodes.tolist() and ig.es["weight"] == graph.weight.tolist()
        bare = graph.to_igraph(attributes=False)
        assert bare.get_edgelist() == ig.get_edgelist() and bare.vertex_attributes() == []
    empty = Graph.from_edges(["a", "b"], [])
    assert empty.to_igraph().vcount() == 2 and empty.to_igraph().ecount() == 0


@pytest.mark.parametrize("seed", range(3))
def test_leiden_on_its_kept_graph_is_leiden_on_a_fresh_one(seed: int) -> None:
    g = _graph(seed)
    first = communities.leiden(g, seed=seed)
    u = g.to_undirected()
    assert communities._KEPT in u.__dict__  # kept for stability's runs
    again = communities.leiden(Graph(g.nodes, g.src, g.dst, g.weight), seed=seed)
    pd.testing.assert_series_equal(first.membership, again.membership)
    assert first.modularity == again.modularity
    # stability's runs on the kept graph: each the Leiden of a graph made anew
    fresh = [
        communities.agreement(
            communities.leiden(Graph(g.nodes, g.src, g.dst, g.weight), seed=seed + k).membership,
            first.membership,
        ).nmi
        for k in (1, 2)
    ]
    assert communities.stability(g, first, seeds=2) == float(np.mean(fresh))
    assert communities._KEPT not in u.__dict__  # let go of
    communities.leiden(g, seed=seed)
    assert np.isnan(communities.stability(g, first, seeds=0))
    assert communities._KEPT not in u.__dict__
