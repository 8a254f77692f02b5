"""Plan a scenario end to end, as a library: build, check feasibility, solve, validate, record.

This is what ``itinerance plan`` runs, shared with the commands that compare, sweep and export
scenarios (and with Dask workers, which must not import the CLI). It prints nothing and writes
no file: callers decide what to show and where to write.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from planner.analysis.visitors import ExpectedVisitors, expected_visitors, months_per_year
from planner.engine.base import Frozen, ProgressCallback, SolveOptions
from planner.errors import InfeasibleError, PlanError, ScenarioError
from planner.french import number_fr
from planner.outputs.report import stability_meta
from planner.scenario.build import build
from planner.scenario.context import Built, database_url
from planner.scenario.files import ScenarioFile
from planner.scenario.provenance import provenance
from planner.scenario.stability import with_initial
from planner.tours import feasibility
from planner.tours.model import Problem, StopKind, TimeWindow
from planner.tours.plan import Plan, PlanMeta
from planner.tours.schedule import schedule_meta
from planner.tours.validator import ValidationReport, summary, validate

__all__ = [
    "Planned",
    "check_plan_matches",
    "frozen_parts",
    "keep_published",
    "plan_scenario",
    "plan_visitors",
    "solve_options",
]


def check_plan_matches(problem: Problem, plan: Plan, source: str, scenario: str) -> None:
    """PlanError (one line) when a plan names stops, vehicles or days its scenario does not have."""
    n = problem.horizon.n_days
    problems: list[str] = []
    stops = {v.stop for r in plan.routes for v in r.visits} | set(plan.unserved)
    problems += [
        f"stop {s!r} is not in the scenario" for s in sorted(stops - set(problem.stop_by_id))
    ]
    problems += [
        f"vehicle {v!r} is not in the scenario"
        for v in sorted({r.vehicle for r in plan.routes} - set(problem.vehicle_by_id))
    ]
    problems += [
        f"day {d} is not in the {n}-day cycle"
        for d in sorted({r.day for r in plan.routes if not 0 <= r.day < n})
    ]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PlanError(f"{source}: does not match scenario {scenario}: {problems[0]}{more}")


def _meta(
    built: Built,
    plan: Plan,
    url: str | None,
    engine: str,
    options: SolveOptions | None,
    inputs: list[tuple[str, Path]],
) -> PlanMeta:
    """The engine's own meta (objective, status, figures…) with the provenance and context on
    top."""
    prov = provenance(
        inputs=inputs,
        database=url,
        engine=engine,
        seed=options.seed if options else None,
        time_limit=options.time_limit if options else None,
        deterministic=options.deterministic if options else None,
        router=built.context.router,
    )
    if options is not None and options.deterministic:
        del prov["created"]  # same inputs and seed: the same file
    meta = plan.meta
    prov["versions"] = {**(meta.versions or {}), **prov["versions"]}
    meta.drop("created", "versions")
    meta.update(PlanMeta.from_dict(prov, "provenance"))
    meta.context = built.context.to_dict()
    meta.schedule = schedule_meta(built.problem, plan)  # cycle, bases, legs: for exports
    return meta


def counts_visitors(problem: Problem) -> bool:
    """Whether a plan of ``problem`` has visitors to expect: communes whose need it serves, or
    bookings only (one visitor each). Permanences without communes (a standalone scenario) have
    no demand to estimate: no figure, rather than one that counts only the bookings."""
    if problem.communes:
        return True
    kinds = {s.kind for s in problem.stops}
    return kinds == {StopKind.REQUEST}


def plan_visitors(built: Built, plan: Plan) -> ExpectedVisitors:
    """The plan's expected visitors per year (:mod:`planner.analysis.visitors`), with the
    scenario's ``[visitors]`` parameters, its working weeks (``[costs]``) and each vehicle's
    agents on board (``staff``)."""
    f = built.scenario
    assert f is not None, "plan_visitors() needs a Built made from a scenario file"
    staff = {
        vid: info.spec.staff
        for vid, info in built.context.vehicles.items()
        if info.spec is not None
    }
    return expected_visitors(
        built.problem,
        plan,
        f.scenario.visitors.parameters(),
        months=months_per_year(f.scenario.costs.working_weeks_per_year),
        staff=staff,
    )


@dataclass
class Planned:
    """A scenario planned (or, for ``[asis]``, read): the built problem, the plan with its
    ``meta`` (provenance, context, validation summary) and the validator's report."""

    built: Built
    plan: Plan
    report: ValidationReport


def solve_options(
    f: ScenarioFile, time_limit: float | None = None, seed: int | None = None
) -> SolveOptions:
    """The scenario's ``[solver]`` options, with ``--time-limit`` / ``--seed`` when given."""
    s = f.scenario.solver
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise ScenarioError(
            f"--time-limit: expected a positive number of seconds, got {time_limit:g}"
        )
    if seed is not None and seed < 0:
        raise ScenarioError(f"--seed: expected a number >= 0, got {seed}")
    return SolveOptions(
        time_limit=time_limit if time_limit is not None else s.time_limit,
        seed=seed if seed is not None else s.seed,
        deterministic=s.deterministic,
        threads=s.threads,
    )


def frozen_parts(
    problem: Problem, initial: Plan, *, weeks: set[int] = frozenset(), stops: set[str] = frozenset()
) -> Frozen:
    """What re-planning keeps from ``initial``: the days of the cycle's ``weeks`` (numbered from
    1; a monthly cycle's "last day of the month" goes with week 4) and the visits of ``stops``.
    PlanError (one line) for a week outside the cycle or a stop the initial plan does not serve."""
    n_weeks = problem.horizon.weeks if problem.horizon.plain_days is None else 1
    bad = sorted(w for w in weeks if not 1 <= w <= n_weeks)
    if bad:
        raise PlanError(f"--freeze-weeks: week {bad[0]} is not in the {n_weeks}-week cycle")
    served = initial.served_stops()
    unknown = sorted(stops - served)
    if unknown:
        raise PlanError(
            f"--freeze-stops: {unknown[0]!r} is not served by the initial plan "
            f"(stops served: {', '.join(sorted(served)[:8])}…)"
        )
    days = frozenset(d.index for d in problem.horizon.days if min(d.week, n_weeks - 1) + 1 in weeks)
    return Frozen(days=days, stops=frozenset(stops))


def keep_published(problem: Problem, initial: Plan) -> tuple[Problem, Frozen]:
    """Re-planning that moves none of ``initial``'s visits (``plan --keep-published``): every
    stop it serves (permanences and earlier bookings) keeps its days and vehicle (frozen) and
    the start time of each visit (its windows become that start, on that day); only what
    ``initial`` does not serve (a new booking) is placed, in the time left."""
    kept = initial.served_stops() & set(problem.stop_by_id)
    stops = []
    for stop in problem.stops:
        if stop.id in kept:
            windows = tuple(
                TimeWindow(visit.start, visit.start, frozenset({route.day}))
                for route, visit in initial.visits_of(stop.id)
            )
            stop = replace(stop, windows=windows)
        stops.append(stop)
    return replace(problem, stops=tuple(stops)), Frozen(stops=frozenset(kept))


def check_budget(f: ScenarioFile, built: Built) -> None:
    """``[budget]`` below the fixed yearly costs: no plan can fit; say so before searching."""
    from planner.analysis.costs import fixed_costs_fr
    from planner.scenario.build import vehicle_cost_fields

    budget = built.problem.budget
    if budget is None or budget.fixed_per_year <= budget.max_per_year:
        return
    items = fixed_costs_fr(
        vehicle_cost_fields(built),
        f.scenario.costs,
        kiosks=len(built.context.kiosks),
        basis=budget.basis,
    )
    net = ", net des aides publiques connues" if budget.basis == "net" else ""
    raise ScenarioError(
        f"{f.path}: [budget] max_per_year: le budget de {number_fr(budget.max_per_year)} €/an "
        f"est inférieur aux coûts fixes ({number_fr(budget.fixed_per_year)} €/an{net} : {items})"
    )


def need_bound(problem: Problem) -> float | None:
    """A proven upper bound on the need any plan of ``problem`` could serve
    (:func:`planner.engine.bound.value_bound`), or None without communes or without a plan."""
    from planner.engine.bound import value_bound  # OR-Tools: imported when needed

    if not problem.communes:
        return None
    try:
        return value_bound(problem, own_values=False).value
    except ValueError:  # no plan exists: the engine and the validator say why
        return None


def plan_scenario(
    f: ScenarioFile,
    *,
    db: str | None = None,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    built: Built | None = None,
    initial: tuple[Plan, Path] | None = None,
    frozen: Frozen | None = None,
) -> Planned:
    """Build, check feasibility, solve (or read the ``[asis]`` rota) and validate; no printing.

    Raises :class:`InfeasibleError` (reasons stop by stop in ``.reasons``) before any search when
    :func:`planner.tours.feasibility.explain` finds reasons, or when the engine cannot place every
    mandatory stop. ``built`` saves building the problem again. ``initial`` (a plan and the file
    it was read from, recorded in the provenance) warm-starts the search, which then moves as
    few visits as it can; ``frozen`` keeps parts of it exactly (:func:`frozen_parts`). Shared by
    ``plan`` and the commands that compare and sweep scenarios.
    """
    from planner.engine import get_engine

    url = database_url(f, db)
    built = built or build(f, db=db)
    if built.plan is not None:
        plan, engine, used = built.plan, "asis", None
    else:
        check_budget(f, built)
        reasons = feasibility.explain(built.problem)
        if reasons:
            raise InfeasibleError(
                f"{f.path}: the problem is infeasible ({len(reasons)} reason(s))", reasons
            )
        used = options or solve_options(f)
        engine = f.scenario.solver.engine
        try:
            start = None
            if initial is not None:
                check_plan_matches(built.problem, initial[0], str(initial[1]), str(f.path))
                start = initial[0]
                # With [stability], the previous plan's days are the published ones.
                built = replace(built, problem=with_initial(f, built.problem, start))
            plan = get_engine(engine).solve(
                built.problem, used, initial=start, frozen=frozen, progress=progress
            )
        except InfeasibleError as exc:
            reasons = exc.reasons or [str(exc)]
            raise InfeasibleError(
                f"{f.path}: no plan serves every mandatory stop ({len(reasons)} reason(s))", reasons
            ) from None
    report = validate(built.problem, plan)
    plan.problem = built.problem.name
    inputs = [("scenario", f.path)] + ([("initial plan", initial[1])] if initial else [])
    plan.meta = _meta(built, plan, url, engine, used, inputs)
    if frozen:
        plan.meta.frozen = {"days": sorted(frozen.days), "stops": sorted(frozen.stops)}
    plan.meta.validation = summary(report)
    stability = stability_meta(built.problem, report)
    if stability is not None:
        plan.meta.stability = stability
    bound = need_bound(built.problem)
    if bound is not None:
        plan.meta.figures = {**(plan.meta.figures or {}), "need_bound": round(bound, 1)}
    if counts_visitors(built.problem):
        plan.meta.visitors = plan_visitors(built, plan).to_dict() | {
            "threshold": f.scenario.coverage.threshold,  # the levels' (the rate's: 30 min)
            "model": "docs/visitors.md",
        }
    return Planned(built, plan, report)
