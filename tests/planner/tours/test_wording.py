"""French wording of days and visit patterns (times and durations: test_french.py)."""

import numpy as np
import pytest

from planner.errors import PlanError
from planner.tours.model import Frequency, Horizon, Location, Problem, Stop
from planner.tours.plan import Plan, Route, Visit
from planner.tours.wording import (
    day_label_en,
    day_label_fr,
    describe_days_fr,
    describe_pattern_fr,
    join_fr,
    ordinal_en,
    ordinal_fr,
    weekday_fr,
)


def test_ordinals_weekdays_and_lists():
    assert [ordinal_fr(n) for n in (1, 2, 3, 4)] == ["1er", "2e", "3e", "4e"]
    assert ordinal_fr(1, feminine=True) == "1re"
    assert [ordinal_en(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
    ]
    assert weekday_fr(1) == "mardi" and weekday_fr(0, plural=True) == "lundis"
    assert join_fr(["a"]) == "a" and join_fr(["a", "b", "c"]) == "a, b et c"
    with pytest.raises(ValueError):
        ordinal_fr(0)


def test_day_labels_follow_the_kind_of_cycle():
    month = Horizon(weeks=4, monthly=True, last_day_of_month=True)
    tuesday_2 = next(d.index for d in month.days if d.week == 1 and d.weekday == 1)
    assert day_label_fr(month, tuesday_2) == "2e mardi"
    assert day_label_en(month, tuesday_2) == f"day {tuesday_2} (2nd Tuesday)"
    assert day_label_fr(month, month.n_days - 1) == "dernier jour du mois"
    assert day_label_fr(Horizon(weeks=1), 3) == "jeudi"
    assert day_label_fr(Horizon(weeks=2), 6) == "mardi (semaine 2)"
    assert day_label_en(Horizon(weeks=2), 6) == "day 6 (Tuesday, week 2)"
    assert day_label_fr(Horizon.plain(3), 2) == "jour 3"


def _days(h: Horizon, *keys: tuple[int, int]) -> list[int]:
    return [next(d.index for d in h.days if (d.week, d.weekday) == k) for k in keys]


def test_days_are_described_by_the_rule_people_remember():
    month = Horizon(weeks=4, monthly=True, last_day_of_month=True)
    assert describe_days_fr(month, _days(month, (1, 1))) == "2e mardi du mois"
    assert describe_days_fr(month, _days(month, (0, 0), (2, 0))) == "1er et 3e lundis du mois"
    every_thursday = _days(month, *[(w, 3) for w in range(4)])
    assert describe_days_fr(month, every_thursday) == "chaque jeudi"
    assert describe_days_fr(month, [month.n_days - 1]) == "dernier jour du mois"
    four = Horizon(weeks=4)
    assert describe_days_fr(four, _days(four, (0, 0), (2, 0))) == (
        "un lundi sur deux (semaines 1 et 3)"
    )
    assert describe_days_fr(four, _days(four, (1, 4))) == (
        "un vendredi toutes les quatre semaines (semaine 2)"
    )
    assert describe_days_fr(four, _days(four, (0, 2), (1, 2), (3, 2))) == (
        "le mercredi des semaines 1, 2 et 4"
    )
    two = Horizon(weeks=2)
    assert describe_days_fr(two, _days(two, (1, 0))) == "un lundi sur deux (semaine 2)"
    assert describe_days_fr(two, _days(two, (0, 0), (0, 3))) == (
        "un lundi sur deux (semaine 1) et un jeudi sur deux (semaine 1)"
    )
    assert describe_days_fr(Horizon(weeks=1), [1, 3]) == "chaque mardi et chaque jeudi"
    assert describe_days_fr(Horizon.plain(5), [0, 2, 4]) == "jours 1, 3 et 5"


def _problem(horizon: Horizon) -> Problem:
    locs = (Location("b", "Base"), Location("s", "Saint-Août"), Location("t", "Ségry"))
    stops = (
        Stop("s", "Saint-Août", 1, 150, Frequency.MONTHLY),
        Stop("t", "Ségry", 2, 300, Frequency.MONTHLY),
        Stop("u", "Argy", 2, 60, Frequency.MONTHLY, mandatory=False),
    )
    return Problem(horizon, locs, np.zeros((3, 3)), np.zeros((3, 3)), stops, ())


def test_pattern_of_a_monthly_rota_stop_with_its_hours_and_lunch():
    month = Horizon(weeks=4, monthly=True, last_day_of_month=True)
    p = _problem(month)
    tuesday_2 = _days(month, (1, 1))[0]
    last = month.n_days - 1
    plan = Plan(
        [
            Route("van", tuesday_2, 540, 800, [Visit("s", 600, 600, 750)]),
            Route("van", last, 540, 1000, [Visit("t", 600, 600, 960)], lunch=(750, 810)),
        ]
    )
    assert describe_pattern_fr(p, "s", plan) == "2e mardi du mois, 10:00–12:30"
    assert describe_pattern_fr(p, "t", plan) == (
        "dernier jour du mois, 10:00–16:00 (pause déjeuner 12:30–13:30)"
    )
    assert describe_pattern_fr(p, "s", plan, style="poster") == "2e mardi du mois, 10 h – 12 h 30"
    assert describe_pattern_fr(p, "u", plan) == "non desservi"
    with pytest.raises(PlanError, match="unknown stop 'zz'"):
        describe_pattern_fr(p, "zz", plan)


def test_pattern_of_weekly_and_fortnightly_stops():
    four = Horizon(weeks=4)
    p = _problem(four)
    thursdays = _days(four, *[(w, 3) for w in range(4)])
    mondays = _days(four, (0, 0), (2, 0))
    plan = Plan(
        [Route("van", d, 700, 1000, [Visit("s", 810, 810, 960)]) for d in thursdays]
        + [Route("van", d, 500, 800, [Visit("t", 540, 540, 720)]) for d in mondays]
    )
    assert describe_pattern_fr(p, "s", plan) == "chaque jeudi, 13:30–16:00"
    assert describe_pattern_fr(p, "t", plan) == "un lundi sur deux (semaines 1 et 3), 9:00–12:00"


def test_visits_at_different_hours_are_listed_day_by_day():
    month = Horizon(weeks=4, monthly=True)
    p = _problem(month)
    d1, d3 = _days(month, (0, 0), (2, 0))
    plan = Plan(
        [
            Route("van", d1, 500, 800, [Visit("s", 600, 600, 750)]),
            Route("van", d3, 700, 1000, [Visit("s", 810, 810, 960)]),
        ]
    )
    assert describe_pattern_fr(p, "s", plan) == (
        "1er lundi du mois, 10:00–12:30 ; 3e lundi du mois, 13:30–16:00"
    )
