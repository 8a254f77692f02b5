"""The parallel portfolio (SolveOptions.threads >= 2): reproducible in deterministic mode, valid
plans whose objective matches a recomputation, and threads=1 unchanged."""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import pytest

from planner.engine.base import SolveOptions
from planner.engine.periodic import PeriodicEngine
from planner.tours.validator import validate
from support.engine_cases import Frequency, Horizon, TimeWindow, grid_problem, stop, van

# Routes of the deterministic plan of _problem() (seed 7, 0.5 s of work, threads unset),
# recorded on the tree before the portfolio existed (commit 47d4e9d: "b5cec6505d427a79", 438.4
# km, which Tuning(local_search=0) still gives), then again when the local search was turned on
# for calendar horizons (392.7 km).
FINGERPRINT = "f4e061baf835a872"


def _problem():
    rng = np.random.default_rng(11)
    points = [(0.0, 0.0)] + [tuple(p) for p in rng.uniform(-20, 20, size=(30, 2))]
    stops = [
        stop(f"s{i}", i, 20.0, frequency=Frequency.WEEKLY if i % 3 else Frequency.FORTNIGHTLY)
        for i in range(1, len(points))
    ]
    vans = [van(v, shift=TimeWindow(8 * 60, 17 * 60)) for v in "abc"]
    return grid_problem(points, stops, vans, horizon=Horizon(weeks=2))


def _fingerprint(plan) -> str:
    routes = [(r.vehicle, r.day, [v.stop for v in r.visits]) for r in plan.routes]
    return hashlib.sha256(repr(routes).encode()).hexdigest()[:16]


def _km(problem, plan) -> float:
    """Driving km of a plan, from the problem's matrix (the objective with default weights)."""
    loc = {s.id: s.location for s in problem.stops}
    veh = {v.id: v for v in problem.vehicles}
    total = 0.0
    for r in plan.routes:
        path = (
            [veh[r.vehicle].start_location]
            + [loc[v.stop] for v in r.visits]
            + [veh[r.vehicle].end_location]
        )
        total += sum(float(problem.distances[a, b]) for a, b in zip(path, path[1:]))
    return total


def test_threads_1_gives_the_plan_of_the_single_search():
    problem = _problem()
    options = SolveOptions(time_limit=0.5, seed=7, deterministic=True)
    plan = PeriodicEngine().solve(problem, options)
    assert _fingerprint(plan) == FINGERPRINT
    assert plan.meta.figures["threads"] == 1
    same = PeriodicEngine().solve(
        problem, SolveOptions(time_limit=0.5, seed=7, deterministic=True, threads=1)
    )
    assert same.to_dict() == plan.to_dict()


@pytest.mark.skipif(len(__import__("os").sched_getaffinity(0)) < 2, reason="needs 2 CPUs")
def test_two_threads_in_deterministic_mode_give_the_same_valid_plan_twice():
    problem = _problem()
    options = SolveOptions(time_limit=0.5, seed=7, deterministic=True, threads=2)
    # A clock that never moves: the safety net cannot cut the budget, whatever the load.
    first = PeriodicEngine(clock=lambda: 0.0).solve(problem, options)
    second = PeriodicEngine(clock=lambda: 0.0).solve(problem, options)
    assert first.to_dict() == second.to_dict()  # byte-identical plans, meta included
    report = validate(problem, first)
    assert report.ok, report.lines(5)
    assert not first.unserved
    # Every stop is mandatory and the weights are km only: the objective is the driving km.
    assert first.meta.objective == pytest.approx(_km(problem, first), abs=1e-4)
    assert first.meta.objective == pytest.approx(report.figures.km, abs=1e-4)
    figures = first.meta.figures
    assert figures["threads"] == 2
    # Each thread gets the single search's budget (0.5 s x 4000 iterations per second).
    assert figures["iterations"] == 2 * 2000
    assert not figures.get("budget_cut_by_time_limit")


def test_two_threads_with_the_wall_clock_give_a_valid_plan():
    problem = _problem()
    events = []
    plan = PeriodicEngine().solve(
        problem, SolveOptions(time_limit=1.0, seed=3, threads=2), progress=events.append
    )
    report = validate(problem, plan)
    assert report.ok, report.lines(5)
    assert plan.meta.objective == pytest.approx(_km(problem, plan), abs=1e-4)
    assert plan.meta.figures["iterations"] > 0
    assert events[-1].phase == "done"


def test_threads_are_capped_to_the_cpus(monkeypatch):
    monkeypatch.setattr("planner.engine.periodic.os.cpu_count", lambda: 1)
    problem = _problem()
    plan = PeriodicEngine().solve(
        problem, SolveOptions(time_limit=0.2, seed=7, deterministic=True, threads=4)
    )
    assert plan.meta.figures["threads"] == 1
    assert "capped" in plan.meta.figures["threads_capped"]
    assert _fingerprint(plan) == _fingerprint(
        PeriodicEngine().solve(problem, SolveOptions(time_limit=0.2, seed=7, deterministic=True))
    )


def test_an_error_in_the_progress_callback_stops_every_thread():
    class Stop(Exception):
        pass

    def progress(event):
        if event.phase == "search":
            raise Stop

    before = threading.active_count()
    with pytest.raises(Stop):
        PeriodicEngine().solve(
            _problem(), SolveOptions(time_limit=1.0, seed=7, threads=2), progress=progress
        )
    assert threading.active_count() == before  # the search threads were joined
