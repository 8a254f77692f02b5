"""``itinerance data ...``: territory data commands (owned by the geodata work)."""

from __future__ import annotations

from planner.cli.app import data_app  # noqa: F401
