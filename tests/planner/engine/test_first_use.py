"""The first run on a machine plans with the uncompiled kernel while it compiles elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from planner.engine import first_use
from planner.engine.base import SolveOptions
from planner.engine.periodic import PeriodicEngine
from planner.errors import InfeasibleError
from planner.tours.model import Horizon, Location, Problem, Stop, TimeWindow, Vehicle
from planner.tours.validator import validate


def _problem(impossible: bool = False) -> Problem:
    """One van, two days, five places on a line; stop e is mandatory and, when ``impossible``,
    open only at a time the van cannot reach it."""
    xs = np.array([0.0, 10.0, 20.0, 30.0, 40.0, 50.0])
    m = np.abs(xs[:, None] - xs[None, :]).astype(np.float32)
    window = (TimeWindow(0.0, 1.0),) if impossible else ()
    return Problem(
        horizon=Horizon.plain(2),
        locations=tuple(Location(str(i), str(i)) for i in range(6)),
        durations=m,
        distances=m,
        stops=(
            Stop("a", "a", 1, 30.0, value=5.0, mandatory=False),
            Stop("b", "b", 2, 30.0, value=5.0, mandatory=False),
            Stop("c", "c", 3, 30.0, patterns=((0, 1),)),
            Stop("d", "d", 4, 30.0),
            Stop("e", "e", 5, 30.0, windows=window),
        ),
        vehicles=(Vehicle("v", "v", 0, 0, shift=TimeWindow(480.0, 1020.0)),),
    )


@pytest.fixture
def cold_kernel(monkeypatch):
    """The kernel is not in numba's cache, and no compiling process is started."""
    started = []
    monkeypatch.setattr(first_use, "kernel_cached", lambda *version: False)
    monkeypatch.setattr(
        "planner.engine.periodic.kernel_cached", lambda *version: False, raising=True
    )
    monkeypatch.setattr(
        "planner.engine.periodic.compile_in_background",
        lambda *version: started.append(version) or True,
    )
    return started


def test_a_first_run_plans_uncompiled_and_starts_compiling_for_the_next(cold_kernel):
    problem = _problem()
    events = []
    options = SolveOptions(time_limit=2.0, while_compiling="interpret")
    plan = PeriodicEngine().solve(problem, options, progress=events.append)
    report = validate(problem, plan)
    assert report.ok, report.violations
    assert plan.meta.figures["kernel"] == "uncompiled"
    assert plan.meta.figures["compiling_in_background"] is True
    assert cold_kernel == [(np.float32, False, False)]  # the version the scenario's matrices need
    served = {v.stop for r in plan.routes for v in r.visits}
    assert {"c", "d", "e"} <= served  # every mandatory stop
    assert plan.meta.figures["stops_served"] == len(served)
    assert plan.meta.figures["iterations"] > 0
    # the progress shown while it runs says which kernel runs
    assert events and all(e.phase.startswith("uncompiled ") for e in events)
    assert events[-1].phase == "uncompiled done"


def test_waiting_and_deterministic_runs_never_take_the_uncompiled_path(cold_kernel):
    problem = _problem()
    for options in (
        SolveOptions(time_limit=1.0, while_compiling="wait"),
        SolveOptions(time_limit=1.0, deterministic=True, while_compiling="interpret"),
    ):
        plan = PeriodicEngine().solve(problem, options)
        assert "kernel" not in plan.meta.figures
        assert validate(problem, plan).ok
    assert cold_kernel == []


def test_an_infeasible_problem_is_reported_from_the_child_process(cold_kernel):
    with pytest.raises(InfeasibleError) as caught:
        PeriodicEngine().solve(
            _problem(impossible=True), SolveOptions(time_limit=1.0, while_compiling="interpret")
        )
    assert caught.value.reasons  # stop by stop, as from the compiled engine
    assert any("e" in reason for reason in caught.value.reasons)


def test_while_compiling_accepts_only_its_two_values():
    with pytest.raises(ValueError, match="while_compiling must be one of wait, interpret"):
        SolveOptions(while_compiling="later")


def test_the_cache_check_tells_a_fresh_cache_from_a_filled_one(tmp_path):
    """In a fresh numba cache folder the kernel is not there; in this process's, once loaded, it
    is (the check reads numba's index, it compiles nothing)."""
    from planner.engine.arrays import warm_up

    warm_up()  # the float32 version, loaded or compiled into the usual cache
    assert first_use.kernel_cached(np.float32, False) is True
    code = (
        "import numpy as np\n"
        "from planner.engine.first_use import kernel_cached\n"
        "print(kernel_cached(np.float32, False))\n"
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    fresh = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert fresh.stdout.strip() == "False", fresh.stderr


def test_one_compiling_process_at_a_time(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(first_use, "_cache_dir", lambda: tmp_path)
    monkeypatch.setattr(first_use.subprocess, "Popen", lambda *a, **k: started.append(a[0]))
    lock = tmp_path / first_use.LOCK_NAME
    lock.write_text("123", encoding="utf-8")
    assert first_use.compile_in_background(np.float32, False) is False  # one is compiling
    assert started == []
    old = time.time() - first_use.LOCK_STALE_SECONDS - 60
    os.utime(lock, (old, old))  # a lock left by a killed process
    assert first_use.compile_in_background(np.float32, False) is True
    assert len(started) == 1
    assert "warm_up(dtype=np.float32, weighted=False, derived=False)" in started[0][-1]
    assert lock.read_text(encoding="utf-8") == str(os.getpid())
