"""Formal against informal: how the network of who works with whom sits against the org chart.

Group-level figures (the group-to-group tie matrix, the E-I index, silos) are suppressed
below ``min_group_size`` people: the small groups are merged into one
:data:`~groundswell.privacy.SUPPRESSED` row whose figures are shown only if the merged group
itself reaches the minimum. Person-level rules (hidden influencers, informal leaders,
bottleneck managers, managers far from their team, key-person risk) each state their rule
relative to the organisation's own distribution, never a fixed number of ties.

The concept has three parts, one module each: :mod:`~groundswell.analysis.formal.groups`
(group-level figures), :mod:`~groundswell.analysis.formal.people` (the person-level rules) and
:mod:`~groundswell.analysis.formal.key_person`; this package exports their public names.

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

from groundswell.analysis.formal.groups import *  # noqa: F403
from groundswell.analysis.formal.groups import __all__ as _groups
from groundswell.analysis.formal.key_person import *  # noqa: F403
from groundswell.analysis.formal.key_person import __all__ as _key_person
from groundswell.analysis.formal.people import *  # noqa: F403
from groundswell.analysis.formal.people import __all__ as _people

__all__ = [*_groups, *_people, *_key_person]
