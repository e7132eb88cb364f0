"""What an aggregation engine offers, and the lake layout both engines read.

An engine turns interactions into ties with the rules of :mod:`groundswell.network.ties`
(one definition; DuckDB runs it as written, Spark runs its sqlglot translation) and reports
digests of its input, from which :mod:`.incremental` decides which windows a new batch of
events touches.

The lake is a folder (local path or object-store URL such as ``s3a://bucket/org``) holding
one Parquet dataset per table, with the columns of the workspace's DuckDB tables::

    LAKE/interactions/*.parquet   ts, actor_id, target_id, kind, message_id, n_recipients,
                                  is_bot, weight, source_id (one file per batch)
    LAKE/aliases/*.parquet        alias_id, person_id, source_id
    LAKE/people/*.parquet         person_id, ..., is_internal, manager_id, hire_date, leave_date
    LAKE/sources/*.parquet        source_id, kind (optional: an org chart is a row of kind
                                  'orgchart'; without it, a non-empty people table counts)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from groundswell.network.ties import TieRules
    from groundswell.network.window import Window

TABLES = ("interactions", "aliases", "people", "sources")

# Only the columns the rules read enter a digest, so a change elsewhere recomputes nothing.
ROW_COLUMNS = {
    "interactions": (
        "ts", "actor_id", "target_id", "kind", "message_id", "n_recipients", "is_bot", "weight",
    ),
    "aliases": ("alias_id", "person_id"),
    "people": ("person_id", "is_internal", "manager_id", "hire_date", "leave_date"),
    "sources": ("source_id", "kind"),
}  # fmt: skip

DAY_MICROS = 86_400_000_000


class Engine(ABC):
    """An engine aggregating interactions into ties (DuckDB or Spark)."""

    name: str

    @abstractmethod
    def ties(
        self,
        window: Window,
        rules: TieRules,
        *,
        layers: tuple[str, ...] = ("digital",),
        period: str | None = None,
    ) -> pd.DataFrame:
        """The tie table of ``window`` (actor_id, target_id, layer, [period,] n, weight)."""

    @abstractmethod
    def write_ties(
        self,
        window: Window,
        rules: TieRules,
        out: str,
        *,
        layers: tuple[str, ...] = ("digital",),
        period: str | None = None,
    ) -> None:
        """Write the tie table of ``window`` as a Parquet dataset in the folder ``out``."""

    @abstractmethod
    def span(self) -> tuple[datetime | None, datetime | None]:
        """The first and last interaction time (None, None when there is none)."""

    @abstractmethod
    def day_digests(self) -> dict[int, tuple[int, str]]:
        """Per UTC day (days since 1970-01-01): the number of interactions and a digest of
        their rows (sum of row hashes; any added, removed or changed row changes it)."""

    @abstractmethod
    def reference_digest(self) -> str:
        """A digest of everything besides the interactions that ties depend on: people,
        aliases and whether an org chart was ingested."""

    @abstractmethod
    def survey_digest(self) -> str:
        """A digest of every survey nomination (kind ``survey:*``), whatever its time: survey
        layers ignore the window."""
