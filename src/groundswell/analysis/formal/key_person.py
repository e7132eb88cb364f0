"""Key-person risk: what the connected network loses if one person leaves, for everyone.

Part of :mod:`groundswell.analysis.formal`.

References
----------
Hopcroft, J. and Tarjan, R. (1973). Algorithm 447: efficient algorithms for graph
manipulation. *Communications of the ACM* 16(6), 372-378 (articulation points, blocks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.network.graph import Graph

if TYPE_CHECKING:
    import igraph

__all__ = ["key_person_risk"]


def key_person_risk(g: Graph, *, top: int | None = None) -> pd.DataFrame:
    """What the network loses if one person leaves: the cut it makes in the connected
    network, for every person at once.

    Ties are taken in either direction (weak connectivity). For each person:

    * ``pieces``: the number of groups their component falls into without them (0 for
      someone with no tie, 1 for most people, 2 or more for an articulation point);
    * ``extra_components``: ``pieces - 1``, the components the network gains;
    * ``cut_off``: people of their component no longer connected to its largest remaining
      piece (0 unless they are an articulation point);
    * ``lcc_drop``: how much the largest connected component shrinks, the person included
      when they belong to it;
    * ``articulation``: whether their departure splits a group.

    Parameters
    ----------
    g : Graph
        The network.
    top : int, optional
        Return only the ``top`` people who cost most (by ``lcc_drop``, then ``cut_off``,
        then ``extra_components``). Everyone is computed anyway: the cost is linear.

    Returns
    -------
    DataFrame
        Indexed by person id, sorted from the costliest departure down.

    Notes
    -----
    Removing a person v from a connected component leaves exactly one piece per
    biconnected block containing v (Hopcroft & Tarjan 1973). igraph finds the blocks in
    linear time; the sizes of the pieces are the subtree sizes of the block-cut tree,
    accumulated level by level with numpy. No person is removed and no component
    recomputed, so the cost is O(n + m) for everyone, not O(n (n + m)).

    References
    ----------
    Hopcroft, J. and Tarjan, R. (1973). Algorithm 447: efficient algorithms for graph
    manipulation. *Communications of the ACM* 16(6), 372-378.
    """
    n = g.n
    index = pd.Index(g.nodes, name="person_id")
    cols = ["pieces", "extra_components", "cut_off", "lcc_drop", "articulation"]
    if n == 0:
        return pd.DataFrame(columns=cols, index=index)
    u = g.to_undirected()
    ig = _igraph_undirected(u)
    comp = np.asarray(ig.connected_components().membership)
    comp_size = np.bincount(comp)
    pieces, max_piece = _pieces(ig, n, comp_size[comp])
    own = comp_size[comp]
    cut_off = np.where(pieces > 0, own - 1 - max_piece, 0)
    order = np.sort(comp_size)[::-1]
    lcc = int(order[0])
    second = int(order[1]) if len(order) > 1 else 0
    in_lcc = own == lcc
    lcc_after = np.where(in_lcc, np.maximum(max_piece, second), lcc)
    out = pd.DataFrame(
        {
            "pieces": pieces,
            "extra_components": pieces - 1,
            "cut_off": cut_off.astype(np.int64),
            "lcc_drop": (lcc - lcc_after).astype(np.int64),
            "articulation": pieces >= 2,
        },
        index=index,
    )
    out = out.sort_values(
        ["lcc_drop", "cut_off", "extra_components"], ascending=False, kind="stable"
    )
    return out.head(top) if top is not None else out


# --------------------------------------------------------------------------- helpers


def _igraph_undirected(u: Graph) -> igraph.Graph:
    return u.to_igraph(attributes=False)


def _pieces(ig: igraph.Graph, n: int, own_size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pieces each vertex's component falls into without it, and the largest piece's size.

    Builds the block-cut tree (a node per block and per articulation point), weights a
    block by its vertices that are not articulation points and an articulation point by
    1, and accumulates subtree weights from the leaves up, one depth level at a time.
    """
    blocks, arts = ig.biconnected_components(return_articulation_points=True)
    k = len(blocks)
    arts = np.asarray(arts, dtype=np.int64)
    pieces = np.zeros(n, dtype=np.int64)
    max_piece = np.zeros(n, dtype=np.int64)
    if k == 0:
        return pieces, max_piece
    lens = np.fromiter((len(b) for b in blocks), dtype=np.int64, count=k)
    members = np.fromiter((v for b in blocks for v in b), dtype=np.int64, count=int(lens.sum()))
    block_of = np.repeat(np.arange(k), lens)
    np.add.at(pieces, members, 1)  # vertex in p blocks -> p pieces without it
    # a vertex in one block: its component minus itself stays in one piece
    max_piece[:] = np.where(pieces == 1, own_size - 1, 0)
    if len(arts) == 0:
        return pieces, max_piece
    # block-cut tree: nodes 0..k-1 blocks, k..k+a-1 articulation points
    art_node = np.full(n, -1, dtype=np.int64)
    art_node[arts] = k + np.arange(len(arts))
    is_art = art_node[members] >= 0
    e_block, e_art = block_of[is_art], art_node[members[is_art]]
    n_tree = k + len(arts)
    weight = np.concatenate(
        [np.bincount(block_of[~is_art], minlength=k), np.ones(len(arts), dtype=np.int64)]
    )
    # one BFS from a virtual root tied to one node of every tree of the forest
    import igraph as igl

    tree = igl.Graph(n=n_tree, edges=np.column_stack([e_block, e_art]), directed=False)
    _, first = np.unique(np.asarray(tree.connected_components().membership), return_index=True)
    root = n_tree
    tree.add_vertices(1)
    tree.add_edges(np.column_stack([np.full(len(first), root), first]))
    order, layers, par = tree.bfs(root)
    order, par = np.asarray(order, dtype=np.int64), np.asarray(par, dtype=np.int64)
    parent = par[: n_tree + 1].copy()
    parent[root] = -1
    weight = np.append(weight, 0)
    sub = weight.astype(np.int64).copy()
    for lo, hi in zip(layers[-2:0:-1], layers[:1:-1], strict=True):  # deepest level first
        at = order[lo:hi]
        np.add.at(sub, parent[at], sub[at])
    # for an articulation node: children pieces are children's subtree weights; the
    # parent-side piece is the rest of the component
    child = np.flatnonzero(parent >= 0)
    biggest_child = np.zeros(n_tree + 1, dtype=np.int64)
    np.maximum.at(biggest_child, parent[child], sub[child])
    a_nodes = k + np.arange(len(arts))
    comp_total = own_size[arts]
    rest = comp_total - sub[a_nodes]
    max_piece[arts] = np.maximum(biggest_child[a_nodes], rest)
    return pieces, max_piece
