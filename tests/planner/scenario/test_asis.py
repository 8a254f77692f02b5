"""As-is rotas: La Rur@linette from the real data, and hand-made rotas for each rule.

The La Rur@linette tests read the rota parsed from the national France Services list (id_fs
2394) in an Indre database loaded once for the module, and check the plan against the rota's
text and the validator's figures; ``docs/scenarios.md`` reports the same figures, checked here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geodata.records import (
    CommunePoint,
    Interval,
    NameMatch,
    ParsedRota,
    Recurrence,
    RecurrenceKind,
    RotaStop,
)
from planner.outputs.report import render
from planner.scenario.asis import asis_from_rota, load_asis
from planner.scenario.build import build
from planner.scenario.files import load_scenario
from planner.tours.model import Frequency
from planner.tours.validator import validate

REPO = Path(__file__).resolve().parents[3]
HOURS = (Interval(600, 750), Interval(810, 960))  # 10:00–12:30 / 13:30–16:00
WEEK = {d: HOURS for d in range(5)}


@pytest.fixture(scope="module")
def rurlinette(indre_url):
    built = load_asis(indre_url, "2394")
    return built, validate(built.problem, built.plan)


def _day(problem, stop_id: str) -> str:
    (pattern,) = problem.stop_by_id[stop_id].patterns
    d = problem.horizon.days[pattern[0]]
    return "last" if d.last_of_month else f"{d.week + 1}:{d.weekday}"


# --- La Rur@linette, from the France Services list ------------------------------------------------


@pytest.mark.slow
def test_rurlinette_stops_are_pinned_to_the_days_of_the_rota_text(rurlinette):
    built, _ = rurlinette
    p = built.problem
    assert p.horizon.monthly and p.horizon.last_day_of_month and p.horizon.n_days == 21
    assert len(p.stops) == 19  # 20 names in the text, "Avail" not identified
    # "1er lundi Vicq Exemplet, 2e lundi Migné, … 2e mardi Saint Août … 4e Vendredi Sacierges st
    # Martin - DERNIER JOUR DU MOIS Ségry"
    assert _day(p, "36236") == "1:0"  # Vicq-Exemplet, 1st Monday
    assert _day(p, "36124") == "2:0"  # Migné, 2nd Monday
    assert _day(p, "36180") == "2:1"  # Saint-Août, 2nd Tuesday
    assert _day(p, "36169") == "4:1"  # Pruniers, 4th Tuesday
    assert _day(p, "36173") == "4:2"  # Rosnay, 4th Wednesday
    assert _day(p, "36195") == "3:3"  # Saint-Georges-sur-Arnon, 3rd Thursday
    assert _day(p, "36177") == "4:4"  # Sacierges-Saint-Martin, 4th Friday
    assert _day(p, "36215") == "last"  # Ségry, last day of the month
    assert all(s.frequency is Frequency.MONTHLY for s in p.stops)
    assert built.context.stops["36032"].name == "Ceaulmont (Les Granges)"


@pytest.mark.slow
def test_rurlinette_runs_from_chateauroux_with_five_hours_on_site(rurlinette):
    built, _ = rurlinette
    p, plan = built.problem, built.plan
    v = p.vehicles[0]
    assert p.locations[v.start_location].insee == "36044" and v.end_location == v.start_location
    assert all(s.duration == 300 for s in p.stops)
    assert len(plan.routes) == 19 and all(len(r.visits) == 1 for r in plan.routes)
    for route in plan.routes:
        (visit,) = route.visits
        to_stop, _ = p.travel(v.start_location, p.stop_by_id[visit.stop].location)
        assert visit.start == 600 and visit.end == 960  # opens at 10:00, closes at 16:00
        assert route.lunch == (750, 810)  # the 12:30–13:30 break, on site
        assert route.depart == pytest.approx(600 - to_stop)  # leaves just in time
        assert route.ret == pytest.approx(960 + to_stop)
    (avail,) = [n for n in built.context.notes if "Avail" in n]
    assert "non identifiée" in avail and "4e jeudi" in avail


@pytest.mark.slow
def test_rurlinette_figures_from_the_validator(rurlinette):
    built, report = rurlinette
    f = report.figures
    assert report.ok, report.lines()
    assert f.stops_served == f.stops_total == 19
    assert set(f.presence_hours_per_month.values()) == {5.0}
    assert f.presence_hours_total_per_month == 95.0
    # 19 return trips from Châteauroux, each between 10 and 60 road km one way.
    assert 19 * 2 * 10 < f.km_per_month < 19 * 2 * 60
    assert f.drive_hours_per_month == pytest.approx(
        sum(r.ret - r.depart - 360 for r in built.plan.routes) / 60
    )


@pytest.mark.slow
def test_docs_report_the_rurlinette_figures(rurlinette):
    _, report = rurlinette
    f = report.figures
    doc = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
    section = doc.split("## La Rur@linette as it runs today", 1)[1]
    km = int(re.search(r"\| km per month \| ([\d ]+) \|", section).group(1).replace(" ", ""))
    drive = re.search(r"\| driving per month \| (\d+) h (\d+) \|", section)
    assert km == round(f.km_per_month)
    assert int(drive.group(1)) * 60 + int(drive.group(2)) == round(f.drive_hours_per_month * 60)
    assert "| presence per month | 95 h (5 h at each of the 19 stops) |" in section
    assert "| violations | 0 |" in section


@pytest.mark.slow
def test_asis_scenario_gives_the_same_plan_with_its_vehicle(indre_url):
    f = load_scenario(REPO / "scenarios" / "rurlinette-actuelle.toml")
    built = build(f, db=indre_url)
    assert built.is_asis and built.problem.name == "La Rur@linette — tournée actuelle"
    v = built.problem.vehicles[0]
    assert (
        v.id == "rurlinette"
        and v.cost_per_km == 0.45
        and (v.shift.start, v.shift.end) == (480, 1080)
    )
    report = validate(built.problem, built.plan)
    assert report.ok and report.figures.cost > 0
    text = render(built.problem, built.plan, report, built.context)
    assert "1er lundi : départ" in text and "Vicq-Exemplet 10:00–16:00 (pause 12:30–13:30)" in text
    assert "Ségry : dernier jour du mois, 10:00–16:00" in text


# --- hand-made rotas: one rule each ---------------------------------------------------------------


def _commune(code: str, name: str, lon: float, lat: float) -> CommunePoint:
    return CommunePoint(code, name, "36", lon, lat, 500, 6.0)


COMMUNES = {
    c.code: c
    for c in (
        _commune("36044", "Châteauroux", 1.69, 46.81),
        _commune("36001", "Aigurande", 1.83, 46.43),
        _commune("36002", "Ardentes", 1.83, 46.74),
        _commune("36003", "Argenton", 1.52, 46.59),
    )
}


def _stop(
    order: int,
    name: str,
    code: str | None,
    kind: RecurrenceKind,
    weekday: int | None = None,
    nth: int | None = None,
    part: str | None = None,
) -> RotaStop:
    match = NameMatch(
        name,
        code,
        name if code else None,
        1.0 if code else 0.0,
        reason="exact" if code else "no match",
    )
    return RotaStop("fs:1", order, name, match, Recurrence(kind, weekday, nth, part_of_day=part))


def _rota(*stops: RotaStop, hours=WEEK) -> ParsedRota:
    return ParsedRota("fs:1", "Bus test", "36044", "36", "texte", list(stops), [], dict(hours))


def test_weekly_and_fortnightly_stops_take_every_or_every_other_week():
    built = asis_from_rota(
        _rota(
            _stop(1, "Aigurande", "36001", RecurrenceKind.WEEKLY, weekday=2),
            _stop(2, "Ardentes", "36002", RecurrenceKind.FORTNIGHTLY, weekday=3),
        ),
        COMMUNES,
    )
    p = built.problem
    weekly, fortnightly = p.stop_by_id["36001"], p.stop_by_id["36002"]
    assert weekly.frequency is Frequency.WEEKLY
    assert [(p.horizon.days[d].week, p.horizon.days[d].weekday) for d in weekly.patterns[0]] == [
        (w, 2) for w in range(4)
    ]
    assert [p.horizon.days[d].week for d in fortnightly.patterns[0]] == [0, 2]
    assert any("semaines 1 et 3" in n for n in built.context.notes)
    assert validate(p, built.plan).ok


def test_days_a_four_week_month_cannot_hold_are_left_out_and_said():
    built = asis_from_rota(
        _rota(
            _stop(1, "Aigurande", "36001", RecurrenceKind.NTH_WEEKDAY, weekday=1, nth=5),
            _stop(2, "Ardentes", "36002", RecurrenceKind.NTH_WEEKDAY, weekday=1, nth=-1),
            _stop(3, "Argenton", "36003", RecurrenceKind.UNKNOWN),
            _stop(4, "Nulle-Part", None, RecurrenceKind.NTH_WEEKDAY, weekday=1, nth=1),
        ),
        COMMUNES,
    )
    assert built.problem.stops == () and built.plan.routes == []
    notes = " | ".join(built.context.notes)
    assert notes.count("laissé de côté") == 4
    assert "« Nulle-Part »" in notes and "jamais deviné" in notes


def _morning_and_afternoon(afternoon_code: str) -> ParsedRota:
    return _rota(
        _stop(1, "Argenton", "36003", RecurrenceKind.NTH_WEEKDAY, weekday=0, nth=1, part="matin"),
        _stop(
            2,
            "L'après-midi",
            afternoon_code,
            RecurrenceKind.NTH_WEEKDAY,
            weekday=0,
            nth=1,
            part="après-midi",
        ),
    )


def test_two_stops_the_same_day_are_served_in_the_text_order():
    built = asis_from_rota(_morning_and_afternoon("36002"), COMMUNES)
    (route,) = built.plan.routes
    assert [v.stop for v in route.visits] == ["36003", "36002"]
    morning, afternoon = route.visits
    assert (morning.start, morning.end) == (600, 750) and (afternoon.start, afternoon.end) == (
        810,
        960,
    )
    p = built.problem
    drive, _ = p.travel(p.stop_by_id["36003"].location, p.stop_by_id["36002"].location)
    assert afternoon.arrival == pytest.approx(750 + drive)
    # The published hours leave one hour between the two permanences: with the drive, no hour
    # of lunch fits, and the validator says so rather than the plan hiding it.
    assert drive > 0 and route.lunch is None
    assert [v.kind for v in validate(p, built.plan).violations] == ["lunch_missing"]


def test_a_shorter_break_is_taken_while_waiting_between_two_stops():
    from planner.scenario.schema import VehicleSpec

    communes = COMMUNES | {
        "36004": _commune("36004", "Voisine", 1.54, 46.61)
    }  # ~3 km from Argenton
    spec = VehicleSpec(id="bus", lunch={"window": "12:00-14:00", "duration": 45})
    built = asis_from_rota(_morning_and_afternoon("36004"), communes, vehicle=spec)
    (route,) = built.plan.routes
    afternoon = route.visits[1]
    assert route.lunch is not None and route.lunch[1] - route.lunch[0] == 45
    assert afternoon.arrival == pytest.approx(route.lunch[0]) and route.lunch[1] <= afternoon.start
    assert validate(built.problem, built.plan).ok


def test_a_published_time_that_cannot_hold_is_reported_by_the_validator():
    # Two full days in one day: the second cannot open at 10:00.
    built = asis_from_rota(
        _rota(
            _stop(1, "Argenton", "36003", RecurrenceKind.NTH_WEEKDAY, weekday=0, nth=1),
            _stop(2, "Aigurande", "36001", RecurrenceKind.NTH_WEEKDAY, weekday=0, nth=1),
        ),
        COMMUNES,
    )
    report = validate(built.problem, built.plan)
    assert not report.ok
    assert {v.stop for v in report.of_kind("window")} == {"36001"}


def test_a_rota_whose_base_is_not_loaded_is_a_data_error():
    from geodata.errors import DataError

    rota = _rota(_stop(1, "Aigurande", "36001", RecurrenceKind.WEEKLY, weekday=2))
    rota.base_insee = "36999"
    with pytest.raises(DataError, match="base commune 36999 is not loaded"):
        asis_from_rota(rota, COMMUNES)


@pytest.mark.slow
@pytest.mark.postgres
def test_rurlinette_from_postgresql_gives_the_same_plan(pg_url, rurlinette):
    from geodata.load import load_area

    load_area(pg_url, departement="36")
    built = load_asis(pg_url, "2394")
    expected, report = rurlinette
    assert built.plan.to_dict()["routes"] == expected.plan.to_dict()["routes"]
    assert validate(built.problem, built.plan).figures.km == pytest.approx(report.figures.km)
