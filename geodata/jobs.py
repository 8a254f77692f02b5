"""The web app's jobs as rows (table ``app_jobs``): recorded when queued, updated when they run
and end, read back after a restart — when the ones left queued or running are marked
``interrupted`` (their worker died with the server)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from geodata import db
from geodata.models import AppJob

__all__ = ["interrupt_unfinished", "record_job", "saved_jobs"]

_FIELDS = ("kind", "label", "target", "state", "error", "created_at", "finished_at")


def record_job(url: str | None, job: dict[str, Any]) -> None:
    """Insert or update the job ``job`` (id, kind, label, target, state, last, result, error,
    reasons, created_at, finished_at)."""
    t = AppJob.__table__
    values = {k: job.get(k) for k in _FIELDS}
    values |= {
        "last_event": None if job.get("last") is None else json.dumps(job["last"]),
        "result": None if job.get("result") is None else json.dumps(job["result"], default=str),
        "reasons": json.dumps(list(job.get("reasons") or [])),
    }
    with db.transaction(url) as conn:
        done = conn.execute(sa.update(t).where(t.c.id == job["id"]).values(**values)).rowcount
        if not done:
            conn.execute(sa.insert(t).values(id=job["id"], **values))


def interrupt_unfinished(url: str | None) -> int:
    """Mark the jobs left queued or running by a server that stopped as ``interrupted``."""
    t = AppJob.__table__
    with db.transaction(url) as conn:
        unfinished = t.c.state.in_(("queued", "running"))
        return conn.execute(sa.update(t).where(unfinished).values(state="interrupted")).rowcount


def saved_jobs(url: str | None) -> list[dict[str, Any]]:
    """Every recorded job, newest first, with ``last``, ``result`` and ``reasons`` decoded."""
    t = AppJob.__table__
    with db.transaction(url) as conn:
        rows = conn.execute(sa.select(t).order_by(t.c.created_at.desc())).all()
    out = []
    for row in rows:
        m = dict(row._mapping)
        m["last"] = json.loads(m.pop("last_event")) if m.get("last_event") else None
        m["result"] = json.loads(m["result"]) if m.get("result") else None
        m["reasons"] = json.loads(m["reasons"] or "[]")
        out.append(m)
    return out
