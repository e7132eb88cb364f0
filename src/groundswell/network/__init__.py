"""From interactions to graphs: windows, layers, tie rules, and the Graph type.

The names are loaded on first use (PEP 562), so that importing :mod:`groundswell.network.graph`
(numpy alone) does not load the tie rules' pandas and DuckDB.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from groundswell.network.graph import Graph
    from groundswell.network.ties import TieRules, build_ties
    from groundswell.network.window import Window

__all__ = ["Graph", "TieRules", "Window", "build_ties"]

_WHERE = {
    "Graph": "groundswell.network.graph",
    "TieRules": "groundswell.network.ties",
    "build_ties": "groundswell.network.ties",
    "Window": "groundswell.network.window",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'groundswell.network' has no attribute {name!r}")
