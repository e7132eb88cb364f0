"""The Graph: a compact, directed, weighted graph over people, convertible to the big libraries.

Nodes are people (pseudonymous ids), held once in ``nodes``; ties are parallel arrays
``src``/``dst`` (int32 node indices) and ``weight`` (float64), one entry per directed tie,
with no duplicates and no self-loops. Converters hand the same graph to NetworkX, igraph and
NetworKit, so that any measure can be checked against another library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import igraph
    import networkit
    import networkx
    import pandas as pd
    from scipy import sparse


@dataclass(frozen=True)
class Graph:
    """A directed weighted graph over people.

    >>> g = Graph.from_edges(["a", "b", "c"], [("a", "b", 2.0), ("b", "c", 1.0)])
    >>> g.n, g.m
    (3, 2)
    """

    nodes: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    directed: bool = True

    @classmethod
    def from_edges(
        cls,
        nodes: list[str] | np.ndarray | pd.Index,
        edges: list[tuple[str, str, float]] | pd.DataFrame,
        *,
        directed: bool = True,
    ) -> Graph:
        """Build from node ids and (source, target, weight) ties; parallel ties are summed.

        Edge endpoints missing from ``nodes`` are added; self-loops are dropped.
        """
        import pandas as pd  # not at import: the planner and the kernels need numpy alone

        df = (
            edges.iloc[:, :3].set_axis(["s", "t", "w"], axis=1)
            if isinstance(edges, pd.DataFrame)
            else pd.DataFrame(edges, columns=["s", "t", "w"])
        )
        df = df[df["s"] != df["t"]]
        index = pd.Index(
            pd.unique(
                np.concatenate(
                    [
                        np.asarray(nodes, dtype=object),
                        df["s"].to_numpy(dtype=object),
                        df["t"].to_numpy(dtype=object),
                    ]
                )
            )
        )
        s = index.get_indexer(df["s"]).astype(np.int32)
        t = index.get_indexer(df["t"]).astype(np.int32)
        w = df["w"].to_numpy(dtype=np.float64)
        if not directed:
            s, t = np.minimum(s, t), np.maximum(s, t)
        agg = (
            pd.DataFrame({"s": s, "t": t, "w": w})
            .groupby(["s", "t"], sort=True, as_index=False)["w"]
            .sum()
        )
        return cls(
            nodes=index.to_numpy(dtype=object),
            src=agg["s"].to_numpy(np.int32),
            dst=agg["t"].to_numpy(np.int32),
            weight=agg["w"].to_numpy(np.float64),
            directed=directed,
        )

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def m(self) -> int:
        return len(self.src)

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        return f"<Graph {kind}: {self.n} people, {self.m} ties>"

    def edges(self) -> pd.DataFrame:
        """The ties as a DataFrame (source, target, weight) of person ids."""
        import pandas as pd

        return pd.DataFrame(
            {"source": self.nodes[self.src], "target": self.nodes[self.dst], "weight": self.weight}
        )

    def adjacency(self, *, weighted: bool = True) -> sparse.csr_array:
        """The n x n adjacency matrix (CSR); symmetric for an undirected graph."""
        from scipy import sparse

        data = self.weight if weighted else np.ones(self.m)
        a = sparse.csr_array((data, (self.src, self.dst)), shape=(self.n, self.n))
        if not self.directed:
            a = a + a.T
        return a

    def to_undirected(self) -> Graph:
        """Collapse directions: the weight of {u, v} is the sum of both directions. Made once
        per graph and kept (the graph is frozen; ``analyze`` asks for it about ten times:
        k-core, eigenvector, communities, the map, the formal comparisons)."""
        if not self.directed:
            return self
        made = self.__dict__.get("_undirected")
        if made is None:
            made = self._collapse()
            self.__dict__["_undirected"] = made  # frozen: not through __setattr__
        return made

    def _collapse(self) -> Graph:
        import pandas as pd

        s, t = np.minimum(self.src, self.dst), np.maximum(self.src, self.dst)
        agg = (
            pd.DataFrame({"s": s, "t": t, "w": self.weight})
            .groupby(["s", "t"], sort=True, as_index=False)["w"]
            .sum()
        )
        return Graph(
            self.nodes,
            agg["s"].to_numpy(np.int32),
            agg["t"].to_numpy(np.int32),
            agg["w"].to_numpy(np.float64),
            directed=False,
        )

    def to_networkx(self) -> networkx.DiGraph | networkx.Graph:
        """A NetworkX graph with the ``weight`` edge attribute (for checking, not for speed)."""
        import networkx as nx

        g = nx.DiGraph() if self.directed else nx.Graph()
        g.add_nodes_from(self.nodes.tolist())
        g.add_weighted_edges_from(
            zip(
                self.nodes[self.src].tolist(),
                self.nodes[self.dst].tolist(),
                self.weight.tolist(),
                strict=True,
            )
        )
        return g

    def to_igraph(self, *, attributes: bool = True) -> igraph.Graph:
        """An igraph Graph: vertex i is node i, edge j is tie j; with ``attributes``, vertex
        attribute ``name`` and edge attribute ``weight``."""
        import igraph as ig

        g = ig.Graph(n=self.n, directed=self.directed)
        if self.m:
            # an (m, 2) array read by igraph as a sequence: about 3x faster than the list of
            # pairs, and 4x faster than igraph's own reading of a NumPy array (a memoryview)
            g.add_edges(np.column_stack([self.src, self.dst]))
        if attributes:
            g.vs["name"] = self.nodes.tolist()
            g.es["weight"] = self.weight.tolist()
        return g

    def to_networkit(self, *, weighted: bool = True) -> networkit.Graph:
        """A NetworKit graph whose node i is ``nodes[i]``."""
        import networkit as nk

        g = nk.Graph(self.n, weighted=weighted, directed=self.directed)
        if self.m:
            if weighted:
                g.addEdges((self.weight, (self.src.astype(np.uint64), self.dst.astype(np.uint64))))
            else:
                g.addEdges(
                    (np.ones(self.m), (self.src.astype(np.uint64), self.dst.astype(np.uint64)))
                )
        return g
