"""Aggregation engines: the tie rules on DuckDB (one machine) or on Apache Spark (a cluster).

One definition of the rules (:func:`groundswell.network.ties.layer_queries`) serves both:
DuckDB runs the SQL as written, Spark runs its translation by sqlglot (:mod:`.translate`).
Both read the same Parquet lake (:mod:`.lake` writes one from a workspace) and write tie
tables as Parquet; :mod:`.incremental` recomputes only the windows a new batch touches.
See docs/spark.md.
"""

from __future__ import annotations

from groundswell.engines.base import Engine
from groundswell.engines.duck import DuckDBEngine
from groundswell.engines.incremental import Refresh, refresh, weekly_windows, window_key
from groundswell.engines.lake import Export, export_lake

ENGINES = ("duckdb", "spark")

__all__ = [
    "ENGINES",
    "DuckDBEngine",
    "Engine",
    "Export",
    "Refresh",
    "export_lake",
    "refresh",
    "weekly_windows",
    "window_key",
]
