"""Hypothesis strategies for small random tour problems, and a reference plan constructor.

For property-based tests of the planner:

- :func:`problems` draws small random :class:`~planner.tours.model.Problem` s — 1-, 2- and 4-week
  cycles (monthly, with or without "last day of the month"), plain benchmark-style cycles with
  explicit patterns, days off, start windows (some restricted to days), lunch breaks, shifts,
  working and driving limits, features, wheelchair seats, capacities, mandatory and optional
  stops. They may be infeasible.
- :func:`feasible_problems` draws ``(problem, witness)`` pairs: a problem together with a plan
  that serves every mandatory stop; it is *feasible by construction* (stops the reference
  constructor could not place are made optional and listed as unserved).
- :func:`greedy_plan` is the **reference constructor**: a deterministic, simple greedy (no
  optimisation) that appends each stop at the end of routes, on the first pattern, vehicle and
  common start time that fit, with its own forward simulation of times and lunch breaks. It is
  written independently of :mod:`planner.tours.validator`, so each checks the other.

Typical use (pytest puts this folder on ``sys.path``)::

    from strategies import feasible_problems

    @given(feasible_problems())
    def test_engine_plans_are_valid(case):
        problem, _witness = case
        assert validate(problem, my_engine(problem)).ok

It must stay small and fast: instances have at most a handful of stops and vehicles.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from itertools import combinations

import numpy as np
from hypothesis import strategies as st

from planner.tours.model import (
    Frequency,
    Horizon,
    Location,
    Lunch,
    Objective,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
)
from planner.tours.plan import Plan, PlanMeta, Route, Visit

__all__ = ["horizons", "problems", "feasible_problems", "greedy_plan", "build_route"]


# --- strategies -------------------------------------------------------------------------------


@st.composite
def horizons(draw: st.DrawFn, calendar: bool | None = None) -> Horizon:
    """1-, 2- or 4-week cycles (monthly or not), with days off, or a few plain days
    (``calendar=True``: never plain; ``False``: always plain)."""
    kinds = ["week", "fortnight", "month", "four_weeks", "plain"]
    if calendar is not None:
        kinds = kinds[:4] if calendar else ["plain"]
    kind = draw(st.sampled_from(kinds))
    if kind == "plain":
        return Horizon.plain(draw(st.integers(1, 4)))
    weekdays = tuple(sorted(draw(st.sets(st.integers(0, 5), min_size=1, max_size=5))))
    weeks = {"week": 1, "fortnight": 2, "month": 4, "four_weeks": 4}[kind]
    candidates = [w * 7 + d for w in range(weeks) for d in weekdays]
    days_off = set()
    if draw(st.booleans()):
        days_off = draw(st.sets(st.sampled_from(candidates), max_size=2))
    monthly = kind == "month"
    last = monthly and draw(st.booleans())
    return Horizon(
        weeks=weeks,
        weekdays=weekdays,
        days_off=frozenset(days_off),
        monthly=monthly,
        last_day_of_month=last,
    )


def _frequency(draw: st.DrawFn, horizon: Horizon, allowed: Sequence[Frequency] | None) -> Frequency:
    if horizon.plain_days is not None:
        return Frequency.ONCE
    options = [Frequency.WEEKLY, Frequency.MONTHLY, Frequency.ONCE]
    if horizon.weeks >= 2:
        options.append(Frequency.FORTNIGHTLY)
    if allowed is not None:
        options = [f for f in options if f in allowed] or [Frequency.ONCE]
    return draw(st.sampled_from(options))


def _plain_patterns(draw: st.DrawFn, n_days: int) -> tuple[tuple[int, ...], ...]:
    k = draw(st.integers(1, n_days))
    combos = list(combinations(range(n_days), k))
    chosen = draw(st.lists(st.sampled_from(combos), min_size=1, max_size=3, unique=True))
    return tuple(sorted(chosen))


@st.composite
def problems(
    draw: st.DrawFn,
    *,
    max_stops: int = 6,
    min_vehicles: int = 1,
    max_vehicles: int = 2,
    generous: bool = False,
    calendar: bool | None = None,
    frequencies: Sequence[Frequency] | None = None,
) -> Problem:
    """A small random problem.

    ``generous=True`` gives long shifts and no working limits, so that most stops can be
    served; ``calendar`` restricts the kind of horizon (see :func:`horizons`); ``frequencies``
    the stops' frequencies (on calendar horizons).
    """
    horizon = draw(horizons(calendar))
    n_bases = draw(st.integers(1, 2))
    n_stops = draw(st.integers(1, max_stops))
    n = n_bases + n_stops
    coords = draw(
        st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=n, max_size=n)
    )
    xy = np.array(coords, dtype=float)
    km = np.round(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * 1.3, 1)
    minutes = np.round(km * draw(st.sampled_from([1.0, 1.2, 1.5])), 1)
    locations = tuple(Location(f"L{i}", f"Lieu {i}") for i in range(n))

    features_pool = ["pmr", "wifi"]
    vehicles = []
    for i in range(draw(st.integers(min_vehicles, max_vehicles))):
        if generous:
            shift = TimeWindow(6 * 60, 22 * 60)
            max_work = max_drive = None
            max_stops_day = None
        else:
            shift = TimeWindow(
                draw(st.sampled_from([420, 480, 540])),
                draw(st.sampled_from([900, 1020, 1080, 1140])),
            )
            max_work = draw(st.none() | st.sampled_from([360.0, 480.0, 540.0]))
            max_drive = draw(st.none() | st.sampled_from([120.0, 240.0]))
            max_stops_day = draw(st.none() | st.integers(1, 3))
        lunch = None
        if draw(st.booleans()):
            ls = draw(st.sampled_from([690, 720, 750]))
            lunch = Lunch(
                TimeWindow(ls, ls + draw(st.sampled_from([30, 60, 90]))),
                draw(st.sampled_from([30.0, 45.0, 60.0])),
            )
        weekdays = None
        if horizon.plain_days is None and draw(st.booleans()):
            weekdays = frozenset(draw(st.sets(st.sampled_from(horizon.weekdays), min_size=1)))
        days_off = frozenset()
        if draw(st.integers(0, 3)) == 0:
            days_off = frozenset(
                draw(st.sets(st.integers(0, max(horizon.n_days - 1, 0)), max_size=2))
            )
        start = draw(st.integers(0, n_bases - 1))
        end = draw(st.sampled_from([start, draw(st.integers(0, n_bases - 1))]))
        vehicles.append(
            Vehicle(
                id=f"v{i}",
                name=f"Véhicule {i}",
                start_location=start,
                end_location=end,
                shift=shift,
                weekdays=weekdays,
                days_off=days_off,
                max_work=max_work,
                max_drive=max_drive,
                lunch=lunch,
                features=frozenset(draw(st.sets(st.sampled_from(features_pool)))),
                seats=draw(st.integers(0, 2)),
                capacity=draw(st.none() | st.sampled_from([5.0, 10.0])),
                max_stops_per_day=max_stops_day,
                cost_per_km=draw(st.sampled_from([0.0, 0.5])),
                cost_per_hour=draw(st.sampled_from([0.0, 25.0])),
            )
        )

    stops = []
    for j in range(n_stops):
        freq = _frequency(draw, horizon, frequencies)
        patterns = None
        if horizon.plain_days is not None and draw(st.booleans()):
            patterns = _plain_patterns(draw, horizon.n_days)
        weekdays = None
        if horizon.plain_days is None and draw(st.booleans()):
            weekdays = frozenset(draw(st.sets(st.integers(0, 5), min_size=1, max_size=3)))
        windows: tuple[TimeWindow, ...] = ()
        if draw(st.booleans()):
            ws = draw(st.sampled_from([480, 540, 600, 780, 840]))
            days = None
            if draw(st.integers(0, 3)) == 0 and horizon.n_days:
                days = frozenset(draw(st.sets(st.integers(0, horizon.n_days - 1), min_size=1)))
            windows = (TimeWindow(ws, ws + draw(st.sampled_from([0, 30, 120, 240])), days),)
        mandatory = draw(st.booleans())
        stops.append(
            Stop(
                id=f"s{j}",
                name=f"Arrêt {j}",
                location=n_bases + j,
                duration=float(draw(st.sampled_from([20, 45, 90, 150, 240, 300]))),
                frequency=freq,
                kind=draw(st.sampled_from([StopKind.STOP, StopKind.REQUEST])),
                weekdays=weekdays,
                windows=windows,
                features=frozenset(draw(st.sets(st.sampled_from(features_pool), max_size=1))),
                seats=draw(st.sampled_from([0, 0, 1])),
                demand=float(draw(st.integers(0, 4))),
                mandatory=mandatory,
                value=0.0 if mandatory else float(draw(st.integers(1, 100))),
                patterns=patterns,
            )
        )
    objective = Objective(regularity_tolerance=draw(st.sampled_from([0.0, 15.0])))
    return Problem(
        horizon, locations, minutes, km, tuple(stops), tuple(vehicles), objective, name="random"
    )


@st.composite
def feasible_problems(draw: st.DrawFn, **kwargs) -> tuple[Problem, Plan]:
    """A problem and a plan that serves every mandatory stop (see :func:`greedy_plan`).

    The random problem's stops that the reference constructor could not place become optional,
    so the plan is a witness of feasibility. Keyword arguments go to :func:`problems`.
    """
    problem = draw(problems(**kwargs))
    plan = greedy_plan(problem)
    left = set(plan.unserved)
    stops = tuple(
        dataclasses.replace(s, mandatory=False, value=s.value or 1.0) if s.id in left else s
        for s in problem.stops
    )
    return dataclasses.replace(problem, stops=stops), plan


# --- the reference constructor ---------------------------------------------------------------


def _lunch_needed(v: Vehicle, depart: float, ret: float) -> bool:
    if v.lunch is None:
        return False
    return depart < v.lunch.window.start + v.lunch.duration and ret > v.lunch.window.end


def _timeline(
    p: Problem,
    v: Vehicle,
    day: int,
    items: Sequence[tuple[Stop, float]],
    option: tuple[str, int] | None,
) -> Route | None:
    """The route serving ``items`` (stop, start) in order, with the lunch placed as ``option``
    says (None: no lunch; ("wait", i): while waiting before visit i; ("inside", i): inside it),
    or None if a rule is broken."""
    L = v.lunch.duration if v.lunch else 0.0
    ls = v.lunch.window.start if v.lunch else 0.0
    le = v.lunch.window.end if v.lunch else 0.0
    visits: list[Visit] = []
    lunch: tuple[float, float] | None = None
    loc, t, depart, drive, load = v.start_location, 0.0, 0.0, 0.0, 0.0
    for i, (stop, start) in enumerate(items):
        tt = float(p.durations[loc, stop.location])
        if i == 0:
            arrival = start
            if option == ("wait", 0):
                arrival = start - L
                if not ls <= arrival <= le:
                    return None
                lunch = (arrival, arrival + L)
            depart = arrival - tt
        else:
            arrival = t + tt
            if option == ("wait", i):
                begin = max(arrival, ls)
                if begin > le or begin + L > start:
                    return None
                lunch = (begin, begin + L)
        if arrival > start:
            return None
        today = stop.windows_on(day)
        if stop.windows and not any(w.start <= start <= w.end for w in today):
            return None
        end = start + stop.duration
        if option == ("inside", i):
            begin = max(start, ls)
            if begin > min(end, le):
                return None
            lunch = (begin, begin + L)
            end += L
        drive += tt
        load += stop.demand
        if not stop.features <= v.features or stop.seats > v.seats:
            return None
        visits.append(Visit(stop.id, arrival, start, end))
        loc, t = stop.location, end
    tt = float(p.durations[loc, v.end_location])
    ret = t + tt
    drive += tt
    if depart < v.shift.start or ret > v.shift.end:
        return None
    if v.max_work is not None and ret - depart > v.max_work:
        return None
    if v.max_drive is not None and drive > v.max_drive:
        return None
    if v.max_stops_per_day is not None and len(items) > v.max_stops_per_day:
        return None
    if v.capacity is not None and load > v.capacity:
        return None
    if lunch is None and _lunch_needed(v, depart, ret):
        return None
    return Route(v.id, day, depart, ret, visits, lunch)


def build_route(
    p: Problem, v: Vehicle, day: int, items: Sequence[tuple[Stop, float]]
) -> Route | None:
    """The first valid timing of ``items`` (stop, start) for ``v`` on ``day``, trying no lunch,
    then the lunch inside each visit, then while waiting before each visit."""
    options: list[tuple[str, int] | None] = [None]
    if v.lunch is not None:
        options += [("inside", i) for i in range(len(items))]
        options += [("wait", i) for i in range(len(items))]
    for option in options:
        route = _timeline(p, v, day, items, option)
        if route is not None:
            return route
    return None


def greedy_plan(problem: Problem) -> Plan:
    """A valid plan built greedily: mandatory stops first (in problem order), then optional
    ones by decreasing value; each goes on the first allowed pattern and vehicle where it can be
    appended at the end of the day's routes at one common start time. Stops that fit nowhere
    are listed in ``unserved`` (for a mandatory one, the plan is then invalid)."""
    p = problem
    days = p.horizon.days
    items: dict[tuple[str, int], list[tuple[Stop, float]]] = {}
    built: dict[tuple[str, int], Route] = {}
    unserved: list[str] = []
    order = [s for s in p.stops if s.mandatory]
    order += sorted((s for s in p.stops if not s.mandatory), key=lambda s: -s.value)
    for stop in order:
        if not _place(p, stop, days, items, built):
            unserved.append(stop.id)
    routes = [built[k] for k in sorted(built, key=lambda k: (k[1], k[0]))]
    return Plan(routes, sorted(unserved), p.name, PlanMeta(engine="greedy-reference"))


def _place(p: Problem, stop: Stop, days, items, built) -> bool:
    for pattern in p.stop_patterns(stop):
        if any(d >= len(days) for d in pattern):
            continue
        for v in p.vehicles:
            if not all(v.works_on(days[d]) for d in pattern):
                continue
            for start in _candidate_starts(p, stop, v, pattern, built):
                routes = {}
                for d in pattern:
                    r = build_route(p, v, d, items.get((v.id, d), []) + [(stop, start)])
                    if r is None:
                        break
                    routes[d] = r
                else:
                    for d, r in routes.items():
                        items.setdefault((v.id, d), []).append((stop, start))
                        built[(v.id, d)] = r
                    return True
    return False


def _candidate_starts(
    p: Problem, stop: Stop, v: Vehicle, pattern: Sequence[int], built: dict[tuple[str, int], Route]
) -> list[float]:
    """Start times worth trying: each day's earliest arrival (and after a lunch there), the
    stop's window openings, and the ends of the lunch window."""
    arrivals = []
    for d in pattern:
        r = built.get((v.id, d))
        if r is None or not r.visits:
            arrivals.append(v.shift.start + float(p.durations[v.start_location, stop.location]))
        else:
            last = p.stop_by_id[r.visits[-1].stop]
            arrivals.append(r.visits[-1].end + float(p.durations[last.location, stop.location]))
    earliest = max(arrivals)
    cands = set(arrivals)
    cands |= {w.start for w in stop.windows}
    if v.lunch is not None:
        L, w = v.lunch.duration, v.lunch.window
        cands |= {a + L for a in arrivals} | {w.start + L, w.end + L, w.end}
    return sorted(c for c in cands if c >= earliest and math.isfinite(c))
