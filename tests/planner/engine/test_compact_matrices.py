"""Travel matrices in float32 (as routers give them) plan exactly as the same values in float64:
the engine reads them without copies and computes in float64, the validator checks the plans."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.engine.base import SolveOptions
from planner.engine.data import Compiled
from planner.engine.periodic import PeriodicEngine, _inputs
from planner.tours.feasibility import _min_travel
from planner.tours.model import Objective
from planner.tours.validator import validate
from support.engine_cases import Frequency, Horizon, TimeWindow, grid_problem, stop, van


def _pair(objective=None):
    """The same problem twice: float32 matrices, and their exact float64 values."""
    rng = np.random.default_rng(11)
    points = [(0.0, 0.0)] + [tuple(p) for p in rng.uniform(-25, 25, size=(20, 2))]
    stops = [
        stop(
            f"s{i}",
            i,
            20.0 + 5 * (i % 4),
            frequency=Frequency.WEEKLY if i % 3 else Frequency.FORTNIGHTLY,
            mandatory=i % 2 == 0,
            value=float(i),
        )
        for i in range(1, len(points))
    ]
    vans = [van("a", shift=TimeWindow(480, 1020)), van("b", shift=TimeWindow(480, 1020))]
    p64 = grid_problem(points, stops, vans, horizon=Horizon(weeks=2), objective=objective)
    # Durations at 0.7 km per minute: float32 rounding then differs from the float64 values.
    dur32 = (p64.distances / 0.7).astype(np.float32)
    km32 = p64.distances.astype(np.float32)
    p32 = replace(p64, durations=dur32, distances=km32)
    p64 = replace(p64, durations=dur32.astype(np.float64), distances=km32.astype(np.float64))
    return p32, p64


def test_the_engine_reads_the_problems_float32_matrices_without_a_copy():
    p32, _ = _pair()
    cp = Compiled(p32)
    assert cp.dur.dtype == np.float32 and np.shares_memory(cp.dur, p32.durations)
    assert cp.dist.dtype == np.float32 and np.shares_memory(cp.dist, p32.distances)
    assert cp.cost is cp.dist  # default weights: the cost is the distance itself


def test_a_weighted_cost_is_computed_in_float64_from_the_float32_values():
    objective = Objective(km_weight=0.3, hour_weight=7.0)
    p32, p64 = _pair(objective)
    c32, c64 = Compiled(p32).cost, Compiled(p64).cost
    assert c32.dtype == np.float64
    np.testing.assert_array_equal(c32, c64)
    # ... and not the float32 arithmetic, which rounds differently.
    rounded = np.float32(0.3) * p32.distances + np.float32(7.0) * p32.durations / np.float32(60)
    assert not np.array_equal(c32, rounded.astype(np.float64))


@pytest.mark.parametrize("objective", [None, Objective(km_weight=0.3, hour_weight=7.0)])
def test_float32_and_float64_matrices_give_the_same_plan_and_both_are_valid(objective):
    p32, p64 = _pair(objective)
    options = SolveOptions(time_limit=0.5, seed=2, deterministic=True)
    # A clock that never moves: the deterministic budget of iterations alone ends the search,
    # not the wall-clock safety net (which loading the compiled kernel could reach).
    plan32 = PeriodicEngine(clock=lambda: 0.0).solve(p32, options)
    plan64 = PeriodicEngine(clock=lambda: 0.0).solve(p64, options)
    assert validate(p32, plan32).ok and validate(p64, plan64).ok
    assert plan32.to_dict()["routes"] == plan64.to_dict()["routes"]
    assert plan32.served_stops()  # a plan with routes, not two empty ones


def test_the_problem_digest_does_not_depend_on_the_dtype_or_the_blocks():
    p32, p64 = _pair()
    assert _inputs(p32)["sha256"] == _inputs(p64)["sha256"]
    p64b = replace(p64, durations=p64.durations + 1e-9)
    assert _inputs(p64b)["sha256"] != _inputs(p64)["sha256"]


def test_shortest_legs_by_blocks_equal_the_whole_matrix():
    p32, p64 = _pair()
    whole = _min_travel(p64, block=10_000)
    for block in (1, 3, 7):
        for p in (p32, p64):
            into, out = _min_travel(p, block=block)
            assert into.dtype == np.float64
            np.testing.assert_array_equal(into, whole[0])
            np.testing.assert_array_equal(out, whole[1])
    # By hand: the shortest leg into stop 1 from another stop or the base.
    locs = [s.location for s in p64.stops]
    legs = [p64.durations[j, 1] for j in [0] + locs if j != 1]
    assert whole[0][0] == min(legs)
