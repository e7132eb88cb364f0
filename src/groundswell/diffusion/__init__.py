"""Spread models, influence maximisation and the change-champion planner.

Pure functions over a :class:`~groundswell.network.Graph` (no workspace I/O). Influence flows
along each tie, from the person who talks to the person who hears them (see
:mod:`groundswell.diffusion.models`). Definitions and references: ``docs/diffusion.md``.

- :func:`probabilities`, :func:`simulate` -> :class:`Spread`: independent cascade and linear
  threshold by Monte Carlo (numba).
- :func:`exact_spread`: exact expectations on tiny graphs (test oracle).
- :func:`select_seeds` -> :class:`SeedSet`: influence maximisation with a
  ``(1 - 1/e - epsilon)`` guarantee (OPIM-C, RR sets); :func:`plan`: the champion plan under
  quotas, sponsors and exclusions; :func:`reach_by_k`: reach as a function of ``k``.
- :func:`baseline_seeds`: most connected, top-down, random; :func:`celf_seeds`: greedy Monte
  Carlo selection.
"""

from groundswell.diffusion.baselines import baseline_seeds, celf_seeds
from groundswell.diffusion.exact import ExactSpread, exact_spread
from groundswell.diffusion.imm import SeedSet, plan, quotas, reach_by_k, select_seeds
from groundswell.diffusion.models import Spread, directed_ties, probabilities, simulate

__all__ = [
    "ExactSpread",
    "SeedSet",
    "Spread",
    "baseline_seeds",
    "celf_seeds",
    "directed_ties",
    "exact_spread",
    "plan",
    "probabilities",
    "quotas",
    "reach_by_k",
    "select_seeds",
    "simulate",
]
