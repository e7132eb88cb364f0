"""Change over time: a snapshot of the network per week, month or quarter, kept up to date
incrementally; every headline measure as a time series; who changed role or persona;
how fast newcomers connect; and the network before and after a date, side by side.

**Snapshots** of each period, kept up to date by fingerprints so that appending a month
recomputes that month only, and the roles a snapshot can compute: see
:mod:`groundswell.value.snapshots`.

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
