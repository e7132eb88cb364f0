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
from contextlib import contextmanager, suppress
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


#: paper sizes the PDF is printed on, (width, height) in inches
PAPER = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}

#: the page footer of a printed report: title, page number and page count
FOOTER = (
    '<div style="font: 8px system-ui, sans-serif; color: #5b6676; width: 100%; '
    'padding: 0 12mm; display: flex; justify-content: space-between;">'
    '<span class="title"></span><span>page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></span></div>'
)


def _header(text: str) -> str:
    """The page header: ``text`` in dark red, centred (empty when there is none)."""
    if not text:
        return "<div></div>"
    from html import escape

    return (
        '<div style="font: 600 9px system-ui, sans-serif; color: #8b1a1a; width: 100%; '
        f'text-align: center;">{escape(text)}</div>'
    )


class _Pipe:
    """Chromium's DevTools protocol over ``--remote-debugging-pipe``: JSON messages ended by a
    NUL byte, commands written to the browser's fd 3, answers and events read from its fd 4."""

    def __init__(self, proc: Any, write_fd: int, read_fd: int, deadline: float) -> None:
        self.proc, self.write_fd, self.read_fd, self.deadline = proc, write_fd, read_fd, deadline
        self.buffer = b""
        self.events: list[dict[str, Any]] = []
        self.next_id = 0

    def _message(self) -> dict[str, Any]:
        import json
        import select
        import time

        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.read_fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise GroundswellError("Chromium closed the connection")
                self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        import json

        self.next_id += 1
        ask: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            ask["sessionId"] = session
        data = json.dumps(ask).encode() + b"\0"
        while data:
            data = data[os.write(self.write_fd, data) :]
        while True:
            message = self._message()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise GroundswellError(f"Chromium: {method}: {message['error'].get('message')}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_event(self, method: str) -> dict[str, Any]:
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._message())


def print_pdf(
    url: str,
    *,
    paper: str = "a4",
    timeout: float = 120.0,
    ready: str = "document.fonts.ready.then(() => true)",
    step: Callable[[str], None] | None = None,
    header: str = "",
) -> bytes:
    """Print the page at ``url`` to PDF bytes with headless Chromium, offline.

    The browser runs with a throw-away profile and a proxy that goes nowhere (the page cannot
    reach the network), is driven over the DevTools pipe, waits for the page's load event and
    then for the JavaScript promise ``ready``, and prints on ``paper`` (see :data:`PAPER`)
    with backgrounds, a footer with the page number and count (:data:`FOOTER`), and the PDF's
    outline (bookmarks) from the headings, and ``header`` (plain text) at the top of every
    page when given. ``step`` is told each stage, for a progress bar.
    Raises :class:`GroundswellError` when Chromium is missing, fails or runs out of time.
    """
    import base64
    import fcntl
    import subprocess
    import tempfile
    import time

    width, height = PAPER[paper]
    say = step or (lambda _stage: None)
    exe = chromium()
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def child_fds() -> None:  # the browser reads commands on fd 3 and answers on fd 4
        a = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.dup2(a, 3)
        os.dup2(b, 4)

    with tempfile.TemporaryDirectory(prefix="gs-chromium-") as profile:
        say("starting Chromium")
        log = open(Path(profile) / "stderr.log", "w+b")  # noqa: SIM115 - closed below
        try:
            proc = subprocess.Popen(
                [
                    exe,
                    "--headless",
                    *CHROMIUM_ARGS,
                    "--remote-debugging-pipe",
                    "--proxy-server=127.0.0.1:9",
                    "--proxy-bypass-list=<-loopback>",
                    f"--user-data-dir={profile}",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                pass_fds=(3, 4),
                preexec_fn=child_fds,  # the browser's pipe must sit at fds 3 and 4
            )
        except OSError as e:
            log.close()
            raise GroundswellError(f"Chromium ({exe}) could not be started: {e}") from e
        finally:
            os.close(to_browser_r)
            os.close(from_browser_w)
        pipe = _Pipe(proc, to_browser_w, from_browser_r, time.monotonic() + timeout)
        try:
            target = pipe.send("Target.createTarget", url="about:blank")["targetId"]
            session = pipe.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            pipe.send("Page.enable", session)
            say("loading the report")
            pipe.send("Page.navigate", session, url=url)
            pipe.wait_event("Page.loadEventFired")
            say("drawing the pictures")
            pipe.send("Runtime.evaluate", session, expression=ready, awaitPromise=True)
            say("printing the pages")
            printed = pipe.send(
                "Page.printToPDF", session,
                paperWidth=width, paperHeight=height,
                marginTop=0.5, marginBottom=0.55, marginLeft=0.45, marginRight=0.45,
                printBackground=True, displayHeaderFooter=True,
                headerTemplate=_header(header), footerTemplate=FOOTER,
                preferCSSPageSize=False, generateDocumentOutline=True, generateTaggedPDF=True,
            )  # fmt: skip
            data = base64.b64decode(printed["data"])
            with suppress(GroundswellError):
                pipe.send("Browser.close")
        except TimeoutError as e:
            raise GroundswellError(f"Chromium did not finish within {timeout:.0f} s") from e
        except (GroundswellError, OSError, ValueError, KeyError) as e:
            log.seek(0)
            err = log.read()[-400:]
            raise GroundswellError(
                f"Chromium could not print the report (exit {proc.poll()}): "
                f"{e} {err.decode(errors='replace').strip()}"
            ) from e
        finally:
            os.close(to_browser_w)
            os.close(from_browser_r)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
    return data
