"""Change over time: a snapshot of the network per week, month or quarter, kept up to date
incrementally; every headline measure as a time series; who changed role or persona;
how fast newcomers connect; and the network before and after a date, side by side.

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

**Onboarding.** For each person hired after the data begins: the days until they have
``value.onboarding_ties`` ties (a tie counted when a pair has exchanged ``ties.min_interactions``
acts, either way, since the hire date) and their ties after 30, 60 and 90 days (missing
when that day is after the data ends).

References
----------
Kossinets, G. and Watts, D. J. (2006). Empirical analysis of an evolving social network.
*Science* 311(5757). Morrison, E. W. (2002). Newcomers' relationships: the role of social
network ties during socialization. *Academy of Management Journal* 45(6).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.analysis import centrality, formal, personas, roles
from groundswell.analysis.measures import departments_reached
from groundswell.errors import AnalysisError, ConfigError
from groundswell.network.activity import activity
from groundswell.network.graph import Graph
from groundswell.network.window import Window
from groundswell.privacy import SUPPRESSED
from groundswell.run import reciprocity
from groundswell.value import _base

if TYPE_CHECKING:
    from groundswell.workspace import Workspace

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
    ws: Workspace,
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


def touched_periods(ws: Workspace, period: str, sources: list[int]) -> list[pd.Timestamp]:
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


def _context(ws: Workspace) -> str:
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
    ws: Workspace, period: str = "month", *, full: bool = False, progress: bool = False
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


def snapshot(ws: Workspace, win: Window) -> tuple[dict[str, float], pd.DataFrame]:
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
        "reciprocity": reciprocity(g),
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
    ws: Workspace,
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


def series(ws: Workspace, period: str = "month") -> pd.DataFrame:
    """Every headline measure as a time series: one row per stored period (oldest first),
    one column per measure."""
    _check_period(period)
    df = ws.query(
        "SELECT period_start, metric, value FROM snapshot_measures WHERE period = ?", [period]
    )
    if df.empty:
        raise AnalysisError(
            f"{ws.folder}: no {period}ly snapshots yet; run: groundswell timeline "
            f"{ws.folder} --period {period}"
        )
    out = df.pivot(index="period_start", columns="metric", values="value")
    out.index = pd.to_datetime(out.index, utc=True)
    return out[[m for m in HEADLINE if m in out.columns]].sort_index()


def changes(
    ws: Workspace, period: str = "month", *, before: str | None = None, after: str | None = None
) -> pd.DataFrame:
    """People whose persona or roles changed between two stored periods (the last two by
    default): person_id, persona_before, persona_after, roles_gained, roles_lost. People in
    only one of the two snapshots appear with the other side missing."""
    _check_period(period)
    starts = pd.to_datetime(
        ws.query(
            "SELECT DISTINCT period_start FROM snapshots WHERE period = ? ORDER BY 1", [period]
        )["period_start"],
        utc=True,
    )
    if len(starts) < 2 and (before is None or after is None):
        raise AnalysisError(f"{ws.folder}: fewer than two {period}ly snapshots to compare")
    b = pd.Timestamp(before, tz="UTC") if before else starts.iloc[-2]
    a = pd.Timestamp(after, tz="UTC") if after else starts.iloc[-1]
    sql = (
        "SELECT person_id, persona, roles FROM snapshot_people "
        "WHERE period = ? AND period_start = ?"
    )
    x = ws.query(sql, [period, b]).set_index("person_id")
    y = ws.query(sql, [period, a]).set_index("person_id")
    both = x.join(y, how="outer", suffixes=("_before", "_after"))

    def long(col: pd.Series) -> pd.DataFrame:
        s = col.dropna().str.split(",").explode()
        return pd.DataFrame({"person_id": s.index, "role": s.to_numpy()}).query("role != ''")

    rb, ra = long(both["roles_before"]), long(both["roles_after"])
    m = rb.merge(ra, how="outer", indicator=True)
    gained = m[m["_merge"] == "right_only"].groupby("person_id")["role"].agg(",".join)
    lost = m[m["_merge"] == "left_only"].groupby("person_id")["role"].agg(",".join)
    out = pd.DataFrame(
        {
            "persona_before": both["persona_before"],
            "persona_after": both["persona_after"],
            "roles_gained": gained.reindex(both.index).fillna(""),
            "roles_lost": lost.reindex(both.index).fillna(""),
        }
    )
    changed = (
        (out["persona_before"] != out["persona_after"])
        | (out["roles_gained"] != "")
        | (out["roles_lost"] != "")
    )
    out = out[changed].rename_axis("person_id")
    out.attrs.update({"before": f"{b:%Y-%m-%d}", "after": f"{a:%Y-%m-%d}"})
    return out


def onboarding(ws: Workspace, *, ties: int | None = None) -> pd.DataFrame:
    """How fast newcomers connect: per person hired after the first event, ``hire_date``,
    ``department``, ``days_to_k`` (days until ``ties`` ties; missing if not yet), and
    ``ties_30``, ``ties_60``, ``ties_90`` (missing when that day falls after the data)."""
    s = _base.settings(ws)
    k = int(ties or s["onboarding_ties"])
    r = _base.rules(ws)
    kinds = ", ".join(f"'{x}'" for x, w in r.weights.items() if w > 0)
    sql = f"""
        WITH span AS (SELECT min(ts) AS t0, max(ts) AS t1 FROM interactions),
        nc AS (SELECT p.person_id, p.hire_date, p.department FROM people p, span
               WHERE p.is_internal AND p.hire_date >= span.t0::DATE),
        acts AS (
            SELECT coalesce(a1.person_id, i.actor_id) AS actor,
                   coalesce(a2.person_id, i.target_id) AS target, i.ts
            FROM interactions i LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id
            LEFT JOIN aliases a2 ON a2.alias_id = i.target_id
            WHERE NOT i.is_bot AND i.n_recipients <= $1 AND i.kind IN ({kinds})),
        pair AS (
            SELECT nc.person_id, a.target AS other, a.ts, nc.hire_date FROM acts a
            JOIN nc ON a.actor = nc.person_id WHERE a.ts >= nc.hire_date AND a.target <> a.actor
            UNION ALL
            SELECT nc.person_id, a.actor, a.ts, nc.hire_date FROM acts a
            JOIN nc ON a.target = nc.person_id WHERE a.ts >= nc.hire_date AND a.target <> a.actor),
        ranked AS (SELECT *, row_number() OVER (PARTITION BY person_id, other ORDER BY ts) AS r
                   FROM pair),
        tied AS (SELECT person_id, epoch(ts - hire_date::TIMESTAMPTZ) / 86400 AS days
                 FROM ranked WHERE r = $2),
        kth AS (SELECT person_id, days, row_number() OVER (PARTITION BY person_id ORDER BY days)
                   AS r FROM tied)
        SELECT nc.person_id, nc.hire_date, nc.department,
               (SELECT days FROM kth WHERE kth.person_id = nc.person_id AND kth.r = $3)
                   AS days_to_k,
               count(t.days) FILTER (WHERE t.days <= 30) AS ties_30,
               count(t.days) FILTER (WHERE t.days <= 60) AS ties_60,
               count(t.days) FILTER (WHERE t.days <= 90) AS ties_90,
               epoch(any_value(span.t1) - nc.hire_date::TIMESTAMPTZ) / 86400 AS observed
        FROM nc CROSS JOIN span LEFT JOIN tied t ON t.person_id = nc.person_id
        GROUP BY nc.person_id, nc.hire_date, nc.department ORDER BY nc.hire_date, nc.person_id"""
    df = ws.con.execute(sql, [r.broadcast_threshold, r.min_interactions, k]).df()
    for d in (30, 60, 90):
        df[f"ties_{d}"] = df[f"ties_{d}"].astype("float64").where(df["observed"] >= d)
    df.attrs["k"] = k
    return df.drop(columns="observed").set_index("person_id")


def onboarding_summary(table: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """Newcomers by department: how many, median days to k ties, median ties after 30/60/90
    days; departments below ``min_size`` newcomers merged into one suppressed row (its count
    only), itself left out when the merged newcomers are still fewer than ``min_size``."""
    if table.empty:
        return pd.DataFrame(
            columns=["newcomers", "median_days_to_k", "ties_30", "ties_60", "ties_90"]
        )
    dept = table["department"].fillna("(unknown)")
    sizes = dept.value_counts()
    label = dept.map(lambda d: d if sizes[d] >= min_size else SUPPRESSED)
    g = table.assign(group=label).groupby("group")
    out = pd.DataFrame(
        {
            "newcomers": g.size(),
            "median_days_to_k": g["days_to_k"].median(),
            "ties_30": g["ties_30"].median(),
            "ties_60": g["ties_60"].median(),
            "ties_90": g["ties_90"].median(),
        }
    )
    if SUPPRESSED in out.index:
        if out.loc[SUPPRESSED, "newcomers"] < min_size:  # even merged, too few to show
            out = out.drop(index=SUPPRESSED)
        else:
            out.loc[SUPPRESSED, ["median_days_to_k", "ties_30", "ties_60", "ties_90"]] = np.nan
    return out


@dataclass
class Comparison:
    """The network before and after a date, side by side."""

    at: str
    before: str  # window
    after: str
    headline: pd.DataFrame  # metric, before, after, change
    departments: pd.DataFrame  # per department: size, inside share before and after


def compare_dates(ws: Workspace, at: str, *, days: int | None = None) -> Comparison:
    """The ``days`` before ``at`` against the ``days`` from ``at`` (``ties.window_days`` by
    default): every headline measure, the network's value-maturity scores, and each
    department's share of ties kept inside (suppressed below the minimum group size)."""
    from groundswell.value import maturity

    days = int(days or ws.settings.ties["window_days"])
    try:
        t = pd.Timestamp(at)
    except ValueError as exc:
        raise ConfigError(f"--at expects a date such as 2024-03-01; got {at!r}") from exc
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    span = pd.Timedelta(days=days)
    wins = (
        Window((t - span).to_pydatetime(), t.to_pydatetime()),
        Window(t.to_pydatetime(), (t + span).to_pydatetime()),
    )
    rows, depts = {}, {}
    hr = _base.people(ws)
    for name, win in zip(("before", "after"), wins, strict=True):
        measures, _ = snapshot(ws, win)
        counts, available = maturity.person_counts(ws, win)
        net = maturity.scores(
            counts.sum().to_frame().T, available, maturity.thresholds(_base.settings(ws))
        ).iloc[0]
        measures.update({f"maturity_{st}": float(net[st]) for st in maturity.STAGES})
        rows[name] = measures
        ties = _base.ties(ws, win)
        nodes = _base.members(ws, win)
        g = Graph.from_edges(nodes.to_numpy(), ties[["actor_id", "target_id", "weight"]])
        ei = formal.ei_index(g, hr["department"], min_group_size=ws.settings.min_group_size)
        depts[name] = ei[["size", "inside_share"]]
    head = pd.DataFrame(rows)
    head["change"] = head["after"] - head["before"]
    head.index.name = "metric"
    dep = depts["before"].join(depts["after"], how="outer", suffixes=("_before", "_after"))
    dep["inside_share_change"] = dep["inside_share_after"] - dep["inside_share_before"]
    return Comparison(f"{t:%Y-%m-%d}", str(wins[0]), str(wins[1]), head, dep)


def as_dict(c: Comparison) -> dict[str, Any]:
    """A comparison as plain values (for JSON and the report)."""
    return {
        "at": c.at,
        "before": c.before,
        "after": c.after,
        "headline": c.headline.reset_index().to_dict(orient="records"),
        "departments": c.departments.reset_index().to_dict(orient="records"),
    }
