"""The docs keep up with the code: every setting, command and public name is documented."""

from __future__ import annotations

import tomllib
from pathlib import Path

import groundswell as gs
from groundswell import config
from groundswell.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _keys(d: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in d.items():
        if isinstance(v, dict):
            out += _keys(v, f"{prefix}{k}.")
        else:
            out.append(prefix + k)
    return out


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text()
    for key in _keys(tomllib.loads(config.default_text())):
        shown = key if not key.startswith("ties.weights.") else key.rsplit(".", 1)[1] + " = "
        assert shown in doc, f"{key} is not in docs/settings.md"


def test_every_command_is_in_the_readme_or_docs() -> None:
    text = (ROOT / "README.md").read_text() + "".join(
        p.read_text() for p in (ROOT / "docs").glob("*.md")
    )
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += ["ingest orgchart", "ingest events"]
    for name in names:
        assert f"groundswell {name}" in text, f"`groundswell {name}` is not documented"


def test_readme_shows_the_two_commands_and_links_existing_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    for line in readme.splitlines():
        if "](docs/" in line:
            target = line.split("](", 1)[1].split(")", 1)[0]
            assert (ROOT / target).exists(), target


def test_every_option_is_in_the_command_reference() -> None:
    import typer.main

    doc = (ROOT / "docs" / "cli.md").read_text()
    group = typer.main.get_command(app)
    commands = dict(group.commands)
    for sub in ("ingest", "user", "survey"):
        commands.update({f"{sub} {k}": v for k, v in group.commands[sub].commands.items()})
        del commands[sub]
    for name, cmd in commands.items():
        assert f"## groundswell {name}" in doc, f"`groundswell {name}` is not in docs/cli.md"
        for param in cmd.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in doc, f"{opt} of `groundswell {name}` is not in docs/cli.md"


def test_public_names_are_exported() -> None:
    import types

    public = {
        n
        for n in dir(gs)
        if not n.startswith("_") and not isinstance(getattr(gs, n), types.ModuleType)
    }
    assert set(gs.__all__) == public | {"__version__"}
