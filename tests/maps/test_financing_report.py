"""The report's "Qui paie ?" section: each funding line with its source, why a line does not
count, and the total and rest which add up to the yearly cost."""

from __future__ import annotations

import re
from dataclasses import replace

from maps.financing_html import financing_section
from maps.report import render_report
from planner.analysis.compare import compare
from planner.analysis.financing import (
    DEFAULT_TABLE,
    VehicleFunding,
    financing_plan,
    load_funding_table,
)
from planner.french import number_fr
from tests.planner.analysis.test_compare import figures


def _with_plan(label: str, labelled: bool):
    s = figures(label)
    vehicles = [VehicleFunding(france_services=labelled)] * len(s.costs.vehicles)
    table = load_funding_table(DEFAULT_TABLE)
    return replace(s, financing=financing_plan(s.costs, table, year=2024, vehicles=vehicles))


def test_report_says_who_pays_with_sources_and_reasons():
    a, b = _with_plan("Labellisé", True), _with_plan("Non labellisé", False)
    html = render_report(compare([a, b]))
    section = html[html.index('id="h-fin"') :]
    assert "Qui paie ?" in section
    assert 'href="https://nosdeputes.fr/16/intervention/444629"' in section  # the 2023 grant
    assert "non compté : condition non remplie : véhicule labellisé France Services" in section
    assert f"{number_fr(35000, 0)} €" in section
    for s in (a, b):
        plan = s.financing
        assert abs(plan.funding + plan.rest - plan.total_cost) < 1e-6
        assert f"{number_fr(plan.rest, 0)} €" in section
    # lines of other years are left out of the table
    assert "fs-fonctionnement-2019" not in section and "30 000 €</td><td>2019" not in section


def test_no_section_without_a_financing_plan():
    assert financing_section([figures("A")]) == ""
    assert not re.search("Qui paie", render_report(compare([figures("A")])))
