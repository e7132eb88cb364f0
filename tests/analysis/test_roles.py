"""Roles: each rule on hand-built tables, its regression against statsmodels / scipy /
the normal equations, its graph measures against NetworkX, and the exact top share (ties broken by
the stated rule) on a graph where every score ties and on the Viva sample."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from groundswell.analysis import measures
from groundswell.analysis.roles import (
    ROLES,
    SHARES,
    atypical_share,
    fit_ols,
    multiple,
    overlap,
    roles,
    scores,
    seekers_in_degree,
    size_residual,
    top_share,
)
from groundswell.network.graph import Graph

VIVA = (
    Path(__file__).resolve().parents[3]
    / "shared/data/viva-insights-vivainsights-pkg/vivainsights/data/p2p_data.csv"
)
if not VIVA.exists():  # the worktree sits at /work/wt/NAME, the data at /work/shared/data
    VIVA = Path("/work/shared/data/viva-insights-vivainsights-pkg/vivainsights/data/p2p_data.csv")


def table(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    deg = rng.integers(3, 8, n)
    df = pd.DataFrame(
        {
            "in_degree": deg,
            "out_degree": deg,
            "in_strength": deg * 2.0,
            "out_strength": deg * 2.0,
            "pagerank": rng.uniform(0.01, 0.02, n),
            "seekers_in_degree": deg * rng.uniform(0.9, 1.1, n),
            "constraint": 1 / (2 * deg) * rng.uniform(0.9, 1.1, n),
            "departments_reached": rng.integers(0, 2, n),
            "posts": deg * rng.integers(1, 3, n),
            "given": deg * rng.integers(3, 5, n),
            "boundary_share": rng.uniform(0, 0.3, n),
            "atypical_share": rng.uniform(0, 0.2, n),
            "department": ["A"] * (n // 2) + ["B"] * (n - n // 2),
            "level": [3] * n,
        },
        index=[f"p{i:02d}" for i in range(n)],
    )
    return df


def test_each_role_picks_the_person_planted_for_it_and_no_one_else() -> None:
    df = table()
    df.loc["p00", ["in_degree", "out_degree"]] = [60, 60]  # hub: size alone
    df.loc["p00", "constraint"] = 1 / 120  # as constrained as size makes anyone
    df.loc["p00", ["posts", "given"]] = [20, 60]  # no more active than anyone
    df.loc["p00", "seekers_in_degree"] = 60
    df.loc["p01", "constraint"] = 0.02  # broker: far less constrained than their size
    df.loc["p02", ["departments_reached", "boundary_share"]] = [3, 0.45]  # spanner
    df.loc["p03", "seekers_in_degree"] = 40  # influencer: sought by the sought-out
    df.loc["p04", ["in_degree", "out_degree"]] = [1, 0]  # peripheral
    df.loc["p05", ["in_degree", "out_degree"]] = [0, 0]  # isolated
    df.loc["p06", "posts"] = 400  # activist
    df.loc["p07", "given"] = 900  # advocate
    df.loc["p08", ["boundary_share", "atypical_share", "departments_reached"]] = [0.9, 0.8, 2]
    df.loc["p09", "pagerank"] = 0.2  # a network positive deviant in A
    held = roles(df)
    assert list(held.columns) == list(ROLES)
    planted = {
        "hub": "p00",
        "broker": "p01",
        "boundary_spanner": "p02",
        "influencer": "p03",
        "peripheral": "p04",
        "isolated": "p05",
        "activist": "p06",
        "advocate": "p07",
        "maverick": "p08",
        "network_positive_deviant": "p09",
    }
    for role, person in planted.items():
        assert held.loc[person, role], (person, role)
    for role in SHARES:  # a top 5% of 40 is 2 people (ceil), at most
        assert held[role].sum() <= math.ceil(0.05 * len(df))
    # the hub is in no other ranked list: size alone does not make a broker or influencer
    assert held.loc["p00", [r for r in SHARES if r != "hub"]].sum() == 0


def test_peer_groups_below_the_minimum_make_no_deviants() -> None:
    df = table(8)
    df.loc["p00", "pagerank"] = 0.9
    assert not roles(df, min_group_size=5)["network_positive_deviant"].any()


def test_top_share_is_exact_when_every_score_ties() -> None:
    n = 101
    score = pd.Series(1.0, index=[f"q{i:03d}" for i in range(n)])
    held = top_share(score, 0.05)
    assert held.sum() == math.ceil(0.05 * n) == 6
    # the stated tie-break: higher tiebreak first, then the person id ascending
    assert list(held.index[held]) == [f"q{i:03d}" for i in range(6)]
    tie = pd.Series(np.arange(n, dtype=float), index=score.index)
    held = top_share(score, 0.05, tiebreak=tie)
    assert set(held.index[held]) == {f"q{i:03d}" for i in range(n - 6, n)}
    # and on a graph: a ring, where every degree ties, has exactly ceil(5%) hubs
    ring = Graph.from_edges(
        [f"r{i:03d}" for i in range(n)],
        [(f"r{i:03d}", f"r{(i + 1) % n:03d}", 1.0) for i in range(n)],
    )
    people, _ = measures.individual(ring, pd.Series(dtype=object), exact_max_nodes=200)
    held = roles(people)
    assert held["hub"].sum() == 6
    assert not held["broker"].any() and not held["influencer"].any()  # no one beyond size


def test_fewer_are_held_only_when_fewer_are_eligible() -> None:
    score = pd.Series([3.0, 2.0, np.nan, np.nan], index=list("abcd"))
    assert top_share(score, 0.9).sum() == 2  # ceil(3.6) = 4 asked, 2 have a score
    assert top_share(score, 0.25).tolist() == [True, False, False, False]


def test_the_ols_fit_matches_statsmodels_scipy_and_scikit_learn() -> None:
    rng = np.random.default_rng(4)
    x = rng.lognormal(2, 1, (200, 2))
    y = 0.3 + 0.8 * np.log(x[:, 0]) - 0.2 * x[:, 1] + rng.normal(0, 0.3, 200)
    one = fit_ols(np.log(x[:, 0]), y)
    ref = stats.linregress(np.log(x[:, 0]), y)
    assert one.slopes[0] == pytest.approx(ref.slope)
    assert one.intercept == pytest.approx(ref.intercept)
    assert one.r2 == pytest.approx(ref.rvalue**2)
    design = np.column_stack([np.log(x[:, 0]), x[:, 1]])
    two = fit_ols(design, y)
    xx = np.column_stack([np.ones(len(y)), design])  # the normal equations, by hand
    beta = np.linalg.solve(xx.T @ xx, xx.T @ y)
    assert (two.intercept, *two.slopes) == pytest.approx(tuple(beta))
    sm = pytest.importorskip("statsmodels.api")
    res = sm.OLS(y, sm.add_constant(design)).fit()
    assert (two.intercept, *two.slopes) == pytest.approx(tuple(res.params))
    assert two.r2 == pytest.approx(res.rsquared)


def test_size_residual_is_the_residual_on_log_size() -> None:
    rng = np.random.default_rng(5)
    size = pd.Series(rng.integers(1, 60, 80).astype(float))
    y = pd.Series(-0.9 * np.log(size) + rng.normal(0, 0.2, 80))
    eligible = size >= 2
    resid, fit = size_residual(y, size, eligible)
    ref = stats.linregress(np.log(size[eligible]), y[eligible])
    expected = y[eligible] - (ref.intercept + ref.slope * np.log(size[eligible]))
    assert resid[eligible].to_numpy() == pytest.approx(expected.to_numpy())
    assert resid[~eligible].isna().all() and fit.n == int(eligible.sum())


def _karate() -> tuple[Graph, nx.DiGraph]:
    und = nx.karate_club_graph()
    d = nx.DiGraph()
    for u, v in und.edges():
        d.add_edge(f"k{u:02d}", f"k{v:02d}", weight=1.0)
        if (u + v) % 3:  # some ties one way only
            d.add_edge(f"k{v:02d}", f"k{u:02d}", weight=2.0)
    g = Graph.from_edges(sorted(d.nodes), [(u, v, w["weight"]) for u, v, w in d.edges(data=True)])
    return g, d


def test_broker_and_influencer_scores_against_networkx_and_scipy() -> None:
    g, d = _karate()
    people, _ = measures.individual(g, pd.Series(dtype=object), exact_max_nodes=100)
    people["seekers_in_degree"] = seekers_in_degree(g)
    s, fits = scores(people)
    nodes = list(g.nodes)
    # broker: minus the residual of log(constraint) on log(degree), constraint from NetworkX
    und = nx.Graph()
    for u, v, w in d.edges(data=True):  # Burt's p_ij from the sum of both directions
        und.add_edge(u, v, weight=und.get_edge_data(u, v, {"weight": 0})["weight"] + w["weight"])
    c = pd.Series(nx.constraint(und, weight="weight")).reindex(nodes)
    deg = pd.Series({v: d.in_degree(v) + d.out_degree(v) for v in nodes}).reindex(nodes)
    ok = deg >= 2
    ref = stats.linregress(np.log(deg[ok]), np.log(c[ok]))
    expected = -(np.log(c[ok]) - ref.intercept - ref.slope * np.log(deg[ok]))
    assert s.loc[ok, "broker_score"].to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-9)
    assert fits["broker"].slopes[0] == pytest.approx(ref.slope)
    # influencer: the weighted mean in-degree of the people who turn to one, from NetworkX
    indeg = dict(d.in_degree())
    seek = {
        v: sum(d[u][v]["weight"] * indeg[u] for u in d.predecessors(v))
        / sum(d[u][v]["weight"] for u in d.predecessors(v))
        for v in nodes
        if d.in_degree(v)
    }
    assert people["seekers_in_degree"].reindex(list(seek)).to_numpy() == pytest.approx(
        list(seek.values())
    )


def test_atypical_share_by_hand() -> None:
    # A talks to B a lot (its usual partner) and to C once; a1's only outside tie goes to C
    edges = [("a0", "b0", 4.0), ("a2", "b1", 4.0), ("a1", "c0", 2.0), ("a1", "a0", 2.0)]
    g = Graph.from_edges(["a0", "a1", "a2", "b0", "b1", "c0"], edges)
    dept = pd.Series({"a0": "A", "a1": "A", "a2": "A", "b0": "B", "b1": "B", "c0": "C"})
    got = atypical_share(g, dept)
    # A's cross weight: 8 to B, 2 to C -> p(A->B) = 0.8, p(A->C) = 0.2
    assert got["a1"] == pytest.approx((2 * (1 - 0.2)) / 4)  # half its weight, rare
    assert got["a0"] == pytest.approx((4 * (1 - 0.8)) / 6)  # two thirds, the usual way
    assert got["c0"] == pytest.approx(1.0 * (1 - 1.0))  # C only deals with A: usual


def test_viva_sample_top_five_percent_is_five_percent() -> None:
    if not VIVA.exists():
        pytest.skip("the Viva sample is not here (../shared/data)")
    raw = pd.read_csv(VIVA)
    edges = raw[["PrimaryCollaborator_PersonId", "SecondaryCollaborator_PersonId"]].assign(w=1.0)
    g = Graph.from_edges([], edges)
    people = pd.DataFrame(
        {
            "in_degree": np.bincount(g.dst, minlength=g.n),
            "out_degree": np.bincount(g.src, minlength=g.n),
        },
        index=pd.Index(g.nodes, name="person_id"),
    )
    from groundswell.analysis import centrality

    people["pagerank"] = centrality.pagerank(g).to_numpy()
    people["seekers_in_degree"] = seekers_in_degree(g)
    assert g.n == 3783
    # the old rule: at or above the 95th percentile of PageRank, ties included
    old = (people["pagerank"] >= np.percentile(people["pagerank"], 95)).sum()
    assert old > 0.3 * g.n  # the bug: 1,461 people above a "top 5%" line
    held = roles(people)
    assert held["hub"].sum() == math.ceil(0.05 * g.n) == 190
    assert held["influencer"].sum() <= 190
    assert multiple(held).max() <= len(SHARES)


def test_overlap_is_jaccard() -> None:
    held = pd.DataFrame(
        {
            "hub": [True, True, False, False],
            "influencer": [True, False, True, False],
            "broker": [False] * 4,
        }
    )
    o = overlap(held)
    assert list(o.columns) == ["hub", "influencer"]  # empty lists are left out
    assert o.loc["hub", "influencer"] == 1 / 3 and o.loc["hub", "hub"] == 1
    assert multiple(held).tolist() == [2, 1, 1, 0]


def _top_share_by_sorting(
    score: pd.Series, share: float, eligible: pd.Series | None, tiebreak: object
) -> pd.Series:
    """top_share as pandas' three-key sort_values (its code before issue 20's small-analyze
    round): the oracle of the array version."""
    k = math.ceil(share * len(score) - 1e-9)
    ok = score.notna() if eligible is None else (eligible.fillna(False) & score.notna())
    frame = pd.DataFrame(
        {
            "score": score[ok].astype(float),
            "tie": (0.0 if tiebreak is None else pd.Series(tiebreak, index=score.index)[ok]),
            "id": score.index[ok].astype(str),
        }
    )
    frame = frame.sort_values(["score", "tie", "id"], ascending=[False, False, True])
    out = pd.Series(False, index=score.index)
    out[frame.index[:k]] = True
    return out


def test_top_share_equals_a_three_key_sort_on_random_scores() -> None:
    rng = np.random.default_rng(11)
    for _ in range(400):
        n = int(rng.integers(0, 60))
        idx = pd.Index([f"p{i:03d}" if rng.random() < 0.7 else f"Q{i}" for i in rng.permutation(n)])
        values = rng.integers(0, 4, n).astype(float)  # many equal scores
        values[rng.random(n) < 0.2] = np.nan
        values[rng.random(n) < 0.1] = -0.0
        score = pd.Series(values, index=idx)
        eligible = None if rng.random() < 0.3 else pd.Series(rng.random(n) < 0.8, index=idx)
        pick = rng.random()
        tiebreak: object = None
        if pick > 0.5:
            ties = rng.integers(0, 3, n).astype(float)
            ties[rng.random(n) < 0.2] = np.nan  # a missing tiebreak comes last
            tiebreak = pd.Series(ties, index=idx).sample(frac=1.0, random_state=1)  # aligned
        elif pick > 0.3:
            tiebreak = 1.0
        share = float(rng.choice([0.01, 0.1, 0.25, 0.5, 1.0]))
        pd.testing.assert_series_equal(
            top_share(score, share, eligible=eligible, tiebreak=tiebreak),
            _top_share_by_sorting(score, share, eligible, tiebreak),
            check_exact=True,
        )


def test_overlap_equals_the_pairwise_count_on_random_roles() -> None:
    """overlap as one matrix product against the count of every pair of roles (its code
    before issue 20's small-analyze round), bit for bit."""
    rng = np.random.default_rng(5)
    for _ in range(200):
        n, k = int(rng.integers(0, 60)), int(rng.integers(1, 10))
        held = pd.DataFrame(rng.random((n, k)) < rng.random(k), columns=[f"r{i}" for i in range(k)])
        names = [c for c in held.columns if held[c].any()]
        want = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                both = (held[a] & held[b]).sum()
                either = (held[a] | held[b]).sum()
                want.loc[a, b] = want.loc[b, a] = both / either
        pd.testing.assert_frame_equal(overlap(held), want, check_exact=True)
