"""The analysis pipeline: build the graph of a window, compute every result once, store it.

:func:`analyze` is the one place results are computed (measures, personas, roles,
communities, formal against informal, the group ties, the role overlap, the shadow
organisation, the value findings, what the network says (:mod:`groundswell.findings`)); it
stores them as a run in one transaction, and everything
else (the report, the dashboard, the CLI, notebooks) reads them through
:class:`groundswell.run.Run`. It sits above the run reader and the value findings it computes
with (``run`` -> ``value`` -> ``pipeline``), so nothing below imports it.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell import _sets, benchmark, outcome_links, results
from groundswell import headlines as key_findings
from groundswell.analysis import communities, community_worker, formal, measures, personas, roles
from groundswell.analysis.position import overall_reciprocity
from groundswell.errors import AnalysisError, ConfigError
from groundswell.network import layout as layout_mod
from groundswell.network.activity import activity
from groundswell.network.graph import Graph
from groundswell.network.ties import TieRules, active_people, build_ties, facts_kept
from groundswell.network.window import Window
from groundswell.progress import steps
from groundswell.run import Run, drop_incomplete, resolve_window
from groundswell.store import insert_frame
from groundswell.value import findings as value_findings
from groundswell.value import queries as value_queries
from groundswell.version import __version__

if TYPE_CHECKING:
    from groundswell.store import Store

__all__ = ["analyze", "type_ties"]


def default_layers(ws: Store) -> tuple[str, ...]:
    """The layers a workspace's data makes, when ``analyze`` is given none: ``digital`` when
    it holds acts the tie rules weigh (chat, email, calendar); else ``collaboration`` (Viva
    Insights' person-to-person pairs); else every relationship-survey question; else
    ``formal`` (an org chart with managers alone). So every shape of workspace analyses."""
    kinds = [str(r[0]) for r in ws.con.execute("SELECT DISTINCT kind FROM interactions").fetchall()]
    weighed = {k for k, w in TieRules.from_settings(ws.settings.ties).weights.items() if w > 0}
    if any(k in weighed and not k.startswith("survey:") for k in kinds):
        return ("digital",)
    if "collaboration" in kinds:
        return ("collaboration",)
    surveys = tuple(sorted(k for k in kinds if k.startswith("survey:")))
    if surveys:
        return surveys
    managed = ws.con.execute("SELECT count(*) FROM people WHERE manager_id IS NOT NULL")
    if not kinds and managed.fetchall()[0][0]:
        return ("formal",)
    return ("digital",)


#: rows of data (interactions and messages) up to which ``analyze`` runs DuckDB on one thread:
#: a small workspace's queries are hundreds of small ones, each within one row group (DuckDB
#: splits work by row groups of 122,880 rows), which a second thread only waits on; a 200-person
#: workspace (250,000 rows) spent about a tenth more CPU time with two (bench/everyday.py)
ONE_THREAD_ROWS = 1_000_000


def duckdb_threads(ws: Store) -> int | None:
    """The DuckDB threads ``analyze`` uses on ``ws``: one for a small workspace (at most
    :data:`ONE_THREAD_ROWS` interactions and messages, as DuckDB estimates them without
    reading the tables), else None (DuckDB's own, one a core)."""
    rows = ws.con.execute(
        "SELECT coalesce(sum(estimated_size), 0) FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "AND table_name IN ('interaction_rows', 'messages')"
    ).fetchall()[0][0]
    return 1 if int(rows) <= ONE_THREAD_ROWS else None


def analyze(
    ws: Store,
    window: str | Window | None = None,
    *,
    layers: tuple[str, ...] | None = None,
    weighted: bool = True,
    progress: bool = False,
    engine: str = "duckdb",
    master: str | None = None,
) -> Run:
    """Build the graph of ``window``, analyse it, and store everything as a run.

    Computes every individual measure (:mod:`.analysis.measures`), personas and roles, Leiden
    communities and their agreement with departments (NMI, ARI), and the map layout.
    ``engine`` aggregates interactions into ties: ``duckdb`` (default, in the workspace) or
    ``spark`` (the workspace exported to Parquet in ``WORKSPACE/lake``, the same rules run by
    Spark on ``master``, default ``local[2]``; see docs/spark.md); the analysis then runs here.
    ``layers`` default to what the workspace's data makes (:func:`default_layers`); an org
    chart alone is analysed over the last ``ties.window_days`` days to today.
    """
    if engine not in ("duckdb", "spark"):
        raise ConfigError(f"engine must be duckdb or spark; got {engine!r}")
    settings = ws.settings
    a = settings.analysis
    rules = TieRules.from_settings(settings.ties)
    layers = default_layers(ws) if layers is None else tuple(layers)
    no_events = not ws.con.execute("SELECT count(*) FROM interactions").fetchall()[0][0]
    if window is None and no_events and layers == ("formal",):
        win = Window.last_days(datetime.now(UTC), int(settings.ties["window_days"]))
    else:
        win = resolve_window(ws, window)
    threads = duckdb_threads(ws)
    with (
        ws.duckdb_threads(threads),
        # the value findings reuse the window's ties, activity; a small workspace's earlier
        # windows are read together
        value_queries.shared(ws, together=threads == 1),
        facts_kept(),  # org chart? integer keys? one key each? UTC? asked once
        steps(11, enabled=progress) as bar,
        contextlib.ExitStack() as later,
    ):
        bar.step("building ties" if engine == "duckdb" else "building ties on Spark")
        if engine == "spark":
            ties = _spark_ties(ws, win, rules, layers, master or "local[2]")
        else:
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
        active = active_people(ws.con, win, rules)
        value_queries.hand_over(ws, win, active=active)
        if engine == "duckdb" and layers == ("digital",):  # the value step's own ties read
            value_queries.hand_over(ws, win, ties=ties)
        interactions, g = tie_graph(ties, active)
        large = g.n >= int(a["scale_min_nodes"])
        if large:  # what reading and fusing the ties freed (the allocators keep it)
            _give_back()
        people = ws.query(
            "SELECT person_id, department, team, level, manager_id, location FROM people"
        ).set_index("person_id")
        stability_seeds = communities.stability_seeds(
            g.n,
            int(a["leiden_stability_seeds"]),
            scale_min_nodes=int(a["scale_min_nodes"]),
            at_scale=int(a["leiden_stability_seeds_at_scale"]),
        )
        # the communities in a worker process while the measures, roles and formal run here
        # (at scale, with two cores: 268 s of a million-person run's 1,422 s; issue 20)
        leiden = later.enter_context(
            contextlib.closing(
                community_worker.start(
                    g,
                    resolution=float(a["leiden_resolution"]),
                    seed=int(a["seed"]),
                    weighted=weighted,
                    seeds=stability_seeds,
                    scale_min_nodes=int(a["scale_min_nodes"]),
                )
            )
        )
        bar.step("individual measures")
        scores, notes = measures.individual(
            g,
            people["department"],
            weighted=weighted,
            exact_max_nodes=int(a["betweenness_exact_max_nodes"]),
            samples=int(a["betweenness_samples"]),
            delta=float(a["betweenness_delta"]),
            seed=int(a["seed"]),
            scale_min_nodes=int(a["scale_min_nodes"]),
            epsilon=float(a["betweenness_epsilon"]),
        )
        bar.step("personas")
        act = activity(ws.con, win, rules)
        value_queries.hand_over(ws, win, activity=act)
        act = act.reindex(g.nodes).fillna(0).astype("int64")
        pers = personas.personas(act)
        scores = scores.join(act).join(pers["received_share"])
        bar.step("roles")
        ties = type_ties(ties, people["department"])
        scores["atypical_share"] = roles.atypical_share(g, people["department"], weighted=weighted)
        scores["seekers_in_degree"] = roles.seekers_in_degree(g, weighted=weighted)
        role_scores, role_fits = roles.scores(scores)
        scores = scores.join(role_scores)
        held = roles.roles(
            scores.join(people[["department", "level"]]),
            min_group_size=settings.min_group_size,
        )
        bar.step("formal against informal")
        findings, groups, extra, found = _formal(
            g, people, scores, settings.min_group_size, weighted=weighted
        )
        scores = scores.join(extra)
        stored = {  # computed once here, read by the report, the dashboard and the CLI
            "group_ties": results.group_ties_rows(g, people),
            "role_overlap": results.role_overlap_rows(held),
            "shadow": results.shadow_rows(found),
            **results.external_rows(ws, win, rules, layers, pd.Index(g.nodes), ties),
        }
        labels = pd.concat([_labels(held, pers["persona"]), findings], ignore_index=True)
        bar.step("map layout")
        pos = layout_mod.layout(g, seed=int(a["seed"]), max_people=int(a["map_max_people"]))
        bar.step("communities (Leiden)")  # waits for the worker, if one runs them
        comm, stability = leiden.result()
        agree = communities.agreement(comm.membership, people["department"])
        bar.step("storing the run")
        degree = scores["in_degree"] + scores["out_degree"]
        summary = {
            "people": g.n,
            "ties": g.m,
            "interactions": interactions,
            "density": g.m / (g.n * (g.n - 1)) if g.n > 1 else float("nan"),
            "reciprocity": overall_reciprocity(g),
            "isolated": int((degree == 0).sum()),
            # communities of two or more: a person with no tie is no community (issue 15)
            "communities": int((comm.sizes >= 2).sum()),
            "community_singletons": int((comm.sizes < 2).sum()),
            "modularity": comm.modularity,
            "nmi_departments": agree.nmi,
            "ari_departments": agree.ari,
            "agreement_people": agree.n_people,
            "community_stability": stability,
            "community_stability_seeds": stability_seeds,
            "strong_ties": float(ties["strong"].mean()),
            "diverse_ties": float(ties["diverse"].mean()),
            "reciprocated_ties": float(ties["reciprocated"].mean()),
            "mean_clustering": float(scores["clustering"].mean()),
            "median_two_step_share": float(scores["two_step_share"].median()),
            "max_k_core": int(scores["k_core"].max()),
            "roles": {r: int(held[r].sum()) for r in roles.ROLES},
            "role_fits": {r: dataclasses.asdict(f) for r, f in role_fits.items()},
            "findings": {k: int(v) for k, v in findings["name"].value_counts().items()},
            "ei_departments": formal.ei_organisation(g, people["department"]),
            # a mask, not DataFrame.query: query reads this frame's locals, and the copy of
            # them it leaves on the frame kept the ties and group ties through the value step
            "silos": int(
                groups.loc[
                    (groups["attribute"] == "department") & (groups["metric"] == "silo"), "value"
                ].sum()
            ),
            "personas": {k: int(v) for k, v in pers["persona"].value_counts().items()},
            **notes,
        }
        params = {
            "engine": engine,
            "window": str(win),
            "layers": list(layers),
            "weighted": weighted,
            "ties": rules.as_dict(),
            "analysis": dict(a),
        }
        # what the run was made from, as read (another process may ingest while it stores)
        sources = ws.query("SELECT source_id, kind, sha256 FROM sources ORDER BY source_id")
        # a store opened read-only (the CLI, beside a running dashboard) takes the exclusive
        # turn on the file only now, for the seconds of this one transaction
        with ws.writing(), ws.transaction():  # all or nothing: visible only when complete
            removed = drop_incomplete(ws)
            run_id = _store(
                ws, win, params, summary, sources, ties, scores, comm, pos, labels, groups,
                stored,
            )  # fmt: skip
            # what follows reads the stored run: let go of the graph and the frames built
            # above before the value step's own peak (gigabytes at 400,000 people; issue 20)
            del ties, g, people, scores, act, pers, comm, stored, labels, pos
            del findings, groups, extra, found, held, role_scores
            if large:
                gc.collect()
                _give_back()
            bar.step("value, Q&A, community health")
            run = Run.load(ws, run_id)
            with run.remembering():  # findings read the same tables often
                value_findings.store(run, value_findings.compute(run))
                outcome_links.store(run, outcome_links.compute(run))  # issue 19 (outcomes)
                benchmark.store(run)  # issue 19: the run beside the example profiles
                bar.step("what the network says")
                key_findings.store(run, key_findings.compute(run))
    run.removed = removed
    return run


def _give_back() -> None:
    """Return memory freed by now to the system: the pages Arrow's allocator (pandas' text)
    and glibc's keep after their blocks are freed, which no other allocator of the process
    can reuse (about 1.1 GB of the 1.9 GB held when the value step began at 200,000
    people). Each only where it exists (pyarrow loaded; glibc's ``malloc_trim``)."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):  # not glibc
        return
    trim(0)


def tie_graph(ties: pd.DataFrame, active: pd.Series) -> tuple[int, Graph]:
    """The acts counted by ``ties`` (the sum of ``n``) and the graph of a window: its people
    are ``active`` and every tie's two ends, sorted; the ties of each pair of people (one
    a layer) fused into one whose weight is their sum, in their order in ``ties``.

    It is the graph :meth:`Graph.from_edges` makes of the ties grouped on their two ids;
    ids held as Arrow text (pandas' ``str``) are looked up as integer positions by Arrow,
    without becoming Python strings (two a tie: the graph's build peaked 1.5 GB above the
    ties' read at 200,000 people / 6M ties)."""
    actor, target = ties["actor_id"], ties["target_id"]
    interactions = int(ties["n"].sum())
    if not all(_arrow_text(v) and not v.hasnans for v in (actor, target, pd.Index(active))):
        fused = ties.groupby(["actor_id", "target_id"], as_index=False).agg(
            n=("n", "sum"), weight=("weight", "sum")
        )
        nodes = (
            pd.Index(active).union(pd.Index(fused["actor_id"])).union(pd.Index(fused["target_id"]))
        )
        graph = Graph.from_edges(nodes.to_numpy(), fused[["actor_id", "target_id", "weight"]])
        return interactions, graph
    import pyarrow as pa
    import pyarrow.compute as pc

    ends = [_arrow_chunks(actor), _arrow_chunks(target)]
    kind = ends[0].type if ends[0].type == ends[1].type else pa.large_string()
    ends = [end.cast(kind) for end in ends]  # no copy when the type is already kind
    named = pc.unique(pa.chunked_array([*ends[0].chunks, *ends[1].chunks], kind))
    # the people sorted as pandas sorts the union of the ids, each once
    tied = pd.Index(named.to_pylist(), dtype=actor.dtype)
    nodes = pd.Index(active).astype(actor.dtype).union(tied).unique()
    value_set = pa.array(nodes.to_numpy(dtype=object), type=kind)
    s, t = (pc.index_in(end, value_set=value_set).to_numpy().astype(np.int32) for end in ends)
    keep = s != t  # no tie to oneself
    codes = pd.DataFrame({"s": s[keep], "t": t[keep], "w": ties["weight"].to_numpy()[keep]})
    del s, t, keep
    # each pair's ties summed in their order, the pairs sorted: the groupby of the ids
    # (the positions sort as the ids do); Graph.from_edges's own sum of these unique pairs
    # would give each pair's weight again
    fused = codes.groupby(["s", "t"], sort=True, as_index=False)["w"].sum()
    del codes
    return interactions, Graph(
        nodes=nodes.to_numpy(dtype=object),
        src=fused["s"].to_numpy(np.int32),
        dst=fused["t"].to_numpy(np.int32),
        weight=fused["w"].to_numpy(np.float64),
    )


def _arrow_text(values: pd.Series | pd.Index) -> bool:
    """Whether ``values`` are text held by Arrow (pandas' default ``str`` over pyarrow)."""
    return isinstance(values.array, pd.arrays.ArrowStringArray)


def _arrow_chunks(values: pd.Series) -> Any:
    """The Arrow chunks holding a column of Arrow-backed text (no copy)."""
    import pyarrow as pa

    got = values.array.__arrow_array__()
    return got if isinstance(got, pa.ChunkedArray) else pa.chunked_array([got])


def _spark_ties(
    ws: Store, win: Window, rules: TieRules, layers: tuple[str, ...], master: str
) -> pd.DataFrame:
    """The ties of ``win`` aggregated by Spark on ``master`` from the workspace's lake
    (exported or brought up to date first), in the session time zone of the workspace."""
    from groundswell.engines.lake import export_lake
    from groundswell.engines.spark import SparkEngine, spark_session

    lake = ws.folder / "lake"
    export_lake(ws, lake)
    tz = ws.con.execute("SELECT current_setting('TimeZone')").fetchall()[0][0]
    spark = spark_session(master, timezone=str(tz))
    return SparkEngine(spark, lake).ties(win, rules, layers=layers, tmp=ws.folder)


def _store(
    ws: Store,
    win: Window,
    params: dict[str, Any],
    summary: dict[str, Any],
    sources: pd.DataFrame,
    ties: pd.DataFrame,
    scores: pd.DataFrame,
    comm: communities.Communities,
    pos: pd.DataFrame,
    labels: pd.DataFrame,
    groups: pd.DataFrame,
    stored: dict[str, pd.DataFrame],
) -> int:
    # person_scores, communities, person_roles and group_ties have no primary-key index
    # (migrations 015, 016: DuckDB held each index in memory until the commit); their keys
    # are checked here instead
    membership = comm.membership.rename_axis("person_id").reset_index()
    _unique_keys("person_scores", scores.index, "person")
    _unique_keys("person_scores", scores.columns, "metric")
    _unique_keys("communities", comm.membership.index, "person")
    _unique_keys("person_roles", labels[["person_id", "kind", "name"]], "(person, kind, name)")
    pairs = stored["group_ties"][["attribute", "from_group", "to_group"]]
    _unique_keys("group_ties", pairs, "(attribute, group, group)")
    long = _long(scores, "person_id")
    with ws.transaction() as con:
        run_id = int(con.execute("SELECT nextval('run_seq')").fetchall()[0][0])
        con.execute(
            "INSERT INTO runs (run_id, created_at, version, window_start, window_end, params, "
            "sources, summary, complete, stored_results) VALUES (?, ?, ?, ?, ?, ?, ?, ?, true, "
            "true)",
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
            ("ties", ties, "actor_id, target_id, layer, n, weight, strong, diverse, reciprocated"),
            ("person_scores", long, "person_id, metric, value"),
            ("communities", membership, "person_id, community"),
            ("layout", pos.rename_axis("person_id").reset_index(), "person_id, x, y"),
            ("person_roles", labels, "person_id, kind, name"),
            ("group_scores", groups, "attribute, group_name, metric, value"),
            (
                "group_ties",
                stored["group_ties"],
                "attribute, from_group, to_group, ties, weight",
            ),
            ("role_overlap", stored["role_overlap"], "role_a, role_b, jaccard"),
            ("shadow", stored["shadow"], "finding, person_id, rank, evidence"),
            (
                "external_holders",
                stored["external_holders"],
                "person_id, externals, customers, suppliers, partners, weight, rank",
            ),
            (
                "external_groups",
                stored["external_groups"],
                "attribute, group_name, members, holders, external_ties, externals, "
                "top_third_share, herfindahl",
            ),
        ):
            # not a registered view: the transaction would keep the frame (its text in Arrow
            # buffers) until the commit, after the value step: 1.2 GB at 200,000 people
            insert_frame(con, name, run_id, frame, cols)
    return run_id


def _long(frame: pd.DataFrame, id_name: str) -> pd.DataFrame:
    """``frame`` as rows (``id_name``, metric, value), metric by metric in column order, each
    in the index's order: pandas' ``melt`` of the frame with its index as ``id_name``, built
    from its array at once when it has rows and every column is a NumPy number (as melt then
    does), else by ``melt``."""
    if not frame.empty and all(isinstance(t, np.dtype) and t.kind in "iuf" for t in frame.dtypes):
        n, k = frame.shape
        ids = frame.index
        # as melt repeats them: a NumPy index tiled, an extension one (Arrow text) taken
        # from its own array, not converted from Python objects
        if isinstance(ids.dtype, np.dtype):
            repeated: pd.Index | np.ndarray = np.tile(ids.to_numpy(), k)
        else:
            repeated = ids.take(np.tile(np.arange(n), k))
        return pd.DataFrame(
            {
                id_name: repeated,
                "metric": frame.columns.repeat(n),
                "value": frame.to_numpy().ravel("F"),
            }
        )
    return (
        frame.rename_axis(id_name)
        .reset_index()
        .melt(id_vars=id_name, var_name="metric", value_name="value")
    )


def _unique_keys(table: str, keys: pd.Index | pd.DataFrame, what: str) -> None:
    """Refuse to store ``table`` with a key twice or missing (the index's job before 015)."""
    twice = keys.duplicated()
    if twice.any() or np.asarray(keys.isna()).any():
        shown = keys[twice][:3] if isinstance(keys, pd.Index) else keys[twice].head(3)
        raise AnalysisError(
            f"internal error: the run's {table} would hold a {what} twice or none "
            f"(twice: {shown.to_numpy().tolist()})"
        )


def type_ties(ties: pd.DataFrame, departments: pd.Series) -> pd.DataFrame:
    """Type each tie: ``strong`` (weight in the top quarter of its layer's ties, relative to
    this organisation), ``diverse`` (between people of two different known departments) and
    ``reciprocated`` (the reverse tie exists in the same layer)."""
    out = ties.copy()
    # each layer's quartile of its own ties' weights (Series.quantile, as before); layers
    # and people as integer codes, each id read once (string keys doubled peak memory at
    # 3M ties, and mapping each tie's two ids to a department took most of the time)
    layers, named = pd.factorize(out["layer"])
    weight = out["weight"]
    q75 = np.full(len(out), np.nan)
    for k in range(len(named)):
        at = layers == k
        q75[at] = weight[at].quantile(0.75)
    out["strong"] = weight >= q75
    codes, people = pd.factorize(pd.concat([out["actor_id"], out["target_id"]]))
    # the department of each person as a code, -1 when missing (or not in departments)
    dept = pd.factorize(departments.reindex(people))[0]
    a = np.where(codes >= 0, dept[np.maximum(codes, 0)], -1)
    da, db = a[: len(out)], a[len(out) :]
    out["diverse"] = (da >= 0) & (db >= 0) & (da != db)
    n = np.int64(max(len(people), 1))
    actor, target = codes[: len(out)].astype(np.int64), codes[len(out) :].astype(np.int64)
    layer = layers.astype(np.int64) * n * n
    out["reciprocated"] = _sets.isin(layer + target * n + actor, layer + actor * n + target)
    return out


def _formal(
    g: Graph, people: pd.DataFrame, scores: pd.DataFrame, min_size: int, *, weighted: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
    """Formal against informal: findings about people (rows person_id, kind, name), group
    figures by department and team (rows attribute, group_name, metric, value; groups below
    the minimum size already merged), per-person evidence columns, and the flagged people
    of each finding with the figures its rule used (the shadow organisation)."""
    table = people.reindex(g.nodes).join(scores[["pagerank"]])
    # informal leaders rank by weighted PageRank: the measures' own when they are weighted
    # (the same scores, PageRank being deterministic), else computed by the rule
    leader_score = table["pagerank"] if weighted else None
    found = {
        "hidden_influencer": formal.hidden_influencers(table),
        "informal_leader": formal.informal_leaders(g, table, leader_score),
        "bottleneck_manager": formal.bottleneck_managers(g, table, min_group_size=min_size),
        "manager_far_from_team": formal.managers_far_from_team(g, table),
    }
    risk = formal.key_person_risk(g)
    found["key_person"] = risk[risk["articulation"].astype(bool)]
    findings = pd.concat(
        [
            pd.DataFrame({"person_id": list(frame.index), "kind": "finding", "name": name})
            for name, frame in found.items()
        ],
        ignore_index=True,
    )
    frames = []
    for attribute in ("department", "team", "location"):
        ei = formal.ei_index(g, people[attribute], min_group_size=min_size)
        silo = formal.silos_of(ei)  # the rule of formal.silos on the table just made
        ei["silo"] = ei.index.isin(silo.index).astype(float)
        long = _long(ei[["size", "ei", "inside_share", "baseline_ei", "silo"]], "group_name")
        frames.append(long.assign(attribute=attribute))
    groups = pd.concat(frames, ignore_index=True)[["attribute", "group_name", "metric", "value"]]
    groups["group_name"] = groups["group_name"].astype(str)
    extra = pd.DataFrame(
        {"key_cut_off": risk["cut_off"], "key_lcc_drop": risk["lcc_drop"]}
    ).reindex(g.nodes)
    return findings, groups, extra, found


def _labels(held: pd.DataFrame, persona: pd.Series) -> pd.DataFrame:
    """Roles held and personas as rows (person_id, kind, name)."""
    long = held.rename_axis("person_id").reset_index().melt(id_vars="person_id", var_name="name")
    role_rows = long[long["value"]].assign(kind="role")[["person_id", "kind", "name"]]
    persona_rows = pd.DataFrame(
        {"person_id": persona.index, "kind": "persona", "name": persona.astype(str).to_numpy()}
    )
    return pd.concat([role_rows, persona_rows], ignore_index=True)


def _json_default(o: object) -> object:
    if isinstance(o, np.integer | np.floating):
        return o.item()
    raise TypeError(type(o))
