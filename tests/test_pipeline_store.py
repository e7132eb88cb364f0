"""The scores and group figures ``analyze`` stores as rows (person_id or group_name, metric,
value): the same rows, in the same order and types, as pandas' ``melt``, whatever the columns'
types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from groundswell.pipeline import _long


@pytest.mark.parametrize(
    "columns",
    [
        {"in_degree": [3, 0, 1], "pagerank": [0.5, 0.25, 0.25]},  # int and float: float
        {"k_core": [2, 1, 1], "posts": [7, 0, 4]},  # all int: int
        {"pagerank": [0.5, np.nan, 0.1], "flag": pd.array([1, None, 2], dtype="Int64")},
        {"pagerank": [0.5, 0.2, 0.1], "persona": ["a", "b", "c"]},  # not numbers: by melt
        {"pagerank": np.array([], dtype=np.float64)},
    ],
)
def test_scores_as_rows_are_the_melt_of_the_scores(columns: dict) -> None:
    rows = len(next(iter(columns.values())))
    scores = pd.DataFrame(columns, index=pd.Index([f"p{i}" for i in range(rows)][::-1]))
    want = (
        scores.rename_axis("person_id")
        .reset_index()
        .melt(id_vars="person_id", var_name="metric", value_name="value")
    )
    pd.testing.assert_frame_equal(_long(scores, "person_id"), want, check_exact=True)


@pytest.mark.parametrize(
    "index",
    [
        pd.Index(["Sales", "(suppressed)", "R&D"], name="group"),
        pd.Index(["Sales", "(unknown)", "R&D"], dtype=object, name="group"),
        pd.Index([7, "Oslo", 3.5], dtype=object, name="group"),  # not only text
    ],
)
def test_group_figures_as_rows_are_the_melt_of_the_figures(index: pd.Index) -> None:
    figures = pd.DataFrame(
        {"size": [12, 9, 5], "ei": [-0.5, np.nan, 0.25], "silo": [1.0, 0.0, 0.0]}, index=index
    )
    want = (
        figures.rename_axis("group_name")
        .reset_index()
        .melt(id_vars="group_name", var_name="metric")
    )
    pd.testing.assert_frame_equal(_long(figures, "group_name"), want, check_exact=True)
