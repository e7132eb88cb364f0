"""`groundswell --help` must answer fast: importing the CLI loads no heavy library (issue 14,
point 7). The timing itself is measured by bench/cli_startup.py (docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "pandas", "numpy", "scipy", "numba", "igraph", "networkit", "duckdb", "sklearn",
    "fastapi", "pyarrow", "uvicorn",
)  # fmt: skip


def _loaded_after(statement: str) -> list[str]:
    """The heavy modules loaded once ``statement`` has run in a fresh interpreter."""
    report = f"print('loaded:', *sorted(m for m in {HEAVY!r} if m in sys.modules))"
    code = f"import sys\n{statement}\n{report}"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.splitlines()[-1].split()[1:]


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _loaded_after("import groundswell.cli") == []


def test_help_and_version_load_no_heavy_library() -> None:
    for argv in (["--help"], ["--version"], ["survey", "--help"], ["people", "--help"]):
        run = (
            f"sys.argv = ['groundswell', *{argv!r}]\n"
            "from groundswell.cli import app\n"
            "try:\n    app()\nexcept SystemExit:\n    pass"
        )
        assert _loaded_after(run) == [], argv


def test_the_library_is_still_there_on_first_use() -> None:
    assert "pandas" in _loaded_after("import groundswell as gs\ngs.Workspace")


def test_the_real_entry_point_imports_no_heavy_library() -> None:
    """``python -m groundswell --help`` as a user runs it, every import listed by
    ``-X importtime``: none of the heavy libraries, not even one of their submodules."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "groundswell", "--help"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert "Usage" in done.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "groundswell" in imported and "typer" in imported  # the listing is complete
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


def test_the_report_loads_no_analysis_library() -> None:
    """``report`` reads stored results: rendering it imports neither SciPy nor numba, igraph
    or NetworKit (bench/everyday.py times a warm report)."""
    loaded = _loaded_after(
        "import groundswell.report, groundswell.run, groundswell.workspace, groundswell.value"
    )
    assert {"pandas", "duckdb"} <= set(loaded)
    assert not {"scipy", "numba", "igraph", "networkit", "sklearn"} & set(loaded), loaded


def test_the_app_of_one_command_says_the_same_as_the_whole_app() -> None:
    """``groundswell NAME`` builds only the command NAME (cli.for_command): every command's
    and command group's help and an unknown option's error read exactly as with the whole
    app (nothing is run: each invocation stops at parsing)."""
    from typer.testing import CliRunner

    from groundswell.cli import app, command_name, for_command

    runner = CliRunner()
    names = [command_name(i) for i in app.registered_commands]
    names += [str(g.name) for g in app.registered_groups]
    assert len(names) > 25 and "analyze" in names and "survey" in names
    for name in names:
        one = for_command(name)
        assert one is not app
        assert len(one.registered_commands) + len(one.registered_groups) == 1, name
        for args in ([name, "--help"], [name, "--no-such-option"]):
            whole, alone = runner.invoke(app, args), runner.invoke(one, args)
            assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output), args
    assert for_command("analyse") is app  # mistyped: the whole app, which suggests "analyze"
    assert for_command("--help") is app
    assert len(app.registered_commands) + len(app.registered_groups) == len(names)
