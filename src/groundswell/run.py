"""A stored run: its window, parameters, summary and results, read back.

A run records what it did (the window, the tie rules and analysis settings, the sources it
saw, the groundswell version) next to its results, so any figure in a report can be traced
to the data and parameters that produced it and reproduced. :func:`groundswell.pipeline.analyze`
makes runs; this module only reads them (and removes the incomplete ones an older version
left), so the modules that compute from a run (value, diffusion, survey) can take a
:class:`Run` without importing the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, overload

import numpy as np
import pandas as pd

from groundswell import _sets, results
from groundswell.analysis import communities, measures
from groundswell.analysis.roles import SCORE_COLUMNS
from groundswell.errors import AnalysisError, ConfigError, WorkspaceError
from groundswell.network.graph import Graph
from groundswell.network.window import Window
from groundswell.privacy import (
    SUPPRESSED,
    UNKNOWN,
    gate_crosstab,
    gate_labels,
    merged_too_small,
    suppressed_groups,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from groundswell.outcome_results import Outcomes
    from groundswell.store import Store

METRICS = (
    *measures.MEASURES, "posts", "given", "received", "received_share", "key_cut_off",
    "key_lcc_drop", "atypical_share", "seekers_in_degree", *SCORE_COLUMNS,
)  # fmt: skip
INTEGER_METRICS = (
    *measures.INTEGER_MEASURES, "posts", "given", "received", "key_cut_off", "key_lcc_drop",
)  # fmt: skip
#: Group labels of :meth:`Run.people` that go through the privacy gate.
GATED_COLUMNS = ("department", "team", "location", "community")


def resolve_window(ws: Store, window: str | Window | None) -> Window:
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


#: the tables holding a run's results, each keyed by run_id
RUN_TABLES = (
    "ties", "person_scores", "communities", "layout", "person_roles", "group_scores",
    "maturity", "run_findings", "group_ties", "role_overlap", "shadow", "person_value",
    "suggestions", "outcome_links", "outcome_deviants",
    "outcome_readings",
)  # fmt: skip


def incomplete_runs(ws: Store) -> pd.DataFrame:
    """Runs an older groundswell committed without their findings (the process stopped in
    between): ignored everywhere, removed by the next analyze (unless a champion plan was
    made on one). Columns run_id, version, created_at, message."""
    df = ws.query("SELECT run_id, version, created_at FROM runs WHERE NOT complete ORDER BY run_id")
    pairs = zip(df["run_id"], df["version"], strict=True)
    df["message"] = [_incomplete_text(int(r), str(v)) for r, v in pairs]
    return df


def _incomplete_text(run_id: int, version: str) -> str:
    return (
        f"run {run_id} is incomplete (groundswell {version} stopped before storing its "
        "findings) and is ignored; analyze again to replace it"
    )


def drop_incomplete(ws: Store) -> list[int]:
    """Remove the incomplete runs (inside the caller's transaction) and say which; one a
    champion plan was made on is kept, hidden, so the plan still names its run."""
    rows = ws.con.execute(
        "SELECT run_id FROM runs WHERE NOT complete "
        "AND run_id NOT IN (SELECT run_id FROM plans) ORDER BY run_id"
    ).fetchall()
    ids = [int(r[0]) for r in rows]
    for run_id in ids:
        for table in (*RUN_TABLES, "runs"):
            ws.con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
    return ids


def _typed(df: pd.DataFrame, *, arrow: bool, categories: bool) -> Any:
    """``df`` as asked: with its text columns of few values as categoricals, or as an Arrow
    table (those columns dictionary-encoded)."""
    from groundswell.export import CATEGORIES, to_arrow

    if arrow:
        return to_arrow(df)
    if categories:
        for col in CATEGORIES:
            if col in df:
                df[col] = df[col].astype("category")
    return df


def _nan(v: Any) -> Any:
    return float("nan") if v is None else v


@dataclass
class Run:
    """A stored run: its parameters, its summary, and its results as DataFrames."""

    #: the person measures :meth:`people` carries
    METRICS: ClassVar[tuple[str, ...]] = METRICS

    ws: Store
    run_id: int
    window: Window
    params: dict[str, Any]
    summary: dict[str, Any]
    sources: list[dict[str, Any]]
    version: str
    created_at: datetime
    #: incomplete runs of an older version that the analyze making this run removed
    removed: list[int] = field(default_factory=list)
    #: what :meth:`remember` keeps: tables read once (None: every call reads the store)
    _memory: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def remember(self) -> Run:
        """Keep the tables this run reads (people, ties, roles, communities, shadow, the
        graph) after their first read, and hand each caller its own copy: for ``analyze``,
        whose findings read the same tables a dozen times while nothing can change them (it
        holds the write transaction). Not for a long-lived reader: a later ingest would not
        be seen."""
        self._memory = {}
        return self

    def forget(self) -> None:
        """Stop keeping tables (see :meth:`remember`): every call reads the store again."""
        self._memory = None

    @contextmanager
    def remembering(self) -> Iterator[Run]:
        """:meth:`remember` for the ``with`` block, then :meth:`forget`, even on an error;
        a run that already remembers is left remembering (its caller forgets it)."""
        if self._memory is not None:
            yield self
            return
        self.remember()
        try:
            yield self
        finally:
            self.forget()

    def _kept(self, key: str, read: Callable[[], Any]) -> Any:
        """``read()``, once per key when remembering; a DataFrame or Series is copied out."""
        if self._memory is None:
            return read()
        if key not in self._memory:
            self._memory[key] = read()
        value = self._memory[key]
        return value.copy() if isinstance(value, pd.DataFrame | pd.Series) else value

    @classmethod
    def load(cls, ws: Store, run_id: int) -> Run:
        rows = ws.con.execute(
            "SELECT window_start, window_end, params, summary, sources, version, created_at, "
            "complete FROM runs WHERE run_id = ?",
            [run_id],
        ).fetchall()
        if not rows:
            raise WorkspaceError(f"{ws.folder}: there is no run {run_id}")
        start, end, params, summary, sources, version, created, complete = rows[0]
        if not complete:
            raise WorkspaceError(f"{ws.folder}: {_incomplete_text(run_id, version)}")
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

    def findings(self, sections: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The value findings stored with the run: value maturity at three scales, Q&A,
        leaders, community health, onboarding (see :mod:`groundswell.value.findings`);
        only ``sections`` when given (the ``groups`` section alone is some 500 bytes a
        person)."""
        sql = "SELECT section, body FROM run_findings WHERE run_id = ?"
        if sections is not None:
            sql += f" AND section IN ({', '.join('?' * len(sections)) or 'NULL'})"
        rows = self.ws.con.execute(sql, [self.run_id, *(sections or ())]).fetchall()
        return {k: json.loads(v) for k, v in rows}

    def key_findings(
        self, label: Callable[[str], str] | None = None, *, people: bool = True
    ) -> dict[str, Any]:
        """What the network says: the strongest findings of the run in plain words, as
        analyze stored them (:func:`groundswell.results.read_findings`; rules in
        docs/findings.md). ``label`` turns a pseudonym into what the reader may see;
        without ``people`` nobody is named."""
        return results.read_findings(self.ws, self.run_id, label, people=people)

    def previous(self) -> Run | None:
        """The run of the previous period: the latest earlier run whose window ends no later
        than this one's starts (None when there is none)."""
        rows = self.ws.con.execute(
            "SELECT run_id FROM runs WHERE complete AND run_id < ? AND window_end <= ? "
            "ORDER BY window_end DESC, run_id DESC LIMIT 1",
            [self.run_id, self.window.start],
        ).fetchall()
        return Run.load(self.ws, rows[0][0]) if rows else None

    def __repr__(self) -> str:
        return (
            f"<Run {self.run_id}: {self.window}, {self.summary['people']} people, "
            f"{self.summary['ties']} ties>"
        )

    @overload
    def people(
        self, *, arrow: Literal[False] = False, categories: bool = False
    ) -> pd.DataFrame: ...
    @overload
    def people(self, *, arrow: Literal[True], categories: bool = False) -> pa.Table: ...
    def people(self, *, arrow: bool = False, categories: bool = False) -> pd.DataFrame | pa.Table:
        """One row per person in the graph, indexed by ``person_id`` (the pseudonym): formal
        attributes, community, persona, roles and every measure (docs/metrics.md).

        ``display_name`` is filled only when the workspace is in identified mode. A
        department, team, location or community reads ``"(suppressed)"`` where the privacy
        gate suppresses it (:func:`groundswell.privacy.gate_labels`, groups counted among
        the run's people): below the minimum group size, or suppressed with one so that
        it cannot be found by subtraction.

        Roles are boolean columns ``role_hub``, ``role_broker``, ... (one per
        :data:`groundswell.analysis.roles.ROLES`; :meth:`roles` gives them alone, named by
        the role); ``roles`` is the same as one comma-joined text, kept for older code.
        Counts (degrees, k-core, posts, ...) are integers, the other measures floats.
        ``categories=True`` makes department, team, location, title and persona pandas
        categoricals; ``arrow=True`` returns a :class:`pyarrow.Table` (``person_id`` a
        column, those columns dictionary-encoded).
        """
        return _typed(self._kept("gated", self._gated), arrow=arrow, categories=categories)

    def _gated(self) -> pd.DataFrame:
        out = self._people_unsuppressed()
        min_size = self.ws.settings.min_group_size
        for column in GATED_COLUMNS:
            out[column] = gate_labels(out[column], min_size, keep=True)
        for column in ("display_name", *GATED_COLUMNS[:3]):
            if not pd.api.types.is_string_dtype(out[column]) or out[column].dtype == object:
                out[column] = out[column].astype("str").where(out[column].notna())
        return out

    def _people_unsuppressed(self) -> pd.DataFrame:
        """:meth:`people` with every group label as stored (for the analysis only)."""
        return self._kept("people", self._read_people)

    def _read_people(self) -> pd.DataFrame:
        from groundswell.analysis.roles import ROLES

        scores = _score_table(self.ws, self.run_id)
        scores = scores[[m for m in METRICS if m in scores.columns]]
        for col in INTEGER_METRICS:
            if col in scores:
                scores[col] = scores[col].astype("int64")
        comm = self.ws.query(
            "SELECT person_id, community FROM communities WHERE run_id = ?", [self.run_id]
        ).set_index("person_id")
        people = self.ws.query(
            "SELECT person_id, display_name, department, team, title, level, location, "
            "manager_id, NOT is_internal AS external, relation FROM people"
        ).set_index("person_id")
        if not self.ws.settings.identified:
            people["display_name"] = None
        labels = self.ws.query(
            "SELECT person_id, kind, name FROM person_roles WHERE run_id = ?", [self.run_id]
        )
        persona = labels[labels["kind"] == "persona"].set_index("person_id")["name"]
        roles_held = labels[labels["kind"] == "role"]
        # each person's roles in name order, joined ("broker, hub")
        by_name = roles_held.sort_values("name", kind="stable")
        held = by_name.groupby("person_id")["name"].agg(", ".join)
        scores = scores.assign(persona=persona, roles=held.reindex(scores.index).fillna(""))
        names = np.asarray(roles_held["name"].to_numpy(), dtype=object)
        holders = roles_held["person_id"]
        flags = pd.DataFrame(
            {f"role_{r}": scores.index.isin(holders[names == r]) for r in ROLES},
            index=scores.index,
        )
        scores = pd.concat([scores, flags], axis=1)
        out = scores.join(comm).join(people, how="left")
        # no people row: outside the organisation once an HR file lists who is inside
        hr = self.ws.con.execute(
            "SELECT count(*) > 0 FROM sources WHERE kind = 'orgchart'"
        ).fetchall()[0][0]
        out["external"] = out["external"].astype("boolean").fillna(bool(hr)).astype(bool)
        front = [
            "display_name",
            "department",
            "team",
            "title",
            "level",
            "location",
            "manager_id",
            "external",
            "relation",
            "community",
            "persona",
            *flags.columns,
            "roles",
        ]
        out = out[front + [c for c in out.columns if c not in front]]
        return out.sort_values("pagerank", ascending=False)

    @overload
    def groups(self, attribute: str = ..., *, arrow: Literal[False] = False) -> pd.DataFrame: ...
    @overload
    def groups(self, attribute: str = ..., *, arrow: Literal[True]) -> pa.Table: ...
    def groups(
        self, attribute: str = "department", *, arrow: bool = False
    ) -> pd.DataFrame | pa.Table:
        """Group figures by a formal attribute (department, team or location), indexed by
        ``group_name``: size (the group's people in the run, an integer), E-I index, share of
        ties kept inside, random baseline, silo (a boolean; ``arrow=True``: an Arrow table
        with ``group_name`` a column). The groups the privacy gate suppresses (below the
        minimum size, or with one so that it cannot be found by subtraction; see
        :func:`groundswell.privacy.suppressed_groups`) are merged into one "(suppressed)"
        row with no figures but its size (missing too when it is below the minimum)."""
        df = self.ws.query(
            "SELECT group_name, metric, value FROM group_scores WHERE run_id = ? AND attribute = ?",
            [self.run_id, attribute],
        )
        if df.empty:
            from groundswell.errors import ConfigError

            raise ConfigError(
                f"no group figures by {attribute!r}; expected department, team or location"
            )
        table = df.pivot(index="group_name", columns="metric", values="value")
        table = table[["size", "ei", "inside_share", "baseline_ei", "silo"]]
        # the gate, on the run's people: the stored table merged only groups below the
        # minimum, counted over the whole org chart
        values = self._group_values(attribute)
        sizes = values.astype("object").where(values.notna(), UNKNOWN).astype(str).value_counts()
        missing = [g for g in sizes.index if g not in table.index]  # merged when stored
        min_size = self.ws.settings.min_group_size
        hidden = suppressed_groups(sizes, min_size, also=missing)
        shown = table.loc[[g for g in sizes.index if g not in hidden]].copy()
        shown["size"] = sizes.reindex(shown.index).astype("float64")
        if hidden:
            merged = sizes[sizes.index.isin(hidden)]
            size = np.nan if merged_too_small(merged, min_size) else float(merged.sum())
            shown.loc[SUPPRESSED] = [size, np.nan, np.nan, np.nan, np.nan]
        shown.index.name = "group_name"
        shown = shown.sort_values(["ei", "size"], ascending=[True, False], na_position="last")
        shown["size"] = shown["size"].round().astype("Int64")
        shown["silo"] = shown["silo"].astype("boolean")
        shown.columns.name = None
        return _typed(shown, arrow=arrow, categories=False)

    def _group_values(self, attribute: str) -> pd.Series:
        """The stored ``attribute`` (department, team, location) of each of the run's people."""
        if attribute not in GATED_COLUMNS[:3]:
            raise ConfigError(
                f"no group figures by {attribute!r}; expected department, team or location"
            )
        return self.ws.query(
            f"SELECT s.person_id, p.{attribute} AS value FROM (SELECT DISTINCT person_id "
            "FROM person_scores WHERE run_id = ?) s LEFT JOIN people p USING (person_id)",
            [self.run_id],
        ).set_index("person_id")["value"]

    def roles(self) -> pd.DataFrame:
        """One boolean column per role (:data:`groundswell.analysis.roles.ROLES`)."""
        return self._kept("roles", self._read_roles)

    def _read_roles(self) -> pd.DataFrame:
        from groundswell.analysis.roles import ROLES

        labels = self.ws.query(
            "SELECT person_id, name FROM person_roles WHERE run_id = ? AND kind = 'role'",
            [self.run_id],
        )
        index = self.people().index
        return pd.DataFrame(
            {r: index.isin(labels.loc[labels["name"] == r, "person_id"]) for r in ROLES},
            index=index,
        )

    def group_ties(
        self,
        attribute: str = "department",
        *,
        weighted: bool = True,
        normalize: bool = True,
        min_group_size: int | None = None,
    ) -> pd.DataFrame:
        """The group-to-group tie matrix by ``attribute`` (department, team or location),
        as analyze stored it: cell (A, B) the share of A's tie weight that goes to B's people
        (``normalize=False``: the weight; ``weighted=False``: ties counted). Through the
        privacy gate (:func:`groundswell.privacy.gate_labels`, at the workspace's minimum
        group size and then at ``min_group_size`` when larger): suppressed groups merged into
        one ``"(suppressed)"`` row and column, missing when that group is below the minimum.
        Raises :class:`~groundswell.errors.OutdatedRunError` for a run made before these
        were stored (schema version 8)."""
        shown_min = self.ws.settings.min_group_size
        return results.read_group_ties(
            self.ws,
            self.run_id,
            self._group_values(attribute),
            attribute,
            min_group_size=shown_min if min_group_size is None else min_group_size,
            shown_min=shown_min,
            weighted=weighted,
            normalize=normalize,
        )

    def outcomes(self) -> Outcomes:
        """Outcomes against the network as analyze stored them: correlations with their
        intervals and q-values, the positive deviants by results, and what they say
        (:class:`groundswell.outcome_results.Outcomes`; docs/outcomes.md)."""
        from groundswell import outcome_results

        return outcome_results.read(self.ws, self.run_id)

    def role_overlap(self) -> pd.DataFrame:
        """Jaccard overlap between every two roles held by someone (1 = the same people),
        as analyze stored it (:func:`groundswell.analysis.roles.overlap`)."""
        from groundswell.analysis.roles import ROLES

        return results.read_role_overlap(self.ws, self.run_id, ROLES)

    def shadow(self) -> pd.DataFrame:
        """The shadow organisation the run found: hidden influencers, informal leaders,
        bottleneck managers, key people, managers far from their team (see docs/roles.md).
        One row per finding and person, strongest first: finding, rank, person_id,
        display_name (identified workspaces only), department (through the privacy gate),
        level, evidence (the figures the rule used)."""
        return self._kept(
            "shadow", lambda: results.read_shadow(self.ws, self.run_id, self.people())
        )

    def external(self) -> dict[str, Any]:
        """The organisation's external relationships in this run (see
        :mod:`groundswell.analysis.external`, docs/external.md): ``summary`` (the whole
        organisation: members, holders, external_ties, externals, top_third_share,
        herfindahl), ``holders`` (each internal person tied to external people, most first)
        and ``groups`` (the same figures by department, through the privacy gate)."""
        return results.read_external(self.ws, self.run_id, self.people())

    def holding(self, role: str) -> pd.Index:
        """The people holding ``role``: a role (hub, broker, ...; see
        :data:`groundswell.analysis.roles.ROLES`) or a finding of the shadow organisation
        (hidden_influencer, informal_leader, bottleneck_manager, key_person,
        manager_far_from_team). An unknown name is a ParameterError."""
        from groundswell.analysis.roles import ROLES
        from groundswell.errors import ParameterError

        if role in results.SHADOW:
            return pd.Index(self.shadow().query("finding == @role")["person_id"].unique())
        if role not in ROLES:
            allowed = f"a role or a finding, one of {', '.join((*ROLES, *results.SHADOW))}"
            raise ParameterError("role", allowed, role)
        held = self.roles()
        return held.index[held[role]]

    @overload
    def ties(self, *, arrow: Literal[False] = False) -> pd.DataFrame: ...
    @overload
    def ties(self, *, arrow: Literal[True]) -> pa.Table: ...
    def ties(self, *, arrow: bool = False) -> pd.DataFrame | pa.Table:
        """The stored ties of the run: one row per directed pair (``actor_id`` to
        ``target_id``, pseudonyms) and ``layer``, with ``n`` interactions (an integer), the
        ``weight``, and the booleans ``strong``, ``diverse`` and ``reciprocated``
        (docs/tie-rules.md). ``arrow=True``: an Arrow table, ``layer`` dictionary-encoded."""
        ties = self._kept(
            "ties",
            lambda: self.ws.query(
                "SELECT actor_id, target_id, layer, n, weight, strong, diverse, reciprocated "
                "FROM ties WHERE run_id = ?",
                [self.run_id],
            ),
        )
        return _typed(ties, arrow=arrow, categories=False)

    def export(self, path: str | Path, format: str | None = None, *, reveal: bool = False) -> Path:
        """Write the run's network for Gephi, NetworkX, igraph or a BI tool and return the
        path: ``format`` one of gexf, graphml, json, parquet, csv (default: from ``path``'s
        suffix; parquet and csv write a folder of ``nodes`` and ``edges``). Pseudonymous;
        ``reveal=True`` labels people by name, only in an identified workspace. Node and
        edge attributes: :mod:`groundswell.export`."""
        from groundswell.export import export

        return export(self, path, format, reveal=reveal)

    def graph(self) -> Graph:
        """The Graph the run analysed (layers fused), rebuilt from the stored ties."""
        nodes = self.ws.query(
            "SELECT DISTINCT person_id FROM person_scores WHERE run_id = ? ORDER BY person_id",
            [self.run_id],
        )["person_id"]
        t = self.ties().groupby(["actor_id", "target_id"], as_index=False)["weight"].sum()
        return Graph.from_edges(nodes.to_numpy(), t[["actor_id", "target_id", "weight"]])

    def communities(self) -> pd.Series:
        return self._kept(
            "communities",
            lambda: self.ws.query(
                "SELECT person_id, community FROM communities WHERE run_id = ?", [self.run_id]
            ).set_index("person_id")["community"],
        )

    def layout(self) -> pd.DataFrame:
        return self.ws.query(
            "SELECT person_id, x, y FROM layout WHERE run_id = ?", [self.run_id]
        ).set_index("person_id")

    def department_flow(self) -> pd.DataFrame:
        """Department -> community table: how many people of each department sit in each
        community, through the privacy gate (:func:`groundswell.privacy.gate_crosstab`):
        departments and communities it suppresses merged into one ``"(suppressed)"`` row and
        column, and the cells it suppresses (small ones, and those that would give one away
        by subtraction from the totals) missing."""
        people = self.people()
        flow = communities.flow(people["community"], people["department"])
        return gate_crosstab(flow, self.ws.settings.min_group_size)


def _score_table(ws: Store, run_id: int) -> pd.DataFrame:
    """The stored ``person_scores`` of a run as one row per person (``person_id``, sorted) and
    one column per metric (``metric``, sorted): what ``DataFrame.pivot`` makes of the long
    rows. The rows are streamed in Arrow batches and their two ids turned into positions
    against one hash table of each axis, so that only one batch's distinct pseudonyms and
    metric names are Python objects at a time (issue 20: the long rows as text and pandas'
    pivot of them peaked at 1.6 GB at 200,000 people). A
    (person, metric) stored twice, or a missing id, goes through pandas' pivot itself (which
    refuses the former)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    sql = "SELECT person_id, metric, value FROM person_scores WHERE run_id = ?"

    def pivot() -> pd.DataFrame:
        return ws.query(sql, [run_id]).pivot(index="person_id", columns="metric", values="value")

    axes = []
    for col in ("person_id", "metric"):
        held = ws.con.sql(
            f"SELECT DISTINCT {col} FROM person_scores WHERE run_id = ?", params=[run_id]
        ).to_arrow_table()
        ids = held.column(0).combine_chunks().cast(pa.string())
        if ids.null_count:
            return pivot()
        axes.append(ids.take(pc.sort_indices(ids)))  # code point order, as pandas sorts
    n, m = len(axes[0]), len(axes[1])
    if not n:
        return pivot()
    # one hash table of each axis for every batch (Arrow's index_in builds its value set's
    # anew on each call: a million people's for each of 34 batches at 1,000,000 people)
    lookup = [pd.Index(axis.to_numpy(zero_copy_only=False), dtype=object) for axis in axes]
    cells, values = [], []
    for batch in ws.con.sql(sql, params=[run_id]).to_arrow_reader(_SCORE_BATCH):
        at = [_sets.positions(lookup[i], batch.column(i).cast(pa.string())) for i in (0, 1)]
        cells.append(at[0].astype(np.int64) * m + at[1].astype(np.int64))
        values.append(batch.column(2).to_numpy(zero_copy_only=False).astype(np.float64))
    cell = np.concatenate(cells)
    del cells
    if int(np.bincount(cell, minlength=n * m).max()) > 1:
        del cell, values
        return pivot()
    table = np.full(n * m, np.nan)
    table[cell] = np.concatenate(values)
    return pd.DataFrame(
        table.reshape(n, m),
        index=pd.Index(axes[0].to_numpy(zero_copy_only=False), dtype="str", name="person_id"),
        columns=pd.Index(axes[1].to_numpy(zero_copy_only=False), dtype="str", name="metric"),
    )


#: rows of person_scores read at once by :func:`_score_table`
_SCORE_BATCH = 1_000_000
