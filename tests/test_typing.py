"""Types that reach users (issue 14, point 8): the package says it is typed (PEP 561's
``py.typed`` marker, shipped in its package data) and its public surface is annotated, so a
notebook's or an application's type checker sees real types rather than ``Any``.

mypy itself runs over ``src/groundswell`` in ``make lint`` (configured in pyproject.toml); these
tests check what mypy's default settings do not: that the marker ships, and that every function
a user is offered (a package's ``__all__``, a method of ``Workspace``, ``Run`` or ``Store``)
has every parameter and its return annotated.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import groundswell

ROOT = Path(groundswell.__file__).parent
PYPROJECT = ROOT.parents[1] / "pyproject.toml"


def test_the_package_is_marked_typed_and_ships_the_marker() -> None:
    assert (ROOT / "py.typed").is_file()
    if not PYPROJECT.is_file():
        pytest.skip("not a source checkout")
    data = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["groundswell"]


def test_mypy_is_configured_and_part_of_lint() -> None:
    if not PYPROJECT.is_file():
        pytest.skip("not a source checkout")
    mypy = tomllib.loads(PYPROJECT.read_text())["tool"]["mypy"]
    assert mypy["check_untyped_defs"] is True
    assert mypy["disallow_untyped_defs"] is True
    assert mypy["warn_unused_ignores"] is True
    makefile = (PYPROJECT.parent / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "mypy src/groundswell" in lint


def _unannotated(func: Callable[..., Any]) -> list[str]:
    """The parameters (and ``return``) of ``func`` that carry no annotation."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):  # a builtin or a C function: nothing to annotate
        return []
    missing = [
        p.name
        for i, p in enumerate(sig.parameters.values())
        if p.annotation is inspect.Parameter.empty and not (i == 0 and p.name in ("self", "cls"))
    ]
    if sig.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def _methods(cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    """The public methods and properties a class defines itself (not those it inherits from
    outside groundswell)."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("groundswell"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") and name != "__init__":
                continue
            if isinstance(value, staticmethod | classmethod):
                value = value.__func__
            if isinstance(value, property) and value.fget is not None:
                yield f"{klass.__name__}.{name}", value.fget
            elif inspect.isfunction(value) and value.__module__.startswith("groundswell"):
                yield f"{klass.__name__}.{name}", value


def _exported() -> Iterator[tuple[str, Any]]:
    """Every name in the ``__all__`` of every groundswell package that imports here."""
    packages = [groundswell.__name__]
    for info in pkgutil.walk_packages(groundswell.__path__, "groundswell."):
        if info.ispkg:
            packages.append(info.name)
    for name in packages:
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional engine whose library is not installed
            continue
        for public in getattr(module, "__all__", ()):
            yield f"{name}.{public}", getattr(module, public)


def test_every_exported_function_and_method_is_annotated() -> None:
    bare: dict[str, list[str]] = {}
    for where, obj in _exported():
        if inspect.isfunction(obj) and obj.__module__.startswith("groundswell"):
            if missing := _unannotated(obj):
                bare[where] = missing
        elif inspect.isclass(obj) and obj.__module__.startswith("groundswell"):
            for method, func in _methods(obj):
                if missing := _unannotated(func):
                    bare[f"{obj.__module__}.{method}"] = missing
    assert not bare, f"public functions without annotations: {bare}"


@pytest.mark.parametrize(
    "path", ["groundswell.workspace:Workspace", "groundswell.run:Run", "groundswell.store:Store"]
)
def test_every_workspace_and_run_method_is_annotated(path: str) -> None:
    module, name = path.split(":")
    cls = getattr(importlib.import_module(module), name)
    bare = {m: missing for m, func in _methods(cls) if (missing := _unannotated(func))}
    assert not bare, f"methods of {name} without annotations: {bare}"
