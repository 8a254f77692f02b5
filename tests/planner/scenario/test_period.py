"""Bookings on a dated period ([period]) planned with recurring permanences on the same van,
counted once in every figure, and inserted into a published plan without moving it."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from planner.analysis.visitors import bookings_per_year, expected_visitors
from planner.outputs.calendar import Schedule, permanences
from planner.outputs.ical import vehicle_calendar
from planner.outputs.report import figures_lines, pattern_lines
from planner.scenario.build import build
from planner.scenario.files import parse_scenario
from planner.scenario.pipeline import keep_published, plan_scenario
from planner.tours.model import StopKind
from planner.tours.plan import Plan
from planner.tours.validator import validate

# One van, three weekly permanences (Tuesday, Wednesday, Thursday mornings) and three dated
# bookings in the afternoons of the fortnight of 4-15 January 2027.
SCENARIO = """\
schema_version = 1
name = "Un van, permanences et réservations"

[data]
standalone = true

[period]
start = "2027-01-04"
working_days = 10

[horizon]
weeks = 2

[[vehicles]]
id = "van"
base = {{ name = "Le Blanc", lon = 1.0968, lat = 46.6354 }}
shift = "08:30-17:30"
lunch = {{ window = "12:00-14:00", duration = 60 }}

[stops]
permanence = 120
frequency = "weekly"

[[stops.list]]
name = "Rosnay"
lon = 1.2043
lat = 46.7106
weekdays = ["mardi"]
window = "09:00-12:00"
[[stops.list]]
name = "Ciron"
lon = 1.2420
lat = 46.6256
weekdays = ["mercredi"]
window = "09:00-12:00"
[[stops.list]]
name = "Martizay"
lon = 1.0387
lat = 46.8071
weekdays = ["jeudi"]
window = "09:00-12:00"

[[requests]]
id = "resa-1"
lon = 1.4302
lat = 46.6484
duration = "1h30"
windows = ["2027-01-05 14:00-17:00"]
[[requests]]
id = "resa-2"
lon = 1.1500
lat = 46.7500
duration = "2h"
windows = ["2027-01-13 13:30-17:00"]
[[requests]]
id = "resa-3"
lon = 1.3000
lat = 46.5800
duration = "1h"
windows = ["vendredi semaine 2 14:00-16:00"]
{extra}
[solver]
time_limit = 3
seed = 1
"""

NEW_BOOKING = """
[[requests]]
id = "resa-4"
lon = 1.2000
lat = 46.7000
duration = "1h"
windows = ["2027-01-12 14:00-17:00"]
"""

DATES = {"resa-1": date(2027, 1, 5), "resa-2": date(2027, 1, 13), "resa-3": date(2027, 1, 15)}
MINUTES = {"resa-1": 90, "resa-2": 120, "resa-3": 60, "resa-4": 60}


def _scenario(tmp_path, extra: str = ""):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(extra=extra), encoding="utf-8")
    return parse_scenario(path.read_text(encoding="utf-8"), path)


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    return plan_scenario(_scenario(tmp_path_factory.mktemp("period")))


def test_the_period_is_the_fortnight_of_working_days(tmp_path):
    h = _scenario(tmp_path).horizon
    assert h.period[0] == date(2027, 1, 4) and h.period[-1] == date(2027, 1, 15)
    assert len(h.period) == 10 and all(d.date is not None for d in h.days)


def test_bookings_on_their_dates_and_permanences_every_week(planned):
    problem, plan = planned.built.problem, planned.plan
    assert planned.report.ok, planned.report.lines()
    assert validate(problem, plan).ok
    days = problem.horizon.days
    for sid, when in DATES.items():
        visits = plan.visits_of(sid)
        assert [days[r.day].date for r, _ in visits] == [when]
    for stop in problem.stops:
        if stop.kind is StopKind.STOP:
            served = sorted(
                (days[r.day] for r, _ in plan.visits_of(stop.id)), key=lambda d: d.index
            )
            assert [d.week for d in served] == [0, 1]
            assert served[0].weekday == served[1].weekday == next(iter(stop.weekdays))
    assert {r.vehicle for r in plan.routes} == {"van"}


def test_bookings_count_once_in_the_figures(planned):
    problem, plan, fig = planned.built.problem, planned.plan, planned.report.figures
    # Hours of bookings: their durations added by hand, once.
    assert fig.request_hours == pytest.approx({k: MINUTES[k] / 60 for k in DATES})
    # Permanences: 3 stops × 2 visits × 2 h per fortnight, per average month.
    cpm = 365.25 / 7 / 12 / 2
    assert fig.presence_hours_total_per_month == pytest.approx(3 * 2 * 2 * cpm)
    # The bookings' km: each route's km less the same route without its bookings.
    van = problem.vehicle_by_id["van"]
    total = once = 0.0
    for route in plan.routes:
        stops = [problem.stop_by_id[v.stop] for v in route.visits]
        path = [van.start_location, *(s.location for s in stops), van.end_location]
        km = sum(problem.travel(a, b)[1] for a, b in pairwise(path))
        kept = [van.start_location]
        kept += [s.location for s in stops if s.kind is StopKind.STOP]
        kept.append(van.end_location)
        without = sum(problem.travel(a, b)[1] for a, b in pairwise(kept)) if len(kept) > 2 else 0
        total += km
        once += km - without
    assert once > 0
    assert fig.once_km == pytest.approx(once)
    assert fig.km == pytest.approx(total)
    assert fig.km_per_month == pytest.approx((total - once) * cpm)


def test_visitors_extrapolate_the_bookings_and_say_how(planned):
    problem = planned.built.problem
    ev = expected_visitors(problem, planned.plan, months=10.0)
    factor = bookings_per_year(problem.horizon, 10.0)
    assert factor == pytest.approx(10.0 * 365.25 / 7 / 12 * 5 / 10)
    assert ev.requests_in_period == 3
    assert ev.requests == pytest.approx(3 * factor)


def test_printout_gives_dates_and_no_monthly_hours_for_bookings(planned):
    problem, plan = planned.built.problem, planned.plan
    lines = {line.split(" : ")[0]: line for line in pattern_lines(problem, plan)}
    resa = lines["- Visite resa-1"]
    assert "mardi 5 janvier 2027" in resa
    assert "1 h 30 de visite, une seule fois" in resa and "par mois" not in resa
    text = "\n".join(figures_lines(problem, planned.report))
    assert "Réservations sur la période du 4 au 15 janvier 2027 (10 jours ouvrés)" in text
    assert "3 visites, 4 h 30 de visite" in text  # 1 h 30 + 2 h + 1 h


def test_calendar_puts_each_booking_on_its_date_once(planned):
    schedule = Schedule.from_built(planned.built, planned.plan)
    anchor = date(2027, 3, 1)  # any anchor: a booking of the period keeps its date
    booked = {p.stop: p for p in permanences(schedule, anchor) if schedule.is_request(p.stop)}
    assert {k: p.recurrence.first for k, p in booked.items()} == DATES
    assert all(p.recurrence.kind == "once" for p in booked.values())
    ics = vehicle_calendar(schedule, "van", date(2027, 1, 1), date(2027, 12, 31)).decode()
    events = ics.split("BEGIN:VEVENT")[1:]
    visits = [e for e in events if "visite à domicile" in e.lower()]
    assert len(visits) == 3 and not any("RRULE" in e for e in visits)
    starts = sorted(e.split("DTSTART;TZID=Europe/Paris:")[1][:8] for e in visits)
    assert starts == ["20270105", "20270113", "20270115"]
    # The permanences' cycle keeps the period's weeks: Rosnay every Tuesday from 5 January.
    rosnay = [e for e in events if "Rosnay" in e and "RRULE" in e]
    assert rosnay and "DTSTART;TZID=Europe/Paris:20270105" in rosnay[0]


def test_a_new_booking_is_inserted_without_moving_published_visits(tmp_path, run_cli):
    published = tmp_path / "published.json"
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(extra=""), encoding="utf-8")
    code, _, err = run_cli("plan", path, "-q", "-o", published)
    assert code == 0, err
    path.write_text(SCENARIO.format(extra=NEW_BOOKING), encoding="utf-8")
    again = tmp_path / "again.json"
    code, out, err = run_cli(
        "plan", path, "-q", "--initial", published, "--keep-published", "-o", again
    )
    assert code == 0, err
    before, after = Plan.read(published), Plan.read(again)
    f = parse_scenario(path.read_text(encoding="utf-8"), path)
    horizon = f.horizon
    [(route, visit)] = after.visits_of("resa-4")
    assert horizon.days[route.day].date == date(2027, 1, 12)
    assert 14 * 60 - 1e-6 <= visit.start <= 16 * 60 + 1e-6
    assert validate(build(f).problem, after).ok
    assert before.served_stops() == after.served_stops() - {"resa-4"}
    for stop in before.served_stops():
        was = sorted((r.day, r.vehicle, round(v.start, 3)) for r, v in before.visits_of(stop))
        now = sorted((r.day, r.vehicle, round(v.start, 3)) for r, v in after.visits_of(stop))
        assert now == was, stop


def test_keep_published_needs_an_initial_plan(tmp_path, run_cli):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(extra=""), encoding="utf-8")
    code, _, err = run_cli("plan", path, "--keep-published")
    assert code == 2
    assert " ".join(err.split()).startswith("error: --freeze-weeks, --freeze-stops and --keep")


def test_keep_published_fixes_every_served_visit(planned):
    problem, frozen = keep_published(planned.built.problem, planned.plan)
    assert frozen.stops == planned.plan.served_stops()
    for stop in problem.stops:
        visits = planned.plan.visits_of(stop.id)
        assert {(w.start, w.end, w.days) for w in stop.windows} == {
            (v.start, v.start, frozenset({r.day})) for r, v in visits
        }


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ('"2027-01-01 09:30-12:00"', "le 1er janvier 2027 est un jour férié (Jour de l'an)"),
        ('"2027-02-02 09:30-12:00"', "hors de la période (du 4 au 15 janvier 2027)"),
        ('"2027-01-32 09:30-12:00"', "date invalide '2027-01-32'"),
        ('"samedi 09:30-12:00"', "is not a working day of the cycle"),
    ],
)
def test_bad_dates_give_one_error_line_naming_the_key(tmp_path, run_cli, window, message):
    text = SCENARIO.format(extra="").replace('["2027-01-13 13:30-17:00"]', f"[{window}]")
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out_file = tmp_path / "plan.json"
    code, out, err = run_cli("plan", path, "-o", out_file)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "requests[1].windows[0]" in lines[0]
    assert message in lines[0]
    assert "Traceback" not in err and not out_file.exists()


def test_a_period_longer_than_the_cycle_names_working_days(tmp_path, run_cli):
    text = SCENARIO.format(extra="").replace("working_days = 10", "working_days = 11")
    path = tmp_path / "long.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli("plan", path)
    assert code == 2
    assert "period.working_days" in err and "couvre 3 semaines" in err


def test_the_tour_map_counts_bookings_once(planned):
    from maps.tour.build import _figures_line

    line = _figures_line(planned.plan.meta)
    assert "Réservations, comptées une fois : 3 visite(s), 4 h 30 de visite" in line
    once = planned.report.figures.once_km
    assert line.endswith(f"{round(once)} km.") or f"{round(once):,}".replace(",", "\u202f") in line


def test_a_period_of_twenty_tuesdays_is_refused_in_one_line(tmp_path, run_cli):
    text = SCENARIO.format(extra="").replace("working_days = 10", "working_days = 20")
    text = text.replace("[horizon]\nweeks = 2\n", '[horizon]\nweekdays = ["mardi"]\n')
    path = tmp_path / "tuesdays.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli("plan", path)
    assert code == 2 and "Traceback" not in err
    assert "period.working_days" in err and "couvre 20 semaines" in err
