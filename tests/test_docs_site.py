"""The documentation site (issue 21, point 3) publishes every page of docs/: mkdocs.yml
lists no `nav` (so every page is in the site, new ones too) or, if one is added, it names
every page. `make docs` (in CI) builds the site in strict mode; this checks its set-up only."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text())


def _pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [p for item in nav for p in _pages(item)]
    if isinstance(nav, dict):
        return [p for v in nav.values() for p in _pages(v)]
    return []


def test_every_docs_page_is_in_the_site() -> None:
    config = _config()
    assert config["docs_dir"] == "docs" and config["strict"] is True
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert pages, "no pages in docs/"
    if "nav" in config:
        missing = pages - set(_pages(config["nav"]))
        assert not missing, f"add {sorted(missing)} to the nav of mkdocs.yml"


def test_the_generated_sections_have_their_scripts() -> None:
    plugins = _config()["plugins"]
    scripts = next(
        p["gen-files"]["scripts"] for p in plugins if isinstance(p, dict) and "gen-files" in p
    )
    assert {Path(s).name for s in scripts} == {"home.py", "api.py", "cli.py", "gallery.py"}
    for script in scripts:
        assert (ROOT / script).is_file(), script


def test_the_command_reference_has_every_command(monkeypatch, tmp_path) -> None:
    """docs_gen/cli.py, run with mkdocs_gen_files stood in for, writes a section for every
    command and subcommand of `groundswell --help`, with its options."""
    import runpy
    import sys
    import types

    import typer.main

    from groundswell.cli import app

    written: dict[str, str] = {}

    class _Open:
        def __init__(self, name: str, mode: str = "w") -> None:
            self.name, self.parts = name, []

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            written[self.name] = "".join(self.parts)

        def write(self, text: str) -> None:
            self.parts.append(text)

    monkeypatch.setitem(sys.modules, "mkdocs_gen_files", types.SimpleNamespace(open=_Open))
    runpy.run_path(str(ROOT / "docs_gen" / "cli.py"))
    page = written["reference/commands.md"]
    group = typer.main.get_command(app)
    ctx = group.context_class(group, info_name="groundswell")
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert f"# groundswell {name}\n" in page, name
        sub = getattr(cmd, "list_commands", None)
        for child in sub(cmd.context_class(cmd, info_name=name)) if sub else []:
            assert f"# groundswell {name} {child}\n" in page, f"{name} {child}"
    assert "`--reveal`" in page and "`-o, --output <path>`" in page
