"""GeoJSON and GeoPackage of a plan: where the vehicles stop and the order they drive in.

Two layers, in EPSG:4326 (longitude, latitude), for QGIS or any GIS:

- ``arrets`` (points): one feature per :class:`~planner.outputs.calendar.Permanence` — the
  stop's name, commune, INSEE code, vehicle, days in French ("2e lundi du mois"), opening hours,
  the RRULE of its recurrence and visits per cycle;
- ``tournees`` (line strings): one feature per vehicle and day of the cycle, through the base,
  the stops in visit order and back, with km and driving minutes of the plan's travel model.
  Lines are **straight segments between stops** (the plan holds travel times and distances, not
  road geometry); the ``trace`` property says so.

Privacy: a home visit is a point only when its commune is known, at the commune's point, named
"Visite à domicile", never at the home; a route skips home visits whose commune is unknown
(its km and minutes still count them). No requester's detail is ever written here, even with
``--include-personal-data``.

Provenance: the GeoJSON ``description`` member and the GeoPackage layers' description and
``itinerance_provenance`` metadata hold the plan's provenance. Files are written with pyogrio
into the folder given (the CLI gives a temporary one, moved into place when all succeeded).

It must not plan, read the database, or compute travel: legs come from the schedule.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Point

from planner.outputs.calendar import Schedule, day_title_fr, days_fr, hours_fr, permanences

__all__ = ["CRS", "GEO_FILES", "routes_frame", "stops_frame", "write_geo"]

CRS = "EPSG:4326"
GEO_FILES = ("arrets.geojson", "tournees.geojson", "itinerance.gpkg")

_STOP_COLUMNS = [
    "arret",
    "nom",
    "commune",
    "insee",
    "type",
    "vehicule",
    "jours",
    "horaires",
    "debut",
    "fin",
    "rrule",
    "visites_par_cycle",
]
_ROUTE_COLUMNS = [
    "vehicule",
    "jour",
    "jour_cycle",
    "ordre",
    "arrets",
    "depart",
    "retour",
    "km",
    "conduite_min",
    "trace",
]


def _hhmm(minutes: float) -> str:
    """``"09:05"``: zero-padded, so that GIS programs read every time column alike."""
    m = int(minutes + 0.5)
    return f"{m // 60:02d}:{m % 60:02d}"


def _rrule_text(rule: dict | None) -> str:
    if rule is None:
        return ""
    parts = []
    for k, v in rule.items():
        value = ",".join(map(str, v)) if isinstance(v, list) else str(v)
        parts.append(f"{k}={value}")
    return ";".join(parts)


def stops_frame(schedule: Schedule, anchor: date) -> gpd.GeoDataFrame:
    """The ``arrets`` layer (see the module docstring); stops without coordinates are left out."""
    rows, points = [], []
    for p in permanences(schedule, anchor):
        info = schedule.stops[p.stop]
        if info.lon is None or info.lat is None:
            continue
        request = info.kind == "request"
        spans = p.open_spans()
        rows.append(
            {
                "arret": "" if request else p.stop,
                "nom": "Visite à domicile" if request else info.name,
                "commune": info.commune or ("" if request else info.name),
                "insee": info.insee or "",
                "type": "visite à domicile" if request else "permanence",
                "vehicule": schedule.vehicles[p.vehicle].name,
                "jours": days_fr(schedule.horizon, p),
                "horaires": hours_fr(p),
                "debut": _hhmm(spans[0][0]),
                "fin": _hhmm(spans[-1][1]),
                "rrule": _rrule_text(p.recurrence.rrule()),
                "visites_par_cycle": len(p.days),
            }
        )
        points.append(Point(info.lon, info.lat))
    return gpd.GeoDataFrame(rows, columns=_STOP_COLUMNS, geometry=points, crs=CRS)


def _trace(schedule: Schedule) -> str:
    """The ``trace`` property: straight lines, and which travel model gave km and minutes."""
    travel = schedule.travel
    if travel.startswith("offline model"):
        model = "modèle hors ligne (distance à vol d'oiseau × détour, vitesses par tranche)"
    elif travel.startswith("OSRM"):
        model = "réseau routier (OSRM)"
    else:
        model = "modèle de trajet du plan"
    return f"segments droits entre les arrêts, pas le tracé routier ; km et minutes : {model}"


def routes_frame(schedule: Schedule) -> gpd.GeoDataFrame:
    """The ``tournees`` layer (see the module docstring), one line per vehicle and day."""
    rows, lines = [], []
    trace = _trace(schedule)
    for vid, vehicle in schedule.vehicles.items():
        for r in schedule.routes_of(vid):
            legs = schedule.legs[(vid, r.day)]
            coords, names = [], [vehicle.base.name]
            if vehicle.base.lon is not None and vehicle.base.lat is not None:
                coords.append((vehicle.base.lon, vehicle.base.lat))
            for v in r.visits:
                info = schedule.stops[v.stop]
                if info.kind == "request":
                    names.append(
                        f"visite à domicile ({info.commune})"
                        if info.commune
                        else "visite à domicile"
                    )
                else:
                    names.append(info.name)
                if info.lon is not None and info.lat is not None:
                    coords.append((info.lon, info.lat))
            names.append(vehicle.end.name)
            if vehicle.end.lon is not None and vehicle.end.lat is not None:
                coords.append((vehicle.end.lon, vehicle.end.lat))
            if len(coords) < 2:
                continue
            rows.append(
                {
                    "vehicule": vehicle.name,
                    "jour": day_title_fr(schedule.horizon, r.day),
                    "jour_cycle": r.day + 1,
                    "ordre": " → ".join(names),
                    "arrets": len(r.visits),
                    "depart": _hhmm(r.depart),
                    "retour": _hhmm(r.ret),
                    "km": round(sum(leg.km for leg in legs), 2),
                    "conduite_min": round(sum(leg.minutes for leg in legs), 1),
                    "trace": trace,
                }
            )
            lines.append(LineString(coords))
    return gpd.GeoDataFrame(rows, columns=_ROUTE_COLUMNS, geometry=lines, crs=CRS)


def write_geo(schedule: Schedule, folder: Path, anchor: date) -> list[Path]:
    """Write ``arrets.geojson``, ``tournees.geojson`` and ``itinerance.gpkg`` (both layers)
    into ``folder``; return the paths written."""
    folder = Path(folder)
    provenance = schedule.provenance_fr()
    metadata = {"itinerance_provenance": json.dumps(schedule.provenance(), ensure_ascii=False)}
    layers = {
        "arrets": (stops_frame(schedule, anchor), "Point"),
        "tournees": (routes_frame(schedule), "LineString"),
    }
    written = []
    for name, (frame, kind) in layers.items():
        path = folder / f"{name}.geojson"
        frame.to_file(
            path,
            driver="GeoJSON",
            engine="pyogrio",
            geometry_type=kind,
            layer_options={"RFC7946": "YES", "DESCRIPTION": provenance, "WRITE_NAME": "YES"},
        )
        written.append(path)
    gpkg = folder / "itinerance.gpkg"
    for name, (frame, kind) in layers.items():
        frame.to_file(
            gpkg,
            layer=name,
            driver="GPKG",
            engine="pyogrio",
            geometry_type=kind,
            layer_options={"DESCRIPTION": provenance},
            metadata=metadata,
        )
    written.append(gpkg)
    return written
