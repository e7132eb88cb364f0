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
:func:`groundswell.value.timeline.snapshots` recomputes only the periods whose fingerprint
changed — appending a month of events touches that month (and the partial month before it,
if it was still open), not the two years before.

Roles in a snapshot are the rules of :mod:`groundswell.analysis.roles` on the measures that
a snapshot computes (degree, PageRank, how sought-out the people turning to one are,
departments reached, share of ties crossing a boundary and how unusual their destinations
are, posts, responses given): hub, boundary spanner, influencer, peripheral, isolated,
activist, advocate, maverick, network positive deviant. Brokers need Burt's constraint, which is
left to full runs. Communities are Leiden's, with two iterations (a snapshot counts them; the
partition of a run is the one to read).

References
----------
Kossinets, G. and Watts, D. J. (2006). Empirical analysis of an evolving social network.
*Science* 311(5757).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from groundswell.analysis import centrality, personas, roles
from groundswell.analysis.measures import departments_reached
from groundswell.analysis.position import overall_reciprocity
from groundswell.errors import ConfigError
from groundswell.network.graph import Graph

PERIODS = ("week", "month", "quarter")
HEADLINE = (
    "people", "active_people", "ties", "density", "mean_degree", "reciprocity",
    "cross_department_share", "isolated_share", "communities", "modularity", "messages",
    "interactions", "questions", "response_rate", "median_hours_to_answer", "hires",
)  # fmt: skip
SNAPSHOT_ROLES = tuple(r for r in roles.ROLES if r != "broker")


def check_period(period: str) -> str:
    """``period`` when it is one of :data:`PERIODS`; ConfigError naming --period otherwise."""
    if period not in PERIODS:
        raise ConfigError(f"--period must be one of {', '.join(PERIODS)}; got {period!r}")
    return period


def step(period: str) -> pd.DateOffset:
    """The length of one ``period``."""
    return {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}.get(
        period, pd.DateOffset(months=3)
    )


def fingerprint_table(
    rows: pd.DataFrame,
    period: str,
    context: str,
    touched: list[pd.Timestamp] | None = None,
) -> pd.DataFrame:
    """Each period of ``rows`` (:func:`groundswell.value.queries.period_fingerprints`: ps,
    fp) with its end and its fingerprint: its own rows' and the ``context`` every period
    shares; only the ``touched`` period starts when given."""
    start = pd.to_datetime(rows["ps"]).dt.tz_localize("UTC")
    out = pd.DataFrame(
        {
            "period_start": start,
            "period_end": start + step(period),
            "fingerprint": (rows["fp"] + "|" + context).to_numpy(),
        }
    )
    if touched is not None:
        out = out[out["period_start"].isin(pd.DatetimeIndex(touched))]
    return out.reset_index(drop=True)


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


@dataclass
class Frames:
    """What one window's snapshot is made of (read by :mod:`groundswell.value.queries`)."""

    members: pd.Index  # everyone in the window's network
    ties: pd.DataFrame  # the window's digital ties: actor_id, target_id, n, weight
    people: pd.DataFrame  # the org chart: department, level by person_id
    activity: pd.DataFrame  # posts, given, received by person_id
    questions: pd.DataFrame  # the window's questions with ``answered`` and ``hours``
    messages: int  # messages in the window (bots aside)
    interactions: int  # interactions in the window (bots aside)
    hires: int  # people hired in the window


def snapshot(
    f: Frames, *, resolution: float, seed: int, min_group_size: int
) -> tuple[dict[str, float], pd.DataFrame]:
    """The headline measures (:data:`HEADLINE`) of one window, and each person's persona,
    roles (comma-separated) and degree (Leiden with ``resolution`` and ``seed``)."""
    t = f.ties
    hr = f.people
    nodes = f.members.union(pd.Index(t["actor_id"])).union(pd.Index(t["target_id"]))
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
    n_comm, modularity = _leiden(und, resolution, seed)
    act = f.activity.reindex(ids).fillna(0).astype("int64")
    pers = personas.personas(act)
    table = pd.DataFrame(
        {"in_degree": in_deg, "out_degree": out_deg, "posts": act["posts"], "given": act["given"]},
        index=ids,
    )
    table["pagerank"] = centrality.pagerank(g).to_numpy() if g.m else 0.0
    table["departments_reached"] = departments_reached(g, dept).to_numpy()
    table["boundary_share"] = _boundary_share(g, dept)
    table["seekers_in_degree"] = roles.seekers_in_degree(g).to_numpy()
    table["atypical_share"] = roles.atypical_share(g, dept).to_numpy()
    table = table.join(hr[["department", "level"]])
    held = roles.roles(table, min_group_size=min_group_size)[list(SNAPSHOT_ROLES)]
    qs = f.questions
    answered = qs[qs["answered"]]
    measures: dict[str, Any] = {
        "people": g.n,
        "active_people": int((act[["posts", "given"]].sum(axis=1) > 0).sum()),
        "ties": g.m,
        "density": g.m / (g.n * (g.n - 1)) if g.n > 1 else float("nan"),
        "mean_degree": float(contacts.mean()) if g.n else float("nan"),
        "reciprocity": overall_reciprocity(g),
        "cross_department_share": cross,
        "isolated_share": float((contacts == 0).mean()) if g.n else float("nan"),
        "communities": n_comm,
        "modularity": modularity,
        "messages": f.messages,
        "interactions": f.interactions,
        "questions": len(qs),
        "response_rate": len(answered) / len(qs) if len(qs) else float("nan"),
        "median_hours_to_answer": float(answered["hours"].median())
        if len(answered)
        else float("nan"),
        "hires": f.hires,
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
