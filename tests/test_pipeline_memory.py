"""What ``analyze`` holds: the graph of a window made from integer positions is the graph of
the ties grouped on their ids (every field, to the bit), and once the run is stored none of
the analysis steps' frames is alive while the value step runs."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import groundswell as gs
from groundswell import pipeline
from groundswell.network.graph import Graph
from groundswell.synth import generate
from groundswell.value import findings as value_findings


def _grouped(ties: pd.DataFrame, active: pd.Series) -> tuple[int, Graph]:
    """The graph as analyze made it before: the ties fused on their ids by pandas."""
    fused = ties.groupby(["actor_id", "target_id"], as_index=False).agg(
        n=("n", "sum"), weight=("weight", "sum")
    )
    nodes = pd.Index(active).union(pd.Index(fused["actor_id"])).union(pd.Index(fused["target_id"]))
    graph = Graph.from_edges(nodes.to_numpy(), fused[["actor_id", "target_id", "weight"]])
    return int(fused["n"].sum()), graph


def _ties(seed: int, people: int, rows: int, dtype: str) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    # ids of several lengths, some beyond ASCII, in no order
    ids = np.array([f"p{rng.integers(10**9):x}{'é' * (i % 3)}{i}" for i in range(people)])
    actor, target = rng.integers(people, size=(2, rows))
    ties = pd.DataFrame(
        {
            "actor_id": pd.array(ids[actor], dtype=dtype),
            "target_id": pd.array(ids[target], dtype=dtype),  # some to oneself
            "layer": pd.array(rng.choice(["digital", "formal"], rows), dtype=dtype),
            "n": rng.integers(1, 9, rows),
            "weight": rng.random(rows) * rng.choice([1e-3, 1.0, 1e6], rows),
        }
    )
    active = pd.Series(pd.array(ids[rng.permutation(people)[: people // 2]], dtype=dtype))
    return ties, active


@pytest.mark.parametrize("dtype", ["str", "object"])
@pytest.mark.parametrize(("seed", "people", "rows"), [(0, 40, 300), (1, 500, 20_000), (2, 3, 9)])
def test_the_graph_from_positions_is_the_graph_grouped_on_ids(
    dtype: str, seed: int, people: int, rows: int
) -> None:
    ties, active = _ties(seed, people, rows, dtype)
    assert ties.duplicated(["actor_id", "target_id"]).any()  # pairs tied in both layers
    want_n, want = _grouped(ties, active)
    got_n, got = pipeline.tie_graph(ties, active)
    assert got_n == want_n
    assert got.directed == want.directed
    assert got.nodes.dtype == want.nodes.dtype == object
    assert got.nodes.tolist() == want.nodes.tolist()
    for field in ("src", "dst", "weight"):
        a, b = getattr(got, field), getattr(want, field)
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), field


def test_people_without_ties_are_in_the_graph() -> None:
    ties = pd.DataFrame(
        {
            "actor_id": pd.array(["b", "a"], dtype="str"),
            "target_id": pd.array(["a", "b"], dtype="str"),
            "layer": "digital",
            "n": [2, 3],
            "weight": [1.5, 2.0],
        }
    )
    n, g = pipeline.tie_graph(ties, pd.Series(pd.array(["c", "a"], dtype="str")))
    assert n == 5
    assert g.nodes.tolist() == ["a", "b", "c"]
    assert g.src.tolist() == [0, 1] and g.dst.tolist() == [1, 0]
    assert g.weight.tolist() == [2.0, 1.5]


def test_the_value_step_runs_without_the_analysis_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside ``analyze``, when the value findings are computed the tie table and the group
    ties stored before are no longer alive (a registered frame, or a copy of analyze's
    locals left by DataFrame.query, kept them to the commit)."""
    files = generate(60, seed=2, weeks=3).write(tmp_path / "org")
    alive: list[list[str]] = []
    compute = value_findings.compute

    def watched(run: object) -> object:
        gc.collect()
        for o in gc.get_objects():
            if isinstance(o, pd.DataFrame) and (
                {"strong", "diverse", "reciprocated"} <= set(o.columns)
                or {"from_group", "to_group", "ties"} <= set(o.columns)
            ):
                alive.append(list(o.columns))
        return compute(run)  # type: ignore[arg-type]

    monkeypatch.setattr(value_findings, "compute", watched)
    with gs.init(tmp_path / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        run = ws.analyze()
        assert run.ties()["strong"].notna().all()  # the typed ties were made and stored
        assert len(run.ws.query("SELECT * FROM group_ties WHERE run_id = 1"))
    assert alive == []
