"""Roles on hand-built tables, where each rule can be checked by eye."""

from __future__ import annotations

import numpy as np
import pandas as pd

from groundswell.analysis.roles import ROLES, overlap, roles


def table(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "in_degree": rng.integers(3, 8, n),
            "out_degree": rng.integers(3, 8, n),
            "pagerank": rng.uniform(0.01, 0.02, n),
            "betweenness": rng.uniform(0, 0.01, n),
            "constraint": rng.uniform(0.3, 0.6, n),
            "departments_reached": rng.integers(0, 2, n),
            "posts": rng.integers(0, 5, n),
            "given": rng.integers(0, 5, n),
            "boundary_share": rng.uniform(0, 0.3, n),
            "department": ["A"] * (n // 2) + ["B"] * (n - n // 2),
            "level": [3] * n,
        },
        index=[f"p{i}" for i in range(n)],
    )
    return df


def test_each_role_picks_the_person_planted_for_it() -> None:
    df = table()
    df.loc["p0", ["in_degree", "out_degree"]] = [60, 60]  # hub
    df.loc["p1", ["betweenness", "constraint"]] = [0.5, 0.05]  # broker
    df.loc["p2", "departments_reached"] = 6  # boundary spanner
    df.loc["p3", "pagerank"] = 0.2  # influencer (and a positive deviant in A)
    df.loc["p4", ["in_degree", "out_degree"]] = [1, 0]  # peripheral
    df.loc["p5", ["in_degree", "out_degree"]] = [0, 0]  # isolated
    df.loc["p6", "posts"] = 90  # activist
    df.loc["p7", "given"] = 90  # advocate
    df.loc["p8", "boundary_share"] = 0.9  # maverick
    held = roles(df)
    assert list(held.columns) == list(ROLES)
    for person, role in [
        ("p0", "hub"),
        ("p1", "broker"),
        ("p2", "boundary_spanner"),
        ("p3", "influencer"),
        ("p4", "peripheral"),
        ("p5", "isolated"),
        ("p6", "activist"),
        ("p7", "advocate"),
        ("p8", "maverick"),
        ("p3", "positive_deviant"),
    ]:
        assert held.loc[person, role], (person, role)
    assert not held.loc["p9"].any()  # an ordinary person holds no role
    assert held["positive_deviant"].sum() == 1


def test_peer_groups_below_the_minimum_make_no_deviants() -> None:
    df = table(8)
    df.loc["p0", "pagerank"] = 0.9
    assert not roles(df, min_group_size=5)["positive_deviant"].any()


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
