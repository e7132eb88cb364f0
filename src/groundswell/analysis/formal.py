"""Formal against informal: how the network of who works with whom sits against the org chart.

Group-level figures (the group-to-group tie matrix, the E-I index, silos) are suppressed
below ``min_group_size`` people: the small groups are merged into one
:data:`~groundswell.privacy.SUPPRESSED` row whose figures are shown only if the merged group
itself reaches the minimum. Person-level rules (hidden influencers, informal leaders,
bottleneck managers, managers far from their team, key-person risk) each state their rule
relative to the organisation's own distribution, never a fixed number of ties.

Scoring functions return every candidate with the evidence; rule functions
(:func:`silos`, :func:`hidden_influencers`, :func:`informal_leaders`,
:func:`bottleneck_managers`, :func:`managers_far_from_team`) return the flagged rows only,
most extreme first.

References
----------
Krackhardt, D. and Stern, R. N. (1988). Informal networks and organizational crises: an
experimental simulation. *Social Psychology Quarterly* 51(2), 123-140 (the E-I index).
Krackhardt, D. and Hanson, J. R. (1993). Informal networks: the company behind the chart.
*Harvard Business Review* 71(4), 104-111.
Cross, R. and Parker, A. (2004). *The Hidden Power of Social Networks*. Harvard Business
School Press (bottlenecks, peripheral people, informal leaders).
Hopcroft, J. and Tarjan, R. (1973). Algorithm 447: efficient algorithms for graph
manipulation. *Communications of the ACM* 16(6), 372-378 (articulation points, blocks).
Tukey, J. W. (1977). *Exploratory Data Analysis*. Addison-Wesley (the 1.5 IQR fences).
"""

from __future__ import annotations

from groundswell.analysis._formal_groups import UNKNOWN as UNKNOWN
from groundswell.analysis._formal_groups import _block_sums as _block_sums
from groundswell.analysis._formal_groups import _directed_pairs as _directed_pairs
from groundswell.analysis._formal_groups import _labels as _labels
from groundswell.analysis._formal_groups import _node_groups as _node_groups
from groundswell.analysis._formal_groups import _pair_weights as _pair_weights
from groundswell.analysis._formal_groups import ei_index, ei_organisation, group_matrix, silos
from groundswell.analysis._formal_people import _contacts as _contacts
from groundswell.analysis._formal_people import _influence as _influence
from groundswell.analysis._formal_people import _manager_index as _manager_index
from groundswell.analysis._formal_people import _reports as _reports
from groundswell.analysis._formal_people import _team_table as _team_table
from groundswell.analysis._formal_people import (
    bottleneck_managers,
    hidden_influencers,
    informal_leaders,
    manager_team_ties,
    managers_far_from_team,
    team_bottleneck,
)
from groundswell.analysis._key_person import _igraph_undirected as _igraph_undirected
from groundswell.analysis._key_person import _pieces as _pieces
from groundswell.analysis._key_person import key_person_risk

__all__ = [
    "bottleneck_managers",
    "ei_index",
    "ei_organisation",
    "group_matrix",
    "hidden_influencers",
    "informal_leaders",
    "key_person_risk",
    "manager_team_ties",
    "managers_far_from_team",
    "silos",
    "team_bottleneck",
]
