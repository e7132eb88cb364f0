"""``value/`` is shaped like ``analysis/`` (issue 14, point 4): the measures are pure functions
of frames and graphs, the queries that feed them live in one module.

Read from the source with :mod:`ast`, so every line counts, not only those a test ran:

- no module of ``groundswell.value`` but :mod:`groundswell.value.queries` executes SQL: no
  ``.execute``, ``.executemany``, ``.sql``, ``.query``, ``.register``, ``.transaction``,
  ``.fetchall`` or ``.df`` call, no ``.con`` attribute, no ``duckdb`` import, and no import of
  the network readers that take a connection (``network.ties``, ``network.activity``);
- the measures (every module but the query module and the wiring: :mod:`.compute`,
  :mod:`.timeline`, :mod:`.findings`) know no workspace and no run: they import
  neither :mod:`groundswell.store`, :mod:`groundswell.run` nor the facade, even for a type,
  so none of their functions can take one;
- every public function of a measure module has type hints on its parameters and result.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import groundswell.value

PACKAGE = Path(groundswell.value.__file__).parent
QUERY_MODULE = "queries"
WIRING = {"compute", "timeline", "findings", QUERY_MODULE}
SQL_CALLS = {
    "execute", "executemany", "sql", "query", "register", "unregister", "transaction",
    "fetchall", "fetchone", "df",
}  # fmt: skip
SQL_MODULES = ("duckdb", "groundswell.network.ties", "groundswell.network.activity")
STATEFUL = ("groundswell.store", "groundswell.run", "groundswell.workspace")


def _modules() -> dict[str, ast.Module]:
    return {
        p.stem: ast.parse(p.read_text(encoding="utf-8"), str(p))
        for p in sorted(PACKAGE.glob("*.py"))
        if p.stem != "__init__"
    }


def _imported(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def sql_uses(tree: ast.Module) -> list[str]:
    """Where a module talks to a database: ``line: what``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SQL_CALLS:
                found.append(f"{node.lineno}: .{node.func.attr}()")
        elif isinstance(node, ast.Attribute) and node.attr == "con":
            found.append(f"{node.lineno}: .con")
    for name in _imported(tree):
        if any(name == m or name.startswith(m + ".") for m in SQL_MODULES):
            found.append(f"import {name}")
    return found


def test_only_the_query_module_executes_sql() -> None:
    modules = _modules()
    assert QUERY_MODULE in modules and sql_uses(modules[QUERY_MODULE])  # it does hold them
    offenders = {
        name: uses
        for name, tree in modules.items()
        if name != QUERY_MODULE and (uses := sql_uses(tree))
    }
    assert offenders == {}


def test_the_measures_know_no_workspace_nor_run() -> None:
    offenders = {
        name: sorted(n for n in _imported(tree) if n.startswith(STATEFUL))
        for name, tree in _modules().items()
        if name not in WIRING
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_public_measures_have_type_hints() -> None:
    missing = []
    for name, tree in _modules().items():
        if name in WIRING:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                if node.returns is None or any(a.annotation is None for a in args):
                    missing.append(f"{name}.{node.name}")
    assert missing == []


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("def f(ws):\n    return ws.con.execute('SELECT 1').df()\n", True),
        ("def f(ws):\n    with ws.transaction() as c:\n        pass\n", True),
        ("import duckdb\n", True),
        ("from groundswell.network.ties import build_ties\n", True),
        ("def f(t):\n    return t[t['x'] > 0].groupby('y').size()\n", False),
    ],
)
def test_the_scan_sees_sql(source: str, caught: bool) -> None:
    assert bool(sql_uses(ast.parse(source))) is caught
