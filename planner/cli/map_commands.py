"""``itinerance map ...``: HTML maps — ``map coverage`` (an area) and ``map tour`` (a plan).

Thin: it reads the area and computes its coverage (:func:`planner.access.area.area_coverage`)
and hands both to :mod:`maps.coverage_map`, which writes the map, its table page and CSV all or
nothing. ``map tour`` reads a plan, rebuilds its scenario's problem (day names, bases, driving
times), has :func:`planner.access.area.tour_coverage` compute the coverage without and with the
tour's stops when the scenario has a database, and hands them to :mod:`maps.tour`. It
computes nothing itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from planner.cli.app import map_app
from planner.cli.common import DbOption, console, err_console
from planner.defaults import DEFAULT_THRESHOLD
from planner.files import check_writable
from planner.french import number_fr
from planner.tours.plan import Plan

if TYPE_CHECKING:
    pass


@map_app.command("coverage")
def coverage_map(
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="HTML file to write (its table page and CSV go beside it)."
        ),
    ],
    departement: Annotated[
        str | None, typer.Option("--departement", "-d", help="Département code, e.g. 36.")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", "-r", help="Région code, e.g. 24 (Centre-Val de Loire)."),
    ] = None,
    epci: Annotated[str | None, typer.Option("--epci", help="EPCI SIREN code.")] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", "-t", help="Coverage threshold in minutes.")
    ] = DEFAULT_THRESHOLD,
    title: Annotated[
        str, typer.Option("--title", help="Map title (French).")
    ] = "Accès aux lieux d’aide numérique",
    db: DbOption = None,
) -> None:
    """Write the coverage map of an area (HTML), its table page (HTML) and CSV, in French."""
    from maps.coverage_map import write_coverage_map
    from planner.access.area import area_coverage
    from planner.access.coverage import check_threshold
    from planner.outputs.coverage_report import method_note_fr
    from planner.scenario.provenance import provenance

    check_threshold(threshold)
    check_writable(output)  # fail before the work, not after
    area = area_coverage(db, departement=departement, region=region, epci=epci, threshold=threshold)
    written = write_coverage_map(
        area.communes,
        area.coverage.communes,
        area.services,
        area.rotas,
        output,
        title=title,
        threshold=threshold,
        vintages=area.vintages,
        area_label=area.label,
        method_note=method_note_fr(area.router),
        provenance=provenance(database=db, router=area.coverage.router),
    )
    what = {".html": "carte", ".csv": "tableau des communes (CSV)"}
    for path in written:
        kind = (
            "tableau (HTML accessible)"
            if path.stem.endswith("-tableau")
            else what.get(path.suffix, "fichier")
        )
        size = number_fr(path.stat().st_size / 1e6, 2)
        console.print(f"{kind} : {path} ({size} Mo)", highlight=False)


# --- itinerance map tour -------------------------------------------------------------------------
@map_app.command("tour")
def tour_map_command(
    plan_file: Annotated[
        Path, typer.Argument(help="Plan JSON written by `itinerance plan`.", show_default=False)
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="HTML file to write (its table page and CSV go beside it)."
        ),
    ],
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            "-s",
            help="Scenario of the plan (default: the one recorded in the plan).",
            show_default=False,
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            "-t",
            help="Coverage threshold in minutes (default: the scenario's, else 30).",
            show_default=False,
        ),
    ] = None,
    title: Annotated[str, typer.Option("--title", help="Map title (French).")] = "Tournées",
    coverage: Annotated[
        bool,
        typer.Option(
            "--coverage/--no-coverage",
            help=(
                "Shade the communes the tour brings within the threshold (needs the scenario's "
                "database)."
            ),
        ),
    ] = True,
    include_personal_data: Annotated[
        bool,
        typer.Option(
            "--include-personal-data",
            help="Place home visits at their address (default: at their commune, unnamed).",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Write the tour map of a plan (HTML), its table page (HTML) and CSV of the stops, in
    French."""
    from maps.common import check_map_path
    from maps.tour import write_tour_map
    from planner.access.area import tour_coverage
    from planner.access.coverage import check_threshold
    from planner.scenario.build import build
    from planner.scenario.context import database_url, router_of
    from planner.scenario.publication import check_for_publication, recorded_scenario

    if threshold is not None:
        check_threshold(threshold)
    check_map_path(output)
    check_writable(output)  # fail before the work, not after
    plan = Plan.read(plan_file)
    f, warnings = recorded_scenario(plan, plan_file, scenario)
    for warning in warnings:
        err_console.print(warning, highlight=False)
    if f is None:
        err_console.print(
            f"attention : scénario de {plan_file} introuvable (--scenario) : plan non vérifié, "
            "carte sans la couverture créée.",
            highlight=False,
        )
    problem = found = None
    if f is not None:
        built = build(f, db=db, include_personal=include_personal_data)
        check_for_publication(plan, plan_file, f, built=built)  # an invalid plan: one line
        problem = built.problem
        threshold = threshold if threshold is not None else f.scenario.coverage.threshold
        url = database_url(f, db)
        if coverage and url is not None:
            found = tour_coverage(url, plan, problem, threshold=threshold, router=router_of(f))
    threshold = threshold if threshold is not None else DEFAULT_THRESHOLD
    written = write_tour_map(
        plan,
        output,
        problem=problem,
        threshold=threshold,
        title=title,
        include_personal_data=include_personal_data,
        communes=found.communes if found else None,
        coverage_before=found.before if found else None,
        coverage_after=found.after if found else None,
    )
    what = {".html": "carte des tournées", ".csv": "arrêts par jour (CSV)"}
    for path in written:
        kind = (
            "tableau (HTML accessible)"
            if path.stem.endswith("-tableau")
            else what.get(path.suffix, "fichier")
        )
        size = number_fr(path.stat().st_size / 1e6, 2)
        console.print(f"{kind} : {path} ({size} Mo)", highlight=False)
