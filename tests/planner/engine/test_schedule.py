"""The kernel's exact timing of a route: latest departure, lunch at the base or while waiting."""

from __future__ import annotations

import numpy as np
import pytest

from planner.engine.arrays import KernelProblem
from planner.engine.data import Compiled
from planner.tours.model import Horizon, Location, Problem
from planner.tours.plan import Plan
from planner.tours.validator import validate
from support.engine_cases import Lunch, TimeWindow, stop, van


def _problem(stops, vehicle, minutes=10.0):
    n = 1 + len(stops)
    m = np.full((n, n), minutes)
    np.fill_diagonal(m, 0.0)
    return Problem(
        Horizon.plain(1),
        tuple(Location(str(i), str(i)) for i in range(n)),
        m,
        m,
        tuple(stops),
        (vehicle,),
    )


def _timed(problem, order):
    kp = KernelProblem(Compiled(problem))
    st = kp.new_state()
    kp.load(st, {0: order})
    routes, bad = kp.timed_routes(st)
    assert not bad
    plan = Plan(routes=routes)
    report = validate(problem, plan)
    assert report.ok, report.lines(5)
    return routes[0]


def test_departure_is_as_late_as_the_first_window_allows():
    vehicle = van(shift=TimeWindow(480, 1080))
    problem = _problem([stop("a", 1, 60.0, windows=(TimeWindow(600, 600),))], vehicle, 30.0)
    route = _timed(problem, [0])
    assert route.depart == pytest.approx(570.0)
    assert route.visits[0].arrival == pytest.approx(600.0)
    assert route.ret == pytest.approx(690.0)


def test_lunch_at_the_base_before_leaving_for_an_afternoon_stop():
    vehicle = van(shift=TimeWindow(480, 1080), lunch=Lunch(TimeWindow(720, 750), 30.0))
    problem = _problem([stop("a", 1, 60.0, windows=(TimeWindow(780, 780),))], vehicle, 30.0)
    route = _timed(problem, [0])
    assert route.depart == pytest.approx(750.0)
    assert route.lunch is not None and route.lunch[1] <= route.depart + 1e-9


def test_lunch_while_waiting_between_a_morning_and_an_afternoon_stop():
    vehicle = van(shift=TimeWindow(480, 1080), lunch=Lunch(TimeWindow(690, 720), 45.0))
    stops = [
        stop("a", 1, 120.0, windows=(TimeWindow(540, 540),)),
        stop("b", 2, 60.0, windows=(TimeWindow(780, 780),)),
    ]
    route = _timed(_problem(stops, vehicle), [0, 1])
    b = route.visits[1]
    assert b.arrival == pytest.approx(670.0) and b.start == pytest.approx(780.0)
    assert route.lunch == pytest.approx((690.0, 735.0))
    assert b.arrival <= route.lunch[0] and route.lunch[1] <= b.start


def test_an_order_that_cannot_be_timed_is_reported():
    vehicle = van(shift=TimeWindow(480, 1080))
    stops = [
        stop("a", 1, 60.0, windows=(TimeWindow(600, 600),)),
        stop("b", 2, 60.0, windows=(TimeWindow(540, 540),)),
    ]
    problem = _problem(stops, vehicle)
    kp = KernelProblem(Compiled(problem))
    st = kp.new_state()
    kp.load(st, {0: [0, 1]})  # b must start before a ends: impossible in this order
    assert not st.rok[0]
    routes, bad = kp.timed_routes(st)
    assert bad == [0] and routes == []
