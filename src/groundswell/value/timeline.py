"""Change over time: a snapshot of the network per week, month or quarter, kept up to date
incrementally; every headline measure as a time series; who changed role or persona;
how fast newcomers connect; and the network before and after a date, side by side.

**Snapshots.** Each period's network is built from that period's events alone, with the
workspace's tie rules (:func:`groundswell.network.ties.build_ties`). Its headline measures
(:data:`HEADLINE`) and each person's persona and roles are stored in the tables of schema
version 6. A period carries a *fingerprint*: the number of its interactions and messages,
their latest time and an order-free checksum of their rows (DuckDB's ``hash`` of each
row's key and time, summed: readers only ever add rows, never rewrite one), with a checksum
of the context every period shares (tie rules, value settings, the org chart, the aliases
and the channels). Readers only add rows, each tagged with its ingest: when the context is
unchanged, only the periods holding rows of new ingests are fingerprinted again.
:func:`snapshots` recomputes only the periods whose fingerprint changed — appending a month
of events touches that month (and the partial month before it, if it was still open), not
the two years before.

Roles in a snapshot are the rules of :mod:`groundswell.analysis.roles` on the measures that
a snapshot computes (degree, PageRank, departments reached, share of ties crossing a
boundary, posts, responses given): hub, boundary spanner, influencer, peripheral, isolated,
activist, advocate, maverick, positive deviant. Brokers need betweenness, which is left to
full runs. Communities are Leiden's, with two iterations (a snapshot counts them; the
partition of a run is the one to read).

**Onboarding.** For each person hired after the data begins: the days until they have
``value.onboarding_ties`` ties (a tie counted when a pair has exchanged ``ties.min_interactions``
acts, either way, since the hire date) and their ties after 30, 60 and 90 days (missing
when that day is after the data ends).

The code lives in one module per concept; this module is the public face and re-exports
them all: :mod:`.snapshots` (fingerprints, snapshots), :mod:`.trends` (series, changes),
:mod:`.onboarding` and :mod:`.before_after` (:func:`compare_dates`).

References
----------
Kossinets, G. and Watts, D. J. (2006). Empirical analysis of an evolving social network.
*Science* 311(5757). Morrison, E. W. (2002). Newcomers' relationships: the role of social
network ties during socialization. *Academy of Management Journal* 45(6).
"""

from groundswell.value.before_after import Comparison, as_dict, compare_dates
from groundswell.value.onboarding import onboarding, onboarding_summary
from groundswell.value.snapshots import (
    HEADLINE,
    PERIODS,
    SNAPSHOT_ROLES,
    Refresh,
    fingerprints,
    snapshot,
    snapshots,
    touched_periods,
)
from groundswell.value.snapshots import _boundary_share as _boundary_share
from groundswell.value.snapshots import _check_period as _check_period
from groundswell.value.snapshots import _context as _context
from groundswell.value.snapshots import _leiden as _leiden
from groundswell.value.snapshots import _step as _step
from groundswell.value.snapshots import _store as _store
from groundswell.value.trends import changes, series

__all__ = [
    "HEADLINE",
    "PERIODS",
    "SNAPSHOT_ROLES",
    "Comparison",
    "Refresh",
    "as_dict",
    "changes",
    "compare_dates",
    "fingerprints",
    "onboarding",
    "onboarding_summary",
    "series",
    "snapshot",
    "snapshots",
    "touched_periods",
]
