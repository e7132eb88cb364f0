"""Communities: groups that interact more among themselves than with others, set against
the formal departments.

References
----------
Traag, V. A., Waltman, L. and van Eck, N. J. (2019). From Louvain to Leiden: guaranteeing
well-connected communities. Scientific Reports 9, 5233.
Reichardt, J. and Bornholdt, S. (2006). Statistical mechanics of community detection.
Phys. Rev. E 74 (the resolution parameter).
Danon, L. et al. (2005). Comparing community structure identification. J. Stat. Mech.
(normalised mutual information). Hubert, L. and Arabie, P. (1985). Comparing partitions.
J. Classification 2 (adjusted Rand index).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.errors import ParameterError
from groundswell.network.graph import Graph

if TYPE_CHECKING:
    import igraph


@dataclass(frozen=True)
class Communities:
    """A partition of people into communities, numbered 0, 1, ... by decreasing size."""

    membership: pd.Series
    modularity: float
    resolution: float
    seed: int

    @property
    def sizes(self) -> pd.Series:
        return self.membership.value_counts().sort_index()

    def __len__(self) -> int:
        return int(self.membership.nunique())


def leiden(
    g: Graph, *, resolution: float = 1.0, seed: int = 0, weighted: bool = True
) -> Communities:
    """Leiden communities maximising modularity (with a resolution) on the undirected graph.

    Directions are collapsed: the strength of a pair is the sum of both directions. People
    with no ties form singleton communities. Deterministic for a given ``seed``. The igraph
    graph it runs on is kept with ``g`` until :func:`stability` is called on ``g``.
    """
    import random

    import igraph

    if resolution <= 0:
        raise ParameterError("resolution", "> 0", resolution)
    u = g.to_undirected()
    ig = _igraph(u)
    weights = u.weight.tolist() if weighted else None  # as a list: no attribute to store
    # igraph draws from a Python RNG; give it its own, seeded, and restore the global one
    igraph.set_random_number_generator(random.Random(seed))
    try:
        part = ig.community_leiden(
            objective_function="modularity",
            weights=weights,
            resolution=resolution,
            n_iterations=-1,
        )
    finally:
        igraph.set_random_number_generator(random)
    raw = np.asarray(part.membership)
    modularity = ig.modularity(raw.tolist(), weights=weights) if u.m else 0.0
    # renumber by decreasing size, ties broken by first appearance
    counts = np.bincount(raw)
    order = np.lexsort((np.arange(len(counts)), -counts))
    relabel = np.empty_like(order)
    relabel[order] = np.arange(len(order))
    membership = pd.Series(
        relabel[raw], index=pd.Index(g.nodes, name="person_id"), name="community"
    )
    return Communities(membership, float(modularity), resolution, seed)


def stability(g: Graph, reference: Communities, *, seeds: int = 3, weighted: bool = True) -> float:
    """How stable the communities are: the mean NMI between ``reference`` and Leiden's
    partitions with ``seeds`` other seeds (1 = every seed finds the same communities; NaN
    when ``seeds`` is 0)."""
    try:
        if seeds <= 0:
            return float("nan")
        scores = [
            agreement(
                leiden(
                    g, resolution=reference.resolution, seed=reference.seed + k, weighted=weighted
                ).membership,
                reference.membership,
            ).nmi
            for k in range(1, seeds + 1)
        ]
    finally:  # the igraph graph leiden made and kept for these runs: let go of it
        g.to_undirected().__dict__.pop(_KEPT, None)
    return float(np.mean(scores))


#: where :func:`leiden` keeps the igraph graph it made, on the undirected graph itself
_KEPT = "_leiden_igraph"


def _igraph(u: Graph) -> igraph.Graph:
    """The igraph graph of the undirected graph ``u`` (no attributes), made once and kept on
    ``u`` for :func:`stability`'s runs, which let go of it: made anew it cost about a
    second per million ties (igraph reads the pairs one by one)."""
    made = u.__dict__.get(_KEPT)
    if made is None:
        made = u.to_igraph(attributes=False)
        u.__dict__[_KEPT] = made  # frozen: not through __setattr__
    return made


def stability_seeds(n: int, seeds: int, *, scale_min_nodes: int, at_scale: int) -> int:
    """How many other seeds :func:`stability` runs Leiden with for a network of n people:
    ``seeds``, but at most ``at_scale`` from ``scale_min_nodes`` people on (each is a full
    Leiden run: at a million people the stability runs would cost more than the rest of the
    analysis)."""
    return min(seeds, at_scale) if n >= scale_min_nodes else seeds


@dataclass(frozen=True)
class Agreement:
    """How far detected communities agree with formal groups (1 = identical partitions)."""

    nmi: float
    ari: float
    n_people: int


def agreement(communities: pd.Series, groups: pd.Series) -> Agreement:
    """NMI and ARI between two partitions of the same people (missing groups are left out).

    NMI is normalised by the arithmetic mean of the entropies (as scikit-learn's default);
    ARI is Hubert & Arabie's adjusted Rand index. Both are computed by igraph.
    """
    import igraph as ig

    both = pd.concat({"c": communities, "g": groups}, axis=1, join="inner").dropna()
    if len(both) < 2:
        return Agreement(float("nan"), float("nan"), len(both))
    c = pd.factorize(both["c"])[0].tolist()
    d = pd.factorize(both["g"])[0].tolist()
    return Agreement(
        float(ig.compare_communities(c, d, method="nmi")),
        float(ig.compare_communities(c, d, method="adjusted_rand")),
        len(both),
    )


def flow(communities: pd.Series, groups: pd.Series) -> pd.DataFrame:
    """Department -> community table: how many people of each group sit in each community."""
    both = pd.concat({"community": communities, "group": groups}, axis=1, join="inner")
    both["group"] = both["group"].fillna("(unknown)")
    return pd.crosstab(both["group"], both["community"])
