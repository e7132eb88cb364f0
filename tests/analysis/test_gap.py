from __future__ import annotations

import pandas as pd
import pytest

from groundswell.analysis.gap import perception_gap


def test_verdicts_by_hand() -> None:
    score = pd.Series({f"p{i}": float(i) for i in range(1, 21)})  # p20 is the most sought out
    got = perception_gap(["p20", "p3", "p14", "ghost"], score, top=0.10)
    verdict = got["verdict"].to_dict()
    assert verdict == {
        "p20": "confirmed",
        "p19": "unseen",
        "p14": "partly",
        "p3": "unsupported",
        "ghost": "unsupported",
    }
    assert list(got.index[:2]) == ["p20", "p19"]
    with pytest.raises(ValueError, match="top"):
        perception_gap([], score, top=1.5)
