"""Plans: run a saved scenario in the worker pool, follow it live, then its result page (tour
map, rota, validator's verdict, figures) and its files to download (plan JSON, timetables,
calendars). A run's files live in their own folder under the app's runs folder; downloads are
served from it only (a path that leaves it is refused).
"""

from __future__ import annotations

import json
import mimetypes
import re
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from planner.web.assets import local_assets
from planner.web.common import config, jobs, page
from planner.web.security import csrf_protect
from planner.web.tasks import SUMMARY, plan_task

router = APIRouter(dependencies=[Depends(csrf_protect)])

RUN = "run.json"
_RUN_ID = re.compile(r"^[0-9a-f]{12}$")
mimetypes.add_type("text/calendar", ".ics")


def run_folder(runs: Path, run_id: str) -> Path:
    if not _RUN_ID.match(run_id):
        raise HTTPException(404, f"plan inconnu : {run_id}")
    folder = runs / run_id
    if not (folder / RUN).is_file():
        raise HTTPException(404, f"plan inconnu : {run_id}")
    return folder


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _run_state(request: Request | None, folder: Path, run: dict[str, Any]) -> str:
    if (folder / SUMMARY).is_file():
        return "done"
    job = jobs(request).get(run["id"]) if request is not None else None
    return job.state if job is not None else "interrupted"


def runs_of(runs: Path, key: str | None = None, kind: str = "plan") -> list[dict[str, Any]]:
    """The runs of ``kind`` in ``runs`` (of scenario ``key`` only when given), newest first."""
    out = []
    if runs.is_dir():
        for folder in runs.iterdir():
            run = read_json(folder / RUN)
            if run is None or run.get("kind", "plan") != kind:
                continue
            if key is None or run.get("scenario") == key:
                run["done"] = (folder / SUMMARY).is_file()
                out.append(run)
    return sorted(out, key=lambda r: r.get("created", 0), reverse=True)


def new_run(runs: Path, **fields: Any) -> tuple[str, Path]:
    """A new run's id and folder, with its ``run.json`` (what it is, when it was asked)."""
    run_id = uuid.uuid4().hex[:12]
    folder = runs / run_id
    folder.mkdir(parents=True)
    run = {"id": run_id, "kind": "plan", "created": time.time(), **fields}
    (folder / RUN).write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    return run_id, folder


def start_plan(
    request: Request,
    key: str,
    version: int | None,
    initial: str | None = None,
    freeze_weeks: tuple[int, ...] = (),
    freeze_stops: tuple[str, ...] = (),
) -> Any:
    from geodata.scenarios import scenario_version

    cfg = config(request)
    saved = scenario_version(cfg.db, key, version)
    if saved is None:
        raise HTTPException(404, f"scénario inconnu : {key}")
    more = (
        {"from": initial, "freeze_weeks": list(freeze_weeks), "freeze_stops": list(freeze_stops)}
        if initial
        else {}
    )
    run_id, folder = new_run(cfg.runs, scenario=key, version=saved.version, name=saved.name, **more)
    what = "Re-planification" if initial else "Planification"
    initial_path = str(cfg.runs / initial / "plan.json") if initial else None
    return jobs(request).submit(
        "plan",
        f"{what} de « {saved.name} » (version {saved.version})",
        lambda job_id: f"/plans/{job_id}",
        plan_task,
        cfg.db,
        saved.toml,
        str(folder),
        cfg.time_limit,
        initial_path,
        freeze_weeks,
        freeze_stops,
        job_id=run_id,
    )


@router.post("/scenarios/{key}/planifier", include_in_schema=False)
def plan_form(request: Request, key: str, version: int | None = Form(None)) -> Response:
    job = start_plan(request, key, version)
    return RedirectResponse(f"/taches/{job.id}", status_code=303)


@router.post("/api/scenarios/{key}/planifier", status_code=202, tags=["plans"])
def api_plan(request: Request, key: str, version: int | None = None) -> dict[str, Any]:
    """Plan a saved scenario (its newest version, or ``version``) in the background; follow it
    at /api/taches/{id}; the result is at /api/plans/{id}."""
    return start_plan(request, key, version).to_dict()


@router.get("/plans", response_class=HTMLResponse, include_in_schema=False)
def plan_list(request: Request) -> Response:
    return page(request, "plans.html", runs=runs_of(config(request).runs))


@router.get("/api/plans", tags=["plans"])
def api_plans(request: Request) -> list[dict[str, Any]]:
    """Every plan made by the app: scenario, version, date, finished or not."""
    return runs_of(config(request).runs)


def _changes(request: Request, before: str, after: str) -> dict[str, Any]:
    from planner.web.changes import plan_changes

    runs = config(request).runs
    plans = []
    for run_id in (before, after):
        folder = run_folder(runs, run_id)
        summary = read_json(folder / SUMMARY)
        if summary is None or "stops_table" not in summary:
            raise HTTPException(404, f"plan inconnu ou sans résultat : {run_id}")
        plans.append(({**(read_json(folder / RUN) or {}), "id": run_id}, summary))
    (run_a, a), (run_b, b) = plans
    changes = plan_changes(a["stops_table"], b["stops_table"])
    return {"before": run_a, "after": run_b, **changes.to_dict()}


@router.get("/plans/changements", response_class=HTMLResponse, include_in_schema=False)
def changes_page(request: Request, avant: str = "", apres: str = "") -> Response:
    runs = [r for r in runs_of(config(request).runs) if r["done"]]
    changes = _changes(request, avant, apres) if avant and apres else None
    return page(request, "changes.html", runs=runs, changes=changes, avant=avant, apres=apres)


@router.get("/api/plans/changements", tags=["plans"])
def api_changes(request: Request, avant: str, apres: str) -> dict[str, Any]:
    """What changes for residents from plan ``avant`` to plan ``apres`` (any two finished plans,
    of one scenario or two): stops whose days or hours change, added, dropped, kept."""
    return _changes(request, avant, apres)


@router.get("/plans/{run_id}", response_class=HTMLResponse, include_in_schema=False)
def plan_page(request: Request, run_id: str) -> Response:
    folder = run_folder(config(request).runs, run_id)
    run = read_json(folder / RUN) or {}
    summary = read_json(folder / SUMMARY)
    if summary is None:
        state = _run_state(request, folder, run)
        if state in ("queued", "running"):
            return RedirectResponse(f"/taches/{run_id}", status_code=303)
        job = jobs(request).get(run_id)
        return page(request, "plan.html", run=run, summary=None, state=state, job=job)
    return page(request, "plan.html", run=run, summary=summary, state="done", job=None)


@router.get("/api/plans/{run_id}", tags=["plans"])
def api_plan_result(request: Request, run_id: str) -> dict[str, Any]:
    """A plan's summary: validator's verdict and violations, figures, rota text, files."""
    folder = run_folder(config(request).runs, run_id)
    run = read_json(folder / RUN) or {}
    summary = read_json(folder / SUMMARY)
    return {**run, "state": _run_state(request, folder, run), "summary": summary}


@router.get("/plans/{run_id}/fichiers/{path:path}", tags=["plans"])
def plan_file(request: Request, run_id: str, path: str) -> Response:
    """A file of the plan (plan.json, carte-tournees.html, horaires/…, calendriers/….ics)."""
    folder = run_folder(config(request).runs, run_id).resolve()
    target = (folder / path).resolve()
    # run.json is the app's; the scenario copies may hold requesters' personal data
    private = target.name == RUN or target.suffix == ".toml"
    if not target.is_relative_to(folder) or not target.is_file() or private:
        raise HTTPException(404, f"fichier inconnu : {path}")
    if target.suffix == ".html":
        return HTMLResponse(local_assets(target.read_text(encoding="utf-8")))
    kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=kind, filename=target.name)


def _weeks(text: str) -> tuple[int, ...]:
    try:
        weeks = tuple(sorted({int(w) for w in re.split(r"[,\s]+", text.strip()) if w}))
    except ValueError:
        raise HTTPException(422, f"semaines à garder : {text!r} (attendu : 1, 2…)") from None
    if any(not 1 <= w <= 4 for w in weeks):
        raise HTTPException(422, f"semaines à garder : {text!r} (de 1 à 4)")
    return weeks


@router.post("/plans/{run_id}/replanifier", include_in_schema=False)
async def replan_form(request: Request, run_id: str) -> Response:
    form = await request.form()
    weeks = form.get("semaines", "")
    stops = tuple(s for s in form.getlist("arrets") if isinstance(s, str))
    job = _replan(request, run_id, _weeks(weeks if isinstance(weeks, str) else ""), stops)
    return RedirectResponse(f"/taches/{job.id}", status_code=303)


@router.post("/api/plans/{run_id}/replanifier", status_code=202, tags=["plans"])
def api_replan(
    request: Request, run_id: str, semaines: str = "", arrets: str = ""
) -> dict[str, Any]:
    """Re-plan the newest version of this plan's scenario from this plan, moving as few visits
    as possible and keeping exactly the days of the weeks ``semaines`` (``1,2``) and the visits
    of the stops ``arrets`` (their ids, comma-separated)."""
    stops = tuple(s.strip() for s in arrets.split(",") if s.strip())
    return _replan(request, run_id, _weeks(semaines), stops).to_dict()


def _replan(
    request: Request, run_id: str, weeks: tuple[int, ...], stops: tuple[str, ...] = ()
) -> Any:
    folder = run_folder(config(request).runs, run_id)
    run = read_json(folder / RUN) or {}
    if not (folder / "plan.json").is_file() or not (read_json(folder / SUMMARY) or {}).get("ok"):
        raise HTTPException(409, "on ne re-planifie qu’à partir d’un plan valide et terminé")
    return start_plan(
        request, run["scenario"], None, initial=run_id, freeze_weeks=weeks, freeze_stops=stops
    )
