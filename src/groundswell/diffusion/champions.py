"""The champion plan of a workspace: who to enlist, and what that buys against the usual picks.

:func:`make_plan` reads a stored run (its network and its people), chooses ``k`` champions with
:func:`~groundswell.diffusion.plan` (RR sets, the ``(1 - 1/e - epsilon)`` guarantee) under
quotas, sponsors and exclusions, picks the baselines a leader would otherwise use (the top of
the hierarchy, the most connected people, a random draw), simulates every strategy in the same
Monte Carlo (same model, probabilities, runs and seed), and stores all of it in the workspace
(tables ``plans``, ``plan_champions``, ``plan_curves``, ``plan_coverage``).
:class:`ChampionPlan` reads a stored plan back. Group figures below the workspace's minimum
group size are merged into one suppressed group before they are stored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.diffusion.baselines import baseline_seeds
from groundswell.diffusion.imm import Quota, reach_by_k
from groundswell.diffusion.imm import plan as choose
from groundswell.diffusion.models import Model, Rule, Spread, probabilities, simulate
from groundswell.errors import ConfigError, GroundswellError
from groundswell.privacy import SUPPRESSED, UNKNOWN, gate_names
from groundswell.run import Run

if TYPE_CHECKING:
    from groundswell.network.graph import Graph
    from groundswell.store import Store

#: the strategies every plan is compared with, in the order tables show them
STRATEGIES = ("plan", "top_down", "most_connected", "random")
STRATEGY_TEXT = {
    "plan": "the champion plan",
    "top_down": "top of the hierarchy",
    "most_connected": "the most connected",
    "random": "a random pick",
}
QUOTA_RULES = ("at_least_one", "proportional")


def make_plan(
    ws: Store,
    *,
    run_id: int | None = None,
    k: int = 20,
    model: Model = "ic",
    rule: Rule | None = None,
    p: float = 0.1,
    quota_by: str | None = None,
    quota: Quota = "at_least_one",
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    epsilon: float = 0.1,
    delta: float | None = None,
    runs: int = 1000,
    seed: int | None = None,
    shares: Sequence[float] = (0.01, 0.03, 0.05),
    progress: Callable[[str], None] | None = None,
) -> ChampionPlan:
    """Choose ``k`` champions on a run's network, compare them with the baselines, store it all.

    Parameters
    ----------
    ws : the workspace; ``run_id`` the run (default: the latest).
    k : how many champions.
    model : ``"ic"`` (independent cascade) or ``"lt"`` (linear threshold).
    rule : how a tie's probability is set (:func:`~groundswell.diffusion.probabilities`):
        ``"weighted_cascade"`` (default: each person is swayed by their contacts in proportion
        to how much they hear from each, all contacts together counting 1 — the usual setting
        of the influence-maximisation literature, and the valid weights of LT),
        ``"strength"`` (a tie of typical strength passes the idea with probability ``p``) or
        ``"constant"`` (every tie ``p``). On a dense organisation ``"strength"`` with
        ``p = 0.1`` already reaches most people from anyone, and every pick looks alike.
    quota_by : an HR attribute (``department``, ``location``, ``team``...) whose every unit must
        get champions, by ``quota``: ``"at_least_one"`` or ``"proportional"``; None for none.
    include, exclude : people always chosen (sponsors) and never chosen (overloaded, leaving),
        by any identifier the sources use (HR id, email) or by pseudonymous id.
    epsilon, delta : the guarantee's slack and failure probability (default ``1 / n``).
    runs : Monte Carlo cascades per strategy; ``seed`` (default: the run's analysis seed).
    shares : the shares of the organisation for "how many champions are enough".
    progress : called with a line of text at each stage.

    Raises
    ------
    ConfigError for a bad parameter or an unknown person; PlanError when the constraints cannot
    be met (see :func:`~groundswell.diffusion.plan`).
    """
    say = progress or (lambda _: None)
    run = Run.load(ws, ws.latest_run_id() if run_id is None else run_id)
    g = run.graph()
    if g.n < 2 or g.m == 0:
        raise GroundswellError(f"run {run.run_id} has no ties to spread along")
    rule = rule or "weighted_cascade"
    seed = int(run.params.get("analysis", {}).get("seed", 0)) if seed is None else int(seed)
    people = run.people().reindex(g.nodes)
    probs = probabilities(g, rule, p=p)
    if quota_by is not None and quota not in QUOTA_RULES:
        raise ConfigError(f"The 'quota' parameter must be one of {QUOTA_RULES}; got {quota!r}.")
    codes = _codes(people, quota_by) if quota_by else None
    quota_rule: Quota = quota if quota_by else "none"
    inc, exc = resolve_people(ws, g, include), resolve_people(ws, g, exclude)
    params = {
        "k": k, "model": model, "rule": rule, "p": p, "quota_by": quota_by,
        "quota": quota_rule, "include": list(inc), "exclude": list(exc),
        "epsilon": epsilon, "delta": delta, "runs": runs, "seed": seed, "shares": list(shares),
    }  # fmt: skip

    started = time.perf_counter()
    say(f"choosing {k} champions among {g.n:,} people ({model.upper()}, epsilon {epsilon})")
    chosen = choose(
        g, k, model=model, probs=probs, epsilon=epsilon, delta=delta, seed=seed,
        groups=codes, quota=quota_rule, include=inc, exclude=exc, progress=say,
    )  # fmt: skip
    select_seconds = time.perf_counter() - started
    seeds = {"plan": chosen.seeds}
    levels = pd.to_numeric(people["level"], errors="coerce").to_numpy(dtype=float)
    if np.isfinite(levels).any():
        seeds["top_down"] = baseline_seeds(g, k, "top_down", levels=levels)
    seeds["most_connected"] = baseline_seeds(g, k, "most_connected")
    seeds["random"] = baseline_seeds(g, k, "random", seed=seed)

    dept = _codes(people, "department")
    dept_names = _names(people, "department")
    spreads: dict[str, Spread] = {}
    for name, s in seeds.items():
        say(f"simulating {runs:,} cascades from {STRATEGY_TEXT[name]}")
        spreads[name] = simulate(
            g,
            s,
            model=model,
            probs=probs,
            runs=runs,
            seed=seed,
            groups=dept,
        )
    say("how many champions are enough")
    by_k = reach_by_k(
        g, shares=shares, model=model, probs=probs, epsilon=epsilon, delta=delta, seed=seed,
        runs=max(100, runs // 4),
    )  # fmt: skip

    min_size = ws.settings.min_group_size
    summary = {
        "people": g.n, "ties": g.m, "select_seconds": round(select_seconds, 3),
        "rr_sets": chosen.rr_sets, "estimated_reach": chosen.spread,
        "reach_lower_bound": chosen.spread_lower, "approximation": chosen.approximation,
        "strategies": {
            name: {
                "reach": sp.reach, "low": sp.reach_ci[0], "high": sp.reach_ci[1],
                "share": sp.share,
                "untouched": _untouched(sp, dept_names, min_size),
            }
            for name, sp in spreads.items()
        },
        "reach_by_k": by_k.to_dict(orient="records"),
    }  # fmt: skip
    reasons = {"plan": chosen.reason, "top_down": "lowest level", "random": "random draw"}
    reasons["most_connected"] = "most ties"
    gains = {"plan": chosen.gains}
    with ws.writing():  # a store opened read-only takes the exclusive turn only now
        plan_id = _store(ws, run, params, summary, seeds, reasons, gains, spreads, dept_names)
    return ChampionPlan.load(ws, plan_id)


def resolve_people(ws: Store, g: Graph, ids: Sequence[str]) -> list[str]:
    """Pseudonymous ids of people named by any identifier (or already by pseudonym), checked
    to be in the network; aliases (an email of an HR person) resolve to the person."""
    if not ids:
        return []
    nodes = set(g.nodes.tolist())
    alias = dict(ws.con.execute("SELECT alias_id, person_id FROM aliases").fetchall())
    out = []
    for raw in ids:
        pid = raw if raw in nodes else ws.pseudonymiser.people([raw])[0]
        pid = alias.get(pid, pid)
        if pid not in nodes:
            raise ConfigError(
                f"{raw!r} is not in the network of this run (no person with that identifier "
                "has a tie in the window); check the identifier or the run"
            )
        out.append(pid)
    return list(dict.fromkeys(out))


def _codes(people: pd.DataFrame, attribute: str) -> np.ndarray:
    if attribute not in people.columns:
        raise ConfigError(
            f"unknown attribute {attribute!r} for quotas; expected one of "
            f"department, team, location, level"
        )
    values = people[attribute].astype("object")
    codes, _ = pd.factorize(values.where(values.notna(), None), use_na_sentinel=True)
    return codes.astype(np.int64)


def _names(people: pd.DataFrame, attribute: str) -> np.ndarray:
    values = people[attribute].astype("object")
    return pd.factorize(values.where(values.notna(), None), use_na_sentinel=True)[1].to_numpy()


def _shown(sp: Spread, names: np.ndarray, min_size: int) -> dict[Any, str]:
    """Each department's name as the privacy gate shows it (sizes: the spread's groups)."""
    assert sp.group_size is not None
    return gate_names(pd.Series(sp.group_size[: len(names)], index=names), min_size)


def _untouched(sp: Spread, names: np.ndarray, min_size: int) -> list[str]:
    """Departments the strategy leaves untouched, of those the privacy gate shows."""
    shown = _shown(sp, names, min_size)
    return sorted(
        str(names[c]) for c in sp.untouched() if c < len(names) and shown[names[c]] != SUPPRESSED
    )


def _store(
    ws: Store,
    run: Run,
    params: dict[str, Any],
    summary: dict[str, Any],
    seeds: dict[str, np.ndarray],
    reasons: dict[str, Any],
    gains: dict[str, np.ndarray],
    spreads: dict[str, Spread],
    dept_names: np.ndarray,
) -> int:
    g_nodes = run.graph().nodes
    min_size = ws.settings.min_group_size
    champions, curves, coverage = [], [], []
    for name, s in seeds.items():
        why = reasons[name]
        for i, node in enumerate(s):
            gain = float(gains[name][i]) if name in gains else None
            reason = str(why[i]) if isinstance(why, np.ndarray) else why
            champions.append((name, i + 1, g_nodes[node], gain, reason))
        sp = spreads[name]
        shown = _shown(sp, dept_names, min_size)
        for step, (mean, (lo, hi)) in enumerate(zip(sp.curve, sp.curve_ci, strict=True)):
            curves.append((name, step, float(mean), float(lo), float(hi)))
        assert sp.by_group is not None and sp.group_size is not None
        frame = (
            pd.DataFrame(
                {
                    "group": [shown[name] for name in dept_names],
                    "size": sp.group_size[: len(dept_names)],
                    "reached": sp.by_group[: len(dept_names)],
                }
            )
            .groupby("group", as_index=False)[["size", "reached"]]
            .sum()
        )
        frame = frame[frame["size"] >= min_size]
        coverage += [
            (name, "department", r.group, int(r.size), float(r.reached))
            for r in frame.itertuples(index=False)
        ]
    with ws.transaction() as con:
        plan_id = int(con.execute("SELECT nextval('plan_seq')").fetchall()[0][0])
        con.execute(
            "INSERT INTO plans VALUES (?, ?, ?, ?, ?)",
            [plan_id, run.run_id, datetime.now(UTC), json.dumps(params), json.dumps(summary)],
        )
        con.executemany(
            "INSERT INTO plan_champions VALUES (?, ?, ?, ?, ?, ?)",
            [(plan_id, *row) for row in champions],
        )
        con.executemany(
            "INSERT INTO plan_curves VALUES (?, ?, ?, ?, ?, ?)", [(plan_id, *r) for r in curves]
        )
        con.executemany(
            "INSERT INTO plan_coverage VALUES (?, ?, ?, ?, ?, ?)",
            [(plan_id, *r) for r in coverage],
        )
    return plan_id


@dataclass(frozen=True)
class ChampionPlan:
    """A stored champion plan: its parameters, summary and tables."""

    ws: Store
    plan_id: int
    run_id: int
    created_at: datetime
    params: dict[str, Any]
    summary: dict[str, Any]

    @classmethod
    def load(cls, ws: Store, plan_id: int | None = None) -> ChampionPlan:
        """A stored plan (the latest when ``plan_id`` is None)."""
        sql = "SELECT plan_id, run_id, created_at, params, summary FROM plans"
        rows = ws.con.execute(
            sql + (" WHERE plan_id = ?" if plan_id is not None else " ORDER BY plan_id DESC"),
            [plan_id] if plan_id is not None else [],
        ).fetchall()
        if not rows:
            what = f"no plan {plan_id}" if plan_id is not None else "no champion plan yet"
            raise GroundswellError(
                f"{ws.folder}: there is {what} (make one: groundswell champions {ws.folder})"
            )
        pid, run_id, created, params, summary = rows[0]
        return cls(ws, pid, run_id, created, json.loads(params), json.loads(summary))

    def champions(self, strategy: str = "plan") -> pd.DataFrame:
        """The people of a strategy in pick order: rank, person_id, display label, department,
        level, estimated gain and why they were picked. Names only in identified mode."""
        df = self.ws.query(
            "SELECT c.rank, c.person_id, p.display_name, p.department, p.level, c.gain, c.reason "
            "FROM plan_champions c LEFT JOIN people p USING (person_id) "
            "WHERE c.plan_id = ? AND c.strategy = ? ORDER BY c.rank",
            [self.plan_id, strategy],
        )
        named = self.ws.settings.identified & df["display_name"].notna()
        df["label"] = df["display_name"].where(named, df["person_id"])
        sizes = Run.load(self.ws, self.run_id).people()["department"].value_counts()
        shown = gate_names(sizes, self.ws.settings.min_group_size)
        df["department"] = [
            UNKNOWN if d is None or d != d else shown.get(d, SUPPRESSED) for d in df["department"]
        ]
        return df.drop(columns="display_name")

    def strategies(self) -> pd.DataFrame:
        """Reach of each strategy (mean people, 95% interval, share) and the departments it
        leaves untouched."""
        rows = [
            {"strategy": name, "what": STRATEGY_TEXT[name], **s}
            for name, s in self.summary["strategies"].items()
        ]
        return pd.DataFrame(rows).set_index("strategy")

    def curves(self) -> pd.DataFrame:
        """Mean cumulative adopters at each step of the cascade, per strategy, with intervals."""
        return self.ws.query(
            "SELECT strategy, step, adopted, low, high FROM plan_curves WHERE plan_id = ? "
            "ORDER BY strategy, step",
            [self.plan_id],
        )

    def coverage(self) -> pd.DataFrame:
        """People of each department reached by each strategy (departments below the minimum
        group size merged and suppressed)."""
        df = self.ws.query(
            "SELECT strategy, group_name, size, reached FROM plan_coverage WHERE plan_id = ? "
            "AND attribute = 'department'",
            [self.plan_id],
        )
        df["share"] = df["reached"] / df["size"]
        return df

    def reach_by_k(self) -> pd.DataFrame:
        """How many champions are enough: reach for 1%, 3%, 5%... of the people seeded."""
        return pd.DataFrame(self.summary["reach_by_k"])
