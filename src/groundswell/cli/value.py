"""The value commands of the "Explore" panel: thin shells over :mod:`groundswell.value`
(docs/value.md).

``commands`` holds them for the main app; :func:`register` adds them to any Typer app, and
``app`` holds them on their own for tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import groundswell as gs
from groundswell.cli.shared import new_table
from groundswell.console import Format, FormatOpt, emit, emit_parts, reports_errors
from groundswell.console import print_rich as _print
from groundswell.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

WorkspaceArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
RunOpt = Annotated[int | None, typer.Option(help="Run id (default: the latest).")]
WindowOpt = Annotated[
    str | None,
    typer.Option(help="START:END (END inclusive); default: the run's window."),
]
CsvOpt = Annotated[Path | None, typer.Option(help="Write the whole table to this CSV file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def _table(df: pd.DataFrame, title: str | None = None, index: str | None = None) -> Table:
    cols = ([index] if index else []) + [str(c) for c in df.columns]
    t = new_table(*cols, title=title)
    for key, row in df.iterrows():
        t.add_row(*([str(key)] if index else []), *[_fmt(v) for v in row.to_list()])
    return t


def pd_concat(parts: list[pd.DataFrame], like: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``parts`` as one frame (an empty one shaped as ``like`` when none)."""
    import pandas as pd

    return pd.concat(parts, ignore_index=True) if parts else like.iloc[:0]


def _run(ws: gs.Workspace, run: int | None) -> Any:
    from groundswell.value.queries import latest_run

    return ws.run(run) if run is not None else latest_run(ws)


def value(
    workspace: WorkspaceArg,
    run: RunOpt = None,
    window: WindowOpt = None,
    scale: Annotated[
        list[str] | None,
        typer.Option(help="Scales to show (repeat): department, team, community, channel, person."),
    ] = None,
    top: Annotated[int, typer.Option(help="Rows to show per scale.")] = 15,
    csv: CsvOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Value maturity (connect, share, solve, innovate, lead change) of the network, each
    group and each person; stored with the run when it is the run's window."""
    from groundswell.value import compute
    from groundswell.value import maturity as mod

    with gs.open(workspace) as ws:
        r = _run(ws, run)
        table = compute.maturity(ws, run=r, window=window)
        if r is not None and window is None:
            compute.store_maturity(ws, r.run_id, table)
    if csv:
        table.to_csv(csv, index=False)
        _print(f"{len(table):,} rows written to {csv}")
        return
    cols = ["group", "size", *mod.STAGES, "stage"]
    scales = ["network", *(scale or ["department", "team", "community", "channel"])]
    for sc in scales:
        if sc not in mod.SCALES:
            raise ParameterError("--scale", f"one of {', '.join(mod.SCALES)}", sc)
    parts = [table[table["scale"] == sc].head(top) for sc in scales]
    shown = pd_concat(parts, table)

    def tables() -> list[Any]:
        window, thresholds = table.attrs["window"], table.attrs["thresholds"]
        # a stage none of whose indicators had data is not measured, and has no line
        gone = mod.unmeasured(table.attrs.get("available", {}))
        lines = ", ".join(
            f"{k.replace('_', ' ')} {v:.2f}" if k not in gone else
            f"{k.replace('_', ' ')} not measured"
            for k, v in thresholds.items()
        )  # fmt: skip
        basis = table.attrs.get("basis", {}).get("text", "")
        made: list[Any] = [
            f"value maturity, window {window} (lines: {lines}; {basis})".replace("; )", ")")
        ]
        if "connect" in gone:
            made.append(
                "The stages could not be measured: connect is measured on "
                f"{mod.NEEDS['connect']}, and the window holds none; no one is placed on a stage."
            )
        for sc, part in zip(scales, parts, strict=True):
            if len(part):
                made.append(_table(part[cols].set_index("group"), title=sc, index=sc))
        return made

    emit(shown, format, tables)


def qa(
    workspace: WorkspaceArg,
    run: RunOpt = None,
    window: WindowOpt = None,
    leaders: Annotated[
        Path | None, typer.Option(help="Leaders file (CSV/Parquet) for the Q&A sessions.")
    ] = None,
    csv: Annotated[Path | None, typer.Option(help="Write every question to this CSV.")] = None,
    json_: JsonOpt = False,
    format: FormatOpt = Format.table,
) -> None:
    """Questions and answers: response rate, time to first answer, who answers whom across
    departments, busiest Q&A channels, and leaders' Q&A sessions."""
    from groundswell.value import compute as mod

    with gs.open(workspace) as ws:
        ids = mod.read_leaders(ws, leaders) if leaders else None
        rep = mod.qa(ws, run=_run(ws, run), window=window, leaders_ids=ids)
    if csv:
        rep.questions.to_csv(csv, index=False)
        _print(f"{len(rep.questions):,} questions written to {csv}")
        return
    if json_:
        typer.echo(json.dumps(rep.summary, default=str))
        return

    def tables() -> list[Any]:
        summary = ", ".join(f"{k} {_fmt(v)}" for k, v in rep.summary.items())
        made: list[Any] = [f"questions in {rep.window}: {summary}"]
        made.append(_table(rep.channels.head(15).set_index("channel"), "Q&A by channel", "channel"))
        if len(rep.boundaries):
            title = "answers: asker's department (rows) x answerer's"
            made.append(_table(rep.boundaries, title, "asker"))
        if len(rep.sessions):
            made.append(_table(rep.sessions.set_index("leader"), "leader Q&A sessions", "leader"))
        return made

    parts = {
        "window": rep.window,
        "summary": rep.summary,
        "channels": rep.channels,
        "boundaries": rep.boundaries,
        "sessions": rep.sessions,
    }
    emit_parts(parts, format, tables, csv="channels", index={"boundaries": "asker"})


def leaders(
    workspace: WorkspaceArg,
    file: Annotated[
        Path,
        typer.Argument(
            help="Leaders: a CSV, a column person (or the first) of HR ids, emails or chat ids."
        ),
    ],
    run: RunOpt = None,
    window: WindowOpt = None,
    csv: CsvOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Connected leadership: reach, reciprocity, responsiveness and working in the open of
    each leader against the organisation (responsive / absent verdicts)."""
    from groundswell.value import compute as mod

    with gs.open(workspace) as ws:
        table = mod.leaders(ws, file, run=_run(ws, run), window=window)
    if csv:
        table.to_csv(csv)
        _print(f"{len(table) - 1:,} leaders written to {csv}")
        return
    cols = [
        "contacts", "two_step_reach", "reciprocity", "responsiveness", "response_hours",
        "open_share", "open_answers", "answer_minutes", "verdict",
    ]  # fmt: skip
    title = f"leaders, window {table.attrs['window']}"
    emit(table[cols], format, lambda: _table(table[cols], title, "leader"), index="leader")


def community_health(
    workspace: WorkspaceArg,
    run: RunOpt = None,
    window: WindowOpt = None,
    stagnating: Annotated[bool, typer.Option(help="Only the stagnating ones.")] = False,
    top: Annotated[int, typer.Option(help="Rows to show.")] = 30,
    csv: CsvOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Health of every community and channel: kind, size, activity, responsiveness,
    insularity, renewal, trend, and the stagnating ones."""
    from groundswell.value import compute as mod

    with gs.open(workspace) as ws:
        table = mod.health(ws, run=_run(ws, run), window=window)
    if stagnating:
        table = table[table["stagnating"].fillna(False).astype(bool)]
    if csv:
        table.to_csv(csv, index=False)
        _print(f"{len(table):,} rows written to {csv}")
        return
    cols = [
        "unit", "kind", "size", "activity", "responsiveness", "excess_insularity",
        "newcomer_share", "retention", "trend", "stagnating",
    ]  # fmt: skip
    shown = table.set_index("name").head(top)
    title = f"community health, {table.attrs['window']}"
    emit(shown, format, lambda: _table(shown[cols], title, "name"), index="name")


def timeline(
    workspace: WorkspaceArg,
    period: Annotated[str, typer.Option(help="week, month or quarter.")] = "month",
    full: Annotated[bool, typer.Option(help="Recompute every period, changed or not.")] = False,
    changes: Annotated[
        bool, typer.Option(help="Also list who changed persona or roles in the last period.")
    ] = False,
    csv: Annotated[Path | None, typer.Option(help="Write the time series to this CSV.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    format: FormatOpt = Format.table,
) -> None:
    """Snapshots per period, brought up to date incrementally; every headline measure as a
    time series."""
    from groundswell.value import timeline as mod

    with gs.open(workspace) as ws:
        done = mod.snapshots(ws, period, full=full, progress=not quiet)
        table = mod.series(ws, period)
        moved = mod.changes(ws, period) if changes and len(table) >= 2 else None
    done_line = (
        f"{done.periods} {period}s: {len(done.computed)} computed, {done.skipped} unchanged, "
        f"{done.removed} removed ({done.seconds:.1f} s)"
    )
    if Format(format) is not Format.table:  # stdout holds the data alone
        typer.echo(done_line, err=True)
    else:
        _print(done_line)
    if csv:
        table.to_csv(csv)
        _print(f"{len(table):,} periods written to {csv}")
        if moved is None:
            return
    shown = table.copy()
    shown.index = shown.index.strftime("%Y-%m-%d")

    def tables() -> list[Any]:
        made: list[Any] = (
            [] if csv else [_table(shown.T, f"{period}ly headline measures", "measure")]
        )
        if moved is not None:
            title = (
                f"changed {moved.attrs['before']} -> {moved.attrs['after']} ({len(moved)} people)"
            )
            made.append(_table(moved.head(30), title, "person"))
        return made

    parts: dict[str, Any] = {"series": shown}
    if moved is not None:
        parts["changes"] = moved
    emit_parts(parts, format, tables, csv="series", index={"series": "period", "changes": "person"})


def onboarding(
    workspace: WorkspaceArg,
    ties: Annotated[
        int | None, typer.Option(help="Ties to count days to (default: value.onboarding_ties).")
    ] = None,
    csv: Annotated[Path | None, typer.Option(help="Write every newcomer to this CSV.")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """How fast newcomers connect after their hire date, by department."""
    from groundswell.value import timeline as mod

    with gs.open(workspace) as ws:
        table = mod.onboarding(ws, ties=ties)
        summary = mod.onboarding_summary(table, ws.settings.min_group_size)
    if csv:
        table.to_csv(csv)
        _print(f"{len(table):,} newcomers written to {csv}")
        return
    title = f"newcomers: days to {table.attrs['k']} ties, ties after 30/60/90 days"
    emit(summary, format, lambda: _table(summary, title, "department"), index="department")


def compare_dates(
    workspace: WorkspaceArg,
    at: Annotated[str, typer.Option(help="The date: a reorganisation, a launch (YYYY-MM-DD).")],
    days: Annotated[
        int | None, typer.Option(help="Days on each side (default: ties.window_days).")
    ] = None,
    json_: JsonOpt = False,
    format: FormatOpt = Format.table,
) -> None:
    """The network before and after a date, side by side."""
    from groundswell.value import timeline as mod

    with gs.open(workspace) as ws:
        c = mod.compare_dates(ws, at, days=days)
    if json_ or Format(format) is Format.json:
        typer.echo(json.dumps(mod.as_dict(c), default=str))
        return

    def tables() -> list[Any]:
        return [
            _table(c.headline, f"before {c.before} | after {c.after}", "measure"),
            _table(c.departments, "ties kept inside each department", "department"),
        ]

    emit(c.headline, format, tables, index="metric")


#: command name -> function, in the order the help lists them
COMMANDS: dict[str, Callable[..., None]] = {
    "value": value,
    "qa": qa,
    "leaders": leaders,
    "community-health": community_health,
    "timeline": timeline,
    "onboarding": onboarding,
    "compare-dates": compare_dates,
}


def register(target: typer.Typer) -> None:
    """Add the value commands to a Typer app (the main ``groundswell`` CLI)."""
    for name, fn in COMMANDS.items():
        target.command(name)(reports_errors(fn))


commands = typer.Typer()
register(commands)
app = typer.Typer(help="Value, questions, communities and change over time.", no_args_is_help=True)
register(app)
