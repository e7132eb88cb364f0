"""The value tables' one door to the privacy gate (``value._base.gate_rows``): the rows it
removes are exactly those :func:`groundswell.privacy.suppressed_groups` names, per scale, and
the merged row shows no figure and no size."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.privacy import SUPPRESSED, suppressed_groups
from groundswell.value._base import gate_rows

sizes = st.lists(st.integers(min_value=0, max_value=12), min_size=0, max_size=12)


@settings(max_examples=60, deadline=None)
@given(a=sizes, b=sizes, min_size=st.integers(min_value=1, max_value=8))
def test_gate_rows_follows_the_gate_per_scale(a: list[int], b: list[int], min_size: int) -> None:
    table = pd.DataFrame(
        {
            "scale": ["team"] * len(a) + ["channel"] * len(b),
            "group": [f"t{i}" for i in range(len(a))] + ["same"] * len(b),  # channels share a name
            "size": a + b,
            "score": np.linspace(0, 1, len(a) + len(b)),
        }
    )
    kept, merged = gate_rows(table, size="size", name="group", min_size=min_size, within="scale")
    for scale, part in table.groupby("scale"):
        hidden = suppressed_groups(part["size"].reset_index(drop=True), min_size)
        expected = part.reset_index(drop=True).drop(index=sorted(hidden))
        got = kept[kept["scale"] == scale]
        assert got["size"].tolist() == expected["size"].tolist()
        assert (got["size"] >= min_size).all()
        row = merged[merged["scale"] == scale].reindex(columns=table.columns)  # as concatenated
        assert len(row) == (1 if hidden else 0)
        assert (row["group"] == SUPPRESSED).all()
        assert row[["size", "score"]].isna().all(axis=None)


def test_without_a_scale_one_merged_row() -> None:
    table = pd.DataFrame({"channel": ["a", "b", "c"], "people": [1, 9, 6], "rate": [1.0, 0.5, 0.2]})
    kept, merged = gate_rows(table, size="people", name="channel", min_size=5)
    assert kept["channel"].tolist() == ["b"]  # a is small, c goes with it (complementary)
    assert merged["channel"].tolist() == [SUPPRESSED]
    assert merged[["people", "rate"]].isna().all(axis=None)
