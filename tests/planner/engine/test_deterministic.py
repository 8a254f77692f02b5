"""Deterministic mode gives the same plan on a loaded machine: the wall clock is only a safety
net, far beyond the time limit (planner.engine.base.DETERMINISTIC_SAFETY_FACTOR)."""

from __future__ import annotations

import time

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


class _LoadedClock:
    """A clock running ``factor`` times faster than real time: a machine that much slower."""

    def __init__(self, factor: float):
        self.factor, self.t0 = factor, time.perf_counter()

    def __call__(self) -> float:
        return (time.perf_counter() - self.t0) * self.factor


def test_a_machine_several_times_slower_gets_the_same_plan():
    problem = _problem()
    options = SolveOptions(time_limit=0.5, seed=4, deterministic=True)
    quiet = PeriodicEngine().solve(problem, options)
    loaded = PeriodicEngine(clock=_LoadedClock(DETERMINISTIC_SAFETY_FACTOR / 2)).solve(
        problem, options
    )
    assert validate(problem, quiet).ok and validate(problem, loaded).ok
    assert loaded.to_dict()["routes"] == quiet.to_dict()["routes"]
    assert not loaded.meta.figures.get("budget_cut_by_time_limit")


def test_the_safety_net_is_the_time_limit_times_the_factor_in_deterministic_mode_only():
    assert (
        SolveOptions(time_limit=3, deterministic=True).wall_limit == 3 * DETERMINISTIC_SAFETY_FACTOR
    )
    assert SolveOptions(time_limit=3).wall_limit == 3
