"""The plan as the tour map draws it: :func:`tour_routes` turns a
:class:`~planner.tours.plan.Plan` into :class:`TourRoute` objects — one per vehicle-day, in day
then vehicle order, each with its colour, its day's name in French, its base and its
:class:`TourVisit` objects (place, arrival, permanence, lunch, driving time from the previous
stop).

Names and places come from ``plan.meta.context``, the cycle's day names and the bases from
``plan.meta.schedule``; the :class:`~planner.tours.model.Problem`, when given, stands in for a
plan written without them. An on-demand home visit is placed at its commune's point, never at the
address, unless ``include_personal_data``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from maps.errors import MapError
from maps.style import RouteStyle, route_style
from maps.tour.style import EPS
from planner.outputs.calendar import day_title_fr
from planner.tours.model import Horizon, Problem, StopKind
from planner.tours.plan import Plan, Route, Visit
from planner.tours.schedule import horizon_from_dict, schedule_meta


@dataclass(frozen=True)
class TourVisit:
    """One visit of a route as the map shows it (``order`` counts from 1 in the route)."""

    order: int
    stop: str
    name: str  # what the reader sees: the stop's name, or "Visite à domicile" for a request
    commune: str | None
    insee: str | None
    is_request: bool
    lat: float | None  # None: not placed on the map (e.g. a home visit of unknown commune)
    lon: float | None
    arrival: float
    start: float
    end: float
    lunch: tuple[float, float] | None  # the route's break when taken during this permanence
    drive_minutes: float | None  # from the previous stop (or the base)
    previous: str  # name of the previous stop, or of the base

    @property
    def placed(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class TourRoute:
    """One vehicle-day route with its style and what the reader needs to know of it."""

    index: int
    vehicle: str
    vehicle_name: str
    day: int
    day_title: str  # "Semaine 1 — lundi", "2e mardi", "Dernier jour du mois", "Jour 3"
    style: RouteStyle
    depart: float
    ret: float
    lunch: tuple[float, float] | None
    base_name: str
    base: tuple[float, float] | None  # (lat, lon)
    end_base: tuple[float, float] | None
    visits: tuple[TourVisit, ...]
    km: float | None  # from the plan's recorded legs (or the problem), when known
    drive_minutes: float | None

    @property
    def label(self) -> str:
        """``Semaine 1 — lundi · Bus 1``: how the legend and the tables name the route."""
        return f"{self.day_title} · {self.vehicle_name}"

    @property
    def path(self) -> list[tuple[float, float]]:
        """(lat, lon) points in road order: base, placed stops, end base."""
        pts = [self.base] if self.base else []
        pts += [(v.lat, v.lon) for v in self.visits if v.placed]  # type: ignore[misc]
        if self.end_base:
            pts.append(self.end_base)
        return pts


@dataclass
class _Places:
    """Names and points of stops and vehicles, the cycle and the legs of each route: from the
    plan's ``meta`` (``context`` and ``schedule``), or the problem when given."""

    stops: dict[str, dict[str, Any]] = field(default_factory=dict)
    vehicles: dict[str, dict[str, Any]] = field(default_factory=dict)
    horizon: Horizon | None = None
    legs: dict[tuple[str, int], tuple[list[float], list[float]]] = field(default_factory=dict)


def _commune_points(communes: gpd.GeoDataFrame | None) -> dict[str, tuple[float, float]]:
    """(lat, lon) of each commune of ``communes`` (its own point, else a point of its shape)."""
    if communes is None or len(communes) == 0 or "code" not in communes.columns:
        return {}
    out: dict[str, tuple[float, float]] = {}
    lon = pd.to_numeric(communes["lon"], errors="coerce") if "lon" in communes else None
    lat = pd.to_numeric(communes["lat"], errors="coerce") if "lat" in communes else None
    geometry = communes.geometry.to_crs(4326) if communes.crs is not None else communes.geometry
    for n, code in enumerate(communes["code"].astype(str)):
        if (
            lon is not None
            and lat is not None
            and not (np.isnan(lon.iat[n]) or np.isnan(lat.iat[n]))
        ):
            out[code] = (float(lat.iat[n]), float(lon.iat[n]))
        else:
            geom = geometry.iat[n]
            if geom is not None and not geom.is_empty:
                pt = geom.representative_point()
                out[code] = (pt.y, pt.x)
    return out


def _point(place: Mapping[str, Any] | None) -> tuple[float, float] | None:
    if not place or place.get("lat") is None or place.get("lon") is None:
        return None
    return (float(place["lat"]), float(place["lon"]))


def _schedule(plan: Plan, problem: Problem | None) -> dict[str, Any]:
    """The cycle, bases and legs (:func:`planner.tours.schedule.schedule_meta`): recomputed from
    the problem when given, else the block ``itinerance plan`` records in the plan (may be
    absent)."""
    if problem is not None:
        return schedule_meta(problem, plan)
    block = plan.meta.schedule
    return block if isinstance(block, dict) else {}


def _places(
    plan: Plan, problem: Problem | None, include_personal: bool, communes: gpd.GeoDataFrame | None
) -> _Places:
    context = plan.meta.context or {}
    if not context and problem is None:
        raise MapError(
            f"plan {plan.problem or '(unnamed)'}: no meta.context with the stops' names and "
            "places; "
            "expected a plan written by `itinerance plan` (or pass the problem)"
        )
    schedule = _schedule(plan, problem)
    out = _Places()
    try:
        out.horizon = horizon_from_dict(schedule["horizon"]) if "horizon" in schedule else None
        for leg in schedule.get("legs", []):
            minutes, km = [float(m) for m in leg["minutes"]], [float(k) for k in leg["km"]]
            out.legs[(str(leg["vehicle"]), int(leg["day"]))] = (minutes, km)
    except (KeyError, TypeError, ValueError) as exc:
        raise MapError(
            f"plan {plan.problem or '(unnamed)'}: malformed meta.schedule ({exc!r})"
        ) from None
    points = _commune_points(communes)
    stops = problem.stop_by_id if problem is not None else {}
    for sid in {v.stop for r in plan.routes for v in r.visits}:
        info = dict(context.get("stops", {}).get(sid) or {})
        stop = stops.get(sid)
        request = info.get("kind") == "request" or (
            stop is not None and stop.kind is StopKind.REQUEST
        )
        info["request"] = request
        info.setdefault("name", stop.name if stop is not None else sid)
        info.setdefault("insee", stop.insee if stop is not None else None)
        if stop is not None and include_personal and request:  # the home itself, as asked
            loc = problem.locations[stop.location]  # type: ignore[union-attr]
            if loc.lat is not None and loc.lon is not None:
                info["lat"], info["lon"] = loc.lat, loc.lon
        if info.get("lat") is None or info.get("lon") is None:
            # a home visit's own coordinates may be a home: only its commune's point is used
            loc = problem.locations[stop.location] if stop is not None and not request else None  # type: ignore[union-attr]
            if loc is not None and loc.lat is not None and loc.lon is not None:
                info["lat"], info["lon"] = loc.lat, loc.lon
            elif info.get("insee") in points:
                info["lat"], info["lon"] = points[info["insee"]]
            else:
                info["lat"] = info["lon"] = None
        out.stops[sid] = info
    sheets = schedule.get("vehicles", {})
    vehicles = problem.vehicle_by_id if problem is not None else {}
    for vid in {r.vehicle for r in plan.routes}:
        info = dict(context.get("vehicles", {}).get(vid) or {})
        sheet = sheets.get(vid) or {}
        v = vehicles.get(vid)
        info.setdefault("name", v.name if v is not None else vid)
        base, end = _point(sheet.get("base")), _point(sheet.get("end") or sheet.get("base"))
        insee = info.get("base_insee") or (sheet.get("base") or {}).get("insee")
        if base is None and insee in points:
            base = end = points[insee]
        info["base_point"], info["end_point"] = base, end
        info["base"] = info.get("base") or (sheet.get("base") or {}).get("name") or "la base"
        out.vehicles[vid] = info
    return out


def _stop_name(info: Mapping[str, Any], include_personal: bool) -> str:
    if info["request"] and not include_personal:
        return "Visite à domicile"
    return str(info.get("name") or "")


def _lunch_in(route: Route, visit: Visit) -> tuple[float, float] | None:
    """The route's break if it is taken during this permanence."""
    if (
        route.lunch is not None
        and visit.start - EPS <= route.lunch[0]
        and route.lunch[1] <= visit.end + EPS
    ):
        return route.lunch
    return None


def _drive_estimate(route: Route, leave: float, arrival: float) -> float:
    """Driving time from the plan's times only: arrival minus leaving, minus a break between."""
    minutes = arrival - leave
    if (
        route.lunch is not None
        and leave - EPS <= route.lunch[0]
        and route.lunch[1] <= arrival + EPS
    ):
        minutes -= route.lunch[1] - route.lunch[0]
    return max(minutes, 0.0)


def tour_routes(
    plan: Plan,
    *,
    problem: Problem | None = None,
    communes: gpd.GeoDataFrame | None = None,
    include_personal_data: bool = False,
) -> tuple[list[TourRoute], list[str], Horizon]:
    """The plan's routes as drawn, in (day, vehicle) order, French notes on what could not be
    drawn, and the cycle (numbered days when the plan does not say it). See
    :func:`make_tour_map` for the arguments."""
    places = _places(plan, problem, include_personal_data, communes)
    n_days = max((r.day for r in plan.routes), default=0) + 1
    horizon = places.horizon
    if horizon is None or n_days > horizon.n_days:
        horizon = Horizon.plain(n_days)
    ids = (
        [v.id for v in problem.vehicles]
        if problem is not None
        else list((plan.meta.context or {}).get("vehicles", {}))
    )
    order = {vid: n for n, vid in enumerate(ids)}  # the scenario's order of vehicles
    routes = sorted(plan.routes, key=lambda r: (r.day, order.get(r.vehicle, len(order)), r.vehicle))
    out: list[TourRoute] = []
    unplaced: dict[str, TourVisit] = {}
    no_base: set[str] = set()
    for k, route in enumerate(routes):
        vinfo = places.vehicles[route.vehicle]
        minutes, km = places.legs.get((route.vehicle, route.day), ([], []))
        exact = len(minutes) == len(route.visits) + 1  # one leg per visit, plus the drive back
        prev_name, leave = str(vinfo["base"]), route.depart
        visits = []
        for n, visit in enumerate(route.visits, start=1):
            info = places.stops[visit.stop]
            name = _stop_name(info, include_personal_data)
            tv = TourVisit(
                order=n,
                stop=visit.stop,
                name=name,
                commune=info.get("commune"),
                insee=info.get("insee"),
                is_request=bool(info["request"]),
                lat=info.get("lat"),
                lon=info.get("lon"),
                arrival=visit.arrival,
                start=visit.start,
                end=visit.end,
                lunch=_lunch_in(route, visit),
                drive_minutes=minutes[n - 1]
                if exact
                else _drive_estimate(route, leave, visit.arrival),
                previous=prev_name,
            )
            if not tv.placed:
                unplaced[visit.stop] = tv
            visits.append(tv)
            prev_name, leave = name, visit.end
        if exact:
            drive = sum(minutes)
        else:
            back = _drive_estimate(route, leave, route.ret) if route.visits else 0.0
            drive = sum(v.drive_minutes or 0.0 for v in visits) + back
        if vinfo["base_point"] is None:
            no_base.add(str(vinfo["name"]))
        out.append(
            TourRoute(
                index=k,
                vehicle=route.vehicle,
                vehicle_name=str(vinfo["name"]),
                day=route.day,
                day_title=day_title_fr(horizon, route.day),
                style=route_style(k),
                depart=route.depart,
                ret=route.ret,
                lunch=route.lunch,
                base_name=str(vinfo["base"]),
                base=vinfo["base_point"],
                end_base=vinfo["end_point"],
                visits=tuple(visits),
                km=sum(km) if exact else None,
                drive_minutes=drive,
            )
        )
    notes = []
    homes = sum(1 for v in unplaced.values() if v.is_request)
    if homes:
        notes.append(
            f"{homes} visite{'s' if homes > 1 else ''} à domicile sans commune connue : "
            f"pas placée{'s' if homes > 1 else ''} sur la carte (voir le tableau)."
        )
    others = sorted({v.name for v in unplaced.values() if not v.is_request})
    if others:
        notes.append(
            f"Sans position connue, non dessiné{'s' if len(others) > 1 else ''} : "
            f"{', '.join(others)} "
            "(voir le tableau)."
        )
    if no_base:
        notes.append(
            f"Base sans position connue ({', '.join(sorted(no_base))}) : trajets depuis la base "
            "non tracés."
        )
    if horizon.plain_days is not None and (
        places.horizon is None or places.horizon.plain_days is None
    ):
        notes.append("Jours numérotés dans le cycle : le plan ne dit pas son calendrier.")
    return out, notes, horizon


def stop_passages(routes: Sequence[TourRoute]) -> dict[str, list[tuple[TourRoute, TourVisit]]]:
    out: dict[str, list[tuple[TourRoute, TourVisit]]] = {}
    for r in routes:
        for v in r.visits:
            out.setdefault(v.stop, []).append((r, v))
    return out
