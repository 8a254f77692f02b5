"""What the web app's worker processes run: loading an area, planning a scenario.

Each task is a plain function ``task(report, *args) -> dict`` run by :func:`run_job` in a worker
of :class:`planner.web.jobs.Jobs`; ``report(event)`` sends a progress event (a JSON-able dict) to
the server and raises :class:`Cancelled` once the user has asked to stop. A task returns its
result as a dict, or ``{"error": message}`` for a user's mistake (one line, as the CLI prints
it): exceptions do not cross the process boundary. Planning writes its files (plan JSON, tour
map, timetables, calendars, GeoPackage, summary) into the run's folder, all or nothing.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

__all__ = ["Cancelled", "compare_task", "import_task", "load_task", "plan_task", "run_job"]

Report = Callable[[dict[str, Any]], None]
SUMMARY = "resume.json"
SCENARIO = "scenario.toml"


class Cancelled(Exception):
    """The user cancelled the job."""


def run_job(
    fn: Callable[..., dict[str, Any]],
    job_id: str,
    queue: Any,
    cancel: Mapping[str, bool],
    *args: Any,
) -> dict[str, Any]:
    """Run ``fn(report, *args)`` in a worker: progress to ``queue``, ``cancel[job_id]`` obeyed."""
    from geodata.errors import ItineranceError

    def report(event: dict[str, Any]) -> None:
        if cancel.get(job_id):
            raise Cancelled
        queue.put((job_id, event))

    try:
        report({"phase": "start"})
        return fn(report, *args)
    except Cancelled:
        return {"cancelled": True}
    except ItineranceError as exc:
        return {"error": str(exc), "reasons": list(getattr(exc, "reasons", []) or [])}
    except Exception as exc:  # a bug: one line for the page, the traceback for the log
        logging.getLogger(__name__).exception("task %s failed", job_id)
        return {"error": f"erreur interne ({type(exc).__name__}: {exc})"}


def load_task(
    report: Report, db: str | None, departement: str | None, region: str | None = None
) -> dict[str, Any]:
    """Load a département or a région into the database (as ``itinerance data load``)."""
    from geodata.load import load_area
    from planner.outputs.territory import load_summary_fr

    def progress(description: str, done: int, total: int) -> None:
        report({"step": description, "done": done, "total": total})

    loaded = load_area(db, departement=departement, region=region, progress=progress)
    return {"departement": departement, "region": region, "summary": load_summary_fr(loaded)}


def import_task(
    report: Report,
    db: str | None,
    path: str,
    kind: str,
    mapping: dict[str, str],
    layer: str | None,
    replace: bool,
    name: str,
) -> dict[str, Any]:
    """Import a user's file (as ``itinerance data import``: validated, stored in one
    transaction); the uploaded copy is removed afterwards, whatever happens."""
    from geodata.load import insee_reference, store_import
    from geodata.userfiles import import_file
    from planner.outputs.territory import import_summary_fr

    try:
        report({"step": f"Lecture de {name}"})
        known, former = insee_reference()
        result = import_file(
            Path(path), kind, mapping, layer, known_insee=known, former_insee=former
        )
        report({"step": "Enregistrement dans la base"})
        stored = store_import(db, result, replace=replace)
        return {"summary": [import_summary_fr(stored, kind)], "warnings": list(stored.warnings)}
    finally:
        Path(path).unlink(missing_ok=True)
        Path(path).parent.rmdir()


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "x"


def plan_task(
    report: Report,
    db: str | None,
    toml: str,
    folder: str,
    time_limit: float | None,
    initial: str | None = None,
    freeze_weeks: tuple[int, ...] = (),
    freeze_stops: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Plan the scenario ``toml`` (build, feasibility, search, validation) and write its outputs
    into ``folder``; return the summary also written there as ``resume.json``. ``initial`` (a
    plan file) re-plans from that plan, moving as few visits as possible and keeping the days of
    ``freeze_weeks`` and the visits of ``freeze_stops`` exactly, as ``itinerance plan --initial
    --freeze-weeks --freeze-stops`` does."""
    from planner.files import folder_writer
    from planner.scenario.build import build
    from planner.scenario.files import parse_scenario
    from planner.scenario.pipeline import frozen_parts, plan_scenario, solve_options
    from planner.tours.plan import Plan

    target = Path(folder)
    scenario_path = target / SCENARIO
    scenario_path.write_text(toml, encoding="utf-8")  # the plan's provenance reads it back
    f = parse_scenario(toml, scenario_path)
    options = solve_options(f, time_limit)
    report({"step": "Construction du problème", "elapsed": 0.0})

    first: list[float] = []  # seconds to the engine's first plan with every mandatory stop

    def progress(event: Any) -> None:
        if not first and event.best_objective is not None and not event.unserved_mandatory:
            first.append(round(event.elapsed, 1))
        report(
            {
                "step": "Recherche",
                "phase": event.phase,
                "elapsed": round(event.elapsed, 1),
                "limit": options.time_limit,
                "best": None if event.best_objective is None else round(event.best_objective, 1),
                "served": event.served,
                "total": event.total,
                "unserved_mandatory": event.unserved_mandatory,
            }
        )

    built = build(f, db=db)
    start = frozen = None
    if initial is not None:
        start = (Plan.read(initial), Path(initial))
        frozen = frozen_parts(
            built.problem, start[0], weeks=set(freeze_weeks), stops=set(freeze_stops)
        )
    planned = plan_scenario(
        f, db=db, options=options, progress=progress, built=built, initial=start, frozen=frozen
    )
    report({"step": "Écriture des documents", "elapsed": options.time_limit})
    with folder_writer(target, merge=True) as temp:
        summary = _write_outputs(planned, temp, target, start[0] if start else None)
        summary["first_plan_seconds"] = first[0] if first else None
        (temp / SUMMARY).write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return summary


def stop_slots(problem: Any, plan: Any) -> list[dict[str, str]]:
    """Each stop with its days and hours as residents read them, served ones first."""
    from planner.tours.wording import describe_pattern_fr

    rows = [
        {
            "id": stop.id,
            "stop": stop.name or stop.id,
            "when": describe_pattern_fr(problem, stop.id, plan)
            if plan.visits_of(stop.id)
            else ("non desservi (obligatoire)" if stop.mandatory else "non retenu (facultatif)"),
            "served": bool(plan.visits_of(stop.id)),
        }
        for stop in problem.stops
    ]
    return sorted(rows, key=lambda r: (not r["served"], r["stop"]))


def resident_changes(problem: Any, before: Any, after: Any) -> list[dict[str, str]]:
    """The stops whose days or hours differ between two plans of the same problem, as residents
    read them ("1er lundi du mois, 9:52–12:22"; "non desservi")."""
    from planner.tours.wording import describe_pattern_fr

    def when(plan: Any, stop: str) -> str:
        return describe_pattern_fr(problem, stop, plan) if plan.visits_of(stop) else "non desservi"

    out = []
    for stop in problem.stops:
        old, new = when(before, stop.id), when(after, stop.id)
        if old != new:
            out.append({"stop": stop.name or stop.id, "before": old, "after": new})
    return out


def _write_outputs(
    planned: Any, temp: Path, final: Path, previous: Any | None = None
) -> dict[str, Any]:
    """The run's files, written into ``temp`` (moved to ``final`` by the caller); with the
    ``previous`` plan (a re-plan), what changes for residents."""
    from maps.poster import poster_html, poster_index_html
    from maps.timetable import timetable_html
    from maps.tour import write_tour_map
    from planner.outputs.calendar import Schedule, add_months, default_start
    from planner.outputs.geoexport import write_geo
    from planner.outputs.ical import commune_calendar, vehicle_calendar
    from planner.outputs.report import render

    plan, report, built = planned.plan, planned.report, planned.built
    files: list[dict[str, str]] = []
    (temp / "plan.json").write_text(plan.to_json() + "\n", encoding="utf-8")  # as `plan -o`
    files.append({"path": "plan.json", "label": "le plan (JSON, relu par la CLI)"})
    summary: dict[str, Any] = {
        "name": built.context.name,
        "ok": report.ok,
        "violations": report.lines(limit=50),
        "figures": report.figures.to_dict(),
        "text": render(built.problem, plan, report, built.context),
        "files": files,
    }
    summary["stops_table"] = stop_slots(built.problem, plan)
    if previous is not None:
        summary["changes"] = resident_changes(built.problem, previous, plan)
        summary["stops"] = len(built.problem.stops)
    if report.ok:  # publish only a valid plan, as `itinerance export` does
        write_tour_map(plan, temp / "carte-tournees.html", problem=built.problem, title="Tournées")
        files.append({"path": "carte-tournees.html", "label": "carte des tournées"})
        files.append({"path": "carte-tournees-tableau.html", "label": "tableau de la carte"})
        schedule = Schedule.from_plan(plan, str(final / "plan.json"))
        start = default_start()
        end = add_months(start, 12) - timedelta(days=1)
        summary["start"], summary["end"] = start.isoformat(), end.isoformat()
        for vid, vehicle in schedule.vehicles.items():
            name = _slug(vehicle.name)
            (temp / "horaires").mkdir(exist_ok=True)
            (temp / f"horaires/{name}.html").write_text(
                timetable_html(schedule, vid, start), encoding="utf-8"
            )
            (temp / "calendriers").mkdir(exist_ok=True)
            (temp / f"calendriers/vehicule-{name}.ics").write_bytes(
                vehicle_calendar(schedule, vid, start, end)
            )
            files.append({"path": f"horaires/{name}.html", "label": f"horaires de {vehicle.name}"})
            files.append(
                {
                    "path": f"calendriers/vehicule-{name}.ics",
                    "label": f"calendrier de {vehicle.name} (.ics)",
                }
            )
        posters = []
        (temp / "affiches").mkdir(exist_ok=True)
        for commune in schedule.communes():
            name = _slug(commune.name)
            (temp / f"calendriers/commune-{name}.ics").write_bytes(
                commune_calendar(schedule, commune, start, end)
            )
            files.append(
                {
                    "path": f"calendriers/commune-{name}.ics",
                    "label": f"calendrier de {commune.name}",
                }
            )
            poster = poster_html(schedule, commune, start, end)
            (temp / f"affiches/{name}.html").write_text(poster, encoding="utf-8")
            posters.append((commune, f"{name}.html"))
        index = poster_index_html(schedule, posters, start, end)
        (temp / "affiches/index.html").write_text(index, encoding="utf-8")
        files.append(
            {"path": "affiches/index.html", "label": f"{len(posters)} affiches A4, une par commune"}
        )
        (temp / "geo").mkdir(exist_ok=True)
        for path in write_geo(schedule, temp / "geo", start):
            kind = "GeoPackage (arrêts, tournées)" if path.suffix == ".gpkg" else "GeoJSON"
            files.append({"path": f"geo/{path.name}", "label": f"{kind} — {path.stem}"})
    (temp / SUMMARY).write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return summary


def compare_task(
    report: Report,
    db: str | None,
    scenarios: list[tuple[str, str]],
    folder: str,
    time_limit: float | None,
) -> dict[str, Any]:
    """Plan each (label, TOML text) scenario in turn, measure and compare them (as
    ``itinerance compare``); write the French report (HTML) with each scenario's map beside it
    (:func:`maps.scenario_maps.comparison_maps`, as the CLI), its CSV and JSON into ``folder``."""
    from maps.report import render_report
    from maps.scenario_maps import comparison_maps
    from planner.analysis.compare import compare, evaluate_scenario, unique_labels
    from planner.files import folder_writer
    from planner.scenario.files import parse_scenario
    from planner.scenario.pipeline import solve_options

    target = Path(folder)
    files = []
    for n, (_label, toml) in enumerate(scenarios):
        path = target / f"scenario-{n + 1}.toml"
        path.write_text(toml, encoding="utf-8")  # the provenance reads it back
        files.append(parse_scenario(toml, path))
    labels = unique_labels([label for label, _ in scenarios], [f.path for f in files])
    evaluations = []
    for n, (f, label) in enumerate(zip(files, labels, strict=True)):
        options = solve_options(f, time_limit)

        def progress(
            event: Any, n: int = n, label: str = label, limit: float = options.time_limit
        ) -> None:
            report(
                {
                    "step": f"Scénario {n + 1} sur {len(files)} : {label}",
                    "elapsed": round(event.elapsed, 1),
                    "limit": limit,
                    "best": None
                    if event.best_objective is None
                    else round(event.best_objective, 1),
                    "served": event.served,
                    "total": event.total,
                }
            )

        report({"step": f"Scénario {n + 1} sur {len(files)} : {label}", "elapsed": 0.0})
        evaluations.append(
            evaluate_scenario(f, db=db, options=options, progress=progress, label=label)
        )
    comparison = compare([e.figures for e in evaluations])
    report({"step": "Cartes des scénarios", "elapsed": 0.0})
    maps, map_files = comparison_maps(evaluations, files, target / "comparaison.html", db)
    with folder_writer(target, merge=True) as temp:
        for path, content in map_files.items():
            (temp / path.name).write_bytes(content)
        report_html = render_report(comparison, maps=maps)
        (temp / "comparaison.html").write_text(report_html, encoding="utf-8")
        (temp / "comparaison.csv").write_text("\ufeff" + comparison.to_csv(), encoding="utf-8")
        data = json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2, default=str)
        (temp / "comparaison.json").write_text(data + "\n", encoding="utf-8")
        summary = {
            "labels": labels,
            "files": ["comparaison.html", "comparaison.csv", "comparaison.json"],
            "maps": [{"label": label, "path": name} for label, name in maps if name],
        }
        (temp / SUMMARY).write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return summary
