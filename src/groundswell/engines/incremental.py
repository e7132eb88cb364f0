"""Incremental tie tables: windows materialised with a fingerprint, recomputed only when
their input changed.

Each window's fingerprint is a SHA-256 of what its ties depend on: the engine, the queries
of the rules (:func:`groundswell.network.ties.layer_queries`, so a change in the rules or the
settings recomputes), the digests of the UTC days the window covers (count and summed row
hashes of their interactions), people, aliases and the org chart, and, for survey layers,
every nomination. Appending a batch of events changes the digests of the days it falls in,
so only the windows covering those days are recomputed; the others keep their Parquet
files. Digests are one grouped scan of the events, much cheaper than the aggregation.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from groundswell.engines.base import DAY_MICROS
from groundswell.network.ties import layer_queries
from groundswell.network.window import Window

if TYPE_CHECKING:
    from groundswell.engines.base import Engine
    from groundswell.network.ties import TieRules

MANIFEST = "_groundswell_windows.json"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def weekly_windows(first: datetime, last: datetime) -> list[Window]:
    """The ISO weeks (Monday 00:00 UTC to the next Monday) from ``first``'s to ``last``'s."""
    first = first.astimezone(UTC)
    last = last.astimezone(UTC)
    day = datetime(first.year, first.month, first.day, tzinfo=UTC)
    start = day - timedelta(days=day.weekday())
    out = []
    while start <= last:
        out.append(Window(start, start + timedelta(days=7)))
        start += timedelta(days=7)
    return out


def window_key(w: Window) -> str:
    """A folder name for the window: ``window=2024-01-01_2024-01-07`` (last day inclusive)."""
    aligned = w.start.astimezone(UTC).time() == w.end.astimezone(UTC).time() == datetime.min.time()
    if aligned:
        return f"window={w.start:%Y-%m-%d}_{w.last_day:%Y-%m-%d}"
    return f"window={w.start.astimezone(UTC):%Y%m%dT%H%M%S}_{w.end.astimezone(UTC):%Y%m%dT%H%M%S}"


def _days(w: Window) -> range:
    lo = (w.start - EPOCH) // timedelta(microseconds=1)
    hi = (w.end - EPOCH) // timedelta(microseconds=1)
    return range(math.floor(lo / DAY_MICROS), math.ceil(hi / DAY_MICROS))


@dataclass(frozen=True)
class Refresh:
    """The outcome of :func:`refresh`: windows recomputed and windows whose ties were kept."""

    recomputed: list[Window]
    kept: list[Window]
    out: str


def refresh(
    engine: Engine,
    windows: list[Window],
    rules: TieRules,
    out: str | Path,
    *,
    layers: tuple[str, ...] = ("digital",),
    period: str | None = None,
    manifest: str | Path | None = None,
) -> Refresh:
    """Bring the tie tables of ``windows`` under ``out`` up to date; recompute only windows
    whose fingerprint changed (or whose ties are missing).

    Each window is written to ``out/window=START_LAST/`` by ``engine``; the fingerprints are
    kept in ``manifest``, a local JSON file (default ``out/_groundswell_windows.json``; give
    one when ``out`` is an object-store URL).
    """
    out = str(out).rstrip("/")
    local = "://" not in out
    if manifest is None:
        if not local:
            raise ValueError("give a local manifest path when the output is not a local folder")
        manifest = Path(out) / MANIFEST
    manifest = Path(manifest)
    known = json.loads(manifest.read_text()) if manifest.exists() else {}
    days = engine.day_digests()
    common = {
        "engine": engine.name,
        "layers": list(layers),
        "period": period,
        "reference": engine.reference_digest(),
        "survey": engine.survey_digest() if any(x.startswith("survey:") for x in layers) else "",
    }
    recomputed, kept = [], []
    for w in windows:
        queries = layer_queries(w, rules, layers, restrict=True, period=period)
        fp = hashlib.sha256(
            json.dumps(
                {
                    **common,
                    "queries": [[layer, sql, [str(p) for p in ps]] for layer, sql, ps in queries],
                    "internal_only": rules.internal_only,
                    "days": [[d, *days[d]] for d in _days(w) if d in days],
                },
                sort_keys=True,
            ).encode()
        ).hexdigest()
        key = window_key(w)
        target = f"{out}/{key}"
        exists = Path(target).is_dir() if local else True
        if known.get(key) == fp and exists:
            kept.append(w)
            continue
        engine.write_ties(w, rules, target, layers=layers, period=period)
        known[key] = fp
        recomputed.append(w)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(known, indent=1, sort_keys=True))  # after each window
    if not manifest.exists():
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(known, indent=1, sort_keys=True))
    return Refresh(recomputed, kept, out)
