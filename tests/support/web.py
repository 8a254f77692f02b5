"""The web app in-process for tests: a TestClient that knows its CSRF token."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient


class AppClient(TestClient):
    """FastAPI's TestClient with the session's CSRF token at hand (``post_form``, ``post_json``)
    and a way to wait for a background job."""

    csrf: str = ""

    def post_form(self, url: str, data: dict[str, Any], **kw: Any) -> Any:
        return self.post(url, data={"csrf_token": self.csrf, **data}, **kw)

    def post_json(self, url: str, body: Any, **kw: Any) -> Any:
        return self.post(url, json=body, headers={"X-CSRF-Token": self.csrf}, **kw)

    def events(self, job_id: str) -> list[tuple[str, dict[str, Any]]]:
        """The job's server-sent events, (event, data), read until the stream ends."""
        with self.stream("GET", f"/api/taches/{job_id}/evenements") as stream:
            text = "".join(stream.iter_text())
        out = []
        for block in text.strip().split("\n\n"):
            lines = dict(line.split(": ", 1) for line in block.splitlines())
            out.append((lines["event"], json.loads(lines["data"])))
        return out

    def wait(self, job_id: str, timeout: float = 300) -> dict[str, Any]:
        """The job's JSON once it is over (AssertionError after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(f"/api/taches/{job_id}").json()
            if job["state"] in ("done", "failed", "cancelled", "interrupted"):
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")


@contextmanager
def app_client(
    db: str, runs: Path, *, workers: int = 1, token: str | None = None, **config: Any
) -> Iterator[AppClient]:
    from planner.web.app import create_app
    from planner.web.config import AppConfig

    app = create_app(AppConfig(db=db, runs=runs, workers=workers, token=token, **config))
    with AppClient(app) as client:
        if token is None:
            client.csrf = client.get("/api/session").json()["csrf_token"]
        yield client


@contextmanager
def live_app(db: str, runs: Path, **config: Any) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread; yields its base URL."""
    import socket
    import threading

    import uvicorn

    from planner.web.app import create_app
    from planner.web.config import AppConfig

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(AppConfig(db=db, runs=runs, **config))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
