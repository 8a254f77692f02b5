"""Pre-solve feasibility explanations: one case per reason, a feasible case, and soundness
(a problem that has a valid plan is never called infeasible)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from planner.errors import InfeasibleError
from planner.tours.feasibility import explain, raise_if_infeasible, single_visit_fits, warnings
from planner.tours.model import (
    Frequency,
    Horizon,
    Location,
    Lunch,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
)
from planner.tours.validator import validate
from support.strategies import feasible_problems, greedy_plan

VAN = Vehicle("van1", "van1", 0, 0, shift=TimeWindow(480, 1080))


def make(
    stops: list[Stop],
    vehicles: list[Vehicle] | None = None,
    *,
    horizon: Horizon | None = None,
    minutes: float | list[float] = 30.0,
    between: float = 30.0,
) -> Problem:
    """Base(s) first, then one location per stop (``stop.location`` is rewritten). ``minutes``:
    drive from the base to each stop (one value, or one per stop); ``between``: stop to stop."""
    vehicles = vehicles if vehicles is not None else [VAN]
    n_bases = 1 + max(
        [v.start_location for v in vehicles] + [v.end_location for v in vehicles], default=0
    )
    n = n_bases + len(stops)
    out = [minutes] * len(stops) if np.isscalar(minutes) else list(minutes)
    m = np.full((n, n), float(between))
    np.fill_diagonal(m, 0.0)
    for b in range(n_bases):
        for j, t in enumerate(out):
            m[b, n_bases + j] = m[n_bases + j, b] = t
    m[:n_bases, :n_bases] = 0.0
    stops = [dataclasses.replace(s, location=n_bases + j) for j, s in enumerate(stops)]
    locs = tuple(Location(f"l{i}", f"l{i}") for i in range(n))
    return Problem(horizon or Horizon(weeks=1), locs, m, m.copy(), tuple(stops), tuple(vehicles))


def stop(name: str, duration: float = 120, freq: Frequency = Frequency.WEEKLY, **kw) -> Stop:
    return Stop(name, name, 0, duration, freq, **kw)


def test_a_feasible_problem_gets_no_explanation_and_a_valid_plan_exists():
    p = make(
        [stop("Ségry", 150, weekdays=frozenset({1})), stop("Migné", 300, Frequency.ONCE)],
        [dataclasses.replace(VAN, lunch=Lunch(TimeWindow(720, 810), 60))],
    )
    assert explain(p) == [] and warnings(p) == []
    raise_if_infeasible(p)  # does not raise
    assert validate(p, greedy_plan(p)).ok


def test_a_permanence_too_long_for_the_shift_once_the_drive_is_counted():
    p = make(
        [stop("Ségry", 300)], [dataclasses.replace(VAN, shift=TimeWindow(540, 960))], minutes=70
    )
    assert explain(p) == [
        "Ségry: 1 h 10 from the base + 5 h of permanence + 1 h 10 back exceeds the 7 h shift "
        "of van1"
    ]


def test_the_maximum_working_day_counts_when_shorter_than_the_shift():
    p = make([stop("Ségry", 300)], [dataclasses.replace(VAN, max_work=360.0)], minutes=40)
    assert explain(p) == [
        "Ségry: 40 min from the base + 5 h of permanence + 40 min back exceeds "
        "the 6 h maximum working day of van1"
    ]


def test_a_stop_beyond_the_driving_limit():
    p = make([stop("Ségry", 60)], [dataclasses.replace(VAN, max_drive=120.0)], minutes=70)
    assert explain(p) == [
        "Ségry: 1 h 10 to get there + 1 h 10 back exceed the 2 h driving limit of van1"
    ]


def test_the_lunch_break_that_cannot_be_avoided_is_counted():
    van = dataclasses.replace(
        VAN, shift=TimeWindow(480, 960), lunch=Lunch(TimeWindow(720, 780), 60)
    )
    p = make([stop("Rosnay", 360)], [van], minutes=40)
    (line,) = explain(p)
    assert line.startswith("Rosnay: 40 min from the base + 6 h of permanence + 1 h of lunch break")
    assert "do not fit the 8 h shift of van1 (8:00–16:00)" in line
    # 20 minutes closer, it fits with the lunch taken during the permanence
    assert explain(make([stop("Rosnay", 360)], [van], minutes=30)) == []


def test_no_allowed_day_left_because_the_vehicle_does_not_work_then():
    van = dataclasses.replace(VAN, weekdays=frozenset({0, 1, 3, 4}))
    p = make([stop("Argy", weekdays=frozenset({2}))], [van])
    assert explain(p) == [
        "no allowed day left for Argy (allowed: Wednesday; van1 does not work on Wednesdays)"
    ]


def test_no_allowed_day_left_because_of_the_vehicles_days_off():
    van = dataclasses.replace(VAN, days_off=frozenset({2}))
    p = make([stop("Argy", weekdays=frozenset({2}))], [van])
    assert explain(p) == [
        "no allowed day left for Argy (allowed: Wednesday; van1 is off on day 2 (Wednesday))"
    ]


def test_a_regular_stop_needs_one_vehicle_on_every_visit():
    vans = [
        dataclasses.replace(VAN, days_off=frozenset({6})),
        dataclasses.replace(VAN, id="van2", days_off=frozenset({1})),
    ]
    p = make([stop("Ségry", weekdays=frozenset({1}))], vans, horizon=Horizon(weeks=2))
    assert explain(p) == [
        "no allowed day left for Ségry (allowed: Tuesday; van1 is off on day 6 (Tuesday, week 2); "
        "van2 is off on day 1 (Tuesday, week 1); a regular stop keeps one vehicle for every visit)"
    ]


def test_a_missing_vehicle_feature():
    p = make([stop("Migné", features=frozenset({"pmr"}))])
    assert explain(p) == ["Migné needs wheelchair access but no vehicle has feature 'pmr'"]


def test_features_spread_over_several_vehicles_are_not_enough():
    vans = [
        dataclasses.replace(VAN, features=frozenset({"pmr"})),
        dataclasses.replace(VAN, id="van2", features=frozenset({"wifi"})),
    ]
    p = make([stop("Migné", features=frozenset({"pmr", "wifi"}))], vans)
    assert explain(p) == [
        "Migné needs wheelchair access and internet access but no vehicle has "
        "features 'pmr' and 'wifi' all at once"
    ]


def test_wheelchair_seats_and_capacity():
    p = make(
        [stop("Connecto", seats=3), stop("Load", demand=12.0)],
        [dataclasses.replace(VAN, seats=2, capacity=10.0)],
    )
    assert explain(p) == [
        "Connecto needs 3 wheelchair places but the vehicles have at most 2",
        "Load: a visit takes a load of 12 but the largest vehicle capacity is 10",
    ]


def test_a_time_window_nobody_can_reach():
    vans = [VAN, dataclasses.replace(VAN, id="van2", start_location=1, end_location=1)]
    p = make([stop("Vicq-Exemplet", 60, windows=(TimeWindow(540, 570),))], vans, minutes=0)
    p.durations[0, 2], p.durations[1, 2] = 115, 120
    assert explain(p) == [
        "Vicq-Exemplet: time window 9:00–9:30 cannot be reached from any base before 9:55"
    ]


def test_a_time_window_too_late_for_the_end_of_the_shift():
    p = make(
        [stop("Pommiers", 120, windows=(TimeWindow(900, 960),))],
        [dataclasses.replace(VAN, shift=TimeWindow(480, 1020))],
    )
    assert explain(p) == [
        "Pommiers: starting at 15:00 at the earliest (time window 15:00–16:00) + 2 h of "
        "permanence + 30 min back ends after the end of the shift of van1 (17:00)"
    ]


def test_fortnightly_visits_in_a_one_week_cycle():
    p = make([stop("Argy", freq=Frequency.FORTNIGHTLY)])
    assert explain(p) == [
        "Argy: fortnightly visits need a cycle of 2 or 4 weeks, but this cycle lasts 1 week"
    ]


def test_allowed_weekdays_outside_the_cycle():
    p = make([stop("Argy", weekdays=frozenset({5}))])
    assert explain(p) == [
        "Argy: allowed on Saturdays only, but the cycle's working days are "
        "Mondays, Tuesdays, Wednesdays, Thursdays and Fridays"
    ]


def test_a_day_off_that_breaks_every_weekly_pattern():
    h = Horizon(weeks=2, days_off=frozenset({7 + 1}))
    p = make([stop("Argy", weekdays=frozenset({1}))], horizon=h)
    assert explain(p) == [
        "Argy: every weekly visit pattern on Tuesdays hits a day off of the cycle"
    ]


def test_time_windows_on_days_that_fit_no_pattern():
    s = stop("Argy", weekdays=frozenset({2}), windows=(TimeWindow(540, 600, frozenset({0})),))
    assert explain(make([s])) == [
        "Argy: its time window 9:00–10:00 applies only on Monday, which "
        "fits none of its weekly visit patterns on Wednesdays"
    ]


def test_no_pattern_listed_on_a_plain_benchmark_horizon():
    p = make([stop("c1", 10, patterns=())], horizon=Horizon.plain(2))
    assert explain(p) == ["c1: no visit pattern is listed for it"]


def test_more_presence_and_travel_than_the_vehicles_work():
    p = make(
        [stop(f"s{i}", 300, Frequency.ONCE) for i in range(8)],
        [dataclasses.replace(VAN, shift=TimeWindow(480, 960))],
    )
    assert explain(p) == [
        "the mandatory visits need at least 44 h per cycle (40 h of permanence + 4 h of travel) "
        "but the vehicles work at most 40 h per cycle (van1: 5 days × 8 h)"
    ]


def test_more_driving_than_the_vehicles_may_do():
    p = make(
        [stop(f"s{i}", 10, Frequency.ONCE) for i in range(6)],
        [dataclasses.replace(VAN, max_drive=70.0)],
        minutes=30,
        between=30,
    )
    p2 = make(
        [stop(f"s{i}", 10, Frequency.ONCE) for i in range(12)],
        [dataclasses.replace(VAN, max_drive=70.0)],
        minutes=30,
        between=30,
    )
    assert explain(p) == []
    assert explain(p2) == [
        "the mandatory visits need at least 6 h of driving per cycle but the "
        "vehicles may drive at most 5 h 50"
    ]


def test_too_many_visits_on_one_weekday_for_the_stops_per_day():
    wed = frozenset({2})
    p = make(
        [stop(f"s{i}", 60, weekdays=wed) for i in range(3)],
        [dataclasses.replace(VAN, max_stops_per_day=2)],
    )
    assert explain(p) == [
        "Wednesdays: 3 mandatory visits can only happen then but the vehicles "
        "working then can make at most 2 (maximum stops per day)"
    ]


def test_too_much_presence_on_one_weekday_for_the_vehicles_working_then():
    wed = frozenset({2})
    p = make([stop(f"s{i}", 240, weekdays=wed) for i in range(3)])
    assert explain(p) == [
        "Wednesdays: the mandatory visits that can only happen then need at "
        "least 13 h 30 (permanence + travel) but the vehicles working then offer "
        "at most 10 h"
    ]


def test_optional_stops_get_warnings_not_explanations():
    p = make([stop("Migné", features=frozenset({"pmr"}), mandatory=False, value=5.0)])
    assert explain(p) == []
    assert warnings(p) == [
        "optional stop Migné needs wheelchair access but no vehicle has feature 'pmr'"
    ]


def test_no_vehicle_at_all():
    assert explain(make([stop("Argy")], [])) == [
        "no vehicle is defined, so the 1 mandatory stop cannot be served"
    ]


def test_raise_if_infeasible_carries_every_reason():
    p = make([stop("Argy", freq=Frequency.FORTNIGHTLY), stop("Migné", features=frozenset({"pmr"}))])
    with pytest.raises(InfeasibleError, match="Argy: fortnightly") as err:
        raise_if_infeasible(p)
    assert len(err.value.reasons) == 2 and "(and 1 more reasons)" in str(err.value)


def test_single_visit_places_the_lunch_where_it_fits():
    van = dataclasses.replace(
        VAN, shift=TimeWindow(480, 1020), lunch=Lunch(TimeWindow(720, 750), 60)
    )
    assert single_visit_fits(van, 30, 300, 30)  # lunch inside the permanence
    assert single_visit_fits(van, 30, 150, 30, (TimeWindow(810, 840),))  # lunch before, waiting
    assert not single_visit_fits(van, 30, 480, 30)  # 9 h with the lunch > 9 h shift
    assert single_visit_fits(van, 30, 480, 30, lunch=None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_problems())
def test_a_problem_with_a_valid_plan_is_never_called_infeasible(case):
    problem, witness = case
    assert validate(problem, witness).ok
    assert explain(problem) == []
    served = {problem.stop_by_id[s].name for s in witness.served_stops()}
    assert not [
        w for w in warnings(problem) if any(f"stop {n} " in w or f"stop {n}:" in w for n in served)
    ]
