"""A proven upper bound on the value any plan of a problem can bring: how far from optimal a plan
may be.

The engine's search is a heuristic: it cannot say how much more need a better plan would serve.
This module solves a linear relaxation of the selection part of the problem with OR-Tools (GLOP),
whose optimum no plan can exceed:

- ``x[s, v]`` in [0, 1]: stop ``s`` served by vehicle ``v`` (only vehicles it may use, with one of
  its patterns on days they work); ``Σ_v x[s, v]`` is 1 for a mandatory stop, at most 1 otherwise;
- ``y[c, s]`` in [0, 1]: commune ``c`` counted at the level stop ``s`` brings it, at most one stop
  per commune (``Σ_s y[c, s] ≤ 1``) and only a served one (``y[c, s] ≤ Σ_v x[s, v]``): need is
  counted once, at the best level, as in :mod:`planner.tours.value`;
- each vehicle's working time over the cycle bounds the time its visits take, by two rules that
  each hold for every route: (1) each visit costs at least its duration plus the shortest drive
  into its place from any place a route can come from (a base or another stop); (2) each visit
  costs at least its duration plus 1/M of the round trip base → stop → base (shortest paths),
  M being the most visits a day can hold (the day over the shortest stay): a route of m ≤ M
  stops is at least as long as each of its stops' round trips (triangle inequality), so at least
  the sum of their m/M shares. Its stops per day bound their number; a budget bounds the yearly
  cost of the visits by rule (1) in km and working hours.

Maximised: ``Σ need × (level − existing) × y`` plus the own value of optional stops. Every plan
gives a feasible point of this relaxation (its served stops, each commune at its best served
stop), so its value is at most the bound. The relaxation ignores the order of visits, time
windows, returns to base and regularity: the bound is loose where they bind, never wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from planner.tours.model import Problem


@dataclass(frozen=True, slots=True)
class ValueBound:
    """An upper bound on :func:`planner.tours.value.plan_value` over every plan of a problem."""

    value: float  # need served plus own values of optional stops, at most
    variables: int
    seconds: float


def _shortest_arrivals(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Per stop: the shortest drive (minutes, km) into its place from a place a route can come
    from — a vehicle's base or another stop's place (0 when another one shares its place)."""
    locs = np.array([s.location for s in problem.stops], dtype=np.int64)
    bases = {v.start_location for v in problem.vehicles}
    sources = np.array(sorted(set(locs.tolist()) | bases), dtype=np.int64)
    shared = {
        loc
        for loc, n in zip(*np.unique(locs, return_counts=True), strict=True)
        if n > 1 or loc in bases
    }
    minutes = np.empty(len(locs))
    km = np.empty(len(locs))
    for i, loc in enumerate(locs):
        if loc in shared:
            minutes[i] = km[i] = 0.0
            continue
        rows = sources[sources != loc]
        if len(rows) == 0:
            minutes[i] = km[i] = 0.0
            continue
        minutes[i] = float(np.min(problem.durations[rows, loc]))
        km[i] = float(np.min(problem.distances[rows, loc]))
    return minutes, km


def _day_minutes(veh) -> float:
    """The longest working day of a vehicle, minutes."""
    per_day = veh.shift.end - veh.shift.start
    return min(per_day, veh.max_work) if veh.max_work is not None else per_day


CLOSURE_MAX_PLACES = 1000  # Floyd-Warshall is cubic: above this, only the first time rule


def _base_legs(problem: Problem) -> np.ndarray | None:
    """``legs[v, s]``: shortest-path minutes from vehicle ``v``'s base to stop ``s``'s place plus
    from there to its end base (None above :data:`CLOSURE_MAX_PLACES` places). Shortest paths
    (the metric closure of the matrix) make the triangle inequality hold, which the second time
    rule needs."""
    locs = np.array([s.location for s in problem.stops], dtype=np.int64)
    bases = [b for v in problem.vehicles for b in (v.start_location, v.end_location)]
    places = np.array(sorted(set(locs.tolist()) | set(bases)), dtype=np.int64)
    if len(places) > CLOSURE_MAX_PLACES:
        return None
    d = np.asarray(problem.durations[np.ix_(places, places)], dtype=np.float64)
    for k in range(len(places)):
        np.minimum(d, d[:, k : k + 1] + d[k : k + 1, :], out=d)
    at = {p: i for i, p in enumerate(places.tolist())}
    cols = [at[loc] for loc in locs.tolist()]
    legs = np.empty((len(problem.vehicles), len(locs)))
    for v, veh in enumerate(problem.vehicles):
        legs[v] = d[at[veh.start_location], cols] + d[cols, at[veh.end_location]]
    return legs


def value_bound(
    problem: Problem,
    *,
    own_values: bool = True,
    integer: bool = False,
    time_limit: float = 10.0,
) -> ValueBound:
    """The relaxation's optimum (see the module docstring): a bound on need served plus the own
    values of optional stops, or on need served alone with ``own_values=False``.
    ``integer=True`` keeps the stops' choices whole (a mixed-integer program, SCIP, its best
    proven bound after ``time_limit`` seconds): tighter, slower."""
    t0 = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("SCIP" if integer else "GLOP")
    if integer:
        solver.SetTimeLimit(int(time_limit * 1000))
    days = problem.horizon.days
    arrive_min, arrive_km = _shortest_arrivals(problem)
    legs = _base_legs(problem)
    # Most visits a vehicle's day can hold: the day over the shortest stay it could make.
    most = []
    for veh in problem.vehicles:
        per_day = _day_minutes(veh)
        shortest = min((s.duration for s in problem.stops), default=per_day)
        m = int(per_day // shortest) if shortest > 0 else 10**9
        if veh.max_stops_per_day is not None:
            m = min(m, veh.max_stops_per_day)
        most.append(max(m, 1))
    budget = problem.budget
    x: dict[tuple[int, int], pywraplp.Variable] = {}
    time_used = {v: [] for v in range(len(problem.vehicles))}
    time_by_legs = {v: [] for v in range(len(problem.vehicles))}
    visits = {v: [] for v in range(len(problem.vehicles))}
    spend = []
    served = {}
    for s, stop in enumerate(problem.stops):
        patterns = problem.stop_patterns(stop)
        terms = []
        for v, veh in enumerate(problem.vehicles):
            if not (
                stop.features <= veh.features
                and stop.seats <= veh.seats
                and (stop.vehicles is None or veh.id in stop.vehicles)
            ):
                continue
            fitting = [p for p in patterns if all(veh.works_on(days[d]) for d in p)]
            if not fitting:
                continue
            k = min(len(p) for p in fitting)
            var = (solver.IntVar if integer else solver.NumVar)(0.0, 1.0, f"x_{s}_{v}")
            x[s, v] = var
            terms.append(var)
            time_used[v].append(k * (stop.duration + arrive_min[s]) * var)
            if legs is not None:
                time_by_legs[v].append(k * (stop.duration + legs[v, s] / most[v]) * var)
            visits[v].append(k * var)
            if budget is not None:
                hours = (stop.duration + arrive_min[s]) / 60.0
                euros = budget.per_km.get(veh.id, 0.0) * arrive_km[s]
                euros += budget.per_work_hour.get(veh.id, 0.0) * hours
                spend.append(k * euros * var)
        if stop.mandatory and not terms:
            raise ValueError(f"mandatory stop {stop.id} fits no vehicle: no plan exists")
        if terms:
            total = solver.Sum(terms)
            solver.Add(total == 1.0 if stop.mandatory else total <= 1.0)
            served[stop.id] = total
    for v, veh in enumerate(problem.vehicles):
        working = sum(1 for day in days if veh.works_on(day))
        per_day = _day_minutes(veh)
        if time_used[v]:
            solver.Add(solver.Sum(time_used[v]) <= working * per_day)
        if time_by_legs[v]:
            solver.Add(solver.Sum(time_by_legs[v]) <= working * per_day)
        if veh.max_stops_per_day is not None and visits[v]:
            solver.Add(solver.Sum(visits[v]) <= working * veh.max_stops_per_day)
    if budget is not None and spend:
        solver.Add(solver.Sum(spend) <= budget.max_per_year - budget.fixed_per_year)
    objective = []
    by_commune: dict[int, list[pywraplp.Variable]] = {}
    for r in problem.reach:
        commune = problem.communes[r.commune]
        gain = commune.need * (r.level - commune.existing)
        if gain <= 0 or served.get(r.stop) is None:
            continue
        y = solver.NumVar(0.0, 1.0, f"y_{r.commune}_{r.stop}")
        solver.Add(y <= served[r.stop])
        by_commune.setdefault(r.commune, []).append(y)
        objective.append(gain * y)
    for ys in by_commune.values():
        if len(ys) > 1:
            solver.Add(solver.Sum(ys) <= 1.0)
    for stop in problem.stops if own_values else ():
        if not stop.mandatory and stop.value and served.get(stop.id) is not None:
            objective.append(stop.value * served[stop.id])
    solver.Maximize(solver.Sum(objective))
    status = solver.Solve()
    if status == pywraplp.Solver.OPTIMAL:
        value = float(solver.Objective().Value())
    elif integer and status == pywraplp.Solver.FEASIBLE:  # stopped by the time limit
        value = float(solver.Objective().BestBound())
    else:
        raise ValueError(f"the relaxation has no optimum (status {status}): no plan exists")
    return ValueBound(
        value=value,
        variables=solver.NumVariables(),
        seconds=round(time.perf_counter() - t0, 3),
    )
