"""CLI commands: bench (filled in by its owner)."""

from __future__ import annotations

from planner.cli.app import app, map_app  # noqa: F401
