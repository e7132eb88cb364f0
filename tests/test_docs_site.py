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
