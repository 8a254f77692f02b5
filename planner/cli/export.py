"""``itinerance export PLAN.json --to DIR``: what a mobility manager publishes from a plan.

Writes, from the plan JSON alone (its ``meta`` holds the context and schedule that
``itinerance plan`` records), into ``DIR``:

- ``horaires/`` — per vehicle, a printable timetable (HTML) and its spreadsheet (CSV);
- ``affiches/`` — one A4 poster per commune served, and ``index.html`` listing them;
- ``calendriers/`` — iCalendar files per vehicle and per commune (recurrence rules, holidays
  excluded);
- ``geo/`` — GeoJSON (``arrets``, ``tournees``) and a GeoPackage with both layers;
- ``carte-tournees.html`` — the tour map (:mod:`maps.tour`) with its table page and CSV;
- ``index.html`` — a page linking everything.

Dates run from ``--start`` (default: the next Monday after today; it is also week 1 of a 2- or
4-week cycle) for ``--months`` months. Everything is written to a temporary folder beside
``DIR`` and moved into place only when all files are ready: a failure leaves no partial file.
Requesters' details (name, phone, address) appear only with ``--include-personal-data``, read
from the plan's scenario file (unchanged since planning), and then only in the vehicles'
timetables and calendars (the crew's documents); posters, commune calendars, GIS files and the
map never show more than "visite à domicile", a commune and a time slot.

Thin: dates come from :mod:`planner.outputs.calendar`, files from :mod:`planner.outputs.ical`,
:mod:`planner.outputs.geoexport`, :mod:`maps.timetable`, :mod:`maps.poster` and
:mod:`maps.tour`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from geodata.errors import ItineranceError
from planner.cli.app import app
from planner.cli.common import DbOption, console, err_console
from planner.files import OutputError, folder_writer
from planner.tours.plan import Plan

if TYPE_CHECKING:
    from planner.outputs.calendar import Schedule

__all__ = ["FORMATS", "export_command", "export_plan"]

FORMATS = ("timetable", "poster", "ics", "geo", "map")
MAX_MONTHS = 36


def _slug(text: str) -> str:
    from geodata.names import fold

    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "x"


def _unique(name: str, taken: set[str]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name}-{n}", n + 1
    taken.add(out)
    return out


def parse_formats(text: str) -> tuple[str, ...]:
    """``"timetable,ics"`` → ``("timetable", "ics")``; ItineranceError naming an unknown one."""
    wanted = [w.strip().lower() for w in text.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in FORMATS]
    if unknown or not wanted:
        got = f"unknown format {unknown[0]!r}" if unknown else "no format given"
        raise ItineranceError(
            f"--formats: {got}; expected a comma-separated list of {', '.join(FORMATS)}"
        )
    return tuple(f for f in FORMATS if f in wanted)


def parse_start(text: str | None) -> date:
    """``--start`` as a date (default: the next Monday after today)."""
    from planner.outputs.calendar import default_start

    if text is None:
        return default_start()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ItineranceError(
            f"--start: expected a date as YYYY-MM-DD (e.g. 2027-01-04), got {text!r}"
        ) from None


def check_months(months: int) -> None:
    """``--months`` between 1 and :data:`MAX_MONTHS`."""
    if not 1 <= months <= MAX_MONTHS:
        raise ItineranceError(f"--months: expected 1 to {MAX_MONTHS}, got {months}")


def _check_target(to: Path) -> None:
    if to.exists() and not to.is_dir():
        raise OutputError(f"{to}: is a file; --to expects a folder")
    parent = to.parent if str(to.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{to}: folder {parent} does not exist; create it or choose another --to")
    where = to if to.exists() else parent
    if not os.access(where, os.W_OK | os.X_OK):
        raise OutputError(f"{to}: folder {where} is not writable")


Written = list[tuple[str, str]]  # (path relative to the export folder, what it is in French)


def _write(folder: Path, rel: str, content: bytes) -> None:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def write_geo(schedule: Schedule, folder: Path, anchor: date) -> list[Path]:
    """:func:`planner.outputs.geoexport.write_geo`, imported on first use (it loads geopandas)."""
    from planner.outputs import geoexport

    return geoexport.write_geo(schedule, folder, anchor)


def _build(
    schedule: Schedule,
    folder: Path,
    formats: tuple[str, ...],
    start: date,
    end: date,
    service: str | None,
    contact: str | None,
    tour_map: Callable[[Path], list[Path]] | None,
) -> Written:
    """Write every chosen output into ``folder``; return what was written."""
    from maps.poster import poster_html, poster_index_html
    from maps.timetable import timetable_csv, timetable_html
    from planner.outputs.ical import commune_calendar, vehicle_calendar

    out: Written = []
    taken: set[str] = set()
    vehicle_files = {vid: _unique(_slug(v.name), taken) for vid, v in schedule.vehicles.items()}
    taken = set()
    commune_files = [(c, _unique(_slug(c.name), taken)) for c in schedule.communes()]
    if "timetable" in formats:
        for vid, name in vehicle_files.items():
            label = schedule.vehicles[vid].name
            _write(
                folder,
                f"horaires/{name}.html",
                timetable_html(schedule, vid, start).encode("utf-8"),
            )
            _write(folder, f"horaires/{name}.csv", timetable_csv(schedule, vid))
            out += [
                (f"horaires/{name}.html", f"horaires imprimables de {label}"),
                (f"horaires/{name}.csv", f"horaires de {label} pour tableur (CSV)"),
            ]
    if "poster" in formats:
        for commune, name in commune_files:
            html = poster_html(schedule, commune, start, end, service=service, contact=contact)
            _write(folder, f"affiches/{name}.html", html.encode("utf-8"))
        links = [(c, f"{name}.html") for c, name in commune_files]
        index = poster_index_html(schedule, links, start, end, service=service)
        _write(folder, "affiches/index.html", index.encode("utf-8"))
        out.append(
            (
                "affiches/index.html",
                f"{len(commune_files)} affiches A4, une par commune, et leur liste",
            )
        )
    if "ics" in formats:
        for vid, name in vehicle_files.items():
            _write(
                folder,
                f"calendriers/vehicule-{name}.ics",
                vehicle_calendar(schedule, vid, start, end),
            )
            out.append(
                (f"calendriers/vehicule-{name}.ics", f"calendrier de {schedule.vehicles[vid].name}")
            )
        for commune, name in commune_files:
            _write(
                folder,
                f"calendriers/commune-{name}.ics",
                commune_calendar(schedule, commune, start, end),
            )
        if commune_files:
            out.append(
                ("calendriers/", f"{len(commune_files)} calendriers de commune (commune-*.ics)")
            )
    if "geo" in formats:
        (folder / "geo").mkdir(exist_ok=True)
        what = {".geojson": "GeoJSON", ".gpkg": "GeoPackage (arrets, tournees)"}
        for path in write_geo(schedule, folder / "geo", start):
            out.append((f"geo/{path.name}", f"{what[path.suffix]} — {path.stem}"))
    if "map" in formats and tour_map is not None:
        for path in tour_map(folder / "carte-tournees.html"):
            out.append(
                (
                    path.name,
                    "carte des tournées"
                    if path.suffix == ".html" and "tableau" not in path.stem
                    else "tableau de la carte"
                    if path.suffix == ".html"
                    else "arrêts par jour (CSV)",
                )
            )
    _write(folder, "index.html", _index(schedule, out, start, end).encode("utf-8"))
    return [("index.html", "page qui relie tous les fichiers"), *out]


def _index(schedule: Schedule, written: Written, start: date, end: date) -> str:
    from maps._html import esc
    from maps.timetable import print_page
    from planner.outputs.calendar import date_fr

    items = "".join(
        f'<li><a href="{esc(rel)}">{esc(rel)}</a> — {esc(what)}</li>' for rel, what in written
    )
    title = f"Documents du plan « {schedule.name} »"
    body = (
        f"<main><h1>{esc(title)}</h1><p>Dates du {esc(date_fr(start))} au {esc(date_fr(end))}.</p>"
        f"<ul>{items}</ul></main><footer><p>Source : {esc(schedule.provenance_fr())}</p></footer>"
    )
    return print_page(
        title,
        "body{font:13pt/1.5 system-ui,sans-serif;max-width:900px;margin:auto;padding:16px}",
        body,
    )


def export_plan(
    schedule: Schedule,
    to: Path,
    *,
    formats: tuple[str, ...] = FORMATS,
    start: date,
    months: int = 12,
    service: str | None = None,
    contact: str | None = None,
    tour_map: Callable[[Path], list[Path]] | None = None,
) -> Written:
    """Write the chosen outputs of ``schedule`` into the folder ``to``, all or nothing (a
    temporary folder beside it, moved into place). ``tour_map(path)`` writes the tour map.
    Returns (relative path, French description) of what was written."""
    from planner.outputs.calendar import add_months

    check_months(months)
    to = Path(to)
    _check_target(to)
    end = add_months(start, months) - timedelta(days=1)
    with folder_writer(to, merge=True) as temp:
        written = _build(schedule, temp, formats, start, end, service, contact, tour_map)
    return written


def _tour_map_writer(plan: Plan) -> Callable[[Path], list[Path]] | None:
    """The colleague's tour map, when the module is there."""
    try:
        from maps.tour import write_tour_map
    except ImportError:
        return None
    return lambda path: write_tour_map(plan, path, title="Tournées", include_personal_data=False)


@app.command("export")
def export_command(
    plan_file: Annotated[
        Path, typer.Argument(help="Plan JSON written by `itinerance plan`.", show_default=False)
    ],
    to: Annotated[
        Path,
        typer.Option(
            "--to",
            help="Folder to write into (created if missing; its parent must exist).",
            show_default=False,
        ),
    ],
    formats: Annotated[
        str, typer.Option("--formats", help=f"Comma-separated outputs among {','.join(FORMATS)}.")
    ] = ",".join(FORMATS),
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help=(
                "First date of the calendars and posters, YYYY-MM-DD (default: next Monday); week "
                "1 of a 2- or 4-week cycle."
            ),
            show_default=False,
        ),
    ] = None,
    months: Annotated[
        int, typer.Option("--months", help="Months of dates in the posters and calendars.")
    ] = 12,
    service: Annotated[
        str | None,
        typer.Option(
            "--service",
            help="Name of the service on the posters (default: the vehicle's name).",
            show_default=False,
        ),
    ] = None,
    contact: Annotated[
        str | None,
        typer.Option(
            "--contact",
            help=(
                "The service's contact for the posters (a service's phone or e-mail, not a "
                "person's)."
            ),
            show_default=False,
        ),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="The plan's scenario, to check the plan before publishing it (default: the "
            "one its provenance names).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    include_personal_data: Annotated[
        bool,
        typer.Option(
            "--include-personal-data",
            help=(
                "Add requesters' details (from the plan's scenario) to the vehicles' timetables "
                "and calendars only."
            ),
        ),
    ] = False,
) -> None:
    """Write a plan's timetables, posters, calendars, GIS files and tour map into a folder.

    The plan is first checked against its scenario by the independent validator: an invalid
    plan is refused and nothing is written."""
    from planner.outputs.calendar import Schedule, date_fr
    from planner.scenario.publication import (
        check_for_publication,
        personal_from_scenario,
        recorded_scenario,
    )

    wanted = parse_formats(formats)
    first = parse_start(start)
    check_months(months)
    _check_target(to)
    plan = Plan.read(plan_file)
    # Requesters' details only from the unchanged scenario: checked before anything is said.
    personal = personal_from_scenario(plan, str(plan_file)) if include_personal_data else None
    f, warnings = recorded_scenario(plan, plan_file, scenario)
    check_for_publication(plan, plan_file, f, db=db)  # refuses an invalid plan, one line
    for warning in warnings:
        err_console.print(warning, highlight=False)
    schedule = Schedule.from_plan(plan, str(plan_file))
    if personal is not None:
        schedule.personal = personal
    tour_map = _tour_map_writer(plan) if "map" in wanted else None
    if "map" in wanted and tour_map is None:
        err_console.print(
            "attention : la carte des tournées n'est pas disponible dans cette version ; elle "
            "n'est pas écrite.",
            highlight=False,
        )
    written = export_plan(
        schedule,
        to,
        formats=wanted,
        start=first,
        months=months,
        service=service,
        contact=contact,
        tour_map=tour_map,
    )
    console.print(
        f"Documents écrits dans {to} (dates à partir du {date_fr(first)}) :", highlight=False
    )
    for rel, what in written:
        console.print(f"  {rel} — {what}", highlight=False, markup=False)
