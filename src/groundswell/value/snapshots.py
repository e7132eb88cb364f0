"""Snapshots: the network of each week, month or quarter, kept up to date incrementally.

**Snapshots.** Each period's network is built from that period's events alone, with the
workspace's tie rules (:func:`groundswell.network.ties.build_ties`). Its headline measures
(:data:`HEADLINE`) and each person's persona and roles are stored in the tables of schema
version 6. A period carries a *fingerprint*: the number of its interactions and messages,
their latest time and an order-free checksum of their rows (DuckDB's ``hash`` of each
row's key and time, summed: readers only ever add rows, never rewrite one), with a checksum
of the context every period shares (tie rules, value settings, the org chart, the aliases
and the channels). Readers only add rows, each tagged with its ingest: when the context is
unchanged, only the periods holding rows of new ingests are fingerprinted again.
:func:`snapshots` recomputes only the periods whose fingerprint changed — appending a month
of events touches that month (and the partial month before it, if it was still open), not
the two years before.

Roles in a snapshot are the rules of :mod:`groundswell.analysis.roles` on the measures that
a snapshot computes (degree, PageRank, departments reached, share of ties crossing a
boundary, posts, responses given): hub, boundary spanner, influencer, peripheral, isolated,
activist, advocate, maverick, positive deviant. Brokers need betweenness, which is left to
full runs. Communities are Leiden's, with two iterations (a snapshot counts them; the
partition of a run is the one to read).

References
----------
Kossinets, G. and Watts, D. J. (2006). Empirical analysis of an evolving social network.
*Science* 311(5757).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.analysis import centrality, personas, roles
from groundswell.analysis.measures import departments_reached
from groundswell.analysis.position import overall_reciprocity
from groundswell.errors import ConfigError
from groundswell.network.activity import activity
from groundswell.network.graph import Graph
from groundswell.network.window import Window
from groundswell.value import _base

if TYPE_CHECKING:
    from groundswell.store import Store


PERIODS = ("week", "month", "quarter")
HEADLINE = (
    "people", "active_people", "ties", "density", "mean_degree", "reciprocity",
    "cross_department_share", "isolated_share", "communities", "modularity", "messages",
    "interactions", "questions", "response_rate", "median_hours_to_answer", "hires",
)  # fmt: skip
SNAPSHOT_ROLES = tuple(r for r in roles.ROLES if r != "broker")


def _check_period(period: str) -> str:
    if period not in PERIODS:
        raise ConfigError(f"--period must be one of {', '.join(PERIODS)}; got {period!r}")
    return period


def _step(period: str) -> pd.DateOffset:
    return {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}.get(
        period, pd.DateOffset(months=3)
    )


def fingerprints(
    ws: Store,
    period: str,
    *,
    touched: list[pd.Timestamp] | None = None,
    context: str | None = None,
) -> pd.DataFrame:
    """Every period with events (or only the ``touched`` period starts): period_start,
    period_end (UTC) and its fingerprint."""
    _check_period(period)
    trunc = f"date_trunc('{period}', ts AT TIME ZONE 'UTC')"
    where, params = "", []
    if touched is not None:
        if not touched:
            return pd.DataFrame({"period_start": [], "period_end": [], "fingerprint": []})
        # only the rows of the touched periods are read (zone maps skip the rest)
        where = "WHERE ts >= $1 AND ts < $2"
        params = [min(touched).to_pydatetime(), (max(touched) + _step(period)).to_pydatetime()]
    sql = f"""
        WITH i AS (
            SELECT {trunc} AS ps, count(*) AS n, max(ts) AS mx,
                   sum(hash(message_id, actor_id, target_id, kind, ts))::VARCHAR AS h
            FROM interactions {where} GROUP BY 1),
        m AS (
            SELECT {trunc} AS ps, count(*) AS n, max(ts) AS mx,
                   sum(hash(message_id, ts))::VARCHAR AS h
            FROM messages {where} GROUP BY 1)
        SELECT coalesce(i.ps, m.ps) AS ps,
               concat_ws('|', coalesce(i.n, 0), i.mx, i.h, coalesce(m.n, 0), m.mx, m.h) AS fp
        FROM i FULL JOIN m ON i.ps = m.ps ORDER BY 1"""
    df = ws.con.execute(sql, params).df()
    context = context or _context(ws)
    start = pd.to_datetime(df["ps"]).dt.tz_localize("UTC")
    out = pd.DataFrame(
        {
            "period_start": start,
            "period_end": start + _step(period),
            "fingerprint": (df["fp"] + "|" + context).to_numpy(),
        }
    )
    if touched is not None:
        out = out[out["period_start"].isin(pd.DatetimeIndex(touched))]
    return out.reset_index(drop=True)


def touched_periods(ws: Store, period: str, sources: list[int]) -> list[pd.Timestamp]:
    """The periods holding rows of the given sources (ingests): what they may have
    changed. Rows of one ingest are stored together, so this reads little."""
    if not sources:
        return []
    ids = ", ".join(str(int(x)) for x in sources)
    trunc = f"date_trunc('{_check_period(period)}', ts AT TIME ZONE 'UTC')"
    rows = ws.con.execute(
        f"SELECT DISTINCT {trunc} FROM interactions WHERE source_id IN ({ids}) "
        f"UNION SELECT DISTINCT {trunc} FROM messages WHERE source_id IN ({ids}) ORDER BY 1"
    ).fetchall()
    return [pd.Timestamp(r[0], tz="UTC") for r in rows]


def _context(ws: Store) -> str:
    """A checksum of what every period depends on besides its own events."""
    parts = ws.con.execute(
        """SELECT
          (SELECT sum(hash(person_id, is_internal, department, team, level, manager_id,
                           hire_date, leave_date))::VARCHAR FROM people),
          (SELECT sum(hash(alias_id, person_id))::VARCHAR FROM aliases),
          (SELECT sum(hash(channel_id, name, kind))::VARCHAR FROM channels)"""
    ).fetchall()[0]
    settings = {
        "ties": _base.rules(ws).as_dict(),
        "value": _base.settings(ws),
        "analysis": {k: ws.settings.analysis[k] for k in ("leiden_resolution", "seed")},
        "min_group_size": ws.settings.min_group_size,
    }
    blob = json.dumps([list(map(str, parts)), settings], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Refresh:
    """What :func:`snapshots` did."""

    period: str
    periods: int  # periods with events
    computed: list[str] = field(default_factory=list)  # period starts recomputed
    skipped: int = 0  # unchanged periods
    removed: int = 0  # stored periods that no longer have events
    seconds: float = 0.0
    scan: str = "all events"  # what was fingerprinted: "all events" or "new ingests"


def snapshots(
    ws: Store, period: str = "month", *, full: bool = False, progress: bool = False
) -> Refresh:
    """Bring the stored snapshots of ``period`` up to date: compute the periods whose
    fingerprint changed (all of them with ``full``), skip the others.

    Readers only ever add rows, each with the id of its ingest (``sources``). When the
    context is unchanged, only the periods holding rows of ingests made since the last
    refresh are fingerprinted again (the others cannot have changed); otherwise — first
    refresh, a new org chart, other tie rules, ``full`` — every period is.
    """
    from groundswell.progress import steps

    _check_period(period)
    t0 = time.perf_counter()
    context = _context(ws)
    sources = [int(r[0]) for r in ws.con.execute("SELECT source_id FROM sources").fetchall()]
    state = ws.con.execute(
        "SELECT sources, context FROM snapshot_state WHERE period = ?", [period]
    ).fetchall()
    stored = ws.query(
        "SELECT period_start, period_end, fingerprint FROM snapshots WHERE period = ?", [period]
    )
    for col in ("period_start", "period_end"):
        stored[col] = pd.to_datetime(stored[col], utc=True)
    seen = set(json.loads(state[0][0])) if state else set()
    incremental = bool(state) and not full and state[0][1] == context and seen <= set(sources)
    if incremental:
        touched = touched_periods(ws, period, sorted(set(sources) - seen))
        fresh = fingerprints(ws, period, touched=touched, context=context)
        kept = stored[~stored["period_start"].isin(fresh["period_start"])]
        fp = pd.concat([kept, fresh], ignore_index=True).sort_values("period_start")
    else:
        fp = fingerprints(ws, period, context=context)
    known = dict(zip(stored["period_start"], stored["fingerprint"], strict=True))
    changed = [
        known.get(a) != b for a, b in zip(fp["period_start"], fp["fingerprint"], strict=True)
    ]
    todo = fp if full else fp[changed]
    gone = [a for a in known if a not in set(fp["period_start"])]
    out = Refresh(
        period,
        len(fp),
        skipped=len(fp) - len(todo),
        removed=len(gone),
        scan="new ingests" if incremental else "all events",
    )
    with ws.transaction() as con:
        for a in gone:
            for table in ("snapshots", "snapshot_measures", "snapshot_people"):
                con.execute(
                    f"DELETE FROM {table} WHERE period = ? AND period_start = ?", [period, a]
                )
    with steps(max(len(todo), 1), enabled=progress) as bar:
        for row in todo.itertuples(index=False):  # one iteration per period, not per event
            bar.step(f"{period} of {row.period_start:%Y-%m-%d}")
            t = time.perf_counter()
            win = Window(row.period_start.to_pydatetime(), row.period_end.to_pydatetime())
            measures, people = snapshot(ws, win)
            _store(ws, period, win, row.fingerprint, measures, people, time.perf_counter() - t)
            out.computed.append(f"{row.period_start:%Y-%m-%d}")
    with ws.transaction() as con:
        con.execute(
            "INSERT OR REPLACE INTO snapshot_state VALUES (?, ?, ?)",
            [period, json.dumps(sorted(sources)), context],
        )
    out.seconds = time.perf_counter() - t0
    return out


def snapshot(ws: Store, win: Window) -> tuple[dict[str, float], pd.DataFrame]:
    """The headline measures (:data:`HEADLINE`) of one window, and each person's persona,
    roles (comma-separated) and degree."""
    a = ws.settings.analysis
    rules = _base.rules(ws)
    hr = _base.people(ws)
    t = _base.ties(ws, win)
    nodes = _base.members(ws, win).union(pd.Index(t["actor_id"])).union(pd.Index(t["target_id"]))
    g = Graph.from_edges(nodes.to_numpy(), t[["actor_id", "target_id", "weight"]])
    ids = pd.Index(g.nodes, name="person_id")
    out_deg = np.bincount(g.src, minlength=g.n)
    in_deg = np.bincount(g.dst, minlength=g.n)
    und = g.to_undirected()
    contacts = np.bincount(np.concatenate([und.src, und.dst]), minlength=g.n)
    dept = hr["department"]
    d_src = dept.reindex(g.nodes[g.src]).to_numpy()
    d_dst = dept.reindex(g.nodes[g.dst]).to_numpy()
    known = pd.notna(d_src) & pd.notna(d_dst)
    cross = float((d_src[known] != d_dst[known]).mean()) if known.any() else float("nan")
    n_comm, modularity = _leiden(und, float(a["leiden_resolution"]), int(a["seed"]))
    act = activity(ws.con, win, rules).reindex(ids).fillna(0).astype("int64")
    pers = personas.personas(act)
    table = pd.DataFrame(
        {"in_degree": in_deg, "out_degree": out_deg, "posts": act["posts"], "given": act["given"]},
        index=ids,
    )
    table["pagerank"] = centrality.pagerank(g).to_numpy() if g.m else 0.0
    table["departments_reached"] = departments_reached(g, dept).to_numpy()
    table["boundary_share"] = _boundary_share(g, dept)
    table = table.join(hr[["department", "level"]])
    held = roles.roles(table, min_group_size=ws.settings.min_group_size)[list(SNAPSHOT_ROLES)]
    s = _base.settings(ws)
    qs, _ = _base.questions(ws, win, s)
    counts = ws.con.execute(
        "SELECT (SELECT count(*) FROM messages WHERE ts >= $1 AND ts < $2 AND NOT is_bot), "
        "(SELECT count(*) FROM interactions WHERE ts >= $1 AND ts < $2 AND NOT is_bot), "
        "(SELECT count(*) FROM people WHERE hire_date >= $1::DATE AND hire_date < $2::DATE)",
        [win.start, win.end],
    ).fetchall()[0]
    answered = qs[qs["answered"]]
    measures = {
        "people": g.n,
        "active_people": int((act[["posts", "given", "received"]].sum(axis=1) > 0).sum()),
        "ties": g.m,
        "density": g.m / (g.n * (g.n - 1)) if g.n > 1 else float("nan"),
        "mean_degree": float(contacts.mean()) if g.n else float("nan"),
        "reciprocity": overall_reciprocity(g),
        "cross_department_share": cross,
        "isolated_share": float((contacts == 0).mean()) if g.n else float("nan"),
        "communities": n_comm,
        "modularity": modularity,
        "messages": counts[0],
        "interactions": counts[1],
        "questions": len(qs),
        "response_rate": len(answered) / len(qs) if len(qs) else float("nan"),
        "median_hours_to_answer": float(answered["hours"].median())
        if len(answered)
        else float("nan"),
        "hires": counts[2],
    }
    labels = np.full(g.n, "", dtype=object)
    for name in SNAPSHOT_ROLES:  # one array step per role
        labels = labels + np.where(held[name].to_numpy(), name + ",", "")
    labels = pd.Series(labels, dtype=object).str.rstrip(",").to_numpy()
    people = pd.DataFrame(
        {
            "person_id": ids,
            "persona": pers["persona"].astype(str).to_numpy(),
            "roles": labels,
            "degree": contacts.astype(np.int32),
        }
    )
    return measures, people


def _boundary_share(g: Graph, dept: pd.Series) -> np.ndarray:
    """Share of each person's tie weight (in and out) with someone of another known
    department (the maverick rule's input)."""
    d = pd.factorize(dept.reindex(g.nodes))[0]
    ends = np.concatenate([g.src, g.dst])
    other = np.concatenate([g.dst, g.src])
    w = np.concatenate([g.weight, g.weight])
    known = (d[ends] >= 0) & (d[other] >= 0)
    cross = known & (d[ends] != d[other])
    total = np.bincount(ends[known], weights=w[known], minlength=g.n)
    out = np.bincount(ends[cross], weights=w[cross], minlength=g.n)
    return np.divide(out, total, out=np.full(g.n, np.nan), where=total > 0)


def _leiden(und: Graph, resolution: float, seed: int) -> tuple[int, float]:
    """Number of Leiden communities (people with a tie) and modularity, two iterations."""
    import random

    import igraph

    if und.m == 0:
        return 0, float("nan")
    ig = und.to_igraph()
    igraph.set_random_number_generator(random.Random(seed))
    try:
        part = ig.community_leiden(
            objective_function="modularity",
            weights="weight",
            resolution=resolution,
            n_iterations=2,
        )
    finally:
        igraph.set_random_number_generator(random)
    tied = np.asarray(ig.degree()) > 0
    n = len(np.unique(np.asarray(part.membership)[tied]))
    return n, float(ig.modularity(part.membership, weights="weight"))


def _store(
    ws: Store,
    period: str,
    win: Window,
    fingerprint: str,
    measures: dict[str, float],
    people: pd.DataFrame,
    seconds: float,
) -> None:
    long = pd.DataFrame({"metric": list(measures), "value": [float(v) for v in measures.values()]})
    with ws.transaction() as con:
        for table in ("snapshots", "snapshot_measures", "snapshot_people"):
            con.execute(
                f"DELETE FROM {table} WHERE period = ? AND period_start = ?", [period, win.start]
            )
        con.execute(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?)",
            [period, win.start, win.end, fingerprint, datetime.now(UTC), seconds],
        )
        for name, frame, cols in (
            ("snapshot_measures", long, "metric, value"),
            ("snapshot_people", people, "person_id, persona, roles, degree"),
        ):
            con.register("frame", frame)
            con.execute(f"INSERT INTO {name} SELECT ?, ?, {cols} FROM frame", [period, win.start])
            con.unregister("frame")
