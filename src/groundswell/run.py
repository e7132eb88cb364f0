"""A run of the analysis: build the graph of a window, compute, store, and read back.

A run records what it did (the window, the tie rules and analysis settings, the sources it
saw, the groundswell version) next to its results, so any figure in a report can be traced
to the data and parameters that produced it and reproduced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell import __version__
from groundswell.analysis import centrality, communities
from groundswell.errors import AnalysisError
from groundswell.network import layout as layout_mod
from groundswell.network.graph import Graph
from groundswell.network.ties import TieRules, active_people, build_ties
from groundswell.network.window import Window
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.workspace import Workspace

METRICS = (
    "in_degree",
    "out_degree",
    "in_strength",
    "out_strength",
    "pagerank",
    "betweenness",
)


def resolve_window(ws: Workspace, window: str | Window | None) -> Window:
    """The window asked for, or the last ``ties.window_days`` days of data."""
    if isinstance(window, Window):
        return window
    if window:
        return Window.parse(window)
    latest = ws.con.execute("SELECT max(ts) FROM interactions").fetchall()[0][0]
    if latest is None:
        raise AnalysisError(
            f"{ws.folder}: no interactions ingested yet; ingest events first "
            f"(groundswell ingest events {ws.folder} FILE)"
        )
    return Window.last_days(latest, int(ws.settings.ties["window_days"]))


def reciprocity(g: Graph) -> float:
    """Share of directed ties whose reverse tie also exists (NetworkX's overall reciprocity)."""
    if g.m == 0:
        return float("nan")
    key = g.src.astype(np.int64) * g.n + g.dst
    rev = g.dst.astype(np.int64) * g.n + g.src
    return float(np.isin(rev, key).mean())


def analyze(
    ws: Workspace,
    window: str | Window | None = None,
    *,
    layers: tuple[str, ...] = ("digital",),
    weighted: bool = True,
    progress: bool = False,
) -> Run:
    """Build the graph of ``window`` and compute the first analyses; store everything as a run.

    Computes in/out degree and strength, PageRank, betweenness, Leiden communities, their
    agreement with departments (NMI, ARI) and the map layout.
    """
    settings = ws.settings
    a = settings.analysis
    rules = TieRules.from_settings(settings.ties)
    win = resolve_window(ws, window)
    with steps(7, enabled=progress) as bar:
        bar.step("building ties")
        ties = build_ties(ws.con, win, rules, layers=layers)
        if ties.empty:
            n = ws.con.execute(
                "SELECT count(*) FROM interactions WHERE ts >= ? AND ts < ?",
                [win.start, win.end],
            ).fetchall()[0][0]
            raise AnalysisError(
                f"no ties in the window {win}: {n:,} interactions fall in it, and none "
                f"make a tie under the rules (at least {rules.min_interactions} acts per pair, "
                f"at most {rules.broadcast_threshold} recipients); widen the window"
            )
        fused = ties.groupby(["actor_id", "target_id"], as_index=False).agg(
            n=("n", "sum"), weight=("weight", "sum")
        )
        nodes = (
            pd.Index(active_people(ws.con, win, rules))
            .union(pd.Index(fused["actor_id"]))
            .union(pd.Index(fused["target_id"]))
        )
        g = Graph.from_edges(nodes.to_numpy(), fused[["actor_id", "target_id", "weight"]])
        bar.step("degree and strength")
        scores = centrality.degree_strength(g)
        bar.step("PageRank")
        scores["pagerank"] = centrality.pagerank(g, weighted=weighted)
        bar.step("betweenness")
        btw = centrality.betweenness(
            g,
            weighted=weighted,
            exact_max_nodes=int(a["betweenness_exact_max_nodes"]),
            samples=int(a["betweenness_samples"]),
            delta=float(a["betweenness_delta"]),
            seed=int(a["seed"]),
        )
        scores["betweenness"] = btw.scores
        bar.step("communities (Leiden)")
        comm = communities.leiden(
            g, resolution=float(a["leiden_resolution"]), seed=int(a["seed"]), weighted=weighted
        )
        depts = ws.query("SELECT person_id, department FROM people").set_index("person_id")
        agree = communities.agreement(comm.membership, depts["department"])
        bar.step("map layout")
        pos = layout_mod.layout(g, seed=int(a["seed"]))
        bar.step("storing the run")
        summary = {
            "people": g.n,
            "ties": g.m,
            "interactions": int(fused["n"].sum()),
            "density": g.m / (g.n * (g.n - 1)) if g.n > 1 else float("nan"),
            "reciprocity": reciprocity(g),
            "isolated": int(((scores["in_degree"] + scores["out_degree"]) == 0).sum()),
            "communities": len(comm),
            "modularity": comm.modularity,
            "nmi_departments": agree.nmi,
            "ari_departments": agree.ari,
            "agreement_people": agree.n_people,
            "betweenness_method": btw.method,
            "betweenness_samples": btw.samples,
            "betweenness_error_bound": btw.error_bound,
            "betweenness_delta": btw.delta,
        }
        params = {
            "window": str(win),
            "layers": list(layers),
            "weighted": weighted,
            "ties": rules.as_dict(),
            "analysis": dict(a),
        }
        run_id = _store(ws, win, params, summary, ties, scores, comm, pos)
    return Run.load(ws, run_id)


def _store(
    ws: Workspace,
    win: Window,
    params: dict[str, Any],
    summary: dict[str, Any],
    ties: pd.DataFrame,
    scores: pd.DataFrame,
    comm: communities.Communities,
    pos: pd.DataFrame,
) -> int:
    sources = ws.query("SELECT source_id, kind, sha256 FROM sources ORDER BY source_id")
    long = (
        scores[list(METRICS)]
        .rename_axis("person_id")
        .reset_index()
        .melt(id_vars="person_id", var_name="metric", value_name="value")
    )
    with ws.transaction() as con:
        run_id = int(con.execute("SELECT nextval('run_seq')").fetchall()[0][0])
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                datetime.now(UTC),
                __version__,
                win.start,
                win.end,
                json.dumps(params, sort_keys=True),
                sources.to_json(orient="records"),
                json.dumps(summary, sort_keys=True, default=_json_default),
            ],
        )
        for name, frame, cols in (
            ("ties", ties, "actor_id, target_id, layer, n, weight"),
            ("person_scores", long, "person_id, metric, value"),
            (
                "communities",
                comm.membership.rename_axis("person_id").reset_index(),
                "person_id, community",
            ),
            ("layout", pos.rename_axis("person_id").reset_index(), "person_id, x, y"),
        ):
            con.register("frame", frame)
            con.execute(f"INSERT INTO {name} SELECT {run_id}, {cols} FROM frame")
            con.unregister("frame")
    return run_id


def _json_default(o: object) -> object:
    if isinstance(o, np.integer | np.floating):
        return o.item()
    raise TypeError(type(o))


def _nan(v: Any) -> Any:
    return float("nan") if v is None else v


@dataclass
class Run:
    """A stored run: its parameters, its summary, and its results as DataFrames."""

    ws: Workspace
    run_id: int
    window: Window
    params: dict[str, Any]
    summary: dict[str, Any]
    sources: list[dict[str, Any]]
    version: str
    created_at: datetime

    @classmethod
    def load(cls, ws: Workspace, run_id: int) -> Run:
        rows = ws.con.execute(
            "SELECT window_start, window_end, params, summary, sources, version, created_at "
            "FROM runs WHERE run_id = ?",
            [run_id],
        ).fetchall()
        if not rows:
            from groundswell.errors import WorkspaceError

            raise WorkspaceError(f"{ws.folder}: there is no run {run_id}")
        start, end, params, summary, sources, version, created = rows[0]
        summary = {k: _nan(v) for k, v in json.loads(summary).items()}
        return cls(
            ws,
            run_id,
            Window(start, end),
            json.loads(params),
            summary,
            json.loads(sources),
            version,
            created,
        )

    def __repr__(self) -> str:
        return (
            f"<Run {self.run_id}: {self.window}, {self.summary['people']} people, "
            f"{self.summary['ties']} ties>"
        )

    def people(self) -> pd.DataFrame:
        """One row per person in the graph: formal attributes, every metric, community.

        ``display_name`` is filled only when the workspace is in identified mode.
        """
        scores = self.ws.query(
            "SELECT person_id, metric, value FROM person_scores WHERE run_id = ?", [self.run_id]
        ).pivot(index="person_id", columns="metric", values="value")
        scores = scores[[m for m in METRICS if m in scores.columns]]
        for col in ("in_degree", "out_degree"):
            scores[col] = scores[col].astype("int64")
        comm = self.ws.query(
            "SELECT person_id, community FROM communities WHERE run_id = ?", [self.run_id]
        ).set_index("person_id")
        people = self.ws.query(
            "SELECT person_id, display_name, department, team, title, level, location, "
            "manager_id FROM people"
        ).set_index("person_id")
        if not self.ws.settings.identified:
            people["display_name"] = None
        out = scores.join(comm).join(people, how="left")
        front = [
            "display_name",
            "department",
            "team",
            "title",
            "level",
            "location",
            "manager_id",
            "community",
        ]
        out = out[front + [c for c in out.columns if c not in front]]
        return out.sort_values("pagerank", ascending=False)

    def ties(self) -> pd.DataFrame:
        """The stored ties of the run, per layer."""
        return self.ws.query(
            "SELECT actor_id, target_id, layer, n, weight FROM ties WHERE run_id = ?",
            [self.run_id],
        )

    def graph(self) -> Graph:
        """The Graph the run analysed (layers fused), rebuilt from the stored ties."""
        nodes = self.ws.query(
            "SELECT DISTINCT person_id FROM person_scores WHERE run_id = ? ORDER BY person_id",
            [self.run_id],
        )["person_id"]
        t = self.ties().groupby(["actor_id", "target_id"], as_index=False)["weight"].sum()
        return Graph.from_edges(nodes.to_numpy(), t[["actor_id", "target_id", "weight"]])

    def communities(self) -> pd.Series:
        return self.ws.query(
            "SELECT person_id, community FROM communities WHERE run_id = ?", [self.run_id]
        ).set_index("person_id")["community"]

    def layout(self) -> pd.DataFrame:
        return self.ws.query(
            "SELECT person_id, x, y FROM layout WHERE run_id = ?", [self.run_id]
        ).set_index("person_id")

    def department_flow(self) -> pd.DataFrame:
        """Department -> community table, with departments below the minimum group size
        merged into one suppressed row."""
        from groundswell.privacy import group_label

        people = self.people()
        sizes = people["department"].fillna("(unknown)").value_counts()
        label = (
            people["department"]
            .fillna("(unknown)")
            .map(lambda d: group_label(d, int(sizes[d]), self.ws.settings.min_group_size))
        )
        return communities.flow(people["community"], label)
