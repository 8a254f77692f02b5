"""Compare saved scenarios side by side (as ``itinerance compare``): each is planned in turn in
one worker, measured and compared; the French report (table, chart) is shown, its CSV and JSON
downloaded."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse, RedirectResponse, Response

from planner.web.common import config, jobs, page
from planner.web.routes.plans import RUN, new_run, plan_file, read_json, run_folder, runs_of
from planner.web.security import csrf_protect
from planner.web.tasks import SUMMARY, compare_task

router = APIRouter(dependencies=[Depends(csrf_protect)])


class CompareIn(BaseModel):
    scenarios: list[str] = Field(min_length=2, max_length=6)


def start_compare(request: Request, keys: list[str]) -> Any:
    from geodata.scenarios import scenario_version

    cfg = config(request)
    if not 2 <= len(set(keys)) <= 6:
        raise HTTPException(422, "cochez de deux à six scénarios différents")
    chosen = []
    for key in dict.fromkeys(keys):
        saved = scenario_version(cfg.db, key)
        if saved is None:
            raise HTTPException(404, f"scénario inconnu : {key}")
        chosen.append(saved)
    run_id, folder = new_run(
        cfg.runs,
        kind="compare",
        name=" / ".join(s.name for s in chosen),
        scenarios=[[s.key, s.version] for s in chosen],
    )
    return jobs(request).submit(
        "compare",
        "Comparaison de " + ", ".join(f"« {s.name} »" for s in chosen),
        lambda job_id: f"/comparaisons/{job_id}",
        compare_task,
        cfg.db,
        [(s.name, s.toml) for s in chosen],
        str(folder),
        cfg.time_limit,
        job_id=run_id,
    )


@router.get("/comparer", response_class=HTMLResponse, include_in_schema=False)
def compare_form(request: Request) -> Response:
    from geodata.scenarios import saved_scenarios

    cfg = config(request)
    return page(
        request,
        "compare.html",
        scenarios=saved_scenarios(cfg.db),
        runs=runs_of(cfg.runs, kind="compare"),
    )


@router.post("/comparer", include_in_schema=False)
async def compare_post(request: Request) -> Response:
    form = await request.form()
    keys = [k for k in form.getlist("scenario") if isinstance(k, str)]
    job = start_compare(request, keys)
    return RedirectResponse(f"/taches/{job.id}", status_code=303)


@router.post("/api/comparaisons", status_code=202, tags=["comparaisons"])
def api_compare(request: Request, body: CompareIn) -> dict[str, Any]:
    """Compare two to six saved scenarios (their newest versions) in the background."""
    return start_compare(request, body.scenarios).to_dict()


@router.get("/comparaisons/{run_id}", response_class=HTMLResponse, include_in_schema=False)
def compare_page(request: Request, run_id: str) -> Response:
    folder = run_folder(config(request).runs, run_id)
    run = read_json(folder / RUN) or {}
    summary = read_json(folder / SUMMARY)
    job = jobs(request).get(run_id)
    if summary is None and job is not None and not job.over:
        return RedirectResponse(f"/taches/{run_id}", status_code=303)
    return page(request, "comparison.html", run=run, summary=summary, job=job)


@router.get("/api/comparaisons/{run_id}", tags=["comparaisons"])
def api_comparison(request: Request, run_id: str) -> dict[str, Any]:
    """A comparison: its scenarios and, once done, the comparison itself (lines, values,
    differences, best)."""
    import json

    folder = run_folder(config(request).runs, run_id)
    data = folder / "comparaison.json"
    return {
        **(read_json(folder / RUN) or {}),
        "comparison": json.loads(data.read_text(encoding="utf-8")) if data.is_file() else None,
    }


@router.get("/comparaisons/{run_id}/fichiers/{path:path}", tags=["comparaisons"])
def comparison_file(request: Request, run_id: str, path: str) -> Response:
    """A file of the comparison (comparaison.html, .csv, .json)."""
    return plan_file(request, run_id, path)
