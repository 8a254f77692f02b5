"""``itinerance plan`` and ``itinerance evaluate``: plan a scenario, or check an existing rota.

- ``plan SCENARIO.toml [-o plan.json]`` builds the problem (:mod:`planner.scenario.build`), explains
  an infeasible problem stop by stop (:mod:`planner.tours.feasibility`, exit code 2), runs the
  engine with a progress display, checks the plan with the independent validator, prints the rota in
  French (:mod:`planner.outputs.report`) and writes the JSON plan atomically, with its provenance
  (:mod:`planner.scenario.provenance`). An ``[asis]`` scenario is not optimised: its plan is the
  published rota.
- ``evaluate SCENARIO.toml --plan plan.json`` or ``evaluate --rota 2394`` validates a plan (or a
  France Services rota as parsed from the national list) and prints its figures.

Exit codes: 0 = valid plan; 1 = the plan breaks constraints (violations printed; ``plan`` then
writes no file); 2 = bad input (one ``error:`` line), an infeasible problem (its reasons first)
or a plan that does not match its scenario.
"""

from __future__ import annotations

import json
import os
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from geodata import settings
from geodata.errors import ItineranceError
from planner.cli.app import app
from planner.cli.common import DbOption, ScenarioSeedOption, console, err_console
from planner.errors import InfeasibleError, ScenarioError
from planner.files import check_writable, write_files
from planner.tours.plan import Plan

if TYPE_CHECKING:
    from planner.scenario.context import Built
    from planner.tours.validator import ValidationReport

__all__ = ["evaluate_command", "plan_command", "write_json"]

_PIPELINE = ("plan_scenario", "solve_options")  # importable from here (docs/scenarios.md)


def __getattr__(name: str) -> Any:
    """:mod:`planner.scenario.pipeline`'s ``plan_scenario`` and ``solve_options``, imported on
    first use."""
    if name in _PIPELINE:
        from planner.scenario import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def write_json(data: Any, path: Path) -> None:
    """Write JSON atomically (a temporary file, then a rename): never a half-written output."""
    text = (
        data
        if isinstance(data, str)
        else json.dumps(data, ensure_ascii=False, indent=2, default=str)
    )
    write_files({Path(path): (text + "\n").encode("utf-8")})


def parse_weeks(text: str) -> set[int]:
    """``"1-2,4"`` → ``{1, 2, 4}``; ItineranceError (one line) otherwise."""
    weeks: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        try:
            lo, hi = int(first), int(last or first)
        except ValueError:
            raise ItineranceError(
                f"--freeze-weeks: expected week numbers like 1 or 1-2,4, got {text!r}"
            ) from None
        if lo > hi:
            raise ItineranceError(f"--freeze-weeks: {part.strip()!r} is an empty range")
        weeks.update(range(lo, hi + 1))
    return weeks


@app.command("plan")
def plan_command(
    scenario: Annotated[
        Path,
        typer.Argument(help="Scenario file (TOML), see docs/scenarios.md.", show_default=False),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the plan as JSON here.", show_default=False),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Seconds of search (default: the scenario's [solver] time_limit).",
            show_default=False,
        ),
    ] = None,
    seed: ScenarioSeedOption = None,
    db: DbOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the figures and the validation.")
    ] = False,
    initial: Annotated[
        Path | None,
        typer.Option(
            "--initial",
            help=(
                "Re-plan from this plan (JSON): the search starts from it and moves as few visits "
                "as it can."
            ),
            show_default=False,
        ),
    ] = None,
    freeze_weeks: Annotated[
        str | None,
        typer.Option(
            "--freeze-weeks",
            help=(
                "With --initial: weeks of the cycle kept exactly as they are, e.g. 1 or 1-2 "
                "(committed weeks)."
            ),
            show_default=False,
        ),
    ] = None,
    freeze_stops: Annotated[
        str | None,
        typer.Option(
            "--freeze-stops",
            help=(
                "With --initial: stops (ids as in the plan, e.g. INSEE codes) that keep their "
                "days and vehicle, comma-separated."
            ),
            show_default=False,
        ),
    ] = None,
    keep_published: Annotated[
        bool,
        typer.Option(
            "--keep-published",
            help=(
                "With --initial: every visit of the initial plan keeps its day, vehicle and "
                "start time; only what it does not serve (a new booking) is placed."
            ),
        ),
    ] = False,
) -> None:
    """Plan the tours of a scenario, check the plan, print the rota and write it as JSON.

    With --initial, re-plan an existing plan (after a change to the scenario) changing as little
    as possible, keeping --freeze-weeks and --freeze-stops exactly."""
    from planner.engine.base import Frozen
    from planner.engine.progress import live_progress
    from planner.scenario.build import build
    from planner.scenario.files import load_scenario
    from planner.scenario.pipeline import frozen_parts, plan_scenario, solve_options
    from planner.scenario.pipeline import keep_published as keep_published_parts
    from planner.tours import feasibility

    if (freeze_weeks or freeze_stops or keep_published) and initial is None:
        raise ItineranceError(
            "--freeze-weeks, --freeze-stops and --keep-published need --initial PLAN.json "
            "(the plan to keep parts of)"
        )
    weeks = parse_weeks(freeze_weeks) if freeze_weeks else set()
    f = load_scenario(scenario)
    if output is not None:
        check_writable(output)
    options = replace(solve_options(f, time_limit, seed), while_compiling=_while_compiling())
    start = Plan.read(initial) if initial is not None else None
    with console.status("Construction du problème…") if not quiet else nullcontext():
        built = build(f, db=db)
    frozen = None
    if start is not None:
        if built.is_asis:
            raise ItineranceError(
                f"--initial: {scenario} evaluates a published rota ([asis]); there is nothing to "
                "re-plan"
            )
        stops = {s.strip() for s in (freeze_stops or "").split(",") if s.strip()}
        frozen = frozen_parts(built.problem, start, weeks=weeks, stops=stops)
        if keep_published:
            problem, kept = keep_published_parts(built.problem, start)
            built = replace(built, problem=problem)
            frozen = Frozen(days=frozen.days, stops=frozen.stops | kept.stops)
    if not quiet and not built.is_asis:
        for line in feasibility.warnings(built.problem):
            err_console.print(f"attention : {line}", highlight=False, soft_wrap=True, markup=False)
    display = (
        nullcontext(None)
        if quiet
        else live_progress(f.scenario.name, options.time_limit, err_console)
    )
    try:
        with display as progress:
            done = plan_scenario(
                f,
                db=db,
                options=options,
                progress=progress,
                built=built,
                initial=(start, initial) if start is not None else None,
                frozen=frozen,
            )
    except InfeasibleError as exc:
        err_console.print(
            "Pas de plan qui desserve tous les arrêts obligatoires :", highlight=False
        )
        for reason in exc.reasons:
            err_console.print(f"- {reason}", highlight=False, soft_wrap=True, markup=False)
        raise
    _print(done.built, done.plan, done.report, quiet)
    if not quiet and done.plan.meta.figures.get("kernel") == "uncompiled":  # first_use.UNCOMPILED
        err_console.print(
            _uncompiled_note(done.plan), highlight=False, markup=False, soft_wrap=True
        )
    if not done.report.ok:
        if output is not None:
            err_console.print(
                f"{output} n'est pas écrit : le plan ne respecte pas toutes les contraintes.",
                highlight=False,
            )
        raise typer.Exit(1)
    if output is not None:
        write_json(done.plan.to_json(), output)
        if not quiet:
            console.print(f"Plan écrit dans {output}", highlight=False)


def _while_compiling() -> str:
    """What ``plan`` does on a machine where the kernel is not compiled yet: plan at once with
    the uncompiled kernel (default), or wait (``ITINERANCE_WHILE_COMPILING=wait``)."""
    from planner.engine.base import WHILE_COMPILING

    value = os.environ.get("ITINERANCE_WHILE_COMPILING", "interpret")
    if value not in WHILE_COMPILING:
        raise ItineranceError(
            f"ITINERANCE_WHILE_COMPILING: expected {' or '.join(WHILE_COMPILING)}, got {value!r}"
        )
    return value


def _uncompiled_note(plan: Plan) -> str:
    from planner.french import integer_fr

    figures = plan.meta.figures
    later = (
        "sa compilation se poursuit en arrière-plan (une à deux minutes, une seule fois) : "
        "relancez ensuite la commande pour un plan mieux optimisé."
        if figures.get("compiling_in_background")
        else "sa compilation n'a pas démarré ici (une autre est peut-être déjà en cours)."
    )
    return (
        "Première utilisation sur cette machine : ce plan vient du moteur non compilé "
        f"({integer_fr(int(figures.get('iterations', 0)))} itérations de recherche ; le moteur "
        f"compilé en fait dix à cinquante fois plus dans le même temps) ; {later}"
    )


def _print(built: Built, plan: Plan, report: ValidationReport, quiet: bool) -> None:
    from planner.outputs.report import render

    text = render(built.problem, plan, report, built.context, brief=quiet)
    console.print(text, highlight=False, markup=False, soft_wrap=True)


@app.command("evaluate")
def evaluate_command(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario file (optional with --rota).", show_default=False),
    ] = None,
    plan_file: Annotated[
        Path | None,
        typer.Option("--plan", help="Plan JSON to check against the scenario.", show_default=False),
    ] = None,
    rota: Annotated[
        str | None,
        typer.Option(
            "--rota",
            help="France Services id (id_fs) whose published rota to evaluate, e.g. 2394.",
            show_default=False,
        ),
    ] = None,
    departement: Annotated[
        str | None,
        typer.Option(
            "--departement", help="Département of the rota (optional).", show_default=False
        ),
    ] = None,
    db: DbOption = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Also write the validation report (figures, violations) as JSON.",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the figures and the validation.")
    ] = False,
) -> None:
    """Check a plan or a published rota with the independent validator; print its figures.

    Exit code 1 when the plan breaks constraints, 2 on bad input.
    """
    from planner.scenario.asis import load_asis
    from planner.scenario.build import build
    from planner.scenario.context import database_url, router_of
    from planner.scenario.files import load_scenario
    from planner.scenario.pipeline import check_plan_matches
    from planner.scenario.provenance import provenance
    from planner.tours.validator import validate

    if plan_file is not None and rota is not None:
        raise ItineranceError("give --plan or --rota, not both")
    f = load_scenario(scenario) if scenario is not None else None
    if json_out is not None:
        check_writable(json_out)
    if f is None and rota is None:
        raise ItineranceError(
            "give a scenario file (with --plan, or an [asis] scenario) or --rota ID"
        )
    inputs: list[tuple[str, Path]] = [("scenario", f.path)] if f is not None else []
    if rota is not None:
        url = database_url(f, db) if f is not None else (db or settings.database_url())
        if f is not None and f.scenario.data.standalone:
            raise ScenarioError(
                f"{f.path}: --rota reads the database, but the scenario is standalone"
            )
        built = load_asis(
            url,
            rota,
            departement=departement,
            router=router_of(f) if f else None,
            vehicle=f.scenario.vehicles[0] if f is not None and f.scenario.vehicles else None,
        )
        plan = built.plan
    else:
        assert f is not None
        url = database_url(f, db)
        built = build(f, db=db)
        if plan_file is not None:
            plan = Plan.read(plan_file)
            check_plan_matches(built.problem, plan, str(plan_file), str(f.path))
            inputs.append(("plan", plan_file))
        elif built.plan is not None:
            plan = built.plan
        else:
            raise ItineranceError(
                f"{f.path}: give --plan PLAN.json to evaluate (the scenario has no [asis] rota)"
            )
    assert plan is not None
    report = validate(built.problem, plan)
    _print(built, plan, report, quiet)
    if json_out is not None:
        data = {
            "problem": built.problem.name,
            "validation": report.to_dict(),
            "context": built.context.to_dict(),
            "meta": provenance(inputs=inputs, database=url, router=built.context.router),
        }
        write_json(data, json_out)
    if not report.ok:
        raise typer.Exit(1)
