"""Small hand-made problems for the engine tests (plain data, no randomness)."""

from __future__ import annotations

import numpy as np

from planner.tours.model import (
    Frequency,
    Horizon,
    Location,
    Lunch,
    Objective,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
)


def grid_problem(points, stops, vehicles, horizon=None, objective=None, speed=1.0) -> Problem:
    """Locations at ``points`` (x, y in km); minutes = km / speed (km per minute)."""
    xy = np.asarray(points, dtype=float)
    km = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    return Problem(
        horizon=horizon or Horizon(weeks=1, weekdays=(0,)),
        locations=tuple(Location(f"L{i}", f"Lieu {i}") for i in range(len(points))),
        durations=km / speed,
        distances=km,
        stops=tuple(stops),
        vehicles=tuple(vehicles),
        objective=objective or Objective(),
        name="test",
    )


def van(vid="van", **kw) -> Vehicle:
    kw.setdefault("shift", TimeWindow(0, 24 * 60))
    return Vehicle(vid, vid, 0, 0, **kw)


def stop(sid, loc, duration=30.0, **kw) -> Stop:
    return Stop(sid, f"Arrêt {sid}", loc, duration, **kw)


__all__ = [
    "grid_problem",
    "van",
    "stop",
    "Frequency",
    "Horizon",
    "Lunch",
    "Objective",
    "TimeWindow",
    "Vehicle",
]
