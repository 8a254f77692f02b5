"""An area's coverage inputs read from the database: communes, services, rota stops, router.

What it is for
--------------
The commands ``coverage``, ``site``, ``map coverage``, ``map tour`` and the demo all start by
reading an area (a département, a région or an EPCI) from the database built by :mod:`geodata`
and turning it into :class:`~planner.access.coverage.CoverageInputs`. This module does that once:

- :func:`read_area`: the coverage inputs of an area (services up to ``margin_km`` outside it, the
  mobile services' stops, the router chosen from a URL or the offline model), for the
  ``coverage`` and ``site`` reports;
- :func:`area_coverage`: the same area with its commune contours, computed coverage and the
  data vintages the map's caption cites;
- :func:`tour_coverage`: the coverage of the départements a plan visits, without and with the
  plan's stops;
- :func:`read_candidates`: the candidate communes of a siting question, from a file or a list.

It must not: print, write files, or build French sentences (:mod:`planner.outputs.coverage_report`
and :mod:`planner.outputs.territory` do); import :mod:`maps` or :mod:`planner.cli`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import DataError, UnknownAreaError
from geodata.records import ParsedRota, ServicePoint
from planner.defaults import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from planner.access.coverage import CoverageInputs, CoverageResult, MobileStop
    from planner.access.routers import OfflineModel
    from planner.tours.model import Problem
    from planner.tours.plan import Plan

__all__ = [
    "AREA_NAMES",
    "SERVICE_MARGIN_KM",
    "Area",
    "AreaCoverage",
    "TourCoverage",
    "area_coverage",
    "area_label",
    "read_area",
    "plan_mobile_stops",
    "read_candidates",
    "tour_coverage",
]

SERVICE_MARGIN_KM = 30.0  # services this far outside the area still count (across the border)
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")

# The project's reference region; elsewhere the map says "département NN".
AREA_NAMES = {
    "region:24": "Centre-Val de Loire",
    "departement:18": "Cher",
    "departement:28": "Eure-et-Loir",
    "departement:36": "Indre",
    "departement:37": "Indre-et-Loire",
    "departement:41": "Loir-et-Cher",
    "departement:45": "Loiret",
}
_DATASET_LABELS = {
    "communes": "Communes",
    "contours-centre-val-de-loire": "Contours",
    "france-services": "France Services",
    "ifn-communes": "IFN (La MedNum)",
    "cnfs-lieux": "Lieux des conseillers numériques",
    "aidants-connect": "Aidants Connect",
}


# --- the coverage and siting reports --------------------------------------------------------------
@dataclass
class Area:
    """An area's coverage inputs, its French label, and the rota stops that could not be used."""

    label: str
    inputs: CoverageInputs
    issues: list[str]


def area_label(departement: str | None, region: str | None, epci: str | None) -> str:
    """``"département 36"``, ``"région 24"`` or ``"EPCI 200000000"``."""
    if departement:
        return f"département {departement}"
    if region:
        return f"région {region}"
    return f"EPCI {epci}"


def read_area(
    db: str | None,
    *,
    departement: str | None,
    region: str | None,
    epci: str | None,
    threshold: float,
    osrm: str | None = None,
    margin_km: float = SERVICE_MARGIN_KM,
) -> Area:
    """Communes, services (with a margin) and mobile stops of an area, and the router to use
    (OSRM at ``osrm``, else ``$ITINERANCE_OSRM_URL``, else the offline model)."""
    from geodata import query, settings
    from planner.access.coverage import CoverageInputs, check_threshold, stops_from_rotas
    from planner.access.matrices import choose_router

    check_threshold(threshold)
    if sum(x is not None for x in (departement, region, epci)) != 1:
        raise UnknownAreaError("give exactly one area: --departement, --region or --epci")
    if not (math.isfinite(margin_km) and margin_km >= 0):
        raise DataError(f"--margin-km: expected a distance >= 0 in km, got {margin_km}")
    router = choose_router(osrm or settings.osrm_url())
    points = query.commune_points(db, departement=departement, region=region, epci=epci)
    if not points:
        raise UnknownAreaError(
            f"no commune of {area_label(departement, region, epci)} in the database"
        )
    deps = (
        [departement]
        if departement
        else ([None] if region else sorted({p.departement for p in points}))
    )
    services: dict[str, Any] = {}
    rotas = []
    for dep in deps:
        for s in query.services(
            db, departement=dep, region=region if dep is None else None, bbox_margin_km=margin_km
        ):
            services[s.id] = s
        rotas += query.rotas(db, departement=dep, region=region if dep is None else None)
    stops, issues = stops_from_rotas(rotas, points)
    inputs = CoverageInputs(
        tuple(points), tuple(services.values()), tuple(stops), threshold=threshold, router=router
    )
    return Area(area_label(departement, region, epci), inputs, issues)


def read_candidates(value: str | None, available: set[str]) -> list[str] | None:
    """Candidate codes from a file (one per line, or CSV: every INSEE-looking cell) or a comma
    list; None when ``value`` is None. Unknown or malformed codes raise a one-line error."""
    if value is None:
        return None
    path = Path(value)
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = path.read_text(encoding="cp1252")
        tokens = [t.strip().strip('"') for t in re.split(r"[\s,;]+", text) if t.strip()]
        codes = [t for t in tokens if _INSEE.match(t)]
        where = f"candidates file {path}"
    else:
        codes = [t.strip() for t in value.split(",") if t.strip()]
        where = "--candidates"
        bad = [c for c in codes if not _INSEE.match(c)]
        if bad:
            raise DataError(f"{where}: not an INSEE code or an existing file: {', '.join(bad[:5])}")
    if not codes:
        raise DataError(f"{where}: no INSEE commune code found")
    unknown = [c for c in codes if c not in available]
    if unknown:
        raise UnknownAreaError(
            f"{where}: {len(unknown)} commune(s) not in the area: {', '.join(unknown[:5])}"
        )
    return list(dict.fromkeys(codes))


# --- the coverage map -----------------------------------------------------------------------------
@dataclass
class AreaCoverage:
    """An area's communes (with contours), its coverage and what the map draws. ``vintages`` is
    empty when the database holds no provenance record (the map then cites its defaults)."""

    label: str
    communes: gpd.GeoDataFrame
    coverage: CoverageResult
    services: list[ServicePoint]
    rotas: list[ParsedRota]
    vintages: dict[str, str]
    router: object


def _map_label(
    departement: str | None, region: str | None, epci: str | None, communes: gpd.GeoDataFrame
) -> str:
    if epci:
        names = communes["epci_name"].dropna().unique()
        return f"{names[0]} ({epci})" if len(names) else f"EPCI {epci}"
    if departement:
        name = AREA_NAMES.get(f"departement:{departement}")
        return f"{name} ({departement})" if name else f"département {departement}"
    name = AREA_NAMES.get(f"region:{region}")
    return f"{name} (région {region})" if name else f"région {region}"


def _vintages(db: str | None, departements: set[str], region: str | None) -> dict[str, str]:
    """Caption vintages from the database's provenance records (empty when none)."""
    from geodata import query

    areas = {f"departement:{d}" for d in departements} | ({f"region:{region}"} if region else set())
    found: dict[str, str] = {}
    for load in query.status(db).loads:
        label = _DATASET_LABELS.get(load.get("dataset", ""))
        if label and load.get("vintage") and (load.get("area") in areas or not areas):
            found.setdefault(label, str(load["vintage"]))
    return found


def area_coverage(
    db: str | None,
    *,
    departement: str | None = None,
    region: str | None = None,
    epci: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    router: OfflineModel | None = None,
) -> AreaCoverage:
    """Read an area from the database and compute its coverage (offline model by default)."""
    from geodata import query
    from planner.access.coverage import CoverageInputs, analyse, stops_from_rotas
    from planner.access.routers import OfflineModel

    router = router or OfflineModel()
    if not (departement or region or epci):
        raise UnknownAreaError("no area given: pass --departement, --region or --epci")
    communes = query.communes(db, departement=departement, region=region, epci=epci)
    points = query.commune_points(db, departement=departement, region=region, epci=epci)
    deps = sorted(communes["departement"].dropna().unique())
    services: list[ServicePoint] = []
    rotas: list[ParsedRota] = []
    if departement or region:
        services = query.services(
            db, departement=departement, region=region, bbox_margin_km=SERVICE_MARGIN_KM
        )
        rotas = query.rotas(db, departement=departement, region=region)
    else:  # an EPCI: the services and rotas of its départements
        for dep in deps:
            services += query.services(db, departement=dep, bbox_margin_km=SERVICE_MARGIN_KM)
            rotas += query.rotas(db, departement=dep)
        services = list({s.id: s for s in services}.values())
    stops, _issues = stops_from_rotas(rotas, points)
    result = analyse(
        CoverageInputs(points, tuple(services), tuple(stops), threshold=threshold, router=router)
    )
    return AreaCoverage(
        label=_map_label(departement, region, epci, communes),
        communes=communes,
        coverage=result,
        services=services,
        rotas=rotas,
        vintages=_vintages(db, set(deps), region),
        router=router,
    )


# --- the tour map ---------------------------------------------------------------------------------
@dataclass
class TourCoverage:
    """The communes around a plan's stops and their coverage without and with the tour."""

    communes: gpd.GeoDataFrame
    before: pd.DataFrame
    after: pd.DataFrame


def plan_mobile_stops(plan: Plan, problem: Problem) -> list[MobileStop]:
    """The plan's permanences as mobile stops for :mod:`planner.access.coverage`: one per stop
    served (home visits are not public permanences and are left out), at its place, with its
    visits per month turned into a frequency and its mean hours of presence per visit."""
    from planner.access.coverage import MobileStop
    from planner.tours.model import Frequency, StopKind

    stops = problem.stop_by_id
    visits: dict[str, list[float]] = {}
    for route in plan.routes:
        for v in route.visits:
            stop = stops.get(v.stop)
            if stop is None or stop.kind is not StopKind.STOP:
                continue
            lunch = route.lunch
            on_site = lunch is not None and v.start <= lunch[0] and lunch[1] <= v.end
            visits.setdefault(v.stop, []).append(
                (v.end - v.start - (lunch[1] - lunch[0] if on_site else 0)) / 60
            )  # type: ignore[index]
    out = []
    for sid, hours in visits.items():
        stop = stops[sid]
        loc = problem.locations[stop.location]
        per_month = len(hours) * problem.horizon.cycles_per_month
        frequency = (
            Frequency.WEEKLY
            if per_month >= 3.5
            else Frequency.FORTNIGHTLY
            if per_month >= 1.5
            else Frequency.MONTHLY
        )
        out.append(
            MobileStop(
                id=sid,
                service_id=problem.name,
                service_name=problem.name,
                insee=stop.insee or loc.insee or "",
                lon=loc.lon,
                lat=loc.lat,
                frequency=frequency,
                hours_per_visit=sum(hours) / len(hours),
            )
        )
    return out


def tour_coverage(
    db: str | None, plan: Plan, problem: Problem, *, threshold: float, router: object
) -> TourCoverage | None:
    """Coverage of the départements of the plan's stops, before (fixed places only: France
    Services, lieux de médiation, bornes) and after adding the tour's stops. None when no stop
    has a commune code (a standalone scenario)."""
    import geopandas as gpd
    import pandas as pd

    from geodata import query
    from planner.access.coverage import CoverageInputs, analyse

    stops = plan_mobile_stops(plan, problem)
    codes = sorted({s.insee for s in stops if s.insee})
    if not codes:
        return None
    deps = sorted({c.departement for c in query.commune_points(db, codes=codes)})
    communes = pd.concat([query.communes(db, departement=d) for d in deps], ignore_index=True)
    communes = gpd.GeoDataFrame(communes, geometry="geometry", crs=4326)
    points = [p for d in deps for p in query.commune_points(db, departement=d)]
    services = list(
        {
            s.id: s
            for d in deps
            for s in query.services(db, departement=d, bbox_margin_km=SERVICE_MARGIN_KM)
        }.values()
    )
    base = CoverageInputs(points, tuple(services), threshold=threshold, router=router)  # type: ignore[arg-type]
    before = analyse(base)
    after = analyse(
        base.with_additions(stops=[s for s in stops if s.lon is not None and s.lat is not None])
    )
    return TourCoverage(communes, before.communes, after.communes)
