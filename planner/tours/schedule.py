"""What a plan records of its problem so that outputs can read it back without the problem:
the cycle, the vehicles' bases and each route's legs (minutes and km from the problem's
matrices). Written into the plan's meta when a scenario is planned; read by
:mod:`planner.outputs.calendar`. Requests' coordinates (possibly a home) are never written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from planner.tours.model import Horizon, Problem
from planner.tours.plan import Plan

SCHEDULE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Leg:
    """One drive of a route: minutes and km from the previous place (or the base)."""

    minutes: float
    km: float


def horizon_to_dict(h: Horizon) -> dict[str, Any]:
    """A horizon as JSON-ready data (see :func:`horizon_from_dict`)."""
    out: dict[str, Any] = {
        "weeks": h.weeks,
        "weekdays": list(h.weekdays),
        "days_off": sorted(h.days_off),
        "monthly": h.monthly,
        "last_day_of_month": h.last_day_of_month,
        "plain_days": h.plain_days,
    }
    if h.period:
        out["period"] = [d.isoformat() for d in h.period]
    return out


def horizon_from_dict(data: Mapping[str, Any]) -> Horizon:
    """The horizon :func:`horizon_to_dict` wrote; ValueError/TypeError/KeyError when malformed."""
    if data.get("plain_days") is not None:
        return Horizon.plain(int(data["plain_days"]))
    return Horizon(
        weeks=int(data["weeks"]),
        weekdays=tuple(int(d) for d in data["weekdays"]),
        days_off=frozenset(int(d) for d in data.get("days_off", ())),
        monthly=bool(data.get("monthly", False)),
        last_day_of_month=bool(data.get("last_day_of_month", False)),
        period=tuple(date.fromisoformat(str(d)) for d in data.get("period") or ()),
    )


def _place_dict(problem: Problem, index: int) -> dict[str, Any]:
    loc = problem.locations[index]
    return {"name": loc.name or loc.id, "lon": loc.lon, "lat": loc.lat, "insee": loc.insee}


def route_legs(problem: Problem, vehicle_id: str, route_visits: Iterable[str]) -> list[Leg]:
    vehicle = problem.vehicle_by_id[vehicle_id]
    path = [vehicle.start_location]
    path += [problem.stop_by_id[s].location for s in route_visits]
    path.append(vehicle.end_location)
    return [Leg(*problem.travel(a, b)) for a, b in itertools.pairwise(path)]


def schedule_meta(problem: Problem, plan: Plan) -> dict[str, Any]:
    """What :meth:`Schedule.from_plan` needs besides the context, for the plan's ``meta``:
    the cycle, the vehicles' bases and each route's legs (minutes and km, from the problem's
    matrices). Requests' coordinates (possibly a home) are never written."""
    vehicles = {
        v.id: {
            "base": _place_dict(problem, v.start_location),
            "end": _place_dict(problem, v.end_location),
        }
        for v in problem.vehicles
    }
    legs = []
    for r in sorted(plan.routes, key=lambda r: (r.vehicle, r.day)):
        if r.vehicle not in problem.vehicle_by_id or any(
            v.stop not in problem.stop_by_id for v in r.visits
        ):
            continue
        legs_of_route = route_legs(problem, r.vehicle, [v.stop for v in r.visits])
        legs.append(
            {
                "vehicle": r.vehicle,
                "day": r.day,
                "minutes": [round(leg.minutes, 3) for leg in legs_of_route],
                "km": [round(leg.km, 3) for leg in legs_of_route],
            }
        )
    return {
        "version": SCHEDULE_VERSION,
        "horizon": horizon_to_dict(problem.horizon),
        "vehicles": vehicles,
        "legs": legs,
    }
