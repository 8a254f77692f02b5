"""Users' own files (bornes, host sites, services, vehicles) imported as ``itinerance data
import`` does: an uploaded CSV, GeoJSON or GeoPackage of at most :data:`MAX_UPLOAD_BYTES`, read,
validated and stored in one transaction by a worker; its message names the line or field."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from planner.web.common import config, jobs, page
from planner.web.security import csrf_protect
from planner.web.tasks import import_task

router = APIRouter(dependencies=[Depends(csrf_protect)])

MAX_UPLOAD_BYTES = 10_000_000
SUFFIXES = (".csv", ".geojson", ".json", ".gpkg")
KINDS = {
    "borne": "bornes interactives",
    "host_site": "lieux d’accueil (salles prêtées)",
    "service": "lieux d’aide",
    "vehicle": "véhicules",
}


def parse_mapping(text: str) -> dict[str, str]:
    """``champ=colonne`` lines (the CLI's ``--map``) as a dict; 422 on a malformed line."""
    mapping: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        target, sep, source = line.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise HTTPException(
                422, f"correspondance {line.strip()!r} : attendu champ=colonne (insee=Code commune)"
            )
        mapping[target.strip()] = source.strip()
    return mapping


@router.get("/donnees/importer", response_class=HTMLResponse, include_in_schema=False)
def import_page(request: Request) -> Response:
    return page(request, "import.html", kinds=KINDS, limit=MAX_UPLOAD_BYTES // 1_000_000)


async def _start_import(
    request: Request, fichier: UploadFile, kind: str, mapping: str, layer: str, replace: bool
) -> Any:
    if kind not in KINDS:
        raise HTTPException(422, f"type {kind!r} : attendu {', '.join(KINDS)}")
    name = Path(fichier.filename or "fichier").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise HTTPException(422, f"{name} : attendu un fichier {', '.join(SUFFIXES)}")
    pairs = parse_mapping(mapping)
    data = await fichier.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"{name} : plus de {MAX_UPLOAD_BYTES // 1_000_000} Mo")
    # A folder of its own, the file under its own name (the database records where items came
    # from, and a second import of the same file replaces them), made safe: no path from outside.
    folder = config(request).runs / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / (re.sub(r"[^\w.\- ]", "_", Path(name).stem).strip(" .") or "fichier")
    path = path.with_suffix(suffix)
    path.write_bytes(data)
    return jobs(request).submit(
        "import",
        f"Import de {name} ({KINDS[kind]})",
        lambda job_id: f"/taches/{job_id}",
        import_task,
        config(request).db,
        str(path),
        kind,
        pairs,
        layer.strip() or None,
        replace,
        name,
    )


@router.post("/donnees/importer", include_in_schema=False)
async def import_form(
    request: Request,
    fichier: UploadFile,
    type: str = Form(...),  # noqa: A002 (the form's field)
    correspondances: str = Form(""),
    couche: str = Form(""),
    remplacer: bool = Form(False),
) -> Response:
    job = await _start_import(request, fichier, type, correspondances, couche, remplacer)
    return RedirectResponse(f"/taches/{job.id}", status_code=303)


@router.post("/api/donnees/importer", status_code=202, tags=["données"])
async def api_import(
    request: Request,
    fichier: UploadFile,
    type: str = Form(..., description="borne, host_site, service ou vehicle"),  # noqa: A002
    correspondances: str = Form("", description="lignes champ=colonne"),
    couche: str = Form("", description="couche d’un GeoPackage"),
    remplacer: bool = Form(False),
) -> dict[str, Any]:
    """Import your own file (CSV, GeoJSON, GeoPackage; 10 MB at most) in the background, as
    ``itinerance data import`` does."""
    job = await _start_import(request, fichier, type, correspondances, couche, remplacer)
    return job.to_dict()
