"""Published days and times of a scenario's stops (``[stability]``): where they come from.

Residents learn "every second Tuesday at 9:30"; a new plan should keep that unless a change
pays. This module finds, for each stop, the days (and start time, and vehicle) residents already
know, as :class:`~planner.tours.model.Published`: from a published rota (an ``[asis]`` scenario
file, or a France Services ``id_fs`` read from the database), matched by commune; from the
stops' own ``published_day`` / ``published_start`` keys; or from a previous plan
(``plan --initial``). The engines price changes with the objective's penalties; the validator
counts them. It decides nothing about the plan and writes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from geodata.errors import DataError, UnknownAreaError
from planner.access.routers import Router
from planner.french import number_fr
from planner.scenario.asis import build_asis, load_asis
from planner.scenario.checks import stop_id
from planner.scenario.context import Built, Context
from planner.scenario.files import ScenarioFile, load_scenario
from planner.scenario.schema import StabilitySection
from planner.tours.model import Horizon, Problem, Published, StopKind
from planner.tours.plan import Plan

__all__ = ["published_from_plan", "section", "with_initial", "with_published"]

DayKey = tuple[int, int | None, bool]  # (week, weekday, last of month): a day in any horizon


def section(f: ScenarioFile) -> StabilitySection | None:
    """The scenario's ``[stability]``, or its defaults when only stops give published days."""
    sc = f.scenario
    if sc.stability is not None:
        return sc.stability
    if any(s.published_day is not None for s in sc.stops.entries):
        return StabilitySection()
    return None


def _key(horizon: Horizon, day: int) -> DayKey:
    d = horizon.days[day]
    return (d.week, d.weekday, d.last_of_month)


def published_from_plan(
    problem: Problem, plan: Plan, target: Problem
) -> dict[str, tuple[str | None, Published | None]]:
    """Per stop id of ``plan``: (its commune, its days, first start and vehicle as
    :class:`Published` in ``target``'s horizon — None when a day has no match there)."""
    index = {_key(target.horizon, d.index): d.index for d in target.horizon.days}
    out: dict[str, tuple[str | None, Published | None]] = {}
    for stop in problem.stops:
        visits = plan.visits_of(stop.id)
        if not visits:
            continue
        keys = [
            _key(problem.horizon, r.day)
            for r, _ in visits
            if 0 <= r.day < len(problem.horizon.days)
        ]
        vehicles = {r.vehicle for r, _ in visits}
        vehicle = next(iter(vehicles)) if len(vehicles) == 1 else None
        pub = None
        if all(k in index for k in keys) and keys:
            pub = Published(
                days=tuple(sorted(index[k] for k in keys)),
                start=visits[0][1].start,
                vehicle=vehicle if vehicle in target.vehicle_by_id else None,
            )
        out[stop.id] = (stop.insee, pub)
    return out


def _published_rota(
    f: ScenarioFile, st: StabilitySection, url: str | None, router: Router
) -> tuple[Built, str]:
    """The published rota as an as-is plan, and how to name it in notes."""
    if st.published is not None:
        loc = ("stability", "published")
        path = f.resolve(st.published)
        if not path.is_file():
            raise f.error(loc, f"no such scenario file: {path}")
        other = load_scenario(path)
        if other.scenario.asis is None:
            raise f.error(loc, f"{st.published} has no [asis] section (a published rota to read)")
        return build_asis(other, url, router), st.published
    try:
        built = load_asis(url, st.rota, departement=st.departement, router=router)
    except (DataError, UnknownAreaError) as exc:
        raise f.error(("stability", "rota"), str(exc)) from None
    return built, f"France Services {st.rota}"


def with_published(
    f: ScenarioFile, problem: Problem, ctx: Context, url: str | None, router: Router
) -> Problem:
    """``problem`` with the published days of its stops (from the stops' own keys first, then the
    published rota matched by commune), and a note (French) saying what was found."""
    st = section(f)
    if st is None:
        return problem
    stops = list(problem.stops)
    by_id = {s.id: k for k, s in enumerate(stops)}
    own = 0
    for i, spec in enumerate(f.scenario.stops.entries):
        if spec.published_day is None:
            continue
        days: set[int] = set()
        for sel in spec.published_day:
            try:
                days.update(sel.days(f.horizon))
            except ValueError as exc:
                raise f.error(("stops", "list", i, "published_day"), str(exc)) from None
        k = by_id[stop_id(spec)]
        stops[k] = replace(stops[k], published=Published(tuple(sorted(days)), spec.published_start))
        own += 1
    found = 0
    if st.published is not None or st.rota is not None:
        built, source = _published_rota(f, st, url, router)
        assert built.plan is not None
        known = published_from_plan(built.problem, built.plan, problem)
        by_commune = {insee: pub for insee, pub in known.values() if insee}
        missing = []
        for k, stop in enumerate(stops):
            if stop.published is not None or stop.kind is not StopKind.STOP:
                continue
            if stop.insee in by_commune:
                pub = by_commune.pop(stop.insee)
                if pub is None:
                    missing.append(stop.name)
                    continue
                stops[k] = replace(stop, published=pub)
                found += 1
        ctx.notes.append(
            f"Jours publiés ({source}) : {found} commune(s) du scénario y figurent ; chacune garde "
            f"son jour sauf si le changer rapporte plus de {number_fr(st.day_change)} (unités de "
            "l'objectif, des km par défaut) par visite déplacée."
            + (
                f" Jour publié sans équivalent dans le cycle : {', '.join(missing)}."
                if missing
                else ""
            )
        )
    if own:
        ctx.notes.append(f"Jours publiés donnés dans le scénario : {own} arrêt(s).")
    return replace(problem, stops=tuple(stops))


def with_initial(f: ScenarioFile, problem: Problem, initial: Plan) -> Problem:
    """With ``[stability]``, the days of a previous plan become the published days of the stops
    that have none (``plan --initial``): its changes then cost the scenario's penalties."""
    if section(f) is None:
        return problem
    known = published_from_plan(problem, initial, problem)
    stops = tuple(
        replace(s, published=known[s.id][1])
        if s.published is None and s.id in known and known[s.id][1] is not None
        else s
        for s in problem.stops
    )
    return replace(problem, stops=stops)
