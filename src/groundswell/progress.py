"""Progress on a terminal, silence in pipes: a thin wrapper over rich."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class Steps(Protocol):
    def step(self, description: str) -> None: ...


class _Quiet:
    def step(self, description: str) -> None:
        pass


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
    """A progress bar of ``total`` named steps on stderr, shown only on a terminal."""
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
