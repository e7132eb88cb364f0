"""No import cycle anywhere in ``src/groundswell`` (issue 14, point 1).

The graph is read from the source with :mod:`ast`, not from ``sys.modules``, so it holds every
import a module can make, not only those one test happened to run:

- every ``import groundswell...``, ``from groundswell... import ...`` and relative import at
  any depth: at the top, inside functions (lazy imports), and under ``if TYPE_CHECKING:``.
  Type-only imports count: a module that names a type of a layer above it knows that layer,
  and the type checker does import it. The modules below the facade name
  :class:`groundswell.store.Store`, not :class:`groundswell.workspace.Workspace`;
- ``from pkg import name`` is an edge to the submodule ``pkg.name`` when there is one, else
  to ``pkg`` (its ``__init__``);
- a module that calls ``importlib.import_module`` (the lazy ``__getattr__`` of a package's
  ``__init__``) has an edge to every module one of its string constants names, in full
  (``"groundswell.workspace"``) or relative to the package (``"comparison"``);
- the implicit import of a parent package when a submodule is imported is not an edge: a
  package's ``__init__`` re-exporting its own parts is the ordinary shape, not a cycle.

A cycle is a strongly connected component of more than one module, or a module importing
itself. The failure names each cycle as a path ``a -> b -> ... -> a``.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import groundswell

PACKAGE = Path(groundswell.__file__).parent
ROOT = PACKAGE.parent


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str, modules: set[str]) -> str | None:
    """The module ``name`` names, or the nearest package holding it."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path, modules: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str | None] = set()
    dynamic = False
    strings: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(_resolve(a.name, modules) for a in node.names if _ours(a.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not _ours(target):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in modules else _resolve(target, modules))
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            dynamic = dynamic or called in ("import_module", "__import__")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.add(node.value)
    if dynamic:
        for text in strings:
            for candidate in (text, f"{package}.{text}"):
                if candidate in modules and candidate != module:
                    out.add(candidate)
    out.discard(None)
    return out  # type: ignore[return-value]


def _ours(name: str) -> bool:
    return name == "groundswell" or name.startswith("groundswell.")


def import_graph() -> dict[str, set[str]]:
    """module -> the groundswell modules it imports (see the module docstring)."""
    paths = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    modules = set(paths)
    return {m: _imports(m, p, modules) for m, p in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with a cycle (Tarjan, iterative), largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    found.append(sorted(component))
    return sorted(found, key=len, reverse=True)


def _path(graph: dict[str, set[str]], component: list[str]) -> str:
    """A shortest cycle through the component's first module, for the failure message."""
    members = set(component)
    start = component[0]
    came: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                back = [node]
                while back[-1] != start:
                    back.append(came[back[-1]])
                return " -> ".join([*reversed(back), start])
            if nxt not in came:
                came[nxt] = node
                queue.append(nxt)
    return " -> ".join(component)


def test_no_import_cycle_in_the_package() -> None:
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles in src/groundswell:\n" + "\n".join(
        f"  {len(c)} modules: {_path(graph, c)}\n    ({', '.join(c)})" for c in found
    )


#: the faces of the library, the only modules that may import the facade (``groundswell`` or
#: ``groundswell.workspace``): the CLI, the demo and the web app (dashboard and survey pages)
FACES = ("groundswell.cli", "groundswell.demo", "groundswell.web")
#: what the store may import: it sits at the bottom
# (_hmac_kernels: the pseudonymiser's compiled HMAC loop, a leaf that imports no other module
# of the package, loaded by privacy only when it hashes many identifiers)
STORE_BASE = {"groundswell.errors", "groundswell.config", "groundswell.privacy",
              "groundswell.migrations", "groundswell.gate",
              "groundswell._hmac_kernels"}  # fmt: skip


def _below(graph: dict[str, set[str]], module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_only_the_faces_import_the_facade() -> None:
    """Modules below the facade take a :class:`groundswell.store.Store`, even in type hints."""
    graph = import_graph()
    facade = {"groundswell", "groundswell.workspace"}
    offenders = sorted(
        m
        for m, imported in graph.items()
        if imported & facade
        and m not in facade
        and not any(m == face or m.startswith(face + ".") for face in FACES)
    )
    assert offenders == []


def test_the_store_sits_at_the_bottom() -> None:
    graph = import_graph()
    assert _below(graph, "groundswell.store") <= STORE_BASE
    assert "groundswell.store" in graph["groundswell.workspace"]


def test_the_graph_sees_lazy_type_only_and_relative_imports() -> None:
    """The reader finds what the cycle check depends on (on the package's own modules)."""
    graph = import_graph()
    assert "groundswell.store" in graph["groundswell.workspace"]  # top level
    assert "groundswell.run" in graph["groundswell.workspace"]  # inside a method, and typing
    assert "groundswell.workspace" in graph["groundswell"]  # the lazy __getattr__'s table
    assert "groundswell.errors" in graph["groundswell.store"]


def test_cycles_are_found_in_a_small_graph() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}, "e": {"a"}}
    assert cycles(graph) == [["a", "b", "c"], ["d"]]
    assert _path(graph, ["a", "b", "c"]) == "a -> b -> c -> a"
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_relative_and_from_imports_resolve_to_modules(tmp_path: Path) -> None:
    pkg = tmp_path / "groundswell" / "sub"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import a\n")
    (pkg / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..top import Thing\n"
        "def f():\n    from groundswell.sub import b\n"
    )
    modules = {
        "groundswell",
        "groundswell.top",
        "groundswell.sub",
        "groundswell.sub.a",
        "groundswell.sub.b",
    }
    assert _imports("groundswell.sub", pkg / "__init__.py", modules) == {"groundswell.sub.a"}
    assert _imports("groundswell.sub.a", pkg / "a.py", modules) == {
        "groundswell.top",
        "groundswell.sub.b",
    }
