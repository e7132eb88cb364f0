"""What every command-line module shares: errors as one line, and output as a table, CSV or JSON.

The command modules of :mod:`groundswell.cli` (one per panel of ``groundswell --help``) wrap
each command in :func:`reports_errors`, so any :class:`~groundswell.errors.GroundswellError`
becomes exactly one ``error: ...`` line on stderr and exit code 1, never a traceback
(sqlite-utils re-raises as ``click.ClickException`` to the same effect). Listing commands
take ``--format`` (:data:`FormatOpt`) and print through :func:`emit`.

This module imports no heavy library (pandas, duckdb, numpy) at import time: ``groundswell
--help`` must answer fast (docs/performance.md).
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer

from groundswell import gate
from groundswell.errors import GroundswellError

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn``; a :class:`GroundswellError` becomes one ``error:`` line on stderr and exit 1.
    While it waits for its turn on a workspace (the dashboard writing), one line says so."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        # a command waiting for its turn on the workspace says so once (groundswell.gate)
        gate.set_waiting_hook(lambda line: typer.echo(line, err=True))
        try:
            return fn(*args, **kwargs)
        except GroundswellError as exc:
            fail(exc)

    return wrapper


def fail(message: object) -> NoReturn:
    """Print ``error: MESSAGE`` (one line) on stderr and leave with exit code 1."""
    text = " ".join(str(message).split()) or type(message).__name__
    typer.echo(f"error: {text}", err=True)
    raise typer.Exit(1)


def warn(message: str) -> None:
    """A warning: one line on stderr, so stdout stays clean for tables, CSV and JSON."""
    typer.echo(f"warning: {message}", err=True)


class Format(StrEnum):
    """How a listing command prints its rows."""

    table = "table"
    csv = "csv"
    json = "json"


FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        help="table (for reading on a terminal), csv or json (for other programs).",
        case_sensitive=False,
    ),
]


#: what rich reads in a string: markup (``[bold]``) and emoji codes (``:smile:``)
_RICH_SYNTAX = re.compile(r"\[|:\S*?:")


def print_rich(*objects: Any) -> None:
    """Print through rich; tables keep their width in pipes and files. Plain lines of text
    (printable, neither markup nor an emoji code in them: what rich prints unchanged) are
    written as they are, without loading rich."""
    if all(isinstance(o, str) and o.isprintable() and not _RICH_SYNTAX.search(o) for o in objects):
        sys.stdout.write(" ".join(objects) + "\n")
        return
    from rich.console import Console

    width = None if sys.stdout.isatty() else 160
    Console(highlight=False, soft_wrap=True, width=width).print(*objects)


def _plain(value: Any) -> Any:
    """A JSON value: NaN and NA become null, numpy scalars and timestamps plain values."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        try:
            return value.isoformat()
        except ValueError:  # NaT
            return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return value


def records(frame: pd.DataFrame, index: str | None = None) -> list[dict[str, Any]]:
    """The rows of ``frame`` as plain dicts (its index first, named ``index``, when given)."""
    shown = frame.reset_index(names=index) if index else frame
    return [
        {str(k): _plain(v) for k, v in zip(shown.columns, row, strict=True)}
        for row in shown.itertuples(index=False, name=None)
    ]


def emit(
    frame: pd.DataFrame,
    fmt: Format | str,
    table: Callable[[], Table | list[Any]],
    *,
    index: str | None = None,
) -> None:
    """Print ``frame`` as ``fmt``: the rich ``table()`` for ``table``, every row and column of
    the frame for ``csv`` (to stdout) and ``json`` (a list of objects)."""
    fmt = Format(fmt)
    if fmt is Format.csv:
        shown = frame.reset_index(names=index) if index else frame
        sys.stdout.write(shown.to_csv(index=False))
    elif fmt is Format.json:
        typer.echo(json.dumps(records(frame, index), default=str))
    else:
        made = table()
        for item in made if isinstance(made, list) else [made]:
            print_rich(item)


def emit_parts(
    parts: dict[str, Any],
    fmt: Format | str,
    table: Callable[[], Table | list[Any]],
    *,
    csv: str,
    index: dict[str, str] | None = None,
) -> None:
    """Print a command's several tables (and figures) as ``fmt``: the rich ``table()`` for
    ``table``; for ``json`` one object, each frame of ``parts`` a list of objects (its index
    first, named as ``index`` says) and any other value as it is; for ``csv`` the frame
    ``parts[csv]`` alone, the command's main table."""
    fmt = Format(fmt)
    names = index or {}
    if fmt is Format.table:
        emit(parts[csv], fmt, table)
    elif fmt is Format.csv:
        emit(parts[csv], fmt, table, index=names.get(csv))
    else:
        shown = {
            key: records(value, names.get(key)) if hasattr(value, "itertuples") else _plain(value)
            for key, value in parts.items()
        }
        typer.echo(json.dumps(shown, default=str))
