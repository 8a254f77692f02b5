"""The financing plan: the shipped funding table, who pays what per year, and bad tables.

Hand-made yearly costs (one or two vans) and small hand-written tables; the default table is
the one shipped in scenarios/data/financements.toml.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest

from planner.analysis.compare import compare, financing_lines
from planner.analysis.costs import VehicleUse, yearly_costs
from planner.analysis.financing import (
    CONDITIONS,
    DEFAULT_TABLE,
    VehicleFunding,
    financing_plan,
    load_funding_table,
    scenario_financing,
    scenario_table,
)
from planner.errors import ScenarioError
from planner.scenario.files import parse_scenario
from planner.scenario.schema import CostsSection
from support.figures import figures
from tests.planner.analysis.test_compare import SMALL


def van(name: str = "van", purchase_cost: float | None = None) -> VehicleUse:
    return VehicleUse(name, name, 1500.0, 100.0, staff=2, purchase_cost=purchase_cost)


def costs(*vehicles: VehicleUse, **rates):
    return yearly_costs(list(vehicles) or [van()], CostsSection(**rates))


DEFAULT = load_funding_table(DEFAULT_TABLE)
FS = VehicleFunding(france_services=True)
NOT_FS = VehicleFunding(france_services=False)


def by_id(plan):
    return {x.id: x for x in plan.lines}


def assert_adds_up(plan):
    assert math.isclose(
        sum(x.per_year for x in plan.lines) + plan.rest, plan.total_cost, abs_tol=1e-6
    )
    assert plan.rest >= 0


# --- the shipped table ---------------------------------------------------------------------------


def test_default_table_loads_and_every_line_has_a_year_and_a_source():
    assert len(DEFAULT.lines) >= 7
    for item in DEFAULT.lines:
        assert 2019 <= item.year_from <= 2030, item.id
        assert len(item.source.title) > 20, item.id
        assert item.funder and item.label and item.note, item.id
        assert set(item.requires) <= set(CONDITIONS)
    ids = [x.id for x in DEFAULT.lines]
    assert len(set(ids)) == len(ids)


def test_default_table_holds_the_known_figures_with_their_years():
    lines = {x.id: x for x in DEFAULT.lines}
    grants = {
        (x.year_from, x.year_to, x.amount)
        for x in DEFAULT.lines
        if x.funds == "operating" and "france_services_label" in x.requires
    }
    assert grants == {(2019, 2022, 30000), (2023, 2025, 35000), (2026, None, 50000)}
    invest = [x for x in DEFAULT.lines if x.funds == "investment"]
    assert sorted(x.funder for x in invest) == ["Banque des Territoires", "État (ANCT)"]
    assert all((x.amount, x.year_from, x.year_to) == (30000, 2020, 2021) for x in invest)
    assert lines["ars-region"].amount is None  # to be filled in by the user


# --- who pays what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "grant"), [(2020, 30000), (2022, 30000), (2024, 35000), (2026, 50000), (2031, 50000)]
)
def test_the_france_services_grant_is_the_one_of_the_plans_year(year, grant):
    plan = financing_plan(costs(), DEFAULT, year=year, vehicles=[FS])
    counted = [
        x
        for x in plan.counted()
        if "france_services_label" in x.requires and x.funds == "operating"
    ]
    assert [x.per_year for x in counted] == [grant]
    assert_adds_up(plan)


def test_a_bus_not_labelled_france_services_gets_no_france_services_grant():
    plan = financing_plan(costs(), DEFAULT, year=2024, vehicles=[NOT_FS])
    line = by_id(plan)["fs-fonctionnement-2023"]
    assert not line.counted and line.per_year == 0
    assert "France Services" in (line.reason or "")
    assert plan.funding == 0 and plan.rest == pytest.approx(plan.total_cost)


def test_only_the_labelled_vehicles_get_the_grant():
    plan = financing_plan(costs(van("a"), van("b")), DEFAULT, year=2024, vehicles=[FS, NOT_FS])
    line = by_id(plan)["fs-fonctionnement-2023"]
    assert (line.per_year, line.units) == (35000, 1)


def test_max_vehicles_caps_the_vehicles_a_line_pays_for(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(LINE.format(id="a", extra="amount = 1000\nmax_vehicles = 1"), encoding="utf-8")
    plan = financing_plan(
        costs(van("a"), van("b")), load_funding_table(path), year=2024, vehicles=[FS, FS]
    )
    assert (plan.lines[0].per_year, plan.lines[0].units) == (1000, 1)


def test_a_line_needing_two_conditions_met_by_different_vehicles_does_not_count(tmp_path):
    path = tmp_path / "t.toml"
    text = LINE.format(id="a", extra="amount = 1000").replace(
        '["france_services_label"]', '["france_services_label", "wheelchair_access"]'
    )
    path.write_text(text.replace('per = "vehicle"', 'per = "scenario"'), encoding="utf-8")
    split = [FS, VehicleFunding(wheelchair_access=True)]
    plan = financing_plan(
        costs(van("a"), van("b")), load_funding_table(path), year=2024, vehicles=split
    )
    assert plan.funding == 0 and "toutes les conditions" in (plan.lines[0].reason or "")
    both = [VehicleFunding(france_services=True, wheelchair_access=True), NOT_FS]
    plan = financing_plan(
        costs(van("a"), van("b")), load_funding_table(path), year=2024, vehicles=both
    )
    assert plan.funding == 1000  # once for the service


def test_investment_aid_counts_for_a_bus_bought_during_the_calls_spread_over_its_life():
    bought_2021 = replace(FS, purchase_year=2021)
    plan = financing_plan(costs(), DEFAULT, year=2026, vehicles=[bought_2021])
    lines = by_id(plan)
    # 30 000 € + 30 000 € over the default 10 years
    assert lines["bus-fs-investissement-bdt"].per_year == pytest.approx(3000)
    assert lines["bus-fs-investissement-etat"].per_year == pytest.approx(3000)
    later = financing_plan(costs(), DEFAULT, year=2026, vehicles=[replace(FS, purchase_year=2024)])
    line = by_id(later)["bus-fs-investissement-bdt"]
    assert not line.counted and "2024" in (line.reason or "")


def test_investment_aid_never_exceeds_the_purchase_cost():
    cheap = van(purchase_cost=40000)
    plan = financing_plan(
        costs(cheap), DEFAULT, year=2026, vehicles=[replace(FS, purchase_year=2020)]
    )
    invest = sum(x.per_year for x in plan.lines if x.funds == "investment")
    assert invest == pytest.approx(40000 / 10)


def test_conseiller_numerique_posts_count_per_post_and_year():
    none = financing_plan(costs(), DEFAULT, year=2024, vehicles=[NOT_FS])
    assert not by_id(none)["conseiller-numerique-2023"].counted
    two = financing_plan(costs(), DEFAULT, year=2024, vehicles=[NOT_FS], posts=2)
    assert by_id(two)["conseiller-numerique-2023"].per_year == 25000
    assert by_id(two)["conseiller-numerique-2021"].per_year == 0  # 2021–2022 only


def test_a_grant_that_ended_before_the_year_is_named_when_the_service_would_qualify():
    """The conseiller numérique grant is known until 2025: a 2027 plan with a post says that
    nothing is in the table for 2027 (not counted); without a post, or in 2024, nothing is said;
    a labelled bus hears nothing of the 2020–2022 France Services grant, replaced since."""
    later = financing_plan(costs(), DEFAULT, year=2027, vehicles=[FS], posts=1)
    ended = [n for n in later.notes if "connue jusqu'en" in n]
    assert len(ended) == 1 and "(conseiller-numerique-2023)" in ended[0]
    assert "jusqu'en 2025, rien pour 2027" in ended[0]
    assert later.funding == pytest.approx(by_id(later)["fs-fonctionnement-2026"].per_year)
    for plan in (
        financing_plan(costs(), DEFAULT, year=2027, vehicles=[FS]),
        financing_plan(costs(), DEFAULT, year=2024, vehicles=[FS], posts=1),
    ):
        assert not [n for n in plan.notes if "connue jusqu'en" in n]


def test_a_line_without_amount_is_not_counted_and_says_so():
    plan = financing_plan(
        costs(), DEFAULT, year=2026, vehicles=[VehicleFunding(wheelchair_access=True)]
    )
    line = by_id(plan)["ars-region"]
    assert not line.counted and "à renseigner" in (line.reason or "")


def test_lines_add_up_to_the_total_cost_and_funding_is_capped_at_the_cost(tmp_path):
    table = tmp_path / "t.toml"
    table.write_text(
        LINE.format(id="a", extra="amount = 500000") + LINE.format(id="b", extra="amount = 100000"),
        encoding="utf-8",
    )
    plan = financing_plan(costs(), load_funding_table(table), year=2026, vehicles=[FS])
    assert plan.capped and plan.rest == 0
    assert plan.funding == pytest.approx(plan.total_cost)
    a, b = plan.lines
    assert a.per_year / b.per_year == pytest.approx(5)  # scaled down alike
    assert "ramené au coût" in plan.notes[0]
    assert_adds_up(plan)
    for year in (2020, 2023, 2026):
        assert_adds_up(financing_plan(costs(), DEFAULT, year=year, vehicles=[FS], posts=1))


# --- a scenario's table ---------------------------------------------------------------------------

LINE = """
[[lines]]
id = "{id}"
funder = "Département"
label = "Soutien au fonctionnement"
funds = "operating"
per = "vehicle"
year_from = 2020
requires = ["france_services_label"]
source = {{ title = "Délibération du conseil départemental", url = "https://example.org/d" }}
note = "Test."
{extra}
"""


def scenario(tmp_path, costs_section: str, name: str = "s.toml"):
    text = SMALL.replace("[solver]", f"[costs]\n{costs_section}\n\n[solver]")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_scenario(text, path)


def test_a_scenario_points_at_its_own_table_relative_to_it_and_picks_its_year(tmp_path):
    (tmp_path / "mes-financements.toml").write_text(
        LINE.format(id="dept", extra="amount = 12000"), encoding="utf-8"
    )
    f = scenario(
        tmp_path, 'financing = "mes-financements.toml"\nyear = 2025\nfrance_services = true'
    )
    plan = scenario_financing(f, costs(), [None], asis=False)
    assert plan.year == 2025 and [x.id for x in plan.counted()] == ["dept"]
    assert plan.table == str(tmp_path / "mes-financements.toml")
    assert plan.funding == 12000


def test_france_services_defaults_to_false_unless_the_scenario_is_an_asis_rota(tmp_path):
    f = scenario(tmp_path, "year = 2024")
    assert scenario_financing(f, costs(), [None], asis=False).funding == 0
    assert scenario_financing(f, costs(), [None], asis=True).funding == 35000
    g = scenario(tmp_path, "year = 2024\nfrance_services = false", name="g.toml")
    assert scenario_financing(g, costs(), [None], asis=True).funding == 0


def test_a_missing_table_names_the_scenario_key(tmp_path):
    f = scenario(tmp_path, 'financing = "absent.toml"')
    with pytest.raises(
        ScenarioError, match=r"s\.toml:\d+: costs\.financing: no such funding table"
    ):
        scenario_table(f)


def test_compare_shows_each_funding_line_and_the_rest_which_add_up_to_the_total():
    a, b = figures("A"), figures("B")
    a = replace(
        a,
        financing=financing_plan(
            a.costs, DEFAULT, year=2024, vehicles=[FS] * len(a.costs.vehicles)
        ),
    )
    b = replace(
        b,
        financing=financing_plan(
            b.costs, DEFAULT, year=2024, vehicles=[NOT_FS] * len(b.costs.vehicles)
        ),
    )
    c = compare([a, b])
    keys = [line.key for line in financing_lines([a, b])]
    assert keys == ["funding:fs-fonctionnement-2023", "funding_total", "rest_to_pay"]
    section = dict(c.sections())["Plan de financement 2024"]
    assert [r.line.key for r in section] == keys
    total = c.row("cost_total").values
    for n in range(2):
        funded = sum(r.values[n] or 0 for r in section if r.line.key.startswith("funding:"))
        assert funded + c.row("rest_to_pay").values[n] == pytest.approx(total[n])
        assert c.row("funding_total").values[n] == pytest.approx(funded)
    assert c.row("funding:fs-fonctionnement-2023").values[1] is None  # not labelled: no grant
    assert c.row("rest_to_pay").best == (0,)
    assert "Plan de financement 2024" in c.to_csv()


# --- bad tables -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (("year_from = 2020\n", ""), r":2: lines\[0\]\.year_from: required key missing"),
        (("source = {", "# source = {"), r":2: lines\[0\]\.source: required key missing"),
        (("{extra}", "amount = -5"), r":12: lines\[0\]\.amount: expected at least 0, got -5"),
        (("{extra}", 'amount = "30 000"'), r":12: lines\[0\]\.amount: expected a number"),
        (
            ('["france_services_label"]', '["label_rural"]'),
            r":9: lines\[0\]\.requires\[0\]: expected one of .*got 'label_rural'",
        ),
        (("{extra}", "year_to = 2019"), r":12: lines\[0\]\.year_to: expected a year from"),
        (("{extra}", "montant = 3"), r":12: lines\[0\]\.montant: unknown key"),
        (('"operating"', '"capital"'), r":6: lines\[0\]\.funds: expected one of"),
        (("funds = ", "funds == "), r"invalid TOML: .*line 6"),
    ],
)
def test_a_bad_table_is_a_one_line_error_naming_the_file_line_and_key(tmp_path, change, needle):
    path = tmp_path / "bad.toml"
    text = LINE.replace(*change).format(id="x", extra="amount = 1")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_funding_table(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path) + ":")
    assert re.search(needle, message), message


def test_a_missing_or_duplicated_table_line_is_an_error(tmp_path):
    with pytest.raises(ScenarioError, match="no such funding table"):
        load_funding_table(tmp_path / "absent.toml")
    path = tmp_path / "dup.toml"
    path.write_text(LINE.format(id="x", extra="") * 2, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"lines\[1\]\.id: duplicate id 'x'"):
        load_funding_table(path)
