"""Loading the compiled kernel in other processes (what the demo starts before loading data)."""

from __future__ import annotations

import numpy as np

from planner.engine import arrays, warm_up_in_background
from planner.engine.arrays import KernelProblem
from planner.engine.data import Compiled, kernel_version
from planner.tours.model import Horizon, Location, Objective, Problem, Stop, Vehicle


def test_the_kernel_is_loaded_in_separate_processes_that_end_cleanly():
    warming = warm_up_in_background()
    assert sorted(p.name for p in warming.processes) == [
        "itinerance-warm-up-build",
        "itinerance-warm-up-search",
    ]
    assert warming.join(600) is True
    assert all(p.exitcode == 0 for p in warming.processes)


def test_a_partial_warm_up_does_not_mark_the_process_warm(monkeypatch):
    monkeypatch.setattr(arrays, "_WARM", set())
    arrays.warm_up("build")
    assert arrays._WARM == set()  # the search loop may still need loading: warm_up() will
    arrays.warm_up()
    assert arrays._WARM == {("float32", False, False)}
    arrays.warm_up(dtype=np.float64)  # the benchmarks' version is another one
    assert arrays._WARM == {("float32", False, False), ("float64", False, False)}


def test_a_problem_needs_the_version_of_its_matrices_dtype_and_weights():
    m32 = np.zeros((2, 2), dtype=np.float32)
    base = dict(
        horizon=Horizon.plain(1),
        locations=(Location("0", "0"), Location("1", "1")),
        stops=(Stop("a", "a", 1, 10.0),),
        vehicles=(Vehicle("v", "v", 0, 0),),
    )
    assert kernel_version(Problem(durations=m32, distances=m32, **base)) == (
        np.float32,
        False,
        False,
    )
    weighted = Problem(durations=m32, distances=m32, objective=Objective(hour_weight=2.0), **base)
    assert kernel_version(weighted) == (np.float32, True, False)
    m64 = m32.astype(np.float64)
    assert kernel_version(Problem(durations=m64, distances=m64, **base)) == (
        np.float64,
        False,
        False,
    )
    # float64 matrices make a float64 cost matrix whatever the weights: the same version
    heavy = Problem(durations=m64, distances=m64, objective=Objective(km_weight=3.0), **base)
    assert kernel_version(heavy) == (np.float64, False, False)


def test_the_versions_match_the_arrays_the_kernel_gets():
    """kernel_version predicts the dtypes of the kernel's matrices (T, C, D), budget or not."""
    m32 = np.array([[0.0, 5.0], [5.0, 0.0]], dtype=np.float32)
    for objective in (Objective(), Objective(hour_weight=1.0)):
        problem = Problem(
            horizon=Horizon.plain(1),
            locations=(Location("0", "0"), Location("1", "1")),
            durations=m32,
            distances=m32,
            stops=(Stop("a", "a", 1, 10.0),),
            vehicles=(Vehicle("v", "v", 0, 0),),
            objective=objective,
        )
        inst = KernelProblem(Compiled(problem)).inst
        dtype, weighted, derived = kernel_version(problem)
        assert not derived
        assert inst.T.dtype == dtype and inst.D.dtype == dtype  # the 1 x 1 dummy too
        assert (inst.C.dtype == np.float64) == weighted
