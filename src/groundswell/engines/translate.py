"""The tie rules' SQL, translated from DuckDB to Spark SQL by sqlglot.

:func:`groundswell.network.ties.layer_queries` is the one definition of the rules. DuckDB runs
its text with positional parameters; here the parameters are bound as typed literals in the
syntax tree and the tree is written in the Spark dialect (sqlglot, ``read="duckdb"``,
``write="spark"``). Only dialect differences are handled here, never a rule:

- ``epoch(a - b)`` (seconds in an interval, DuckDB) becomes
  ``CAST(unix_micros(a) - unix_micros(b) AS DOUBLE) / 1e6``, the same double DuckDB computes
  (sqlglot would write ``unix_timestamp`` of an interval, which Spark rejects);
- ``TIMESTAMPTZ`` becomes Spark's ``TIMESTAMP`` (a UTC instant shown in the session time zone,
  which the Spark engine sets to the DuckDB connection's, UTC by default).

Reference: sqlglot (Mao et al.), https://github.com/tobymao/sqlglot.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlglot
from sqlglot import exp


def literal(value: Any) -> exp.Expression:
    """A Python parameter value as a typed SQL literal (DuckDB dialect tree)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime parameter {value!r}: give a UTC-aware one")
        return exp.cast(
            exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("TIMESTAMPTZ")
        )
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        return exp.Literal.number(repr(value))
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"cannot bind a parameter of type {type(value).__name__}")


def bind(sql: str, params: list[Any]) -> exp.Expression:
    """Parse DuckDB ``sql`` and replace ``$1``, ``$2``, ... by literals of ``params``."""

    def sub(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and str(node.this).isdigit():
            return literal(params[int(node.this) - 1])
        return node

    return sqlglot.parse_one(sql, read="duckdb").transform(sub)


def _spark_fixes(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.TimeToUnix) and isinstance(node.this, exp.Sub):
        a, b = node.this.this, node.this.expression
        micros = exp.Sub(
            this=exp.Anonymous(this="UNIX_MICROS", expressions=[a.copy()]),
            expression=exp.Anonymous(this="UNIX_MICROS", expressions=[b.copy()]),
        )
        return exp.Div(
            this=exp.cast(exp.Paren(this=micros), exp.DataType.build("DOUBLE")),
            expression=exp.Literal.number("1e6"),
        )
    return node


def to_spark(sql: str, params: list[Any]) -> str:
    """The DuckDB query ``sql`` with ``params`` bound, as one Spark SQL statement."""
    return bind(sql, params).transform(_spark_fixes).sql(dialect="spark")


def to_duckdb(sql: str, params: list[Any]) -> str:
    """The same query with ``params`` bound, still in DuckDB's dialect (for checks: running it
    must give what ``con.execute(sql, params)`` gives)."""
    return bind(sql, params).sql(dialect="duckdb")
