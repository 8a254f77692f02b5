"""Long work of the web app (loading an area, planning) in a pool of worker processes.

The web server never runs a load or a search itself: :class:`Jobs` hands them to a
:class:`~concurrent.futures.ProcessPoolExecutor` of at most ``os.cpu_count()`` processes (more
jobs wait their turn), and a reader thread collects the progress events workers send through a
queue, so that pages can stream them (server-sent events). Cancelling a queued job drops it;
cancelling a running one sets a flag its next progress event sees (the search stops within a
fraction of a second). Each job's state, last progress event and result are also recorded in the
database (table ``app_jobs``, :mod:`geodata.jobs`) when it is queued, starts and ends: a new
server lists the jobs of the previous one, and those it left queued or running are
``interrupted`` (never running forever). Their result pages are files written by the workers
(:mod:`planner.web.tasks`), which outlive the server too.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from planner.web.tasks import run_job

__all__ = ["Job", "Jobs"]

log = logging.getLogger(__name__)

STATES_FR = {
    "queued": "en attente d’un processeur libre",
    "running": "en cours",
    "done": "terminé",
    "failed": "échec",
    "cancelled": "annulé",
    "interrupted": "interrompu par l’arrêt du serveur",
}
OVER = ("done", "failed", "cancelled", "interrupted")


@dataclass
class Job:
    """A load or a plan: its progress events, then its result or its error."""

    id: str
    kind: str  # "load" or "plan"
    label: str  # French, for pages
    target: str  # URL of the page that shows the result
    state: str = "queued"
    events: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    error: str | None = None
    reasons: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    finished: float | None = None
    future: Future | None = field(default=None, repr=False)

    @property
    def over(self) -> bool:
        return self.state in OVER

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "target": self.target,
            "state": self.state,
            "state_fr": STATES_FR[self.state],
            "last": self.events[-1] if self.events else None,
            "result": self.result,
            "error": self.error,
            "reasons": self.reasons,
        }


class Jobs:
    """The worker pool, the jobs it runs and their progress."""

    def __init__(self, workers: int | None = None, db: str | None = None, record: bool = False):
        self.workers = max(1, min(workers or os.cpu_count() or 1, os.cpu_count() or 1))
        # spawn: the server has threads (a fork could copy a held lock); workers import afresh.
        ctx = multiprocessing.get_context("spawn")
        self._manager = ctx.Manager()
        self._queue = self._manager.Queue()
        self._cancel = self._manager.dict()
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._db, self._record = db, record
        self._stopping = False  # set by shutdown: the jobs it stops are interrupted, not cancelled
        if record:
            self._restore()
        self._reader = threading.Thread(target=self._read, name="job-progress", daemon=True)
        self._reader.start()

    def submit(
        self,
        kind: str,
        label: str,
        target: Callable[[str], str],
        fn: Callable[..., dict[str, Any]],
        *args: Any,
        job_id: str | None = None,
    ) -> Job:
        """Queue ``fn(report, *args)`` in a worker; ``target(job_id)`` is the result page's URL."""
        job_id = job_id or uuid.uuid4().hex[:12]
        job = Job(job_id, kind, label, target(job_id))
        with self._lock:
            self._jobs[job_id] = job
        self._save(job)
        job.future = self._pool.submit(run_job, fn, job_id, self._queue, self._cancel, *args)
        job.future.add_done_callback(lambda f, job=job: self._finish(job, f))
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def cancel(self, job_id: str) -> Job | None:
        job = self.get(job_id)
        if job is None or job.over:
            return job
        if job.future is not None and job.future.cancel():
            return job  # never started: _finish marks it cancelled
        self._cancel[job_id] = True
        return job

    def running(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.state == "running")

    def _read(self) -> None:
        while True:
            try:
                item = self._queue.get()
            except (EOFError, OSError):  # the manager is gone: shutting down
                return
            if item is None:
                return
            job_id, event = item
            with self._lock:
                job = self._jobs.get(job_id)
                if job is None or job.over:
                    continue
                started = job.state == "queued"
                if started:
                    job.state = "running"
                if event.get("phase") != "start":
                    job.events.append(event)
            if started:
                self._save(job)

    def _finish(self, job: Job, future: Future) -> None:
        try:
            outcome = future.result()
        except CancelledError:
            outcome = {"cancelled": True}
        except Exception as exc:  # a crashed worker (BrokenProcessPool…): say it, keep serving
            log.exception("job %s failed", job.id)
            outcome = {"error": f"{type(exc).__name__}: {exc}"}
        with self._lock:
            job.finished = time.time()
            if outcome.get("cancelled"):
                job.state = "interrupted" if self._stopping else "cancelled"
            elif "error" in outcome:
                job.state = "failed"
                job.error = outcome["error"]
                job.reasons = list(outcome.get("reasons", []))
            else:
                job.state = "done"
                job.result = outcome
            self._cancel.pop(job.id, None)
        self._save(job)

    def _save(self, job: Job) -> None:
        """Record the job's state in the database (a failure there is logged, never raised)."""
        if not self._record:
            return
        from geodata.jobs import record_job

        with self._lock:
            row = job.to_dict() | {"created_at": job.created, "finished_at": job.finished}
        try:
            record_job(self._db, row)
        except Exception:
            log.exception("job %s: its state could not be recorded", job.id)

    def _restore(self) -> None:
        """The jobs of the previous server; those it left unfinished are interrupted."""
        from geodata.jobs import interrupt_unfinished, saved_jobs

        try:
            interrupt_unfinished(self._db)
            rows = saved_jobs(self._db)
        except Exception:
            log.exception("the jobs of the previous server could not be read")
            return
        for row in rows:
            job = Job(row["id"], row["kind"], row["label"], row["target"], row["state"])
            job.events = [row["last"]] if row["last"] else []
            job.result, job.error, job.reasons = row["result"], row["error"], row["reasons"]
            job.created, job.finished = row["created_at"], row["finished_at"]
            self._jobs[job.id] = job

    def shutdown(self) -> None:
        """Stop every job (queued ones are dropped, running ones told to stop: they are
        interrupted) and the pool."""
        self._stopping = True
        for job in self.all():
            if not job.over:
                self.cancel(job.id)
        self._pool.shutdown(wait=True, cancel_futures=True)
        try:
            self._queue.put(None)
        except (EOFError, OSError):
            pass
        self._reader.join(timeout=5)
        self._manager.shutdown()
