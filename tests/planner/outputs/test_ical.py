"""iCalendar files of a plan (planner.outputs.ical): parsed back with ``icalendar``, expanded with
``recurring-ical-events`` (as calendar programs do) and compared with planner.outputs.calendar's
dates."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time

import icalendar
import pytest
import recurring_ical_events

from planner.outputs.calendar import Schedule, holidays_between, occurrences, permanences
from planner.outputs.ical import PARIS, commune_calendar, event_uid, vehicle_calendar
from tests.planner.outputs.test_calendar import (
    DAY,
    MONTHLY,
    PERSONAL,
    TWO_WEEKS,
    as_json_plan,
    day_of,
    tiny_built,
    tiny_schedule,
)

START, END = date(2030, 1, 7), date(2031, 1, 6)  # 2030: Whit Monday and 11 November on 2nd Mondays
STAMP = datetime(2029, 12, 1, 9, 0, tzinfo=UTC)


def monthly_schedule() -> Schedule:
    h = MONTHLY
    return tiny_schedule(
        h,
        {
            day_of(h, 1, 0): [("36124", *DAY)],  # Migné: 2nd Monday
            day_of(h, 1, 1): [
                ("r1", 540, 585),
                ("36173", 660, 780),
            ],  # a home visit, Rosnay: 2nd Tuesday
            day_of(h, 0, None): [("36215", *DAY)],  # Ségry: last working day
            **{day_of(h, w, 3): [("57463", 600, 720)] for w in range(4)},  # Metz: every Thursday
        },
    )


def expanded(ics: bytes, start: date = START, end: date = END) -> dict[str, list[datetime]]:
    """Occurrences per UID, as a calendar program would show them."""
    cal = icalendar.Calendar.from_ical(ics)
    out: dict[str, list[datetime]] = {}
    for ev in recurring_ical_events.of(cal).between(start, end):
        out.setdefault(str(ev["UID"]), []).append(ev.decoded("DTSTART"))
    return {k: sorted(v) for k, v in out.items()}


def test_expanded_occurrences_equal_the_calendar_dates_minus_holidays():
    s = monthly_schedule()
    ics = vehicle_calendar(s, "van", START, END, stamp=STAMP)
    seen = expanded(ics)
    perms = permanences(s, START)
    assert set(seen) == {event_uid(s, p) for p in perms}
    for p in perms:
        held = [o.date for o in occurrences(p, START, END) if o.held]
        got = seen[event_uid(s, p)]
        assert [d.date() for d in got] == held, p.stop
        opens = p.open_spans()[0][0]
        assert {(d.hour * 60 + d.minute, d.utcoffset()) for d in got} <= {
            (opens, PARIS.utcoffset(datetime(2030, 1, 15))),
            (opens, PARIS.utcoffset(datetime(2030, 7, 15))),
        }
    migne = next(p for p in perms if p.stop == "36124")
    migne_dates = [d.date() for d in seen[event_uid(s, migne)]]
    assert date(2030, 6, 10) not in migne_dates and date(2030, 11, 11) not in migne_dates
    assert len(migne_dates) == 10 and all(
        d.weekday() == 0 and 8 <= d.day <= 14 for d in migne_dates
    )


def test_rrules_follow_the_patterns():
    s = monthly_schedule()
    cal = icalendar.Calendar.from_ical(vehicle_calendar(s, "van", START, END, stamp=STAMP))
    rules = {
        str(ev["LOCATION"]).split(" (")[0]: ev.get("RRULE")
        for ev in cal.walk("VEVENT")
        if "domicile" not in str(ev["SUMMARY"])
    }
    assert rules["Migné"]["FREQ"] == ["MONTHLY"] and rules["Migné"]["BYDAY"] == ["2MO"]
    assert rules["Rosnay"]["BYDAY"] == ["2TU"]
    assert rules["Ségry"]["BYDAY"] == ["MO", "TU", "WE", "TH", "FR"] and rules["Ségry"][
        "BYSETPOS"
    ] == [-1]
    assert rules["Metz"]["FREQ"] == ["WEEKLY"] and rules["Metz"]["BYDAY"] == ["TH"]
    # the home visit: a single event, no rule
    visit = [ev for ev in cal.walk("VEVENT") if "domicile" in str(ev["SUMMARY"])]
    assert len(visit) == 1 and visit[0].get("RRULE") is None
    # UNTIL is UTC, as RFC 5545 wants with a TZID start
    assert (
        rules["Migné"]["UNTIL"][0].tzinfo is not None
        and rules["Migné"]["UNTIL"][0].utcoffset().total_seconds() == 0
    )


def test_fortnightly_rule_has_an_interval_and_starts_in_week_one_or_two():
    h = TWO_WEEKS
    s = tiny_schedule(h, {day_of(h, 1, 1): [("36124", 600, 720)]}, lunch=None)
    cal = icalendar.Calendar.from_ical(
        vehicle_calendar(s, "van", date(2027, 1, 4), date(2027, 12, 31))
    )
    (ev,) = cal.walk("VEVENT")
    assert ev["RRULE"]["INTERVAL"] == [2] and ev["RRULE"]["BYDAY"] == ["TU"]
    assert ev.decoded("DTSTART") == datetime(2027, 1, 12, 10, 0, tzinfo=PARIS)
    dates = [
        d.date()
        for d in expanded(
            vehicle_calendar(s, "van", date(2027, 1, 4), date(2027, 12, 31)),
            date(2027, 1, 4),
            date(2027, 12, 31),
        )[str(ev["UID"])]
    ]
    assert all((b - a).days == 14 for a, b in itertools.pairwise(dates))


def test_holidays_are_excluded_with_exdate_in_paris_time():
    s = monthly_schedule()
    cal = icalendar.Calendar.from_ical(vehicle_calendar(s, "van", START, END, stamp=STAMP))
    migne = next(ev for ev in cal.walk("VEVENT") if str(ev["SUMMARY"]).endswith("Migné"))
    exdates = [d.dt for prop in _as_list(migne["EXDATE"]) for d in prop.dts]
    assert exdates == [
        datetime(2030, 6, 10, 10, 0, tzinfo=PARIS),
        datetime(2030, 11, 11, 10, 0, tzinfo=PARIS),
    ]
    assert "lundi 10 juin 2030 (lundi de Pentecôte)" in str(migne["DESCRIPTION"])
    metz = next(ev for ev in cal.walk("VEVENT") if str(ev["LOCATION"]).startswith("Metz"))
    metz_off = {d.dt.date() for prop in _as_list(metz["EXDATE"]) for d in prop.dts}
    expected = {d for d in holidays_between(START, END, "57463") if d.weekday() == 3}
    assert metz_off == expected and date(2030, 12, 26) in metz_off  # Moselle's 26 December


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_file_imports_into_calendar_programs():
    ics = vehicle_calendar(monthly_schedule(), "van", START, END, stamp=STAMP)
    lines = ics.split(b"\r\n")
    assert ics.endswith(b"\r\n") and b"\n" not in ics.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    assert lines[0] == b"BEGIN:VCALENDAR"
    cal = icalendar.Calendar.from_ical(ics)
    assert str(cal["VERSION"]) == "2.0" and str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["PRODID"]).startswith("-//itinerance//")
    assert str(cal["X-WR-CALNAME"]) == "Bus France services Essai — tournées"
    (tz,) = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/Paris"
    for ev in cal.walk("VEVENT"):
        assert ev["DTSTART"].params["TZID"] == "Europe/Paris"
        assert ev.decoded("DTSTAMP") == STAMP
        assert ev.decoded("DTEND") > ev.decoded("DTSTART")
    assert "essai.toml" not in str(cal["X-ITINERANCE-PROVENANCE"])  # in-memory plan: no inputs


def test_uids_are_stable_across_exports_and_shared_with_the_commune_calendar():
    s = monthly_schedule()
    first = expanded(vehicle_calendar(s, "van", START, END, stamp=STAMP))
    again = expanded(vehicle_calendar(s, "van", START, END, stamp=datetime(2030, 1, 2, tzinfo=UTC)))
    assert set(first) == set(again)
    migne = next(c for c in s.communes() if c.name == "Migné")
    commune = expanded(commune_calendar(s, migne, START, END, stamp=STAMP))
    assert len(commune) == 1 and set(commune) <= set(first)


def test_commune_calendars_hold_no_home_visit_and_no_personal_data():
    built, plan = tiny_built(
        MONTHLY, {day_of(MONTHLY, 1, 1): [("r1", 540, 585), ("36124", 660, 780)]}
    )
    s = Schedule.from_built(built, plan, include_personal=True)
    (migne,) = s.communes()
    public = commune_calendar(s, migne, START, END, stamp=STAMP).decode("utf-8")
    assert "domicile" not in public
    crew = icalendar.Calendar.from_ical(vehicle_calendar(s, "van", START, END, stamp=STAMP))
    text = "\n".join(str(ev["DESCRIPTION"]) for ev in crew.walk("VEVENT"))
    assert PERSONAL["requester_name"] in text and PERSONAL["address"] in text
    without = vehicle_calendar(
        Schedule.from_built(built, plan), "van", START, END, stamp=STAMP
    ).decode()
    assert all(v not in without.replace("\r\n ", "") for v in PERSONAL.values())
    assert "Visite à domicile (Migné)" in without.replace("\r\n ", "")


def test_provenance_is_in_the_calendar():
    built, plan = tiny_built(MONTHLY, {0: [("36124", *DAY)]})
    s = Schedule.from_plan(as_json_plan(built, plan))
    cal = icalendar.Calendar.from_ical(vehicle_calendar(s, "van", START, END, stamp=STAMP))
    assert "essai.toml" in str(cal["X-ITINERANCE-PROVENANCE"])
    assert "graine 7" in str(cal["X-WR-CALDESC"])


def test_an_unknown_vehicle_is_a_one_line_error():
    from planner.errors import PlanError

    with pytest.raises(PlanError, match="unknown vehicle 'bus'"):
        vehicle_calendar(monthly_schedule(), "bus", START, END)


def test_events_start_at_the_opening_after_a_break_taken_on_arrival():
    h = MONTHLY
    s = tiny_schedule(h, {day_of(h, 0, 1): [("36124", 750, 960)]})
    (ev,) = icalendar.Calendar.from_ical(vehicle_calendar(s, "van", START, END, stamp=STAMP)).walk(
        "VEVENT"
    )
    assert ev.decoded("DTSTART").time() == time(13, 30) and ev.decoded("DTEND").time() == time(
        16, 0
    )
