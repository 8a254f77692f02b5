"""Error types of itinerance.

Every error a user can cause (bad file, bad option, unreachable database) is raised as one of
these types with a one-line message that names the file, line or field and what was expected.
The CLI catches :class:`ItineranceError` once and turns it into that line and exit code 2; any
other exception is a bug. This module lives in ``geodata`` because it is the lowest layer: the
planner and the maps import it, never the other way round.
"""

from __future__ import annotations


class ItineranceError(Exception):
    """Base of every user-facing error: the message is shown as is, on one line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class DataError(ItineranceError):
    """A data file is missing, corrupt, unreadable or holds invalid values."""


class DatabaseError(ItineranceError):
    """The database cannot be reached, or is not in the expected state."""


class UnknownAreaError(DataError):
    """A département, region, EPCI or commune code that does not exist or is not loaded."""
