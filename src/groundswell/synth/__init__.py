"""Synthetic organisations: the demo's data and the tests' ground truth.

One concept, four parts:

* :mod:`~groundswell.synth.org` draws the organisation: an HR file, an event log and the
  structure planted in them (:func:`generate`, :class:`SynthOrg`, whose names this package
  exports);
* :mod:`~groundswell.synth.slack_export` writes it as a Slack workspace export
  (:func:`~groundswell.synth.slack_export.write_slack_export`);
* :mod:`~groundswell.synth.value_plants` plants what :mod:`groundswell.value` must find
  (:func:`~groundswell.synth.value_plants.plant`);
* :mod:`~groundswell.synth.plants_communities` plants a community of each kind — interest,
  practice, purpose (:func:`~groundswell.synth.plants_communities.plant`; the demo uses it).
"""

from __future__ import annotations

from groundswell.synth.org import *  # noqa: F403
from groundswell.synth.org import __all__ as __all__
