"""The periodic engine on small hand-made cases with known answers; every plan is validated."""

from __future__ import annotations

import itertools
import math

import pytest

from planner.engine import Frozen, SolveOptions, get_engine
from planner.engine.periodic import PeriodicEngine, Tuning
from planner.errors import InfeasibleError
from planner.tours.validator import validate
from support.engine_cases import (
    Frequency,
    Horizon,
    Lunch,
    Objective,
    TimeWindow,
    Vehicle,
    grid_problem,
    stop,
    van,
)

FAST = SolveOptions(time_limit=5, seed=1, deterministic=True, iterations=1500)


@pytest.fixture(scope="module")
def engine():
    return get_engine("periodic")


def solve_valid(engine, problem, options=FAST, **kw):
    plan = engine.solve(problem, options, **kw)
    report = validate(problem, plan)
    assert report.ok, report.lines(5)
    return plan, report


def _tsptw_optimum(problem) -> float:
    """Brute force: shortest feasible order of a one-vehicle, one-day problem."""
    d, t = problem.distances, problem.durations
    best = math.inf
    for order in itertools.permutations(problem.stops):
        time, loc, km, ok = 0.0, 0, 0.0, True
        for s in order:
            time += t[loc, s.location]
            km += d[loc, s.location]
            w = s.windows[0]
            time = max(time, w.start)
            if time > w.end + 1e-9:
                ok = False
                break
            time += s.duration
            loc = s.location
        if ok:
            best = min(best, km + d[loc, 0])
    return best


def test_tsptw_on_five_points_reaches_the_optimum(engine):
    points = [(0, 0), (10, 0), (10, 10), (0, 10), (5, 5), (-5, 5)]
    windows = [(0, 400), (20, 60), (0, 400), (100, 130), (0, 400)]
    stops = [stop(f"s{i}", i + 1, 10.0, windows=(TimeWindow(*w),)) for i, w in enumerate(windows)]
    problem = grid_problem(points, stops, [van()], horizon=Horizon.plain(1))
    optimum = _tsptw_optimum(problem)
    plan, report = solve_valid(engine, problem)
    assert report.figures.km == pytest.approx(optimum, abs=1e-6)
    # the windows force s1 (20-60) before s3 (100-130)
    order = [v.stop for v in plan.routes[0].visits]
    assert order.index("s1") < order.index("s3")


def test_monthly_stops_share_the_only_working_day(engine):
    horizon = Horizon(weeks=4, weekdays=(0,), monthly=True)
    vehicle = van(days_off=frozenset({1, 2, 3}))
    stops = [stop("a", 1, 120.0), stop("b", 2, 120.0)]
    problem = grid_problem([(0, 0), (10, 0), (0, 10)], stops, [vehicle], horizon=horizon)
    plan, _ = solve_valid(engine, problem)
    assert len(plan.routes) == 1 and plan.routes[0].day == 0
    assert sorted(v.stop for v in plan.routes[0].visits) == ["a", "b"]


def test_lunch_is_taken_inside_a_long_permanence(engine):
    vehicle = van(
        shift=TimeWindow(8 * 60, 18 * 60), lunch=Lunch(TimeWindow(12 * 60, 12 * 60 + 30), 60.0)
    )
    day_long = stop("ferme", 1, 7 * 60.0, windows=(TimeWindow(9 * 60, 9 * 60),))
    problem = grid_problem([(0, 0), (30, 0)], [day_long], [vehicle])
    plan, _ = solve_valid(engine, problem)
    route = plan.routes[0]
    visit = route.visits[0]
    assert visit.start == 9 * 60
    assert visit.end - visit.start == pytest.approx(8 * 60)  # 7 h of presence + 1 h of lunch
    assert visit.start <= route.lunch[0] <= 12 * 60 + 30 and route.lunch[1] <= visit.end


def test_lunch_at_the_base_after_a_morning_route(engine):
    vehicle = van(
        shift=TimeWindow(8 * 60, 18 * 60), lunch=Lunch(TimeWindow(12 * 60, 13 * 60), 45.0)
    )
    morning = stop("matin", 1, 150.0, windows=(TimeWindow(9 * 60, 9 * 60),))
    problem = grid_problem([(0, 0), (20, 0)], [morning], [vehicle])
    plan, _ = solve_valid(engine, problem)
    route = plan.routes[0]
    assert route.ret == pytest.approx(9 * 60 + 150 + 20)  # back at 11:50, lunch at the base
    assert route.lunch is None or route.lunch[0] >= route.ret


def test_features_and_seats_force_the_accessible_vehicle(engine):
    plain_van = van("van")
    bus = van("bus", features=frozenset({"pmr"}), seats=2)
    stops = [stop("fauteuil", 1, features=frozenset({"pmr"}), seats=2), stop("autre", 2)]
    problem = grid_problem([(0, 0), (5, 0), (0, 5)], stops, [plain_van, bus])
    plan, _ = solve_valid(engine, problem)
    by_stop = {v.stop: r.vehicle for r in plan.routes for v in r.visits}
    assert by_stop["fauteuil"] == "bus"


def _weekly_problem(extra=()):
    horizon = Horizon(weeks=2, weekdays=(0, 1, 2))
    stops = [stop(f"w{i}", i + 1, 60.0, frequency=Frequency.WEEKLY) for i in range(3)]
    stops += [stop(f"m{i}", i + 4, 60.0, frequency=Frequency.MONTHLY) for i in range(3)]
    stops += list(extra)
    points = [(0, 0), (10, 0), (0, 10), (-10, 0), (0, -10), (8, 8), (-8, 8), (8, -8)]
    vehicles = [van("v1", shift=TimeWindow(480, 1080)), van("v2", shift=TimeWindow(480, 1080))]
    return grid_problem(
        points, stops, vehicles, horizon=horizon, objective=Objective(regularity_tolerance=0.0)
    )


def test_frozen_stop_keeps_its_days_and_vehicle(engine):
    base, _ = solve_valid(engine, _weekly_problem())
    bigger = _weekly_problem(extra=[stop("new", 7, 60.0, frequency=Frequency.WEEKLY)])
    frozen = Frozen(stops=frozenset({"w0", "m1"}))
    plan, _ = solve_valid(engine, bigger, initial=base, frozen=frozen)
    for sid in ("w0", "m1"):
        before = {(r.day, r.vehicle) for r, _ in base.visits_of(sid)}
        after = {(r.day, r.vehicle) for r, _ in plan.visits_of(sid)}
        assert after == before
    assert plan.visits_of("new")
    assert "moved_visits" in plan.meta.figures


def test_frozen_day_keeps_its_routes(engine):
    base, _ = solve_valid(engine, _weekly_problem())
    bigger = _weekly_problem(extra=[stop("new", 7, 60.0, frequency=Frequency.MONTHLY)])
    day = base.routes[0].day
    plan, _ = solve_valid(engine, bigger, initial=base, frozen=Frozen(days=frozenset({day})))
    before = {(r.vehicle, tuple(v.stop for v in r.visits)) for r in base.routes if r.day == day}
    after = {(r.vehicle, tuple(v.stop for v in r.visits)) for r in plan.routes if r.day == day}
    assert after == before


def test_warm_start_is_at_least_as_good_as_the_initial_plan(engine):
    problem = _weekly_problem()
    rough = SolveOptions(time_limit=5, seed=2, deterministic=True, iterations=1)
    first, first_report = solve_valid(engine, problem, rough)
    again, again_report = solve_valid(engine, problem, FAST, initial=first)
    assert again_report.figures.km <= first_report.figures.km + 1e-6
    assert again.meta.figures["moved_visits"] >= 0


def test_same_seed_gives_the_same_plan_json(engine):
    problem = _weekly_problem()
    options = SolveOptions(time_limit=10, seed=7, deterministic=True, iterations=800)
    a = engine.solve(problem, options).to_json()
    b = engine.solve(problem, options).to_json()
    assert a == b


def test_regular_stop_keeps_vehicle_and_time_across_weeks(engine):
    plan, _ = solve_valid(engine, _weekly_problem())
    for sid in ("w0", "w1", "w2"):
        visits = plan.visits_of(sid)
        assert len(visits) == 2
        assert len({r.vehicle for r, _ in visits}) == 1
        assert len({round(v.start, 6) for _, v in visits}) == 1


def test_missing_feature_raises_infeasible_with_reasons(engine):
    stops = [stop("migne", 1, features=frozenset({"pmr"}))]
    problem = grid_problem([(0, 0), (5, 0)], stops, [van()])
    with pytest.raises(InfeasibleError) as info:
        engine.solve(problem, FAST)
    assert info.value.reasons and any("migne" in r for r in info.value.reasons)


def test_unplaceable_mandatory_stops_are_reported_one_by_one(engine):
    # Three permanences that must all start at 10:00 on the only day: one fits, two cannot.
    stops = [stop(f"s{i}", i + 1, 30.0, windows=(TimeWindow(600, 600),)) for i in range(3)]
    problem = grid_problem(
        [(0, 0), (5, 0), (0, 5), (5, 5)], stops, [van(shift=TimeWindow(480, 1080))]
    )
    with pytest.raises(InfeasibleError) as info:
        engine.solve(problem, FAST)
    err = info.value
    assert len(err.reasons) == 2
    assert all("no route" in r for r in err.reasons)
    report = validate(problem, err.plan)
    assert {v.kind for v in report.violations} == {"mandatory_unserved"}
    assert len(err.plan.served_stops()) == 1


def test_optional_stop_is_served_only_when_worth_it(engine):
    cheap = stop("proche", 1, 30.0, mandatory=False, value=100.0)
    dear = stop("loin", 2, 30.0, mandatory=False, value=1.0)
    problem = grid_problem([(0, 0), (2, 0), (60, 0)], [cheap, dear], [van()])
    plan, _ = solve_valid(engine, problem)
    assert plan.served_stops() == {"proche"} and plan.unserved == ["loin"]


# A vehicle that ends its day elsewhere than it starts (a van kept at a town hall, a crew
# living on the other side of the territory) drives nothing while it is unused: its first stop
# brings the whole drive, start to stop to end. Both tests failed when an insertion into an empty
# route was priced as replacing a start-to-end leg that was never driven (a random property
# test found the first: 2 h 01 of driving allowed 2 h).


def _one_way_problem(end, far, max_drive=None):
    """A weekly stop 'loin' at ``far``; 'aller' goes from the base to ``end``, 'boucle' comes
    back to the base; three working days."""
    aller = Vehicle("aller", "aller", 0, 1, shift=TimeWindow(420, 900), max_drive=max_drive)
    boucle = van("boucle", shift=TimeWindow(420, 900))
    loin = stop("loin", 2, 20.0, mandatory=True, frequency=Frequency.WEEKLY)
    horizon = Horizon(weeks=1, weekdays=(0, 1, 2))
    return grid_problem([(0, 0), end, far], [loin], [aller, boucle], horizon=horizon)


def test_one_way_vehicle_counts_its_whole_drive_on_its_first_stop(engine):
    # 'aller' would drive 60.4 min out and hypot(2, 60.4) = 60.43 min to its end: 2 h 00.8,
    # more than its 2 h (priced from an empty route as replacing base-to-end, 1 h 58.8).
    problem = _one_way_problem(end=(2, 0), far=(0, 60.4), max_drive=120.0)
    plan, _ = solve_valid(engine, problem)
    assert [(r.vehicle, [v.stop for v in r.visits]) for r in plan.routes] == [("boucle", ["loin"])]


def test_one_way_vehicle_is_priced_with_its_whole_drive(engine):
    # 'aller' would drive 60 + 116.6 km, 'boucle' 60 + 60 km: without the polish to mend it, the
    # search's own pricing must choose 'boucle' (priced as replacing base-to-end, 'aller' looked
    # like 76.6 km).
    problem = _one_way_problem(end=(100, 0), far=(0, 60))
    plan = PeriodicEngine(Tuning(polish=False)).solve(problem, FAST)
    assert validate(problem, plan).ok
    assert [(r.vehicle, [v.stop for v in r.visits]) for r in plan.routes] == [("boucle", ["loin"])]
