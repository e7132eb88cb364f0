"""The dashboard's read model: every read the web app makes, as named methods returning plain
data (:class:`Views`; not to be confused with :class:`groundswell.store.Store`, the DuckDB
workspace at the bottom of the package, which it reads through).

Routes never touch the database connection (STYLE.md, "Web"); they call a method here and
get dicts and lists that serialise to JSON as they are. The views read stored runs only:
nothing is recomputed except two cheap read-outs of stored ties (the group-to-group matrix,
one sparse product, and a person's ego network, a filter on the run's ties), both cached,
and the survey beside the digital network (a closed survey's comparison and a survey
layer's ties, computed once per run and survey or layer, then cached; see :mod:`.value`).

DuckDB: the views open the workspace once per process (read-write, for the accounts) and
give every worker thread its own cursor (``con.cursor()``), since one DuckDB connection
must not be used by two threads at once. Runs are immutable once stored, so the per-run
tables (people, ties, layout, the group matrix) are cached, a few runs at a time.

Privacy is applied here, for every caller: group labels below the workspace's
``min_group_size`` read :data:`~groundswell.privacy.SUPPRESSED` and carry no figures;
display names leave the store only when the caller passes ``names=True`` (the app does so
for analysts and admins of an identified workspace).
"""

from __future__ import annotations

from groundswell.web.views.core import (
    GROUP_ATTRIBUTES,
    HEADLINES,
    TABLE_MEASURES,
    ColdCache,
    ViewsCore,
    clean,
)
from groundswell.web.views.groups import GroupQueries
from groundswell.web.views.my_group import GroupLeadQueries
from groundswell.web.views.plans import PlanQueries
from groundswell.web.views.traction_reads import TractionQueries
from groundswell.web.views.value import ValueQueries


class Views(GroupLeadQueries, GroupQueries, PlanQueries, TractionQueries, ValueQueries):
    """Named, read-mostly queries over one workspace, for the web app.

    The methods live in :mod:`.core` (plumbing, overview, runs, sources, compare),
    :mod:`.people` (people, person, ego, map), :mod:`.mine` (a person's own view),
    :mod:`.groups` (groups, group, communities, formal), :mod:`.plans` (stored champion
    plans), :mod:`.traction_reads` (initiatives and their traction) and :mod:`.value`
    (value findings, trends, the survey beside the digital network).

    Parameters
    ----------
    path : str or Path
        The workspace folder (as for :func:`groundswell.open`).
    """


__all__ = [
    "GROUP_ATTRIBUTES",
    "HEADLINES",
    "TABLE_MEASURES",
    "ColdCache",
    "Views",
    "ViewsCore",
    "clean",
]
