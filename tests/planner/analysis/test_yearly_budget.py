"""``[budget]``: the scenario key, the linear yearly cost derived from the cost model (checked
against ``compare``'s total on a real plan), the one-line refusal of a budget below the fixed
costs, and a sweep over budgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.analysis.costs import VehicleUse, linear_budget, yearly_costs
from planner.engine.base import SolveOptions
from planner.errors import ScenarioError
from planner.outputs.report import figures_lines
from planner.scenario.files import load_scenario, parse_scenario
from planner.scenario.schema import CostsSection
from planner.tours.model import WEEKS_PER_MONTH

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
STANDALONE = SCENARIOS / "exemple-autonome.toml"
RUR = SCENARIOS / "rurlinette-optimisee.toml"


def _with_budget(text: str, lines: str) -> str:
    return text + "\n[budget]\n" + lines + "\n"


@pytest.mark.parametrize(
    ("lines", "needle"),
    [
        ("max_per_year = -5", "budget.max_per_year"),
        ('max_per_year = "beaucoup"', "budget.max_per_year"),
        ("max_per_year = nan", "budget.max_per_year"),
        ('max_per_year = 80000\nbasis = "both"', "budget.basis"),
        ("basis = 'net'", "budget.max_per_year"),  # the cap itself is required
        ("max_per_year = 80000\nmax = 3", "budget.max"),
    ],
)
def test_bad_budget_values_are_one_line_errors_naming_the_key(lines, needle):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_with_budget(STANDALONE.read_text("utf-8"), lines), "b.toml")
    message = str(err.value)
    assert needle in message and "\n" not in message and message.startswith("b.toml")


def test_the_linear_cost_is_the_cost_models_total_for_any_use():
    """Two vehicles with their own fields, kiosks, an annuity, aid for the first one only."""
    rates = CostsSection(interest_rate=0.03, aided_vehicles=1, staff_cost_per_hour=27.0)
    vans = [
        VehicleUse("a", "A", 0, 0, staff=2, purchase_cost=68000, fuel_l_per_100km=9.0),
        VehicleUse("b", "B", 0, 0, upkeep_per_year=2500, lifetime_years=8),
    ]
    cpm = WEEKS_PER_MONTH / 2  # a fortnightly cycle
    km, hours = {"a": 812.0, "b": 333.0}, {"a": 61.5, "b": 20.25}  # per cycle
    used = [
        VehicleUse(
            v.id,
            v.name,
            km[v.id] * cpm,
            hours[v.id] * cpm,
            v.staff,
            v.purchase_cost,
            v.lifetime_years,
            v.upkeep_per_year,
            v.fuel_l_per_100km,
        )
        for v in vans
    ]
    full = yearly_costs(used, rates, kiosks=3)
    for basis, total in (("gross", full.total), ("net", full.total_with_aid)):
        b = linear_budget(
            vans, rates, kiosks=3, cycles_per_month=cpm, max_per_year=1e6, basis=basis
        )
        linear = b.fixed_per_year + sum(b.route_cost(v, km[v], hours[v]) for v in km)
        assert linear == pytest.approx(total, rel=1e-12)


def test_a_budget_below_the_fixed_costs_stops_plan_in_one_line(tmp_path, run_cli):
    scenario = tmp_path / "petit-budget.toml"
    scenario.write_text(
        _with_budget(STANDALONE.read_text("utf-8"), "max_per_year = 5000"), encoding="utf-8"
    )
    out = tmp_path / "plan.json"
    code, stdout, stderr = run_cli("plan", scenario, "-o", out, "--time-limit", "1")
    assert code == 2
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    text = lines[0].replace("\u202f", " ").replace("\xa0", " ")
    assert "[budget] max_per_year" in text
    assert "le budget de 5 000 €/an est inférieur aux coûts fixes (12 000 €/an" in text
    assert "véhicules, entretien" in text
    assert not out.exists() and list(tmp_path.iterdir()) == [scenario]


def test_a_standalone_plan_under_a_budget_fits_it_and_says_so():
    from planner.scenario.pipeline import plan_scenario

    f = load_scenario(STANDALONE)
    options = SolveOptions(time_limit=1.0, seed=0, deterministic=True)
    free = plan_scenario(f, options=options).report.figures
    assert free.yearly_cost is None  # no [budget]: no cap, no figure
    capped = f.with_values({"budget.max_per_year": 1e7, "budget.basis": "net"})
    planned = plan_scenario(capped, options=options)
    fig = planned.report.figures
    assert fig.yearly_cost is not None and fig.budget_basis == "net"
    assert fig.km == pytest.approx(free.km)  # a cap that does not bind changes nothing
    lines = figures_lines(planned.built.problem, planned.report)
    (line,) = [x for x in lines if x.startswith("Budget :")]
    assert "pour un budget de 10 000 000 € par an (net des aides publiques connues" in line.replace(
        "\u202f", " "
    )


# --- on the Indre ---------------------------------------------------------------------------------

OPTIONS = SolveOptions(time_limit=2.0, seed=0, deterministic=True)


@pytest.fixture(scope="module")
def rur_plan(indre_url):
    from planner.scenario.pipeline import plan_scenario

    f = load_scenario(RUR)
    return f, plan_scenario(f, db=indre_url, options=OPTIONS)


def test_the_linear_cost_reproduces_compares_yearly_cost_on_a_real_plan(rur_plan, indre_url):
    """The optimised Rur@linette: the Budget derived from its [costs] and vehicle, applied to
    the validator's km and hours per route, gives compare's yearly total (gross and net)."""
    from planner.analysis.compare import measure
    from planner.scenario.build import with_budget

    f, planned = rur_plan
    costs = measure(planned, db=indre_url).figures.costs
    for basis in ("gross", "net"):
        g = f.with_values({"budget.max_per_year": 1e6, "budget.basis": basis})
        built = with_budget(type(planned.built)(planned.built.problem, planned.built.context, g))
        budget = built.problem.budget
        fig = planned.report.figures
        linear = budget.fixed_per_year + sum(
            budget.route_cost(v.vehicle, v.km, v.work_hours) for v in fig.per_vehicle
        )
        expected = costs.total if basis == "gross" else costs.total - costs.aid
        assert linear == pytest.approx(expected, rel=1e-9)
    assert costs.total > 80_000  # a real year: the van, two agents, fuel


def test_rurlinette_within_todays_yearly_cost_keeps_its_communes_and_adds_none(rur_plan, indre_url):
    """Today's rota costs 86,001.13 € a year: its 19 communes alone. Within 86,002 € the plan
    keeps them and has no room for a candidate; 13 cents less and they no longer fit."""
    from planner.errors import InfeasibleError
    from planner.scenario.pipeline import plan_scenario

    f, free = rur_plan
    planned = plan_scenario(
        f.with_values({"budget.max_per_year": 86002}), db=indre_url, options=OPTIONS
    )
    fig = planned.report.figures
    assert planned.report.ok, planned.report.lines(5)
    assert fig.yearly_cost <= 86002 + 0.01
    assert fig.mandatory_served == fig.mandatory_total == fig.stops_served == 19
    assert fig.need_served < free.report.figures.need_served
    assert free.report.figures.stops_served > 19  # without a budget, candidates are added
    with pytest.raises(InfeasibleError) as err:
        plan_scenario(f.with_values({"budget.max_per_year": 86001}), db=indre_url, options=OPTIONS)
    assert "les arrêts obligatoires coûtent à eux seuls" in err.value.reasons[0]


def test_a_sweep_over_budgets_serves_no_less_need_with_more_money(indre_url):
    """Each budget is a combination of the sweep (evaluate_point, deterministic); more money
    never serves less need, beyond a 1 % search noise, and no point costs more than its cap."""
    from planner.analysis.sweep import evaluate_point, scenario_keys

    f = load_scenario(RUR)
    budgets = [86002, 90000, 95000]
    points = []
    for i, b in enumerate(budgets):
        keys = scenario_keys(f, {"budget": b})
        out = evaluate_point(f.text, str(RUR), i, {"budget": b}, keys, indre_url, 4000)
        assert out.ok, out.reason
        assert out.figures["cost_per_year"] <= b + 0.01
        points.append(out.figures["value_served"])
    for lower, higher in zip(points, points[1:]):
        assert higher >= lower * 0.99
