"""The report and the web app read stored results; they compute none (issue 14, point 2).

Every import in ``groundswell/report`` and ``groundswell/web``, at any depth (inside
functions, under ``if TYPE_CHECKING``, relative ones resolved), is walked with ``ast``: none
may reach ``groundswell.analysis``, ``groundswell.value`` or ``groundswell.diffusion``. What
they show, analyze (or the command that produces it) computed and stored; they read it
through named methods of :class:`groundswell.run.Run`, :class:`groundswell.Workspace` and
the dashboard's store.
"""

from __future__ import annotations

import ast
from pathlib import Path

import groundswell

PACKAGE = Path(groundswell.__file__).parent
VIEWS = ("report", "web")
FORBIDDEN = ("groundswell.analysis", "groundswell.value", "groundswell.diffusion")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """(line, module) for every import in ``path`` (the module named ``module``, by default
    its place in the package): ``import a.b`` gives a.b; ``from a import b`` gives a and a.b
    (b may be a submodule); relative imports are resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    here = module or _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            out.append((node.lineno, module))
            out.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return out


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def test_the_walker_sees_every_kind_of_import(tmp_path) -> None:
    # the checker itself: an import inside a function, under TYPE_CHECKING, relative, and
    # a submodule named in a from-import are all seen
    sample = tmp_path / "probe.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from groundswell.diffusion.champions import ChampionPlan\n"
        "def f():\n    from ..analysis import formal\n    import groundswell.value.trends\n"
        "from groundswell import value\n"
    )
    found = {m for _, m in imported_modules(sample, "groundswell.web.probe") if _forbidden(m)}
    assert found == {
        "groundswell.diffusion.champions",
        "groundswell.diffusion.champions.ChampionPlan",
        "groundswell.analysis",
        "groundswell.analysis.formal",
        "groundswell.value.trends",
        "groundswell.value",
    }


def test_report_and_web_import_nothing_that_computes() -> None:
    files = [p for view in VIEWS for p in sorted((PACKAGE / view).rglob("*.py"))]
    assert len(files) > 10  # the walk found the packages
    bad = [
        f"{p.relative_to(PACKAGE)}:{line}: {module}"
        for p in files
        for line, module in imported_modules(p)
        if _forbidden(module)
    ]
    assert not bad, "report/web import analysis, value or diffusion:\n" + "\n".join(bad)
