"""Response rates by department through the privacy gate: no department's invited count
follows from the total less the shown ones, even when the small departments merged reach
the minimum only with one person each."""

from __future__ import annotations

import groundswell as gs
from groundswell.privacy import SUPPRESSED
from groundswell.survey import model
from tests.survey.conftest import build


def test_one_person_departments_cannot_be_told_apart(tmp_path) -> None:
    # five departments of one person: merged they hold 5 (the minimum), yet the total less
    # Eng and Sales would say each holds exactly one; Eng (the smallest shown) goes too
    solo = [f"Solo{i}" for i in range(5)]
    folder = build(tmp_path / "ws", ["Eng"] * 6 + ["Sales"] * 7 + solo)
    with gs.open(folder) as ws:
        s = model.create(ws, "S")
        model.launch(ws, s, base_url="https://ona.example.com")
        rate = model.response_rate(ws, s)
    shown = {d["department"]: d["invited"] for d in rate["departments"]}
    assert shown == {"Sales": 7, SUPPRESSED: None}
    assert rate["invited"] - shown["Sales"] == 11  # six departments share 11 people
