"""The "Ingest" panel: ``ingest KIND`` (one command per reader), ``sources`` and
``export-lake``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import groundswell as gs
from groundswell.cli.shared import (
    DryRunOpt,
    FileArg,
    MapOpt,
    PathArg,
    QuietOpt,
    WorkspaceArg,
    mapping,
    new_table,
    out,
    show,
)
from groundswell.console import Format, FormatOpt, emit, reports_errors
from groundswell.ingest import READERS

if TYPE_CHECKING:
    from rich.table import Table

DelimiterOpt = Annotated[
    str | None,
    typer.Option(help="The CSV's delimiter (, ; | or \\t), when not the one detected."),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        help="The CSV's encoding (utf-8, utf-16, cp1252, ...), when not the one detected."
    ),
]

commands = typer.Typer()
ingest_app = typer.Typer(help="Load a source into a workspace.", no_args_is_help=True)
commands.add_typer(ingest_app, name="ingest")


@ingest_app.command("orgchart")
@reports_errors
def ingest_orgchart(
    workspace: WorkspaceArg,
    file: FileArg,
    map: MapOpt = None,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = None,
    dry_run: DryRunOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Load an HR org chart (CSV of any dialect, Excel .xlsx or Parquet)."""
    with gs.open(workspace) as ws:
        summary = ws.ingest_orgchart(
            file,
            mapping=mapping(map),
            delimiter=delimiter,
            encoding=encoding,
            progress=not quiet,
            dry_run=dry_run,
        )
    show(summary.lines(), quiet)


@ingest_app.command("events")
@reports_errors
def ingest_events(
    workspace: WorkspaceArg,
    file: FileArg,
    map: MapOpt = None,
    targets_sep: Annotated[str, typer.Option(help="Separator between targets.")] = ";",
    kind: Annotated[
        str, typer.Option(help="The kind of a row with targets and no kind (weighted like a DM).")
    ] = "message",
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = None,
    dry_run: DryRunOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Load generic interaction events (CSV of any dialect, Excel .xlsx or Parquet)."""
    with gs.open(workspace) as ws:
        summary = ws.ingest_events(
            file,
            mapping=mapping(map),
            targets_sep=targets_sep,
            kind=kind,
            delimiter=delimiter,
            encoding=encoding,
            progress=not quiet,
            dry_run=dry_run,
        )
    show(summary.lines(), quiet)


def _simple_reader(kind: str, what: str) -> None:
    """`groundswell ingest KIND WORKSPACE PATH [--dry-run] [--quiet]` for a reader with no
    options of its own."""

    def command(
        workspace: WorkspaceArg,
        path: PathArg,
        dry_run: DryRunOpt = False,
        quiet: QuietOpt = False,
    ) -> None:
        with gs.open(workspace) as ws:
            summary = ws.ingest(kind, path, progress=not quiet, dry_run=dry_run)
        show(summary.lines(), quiet)

    command.__doc__ = f"Load {what}."
    command.__name__ = f"ingest_{kind}"
    ingest_app.command(kind)(reports_errors(command))


for _kind in ("slack", "teams", "engage", "email"):
    _simple_reader(_kind, READERS[_kind][1])


@ingest_app.command("calendar")
@reports_errors
def ingest_calendar(
    workspace: WorkspaceArg,
    path: PathArg,
    expand: Annotated[
        bool, typer.Option(help="Expand recurring meetings into their occurrences.")
    ] = True,
    max_occurrences: Annotated[
        int, typer.Option(help="At most this many occurrences of one series.")
    ] = 1000,
    dry_run: DryRunOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Load calendar exports (.ics file or folder)."""
    with gs.open(workspace) as ws:
        summary = ws.ingest(
            "calendar",
            path,
            progress=not quiet,
            dry_run=dry_run,
            expand=expand,
            max_occurrences=max_occurrences,
        )
    show(summary.lines(), quiet)


@ingest_app.command("viva")
@reports_errors
def ingest_viva(
    workspace: WorkspaceArg,
    path: PathArg,
    date_format: Annotated[
        str, typer.Option(help="auto, iso, mdy or dmy: how MetricDate is written.")
    ] = "auto",
    attribute: Annotated[
        list[str] | None, typer.Option(help="A person-query column that is an HR attribute.")
    ] = None,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = None,
    dry_run: DryRunOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Load a Microsoft Viva Insights query (person-to-person, person or group-to-group)."""
    with gs.open(workspace) as ws:
        summary = ws.ingest(
            "viva",
            path,
            progress=not quiet,
            dry_run=dry_run,
            date_format=date_format,
            attributes=attribute or None,
            delimiter=delimiter,
            encoding=encoding,
        )
    show(summary.lines(), quiet)


@ingest_app.command("survey")
@reports_errors
def ingest_survey(
    workspace: WorkspaceArg,
    path: PathArg,
    map: MapOpt = None,
    question: Annotated[
        str | None, typer.Option(help="The question, for a file with no question column.")
    ] = None,
    date: Annotated[
        str | None, typer.Option(help="When the answers were given, if the file does not say.")
    ] = None,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = None,
    dry_run: DryRunOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Load relationship survey answers (respondent, question, nominee, strength)."""
    with gs.open(workspace) as ws:
        summary = ws.ingest(
            "survey",
            path,
            progress=not quiet,
            dry_run=dry_run,
            mapping=mapping(map),
            question=question,
            date=date,
            delimiter=delimiter,
            encoding=encoding,
        )
    show(summary.lines(), quiet)


@ingest_app.command("adoptions")
@reports_errors
def ingest_adoptions(
    workspace: WorkspaceArg,
    path: PathArg,
    map: MapOpt = None,
    behaviour: Annotated[
        str | None, typer.Option(help="The behaviour, for a file with no behaviour column.")
    ] = None,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = None,
    dry_run: DryRunOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Load adoptions of a change (person, behaviour, date), to compare with a plan."""
    with gs.open(workspace) as ws:
        summary = ws.ingest(
            "adoptions",
            path,
            progress=not quiet,
            dry_run=dry_run,
            mapping=mapping(map),
            behaviour=behaviour,
            delimiter=delimiter,
            encoding=encoding,
        )
    show(summary.lines(), quiet)


@ingest_app.command("outcomes")
@reports_errors
def ingest_outcomes(
    workspace: WorkspaceArg,
    path: PathArg,
    map: MapOpt = None,
    measure: Annotated[
        str | None, typer.Option(help="The measure, for a file with no measure column.")
    ] = None,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = None,
    dry_run: DryRunOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Load outcomes (person, team or department; measure, value, date), to set against the
    network (docs/outcomes.md)."""
    with gs.open(workspace) as ws:
        summary = ws.ingest(
            "outcomes",
            path,
            progress=not quiet,
            dry_run=dry_run,
            mapping=mapping(map),
            measure=measure,
            delimiter=delimiter,
            encoding=encoding,
        )
    show(summary.lines(), quiet)


@commands.command()
@reports_errors
def sources(workspace: WorkspaceArg, format: FormatOpt = Format.table) -> None:
    """List what was ingested, when and with which options."""
    with gs.open(workspace, read_only=True) as ws:
        df = ws.sources()

    def rich_table() -> Table:
        table = new_table(
            "id", "kind", "file", "sha256", "rows", "skipped", "people", "interactions", "ingested"
        )
        for r in df.itertuples():
            table.add_row(
                str(r.source_id),
                r.kind,
                r.location,
                r.sha256[:12],
                f"{r.rows_read:,}",
                f"{r.rows_skipped:,}",
                f"{r.people:,}",
                f"{r.interactions:,}",
                f"{r.ingested_at:%Y-%m-%d %H:%M}",
            )
        return table

    emit(df, format, rich_table)


@commands.command("export-lake")
@reports_errors
def export_lake(
    workspace: WorkspaceArg,
    lake: Annotated[Path, typer.Argument(help="Folder for the Parquet lake.")],
    full: Annotated[
        bool, typer.Option(help="Rewrite every batch, not only sources not yet exported.")
    ] = False,
) -> None:
    """Export interactions (one Parquet file per source), aliases, people and sources."""
    from groundswell.engines import export_lake as export

    with gs.open(workspace) as ws:
        ex = export(ws, lake, full=full)
    out.print(
        f"{lake}: {len(ex.batches_written)} batch(es) written, {len(ex.batches_kept)} kept; "
        + ", ".join(f"{n:,} {t}" for t, n in ex.rows.items())
    )
