"""The "Analyse" panel: ``analyze`` (a stored run), ``runs`` and ``ties`` (tie tables
for a lake, recomputing only changed windows)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import groundswell as gs
from groundswell import _loading
from groundswell.cli.shared import (
    EngineOpt,
    MasterOpt,
    QuietOpt,
    WorkspaceArg,
    new_table,
    out,
    show,
)
from groundswell.console import Format, FormatOpt, emit, reports_errors, warn
from groundswell.errors import ConfigError

if TYPE_CHECKING:
    from rich.table import Table

commands = typer.Typer()


def igraph_without_matplotlib() -> None:
    """Import igraph without the matplotlib it loads for its own plotting, which groundswell
    never uses: where matplotlib is installed, igraph imports ``matplotlib.pyplot`` on
    import, about 0.85 s of CPU of a one-second import (measured in the development
    environment), a sixth of a 200-person ``analyze``. Only in this command's process, and
    only when neither is loaded yet; matplotlib imports normally afterwards (igraph's own
    plots stay unavailable in this process)."""
    import sys

    if "igraph" in sys.modules or "matplotlib" in sys.modules:
        return
    sys.modules["matplotlib"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        with _loading.paused():
            import igraph  # noqa: F401
    finally:
        del sys.modules["matplotlib"]


@commands.command()
@reports_errors
def analyze(
    workspace: WorkspaceArg,
    window: Annotated[str | None, typer.Option(help="START:END dates, END inclusive.")] = None,
    layer: Annotated[
        list[str] | None,
        typer.Option(
            help="digital, formal, collaboration, survey:QUESTION (repeat); default: what "
            "the data makes (digital, else collaboration, else the survey, else formal)."
        ),
    ] = None,
    unweighted: Annotated[bool, typer.Option(help="Ignore tie weights.")] = False,
    engine: EngineOpt = "duckdb",
    master: MasterOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Build the network of a window and analyse it; the run is stored."""
    igraph_without_matplotlib()
    # read beside the dashboard; the exclusive turn only for storing the run (seconds)
    with gs.open(workspace, read_only=True) as ws:
        run = ws.analyze(
            window,
            layers=tuple(layer) if layer else None,  # None: the layers the data makes
            weighted=not unweighted,
            progress=not quiet,
            engine=engine,
            master=master,
        )
        s = run.summary
        for old in run.removed:
            typer.echo(f"removed run {old}, left incomplete by an older groundswell", err=True)
        show(
            [
                f"run {run.run_id}: window {run.window}, {s['people']:,} people, "
                f"{s['ties']:,} ties, {s['communities']} communities "
                f"of two or more people ({s['isolated']:,} with no tie left out; "
                f"modularity {s['modularity']:.2f}; agreement with departments: "
                f"NMI {s['nmi_departments']:.2f}, ARI {s['ari_departments']:.2f})"
            ],
            quiet,
        )


@commands.command()
@reports_errors
def runs(workspace: WorkspaceArg, format: FormatOpt = Format.table) -> None:
    """List the stored runs (warnings about incomplete ones on stderr)."""
    from groundswell.run import incomplete_runs

    with gs.open(workspace, read_only=True) as ws:  # beside a running dashboard
        df = ws.runs()
        for message in incomplete_runs(ws)["message"]:
            warn(message)

    def rich_table() -> Table:
        table = new_table("run", "created", "window", "people", "ties", "communities")
        for r in df.itertuples():
            s = json.loads(r.summary)
            window = gs.Window(r.window_start, r.window_end)
            table.add_row(
                str(r.run_id),
                f"{r.created_at:%Y-%m-%d %H:%M}",
                str(window),
                f"{s['people']:,}",
                f"{s['ties']:,}",
                str(s["communities"]),
            )
        return table

    if Format(format) is Format.json:  # the summary as an object, not a string
        df = df.assign(summary=df["summary"].map(json.loads))
    emit(df, format, rich_table)


@commands.command("ties")
@reports_errors
def ties_cmd(
    workspace: Annotated[Path, typer.Argument(help="The workspace whose tie settings apply.")],
    out_path: Annotated[
        str, typer.Option("--out", help="Folder or URL for the tie tables (one per window).")
    ],
    events: Annotated[
        str | None,
        typer.Option(help="Parquet lake to read (export-lake layout; default: the workspace)."),
    ] = None,
    engine: EngineOpt = "duckdb",
    master: MasterOpt = None,
    window: Annotated[
        list[str] | None, typer.Option(help="START:END dates, END inclusive (repeat).")
    ] = None,
    weekly: Annotated[
        bool, typer.Option(help="One window per ISO week of the data (Monday to Sunday).")
    ] = False,
    layer: Annotated[
        list[str] | None,
        typer.Option(help="digital, formal, collaboration, survey:QUESTION (repeat)."),
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="Also split each tie by day, week or month.")
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            help="Local file of window fingerprints (default: OUT/_groundswell_windows.json)."
        ),
    ] = None,
) -> None:
    """Aggregate interactions into tie tables (Parquet), recomputing only changed windows."""
    from groundswell.engines import DuckDBEngine, refresh, weekly_windows
    from groundswell.network.ties import TieRules
    from groundswell.network.window import Window

    if engine not in ("duckdb", "spark"):
        raise ConfigError(f"--engine must be duckdb or spark; got {engine!r}")
    with gs.open(workspace) as ws:
        rules = TieRules.from_settings(ws.settings.ties)
        if engine == "spark":
            from groundswell.engines.lake import export_lake as export
            from groundswell.engines.spark import SparkEngine, spark_session

            lake = events
            if lake is None:
                lake = str(ws.folder / "lake")
                export(ws, lake)
            eng: Any = SparkEngine(spark_session(master or "local[2]"), lake)
        else:
            eng = DuckDBEngine.from_lake(events) if events else DuckDBEngine(ws.con)
        first, last = eng.span()
        if first is None:
            raise ConfigError("no interactions to aggregate")
        if weekly:
            windows = weekly_windows(first, last)
        elif window:
            windows = [Window.parse(w) for w in window]
        else:
            windows = [Window.last_days(last, int(ws.settings.ties["window_days"]))]
        done = refresh(
            eng,
            windows,
            rules,
            out_path,
            layers=tuple(layer or ["digital"]),
            period=period,
            manifest=manifest,
        )
    out.print(
        f"{out_path}: {len(done.recomputed)} window(s) recomputed, {len(done.kept)} unchanged "
        f"({engine})"
    )
