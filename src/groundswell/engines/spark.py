"""The Spark engine: the tie rules, translated to Spark SQL, on a Parquet lake.

The lake (see :mod:`.base`) may be a local folder or any URL the user's Spark can read
(``s3a://``, ``abfss://``, ``gs://``, ``hdfs://``; the connector jars and credentials are the
cluster's business). The queries are those of :func:`groundswell.network.ties.layer_queries`,
translated by :mod:`.translate`; the tie table is written back as Parquet, and the graph
analysis then runs on one machine on those ties.

Apache Spark: Zaharia et al. (2016), Apache Spark: a unified engine for big data processing,
CACM 59(11).
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from groundswell.engines.base import DAY_MICROS, ROW_COLUMNS, TABLES, Engine
from groundswell.engines.translate import to_spark
from groundswell.errors import ConfigError
from groundswell.network.ties import check_layers, layer_queries

if TYPE_CHECKING:
    from groundswell.network.ties import TieRules
    from groundswell.network.window import Window

# PySpark 4.x warns (FutureWarning) that it "does not yet fully support pandas >= 3.0.0" the
# first time it converts a Python value for the JVM, whatever the value. groundswell never
# hands pandas data to Spark or asks for it back (the tie table comes back as Parquet read by
# DuckDB, see :func:`read_ties`), so with pandas 3 pinned the warning only misleads: this
# filter, for that one message from PySpark, is set when the engine is imported
# (tests/spark/test_spark_warnings.py). pyproject.toml pins pyspark to 4.x for it.
warnings.filterwarnings(
    "ignore",
    message=r"PySpark does not yet fully support pandas",
    category=FutureWarning,
    module=r"pyspark(\.|$)",
)

SCHEMAS = {
    "interactions": "ts TIMESTAMP, actor_id STRING, target_id STRING, kind STRING, "
    "message_id STRING, n_recipients INT, is_bot BOOLEAN, weight DOUBLE, source_id INT",
    "aliases": "alias_id STRING, person_id STRING, source_id INT",
    "people": "person_id STRING, is_internal BOOLEAN, manager_id STRING, hire_date DATE, "
    "leave_date DATE",
    "sources": "source_id INT, kind STRING",
}


def java_problem() -> str | None:
    """Why Spark cannot start here (no PySpark, no Java), or None when it can."""
    import os

    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed: pip install 'groundswell[spark]'"
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
        return (
            "Java (17 or later) is not installed: Spark needs a JVM "
            "(apt install openjdk-17-jre-headless)"
        )
    return None


def spark_session(
    master: str = "local[2]",
    *,
    shuffle_partitions: int | None = None,
    timezone: str = "UTC",
    conf: dict[str, str] | None = None,
) -> Any:
    """A SparkSession on ``master`` (``local[N]``, ``spark://host:7077``, ``yarn``, ...).

    The SQL session time zone is ``timezone`` (UTC: weeks and days start at midnight UTC, as
    in a workspace with DuckDB's TimeZone set to UTC). In local mode the driver binds to
    127.0.0.1 and the web UI is off; ``shuffle_partitions`` defaults to 8 in local mode and to
    Spark's default elsewhere. An existing session is reused (its settings win).
    """
    problem = java_problem()
    if problem:
        raise ConfigError(f"the Spark engine cannot start: {problem}")
    from pyspark.sql import SparkSession

    b = SparkSession.builder.master(master).appName("groundswell")
    b = b.config("spark.sql.session.timeZone", timezone).config(
        "spark.ui.showConsoleProgress", "false"
    )
    if master.startswith("local"):
        b = (
            b.config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(shuffle_partitions or 8))
        )
    elif shuffle_partitions:
        b = b.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    for k, v in (conf or {}).items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine(Engine):
    """The tie rules run by Spark on the Parquet lake at ``lake``.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
        From :func:`spark_session`.
    lake : str
        The lake folder or URL; its tables are read again at every call, so a batch added
        to ``interactions/`` is seen by the next call.
    """

    name = "spark"

    def __init__(self, spark: Any, lake: str | Path) -> None:
        self.spark = spark
        self.lake = str(lake).rstrip("/")

    def _register(self) -> None:
        from pyspark.errors import AnalysisException

        for table in TABLES:
            try:
                df = self.spark.read.parquet(f"{self.lake}/{table}")
            except AnalysisException:  # the path does not exist
                df = None
            if df is None and table == "sources":
                self.spark.sql(
                    "SELECT CAST(0 AS INT) AS source_id, 'orgchart' AS kind "
                    "WHERE (SELECT count(*) FROM people) > 0"
                ).createOrReplaceTempView("sources")
                continue
            if df is None:
                df = self.spark.createDataFrame([], SCHEMAS[table])
            df.createOrReplaceTempView(table)

    def _has_orgchart(self) -> bool:
        rows = self.spark.sql("SELECT count(*) FROM sources WHERE kind = 'orgchart'").collect()
        return bool(rows[0][0])

    def frame(
        self,
        window: Window,
        rules: TieRules,
        *,
        layers: tuple[str, ...] = ("digital",),
        period: str | None = None,
    ) -> Any:
        """The tie table as a Spark DataFrame (lazy), columns as :func:`build_ties`."""
        from pyspark.sql import functions as F

        check_layers(layers)
        self._register()
        restrict = rules.internal_only and self._has_orgchart()
        out = None
        for layer, sql, params in layer_queries(
            window, rules, layers, restrict=restrict, period=period
        ):
            df = self.spark.sql(to_spark(sql, params))
            cols = [F.col("actor_id"), F.col("target_id"), F.lit(layer).alias("layer")]
            cols += [F.col(c) for c in df.columns if c not in ("actor_id", "target_id")]
            df = df.select(*cols)
            out = df if out is None else out.unionByName(df, allowMissingColumns=True)
        return out

    def write_ties(
        self,
        window: Window,
        rules: TieRules,
        out: str,
        *,
        layers: tuple[str, ...] = ("digital",),
        period: str | None = None,
    ) -> None:
        df = self.frame(window, rules, layers=layers, period=period)
        df.write.mode("overwrite").parquet(str(out))

    def ties(
        self,
        window: Window,
        rules: TieRules,
        *,
        layers: tuple[str, ...] = ("digital",),
        period: str | None = None,
        tmp: str | Path | None = None,
    ) -> pd.DataFrame:
        """The tie table in pandas, written by Spark to a local Parquet folder in ``tmp`` and
        read back by DuckDB (so the column types are those :func:`build_ties` gives)."""
        folder = Path(tempfile.mkdtemp(prefix="gs-spark-ties-", dir=tmp))
        try:
            self.write_ties(window, rules, str(folder / "ties"), layers=layers, period=period)
            return read_ties(folder / "ties")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def span(self) -> tuple[datetime | None, datetime | None]:
        self._register()
        lo, hi = self.spark.sql("SELECT min(ts), max(ts) FROM interactions").collect()[0]
        return lo, hi

    def day_digests(self) -> dict[int, tuple[int, str]]:
        self._register()
        cols = ", ".join(ROW_COLUMNS["interactions"])
        rows = self.spark.sql(
            f"SELECT CAST(floor(unix_micros(ts) / {DAY_MICROS}) AS BIGINT) AS day, "
            f"count(*) AS n, CAST(sum(CAST(xxhash64({cols}) AS DECIMAL(38, 0))) AS STRING) AS h "
            "FROM interactions GROUP BY 1"
        ).collect()
        return {int(r[0]): (int(r[1]), str(r[2])) for r in rows}

    def _table_digest(self, table: str, where: str = "") -> str:
        cols = ", ".join(ROW_COLUMNS[table])
        n, h = self.spark.sql(
            f"SELECT count(*), coalesce(CAST(sum(CAST(xxhash64({cols}) AS DECIMAL(38, 0))) "
            f"AS STRING), '') FROM {table} {where}"
        ).collect()[0]
        return f"{table}:{n}:{h}"

    def reference_digest(self) -> str:
        self._register()
        return "|".join(
            self._table_digest(t, "WHERE kind = 'orgchart'" if t == "sources" else "")
            for t in ("aliases", "people", "sources")
        )

    def survey_digest(self) -> str:
        self._register()
        return self._table_digest("interactions", "WHERE kind LIKE 'survey:%'")


def read_ties(path: str | Path) -> pd.DataFrame:
    """A tie table written as a Parquet folder (by either engine), read into pandas by DuckDB
    in UTC."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        glob = str(Path(path) / "**" / "*.parquet").replace("'", "''")
        return con.execute(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = false)").df()
    finally:
        con.close()
