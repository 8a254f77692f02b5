"""The independent validator: one hand-made case per violation kind, the figures, property
tests against the reference constructor, and La Rur@linette's real rota."""

from __future__ import annotations

import copy
import csv
import dataclasses
import random
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from planner.errors import PlanError
from planner.tours.model import (
    WEEKS_PER_MONTH,
    Frequency,
    Horizon,
    Location,
    Lunch,
    Objective,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
)
from planner.tours.plan import Plan, Route, Visit
from planner.tours.validator import KINDS, validate
from support.strategies import feasible_problems, greedy_plan, problems

# --- a small hand-made case --------------------------------------------------------------------
# Base Châteauroux (0), Ségry (1), Migné (2), Argy (3); minutes and km, symmetric.
MINUTES = np.array([[0, 30, 40, 35], [30, 0, 25, 50], [40, 25, 0, 45], [35, 50, 45, 0]], float)
KM = np.array([[0, 28, 35, 30], [28, 0, 20, 45], [35, 20, 0, 40], [30, 45, 40, 0]], float)
TUE1, THU1, TUE2, THU2 = 1, 3, 6, 8  # day indices in a 2-week Monday-Friday cycle

VAN = Vehicle(
    "van1",
    "Rur@linette",
    0,
    0,
    shift=TimeWindow(480, 1080),
    lunch=Lunch(TimeWindow(720, 810), 60),
    features=frozenset({"pmr"}),
    seats=2,
    cost_per_km=0.5,
    cost_per_hour=30.0,
)
SEGRY = Stop(
    "segry",
    "Ségry",
    1,
    150,
    Frequency.WEEKLY,
    weekdays=frozenset({1}),
    windows=(TimeWindow(540, 660),),
)
MIGNE = Stop(
    "migne",
    "Migné",
    2,
    300,
    Frequency.FORTNIGHTLY,
    weekdays=frozenset({3}),
    features=frozenset({"pmr"}),
)
ARGY = Stop("argy", "Argy", 3, 60, Frequency.ONCE, mandatory=False, value=10)


def small_problem(**changes) -> Problem:
    """The case above; ``van1=…``, ``segry=…``, ``migne=…`` replace fields of those objects."""
    van = dataclasses.replace(VAN, **changes.pop("van1", {}))
    segry = dataclasses.replace(SEGRY, **changes.pop("segry", {}))
    migne = dataclasses.replace(MIGNE, **changes.pop("migne", {}))
    vehicles = (van, *changes.pop("extra_vehicles", ()))
    names = ("Châteauroux", "Ségry", "Migné", "Argy")
    locs = tuple(Location(str(i), n) for i, n in enumerate(names))
    return Problem(
        Horizon(weeks=2),
        locs,
        MINUTES,
        KM,
        (segry, migne, ARGY),
        vehicles,
        changes.pop("objective", Objective()),
        name="small",
    )


def small_plan() -> Plan:
    """Valid: Ségry every Tuesday 10:00–12:30; Migné on Thursday of week 1, 10:00–16:00 with
    the lunch break 12:30–13:30 inside the permanence; Argy (optional) left out."""
    return Plan(
        [Route("van1", d, 570, 780, [Visit("segry", 600, 600, 750)]) for d in (TUE1, TUE2)]
        + [Route("van1", THU1, 560, 1000, [Visit("migne", 600, 600, 960)], lunch=(750, 810))],
        unserved=["argy"],
        problem="small",
    )


def route(plan: Plan, day: int) -> Route:
    r = next(r for r in plan.routes if r.day == day)
    return r


def test_the_small_plan_is_valid():
    report = validate(small_problem(), small_plan())
    assert report.ok, report.lines()
    report.raise_if_invalid()  # does not raise


def test_figures_are_recomputed_from_the_matrices():
    fig = validate(small_problem(), small_plan()).figures
    cpm = WEEKS_PER_MONTH / 2
    assert fig.cycles_per_month == pytest.approx(cpm)
    assert fig.km == pytest.approx(2 * 56 + 70)
    assert fig.km_per_month == pytest.approx(182 * cpm)
    assert fig.drive_hours == pytest.approx((2 * 60 + 80) / 60)
    assert fig.work_hours == pytest.approx((2 * 210 + 440) / 60)
    assert fig.cost == pytest.approx(182 * 0.5 + 860 / 60 * 30)
    assert fig.cost_per_month == pytest.approx(fig.cost * cpm)
    assert fig.presence_hours_per_month == pytest.approx({"segry": 5 * cpm, "migne": 5 * cpm})
    assert (fig.stops_served, fig.stops_total, fig.mandatory_served) == (2, 3, 2)
    assert (fig.value_served, fig.value_total) == (0.0, 10.0)
    (van,) = fig.per_vehicle
    assert (van.routes, van.visits, van.km) == (3, 3, pytest.approx(182))
    by_day = {d.day: d for d in fig.per_day}
    assert by_day[THU1].km == 70 and by_day[THU1].visits == 1 and by_day[0].routes == 0
    assert fig.to_dict()["per_vehicle"][0]["km_per_month"] == pytest.approx(182 * cpm)


def test_the_plans_own_numbers_are_not_trusted():
    plan = small_plan()
    route(plan, THU1).ret = 990  # claims to be back 10 minutes early
    report = validate(small_problem(), plan)
    assert [v.kind for v in report.violations] == ["travel_time"]
    message = report.violations[0].message
    assert "returns to the base at 16:30 but cannot be back before 16:40" in message
    assert report.figures.work_hours == pytest.approx((2 * 210 + 440) / 60)


def test_a_start_before_arrival_is_reported_with_place_and_times():
    plan = small_plan()
    route(plan, TUE1).depart = 580  # arrives 10:10, starts 10:00
    report = validate(small_problem(), plan)
    early = report.of_kind("early_start")
    assert len(early) == 1
    assert early[0].message == (
        "day 1 (Tuesday, week 1) van1: arrives at Ségry 10:10 but starts 10:00 (before arrival)"
    )
    assert (early[0].stop, early[0].day, early[0].vehicle) == ("segry", TUE1, "van1")


def _add_route(r: Route) -> Callable[[Plan], None]:
    return lambda plan: plan.routes.append(r)


def _visit(day: int, **changes) -> Callable[[Plan], None]:
    def mutate(plan: Plan) -> None:
        v = route(plan, day).visits[0]
        for k, val in changes.items():
            setattr(v, k, val)

    return mutate


def _route(which: int, **changes) -> Callable[[Plan], None]:
    def mutate(plan: Plan) -> None:
        r = route(plan, which)
        for k, val in changes.items():
            setattr(r, k, val)

    return mutate


def _drop_route(day: int) -> Callable[[Plan], None]:
    return lambda plan: plan.routes.remove(route(plan, day))


def _shift_segry(plan: Plan) -> None:
    r = route(plan, TUE2)
    r.depart, r.ret = 580, 790
    r.visits[0] = Visit("segry", 610, 610, 760)


VAN2 = dataclasses.replace(VAN, id="van2")

# kind → (changes to the problem, mutation of the valid plan, expected kinds)
CASES: dict[str, tuple[dict, Callable[[Plan], None], set[str]]] = {
    "unknown_vehicle": ({}, _add_route(Route("van9", 2, 480, 480)), {"unknown_vehicle"}),
    "unknown_day": ({}, _add_route(Route("van1", 12, 480, 480)), {"unknown_day"}),
    "duplicate_route": ({}, _add_route(Route("van1", TUE1, 480, 480)), {"duplicate_route"}),
    "vehicle_day_off": (
        {"van1": {"days_off": frozenset({TUE1})}},
        lambda p: None,
        {"vehicle_day_off"},
    ),
    "unknown_stop": ({}, lambda p: p.unserved.append("zzz"), {"unknown_stop"}),
    "travel_time": ({}, _visit(TUE1, arrival=590), {"travel_time"}),
    "arrival_mismatch": ({}, _visit(TUE1, arrival=605), {"arrival_mismatch"}),
    "early_start": ({}, _route(TUE1, depart=580), {"early_start", "travel_time"}),
    "window": ({"segry": {"windows": (TimeWindow(630, 660),)}}, lambda p: None, {"window"}),
    "duration": ({}, _visit(THU1, end=950), {"duration"}),
    "overlap": ({}, _route(TUE1, lunch=(720, 780)), {"overlap", "lunch_while_driving"}),
    "features": ({"migne": {"features": frozenset({"pmr", "wifi"})}}, lambda p: None, {"features"}),
    # Migné lies in another vehicle's service area.
    "area": ({"migne": {"vehicles": frozenset({"van2"})}}, lambda p: None, {"area"}),
    "seats": ({"migne": {"seats": 3}}, lambda p: None, {"seats"}),
    "capacity": (
        {"van1": {"capacity": 1.0}, "migne": {"demand": 2.0}},
        lambda p: None,
        {"capacity"},
    ),
    "max_stops": ({"van1": {"max_stops_per_day": 0}}, lambda p: None, {"max_stops"}),
    "shift_start": ({"van1": {"shift": TimeWindow(570, 1080)}}, lambda p: None, {"shift_start"}),
    "shift_end": ({"van1": {"shift": TimeWindow(480, 960)}}, lambda p: None, {"shift_end"}),
    "max_work": ({"van1": {"max_work": 420.0}}, lambda p: None, {"max_work"}),
    "max_drive": ({"van1": {"max_drive": 70.0}}, lambda p: None, {"max_drive"}),
    "lunch_missing": (
        {},
        lambda p: (_route(THU1, lunch=None, ret=940)(p), _visit(THU1, end=900)(p)),
        {"lunch_missing"},
    ),
    "lunch_window": ({}, _route(THU1, lunch=(840, 900)), {"lunch_window"}),
    "lunch_duration": (
        {},
        lambda p: (_route(THU1, lunch=(750, 795), ret=985)(p), _visit(THU1, end=945)(p)),
        {"lunch_duration"},
    ),
    "lunch_while_driving": ({}, _route(TUE1, lunch=(760, 820)), {"lunch_while_driving"}),
    "frequency": ({}, _drop_route(TUE2), {"frequency"}),
    "pattern": ({}, _route(TUE2, day=THU2), {"pattern"}),
    # Pinned to its Tuesdays by explicit patterns, but its room is free on Thursdays only.
    "weekday": (
        {"segry": {"weekdays": frozenset({3}), "patterns": ((TUE1, TUE2),)}},
        lambda p: None,
        {"weekday"},
    ),
    "regularity_vehicle": (
        {"extra_vehicles": (VAN2,)},
        _route(TUE2, vehicle="van2"),
        {"regularity_vehicle"},
    ),
    "regularity_time": ({}, _shift_segry, {"regularity_time"}),
    "mandatory_unserved": ({}, _drop_route(THU1), {"mandatory_unserved"}),
    "optional_unserved_not_listed": (
        {},
        lambda p: p.unserved.clear(),
        {"optional_unserved_not_listed"},
    ),
    "unserved_but_served": ({}, lambda p: p.unserved.append("segry"), {"unserved_but_served"}),
}


def test_every_violation_kind_has_a_hand_made_case():
    assert set(CASES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_broken_rule_is_reported_with_its_kind(kind):
    changes, mutate, expected = CASES[kind]
    plan = small_plan()
    mutate(plan)
    report = validate(small_problem(**copy.deepcopy(changes)), plan)
    assert set(report.kinds()) == expected, report.lines()
    assert not report.ok
    for v in report.of_kind(kind):
        assert v.message and "\n" not in v.message
    with pytest.raises(PlanError, match="invalid plan"):
        report.raise_if_invalid()


def test_a_regularity_tolerance_allows_a_small_drift():
    plan = small_plan()
    _shift_segry(plan)
    assert validate(small_problem(objective=Objective(regularity_tolerance=15)), plan).ok


def test_an_unknown_stop_in_a_route_is_reported_and_the_rest_still_checked():
    plan = small_plan()
    route(plan, TUE1).visits.insert(0, Visit("zzz", 500, 500, 520))
    report = validate(small_problem(), plan)
    assert report.kinds()["unknown_stop"] == 1
    assert report.of_kind("unknown_stop")[0].day == TUE1
    assert "mandatory_unserved" not in report.kinds()


def test_a_plan_read_back_from_json_gets_the_same_verdict():
    plan = small_plan()
    _shift_segry(plan)
    again = Plan.from_dict(plan.to_dict())
    a, b = validate(small_problem(), plan), validate(small_problem(), again)
    assert a.violations == b.violations and a.figures.km == b.figures.km


def test_plain_benchmark_horizons_do_not_ask_for_regularity():
    locs = tuple(Location(str(i), str(i)) for i in range(2))
    m = np.array([[0, 10], [10, 0]], float)
    stop = Stop("c", "c", 1, 5, patterns=((0, 1),))
    vans = (Vehicle("a", "a", 0, 0), Vehicle("b", "b", 0, 0))
    problem = Problem(Horizon.plain(2), locs, m, m, (stop,), vans)
    plan = Plan(
        [
            Route("a", 0, 480, 505, [Visit("c", 490, 490, 495)]),
            Route("b", 1, 600, 625, [Visit("c", 610, 610, 615)]),
        ]
    )
    assert validate(problem, plan).ok


# --- properties: the reference constructor and mutations of its plans ---------------------------

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@PROPERTY
@given(problems())
def test_reference_plans_pass_except_for_the_stops_they_could_not_place(problem):
    plan = greedy_plan(problem)
    report = validate(problem, plan)
    unplaced_mandatory = {s for s in plan.unserved if problem.stop_by_id[s].mandatory}
    assert set(report.kinds()) <= {"mandatory_unserved"}, report.lines()
    assert {v.stop for v in report.violations} == unplaced_mandatory


@PROPERTY
@given(feasible_problems(generous=True))
def test_witnesses_of_feasible_problems_are_valid(case):
    problem, plan = case
    assert validate(problem, plan).ok


def _any_visit(plan: Plan, rnd: random.Random) -> tuple[Route, Visit]:
    visits = [(r, v) for r in plan.routes for v in r.visits]
    assume(visits)
    return rnd.choice(visits)


@PROPERTY
@given(feasible_problems(generous=True), st.randoms(use_true_random=False))
def test_starting_before_arrival_is_caught(case, rnd: random.Random):
    problem, plan = case
    _, v = _any_visit(plan, rnd)
    delta = v.start - v.arrival + 5
    v.start -= delta
    v.end -= delta
    assert "early_start" in validate(problem, plan).kinds()


@PROPERTY
@given(feasible_problems(generous=True), st.randoms(use_true_random=False))
def test_dropping_a_visit_is_caught(case, rnd: random.Random):
    problem, plan = case
    r, v = _any_visit(plan, rnd)
    r.visits.remove(v)
    stop = problem.stop_by_id[v.stop]
    remaining = len(plan.visits_of(stop.id))
    expected = (
        "frequency"
        if remaining
        else "mandatory_unserved"
        if stop.mandatory
        else "optional_unserved_not_listed"
    )
    assert expected in validate(problem, plan).kinds()


@PROPERTY
@given(
    feasible_problems(generous=True, frequencies=[Frequency.WEEKLY, Frequency.FORTNIGHTLY]),
    st.randoms(use_true_random=False),
)
def test_moving_a_route_to_a_day_outside_the_patterns_is_caught(case, rnd: random.Random):
    problem, plan = case
    assume(plan.routes)
    r = rnd.choice(plan.routes)
    busy = {q.day for q in plan.routes if q.vehicle == r.vehicle}
    stop = problem.stop_by_id[r.visits[0].stop]
    others = [q.day for q, _ in plan.visits_of(stop.id) if q is not r]
    allowed = set(problem.stop_patterns(stop))
    targets = [
        d
        for d in range(problem.horizon.n_days)
        if d not in busy and tuple(sorted(others + [d])) not in allowed
    ]
    assume(targets)
    r.day = rnd.choice(targets)
    assert "pattern" in validate(problem, plan).kinds()


@PROPERTY
@given(
    feasible_problems(
        generous=True,
        min_vehicles=2,
        calendar=True,
        frequencies=[Frequency.WEEKLY, Frequency.FORTNIGHTLY],
    ),
    st.randoms(use_true_random=False),
)
def test_changing_the_vehicle_of_one_visit_of_a_regular_stop_is_caught(case, rnd):
    problem, plan = case
    regular = [r for r in plan.routes if any(len(plan.visits_of(v.stop)) > 1 for v in r.visits)]
    assume(regular)
    r = rnd.choice(regular)
    other = next(v.id for v in problem.vehicles if v.id != r.vehicle)
    assume(plan.route(other, r.day) is None)
    r.vehicle = other
    assert "regularity_vehicle" in validate(problem, plan).kinds()


@PROPERTY
@given(feasible_problems(generous=True), st.randoms(use_true_random=False))
def test_claiming_a_faster_drive_is_caught(case, rnd: random.Random):
    problem, plan = case
    legs = [
        (r, i)
        for r in plan.routes
        for i in range(len(r.visits))
        if r.visits[i].arrival - (r.depart if i == 0 else r.visits[i - 1].end) > 1
    ]
    assume(legs)
    r, i = rnd.choice(legs)
    r.visits[i].arrival -= 1
    assert "travel_time" in validate(problem, plan).kinds()


# --- La Rur@linette: a real monthly rota -------------------------------------------------------

# From the France Services list (id_fs 2394, "commentaire"): (commune, week, weekday); the last
# day of the month is week None. "Avail" matches no commune of the Indre and is left out.
RURALINETTE = [
    ("Vicq-Exemplet", 0, 0),
    ("Migné", 1, 0),
    ("Pommiers", 2, 0),
    ("Neuvy-Pailloux", 0, 1),
    ("Saint-Août", 1, 1),
    ("Arthon", 2, 1),
    ("Pruniers", 3, 1),
    ("Pellevoisin", 0, 2),
    ("Argy", 1, 2),
    ("Sougé", 2, 2),
    ("Rosnay", 3, 2),
    ("Migny", 0, 3),
    ("Chouday", 1, 3),
    ("Saint-Georges-sur-Arnon", 2, 3),
    ("Badecon-le-Pin", 0, 4),
    ("Ceaulmont", 1, 4),
    ("Vigoux", 2, 4),
    ("Sacierges-Saint-Martin", 3, 4),
    ("Ségry", None, None),
]


def _haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def ruralinette(shared_data, max_work: float | None = None) -> tuple[Problem, Plan]:
    """The rota as it runs: every stop 10:00–16:00 with lunch 12:30–13:30 on site. Travel in
    this test: great-circle distance × 1.3 on the road, at 60 km/h."""
    wanted = {name for name, _, _ in RURALINETTE} | {"Châteauroux"}
    coords = {}
    with open(shared_data / "rcarlier_datas.fun" / "communes.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["insee_dep"] == "36" and row["commune"] in wanted:
                coords[row["commune"]] = (row["insee_com"], float(row["lat"]), float(row["lng"]))
    names = ["Châteauroux"] + [n for n, _, _ in RURALINETTE]
    lat = np.array([coords[n][1] for n in names])
    lon = np.array([coords[n][2] for n in names])
    km = np.round(_haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]) * 1.3, 1)
    minutes = km  # 60 km/h
    horizon = Horizon(weeks=4, monthly=True, last_day_of_month=True)
    day_of = {(d.week, d.weekday): d.index for d in horizon.days if not d.last_of_month}
    last = horizon.n_days - 1
    stops, routes = [], []
    van = Vehicle(
        "ruralinette",
        "La Rur@linette",
        0,
        0,
        shift=TimeWindow(480, 1080),
        max_work=max_work,
        lunch=Lunch(TimeWindow(720, 810), 60),
    )
    for i, (name, week, weekday) in enumerate(RURALINETTE, start=1):
        insee = coords[name][0]
        day = last if week is None else day_of[(week, weekday)]
        stops.append(Stop(insee, name, i, 300, Frequency.MONTHLY, patterns=((day,),), insee=insee))
        out, back = minutes[0, i], minutes[i, 0]
        routes.append(
            Route(
                van.id, day, 600 - out, 960 + back, [Visit(insee, 600, 600, 960)], lunch=(750, 810)
            )
        )
    locations = tuple(
        Location(coords[n][0], n, coords[n][2], coords[n][1], coords[n][0]) for n in names
    )
    problem = Problem(horizon, locations, minutes, km, tuple(stops), (van,), name="ruralinette")
    return problem, Plan(routes, [], "ruralinette")


def test_ruralinettes_rota_is_valid_and_its_monthly_figures_add_up(shared_data):
    problem, plan = ruralinette(shared_data)
    report = validate(problem, plan)
    assert report.ok, report.lines()
    fig = report.figures
    round_trips = problem.distances[0, 1:] + problem.distances[1:, 0]
    assert fig.cycles_per_month == 1.0
    assert fig.km_per_month == pytest.approx(round_trips.sum())
    assert 800 < fig.km_per_month < 2500  # 19 return trips of 20 to 60 km from Châteauroux
    assert fig.presence_hours_total_per_month == pytest.approx(19 * 5)
    assert fig.work_hours_per_month == pytest.approx(19 * 6 + problem.durations[0, 1:].sum() / 30)


def test_a_seven_hour_day_flags_exactly_the_far_stops_of_the_rota(shared_data):
    problem, plan = ruralinette(shared_data, max_work=7 * 60)
    report = validate(problem, plan)
    assert set(report.kinds()) == {"max_work"}
    flagged = {plan.route("ruralinette", v.day).visits[0].stop for v in report.violations}
    far = {
        s.id
        for s in problem.stops
        if 360 + problem.durations[0, s.location] + problem.durations[s.location, 0] > 420
    }
    assert flagged == far and far  # the rota's 6 h on site leave one hour for the drive
    if "36215" in far:  # Ségry, on the last day of the month
        last = next(v for v in report.violations if v.day == problem.horizon.n_days - 1)
        assert last.message.startswith("day 20 (last day of the month) ruralinette: works 7 h ")
