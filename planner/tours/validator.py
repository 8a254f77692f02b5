"""The independent checker of a plan against its problem.

:func:`validate` takes a :class:`~planner.tours.model.Problem` and a
:class:`~planner.tours.plan.Plan`, recomputes every time and distance from the problem's own
matrices, and lists each violated constraint per stop, day and vehicle, with a message a mobility
manager can act on. It also returns the plan's figures (km, driving and working hours per cycle and
per month, hours of presence per stop, stops and requests served, value, cost).

Independence is the point: this module imports no engine code and trusts none of the plan's
derived numbers. A plan's *decisions* are, per route, the vehicle, the day, the departure time,
the start of each visit and the lunch break; arrival times, visit ends and the earliest return
are recomputed from them and compared with what the plan states. It works as well on plans
converted from real, hand-made rotas, which is why messages name places and clock times.

The exact rules, tolerances and units are documented in ``docs/validator.md``; keep both in step.
It must not modify the plan, call a solver, or read files.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from planner.errors import PlanError
from planner.french import format_duration_fr, format_range_fr, format_time_fr
from planner.tours.model import Problem, Stop, StopKind, Vehicle
from planner.tours.plan import Plan, Route, Visit
from planner.tours.value import need_served
from planner.tours.wording import day_label_en, join_en, weekday_en

__all__ = [
    "KINDS",
    "Violation",
    "VehicleFigures",
    "DayFigures",
    "PlanFigures",
    "ValidationReport",
    "validate",
    "lunch_required",
]

# Every violation kind, in the order checks run (see docs/validator.md for each rule).
KINDS = (
    "unknown_vehicle",
    "unknown_day",
    "duplicate_route",
    "vehicle_day_off",
    "unknown_stop",
    "travel_time",
    "arrival_mismatch",
    "early_start",
    "window",
    "duration",
    "overlap",
    "features",
    "area",
    "seats",
    "capacity",
    "max_stops",
    "shift_start",
    "shift_end",
    "max_work",
    "max_drive",
    "lunch_missing",
    "lunch_window",
    "lunch_duration",
    "lunch_while_driving",
    "frequency",
    "pattern",
    "weekday",
    "regularity_vehicle",
    "regularity_time",
    "mandatory_unserved",
    "optional_unserved_not_listed",
    "unserved_but_served",
    "budget",
)

# Euros a plan's yearly cost may exceed its budget by (floating-point noise of the sums).
BUDGET_TOLERANCE = 0.01


@dataclass(frozen=True, slots=True)
class Violation:
    """One violated constraint. ``kind`` is one of :data:`KINDS` (a stable identifier);
    ``stop``, ``day`` and ``vehicle`` locate it when that makes sense."""

    kind: str
    message: str
    stop: str | None = None
    day: int | None = None
    vehicle: str | None = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


def _per_month(total: str) -> property:
    return property(
        lambda self: (
            (getattr(self, total) - getattr(self, f"once_{total}")) * self.cycles_per_month
        ),
        doc=f"``{total}`` per average month (the recurring part per cycle × cycles per month; "
        "the bookings' part, ``once_{total}``, is counted once, never per month).",
    )


class _Monthly:
    """Per-month views of per-cycle totals (``km``, ``drive_hours``, ``work_hours``, ``cost``).

    ``once_*`` is the part of each total due to on-demand requests (bookings), which happen once:
    a route serving only requests counts whole; on a route that also serves permanences, a
    request counts the km and driving it adds (the route with and without it) and its own
    duration. Per-month views leave it out; the per-cycle totals include it.
    """

    __slots__ = ()
    TOTALS = ("km", "drive_hours", "work_hours", "cost")
    km: float
    drive_hours: float
    work_hours: float
    cost: float
    once_km: float
    once_drive_hours: float
    once_work_hours: float
    once_cost: float
    cycles_per_month: float

    km_per_month = _per_month("km")
    drive_hours_per_month = _per_month("drive_hours")
    work_hours_per_month = _per_month("work_hours")
    cost_per_month = _per_month("cost")

    def monthly(self) -> dict[str, float]:
        return {f"{key}_per_month": getattr(self, f"{key}_per_month") for key in self.TOTALS}


@dataclass(slots=True)
class VehicleFigures(_Monthly):
    """One vehicle's totals over a cycle (``*_per_month`` scale them to an average month)."""

    vehicle: str
    routes: int = 0  # days of the cycle on which it goes out
    visits: int = 0
    km: float = 0.0
    drive_hours: float = 0.0
    work_hours: float = 0.0  # leaving the base to returning
    cost: float = 0.0  # km * cost_per_km + work_hours * cost_per_hour
    cycles_per_month: float = 1.0
    once_km: float = 0.0  # the bookings' part of the totals above (see _Monthly)
    once_drive_hours: float = 0.0
    once_work_hours: float = 0.0
    once_cost: float = 0.0


@dataclass(slots=True)
class DayFigures:
    """Totals of one day of the cycle over every vehicle."""

    day: int
    label: str
    routes: int = 0
    visits: int = 0
    km: float = 0.0
    drive_hours: float = 0.0
    work_hours: float = 0.0


@dataclass(slots=True)
class PublishedChange:
    """What a plan changes for the residents of a stop with published days (stability).

    ``status``: ``"unchanged"`` (every published day kept, at the published time within the
    tolerance, or the time is not known), ``"time"`` (every day kept, some at another time),
    ``"day"`` (some published day no longer served, or served by another vehicle than the
    published one), ``"unserved"`` (the plan does not serve the stop).
    """

    stop: str
    status: str
    days_before: list[int]
    days_after: list[int]
    start_before: float | None
    start_after: float | None  # start of the plan's first visit on a kept day, else its first


@dataclass(slots=True)
class PlanFigures(_Monthly):
    """What a plan delivers and costs, recomputed from the problem's matrices.

    Per-cycle totals, with ``*_per_month`` properties using :attr:`Horizon.cycles_per_month`
    for the recurring part only. ``presence_hours_per_month`` maps each served permanence to its
    hours of presence per month (the stop's presence duration per visit; lunch breaks excluded);
    ``request_hours`` maps each served request (booking) to its hours of visit, counted once.
    """

    cycles_per_month: float
    km: float = 0.0
    drive_hours: float = 0.0
    work_hours: float = 0.0
    cost: float = 0.0
    visits: int = 0
    stops_served: int = 0  # stops of kind STOP with at least one visit
    stops_total: int = 0
    requests_served: int = 0
    requests_total: int = 0
    mandatory_served: int = 0
    mandatory_total: int = 0
    value_served: float = 0.0  # sum of ``value`` of the optional stops served
    value_total: float = 0.0  # sum of ``value`` of every optional stop
    # Need served, each commune once (planner.tours.value): Σ need × (level − existing).
    need_served: float = 0.0
    need_possible: float = 0.0  # with every stop of the problem served
    need_total: float = 0.0  # with a full service level everywhere
    communes_improved: int = 0
    communes_reachable: int = 0
    presence_hours_per_month: dict[str, float] = field(default_factory=dict)
    # Bookings (requests) happen once: their part of km, driving, work and cost (see _Monthly),
    # and each served request's hours of visit, counted once (never per month).
    once_km: float = 0.0
    once_drive_hours: float = 0.0
    once_work_hours: float = 0.0
    once_cost: float = 0.0
    request_hours: dict[str, float] = field(default_factory=dict)
    per_vehicle: list[VehicleFigures] = field(default_factory=list)
    per_day: list[DayFigures] = field(default_factory=list)
    # Stability: published visits (one per published day of a stop) kept on their day at their
    # time, kept on their day at another time, moved to another day (or vehicle), and stops.
    published_visits: int = 0
    published_kept: int = 0
    published_time_changed: int = 0
    published_day_changed: int = 0
    published_stops: int = 0
    published_stops_same_days: int = 0  # stops whose every published day is kept
    published_changes: list[PublishedChange] = field(default_factory=list)
    # [budget]: the plan's yearly cost by the problem's linear Budget (None: no budget).
    yearly_cost: float | None = None
    budget_max_per_year: float | None = None
    budget_basis: str | None = None

    @property
    def presence_hours_total_per_month(self) -> float:
        return sum(self.presence_hours_per_month.values())

    @property
    def value(self) -> float:
        """What the objective rewards (before ``value_weight``): need served plus the own values
        of the optional stops served."""
        return self.need_served + self.value_served

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self) | self.monthly() | {"value": self.value}
        for vf, d in zip(self.per_vehicle, out["per_vehicle"], strict=True):
            d.update(vf.monthly())
        return out


@dataclass(slots=True)
class ValidationReport:
    """The outcome of :func:`validate`: every violation, and the plan's figures."""

    violations: list[Violation]
    figures: PlanFigures

    @property
    def ok(self) -> bool:
        return not self.violations

    def kinds(self) -> Counter[str]:
        """How many violations of each kind."""
        return Counter(v.kind for v in self.violations)

    def of_kind(self, kind: str) -> list[Violation]:
        return [v for v in self.violations if v.kind == kind]

    def lines(self, limit: int | None = None) -> list[str]:
        """Readable lines, one per violation (the first ``limit`` ones, then a count)."""
        shown = self.violations if limit is None else self.violations[:limit]
        out = [str(v) for v in shown]
        if limit is not None and len(self.violations) > limit:
            out.append(f"… and {len(self.violations) - limit} more violations")
        return out

    def raise_if_invalid(self, limit: int = 3) -> None:
        """Raise :class:`PlanError` naming the first violations when the plan is not valid."""
        if self.violations:
            shown = "; ".join(v.message for v in self.violations[:limit])
            more = len(self.violations) - limit
            suffix = f" (and {more} more)" if more > 0 else ""
            raise PlanError(f"invalid plan: {len(self.violations)} violations: {shown}{suffix}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "violations": [asdict(v) for v in self.violations],
            "figures": self.figures.to_dict(),
        }


def lunch_required(vehicle: Vehicle, depart: float, ret: float, tol: float = 1e-6) -> bool:
    """Whether a route leaving at ``depart`` and back at ``ret`` must include the lunch break.

    The break (``duration`` minutes, starting within its window) may be taken at the base before
    leaving or after returning; it is required in the route exactly when neither fits:
    ``depart < window.start + duration`` and ``ret > window.end``.
    """
    if vehicle.lunch is None:
        return False
    w, dur = vehicle.lunch.window, vehicle.lunch.duration
    return depart < w.start + dur - tol and ret > w.end + tol


def _clock(t: float) -> str:
    try:
        return format_time_fr(t)
    except ValueError:
        return f"{t:g} min"


def _dur(t: float) -> str:
    try:
        return format_duration_fr(t)
    except ValueError:
        return f"{t:g} min"


def _range(a: float, b: float) -> str:
    try:
        return format_range_fr(a, b)
    except ValueError:
        return f"{a:g}–{b:g} min"


@dataclass(slots=True)
class _Leg:
    """One recomputed drive of a route: from time ``leave`` for ``minutes`` (``km`` long)."""

    leave: float
    minutes: float
    km: float


class _Checker:
    """Holds the problem, the plan and the violations found; one method per level of check."""

    def __init__(self, problem: Problem, plan: Plan, tol: float):
        self.p = problem
        self.plan = plan
        self.tol = tol
        self.violations: list[Violation] = []
        self.n_days = problem.horizon.n_days

    def add(
        self,
        kind: str,
        message: str,
        stop: str | None = None,
        day: int | None = None,
        vehicle: str | None = None,
    ) -> None:
        self.violations.append(Violation(kind, message, stop, day, vehicle))

    def stop_name(self, stop_id: str) -> str:
        s = self.p.stop_by_id.get(stop_id)
        return s.name if s is not None and s.name else stop_id

    def where(self, route: Route) -> str:
        return f"{day_label_en(self.p.horizon, route.day)} {route.vehicle}"

    # --- routes ------------------------------------------------------------------------------

    def routes(self) -> list[tuple[Route, Vehicle, list[_Leg], float]]:
        """Check every route; return the checkable ones with their legs and effective return."""
        checked = []
        seen: Counter[tuple[str, int]] = Counter()
        for route in sorted(self.plan.routes, key=lambda r: (r.day, r.vehicle)):
            vehicle = self.p.vehicle_by_id.get(route.vehicle)
            if vehicle is None:
                self.add(
                    "unknown_vehicle",
                    f"day {route.day}: vehicle {route.vehicle!r} is not in the problem",
                    day=route.day,
                    vehicle=route.vehicle,
                )
                continue
            if not 0 <= route.day < self.n_days:
                self.add(
                    "unknown_day",
                    f"{route.vehicle}: day {route.day} is not in the cycle "
                    f"(days 0 to {self.n_days - 1})",
                    day=route.day,
                    vehicle=route.vehicle,
                )
                continue
            seen[(route.vehicle, route.day)] += 1
            if seen[(route.vehicle, route.day)] == 2:
                self.add(
                    "duplicate_route",
                    f"{self.where(route)}: the vehicle has several routes on the same day",
                    day=route.day,
                    vehicle=route.vehicle,
                )
            if not vehicle.works_on(self.p.horizon.days[route.day]):
                self.add(
                    "vehicle_day_off",
                    f"{self.where(route)}: the vehicle does not work that day",
                    day=route.day,
                    vehicle=route.vehicle,
                )
            legs, ret = self.route(route, vehicle)
            checked.append((route, vehicle, legs, ret))
        return checked

    def route(self, route: Route, v: Vehicle) -> tuple[list[_Leg], float]:
        """Recompute one route from its decisions; return its legs and effective return time."""
        tol, where = self.tol, self.where(route)
        ctx = {"day": route.day, "vehicle": v.id}
        legs: list[_Leg] = []
        loc: int | None = v.start_location
        leave = route.depart
        place = "the base"
        lunch = route.lunch
        load, n_visits = 0.0, 0
        for visit in route.visits:
            stop = self.p.stop_by_id.get(visit.stop)
            if stop is None:
                self.add(
                    "unknown_stop",
                    f"{where}: stop {visit.stop!r} is not in the problem",
                    stop=visit.stop,
                    **ctx,
                )
                loc, leave, place = None, visit.end, repr(visit.stop)
                continue
            n_visits += 1
            load += stop.demand
            name = stop.name or stop.id
            sctx = dict(stop=stop.id, **ctx)
            if loc is not None:
                minutes, km = self.p.travel(loc, stop.location)
                legs.append(_Leg(leave, minutes, km))
                arrival = leave + minutes
                self.arrival(visit, arrival, minutes, place, name, where, sctx)
                if visit.start < arrival - tol:
                    self.add(
                        "early_start",
                        f"{where}: arrives at {name} {_clock(arrival)} but "
                        f"starts {_clock(visit.start)} (before arrival)",
                        **sctx,
                    )
            self.window(stop, visit, route.day, name, where, sctx)
            end = self.service(stop, visit, lunch, name, where, sctx)
            self.vehicle_fit(stop, v, name, where, sctx)
            loc, leave, place = stop.location, end, name
        if loc is not None:
            minutes, km = self.p.travel(loc, v.end_location)
            legs.append(_Leg(leave, minutes, km))
            back = leave + minutes
            if route.ret < back - tol:
                self.add(
                    "travel_time",
                    f"{where}: returns to the base at {_clock(route.ret)} but "
                    f"cannot be back before {_clock(back)} ({_dur(minutes)} from {place})",
                    **ctx,
                )
            ret = max(route.ret, back)
        else:
            ret = route.ret
        if v.capacity is not None and load > v.capacity + tol:
            self.add(
                "capacity", f"{where}: carries {load:g} but the capacity is {v.capacity:g}", **ctx
            )
        if v.max_stops_per_day is not None and n_visits > v.max_stops_per_day:
            self.add(
                "max_stops",
                f"{where}: {n_visits} visits but at most {v.max_stops_per_day} per day",
                **ctx,
            )
        self.shift(route, v, ret, legs, where, ctx)
        self.lunch(route, v, ret, legs, where, ctx)
        return legs, ret

    def arrival(
        self,
        visit: Visit,
        arrival: float,
        minutes: float,
        place: str,
        name: str,
        where: str,
        sctx: dict,
    ) -> None:
        if abs(visit.arrival - arrival) <= self.tol:
            return
        if visit.arrival < arrival:
            self.add(
                "travel_time",
                f"{where}: the plan arrives at {name} {_clock(visit.arrival)} "
                f"but {place} → {name} takes {_dur(minutes)}, so not before {_clock(arrival)}",
                **sctx,
            )
        else:
            self.add(
                "arrival_mismatch",
                f"{where}: the plan arrives at {name} "
                f"{_clock(visit.arrival)} but leaving {place} as planned it arrives "
                f"{_clock(arrival)}",
                **sctx,
            )

    def window(self, stop: Stop, visit: Visit, day: int, name: str, where: str, sctx: dict) -> None:
        if not stop.windows:
            return
        today = stop.windows_on(day)
        if not today:
            self.add(
                "window",
                f"{where}: {name} has no opening that day (its time windows apply on other days)",
                **sctx,
            )
        elif not any(w.contains(visit.start, self.tol) for w in today):
            allowed = join_en([_range(w.start, w.end) for w in today])
            self.add(
                "window",
                f"{where}: starts at {name} {_clock(visit.start)}, outside its "
                f"allowed start times {allowed}",
                **sctx,
            )

    def service(
        self,
        stop: Stop,
        visit: Visit,
        lunch: tuple[float, float] | None,
        name: str,
        where: str,
        sctx: dict,
    ) -> float:
        """Check the visit's length (with a lunch break taken inside); return its true end."""
        tol = self.tol
        need = stop.duration
        inside = (
            lunch is not None
            and visit.start - tol <= lunch[0]
            and lunch[1] <= visit.end + tol
            and lunch[1] >= lunch[0]
        )
        if inside:
            need += lunch[1] - lunch[0]
        elif lunch is not None and lunch[0] < visit.end - tol and lunch[1] > visit.start + tol:
            self.add(
                "overlap",
                f"{where}: the lunch break {_range(*lunch)} overlaps the "
                f"permanence at {name} {_range(visit.start, visit.end)} without lying "
                "inside it",
                **sctx,
            )
        end = visit.start + need
        if abs((visit.end - visit.start) - need) > tol:
            extra = f" + {_dur(lunch[1] - lunch[0])} of lunch" if inside and lunch else ""
            self.add(
                "duration",
                f"{where}: {name} lasts {_dur(max(visit.end - visit.start, 0))} "
                f"({_range(visit.start, max(visit.end, visit.start))}) but needs "
                f"{_dur(stop.duration)}{extra}, so ends at {_clock(end)}",
                **sctx,
            )
        return end

    def vehicle_fit(self, stop: Stop, v: Vehicle, name: str, where: str, sctx: dict) -> None:
        missing = stop.features - v.features
        if missing:
            self.add(
                "features",
                f"{where}: {name} needs {join_en(sorted(missing))} which {v.id} does not have",
                **sctx,
            )
        if stop.vehicles is not None and v.id not in stop.vehicles:
            self.add(
                "area",
                f"{where}: {name} is outside the service area of {v.id}",
                **sctx,
            )
        if stop.seats > v.seats:
            self.add(
                "seats",
                f"{where}: {name} needs {stop.seats} wheelchair places but {v.id} has {v.seats}",
                **sctx,
            )

    def shift(
        self, route: Route, v: Vehicle, ret: float, legs: list[_Leg], where: str, ctx: dict
    ) -> None:
        tol = self.tol
        if route.depart < v.shift.start - tol:
            self.add(
                "shift_start",
                f"{where}: leaves the base {_clock(route.depart)}, before the "
                f"shift starts ({_clock(v.shift.start)})",
                **ctx,
            )
        if ret > v.shift.end + tol:
            self.add(
                "shift_end",
                f"{where}: back at the base {_clock(ret)}, after the shift "
                f"ends ({_clock(v.shift.end)})",
                **ctx,
            )
        if v.max_work is not None and ret - route.depart > v.max_work + tol:
            self.add(
                "max_work",
                f"{where}: works {_dur(ret - route.depart)} "
                f"({_range(route.depart, ret)}), more than the {_dur(v.max_work)} allowed",
                **ctx,
            )
        drive = sum(leg.minutes for leg in legs)
        if v.max_drive is not None and drive > v.max_drive + tol:
            self.add(
                "max_drive",
                f"{where}: drives {_dur(drive)}, more than the {_dur(v.max_drive)} allowed",
                **ctx,
            )

    def lunch(
        self, route: Route, v: Vehicle, ret: float, legs: list[_Leg], where: str, ctx: dict
    ) -> None:
        tol = self.tol
        if route.lunch is None:
            if lunch_required(v, route.depart, ret, tol):
                w = v.lunch.window  # type: ignore[union-attr]
                self.add(
                    "lunch_missing",
                    f"{where}: out from {_clock(route.depart)} to "
                    f"{_clock(ret)} with no lunch break (one of "
                    f"{_dur(v.lunch.duration)} must start within "  # type: ignore[union-attr]
                    f"{_range(w.start, w.end)})",
                    **ctx,
                )
            return
        start, end = route.lunch
        if v.lunch is not None:
            w = v.lunch.window
            if not w.contains(start, tol):
                self.add(
                    "lunch_window",
                    f"{where}: lunch starts {_clock(start)}, outside its "
                    f"window {_range(w.start, w.end)}",
                    **ctx,
                )
            if abs((end - start) - v.lunch.duration) > tol:
                self.add(
                    "lunch_duration",
                    f"{where}: lunch lasts {_dur(max(end - start, 0))} "
                    f"({_range(start, max(start, end))}) instead of "
                    f"{_dur(v.lunch.duration)}",
                    **ctx,
                )
        elif end < start - tol:
            self.add(
                "lunch_duration",
                f"{where}: lunch ends ({_clock(end)}) before it starts ({_clock(start)})",
                **ctx,
            )
        for leg in legs:
            arrive = leg.leave + leg.minutes
            if leg.minutes > tol and start < arrive - tol and end > leg.leave + tol:
                self.add(
                    "lunch_while_driving",
                    f"{where}: lunch {_range(start, end)} overlaps "
                    f"a drive {_range(leg.leave, leg.leave + leg.minutes)}",
                    **ctx,
                )
                break

    # --- stops -------------------------------------------------------------------------------

    def stops(self, served_by: dict[str, list[tuple[Route, Visit]]]) -> None:
        p, tol = self.p, self.tol
        calendar = p.horizon.plain_days is None
        unserved = set(self.plan.unserved)
        for sid in sorted(unserved - set(p.stop_by_id)):
            self.add(
                "unknown_stop",
                f"the plan lists {sid!r} as unserved but it is not a stop of the problem",
                stop=sid,
            )
        for stop in p.stops:
            name = stop.name or stop.id
            visits = served_by.get(stop.id, [])
            if not visits:
                if stop.mandatory:
                    self.add(
                        "mandatory_unserved", f"{name} is mandatory but not served", stop=stop.id
                    )
                elif stop.id not in unserved:
                    self.add(
                        "optional_unserved_not_listed",
                        f"{name} is not served and not listed among the unserved stops",
                        stop=stop.id,
                    )
                continue
            if stop.id in unserved:
                self.add(
                    "unserved_but_served",
                    f"{name} is listed as unserved but the plan visits it",
                    stop=stop.id,
                )
            self.pattern(stop, name, visits)
            self.weekdays(stop, name, visits)
            if calendar and len(visits) > 1:
                vehicles = sorted({r.vehicle for r, _ in visits})
                if len(vehicles) > 1:
                    self.add(
                        "regularity_vehicle",
                        f"{name} is served by {join_en(vehicles)}; "
                        "a regular stop keeps one vehicle",
                        stop=stop.id,
                    )
                starts = [v.start for _, v in visits]
                spread = max(starts) - min(starts)
                if spread > p.objective.regularity_tolerance + tol:
                    times = join_en(sorted({_clock(s) for s in starts}))
                    self.add(
                        "regularity_time",
                        f"{name} starts at {times}: a drift of "
                        f"{_dur(spread)}, more than the "
                        f"{_dur(p.objective.regularity_tolerance)} allowed",
                        stop=stop.id,
                    )

    def weekdays(self, stop: Stop, name: str, visits: list[tuple[Route, Visit]]) -> None:
        """A stop's weekdays are a rule of its room, checked on every visit even when explicit
        patterns name its days (a pinned day may not move it to another weekday). Patterns made
        from the weekdays are checked by :meth:`pattern` already."""
        if stop.weekdays is None or stop.patterns is None:
            return
        allowed = join_en([weekday_en(w, plural=True) for w in sorted(stop.weekdays)])
        for route, _ in visits:
            if not 0 <= route.day < self.p.horizon.n_days:
                continue  # reported as a day outside the cycle
            weekday = self.p.horizon.days[route.day].weekday
            if weekday is not None and weekday not in stop.weekdays:
                self.add(
                    "weekday",
                    f"{name} is visited on {day_label_en(self.p.horizon, route.day)}, not one "
                    f"of its weekdays ({allowed})",
                    stop=stop.id,
                    vehicle=route.vehicle,
                    day=route.day,
                )

    def pattern(self, stop: Stop, name: str, visits: list[tuple[Route, Visit]]) -> None:
        days = [r.day for r, _ in visits]
        allowed = self.p.stop_patterns(stop)
        if tuple(sorted(days)) in set(allowed):
            return
        if allowed:
            expected = sorted({len(q) for q in allowed})
        elif stop.patterns:
            expected = sorted({len(q) for q in stop.patterns})
        else:
            expected = [self.p.horizon.visits_per_cycle(stop.frequency)]
        labels = join_en([day_label_en(self.p.horizon, d) for d in sorted(days)])
        if len(days) not in expected or len(set(days)) != len(days):
            want = " or ".join(str(k) for k in expected)
            self.add(
                "frequency",
                f"{name} is visited {len(days)} times in the cycle ({labels}) "
                f"but needs {want} ({stop.frequency.value})",
                stop=stop.id,
            )
        else:
            self.add(
                "pattern",
                f"{name} is visited on {labels}, which is not one of its "
                f"{len(allowed)} allowed patterns ({stop.frequency.value}"
                f"{self._weekdays_note(stop)})",
                stop=stop.id,
            )

    @staticmethod
    def _weekdays_note(stop: Stop) -> str:
        if stop.patterns is not None or stop.weekdays is None:
            return ""
        return ", on " + join_en([weekday_en(w, plural=True) for w in sorted(stop.weekdays)])


def _figures(
    p: Problem,
    plan: Plan,
    routes: list[tuple[Route, Vehicle, list[_Leg], float]],
    served_by: dict[str, list[tuple[Route, Visit]]],
) -> PlanFigures:
    cpm = p.horizon.cycles_per_month
    fig = PlanFigures(cycles_per_month=cpm)
    per_vehicle = {v.id: VehicleFigures(v.id, cycles_per_month=cpm) for v in p.vehicles}
    per_day = {
        d.index: DayFigures(d.index, day_label_en(p.horizon, d.index)) for d in p.horizon.days
    }
    for route, v, legs, ret in routes:
        km = sum(leg.km for leg in legs)
        drive_h = sum(leg.minutes for leg in legs) / 60
        work_h = max(ret - route.depart, 0.0) / 60
        n = sum(1 for vis in route.visits if vis.stop in p.stop_by_id)
        cost = km * v.cost_per_km + work_h * v.cost_per_hour
        for agg in (per_vehicle[v.id], per_day[route.day]):
            agg.routes += 1
            agg.visits += n
            agg.km += km
            agg.drive_hours += drive_h
            agg.work_hours += work_h
        per_vehicle[v.id].cost += cost
        fig.km += km
        fig.drive_hours += drive_h
        fig.work_hours += work_h
        fig.cost += cost
        fig.visits += n
        o_km, o_drive, o_work = _once_part(p, route, v, km, drive_h, work_h)
        o_cost = o_km * v.cost_per_km + o_work * v.cost_per_hour
        for agg in (per_vehicle[v.id], fig):  # type: ignore[assignment]
            agg.once_km += o_km
            agg.once_drive_hours += o_drive
            agg.once_work_hours += o_work
            agg.once_cost += o_cost
    for stop in p.stops:
        visits = served_by.get(stop.id, [])
        is_request = stop.kind is StopKind.REQUEST
        if is_request:
            fig.requests_total += 1
            fig.requests_served += bool(visits)
        else:
            fig.stops_total += 1
            fig.stops_served += bool(visits)
        if stop.mandatory:
            fig.mandatory_total += 1
            fig.mandatory_served += bool(visits)
        else:
            fig.value_total += stop.value
            fig.value_served += stop.value if visits else 0.0
        if visits and is_request:
            fig.request_hours[stop.id] = len(visits) * stop.duration / 60
        elif visits:
            fig.presence_hours_per_month[stop.id] = len(visits) * stop.duration / 60 * cpm
    if p.communes:
        need = need_served(p, served_by)
        fig.need_served = need.served
        fig.need_possible = need.possible
        fig.need_total = need.total
        fig.communes_improved = need.communes_improved
        fig.communes_reachable = need.communes_reachable
    fig.per_vehicle = list(per_vehicle.values())
    fig.per_day = list(per_day.values())
    _published_figures(p, fig, served_by)
    return fig


def _once_part(
    p: Problem, route: Route, v: Vehicle, km: float, drive_h: float, work_h: float
) -> tuple[float, float, float]:
    """The km, driving hours and work hours of a route that its requests (bookings) account
    for: all of it when it serves only requests; else what they add (the route's km and
    driving less those of the same route without them; their durations plus that driving)."""
    stops = [p.stop_by_id[vis.stop] for vis in route.visits if vis.stop in p.stop_by_id]
    requests = [s for s in stops if s.kind is StopKind.REQUEST]
    if not requests:
        return 0.0, 0.0, 0.0
    kept = [s.location for s in stops if s.kind is not StopKind.REQUEST]
    if not kept:
        return km, drive_h, work_h
    path = [v.start_location, *kept, v.end_location]
    legs = [p.travel(a, b) for a, b in zip(path, path[1:], strict=False)]
    o_km = max(km - sum(k for _, k in legs), 0.0)
    o_drive = max(drive_h - sum(m for m, _ in legs) / 60, 0.0)
    o_work = min(work_h, o_drive + sum(s.duration for s in requests) / 60)
    return o_km, o_drive, o_work


def _published_figures(
    p: Problem, fig: PlanFigures, served_by: dict[str, list[tuple[Route, Visit]]]
) -> None:
    """Count, for every stop with published days, the published visits the plan keeps, moves to
    another time or to another day. A change is allowed (it only costs): no violation."""
    tol = p.objective.time_tolerance + 1e-6
    for stop in p.stops:
        pub = stop.published
        if pub is None:
            continue
        visits = served_by.get(stop.id, [])
        fig.published_stops += 1
        fig.published_visits += len(pub.days)
        kept = time_changed = 0
        first_kept = None
        for day in pub.days:
            on_day = [
                vis
                for route, vis in visits
                if route.day == day and (pub.vehicle is None or route.vehicle == pub.vehicle)
            ]
            if not on_day:
                continue
            first_kept = on_day[0].start if first_kept is None else first_kept
            if pub.start is None or any(abs(v.start - pub.start) <= tol for v in on_day):
                kept += 1
            else:
                time_changed += 1
        fig.published_kept += kept
        fig.published_time_changed += time_changed
        fig.published_day_changed += len(pub.days) - kept - time_changed
        if kept + time_changed == len(pub.days):
            fig.published_stops_same_days += 1
        if not visits:
            status = "unserved"
        elif kept + time_changed < len(pub.days):
            status = "day"
        elif time_changed:
            status = "time"
        else:
            status = "unchanged"
        start_after = (
            first_kept if first_kept is not None else (visits[0][1].start if visits else None)
        )
        fig.published_changes.append(
            PublishedChange(
                stop.id,
                status,
                sorted(pub.days),
                sorted({route.day for route, _ in visits}),
                pub.start,
                start_after,
            )
        )


def validate(problem: Problem, plan: Plan, *, tol: float = 1e-6) -> ValidationReport:
    """Check ``plan`` against ``problem`` from scratch; list every violation and the figures.

    ``tol`` (minutes, km or units of load) absorbs floating-point noise in every comparison.
    """
    checker = _Checker(problem, plan, tol)
    routes = checker.routes()
    served_by: dict[str, list[tuple[Route, Visit]]] = {}
    for route, _, _, _ in routes:
        for visit in route.visits:
            if visit.stop in problem.stop_by_id:
                served_by.setdefault(visit.stop, []).append((route, visit))
    # Visits in routes of unknown vehicles still count as served (reported once, above).
    for route in plan.routes:
        if route.vehicle not in problem.vehicle_by_id and 0 <= route.day < problem.horizon.n_days:
            for visit in route.visits:
                if visit.stop in problem.stop_by_id:
                    served_by.setdefault(visit.stop, []).append((route, visit))
    for visits in served_by.values():
        visits.sort(key=lambda rv: (rv[0].day, rv[1].start))
    checker.stops(served_by)
    figures = _figures(problem, plan, routes, served_by)
    _check_budget(problem, figures, checker)
    return ValidationReport(checker.violations, figures)


def _check_budget(p: Problem, fig: PlanFigures, checker: _Checker) -> None:
    """The plan's yearly cost by the problem's :class:`~planner.tours.model.Budget`, from the
    recomputed km and working hours of each vehicle; a violation when above the cap."""
    budget = p.budget
    if budget is None:
        return
    cost = budget.total(
        sum(budget.route_cost(vf.vehicle, vf.km, vf.work_hours) for vf in fig.per_vehicle)
    )
    fig.yearly_cost = cost
    fig.budget_max_per_year = budget.max_per_year
    fig.budget_basis = budget.basis
    if cost > budget.max_per_year + BUDGET_TOLERANCE:
        basis = "net of the known public aid" if budget.basis == "net" else "gross"
        checker.add(
            "budget",
            f"the plan costs {cost:,.0f} € a year ({basis}; fixed costs "
            f"{budget.fixed_per_year:,.0f} €), more than its budget of "
            f"{budget.max_per_year:,.0f} €",
        )


def summary(report: ValidationReport) -> dict[str, Any]:
    """What the plan JSON records of its validation: ok, violation counts by kind, figures."""
    return {
        "ok": report.ok,
        "violations": len(report.violations),
        "kinds": dict(sorted(report.kinds().items())),
        "figures": report.figures.to_dict(),
    }
