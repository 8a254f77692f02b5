"""The local search run on every recreated candidate (kernel.local_search): its moves lower the
routes' cost, keep every route feasible and every stop's choice, and leave the route caches as a
from-scratch recomputation finds them; plans from it pass the independent validator."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from planner.engine import kernel as K
from planner.engine import solve
from planner.engine.arrays import KernelProblem
from planner.engine.base import SolveOptions
from planner.engine.data import Compiled
from planner.engine.periodic import PeriodicEngine, Tuning
from planner.tours.model import Budget, Horizon, TimeWindow
from planner.tours.plan import Plan
from planner.tours.validator import validate
from support.engine_cases import Frequency, Vehicle, grid_problem, stop, van
from support.kernel_states import assert_caches_fresh, loaded_state


def _hand_cost(points, seqs) -> float:
    """Route cost recomputed from the coordinates: depot (point 0) -> stops -> depot."""
    total = 0.0
    for seq in seqs:
        if not seq:
            continue
        path = [0, *seq, 0]
        total += sum(math.dist(points[a], points[b]) for a, b in zip(path, path[1:], strict=False))
    return total


def _validated(problem, kp: KernelProblem, st) -> None:
    routes, bad = kp.timed_routes(st)
    assert bad == []
    unserved = [problem.stops[s].id for s in range(kp.inst.n_stops) if st.assign[s] < 0]
    plan = Plan(routes=routes, unserved=unserved, problem=problem.name)
    report = validate(problem, plan)
    assert report.ok, report.lines()
    assert report.figures.km == pytest.approx(kp.route_cost(st), abs=1e-6)


def test_two_crossed_routes_are_uncrossed():
    # Depot at 0; stops 1, 2 on the left, 3, 4 on the right; two stops per van (capacity).
    # Each van starts with one stop of each side.
    points = [(0, 0), (-10, 0), (-10, 1), (10, 0), (10, 1)]
    stops = [stop(f"s{i}", i, demand=1.0) for i in range(1, 5)]
    vans = [van("a", capacity=2.0), van("b", capacity=2.0)]
    p = grid_problem(points, stops, vans, horizon=Horizon.plain(1))
    kp = KernelProblem(Compiled(p))
    st = loaded_state(kp, {0: [0, 2], 1: [1, 3]})
    before = kp.route_cost(st)
    assert before == pytest.approx(_hand_cost(points, [[1, 3], [2, 4]]))

    moves = K.improve(kp.inst, st, 10)

    assert moves >= 1
    routes = sorted(sorted(int(s) + 1 for s in seq) for seq in kp.routes(st).values() if seq)
    assert routes == [[1, 2], [3, 4]]
    best = 2 * (10 + 1 + math.hypot(10, 1))
    assert kp.route_cost(st) == pytest.approx(best)
    assert_caches_fresh(kp, st)
    _validated(p, kp, st)


def test_a_cheaper_move_that_breaks_a_window_is_not_made():
    # Stop 2 sits beside stop 1 but must start before minute 15, so it cannot follow stop 1
    # (30 minutes of service); the cheap move "2 after 1" is refused, "2 before 1" is taken.
    points = [(0, 0), (-10, 0), (-10, 0.5), (10, 0)]
    stops = [stop("s1", 1), stop("s2", 2, windows=(TimeWindow(0, 15),)), stop("s3", 3)]
    p = grid_problem(points, stops, [van("a"), van("b")], horizon=Horizon.plain(1))
    kp = KernelProblem(Compiled(p))
    st = loaded_state(kp, {0: [0], 1: [1, 2]})  # s2 then s3: s2 starts at minute 10
    before = kp.route_cost(st)

    K.improve(kp.inst, st, 10)

    (joined,) = [[int(s) for s in seq] for seq in kp.routes(st).values() if 0 in seq]
    assert 1 in joined and joined.index(1) < joined.index(0)  # s2 then s1, never s1 then s2
    assert kp.route_cost(st) < before - 1.0
    assert_caches_fresh(kp, st)
    _validated(p, kp, st)


@pytest.mark.parametrize("seed", range(6))
def test_random_windowed_states_stay_feasible_and_get_cheaper(seed):
    rng = np.random.default_rng(seed)
    n = 30
    points = [(0.0, 0.0), *map(tuple, rng.uniform(-20, 20, size=(n, 2)))]
    stops = []
    for i in range(1, n + 1):
        start = float(rng.uniform(0, 300))
        window = (TimeWindow(start, start + 90),)
        stops.append(stop(f"s{i}", i, 10.0, windows=window, mandatory=False, value=100.0))
    vans = [van(f"v{k}", shift=TimeWindow(0, 480), capacity=12) for k in range(4)]
    p = grid_problem(points, stops, vans, horizon=Horizon.plain(1))
    p = replace(p, stops=tuple(replace(s, demand=1.0) for s in p.stops))
    kp = KernelProblem(Compiled(p))
    I = kp.inst
    st = kp.new_state()
    for r in range(I.n_slots):
        K.update_route(I, st, r)
    K.seed_rng(seed)
    K.construct(I, st, 0.3, 1)  # blinks: a construction worth improving
    served = sorted(s for s in range(I.n_stops) if st.assign[s] >= 0)
    before = kp.route_cost(st)

    K.improve(I, st, 10)

    assert sorted(s for s in range(I.n_stops) if st.assign[s] >= 0) == served
    assert kp.route_cost(st) <= before + 1e-9
    assert bool(st.rok[: I.n_slots].all())
    assert_caches_fresh(kp, st)
    _validated(p, kp, st)
    assert K.improve(I, st, 10) == 0  # a local optimum: a second run finds nothing


def test_calendar_horizons_reorder_routes_and_keep_every_vehicle():
    # A calendar horizon: every choice names its vehicle, so stops stay on their van; a route
    # in a bad order is reordered. Van a runs A, C, B around a 10 km square (48.3 km; A, B, C:
    # 40 km); van b's stop D is next to A, but moving it to van a would change its vehicle.
    points = [(0, 0), (10, 0), (10, 10), (0, 10), (10, 1)]
    stops = [stop(name, i + 1) for i, name in enumerate("ABCD")]
    p = grid_problem(points, stops, [van("a"), van("b")], horizon=Horizon(weeks=1, weekdays=(0,)))
    kp = KernelProblem(Compiled(p))
    st = loaded_state(kp, {0: [0, 2, 1], 1: [3]})
    assert kp.route_cost(st) == pytest.approx(_hand_cost(points, [[1, 3, 2], [4]]))

    assert K.improve(kp.inst, st, 10) > 0

    assert kp.routes(st)[1] == [3]
    assert kp.routes(st)[0] in ([0, 1, 2], [2, 1, 0])
    assert kp.route_cost(st) == pytest.approx(_hand_cost(points, [[1, 2, 3], [4]]))
    assert_caches_fresh(kp, st)
    _validated(p, kp, st)


def test_nothing_moves_under_a_budget():
    points = [(0, 0), (-10, 0), (-10, 1), (10, 0), (10, 1)]
    stops = [stop(f"s{i}", i) for i in range(1, 5)]
    p = grid_problem(points, stops, [van("a"), van("b")], horizon=Horizon.plain(1))
    budget = Budget(1e9, 0.0, {"a": 1.0, "b": 1.0}, {"a": 0.0, "b": 0.0})
    p = replace(p, budget=budget)
    kp = KernelProblem(Compiled(p))
    st = loaded_state(kp, {0: [0, 2], 1: [1, 3]})
    assert K.improve(kp.inst, st, 10) == 0


def test_the_search_with_and_without_local_search_gives_valid_plans():
    """Both settings of Tuning.local_search; the plan's figures match the validator's."""
    rng = np.random.default_rng(7)
    points = [(0.0, 0.0), *map(tuple, rng.uniform(-20, 20, size=(25, 2)))]
    stops = [stop(f"s{i}", i, 10.0) for i in range(1, 26)]
    p = grid_problem(points, stops, [van("a"), van("b"), van("c")], horizon=Horizon.plain(1))
    options = SolveOptions(time_limit=2.0, seed=0, deterministic=True)
    costs = {}
    for k in (0, 10):
        plan = PeriodicEngine(Tuning(local_search=k)).solve(p, options)
        report = validate(p, plan)
        assert report.ok, report.lines()
        assert plan.meta.cost == pytest.approx(report.figures.km, abs=1e-6)
        costs[k] = plan.meta.cost
    assert solve(p, time_limit=2.0, seed=0, deterministic=True).meta.cost == costs[10]


def test_stops_visited_on_two_days_keep_both_visits():
    # A plain two-day horizon: s1 and s2 are visited on both days (one pattern), s3 to s6 once
    # on either; the local search moves the single visits around the double ones.
    points = [(0, 0), (-10, 0), (10, 0), (-10, 2), (10, 2), (-9, -1), (9, -1)]
    twice = {"patterns": ((0, 1),), "frequency": Frequency.WEEKLY}
    stops = [stop("s1", 1, **twice), stop("s2", 2, **twice)]
    stops += [stop(f"s{i}", i, patterns=((0,), (1,))) for i in range(3, 7)]
    p = grid_problem(points, stops, [van("a"), van("b")], horizon=Horizon.plain(2))
    kp = KernelProblem(Compiled(p))
    I = kp.inst
    # Slots are (vehicle, day). Each van mixes both sides on both days: every move rewrites a
    # route that also holds a stop visited twice.
    slot = {(v, d): r for r, (v, d) in enumerate(kp.cp.slots)}
    st = loaded_state(
        kp,
        {
            slot[0, 0]: [0, 3],  # s1 (left), s4 (right)
            slot[1, 0]: [1, 2],  # s2 (right), s3 (left)
            slot[0, 1]: [0, 5],  # s1 (left), s6 (right)
            slot[1, 1]: [1, 4],  # s2 (right), s5 (left)
        },
    )
    before = kp.route_cost(st)

    assert K.improve(I, st, 10) >= 1

    assert kp.route_cost(st) < before - 1.0
    assert_caches_fresh(kp, st)
    _validated(p, kp, st)


def test_a_stop_leaves_a_vehicle_that_ends_elsewhere_and_its_whole_drive_is_saved():
    # 'aller' drives from the base (0, 0) to its end (100, 0) through s1 at (50, 1): 100.02 km.
    # Moving s1 next to s2 on 'boucle' adds 1.01 km and saves aller's whole drive; priced as if
    # aller still drove base to end (a saving of 0.02 km), the move was never checked. aller
    # carries one stop, so s2 cannot go the other way.
    aller = Vehicle("aller", "aller", 0, 1, shift=TimeWindow(0, 24 * 60), capacity=1.0)
    points = [(0, 0), (100, 0), (50, 1), (50, 0)]
    stops = [stop("s1", 2, demand=1.0), stop("s2", 3, demand=1.0)]
    p = grid_problem(points, stops, [aller, van("boucle")], horizon=Horizon.plain(1))
    kp = KernelProblem(Compiled(p))
    st = loaded_state(kp, {0: [0], 1: [1]})
    assert kp.route_cost(st) == pytest.approx(2 * math.hypot(50, 1) + 100)

    assert K.improve(kp.inst, st, 10) == 1

    assert list(kp.routes(st)) == [1] and sorted(kp.routes(st)[1]) == [0, 1]
    assert kp.route_cost(st) == pytest.approx(50 + 1 + math.hypot(50, 1))
    assert_caches_fresh(kp, st)
    _validated(p, kp, st)
