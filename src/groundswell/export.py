"""Export a run's network for the tools analysts already use: Gephi, NetworkX, igraph, BI.

One node per person of the run, one edge per stored tie (a directed pair in one layer):

* **nodes**: ``id`` (the person's pseudonym), ``label`` (the pseudonym, or the display name in
  the revealed form), ``department``, ``team``, ``location`` and ``community`` as
  :meth:`groundswell.run.Run.people` shows them (through the privacy gate of
  :mod:`groundswell.privacy`: a group too small to show reads ``"(suppressed)"``),
  ``level``, ``manager_id`` (a pseudonym), ``persona``, one boolean ``role_<name>`` per role
  of :data:`groundswell.analysis.roles.ROLES`, every measure the run stored (see
  docs/metrics.md) and the map position ``x``, ``y``;
* **edges**: ``source``, ``target``, ``layer`` (digital, formal, collaboration, survey),
  ``n`` (interactions), ``weight``, ``strong``, ``diverse`` and ``reciprocated`` (see
  docs/tie-rules.md).

Formats: ``gexf`` (Gephi; GEXF 1.2), ``graphml`` (igraph, Cytoscape, yEd, NetworkX), ``json``
(node-link JSON as NetworkX's ``node_link_graph(data, edges="edges")`` reads it, and D3),
``parquet`` and ``csv`` (a folder holding ``nodes`` and ``edges`` tables, for BI tools and
``igraph.Graph.DataFrame``). A graph file holds one edge per tie and layer: two layers
between the same pair are two parallel edges, told apart by ``layer`` (Gephi shows it as the
edge type). A missing value (a measure not defined for someone) is left out of GEXF, GraphML
and JSON, and empty in CSV and Parquet.

Exports are pseudonymous. The revealed form (``reveal=True``) labels people by name under
the same rule as the report's ``--reveal``: only with the workspace key, and logged in the
audit log; :func:`reveal_labels` is the one place an export reveals.

>>> FORMATS
('gexf', 'graphml', 'json', 'parquet', 'csv')
>>> format_for("network.graphml")
'graphml'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import pandas as pd

from groundswell.errors import ParameterError

if TYPE_CHECKING:
    import networkx


class Run(Protocol):
    """What an export reads of a run: :class:`groundswell.run.Run` is one. (A protocol, so
    this module, which ``Run.export`` calls, does not import the run module back.)"""

    ws: Any
    run_id: int
    window: Any
    version: str
    #: the person measures :meth:`people` carries (``groundswell.run.METRICS``)
    METRICS: ClassVar[tuple[str, ...]]

    def people(self, *args: Any, **kwargs: Any) -> Any: ...
    def ties(self, *args: Any, **kwargs: Any) -> Any: ...
    def layout(self, *args: Any, **kwargs: Any) -> Any: ...


__all__ = [
    "EDGE_COLUMNS",
    "FORMATS",
    "edge_table",
    "export",
    "format_for",
    "node_table",
    "reveal_labels",
    "to_arrow",
    "to_networkx",
]

FORMATS = ("gexf", "graphml", "json", "parquet", "csv")
#: the edge attributes, in order, after ``source`` and ``target``
EDGE_COLUMNS = ("layer", "n", "weight", "strong", "diverse", "reciprocated")
#: the node attributes before the roles and measures
NODE_FRONT = (
    "label", "department", "team", "location", "level", "manager_id", "community", "persona",
)  # fmt: skip
_SUFFIXES = {".gexf": "gexf", ".graphml": "graphml", ".json": "json", ".parquet": "parquet"}


def format_for(path: str | Path, format: str | None = None, *, name: str = "format") -> str:
    """The format asked for, or the one ``path``'s suffix names (``.gexf``, ``.graphml``,
    ``.json``; a folder takes ``parquet``); a ParameterError for anything else."""
    if format is not None:
        fmt = str(format).lower()
        if fmt not in FORMATS:
            raise ParameterError(name, f"one of {', '.join(FORMATS)}", format)
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix == "":
        return "parquet"
    raise ParameterError(
        name, f"one of {', '.join(FORMATS)} (or a path ending .gexf, .graphml, .json)", str(path)
    )


def reveal_labels(run: Run, ids: pd.Index, *, detail: str | None = None) -> pd.Series:
    """The names of ``ids``, for the revealed form of an export.

    The same rule as the report's ``--reveal``: names come from the identities sealed under
    the workspace key (:func:`groundswell.identity.names`), so a copy of the workspace without
    its key refuses with a WorkspaceError, and every reveal is written to the audit log
    (``groundswell audit``) as ``export``. A person with no known name keeps the pseudonym.
    """
    from groundswell import identity

    shown = identity.names(
        run.ws, action="export", detail=detail or f"run {run.run_id}: {len(ids)} people"
    )
    return pd.Series([shown.get(str(i), str(i)) for i in ids], index=ids, dtype="str")


def node_table(run: Run, *, reveal: bool = False, detail: str | None = None) -> pd.DataFrame:
    """The nodes of the export: one row per person of ``run``, indexed by ``id`` (the
    pseudonym), columns as this module's docstring lists them, with clean dtypes (strings,
    booleans, integers)."""
    from groundswell.analysis.roles import ROLES

    people = run.people()
    ids = pd.Index(people.index.astype(str), name="id")
    out = pd.DataFrame(index=ids)
    out["label"] = reveal_labels(run, ids, detail=detail).to_numpy() if reveal else ids.to_numpy()
    for col in NODE_FRONT[1:]:
        values = people[col].to_numpy()
        out[col] = values
    for col in ("department", "team", "location", "manager_id", "persona"):
        out[col] = out[col].astype("str").where(people[col].notna().to_numpy())
    # community: an integer unless the gate merged some into "(suppressed)"
    community = people["community"]
    if pd.api.types.is_integer_dtype(community):
        out["community"] = community.to_numpy()
    else:
        out["community"] = community.astype("str").to_numpy()
    out["level"] = pd.array(people["level"].to_numpy(), dtype="Int64")
    for role in ROLES:
        out[f"role_{role}"] = people[f"role_{role}"].to_numpy(bool)
    for metric in run.METRICS:
        if metric in people:
            out[metric] = people[metric].to_numpy()
    layout = run.layout().reindex(people.index)
    out["x"], out["y"] = layout["x"].to_numpy(), layout["y"].to_numpy()
    return out


def edge_table(run: Run) -> pd.DataFrame:
    """The edges of the export: the run's stored ties, one row per directed pair and layer,
    columns ``source``, ``target`` and :data:`EDGE_COLUMNS`."""
    ties = run.ties().rename(columns={"actor_id": "source", "target_id": "target"})
    ties = ties.sort_values(["source", "target", "layer"], kind="stable")
    return ties[["source", "target", *EDGE_COLUMNS]].reset_index(drop=True)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, each missing value left out."""
    cols = list(df.columns)
    data = [df[c].astype(object).where(df[c].notna(), None).tolist() for c in cols]
    return [
        {c: v for c, v in zip(cols, row, strict=True) if v is not None and not pd.isna(v)}
        for row in zip(*data, strict=True)
    ]


def _graph_meta(run: Run, reveal: bool) -> dict[str, Any]:
    return {
        "run_id": int(run.run_id),
        "window": str(run.window),
        "groundswell": str(run.version),
        "form": "revealed" if reveal else "pseudonymous",
        "min_group_size": int(run.ws.settings.min_group_size),
    }


def to_networkx(
    run: Run, *, reveal: bool = False, detail: str | None = None
) -> networkx.MultiDiGraph | networkx.DiGraph:
    """The export as a NetworkX graph with every node and edge attribute: a DiGraph when
    every tie is in one layer, else a MultiDiGraph keyed by layer."""
    import networkx as nx

    nodes, edges = node_table(run, reveal=reveal, detail=detail), edge_table(run)
    multi = edges.duplicated(["source", "target"]).any()
    g: nx.MultiDiGraph | nx.DiGraph = nx.MultiDiGraph() if multi else nx.DiGraph()
    g.graph.update(_graph_meta(run, reveal))
    g.add_nodes_from(zip(nodes.index.tolist(), _records(nodes), strict=True))
    attrs = _records(edges[list(EDGE_COLUMNS)])
    pairs = zip(edges["source"].tolist(), edges["target"].tolist(), attrs, strict=True)
    if multi:
        g.add_edges_from((s, t, a["layer"], a) for s, t, a in pairs)
    else:
        g.add_edges_from(pairs)
    return g


def export(run: Run, path: str | Path, format: str | None = None, *, reveal: bool = False) -> Path:
    """Write ``run``'s network to ``path`` in ``format`` (default: from the suffix; see
    :data:`FORMATS`) and return the path written (for parquet and csv, the folder holding
    ``nodes.parquet``/``edges.parquet`` or ``nodes.csv``/``edges.csv``)."""
    import orjson

    fmt = format_for(path, format)
    path = Path(path)
    detail = f"run {run.run_id} to {path}"  # in the audit log, when revealed
    if fmt in ("parquet", "csv"):
        nodes, edges = node_table(run, reveal=reveal, detail=detail), edge_table(run)
        path.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            meta = {f"groundswell.{k}": str(v) for k, v in _graph_meta(run, reveal).items()}
            for name, table in (("nodes", nodes.reset_index()), ("edges", edges)):
                arrow = to_arrow(table)
                arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **meta})
                pq.write_table(arrow, path / f"{name}.parquet")
        else:
            nodes.to_csv(path / "nodes.csv")
            edges.to_csv(path / "edges.csv", index=False)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        nodes, edges = node_table(run, reveal=reveal, detail=detail), edge_table(run)
        data = {
            "directed": True,
            "multigraph": bool(edges.duplicated(["source", "target"]).any()),
            "graph": _graph_meta(run, reveal),
            "nodes": [
                {"id": i, **r} for i, r in zip(nodes.index.tolist(), _records(nodes), strict=True)
            ],
            "edges": _records(edges),
        }
        path.write_bytes(orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY))
        return path
    import networkx as nx

    g = to_networkx(run, reveal=reveal, detail=detail)
    if fmt == "gexf":  # Gephi opens it laid out as the report's map
        for _, attrs in g.nodes(data=True):
            if "x" in attrs and "y" in attrs:
                attrs["viz"] = {"position": {"x": attrs["x"], "y": attrs["y"], "z": 0.0}}
        nx.write_gexf(g, path)
    else:
        nx.write_graphml(g, path)
    return path


#: text columns of few distinct values: categoricals in pandas, dictionary-encoded in Arrow
CATEGORIES = ("department", "team", "location", "persona", "layer", "title")


def to_arrow(df: pd.DataFrame) -> Any:
    """An Arrow table of ``df`` (its index a column when named) with the columns of
    :data:`CATEGORIES` dictionary-encoded."""
    import pyarrow as pa

    if df.index.name is not None:
        df = df.reset_index()
    mixed = [c for c in df.columns if df[c].dtype == object]  # community with "(suppressed)"
    if mixed:
        df = df.assign(**{c: df[c].astype("str").where(df[c].notna()) for c in mixed})
    table = pa.Table.from_pandas(df, preserve_index=False)
    for i, field in enumerate(table.schema):
        if field.name in CATEGORIES and not pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).dictionary_encode())
    return table
