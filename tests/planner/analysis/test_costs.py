"""The yearly cost model on hand-computed cases: capital, upkeep, fuel, staff, CO2, kiosks, aid.

Rates are chosen so that a year holds exactly 12 average months (working_weeks_per_year = 12 ×
365.25 / 84), which keeps the arithmetic checkable by hand.
"""

from __future__ import annotations

import math

import pytest

from planner.analysis.costs import RATES_FR, VehicleUse, annuity, months_per_year, yearly_costs
from planner.errors import ScenarioError
from planner.scenario.files import parse_scenario
from planner.scenario.schema import CostsSection
from planner.tours.model import WEEKS_PER_MONTH

TWELVE_MONTHS = 12 * WEEKS_PER_MONTH  # 52.178… weeks: a year of 12 average months


def rates(**changes) -> CostsSection:
    return CostsSection(working_weeks_per_year=TWELVE_MONTHS, **changes)


def van(**changes) -> VehicleUse:
    fields = {
        "id": "van",
        "name": "Le van",
        "km_per_month": 1000.0,
        "work_hours_per_month": 100.0,
        "staff": 2,
    } | changes
    return VehicleUse(**fields)


def test_annuity_is_straight_line_without_interest_and_the_textbook_annuity_with():
    assert annuity(90_000, 10) == 9_000
    # 10 000 € over 5 years at 5 %: 10 000 × 0.05 / (1 − 1.05^−5) = 2 309.75 € a year
    assert annuity(10_000, 5, 0.05) == pytest.approx(2_309.75, abs=0.01)
    assert annuity(10_000, 5, 0.05) * 5 > 10_000  # interest is paid on top of the capital
    with pytest.raises(ValueError):
        annuity(1_000, 0)


def test_default_year_is_47_working_weeks():
    assert months_per_year(CostsSection()) == pytest.approx(47 / (365.25 / 7 / 12))
    assert months_per_year(rates()) == pytest.approx(12.0)


def test_one_vehicle_by_hand():
    year = yearly_costs([van()], rates())
    (v,) = year.vehicles
    assert v.km == pytest.approx(12_000)
    assert v.fuel_litres == pytest.approx(1_320)  # 12 000 km × 11 L / 100 km
    assert v.fuel == pytest.approx(2_244)  # × 1.70 €/L
    assert v.co2_kg == pytest.approx(4_092)  # × 3.1 kg CO2e/L
    assert v.staff_hours == pytest.approx(2_400)  # 100 h × 12 months × 2 agents
    assert v.staff == pytest.approx(60_000)  # × 25 €/h
    assert v.capital == pytest.approx(9_000)  # 90 000 € / 10 years
    assert v.upkeep == 3_000
    assert year.total == pytest.approx(9_000 + 3_000 + 2_244 + 60_000)
    assert year.kiosks.total == 0


def test_public_aid_operating_plus_investment_spread_over_the_life():
    year = yearly_costs([van()], rates())
    assert year.aid == pytest.approx(30_000 + 68_000 / 10)
    assert year.total_with_aid == pytest.approx(year.total - 36_800)


def test_vehicle_fields_override_the_defaults():
    year = yearly_costs(
        [
            van(
                purchase_cost=40_000,
                lifetime_years=8,
                upkeep_per_year=1_000,
                fuel_l_per_100km=8,
                co2_kg_per_km=0.3,
                staff=1,
            )
        ],
        rates(),
    )
    (v,) = year.vehicles
    assert v.capital == pytest.approx(5_000)
    assert v.upkeep == 1_000
    assert v.fuel_litres == pytest.approx(960)
    assert v.co2_kg == pytest.approx(3_600)  # km × the vehicle's own factor, not litres × 3.1
    assert v.staff == pytest.approx(1_200 * 25)
    assert v.crew == 1
    # the investment aid cannot exceed the price paid
    assert v.aid_investment == pytest.approx(40_000 / 8)


def test_aid_goes_to_the_first_aided_vehicles_only():
    two = [van(id="a"), van(id="b")]
    assert yearly_costs(two, rates()).aid == pytest.approx(2 * 36_800)
    assert yearly_costs(two, rates(aided_vehicles=1)).aid == pytest.approx(36_800)
    assert yearly_costs(two, rates(aided_vehicles=0)).aid == 0
    assert yearly_costs(two, rates(aided_vehicles=5)).aid == pytest.approx(2 * 36_800)


def test_net_cost_never_goes_below_zero():
    idle = van(km_per_month=0, work_hours_per_month=0)
    year = yearly_costs([idle], rates(purchase_cost=10_000, upkeep_per_year=0))
    assert year.total == pytest.approx(1_000)
    assert year.aid > year.total
    assert year.total_with_aid == 0


def test_kiosks_purchase_upkeep_and_connectivity():
    year = yearly_costs([], rates(), kiosks=7)
    assert year.kiosks.capital == pytest.approx(7 * 8_000 / 5)
    assert year.kiosks.upkeep == pytest.approx(7_000)
    assert year.kiosks.connectivity == pytest.approx(7 * 600)
    assert year.total == pytest.approx(22_400)
    assert year.aid == 0  # no vehicle, no France Services bus aid


def test_interest_rate_raises_the_capital_charge_of_vehicles_and_kiosks():
    flat = yearly_costs([van()], rates(), kiosks=1)
    dear = yearly_costs([van()], rates(interest_rate=0.05), kiosks=1)
    assert dear.vehicle_capital == pytest.approx(90_000 * 0.05 / (1 - 1.05**-10))
    assert dear.kiosks.capital == pytest.approx(annuity(8_000, 5, 0.05))
    assert dear.total - flat.total == pytest.approx(
        dear.vehicle_capital - 9_000 + dear.kiosks.capital - 1_600
    )


def test_an_unused_vehicle_still_costs_its_purchase_and_upkeep():
    year = yearly_costs([van(), van(id="spare", km_per_month=0, work_hours_per_month=0)], rates())
    spare = year.vehicles[1]
    assert spare.total == pytest.approx(9_000 + 3_000)
    assert year.km == pytest.approx(12_000)


def test_to_dict_carries_the_rates_and_every_item():
    data = yearly_costs([van()], rates(), kiosks=2).to_dict()
    assert data["rates"]["fuel_price_per_l"] == 1.70
    assert data["kiosks"]["count"] == 2
    assert math.isclose(
        data["total"],
        sum(data[k] for k in ("vehicle_capital", "vehicle_upkeep", "fuel", "staff"))
        + data["kiosks"]["total"],
    )


def test_every_rate_has_a_french_label_and_a_source():
    financing = {"financing", "year", "france_services", "purchase_year"}
    financing |= {"conseiller_numerique_posts"}  # the financing plan's keys: docs/financing.md
    keys = set(CostsSection.model_fields) - {"include_public_aid", "aided_vehicles", *financing}
    assert keys == set(RATES_FR)
    assert all(label and unit and source for label, unit, source in RATES_FR.values())


def test_scenario_costs_section_is_validated_with_its_line():
    text = """schema_version = 1
name = "x"
[data]
standalone = true
[[vehicles]]
id = "van"
base = { lon = 1.7, lat = 46.8 }
[[stops.list]]
id = "a"
lon = 1.6
lat = 46.9
[costs]
fuel_price_per_l = -1
"""
    with pytest.raises(ScenarioError, match=r"x\.toml:13: costs\.fuel_price_per_l"):
        parse_scenario(text, "x.toml")
    with pytest.raises(ScenarioError, match=r"costs\.kiosk_cost: unknown key"):
        parse_scenario(text.replace("fuel_price_per_l = -1", "kiosk_cost = 1"), "x.toml")
    ok = parse_scenario(text.replace("-1", "1.9"), "x.toml")
    assert ok.scenario.costs.fuel_price_per_l == 1.9
