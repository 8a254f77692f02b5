"""The Connecto'bus example on the real Loiret and Loir-et-Cher data: its bookings fall on the
dated days of January 2027, each once, and every figure counts them once (recomputed here from
the scenario text, not from the planner's own sums)."""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from planner.analysis.compare import measure
from planner.analysis.costs import months_per_year
from planner.outputs.report import figures_lines, pattern_lines
from planner.scenario.files import load_scenario
from planner.scenario.pipeline import plan_scenario, solve_options

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "connectobus-loiret.toml"
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")


def _minutes(text: str) -> int:
    m = re.fullmatch(r"(\d+)h(\d*)", text)
    assert m, text
    return int(m.group(1)) * 60 + int(m.group(2) or 0)


def _window_dates(window: str) -> set[date]:
    """The dates a window of the example allows, read by hand: 4-15 January 2027, no holiday."""
    day = window.rsplit(" ", 1)[0]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        return {date.fromisoformat(day)}
    name, _, week = day.split(" ")
    return {date(2027, 1, 4) + timedelta(days=7 * (int(week) - 1) + WEEKDAYS.index(name))}


@pytest.fixture(scope="module")
def loiret(shared_data, tmp_path_factory):
    from geodata.load import load_area

    url = f"sqlite:///{tmp_path_factory.mktemp('loiret') / 'loiret.sqlite'}"
    for code in ("45", "41"):
        load_area(url, departement=code)
    f = load_scenario(SCENARIO)
    return url, plan_scenario(f, db=url, options=solve_options(f, time_limit=5, seed=0))


@pytest.mark.slow
@pytest.mark.data
def test_bookings_fall_on_their_dates_once(loiret):
    _, done = loiret
    raw = tomllib.loads(SCENARIO.read_text(encoding="utf-8"))
    assert raw["period"] == {"start": "2027-01-04", "working_days": 10}
    assert done.report.ok, done.report.lines(5)
    days = done.built.problem.horizon.days
    for r in raw["requests"]:
        visits = done.plan.visits_of(r["id"])
        if r.get("mandatory", True):
            assert len(visits) == 1, r["id"]
        for route, visit in visits:
            when = days[route.day].date
            allowed = set().union(*(_window_dates(w) for w in r["windows"]))
            assert when in allowed, (r["id"], when)
            assert date(2027, 1, 4) <= when <= date(2027, 1, 15)


@pytest.mark.slow
@pytest.mark.data
def test_hours_and_km_of_bookings_are_counted_once(loiret):
    url, done = loiret
    raw = tomllib.loads(SCENARIO.read_text(encoding="utf-8"))
    served = done.plan.served_stops()
    by_hand = sum(_minutes(r["duration"]) for r in raw["requests"] if r["id"] in served)
    fig = done.report.figures
    assert sum(fig.request_hours.values()) * 60 == pytest.approx(by_hand)
    # Only bookings: nothing recurs, so nothing is "par mois".
    assert fig.km_per_month == pytest.approx(0.0, abs=1e-9)
    assert fig.once_km == pytest.approx(fig.km)
    problem = done.built.problem
    text = "\n".join(pattern_lines(problem, done.plan) + figures_lines(problem, done.report))
    assert "Par mois" not in text and "de visite par mois" not in text
    n = len(served)
    hours, rest = divmod(by_hand, 60)
    assert "Réservations sur la période du 4 au 15 janvier 2027 (10 jours ouvrés)" in text
    assert f"{n} visites, {hours} h {rest:02d} de visite" in text or (
        rest == 0 and f"{n} visites, {hours} h de visite" in text
    )
    for line in pattern_lines(problem, done.plan):
        assert re.search(r"(lundi|mardi|mercredi|jeudi|vendredi) \d+ janvier 2027", line), line

    # compare: the yearly figures extrapolate the period at its rhythm and say so.
    f = load_scenario(SCENARIO)
    evaluation = measure(done, db=url)
    months = months_per_year(f.scenario.costs)
    factor = f.scenario.costs.working_weeks_per_year * 5 / 10
    assert evaluation.figures.operations.km_per_month * months == pytest.approx(fig.km * factor)
    note = next(x for x in evaluation.figures.notes if x.startswith("Réservations"))
    assert f"{n} visite(s)" in note and f"{n} réservation(s) de la période × 23,5" in note
    # bookings only: one expected visitor per booking served, at the same rhythm, no range
    visitors = evaluation.figures.visitors
    assert visitors is not None
    assert visitors.requests == pytest.approx(n * factor)
    assert visitors.low == pytest.approx(visitors.high) == pytest.approx(n * factor)
