"""Options and helpers shared by several commands (database URL, output formats, console)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

# No markup: names, paths and messages come from users' files; "[/x]" in them is text.
console = Console(markup=False)
err_console = Console(stderr=True, markup=False)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help=(
            "SQLAlchemy database URL (default: $ITINERANCE_DB, else a SQLite file in the user "
            "data folder)."
        ),
        show_default=False,
    ),
]

ScenarioSeedOption = Annotated[
    int | None,
    typer.Option("--seed", help="Random seed (default: the scenario's).", show_default=False),
]
