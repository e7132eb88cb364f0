"""groundswell: organisational network analysis — the informal network beside the org chart.

>>> import groundswell as gs                       # doctest: +SKIP
>>> ws = gs.open("acme")                           # doctest: +SKIP
>>> run = ws.analyze("2024-01-01:2024-03-31")      # doctest: +SKIP
>>> run.people().head()                            # doctest: +SKIP
"""

from typing import TYPE_CHECKING, Any

from groundswell.errors import GroundswellError

if TYPE_CHECKING:
    from groundswell.network.graph import Graph
    from groundswell.network.window import Window
    from groundswell.run import Run
    from groundswell.workspace import Workspace, init, open

__all__ = ["Graph", "GroundswellError", "Run", "Window", "Workspace", "__version__", "init", "open"]

#: public name -> the module that defines it, imported on first use: ``import groundswell``
#: (and so ``groundswell --help``) loads no pandas, numpy or duckdb
_LAZY = {
    "Graph": "groundswell.network.graph",
    "Run": "groundswell.run",
    "Window": "groundswell.network.window",
    "Workspace": "groundswell.workspace",
    "init": "groundswell.workspace",
    "open": "groundswell.workspace",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # importlib.metadata costs more than the rest of the import
        from groundswell.version import __version__

        globals()[name] = __version__
        return __version__
    if name not in _LAZY:
        raise AttributeError(f"module 'groundswell' has no attribute {name!r}")
    import importlib

    from groundswell._loading import paused

    with paused():  # the collector would walk pandas and DuckDB while they load
        value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:  # the public names, loaded or not, and no helper
    return sorted({*__all__, *(n for n in globals() if n.startswith("__"))})
