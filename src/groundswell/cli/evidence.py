"""Results beside the network: ``outcomes`` (what the organisation measures, against network
position) and ``benchmark export`` / ``benchmark compare`` (the organisation against anonymous
profiles of others, or of its own past). Thin commands over :meth:`groundswell.run.Run.outcomes`
and :mod:`groundswell.benchmark`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import groundswell as gs
from groundswell.cli.shared import RunOpt, WorkspaceArg, new_table, out
from groundswell.console import Format, FormatOpt, emit, emit_parts, reports_errors

if TYPE_CHECKING:
    from rich.table import Table

commands = typer.Typer()
benchmark_app = typer.Typer(help="Anonymous profiles: export this organisation's, compare.")
commands.add_typer(benchmark_app, name="benchmark")


def _num(v: Any, spec: str = "+.2f") -> str:
    import math

    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


@commands.command()
@reports_errors
def outcomes(
    workspace: WorkspaceArg,
    run: RunOpt = None,
    deviants: Annotated[
        bool, typer.Option("--deviants", help="List the positive deviants by results instead.")
    ] = False,
    format: FormatOpt = Format.table,
) -> None:
    """Outcomes against network position: Spearman rho with 95% intervals, within peers of
    the same department and level, Benjamini-Hochberg q, n; or (--deviants) the people whose
    results beat their peers' (docs/outcomes.md)."""
    with gs.open(workspace, read_only=True) as ws:
        found = ws.run(run).outcomes()
    if deviants:

        def deviant_table() -> Table:
            shown = new_table("outcome", "person", "value", "peer median", "robust z", "peers")
            for r in found.deviants.itertuples():
                shown.add_row(
                    r.outcome,
                    r.person_id,
                    _num(r.value, ",.3g"),
                    _num(r.peer_median, ",.3g"),
                    _num(r.z, ".1f"),
                    str(r.peers),
                )
            return shown

        emit(found.deviants, format, deviant_table)
        return

    def link_table() -> list[Any]:
        if found.links.empty:
            return ["No outcome results in this run: ingest outcomes (groundswell ingest "
                    "outcomes WS FILE), then analyze."]  # fmt: skip
        shown = new_table("outcome", "network measure", "scope", "n", "rho", "95% interval", "q")
        for r in found.links.itertuples():
            shown.add_row(
                r.outcome,
                r.measure,
                r.scope,
                str(r.n),
                _num(r.rho),
                f"{_num(r.ci_low)} to {_num(r.ci_high)}",
                _num(r.q, ".3f"),
            )
        return [shown, *found.lines]

    emit_parts(
        {"links": found.links, "deviants": found.deviants, "reading": found.lines},
        format,
        link_table,
        csv="links",
    )


@benchmark_app.command("export")
@reports_errors
def benchmark_export(
    workspace: WorkspaceArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The profile file (default: stdout).")
    ] = None,
    label: Annotated[
        str | None, typer.Option(help="A name for the profile (no person's name).")
    ] = None,
    run: RunOpt = None,
) -> None:
    """Write this organisation's anonymous profile (JSON): persona mix, reciprocity, response
    rate, E-I by level, maturity distribution, group sizes at or above the minimum; no
    identifier (docs/benchmarks.md)."""
    import json

    from groundswell import benchmark

    with gs.open(workspace, read_only=True) as ws:
        profile = benchmark.export(ws.run(run), label=label)
    text = json.dumps(profile, indent=2, sort_keys=True)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n")
        out.print(f"profile written to {output}")


@benchmark_app.command("compare")
@reports_errors
def benchmark_compare(
    workspace: WorkspaceArg,
    profiles: Annotated[
        list[str] | None,
        typer.Argument(
            help="Profile files (JSON) of other organisations or of this one's past; "
            "default: the synthetic examples shipped with groundswell."
        ),
    ] = None,
    run: RunOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Set this organisation's profile against others' (or its own past ones): each figure,
    where it falls among them, and what that means (docs/benchmarks.md)."""
    from groundswell import benchmark

    with gs.open(workspace, read_only=True) as ws:
        mine = benchmark.export(ws.run(run))
    others = benchmark.load_profiles(profiles or None)
    table = benchmark.compare(mine, others)

    def rich_table() -> list[Any]:
        shown = new_table("figure", "this organisation", *[p["label"] for p in others])
        for r in table.itertuples():
            shown.add_row(r.figure, _num(r.value, ".2f"), *[_num(v, ".2f") for v in r.others])
        return [shown, *benchmark.reading(table, others)]

    shown = table.assign(others=table["others"].map(list))
    emit(shown, format, rich_table)
