"""Real dates of a plan: its cycle anchored in the calendar, with French public holidays.

A plan says "day 5 of the cycle"; people need "lundi 11 janvier 2027". This module is what the
exports (timetables, posters, iCalendar, GIS files) stand on:

- :class:`Schedule` holds what outputs need from a plan, without the database or the scenario:
  the cycle (:class:`~planner.tours.model.Horizon`), the names and places of stops and bases, the
  driving minutes and km of every leg, the travel model and the plan's provenance. It is made
  from a planned problem (:meth:`Schedule.from_built`) or read back from a plan JSON alone
  (:meth:`Schedule.from_plan`), from ``meta.context`` and ``meta.schedule`` (the block
  :func:`schedule_meta` writes when a scenario is planned).
- :func:`permanences` groups each stop's visits (same vehicle, same hours) into
  :class:`Permanence` items, each with one :class:`Recurrence` in real dates.
- :func:`occurrences` lists a permanence's dates in a period; those falling on a French public
  holiday are kept with the holiday's name, so that outputs can say "pas de permanence".

How cycle days become dates (the *anchor* is the first day of the period, ``--start``):

- **monthly cycle** (4 weeks keyed by the n-th weekday, :class:`~planner.tours.model.Horizon`
  ``monthly=True``): week ``w`` is the (w+1)-th such weekday of any month, so any start works.
  A stop served on the 1st to 4th weekday alike is *every* such weekday, the 5th included
  ("chaque jeudi" means every Thursday to the people who read it). The "last day of the month"
  slot means the **last working day** of the month (the last day whose weekday the cycle works,
  Monday–Friday by default): the as-is rotas where it comes from ("DERNIER JOUR DU MOIS") are
  run by services closed at weekends, and the slot takes that day's opening hours.
- **1-week cycle**: every week on the same weekday.
- **2- and 4-week cycles**: week 1 is the week (Monday to Sunday) of the anchor, or of the
  first day of the bookings period when the cycle has one; the cycle then repeats every 2 or
  4 weeks. A stop served every other week is "every 2 weeks" from its first
  week; a pattern that no single interval describes is split, one recurrence per week of the
  cycle.
- **on-demand visits** (requests): once, on the date of their day when the cycle has a bookings
  period (:attr:`Horizon.period`), else on the first date of their cycle day from the anchor
  that is not a public holiday.

Public holidays come from :mod:`planner.dates` (the ``holidays`` package, offline; Alsace-Moselle
and the overseas départements chosen from the stop's INSEE code). A holiday cancels the
permanence that day (it is not moved): outputs list it as not held. Benchmark plans
(:meth:`Horizon.plain`) have no calendar.

It must not write files, format documents (``maps`` and :mod:`planner.outputs.ical` do) or read the
database; it never carries requesters' personal data unless given them explicitly.
"""

from __future__ import annotations

import calendar as _cal
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from planner.dates import holiday_subdivision, holidays_between
from planner.errors import PlanError
from planner.french import day_month_year_fr, format_time_fr
from planner.scenario.context import Built, StopInfo
from planner.tours.model import Horizon
from planner.tours.plan import Plan, PlanMeta, Route
from planner.tours.schedule import Leg, horizon_from_dict, horizon_to_dict, schedule_meta
from planner.tours.wording import day_label_fr, describe_days_fr, weekday_fr

__all__ = [
    "CommuneStops",
    "Leg",
    "Occurrence",
    "Permanence",
    "Place",
    "Recurrence",
    "Schedule",
    "VehicleSheet",
    "add_months",
    "date_fr",
    "day_title_fr",
    "days_fr",
    "default_start",
    "holiday_subdivision",
    "holidays_between",
    "horizon_from_dict",
    "horizon_to_dict",
    "hours_fr",
    "occurrences",
    "permanences",
    "place_fr",
    "schedule_meta",
    "sentence_fr",
    "subject_fr",
]

_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# --- places, legs, the schedule ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """A named point (a vehicle's base). Coordinates may be missing in standalone plans."""

    name: str
    lon: float | None = None
    lat: float | None = None
    insee: str | None = None


@dataclass(frozen=True, slots=True)
class VehicleSheet:
    """A vehicle as outputs name it: its name, where it starts and where it ends its days."""

    id: str
    name: str
    base: Place
    end: Place


def _stop_info(sid: str, data: Mapping[str, Any]) -> StopInfo:
    return StopInfo(
        id=sid,
        name=str(data.get("name") or sid),
        kind=str(data.get("kind") or "stop"),
        insee=data.get("insee"),
        commune=data.get("commune"),
        lon=data.get("lon"),
        lat=data.get("lat"),
        site=data.get("site"),
        fixed_days=data.get("fixed_days"),
        covers=tuple(data.get("covers") or ()),
    )


def _place(data: Mapping[str, Any]) -> Place:
    return Place(str(data.get("name") or ""), data.get("lon"), data.get("lat"), data.get("insee"))


@dataclass(frozen=True, slots=True)
class CommuneStops:
    """A commune served, for its poster and calendar: ``key`` is its INSEE code (or
    ``"nom:…"`` in a plan without codes)."""

    key: str
    name: str
    insee: str | None
    stops: tuple[str, ...]


@dataclass
class Schedule:
    """A plan with everything its outputs need (see the module docstring).

    ``legs[(vehicle, day)]`` has one more leg than the route has visits (the drive back).
    ``personal`` maps request ids to their personal fields, only when the user asked for them.
    """

    name: str
    horizon: Horizon
    plan: Plan
    stops: dict[str, StopInfo]
    vehicles: dict[str, VehicleSheet]
    legs: dict[tuple[str, int], tuple[Leg, ...]]
    travel: str = ""
    notes: list[str] = field(default_factory=list)
    personal: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_built(cls, built: Built, plan: Plan, *, include_personal: bool = False) -> Schedule:
        """From a built problem and its plan, in memory (no JSON round trip)."""
        problem, ctx = built.problem, built.context
        block = schedule_meta(problem, plan)
        sched = cls._from_meta(
            plan, ctx.to_dict(), block, ctx.router, problem.name or ctx.name, "plan"
        )
        if include_personal:
            sched.personal = {k: dict(v) for k, v in ctx.personal.items()}
        return sched

    @classmethod
    def from_plan(cls, plan: Plan, source: str = "plan") -> Schedule:
        """From a plan read from JSON: its ``meta`` must hold the context and the schedule block
        that ``itinerance plan`` writes. PlanError (one line) otherwise."""
        m = plan.meta
        return cls._from_meta(plan, m.context, m.schedule, m.travel, plan.problem, source)

    @classmethod
    def _from_meta(
        cls,
        plan: Plan,
        ctx: dict[str, Any] | None,
        sched: dict[str, Any] | None,
        travel: str | None,
        name: str,
        source: str,
    ) -> Schedule:
        if not isinstance(ctx, dict) or not isinstance(sched, dict):
            missing = "context" if not isinstance(ctx, dict) else "schedule"
            raise PlanError(
                f"{source}: the plan has no {missing} block in its meta (written by an older "
                "itinerance); plan the scenario again with 'itinerance plan SCENARIO -o PLAN.json'"
            )
        try:
            horizon = horizon_from_dict(sched["horizon"])
            stops = {str(k): _stop_info(str(k), v) for k, v in ctx.get("stops", {}).items()}
            names = ctx.get("vehicles", {})
            vehicles = {
                str(vid): VehicleSheet(
                    str(vid),
                    str(names.get(vid, {}).get("name") or vid),
                    _place(v["base"]),
                    _place(v.get("end") or v["base"]),
                )
                for vid, v in sched.get("vehicles", {}).items()
            }
            legs = {
                (str(r["vehicle"]), int(r["day"])): tuple(
                    Leg(float(m), float(k)) for m, k in zip(r["minutes"], r["km"], strict=True)
                )
                for r in sched.get("legs", [])
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(
                f"{source}: malformed schedule or context in the plan's meta ({exc!r})"
            ) from None
        out = cls(
            name=name,
            horizon=horizon,
            plan=plan,
            stops=stops,
            vehicles=vehicles,
            legs=legs,
            travel=travel or "",
            notes=[str(n) for n in ctx.get("notes", [])],
        )
        out._check(source)
        return out

    def _check(self, source: str) -> None:
        texts = [("problem", self.name)]
        texts += [(f"meta.context.stops.{sid}.name", info.name) for sid, info in self.stops.items()]
        for vid, sheet in self.vehicles.items():
            texts += [(f"meta.context.vehicles.{vid}.name", sheet.name)]
            texts += [(f"meta.schedule.vehicles.{vid}.base.name", sheet.base.name)]
        for where, text in texts:
            if any(ord(c) < 32 or c in "\u2028\u2029\x7f" for c in str(text or "")):
                shown = json.dumps(str(text), ensure_ascii=False)[:60]
                raise PlanError(
                    f"{source}: {where}: expected one line of text without control characters, "
                    f"got {shown}: calendars and posters cannot hold it"
                )
        n = self.horizon.n_days
        for r in self.plan.routes:
            where = f"{source}: route of {r.vehicle!r} on day {r.day}"
            if r.vehicle not in self.vehicles:
                raise PlanError(f"{where}: vehicle not described in the plan's meta")
            if not 0 <= r.day < n:
                raise PlanError(f"{where}: day outside the {n}-day cycle")
            unknown = [v.stop for v in r.visits if v.stop not in self.stops]
            if unknown:
                raise PlanError(f"{where}: stop {unknown[0]!r} not described in the plan's meta")
            legs = self.legs.get((r.vehicle, r.day))
            if legs is None or len(legs) != len(r.visits) + 1:
                raise PlanError(f"{where}: its legs are missing or do not match its visits")

    # --- convenient views ---------------------------------------------------------------------

    @property
    def meta(self) -> PlanMeta:
        return self.plan.meta

    def routes_of(self, vehicle: str) -> list[Route]:
        """The vehicle's routes in cycle order."""
        return sorted((r for r in self.plan.routes if r.vehicle == vehicle), key=lambda r: r.day)

    def is_request(self, stop: str) -> bool:
        return self.stops[stop].kind == "request"

    def commune_of(self, stop: str) -> str | None:
        """The stop's commune name (its own name when the plan has no commune for it)."""
        info = self.stops[stop]
        if info.commune:
            return info.commune
        return None if info.kind == "request" else info.name

    def communes(self) -> list[CommuneStops]:
        """The communes the plan serves with public permanences (never home visits), by name:
        each with its served stops. A stop without a commune stands for itself."""
        served = self.plan.served_stops()
        groups: dict[str, list[str]] = {}
        for sid, info in self.stops.items():
            if sid in served and info.kind != "request":
                groups.setdefault(info.insee or f"nom:{info.commune or info.name}", []).append(sid)
        out = []
        for key, sids in groups.items():
            info = self.stops[sids[0]]
            out.append(CommuneStops(key, info.commune or info.name, info.insee, tuple(sids)))
        return sorted(out, key=lambda c: (c.name, c.key))

    def provenance(self) -> dict[str, Any]:
        """The plan's provenance, compact: problem, engine, seed, inputs (path, sha256),
        versions, creation date, data vintages."""
        m = self.meta
        return {
            "plan": self.name,
            "engine": m.engine,
            "seed": m.seed,
            "time_limit": m.time_limit,
            "created": m.created,
            "inputs": [{k: i.get(k) for k in ("role", "path", "sha256")} for i in m.input_files()],
            "versions": {
                k: v
                for k, v in (m.versions or {}).items()
                if k in ("itinerance", "ortools", "python")
            },
            "data": [
                {k: d.get(k) for k in ("dataset", "vintage", "sha256")}
                for d in (m.data or {}).get("datasets", [])
            ],
        }

    def provenance_fr(self) -> str:
        """One French sentence saying where the plan comes from (for footers and comments)."""
        p = self.provenance()
        parts = [f"Plan « {p['plan']} »"]
        if p["engine"]:
            how = f"moteur {p['engine']}"
            if p["seed"] is not None:
                how += f", graine {p['seed']}"
            parts.append(how)
        for i in p["inputs"]:
            sha = (i.get("sha256") or "")[:12]
            role = {"scenario": "scénario"}.get(str(i.get("role")), str(i.get("role")))
            parts.append(f"{role} {i.get('path')}" + (f" (sha256 {sha}…)" if sha else ""))
        if p["data"]:
            vintages = sorted(
                {f"{d['dataset']} {d['vintage']}" for d in p["data"] if d.get("dataset")}
            )
            parts.append("données : " + ", ".join(vintages))
        versions = p["versions"]
        if versions:
            parts.append(", ".join(f"{k} {v}" for k, v in versions.items() if v))
        if p["created"]:
            parts.append(f"créé le {p['created']}")
        return " ; ".join(parts) + "."


# --- recurrences -------------------------------------------------------------------------------


RecurrenceKind = Literal["weekly", "monthly", "last_workday", "once"]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def _months(start: date, end: date) -> Iterable[tuple[int, int]]:
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day if day.month == month else None


def _last_workday(year: int, month: int, workdays: tuple[int, ...]) -> date:
    day = date(year, month, _cal.monthrange(year, month)[1])
    while day.weekday() not in workdays:
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class Recurrence:
    """When a permanence happens, in real dates.

    - ``weekly``: every ``interval`` weeks on ``weekday``, from ``first`` (``interval`` 1: every
      week, any start);
    - ``monthly``: the ``nths`` (1..4) ``weekday`` of every month;
    - ``last_workday``: the last day of every month whose weekday is in ``workdays``;
    - ``once``: on ``first`` only.
    """

    kind: RecurrenceKind
    weekday: int | None = None
    interval: int = 1
    nths: tuple[int, ...] = ()
    workdays: tuple[int, ...] = ()
    first: date | None = None

    def dates(self, start: date, end: date) -> list[date]:
        """Every date of the recurrence from ``start`` to ``end`` (both included), holidays too."""
        out: list[date] = []
        if self.kind == "once":
            assert self.first is not None
            return [self.first] if start <= self.first <= end else []
        if self.kind == "weekly":
            assert self.weekday is not None
            if self.interval == 1:
                day = start + timedelta(days=(self.weekday - start.weekday()) % 7)
            else:
                assert self.first is not None
                day = self.first
                step = 7 * self.interval
                if day < start:
                    day += timedelta(days=-(-(start - day).days // step) * step)
            while day <= end:
                out.append(day)
                day += timedelta(weeks=self.interval)
            return out
        for year, month in _months(start, end):
            if self.kind == "monthly":
                assert self.weekday is not None
                found = [_nth_weekday(year, month, self.weekday, n) for n in self.nths]
            else:
                found = [_last_workday(year, month, self.workdays)]
            out += sorted(d for d in found if d is not None and start <= d <= end)
        return out

    def rrule(self) -> dict[str, Any] | None:
        """The iCalendar RRULE (as icalendar's ``vRecur`` mapping), None for a single date."""
        if self.kind == "once":
            return None
        if self.kind == "weekly":
            assert self.weekday is not None
            rule: dict[str, Any] = {"FREQ": "WEEKLY"}
            if self.interval > 1:
                rule["INTERVAL"] = self.interval
            rule["BYDAY"] = [_RRULE_DAYS[self.weekday]]
            return rule
        if self.kind == "monthly":
            assert self.weekday is not None
            return {
                "FREQ": "MONTHLY",
                "BYDAY": [f"{n}{_RRULE_DAYS[self.weekday]}" for n in self.nths],
            }
        return {
            "FREQ": "MONTHLY",
            "BYDAY": [_RRULE_DAYS[d] for d in sorted(self.workdays)],
            "BYSETPOS": -1,
        }


@dataclass(frozen=True, slots=True)
class Permanence:
    """A stop's visits that share a vehicle and hours, with their recurrence in real dates.

    ``days`` are the cycle days it stands for; ``start``/``end`` the service's start and end
    (minutes since midnight); ``lunch`` the break taken on site within it, if any.
    """

    stop: str
    vehicle: str
    days: tuple[int, ...]
    start: float
    end: float
    lunch: tuple[float, float] | None
    recurrence: Recurrence
    insee: str | None = None

    def open_spans(self) -> list[tuple[float, float]]:
        """When the public is received: the service's span less the break on site (a break
        at the very start or end of it only shifts the opening)."""
        if self.lunch is None:
            return [(self.start, self.end)]
        spans = [(self.start, self.lunch[0]), (self.lunch[1], self.end)]
        return [(a, b) for a, b in spans if _minute(b) > _minute(a)] or [(self.start, self.end)]


def _first_in_cycle(
    anchor: date, weeks: int, week: int, weekday: int, week1: date | None = None
) -> date:
    """First date on or after ``anchor`` of day (week, weekday) of a ``weeks``-week cycle whose
    week 1 is the week of ``week1`` (a bookings period's Monday), else the anchor's week."""
    monday = week1 or anchor - timedelta(days=anchor.weekday())
    day = monday + timedelta(days=7 * week + weekday)
    step = timedelta(weeks=weeks)
    while day < anchor:
        day += step
    while day - step >= anchor:
        day -= step
    return day


def _recurrences(
    horizon: Horizon, days: Iterable[int], anchor: date, once: str | bool | None = None
) -> list[tuple[tuple[int, ...], Recurrence]]:
    """The cycle ``days`` as recurrences, each with the days it stands for. ``once`` (a
    request; its INSEE code, or True when unknown): single dates instead."""
    if horizon.plain_days is not None:
        raise PlanError(
            "the plan's cycle is made of plain benchmark days, with no weekdays: "
            "it has no calendar dates"
        )
    days = sorted(set(days))
    if once is not None and all(horizon.days[i].date is not None for i in days):
        # A booking of a dated period: on its date, whatever the anchor.
        return [((i,), Recurrence("once", first=horizon.days[i].date)) for i in days]
    workdays = tuple(sorted(horizon.weekdays))
    week1 = horizon.period_monday  # with a bookings period, its weeks are the cycle's
    out: list[tuple[tuple[int, ...], Recurrence]] = []
    by_weekday: dict[int, list[int]] = {}
    for i in days:
        d = horizon.days[i]
        if d.last_of_month or d.weekday is None:
            out.append(((i,), Recurrence("last_workday", workdays=workdays)))
        else:
            by_weekday.setdefault(d.weekday, []).append(i)
    for weekday, group in sorted(by_weekday.items()):
        weeks = [horizon.days[i].week for i in group]
        if horizon.monthly:
            if weeks == [0, 1, 2, 3]:
                out.append((tuple(group), Recurrence("weekly", weekday)))
            else:
                out.append(
                    (tuple(group), Recurrence("monthly", weekday, nths=tuple(w + 1 for w in weeks)))
                )
            continue
        cycle = horizon.weeks
        step = cycle // len(weeks) if cycle % len(weeks) == 0 else 0
        regular = step > 0 and weeks == list(range(weeks[0], cycle, step)) and weeks[0] < step
        if regular:
            first = _first_in_cycle(anchor, cycle, weeks[0], weekday, week1)
            out.append((tuple(group), Recurrence("weekly", weekday, interval=step, first=first)))
        else:
            for i, w in zip(group, weeks, strict=True):
                first = _first_in_cycle(anchor, cycle, w, weekday, week1)
                out.append(((i,), Recurrence("weekly", weekday, interval=cycle, first=first)))
    if once is not None:  # a request: the first date of its day that is not a holiday
        singles = []
        for group, rec in out:
            end = add_months(anchor, 13)
            off = holidays_between(anchor, end, once if isinstance(once, str) else None)
            first = next(d for d in rec.dates(anchor, end) if d not in off)
            singles.append((group, Recurrence("once", first=first)))
        return singles
    return sorted(out, key=lambda gr: gr[0])


def _minute(t: float) -> int:
    """Nearest whole minute: the resolution of every printed time."""
    return int(t + 0.5)


def permanences(schedule: Schedule, anchor: date) -> list[Permanence]:
    """Every permanence of the plan (see :class:`Permanence`), stop by stop in the order of the
    cycle, with real-date recurrences anchored at ``anchor`` (see the module docstring).

    Visits of a stop share a permanence when the same vehicle serves them at the same printed
    hours (to the minute), with the same break on site.
    """
    out: list[Permanence] = []
    served: dict[str, None] = {}
    for r in sorted(schedule.plan.routes, key=lambda r: (r.day, r.vehicle)):
        served |= {v.stop: None for v in r.visits}
    for stop in served:
        slots: dict[tuple, list[int]] = {}
        times: dict[tuple, tuple[float, float, tuple[float, float] | None]] = {}
        for route, visit in schedule.plan.visits_of(stop):
            lunch = route.lunch
            inside = (
                lunch
                if lunch and visit.start <= lunch[0] + 1e-6 and lunch[1] <= visit.end + 1e-6
                else None
            )
            key = (
                route.vehicle,
                _minute(visit.start),
                _minute(visit.end),
                None if inside is None else (_minute(inside[0]), _minute(inside[1])),
            )
            slots.setdefault(key, []).append(route.day)
            times.setdefault(key, (visit.start, visit.end, inside))
        once = (schedule.stops[stop].insee or True) if schedule.is_request(stop) else None
        for key, days in slots.items():
            start, end, lunch = times[key]
            for group, rec in _recurrences(schedule.horizon, days, anchor, once):
                out.append(
                    Permanence(
                        stop, key[0], group, start, end, lunch, rec, schedule.stops[stop].insee
                    )
                )
    return out


# --- holidays ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One date of a permanence; ``holiday`` names the public holiday that cancels it."""

    date: date
    holiday: str | None = None

    @property
    def held(self) -> bool:
        return self.holiday is None


def occurrences(p: Permanence, start: date, end: date) -> list[Occurrence]:
    """The permanence's dates from ``start`` to ``end``, holidays included and named."""
    off = holidays_between(start, end, p.insee)
    return [Occurrence(d, off.get(d)) for d in p.recurrence.dates(start, end)]


def default_start(today: date | None = None) -> date:
    """The next Monday strictly after ``today`` (default: the real today)."""
    today = today or date.today()
    return today + timedelta(days=7 - today.weekday())


# --- French words of a permanence (posters, calendar descriptions) ----------------------------


# Common nouns a vehicle's name may start with ("Bus France services X" → "Le bus France
# services X vient…"); all masculine.
_VEHICLE_NOUNS = ("bus", "minibus", "camping-car", "camion", "car", "van", "fourgon", "véhicule")


def date_fr(day: date) -> str:
    """``lundi 11 janvier 2027``, ``vendredi 1er octobre 2027``."""
    return f"{weekday_fr(day.weekday())} {day_month_year_fr(day)}"


def subject_fr(name: str) -> str:
    """A vehicle's name as the subject of a sentence: "La Rur@linette", "Le bus France
    services La Rur@linette" (from "Bus France services La Rur@linette"), else as is."""
    name = name.strip()
    first = name.split(" ", 1)[0].lower()
    if first in _VEHICLE_NOUNS:
        return "Le " + name[:1].lower() + name[1:]
    return name


def day_title_fr(horizon: Horizon, day: int) -> str:
    """A day of the cycle as a timetable heading: "2e lundi du mois", "Dernier jour ouvré du
    mois" (monthly cycle), "Lundi" (1 week), "Semaine 2 — mardi", "Jour 3" (benchmark days)."""
    d = horizon.days[day]
    label = day_label_fr(horizon, day)
    if horizon.plain_days is None:
        if d.weekday is None:
            return "Dernier jour ouvré du mois"
        if horizon.monthly:
            return f"{label} du mois"
        if horizon.weeks > 1:
            return f"Semaine {d.week + 1} — {weekday_fr(d.weekday)}"
    return label[:1].upper() + label[1:]


def days_fr(horizon: Horizon, p: Permanence) -> str:
    """The permanence's days for the public, with their article: "le 2e lundi du mois",
    "les 1er et 3e mardis du mois", "chaque jeudi", "un mardi sur deux",
    "le dernier jour ouvré du mois" (see the module docstring)."""
    if p.recurrence.kind == "once":
        return "le " + date_fr(p.recurrence.first)  # type: ignore[arg-type]
    if p.recurrence.kind == "last_workday":
        return "le dernier jour ouvré du mois"
    words = describe_days_fr(horizon, p.days).split(" (semaine")[0]
    if words[:1].isdigit():
        return ("les " if " et " in words else "le ") + words
    return words


def hours_fr(p: Permanence) -> str:
    """ "de 10 h à 12 h 30", or around a break on site "de 10 h à 12 h 30 et de 13 h 30 à 16 h"."""

    return " et ".join(
        f"de {format_time_fr(a, 'poster')} à {format_time_fr(b, 'poster')}"
        for a, b in p.open_spans()
    )


def place_fr(info: StopInfo) -> str:
    """Where a permanence is held: "Migné", "Ceaulmont (Les Granges)", "Rosnay (salle des
    fêtes)"; a home visit only by its commune."""
    if info.kind == "request":
        return f"visite à domicile ({info.commune})" if info.commune else "visite à domicile"
    if not info.commune or info.commune in info.name:
        return info.name
    return f"{info.commune} ({info.name})"


def sentence_fr(schedule: Schedule, p: Permanence, who: str | None = None) -> str:
    """ "Le bus France services La Rur@linette vient à Migné le 2e lundi du mois, de 10 h à
    12 h 30 et de 13 h 30 à 16 h." (a request: "… fait une visite à domicile à X le …").
    ``who`` names the service (default: the vehicle's name)."""
    who = subject_fr(who or schedule.vehicles[p.vehicle].name)
    info = schedule.stops[p.stop]
    if info.kind == "request":
        where = (
            f"fait une visite à domicile à {info.commune}"
            if info.commune
            else "fait une visite à domicile"
        )
    else:
        where = f"vient à {place_fr(info)}"
    return f"{who} {where} {days_fr(schedule.horizon, p)}, {hours_fr(p)}."
