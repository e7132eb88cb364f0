"""Outcomes against the network, as ``analyze`` stored them: read, never recomputed.

``analyze`` computes the correlations and the positive deviants by results
(:mod:`groundswell.value.outcome_links`) and stores them in ``outcome_links`` and
``outcome_deviants``; :func:`read` returns them for the report, the dashboard, the CLI
(``groundswell outcomes``) and notebooks (:meth:`groundswell.run.Run.outcomes`), with the
sentences that say what they mean (docs/outcomes.md).
"""

from __future__ import annotations

import math
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
ALPHA = 0.05


@dataclass
class Outcomes:
    """A run's outcome results: ``links`` (outcome, measure, scope, n, rho, ci_low, ci_high,
    p, q, reading) and ``deviants`` (outcome, person_id, value, peer_median, z, peers); ``measures``
    the outcomes ingested, ``lines`` what they say in a few sentences."""

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
    names = sorted(set(links["outcome"]) | set(deviants["outcome"]))
    return Outcomes(links, deviants, names, _lines(links, deviants))


def _significant(links: pd.DataFrame) -> pd.Series:
    """Rows whose interval excludes zero and whose q passes the false-discovery control."""
    return (links["q"] < ALPHA) & ((links["ci_low"] > 0) | (links["ci_high"] < 0))


def _lines(links: pd.DataFrame, deviants: pd.DataFrame) -> list[str]:
    """The reading in words: for each outcome, the links that hold (strongest first, at most
    three) and, when one holds in some departments and not in others, that contrast; or that
    the data cannot tell."""
    out: list[str] = []
    if links.empty:
        return out
    for outcome, rows in links.groupby("outcome", sort=True):
        held = rows[_significant(rows)].copy()
        held["strength"] = held["rho"].abs()
        if held.empty:
            readable = rows[rows["n"] >= 10]
            if readable.empty:
                out.append(
                    f"{outcome}: too few people or groups with both figures for the data to "
                    "tell anything."
                )
            else:
                out.append(
                    f"{outcome}: the data cannot tell whether it goes with any network measure "
                    f"({len(readable)} comparisons, every interval spans zero or fails the "
                    "false-discovery control)."
                )
            continue
        for r in held.sort_values("strength", ascending=False).head(3).itertuples():
            out.append(str(r.reading))
        out += _contrast(str(outcome), rows)
        n_dev = int((deviants["outcome"] == outcome).sum()) if len(deviants) else 0
        if n_dev:
            out.append(
                f"{outcome}: {n_dev} positive deviants by results (well above peers of the "
                "same department and level)."
            )
    return out


def _contrast(outcome: str, rows: pd.DataFrame) -> list[str]:
    """Departments where a measure's link holds, beside departments where it does not."""
    out = []
    depts = rows[~rows["scope"].isin(("all", "within", "departments", "teams"))]
    for measure, part in depts.groupby("measure"):
        held = part[_significant(part)]
        unclear = part[~_significant(part) & (part["n"] >= 10)]
        if len(held) and len(unclear):
            words = MEASURE_WORDS.get(str(measure), str(measure)).split(" (")[0]
            yes = ", ".join(
                f"{r.scope} (rho {r.rho:+.2f})" for r in held.itertuples() if not math.isnan(r.rho)
            )
            no = ", ".join(f"{r.scope} (rho {r.rho:+.2f})" for r in unclear.itertuples())
            out.append(
                f"{outcome} goes with {words} in {yes}, but not clearly in {no}: the link "
                "depends on where people work."
            )
    return out
