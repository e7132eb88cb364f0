"""The "Change" panel: ``champions`` (a stored plan) and ``adoption`` (how the change
really spread, against the plan)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

import groundswell as gs
from groundswell.cli.shared import QuietOpt, WorkspaceArg, level_cell, new_table, text_cell
from groundswell.config import read_utf8
from groundswell.console import Format, FormatOpt, emit_parts, reports_errors
from groundswell.errors import ConfigError

if TYPE_CHECKING:
    from groundswell.diffusion.imm import Quota
    from groundswell.diffusion.models import Model, Rule

commands = typer.Typer()


def _names_from(values: list[str] | None, file: Path | None) -> list[str]:
    """Identifiers given one by one and/or in a file (one per line, or a CSV's first column)."""
    names = list(values or [])
    if file is not None:
        if not file.is_file():
            raise ConfigError(f"{file}: no such file")
        expected = "expected one identifier a line (or a CSV's first column), saved as UTF-8"
        text = read_utf8(file, expected)
        lines = [ln.split(",")[0].strip() for ln in text.splitlines()]
        names += [ln for ln in lines if ln and not ln.startswith("#")]
    return names


@commands.command()
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
    format: FormatOpt = Format.table,
) -> None:
    """Choose change champions who carry a new way of working furthest; compare with the
    usual picks (top of the hierarchy, most connected, random); the plan is stored."""
    from rich.console import Console

    from groundswell import identity

    err = Console(stderr=True)
    say = None if quiet else (lambda line: err.print(f"[dim]{line}[/dim]"))
    # reads beside the dashboard; the exclusive turn only to store the plan (seconds)
    with gs.open(workspace, read_only=True) as ws:
        plan = ws.champions(  # the plan checks the words and names what is allowed
            run_id=run,
            k=k,
            model=cast("Model", model),
            rule=cast("Rule", probability.replace("-", "_")),
            p=p,
            quota_by=quota,
            quota=cast("Quota", quota_rule.replace("-", "_")),
            # a pseudonym, HR id, email or name: the one resolver (groundswell.identity)
            include=identity.resolve_many(ws, _names_from(include, include_file)),
            exclude=identity.resolve_many(ws, _names_from(exclude, exclude_file)),
            epsilon=epsilon,
            runs=runs,
            seed=seed,
            progress=say,
        )
        chosen, strategies, by_k = plan.champions(), plan.strategies(), plan.reach_by_k()
    n = plan.summary["people"]

    def tables() -> list[Any]:
        table = new_table("#", "champion", "department", "level", "adds (people)", "why")
        for r in chosen.itertuples():
            dept, level = text_cell(r.department), level_cell(r.level)
            table.add_row(str(r.rank), r.label, dept, level, f"{r.gain:,.1f}", r.reason)
        compare = new_table("strategy", "people reached", "95% interval", "share", "untouched")
        for _, r in strategies.iterrows():
            compare.add_row(
                str(r["what"]),
                f"{r['reach']:,.0f}",
                f"{r['low']:,.0f}-{r['high']:,.0f}",
                f"{r['reach'] / n:.1%}",
                ", ".join(r["untouched"]) or "-",
            )
        enough = ", ".join(
            f"{row.share_seeded:.0%} seeded ({row.k}) reach {row.share_reached:.0%}"
            for row in by_k.itertuples()
        )
        return [
            table,
            compare,
            f"plan {plan.plan_id} (run {plan.run_id}); how many are enough: {enough}",
        ]

    parts = {
        "plan_id": plan.plan_id,
        "run_id": plan.run_id,
        "champions": chosen,
        "strategies": strategies,
        "reach_by_k": by_k,
    }
    emit_parts(parts, format, tables, csv="champions", index={"strategies": "strategy"})


@commands.command()
@reports_errors
def adoption(
    workspace: WorkspaceArg,
    behaviour: Annotated[str, typer.Argument(help="The behaviour, as in the adoptions file.")],
    plan: Annotated[int | None, typer.Option(help="Plan id (default: the latest).")] = None,
    until: Annotated[
        str | None, typer.Option(help="Count adoptions up to this date (ISO).")
    ] = None,
    format: FormatOpt = Format.table,
) -> None:
    """How a change really spread, against the champion plan's forecast."""
    with gs.open(workspace) as ws:
        rep = ws.adoption(behaviour, plan_id=plan, until=until)

    def tables() -> list[Any]:
        made: list[Any] = [rep.verdict()]
        table = new_table("department", "people", "adopted", "forecast", "")
        for r in rep.departments.itertuples():
            table.add_row(
                str(r.group),
                f"{r.size:,}",
                f"{r.adopted:,} ({r.rate:.0%})",
                "-" if r.forecast != r.forecast else f"{r.forecast:,.0f} ({r.forecast_rate:.0%})",
                "stalled" if r.stalled else "",
            )
        made.append(table)
        if len(rep.bridges):
            made.append("bridges never crossed (ties from adopters into departments with none):")
            for r in rep.bridges.head(10).itertuples():
                made.append(f"  {r.from_group} -> {r.to_group}: {r.ties:,} ties")
        champs = new_table("champion", "adopted", "contacts", "contacts who adopted")
        for r in rep.champions.itertuples():
            champs.add_row(
                r.label,
                "yes" if r.adopted else "no",
                f"{r.contacts:,}",
                "-" if r.rate != r.rate else f"{r.contacts_adopted:,} ({r.rate:.0%})",
            )
        made.append(champs)
        made.append(
            f"people neither a champion nor a champion's contact adopted at "
            f"{rep.baseline_rate:.0%}"
            + (f"; {rep.outside:,} adopters have no tie in the run" if rep.outside else "")
        )
        return made

    parts = {
        "verdict": rep.verdict(),
        "plan_id": rep.plan_id,
        "behaviour": rep.behaviour,
        "people": rep.people,
        "adopted": rep.adopted,
        "outside": rep.outside,
        "baseline_rate": rep.baseline_rate,
        "departments": rep.departments,
        "bridges": rep.bridges,
        "champions": rep.champions,
    }
    emit_parts(parts, format, tables, csv="departments")


@commands.command()
@reports_errors
def traction(
    workspace: WorkspaceArg,
    initiative: Annotated[str, typer.Argument(help="The initiative's name.")],
    channel: Annotated[
        list[str] | None,
        typer.Option(help="A channel of the initiative: name, pattern (proj-*) or id (repeat)."),
    ] = None,
    keyword: Annotated[
        list[str] | None,
        typer.Option(help="A hashtag or word in channel names (and text, if stored) (repeat)."),
    ] = None,
    meeting: Annotated[
        list[str] | None,
        typer.Option(help="A meeting series: its id or its identifier in the source (repeat)."),
    ] = None,
    behaviour: Annotated[
        str | None, typer.Option(help="An adoption behaviour, as in the adoptions file.")
    ] = None,
    period: Annotated[str | None, typer.Option(help="week or month (default: week).")] = None,
    by: Annotated[
        str | None, typer.Option(help="Groups counted: department (default), team, location.")
    ] = None,
    run: Annotated[int | None, typer.Option(help="Run id for roles (default: the latest).")] = None,
    plan: Annotated[
        int | None, typer.Option(help="Champion plan to compare with (default: the latest).")
    ] = None,
    format: FormatOpt = Format.table,
) -> None:
    """An initiative's traction period by period: groups and influencers reached, quality of
    the interaction, traction = reach x quality; the definition and result are stored."""
    with gs.open(workspace) as ws:
        got = ws.traction(
            initiative, channels=channel or (), keywords=keyword or (), meetings=meeting or (),
            behaviour=behaviour, period=period, by=by, run_id=run, plan_id=plan,
        )  # fmt: skip
    periods, status = got.periods, got.status()

    def num(v: Any, spec: str = ".2f") -> str:
        return "-" if v is None or v != v else format_(v, spec)

    def tables() -> list[Any]:
        table = new_table(
            "period", "people", "new", "groups", "influencers", "replies", "two-way",
            "cross", "quality", "traction",
        )  # fmt: skip
        for r in periods.itertuples():
            table.add_row(
                str(r.period_start), f"{r.participants:,}", f"{r.new_participants:,}",
                f"{r.groups_reached}", f"{r.influencers}", num(r.replies, ".0%"),
                num(r.two_way, ".0%"), num(r.cross_boundary, ".0%"), num(r.quality),
                num(r.traction, ".1f"),
            )  # fmt: skip
        groups = new_table("group", "people", "took part", "share", "forecast", "status")
        for r in status.itertuples():
            fc = getattr(r, "forecast_share", None)
            groups.add_row(
                r.group, f"{r.size:,}", f"{r.participants:,}", f"{r.share:.0%}",
                num(fc, ".0%"), r.status,
            )  # fmt: skip
        return [got.reading, table, groups, got.summary["index"]]

    parts = {
        "initiative": got.name,
        "definition": got.definition,
        "run_id": got.run_id,
        "plan_id": got.plan_id,
        "reading": got.reading,
        "index": got.summary["index"],
        "periods": periods,
        "groups": status,
        "forecast": got.summary.get("forecast"),
    }
    emit_parts(parts, format, tables, csv="periods")


format_ = format  # the builtin, under the name the --format option hides
