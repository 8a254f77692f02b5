"""The tour-planning problem as plain, typed, immutable objects.

This is the language shared by the scenario loader (which builds a :class:`Problem`), the engines
(which solve it), the validator (which checks a plan against it independently) and the exports.
It holds no database, file or network access: a :class:`Problem` is complete in itself, including
its travel-time and distance matrices.

Conventions
-----------
- Times are **minutes since midnight** of the day they happen (floats). Durations are minutes.
- Distances are **kilometres** (floats). Benchmark instances keep their own units (Solomon's
  Euclidean units are read as "km" and "minutes" alike); only consistency matters.
- ``durations[i][j]`` and ``distances[i][j]`` are indexed by :attr:`Problem.locations`
  positions. The matrix is not assumed symmetric nor to satisfy the triangle inequality.
- A cycle (:class:`Horizon`) is a sequence of working **days**, each with an index (its position in
  :attr:`Horizon.days`), a week number and a weekday (Monday = 0). In a monthly horizon, week ``w``
  means "the (w+1)-th such weekday of the month", and an extra day may stand for "the last day of
  the month" (``weekday is None``).
- A stop that is visited ``k`` times per cycle is visited on one of its **patterns**: a set of
  ``k`` day indices. Patterns come from the stop's frequency and allowed weekdays
  (:meth:`Horizon.patterns`) unless the stop lists them explicitly (periodic VRP benchmarks).
- A time window (:class:`TimeWindow`) bounds the **start** of the service (the VRP convention).
  The scenario layer converts "the room is available 9:00-17:00" into start windows
  ``[9:00, 17:00 - duration]``.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations

import numpy as np

from planner.tours.travel import DerivedDurations

WEEKDAY_NAMES_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# Average number of weeks in a month (52.18 weeks / 12 months), to turn cycle figures into months.
WEEKS_PER_MONTH = 365.25 / 7 / 12


class Frequency(enum.Enum):
    """How often a stop is visited. The number of visits per cycle depends on the horizon."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    ONCE = "once"  # a single visit in the cycle (on-demand requests)

    @property
    def label_fr(self) -> str:
        return {
            "weekly": "chaque semaine",
            "fortnightly": "toutes les deux semaines",
            "monthly": "chaque mois",
            "once": "une fois",
        }[self.value]


class StopKind(enum.Enum):
    """A permanence at a commune or host site, or an on-demand request (home visit, booking)."""

    STOP = "stop"
    REQUEST = "request"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Interval of allowed **start** times, in minutes since midnight; ``days`` restricts it to
    some day indices of the cycle (None: any day)."""

    start: float
    end: float
    days: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"time window ends ({self.end}) before it starts ({self.start})")

    def applies_to(self, day: int) -> bool:
        return self.days is None or day in self.days

    def contains(self, t: float, eps: float = 1e-6) -> bool:
        return self.start - eps <= t <= self.end + eps


@dataclass(frozen=True, slots=True)
class Day:
    """One working day of the cycle."""

    index: int
    week: int  # 0-based week of the cycle (in a monthly horizon: occurrence of the weekday - 1)
    weekday: int | None  # Monday = 0; None for the "last day of the month" slot
    last_of_month: bool = False
    date: _dt.date | None = None  # its date in the bookings period (Horizon.period), if any

    @property
    def label_fr(self) -> str:
        """ "2e mardi", "mardi (semaine 2)", "dernier jour du mois" depending on the horizon."""
        if self.last_of_month:
            return "dernier jour du mois"
        name = WEEKDAY_NAMES_FR[self.weekday] if self.weekday is not None else "jour"
        return f"{name} (semaine {self.week + 1})"


@dataclass(frozen=True)
class Horizon:
    """A cycle of 1, 2 or 4 weeks of working days, repeated; days off are removed.

    ``monthly=True`` (4 weeks only) keys the days by the n-th weekday of the month, and
    ``last_day_of_month=True`` adds one more day standing for "the last day of the month".
    For benchmarks, :meth:`plain` builds a horizon of ``n`` undistinguished days.
    """

    weeks: int = 1
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    days_off: frozenset[int] = frozenset()  # indices (week * 7 + weekday) of days not worked
    monthly: bool = False
    last_day_of_month: bool = False
    plain_days: int | None = None  # set by :meth:`plain`: n days with no calendar meaning
    # Dated working days of a bookings period (sorted): week 1 of the cycle is the week (Monday
    # to Sunday) of the first one. A day of the cycle whose date is one of them carries it
    # (:attr:`Day.date`); requests are planned on those days only. Empty: no period.
    period: tuple[_dt.date, ...] = ()

    def __post_init__(self) -> None:
        if self.plain_days is None:
            if self.weeks not in (1, 2, 4):
                raise ValueError(f"a cycle lasts 1, 2 or 4 weeks, not {self.weeks}")
            if self.monthly and self.weeks != 4:
                raise ValueError("a monthly horizon lasts 4 weeks")
            if self.last_day_of_month and not self.monthly:
                raise ValueError("'last day of the month' needs a monthly horizon")
            if self.period:
                if self.monthly:
                    raise ValueError("a bookings period needs a cycle of weeks, not a monthly one")
                if list(self.period) != sorted(set(self.period)):
                    raise ValueError("the period's dates must be sorted and distinct")
                if self.period_weeks > self.weeks:
                    raise ValueError(
                        f"the period spans {self.period_weeks} weeks, the cycle {self.weeks}"
                    )

    @classmethod
    def plain(cls, n_days: int) -> Horizon:
        """``n_days`` days with no weekday semantics (periodic VRP benchmarks)."""
        return cls(weeks=1, weekdays=(), plain_days=n_days)

    @property
    def period_monday(self) -> _dt.date | None:
        """The Monday of week 1 of the cycle when it has a bookings period."""
        if not self.period:
            return None
        return self.period[0] - _dt.timedelta(days=self.period[0].weekday())

    @property
    def period_weeks(self) -> int:
        """How many weeks (Monday to Sunday) the bookings period spans (0: no period)."""
        monday = self.period_monday
        return 0 if monday is None else (self.period[-1] - monday).days // 7 + 1

    @cached_property
    def days(self) -> tuple[Day, ...]:
        if self.plain_days is not None:
            return tuple(Day(i, 0, None) for i in range(self.plain_days))
        monday, dated = self.period_monday, set(self.period)
        out: list[Day] = []
        for week in range(self.weeks):
            for weekday in sorted(self.weekdays):
                if week * 7 + weekday in self.days_off:
                    continue
                when = None
                if monday is not None:
                    when = monday + _dt.timedelta(days=7 * week + weekday)
                    when = when if when in dated else None
                out.append(Day(len(out), week, weekday, date=when))
        if self.last_day_of_month:
            out.append(Day(len(out), 4, None, last_of_month=True))
        return tuple(out)

    @property
    def n_days(self) -> int:
        return len(self.days)

    @property
    def period_day_indices(self) -> frozenset[int]:
        """Indices of the days of the cycle that carry a date of the bookings period."""
        return frozenset(d.index for d in self.days if d.date is not None)

    @property
    def cycles_per_month(self) -> float:
        """How many cycles fit in an average month (1 for a monthly rota)."""
        if self.monthly or self.plain_days is not None:
            return 1.0
        return WEEKS_PER_MONTH / self.weeks

    def visits_per_cycle(self, frequency: Frequency) -> int:
        """Number of visits a frequency asks for in this cycle (0 when it cannot fit)."""
        if frequency is Frequency.ONCE:
            return 1
        if frequency is Frequency.MONTHLY:
            return 1
        if frequency is Frequency.FORTNIGHTLY:
            return max(self.weeks // 2, 1) if self.weeks >= 2 else 0
        return self.weeks

    def patterns(
        self, frequency: Frequency, weekdays: Iterable[int] | None = None
    ) -> tuple[tuple[int, ...], ...]:
        """Regular visit patterns (tuples of day indices) for a frequency.

        Weekly: the same weekday every week; fortnightly: the same weekday every other week;
        monthly and once: any single allowed day. A pattern is dropped when one of its days is
        off. The last-of-month day only serves monthly or once stops.
        """
        allowed = set(weekdays) if weekdays is not None else None
        days = self.days
        if self.plain_days is not None:
            k = self.visits_per_cycle(frequency)
            return tuple(combinations(range(len(days)), k))

        def ok(d: Day) -> bool:
            return d.weekday is None or allowed is None or d.weekday in allowed

        by_key = {(d.week, d.weekday): d.index for d in days if not d.last_of_month}
        if frequency in (Frequency.MONTHLY, Frequency.ONCE):
            return tuple((d.index,) for d in days if ok(d))
        step = 1 if frequency is Frequency.WEEKLY else 2
        if frequency is Frequency.FORTNIGHTLY and self.weeks < 2:
            return ()
        out = []
        for weekday in sorted(self.weekdays):
            if allowed is not None and weekday not in allowed:
                continue
            for first in range(step if frequency is Frequency.FORTNIGHTLY else 1):
                weeks = range(first, self.weeks, step)
                keys = [(w, weekday) for w in weeks]
                if all(k in by_key for k in keys):
                    out.append(tuple(by_key[k] for k in keys))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Location:
    """A point that travel times are known for."""

    id: str
    name: str
    lon: float | None = None
    lat: float | None = None
    insee: str | None = None  # commune code, when the point is in a known commune


@dataclass(frozen=True, slots=True)
class Published:
    """The days (and start time) residents already know for a stop, from a published rota or a
    previous plan. Moving a visit away from them costs the objective's change penalties."""

    days: tuple[int, ...]  # day indices of the cycle
    start: float | None = None  # minutes since midnight (None: the time is not known)
    vehicle: str | None = None  # the vehicle that serves it (None: any)


@dataclass(frozen=True)
class Stop:
    """A place to serve: a permanence at a commune or host site, or an on-demand request.

    ``duration`` is the presence time at the stop in minutes (a lunch break taken there comes on
    top). ``value`` counts only for optional stops. ``patterns``, when given, lists the allowed
    sets of day indices explicitly and overrides ``frequency``; ``weekdays`` still holds (the
    validator checks both).
    """

    id: str
    name: str
    location: int
    duration: float
    frequency: Frequency = Frequency.MONTHLY
    kind: StopKind = StopKind.STOP
    weekdays: frozenset[int] | None = None  # allowed weekdays (Monday = 0); None: any
    windows: tuple[TimeWindow, ...] = ()  # allowed start times; empty: any time in the shift
    features: frozenset[str] = frozenset()  # vehicle features required (e.g. "pmr")
    seats: int = 0  # wheelchair places needed at once
    demand: float = 0.0  # load taken per visit (capacity benchmarks)
    mandatory: bool = True
    value: float = 0.0
    patterns: tuple[tuple[int, ...], ...] | None = None
    insee: str | None = None
    vehicles: frozenset[str] | None = None  # ids of the vehicles whose area holds it (None: any)
    published: Published | None = None  # what residents already know of it (stability)

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise ValueError(f"stop {self.id}: negative duration")

    def windows_on(self, day: int) -> tuple[TimeWindow, ...]:
        """Start windows that apply on a day index (empty tuple: no restriction that day,
        unless the stop has day-restricted windows only, see :meth:`allowed_on`)."""
        return tuple(w for w in self.windows if w.applies_to(day))

    def allowed_on(self, day: int) -> bool:
        """False when every window of the stop is restricted to other days."""
        return not self.windows or any(w.applies_to(day) for w in self.windows)


@dataclass(frozen=True, slots=True)
class Lunch:
    """A break of ``duration`` minutes that must start within ``window``.

    It may be taken during a permanence (the permanence is paused and resumes after it), while
    waiting, or at the base; never while driving.
    """

    window: TimeWindow
    duration: float


@dataclass(frozen=True)
class Vehicle:
    """A bus, van or car with its crew: where it starts and ends, when and how long it works."""

    id: str
    name: str
    start_location: int
    end_location: int
    shift: TimeWindow = TimeWindow(8 * 60, 18 * 60)  # leave the base >= start, back <= end
    weekdays: frozenset[int] | None = None  # weekdays it works (None: every working day)
    days_off: frozenset[int] = frozenset()  # day indices of the cycle it does not work
    max_work: float | None = None  # minutes from leaving to returning, per day
    max_drive: float | None = None  # minutes of driving per day
    lunch: Lunch | None = None
    features: frozenset[str] = frozenset()
    seats: int = 0
    capacity: float | None = None
    max_stops_per_day: int | None = None
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0

    def works_on(self, day: Day) -> bool:
        if day.index in self.days_off:
            return False
        return self.weekdays is None or day.weekday is None or day.weekday in self.weekdays


@dataclass(frozen=True, slots=True)
class Objective:
    """Weights of the lexicographic-in-spirit objective, all in "cost units".

    Mandatory stops are constraints (a plan that drops one is invalid); ``unserved_penalty`` is
    only used by engines that need a finite penalty. Optional stops bring ``value_weight * value``;
    driving costs ``km_weight`` per km and ``hour_weight`` per hour of driving.
    """

    value_weight: float = 1.0
    km_weight: float = 1.0
    hour_weight: float = 0.0
    unserved_penalty: float = 1e7
    regularity_tolerance: float = 0.0  # minutes a weekly stop's start time may drift between weeks
    day_change_penalty: float = 0.0  # per visit moved away from a published day
    time_change_penalty: float = 0.0  # per visit kept on its published day at another time
    time_tolerance: float = 15.0  # minutes a start may move and still count as the published time


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune whose need a plan serves: its need (population × IFN by default) and the
    service level (0 to 1) its residents already have without the plan (fixed help, other
    operators' stops)."""

    code: str
    name: str
    need: float
    existing: float = 0.0


@dataclass(frozen=True, slots=True)
class Reach:
    """The service level (0 to 1) that serving ``stop`` (an id) brings to the commune at index
    ``commune`` of :attr:`Problem.communes`. A commune's level is the best level among the
    served stops that reach it (and its existing level): need is counted once."""

    stop: str
    commune: int
    level: float


@dataclass(frozen=True)
class Budget:
    """The most a plan may cost per year, as a linear function of its routes.

    yearly cost = ``fixed_per_year`` + Σ over routes of the cycle
    (``per_km[vehicle]`` × km + ``per_work_hour[vehicle]`` × hours from leaving the base to
    returning). The coefficients are yearly: already multiplied by the cycles in a year. They are
    derived from the scenario's cost model (:func:`planner.analysis.costs.linear_budget`):
    fuel per km, crew × hourly staff cost per working hour; ``fixed_per_year`` holds the
    vehicles' purchase spread over their life, upkeep and kiosks (minus the known public aid when
    ``basis`` is ``"net"``). The engine treats ``max_per_year`` as a hard cap; the validator
    reports a plan above it (violation ``budget``).
    """

    max_per_year: float
    fixed_per_year: float
    per_km: dict[str, float]  # vehicle id -> € per year per km of a cycle's route
    per_work_hour: dict[str, float]  # vehicle id -> € per year per working hour of a cycle
    basis: str = "gross"  # "gross", or "net" of the known public aid

    def __post_init__(self) -> None:
        if not self.max_per_year >= 0:
            raise ValueError(f"budget: max_per_year must be >= 0, got {self.max_per_year}")
        if self.basis not in ("gross", "net"):
            raise ValueError(f"budget: basis must be 'gross' or 'net', got {self.basis!r}")

    def total(self, variable: float) -> float:
        """The yearly cost with ``variable`` euros of routes; net of aid it never goes below 0
        (as ``compare``'s cost net of aid), which never changes whether a plan fits."""
        cost = self.fixed_per_year + variable
        return max(cost, 0.0) if self.basis == "net" else cost

    def route_cost(self, vehicle: str, km: float, work_hours: float) -> float:
        """Yearly euros that one route of the cycle adds."""
        per_hour = self.per_work_hour.get(vehicle, 0.0)
        return self.per_km.get(vehicle, 0.0) * km + per_hour * work_hours


@dataclass(frozen=True)
class Problem:
    """A complete tour-planning problem: where, when, who, and the travel matrices."""

    horizon: Horizon
    locations: tuple[Location, ...]
    # minutes, shape (n, n), float32 (routers) or float64 (benchmarks); or, for large problems
    # with the offline model, the same values computed from ``distances`` when read
    durations: np.ndarray | DerivedDurations
    distances: np.ndarray  # km, shape (n, n), float32 (routers) or float64 (benchmarks)
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    objective: Objective = Objective()
    name: str = ""
    meta: dict = field(default_factory=dict, compare=False)
    communes: tuple[Commune, ...] = ()  # the need a plan serves (see :class:`Reach`)
    reach: tuple[Reach, ...] = ()
    budget: Budget | None = None  # the most the plan may cost per year (None: no cap)

    def __post_init__(self) -> None:
        n = len(self.locations)
        for label, m in (("durations", self.durations), ("distances", self.distances)):
            if m.shape != (n, n):
                raise ValueError(f"{label} matrix has shape {m.shape}, expected ({n}, {n})")
        if isinstance(self.durations, DerivedDurations) and (
            self.durations.distances is not self.distances
        ):
            raise ValueError("derived durations must be computed from the problem's distances")
        ids = [s.id for s in self.stops]
        if len(set(ids)) != len(ids):
            raise ValueError("stop ids must be unique")
        vids = [v.id for v in self.vehicles]
        if len(set(vids)) != len(vids):
            raise ValueError("vehicle ids must be unique")
        for c in self.communes:
            if not (c.need >= 0 and 0 <= c.existing <= 1):
                raise ValueError(f"commune {c.code}: need must be >= 0 and existing in [0, 1]")
        known = set(ids)
        for r in self.reach:
            if r.stop not in known or not 0 <= r.commune < len(self.communes):
                raise ValueError(f"reach of {r.stop} names an unknown stop or commune")
            if not 0 < r.level <= 1:
                raise ValueError(f"reach of {r.stop}: level {r.level} outside (0, 1]")

    @cached_property
    def stop_by_id(self) -> dict[str, Stop]:
        return {s.id: s for s in self.stops}

    @cached_property
    def vehicle_by_id(self) -> dict[str, Vehicle]:
        return {v.id: v for v in self.vehicles}

    def stop_patterns(self, stop: Stop) -> tuple[tuple[int, ...], ...]:
        """Allowed visit patterns of a stop, honouring explicit patterns and day windows."""
        if stop.patterns is not None:
            pats: Sequence[tuple[int, ...]] = stop.patterns
        else:
            pats = self.horizon.patterns(stop.frequency, stop.weekdays)
        return tuple(p for p in pats if all(stop.allowed_on(d) for d in p))

    def travel(self, i: int, j: int) -> tuple[float, float]:
        """(minutes, km) from location i to location j."""
        return float(self.durations[i, j]), float(self.distances[i, j])
