"""Change over time: a snapshot of the network per week, month or quarter, kept up to date
incrementally; every headline measure as a time series; who changed role or persona;
how fast newcomers connect; and the network before and after a date, side by side.

**Snapshots** of each period, kept up to date by fingerprints so that appending a month
recomputes that month only, and the roles a snapshot can compute: see
:mod:`groundswell.value.snapshots` (the measure) and :func:`snapshots` here (the refresh).

**Onboarding.** For each person hired after the data begins: the days until they have
``value.onboarding_ties`` ties (a tie counted when a pair has exchanged ``ties.min_interactions``
acts, either way, since the hire date) and their ties after 30, 60 and 90 days (missing
when that day is after the data ends).

This module wires the stored snapshots to the workspace (reading and writing through
:mod:`groundswell.value.queries`) and is the public face of change over time: it re-exports
:mod:`.onboarding`'s summary and the before-and-after comparison of :mod:`.compute`.

References
----------
Kossinets, G. and Watts, D. J. (2006). Empirical analysis of an evolving social network.
*Science* 311(5757). Morrison, E. W. (2002). Newcomers' relationships: the role of social
network ties during socialization. *Academy of Management Journal* 45(6).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING

import pandas as pd

from groundswell.errors import AnalysisError
from groundswell.network.window import Window
from groundswell.value import queries, trends
from groundswell.value.before_after import Comparison, as_dict
from groundswell.value.compute import compare_dates, onboarding, snapshot
from groundswell.value.onboarding import onboarding_summary
from groundswell.value.snapshots import (
    HEADLINE,
    PERIODS,
    SNAPSHOT_ROLES,
    Refresh,
    check_period,
    fingerprint_table,
    step,
)

if TYPE_CHECKING:
    from groundswell.store import Store

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


def fingerprints(
    ws: Store,
    period: str,
    *,
    touched: list[pd.Timestamp] | None = None,
    context: str | None = None,
) -> pd.DataFrame:
    """Every period with events (or only the ``touched`` period starts): period_start,
    period_end (UTC) and its fingerprint."""
    check_period(period)
    span = None
    if touched is not None:
        if not touched:
            return pd.DataFrame({"period_start": [], "period_end": [], "fingerprint": []})
        span = (min(touched), max(touched) + step(period))
    rows = queries.period_fingerprints(ws, period, span)
    return fingerprint_table(rows, period, context or _context(ws), touched)


def touched_periods(ws: Store, period: str, sources: list[int]) -> list[pd.Timestamp]:
    """The periods holding rows of the given sources (ingests): what they may have
    changed. Rows of one ingest are stored together, so this reads little."""
    return queries.touched_periods(ws, check_period(period), sources)


def _context(ws: Store) -> str:
    """A checksum of what every period depends on besides its own events."""
    settings = {
        "ties": queries.rules(ws).as_dict(),
        "value": queries.settings(ws),
        "analysis": {k: ws.settings.analysis[k] for k in ("leiden_resolution", "seed")},
        "min_group_size": ws.settings.min_group_size,
    }
    blob = json.dumps([queries.context_checksums(ws), settings], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def snapshots(
    ws: Store, period: str = "month", *, full: bool = False, progress: bool = False
) -> Refresh:
    """Bring the stored snapshots of ``period`` up to date: compute the periods whose
    fingerprint changed (all of them with ``full``), skip the others.

    Readers only ever add rows, each with the id of its ingest (``sources``). When the
    context is unchanged, only the periods holding rows of ingests made since the last
    refresh are fingerprinted again (the others cannot have changed); otherwise — first
    refresh, a new org chart, other tie rules, ``full`` — every period is.
    """
    from groundswell.progress import steps

    check_period(period)
    t0 = time.perf_counter()
    context = _context(ws)
    sources = queries.source_ids(ws)
    state = queries.snapshot_state(ws, period)
    stored = queries.stored_fingerprints(ws, period)
    seen = state[0] if state else set()
    incremental = state is not None and not full and state[1] == context and seen <= set(sources)
    if incremental:
        touched = touched_periods(ws, period, sorted(set(sources) - seen))
        fresh = fingerprints(ws, period, touched=touched, context=context)
        kept = stored[~stored["period_start"].isin(fresh["period_start"])]
        fp = pd.concat([kept, fresh], ignore_index=True).sort_values("period_start")
    else:
        fp = fingerprints(ws, period, context=context)
    known = dict(zip(stored["period_start"], stored["fingerprint"], strict=True))
    changed = [
        known.get(a) != b for a, b in zip(fp["period_start"], fp["fingerprint"], strict=True)
    ]
    todo = fp if full else fp[changed]
    gone = [a for a in known if a not in set(fp["period_start"])]
    out = Refresh(
        period,
        len(fp),
        skipped=len(fp) - len(todo),
        removed=len(gone),
        scan="new ingests" if incremental else "all events",
    )
    queries.drop_periods(ws, period, gone)
    with steps(max(len(todo), 1), enabled=progress) as bar:
        for row in todo.itertuples(index=False):  # one iteration per period, not per event
            bar.step(f"{period} of {row.period_start:%Y-%m-%d}")
            t = time.perf_counter()
            win = Window(row.period_start.to_pydatetime(), row.period_end.to_pydatetime())
            measures, people = snapshot(ws, win)
            queries.store_snapshot(
                ws, period, win, row.fingerprint, measures, people, time.perf_counter() - t
            )
            out.computed.append(f"{row.period_start:%Y-%m-%d}")
    queries.save_snapshot_state(ws, period, sources, context)
    out.seconds = time.perf_counter() - t0
    return out


def series(ws: Store, period: str = "month") -> pd.DataFrame:
    """Every headline measure as a time series: one row per stored period (oldest first),
    one column per measure (:func:`groundswell.value.trends.series`)."""
    check_period(period)
    long = queries.snapshot_measures(ws, period)
    if long.empty and not queries.has_events(ws):
        raise AnalysisError(
            f"{ws.folder}: no events to take {period}ly snapshots of (the workspace holds no "
            "interaction or message: an org chart alone has no periods)"
        )
    if long.empty:
        raise AnalysisError(
            f"{ws.folder}: no {period}ly snapshots yet; run: groundswell timeline "
            f"{ws.folder} --period {period}"
        )
    return trends.series(long)


def changes(
    ws: Store, period: str = "month", *, before: str | None = None, after: str | None = None
) -> pd.DataFrame:
    """People whose persona or roles changed between two stored periods (the last two by
    default): person_id, persona_before, persona_after, roles_gained, roles_lost
    (:func:`groundswell.value.trends.changes`). People in only one of the two snapshots
    appear with the other side missing."""
    check_period(period)
    starts = queries.snapshot_starts(ws, period)
    if len(starts) < 2 and (before is None or after is None):
        raise AnalysisError(f"{ws.folder}: fewer than two {period}ly snapshots to compare")
    b = pd.Timestamp(before, tz="UTC") if before else starts.iloc[-2]
    a = pd.Timestamp(after, tz="UTC") if after else starts.iloc[-1]
    out = trends.changes(
        queries.snapshot_people(ws, period, b), queries.snapshot_people(ws, period, a)
    )
    out.attrs.update({"before": f"{b:%Y-%m-%d}", "after": f"{a:%Y-%m-%d}"})
    return out
