"""The Typer application objects that every command module attaches its commands to.

Command modules (``data``, ``coverage``, ``planning``, ``outputs``, ``demo``) import ``app`` or a
sub-application from here and decorate their functions; :mod:`planner.cli` imports them all.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="itinerance",
    help=(
        "Plan itinerant digital-inclusion services (France Services buses, mediation vans, "
        "kiosks, home visits): territory data, coverage gaps, tour optimisation, scenarios."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

data_app = typer.Typer(
    help="Territory data: sources, download, load into the database, import your own files.",
    no_args_is_help=True,
)
map_app = typer.Typer(help="HTML maps (coverage, tours).", no_args_is_help=True)

app.add_typer(data_app, name="data")
app.add_typer(map_app, name="map")
