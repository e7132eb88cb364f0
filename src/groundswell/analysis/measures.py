"""Every individual measure of a run, gathered in one table (the analysis a run stores).

Each measure lives in its own module (:mod:`.centrality`, :mod:`.position`,
:mod:`.structural_holes`); this one only calls them in order and records how the estimated
ones were obtained.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from groundswell.analysis import centrality, position, scale, structural_holes
from groundswell.network.graph import Graph

#: person measures in the order tables show them
MEASURES = (
    "in_degree", "out_degree", "in_strength", "out_strength", "reciprocity",
    "weighted_reciprocity", "pagerank", "betweenness", "harmonic_closeness", "eigenvector",
    "k_core", "clustering", "directed_clustering", "constraint",
    "effective_size", "two_step_reach", "two_step_share", "boundary_share",
    "departments_reached",
)  # fmt: skip
INTEGER_MEASURES = ("in_degree", "out_degree", "k_core", "two_step_reach", "departments_reached")


def departments_reached(g: Graph, groups: pd.Series) -> pd.Series:
    """How many groups other than their own a person has a tie with (in or out)."""
    own, labels = pd.factorize(groups.reindex(g.nodes), use_na_sentinel=True)  # NaN: -1
    a = np.concatenate([g.src, g.dst]).astype(np.int64)
    other = own[np.concatenate([g.dst, g.src])]
    keep = (other >= 0) & (other != own[a])
    pairs = np.unique(a[keep] * max(len(labels), 1) + other[keep])  # each (person, group) once
    out = np.bincount(pairs // max(len(labels), 1), minlength=g.n).astype(np.int64)
    return pd.Series(out, index=pd.Index(g.nodes, name="person_id"), name="departments_reached")


def individual(
    g: Graph,
    departments: pd.Series,
    *,
    weighted: bool = True,
    exact_max_nodes: int = 5000,
    samples: int = 1000,
    delta: float = 0.1,
    seed: int = 0,
    scale_min_nodes: int | None = None,
    epsilon: float = 0.02,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """All individual measures (:data:`MEASURES`) and how the estimated ones were made.

    ``departments`` maps person id to department (for boundary share and reach across
    departments). Returns the table and a dict of notes (method, samples, error bound) for
    betweenness, harmonic closeness and eigenvector. From ``scale_min_nodes`` people on
    (never when None), betweenness comes from sampled shortest paths with error
    ``epsilon`` and harmonic closeness from ``samples`` breadth-first searches on hop
    distances (:mod:`.scale`), each with its stated bound at failure probability ``delta``.
    """
    scores = centrality.degree_strength(g)
    scores["reciprocity"] = position.reciprocity(g)
    scores["weighted_reciprocity"] = position.weighted_reciprocity(g)
    scores["pagerank"] = centrality.pagerank(g, weighted=weighted)
    # one pass of shortest-path searches for both; when sampled, closeness uses the
    # betweenness sources (``samples``) and states its own bound for that many
    if scale_min_nodes is not None and g.n >= max(scale_min_nodes, exact_max_nodes + 1):
        btw = scale.betweenness_paths(g, weighted=weighted, epsilon=epsilon, delta=delta, seed=seed)
        hc = scale.harmonic_hops(g, samples=samples, delta=delta, seed=seed)
    else:
        btw, hc = centrality.betweenness_and_closeness(
            g,
            weighted=weighted,
            exact_max_nodes=exact_max_nodes,
            samples=samples,
            delta=delta,
            seed=seed,
        )
    scores["betweenness"] = btw.scores
    scores["harmonic_closeness"] = hc
    ev = position.eigenvector(g, weighted=weighted)
    scores["eigenvector"] = ev
    scores["k_core"] = position.k_core(g)
    scores["clustering"] = position.clustering(g, weighted=weighted)
    scores["directed_clustering"] = position.directed_clustering(g, weighted=weighted)
    holes = structural_holes.constraint_and_effective_size(g, weighted=weighted)
    scores["constraint"], scores["effective_size"] = holes
    scores = scores.join(position.two_step_reach(g))
    scores["boundary_share"] = position.boundary_share(g, departments, weighted=weighted)
    scores["departments_reached"] = departments_reached(g, departments)
    notes = {
        "betweenness_method": btw.method,
        "betweenness_samples": btw.samples,
        "betweenness_error_bound": btw.error_bound,
        "betweenness_delta": btw.delta,
        "harmonic_method": hc.attrs.get("method"),
        "harmonic_samples": hc.attrs.get("samples"),
        "harmonic_error_bound": hc.attrs.get("error_bound"),
        "eigenvector_method": ev.attrs.get("method"),
    }
    if btw.bounds is not None:  # the scale path: how tight the highest figures are
        notes["betweenness_top100_relative_bound"] = scale.top_relative_bound(btw)
    return scores[list(MEASURES)], notes
