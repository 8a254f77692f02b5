"""The FastAPI application of ``itinerance app``: configuration, middleware, templates, routes.

:func:`create_app` builds it from an :class:`AppConfig` (database URL, folder of the plans' files,
number of workers, access token); the worker pool starts with the app and stops with it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from planner.french import integer_fr, number_fr
from planner.web.assets import STATIC_DIR
from planner.web.config import AppConfig
from planner.web.jobs import Jobs
from planner.web.routes import compare, data, jobs, plans, scenarios, territory
from planner.web.security import CSRF_COOKIE, check_access, new_token

__all__ = ["AppConfig", "create_app"]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True)
    env.filters["entier"] = integer_fr
    env.filters["nombre"] = number_fr
    return Jinja2Templates(env=env)


def _warm_up(db: str | None) -> None:
    try:
        from geodata import status

        status(db)
    except Exception:  # an unreachable database: the first page says so
        pass


def create_app(config: AppConfig) -> FastAPI:
    """The application, its worker pool started with it (FastAPI lifespan)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.jobs = Jobs(config.workers, config.db, record=True)
        # The first page reads the database: import the data layer (seconds) before it is asked.
        threading.Thread(target=_warm_up, args=(config.db,), daemon=True).start()
        try:
            yield
        finally:
            app.state.jobs.shutdown()

    app = FastAPI(
        title="itinerance",
        summary="Planification des services itinérants d’inclusion numérique",
        description=(
            "API JSON de l’application `itinerance app` : chaque page a son équivalent sous "
            "/api. Les requêtes POST demandent le jeton anti-CSRF (GET /api/session)."
        ),
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.config = config
    app.state.templates = templates()
    app.state.started = time.time()

    @app.middleware("http")
    async def session(request: Request, call_next):  # noqa: ANN001, ANN202 (Starlette's types)
        refused = check_access(request, config.token)
        if refused is not None:
            return refused
        token = request.cookies.get(CSRF_COOKIE)
        request.state.csrf = token or new_token()
        response = await call_next(request)
        if token is None:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (territory, data, scenarios, plans, compare, jobs):
        app.include_router(module.router)
    return app
