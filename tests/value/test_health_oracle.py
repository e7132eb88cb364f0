"""Community health's insularity and composition (value/community_health._insularity and
_composition, on integer codes) against the pandas formulations they replaced (merges of
the ties with the members, group-bys on the names): the same figures, bit for bit, on
random memberships with units shared, people outside the org chart, missing teams and
managers, and tie weights that are not sums of halves (a decayed tie)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from groundswell.value.community_health import _composition, _insularity


def _insularity_oracle(members: pd.DataFrame, ties: pd.DataFrame) -> pd.Series:
    m = members[["unit_key", "person_id"]].drop_duplicates()
    a = ties.merge(m.rename(columns={"person_id": "actor_id"}), on="actor_id")
    b = ties.merge(m.rename(columns={"person_id": "target_id"}), on="target_id")
    inside = a.merge(m.rename(columns={"person_id": "target_id"}), on=["unit_key", "target_id"])
    w_a = a.groupby("unit_key")["weight"].sum()
    w_b = b.groupby("unit_key")["weight"].sum()
    both = inside.groupby("unit_key")["weight"].sum()
    touching = w_a.add(w_b, fill_value=0).sub(both, fill_value=0)
    return both.reindex(touching.index).fillna(0.0) / touching


def _composition_oracle(members: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    m = members[["unit_key", "person_id"]].drop_duplicates()
    m = m.join(people[["team", "department", "manager_id"]], on="person_id")
    size = m.groupby("unit_key").size()
    out = {}
    for col in ("team", "department"):
        counts = m.groupby(["unit_key", col]).size()
        out[f"top_{col}_share"] = counts.groupby(level=0).max() / size
    led = pd.concat(
        [
            m[["unit_key", "person_id"]].assign(lead=m["manager_id"]),
            m[["unit_key", "person_id"]].assign(lead=m["person_id"]),
        ]
    ).dropna(subset=["lead"])
    units = led.groupby(["unit_key", "lead"])["person_id"].nunique()
    out["top_unit_share"] = units.groupby(level=0).max() / size
    out["teams"] = m.groupby("unit_key")["team"].nunique()
    return pd.DataFrame(out).fillna(0.0)


def _people(rng: np.random.Generator, n: int, dtype: str) -> pd.DataFrame:
    ids = [f"p{i}" for i in range(n)]
    team = rng.integers(0, 7, n).astype(str).astype(object)
    team[rng.random(n) < 0.1] = None
    dept = rng.integers(0, 3, n).astype(str).astype(object)
    dept[rng.random(n) < 0.1] = None
    boss = np.array([f"p{j}" for j in rng.integers(0, n, n)], dtype=object)
    boss[rng.random(n) < 0.2] = None
    boss[rng.random(n) < 0.05] = "outside"  # a manager missing from the org chart
    frame = pd.DataFrame(
        {"team": team, "department": dept, "manager_id": boss}, index=pd.Index(ids)
    )
    return frame.astype(dtype).rename_axis("person_id")


def _members(rng: np.random.Generator, rows: int, people: int, units: int, dtype: str):
    unit = rng.integers(0, units, rows).astype(str).astype(object)
    unit[rng.random(rows) < 0.03] = None  # a unit without a name
    person = np.array([f"p{i}" for i in rng.integers(0, people + 5, rows)], dtype=object)
    return pd.DataFrame({"unit_key": unit, "person_id": person}).astype(dtype)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("dtype", ["str", "object"])
def test_insularity_and_composition_equal_the_merge_formulation(seed: int, dtype: str) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    people = _people(rng, n, dtype)
    members = _members(rng, 0 if seed == 0 else int(rng.integers(1, 150)), n, 9, dtype)
    m = int(rng.integers(0, 400))
    ties = pd.DataFrame(
        {
            "actor_id": [f"p{i}" for i in rng.integers(0, n + 5, m)],
            "target_id": [f"p{i}" for i in rng.integers(0, n + 5, m)],
            "weight": rng.random(m) * np.exp(rng.normal(0, 3, m)),  # decayed weights
        }
    ).astype({"actor_id": dtype, "target_id": dtype})
    got, want = _insularity(members, ties), _insularity_oracle(members, ties)
    assert list(got.index) == list(want.index)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    got_c, want_c = _composition(members, people), _composition_oracle(members, people)
    got_c, want_c = got_c.sort_index(), want_c.sort_index()[list(got_c.columns)]
    assert list(got_c.index) == list(want_c.index)
    pd.testing.assert_frame_equal(
        got_c.reset_index(drop=True), want_c.reset_index(drop=True), check_exact=True
    )
    assert len(want) or members.empty or not m  # a case that says something
