"""The examples in the docstrings run (issue 21, point 3): every module of groundswell with a
``>>>`` example is found by reading the sources (so a new one is picked up) and its doctests
run here, in `make test`, one test per module."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import groundswell

SRC = Path(groundswell.__file__).parent


def _modules() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name != "__main__.py" and ">>> " in path.read_text(encoding="utf-8"):
            parts = path.relative_to(SRC.parent).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


MODULES = _modules()


def test_the_modules_with_examples_are_found() -> None:
    assert {"groundswell.privacy", "groundswell.export", "groundswell.network.window"} <= set(
        MODULES
    )


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
