"""Deterministic mode gives the same plan on a loaded machine: the wall clock is only a safety
net, far beyond the time limit (planner.engine.base.DETERMINISTIC_SAFETY_FACTOR)."""

from __future__ import annotations

import numpy as np

from planner.engine.base import DETERMINISTIC_SAFETY_FACTOR, SolveOptions
from planner.engine.periodic import PeriodicEngine
from planner.tours.validator import validate
from support.engine_cases import Frequency, Horizon, grid_problem, stop, van


def _problem():
    rng = np.random.default_rng(3)
    points = [(0.0, 0.0)] + [tuple(p) for p in rng.uniform(-20, 20, size=(24, 2))]
    stops = [
        stop(f"s{i}", i, 30.0, frequency=Frequency.WEEKLY if i % 3 else Frequency.FORTNIGHTLY)
        for i in range(1, len(points))
    ]
    return grid_problem(points, stops, [van("a"), van("b")], horizon=Horizon(weeks=2))


class _StepClock:
    """A clock that moves ``step`` seconds at every reading: elapsed time grows with the work
    done, as on a slow machine, but the same way on every machine."""

    def __init__(self, step: float):
        self.step, self.now, self.readings = step, 0.0, 0

    def __call__(self) -> float:
        self.readings += 1
        self.now += self.step
        return self.now


def test_a_machine_twice_slower_than_the_budget_assumes_gets_the_same_plan():
    problem = _problem()
    options = SolveOptions(time_limit=0.5, seed=4, deterministic=True)
    counting = _StepClock(0.0)
    quiet = PeriodicEngine(clock=counting).solve(problem, options)
    # The same work seen by a clock that reaches twice the time limit by the end of the run.
    slow = _StepClock(2 * options.time_limit / counting.readings)
    loaded = PeriodicEngine(clock=slow).solve(problem, options)
    assert slow.now > options.time_limit  # the old safety net (the time limit) would have cut it
    assert validate(problem, quiet).ok and validate(problem, loaded).ok
    assert loaded.to_dict()["routes"] == quiet.to_dict()["routes"]
    assert not loaded.meta.figures.get("budget_cut_by_time_limit")


def test_the_safety_net_is_the_time_limit_times_the_factor_in_deterministic_mode_only():
    assert (
        SolveOptions(time_limit=3, deterministic=True).wall_limit == 3 * DETERMINISTIC_SAFETY_FACTOR
    )
    assert SolveOptions(time_limit=3).wall_limit == 3
