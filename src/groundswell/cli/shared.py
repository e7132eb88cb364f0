"""What the command modules of :mod:`groundswell.cli` share: the arguments and options every
panel takes (the workspace, the run, --map, --dry-run, --quiet) and how a cell is printed.

No heavy library at import time (pandas is imported where a cell is checked for NA).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from groundswell.console import print_rich
from groundswell.errors import ConfigError

if TYPE_CHECKING:
    from rich.table import Table


class _Out:
    """Print to stdout through rich; tables keep their width in pipes and files."""

    def print(self, *objects: Any) -> None:
        print_rich(*objects)


out = _Out()


def new_table(*columns: Any, **options: Any) -> Table:
    """A rich :class:`~rich.table.Table` of ``columns`` (rich.table is imported here, when a
    command prints a table, not when the command line loads)."""
    from rich.table import Table

    return Table(*columns, **options)


WorkspaceArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
RunOpt = Annotated[int | None, typer.Option(help="Run id (default: the latest).")]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help="FIELD=COLUMN: which column of the file holds a field (repeat)."),
]
FileArg = Annotated[Path, typer.Argument(help="The file to load: .csv, .tsv, .xlsx or .parquet.")]
PathArg = Annotated[Path, typer.Argument(help="The export: a file, a folder or a zip.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Read and summarise; write nothing.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summaries.")]
EngineOpt = Annotated[
    str, typer.Option(help="Aggregation engine for the ties: duckdb or spark (docs/spark.md).")
]
MasterOpt = Annotated[
    str | None,
    typer.Option(help="Spark master URL: local[2] (default), spark://HOST:7077, yarn, ..."),
]


def mapping(items: list[str] | None) -> dict[str, str]:
    """The ``--map FIELD=COLUMN`` options as a dict (one ``error:`` line for a malformed one)."""
    result = {}
    for item in items or []:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ConfigError(
                f"--map expects FIELD=COLUMN such as manager_id=SupervisorId; got {item!r}"
            )
        result[field.strip()] = column.strip()
    return result


def is_missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA (whose ``!=`` answers NA, not a bool)."""
    import pandas as pd

    return value is None or bool(pd.isna(value))


def text_cell(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def level_cell(value: Any) -> str:
    """A hierarchy level as a whole number ("" when unknown)."""
    if is_missing(value):
        return ""
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return str(value)


def number_cell(value: Any, spec: str) -> str:
    return "–" if is_missing(value) else format(value, spec)


def show(lines: list[str], quiet: bool) -> None:
    """Print a summary's lines unless ``--quiet``."""
    if not quiet:
        for line in lines:
            out.print(line)
