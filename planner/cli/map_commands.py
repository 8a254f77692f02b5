"""``itinerance map ...``: HTML maps — ``map coverage`` (an area) and ``map tour`` (a plan).

Thin: it reads the area from the database (:mod:`geodata.query`), computes its coverage
(:mod:`planner.access.coverage`) and hands both to :mod:`maps.coverage_map`, which writes the map,
its table page and CSV all or nothing. ``map tour`` reads a plan, rebuilds its scenario's problem
(day names, bases, driving times), computes the coverage without and with the tour's stops when the
scenario has a database, and hands them to :mod:`maps.tour_map`. It computes nothing itself beyond
gathering these inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from geodata.errors import UnknownAreaError
from geodata.records import ParsedRota, ServicePoint
from maps.io import check_writable
from planner.cli.app import map_app
from planner.cli.common import DbOption, console, err_console
from planner.defaults import DEFAULT_THRESHOLD
from planner.tours.plan import Plan

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from planner.access.coverage import CoverageResult, MobileStop
    from planner.access.routers import OfflineModel
    from planner.scenario.files import ScenarioFile
    from planner.tours.model import Problem

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


def _area_label(
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
    """Caption vintages from the database's provenance records (defaults when none)."""
    from geodata import query
    from maps.coverage_map import DEFAULT_VINTAGES

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
    from planner.access.routers import OfflineModel

    if isinstance(router, OfflineModel):
        circuity = f"{router.circuity:g}".replace(".", ",")
        return (
            f"Temps de trajet estimés sans réseau routier : distance à vol d’oiseau × {circuity}, "
            "vitesse selon la longueur du trajet."
        )
    return "Temps de trajet calculés sur le réseau routier (OSRM, données OpenStreetMap)."


@map_app.command("coverage")
def coverage_map(
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="HTML file to write (its table page and CSV go beside it)."
        ),
    ],
    departement: Annotated[
        str | None, typer.Option("--departement", "-d", help="Département code, e.g. 36.")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", "-r", help="Région code, e.g. 24 (Centre-Val de Loire)."),
    ] = None,
    epci: Annotated[str | None, typer.Option("--epci", help="EPCI SIREN code.")] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", "-t", help="Coverage threshold in minutes.")
    ] = DEFAULT_THRESHOLD,
    title: Annotated[
        str, typer.Option("--title", help="Map title (French).")
    ] = "Accès aux lieux d’aide numérique",
    db: DbOption = None,
) -> None:
    """Write the coverage map of an area (HTML), its table page (HTML) and CSV, in French."""
    from maps.coverage_map import write_coverage_map
    from planner.access.coverage import check_threshold
    from planner.scenario.provenance import provenance

    check_threshold(threshold)
    check_writable(output)  # fail before the work, not after
    area = area_coverage(db, departement=departement, region=region, epci=epci, threshold=threshold)
    written = write_coverage_map(
        area.communes,
        area.coverage.communes,
        area.services,
        area.rotas,
        output,
        title=title,
        threshold=threshold,
        vintages=area.vintages,
        area_label=area.label,
        method_note=area.method_note,
        provenance=provenance(database=db, router=area.coverage.router),
    )
    what = {".html": "carte", ".csv": "tableau des communes (CSV)"}
    for path in written:
        kind = (
            "tableau (HTML accessible)"
            if path.stem.endswith("-tableau")
            else what.get(path.suffix, "fichier")
        )
        size = f"{path.stat().st_size / 1e6:.2f}".replace(".", ",")
        console.print(f"{kind} : {path} ({size} Mo)", highlight=False)


# --- itinerance map tour -------------------------------------------------------------------------
@dataclass
class TourCoverage:
    """The communes around a plan's stops and their coverage without and with the tour."""

    communes: gpd.GeoDataFrame
    before: pd.DataFrame
    after: pd.DataFrame


def plan_mobile_stops(plan: Plan, problem: Problem) -> list[MobileStop]:
    """The plan's permanences as mobile stops for :mod:`planner.access.coverage`: one per stop
    served (home visits are not public permanences and are left out), at its place, with its visits
    per month turned into a frequency and its mean hours of presence per visit."""
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


def _plan_scenario(plan: Plan, plan_file: Path, given: Path | None) -> ScenarioFile | None:
    """The scenario a plan was made from: ``--scenario``, else the one its provenance names
    (as written, or beside the plan); None with a warning when it cannot be found."""
    from planner.scenario.files import load_scenario
    from planner.scenario.provenance import sha256_of

    if given is not None:
        return load_scenario(given)
    for record in plan.meta.input_files():
        if (
            not isinstance(record, dict)
            or record.get("role") != "scenario"
            or not record.get("path")
        ):
            continue
        recorded = Path(str(record["path"]))
        for path in (recorded, plan_file.parent / recorded, plan_file.parent / recorded.name):
            if path.is_file():
                if record.get("sha256") and sha256_of(path) != record["sha256"]:
                    err_console.print(
                        f"attention : {path} a changé depuis le plan (sha256 différent).",
                        highlight=False,
                    )
                return load_scenario(path)
    err_console.print(
        f"attention : scénario de {plan_file} introuvable (--scenario) : "
        "carte sans la couverture créée.",
        highlight=False,
    )
    return None


@map_app.command("tour")
def tour_map_command(
    plan_file: Annotated[
        Path, typer.Argument(help="Plan JSON written by `itinerance plan`.", show_default=False)
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="HTML file to write (its table page and CSV go beside it)."
        ),
    ],
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            "-s",
            help="Scenario of the plan (default: the one recorded in the plan).",
            show_default=False,
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            "-t",
            help="Coverage threshold in minutes (default: the scenario's, else 30).",
            show_default=False,
        ),
    ] = None,
    title: Annotated[str, typer.Option("--title", help="Map title (French).")] = "Tournées",
    coverage: Annotated[
        bool,
        typer.Option(
            "--coverage/--no-coverage",
            help="Shade the communes the tour brings within the threshold "
            "(needs the scenario's database).",
        ),
    ] = True,
    include_personal_data: Annotated[
        bool,
        typer.Option(
            "--include-personal-data",
            help="Place home visits at their address (default: at their commune, unnamed).",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Write the tour map of a plan (HTML), its table page (HTML) and CSV of the stops, in
    French."""
    from maps.tour_map import check_map_path, write_tour_map
    from planner.access.coverage import check_threshold
    from planner.scenario.build import build
    from planner.scenario.context import database_url, router_of
    from planner.scenario.pipeline import check_plan_matches

    if threshold is not None:
        check_threshold(threshold)
    check_map_path(output)
    check_writable(output)  # fail before the work, not after
    plan = Plan.read(plan_file)
    f = _plan_scenario(plan, plan_file, scenario)
    problem = found = None
    if f is not None:
        built = build(f, db=db, include_personal=include_personal_data)
        check_plan_matches(built.problem, plan, str(plan_file), str(f.path))
        problem = built.problem
        threshold = threshold if threshold is not None else f.scenario.coverage.threshold
        url = database_url(f, db)
        if coverage and url is not None:
            found = tour_coverage(url, plan, problem, threshold=threshold, router=router_of(f))
    threshold = threshold if threshold is not None else DEFAULT_THRESHOLD
    written = write_tour_map(
        plan,
        output,
        problem=problem,
        threshold=threshold,
        title=title,
        include_personal_data=include_personal_data,
        communes=found.communes if found else None,
        coverage_before=found.before if found else None,
        coverage_after=found.after if found else None,
    )
    what = {".html": "carte des tournées", ".csv": "arrêts par jour (CSV)"}
    for path in written:
        kind = (
            "tableau (HTML accessible)"
            if path.stem.endswith("-tableau")
            else what.get(path.suffix, "fichier")
        )
        size = f"{path.stat().st_size / 1e6:.2f}".replace(".", ",")
        console.print(f"{kind} : {path} ({size} Mo)", highlight=False)
