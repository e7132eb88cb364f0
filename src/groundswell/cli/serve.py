"""The "Serve" panel: ``groundswell serve``, the web dashboard of a workspace under uvicorn
(its accounts are made with ``groundswell user add``, :mod:`groundswell.cli.setup`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from groundswell.console import reports_errors

if TYPE_CHECKING:
    import uvicorn

commands = typer.Typer()


@commands.command()
@reports_errors
def serve(
    workspace: Annotated[Path, typer.Argument(help="The workspace folder.")],
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 exposes it to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            help="Mark the session cookie Secure (behind an https proxy). Browsers do not "
            "send Secure cookies over plain http, so leave it off on http://127.0.0.1.",
        ),
    ] = False,
) -> None:
    """Serve the web dashboard of a workspace (FastAPI under uvicorn) and print its address."""
    from groundswell.web.app import create_app

    app = create_app(workspace, secure_cookies=secure_cookies)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"groundswell dashboard of {workspace} at http://{shown}:{port}/ (Ctrl+C to stop)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            "warning: listening beyond this machine; put it behind https and use --secure-cookies",
            err=True,
        )
    server(app, host, port).run()


#: Seconds an idle keep-alive connection stays open.
KEEP_ALIVE = 30


def server(app: Any, host: str, port: int) -> uvicorn.Server:
    """The uvicorn server ``serve`` runs. Without uvicorn's own ``proxy_headers`` (on by
    default, it believes X-Forwarded-For from 127.0.0.1, so anything on the machine could
    pose as any address): the app believes forwarded headers only from the proxies of
    ``web.trusted_proxies``. An idle keep-alive connection is kept :data:`KEEP_ALIVE`
    seconds (uvicorn's 5 s let a client that paused a little longer send its next request
    just as the server closed the connection: "Server disconnected without sending a
    response")."""
    import uvicorn

    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", proxy_headers=False,
        timeout_keep_alive=KEEP_ALIVE,
    )  # fmt: skip
    return uvicorn.Server(config)
