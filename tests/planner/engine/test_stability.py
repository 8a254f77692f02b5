"""Published days and times: the engine keeps them unless a change pays (issue 9, point 3)."""

from __future__ import annotations

import pytest

from planner.engine import SolveOptions, get_engine
from planner.engine.arrays import KernelProblem
from planner.engine.data import Compiled
from planner.engine.periodic import _restore_published
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


def _swapped():
    """Two communes, each published on the other's day, one stop a day: only moving both at
    once gives both their days back."""
    problem = grid_problem(
        [(0, 0), (10, 0), (0, 10)],
        [
            stop("a", 1, published=Published((MON,), start=600.0)),
            stop("b", 2, published=Published((TUE,), start=600.0)),
        ],
        [van(max_stops_per_day=1)],
        horizon=Horizon(weeks=1, weekdays=(0, 1)),
        objective=Objective(day_change_penalty=100.0, time_change_penalty=10.0),
    )
    kp = KernelProblem(Compiled(problem))
    return kp, {kp.cp.slot_of[(0, TUE)]: [0], kp.cp.slot_of[(0, MON)]: [1]}


def test_an_ejection_chain_gives_back_swapped_published_days(engine):
    kp, routes = _swapped()
    st, spare = kp.new_state(), kp.new_state()
    assert kp.load(st, routes) == []
    before = kp.objective(st)
    assert before == pytest.approx(kp.route_cost(st) + 200.0)
    assert _restore_published(kp, st, spare, 1) == 1
    assert kp.objective(st) == pytest.approx(kp.route_cost(st))  # both days and times kept
    days = {s: kp.choice(int(st.assign[s])).pattern for s in range(2)}
    assert days == {0: (MON,), 1: (TUE,)}


def test_load_takes_the_time_variant_that_fits_the_starts(engine):
    kp, routes = _swapped()
    kept = {kp.cp.slot_of[(0, MON)]: [0], kp.cp.slot_of[(0, TUE)]: [1]}
    st = kp.new_state()
    kp.load(st, kept, starts={0: [605.0], 1: [700.0]})
    extra = [float(kp.inst.ch_extra[int(st.assign[s])]) for s in range(2)]
    assert extra == [0.0, 10.0]  # a at its time; b on its day at another time
    assert st.band_lo[0] == pytest.approx(585.0) and st.band_hi[0] == pytest.approx(615.0)
    kp.load(st, kept)  # no starts known: the variants without a band
    assert [float(kp.inst.ch_extra[int(st.assign[s])]) for s in range(2)] == [10.0, 10.0]
