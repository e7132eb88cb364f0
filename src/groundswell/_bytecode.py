"""Where Python keeps the compiled bytecode of the command line when it cannot write beside
the sources.

``uv pip install`` (unlike pip) compiles no bytecode, and a shared or system installation is
read-only to its users: Python then compiles every module it imports from source in every
process (pandas, SciPy, numba and groundswell itself: about 4 s of CPU for ``analyze``,
measured by bench/everyday.py), and can save none of it. The command line points Python at a
user cache directory instead (``sys.pycache_prefix``, as ``PYTHONPYCACHEPREFIX`` does), so
only the first run compiles: ``$XDG_CACHE_HOME/groundswell/pycache`` or
``~/.cache/groundswell/pycache``, where numba keeps its compiled kernels for the same reason
(``~/.cache/numba``).

Nothing changes when bytecode can be written or is already there (an installation by pip,
or compiled at install), when the user chose (``PYTHONPYCACHEPREFIX``,
``PYTHONDONTWRITEBYTECODE``, ``-B``), or when the cache directory cannot be made. Only the
command line calls :func:`use_user_cache`; importing the library changes nothing.

:func:`template_cache` does the same for the Jinja templates of the report and the dashboard.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

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


def use_user_cache(package: Path = PACKAGE) -> Path | None:
    """Point ``sys.pycache_prefix`` at :func:`user_cache` if :func:`needs_user_cache`;
    the directory used, or None."""
    if not needs_user_cache(package):
        return None
    target = user_cache()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(target, os.W_OK):
        return None
    sys.pycache_prefix = str(target)
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
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(folder, os.W_OK):
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))
