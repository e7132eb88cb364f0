"""One OpenMP thread for igraph's parallel loops, where their sums must not depend on timing.

igraph's wheels bundle their own ``libgomp``, and PRPACK (its PageRank solver) sums in an
OpenMP ``parallel for`` reduction: with two threads the order of the sums, and so the last
bits of the scores, change from one call to the next (1e-18 at 5,000 people: enough to swap
two people at a percentile cut, so the same seed gave different hidden influencers).
:func:`one_thread` runs a block with that library's thread count at 1 for the calling
thread, then restores it; without a loadable ``libgomp`` it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path


@cache
def _libgomp() -> ctypes.CDLL | None:
    """igraph's own libgomp (``igraph.libs/libgomp-*.so*`` beside the package), else the
    system's; None when neither loads."""
    import igraph

    here = Path(igraph.__file__).resolve().parent.parent
    candidates = [str(p) for p in sorted(here.glob("igraph.libs/libgomp*.so*"))]
    system = ctypes.util.find_library("gomp")
    if system:
        candidates.append(system)
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
            lib.omp_get_max_threads.restype = ctypes.c_int
            lib.omp_set_num_threads.argtypes = [ctypes.c_int]
            return lib
        except (OSError, AttributeError):
            continue
    return None


@contextmanager
def one_thread() -> Iterator[None]:
    """igraph's OpenMP loops on one thread within the block (this thread's setting only)."""
    lib = _libgomp()
    if lib is None:
        yield
        return
    before = int(lib.omp_get_max_threads())
    lib.omp_set_num_threads(1)
    try:
        yield
    finally:
        lib.omp_set_num_threads(before)
