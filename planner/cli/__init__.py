"""Command-line interface of itinerance: the one place that ties geodata, planner and maps.

Commands stay thin: they parse options, call the library and print. Every
:class:`~geodata.errors.ItineranceError` is turned into a one-line ``error:`` message on stderr and
exit code 2, with no traceback.
"""

from __future__ import annotations

import sys

from rich.text import Text

from geodata.errors import ItineranceError

# Command modules register themselves on import.
from planner.cli import (  # noqa: F401,E402
    bench,
    compare,
    coverage,
    data,
    demo,
    export,
    map_commands,
    planning,
    sweep,
    web,
)
from planner.cli.app import app
from planner.cli.common import err_console

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point (``itinerance``)."""
    try:
        app(standalone_mode=True)
    except ItineranceError as exc:
        err_console.print(
            Text.assemble(("error:", "bold red"), f" {exc}"), highlight=False, soft_wrap=True
        )
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
