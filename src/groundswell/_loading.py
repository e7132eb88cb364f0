"""Loading modules with Python's cyclic garbage collector paused.

Importing a module makes thousands of functions, classes and dictionaries that live as long
as the process. Python's cyclic collector runs every 700 new such objects and walks the
young ones again and again while they are made, every tenth run the older ones too, and
now and then everything. On a 200-person workspace that was about 0.19 s of the CPU of a
``groundswell analyze`` (some 250 young, 23 middle and 2 full collections) and 0.17 s of a
``groundswell report``, nearly all of it while pandas, DuckDB, SciPy, igraph and the analysis
were loading (measured with :data:`gc.callbacks`; docs/performance.md, "`analyze` and
`report` on a small workspace").

:func:`paused` stops the collector while the command line and the library load their heavy
modules (the blocks nest; threads share one count, since the collector is one per process).
When the command line has asked for it (:func:`freeze_when_loaded`, the ``groundswell``
command only) what is alive when the outermost block ends is moved out of the collector's
sight (:func:`gc.freeze`), so later collections do not walk the loaded modules either; a
library user's collector is only paused, never frozen.

Nothing computed changes: the collector only frees objects that refer to each other in
cycles, and frees them a little later here.
"""

from __future__ import annotations

import atexit
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
#: blocks open (all threads), whether the collector ran when the first one opened, and
#: whether to freeze what is loaded when the last one closes
_state = {"open": 0, "was_enabled": True, "freeze": False}


def freeze_when_loaded() -> None:
    """From now on, the end of the outermost :func:`paused` block freezes what is alive
    (:func:`gc.freeze`): for a process that ends with its command, as ``groundswell`` does.
    The frozen objects are handed back to the collector at exit (:func:`gc.unfreeze`), so
    that Python's shutdown frees them as it would have (DuckDB's bindings count what is
    left, and say so on stderr)."""
    if not _state["freeze"]:
        atexit.register(gc.unfreeze)
    _state["freeze"] = True


@contextmanager
def paused() -> Iterator[None]:
    """The cyclic garbage collector off inside the block (as it was before, after it)."""
    with _lock:
        if not _state["open"]:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["open"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["open"] -= 1
            if not _state["open"] and _state["was_enabled"]:
                if _state["freeze"]:
                    gc.freeze()
                gc.enable()
