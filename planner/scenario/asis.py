"""A published rota as it runs today, turned into a problem and a plan, with no optimisation.

:func:`asis_from_rota` takes a :class:`~geodata.records.ParsedRota` (a mobile France Services'
stops read from the national list) and builds:

- a **monthly horizon** (4 weeks keyed by the n-th weekday of the month, plus "the last day of
  the month" when the rota uses it);
- one **stop per commune**, pinned to the days the rota gives ("2e mardi" → the 2nd Tuesday;
  "chaque jeudi" → the four Thursdays; "dernier jour du mois" → the extra day), starting at the
  opening time of the service that day, with the presence of its opening hours (Mon–Fri
  10:00–12:30 / 13:30–16:00 → 5 h, the 12:30–13:30 break taken on site);
- one **vehicle** based in the service's commune (or as the scenario's ``[[vehicles]]`` entry
  says), and **the plan**: each day's stops served in the order of the text, leaving the base
  just in time to open at the published hour.

The validator then says what this rota costs (km, driving hours) and delivers (hours of presence
per stop), and which published times cannot hold. Nothing is guessed: a stop whose commune was
not identified ("Avail"), whose day a 4-week month cannot hold ("5e mardi", "dernier mardi"),
whose recurrence or hours are unknown, is **left out and listed** in :attr:`Context.notes`
(French), never placed somewhere plausible. A fortnightly stop ("un mardi sur deux") is placed
in weeks 1 and 3, and the note says so.

It must not optimise, write files, or read anything but the rota and communes it is given
(:func:`load_asis` is the one function that queries the database).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from geodata import query
from geodata.errors import DataError, UnknownAreaError
from geodata.records import CommunePoint, Interval, ParsedRota, RecurrenceKind, RotaStop
from geodata.rota import describe_recurrence_fr
from planner.access.matrices import location_matrices
from planner.access.routers import OfflineModel, Router
from planner.scenario.context import Built, Context, StopInfo, VehicleInfo, db_safe
from planner.scenario.files import ScenarioFile
from planner.scenario.schema import VehicleSpec
from planner.tours.model import (
    Frequency,
    Horizon,
    Location,
    Lunch,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
)
from planner.tours.plan import Plan, PlanMeta, Route, Visit
from planner.tours.wording import describe_days_fr

__all__ = [
    "DEFAULT_LUNCH_WINDOW",
    "DEFAULT_SHIFT",
    "asis_from_rota",
    "build_asis",
    "load_asis",
    "name_of",
]

# A published rota gives opening hours, not the crew's working day: the as-is vehicle works
# 08:00–18:00 unless the scenario's [[vehicles]] entry says otherwise (no published figure).
DEFAULT_SHIFT = (8 * 60.0, 18 * 60.0)
# The break may start from 12:00 and must end by 14:00 (the schema's default lunch window); its
# length is the gap of the opening hours (12:30–13:30 → 1 h), else 1 h.
DEFAULT_LUNCH_WINDOW = (12 * 60.0, 14 * 60.0)
DEFAULT_LUNCH_MINUTES = 60.0

_FREQUENCY_OF_VISITS = {1: Frequency.MONTHLY, 2: Frequency.FORTNIGHTLY, 4: Frequency.WEEKLY}


@dataclass(frozen=True, slots=True)
class _Entry:
    """One rota stop placed on days of the horizon, with its opening intervals."""

    rota_stop: RotaStop
    days: tuple[int, ...]
    intervals: tuple[Interval, ...]


def _label(stop: RotaStop) -> str:
    return f"« {stop.raw_name} » ({describe_recurrence_fr(stop.recurrence)})"


def _intervals(stop: RotaStop, rota: ParsedRota) -> tuple[Interval, ...]:
    """Opening intervals of one visit: the rota's own hours, else the service's that weekday."""
    rec = stop.recurrence
    if rec.start is not None and rec.end is not None and rec.end > rec.start:
        return (Interval(rec.start, rec.end),)
    if rec.weekday is not None:
        found = rota.hours.get(rec.weekday, ())
    else:  # the last day of the month: the service's most common day
        counts = Counter(rota.hours.values())
        found = counts.most_common(1)[0][0] if counts else ()
    if rec.part_of_day == "matin":
        found = tuple(i for i in found if i.start < 12 * 60)
    elif rec.part_of_day == "après-midi":
        found = tuple(i for i in found if i.end > 13 * 60)
    return tuple(found)


def _days(stop: RotaStop, horizon: Horizon, notes: list[str]) -> tuple[int, ...] | None:
    rec = stop.recurrence
    by_key = {(d.week, d.weekday): d.index for d in horizon.days if not d.last_of_month}
    if rec.kind is RecurrenceKind.LAST_DAY_OF_MONTH:
        return tuple(d.index for d in horizon.days if d.last_of_month)
    if rec.weekday is None or rec.weekday not in horizon.weekdays:
        notes.append(f"{_label(stop)} : jour de passage inconnu, arrêt laissé de côté.")
        return None
    if rec.kind is RecurrenceKind.NTH_WEEKDAY:
        if rec.nth is None or not 1 <= rec.nth <= 4:
            notes.append(
                f"{_label(stop)} : un cycle mensuel de 4 semaines ne représente pas ce jour "
                "(5e ou dernier du mois), arrêt laissé de côté."
            )
            return None
        return (by_key[(rec.nth - 1, rec.weekday)],)
    if rec.kind is RecurrenceKind.WEEKLY:
        return tuple(by_key[(w, rec.weekday)] for w in range(4))
    if rec.kind is RecurrenceKind.FORTNIGHTLY:
        notes.append(
            f"{_label(stop)} : « un sur deux » placé en semaines 1 et 3 "
            "(la liste ne dit pas lesquelles)."
        )
        return (by_key[(0, rec.weekday)], by_key[(2, rec.weekday)])
    notes.append(f"{_label(stop)} : fréquence inconnue, arrêt laissé de côté.")
    return None


def _horizon(rota: ParsedRota) -> Horizon:
    weekdays = {d for d, ivs in rota.hours.items() if ivs}
    weekdays |= {s.recurrence.weekday for s in rota.stops if s.recurrence.weekday is not None}
    last = any(s.recurrence.kind is RecurrenceKind.LAST_DAY_OF_MONTH for s in rota.stops)
    return Horizon(
        weeks=4, weekdays=tuple(sorted(weekdays or range(5))), monthly=True, last_day_of_month=last
    )


def _gap(intervals: Sequence[Interval]) -> tuple[float, float] | None:
    """The break between the first two opening intervals, if any."""
    if len(intervals) < 2:
        return None
    return float(intervals[0].end), float(intervals[1].start)


def _lunch(rota: ParsedRota, spec: VehicleSpec | None) -> Lunch | None:
    if spec is not None and "lunch" in spec.model_fields_set:
        if spec.lunch is None:
            return None
        ls, le = spec.lunch.window
        return Lunch(TimeWindow(ls, le - spec.lunch.duration), spec.lunch.duration)
    gaps = Counter(g for ivs in rota.hours.values() if (g := _gap(ivs)) is not None)
    minutes = (
        (gaps.most_common(1)[0][0][1] - gaps.most_common(1)[0][0][0])
        if gaps
        else DEFAULT_LUNCH_MINUTES
    )
    ls, le = DEFAULT_LUNCH_WINDOW
    return Lunch(TimeWindow(ls, le - minutes), minutes)


def _vehicle(rota: ParsedRota, base: int, spec: VehicleSpec | None) -> Vehicle:
    given = spec.model_fields_set if spec is not None else set()
    shift = spec.shift if spec is not None and "shift" in given else DEFAULT_SHIFT
    return Vehicle(
        id=spec.id if spec is not None else rota.service_id.replace(":", "-"),
        name=spec.name or spec.id if spec is not None else rota.service_name,
        start_location=base,
        end_location=base,
        shift=TimeWindow(*shift),
        max_work=spec.max_work if spec else None,
        max_drive=spec.max_drive if spec else None,
        lunch=_lunch(rota, spec),
        features=frozenset(spec.features) if spec else frozenset(),
        seats=spec.wheelchair_places if spec else 0,
        cost_per_km=spec.cost_per_km if spec else 0.0,
        cost_per_hour=spec.cost_per_hour if spec else 0.0,
    )


def _route(
    problem: Problem, vehicle: Vehicle, day: int, stops: Sequence[tuple[Stop, _Entry]]
) -> Route:
    """The day as published: open at each stop's hour, in the text's order; leave just in time."""
    first_stop, first = stops[0]
    to_first, _ = problem.travel(vehicle.start_location, first_stop.location)
    depart = first.intervals[0].start - to_first
    route = Route(vehicle.id, day, depart, depart)
    loc, leave = vehicle.start_location, depart
    for stop, entry in stops:
        minutes, _ = problem.travel(loc, stop.location)
        arrival = leave + minutes
        opening = float(entry.intervals[0].start)
        start = max(opening, arrival)
        delay = start - opening
        end = start + (entry.intervals[-1].end - entry.intervals[0].start)
        gap = _gap(entry.intervals)
        if gap is not None and route.lunch is None:
            route.lunch = (gap[0] + delay, gap[1] + delay)
        route.visits.append(Visit(stop.id, arrival, start, end))
        loc, leave = stop.location, end
    back, _ = problem.travel(loc, vehicle.end_location)
    route.ret = leave + back
    if route.lunch is None and vehicle.lunch is not None:
        route.lunch = _lunch_while_waiting(problem, vehicle, route)
    return route


def _lunch_while_waiting(
    problem: Problem, vehicle: Vehicle, route: Route
) -> tuple[float, float] | None:
    """A break in a wait before a permanence, when the day has no break inside one."""
    lunch = vehicle.lunch
    assert lunch is not None
    for visit in route.visits:
        start = max(visit.arrival, lunch.window.start)
        if start <= lunch.window.end and start + lunch.duration <= visit.start:
            return start, start + lunch.duration
    return None


def asis_from_rota(
    rota: ParsedRota,
    communes: Mapping[str, CommunePoint],
    *,
    router: Router | None = None,
    vehicle: VehicleSpec | None = None,
    base: CommunePoint | None = None,
    name: str | None = None,
) -> Built:
    """The problem and plan of a rota as published (see the module docstring).

    ``communes`` must hold the base's and the stops' communes (a commune missing there is left
    out and noted). ``vehicle`` overrides the van's shift, lunch, limits and costs; ``base``
    overrides its base (default: the service's commune).
    """
    router = router or OfflineModel()
    notes: list[str] = []
    horizon = _horizon(rota)
    base = base or (communes.get(rota.base_insee) if rota.base_insee else None)
    if base is None or base.lon is None or base.lat is None:
        raise DataError(
            f"{rota.service_name} ({rota.service_id}): its base commune "
            f"{rota.base_insee or '(unknown)'} is not loaded; cannot evaluate the rota"
        )
    entries: list[_Entry] = []
    for stop in sorted(rota.stops, key=lambda s: s.order):
        if stop.insee is None:
            notes.append(
                f"{_label(stop)} : commune non identifiée dans la liste, arrêt laissé de côté "
                "(jamais deviné)."
            )
            continue
        point = communes.get(stop.insee)
        if point is None or point.lon is None or point.lat is None:
            notes.append(
                f"{_label(stop)} : commune {stop.insee} absente de la base, arrêt laissé de côté."
            )
            continue
        days = _days(stop, horizon, notes)
        if days is None:
            continue
        intervals = _intervals(stop, rota)
        if not intervals:
            notes.append(f"{_label(stop)} : horaires inconnus ce jour-là, arrêt laissé de côté.")
            continue
        entries.append(_Entry(stop, days, intervals))

    locations = [Location(f"commune:{base.code}", base.name, base.lon, base.lat, base.code)]
    index = {base.code: 0}
    stops: list[Stop] = []
    infos: dict[str, StopInfo] = {}
    by_stop: dict[str, list[_Entry]] = {}
    for entry in entries:
        code = entry.rota_stop.insee
        assert code is not None
        point = communes[code]
        if code not in index:
            index[code] = len(locations)
            locations.append(Location(f"commune:{code}", point.name, point.lon, point.lat, code))
        sid = code
        same = by_stop.get(sid)
        if same is not None and same[0].intervals != entry.intervals:
            sid = f"{code}-{len([k for k in by_stop if k.startswith(code)]) + 1}"
        by_stop.setdefault(sid, []).append(entry)
    for sid, group in by_stop.items():
        rs = group[0].rota_stop
        code = rs.insee
        point = communes[code]  # type: ignore[index]
        days = tuple(sorted({d for e in group for d in e.days}))
        if len(days) < sum(len(e.days) for e in group):
            notes.append(
                f"{point.name} : le même jour figure deux fois dans la liste, compté une fois."
            )
        ivs = group[0].intervals
        presence = float(sum(i.end - i.start for i in ivs))
        label = f"{point.name} ({rs.place})" if rs.place else point.name
        stops.append(
            Stop(
                id=sid,
                name=label,
                location=index[code],
                duration=presence,  # type: ignore[index]
                frequency=_FREQUENCY_OF_VISITS.get(len(days), Frequency.MONTHLY),
                windows=(TimeWindow(ivs[0].start, ivs[0].start),),
                patterns=(days,),
                insee=code,
            )
        )
        infos[sid] = StopInfo(
            sid,
            label,
            "asis",
            code,
            point.name,
            point.lon,
            point.lat,
            fixed_days=describe_days_fr(horizon, days),
        )
    durations, distances = location_matrices(locations, router)
    v = _vehicle(rota, 0, vehicle)
    problem = Problem(
        horizon=horizon,
        locations=tuple(locations),
        durations=durations,
        distances=distances,
        stops=tuple(stops),
        vehicles=(v,),
        name=name_of(rota, name),
        meta={"asis": rota.service_id},
    )
    plan = Plan(problem=problem.name)
    entry_of = {id(e): (s, e) for s in stops for e in by_stop[s.id]}
    per_day: dict[int, list[tuple[Stop, _Entry]]] = {}
    for e in entries:
        s, _ = entry_of[id(e)]
        for d in e.days:
            if all(x.id != s.id for x, _ in per_day.get(d, [])):
                per_day.setdefault(d, []).append((s, e))
    for day in sorted(per_day):
        plan.routes.append(_route(problem, v, day, per_day[day]))
    plan.meta = PlanMeta(engine="asis", service=rota.service_id, rota_text=rota.raw_text)
    ctx = Context(name=problem.name, stops=infos, notes=notes, router=router.describe())
    ctx.vehicles[v.id] = VehicleInfo(v.id, v.name, base.name, base.code, vehicle)
    return Built(problem, ctx, None, plan)


def name_of(rota: ParsedRota, name: str | None = None) -> str:
    """The problem's name: the scenario's, else the service's."""
    return name or f"{rota.service_name} — tournée publiée"


def _communes(url: str | None, codes: Sequence[str]) -> dict[str, CommunePoint]:
    try:
        return {c.code: c for c in query.commune_points(url, codes=sorted(set(codes)))}
    except UnknownAreaError:
        return {}


def load_asis(
    url: str | None,
    service_id: str,
    *,
    departement: str | None = None,
    router: Router | None = None,
    vehicle: VehicleSpec | None = None,
    name: str | None = None,
) -> Built:
    """:func:`asis_from_rota` on a service's rota read from the database (``"2394"`` or
    ``"fs:2394"``). DataError when the service has no parsed rota there."""
    found = query.rotas(url, departement=departement, service_id=service_id)
    rota = found[0]
    codes = [s.insee for s in rota.stops if s.insee] + (
        [rota.base_insee] if rota.base_insee else []
    )
    built = asis_from_rota(rota, _communes(url, codes), router=router, vehicle=vehicle, name=name)
    built.context.database = db_safe(url) if url else None
    return built


def build_asis(f: ScenarioFile, url: str | None, router: Router) -> Built:
    """The ``[asis]`` scenario: its rota, with the scenario's vehicle entry and base if given."""
    a = f.scenario.asis
    assert a is not None
    spec = f.scenario.vehicles[0] if f.scenario.vehicles else None
    try:
        built = load_asis(
            url,
            a.rota,
            departement=a.departement,
            router=router,
            vehicle=spec,
            name=f.scenario.name,
        )
    except (DataError, UnknownAreaError) as exc:
        raise f.error(("asis", "rota"), str(exc)) from None
    if spec is not None and spec.base is not None:
        raise f.error(
            ("vehicles", 0, "base"), "the as-is vehicle starts from the service's base; remove base"
        )
    built.scenario = f
    return built
