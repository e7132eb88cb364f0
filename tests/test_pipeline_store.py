"""The scores ``analyze`` stores as rows (person_id, metric, value): the same rows, in the same
order and types, as pandas' ``melt`` of the scores, whatever the columns' types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from groundswell.pipeline import _long_scores


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
    pd.testing.assert_frame_equal(_long_scores(scores), want, check_exact=True)
