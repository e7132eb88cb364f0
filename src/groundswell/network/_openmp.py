"""One OpenMP thread for igraph's parallel loops, where their sums must not depend on timing.

igraph's wheels bundle their own ``libgomp``, and PRPACK (its PageRank solver) sums in an
OpenMP ``parallel for`` reduction: with two threads the order of the sums, and so the last
bits of the scores, change from one call to the next (1e-18 at 5,000 people: enough to swap
two people at a percentile cut, so the same seed gave different hidden influencers).
:func:`one_thread` runs a block with the thread count at 1 for the calling thread, then
restores it; without a loadable ``libgomp`` it does nothing.

Which copy of ``libgomp`` igraph runs on is not always its own: scikit-learn's wheels bundle
a copy under the same name (``libgomp-e985bcbb.so.1.0.0``), and when scikit-learn is
imported first the loader hands igraph that copy. So the setting is made on every copy
mapped into the process (read from ``/proc/self/maps``), igraph's own file included; a copy
nobody calls is unaffected by it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path


@cache
def _load(path: str) -> ctypes.CDLL | None:
    try:
        lib = ctypes.CDLL(path)
        lib.omp_get_max_threads.restype = ctypes.c_int
        lib.omp_set_num_threads.argtypes = [ctypes.c_int]
        return lib
    except (OSError, AttributeError):
        return None


def _mapped() -> list[str]:
    """Files named libgomp* mapped into this process (none where /proc is absent)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            found = {line.split(maxsplit=5)[-1].strip() for line in maps if "libgomp" in line}
    except OSError:
        return []
    return sorted(p for p in found if p.startswith("/") and Path(p).name.startswith("libgomp"))


def _libgomps() -> list[ctypes.CDLL]:
    """Every libgomp igraph may run on: the copies already mapped into the process, igraph's
    own (``igraph.libs/libgomp-*.so*`` beside the package), else the system's."""
    import igraph

    here = Path(igraph.__file__).resolve().parent.parent
    candidates = _mapped() + [str(p) for p in sorted(here.glob("igraph.libs/libgomp*.so*"))]
    if not candidates:
        system = ctypes.util.find_library("gomp")
        if system:
            candidates.append(system)
    libs: list[ctypes.CDLL] = []
    for path in dict.fromkeys(candidates):  # in order, once each
        lib = _load(path)
        if lib is not None and all(lib._handle != other._handle for other in libs):
            libs.append(lib)
    return libs


@contextmanager
def one_thread() -> Iterator[None]:
    """igraph's OpenMP loops on one thread within the block (this thread's setting only)."""
    libs = _libgomps()
    before = [int(lib.omp_get_max_threads()) for lib in libs]
    for lib in libs:
        lib.omp_set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(libs, before, strict=True):
            lib.omp_set_num_threads(n)
