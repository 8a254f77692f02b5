"""What keeps a 10,000-stop problem under 1 GB, checked on small hand-made cases: route rows sized
by the longest route a shift allows, routes longer than that cut on load (their stops reported),
narrow choice arrays, and speed-band conversion by chunks giving the same minutes."""

from __future__ import annotations

import numpy as np
import pytest

from planner.engine import kernel as K
from planner.engine.arrays import KernelProblem
from planner.engine.data import Compiled
from planner.tours import travel
from planner.tours.model import Horizon, TimeWindow
from support.engine_cases import grid_problem, stop, van

POINTS = [(0, 0)] + [(i % 5, i // 5 + 1) for i in range(12)]


def _problem(shift_minutes: float, duration: float = 60.0, max_stops=None):
    stops = [
        stop(f"s{i}", i + 1, duration=duration, mandatory=False, value=10.0) for i in range(12)
    ]
    vans = [van("v", shift=TimeWindow(480, 480 + shift_minutes), max_stops_per_day=max_stops)]
    return grid_problem(POINTS, stops, vans, horizon=Horizon.plain(2))


def test_route_rows_hold_the_longest_route_a_shift_allows():
    # 4 h shift, visits of at least 60 min: at most 4 stops a day, whatever the number of stops.
    kp = KernelProblem(Compiled(_problem(240.0)))
    assert kp.lmax == 4 + 2
    assert kp.new_state().route.shape == (2, 6)
    assert kp.inst.r_maxstops.tolist() == [4, 4]
    # A smaller max_stops_per_day still rules; a shift longer than all visits gives every stop.
    assert KernelProblem(Compiled(_problem(240.0, max_stops=3))).lmax == 3 + 2
    assert KernelProblem(Compiled(_problem(24 * 60.0))).lmax == 12 + 1 + 2
    # Visits of no duration put no bound on a route.
    assert KernelProblem(Compiled(_problem(240.0, duration=0.0))).lmax == 12 + 1 + 2


def test_the_search_never_builds_a_route_longer_than_its_row():
    from planner.engine.base import SolveOptions
    from planner.engine.periodic import PeriodicEngine
    from planner.tours.validator import validate

    # Visits of 55 min in 4 h shifts: four a day fit with the drives between them (room: 4).
    problem = _problem(240.0, duration=55.0)
    plan = PeriodicEngine().solve(problem, SolveOptions(time_limit=2.0, seed=1, deterministic=True))
    assert validate(problem, plan).ok
    assert sorted(len(r.visits) for r in plan.routes) == [4, 4]


def test_loading_a_route_longer_than_a_row_cuts_its_tail_and_reports_the_stops_cut():
    kp = KernelProblem(Compiled(_problem(240.0)))
    st = kp.new_state()
    bad = kp.load(st, {0: [0, 1, 2, 3, 4, 5], 1: [6]})
    assert sorted(bad) == [4, 5]
    assert kp.routes(st) == {0: [0, 1, 2, 3], 1: [6]}
    assert st.assign[4] < 0 and st.assign[5] < 0 and st.assign[6] >= 0


def test_choice_arrays_are_narrow():
    kp = KernelProblem(Compiled(_problem(240.0)))
    assert kp.cp.ch_pat.dtype == np.int32 and kp.cp.ch_veh.dtype == np.int16
    assert kp.ch_pat.dtype == np.int32
    assert kp.inst.ch_veh.dtype == np.int16
    assert kp.inst.ch_days.dtype == np.int16 and kp.inst.ch_k.dtype == np.int16
    # Defaults for stops with neither a published time nor a change penalty.
    assert (kp.inst.ch_extra == 0).all()
    assert (kp.ch_lo == -K.INF).all() and (kp.ch_hi == K.INF).all()


def test_too_many_days_for_the_narrow_arrays_is_refused():
    problem = grid_problem(POINTS[:2], [stop("a", 1)], [van("v")], horizon=Horizon.plain(40_000))
    with pytest.raises(ValueError, match="at most 32766 vehicles and days"):
        Compiled(problem)


def test_speed_bands_by_chunks_give_the_minutes_of_one_pass(monkeypatch):
    bands = travel.SpeedBands((0.0, 5.0, 30.0), (0.0, 10.0, 35.0), (2.0, 1.0, 0.75), 1.5)
    rng = np.random.default_rng(3)
    km = rng.uniform(0.0, 120.0, (37, 29)).astype(np.float32)
    km[0, :5] = 0.0
    whole = bands.of_km(km)
    monkeypatch.setattr(travel, "_CHUNK", 50)  # 1,073 cells in 22 chunks, the last one short
    chunked = bands.of_km(km)
    assert chunked.dtype == np.float32 and chunked.shape == km.shape
    assert np.array_equal(whole, chunked)
    # And both are the formula, cell by cell.
    for i, j in [(0, 0), (3, 4), (36, 28), (10, 7)]:
        d = float(km[i, j])
        b = max(0, int(np.searchsorted(bands.km, d, side="right")) - 1)
        expected = 0.0 if d <= 0 else bands.minutes[b] + (d - bands.km[b]) * bands.pace[b] + 1.5
        assert chunked[i, j] == np.float32(expected)
