"""The proven upper bound on the value of any plan (planner/engine/bound.py): hand-made cases
computed by hand, and the bound never below the value of a plan the engine finds."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.engine import SolveOptions, get_engine
from planner.engine.bound import value_bound
from planner.errors import InfeasibleError
from planner.tours.model import Budget, Commune, Reach
from planner.tours.validator import validate
from planner.tours.value import plan_value
from support.engine_cases import TimeWindow, grid_problem, stop, van
from support.strategies import problems


def _two_stops(shift_end: float, **kw):
    """Base at 0; stops a and b 10 km either side (1 km per minute), 60 min each; each is the
    only stop reaching its own commune of need 100 (level 1)."""
    problem = grid_problem(
        [(0, 0), (10, 0), (-10, 0)],
        [stop("a", 1, 60.0, mandatory=False), stop("b", 2, 60.0, mandatory=False)],
        [van(shift=TimeWindow(0, shift_end))],
        **kw,
    )
    return replace(
        problem,
        communes=(Commune("1", "Un", 100.0), Commune("2", "Deux", 100.0)),
        reach=(Reach("a", 0, 1.0), Reach("b", 1, 1.0)),
    )


def test_need_is_counted_once_at_the_best_level():
    problem = grid_problem(
        [(0, 0), (5, 0), (6, 0)],
        [stop("a", 1, mandatory=False), stop("b", 2, mandatory=False)],
        [van()],
    )
    problem = replace(
        problem,
        communes=(Commune("1", "Un", 100.0, existing=0.2),),
        reach=(Reach("a", 0, 1.0), Reach("b", 0, 0.5)),
    )
    # both stops fit easily; the commune counts once, at level 1: 100 × (1 − 0.2)
    assert value_bound(problem).value == pytest.approx(80.0)


def test_working_time_bounds_the_visits():
    # 100 min a day. Rule 1: a visit costs at least 60 min + 10 min of drive in: 100/70 visits.
    # Rule 2: a day holds at most 1 visit of 60 min, so each costs 60 + its whole round trip
    # (20 min): 100/80 visits. The bound takes both: 125. (The truth: one stop, 100.)
    assert value_bound(_two_stops(100.0)).value == pytest.approx(100.0 * 100.0 / 80.0)
    assert value_bound(_two_stops(1000.0)).value == pytest.approx(200.0)  # both fit


def test_a_budget_bounds_the_visits():
    problem = _two_stops(1000.0)
    # 1 € per km and 60 € per working hour: a visit costs at least 10 + 70 = 80 €
    budget = Budget(
        max_per_year=1120.0,
        fixed_per_year=1000.0,
        per_km={"van": 1.0},
        per_work_hour={"van": 60.0},
    )
    bounded = value_bound(replace(problem, budget=budget)).value
    assert bounded == pytest.approx(100.0 * 120.0 / 80.0)


def test_a_mandatory_stop_no_vehicle_may_serve_is_an_error():
    problem = grid_problem([(0, 0), (5, 0)], [stop("a", 1, features=frozenset({"rampe"}))], [van()])
    with pytest.raises(ValueError, match="mandatory stop a fits no vehicle"):
        value_bound(problem)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(problems(max_stops=6), problems(max_stops=6, generous=True)), st.data())
def test_no_plan_the_engine_finds_is_worth_more_than_the_bound(problem, data):
    n = len(problem.stops)
    communes = tuple(
        Commune(str(i), str(i), float(data.draw(st.integers(1, 500)))) for i in range(3)
    )
    reach = tuple(
        Reach(s.id, data.draw(st.integers(0, 2)), data.draw(st.sampled_from([0.3, 0.6, 1.0])))
        for s in problem.stops[: max(1, n - 1)]
    )
    problem = replace(problem, communes=communes, reach=reach)
    try:
        plan = get_engine().solve(
            problem, SolveOptions(time_limit=5.0, deterministic=True, iterations=300)
        )
    except InfeasibleError:
        return
    assert validate(problem, plan).ok
    served = {v.stop for r in plan.routes for v in r.visits}
    assert plan_value(problem, served) <= value_bound(problem).value + 1e-6
