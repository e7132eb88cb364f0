"""The command line coerces plain values without pydantic (groundswell.cli._coercion): every
parameter of every command gives, for the same values, what typer's own coercion (its
pydantic adapters) gives — the same value of the same type, or the same error — and
``analyze`` and ``report`` run without loading pydantic."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
from typer import _coercion
from typer.main import get_command

from groundswell.cli import app  # installs the deferred coercion


def commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for name, cmd in getattr(group, "commands", {}).items():
        out.append((f"{prefix}{name}", cmd))
        out += commands(cmd, f"{prefix}{name} ")
    return out


def outcome(make: Any) -> tuple[str, Any]:
    try:
        value = make()
    except Exception as exc:  # the same error, worded the same
        return ("error", (type(exc).__name__, str(exc)))
    return ("value", (type(value).__name__, [type(v).__name__ for v in value]
                      if isinstance(value, list | tuple) else None, value))  # fmt: skip


def samples(tmp: Path) -> list[Any]:
    (tmp / "file.csv").write_text("a\n")
    (tmp / "folder").mkdir()
    (tmp / "folder" / "inside.txt").write_text("b\n")
    texts = ["x", "", " a b ", "ü€", "-", "1", "2.5", "csv", "JSON", "2024-01-01:2024-02-01",
             "x/", "./x", "~/x", "/no/such/place", str(tmp / "file.csv"), str(tmp / "folder"),
             str(tmp / "folder") + "/", str(tmp / "folder" / "inside.txt")]  # fmt: skip
    return [*texts, None, (), ("a", "b"), ["x"], (str(tmp / "folder"),), Path("p"), 3, True]


def test_every_parameter_coerces_as_typer_does(tmp_path: Path) -> None:
    root = get_command(app)
    values = samples(tmp_path)
    checked = 0
    for name, cmd in commands(root):
        ctx = cmd.context_class(cmd, info_name=name)
        for param in cmd.params:
            if not hasattr(param, "type_descriptor"):
                continue  # click's own (--help)
            ours = param.get_runtime_param()
            for value in values:
                typer_own = _coercion.build_runtime_param(param.type_descriptor)
                got = outcome(lambda: ours.coerce(value, param=param, ctx=ctx))  # noqa: B023
                want = outcome(lambda: typer_own.coerce(value, param=param, ctx=ctx))  # noqa: B023
                assert got == want, (name, param.name, value)
                checked += 1
    assert checked > 3000  # some 60 commands, a few hundred parameters


def test_paths_with_constraints_coerce_as_typer_does(tmp_path: Path) -> None:
    """Path options the way typer allows them (none of groundswell's takes these yet)."""
    demo = typer.Typer()

    @demo.command()
    def cmd(  # the parameters are what is checked
        a: Annotated[Path, typer.Argument(exists=True)],
        b: Annotated[Path, typer.Option(file_okay=False)] = Path("."),
        c: Annotated[Path, typer.Option(dir_okay=False, resolve_path=True)] = Path("x"),
        d: Annotated[Path, typer.Option(exists=True, writable=True, allow_dash=True)] = Path("-"),
        e: Annotated[str, typer.Option(exists=True)] = "",
        f: Annotated[list[Path] | None, typer.Option()] = None,
        g: Annotated[int | None, typer.Option(min=1)] = None,
    ) -> None:
        """A command."""

    command = get_command(demo)
    ctx = command.context_class(command, info_name="cmd")
    values = samples(tmp_path)
    checked = 0
    for param in command.params:
        if not hasattr(param, "type_descriptor"):
            continue
        ours = param.get_runtime_param()
        for value in values:
            typer_own = _coercion.build_runtime_param(param.type_descriptor)
            got = outcome(lambda: ours.coerce(value, param=param, ctx=ctx))  # noqa: B023
            want = outcome(lambda: typer_own.coerce(value, param=param, ctx=ctx))  # noqa: B023
            assert got == want, (param.name, value)
            checked += got[0] == "error"
    assert checked > 20  # the constraints refuse some values


@pytest.mark.parametrize(
    "args", [["analyze", "--window", "2024-01-01:2024-02-01"], ["report", "-o", "r.html"]]
)
def test_analyze_and_report_do_not_load_pydantic(tmp_path: Path, args: list[str]) -> None:
    ws = tmp_path / "ws"
    code = f"""
        import sys
        sys.argv = ["groundswell", {args[0]!r}, {str(ws)!r}, *{args[1:]!r}]
        from groundswell.cli import main
        try:
            main(end_at_once=False)
        except SystemExit:
            pass
        print(sorted(m for m in sys.modules if m.split(".")[0] == "pydantic"))
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    # the workspace is missing: the values were coerced, then the command said so
    assert "error:" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout.strip() == "[]"
