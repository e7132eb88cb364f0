"""groundswell: organisational network analysis — the informal network beside the org chart.

>>> import groundswell as gs                       # doctest: +SKIP
>>> ws = gs.open("acme")                           # doctest: +SKIP
>>> run = ws.analyze("2024-01-01:2024-03-31")      # doctest: +SKIP
>>> run.people().head()                            # doctest: +SKIP
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("groundswell")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from groundswell.errors import GroundswellError
from groundswell.network.graph import Graph
from groundswell.network.window import Window
from groundswell.workspace import Workspace, init, open

__all__ = ["Graph", "GroundswellError", "Window", "Workspace", "__version__", "init", "open"]
