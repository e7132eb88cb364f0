"""The "Explore" panel, over a stored run: ``people``, ``groups``, ``shadow``, ``gap``,
``report`` and ``export`` (the value commands of the panel are in :mod:`groundswell.cli.value`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import groundswell as gs
from groundswell.cli.shared import (
    WorkspaceArg,
    is_missing,
    level_cell,
    new_table,
    number_cell,
    out,
    text_cell,
)
from groundswell.console import Format, FormatOpt, emit, reports_errors
from groundswell.errors import ParameterError

if TYPE_CHECKING:
    from rich.table import Table

commands = typer.Typer()

#: the HR attributes groups are formed by (groups --by)
GROUP_ATTRIBUTES = ("department", "team", "location")


@commands.command()
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
    with gs.open(workspace, read_only=True) as ws:
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
        shown = new_table("person", "department", "level", sort, "persona", "roles")
        for pid, r in table.head(top).iterrows():
            name = r["display_name"] if isinstance(r["display_name"], str) else pid
            shown.add_row(
                name,
                _outside(r) or text_cell(r["department"]),
                level_cell(r["level"]),
                number_cell(r[sort], ".4g"),
                text_cell(r["persona"]),
                text_cell(r["roles"]),
            )
        return shown

    emit(table.head(top), format, rich_table, index="person_id")


def _outside(r: Any) -> str:
    """How the people table marks a person outside the organisation: "(external)", with
    their relation when a source said it ("(external: customer)"); '' for an insider."""
    if not bool(r.get("external", False)):
        return ""
    rel = r.get("relation")
    return f"(external: {rel})" if isinstance(rel, str) and rel else "(external)"


@commands.command()
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
    from groundswell.privacy import SUPPRESSED

    with gs.open(workspace, read_only=True) as ws:
        table = ws.run(run).groups(by)
    min_size = ws.settings.min_group_size
    # a suppressed group never shows its size, not even as "<5" (Run.groups leaves it
    # missing; a size below the minimum is refused here too, whatever the table holds)
    sizes = table["size"].astype("float64")  # NA -> NaN
    table["size"] = sizes.where(sizes >= min_size)

    def rich_table() -> Table:
        shown = new_table(by, "people", "E-I", "inside", "baseline E-I", "silo")
        for name, r in table.iterrows():
            size = SUPPRESSED if is_missing(r["size"]) else f"{int(r['size']):,}"
            cells = [
                "–" if v != v else f"{v:.2f}"
                for v in (r["ei"], r["inside_share"], r["baseline_ei"])
            ]
            silo = "" if is_missing(r["silo"]) or not r["silo"] else "silo"
            shown.add_row(str(name), size, *cells, silo)
        return shown

    emit(table, format, rich_table, index=by)


@commands.command()
@reports_errors
def shadow(
    workspace: WorkspaceArg,
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest).")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """The shadow organisation of a run: hidden influencers, informal leaders, bottleneck
    managers, key people, managers far from their team, with the evidence (Run.shadow)."""
    with gs.open(workspace, read_only=True) as ws:
        table = ws.run(run).shadow()

    def rich_table() -> Table:
        shown = new_table("finding", "rank", "person", "department", "level", "evidence")
        for r in table.itertuples():
            name = r.display_name if isinstance(r.display_name, str) else r.person_id
            level = level_cell(r.level)
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


@commands.command()
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
        shown = new_table("person", "department", "PageRank percentile", "nominated", "verdict")
        for pid, r in table.iterrows():
            name = r["display_name"] if isinstance(r["display_name"], str) else pid
            pct = "not in the network" if is_missing(r["percentile"]) else f"{r['percentile']:.0%}"
            shown.add_row(
                name, text_cell(r["department"]), pct, "yes" if r["nominated"] else "", r["verdict"]
            )
        counts = table["verdict"].value_counts()
        verdicts = ("confirmed", "unsupported", "unseen")
        return [shown, ", ".join(f"{counts.get(v, 0)} {v}" for v in verdicts)]

    emit(table, format, rich_table, index="person_id")


@commands.command()
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
    reveal: Annotated[
        bool,
        typer.Option(
            "--reveal",
            help="Name people (needs the workspace key; marked as personal data; logged).",
        ),
    ] = False,
    paper: Annotated[str, typer.Option(help="Paper of the PDF: a4 or letter.")] = "a4",
) -> None:
    """Write the self-contained HTML report of a run (and, with --pdf, a PDF of it); with
    --reveal an identified report for the key holder."""
    if output.suffix.lower() == ".pdf":
        # the HTML would be written into the .pdf and then printed over itself
        raise ParameterError(
            "--output", "the HTML file (with --pdf the PDF goes beside it)", output
        )
    if paper not in ("a4", "letter"):
        raise ParameterError("--paper", "a4 or letter", paper)
    with gs.open(workspace) as ws:
        path = ws.report(
            output,
            run_id=run,
            pdf=Path(output).with_suffix(".pdf") if pdf else None,
            reveal=reveal,
            paper=paper,
            progress=True,
        )
    out.print(str(path))
    if pdf:
        out.print(str(path.with_suffix(".pdf")))


@commands.command("export")
@reports_errors
def export_cmd(
    workspace: WorkspaceArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="The file (gexf, graphml, json) or folder (parquet, csv) to write "
            "(default: WORKSPACE-runN.FORMAT in the current folder).",
        ),
    ] = None,
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest).")] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="gexf (Gephi), graphml (igraph, Cytoscape), json (node-link), parquet or csv "
            "(a folder of nodes and edges); default: from the --output suffix, else gexf.",
        ),
    ] = None,
    reveal: Annotated[
        bool,
        typer.Option(
            "--reveal",
            help="Label people by name (needs the workspace key; logged, as the report).",
        ),
    ] = False,
) -> None:
    """Export a run's network with every node and edge attribute, for Gephi, NetworkX,
    igraph or a BI tool (pseudonymous; small groups suppressed)."""
    from groundswell.export import format_for

    fmt = format_for(output or "", format or (None if output else "gexf"), name="--format")
    with gs.open(workspace) as ws:
        the_run = ws.run(run)
        if output is None:
            tail = f"-{fmt}" if fmt in ("parquet", "csv") else f".{fmt}"  # a folder, a file
            output = Path(f"{Path(workspace).name}-run{the_run.run_id}{tail}")
        path = the_run.export(output, fmt, reveal=reveal)
    out.print(str(path))


@commands.command()
@reports_errors
def whois(
    workspace: WorkspaceArg,
    who: Annotated[list[str], typer.Argument(help="Pseudonyms (p_…), HR ids, emails or names.")],
    format: FormatOpt = Format.table,
) -> None:
    """Who a pseudonym is, and whose pseudonym an HR id, email or name is: pseudonym, HR
    id, email and name of each. Needs the workspace key; every look-up is logged (audit)."""
    from groundswell import identity

    with gs.open(workspace) as ws:
        table = identity.whois(ws, who)

    def rich_table() -> Table:
        shown = new_table("asked", "pseudonym", "HR id", "email", "name")
        for r in table.itertuples():
            shown.add_row(*(text_cell(v) for v in (r.query, r.person_id, r.hr_id, r.email, r.name)))
        return shown

    emit(table, format, rich_table)


@commands.command()
@reports_errors
def audit(workspace: WorkspaceArg, format: FormatOpt = Format.table) -> None:
    """The audit log of the workspace: every reveal of who a pseudonym is (whois, report
    --reveal, the dashboard's names switch), when, by whom, of whom."""
    import pandas as pd

    from groundswell import identity

    with gs.open(workspace) as ws:
        table = identity.reveals(ws)

    def rich_table() -> list[Any]:
        shown = new_table("when (UTC)", "who", "what", "of whom", "detail")
        for r in table.itertuples():
            whom = "everyone" if not r.subjects else ", ".join(r.subjects)
            when = pd.Timestamp(r.revealed_at).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")
            shown.add_row(when, r.actor, r.action, whom, text_cell(r.detail))
        return [shown, f"{len(table):,} reveal{'s' if len(table) != 1 else ''}"]

    emit(table, format, rich_table)
