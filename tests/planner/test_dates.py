"""The calendar of bookings: French public holidays, dated periods, date parsing and wording."""

from __future__ import annotations

from datetime import date

import pytest

from planner.dates import holidays_between, parse_date, period_days, period_fr
from planner.french import date_range_fr
from planner.scenario.values import DaySel
from planner.tours.model import Horizon
from planner.tours.schedule import horizon_from_dict, horizon_to_dict

WEEK = (0, 1, 2, 3, 4)


def test_period_skips_new_year_and_weekends():
    days = period_days(date(2026, 12, 28), 5, WEEK)
    # 1 January 2027 is a Friday and a public holiday; 2-3 January is a weekend.
    assert days == (
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 4),
    )


def test_period_starting_on_a_saturday_begins_on_monday():
    assert period_days(date(2027, 1, 2), 2, WEEK) == (date(2027, 1, 4), date(2027, 1, 5))


def test_period_respects_the_days_worked_and_days_off():
    tuesdays = period_days(date(2027, 1, 4), 3, (1,), off=lambda d: d == date(2027, 1, 12))
    assert tuesdays == (date(2027, 1, 5), date(2027, 1, 19), date(2027, 1, 26))


def test_good_friday_is_a_holiday_in_alsace_moselle_only():
    good_friday = date(2027, 3, 26)
    assert good_friday not in holidays_between(good_friday, good_friday)
    assert good_friday in holidays_between(good_friday, good_friday, "67482")
    assert period_days(good_friday, 1, WEEK, insee="57") == (date(2027, 3, 30),)  # Easter Monday
    assert period_days(good_friday, 1, WEEK) == (good_friday,)


def test_holiday_names_are_french():
    assert holidays_between(date(2027, 5, 1), date(2027, 5, 31)) == {
        date(2027, 5, 1): "Fête du Travail",
        date(2027, 5, 6): "Ascension",
        date(2027, 5, 8): "Fête de la Victoire",
        date(2027, 5, 17): "lundi de Pentecôte",
    }


@pytest.mark.parametrize("text", ["2027-02-30", "2027-13-01", "05/01/2027", ""])
def test_malformed_dates_are_refused_in_french(text):
    with pytest.raises(ValueError, match="date invalide"):
        parse_date(text)


def test_date_ranges_in_french():
    assert date_range_fr(date(2027, 1, 4), date(2027, 1, 15)) == "du 4 au 15 janvier 2027"
    assert date_range_fr(date(2027, 1, 1), date(2027, 1, 8)) == "du 1er au 8 janvier 2027"
    assert date_range_fr(date(2027, 1, 25), date(2027, 2, 5)) == "du 25 janvier au 5 février 2027"
    assert (
        date_range_fr(date(2026, 12, 28), date(2027, 1, 8))
        == "du 28 décembre 2026 au 8 janvier 2027"
    )
    assert period_fr(()) == "sur un cycle"


def _fortnight() -> Horizon:
    return Horizon(weeks=2, weekdays=WEEK, period=period_days(date(2027, 1, 6), 6, WEEK))


def test_days_of_the_cycle_carry_the_dates_of_the_period():
    h = _fortnight()  # Wednesday 6 to Wednesday 13 January 2027
    dated = {d.index: d.date for d in h.days if d.date is not None}
    assert dated == {
        2: date(2027, 1, 6),
        3: date(2027, 1, 7),
        4: date(2027, 1, 8),
        5: date(2027, 1, 11),
        6: date(2027, 1, 12),
        7: date(2027, 1, 13),
    }
    assert h.period_day_indices == frozenset(dated)
    assert h.period_weeks == 2
    assert horizon_from_dict(horizon_to_dict(h)) == h


def test_a_period_longer_than_the_cycle_is_refused():
    with pytest.raises(ValueError, match="spans 2 weeks"):
        Horizon(weeks=1, weekdays=WEEK, period=period_days(date(2027, 1, 4), 6, WEEK))


def test_a_dated_day_names_one_day_of_the_period_or_says_why_not():
    h = _fortnight()
    assert DaySel.parse("2027-01-12").days(h) == [6]
    with pytest.raises(ValueError, match="hors de la période"):
        DaySel.parse("2027-01-05").days(h)
    with pytest.raises(ValueError, match="demande une période datée"):
        DaySel.parse("2027-01-05").days(Horizon(weeks=2))
    new_year = Horizon(weeks=1, weekdays=WEEK, period=period_days(date(2026, 12, 28), 4, WEEK))
    with pytest.raises(ValueError, match=r"jour férié \(Jour de l'an\)"):
        DaySel.parse("2027-01-01").days(new_year)
