"""The value the network creates, at every scale, and how it moves over time.

Shaped like :mod:`groundswell.analysis`: the measures are pure functions of frames and
graphs; the queries that feed them live in one module; a thin layer wires the two.

================  ==============================================================================
module            concept
================  ==============================================================================
queries           every query of the package, reads and writes: the one module that talks to
                  the workspace's database (tests/value/test_value_shape.py holds it so)
maturity          Simon Terry's five stages (connect, share, solve, innovate, lead change) for
                  each person, group and the whole network, the same rules at every scale
qa                questions and answers; leaders' Q&A sessions; connected leadership
community_health  community health: kind, activity, responsiveness, insularity, renewal,
                  trend, stagnation
snapshots         the headline measures, personas and roles of one period
onboarding        how fast newcomers connect
trends            the stored snapshots as time series; who changed persona or roles
before_after      the network before and after a date
finding_sections  one function per report section, returning plain tables and dicts
compute           the wiring: queries -> measure, one function per measure (the workspace's
                  ``maturity``, ``qa``, ``leaders``, ``community_health``, ...)
timeline          the wiring of change over time: snapshots kept up to date incrementally,
                  series, changes
findings          the wiring of a run's findings: computed by ``analyze``, stored, read
================  ==============================================================================

Rules, thresholds and references: docs/value.md. Import the functions from their modules
(``from groundswell.value.compute import maturity``): the package re-exports nothing, so a
module and its main function never shadow each other.
"""
