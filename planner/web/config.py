"""The configuration ``itinerance app`` starts with (the CLI's options, or a test's)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["AppConfig"]


@dataclass(frozen=True)
class AppConfig:
    """What the app needs to start. ``db``: SQLAlchemy URL (None: ``$ITINERANCE_DB`` or the
    default file, as the CLI); ``runs``: folder of the plans' files; ``workers``: worker
    processes (None: the machine's cores); ``token``: required from every client when set."""

    db: str | None
    runs: Path
    workers: int | None = None
    token: str | None = None
    time_limit: float | None = None  # overrides the scenarios' [solver] time_limit (tests)
