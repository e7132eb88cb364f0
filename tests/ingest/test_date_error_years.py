"""``common.date_error`` words the error for any date it refuses, even one strftime cannot
write: a Teams channel created in year -1 (tests/fuzz/corpus/teams) made it raise
NotImplementedError from ``Timestamp.strftime`` instead of the InputError it was building.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from groundswell.errors import InputError
from groundswell.ingest import common

BOUNDS = common.DateBounds(
    pd.Timestamp("1990-01-01", tz="UTC"), pd.Timestamp("2030-01-01", tz="UTC")
)
WHERE = common.Record(Path("channels.json"), "createdDateTime", line=1, unit="record")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (pd.Timestamp("-0001-01-01", tz="UTC"), "-0001-01-01 00:00:00 UTC"),
        (pd.Timestamp("0000-06-01 01:02:03"), "0000-06-01 01:02:03 UTC"),
        (pd.Timestamp("1200-03-04", tz="UTC"), "1200-03-04 00:00:00 UTC"),
    ],
)
def test_a_date_strftime_cannot_write_is_shown(value: pd.Timestamp, shown: str) -> None:
    err = common.date_error(BOUNDS, WHERE, value)
    assert isinstance(err, InputError)
    assert "createdDateTime is before the earliest date accepted" in str(err)
    assert f"found {shown!r}" in str(err)


def test_the_text_read_is_shown_as_written() -> None:
    err = common.date_error(BOUNDS, WHERE, pd.Timestamp("-0001-01-01", tz="UTC"), "-0001-01-01")
    assert str(err).endswith("found '-0001-01-01'")
