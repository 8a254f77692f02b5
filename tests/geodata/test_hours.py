"""Opening hours: one day's strings (France Services, hand-made files) and OSM weeks (CNFS)."""

from __future__ import annotations

import pytest

from geodata.hours import OddHours, intervals_fr, parse_day, parse_osm, parse_week, weekly_minutes
from geodata.records import Interval


def iv(a: str, b: str) -> Interval:
    h1, m1 = map(int, a.split(":"))
    h2, m2 = map(int, b.split(":"))
    return Interval(h1 * 60 + m1, h2 * 60 + m2)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("09:00 - 12:00 / 13:30 - 17:00", (iv("09:00", "12:00"), iv("13:30", "17:00"))),
        ("10:00 - 12:30", (iv("10:00", "12:30"),)),
        ("9h-12h", (iv("09:00", "12:00"),)),
        ("09h00 - 12h00", (iv("09:00", "12:00"),)),
        ("9h30-12h / 14h-17h15", (iv("09:30", "12:00"), iv("14:00", "17:15"))),
        ("de 9h à 12h et de 14h à 17h", (iv("09:00", "12:00"), iv("14:00", "17:00"))),
        ("9:00-12:00, 14:00-16:00", (iv("09:00", "12:00"), iv("14:00", "16:00"))),
        ("13:30 - 17:00 / 09:00 - 12:00", (iv("09:00", "12:00"), iv("13:30", "17:00"))),
    ],
)
def test_day_strings_give_sorted_intervals(text, expected):
    assert parse_day(text) == expected


@pytest.mark.parametrize("text", ["", "   ", None, "fermé", "Fermé", "00:00 - 00:00"])
def test_empty_closed_or_placeholder_day_has_no_interval(text):
    assert parse_day(text) == ()


def test_repeated_or_nested_intervals_read_as_their_union():
    # as in the national list (fs:1980): three desks' hours written one after the other
    assert parse_day("09:00 - 17:30 / 09:00 - 12:00 / 13:30 - 17:30") == (iv("09:00", "17:30"),)
    assert parse_day("00:00 - 00:00 / 09:00 - 12:00") == (iv("09:00", "12:00"),)


@pytest.mark.parametrize(
    "text, why",
    [
        ("sur rendez-vous", "cannot read"),
        ("9h-12h le matin", "cannot read"),
        ("14:00 - 09:00", "ends before it starts"),
        ("25:00 - 26:00", "not a time of day"),
        ("09:75 - 10:00", "not a time of day"),
        ("/", "no time range"),
    ],
)
def test_odd_day_strings_are_reported_not_guessed(text, why):
    with pytest.raises(OddHours) as info:
        parse_day(text)
    assert why in info.value.why
    assert info.value.text == text


def test_week_keeps_good_days_and_lists_odd_ones():
    hours, odd = parse_week({0: "09:00 - 12:00", 1: "", 2: "le matin", 4: "14h-16h"})
    assert hours == {0: (iv("09:00", "12:00"),), 4: (iv("14:00", "16:00"),)}
    assert [(d, t) for d, t, _ in odd] == [(2, "le matin")]


def test_osm_rules_with_ranges_lists_and_overrides():
    week = parse_osm("Mo-Th 09:00-12:00,14:00-17:00; We,Fr 14:00-17:00; Sa off")
    assert week[0] == week[1] == week[3] == (iv("09:00", "12:00"), iv("14:00", "17:00"))
    assert week[2] == week[4] == (iv("14:00", "17:00"),)  # the later rule replaces Wednesday
    assert 5 not in week and 6 not in week
    assert weekly_minutes(week) == 3 * 360 + 2 * 180


def test_osm_wrapping_day_range_and_trailing_semicolon():
    week = parse_osm("Sa-Mo 10:00-11:00;")
    assert sorted(week) == [0, 5, 6]


@pytest.mark.parametrize("text", ["Mo-Fr 09:00-12:00-14:00", "Lundi 9h-12h", "Mo 9h30-12h30"])
def test_osm_odd_texts_raise(text):
    with pytest.raises(OddHours):
        parse_osm(text)


def test_osm_empty_and_always_open():
    assert parse_osm("") == {} and parse_osm(None) == {}
    assert parse_osm("24/7")[6] == (Interval(0, 1440),)


def test_french_rendering_of_intervals():
    assert intervals_fr((iv("10:00", "12:30"), iv("13:30", "16:00"))) == "10:00–12:30, 13:30–16:00"
    assert intervals_fr(()) == "fermé"
