"""finding_sections._rows: the rows of a findings table as plain values, column by column
(faster than the frame-wide conversion it replaced, which stays as the oracle and for frames
with repeated column names): the same values of the same Python types, so the stored JSON
is the same text."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from groundswell.value import finding_sections as fs
from groundswell.value.findings import _plain


def _awkward() -> pd.DataFrame:
    t = pd.Timestamp("2024-03-01 10:00", tz="UTC")
    return pd.DataFrame(
        {
            "int": [1, 2, 3],
            "float": [0.5, np.nan, 2.0],
            "arrow text": pd.array(["x", None, "z"], dtype="str"),
            "object text": ["p", None, "q"],
            "flag": [True, False, True],
            "aware time": [t, pd.NaT, t],
            "naive time": [pd.Timestamp("2024-01-01"), pd.NaT, pd.Timestamp("2024-01-02")],
            "nullable int": pd.array([1, None, 3], dtype="Int64"),
            "int32": np.array([1, 2, 3], dtype=np.int32),
            "nothing": [None, None, None],
            "category": pd.Categorical(["a", None, "a"]),
        }
    )


def test_rows_are_the_frame_wide_conversion_value_for_value() -> None:
    df = _awkward()
    new, old = fs._rows(df), fs._rows_frame(df)
    assert json.dumps(new, default=_plain) == json.dumps(old, default=_plain)
    for a, b in zip(new, old, strict=True):
        assert list(a) == list(b)
        assert [type(v) for v in a.values()] == [type(v) for v in b.values()]
    assert new[1]["float"] is None and new[1]["aware time"] is None
    assert new[0]["aware time"] == "2024-03-01T10:00:00+0000"


def test_repeated_column_names_and_an_empty_frame() -> None:
    df = pd.DataFrame([[1, 2.5], [3, np.nan]], columns=["x", "x"])
    with pytest.warns(UserWarning, match="not unique"):  # pandas keeps the last "x"
        assert fs._rows(df) == [{"x": 2.5}, {"x": None}]
    assert fs._rows(_awkward().iloc[0:0]) == []
