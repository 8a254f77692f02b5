"""Home and territory: the départements loaded, loading one (a background job), the coverage map
of a département (the same map, layers and legends as ``itinerance map coverage``) with its
table alternative and CSV.

The map is built in the server's thread pool (never on the event loop) and kept in memory per
database, département, threshold and load, so that a second visit is immediate.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from pydantic import BaseModel
from starlette.responses import HTMLResponse, RedirectResponse, Response

from planner.defaults import DEFAULT_THRESHOLD
from planner.web.assets import local_assets
from planner.web.common import config, jobs, page
from planner.web.security import csrf_protect
from planner.web.tasks import load_task

router = APIRouter(dependencies=[Depends(csrf_protect)])

# Départements with built-in commune contours (Centre-Val de Loire): offered by the load form.
OFFERED = {
    "18": "Cher",
    "28": "Eure-et-Loir",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "41": "Loir-et-Cher",
    "45": "Loiret",
}


class Departement(BaseModel):
    code: str
    nom: str
    communes: int
    population: int
    communes_avec_contour: int
    services: dict[str, int]
    arrets_itinerants: int


class LoadRequest(BaseModel):
    departement: str | None = None
    region: str | None = None


# Régions whose communes have built-in contours.
REGIONS = {"24": "Centre-Val de Loire"}


def _name(code: str) -> str:
    return OFFERED.get(code, f"département {code}")


def loaded(db: str | None) -> list[Departement]:
    from geodata import status

    return [
        Departement(
            code=d["departement"],
            nom=_name(d["departement"]),
            communes=d["communes"],
            population=d["population"],
            communes_avec_contour=d["with_contour"],
            services=d["services"],
            arrets_itinerants=d["rota_stops"],
        )
        for d in status(db).departements
    ]


REGION_PREFIX = "region-"  # /territoires/region-24: a région (département 24 is /territoires/24)


def _check_code(code: str) -> str:
    """A département's code, or ``region-`` and a région's code (404 when unknown)."""
    from geodata.areas import is_departement, is_region

    code = code.strip() if code else ""
    if code.startswith(REGION_PREFIX):
        if not is_region(code.removeprefix(REGION_PREFIX)):
            raise HTTPException(404, f"région inconnue : {code!r} (attendu : region-24)")
        return code
    code = code.upper()
    if not is_departement(code):
        raise HTTPException(404, f"département inconnu : {code!r} (attendu : un code comme 36)")
    return code


def _area(code: str) -> dict[str, str]:
    """The ``departement=`` or ``region=`` keyword of a checked territory code."""
    if code.startswith(REGION_PREFIX):
        return {"region": code.removeprefix(REGION_PREFIX)}
    return {"departement": code}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> Response:
    from geodata.areas import DEPARTEMENTS_BY_REGION
    from geodata.scenarios import saved_scenarios

    cfg = config(request)
    departements = loaded(cfg.db)
    codes = {d.code for d in departements}
    return page(
        request,
        "home.html",
        departements=departements,
        offered=OFFERED,
        regions=REGIONS,
        loaded_regions={
            code: name
            for code, name in REGIONS.items()
            if set(DEPARTEMENTS_BY_REGION[code]) <= codes
        },
        scenarios=saved_scenarios(cfg.db),
        jobs=jobs(request).all()[:10],
    )


@router.get("/api/territoires", tags=["territoires"])
def api_territories(request: Request) -> list[Departement]:
    """The départements loaded in the database, with their counts."""
    return loaded(config(request).db)


@router.get("/api/session", tags=["session"])
def api_session(request: Request) -> dict[str, str]:
    """The CSRF token to send back in the ``X-CSRF-Token`` header of POST requests (a cookie
    holds it too: keep the cookies of this response)."""
    return {"csrf_token": request.state.csrf}


def _start_load(request: Request, departement: str | None, region: str | None) -> Any:
    from geodata.areas import is_region

    if region is not None:
        if departement is not None or not is_region(region.strip()):
            raise HTTPException(404, f"région inconnue : {region!r} (attendu : un code comme 24)")
        region = region.strip()
        label = f"Chargement de la région {REGIONS.get(region, region)} ({region})"
        return jobs(request).submit(
            "load",
            label,
            lambda _id: f"/territoires/{REGION_PREFIX}{region}",
            load_task,
            config(request).db,
            None,
            region,
        )
    code = _check_code(departement or "")
    return jobs(request).submit(
        "load",
        f"Chargement du département {_name(code)} ({code})",
        lambda _id: f"/territoires/{code}",
        load_task,
        config(request).db,
        code,
    )


@router.post("/territoires/charger", include_in_schema=False)
def load_form(
    request: Request, departement: str | None = Form(None), region: str | None = Form(None)
) -> Response:
    job = _start_load(request, departement, region)
    return RedirectResponse(f"/taches/{job.id}", status_code=303)


@router.post("/api/territoires/charger", status_code=202, tags=["territoires"])
def api_load(request: Request, body: LoadRequest) -> dict[str, Any]:
    """Load (or reload) a département or a région in the background; follow the job at
    /api/taches/{id}."""
    return _start_load(request, body.departement, body.region).to_dict()


class CommuneOut(BaseModel):
    code: str
    nom: str
    population: int
    lon: float | None
    lat: float | None


@router.get("/api/territoires/{code}/communes", tags=["territoires"])
def api_communes(request: Request, code: str) -> list[CommuneOut]:
    """The communes of a loaded département with their representative point (for maps and
    searchable lists)."""
    from geodata import commune_points, loaded_departements

    code = _check_code(code)
    if code not in loaded_departements(config(request).db):
        raise HTTPException(404, f"le département {code} n’est pas chargé dans la base")
    return [
        CommuneOut(code=c.code, nom=c.name, population=c.population, lon=c.lon, lat=c.lat)
        for c in commune_points(config(request).db, departement=code)
    ]


# --- the coverage map ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CoveragePages:
    label: str
    map_html: str
    table_html: str
    csv: str
    totals: list[dict[str, Any]]
    gaps: list[dict[str, Any]]


_cache: dict[tuple, CoveragePages] = {}
_cache_lock = threading.Lock()


def _departements(code: str) -> tuple[str, ...]:
    from geodata.areas import DEPARTEMENTS_BY_REGION

    area = _area(code)
    return DEPARTEMENTS_BY_REGION[area["region"]] if "region" in area else (code,)


def _load_stamp(db: str | None, code: str) -> str:
    from geodata import status

    ends = tuple(f":{c}" for c in (*_departements(code), code.removeprefix(REGION_PREFIX)))
    stamps = [str(x["loaded_at"]) for x in status(db).loads if x["area"].endswith(ends)]
    return max(stamps, default="")


def coverage_pages(db: str | None, code: str, threshold: float) -> CoveragePages:
    """The map, table page, CSV and totals of a loaded département or région (404 when not
    loaded, or for a région when one of its départements is not)."""
    from geodata import loaded_departements

    missing = sorted(set(_departements(code)) - set(loaded_departements(db)))
    if missing and code.startswith(REGION_PREFIX):
        raise HTTPException(
            404,
            f"la région {code.removeprefix(REGION_PREFIX)} n’est pas chargée dans la base "
            f"(départements manquants : {', '.join(missing)})",
        )
    if missing:
        raise HTTPException(404, f"le département {code} n’est pas chargé dans la base")
    key = (db, code, threshold, _load_stamp(db, code))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    pages = _build_coverage(db, code, threshold)
    with _cache_lock:
        _cache[key] = pages
    return pages


def _build_coverage(db: str | None, code: str, threshold: float) -> CoveragePages:
    from maps.coverage_map import make_coverage_map, render_map
    from maps.tables import csv_text, table_page
    from planner.access.area import area_coverage
    from planner.access.coverage import check_threshold
    from planner.outputs.coverage_report import method_note_fr

    check_threshold(threshold)
    area = area_coverage(db, **_area(code), threshold=threshold)
    title = "Accès aux lieux d’aide numérique"
    result = make_coverage_map(
        area.communes,
        area.coverage.communes,
        area.services,
        area.rotas,
        title=title,
        threshold=threshold,
        vintages=area.vintages,
        area_label=area.label,
        method_note=method_note_fr(area.router),
        table_href=f"tableau?seuil={threshold:g}",
    )
    table = table_page(
        f"{title} — {area.label}",
        result.tables,
        intro=["Ces tableaux donnent les mêmes informations que la carte, sans carte."],
        links=[
            ("Voir la carte", f"carte?seuil={threshold:g}"),
            ("Télécharger le tableau des communes (CSV)", f"communes.csv?seuil={threshold:g}"),
        ],
    )
    totals = [
        {
            "mesure": str(label),
            "part_population_couverte": round(float(share), 4),
            "population_non_couverte": int(pop),
        }
        for label, share, pop in zip(
            area.coverage.totals["label_fr"],
            area.coverage.totals["share_population_covered"],
            area.coverage.totals["population_not_covered"],
            strict=True,
        )
    ]
    gaps = [
        {"code": str(code_), "nom": str(row["name"]), "population": int(row["population"] or 0)}
        for code_, row in area.coverage.gaps.head(15).iterrows()
    ]
    return CoveragePages(
        area.label,
        local_assets(render_map(result)),
        table,
        csv_text(result.tables[0]),
        totals,
        gaps,
    )


Seuil = Query(DEFAULT_THRESHOLD, gt=0, le=240, description="Seuil de couverture en minutes")


@router.get("/territoires/{code}", response_class=HTMLResponse, include_in_schema=False)
def territory(request: Request, code: str, seuil: float = Seuil) -> Response:
    code = _check_code(code)
    pages = coverage_pages(config(request).db, code, seuil)
    return page(request, "territory.html", code=code, pages=pages, seuil=seuil)


@router.get("/api/territoires/{code}", tags=["territoires"])
def api_territory(request: Request, code: str, seuil: float = Seuil) -> dict[str, Any]:
    """A loaded département's coverage: totals by kind of help and the communes without human
    help within ``seuil`` minutes (by decreasing need)."""
    code = _check_code(code)
    pages = coverage_pages(config(request).db, code, seuil)
    return {
        "code": code,
        "nom": pages.label,
        "seuil": seuil,
        "couverture": pages.totals,
        "communes_sans_aide": pages.gaps,
        "carte": f"/territoires/{code}/carte?seuil={seuil:g}",
        "tableau": f"/territoires/{code}/tableau?seuil={seuil:g}",
    }


@router.get("/territoires/{code}/carte", response_class=HTMLResponse, tags=["territoires"])
def coverage_map(request: Request, code: str, seuil: float = Seuil) -> Response:
    """The coverage map page (HTML, assets served by the app)."""
    pages = coverage_pages(config(request).db, _check_code(code), seuil)
    return HTMLResponse(pages.map_html)


@router.get("/territoires/{code}/tableau", response_class=HTMLResponse, tags=["territoires"])
def coverage_table(request: Request, code: str, seuil: float = Seuil) -> Response:
    """The map's table alternative (HTML)."""
    pages = coverage_pages(config(request).db, _check_code(code), seuil)
    return HTMLResponse(pages.table_html)


@router.get("/territoires/{code}/communes.csv", tags=["territoires"])
def coverage_csv(request: Request, code: str, seuil: float = Seuil) -> Response:
    """The communes of the map as CSV (UTF-8 with BOM, for spreadsheets)."""
    code = _check_code(code)
    pages = coverage_pages(config(request).db, code, seuil)
    return Response(
        pages.csv.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="communes-{code}.csv"'},
    )
