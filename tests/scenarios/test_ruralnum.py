"""The Rural'num example on the real Indre data: a conseiller's fortnightly workshops and three
dated home visits; its expected visitors, yearly cost and financing recomputed here from the
scenario text and the plan, not taken from the planner's own sums."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from planner.analysis.compare import measure
from planner.scenario.files import load_scenario
from planner.scenario.pipeline import plan_scenario, solve_options

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "ruralnum-indre.toml"
RAW = tomllib.loads(SCENARIO.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ruralnum(shared_data, tmp_path_factory):
    from geodata.load import load_area

    url = f"sqlite:///{tmp_path_factory.mktemp('ruralnum') / 'indre.sqlite'}"
    load_area(url, departement="36")
    f = load_scenario(SCENARIO)
    done = plan_scenario(f, db=url, options=solve_options(f, time_limit=3, seed=0))
    return done, measure(done, db=url)


@pytest.mark.slow
@pytest.mark.data
def test_workshops_every_fortnight_and_home_visits_once_on_their_date(ruralnum):
    done, _ = ruralnum
    assert done.report.ok, done.report.lines(5)
    days = done.built.problem.horizon.days
    workshops = {s["commune"] for s in RAW["stops"]["list"]}
    seen = {
        done.built.problem.stop_by_id[s].insee: len(done.plan.visits_of(s))
        for s in done.plan.served_stops()
    }
    assert {c: seen.get(c) for c in workshops} == dict.fromkeys(workshops, 1)  # once a cycle
    for r in RAW["requests"]:
        visits = done.plan.visits_of(r["id"])
        assert len(visits) == 1, r["id"]
        route, visit = visits[0]
        allowed = {date.fromisoformat(w.split(" ")[0]) for w in r["windows"]}
        assert days[route.day].date in allowed, r["id"]


@pytest.mark.slow
@pytest.mark.data
def test_visitors_cost_and_financing_add_up(ruralnum):
    _, evaluation = ruralnum
    fig = evaluation.figures
    # three bookings in 10 working days, one visitor each, at 47 weeks × 5 days a year
    assert fig.visitors is not None
    assert fig.visitors.requests == pytest.approx(3 * 47 * 5 / 10)
    assert fig.visitors.low <= fig.visitors.central <= fig.visitors.high
    costs = fig.costs
    assert costs.total == pytest.approx(
        costs.vehicle_capital + costs.vehicle_upkeep + costs.fuel + costs.staff + costs.kiosks.total
    )
    assert costs.staff == pytest.approx(costs.staff_hours * RAW["vehicles"][0]["cost_per_hour"])
    assert costs.vehicle_capital == pytest.approx(18000 / 8)
    # 2027: the conseiller numérique grant known ends in 2025, nothing counts, and it is said
    fin = fig.financing
    assert fin is not None and fin.year == 2027
    assert fin.funding == 0 and fin.rest == pytest.approx(costs.total)
    assert any("conseiller-numerique-2023" in n and "2025" in n for n in fig.notes)
