"""Outcome plants: results that depend on the network in one department and not in another.

:func:`outcomes` writes, for a synthetic organisation, the outcome file an HR or sales system
would give (one row per person, measure and quarter), planting three things that
:mod:`groundswell.analysis.outcome_stats` must find, recorded in the returned truth:

* **goal attainment that follows brokerage in one department** — in ``depends`` (Sales by
  default) a person's attainment against target rises with their rank in brokerage
  (``brokerage``, e.g. their betweenness in the measured network): target × (0.8 + 0.4 ×
  rank + noise);
* **the same measure that does not in another** — in ``flat`` (Engineering) attainment is
  target × (1 + noise), whatever the network;
* **positive deviants by results** — three people of ``flat`` whose attainment is far above
  their peers of the same department and level (+60% of target), whatever their network;
* a team **engagement score** with no link to the network at all (a null the statistics must
  not call a link).

People are named as source systems name them: the HR id in one department, the email in the
other (so the reader's resolution is exercised). Everything is drawn from ``seed``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MEASURE", "outcomes", "write_outcomes"]

MEASURE = "goal attainment"
ENGAGEMENT = "engagement score"


def outcomes(
    people: pd.DataFrame,
    brokerage: pd.Series,
    *,
    depends: str = "Sales",
    flat: str = "Engineering",
    quarter: str = "2024-03-31",
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The outcome rows (employee, team, measure, value, target, date) and the planted truth.

    ``people`` is the synthetic HR file (:data:`groundswell.synth.HR_COLUMNS`); ``brokerage``
    a brokerage score by ``employee_id`` (people without one rank lowest).
    """
    rng = np.random.default_rng(seed)
    hr = people.set_index("employee_id")
    rows: list[pd.DataFrame] = []
    # the plant: attainment follows the rank of brokerage within the department
    mine = hr[hr["department"] == depends]
    score = brokerage.reindex(mine.index).fillna(-1.0)
    rank = score.rank(pct=True).to_numpy()
    target = rng.choice([100_000.0, 150_000.0, 200_000.0], len(mine))
    value = target * (0.8 + 0.4 * rank + rng.normal(0, 0.06, len(mine)))
    rows.append(
        pd.DataFrame(
            {"person": mine["email"].to_numpy(), "value": value.round(0), "target": target}
        )
    )
    # no plant: attainment is noise around the target, but for three positive deviants
    other = hr[hr["department"] == flat]
    target = np.full(len(other), 100.0)
    value = target * (1.0 + rng.normal(0, 0.08, len(other)))
    level_sizes = other.groupby("level")["level"].transform("size")
    pool = np.flatnonzero((level_sizes >= 20).to_numpy())
    picked: np.ndarray = rng.choice(pool, size=min(3, len(pool)), replace=False)
    value[picked] += 60.0
    rows.append(
        pd.DataFrame({"person": other.index.to_numpy(), "value": value.round(1), "target": target})
    )
    frame = pd.concat(rows, ignore_index=True).assign(measure=MEASURE, date=quarter, team="")
    # a team-level engagement score with no link to anything
    teams = hr["team"].dropna().unique()
    engagement = pd.DataFrame(
        {
            "person": "",
            "team": teams,
            "measure": ENGAGEMENT,
            "value": rng.normal(3.8, 0.3, len(teams)).round(2),
            "target": np.nan,
            "date": quarter,
        }
    )
    frame = pd.concat([frame, engagement], ignore_index=True)[
        ["person", "team", "measure", "value", "target", "date"]
    ]
    truth = {
        "measure": MEASURE,
        "depends_on_brokerage": depends,
        "independent_of_network": flat,
        "positive_deviants": sorted(str(e) for e in other.index[picked]),
        "null_measure": ENGAGEMENT,
    }
    return frame, truth


def write_outcomes(
    people: pd.DataFrame, brokerage: pd.Series, path: Path, *, seed: int = 0, **options: Any
) -> tuple[Path, dict[str, Any]]:
    """:func:`outcomes` written as a CSV at ``path``; returns the path and the truth."""
    frame, truth = outcomes(people, brokerage, seed=seed, **options)
    frame.to_csv(path, index=False)
    return path, truth
