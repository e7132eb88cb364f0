"""Closing the loop: how a change really spread, against the champion plan's forecast.

:func:`compare` reads the adoptions of one behaviour (``groundswell ingest adoptions``), resolves
them to the people of the plan's run, and sets them against what the plan forecast:

- overall: the share of the network that adopted against the forecast share (and its interval);
- by department: adopted against forecast, and where it **stalled** (a department the forecast
  expected to reach that took it up at less than half the forecast rate, or not at all);
- **bridges never crossed**: ties from adopters into departments where nobody adopted — the
  paths the change had and did not take;
- **champions' neighbourhoods**: for each champion, the share of the people they talk to who
  adopted, against the rate among everyone else;
- the adoption curve: cumulative adopters week by week.

Departments below the workspace's minimum group size are merged into one suppressed group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.diffusion.champions import ChampionPlan
from groundswell.errors import GroundswellError
from groundswell.privacy import SUPPRESSED, gate_labels
from groundswell.run import Run

if TYPE_CHECKING:
    from groundswell.store import Store

#: a department stalled when it adopted at less than this share of its forecast rate
STALL_RATIO = 0.5


@dataclass(frozen=True)
class AdoptionReport:
    """Real adoption of one behaviour against a champion plan (see the module docstring)."""

    plan_id: int
    behaviour: str
    people: int  # people in the plan's network
    adopted: int  # of them, adopters
    outside: int  # adopters not in the network (no tie in the run's window)
    forecast: float  # forecast people reached by the plan
    forecast_low: float
    forecast_high: float
    departments: pd.DataFrame  # group, size, adopted, forecast, rate, forecast_rate, stalled
    bridges: pd.DataFrame  # from_group, to_group, ties (adopter -> department with no adopter)
    champions: pd.DataFrame  # rank, person_id, label, adopted, contacts, contacts_adopted, rate
    curve: pd.DataFrame  # week, adopters (cumulative, in the network)
    baseline_rate: float  # adoption rate among people who are no champion's contact

    @property
    def share(self) -> float:
        return self.adopted / self.people if self.people else 0.0

    @property
    def forecast_share(self) -> float:
        return self.forecast / self.people if self.people else 0.0

    def verdict(self) -> str:
        """One line: ahead of, within or behind the forecast, and where it stalled."""
        if self.adopted < self.forecast_low:
            head = "behind the forecast"
        elif self.adopted > self.forecast_high:
            head = "ahead of the forecast"
        else:
            head = "as forecast"
        stalled = self.departments.loc[self.departments["stalled"], "group"].tolist()
        tail = f"; stalled in {', '.join(stalled)}" if stalled else ""
        return (
            f"{self.behaviour}: {self.adopted:,} of {self.people:,} people adopted "
            f"({self.share:.0%}), {head} ({self.forecast:,.0f}, 95% interval "
            f"{self.forecast_low:,.0f}-{self.forecast_high:,.0f}){tail}"
        )


def compare(
    ws: Store,
    behaviour: str,
    *,
    plan_id: int | None = None,
    until: datetime | str | None = None,
) -> AdoptionReport:
    """Real adoption of ``behaviour`` (up to ``until``) against a stored plan (default: the
    latest)."""
    plan = ChampionPlan.load(ws, plan_id)
    run = Run.load(ws, plan.run_id)
    g = run.graph()
    nodes = pd.Index(g.nodes)
    sql = (
        "SELECT coalesce(a.person_id, d.person_id) AS person_id, min(d.ts) AS ts "
        "FROM adoptions d LEFT JOIN aliases a ON a.alias_id = d.person_id "
        "WHERE d.behaviour = ?" + (" AND d.ts <= ?" if until is not None else "") + " GROUP BY 1"
    )
    params: list[object] = [behaviour] + ([pd.Timestamp(until, tz="UTC")] if until else [])
    adopt = ws.query(sql, params)
    if adopt.empty:
        known = ws.query("SELECT DISTINCT behaviour FROM adoptions ORDER BY 1")["behaviour"]
        raise GroundswellError(
            f"{ws.folder}: no adoption of {behaviour!r} recorded"
            + (f"; behaviours recorded: {', '.join(known)}" if len(known) else "")
            + f" (load them with: groundswell ingest adoptions {ws.folder} FILE)"
        )
    inside = adopt["person_id"].isin(nodes)
    adopted = np.zeros(g.n, bool)
    adopted[nodes.get_indexer(adopt.loc[inside, "person_id"])] = True

    people = run.people().reindex(g.nodes)
    min_size = ws.settings.min_group_size
    label = gate_labels(people["department"], min_size).to_numpy()  # "(unknown)" for none
    strat = plan.strategies().loc["plan"]
    departments = _departments(plan, label, adopted, min_size)
    return AdoptionReport(
        plan_id=plan.plan_id,
        behaviour=behaviour,
        people=g.n,
        adopted=int(adopted.sum()),
        outside=int((~inside).sum()),
        forecast=float(strat["reach"]),
        forecast_low=float(strat["low"]),
        forecast_high=float(strat["high"]),
        departments=departments,
        bridges=_bridges(g.src, g.dst, label, adopted),
        champions=_champions(plan, g.src, g.dst, nodes, adopted),
        curve=_curve(adopt.loc[inside, "ts"]),
        baseline_rate=_baseline(plan, g.src, g.dst, nodes, adopted),
    )


def _departments(
    plan: ChampionPlan, label: np.ndarray, adopted: np.ndarray, min_size: int
) -> pd.DataFrame:
    real = (
        pd.DataFrame({"group": label, "adopted": adopted})
        .groupby("group")
        .agg(size=("adopted", "size"), adopted=("adopted", "sum"))
    )
    cov = plan.coverage()
    fc = cov[cov["strategy"] == "plan"].set_index("group_name")["reached"]
    out = real.join(fc.rename("forecast"), how="left").reset_index()
    out = out[out["size"] >= min_size]  # the merged small departments too, when still small
    out["rate"] = out["adopted"] / out["size"]
    out["forecast_rate"] = out["forecast"] / out["size"]
    out["stalled"] = (out["forecast"] >= 1.0) & (out["rate"] < STALL_RATIO * out["forecast_rate"])
    return out.sort_values(["stalled", "rate"], ascending=[False, True]).reset_index(drop=True)


def _bridges(
    src: np.ndarray, dst: np.ndarray, label: np.ndarray, adopted: np.ndarray
) -> pd.DataFrame:
    """Ties from an adopter into a department where nobody adopted, counted by department pair."""
    frame = pd.DataFrame({"from_group": label[src], "to_group": label[dst], "a": adopted[src]})
    took = pd.Series(adopted).groupby(label).any()
    cold = frame["to_group"].map(took).eq(False) & frame["a"]
    cold &= frame["from_group"] != frame["to_group"]
    cold &= (frame["from_group"] != SUPPRESSED) & (frame["to_group"] != SUPPRESSED)
    return (
        frame[cold]
        .groupby(["from_group", "to_group"], as_index=False)
        .size()
        .rename(columns={"size": "ties"})
        .sort_values("ties", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def _champions(
    plan: ChampionPlan, src: np.ndarray, dst: np.ndarray, nodes: pd.Index, adopted: np.ndarray
) -> pd.DataFrame:
    champs = plan.champions()
    idx = nodes.get_indexer(champs["person_id"])
    rows = []
    for i in idx:
        contacts = np.unique(dst[src == i])
        took = adopted[contacts]
        rows.append((bool(adopted[i]) if i >= 0 else False, len(contacts), int(took.sum())))
    champs[["adopted", "contacts", "contacts_adopted"]] = pd.DataFrame(rows, index=champs.index)
    champs["rate"] = champs["contacts_adopted"] / champs["contacts"].replace(0, np.nan)
    return champs[["rank", "person_id", "label", "adopted", "contacts", "contacts_adopted", "rate"]]


def _baseline(
    plan: ChampionPlan, src: np.ndarray, dst: np.ndarray, nodes: pd.Index, adopted: np.ndarray
) -> float:
    """Adoption rate among people neither a champion nor any champion's contact."""
    idx = nodes.get_indexer(plan.champions()["person_id"])
    idx = idx[idx >= 0]
    near = np.zeros(len(adopted), bool)
    near[dst[np.isin(src, idx)]] = True
    near[idx] = True
    return float(adopted[~near].mean()) if (~near).any() else float("nan")


def _curve(ts: pd.Series) -> pd.DataFrame:
    """Cumulative adopters (in the network) at the end of each week."""
    if ts.empty:
        return pd.DataFrame({"week": [], "adopters": []})
    week = pd.to_datetime(ts, utc=True).dt.tz_convert(None).dt.to_period("W-SUN").dt.start_time
    counts = week.value_counts().sort_index()
    full = pd.date_range(counts.index.min(), counts.index.max(), freq="7D")
    cum = counts.reindex(full, fill_value=0).cumsum()
    return pd.DataFrame({"week": cum.index.date, "adopters": cum.to_numpy()})
