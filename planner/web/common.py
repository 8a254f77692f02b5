"""What the routes share: the app's configuration and jobs, page rendering, French errors."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse

from planner.web.config import AppConfig
from planner.web.jobs import Jobs

__all__ = ["config", "jobs", "page"]


def config(request: Request) -> AppConfig:
    return request.app.state.config


def jobs(request: Request) -> Jobs:
    return request.app.state.jobs


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page of ``templates/`` with the session's CSRF token; Jinja escapes every value."""
    return request.app.state.templates.TemplateResponse(
        request,
        template,
        {"csrf": request.state.csrf, **context},
        status_code=status_code,
    )
