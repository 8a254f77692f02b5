"""The tour map: what a plan's vehicles do, day by day, in French, on a Folium map.

:func:`build_tour_map` draws every vehicle-day route of a :class:`~planner.tours.plan.Plan` in its own
colour (:func:`maps.style.route_style`): a line base → stops → base in visit order and numbered
stop markers whose popups give the commune, the day(s) in words, the arrival, the permanence
hours (split by the lunch break) and the driving time from the previous stop. A control groups
the routes by day and by vehicle (a route is shown while its day *and* its vehicle are ticked),
a legend lists the routes by colour and follows them, and an optional layer shades the communes
the tour brings within the coverage threshold. :func:`write_tour_map` writes the map with the
same information as an accessible table page and a CSV of the stops.

The plan is enough: names and places come from ``plan.meta.context``, the cycle's day names
("2e lundi du mois"), the bases and the driving times and distances from ``plan.meta.schedule``
(:mod:`planner.outputs.calendar`), times from its routes. The :class:`~planner.tours.model.Problem` it was made
for, when given, stands in for a plan written without them.

Privacy: an on-demand home visit shows as its commune and time slot only — placed at the
commune's point, never at the address, with no requester's name — unless
``include_personal_data``. This module presents a plan: it must not plan, validate, compute
coverage (the caller passes :mod:`planner.access.coverage` frames) nor read the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.map import Layer
from jinja2 import Template

from maps._html import esc, fmt_date, fmt_decimal, fmt_int, fmt_minutes, is_missing, js_json
from maps.coverage_map import MapError, table_path
from maps.geometry import DEFAULT_TOLERANCE_M, feature_collection, simplify_for_web
from maps.io import write_files
from maps.layers import (
    OSM_FRANCE_ATTRIBUTION,
    OSM_FRANCE_TILES,
    GeoJsonLayer,
    LegendEntry,
    LegendItem,
    LegendPanel,
    MapPoint,
    MetaJson,
    PointLayer,
    SharedData,
    base_map,
    finish_page,
    swatch,
)
from maps.popups import commune_popup
from maps.style import BASE_CSS, TOUR_BASE, RouteStyle, route_style
from maps.tables import Table, csv_text, table_page
from planner.outputs.calendar import day_title_fr
from planner.scenario.provenance import versions
from planner.tours.model import Horizon, Problem, StopKind
from planner.tours.plan import Plan, PlanMeta, Route, Visit
from planner.tours.schedule import horizon_from_dict, schedule_meta
from planner.tours.wording import describe_days_fr, format_range_fr, format_time_fr

__all__ = [
    "TourMap",
    "TourRoute",
    "TourVisit",
    "build_tour_map",
    "check_map_path",
    "created_coverage",
    "make_tour_map",
    "permanence_text",
    "tour_routes",
    "tour_tables",
    "write_tour_map",
]

ROUTE_CLASS = "itin-route"  # CSS class of every route line (the browser test counts them)
STOP_CLASS = "itin-stop"  # class of every numbered stop marker
BASE_CLASS = "itin-base"
CREATED_CLASS = "itin-created"  # communes the tour brings within the threshold
REACHED_CLASS = "itin-reached"  # communes within reach of the tour's stops, already covered before
GAP_CLASS = "itin-still-gap"  # communes still without human help within the threshold

CREATED_COLOUR = "#1b9e77"
GAP_COLOUR = "#969696"
_EPS = 1e-6
_TWO_COLUMNS = 8  # more routes than this: the legend and the day list go in two columns
_COLUMNS_CSS = 'section[data-legend="routes"] ul{columns:2;column-gap:14px}'

TOUR_CSS = """
.itin-num{display:flex;align-items:center;justify-content:center;box-sizing:border-box;
  width:var(--s);height:var(--s);border-radius:50%;background:var(--c);color:var(--t);
  border:2px solid #fff;box-shadow:0 1px 3px rgba(0,0,0,.6);
  font:700 12px/1 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.itin-num-home{border-radius:3px}
.itin-legend .itin-num{flex:none}
path.itin-route{filter:drop-shadow(0 0 1.2px #fff) drop-shadow(0 0 .6px #fff)}
.itin-line-sample{flex:none;display:block}
.itin-legends{max-width:420px}
section[data-legend="routes"] li{break-inside:avoid}
section[data-legend="routes"] li span{overflow-wrap:anywhere}
.itin-filter{font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
  max-height:50vh;overflow-y:auto;padding:6px 10px 6px 8px}
.itin-filter fieldset{border:none;margin:0 0 6px;padding:0}
.itin-filter legend{font-size:13px;font-weight:700;float:none;line-height:1.35;padding:0;margin-bottom:2px;display:flex;gap:6px;align-items:baseline;width:100%}
.itin-filter legend button{font:12px system-ui,sans-serif;border:none;background:none;color:#1d3f8f;
  text-decoration:underline;padding:0 2px;cursor:pointer}
.itin-filter .itin-filter-list{display:grid;grid-template-columns:1fr;column-gap:12px}
.itin-filter .itin-filter-list.itin-cols{grid-template-columns:1fr 1fr}
.itin-filter label{display:flex;align-items:center;gap:5px;white-space:nowrap;margin:1px 0;cursor:pointer}
.itin-filter label input{margin:0}
.itin-filter .itin-dot{width:10px;height:10px;border-radius:50%;flex:none;border:1px solid rgba(0,0,0,.25)}
"""


# --- the plan as drawn ------------------------------------------------------------------------
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
    """The cycle, bases and legs (:func:`planner.outputs.calendar.schedule_meta`): recomputed from the
    problem when given, else the block ``itinerance plan`` records in the plan (may be absent)."""
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
            f"plan {plan.problem or '(unnamed)'}: no meta.context with the stops' names and places; "
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
        and visit.start - _EPS <= route.lunch[0]
        and route.lunch[1] <= visit.end + _EPS
    ):
        return route.lunch
    return None


def _drive_estimate(route: Route, leave: float, arrival: float) -> float:
    """Driving time from the plan's times only: arrival minus leaving, minus a break between."""
    minutes = arrival - leave
    if (
        route.lunch is not None
        and leave - _EPS <= route.lunch[0]
        and route.lunch[1] <= arrival + _EPS
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
            f"Sans position connue, non dessiné{'s' if len(others) > 1 else ''} : {', '.join(others)} "
            "(voir le tableau)."
        )
    if no_base:
        notes.append(
            f"Base sans position connue ({', '.join(sorted(no_base))}) : trajets depuis la base non tracés."
        )
    if horizon.plain_days is not None and (
        places.horizon is None or places.horizon.plain_days is None
    ):
        notes.append("Jours numérotés dans le cycle : le plan ne dit pas son calendrier.")
    return out, notes, horizon


# --- text -------------------------------------------------------------------------------------
def permanence_text(start: float, end: float, lunch: tuple[float, float] | None) -> str:
    """``10:00–12:30 et 13:30–16:00`` when the break is taken on site, else ``9:00–11:30``."""
    if lunch is not None and start + _EPS < lunch[0] and lunch[1] < end - _EPS:
        return f"{format_range_fr(start, lunch[0])} et {format_range_fr(lunch[1], end)}"
    return format_range_fr(start, end)


def _place_text(visit: TourVisit) -> str:
    if visit.commune and visit.insee:
        return f"{visit.commune} ({visit.insee})"
    return visit.commune or visit.insee or ""


def _drive_text(visit: TourVisit) -> str:
    if visit.drive_minutes is None:
        return "—"
    return f"{fmt_minutes(visit.drive_minutes)} depuis {visit.previous}"


def _visit_popup(
    route: TourRoute,
    visit: TourVisit,
    passages: Sequence[tuple[TourRoute, TourVisit]],
    days_words: str,
) -> str:
    """Popup HTML of one visit: every data-derived text escaped here."""
    rows: list[tuple[str, str]] = []
    place = _place_text(visit)
    if place and (visit.is_request or place != visit.name):
        rows.append(("Commune", esc(place)))
    rows.append(("Tournée", esc(route.label)))
    rows.append(("Passage" if len(passages) == 1 else "Passages", esc(days_words)))
    arrival = format_time_fr(visit.arrival)
    if visit.start - visit.arrival > 1.0:  # early: says how long the crew waits before opening
        arrival += f" (ouverture à {format_time_fr(visit.start)})"
    rows.append(("Arrivée", esc(arrival)))
    label = "Créneau" if visit.is_request else "Permanence"
    rows.append((label, esc(permanence_text(visit.start, visit.end, visit.lunch))))
    rows.append(("Trajet", esc(_drive_text(visit))))
    if len(passages) > 1:
        items = "".join(
            f"<li>{'<strong>' if r is route else ''}{esc(r.label)} : "
            f"{esc(permanence_text(v.start, v.end, v.lunch))}{'</strong>' if r is route else ''}</li>"
            for r, v in passages
        )
        rows.append(("Toutes les visites", f"<ul>{items}</ul>"))
    body = "".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows)
    return f'<div class="itin-popup"><h3>{visit.order} · {esc(visit.name)}</h3><table>{body}</table></div>'


def _base_popup(name: str, routes: Sequence[TourRoute]) -> str:
    vehicles = sorted({r.vehicle_name for r in routes})
    rows = [
        ("Véhicule" if len(vehicles) == 1 else "Véhicules", esc(", ".join(vehicles))),
        ("Tournées", esc(str(len(routes)))),
    ]
    body = "".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows)
    return f'<div class="itin-popup"><h3>Base : {esc(name)}</h3><table>{body}</table></div>'


def _number_symbol(style: RouteStyle, number: int, home: bool) -> tuple[str, int]:
    cls = "itin-num itin-num-home" if home else "itin-num"
    return (
        f'<span class="{cls}" style="--c:{style.colour};--t:{style.text};--s:22px">{number}</span>',
        22,
    )


# --- coverage the tour creates -----------------------------------------------------------------
def _human(frame: pd.DataFrame, which: str) -> pd.Series:
    if "covered_human" not in frame.columns:
        raise MapError(
            f"coverage_{which}: no column 'covered_human'; expected planner.access.coverage's per-commune frame"
        )
    return frame["covered_human"].astype("boolean")


def _by_code(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.set_index("code") if "code" in frame.columns else frame.copy()
    out.index = out.index.astype(str)
    return out[~out.index.duplicated()]


def created_coverage(before: pd.DataFrame, after: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per commune (index ``code``, communes in both frames): human help within the threshold
    ``before`` and ``after`` the tour; ``reached`` (a stop of the tour within the threshold:
    ``mobile_stop_minutes`` of ``after``, whose only mobile stops are the tour's), ``created``
    (help after and not before), ``gap`` (no help even after); with name, population, need, the
    minutes to the nearest stop of the tour and the French statuses."""
    b, a = _by_code(before), _by_code(after)
    codes = b.index.intersection(a.index)
    hb, ha = _human(b, "before").reindex(codes), _human(a, "after").reindex(codes)
    codes = codes[(hb.notna() & ha.notna()).to_numpy()]
    nan = pd.Series(np.nan, index=codes)

    def col(frame: pd.DataFrame, name: str, numeric: bool = True) -> pd.Series:
        if name not in frame.columns:
            return nan if numeric else pd.Series(None, index=codes, dtype=object)
        values = frame[name].reindex(codes)
        return pd.to_numeric(values, errors="coerce") if numeric else values

    frame = pd.DataFrame(
        {
            "name": col(a, "name", numeric=False),
            "population": col(a, "population"),
            "need": col(a, "need"),
            "minutes": col(a, "mobile_stop_minutes"),
            "status_before": col(b, "status", numeric=False),
            "status_after": col(a, "status", numeric=False),
            "before": hb[codes].astype(bool),
            "after": ha[codes].astype(bool),
        },
        index=codes,
    )
    frame["created"] = frame["after"] & ~frame["before"]
    frame["reached"] = (frame["minutes"] <= threshold) | frame["created"]
    frame["gap"] = ~frame["after"]
    frame.index.name = "code"
    return frame


@dataclass
class _Coverage:
    data: SharedData | None
    layers: list[GeoJsonLayer]  # the commune outlines (always shown), then the shaded layers
    legend: LegendEntry | None
    frame: pd.DataFrame | None
    counts: dict[str, int]  # shapes drawn: "created", "reached" (already covered), "gap"
    note: str | None


def _status_text(value: object) -> str:
    return "non calculé" if is_missing(value) or value is None else str(value)


def _communes_text(n: int) -> str:
    return f"{fmt_int(n)} commune{'s' if n > 1 else ''}"


COVERAGE_TITLE = "Couverture créée par la tournée"


def _coverage_layers(
    communes: gpd.GeoDataFrame | None,
    before: pd.DataFrame | None,
    after: pd.DataFrame | None,
    threshold: float,
    tolerance_m: float,
) -> _Coverage:
    thr = fmt_int(threshold)
    if before is None or after is None or communes is None or len(communes) == 0:
        missing = (
            "la couverture avant et après la tournée"
            if before is None or after is None
            else "les contours des communes"
        )
        note = (
            f"{COVERAGE_TITLE} non représentée : il y faut {missing} "
            "(« itinerance map tour » la calcule pour un scénario avec base de données)."
        )
        return _Coverage(None, [], None, None, {}, note)  # said in the caption
    if "code" not in communes.columns or "name" not in communes.columns:
        raise MapError(
            "communes: missing column 'code' or 'name'; expected geodata.query.communes(...)"
        )
    frame = created_coverage(before, after, threshold)
    codes = communes["code"].astype(str).to_numpy()
    rows = frame.reindex(codes)
    geoms = simplify_for_web(communes.geometry, tolerance_m=tolerance_m)
    props = []
    for code, (_, row), name in zip(codes, rows.iterrows(), communes["name"].astype(str)):
        known = not is_missing(row["created"])
        details = [("Population", f"{fmt_int(row['population'])} hab.")]
        if known:
            details += [
                ("Avant la tournée", _status_text(row["status_before"])),
                ("Avec la tournée", _status_text(row["status_after"])),
            ]
            if not is_missing(row["minutes"]):
                details.append(("Arrêt de la tournée le plus proche", fmt_minutes(row["minutes"])))
        else:
            details.append(("Couverture", "non calculée"))
        created = known and bool(row["created"])
        props.append(
            {
                "n": esc(name),
                "h": commune_popup(f"{name} ({code})", details),
                "c": int(created),
                "r": int(known and bool(row["reached"]) and not created),
                "g": int(known and bool(row["gap"])),
            }
        )
    data = SharedData(feature_collection(geoms, props))
    has = np.array([g is not None for g in geoms])
    counts = {
        k: int((np.array([p[c] for p in props], dtype=bool) & has).sum())
        for k, c in (("created", "c"), ("reached", "r"), ("gap", "g"))
    }
    outline = GeoJsonLayer(
        data,
        name="Communes",
        class_name="itin-tour-commune",
        control=False,
        interactive=False,
        style={"weight": 0.5, "color": "#6b6b6b", "opacity": 0.55, "fill": False},
    )
    shaded = {"popup_property": "h", "tooltip_property": "n", "highlight": True, "control": False}
    reached_layer = GeoJsonLayer(
        data,
        name="Communes à portée de la tournée",
        class_name=REACHED_CLASS,
        filter_property="r",
        style={
            "weight": 0.6,
            "color": "#ffffff",
            "opacity": 0.8,
            "fillColor": CREATED_COLOUR,
            "fillOpacity": 0.14,
        },
        **shaded,
    )
    created_layer = GeoJsonLayer(
        data,
        name=COVERAGE_TITLE,
        class_name=CREATED_CLASS,
        filter_property="c",
        style={
            "weight": 1.2,
            "color": "#0b6e4f",
            "opacity": 0.9,
            "fillColor": CREATED_COLOUR,
            "fillOpacity": 0.45,
        },
        **shaded,
    )
    gap_layer = GeoJsonLayer(
        data,
        name="Communes toujours sans aide humaine",
        class_name=GAP_CLASS,
        filter_property="g",
        style={
            "weight": 0.6,
            "color": "#ffffff",
            "opacity": 0.8,
            "fillColor": GAP_COLOUR,
            "fillOpacity": 0.4,
        },
        **shaded,
    )
    pop = frame.loc[frame["created"], "population"].sum()
    legend = LegendEntry(
        key="coverage",
        title=f"{COVERAGE_TITLE} (seuil {thr} min)",
        items=[
            LegendItem(
                swatch(CREATED_COLOUR, "#0b6e4f"),
                f"mise à portée par la tournée : {_communes_text(counts['created'])}, {fmt_int(pop)} hab.",
            ),
            LegendItem(
                swatch("rgba(27,158,119,.16)"),
                f"à portée de la tournée, déjà couverte : {_communes_text(counts['reached'])}",
            ),
            LegendItem(
                swatch(GAP_COLOUR), f"toujours sans aide humaine : {_communes_text(counts['gap'])}"
            ),
        ],
        layers=[created_layer, reached_layer, gap_layer],
        note=f"Aide humaine à moins de {thr} min : France Services, lieu de médiation ou arrêt "
        "itinérant. « Avant » : sans les arrêts de cette tournée.",
    )
    layers = [reached_layer, gap_layer, created_layer]
    return _Coverage(data, [outline, *layers], legend, frame, counts, None)


# --- the filter control -------------------------------------------------------------------------
class TourFilter(MacroElement):
    """Check boxes grouped by day and by vehicle (a route shows while both are ticked), plus
    other layers; a Leaflet control styled like the layer control (so ``click_layer`` works)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var routes = [
                {%- for layer, day, vehicle in this.route_links %}
                [{{ layer }}, {{ day|tojson }}, {{ vehicle|tojson }}],
                {%- endfor %}
            ];
            var others = [
                {%- for key, layers in this.other_links %}
                [{{ key|tojson }}, [{{ layers|join(", ") }}]],
                {%- endfor %}
            ];
            var Filter = L.Control.extend({
                onAdd: function () {
                    var div = L.DomUtil.create("div", "leaflet-control-layers leaflet-control-layers-expanded itin-filter");
                    div.innerHTML = {{ this.html_json }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                }
            });
            var box = new Filter({position: "topright"}).addTo(map).getContainer();
            var inputs = {};  // by kind and value, without building selectors from data
            box.querySelectorAll("input[data-kind]").forEach(function (i) {
                inputs[i.dataset.kind + "\\u0000" + i.value] = i;
            });
            function ticked(kind, value) {
                var input = inputs[kind + "\\u0000" + value];
                return !input || input.checked;
            }
            function show(layer, on) {
                if (on && !map.hasLayer(layer)) { map.addLayer(layer); }
                if (!on && map.hasLayer(layer)) { map.removeLayer(layer); }
            }
            function sync() {
                routes.forEach(function (r) { show(r[0], ticked("day", r[1]) && ticked("vehicle", r[2])); });
                others.forEach(function (o) { o[1].forEach(function (l) { show(l, ticked("layer", o[0])); }); });
            }
            box.addEventListener("change", sync);
            box.querySelectorAll("button[data-group]").forEach(function (b) {
                b.addEventListener("click", function () {
                    Object.keys(inputs).forEach(function (k) {
                        if (inputs[k].dataset.kind === b.dataset.group) { inputs[k].checked = b.dataset.all === "1"; }
                    });
                    sync();
                });
            });
            sync();
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        routes: Sequence[tuple[Layer, TourRoute]],
        others: Sequence[tuple[str, str, Sequence[Layer]]],
        *,
        vehicle_group: bool,
    ):
        super().__init__()
        self._name = "TourFilter"
        self.routes = list(routes)
        self.others = list(others)
        days: dict[int, tuple[str, str]] = {}
        vehicles: dict[str, tuple[str, str]] = {}
        for _, r in self.routes:
            days.setdefault(r.day, (r.day_title, r.style.colour))
            vehicles.setdefault(r.vehicle, (r.vehicle_name, r.style.colour))
        # with one vehicle a day is a route: its check box shows the route's colour; in a
        # monthly cycle "du mois" goes once in the heading
        monthly = any(t.endswith(" du mois") for t, _ in days.values())
        parts = [
            self._group(
                "day",
                "Jours du mois" if monthly else "Jours",
                [
                    (str(d), t.removesuffix(" du mois"), None if vehicle_group else c)
                    for d, (t, c) in sorted(days.items())
                ],
            )
        ]
        if vehicle_group:
            parts.append(
                self._group(
                    "vehicle", "Véhicules", [(v, n, None) for v, (n, _) in vehicles.items()]
                )
            )
        if self.others:
            labels = "".join(
                f'<label><input type="checkbox" data-kind="layer" value="{esc(key)}" checked>'
                f"<span>{esc(label)}</span></label>"
                for key, label, _ in self.others
            )
            parts.append(
                f'<fieldset><legend>Autres couches</legend><div class="itin-filter-list">{labels}</div></fieldset>'
            )
        self.html_json = js_json(
            f'<form class="itin-filter-form" aria-label="Couches de la carte">{"".join(parts)}</form>'
        )

    @staticmethod
    def _group(kind: str, title: str, items: Sequence[tuple[str, str, str | None]]) -> str:
        """A fieldset of check boxes; for days with one vehicle, the dot shows the route colour."""
        cols = " itin-cols" if len(items) > _TWO_COLUMNS else ""
        labels = "".join(
            f'<label><input type="checkbox" data-kind="{kind}" value="{esc(value)}" checked>'
            + (f'<span class="itin-dot" style="background:{colour}"></span>' if colour else "")
            + f"<span>{esc(label)}</span></label>"
            for value, label, colour in items
        )
        what = title.split()[0].lower()
        buttons = (
            f'<button type="button" data-group="{kind}" data-all="1" aria-label="Afficher tous les {what}">tous</button>'
            f'<button type="button" data-group="{kind}" data-all="0" aria-label="Masquer tous les {what}">aucun</button>'
        )
        return (
            f"<fieldset><legend><span>{title}</span>{buttons}</legend>"
            f'<div class="itin-filter-list{cols}">{labels}</div></fieldset>'
        )

    def render(self, **kwargs: Any) -> None:
        self.route_links = [(layer.get_name(), str(r.day), r.vehicle) for layer, r in self.routes]
        self.other_links = [
            (key, [layer.get_name() for layer in layers]) for key, _, layers in self.others
        ]
        super().render(**kwargs)


class FitFreeArea(MacroElement):
    """Fit the map to ``bounds`` in the part of it the title box, the caption and the right-hand
    panels leave free (in a window too small for that, the whole map)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }}, size = map.getSize(), right = 0, top = 0;
            map.getContainer().querySelectorAll(".leaflet-right .leaflet-control").forEach(function (c) {
                right = Math.max(right, c.offsetWidth);
            });
            var title = map.getContainer().querySelector(".itin-title");
            var corner = map.getContainer().querySelector(".leaflet-bottom.leaflet-left");
            if (title) { top = title.offsetHeight; }
            var bottom = corner ? corner.offsetHeight : 0;
            var pr = right + 30 < size.x / 2 ? right + 30 : 20;
            var pt = top + 30, pb = bottom + 20;
            if (pt + pb > size.y / 2) { pt = pb = 20; }
            // the filter (top right) and the legends (bottom right) share the right-hand side
            var filter = map.getContainer().querySelector(".itin-filter");
            var legends = map.getContainer().querySelector(".itin-legends");
            if (filter && legends) {
                legends.style.maxHeight = Math.max(140, size.y - filter.offsetHeight - 40) + "px";
            }
            map.fitBounds({{ this.bounds_json }}, {paddingTopLeft: [30, pt], paddingBottomRight: [pr, pb], maxZoom: 13});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: tuple[float, float, float, float]):
        super().__init__()
        self._name = "FitFreeArea"
        minx, miny, maxx, maxy = bounds
        self.bounds_json = js_json([[miny, minx], [maxy, maxx]])


# --- the map ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TourMap:
    """A built tour map and what it holds (counts are what the browser should draw)."""

    map: folium.Map
    routes: list[TourRoute]
    tables: list[Table]
    n_route_lines: int
    n_stop_markers: int
    n_base_markers: int
    coverage_shapes: dict[
        str, int
    ]  # communes shaded: "created", "reached" (already covered), "gap"
    notes: list[str]


def _check_threshold(threshold: float) -> None:
    if not isinstance(threshold, (int, float)) or not np.isfinite(threshold) or threshold <= 0:
        raise MapError(f"threshold: expected a positive number of minutes, got {threshold}")


def _passages(routes: Sequence[TourRoute]) -> dict[str, list[tuple[TourRoute, TourVisit]]]:
    out: dict[str, list[tuple[TourRoute, TourVisit]]] = {}
    for r in routes:
        for v in r.visits:
            out.setdefault(v.stop, []).append((r, v))
    return out


def _bounds(routes: Sequence[TourRoute]) -> tuple[float, float, float, float]:
    pts = np.array([p for r in routes for p in r.path], dtype=float)
    if len(pts) == 0:
        raise MapError("plan: no stop and no base has a known position; nothing to draw")
    pad = 0.005  # a single point still makes a box
    return (
        pts[:, 1].min() - pad,
        pts[:, 0].min() - pad,
        pts[:, 1].max() + pad,
        pts[:, 0].max() + pad,
    )


def _travel_note(meta: PlanMeta) -> str:
    travel = meta.travel or ""
    m = re.search(r"×\s*([\d.]+)", travel)
    if travel.startswith("offline") or not travel:
        circuity = f" × {m.group(1).replace('.', ',')}" if m else ""
        return (
            "Traits droits dans l’ordre de passage, pas le tracé des routes : les temps de trajet sont "
            f"estimés sans réseau routier (distance à vol d’oiseau{circuity})."
        )
    return (
        "Traits droits dans l’ordre de passage, pas le tracé des routes ; temps de trajet calculés "
        "sur le réseau routier (OSRM, OpenStreetMap)."
    )


def _provenance_lines(meta: PlanMeta) -> list[str]:
    """The plan's provenance in French: engine, seed, search time, date, inputs with sha256."""
    parts = []
    engine = meta.engine
    if engine == "asis":
        parts.append("tournée publiée, évaluée telle quelle")
    elif engine:
        what = f"moteur {engine}"
        if meta.seed is not None:
            what += f", graine {meta.seed}"
        if meta.time_limit:
            what += f", {fmt_decimal(meta.time_limit, 0)} s de recherche"
        parts.append(what)
    created = meta.created
    if created:
        try:
            parts.append(f"établi le {fmt_date(dt.datetime.fromisoformat(str(created)).date())}")
        except ValueError:
            pass
    inputs = [
        f"{i.get('role', 'fichier')} {Path(str(i.get('path', ''))).name}"
        + (f" (sha256 {str(i['sha256'])[:12]}…)" if i.get("sha256") else "")
        for i in meta.input_files()
        if isinstance(i, Mapping)
    ]
    if inputs:
        parts.append("entrées : " + ", ".join(inputs))
    lines = [f"Plan : {' ; '.join(parts)}."] if parts else []
    validation = meta.validation or {}
    if validation:
        n = int(validation.get("violations", 0))
        lines.append(
            "Plan vérifié par le valideur indépendant : aucune contrainte violée."
            if validation.get("ok")
            else f"Attention : le valideur indépendant relève {n} écart{'s' if n > 1 else ''} à ce plan."
        )
    return lines


def _figures_line(meta: PlanMeta) -> str | None:
    figures = (meta.validation or {}).get("figures") or {}
    if "km_per_month" not in figures:
        return None
    presence = sum((figures.get("presence_hours_per_month") or {}).values())
    return (
        f"Par mois : {fmt_int(figures['km_per_month'])} km, {fmt_minutes(60 * figures.get('drive_hours_per_month', 0))} "
        f"de conduite, {fmt_minutes(60 * presence)} de présence."
    )


def _title_html(
    plan: Plan,
    routes: Sequence[TourRoute],
    title: str,
    coverage: _Coverage,
    threshold: float,
    table_href: str | None,
) -> str:
    stops = {v.stop for r in routes for v in r.visits if not v.is_request}
    requests = {v.stop for r in routes for v in r.visits if v.is_request}
    vehicles = {r.vehicle for r in routes}
    what = [
        f"{len(routes)} tournée{'s' if len(routes) > 1 else ''}",
        f"{len(stops)} arrêt{'s' if len(stops) > 1 else ''}",
        f"{len(vehicles)} véhicule{'s' if len(vehicles) > 1 else ''}",
    ]
    if requests:
        what.insert(2, f"{len(requests)} visite{'s' if len(requests) > 1 else ''} à domicile")
    html = f"<h1>{esc(title)}</h1>"
    if plan.problem and plan.problem not in title:
        html += f"<p>{esc(plan.problem)}</p>"
    html += f"<p>{esc(' · '.join(what))}</p>"
    if figures := _figures_line(plan.meta):
        html += f"<p>{esc(figures)}</p>"
    if coverage.frame is not None:
        created = coverage.frame[coverage.frame["created"]]
        thr = fmt_int(threshold)
        if len(created):
            n = len(created)
            html += (
                f"<p><strong>{_communes_text(n)} ({fmt_int(created['population'].sum())} hab.)</strong> "
                f"mise{'s' if n > 1 else ''} à moins de {thr} min d’une aide humaine par la tournée.</p>"
            )
        else:
            gaps = int(coverage.frame["gap"].sum())
            html += (
                f"<p>La tournée ne met aucune commune nouvelle à moins de {thr} min d’une aide humaine "
                + (
                    f"({_communes_text(gaps)} en reste{'nt' if gaps > 1 else ''} loin).</p>"
                    if gaps
                    else "(toutes l’étaient déjà).</p>"
                )
            )
    if table_href:
        html += (
            f'<p><a href="{esc(table_href)}">Les mêmes informations en tableau</a> (sans carte)</p>'
        )
    return html


def _version() -> str:
    return versions().get("itinerance") or "dev"


def make_tour_map(
    plan: Plan,
    *,
    problem: Problem | None = None,
    communes: gpd.GeoDataFrame | None = None,
    coverage_before: pd.DataFrame | None = None,
    coverage_after: pd.DataFrame | None = None,
    threshold: float = 30,
    title: str | None = None,
    include_personal_data: bool = False,
    table_href: str | None = None,
    date: dt.date | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    tiles: str | None = OSM_FRANCE_TILES,
    tiles_attribution: str = OSM_FRANCE_ATTRIBUTION,
) -> TourMap:
    """The French tour map of ``plan``, with its routes as drawn, tables and counts.

    The cycle, the bases and the driving times and distances come from the plan's
    ``meta.schedule`` (written by ``itinerance plan``) or, when given, from ``problem`` (the
    plan's :class:`~planner.tours.model.Problem`); without either, days are numbered, bases are
    placed from ``communes`` by their INSEE code and driving times read from the plan's times. ``communes`` (:func:`geodata.query.communes`) gives
    the shapes of the coverage layer and places stops known only by their commune;
    ``coverage_before``/``coverage_after`` are :mod:`planner.access.coverage` per-commune frames
    without and with the tour's stops (both needed for the coverage layer). ``threshold``
    is the coverage threshold in minutes. ``include_personal_data`` places home visits at
    their address and names them (default: at their commune's point, as "Visite à domicile").
    """
    _check_threshold(threshold)
    if not plan.routes:
        raise MapError(
            f"plan {plan.problem or '(unnamed)'}: no route to draw (every stop unserved?)"
        )
    routes, notes, horizon = tour_routes(
        plan, problem=problem, communes=communes, include_personal_data=include_personal_data
    )
    coverage = _coverage_layers(communes, coverage_before, coverage_after, threshold, tolerance_m)
    title = title or "Tournées"
    caption = [*_provenance_lines(plan.meta), _travel_note(plan.meta)]
    if plan.unserved:
        n = len(plan.unserved)
        caption.append(
            f"{n} arrêt{'s' if n > 1 else ''} non desservi{'s' if n > 1 else ''} par ce plan (voir le tableau)."
        )
    caption += notes
    if coverage.note:
        caption.append(coverage.note)
    made = date or dt.date.today()
    head = f"Carte établie le {fmt_date(made)} avec itinerance {_version()}. Seuil de couverture : {fmt_int(threshold)} min."
    fmap = base_map(
        _bounds(routes),
        page_title=f"{title} — {plan.problem}"
        if plan.problem and plan.problem not in title
        else title,
        title_html=_title_html(plan, routes, title, coverage, threshold, table_href),
        caption_html="".join(f"<p>{esc(line)}</p>" for line in [head, *caption]),
        css=BASE_CSS + TOUR_CSS + (_COLUMNS_CSS if len(routes) > _TWO_COLUMNS else ""),
        tiles=tiles,
        attribution=tiles_attribution,
    )
    fmap.options["zoom_snap"] = 0.25  # fit the routes to the free area closely (see FitFreeArea)
    recorded = plan.meta.to_dict()
    meta = {
        k: recorded[k]
        for k in (
            "engine",
            "seed",
            "time_limit",
            "deterministic",
            "created",
            "inputs",
            "travel",
            "versions",
        )
        if k in recorded
    }
    fmap.add_child(
        MetaJson(
            {
                "kind": "tour map",
                "problem": plan.problem,
                "threshold": threshold,
                "routes": len(routes),
                "plan": meta,
            }
        )
    )
    if coverage.data is not None:
        fmap.add_child(coverage.data)
    for layer in coverage.layers:
        fmap.add_child(layer)

    passages = _passages(routes)
    route_layers: list[tuple[PointLayer, TourRoute]] = []
    n_markers = 0
    for r in routes:
        points, symbols = [], {}
        for v in r.visits:
            if not v.placed:
                continue
            key = f"{'h' if v.is_request else 'n'}{v.order}"
            symbols[key] = _number_symbol(r.style, v.order, v.is_request)
            days = describe_days_fr(horizon, [x.day for x, _ in passages[v.stop]])
            popup = _visit_popup(r, v, passages[v.stop], days)
            tooltip = f"{v.order} · {esc(v.name)} — {esc(r.label)}"
            points.append(MapPoint(float(v.lat), float(v.lon), key, popup, tooltip))  # type: ignore[arg-type]
        path = r.path
        layer = PointLayer(
            points,
            name=r.label,
            symbols=symbols,
            class_name=f"{STOP_CLASS} itin-stop-r{r.index}",
            lines=[path] if len(path) > 1 else [],
            control=False,
            line_style={
                "color": r.style.colour,
                "weight": 4,
                "opacity": 0.92,
                "lineJoin": "round",
                "dashArray": r.style.dash,
                "className": f"{ROUTE_CLASS} itin-route-r{r.index}",
            },
        )
        fmap.add_child(layer)
        route_layers.append((layer, r))
        n_markers += len(points)

    bases: dict[tuple[float, float], list[TourRoute]] = {}
    for r in routes:
        for point in {r.base, r.end_base} - {None}:
            bases.setdefault(point, []).append(r)  # type: ignore[arg-type]
    base_points = [
        MapPoint(
            lat, lon, "base", _base_popup(rs[0].base_name, rs), f"Base : {esc(rs[0].base_name)}"
        )
        for (lat, lon), rs in bases.items()
    ]
    base_layer = PointLayer(
        base_points,
        name="Bases",
        symbols={"base": (TOUR_BASE.html(), TOUR_BASE.size + 4)},
        class_name=BASE_CLASS,
        control=False,
    )
    fmap.add_child(base_layer)

    has_home = any(v.is_request and v.placed for r in routes for v in r.visits)
    one_vehicle = len({r.vehicle for r in routes}) == 1
    legends = [
        LegendEntry(
            key="routes",
            title=(
                f"Tournées de {routes[0].vehicle_name}, par jour"
                + (" du mois" if any(r.day_title.endswith(" du mois") for r in routes) else "")
                if one_vehicle
                else "Tournées (jour · véhicule)"
            ),
            items=[
                LegendItem(r.style.line_sample(), _legend_label(r, one_vehicle), layer)
                for layer, r in route_layers
            ],
        ),
        LegendEntry(
            key="markers",
            title="Étapes",
            layers=[base_layer, *(layer for layer, _ in route_layers)],
            items=[
                LegendItem(TOUR_BASE.html(), TOUR_BASE.label, base_layer),
                LegendItem(
                    _number_symbol(route_style(0), 1, False)[0],
                    "Arrêt, numéroté dans l’ordre de passage",
                ),
                *(
                    [
                        LegendItem(
                            _number_symbol(route_style(0), 2, True)[0],
                            "Visite à domicile (au centre de sa commune)"
                            if not include_personal_data
                            else "Visite à domicile",
                        )
                    ]
                    if has_home
                    else []
                ),
            ],
        ),
    ]
    if coverage.legend is not None:
        legends.append(coverage.legend)
    fmap.add_child(LegendPanel(legends))
    others: list[tuple[str, str, Sequence[Layer]]] = [
        ("bases", "Bases des véhicules", [base_layer])
    ]
    if coverage.layers:
        others.insert(0, ("coverage", COVERAGE_TITLE, coverage.layers[1:]))
    fmap.add_child(TourFilter(route_layers, others, vehicle_group=not one_vehicle))
    fmap.add_child(FitFreeArea(_bounds(routes)))

    return TourMap(
        map=fmap,
        routes=routes,
        tables=tour_tables(plan, routes, horizon, coverage.frame, threshold),
        n_route_lines=sum(1 for r in routes if len(r.path) > 1),
        n_stop_markers=n_markers,
        n_base_markers=len(base_points),
        coverage_shapes=coverage.counts,
        notes=caption,
    )


def _legend_label(route: TourRoute, one_vehicle: bool) -> str:
    """``1er lundi : Vicq-Exemplet`` (one vehicle, one stop, a monthly cycle: "du mois" is in the
    legend's title), ``Semaine 1 — lundi · Bus 1 (3 arrêts)``."""
    label = route.day_title.removesuffix(" du mois") if one_vehicle else route.label
    if len(route.visits) == 1:
        return f"{label} : {route.visits[0].name}"
    return f"{label} ({len(route.visits)} arrêts)"


def build_tour_map(plan: Plan, **options: Any) -> folium.Map:
    """The French tour map as a Folium map (options as :func:`make_tour_map`)."""
    return make_tour_map(plan, **options).map


# --- tables -------------------------------------------------------------------------------------
STOP_COLUMNS = (
    "Jour",
    "Véhicule",
    "N°",
    "Étape",
    "Commune (code INSEE)",
    "Arrivée",
    "Permanence",
    "Trajet depuis l’étape précédente",
    "Passages de l’arrêt",
)


def tour_tables(
    plan: Plan,
    routes: Sequence[TourRoute],
    horizon: Horizon,
    coverage: pd.DataFrame | None = None,
    threshold: float = 30,
) -> list[Table]:
    """The stops by day (first table, also the CSV), the routes, and the communes brought
    within the threshold when the coverage is known."""
    passages = _passages(routes)
    rows = []
    for r in routes:
        for v in r.visits:
            rows.append(
                {
                    "Jour": r.day_title,
                    "Véhicule": r.vehicle_name,
                    "N°": v.order,
                    "Étape": v.name,
                    "Commune (code INSEE)": _place_text(v),
                    "Arrivée": format_time_fr(v.arrival),
                    "Permanence": permanence_text(v.start, v.end, v.lunch),
                    "Trajet depuis l’étape précédente": _drive_text(v),
                    "Passages de l’arrêt": describe_days_fr(
                        horizon, [x.day for x, _ in passages[v.stop]]
                    ),
                }
            )
    stops = Table(
        caption="Arrêts par jour, dans l’ordre de passage",
        frame=pd.DataFrame(rows, columns=list(STOP_COLUMNS)),
        kinds={"N°": "int"},
        note=(
            "Visites à domicile : seulement la commune et le créneau. Permanence : heures d’ouverture "
            "sur place, en deux parties quand la pause déjeuner est prise sur place."
        ),
    )
    route_rows = [
        {
            "Tournée": r.label,
            "Base": r.base_name,
            "Départ": format_time_fr(r.depart),
            "Arrêts": len(r.visits),
            "Retour": format_time_fr(r.ret),
            "Pause": format_range_fr(*r.lunch) if r.lunch else "",
            "Conduite": fmt_minutes(r.drive_minutes) if r.drive_minutes is not None else "—",
            "Distance (km)": r.km if r.km is not None else np.nan,
        }
        for r in routes
    ]
    tables = [
        stops,
        Table(
            caption="Tournées (une couleur chacune sur la carte)",
            frame=pd.DataFrame(route_rows),
            kinds={"Arrêts": "int", "Distance (km)": "dec1"},
        ),
    ]
    if plan.unserved:
        tables[1] = Table(
            caption=tables[1].caption,
            frame=tables[1].frame,
            kinds=tables[1].kinds,
            note=f"Non desservis par ce plan : {', '.join(sorted(plan.unserved))}.",
        )
    if coverage is not None:
        created = coverage[coverage["created"]].sort_values(
            ["need", "population"], ascending=False, na_position="last"
        )
        tables.append(
            Table(
                caption=f"Communes mises à moins de {fmt_int(threshold)} min d’une aide humaine par la tournée",
                frame=pd.DataFrame(
                    {
                        "Commune": created["name"].to_numpy(),
                        "Code INSEE": created.index.to_numpy(),
                        "Population": created["population"].to_numpy(),
                        "Besoin (population × IFN)": created["need"].to_numpy(),
                        "Temps jusqu’à l’arrêt le plus proche (min)": created["minutes"].to_numpy(),
                    }
                ),
                kinds={
                    "Population": "int",
                    "Besoin (population × IFN)": "int",
                    "Temps jusqu’à l’arrêt le plus proche (min)": "int",
                },
                note="Sans les arrêts de cette tournée, ces communes n’ont aucune aide humaine à portée.",
            )
        )
    return tables


# --- files --------------------------------------------------------------------------------------
def check_map_path(path: Path | str) -> Path:
    """``path`` as a Path, or :class:`MapError` when it is not an ``.html`` file name."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise MapError(f"{path}: expected an output file name ending in .html")
    return path


def write_tour_map(
    plan: Plan,
    path: Path | str,
    *,
    communes: gpd.GeoDataFrame | None = None,
    coverage_before: pd.DataFrame | None = None,
    coverage_after: pd.DataFrame | None = None,
    threshold: float = 30,
    title: str | None = None,
    include_personal_data: bool = False,
    **options: Any,
) -> list[Path]:
    """Build the map (options as :func:`make_tour_map`, e.g. ``problem=``) and write, all or
    nothing: ``path`` (the map), ``<stem>-tableau.html`` (the tables) and ``<stem>.csv`` (the
    stops by day). Returns the paths written."""
    path = check_map_path(path)
    tpath = table_path(path)
    result = make_tour_map(
        plan,
        communes=communes,
        coverage_before=coverage_before,
        coverage_after=coverage_after,
        threshold=threshold,
        title=title,
        include_personal_data=include_personal_data,
        table_href=tpath.name,
        **options,
    )
    heading = title or "Tournées"
    if plan.problem and plan.problem not in heading:
        heading = f"{heading} — {plan.problem}"
    page = table_page(
        heading,
        result.tables,
        intro=[
            (
                f"Ces tableaux donnent les mêmes informations que la carte {path.name}, pour une "
                "lecture sans carte (lecteur d’écran, tableur)."
            ),
            *result.notes,
        ],
        links=[
            ("Voir la carte", path.name),
            ("Télécharger les arrêts par jour (CSV)", path.with_suffix(".csv").name),
        ],
    )
    html = finish_page(result.map.get_root().render(), f"itinerance {_version()}")
    return write_files(
        {
            path: html.encode("utf-8"),
            tpath: page.encode("utf-8"),
            path.with_suffix(".csv"): csv_text(result.tables[0]).encode("utf-8-sig"),
        }
    )
