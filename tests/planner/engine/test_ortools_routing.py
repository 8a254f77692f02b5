"""The OR-Tools day-routing model: free single-visit stops move across days, regular stops are
pinned and keep their time, the lunch may fall inside a permanence; results time and validate."""

from __future__ import annotations

import pytest

from planner.engine.arrays import KernelProblem
from planner.engine.data import Choice, Compiled
from planner.engine.ortools_routing import DayRouting, RoutingParams
from planner.tours.plan import Plan
from planner.tours.validator import validate
from support.engine_cases import (
    Frequency,
    Horizon,
    Lunch,
    Objective,
    TimeWindow,
    grid_problem,
    stop,
    van,
)


def _plan_from(problem, result):
    kp = KernelProblem(Compiled(problem))
    st = kp.new_state()
    bands = {}
    tol = problem.objective.regularity_tolerance
    for (s, _d), t in result.starts.items():
        lo, _ = bands.get(s, (t, t))
        bands[s] = (min(lo, t), min(lo, t) + tol)
    assert kp.load(st, result.routes, bands) == []
    routes, bad = kp.timed_routes(st)
    assert not bad
    return Plan(routes=routes)


def test_capacity_spreads_single_visit_stops_over_two_days():
    stops = [stop(f"s{i}", i + 1, 10.0, demand=4.0, patterns=((0,), (1,))) for i in range(4)]
    problem = grid_problem(
        [(0, 0), (5, 0), (6, 1), (0, 5), (1, 6)],
        stops,
        [van(capacity=8.0)],
        horizon=Horizon.plain(2),
    )
    cp = Compiled(problem)
    model = DayRouting(cp, {}, list(range(4)), list(range(len(cp.slots))))
    result = model.solve(RoutingParams(time_limit=2.0))
    assert result is not None and sorted(result.routes) == [0, 1]
    assert all(len(seq) == 2 for seq in result.routes.values())
    plan = _plan_from(problem, result)
    assert validate(problem, plan).ok


def test_pinned_weekly_stop_keeps_its_vehicle_and_start_time():
    horizon = Horizon(weeks=2, weekdays=(0,))
    stops = [
        stop("hebdo", 1, 60.0, frequency=Frequency.WEEKLY, windows=(TimeWindow(540, 720),)),
        stop("once", 2, 60.0, frequency=Frequency.MONTHLY, windows=(TimeWindow(540, 545),)),
    ]
    problem = grid_problem(
        [(0, 0), (10, 0), (0, 10)],
        stops,
        [van("a", shift=TimeWindow(480, 1080)), van("b", shift=TimeWindow(480, 1080))],
        horizon=horizon,
        objective=Objective(regularity_tolerance=0.0),
    )
    cp = Compiled(problem)
    model = DayRouting(cp, {0: Choice((0, 1), 1)}, [1], list(range(len(cp.slots))))
    result = model.solve(RoutingParams(time_limit=2.0))
    assert result is not None
    days = {cp.slots[r] for r, seq in result.routes.items() if 0 in seq}
    assert days == {(1, 0), (1, 1)}
    assert result.starts[(0, 0)] == pytest.approx(result.starts[(0, 1)])
    assert validate(problem, _plan_from(problem, result)).ok


def test_lunch_inside_a_permanence_is_accepted():
    vehicle = van(shift=TimeWindow(480, 1080), lunch=Lunch(TimeWindow(720, 750), 60.0))
    day_long = stop("journee", 1, 420.0, windows=(TimeWindow(540, 540),))
    problem = grid_problem([(0, 0), (30, 0)], [day_long], [vehicle])
    cp = Compiled(problem)
    result = DayRouting(cp, {}, [0], [0]).solve(RoutingParams(time_limit=1.0))
    assert result is not None and result.routes == {0: [0]}
    plan = _plan_from(problem, result)
    assert validate(problem, plan).ok
    visit = plan.routes[0].visits[0]
    assert visit.end - visit.start == pytest.approx(480.0)


def test_warm_start_with_an_impossible_route_returns_none():
    stops = [
        stop("a", 1, 30.0, windows=(TimeWindow(600, 600),)),
        stop("b", 2, 30.0, windows=(TimeWindow(540, 540),)),
    ]
    problem = grid_problem(
        [(0, 0), (5, 0), (0, 5)],
        stops,
        [van(shift=TimeWindow(480, 1080))],
        horizon=Horizon.plain(1),
    )
    cp = Compiled(problem)
    model = DayRouting(cp, {}, [0, 1], [0])
    assert model.solve(RoutingParams(time_limit=1.0), initial={0: [0, 1]}) is None
    result = model.solve(RoutingParams(time_limit=1.0), initial={0: [1, 0]})
    assert result is not None and result.routes == {0: [1, 0]}
