"""Where Python keeps the compiled bytecode of the command line when it cannot write beside
the sources.

``uv pip install`` (unlike pip) compiles no bytecode, and a shared or system installation is
read-only to its users: Python then compiles every module it imports from site-packages in
every process (pandas, SciPy, typer and groundswell itself: about 4 s of CPU for
``analyze``, measured by bench/everyday.py), and can save none of it. The command line
keeps that bytecode in a user cache directory instead, ``$XDG_CACHE_HOME/groundswell/pycache``
or ``~/.cache/groundswell/pycache`` (where numba keeps its compiled kernels for the same
reason, ``~/.cache/numba``), so only the first run compiles.

Only modules under a read-only site-packages are redirected (an import path hook whose
loader reads and writes ``.pyc`` files in a mirror of the source tree under the cache, as
``PYTHONPYCACHEPREFIX`` lays them out): the standard library keeps using the bytecode it was
installed with. (Setting ``sys.pycache_prefix`` would redirect it too and make the first run
compile some 120 standard modules again, about half a second of CPU.)

Nothing changes when bytecode can be written or is already there (an installation by pip,
or compiled at install), when the user chose (``PYTHONPYCACHEPREFIX``,
``PYTHONDONTWRITEBYTECODE``, ``-B``), or when the cache directory cannot be made. Only the
command line calls :func:`use_user_cache`; importing the library changes nothing.

:func:`template_cache` does the same for the Jinja templates of the report and the dashboard.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2
    from typing_extensions import Buffer

PACKAGE = Path(__file__).resolve().parent


def user_cache() -> Path:
    """``$XDG_CACHE_HOME/groundswell/pycache``, else ``~/.cache/groundswell/pycache``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "groundswell" / "pycache"


def needs_user_cache(package: Path = PACKAGE) -> bool:
    """Whether this installation can neither read nor write bytecode beside its sources:
    no compiled ``__init__`` in the package's ``__pycache__`` and no right to write one."""
    if sys.dont_write_bytecode or sys.pycache_prefix is not None:
        return False
    cache = package / "__pycache__"
    tag = sys.implementation.cache_tag
    if tag is None or any(cache.glob(f"__init__.{tag}*.pyc")):
        return False
    return not os.access(cache if cache.exists() else package, os.W_OK)


class _UserCacheLoader(importlib.machinery.SourceFileLoader):
    """A source loader whose ``.pyc`` files live under :data:`CACHE_ROOT` (a mirror of the
    source tree, as with ``PYTHONPYCACHEPREFIX``), not in ``__pycache__`` beside the source."""

    @staticmethod
    def _moved(path: str) -> str:
        head, name = os.path.split(path)
        if not name.endswith(".pyc") or os.path.basename(head) != "__pycache__":
            return path
        source_dir = os.path.dirname(os.path.abspath(head))
        return os.path.join(CACHE_ROOT[0], source_dir.lstrip(os.sep), name)

    def get_data(self, path: str) -> bytes:
        return super().get_data(self._moved(path))

    def set_data(self, path: str, data: Buffer, *, _mode: int = 0o666) -> None:
        super().set_data(self._moved(path), data, _mode=_mode)


#: the cache directory in use (one item once :func:`use_user_cache` has set it up)
CACHE_ROOT: list[str] = []


def _read_only_roots(package: Path) -> list[str]:
    """The site-packages folders (on ``sys.path``, and the one holding ``package``) that
    this user cannot write."""
    roots = {str(package.parent)}
    roots.update(p for p in sys.path if "-packages" in os.path.basename(p.rstrip(os.sep)))
    return sorted(r for r in roots if os.path.isdir(r) and not os.access(r, os.W_OK))


def use_user_cache(package: Path = PACKAGE) -> Path | None:
    """If :func:`needs_user_cache`, keep the bytecode of every module under a read-only
    site-packages in :func:`user_cache`; the directory used, or None."""
    if not needs_user_cache(package) or CACHE_ROOT:
        return None
    target = user_cache()
    if not _writable_folder(target):
        return None
    roots = tuple(r.rstrip(os.sep) + os.sep for r in _read_only_roots(package))
    if not roots:
        return None
    CACHE_ROOT.append(str(target))
    machinery = importlib.machinery
    finder = machinery.FileFinder.path_hook(
        (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
        (_UserCacheLoader, machinery.SOURCE_SUFFIXES),
        (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES),
    )

    def hook(path: str) -> importlib.abc.PathEntryFinder:
        if not (path.rstrip(os.sep) + os.sep).startswith(roots):
            raise ImportError("not under a read-only site-packages")
        return finder(path)

    sys.path_hooks.insert(0, hook)
    for path in [p for p in sys.path_importer_cache if (p + os.sep).startswith(roots)]:
        del sys.path_importer_cache[path]  # found again, through the hook
    return target


def template_cache() -> jinja2.BytecodeCache | None:
    """Where Jinja keeps the report's and the dashboard's compiled templates between runs:
    ``$XDG_CACHE_HOME/groundswell/jinja`` (or ``~/.cache/...``), keyed by each template's
    checksum and the Python version, so an edited template or another Python compiles
    afresh. Compiling the report's templates costs about a fifth of a second in every
    ``report`` without it. None (compile in memory, as before) when Python writes no
    bytecode (``-B``, ``PYTHONDONTWRITEBYTECODE``) or the directory cannot be made."""
    import jinja2

    if sys.dont_write_bytecode:
        return None
    folder = user_cache().parent / "jinja"
    if not _writable_folder(folder):
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def _writable_folder(folder: Path) -> bool:
    """Whether ``folder`` exists (made with its parents if need be) and this user can write
    in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)
