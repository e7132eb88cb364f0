"""The command reference (reference/commands.md), generated from the Typer commands: each
command's usage, help and options, as `groundswell COMMAND --help` prints them."""

from typing import Any

import click
import mkdocs_gen_files
import typer.main

from groundswell.cli import app


def _section(cmd: Any, path: list[str], out: list[str]) -> None:
    name = " ".join(path)
    if getattr(cmd, "hidden", False):
        return
    ctx = cmd.context_class(cmd, info_name=name)  # Typer's own click, or click
    out.append(f"{'#' * min(len(path) + 1, 4)} {name}\n")
    out.append(
        f"```text\n{' '.join(cmd.collect_usage_pieces(ctx))}\n```\n".replace(
            "```text\n", f"```text\nUsage: {name} "
        )
    )
    if cmd.help:
        out.append(click.unstyle(cmd.help).strip() + "\n")
    rows = []
    for p in cmd.params:
        record = p.get_help_record(ctx)
        if record and not getattr(p, "hidden", False):
            opts, text = record
            meaning = click.unstyle(text).replace("|", "\\|")
            rows.append(f"| `{opts}` | {meaning} |")
        elif getattr(p, "param_type_name", "") == "argument":
            rows.append(f"| `{p.human_readable_name}` | argument |")
    if rows:
        out.append("| option | meaning |\n| --- | --- |\n" + "\n".join(rows) + "\n")
    if hasattr(cmd, "list_commands"):  # a group: its commands, in the order of --help
        for sub_name in cmd.list_commands(ctx):
            _section(cmd.get_command(ctx, sub_name), [*path, sub_name], out)


group = typer.main.get_command(app)
lines = [
    "# Command reference\n",
    "Generated from the commands themselves (`groundswell COMMAND --help` says the same). "
    "The guide to each command, with examples, is [the command-line page](../cli.md).\n",
]
_section(group, ["groundswell"], lines)
with mkdocs_gen_files.open("reference/commands.md", "w") as fh:
    fh.write("\n".join(lines))
