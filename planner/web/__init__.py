"""``itinerance app``: a local web application on top of the library, in French.

For the mobility managers and elected officials who do not use a terminal: the territory's
coverage map, scenarios edited in forms and stored with their history, plans run in the
background with live progress, their maps, timetables and calendars. Server-rendered pages
(FastAPI, Jinja2, a little HTMX), browser assets served by the app itself, and a JSON API under
``/api`` that mirrors the pages (its OpenAPI schema at ``/api/openapi.json``).

Thin like the CLI: it calls ``planner``, ``geodata`` and ``maps`` (never the CLI); long work runs
in worker processes (:mod:`planner.web.jobs`). See ``docs/app.md``.

- :mod:`planner.web.app` builds the application (:func:`create_app`) from an
  :class:`~planner.web.config.AppConfig`;
- :mod:`planner.web.routes` holds the pages and API, one module per part of the app;
- :mod:`planner.web.editor` turns the scenario form into TOML and back;
- :mod:`planner.web.jobs`, :mod:`planner.web.tasks`: the worker pool and what it runs;
- :mod:`planner.web.security`, :mod:`planner.web.assets`: CSRF and access token; local assets.
"""
