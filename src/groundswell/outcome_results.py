"""Outcomes against the network, as ``analyze`` stored them: read, never recomputed.

``analyze`` computes the correlations and the positive deviants by results
(:mod:`groundswell.outcome_links`) and stores them in ``outcome_links`` and
``outcome_deviants``, and what they say in ``outcome_readings``; :func:`read` returns them
for the report, the dashboard, the CLI
(``groundswell outcomes``) and notebooks (:meth:`groundswell.run.Run.outcomes`), with the
sentences that say what they mean (docs/outcomes.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from groundswell.store import Store

__all__ = ["MEASURE_WORDS", "Outcomes", "read"]

#: how each network measure is named to a reader (analysis.outcome_stats.MEASURES, kept in step by
#: tests/analysis/test_outcome_stats.py: the views may not import the analysis)
MEASURE_WORDS: dict[str, str] = {
    "betweenness": "brokerage (betweenness)",
    "constraint": "closed network (Burt's constraint; low is brokerage)",
    "in_degree": "people who come to them (in-degree)",
    "pagerank": "influence (PageRank)",
    "boundary_share": "ties across departments (boundary share)",
}


@dataclass
class Outcomes:
    """A run's outcome results: ``links`` (outcome, measure, scope, n, rho, ci_low, ci_high,
    p, q, reading) and ``deviants`` (outcome, person_id, value, peer_median, z, peers);
    ``outcomes`` the outcomes' names, ``lines`` what they say in a few sentences."""

    links: pd.DataFrame
    deviants: pd.DataFrame
    outcomes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.links.empty and self.deviants.empty


def read(ws: Store, run_id: int) -> Outcomes:
    """The stored outcome results of run ``run_id`` (empty frames when there are none)."""
    links = ws.query(
        "SELECT outcome, measure, scope, n, rho, ci_low, ci_high, p, q, reading "
        "FROM outcome_links WHERE run_id = ? ORDER BY outcome, measure, "
        "scope = 'all' DESC, scope = 'within' DESC, scope",
        [run_id],
    )
    deviants = ws.query(
        "SELECT outcome, person_id, value, peer_median, z, peers FROM outcome_deviants "
        "WHERE run_id = ? ORDER BY outcome, z DESC",
        [run_id],
    )
    lines = ws.query("SELECT line FROM outcome_readings WHERE run_id = ? ORDER BY rank", [run_id])[
        "line"
    ]
    names = sorted(set(links["outcome"]) | set(deviants["outcome"]))
    return Outcomes(links, deviants, names, [str(x) for x in lines])
