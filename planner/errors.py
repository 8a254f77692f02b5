"""Error types of the planner (scenario files, infeasible problems, routing servers).

See :mod:`geodata.errors`: every class derives from :class:`~geodata.errors.ItineranceError`,
which the CLI turns into a one-line message and exit code 2.
"""

from __future__ import annotations

from geodata.errors import DataError, ItineranceError

__all__ = [
    "ItineranceError",
    "DataError",
    "ScenarioError",
    "InfeasibleError",
    "RouterError",
    "PlanError",
    "ParameterError",
]


class ScenarioError(ItineranceError):
    """A scenario file is invalid: unknown key, wrong type, impossible value."""


class InfeasibleError(ItineranceError):
    """The problem has no solution that serves every mandatory stop; ``reasons`` says why."""

    def __init__(self, message: str, reasons: list[str] | None = None):
        super().__init__(message)
        self.reasons = list(reasons or [])


class RouterError(ItineranceError):
    """A routing server (OSRM) is unreachable or answered something unusable."""


class PlanError(ItineranceError):
    """A plan file is unreadable or does not match its scenario."""


class ParameterError(ItineranceError, ValueError):
    """A library function got a parameter out of range. The core names its own parameter
    (``circuity``, ``workers``); the layer that knows the file or option (the scenario reader,
    the CLI) says where it came from."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message
