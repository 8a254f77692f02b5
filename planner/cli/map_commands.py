"""``itinerance map ...``: HTML maps (the coverage map; the tour map comes with the plan outputs).

Thin: it reads the area from the database (:mod:`geodata.query`), computes its coverage
(:mod:`planner.coverage`) and hands both to :mod:`maps.coverage_map`, which writes the map, its
table page and CSV all or nothing. It computes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import geopandas as gpd
import typer

from geodata import query
from geodata.errors import UnknownAreaError
from geodata.records import ParsedRota, ServicePoint
from maps.coverage_map import DEFAULT_VINTAGES, write_coverage_map
from maps.io import check_writable
from planner.cli.app import map_app
from planner.cli.common import DbOption, console
from planner.coverage import (
    DEFAULT_THRESHOLD,
    CoverageInputs,
    CoverageResult,
    analyse,
    check_threshold,
    stops_from_rotas,
)
from planner.provenance import provenance
from planner.travel import OfflineModel

# Services this far outside the area still count (the France Services across the border).
SERVICE_MARGIN_KM = 30.0

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


@dataclass
class AreaCoverage:
    """An area's communes (with contours), its coverage and what the map draws."""

    label: str
    communes: gpd.GeoDataFrame
    coverage: CoverageResult
    services: list[ServicePoint]
    rotas: list[ParsedRota]
    vintages: dict[str, str]
    method_note: str


def _area_label(departement: str | None, region: str | None, epci: str | None, communes: gpd.GeoDataFrame) -> str:
    if epci:
        names = communes["epci_name"].dropna().unique()
        return f"{names[0]} ({epci})" if len(names) else f"EPCI {epci}"
    if departement:
        name = AREA_NAMES.get(f"departement:{departement}")
        return f"{name} ({departement})" if name else f"département {departement}"
    name = AREA_NAMES.get(f"region:{region}")
    return f"{name} (région {region})" if name else f"région {region}"


def _vintages(db: str | None, departements: set[str], region: str | None) -> dict[str, str]:
    """Caption vintages from the database's provenance records (defaults when none)."""
    areas = {f"departement:{d}" for d in departements} | ({f"region:{region}"} if region else set())
    found: dict[str, str] = {}
    for load in query.status(db).loads:
        label = _DATASET_LABELS.get(load.get("dataset", ""))
        if label and load.get("vintage") and (load.get("area") in areas or not areas):
            found.setdefault(label, str(load["vintage"]))
    return found or dict(DEFAULT_VINTAGES)


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
    router = router or OfflineModel()
    if not (departement or region or epci):
        raise UnknownAreaError("no area given: pass --departement, --region or --epci")
    communes = query.communes(db, departement=departement, region=region, epci=epci)
    points = query.commune_points(db, departement=departement, region=region, epci=epci)
    deps = sorted(communes["departement"].dropna().unique())
    services: list[ServicePoint] = []
    rotas: list[ParsedRota] = []
    if departement or region:
        services = query.services(db, departement=departement, region=region, bbox_margin_km=SERVICE_MARGIN_KM)
        rotas = query.rotas(db, departement=departement, region=region)
    else:  # an EPCI: the services and rotas of its départements
        for dep in deps:
            services += query.services(db, departement=dep, bbox_margin_km=SERVICE_MARGIN_KM)
            rotas += query.rotas(db, departement=dep)
        services = list({s.id: s for s in services}.values())
    stops, _issues = stops_from_rotas(rotas, points)
    result = analyse(CoverageInputs(points, tuple(services), tuple(stops), threshold=threshold, router=router))
    return AreaCoverage(
        label=_area_label(departement, region, epci, communes),
        communes=communes,
        coverage=result,
        services=services,
        rotas=rotas,
        vintages=_vintages(db, set(deps), region),
        method_note=method_note_fr(router),
    )


def method_note_fr(router: object) -> str:
    """How the map's travel times were obtained, in French."""
    if isinstance(router, OfflineModel):
        circuity = f"{router.circuity:g}".replace(".", ",")
        return (
            f"Temps de trajet estimés sans réseau routier : distance à vol d’oiseau × {circuity}, "
            "vitesse selon la longueur du trajet."
        )
    return "Temps de trajet calculés sur le réseau routier (OSRM, données OpenStreetMap)."


@map_app.command("coverage")
def coverage_map(
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write (its table page and CSV go beside it).")],
    departement: Annotated[str | None, typer.Option("--departement", "-d", help="Département code, e.g. 36.")] = None,
    region: Annotated[str | None, typer.Option("--region", "-r", help="Région code, e.g. 24 (Centre-Val de Loire).")] = None,
    epci: Annotated[str | None, typer.Option("--epci", help="EPCI SIREN code.")] = None,
    threshold: Annotated[float, typer.Option("--threshold", "-t", help="Coverage threshold in minutes.")] = DEFAULT_THRESHOLD,
    title: Annotated[str, typer.Option("--title", help="Map title (French).")] = "Accès aux lieux d’aide numérique",
    db: DbOption = None,
) -> None:
    """Write the coverage map of an area (HTML), its table page (HTML) and CSV, in French."""
    check_threshold(threshold)
    check_writable(output)  # fail before the work, not after
    area = area_coverage(db, departement=departement, region=region, epci=epci, threshold=threshold)
    written = write_coverage_map(
        area.communes, area.coverage.communes, area.services, area.rotas, output,
        title=title, threshold=threshold, vintages=area.vintages, area_label=area.label,
        method_note=area.method_note,
        provenance=provenance(database=db, router=area.coverage.router),
    )  # fmt: skip
    what = {".html": "carte", ".csv": "tableau des communes (CSV)"}
    for path in written:
        kind = "tableau (HTML accessible)" if path.stem.endswith("-tableau") else what.get(path.suffix, "fichier")
        size = f"{path.stat().st_size / 1e6:.2f}".replace(".", ",")
        console.print(f"{kind} : {path} ({size} Mo)", highlight=False)
