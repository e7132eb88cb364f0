"""Synthetic organisation: an HR file, an event log and the structure planted in them.

The generator is the demo's built-in data and the tests' ground truth. Output is fully
determined by the seed and everything is vectorised with numpy, so 100,000 people with a
quarter of events (about 52 million rows) take well under a minute. The model:

* a tree-shaped org chart (CEO, department heads, directors, managers, individual
  contributors); every manager leads a *unit*: themselves plus their direct reports;
* a fixed acquaintance graph of weak ties, mostly inside the division and department and
  a few across departments, following a department-affinity matrix;
* events drawn per person from Poisson rates: direct messages, emails and meetings aimed at
  the unit, the manager or an acquaintance; threads in team, department and
  community-of-practice channels, with replies and reactions; leaders' announcements and
  all-staff emails; a deploy bot; a few external correspondents.

The planted structure (hidden influencers, brokers, a siloed department, a bottleneck
manager) is enforced by one rule, :meth:`_Events._forbidden`, applied to every
actor-target pair, so no event can leak across a planted boundary.

This module is the public face (:func:`generate`, :class:`SynthOrg`); the org chart is drawn
in :mod:`~groundswell.synth.chart` and the events in :mod:`~groundswell.synth.event_log`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from groundswell.synth.chart import BOT_EMAIL, HR_COLUMNS, _Org
from groundswell.synth.event_log import CHANNEL_KINDS, EVENT_COLUMNS, KINDS, _Events

__all__ = [
    "BOT_EMAIL",
    "CHANNEL_KINDS",
    "EVENT_COLUMNS",
    "HR_COLUMNS",
    "KINDS",
    "SynthOrg",
    "generate",
]


@dataclass
class SynthOrg:
    """A synthetic organisation.

    Attributes
    ----------
    people : pandas.DataFrame
        The HR file, one row per employee, columns :data:`HR_COLUMNS`, sorted by id. Dates
        are ISO strings; ``manager_id`` and ``leave_date`` are empty strings when absent.
    events : pandas.DataFrame
        The generic events file, one row per act, columns :data:`EVENT_COLUMNS`, sorted by
        timestamp. ``actor``, ``kind``, ``channel`` and ``channel_kind`` are categoricals;
        event ids are ``"e"`` plus a zero-padded rank in time, so they sort like time.
    truth : dict
        The planted structure and metadata, JSON-serialisable (employee ids, not emails).
    """

    people: pd.DataFrame
    events: pd.DataFrame
    truth: dict

    def write(self, folder: str | Path, *, events_format: str = "parquet") -> dict[str, Path]:
        """Write ``hris.csv``, ``events.parquet`` (or ``events.csv``) and ``truth.json``.

        Parameters
        ----------
        folder : str or Path
            Destination folder, created if missing.
        events_format : {"parquet", "csv"}
            File format of the events file.

        Returns
        -------
        dict of str to Path
            The paths written, keyed ``"hris"``, ``"events"`` and ``"truth"``.
        """
        if events_format not in ("parquet", "csv"):
            raise ValueError(f"events_format must be 'parquet' or 'csv', not {events_format!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"hris": folder / "hris.csv", "events": folder / f"events.{events_format}"}
        paths["truth"] = folder / "truth.json"
        self.people.to_csv(paths["hris"], index=False)
        table = pa.Table.from_pandas(self.events, preserve_index=False)
        if events_format == "parquet":
            pq.write_table(table, paths["events"], compression="zstd")
        else:  # plain strings, and timestamps to the second ("2024-01-01 09:00:00Z")
            plain = [
                pa.string() if pa.types.is_dictionary(f.type) else f.type for f in table.schema
            ]
            plain[EVENT_COLUMNS.index("timestamp")] = pa.timestamp("s", tz="UTC")
            schema = pa.schema(zip(table.column_names, plain, strict=True))
            pacsv.write_csv(table.cast(schema), paths["events"])
        paths["truth"].write_text(json.dumps(self.truth, indent=2))
        return paths


def generate(
    n_people: int = 1000, *, seed: int = 0, start: str = "2024-01-01", weeks: int = 13
) -> SynthOrg:
    """Generate a synthetic organisation, its event log and the structure planted in it.

    Parameters
    ----------
    n_people : int
        Head count, from 50 to 100,000.
    seed : int
        Seed of the numpy random generator; the same arguments give identical output.
    start : str
        First day of the event period (taken as midnight UTC).
    weeks : int
        Length of the event period in weeks, at least 1.

    Returns
    -------
    SynthOrg
        HR file, events (about 40 per person per week) and planted truth.

    Raises
    ------
    ValueError
        If ``n_people`` is outside [50, 100000] or ``weeks`` is below 1.
    """
    if not 50 <= n_people <= 100_000:
        raise ValueError(f"n_people must be between 50 and 100,000, got {n_people}")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    t0 = pd.Timestamp(start)
    t0 = (t0.tz_localize("UTC") if t0.tz is None else t0.tz_convert("UTC")).normalize()
    rng = np.random.default_rng(seed)
    org = _Org(int(n_people), rng, int(t0.value), int(weeks))
    events = _Events(org, rng).build()
    return SynthOrg(people=org.people(), events=events, truth=org.truth(seed))
