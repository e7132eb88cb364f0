"""Readers: one module per source format, each turning raw files into canonical rows.

Every reader keeps the same rules (see :mod:`groundswell.ingest.batch`): identifiers are
pseudonymised with the workspace key, the source is recorded in ``sources``, the whole ingest
is one transaction, the same file twice adds nothing, ``dry_run`` reads and summarises
without writing, and bad input raises :class:`~groundswell.errors.InputError` naming the
file, the record and what was expected.

Each reader module has ``ingest(ws, path, *, progress=False, dry_run=False, **options)``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from groundswell.errors import ConfigError

#: source kind -> (module, what it reads)
READERS: dict[str, tuple[str, str]] = {
    "orgchart": ("groundswell.ingest.orgchart", "an HR org chart (CSV, TSV or Parquet)"),
    "events": ("groundswell.ingest.events", "generic interaction events (CSV or Parquet)"),
    "slack": ("groundswell.ingest.slack", "a Slack export (zip or folder)"),
    "teams": ("groundswell.ingest.teams", "Microsoft Teams messages (Graph chatMessage JSON)"),
    "engage": ("groundswell.ingest.engage", "a Viva Engage / Yammer network data export"),
    "email": ("groundswell.ingest.email", "email headers (mbox file, maildir or folder)"),
    "calendar": ("groundswell.ingest.calendar", "calendar exports (.ics file or folder)"),
    "viva": ("groundswell.ingest.viva", "a Microsoft Viva Insights query (CSV)"),
    "survey": ("groundswell.ingest.survey", "relationship survey answers (CSV)"),
    "adoptions": (
        "groundswell.ingest.adoptions",
        "adoptions of a change (person, behaviour, date)",
    ),
    "outcomes": ("groundswell.ingest.outcomes", "outcomes: results by person or group"),
}


def reader(kind: str) -> ModuleType:
    """The reader module of a source kind."""
    if kind not in READERS:
        raise ConfigError(f"unknown source kind {kind!r}; expected one of {sorted(READERS)}")
    try:
        return importlib.import_module(READERS[kind][0])
    except ModuleNotFoundError as exc:
        if exc.name != READERS[kind][0]:
            raise
        raise ConfigError(f"the {kind} reader is not part of this installation") from exc
