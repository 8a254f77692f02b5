"""Published days and times: the engine keeps them unless a change pays (issue 9, point 3)."""

from __future__ import annotations

import pytest

from planner.engine import SolveOptions, get_engine
from planner.tours.model import Published
from planner.tours.validator import validate
from support.engine_cases import Horizon, Objective, TimeWindow, grid_problem, stop, van

FAST = SolveOptions(time_limit=5, seed=1, deterministic=True, iterations=800)
MON, TUE = 0, 1


@pytest.fixture(scope="module")
def engine():
    return get_engine("periodic")


def _two_neighbours(day_change: float, **objective):
    """Two neighbouring communes 10 km from the base, published on different days: serving both
    on the same day saves about 19 km."""
    return grid_problem(
        [(0, 0), (10, 0), (10, 1)],
        [
            stop("a", 1, published=Published((MON,))),
            stop("b", 2, published=Published((TUE,))),
        ],
        [van()],
        horizon=Horizon(weeks=1, weekdays=(0, 1)),
        objective=Objective(day_change_penalty=day_change, **objective),
    )


def _days(plan) -> dict[str, int]:
    return {v.stop: r.day for r in plan.routes for v in r.visits}


def _solve(engine, problem):
    plan = engine.solve(problem, FAST)
    report = validate(problem, plan)
    assert report.ok, report.lines(5)
    return plan, report


def test_a_day_change_dearer_than_any_saving_keeps_every_published_day(engine):
    plan, report = _solve(engine, _two_neighbours(day_change=100.0))
    assert _days(plan) == {"a": MON, "b": TUE}
    assert report.figures.published_kept == 2


def test_without_penalty_the_cheaper_reshuffle_happens(engine):
    plan, report = _solve(engine, _two_neighbours(day_change=0.0))
    days = _days(plan)
    assert days["a"] == days["b"]  # one trip serves both
    assert report.figures.km == pytest.approx(10 + 1 + (101**0.5))
    assert report.figures.published_day_changed == 1


def test_a_penalty_smaller_than_the_saving_lets_the_day_change(engine):
    plan, _ = _solve(engine, _two_neighbours(day_change=5.0))  # saves ~19 km for 5
    days = _days(plan)
    assert days["a"] == days["b"]
    assert plan.meta.objective == pytest.approx(plan.meta.cost + 5.0)


def _timed(time_change: float, window=(540.0, 720.0)):
    """One commune published on Monday at 10:00; the engine's favourite start is the window's
    end (latest departure), so keeping 10:00 must be asked for."""
    return grid_problem(
        [(0, 0), (10, 0)],
        [
            stop(
                "a",
                1,
                windows=(TimeWindow(*window),),
                published=Published((MON,), start=600.0),
            )
        ],
        [van()],
        horizon=Horizon(weeks=1, weekdays=(0, 1)),
        objective=Objective(
            day_change_penalty=100.0, time_change_penalty=time_change, time_tolerance=15.0
        ),
    )


def _start(plan) -> float:
    (visit,) = [v for r in plan.routes for v in r.visits]
    return visit.start


def test_the_published_time_is_kept_when_changing_it_costs(engine):
    plan, report = _solve(engine, _timed(time_change=50.0))
    assert 585.0 - 1e-6 <= _start(plan) <= 615.0 + 1e-6
    assert _days(plan) == {"a": MON}
    assert report.figures.published_kept == 1
    assert plan.meta.objective == pytest.approx(plan.meta.cost)


def test_without_time_penalty_the_start_is_free(engine):
    plan, report = _solve(engine, _timed(time_change=0.0))
    assert _start(plan) == pytest.approx(720.0)
    assert report.figures.published_time_changed == 1


def test_a_published_time_outside_the_windows_costs_the_time_penalty(engine):
    plan, report = _solve(engine, _timed(time_change=50.0, window=(660.0, 720.0)))
    assert _days(plan) == {"a": MON}  # the day is kept, the time cannot be
    assert plan.meta.objective == pytest.approx(plan.meta.cost + 50.0)
    assert report.figures.published_time_changed == 1


def test_another_vehicle_than_the_published_one_moves_every_visit(engine):
    problem = grid_problem(
        [(0, 0), (10, 0)],
        [stop("a", 1, published=Published((MON,), vehicle="v2"))],
        [van("v1"), van("v2", days_off=frozenset({TUE}))],
        horizon=Horizon(weeks=1, weekdays=(0, 1)),
        objective=Objective(day_change_penalty=100.0),
    )
    plan, _ = _solve(engine, problem)
    (route,) = plan.routes
    assert (route.vehicle, route.day) == ("v2", MON)
