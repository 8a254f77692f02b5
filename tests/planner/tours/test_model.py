"""The problem model: horizons and visit patterns."""

import numpy as np
import pytest

from planner.tours.model import Frequency, Horizon, Location, Problem, Stop, TimeWindow
from planner.tours.plan import Plan, Route, Visit


def test_weekly_pattern_in_a_monthly_horizon_repeats_the_same_weekday_every_week():
    h = Horizon(weeks=4, monthly=True)
    pats = h.patterns(Frequency.WEEKLY, weekdays={1})
    assert len(pats) == 1
    assert [h.days[d].weekday for d in pats[0]] == [1, 1, 1, 1]
    assert [h.days[d].week for d in pats[0]] == [0, 1, 2, 3]


def test_fortnightly_patterns_alternate_weeks_and_monthly_may_use_last_day():
    h = Horizon(weeks=4, monthly=True, last_day_of_month=True)
    fort = h.patterns(Frequency.FORTNIGHTLY, weekdays={0})
    assert sorted(tuple(h.days[d].week for d in p) for p in fort) == [(0, 2), (1, 3)]
    monthly = h.patterns(Frequency.MONTHLY)
    assert len(monthly) == 21 and h.days[monthly[-1][0]].last_of_month


def test_days_off_remove_patterns_that_need_them():
    h = Horizon(weeks=2, days_off=frozenset({7 + 2}))  # Wednesday of week 2
    assert h.n_days == 9
    weekly = h.patterns(Frequency.WEEKLY)
    assert {h.days[p[0]].weekday for p in weekly} == {0, 1, 3, 4}


def test_fortnightly_impossible_in_one_week_cycle():
    assert Horizon(weeks=1).patterns(Frequency.FORTNIGHTLY) == ()


def test_problem_rejects_mismatched_matrix():
    with pytest.raises(ValueError, match="shape"):
        Problem(Horizon(), (Location("a", "a"),), np.zeros((2, 2)), np.zeros((1, 1)), (), ())


def test_stop_day_windows_restrict_patterns():
    locs = (Location("d", "d"), Location("s", "s"))
    stop = Stop("s", "s", 1, 30, Frequency.ONCE, windows=(TimeWindow(600, 700, frozenset({2})),))
    p = Problem(Horizon(), locs, np.zeros((2, 2)), np.zeros((2, 2)), (stop,), ())
    assert p.stop_patterns(stop) == ((2,),)


def test_plan_json_round_trip():
    plan = Plan(
        [Route("v", 1, 480, 900, [Visit("s", 500, 510, 600)], lunch=(720, 780))], ["x"], "demo"
    )
    again = Plan.from_dict(plan.to_dict())
    assert again.routes[0].visits[0] == Visit("s", 500, 510, 600)
    assert again.routes[0].lunch == (720, 780) and again.unserved == ["x"]
