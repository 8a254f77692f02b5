"""``itinerance app``: start the local web application (:mod:`planner.web`).

Thin: it checks the options, builds the app's configuration and hands it to uvicorn. It binds to
127.0.0.1 by default; on any other address the app requires a token (``--token``, or one made
up here and printed), since anyone on the network could reach it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geodata.errors import ItineranceError
from planner.cli.app import app
from planner.cli.common import DbOption, console

DEFAULT_PORT = 8765


@app.command("app")
def app_command(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (other machines: 0.0.0.0).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = DEFAULT_PORT,
    db: DbOption = None,
    runs: Annotated[
        Path | None,
        typer.Option(
            "--runs",
            help="Folder of the plans' files (default: $ITINERANCE_APP_DIR, else the user data "
            "folder).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Plans and loads running at once (default and maximum: the number of cores).",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="Access token required from every client (made up when listening beyond "
            "the loopback without one).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the web application (French) on this machine and print its address."""
    import uvicorn

    from geodata import settings
    from planner.web.app import create_app
    from planner.web.config import AppConfig
    from planner.web.security import is_loopback, new_token

    if not 0 < port < 65536:
        raise ItineranceError(f"--port: expected a port between 1 and 65535, got {port}")
    if workers is not None and workers < 1:
        raise ItineranceError(f"--workers: expected at least 1, got {workers}")
    if not is_loopback(host) and token is None:
        token = new_token()
    folder = runs or settings.app_dir()
    config = AppConfig(db=db, runs=folder, workers=workers, token=token)
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/"
    console.print(f"itinerance app : {address}", highlight=False)
    if token is not None:
        console.print(
            f"Accès protégé par un jeton : ouvrez {address}?token={token}", highlight=False
        )
    console.print("Arrêt : Ctrl+C.", highlight=False)
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")
