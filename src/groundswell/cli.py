"""The command line: thin commands over the library (each calls the function of its name).

Heavy libraries (pandas, numpy, duckdb, igraph, ...) are imported inside the commands that
need them, never at import time: ``groundswell --help`` and ``--version`` answer in a fraction
of a second (docs/performance.md, bench/cli_startup.py; tests/test_cli_startup.py checks it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.table import Table
from typer.core import TyperGroup

import groundswell as gs
from groundswell.console import Format, FormatOpt, emit, print_rich, reports_errors, warn
from groundswell.errors import ConfigError, ParameterError
from groundswell.ingest import READERS
from groundswell.survey.cli import survey_app
from groundswell.value.cli import register as register_value_commands
from groundswell.web.cli import serve, user_app

if TYPE_CHECKING:
    from groundswell.diffusion.imm import Quota
    from groundswell.diffusion.models import Model, Rule


def _version(value: bool) -> None:
    if value:
        typer.echo(f"groundswell {gs.__version__}")
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


ingest_app = typer.Typer(help="Load a source into a workspace.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
app.command()(serve)
app.add_typer(user_app, name="user")
app.add_typer(survey_app, name="survey")
register_value_commands(app)


class _Out:
    """Print to stdout through rich; tables keep their width in pipes and files."""

    def print(self, *objects: Any) -> None:
        print_rich(*objects)


out = _Out()

#: the HR attributes groups are formed by (groups --by)
GROUP_ATTRIBUTES = ("department", "team", "location")

WorkspaceArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help="FIELD=COLUMN: which column of the file holds a field (repeat)."),
]
FileArg = Annotated[Path, typer.Argument(help="The file to load: .csv, .tsv or .parquet.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Read and summarise; write nothing.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summaries.")]


def _mapping(items: list[str] | None) -> dict[str, str]:
    result = {}
    for item in items or []:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ConfigError(
                f"--map expects FIELD=COLUMN such as manager_id=SupervisorId; got {item!r}"
            )
        result[field.strip()] = column.strip()
    return result


def _missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA (whose ``!=`` answers NA, not a bool)."""
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _text(value: Any) -> str:
    return "" if _missing(value) else str(value)


def _level(value: Any) -> str:
    """A hierarchy level as a whole number ("" when unknown)."""
    if _missing(value):
        return ""
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return str(value)


def _number(value: Any, spec: str) -> str:
    return "–" if _missing(value) else format(value, spec)


def _show(lines: list[str], quiet: bool) -> None:
    if not quiet:
        for line in lines:
            out.print(line)


@app.command()
@reports_errors
def init(
    workspace: WorkspaceArg,
    identified: Annotated[bool, typer.Option(help="Keep real names for reports.")] = False,
    store_content: Annotated[
        bool, typer.Option(help="Store message text (off by default).")
    ] = False,
) -> None:
    """Create a workspace: database, secret key (mode 0600) and groundswell.toml."""
    ws = gs.init(workspace, identified=identified, store_content=store_content)
    ws.close()
    out.print(f"created workspace {workspace} (settings: {workspace / 'groundswell.toml'})")


@ingest_app.command("orgchart")
@reports_errors
def ingest_orgchart(
    workspace: WorkspaceArg,
    file: FileArg,
    map: MapOpt = None,
    dry_run: DryRunOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Load an HR org chart (CSV or Parquet)."""
    with gs.open(workspace) as ws:
        summary = ws.ingest_orgchart(
            file, mapping=_mapping(map), progress=not quiet, dry_run=dry_run
        )
    _show(summary.lines(), quiet)


@ingest_app.command("events")
@reports_errors
def ingest_events(
    workspace: WorkspaceArg,
    file: FileArg,
    map: MapOpt = None,
    targets_sep: Annotated[str, typer.Option(help="Separator between targets.")] = ";",
    dry_run: DryRunOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Load generic interaction events (CSV or Parquet)."""
    with gs.open(workspace) as ws:
        summary = ws.ingest_events(
            file,
            mapping=_mapping(map),
            targets_sep=targets_sep,
            progress=not quiet,
            dry_run=dry_run,
        )
    _show(summary.lines(), quiet)


PathArg = Annotated[Path, typer.Argument(help="The export: a file, a folder or a zip.")]


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
        _show(summary.lines(), quiet)

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
    _show(summary.lines(), quiet)


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
        )
    _show(summary.lines(), quiet)


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
            mapping=_mapping(map),
            question=question,
            date=date,
        )
    _show(summary.lines(), quiet)


@ingest_app.command("adoptions")
@reports_errors
def ingest_adoptions(
    workspace: WorkspaceArg,
    path: PathArg,
    map: MapOpt = None,
    behaviour: Annotated[
        str | None, typer.Option(help="The behaviour, for a file with no behaviour column.")
    ] = None,
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
            mapping=_mapping(map),
            behaviour=behaviour,
        )
    _show(summary.lines(), quiet)


EngineOpt = Annotated[
    str, typer.Option(help="Aggregation engine for the ties: duckdb or spark (docs/spark.md).")
]
MasterOpt = Annotated[
    str | None,
    typer.Option(help="Spark master URL: local[2] (default), spark://HOST:7077, yarn, ..."),
]


@app.command()
@reports_errors
def analyze(
    workspace: WorkspaceArg,
    window: Annotated[str | None, typer.Option(help="START:END dates, END inclusive.")] = None,
    layer: Annotated[
        list[str] | None,
        typer.Option(help="digital, formal, collaboration, survey:QUESTION (repeat)."),
    ] = None,
    unweighted: Annotated[bool, typer.Option(help="Ignore tie weights.")] = False,
    engine: EngineOpt = "duckdb",
    master: MasterOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Build the network of a window and analyse it; the run is stored."""
    with gs.open(workspace) as ws:
        run = ws.analyze(
            window,
            layers=tuple(layer or ["digital"]),
            weighted=not unweighted,
            progress=not quiet,
            engine=engine,
            master=master,
        )
        s = run.summary
        for old in run.removed:
            typer.echo(f"removed run {old}, left incomplete by an older groundswell", err=True)
        _show(
            [
                f"run {run.run_id}: window {run.window}, {s['people']:,} people, "
                f"{s['ties']:,} ties, {s['communities']} communities "
                f"(modularity {s['modularity']:.2f}; agreement with departments: "
                f"NMI {s['nmi_departments']:.2f}, ARI {s['ari_departments']:.2f})"
            ],
            quiet,
        )


@app.command("export-lake")
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


@app.command("ties")
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


@app.command()
@reports_errors
def people(
    workspace: WorkspaceArg,
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest).")] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="Only people holding this role or shadow finding (hidden_influencer, …)."
        ),
    ] = None,
    sort: Annotated[str, typer.Option(help="The measure to sort by.")] = "pagerank",
    top: Annotated[int, typer.Option(help="How many people to show.")] = 20,
    csv: Annotated[Path | None, typer.Option(help="Write every person and measure here.")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """The people of a run: measures, persona and roles (pseudonymous unless identified).
    --format csv or json prints every measure of the --top people."""
    with gs.open(workspace) as ws:
        the_run = ws.run(run)
        table = the_run.people()
        if role:  # a role or a finding of the shadow organisation; an unknown one is an error
            table = table[table.index.isin(the_run.holding(role))]
    if sort not in table.columns:
        raise ParameterError("--sort", f"one of the measures {list(table.columns)}", sort)
    table = table.sort_values(sort, ascending=False)
    if csv:
        table.to_csv(csv)
        out.print(f"{len(table):,} people written to {csv}")
        return

    def rich_table() -> Table:
        shown = Table("person", "department", "level", sort, "persona", "roles")
        for pid, r in table.head(top).iterrows():
            name = r["display_name"] if isinstance(r["display_name"], str) else pid
            shown.add_row(
                name,
                _text(r["department"]),
                _level(r["level"]),
                _number(r[sort], ".4g"),
                _text(r["persona"]),
                _text(r["roles"]),
            )
        return shown

    emit(table.head(top), format, rich_table, index="person_id")


@app.command()
@reports_errors
def groups(
    workspace: WorkspaceArg,
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest).")] = None,
    by: Annotated[str, typer.Option(help="department, team or location.")] = "department",
    format: FormatOpt = Format.table,
) -> None:
    """Group figures of a run: size, E-I index, ties kept inside, silos (small groups
    suppressed)."""
    if by not in GROUP_ATTRIBUTES:
        raise ParameterError("--by", f"one of {', '.join(GROUP_ATTRIBUTES)}", by)
    with gs.open(workspace) as ws:
        table = ws.run(run).groups(by)
    min_size = ws.settings.min_group_size

    def rich_table() -> Table:
        shown = Table(by, "people", "E-I", "inside", "baseline E-I", "silo")
        for name, r in table.iterrows():
            size = (
                "–" if r["size"] != r["size"]  # the merged group, below the minimum
                else f"<{min_size}" if r["size"] < min_size else f"{int(r['size']):,}"
            )  # fmt: skip
            cells = [
                "–" if v != v else f"{v:.2f}"
                for v in (r["ei"], r["inside_share"], r["baseline_ei"])
            ]
            shown.add_row(str(name), size, *cells, "silo" if r["silo"] == 1 else "")
        return shown

    emit(table, format, rich_table, index=by)


@app.command()
@reports_errors
def shadow(
    workspace: WorkspaceArg,
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest).")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """The shadow organisation of a run: hidden influencers, informal leaders, bottleneck
    managers, key people, managers far from their team, with the evidence (Run.shadow)."""
    with gs.open(workspace) as ws:
        table = ws.run(run).shadow()

    def rich_table() -> Table:
        shown = Table("finding", "rank", "person", "department", "level", "evidence")
        for r in table.itertuples():
            name = r.display_name if isinstance(r.display_name, str) else r.person_id
            level = _level(r.level)
            evidence = ", ".join(
                f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                for k, v in r.evidence.items()
                if v is not None
            )
            shown.add_row(
                r.finding.replace("_", " "), str(r.rank), name, str(r.department), level, evidence
            )
        return shown

    if Format(format) is Format.csv:  # the evidence as one JSON cell
        table = table.assign(evidence=table["evidence"].map(json.dumps))
    emit(table, format, rich_table)


@app.command()
@reports_errors
def gap(
    workspace: WorkspaceArg,
    file: Annotated[Path, typer.Argument(help="CSV of people leaders name as influential.")],
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest).")] = None,
    top: Annotated[float, typer.Option(help="The top share of the network that counts.")] = 0.1,
    format: FormatOpt = Format.table,
) -> None:
    """The management perception gap: who leaders name against who the network shows."""
    if not 0 < top < 1:
        raise ParameterError("--top", "a share between 0 and 1 (exclusive), such as 0.1", top)
    with gs.open(workspace) as ws:
        table = ws.gap(file, run_id=run, top=top)

    def rich_table() -> list[Any]:
        shown = Table("person", "department", "PageRank percentile", "nominated", "verdict")
        for pid, r in table.iterrows():
            name = r["display_name"] if isinstance(r["display_name"], str) else pid
            pct = "not in the network" if _missing(r["percentile"]) else f"{r['percentile']:.0%}"
            shown.add_row(
                name, _text(r["department"]), pct, "yes" if r["nominated"] else "", r["verdict"]
            )
        counts = table["verdict"].value_counts()
        verdicts = ("confirmed", "unsupported", "unseen")
        return [shown, ", ".join(f"{counts.get(v, 0)} {v}" for v in verdicts)]

    emit(table, format, rich_table, index="person_id")


def _names_from(values: list[str] | None, file: Path | None) -> list[str]:
    """Identifiers given one by one and/or in a file (one per line, or a CSV's first column)."""
    names = list(values or [])
    if file is not None:
        if not file.is_file():
            raise ConfigError(f"{file}: no such file")
        lines = [ln.split(",")[0].strip() for ln in file.read_text().splitlines()]
        names += [ln for ln in lines if ln and not ln.startswith("#")]
    return names


@app.command()
@reports_errors
def champions(
    workspace: WorkspaceArg,
    k: Annotated[int, typer.Option("--k", help="How many champions.")] = 20,
    quota: Annotated[
        str | None,
        typer.Option(help="An HR attribute every unit of which gets champions (department...)."),
    ] = None,
    quota_rule: Annotated[
        str, typer.Option(help="at-least-one (every unit) or proportional (to its size).")
    ] = "at-least-one",
    include: Annotated[
        list[str] | None, typer.Option(help="A person always chosen, e.g. a sponsor (repeat).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="A person never chosen: overloaded, leaving (repeat).")
    ] = None,
    include_file: Annotated[
        Path | None, typer.Option(help="A file of people to include, one per line.")
    ] = None,
    exclude_file: Annotated[
        Path | None, typer.Option(help="A file of people to exclude, one per line.")
    ] = None,
    model: Annotated[str, typer.Option(help="ic (independent cascade) or lt.")] = "ic",
    probability: Annotated[
        str, typer.Option(help="weighted-cascade, strength or constant: each tie's chance.")
    ] = "weighted-cascade",
    p: Annotated[float, typer.Option("--p", help="The chance for strength / constant.")] = 0.1,
    epsilon: Annotated[float, typer.Option(help="Slack of the (1-1/e-epsilon) guarantee.")] = 0.1,
    runs: Annotated[int, typer.Option(help="Monte Carlo cascades per strategy.")] = 1000,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the run's).")] = None,
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest).")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Choose change champions who carry a new way of working furthest; compare with the
    usual picks (top of the hierarchy, most connected, random); the plan is stored."""
    from rich.console import Console

    err = Console(stderr=True)
    say = None if quiet else (lambda line: err.print(f"[dim]{line}[/dim]"))
    with gs.open(workspace) as ws:
        plan = ws.champions(  # the plan checks the words and names what is allowed
            run_id=run,
            k=k,
            model=cast("Model", model),
            rule=cast("Rule", probability.replace("-", "_")),
            p=p,
            quota_by=quota,
            quota=cast("Quota", quota_rule.replace("-", "_")),
            include=_names_from(include, include_file),
            exclude=_names_from(exclude, exclude_file),
            epsilon=epsilon,
            runs=runs,
            seed=seed,
            progress=say,
        )
        table = Table("#", "champion", "department", "level", "adds (people)", "why")
        for r in plan.champions().itertuples():
            dept, level = _text(r.department), _level(r.level)
            table.add_row(str(r.rank), r.label, dept, level, f"{r.gain:,.1f}", r.reason)
        out.print(table)
        n = plan.summary["people"]
        compare = Table("strategy", "people reached", "95% interval", "share", "untouched")
        for _, r in plan.strategies().iterrows():
            compare.add_row(
                str(r["what"]),
                f"{r['reach']:,.0f}",
                f"{r['low']:,.0f}-{r['high']:,.0f}",
                f"{r['reach'] / n:.1%}",
                ", ".join(r["untouched"]) or "-",
            )
        out.print(compare)
        enough = ", ".join(
            f"{row.share_seeded:.0%} seeded ({row.k}) reach {row.share_reached:.0%}"
            for row in plan.reach_by_k().itertuples()
        )
        out.print(f"plan {plan.plan_id} (run {plan.run_id}); how many are enough: {enough}")


@app.command()
@reports_errors
def adoption(
    workspace: WorkspaceArg,
    behaviour: Annotated[str, typer.Argument(help="The behaviour, as in the adoptions file.")],
    plan: Annotated[int | None, typer.Option(help="Plan id (default: the latest).")] = None,
    until: Annotated[
        str | None, typer.Option(help="Count adoptions up to this date (ISO).")
    ] = None,
) -> None:
    """How a change really spread, against the champion plan's forecast."""
    with gs.open(workspace) as ws:
        rep = ws.adoption(behaviour, plan_id=plan, until=until)
    out.print(rep.verdict())
    table = Table("department", "people", "adopted", "forecast", "")
    for r in rep.departments.itertuples():
        table.add_row(
            str(r.group),
            f"{r.size:,}",
            f"{r.adopted:,} ({r.rate:.0%})",
            "-" if r.forecast != r.forecast else f"{r.forecast:,.0f} ({r.forecast_rate:.0%})",
            "stalled" if r.stalled else "",
        )
    out.print(table)
    if len(rep.bridges):
        out.print("bridges never crossed (ties from adopters into departments with none):")
        for r in rep.bridges.head(10).itertuples():
            out.print(f"  {r.from_group} -> {r.to_group}: {r.ties:,} ties")
    champs = Table("champion", "adopted", "contacts", "contacts who adopted")
    for r in rep.champions.itertuples():
        champs.add_row(
            r.label,
            "yes" if r.adopted else "no",
            f"{r.contacts:,}",
            "-" if r.rate != r.rate else f"{r.contacts_adopted:,} ({r.rate:.0%})",
        )
    out.print(champs)
    out.print(
        f"people neither a champion nor a champion's contact adopted at {rep.baseline_rate:.0%}"
        + (f"; {rep.outside:,} adopters have no tie in the run" if rep.outside else "")
    )


@app.command()
@reports_errors
def report(
    workspace: WorkspaceArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest).")] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print it to a PDF beside it (needs Chromium).")
    ] = False,
) -> None:
    """Write the self-contained HTML report of a run (and, with --pdf, a PDF of it)."""
    if output.suffix.lower() == ".pdf":
        # the HTML would be written into the .pdf and then printed over itself
        raise ParameterError(
            "--output", "the HTML file (with --pdf the PDF goes beside it)", output
        )
    with gs.open(workspace) as ws:
        path = ws.report(output, run_id=run, pdf=Path(output).with_suffix(".pdf") if pdf else None)
    out.print(str(path))
    if pdf:
        out.print(str(path.with_suffix(".pdf")))


@app.command()
@reports_errors
def runs(workspace: WorkspaceArg, format: FormatOpt = Format.table) -> None:
    """List the stored runs (warnings about incomplete ones on stderr)."""
    from groundswell.run import incomplete_runs

    with gs.open(workspace) as ws:
        df = ws.runs()
        for message in incomplete_runs(ws)["message"]:
            warn(message)

    def rich_table() -> Table:
        table = Table("run", "created", "window", "people", "ties", "communities")
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


@app.command()
@reports_errors
def sources(workspace: WorkspaceArg, format: FormatOpt = Format.table) -> None:
    """List what was ingested, when and with which options."""
    with gs.open(workspace) as ws:
        df = ws.sources()

    def rich_table() -> Table:
        table = Table(
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


@app.command()
@reports_errors
def synth(
    folder: Annotated[Path, typer.Argument(help="Where to write hris.csv, events and truth.")],
    people: Annotated[int, typer.Option(help="Number of people (50 to 100,000).")] = 1000,
    weeks: Annotated[int, typer.Option(help="Weeks of events.")] = 13,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    format: Annotated[str, typer.Option(help="Events file format: parquet or csv.")] = "parquet",
) -> None:
    """Write a synthetic organisation in the formats users bring."""
    from groundswell import synth as synth_mod

    try:
        org = synth_mod.generate(people, seed=seed, weeks=weeks)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    for name, path in org.write(folder, events_format=format).items():
        out.print(f"{name}: {path}")


@app.command()
@reports_errors
def demo(
    folder: Annotated[Path, typer.Option(help="Folder for the demo workspace and report.")] = Path(
        "demo"
    ),
    people: Annotated[int, typer.Option(help="Size of the synthetic organisation.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    quiet: QuietOpt = False,
) -> None:
    """Generate the synthetic organisation, ingest, analyse, and write demo/report.html."""
    from groundswell.demo import run_demo

    path = run_demo(
        folder,
        n_people=people,
        seed=seed,
        progress=not quiet,
        say=(lambda s: None) if quiet else out.print,
    )
    out.print(str(path))


#: the panels of ``groundswell --help``, in the order a user meets them, and their commands
PANELS: dict[str, tuple[str, ...]] = {
    "Set up": ("init", "user", "synth", "demo"),
    "Ingest": ("ingest", "sources", "export-lake"),
    "Analyse": ("analyze", "runs", "ties"),
    "Explore": (
        "people", "groups", "shadow", "gap", "report", "value", "qa", "leaders",
        "community-health", "timeline", "onboarding", "compare-dates",
    ),
    "Change": ("champions", "adoption"),
    "Survey": ("survey",),
    "Serve": ("serve",),
}  # fmt: skip


def _command_name(info: Any) -> str:
    name = info.name or info.callback.__name__
    return str(name).replace("_", "-")


def _group_help() -> None:
    """Put every command and command group in its panel; one not listed goes to "Explore"."""
    panel_of = {name: panel for panel, names in PANELS.items() for name in names}
    for info in app.registered_commands:
        info.rich_help_panel = panel_of.get(_command_name(info), "Explore")
    for group in app.registered_groups:
        group.rich_help_panel = panel_of.get(str(group.name), "Explore")


_group_help()


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
