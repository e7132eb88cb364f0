"""Progress on a terminal, silence in pipes: a thin wrapper over rich.

A background job (the dashboard's jobs, :mod:`groundswell.web.jobs`) follows the steps of
the library function it runs with :func:`listen`: its callback hears every step of this
thread, whether or not a bar is shown, and may raise to stop the work (a cancelled job):
the function's transaction then rolls back.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class Steps(Protocol):
    def step(self, description: str) -> None: ...


_local = threading.local()


@contextmanager
def listen(callback: Callable[[str, int, int], None]) -> Iterator[None]:
    """Within the block, ``callback(description, step number from 1, total)`` hears every
    step of the progress bars of this thread; it may raise to stop the work."""
    previous = getattr(_local, "callback", None)
    _local.callback = callback
    try:
        yield
    finally:
        _local.callback = previous


class _Quiet:
    def step(self, description: str) -> None:
        pass


class _Heard:
    """Steps told to the thread's listener, then to the bar."""

    def __init__(self, inner: Steps, total: int, callback: Callable[[str, int, int], None]):
        self._inner, self._total, self._callback, self._n = inner, total, callback, 0

    def step(self, description: str) -> None:
        self._n += 1
        self._callback(description, self._n, self._total)
        self._inner.step(description)


class _Rich:
    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task
        self._started = False

    def step(self, description: str) -> None:
        if self._started:
            self._progress.advance(self._task)
        self._started = True
        self._progress.update(self._task, description=description)


@contextmanager
def steps(total: int, *, enabled: bool = True) -> Iterator[Steps]:
    """A progress bar of ``total`` named steps on stderr, shown only on a terminal (and told
    to this thread's :func:`listen` callback, if any)."""
    callback = getattr(_local, "callback", None)
    if callback is not None:
        _local.callback = None  # the bar inside (and any nested one) is not heard twice
        try:
            with steps(total, enabled=enabled) as inner:
                yield _Heard(inner, total, callback)
        finally:
            _local.callback = callback
        return
    if not (enabled and sys.stderr.isatty()):
        yield _Quiet()
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("", total=total)
        tracker = _Rich(progress, task)
        yield tracker
        progress.update(task, completed=total)


class Once:
    """A progress bar whose steps are each shown once: an ingest that reads its file again
    (after DuckDB ran out of memory under its budget) does not step the bar past its end."""

    def __init__(self, bar: Steps) -> None:
        self.bar, self.done = bar, set[str]()

    def step(self, description: str) -> None:
        if description not in self.done:
            self.done.add(description)
            self.bar.step(description)
