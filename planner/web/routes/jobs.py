"""Background jobs (loads and plans): a page that follows one, its progress as server-sent
events, and the cancel button."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from planner.web.common import config, jobs, page
from planner.web.jobs import Job
from planner.web.routes.plans import RUN, read_json, run_folder
from planner.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])

POLL_SECONDS = 0.25


def _job(request: Request, job_id: str) -> Job:
    job = jobs(request).get(job_id)
    if job is None:
        raise HTTPException(404, f"tâche inconnue : {job_id}")
    return job


@router.get("/taches/{job_id}", response_class=HTMLResponse, include_in_schema=False)
def job_page(request: Request, job_id: str) -> Response:
    job = _job(request, job_id)
    rerun = None
    if job.state == "interrupted" and job.kind == "plan":
        try:
            run = read_json(run_folder(config(request).runs, job_id) / RUN) or {}
        except HTTPException:
            run = {}
        if run.get("scenario"):
            rerun = {"scenario": run["scenario"], "version": run.get("version")}
    return page(request, "job.html", job=job, rerun=rerun)


@router.get("/api/taches", tags=["tâches"])
def api_jobs(request: Request) -> list[dict[str, Any]]:
    """Every job since the app started, newest first."""
    return [j.to_dict() for j in jobs(request).all()]


@router.get("/api/taches/{job_id}", tags=["tâches"])
def api_job(request: Request, job_id: str) -> dict[str, Any]:
    """A job: state, last progress event, result or error."""
    return _job(request, job_id).to_dict()


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/api/taches/{job_id}/evenements", tags=["tâches"])
async def job_events(request: Request, job_id: str) -> StreamingResponse:
    """Server-sent events: ``progress`` for each progress event (and the state when it
    changes), then one ``end`` with the job's final state, and the stream closes."""
    job = _job(request, job_id)

    async def stream() -> AsyncIterator[str]:
        sent, state = 0, None
        while True:
            if await request.is_disconnected():
                return
            events, over = job.events[sent:], job.over
            for event in events:
                yield _sse("progress", {"state": job.state, **event})
            sent += len(events)
            if job.state != state and not over:
                state = job.state
                yield _sse("state", job.to_dict())
            if over:
                yield _sse("end", job.to_dict())
                return
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/taches/{job_id}/annuler", include_in_schema=False)
def cancel_form(request: Request, job_id: str) -> Response:
    jobs(request).cancel(_job(request, job_id).id)
    return RedirectResponse(f"/taches/{job_id}", status_code=303)


@router.post("/api/taches/{job_id}/annuler", tags=["tâches"])
def api_cancel(request: Request, job_id: str) -> dict[str, Any]:
    """Cancel a job: a queued one is dropped, a running one stops at its next progress event."""
    return jobs(request).cancel(_job(request, job_id).id).to_dict()  # type: ignore[union-attr]
