"""The version of the installed groundswell, as its package metadata gives it.

Stamped on every run, report and API description. A low module of its own (it imports nothing
of groundswell) so that the modules stamping it need not import the package's facade; reading
the metadata costs more than the rest of ``import groundswell``, so ``groundswell/__init__``
loads it only when ``groundswell.__version__`` is asked for.
"""

from importlib import metadata

__all__ = ["__version__"]

try:
    __version__ = metadata.version("groundswell")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"
