"""The "Survey" panel, ``groundswell survey ...``: the relationship survey from the command
line (``survey_app`` holds the commands on their own, for tests).

Each command is a thin call into :mod:`groundswell.survey`. DuckDB lets one process at a
time write a workspace: run these while ``groundswell serve`` is stopped, or use the
dashboard's ``/surveys`` pages.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from groundswell.console import Format, FormatOpt, emit_parts, fail, reports_errors

survey_app = typer.Typer(
    help="Relationship surveys: create, launch, follow, remind, close, compare.",
    no_args_is_help=True,
)
commands = typer.Typer()
commands.add_typer(survey_app, name="survey")

Workspace = Annotated[Path, typer.Argument(help="The workspace folder.")]
SurveyArg = Annotated[str, typer.Argument(help="The survey: its name or id.")]


def _sent(out: dict[str, int]) -> str:
    return f"emailed {out['sent']} links; {out['no_address']} people have no address"


@survey_app.command("create")
@reports_errors
def create_cmd(
    workspace: Workspace,
    name: Annotated[str, typer.Option("--name", help="A unique name for the survey.")] = "",
    questions: Annotated[
        Path | None,
        typer.Option(
            "--questions",
            help="A TOML or JSON questions file ([[questions]] with kind, text, slug, "
            "max_nominations, scale, ...). Default: advice, information, trust, energy, "
            "collaboration with their customary wording.",
        ),
    ] = None,
    anonymous_attributes: Annotated[
        bool,
        typer.Option(
            "--anonymous-attributes",
            help="Store attribute answers with no respondent (given once, at submit).",
        ),
    ] = False,
) -> None:
    """Create a survey (a draft) from a questions file or the default questions."""
    import groundswell as gs
    from groundswell.survey import model
    from groundswell.survey import questions as qmod

    qs, options = qmod.load(questions) if questions else (None, {})
    title = name or options.get("name") or ""
    anon = anonymous_attributes or bool(options.get("anonymous_attributes", False))
    with gs.open(workspace) as ws:
        s = model.create(ws, title, qs, anonymous_attributes=anon)
    n = len(s.questions)
    typer.echo(f"created survey {s.survey_id} {s.name!r} (draft) with {n} questions:")
    for q in s.questions:
        typer.echo(f"  {q.slug:<20} {q.kind:<13} {q.text}")


@survey_app.command("launch")
@reports_errors
def launch_cmd(
    workspace: Workspace,
    survey: SurveyArg,
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url",
            help="The address respondents reach the dashboard at (links are BASE_URL/s/TOKEN).",
        ),
    ],
    links_csv: Annotated[
        Path | None,
        typer.Option("--links-csv", help="Write the personal links to this CSV (mode 0600)."),
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="Email each link through the [survey] SMTP server.")
    ] = False,
    addresses: Annotated[
        Path | None,
        typer.Option(
            "--addresses",
            help="With --send: CSV with a column email (and optionally "
            "person, another identifier); never stored.",
        ),
    ] = None,
    external: Annotated[
        Path | None,
        typer.Option(
            "--external",
            help="Invite people outside the organisation too: CSV with a column email and "
            "optionally relation (customer, supplier, partner); marked external, addresses "
            "never stored.",
        ),
    ] = None,
) -> None:
    """Launch a draft: one invitation and one personal link per person of the roster."""
    import groundswell as gs
    from groundswell.survey import mail, model

    if not links_csv and not send:
        fail("give --links-csv FILE or --send (the links exist only now)")
    if send and not addresses and not external:
        fail("--send needs --addresses FILE (the workspace stores no email address)")
    with gs.open(workspace) as ws:
        to = mail.addresses(ws, addresses) if send and addresses else {}
        outside = None
        if external is not None:
            from groundswell.survey import outsiders

            outside = outsiders.read(ws, external)
            to.update(zip(outside["person_id"], outside["email"], strict=True))
        s = model.get(ws, survey)
        links = model.launch(ws, s, base_url=base_url, outside=outside)
        if links_csv:
            model.write_links(links, links_csv)
        typer.echo(f"launched survey {s.survey_id} {s.name!r}: {len(links)} invitations")
        if links_csv:
            typer.echo(f"personal links written to {links_csv} (keep it safe)")
        if send:
            out = mail.send_links(ws, s.survey_id, s.name, links, to)
            typer.echo(_sent(out))


@survey_app.command("status")
@reports_errors
def status_cmd(
    workspace: Workspace,
    survey: SurveyArg,
    missing: Annotated[
        bool, typer.Option("--missing", help="Also list who has not submitted (admins only).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (--format json).")] = False,
    format: FormatOpt = Format.table,
) -> None:
    """Response rate overall and by department (small groups suppressed)."""
    import groundswell as gs
    from groundswell.survey import model

    with gs.open(workspace) as ws:
        rate = model.response_rate(ws, survey)
        rows = model.nonrespondents(ws, survey) if missing else None
    if Format(format) is Format.csv:  # one row per department, "all" first
        import pandas as pd

        every = {k: rate[k] for k in ("invited", "started", "submitted", "rate")}
        rows_ = [{"department": "all", **every}, *rate["departments"]]
        table = pd.DataFrame(rows_, dtype=object)  # whole numbers stay whole beside blanks
        sys.stdout.write(table.to_csv(index=False))
        return
    if as_json or Format(format) is Format.json:
        out = dict(rate)
        if rows is not None:
            out["nonrespondents"] = json.loads(rows.to_json(orient="records", date_format="iso"))
        typer.echo(json.dumps(out, indent=2, default=str))
        return

    def pct(r: float | None) -> str:
        return "—" if r is None else f"{100 * r:.0f}%"

    def num(x: int | None) -> str:
        return "—" if x is None else str(x)

    typer.echo(f"survey {rate['survey_id']} ({rate['status']})")
    typer.echo(f"{'department':<24} {'invited':>8} {'started':>8} {'submitted':>9} {'rate':>6}")
    typer.echo(
        f"{'all':<24} {num(rate['invited']):>8} {num(rate['started']):>8} "
        f"{num(rate['submitted']):>9} {pct(rate['rate']):>6}"
    )
    for d in rate["departments"]:
        typer.echo(
            f"{d['department'][:24]:<24} {num(d['invited']):>8} {num(d['started']):>8} "
            f"{num(d['submitted']):>9} {pct(d['rate']):>6}"
        )
    if rows is not None:
        typer.echo(f"\n{len(rows)} people have not submitted:")
        for r in rows.itertuples():
            who = r.display_name if isinstance(r.display_name, str) else ""
            typer.echo(
                f"  {r.person_id}  {who}  {r.department or ''}{'  (started)' if r.started else ''}"
            )


@survey_app.command("remind")
@reports_errors
def remind_cmd(
    workspace: Workspace,
    survey: SurveyArg,
    base_url: Annotated[str, typer.Option("--base-url", help="As for launch.")],
    links_csv: Annotated[
        Path | None, typer.Option("--links-csv", help="Write the fresh links to this CSV.")
    ] = None,
    send: Annotated[bool, typer.Option("--send", help="Email the fresh links.")] = False,
    addresses: Annotated[
        Path | None, typer.Option("--addresses", help="With --send: as for launch.")
    ] = None,
    not_started: Annotated[
        bool,
        typer.Option("--not-started", help="Only people who have saved nothing yet."),
    ] = False,
) -> None:
    """Issue a fresh link to everyone who has not submitted (earlier links keep working)."""
    import groundswell as gs
    from groundswell.survey import mail, model

    if not links_csv and not send:
        fail("give --links-csv FILE or --send")
    if send and not addresses:
        fail("--send needs --addresses FILE (the workspace stores no email address)")
    with gs.open(workspace) as ws:
        to = mail.addresses(ws, addresses) if send and addresses else {}
        s = model.get(ws, survey)
        links = model.remind(ws, s, base_url=base_url, include_started=not not_started)
        if links_csv:
            model.write_links(links, links_csv)
        typer.echo(f"{len(links)} reminders for survey {s.survey_id} {s.name!r}")
        if send and links:
            out = mail.send_links(ws, s.survey_id, s.name, links, to, reminder=True)
            typer.echo(_sent(out))


@survey_app.command("close")
@reports_errors
def close_cmd(workspace: Workspace, survey: SurveyArg) -> None:
    """Close: accept no more answers; answers become survey:<slug> interactions (idempotent)."""
    import groundswell as gs
    from groundswell.survey import model

    with gs.open(workspace) as ws:
        summary = model.close(ws, survey)
        s = model.get(ws, survey)
    if summary.already_ingested:
        typer.echo(
            f"survey {s.name!r} was already closed (source {summary.source_id}); nothing added"
        )
    else:
        typer.echo(
            f"closed survey {s.name!r}: {summary.interactions} nominations -> layers "
            f"{', '.join(s.layers)} (source {summary.source_id})"
        )


@survey_app.command("compare")
@reports_errors
def compare_cmd(
    workspace: Workspace,
    survey: SurveyArg,
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            help="Digital window START:END (default: the last "
            "ties.window_days days of digital data).",
        ),
    ] = None,
    top: Annotated[float, typer.Option("--top", help="Share counted as influential.")] = 0.10,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="Write the two tables as OUTPUT-overlap.csv and OUTPUT-hidden.csv."
        ),
    ] = None,
    format: FormatOpt = Format.table,
) -> None:
    """The survey layers against the digital layer: tie overlap (Jaccard) and the people
    influential in one and invisible in the other."""
    import groundswell as gs
    from groundswell.survey.comparison import compare

    with gs.open(workspace) as ws:
        result = compare(ws, survey, window=window, top=top)
    if Format(format) is Format.table:
        typer.echo(f"digital window {result.window}")
        typer.echo(result.overlap.to_string(index=False))
        n = len(result.hidden)
        typer.echo(f"\n{n} people influential in one network, invisible in the other")
        if n:
            typer.echo(result.hidden.to_string(index=False))
    else:  # csv: the overlap; json: the window and both tables
        parts = {"window": str(result.window), "overlap": result.overlap, "hidden": result.hidden}
        emit_parts(parts, format, list, csv="overlap")
    if output:
        result.overlap.to_csv(f"{output}-overlap.csv", index=False)
        result.hidden.to_csv(f"{output}-hidden.csv", index=False)
        written = f"written {output}-overlap.csv and {output}-hidden.csv"
        typer.echo(written, err=Format(format) is not Format.table)
