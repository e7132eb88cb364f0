"""Leiden's communities in a worker process, while the rest of the analysis goes on.

Finding the communities (:func:`.communities.leiden`) and their stability under other seeds
(:func:`.communities.stability`) is single-threaded igraph code that holds Python's global
lock for minutes on a large network (268 s of the 1,422 s of a million-person run), and
nothing else in ``analyze`` needs its result before the run is stored. From
``scale_min_nodes`` people on, on a machine with two or more usable cores, :func:`start`
hands the undirected graph to a worker process, which runs both while the individual
measures, roles and the formal comparisons run here; :meth:`Pending.result` waits for it.
The worker is a fresh interpreter (``python -c``) that reads its task from a pipe: never a
fork of a process running DuckDB's and numba's threads, and never multiprocessing's
``spawn``, which runs the caller's main script again in the child (a user's script without
a ``__main__`` guard would ingest or analyse a second time there).

The worker runs the same functions on the same ties in the same order with the same seeds,
so the partition, its modularity and the stability are those of running them here (tests
check it). Should the worker fail in any way — killed for memory, an interpreter that
cannot start — they are computed here instead, where any error is raised as itself.
:data:`WORKER` fixes the choice (tests, benchmarks).
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from groundswell._cores import usable_cores
from groundswell.analysis import communities
from groundswell.errors import ParameterError
from groundswell.network.graph import Graph

#: True: always a worker; False: never; None: from ``scale_min_nodes`` people on, with two
#: or more usable cores
WORKER: bool | None = None

log = logging.getLogger(__name__)


@dataclass
class Pending:
    """Leiden's communities of a graph and their stability, being computed (in a worker
    process) or to be computed here when asked (:meth:`result`)."""

    graph: Graph | None  # let go of once the result is in
    resolution: float
    seed: int
    weighted: bool
    seeds: int
    process: subprocess.Popen | None = None  # the worker, if one was started
    _done: tuple[communities.Communities, float] | None = field(default=None, repr=False)

    def result(self) -> tuple[communities.Communities, float]:
        """The communities and their stability (:func:`.communities.stability`)."""
        if self._done is None:
            got = self._receive() if self.process is not None else None
            self._done = got if got is not None else self._here()
            self.close()
            self.graph = None
        return self._done

    def close(self) -> None:
        """Stop the worker if it still runs (the analysis ended before it, with an error)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None

    def _here(self) -> tuple[communities.Communities, float]:
        assert self.graph is not None
        comm = communities.leiden(
            self.graph, resolution=self.resolution, seed=self.seed, weighted=self.weighted
        )
        return comm, communities.stability(
            self.graph, comm, seeds=self.seeds, weighted=self.weighted
        )

    def _receive(self) -> tuple[communities.Communities, float] | None:
        assert self.graph is not None
        assert self.process is not None and self.process.stdout is not None
        try:
            answer = pickle.load(self.process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):  # the worker died (e.g. killed)
            log.warning("the communities' worker process ended without an answer; computed here")
            return None
        if answer[0] != "ok":
            log.warning("the communities' worker process failed (%s); computed here", answer[1])
            return None
        _, membership, modularity, stability = answer
        comm = communities.Communities(
            pd.Series(membership, index=pd.Index(self.graph.nodes, name="person_id"),
                      name="community"),
            float(modularity),
            self.resolution,
            self.seed,
        )  # fmt: skip
        return comm, float(stability)


def start(
    g: Graph,
    *,
    resolution: float,
    seed: int,
    weighted: bool,
    seeds: int,
    scale_min_nodes: int,
) -> Pending:
    """Start finding the communities of ``g`` (and their stability under ``seeds`` other
    seeds): in a worker process when :data:`WORKER` says so or, when it is None, from
    ``scale_min_nodes`` people on with two or more usable cores; otherwise when
    :meth:`Pending.result` is called. :meth:`Pending.close` stops a worker still running."""
    if resolution <= 0:
        raise ParameterError("resolution", "> 0", resolution)
    pending = Pending(g, resolution, seed, weighted, seeds)
    worker = WORKER if WORKER is not None else (g.n >= scale_min_nodes and usable_cores() >= 2)
    if not worker:
        return pending
    u = g.to_undirected()  # kept on g: the measures use it too
    task = (g.n, u.src, u.dst, u.weight, resolution, seed, weighted, seeds)
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _BOOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # a worker's failure is told through the pipe
        )
    except OSError as e:  # no process could be started: compute here when asked
        log.warning("no worker process for the communities (%s); computed here", e)
        return pending
    pipe = process.stdin
    assert pipe is not None  # stdin=PIPE
    try:
        pickle.dump(list(sys.path), pipe)  # where this process found groundswell
        pickle.dump(task, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        pipe.close()
    except OSError as e:  # the worker ended before reading its task
        log.warning("the communities' worker process did not start (%s); computed here", e)
        process.kill()
        process.wait()
        return pending
    pending.process = process
    return pending


#: what the worker interpreter runs: this process's import path, then :func:`_serve`
_BOOT = (
    "import pickle, sys; sys.path[:0] = pickle.load(sys.stdin.buffer); "
    "from groundswell.analysis.community_worker import _serve; _serve()"
)


def _serve() -> None:
    """In the worker: read the task from standard input, write the answer of :func:`_work`
    to standard output (and nothing else: anything printed goes to standard error)."""
    task = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    pickle.dump(_work(*task), out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def _work(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    resolution: float,
    seed: int,
    weighted: bool,
    seeds: int,
) -> tuple:
    """The communities of the undirected graph (n people, the ties src-dst) and their
    stability, as ("ok", the membership array, the modularity, the stability); or
    ("error", why not)."""
    try:
        u = Graph(np.arange(n), src, dst, weight, directed=False)
        del src, dst, weight
        comm = communities.leiden(u, resolution=resolution, seed=seed, weighted=weighted)
        stability = communities.stability(u, comm, seeds=seeds, weighted=weighted)
        return ("ok", comm.membership.to_numpy(), comm.modularity, stability)
    except Exception as e:  # told to the parent, which computes it itself
        return ("error", f"{type(e).__name__}: {e}")
