"""Leiden's communities in a worker process: the same partition, modularity and stability as
computed in the analysing process, whatever happens to the worker."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import groundswell as gs
from groundswell import pipeline
from groundswell._cores import usable_cores
from groundswell.analysis import communities, community_worker
from groundswell.errors import ParameterError
from groundswell.network.graph import Graph
from groundswell.synth import generate


def graph(n: int = 600, seed: int = 3) -> Graph:
    """A weighted directed graph of groups with ties between them (many communities)."""
    ref = nx.planted_partition_graph(12, n // 12, 0.04, 0.008, seed=seed, directed=True)
    rng = np.random.default_rng(seed)
    edges = [(f"p{u:04d}", f"p{v:04d}", float(rng.integers(1, 9))) for u, v in ref.edges]
    return Graph.from_edges([f"p{i:04d}" for i in range(n)], edges)


def here(g: Graph, seed: int, seeds: int) -> tuple[communities.Communities, float]:
    comm = communities.leiden(g, resolution=1.0, seed=seed, weighted=True)
    return comm, communities.stability(g, comm, seeds=seeds, weighted=True)


def start(g: Graph, *, seed: int = 4, seeds: int = 2) -> community_worker.Pending:
    return community_worker.start(
        g, resolution=1.0, seed=seed, weighted=True, seeds=seeds, scale_min_nodes=10**9
    )


def assert_same(got: tuple[communities.Communities, float], want: tuple) -> None:
    pd.testing.assert_series_equal(got[0].membership, want[0].membership, check_exact=True)
    assert got[0].modularity == want[0].modularity  # exactly: the same igraph calls
    assert (got[0].resolution, got[0].seed) == (want[0].resolution, want[0].seed)
    assert got[1] == want[1]


def test_the_worker_finds_what_the_process_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    g = graph()
    want = here(g, 4, 2)
    assert len(want[0]) > 5 and want[1] < 1  # many communities, seeds that disagree a little
    monkeypatch.setattr(community_worker, "WORKER", True)
    pending = start(g)
    assert pending.process is not None  # really in another process
    worker_pid = pending.process.pid
    got = pending.result()
    assert worker_pid is not None and pending.process is None and pending.graph is None
    assert_same(got, want)
    assert pending.result() is got  # asked twice: the same answer, not a second run


def test_a_worker_that_dies_is_replaced_by_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    g = graph(seed=5)
    want = here(g, 4, 2)
    monkeypatch.setattr(community_worker, "WORKER", True)
    pending = start(g)
    pending.process.kill()  # as the kernel's out-of-memory killer would
    assert_same(pending.result(), want)


def test_a_worker_that_fails_is_replaced_by_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    g = graph(seed=6)
    want = here(g, 4, 1)
    monkeypatch.setattr(community_worker, "WORKER", True)
    pending = start(g, seeds=1)
    pending.close()
    pending.process = FailedWorker()  # a worker that answered with its error
    assert_same(pending.result(), want)
    # and what a worker answers when its task fails: the error, not a traceback
    u = g.to_undirected()
    answer = community_worker._work(2, u.src, u.dst, u.weight, 1.0, 4, True, 1)
    assert answer[0] == "error" and answer[1].startswith(("InternalError", "ValueError"))


class FailedWorker:
    stdout = io.BytesIO(pickle.dumps(("error", "MemoryError: ")))

    def poll(self) -> int:
        return 0

    def wait(self) -> int:
        return 0


def test_close_stops_a_worker_still_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(community_worker, "WORKER", True)
    pending = start(graph(n=3000), seeds=3)
    process = pending.process
    pending.close()  # the analysis ended with an error before it needed the communities
    assert process.poll() is not None and pending.process is None


def test_small_graphs_stay_in_the_process_and_bad_resolutions_are_refused() -> None:
    g = graph(n=120)
    pending = start(g)  # under scale_min_nodes: no worker
    assert pending.process is None
    assert_same(pending.result(), here(g, 4, 2))
    big = community_worker.start(
        g, resolution=1.0, seed=4, weighted=True, seeds=0, scale_min_nodes=100
    )
    try:  # at scale, with two cores: a worker
        assert (big.process is not None) == (usable_cores() >= 2)
        assert np.isnan(big.result()[1])  # no other seed: stability not measured
    finally:
        big.close()
    with pytest.raises(ParameterError, match="resolution"):
        community_worker.start(g, resolution=0, seed=1, weighted=True, seeds=1, scale_min_nodes=1)


def _run_rows(ws: gs.Workspace, run_id: int) -> dict[str, pd.DataFrame]:
    """Every table of a run (columns saying when or how long left out), sorted."""
    con = ws.con
    out = {}
    tables = con.execute(
        "SELECT table_name FROM duckdb_columns() WHERE column_name = 'run_id' "
        "AND database_name = current_database() GROUP BY 1 ORDER BY 1"
    ).fetchall()
    for (name,) in tables:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND database_name = current_database() ORDER BY column_index",
                [name],
            ).fetchall()
            if not (r[0].endswith("_at") or r[0] in ("seconds", "version", "run_id"))
        ]
        listed = ", ".join(f'"{c}"' for c in cols)
        out[name] = con.execute(
            f"SELECT {listed} FROM {name} WHERE run_id = ? ORDER BY ALL", [run_id]
        ).df()
    return out


def workspace(tmp_path: Path, people: int, *, seed: int) -> gs.Workspace:
    """A workspace of a small synthetic organisation, ingested, not analysed."""
    files = generate(people, seed=seed, weeks=3).write(tmp_path / "org")
    ws = gs.init(tmp_path / "ws")
    ws.ingest_orgchart(files["hris"])
    ws.ingest_events(files["events"])
    return ws


def started(monkeypatch: pytest.MonkeyPatch) -> list:
    """The worker processes community_worker.start starts from now on (None: none started)."""
    workers = []
    real = community_worker.start

    def start(*args: object, **kwargs: object) -> community_worker.Pending:
        pending = real(*args, **kwargs)  # type: ignore[arg-type]
        workers.append(pending.process)
        return pending

    monkeypatch.setattr(community_worker, "start", start)
    return workers


def test_a_run_with_the_worker_is_the_run_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with workspace(tmp_path, 150, seed=3) as ws:
        monkeypatch.setattr(community_worker, "WORKER", False)
        alone = ws.analyze().run_id
        monkeypatch.setattr(community_worker, "WORKER", True)
        workers = started(monkeypatch)
        worked = ws.analyze().run_id
        assert len(workers) == 1 and workers[0]  # the communities came from a worker
        a, b = _run_rows(ws, alone), _run_rows(ws, worked)
        assert a.keys() == b.keys() and len(a["communities"]) > 100
        for name in a:
            pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


def test_an_analysis_that_fails_leaves_no_worker_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with workspace(tmp_path, 80, seed=4) as ws:
        monkeypatch.setattr(community_worker, "WORKER", True)
        workers = started(monkeypatch)

        def fail(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a step failed")

        monkeypatch.setattr(pipeline, "_formal", fail)
        with pytest.raises(RuntimeError, match="a step failed"):
            ws.analyze()
        assert len(workers) == 1 and workers[0].poll() is not None  # stopped, not left running
        assert ws.con.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_the_worker_hands_the_graph_to_igraph_once(monkeypatch: pytest.MonkeyPatch) -> None:
    g = graph(seed=7)
    want = here(g, 4, 2)  # three Leiden runs, three conversions here
    calls = []
    real = Graph.to_igraph

    def counted(self: Graph, **kwargs: object) -> object:
        calls.append(self.n)
        return real(self, **kwargs)

    monkeypatch.setattr(Graph, "to_igraph", counted)
    u = g.to_undirected()
    answer = community_worker._work(g.n, u.src, u.dst, u.weight, 1.0, 4, True, 2)
    assert calls == [g.n]  # once, for the three runs
    status, membership, modularity, stability = answer
    assert status == "ok"
    np.testing.assert_array_equal(membership, want[0].membership.to_numpy())
    assert (modularity, stability) == (want[0].modularity, want[1])


SCRIPT = """
import sys
from pathlib import Path

marker = Path(sys.argv[1])
marker.write_text((marker.read_text() if marker.exists() else "") + "ran\\n")
from groundswell.analysis import community_worker
from tests.analysis.test_community_worker import graph

community_worker.WORKER = True
pending = community_worker.start(
    graph(), resolution=1.0, seed=4, weighted=True, seeds=1, scale_min_nodes=1
)
assert pending.process is not None
pending.result()
"""


def test_a_script_without_a_main_guard_is_not_run_again(tmp_path: Path) -> None:
    """multiprocessing's spawn would run the caller's script again in the worker (a user's
    analysis script without ``if __name__ == "__main__"`` would ingest a second time)."""
    script, marker = tmp_path / "analyse.py", tmp_path / "marker"
    script.write_text(SCRIPT)
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root / "src"), str(root)]))
    subprocess.run([sys.executable, str(script), str(marker)], env=env, check=True, cwd=root)
    assert marker.read_text() == "ran\n"
