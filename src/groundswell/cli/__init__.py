"""The command line, ``groundswell``: thin commands over the library (each calls the function
of its name). ``groundswell.cli:main`` is the console entry point (pyproject.toml): it runs
:data:`app`, made of only the command a user runs (:func:`for_command`).

One module per panel of ``groundswell --help``, in the order a user meets them:

========================  =====================================================================
:mod:`.setup`             init, user add, synth, demo
:mod:`.ingest`            ingest KIND, sources, export-lake
:mod:`.analyse`           analyze, runs, ties
:mod:`.explore`           people, groups, shadow, gap, report
:mod:`.evidence`          outcomes, benchmark export / compare
:mod:`.value`             value, qa, leaders, community-health, timeline, onboarding,
                          compare-dates (also in the "Explore" panel)
:mod:`.change`            champions, adoption, traction
:mod:`.survey`            survey create / launch / status / remind / close / compare
:mod:`.serve`             serve
========================  =====================================================================

Each holds its commands in a Typer app named ``commands``, merged here into :data:`app`;
:mod:`.shared` holds the options and cell formats they share, :mod:`groundswell.console` the
error line and ``--format``.

Heavy libraries (pandas, numpy, duckdb, igraph, ...) are imported inside the commands that
need them, never at import time: ``groundswell --help`` and ``--version`` answer in a fraction
of a second (docs/performance.md, bench/cli_startup.py; tests/test_cli_startup.py checks it).
"""

from __future__ import annotations

import copy
import sys
from typing import Annotated, Any

from groundswell import _loading
from groundswell._bytecode import use_user_cache

use_user_cache()  # before anything heavy: bytecode in ~/.cache when site-packages is read-only

with _loading.paused():  # typer and rich load without the garbage collector walking them
    import typer
    from typer.core import TyperGroup

    from groundswell.cli import (
        _coercion,
        analyse,
        change,
        evidence,
        explore,
        ingest,
        serve,
        setup,
        survey,
        value,
    )
    from groundswell.version import __version__

_coercion.install()  # plain values without loading pydantic (typer's adapters)

#: the panels of ``groundswell --help``, in the order a user meets them, and their commands
PANELS: dict[str, tuple[str, ...]] = {
    "Set up": ("init", "user", "synth", "demo"),
    "Ingest": ("ingest", "sources", "export-lake"),
    "Analyse": ("analyze", "runs", "ties"),
    "Explore": (
        "people", "groups", "shadow", "gap", "report", "export", "value", "qa", "leaders",
        "community-health", "timeline", "onboarding", "compare-dates", "whois", "audit",
        "outcomes", "benchmark",
    ),
    "Change": ("champions", "adoption", "traction"),
    "Survey": ("survey",),
    "Serve": ("serve",),
}  # fmt: skip

#: the command modules, whose ``commands`` make up the app
MODULES = (setup, ingest, analyse, explore, evidence, value, change, survey, serve)


def _version(shown: bool) -> None:
    if shown:
        typer.echo(f"groundswell {__version__}")
        raise typer.Exit()


class _InPanelOrder(TyperGroup):
    """Lists the commands in the order of :data:`PANELS`, so the help shows the panels in
    the order a user meets them (setup, ingest, analyse, explore, change, survey, serve)."""

    def list_commands(self, ctx: Any) -> list[str]:
        order = [name for names in PANELS.values() for name in names]
        rank = {name: i for i, name in enumerate(order)}
        return sorted(super().list_commands(ctx), key=lambda n: rank.get(n, len(order)))


app = typer.Typer(
    cls=_InPanelOrder,
    help="groundswell: the informal network beside the org chart.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """groundswell: the informal network beside the org chart."""


def command_name(info: Any) -> str:
    """The name a user types for a registered command (``ties_cmd`` is ``ties``)."""
    name = info.name or info.callback.__name__
    return str(name).replace("_", "-")


def _assemble() -> None:
    """Put every command and command group of :data:`MODULES` in its panel (one not listed
    goes to "Explore") and into :data:`app`."""
    panel_of = {name: panel for panel, names in PANELS.items() for name in names}
    for module in MODULES:
        for info in module.commands.registered_commands:
            info.rich_help_panel = panel_of.get(command_name(info), "Explore")
            app.registered_commands.append(info)
        for group in module.commands.registered_groups:
            group.rich_help_panel = panel_of.get(str(group.name), "Explore")
            app.registered_groups.append(group)


_assemble()


def for_command(name: str) -> typer.Typer:
    """:data:`app` holding only the command or command group ``name`` (the one a user runs)
    when there is one of that name, else :data:`app` itself. Typer makes a Click command of
    every registered function from its signature before it runs one, about 0.06 s of CPU for
    the 54 commands; a command's usage line, help, options and errors are the same in both
    (tests/test_cli_startup.py compares every command's help)."""
    commands = [info for info in app.registered_commands if command_name(info) == name]
    groups = [group for group in app.registered_groups if group.name == name]
    if not commands and not groups:
        return app  # --help, --version, a mistyped command (Click suggests the near ones)
    one = copy.copy(app)
    one.registered_commands, one.registered_groups = commands, groups
    return one


#: commands whose process ends as soon as they are done (:func:`main`): what they write goes
#: to the workspace's DuckDB file, closed (and checkpointed) by the exit handlers, and to
#: stdout and stderr, flushed
ENDS_AT_ONCE = ("analyze",)


def main(*, end_at_once: bool = True) -> None:  # pragma: no cover - console entry point
    """The ``groundswell`` command: :func:`for_command` of the first argument, run.

    With ``end_at_once`` (the console script and ``python -m groundswell``), a command of
    :data:`ENDS_AT_ONCE` ends the process when it is done (:func:`end_now`), without
    Python's shutdown freeing every object of pandas, DuckDB and the analysis one by one
    (about 0.17 s of CPU after a 200-person ``analyze``). Called in a process that goes
    on afterwards (a test), pass ``end_at_once=False``: the command raises
    :class:`SystemExit` as usual."""
    _loading.freeze_when_loaded()  # the process ends with the command
    name = sys.argv[1] if len(sys.argv) > 1 else None
    try:
        (for_command(name) if name else app)()
    except SystemExit as done:
        if end_at_once and name in ENDS_AT_ONCE:
            end_now(done.code)
        raise
    if end_at_once and name in ENDS_AT_ONCE:
        end_now(0)


def end_now(code: object) -> None:
    """End the process with exit status ``code`` as Python's shutdown would, but without
    its clean-up of every object: the exit handlers (:mod:`atexit`: the workspace's
    connection closed, the collector's frozen objects handed back) run, stdout and stderr
    are flushed, then :func:`os._exit`. Returns, leaving the ordinary shutdown to run,
    when ``code`` is not a number (a message), another thread that is not a daemon still
    runs, or the output cannot be flushed (a closed pipe: the shutdown says so)."""
    import atexit
    import os
    import threading

    if code is not None and not isinstance(code, int):
        return
    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return
    atexit._run_exitfuncs()  # and forgets them: the shutdown, if it runs, does not again
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
