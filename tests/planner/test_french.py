"""French formatting of numbers, times and durations: one separator, hand-written expectations."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from planner.french import (
    THOUSANDS_SEP,
    euros_fr,
    format_duration_fr,
    format_range_fr,
    format_time_fr,
    integer_fr,
    number_fr,
    percent_fr,
    plural_fr,
    short_number_fr,
    spreadsheet_number,
)

NNBSP = "\u202f"


def test_the_thousands_separator_is_the_narrow_no_break_space():
    assert THOUSANDS_SEP == "\u202f"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0, 0, "0"),
        (7, 0, "7"),
        (999, 0, "999"),
        (1000, 0, "1\u202f000"),
        (216069, 0, "216\u202f069"),
        (1234567, 0, "1\u202f234\u202f567"),
        (1486.78, 0, "1\u202f487"),
        (21.43, 1, "21,4"),
        (1234.5, 2, "1\u202f234,50"),
        (0.125, 2, "0,12"),  # round half to even, as Python's format does
        (-2, 0, "-2"),
        (-12345.6, 1, "-12\u202f345,6"),
    ],
)
def test_number_fr(value, digits, expected):
    assert number_fr(value, digits) == expected


def test_integer_fr_rounds_to_the_nearest_whole_number():
    assert integer_fr(12345) == "12\u202f345"
    assert integer_fr(1234.6) == "1\u202f235"


def test_percent_and_euros_follow_the_number_after_a_space():
    assert percent_fr(12.5, 1) == "12,5 %"
    assert percent_fr(3) == "3 %"
    assert euros_fr(60000) == "60\u202f000 €"
    assert euros_fr(2309.75, 2) == "2\u202f309,75 €"


def test_spreadsheet_numbers_have_no_thousands_separator():
    assert spreadsheet_number(216069) == "216069"
    assert spreadsheet_number(1234.56, 1) == "1234,6"
    assert spreadsheet_number(6.25, -1) == "6"  # negative digits: no decimals
    assert NNBSP not in spreadsheet_number(1e9)


def test_short_number_fr_keeps_a_typed_value_short():
    assert short_number_fr(0.5) == "0,5"
    assert short_number_fr(30.0) == "30"
    assert short_number_fr(2.25) == "2,25"
    assert short_number_fr(45) == "45"
    assert short_number_fr(1500) == "1500"
    assert short_number_fr("journée") == "journée"


def test_plural_fr():
    assert plural_fr(0, "commune") == "0 commune"
    assert plural_fr(1, "commune") == "1 commune"
    assert plural_fr(241, "commune") == "241 communes"
    assert plural_fr(2, "lieu", "lieux") == "2 lieux"
    assert plural_fr(1500, "habitant") == "1\u202f500 habitants"


def test_clock_times_have_a_timetable_style_and_a_poster_style():
    assert format_time_fr(630) == "10:30"
    assert format_time_fr(540) == "9:00"
    assert format_time_fr(629.6) == "10:30"  # nearest minute
    assert format_time_fr(630, "poster") == "10 h 30"
    assert format_time_fr(540, "poster") == "9 h"
    assert format_time_fr(545, "poster") == "9 h 05"
    assert format_range_fr(600, 750) == "10:00–12:30"
    assert format_range_fr(600, 750, "poster") == "10 h – 12 h 30"


def test_bad_times_are_refused():
    with pytest.raises(ValueError):
        format_time_fr(-1)
    with pytest.raises(ValueError):
        format_time_fr(float("nan"))
    with pytest.raises(ValueError):
        format_time_fr(600, "banner")  # type: ignore[arg-type]


def test_durations_read_like_french_timetables():
    assert format_duration_fr(70) == "1 h 10"
    assert format_duration_fr(65) == "1 h 05"
    assert format_duration_fr(300) == "5 h"
    assert format_duration_fr(45) == "45 min"
    assert format_duration_fr(0) == "0 min"
    assert format_duration_fr(59.7) == "1 h"


def test_the_module_is_a_leaf():
    source = Path(__file__).resolve().parents[2] / "planner" / "french.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"planner", "geodata", "maps"}


def test_dates_read_as_french_writes_them():
    from datetime import date

    from planner.french import day_month_year_fr

    assert day_month_year_fr(date(2026, 3, 1)) == "1er mars 2026"
    assert day_month_year_fr(date(2027, 8, 15)) == "15 août 2027"
