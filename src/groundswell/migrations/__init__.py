"""The schema's history: one SQL file per version, found by glob and applied in order.

``NNN_what_it_adds.sql`` brings a workspace from version NNN-1 to version NNN; the highest
number is the current schema version. Adding a migration is dropping the next numbered file
into this folder (never edit one that has been released), then regenerating ``current.sql``::

    python -m groundswell.migrations > src/groundswell/migrations/current.sql

``current.sql`` is the whole current schema as DuckDB reports it (:func:`dump`), for readers
and for review: ``tests/test_migrations.py`` checks that a fresh database equals it, and that a
workspace migrated one version at a time from version 1 equals a fresh one. It is never applied.

This module imports nothing of groundswell: it sits at the bottom, under the store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import duckdb

__all__ = ["Step", "dump", "files", "steps"]

#: a migration: applies one version's changes on an open connection (inside a transaction)
Step = Callable[[duckdb.DuckDBPyConnection], None]

_NAME = re.compile(r"(\d{3})_[a-z0-9_]+\.sql")


def files(folder: Traversable | Path | None = None) -> dict[int, Traversable | Path]:
    """The migration files of ``folder`` (this package by default), by version, in order.

    Raises ``RuntimeError`` (a packaging mistake, not a user's) if two files share a version
    or the versions do not run 1, 2, ... without a gap.
    """
    where = resources.files(__name__) if folder is None else folder
    found: dict[int, Traversable | Path] = {}
    for entry in where.iterdir():
        match = _NAME.fullmatch(entry.name)
        if match is None:
            continue
        version = int(match.group(1))
        if version in found:
            raise RuntimeError(
                f"migrations: {found[version].name} and {entry.name} both claim version {version}"
            )
        found[version] = entry
    expected = list(range(1, len(found) + 1))
    if sorted(found) != expected:
        missing = sorted(set(range(1, max(found, default=0) + 1)) - set(found))
        raise RuntimeError(
            f"migrations: versions must run 1, 2, ... without a gap; missing {missing}"
        )
    return dict(sorted(found.items()))


def steps(folder: Traversable | Path | None = None) -> dict[int, Step]:
    """version -> the step that brings a workspace from version-1 to that version."""
    return {version: _sql_step(path) for version, path in files(folder).items()}


def _sql_step(path: Traversable | Path) -> Step:
    def apply(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(path.read_text())

    apply.__doc__ = f"Apply {path.name}."
    return apply


def dump(con: duckdb.DuckDBPyConnection) -> str:
    """The schema of ``con``'s database as SQL, sorted by name: sequences, tables, indexes, views.

    Only the shape: the rows and a sequence's position are left out (DuckDB reports a reopened
    sequence's next value as its start), so a database in use dumps the same as a fresh one of
    the same version.
    """
    parts = ["-- The current schema, generated: python -m groundswell.migrations > current.sql"]
    parts.append("-- Never applied; tests/test_migrations.py checks a fresh database equals it.")
    rows = con.execute(
        "SELECT sequence_name, increment_by, min_value, max_value, cycle "
        "FROM duckdb_sequences() WHERE database_name = current_database() ORDER BY 1"
    ).fetchall()
    for name, step, low, high, cycle in rows:
        parts.append(
            f"CREATE SEQUENCE {name} INCREMENT BY {step} MINVALUE {low} "
            f"MAXVALUE {high}{' CYCLE' if cycle else ''};"
        )
    for kind in ("tables", "indexes", "views"):
        name = {"tables": "table_name", "indexes": "index_name", "views": "view_name"}[kind]
        internal = " AND NOT internal" if kind == "views" else ""
        sql = (
            f"SELECT sql FROM duckdb_{kind}() WHERE database_name = current_database()"
            f"{internal} AND sql IS NOT NULL ORDER BY {name}"
        )
        parts.extend(_pretty(text) for (text,) in con.execute(sql).fetchall())
    return "\n".join(parts) + "\n"


def _pretty(sql: str) -> str:
    """One column or constraint a line, so a diff of ``current.sql`` shows what changed."""
    head, paren, body = sql.partition("(")
    if not head.startswith("CREATE TABLE") or not body.endswith(");"):
        return sql
    items, depth, start = [], 0, 0
    text = body[:-2]
    quoted = False
    for i, ch in enumerate(text):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and ch == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    items.append(text[start:].strip())
    return head + paren + "\n" + ",\n".join(f"    {item}" for item in items) + "\n);"
