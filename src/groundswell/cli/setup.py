"""The "Set up" panel: ``init``, ``synth``, ``demo`` and ``user add | list | disable | enable
| passwd | role | remove`` (the dashboard's accounts; each works while the dashboard runs on
the same workspace: a write waits for its turn, :mod:`groundswell.gate`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

import groundswell as gs
from groundswell.cli.shared import QuietOpt, WorkspaceArg, out
from groundswell.console import Format, FormatOpt, emit, reports_errors
from groundswell.errors import ConfigError

commands = typer.Typer()
user_app = typer.Typer(help="Manage the dashboard's accounts.", no_args_is_help=True)
commands.add_typer(user_app, name="user")


@commands.command()
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


@commands.command()
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


@commands.command()
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


@user_app.command("add")
@reports_errors
def user_add(
    workspace: Annotated[Path, typer.Argument(help="The workspace folder.")],
    username: Annotated[str, typer.Argument(help="The new account's name.")],
    role: Annotated[
        str,
        typer.Option(help="admin, analyst, viewer, person or group_lead.", show_default=False),
    ],
    person: Annotated[
        str | None,
        typer.Option(
            "--person",
            help="For the person role: their pseudonym (p_…), HR id, email or name.",
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            help="For the group_lead role: department:NAME, team:NAME, community:NAME or "
            "channel:NAME.",
        ),
    ] = None,
) -> None:
    """Create a dashboard account (the first admin is created this way)."""
    from groundswell import identity
    from groundswell.web.auth import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with gs.open(workspace) as ws:
        who = identity.resolve(ws, person) if person else None  # an HR id, email or name too
        add_user(ws, username, password, role, who, group)
    typer.echo(f"added {role} {username.strip()}")


Username = Annotated[str, typer.Argument(help="The account's name.")]


@user_app.command("list")
@reports_errors
def user_list(workspace: WorkspaceArg, fmt: FormatOpt = Format.table) -> None:
    """List the dashboard's accounts (never a password); works while the dashboard runs."""
    from groundswell.web.auth import list_users

    with gs.open(workspace, read_only=True) as ws:
        rows = list_users(ws)
    import pandas as pd
    from rich.table import Table

    columns = ["username", "role", "person_id", "created_at", "disabled"]
    frame = pd.DataFrame(rows, columns=columns)

    def table() -> Table:
        out = Table("username", "role", "person", "created", "status", title="Accounts")
        for r in rows:
            out.add_row(
                str(r["username"]), str(r["role"]), str(r["person_id"] or ""),
                str(r["created_at"])[:16], "disabled" if r["disabled"] else "active",
            )  # fmt: skip
        return out

    emit(frame, fmt, table)


@user_app.command("disable")
@reports_errors
def user_disable(workspace: WorkspaceArg, username: Username) -> None:
    """Disable an account and end its sessions (not the last enabled admin)."""
    from groundswell.web.auth import set_disabled

    with gs.open(workspace, read_only=True) as ws:  # accounts: the operational store
        set_disabled(ws, username, True)
    typer.echo(f"disabled {username}")


@user_app.command("enable")
@reports_errors
def user_enable(workspace: WorkspaceArg, username: Username) -> None:
    """Enable a disabled account again."""
    from groundswell.web.auth import set_disabled

    with gs.open(workspace, read_only=True) as ws:  # accounts: the operational store
        set_disabled(ws, username, False)
    typer.echo(f"enabled {username}")


@user_app.command("passwd")
@reports_errors
def user_passwd(
    workspace: WorkspaceArg,
    username: Username,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a new password (asked twice, or one line of standard input); the account's
    sessions end."""
    from groundswell.web.auth import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with gs.open(workspace, read_only=True) as ws:  # accounts: the operational store
        set_password(ws, username, password)
    typer.echo(f"password of {username} changed; its sessions were ended")


@user_app.command("role")
@reports_errors
def user_role(
    workspace: WorkspaceArg,
    username: Username,
    role: Annotated[str, typer.Argument(help="admin, analyst, viewer or person.")],
    person: Annotated[
        str | None,
        typer.Option(
            "--person",
            help="For the person role: their pseudonym (p_…), HR id, email or name.",
        ),
    ] = None,
) -> None:
    """Give an account another role (the last enabled admin cannot be demoted)."""
    from groundswell import identity
    from groundswell.web.auth import set_role

    with gs.open(workspace, read_only=True) as ws:  # accounts: the operational store
        who = identity.resolve(ws, person) if person else None  # an HR id, email or name too
        set_role(ws, username, role, who)
    typer.echo(f"{username} is now {role}")


@user_app.command("remove")
@reports_errors
def user_remove(workspace: WorkspaceArg, username: Username) -> None:
    """Delete an account and its sessions (not the last enabled admin)."""
    from groundswell.web.auth import remove_user

    with gs.open(workspace, read_only=True) as ws:  # accounts: the operational store
        remove_user(ws, username)
    typer.echo(f"removed {username}")
