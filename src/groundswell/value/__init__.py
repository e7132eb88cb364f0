"""The value the network creates, at every scale, and how it moves over time.

=============  ===============================================================================
module         concept
=============  ===============================================================================
maturity       Simon Terry's five stages (connect, share, solve, innovate, lead change) for
               each person, group and the whole network, the same rules at every scale
qa             questions and answers; leaders' Q&A sessions; connected leadership
communities    community health: kind, activity, responsiveness, insularity, renewal, trend,
               stagnation
timeline       snapshots per period (incremental), time series, role and persona changes,
               onboarding, before and after a date
report         one function per report section, returning plain tables and dicts
=============  ===============================================================================

Rules, thresholds and references: docs/value.md. Import the functions from their modules
(``from groundswell.value.maturity import maturity``): the package re-exports nothing, so a
module and its main function never shadow each other.
"""
