"""Real dates of a plan (planner.outputs.calendar): cycles anchored in the calendar, holidays,
words.

Small hand-made plans are built here through planner.tours.model and planner.tours.plan
(:func:`tiny_built`); the iCalendar, GIS, timetable and poster tests import them.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from planner.access.matrices import location_matrices
from planner.access.routers import OfflineModel
from planner.errors import PlanError
from planner.outputs.calendar import (
    Recurrence,
    Schedule,
    add_months,
    date_fr,
    day_title_fr,
    days_fr,
    default_start,
    holiday_subdivision,
    holidays_between,
    occurrences,
    permanences,
    sentence_fr,
    subject_fr,
)
from planner.scenario.context import Built, Context, StopInfo, VehicleInfo
from planner.tours.model import Frequency, Horizon, Location, Problem, Stop, StopKind, Vehicle
from planner.tours.plan import Plan, PlanMeta, Route, Visit
from planner.tours.schedule import horizon_from_dict, horizon_to_dict, schedule_meta

MONTHLY = Horizon(weeks=4, monthly=True, last_day_of_month=True)
TWO_WEEKS = Horizon(weeks=2)
FOUR_WEEKS = Horizon(weeks=4)

BASE = ("Châteauroux", "36044", 1.6976, 46.8214)
PLACES = {
    "36124": ("Migné", 1.3078, 46.7155),
    "36215": ("Ségry", 2.0820, 46.8775),
    "36173": ("Rosnay", 1.2043, 46.7106),
    "57463": ("Metz", 6.1757, 49.1193),
}
# A home visit: the requester's home (never to be written) and personal details.
HOME = (1.3101, 46.7190)
PERSONAL = {
    "requester_name": "Jeanne Testeuse",
    "requester_phone": "01 23 45 67 89",
    "address": "12 rue des Lilas",
}

Visits = list[tuple[str, float, float]]  # (stop id, start, end) in minutes


def tiny_built(
    horizon: Horizon,
    days: dict[int, Visits],
    *,
    lunch: tuple[float, float] | None = (750.0, 810.0),
    request_commune: str | None = "36124",
    name: str = "Bus France services Essai",
) -> tuple[Built, Plan]:
    """A one-vehicle problem and its plan: ``days`` maps a cycle day to its visits in order.
    Stop ids are INSEE codes of :data:`PLACES`, or ``"r1"`` for a home visit (at :data:`HOME`,
    in ``request_commune``). The break is taken on site when a visit spans it."""
    locations = [Location("base", BASE[0], BASE[2], BASE[3], BASE[1])]
    stops: list[Stop] = []
    infos: dict[str, StopInfo] = {}
    wanted = sorted({sid for visits in days.values() for sid, _, _ in visits})
    for sid in wanted:
        if sid == "r1":
            locations.append(Location("request:r1", "Visite r1", *HOME, request_commune))
            commune = PLACES[request_commune] if request_commune else None
            stops.append(
                Stop(
                    "r1",
                    "Visite r1",
                    len(locations) - 1,
                    45.0,
                    Frequency.ONCE,
                    StopKind.REQUEST,
                    insee=request_commune,
                )
            )
            infos["r1"] = StopInfo(
                "r1",
                "Visite r1",
                "request",
                request_commune,
                commune[0] if commune else None,
                commune[1] if commune else None,
                commune[2] if commune else None,
            )
            continue
        cname, lon, lat = PLACES[sid]
        locations.append(Location(f"commune:{sid}", cname, lon, lat, sid))
        stops.append(Stop(sid, cname, len(locations) - 1, 300.0, insee=sid))
        infos[sid] = StopInfo(sid, cname, "stop", sid, cname, lon, lat)
    durations, distances = location_matrices(locations, OfflineModel())
    vehicle = Vehicle("van", name, 0, 0)
    problem = Problem(
        horizon, tuple(locations), durations, distances, tuple(stops), (vehicle,), name="Essai"
    )
    plan = Plan(problem="Essai")
    for day, visits in sorted(days.items()):
        first = problem.stop_by_id[visits[0][0]].location
        last = problem.stop_by_id[visits[-1][0]].location
        depart = visits[0][1] - problem.travel(0, first)[0]
        ret = visits[-1][2] + problem.travel(last, 0)[0]
        plan.routes.append(
            Route("van", day, depart, ret, [Visit(sid, a, a, b) for sid, a, b in visits], lunch)
        )
    ctx = Context(name="Essai", stops=infos, router=OfflineModel().describe())
    ctx.vehicles["van"] = VehicleInfo("van", name, BASE[0], BASE[1])
    ctx.personal = {"r1": dict(PERSONAL)} if "r1" in wanted else {}
    return Built(problem, ctx), plan


def tiny_schedule(horizon: Horizon, days: dict[int, Visits], **kw) -> Schedule:
    built, plan = tiny_built(horizon, days, **kw)
    return Schedule.from_built(built, plan)


def as_json_plan(built: Built, plan: Plan) -> Plan:
    """The plan as ``itinerance plan`` writes it (context, schedule, provenance), read back."""
    plan.meta = PlanMeta(
        engine="essai",
        seed=7,
        inputs=[{"role": "scenario", "path": "essai.toml", "sha256": "ab" * 32}],
        versions={"itinerance": "0.1.0"},
        travel=built.context.router,
        context=built.context.to_dict(),
        schedule=schedule_meta(built.problem, plan),
    )
    return Plan.from_dict(json.loads(plan.to_json()), source="essai.json")


def day_of(h: Horizon, week: int, weekday: int | None) -> int:
    if weekday is None:
        return next(d.index for d in h.days if d.last_of_month)
    return next(d.index for d in h.days if d.week == week and d.weekday == weekday)


DAY = (600.0, 960.0)  # 10:00–16:00, lunch 12:30–13:30 on site


# --- the cycle in JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "horizon",
    [
        MONTHLY,
        TWO_WEEKS,
        Horizon(weeks=1, weekdays=(0, 2, 5), days_off=frozenset({2})),
        Horizon.plain(3),
    ],
)
def test_horizon_round_trips_through_json(horizon):
    again = horizon_from_dict(json.loads(json.dumps(horizon_to_dict(horizon))))
    assert again == horizon
    assert again.days == horizon.days


def test_schedule_read_back_from_plan_json_equals_the_one_made_in_memory():
    built, plan = tiny_built(
        TWO_WEEKS, {1: [("36124", 600, 720), ("36173", 780, 900)], 6: [("36215", *DAY)]}
    )
    direct = Schedule.from_built(built, plan)
    read = Schedule.from_plan(as_json_plan(built, plan), "essai.json")
    assert read.horizon == direct.horizon
    assert read.legs.keys() == direct.legs.keys()
    for key, legs in direct.legs.items():
        assert [leg.km for leg in read.legs[key]] == pytest.approx(
            [leg.km for leg in legs], abs=1e-3
        )
        assert [leg.minutes for leg in read.legs[key]] == pytest.approx(
            [leg.minutes for leg in legs], abs=1e-3
        )
    assert read.vehicles["van"].base.lon == pytest.approx(BASE[2])
    assert read.stops["36124"].name == "Migné"
    # the legs follow the problem's matrices: base → Migné → Rosnay → base
    p = built.problem
    migne, rosnay = p.stop_by_id["36124"].location, p.stop_by_id["36173"].location
    assert read.legs[("van", 1)][1].km == pytest.approx(p.travel(migne, rosnay)[1], abs=1e-3)
    assert read.legs[("van", 1)][2].minutes == pytest.approx(p.travel(rosnay, 0)[0], abs=1e-3)


def test_the_schedule_block_never_holds_a_home_visits_coordinates():
    built, plan = tiny_built(MONTHLY, {0: [("r1", 540, 585), ("36124", *DAY)]})
    text = json.dumps(schedule_meta(built.problem, plan))
    assert str(HOME[0]) not in text and str(HOME[1]) not in text
    assert all(v not in text for v in PERSONAL.values())


def test_a_plan_without_context_or_schedule_is_refused_in_one_line():
    built, plan = tiny_built(MONTHLY, {0: [("36124", *DAY)]})
    read = as_json_plan(built, plan)
    old = Plan.from_dict({**read.to_dict(), "meta": {"engine": "x"}}, "vieux.json")
    with pytest.raises(PlanError, match=r"vieux.json: the plan has no context block"):
        Schedule.from_plan(old, "vieux.json")
    no_schedule = Plan.from_dict({**read.to_dict(), "meta": {"context": read.meta.context}})
    with pytest.raises(PlanError, match="no schedule block"):
        Schedule.from_plan(no_schedule, "p.json")
    broken = read.to_dict()
    broken["meta"]["schedule"]["legs"][0]["km"] = [1.0]
    with pytest.raises(PlanError, match="malformed schedule"):
        Schedule.from_plan(Plan.from_dict(broken), "p.json")


def test_a_route_whose_legs_do_not_match_its_visits_is_refused():
    built, plan = tiny_built(MONTHLY, {0: [("36124", *DAY)]})
    data = as_json_plan(built, plan).to_dict()
    data["meta"]["schedule"]["legs"][0]["minutes"] = [1.0, 2.0, 3.0]
    data["meta"]["schedule"]["legs"][0]["km"] = [1.0, 2.0, 3.0]
    with pytest.raises(PlanError, match="legs are missing or do not match"):
        Schedule.from_plan(Plan.from_dict(data), "p.json")


# --- recurrences in real dates -------------------------------------------------------------------


def test_second_monday_of_every_month():
    dates = Recurrence("monthly", 0, nths=(2,)).dates(date(2027, 1, 1), date(2027, 12, 31))
    assert len(dates) == 12
    assert all(d.weekday() == 0 and 8 <= d.day <= 14 for d in dates)
    assert dates[0] == date(2027, 1, 11)


def test_last_working_day_skips_the_weekend():
    rec = Recurrence("last_workday", workdays=(0, 1, 2, 3, 4))
    dates = rec.dates(date(2027, 1, 1), date(2027, 3, 31))
    assert dates == [
        date(2027, 1, 29),
        date(2027, 2, 26),
        date(2027, 3, 31),
    ]  # 31/1, 28/2 are Sundays


def test_fortnightly_from_its_first_date_even_when_the_period_starts_later():
    rec = Recurrence("weekly", 1, interval=2, first=date(2027, 1, 5))
    assert rec.dates(date(2027, 1, 13), date(2027, 2, 10)) == [date(2027, 1, 19), date(2027, 2, 2)]


def test_monthly_cycle_day_becomes_nth_weekday_and_all_four_weeks_every_week():
    h = MONTHLY
    s = tiny_schedule(
        h,
        {
            day_of(h, 1, 0): [("36124", *DAY)],
            **{day_of(h, w, 3): [("36173", *DAY)] for w in range(4)},
        },
    )
    by_stop = {p.stop: p for p in permanences(s, date(2027, 1, 4))}
    assert by_stop["36124"].recurrence == Recurrence("monthly", 0, nths=(2,))
    assert days_fr(h, by_stop["36124"]) == "le 2e lundi du mois"
    thursday = by_stop["36173"].recurrence
    assert thursday.kind == "weekly" and thursday.interval == 1
    assert days_fr(h, by_stop["36173"]) == "chaque jeudi"
    # every Thursday, the 5th of the month too (29 April 2027)
    assert date(2027, 4, 29) in thursday.dates(date(2027, 4, 1), date(2027, 4, 30))


def test_last_day_slot_is_the_last_working_day():
    h = MONTHLY
    s = tiny_schedule(h, {day_of(h, 0, None): [("36215", *DAY)]})
    (p,) = permanences(s, date(2027, 1, 4))
    assert p.recurrence.kind == "last_workday"
    assert p.recurrence.rrule() == {
        "FREQ": "MONTHLY",
        "BYDAY": ["MO", "TU", "WE", "TH", "FR"],
        "BYSETPOS": -1,
    }
    assert days_fr(h, p) == "le dernier jour ouvré du mois"
    assert [o.date for o in occurrences(p, date(2027, 1, 4), date(2027, 2, 28))] == [
        date(2027, 1, 29),
        date(2027, 2, 26),
    ]


def test_two_week_cycle_is_anchored_on_the_start_week():
    h = TWO_WEEKS
    s = tiny_schedule(
        h,
        {
            day_of(h, 1, 1): [("36124", 600, 720)],
            day_of(h, 0, 1): [("36173", 600, 720)],
            day_of(h, 1, 3): [("36173", 600, 720)],
        },
    )
    perms = permanences(s, date(2027, 1, 4))  # Monday 4 January 2027 = week 1
    migne = next(p for p in perms if p.stop == "36124")
    assert migne.recurrence == Recurrence("weekly", 1, interval=2, first=date(2027, 1, 12))
    assert days_fr(h, migne) == "un mardi sur deux"
    assert migne.recurrence.rrule() == {"FREQ": "WEEKLY", "INTERVAL": 2, "BYDAY": ["TU"]}
    rosnay = sorted((p for p in perms if p.stop == "36173"), key=lambda p: p.days)
    assert [p.recurrence.first for p in rosnay] == [date(2027, 1, 5), date(2027, 1, 14)]


def test_a_start_in_mid_week_keeps_that_week_as_week_one():
    h = TWO_WEEKS
    s = tiny_schedule(h, {day_of(h, 0, 1): [("36124", 600, 720)]})
    (p,) = permanences(s, date(2027, 1, 6))  # a Wednesday: week 1's Tuesday is past
    assert p.recurrence.first == date(2027, 1, 19)


def test_irregular_weeks_of_a_four_week_cycle_become_one_recurrence_per_week():
    h = FOUR_WEEKS
    s = tiny_schedule(
        h, {day_of(h, 0, 2): [("36124", 600, 720)], day_of(h, 1, 2): [("36124", 600, 720)]}
    )
    perms = permanences(s, date(2027, 1, 4))
    assert [(p.recurrence.interval, p.recurrence.first) for p in perms] == [
        (4, date(2027, 1, 6)),
        (4, date(2027, 1, 13)),
    ]


def test_different_hours_on_different_days_make_separate_permanences():
    h = MONTHLY
    s = tiny_schedule(
        h,
        {day_of(h, 0, 1): [("36124", 600, 720)], day_of(h, 2, 1): [("36124", 840, 960)]},
        lunch=None,
    )
    perms = permanences(s, date(2027, 1, 4))
    assert [(p.start, p.recurrence.nths) for p in perms] == [(600, (1,)), (840, (3,))]


def test_a_home_visit_is_one_date_never_a_public_holiday():
    h = MONTHLY
    s = tiny_schedule(h, {day_of(h, 0, 0): [("r1", 540, 585)]})
    (p,) = permanences(s, date(2028, 4, 10))
    # first Mondays: 1 May 2028 (Fête du Travail) and 5 June 2028 (Pentecôte) are holidays
    assert p.recurrence == Recurrence("once", first=date(2028, 7, 3))
    assert p.recurrence.rrule() is None


def test_plain_benchmark_days_have_no_calendar():
    h = Horizon.plain(2)
    s = tiny_schedule(h, {0: [("36124", 600, 720)]})
    with pytest.raises(PlanError, match="no calendar dates"):
        permanences(s, date(2027, 1, 4))


# --- holidays ----------------------------------------------------------------------------------


def test_french_holidays_with_their_french_names():
    found = holidays_between(date(2027, 1, 1), date(2027, 12, 31), "36124")
    assert found[date(2027, 3, 29)] == "lundi de Pâques"
    assert found[date(2027, 11, 1)] == "Toussaint"
    assert len(found) == 11
    assert date(2027, 3, 26) not in found  # Good Friday: Alsace-Moselle only


def test_alsace_moselle_and_overseas_have_their_own_holidays():
    assert holiday_subdivision("57463") == "57"
    assert holiday_subdivision("67482") == "6AE"
    assert holiday_subdivision("97411") == "974"
    assert holiday_subdivision("36124") is None
    assert holiday_subdivision(None) is None
    metz = holidays_between(date(2027, 1, 1), date(2027, 12, 31), "57463")
    assert date(2027, 3, 26) in metz and date(2027, 12, 26) in metz


def test_occurrences_on_holidays_are_kept_and_named():
    h = MONTHLY
    s = tiny_schedule(h, {day_of(h, 1, 0): [("36124", *DAY)]})
    (p,) = permanences(s, date(2030, 1, 1))
    off = [
        (o.date, o.holiday)
        for o in occurrences(p, date(2030, 1, 1), date(2030, 12, 31))
        if not o.held
    ]
    assert off == [(date(2030, 6, 10), "lundi de Pentecôte"), (date(2030, 11, 11), "Armistice")]


def test_default_start_is_the_next_monday():
    assert default_start(date(2026, 11, 28)) == date(2026, 11, 30)  # a Saturday
    assert default_start(date(2026, 11, 30)) == date(2026, 12, 7)  # a Monday: the next one
    assert default_start().weekday() == 0 and default_start() > date.today()


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)


# --- French words ------------------------------------------------------------------------------


def test_poster_sentence_with_the_break_on_site():
    h = MONTHLY
    s = tiny_schedule(
        h, {day_of(h, 1, 0): [("36124", *DAY)]}, name="Bus France services La Rur@linette"
    )
    (p,) = permanences(s, date(2027, 1, 4))
    assert sentence_fr(s, p) == (
        "Le bus France services La Rur@linette vient à Migné le 2e lundi du mois, "
        "de 10 h à 12 h 30 et de 13 h 30 à 16 h."
    )
    assert sentence_fr(s, p, who="La Rur@linette").startswith("La Rur@linette vient à Migné")


def test_a_break_at_the_start_of_a_visit_only_delays_the_opening():
    h = MONTHLY
    s = tiny_schedule(h, {day_of(h, 0, 1): [("36124", 750, 960)]})
    (p,) = permanences(s, date(2027, 1, 4))
    assert p.open_spans() == [(810, 960)]
    assert sentence_fr(s, p).endswith("le 1er mardi du mois, de 13 h 30 à 16 h.")


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("Bus France services X", "Le bus France services X"),
        ("La Rur@linette", "La Rur@linette"),
        ("Camping-car numérique", "Le camping-car numérique"),
        ("Connecto'bus", "Connecto'bus"),
    ],
)
def test_vehicle_names_as_subjects(name, subject):
    assert subject_fr(name) == subject


def test_dates_and_day_titles_in_french():
    assert date_fr(date(2027, 10, 1)) == "vendredi 1er octobre 2027"
    assert date_fr(date(2027, 1, 11)) == "lundi 11 janvier 2027"
    assert day_title_fr(MONTHLY, day_of(MONTHLY, 1, 0)) == "2e lundi du mois"
    assert day_title_fr(MONTHLY, day_of(MONTHLY, 0, None)) == "Dernier jour ouvré du mois"
    assert day_title_fr(TWO_WEEKS, day_of(TWO_WEEKS, 1, 1)) == "Semaine 2 — mardi"
    assert day_title_fr(Horizon(weeks=1), 3) == "Jeudi"


def test_communes_group_public_stops_and_leave_home_visits_out():
    h = MONTHLY
    s = tiny_schedule(
        h,
        {day_of(h, 0, 0): [("r1", 540, 585), ("36124", *DAY)], day_of(h, 1, 0): [("36173", *DAY)]},
    )
    assert [(c.name, c.stops) for c in s.communes()] == [
        ("Migné", ("36124",)),
        ("Rosnay", ("36173",)),
    ]


def test_provenance_sentence_names_inputs_engine_and_seed():
    built, plan = tiny_built(MONTHLY, {0: [("36124", *DAY)]})
    text = Schedule.from_plan(as_json_plan(built, plan)).provenance_fr()
    assert "moteur essai, graine 7" in text and "scénario essai.toml (sha256 abababababab…)" in text
    assert "itinerance 0.1.0" in text


def test_every_recurrence_date_is_in_the_period_and_on_its_weekday():
    for rec in (
        Recurrence("monthly", 3, nths=(1, 3)),
        Recurrence("weekly", 4),
        Recurrence("weekly", 2, interval=4, first=date(2027, 2, 3)),
    ):
        start = date(2027, 2, 1)
        dates = rec.dates(start, start + timedelta(days=365))
        assert dates and all(d.weekday() == rec.weekday for d in dates)
        assert all(start <= d <= start + timedelta(days=365) for d in dates)
