"""Headless Chromium, driven one way everywhere: the report's PDF, the browser tests and the
dashboard benchmark.

groundswell uses the system's Chromium (Debian's ``chromium`` package, or the executable named
by ``GROUNDSWELL_CHROMIUM``) and never downloads a browser. Pages are opened in a throw-away
profile with background networking off, and every request that does not go where it is
allowed to is blocked and recorded, so a test can assert that nothing left the machine.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from groundswell.errors import GroundswellError

#: switches for a headless Chromium that talks to nothing but the page it is given
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable: ``GROUNDSWELL_CHROMIUM`` if set, else the first of
    chromium, chromium-browser, google-chrome on the PATH; None when there is none."""
    named = os.environ.get("GROUNDSWELL_CHROMIUM")
    if named:
        return named
    found = (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))
    return next((p for p in found if p), None)


def chromium() -> str:
    """:func:`find_chromium`, or a clear error saying how to install it."""
    found = find_chromium()
    if not found:
        raise GroundswellError(
            "this needs Chromium (Debian: apt install chromium), or the path of a Chromium "
            "or Chrome executable in GROUNDSWELL_CHROMIUM"
        )
    return found


@contextmanager
def offline_page_context(
    playwright: Any,
    profile: str | Path,
    allow: Callable[[str], bool],
    **options: Any,
) -> Iterator[tuple[Any, list[str]]]:
    """A Playwright persistent context of the system Chromium in which only requests whose URL
    ``allow`` accepts go through; the others are aborted and their URLs collected in the list
    yielded beside the context. ``options`` go to ``launch_persistent_context`` (viewport...).
    """
    attempted: list[str] = []

    def gate(route: Any) -> None:
        url = route.request.url
        if allow(url):
            route.continue_()
        else:
            attempted.append(url)
            route.abort()

    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=chromium(),
        headless=True,
        args=list(CHROMIUM_ARGS),
        **options,
    )
    try:
        context.route("**/*", gate)
        yield context, attempted
    finally:
        context.close()
