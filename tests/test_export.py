"""Exports (issue 21, point 2): every format loads back in NetworkX and igraph with the run's
people, ties, weights and attributes as stored; small groups stay suppressed; names only in
the revealed form of an identified workspace. The workspace is tests/_small_groups.py's (31
people, departments of 1 to 4 people) with survey nominations added, analysed on two layers,
so a pair tied in both layers is two parallel edges."""

from __future__ import annotations

import json
from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.analysis.roles import ROLES
from groundswell.cli import app
from groundswell.errors import ParameterError, WorkspaceError
from groundswell.export import FORMATS
from groundswell.ingest.batch import append_interactions
from groundswell.privacy import SUPPRESSED
from tests._small_groups import SMALL, build

MEASURES = ("pagerank", "betweenness", "in_degree", "k_core", "constraint", "two_step_reach")


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = build(tmp_path_factory.mktemp("export"))
    with gs.open(folder) as ws:
        # every fourth dm also an advice nomination: the survey layer beside the digital one
        append_interactions(
            ws.con,
            "SELECT ts, actor_id, target_id, 'survey:advice', "
            "'s' || i::VARCHAR, 1, false, 1.0, 99 FROM (SELECT *, row_number() OVER "
            "(ORDER BY message_id) AS i FROM interactions WHERE kind = 'dm') WHERE i % 4 = 0",
        )
        ws.analyze("2024-03-01:2024-03-31", layers=("digital", "survey:advice"))
    return folder


@pytest.fixture(scope="module")
def stored(ws_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    with gs.open(ws_path) as ws:
        run = ws.run()
        return run.people(), run.ties(), run.roles(), run.run_id


@pytest.fixture(scope="module")
def files(ws_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("files")
    with gs.open(ws_path) as ws:
        run = ws.run()
        return {f: run.export(out / f"net.{f}", format=f) for f in FORMATS}


def _label(v: object) -> str:
    number = isinstance(v, float | int | np.number)
    return str(int(v)) if number and float(v).is_integer() else str(v)


def _check_nodes(nodes: pd.DataFrame, stored: tuple) -> None:
    """``nodes`` (indexed by pseudonym) hold the stored people and their attributes."""
    people, _, roles, _ = stored
    assert sorted(nodes.index) == sorted(people.index)
    nodes = nodes.reindex(people.index)
    for col in ("department", "team", "location", "persona"):
        assert nodes[col].astype(str).tolist() == people[col].astype(str).tolist(), col
    # igraph holds every number as a float: 2.0 for community 2
    assert nodes["community"].map(_label).tolist() == people["community"].map(_label).tolist()
    assert nodes["level"].astype(int).tolist() == people["level"].astype(int).tolist()
    for role in ROLES:
        flags = nodes[f"role_{role}"].map(lambda v: v in (True, "true", "True", 1)).tolist()
        assert flags == roles[role].tolist(), role
    for m in MEASURES:
        np.testing.assert_allclose(
            nodes[m].astype(float), people[m].astype(float), rtol=1e-12, err_msg=m
        )
    assert not set(nodes["department"].astype(str)) & SMALL["department"]
    assert (nodes["department"] == SUPPRESSED).sum() == 10


def _check_edges(edges: pd.DataFrame, stored: tuple) -> None:
    """``edges`` (source, target, layer, weight, ...) are the stored ties, one for one."""
    ties = stored[1]
    assert len(edges) == len(ties)
    key = ["source", "target", "layer"]
    mine = edges.set_index(key).sort_index()
    theirs = ties.rename(columns={"actor_id": "source", "target_id": "target"})
    theirs = theirs.set_index(key).sort_index()
    assert mine.index.equals(theirs.index)
    np.testing.assert_allclose(mine["weight"].astype(float), theirs["weight"], rtol=1e-12)
    for col in ("strong", "diverse", "reciprocated"):
        got = mine[col].map(lambda v: v in (True, "true", "True", 1)).to_numpy()
        assert (got == theirs[col].to_numpy()).all(), col
    assert (mine["n"].astype(int) == theirs["n"]).all()


def _nx_frames(g: nx.Graph) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame.from_dict(dict(g.nodes(data=True)), orient="index")
    edges = pd.DataFrame([{"source": s, "target": t, **a} for s, t, a in g.edges(data=True)])
    return nodes, edges


def _ig_frames(g: ig.Graph, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = g.get_vertex_dataframe().set_index(name)
    edges = pd.DataFrame({a: g.es[a] for a in g.es.attributes()})
    ids, ends = nodes.index.to_numpy(), np.array(g.get_edgelist()).reshape(-1, 2)
    edges["source"], edges["target"] = ids[ends[:, 0]], ids[ends[:, 1]]
    return nodes, edges


def test_the_stored_tables_have_two_layers_and_small_groups(stored) -> None:
    people, ties, _, _ = stored
    assert set(ties["layer"]) == {"digital", "survey:advice"}
    assert ties.duplicated(["actor_id", "target_id"]).any()  # parallel edges to export
    assert (people["department"] == SUPPRESSED).sum() == 10


def test_gexf_opens_in_networkx_and_igraph_with_every_attribute(files, stored) -> None:
    g = nx.read_gexf(files["gexf"])
    assert g.is_directed() and g.is_multigraph()
    nodes, edges = _nx_frames(g)
    _check_nodes(nodes, stored)
    _check_edges(edges, stored)
    # igraph reads no GEXF itself: through NetworkX's reader, every attribute kept
    h = ig.Graph.from_networkx(g)
    assert (h.vcount(), h.ecount()) == (len(stored[0]), len(stored[1]))
    _check_nodes(*(_ig_frames(h, "_nx_name")[:1]), stored)
    _check_edges(_ig_frames(h, "_nx_name")[1], stored)
    text = files["gexf"].read_text()
    assert "<viz:position" in text  # laid out as the report's map when Gephi opens it


def test_graphml_opens_in_networkx_and_igraph(files, stored) -> None:
    nodes, edges = _nx_frames(nx.read_graphml(files["graphml"]))
    _check_nodes(nodes, stored)
    _check_edges(edges, stored)
    h = ig.Graph.Read_GraphML(str(files["graphml"]))
    assert h.is_directed()
    nodes, edges = _ig_frames(h, "id")
    _check_nodes(nodes, stored)
    _check_edges(edges, stored)


def test_json_is_node_link_for_networkx_and_igraph(files, stored) -> None:
    data = json.loads(files["json"].read_text())
    assert data["graph"]["run_id"] == stored[3] and data["graph"]["form"] == "pseudonymous"
    nodes, edges = _nx_frames(nx.node_link_graph(data, edges="edges"))
    _check_nodes(nodes, stored)
    _check_edges(edges, stored)
    h = ig.Graph.DictList(
        data["nodes"], data["edges"], directed=True, vertex_name_attr="id",
        edge_foreign_keys=("source", "target"),
    )  # fmt: skip
    _check_nodes(*_ig_frames(h, "id")[:1], stored)
    _check_edges(_ig_frames(h, "id")[1], stored)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_tables_load_in_igraph_and_networkx(files, stored, fmt) -> None:
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    nodes, edges = read(files[fmt] / f"nodes.{fmt}"), read(files[fmt] / f"edges.{fmt}")
    h = ig.Graph.DataFrame(edges, directed=True, vertices=nodes, use_vids=False)
    assert (h.vcount(), h.ecount()) == (len(stored[0]), len(stored[1]))
    _check_nodes(*_ig_frames(h, "name")[:1], stored)
    _check_edges(_ig_frames(h, "name")[1], stored)
    g = nx.from_pandas_edgelist(
        edges, "source", "target", edge_attr=True, create_using=nx.MultiDiGraph
    )
    assert g.number_of_edges() == len(stored[1])
    _check_nodes(nodes.set_index("id"), stored)
    if fmt == "parquet":
        schema = pa.parquet.read_schema(files[fmt] / "nodes.parquet")
        assert pa.types.is_dictionary(schema.field("department").type)
        assert schema.field("role_hub").type == pa.bool_()
        assert schema.metadata[b"groundswell.form"] == b"pseudonymous"


def test_exports_are_pseudonymous_and_reveal_follows_the_report(ws_path, tmp_path) -> None:
    from groundswell import identity

    with gs.open(ws_path) as ws:
        run = ws.run()
        names = set(ws.query("SELECT display_name FROM people")["display_name"])
        before = len(identity.reveals(ws))
        plain = run.export(tmp_path / "plain.gexf").read_text()
        assert not any(n in plain for n in names) and "@x.com" not in plain
        assert len(identity.reveals(ws)) == before  # a pseudonymous export reveals nothing
        revealed = nx.read_gexf(run.export(tmp_path / "named.gexf", reveal=True))
        labels = {a["label"] for _, a in revealed.nodes(data=True)}
        assert labels == names
        log = identity.reveals(ws)
        assert len(log) == before + 1 and log.iloc[-1]["action"] == "export"
        assert "named.gexf" in log.iloc[-1]["detail"]


def test_without_the_key_there_are_no_names_to_reveal(ws_path, tmp_path, monkeypatch) -> None:
    from groundswell.store import Store

    monkeypatch.setattr(Store, "has_key", property(lambda self: False))
    with gs.open(ws_path) as ws, pytest.raises(WorkspaceError):
        ws.run().export(tmp_path / "x.gexf", reveal=True)
    r = CliRunner().invoke(app, ["export", str(ws_path), "--reveal", "-o", str(tmp_path / "y")])
    assert r.exit_code == 1 and r.output.startswith("error: "), r.output
    assert len(r.output.strip().splitlines()) == 1
    assert not (tmp_path / "y").exists()


def test_export_command(ws_path, tmp_path, stored) -> None:
    out = tmp_path / "cli.graphml"
    r = CliRunner().invoke(app, ["export", str(ws_path), "--run", str(stored[3]), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert nx.read_graphml(out).number_of_edges() == len(stored[1])
    folder = tmp_path / "tables"
    r = CliRunner().invoke(app, ["export", str(ws_path), "--format", "csv", "-o", str(folder)])
    assert r.exit_code == 0, r.output
    assert len(pd.read_csv(folder / "edges.csv")) == len(stored[1])
    r = CliRunner().invoke(app, ["export", str(ws_path), "--format", "xml"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [
        "error: --format must be one of gexf, graphml, json, parquet, csv; got 'xml'"
    ]
    with pytest.raises(ParameterError):
        gs.open(ws_path).run().export(tmp_path / "x.txt")


def test_people_ties_groups_have_clean_dtypes_and_arrow_forms(ws_path) -> None:
    with gs.open(ws_path) as ws:
        run = ws.run()
        people = run.people()
        for role in ROLES:
            assert people[f"role_{role}"].dtype == bool
            assert people[f"role_{role}"].tolist() == run.roles()[role].tolist()
        # the comma-joined text, kept for older code, says the same
        joined = people[[f"role_{r}" for r in ROLES]].apply(
            lambda row: ", ".join(sorted(r for r in ROLES if row[f"role_{r}"])), axis=1
        )
        assert joined.tolist() == people["roles"].tolist()
        assert people["in_degree"].dtype == "int64" and people["k_core"].dtype == "int64"
        cats = run.people(categories=True)
        assert isinstance(cats["department"].dtype, pd.CategoricalDtype)
        assert SUPPRESSED in cats["department"].cat.categories
        groups = run.groups("department")
        assert groups["size"].dtype == "Int64" and groups["silo"].dtype == "boolean"
        assert groups.drop(index=SUPPRESSED)["size"].sum() + groups.loc[SUPPRESSED, "size"] == 31
        ties = run.ties()
        assert ties["n"].dtype == "int64" and ties["strong"].dtype == bool
        for table, frame in (
            (run.people(arrow=True), people.reset_index()),
            (run.ties(arrow=True), ties),
            (run.groups(arrow=True), groups.reset_index()),
        ):
            assert isinstance(table, pa.Table)
            assert table.num_rows == len(frame) and table.column_names == list(frame.columns)
        assert pa.types.is_dictionary(run.ties(arrow=True).schema.field("layer").type)


def test_run_is_exported_from_the_top_level() -> None:
    from groundswell.run import Run

    assert gs.Run is Run and "Run" in gs.__all__


def test_a_person_is_found_by_hr_id_email_or_name(ws_path) -> None:
    with gs.open(ws_path) as ws:
        pid = ws.pseudonymiser.person("E1")
        assert ws.person_id("E1") == ws.person_id("p1@x.com") == ws.person_id("Person 1") == pid
        assert pid in ws.run().people().index
        with pytest.raises(ParameterError):
            ws.person_id("nobody")
