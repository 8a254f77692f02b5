"""Property: every plan the engine returns on a random small problem passes the validator.

Problems come from the shared strategies (``tests/support/strategies.py``): feasible by
construction (a reference greedy plan serves every mandatory stop). The engine must then return a
valid plan that serves every mandatory stop; it may not answer InfeasibleError.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from planner.engine import SolveOptions, get_engine
from planner.tours.validator import validate
from support.strategies import feasible_problems

ENGINE = get_engine("periodic")
OPTIONS = SolveOptions(time_limit=5, seed=0, deterministic=True, iterations=300)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_problems())
def test_engine_plans_pass_the_validator(case):
    problem, witness = case
    plan = ENGINE.solve(problem, OPTIONS)
    report = validate(problem, plan)
    assert report.ok, report.lines(5)
    assert report.figures.mandatory_served == report.figures.mandatory_total


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_problems(calendar=True, max_stops=5))
def test_warm_start_from_the_reference_plan_stays_valid(case):
    problem, witness = case
    plan = ENGINE.solve(problem, OPTIONS, initial=witness)
    assert validate(problem, plan).ok
