"""Durations derived from the distances (planner.tours.travel) are the offline model's matrix,
bit for bit, and the engine plans with them exactly as with the stored matrix, holding one n × n
matrix instead of two."""

from __future__ import annotations

import pickle
from dataclasses import replace

import numba
import numpy as np
import pytest

from planner.access import matrices
from planner.access.matrices import location_matrices
from planner.access.routers import OfflineModel
from planner.engine import kernel as K
from planner.engine.arrays import KernelProblem
from planner.engine.base import SolveOptions
from planner.engine.bound import value_bound
from planner.engine.data import Compiled, kernel_version
from planner.engine.periodic import PeriodicEngine, _inputs
from planner.tours.feasibility import _min_travel
from planner.tours.model import Location, Objective
from planner.tours.travel import DerivedDurations, SpeedBands
from planner.tours.validator import validate
from support.engine_cases import Frequency, Horizon, TimeWindow, grid_problem, stop, van


def _places(n, seed=3):
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(0.6, 2.9, n), rng.uniform(46.4, 48.8, n)
    return [Location(f"L{i}", f"Lieu {i}", float(lon[i]), float(lat[i])) for i in range(n)]


def _pair(objective=None, model=None):
    """The same problem twice: the offline model's stored matrices, and derived durations."""
    places = _places(21)
    stops = [
        stop(
            f"s{i}",
            i,
            20.0 + 5 * (i % 4),
            frequency=Frequency.WEEKLY if i % 3 else Frequency.FORTNIGHTLY,
            mandatory=i % 2 == 0,
            value=float(i),
        )
        for i in range(1, len(places))
    ]
    vans = [van("a", shift=TimeWindow(480, 1020)), van("b", shift=TimeWindow(480, 1020))]
    base = grid_problem(np.zeros((21, 2)), stops, vans, Horizon(weeks=2), objective)
    base = replace(base, locations=tuple(places))
    dur, km = location_matrices(places, model, derive=False)
    derived, km2 = location_matrices(places, model, derive=True)
    assert isinstance(derived, DerivedDurations) and isinstance(dur, np.ndarray)
    return replace(base, durations=dur, distances=km), replace(
        base, durations=derived, distances=km2
    )


@numba.njit
def _kernel_minutes(km, knots, cumulative, pace, access):
    out = np.empty(km.shape[0])
    for i in range(km.shape[0]):
        out[i] = K.band_minutes(np.float64(km[i]), knots, cumulative, pace, access)
    return out


@pytest.mark.parametrize("access", [0.0, 7.5])
def test_the_kernel_computes_the_same_minutes_as_numpy_on_every_band_and_at_the_knots(access):
    bands = OfflineModel(access_minutes=access).speed_bands()
    rng = np.random.default_rng(0)
    edges = np.array([0.0, 2.0, 10.0])
    near = np.concatenate([edges, np.nextafter(edges, -1), np.nextafter(edges, 50)])
    km = np.concatenate([near, rng.uniform(0, 400, 50_000)]).astype(np.float32)
    expected = bands.of_km(km)
    got = _kernel_minutes(km, *bands.arrays(), bands.access)
    np.testing.assert_array_equal(got, expected.astype(np.float64))
    assert expected[0] == 0.0 and expected[1] == np.float32(4.0 + access)  # 0 km, then 2 km


def test_speed_bands_by_hand():
    bands = SpeedBands(km=(0.0, 2.0, 10.0), minutes=(0.0, 4.0, 12.0), pace=(2.0, 1.0, 0.75))
    np.testing.assert_array_equal(
        bands.of_km(np.array([[0.0, 1.0], [5.0, 30.0]])),
        np.array([[0.0, 2.0], [7.0, 27.0]], dtype=np.float32),
    )
    assert OfflineModel().speed_bands() == bands  # the documented defaults
    with pytest.raises(ValueError, match="increase"):
        SpeedBands(km=(0.0, 3.0, 2.0), minutes=(0.0, 1.0, 2.0), pace=(1.0, 1.0, 1.0))


def test_a_derived_matrix_is_the_offline_models_matrix_bit_for_bit():
    places = _places(300)
    for model in (OfflineModel(), OfflineModel(circuity=1.37, access_minutes=4.0)):
        dur, km = location_matrices(places, model, derive=False)
        derived, km2 = location_matrices(places, model, derive=True)
        np.testing.assert_array_equal(km, km2)
        np.testing.assert_array_equal(np.asarray(derived), dur)
        # Cells, rows, blocks and np.ix_ read what the matrix holds.
        assert derived[3, 5] == dur[3, 5] and derived[7, 7] == 0.0
        np.testing.assert_array_equal(derived[10:20], dur[10:20])
        rows, cols = np.array([4, 1, 9]), np.array([0, 299, 5, 5])
        np.testing.assert_array_equal(derived[np.ix_(rows, cols)], dur[np.ix_(rows, cols)])
        assert derived.shape == dur.shape and derived.dtype == np.float32 and len(derived) == 300


def test_the_offline_model_derives_durations_from_the_threshold_on(monkeypatch):
    places = _places(12)
    assert isinstance(location_matrices(places)[0], np.ndarray)
    monkeypatch.setattr(matrices, "DERIVE_DURATIONS_FROM", 12)
    assert isinstance(location_matrices(places)[0], DerivedDurations)


def test_a_problem_refuses_durations_derived_from_other_distances():
    dense, derived = _pair()
    other = DerivedDurations(derived.distances.copy(), derived.durations.bands)
    with pytest.raises(ValueError, match="derived durations"):
        replace(derived, durations=other)


def test_a_derived_problem_survives_pickling_for_worker_processes():
    _, derived = _pair()
    back = pickle.loads(pickle.dumps(derived))
    assert back.durations.distances is back.distances
    np.testing.assert_array_equal(np.asarray(back.durations), np.asarray(derived.durations))


def test_the_kernel_gets_no_duration_matrix_and_its_own_version():
    dense, derived = _pair()
    inst = KernelProblem(Compiled(derived)).inst
    assert inst.T is None and KernelProblem(Compiled(dense)).inst.T is not None
    assert np.shares_memory(inst.D, derived.distances)  # the km matrix, read in place
    # Another compiled version: the kernel picks derived or stored minutes by type, not by a
    # test on every travel time.
    assert kernel_version(derived) == (np.float32, False, True)
    assert kernel_version(dense) == (np.float32, False, False)


@pytest.mark.parametrize("objective", [None, Objective(km_weight=0.3, hour_weight=7.0)])
def test_derived_durations_plan_exactly_as_the_stored_matrix_and_both_plans_are_valid(objective):
    dense, derived = _pair(objective)
    np.testing.assert_array_equal(Compiled(dense).cost, Compiled(derived).cost)
    options = SolveOptions(time_limit=0.5, seed=4, deterministic=True)
    # A clock that never moves: the deterministic budget of iterations alone ends the search.
    plan_dense = PeriodicEngine(clock=lambda: 0.0).solve(dense, options)
    plan_derived = PeriodicEngine(clock=lambda: 0.0).solve(derived, options)
    assert validate(dense, plan_dense).ok and validate(derived, plan_derived).ok
    assert plan_derived.to_dict()["routes"] == plan_dense.to_dict()["routes"]
    assert len(plan_dense.served_stops()) >= 10


def test_the_digest_feasibility_and_bound_read_the_same_values():
    dense, derived = _pair()
    assert _inputs(dense)["sha256"] == _inputs(derived)["sha256"]
    for a, b in zip(_min_travel(dense), _min_travel(derived), strict=True):
        np.testing.assert_array_equal(a, b)
    bound_dense, bound_derived = value_bound(dense), value_bound(derived)
    assert (bound_dense.value, bound_dense.variables) == (
        bound_derived.value,
        bound_derived.variables,
    )
