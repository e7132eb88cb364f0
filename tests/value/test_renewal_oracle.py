"""Renewal (value/community_health._renewal, by integer pairs and bincounts) against the
straightforward pandas formulation it replaced (merges of the three windows' memberships,
then a groupby): the same table on random memberships, named and unnamed units, empty
windows, Arrow strings and plain objects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from groundswell.value._base import ratio
from groundswell.value.community_health import _renewal


def _oracle(now: pd.DataFrame, before: pd.DataFrame, older: pd.DataFrame) -> pd.DataFrame:
    key = ["unit_key", "person_id"]
    w = now[key].drop_duplicates().assign(w=True)
    p = before[key].drop_duplicates().assign(p=True)
    q = older[key].drop_duplicates().assign(q=True)
    m = w.merge(p, on=key, how="outer").merge(q, on=key, how="left")
    m = m.fillna({"w": False, "p": False, "q": False}).infer_objects()
    m["joined"] = m["w"] & ~m["p"] & ~m["q"]
    m["left"] = m["p"] & ~m["w"]
    m["stay"] = m["w"] & m["p"]
    m["new_p"] = m["p"] & ~m["q"]
    m["new_p_stay"] = m["new_p"] & m["w"]
    g = m.groupby("unit_key")[["w", "p", "joined", "left", "stay", "new_p", "new_p_stay"]].sum()
    out = pd.DataFrame(index=g.index)
    out["size"] = g["w"]
    out["previous_size"] = g["p"]
    out["joined"] = g["joined"]
    out["left"] = g["left"]
    out["newcomer_share"] = ratio(g["joined"], g["w"])
    out["retention"] = np.where(g["p"] > 0, ratio(g["stay"], g["p"]), np.nan)
    out["newcomers_stayed"] = np.where(g["new_p"] > 0, ratio(g["new_p_stay"], g["new_p"]), np.nan)
    return out


def _members(rng: np.random.Generator, n: int, dtype: str, units: int = 6) -> pd.DataFrame:
    unit = rng.integers(0, units, n).astype(str).astype(object)
    unit[rng.random(n) < 0.05] = None  # a unit without a name
    person = (rng.integers(0, 40, n)).astype(str)
    return pd.DataFrame(
        {"unit_key": pd.Series(unit, dtype=dtype), "person_id": pd.Series(person, dtype=dtype)}
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dtype", ["str", "object"])
def test_renewal_equals_the_merge_formulation(seed: int, dtype: str) -> None:
    rng = np.random.default_rng(seed)
    sizes = [int(x) for x in rng.integers(0, 80, 3)]
    if seed == 0:
        sizes = [30, 0, 0]  # no earlier window
    now, before, older = (_members(rng, n, dtype) for n in sizes)
    got, want = _renewal(now, before, older), _oracle(now, before, older)
    assert list(got.index) == list(want.index)
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want.reset_index(drop=True), check_exact=True
    )
    assert len(got) or not sizes[0] + sizes[1]  # a table that says something
