"""Scenario figures and their comparison; kiosks in scenarios.

Unit tests line hand-made figures up (directions, ties, missing values, formatting, labels);
two small standalone scenarios (one van, then two) are planned for real with a short time limit;
kiosks — listed or chosen by the siting model — are built and measured on an Indre database
loaded once for the module, with the Cœur de Brenne example.
"""

from __future__ import annotations

import csv
import io
import json
import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from planner.analysis.compare import (
    LINES,
    compare,
    evaluate_scenario,
    unique_labels,
)
from planner.errors import ScenarioError
from planner.scenario.build import build
from planner.scenario.files import load_scenario, parse_scenario
from planner.scenario.pipeline import solve_options
from support.figures import figures

REPO = Path(__file__).resolve().parents[3]
CDB = REPO / "scenarios" / "coeur-de-brenne.toml"
CDB_COMMUNES = {
    "36010",
    "36096",
    "36113",
    "36123",
    "36124",
    "36145",
    "36153",
    "36193",
    "36204",
    "36212",
    "36246",
}  # epci.json, CC Coeur de Brenne 243600343

# --- hand-made figures ----------------------------------------------------------------------------


def test_best_follows_the_direction_of_each_line():
    c = compare([figures("A"), figures("B", covered_after=950, cost_km=3000.0)])
    assert c.row("covered_after").best == (1,)  # more coverage is better
    assert c.row("km_month").best == (0,)  # fewer km is better
    assert c.row("cost_total").best == (0,)
    assert c.row("covered_before").best == ()  # a line that informs has no best
    assert c.row("vehicles").best == ()


def test_equal_values_mark_no_best_and_ties_mark_every_best():
    c = compare([figures("A"), figures("B"), figures("C", presence=30.0)])
    assert c.row("covered_after").best == ()  # all equal: nothing to choose
    assert c.row("presence_hours_month").best == (0, 1)  # tie between A and B
    # values that differ only below the digits shown count as equal
    d = compare([figures("A", presence=40.2), figures("B", presence=39.9)])
    assert d.row("presence_hours_month").best == ()


def test_differences_are_against_the_first_scenario():
    c = compare([figures("A"), figures("B", covered_after=950), figures("C", covered_after=850)])
    row = c.row("newly_covered")
    assert row.values == (100, 150, 50)
    assert row.differences == (None, 50, -50)


def test_cost_per_newly_covered_inhabitant_and_missing_values():
    a, b = figures("A", covered_after=800), figures("B", covered_after=900)
    c = compare([a, b])
    per = c.row("cost_per_newly_covered")
    assert per.values[0] is None  # nobody newly covered: no cost per person
    assert per.values[1] == pytest.approx(b.costs.total / 100)
    assert per.best == ()  # one value only: nothing to compare
    assert per.differences == (None, None)
    standalone = compare([figures("A", coverage=False), figures("B", coverage=False)])
    with pytest.raises(KeyError):
        standalone.row("covered_after")  # no coverage at all: the section is left out
    assert standalone.row("cost_per_newly_covered").values == (None, None)
    mixed = compare([figures("A"), figures("B", coverage=False)])
    assert mixed.row("covered_after").values == (900, None)


def test_aid_lines_only_when_asked_or_set_in_a_scenario():
    keys = {r.line.key for r in compare([figures("A")]).rows}
    assert "cost_total_with_aid" not in keys and "aid" not in keys
    keys = {r.line.key for r in compare([figures("A")], with_aid=True).rows}
    assert {"aid", "cost_total_with_aid", "cost_per_newly_covered_with_aid"} <= keys


def test_optional_lines_are_kept_only_when_some_scenario_has_them():
    keys = {r.line.key for r in compare([figures("A"), figures("B")]).rows}
    assert "cost_kiosks" not in keys and "requests_served" not in keys
    keys = {r.line.key for r in compare([figures("A"), figures("B", kiosks=3)]).rows}
    assert "cost_kiosks" in keys
    assert compare([figures("A"), figures("B", kiosks=3)]).row("cost_kiosks").values[0] is None


def test_labels_must_be_unique_and_are_made_unique_from_file_names():
    with pytest.raises(ValueError):
        compare([figures("A"), figures("A")])
    assert unique_labels(["A", "B"], ["a.toml", "b.toml"]) == ["A", "B"]
    assert unique_labels(["A", "A"], ["x/a.toml", "y/b.toml"]) == ["A (a.toml)", "A (b.toml)"]
    assert unique_labels(["A", "A", "B"], ["a.toml", "a.toml", "b.toml"]) == [
        "A (a.toml) #1",
        "A (a.toml) #2",
        "B",
    ]


def test_french_formatting_of_values_and_differences():
    km = next(line for line in LINES if line.key == "km_month")
    hours = next(line for line in LINES if line.key == "drive_hours_month")
    assert km.format(1556.6) == "1\u202f557"
    assert km.format(125.2, signed=True) == "+125"
    assert km.format(-2.0, signed=True) == "−2"
    assert km.format(-0.4, signed=True) == "0"
    assert km.format(None) == "—"
    assert hours.format(22.64) == "22,6"


def test_threshold_appears_in_the_labels_and_explanations():
    c = compare([figures("A")])
    row = c.row("covered_after")
    assert row.label == "Habitants à moins de 30 min d'une aide humaine — après"
    assert "30 min" in row.explain and "{t}" not in row.explain
    assert "10 min" in c.row("borne_only_after").explain
    assert "3,10 kg CO2e" in c.row("co2_year").explain


def test_labels_say_the_threshold_only_when_every_scenario_has_the_same():
    b = figures("B")
    ten = replace(b, coverage=replace(b.coverage, threshold=10))
    c = compare([figures("A"), ten])
    assert c.row("threshold").values == (30, 10)
    assert c.row("covered_after").label == "Habitants à moins du seuil d'une aide humaine — après"
    assert "30 min" not in c.row("beyond_after").label


def test_csv_and_json_parse_back():
    c = compare([figures("A"), figures("B; «x»", covered_after=950)], with_aid=True)
    rows = list(csv.reader(io.StringIO(c.to_csv()), delimiter=";"))
    assert rows[0] == ["rubrique", "ligne", "unité", "A", "B; «x»", "écart B; «x» − A", "meilleur"]
    assert len(rows) == 1 + len(c.rows)
    by_label = {r[1]: r for r in rows[1:]}
    newly = by_label["Habitants nouvellement couverts"]
    assert (newly[3], newly[4], newly[5], newly[6]) == ("100", "150", "50", "B; «x»")
    cost = by_label["Coût annuel total"]
    assert float(cost[3].replace(",", ".")) == pytest.approx(c.row("cost_total").values[0], abs=0.5)
    data = json.loads(json.dumps(c.to_dict()))
    assert data["schema"] == "itinerance.comparison/1" and data["reference"] == "A"
    line = next(x for x in data["lines"] if x["key"] == "newly_covered")
    assert line["values"] == {"A": 100, "B; «x»": 150}
    assert line["differences"] == {"B; «x»": 50}
    assert line["best"] == ["B; «x»"] and line["better"] == "higher"
    assert data["scenarios"][1]["costs"]["rates"]["co2_kg_per_l"] == 3.1


# --- two small standalone scenarios, planned ------------------------------------------------------

SMALL = """\
schema_version = 1
name = "Un van"

[data]
standalone = true

[horizon]
weeks = 1

[[vehicles]]
id = "van"
base = { name = "Le Blanc", lon = 1.0968, lat = 46.6354 }
weekdays = ["mardi"]

[stops]
permanence = 120
frequency = "weekly"
mandatory = false

[[stops.list]]
name = "Rosnay"
lon = 1.2043
lat = 46.7106
value = 400
[[stops.list]]
name = "Ciron"
lon = 1.2420
lat = 46.6256
value = 300
[[stops.list]]
name = "Martizay"
lon = 1.0387
lat = 46.8071
value = 200
[[stops.list]]
name = "Saint-Gaultier"
lon = 1.4302
lat = 46.6484
value = 100

[solver]
time_limit = 2
seed = 1
"""


@pytest.fixture(scope="module")
def one_and_two(tmp_path_factory):
    path = tmp_path_factory.mktemp("cmp") / "van.toml"
    path.write_text(SMALL, encoding="utf-8")
    one = load_scenario(path)
    two = one.with_values({"vehicles[0].count": 2, "name": "Deux vans"})
    return [evaluate_scenario(f, options=solve_options(f, time_limit=2)) for f in (one, two)]


def test_two_vans_cost_more_and_serve_at_least_as_much(one_and_two):
    one, two = (e.figures for e in one_and_two)
    assert two.operations.vehicles == 2 and one.operations.vehicles == 1
    assert two.costs.total > one.costs.total
    assert two.costs.vehicle_capital == pytest.approx(2 * one.costs.vehicle_capital)
    assert two.service.communes_served >= one.service.communes_served
    assert two.service.presence_hours_per_month >= one.service.presence_hours_per_month
    # one van works one day a week: at most three 2-hour permanences fit in its day
    assert one.service.communes_served < 4 and two.service.communes_served == 4
    c = compare([one, two])
    assert c.row("cost_total").best == (0,)
    assert c.row("communes_served").best == (1,)
    assert (
        c.row("communes_served").differences[1]
        == two.service.communes_served - one.service.communes_served
    )


def test_standalone_figures_have_no_coverage_and_say_so(one_and_two):
    one = one_and_two[0]
    assert one.coverage is None and one.figures.coverage is None
    assert one.figures.service.population_served is None
    assert any("couverture n'est pas calculée" in n for n in one.figures.notes)
    assert one.figures.service.by_frequency == {
        "weekly": one.figures.service.communes_served,
        "fortnightly": 0,
        "monthly": 0,
    }


def test_figures_match_the_validator_and_carry_provenance(one_and_two):
    ev = one_and_two[1]
    f = ev.figures
    assert f.operations.km_per_month == pytest.approx(
        ev.plan.meta.validation["figures"]["km_per_month"]
    )
    assert f.operations.staff_hours_per_month == pytest.approx(
        f.operations.work_hours_per_month
    )  # 1 agent
    assert f.provenance["engine"] == "periodic" and "context" not in f.provenance
    assert f.provenance["inputs"][0]["sha256"] == f.sha256
    assert f.operations.co2_kg_per_year == pytest.approx(f.costs.km * 11 / 100 * 3.1)


def test_figures_are_picklable_for_sweeps(one_and_two):
    ev = one_and_two[0]
    again = pickle.loads(pickle.dumps(ev))
    assert again.figures.metrics() == ev.figures.metrics()


# --- kiosks in scenarios --------------------------------------------------------------------------

KIOSK_BASE = """\
schema_version = 1
name = "Bornes"

[territory]
epcis = ["243600343"]

[[vehicles]]
id = "van"
base = "36123"

[[stops.list]]
commune = "36124"

[kiosks]
{kiosks}

[coverage]
threshold = 10
"""


def kiosk_error(kiosks: str, extra: str = "") -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(KIOSK_BASE.format(kiosks=kiosks) + extra, "k.toml")
    return str(info.value)


def test_kiosk_section_errors_name_the_line_and_key():
    assert "k.toml:14: kiosks: give either communes" in kiosk_error(
        'communes = ["36212"]\nchoose = 2'
    )
    assert "give either communes" in kiosk_error("")
    assert "k.toml:16: kiosks.communes[2]: commune 36212 is listed twice" in kiosk_error(
        'communes = ["36246",\n "36212", "36212"]'
    )
    assert "kiosks.candidates: candidates go with choose" in kiosk_error(
        'communes = ["36212"]\ncandidates = ["36212"]'
    )
    assert "kiosks.choose: choose = 3 but only 2 candidate communes" in kiosk_error(
        'choose = 3\ncandidates = ["36212", "36246"]'
    )
    assert "kiosks.communes[0]: expected an INSEE commune code" in kiosk_error('communes = ["362"]')
    no_territory = KIOSK_BASE.replace('[territory]\nepcis = ["243600343"]\n', "")
    with pytest.raises(ScenarioError, match=r"kiosks\.choose: choose = N needs a \[territory\]"):
        parse_scenario(no_territory.format(kiosks="choose = 2"), "k.toml")


def test_standalone_scenario_refuses_kiosks():
    text = SMALL + '\n[kiosks]\ncommunes = ["36212"]\n'
    with pytest.raises(
        ScenarioError, match=r"kiosks: kiosks are placed in communes of the database"
    ):
        parse_scenario(text, "s.toml")


@pytest.fixture(scope="module")
def indre(indre_url: str) -> str:
    return indre_url


@pytest.mark.slow
def test_listed_kiosks_are_placed_at_their_commune_and_recorded(indre, tmp_path):
    path = tmp_path / "k.toml"
    path.write_text(KIOSK_BASE.format(kiosks='communes = ["36212", "36246"]'), encoding="utf-8")
    built = build(load_scenario(path), db=indre)
    assert [(k.insee, k.commune, k.chosen) for k in built.context.kiosks] == [
        ("36212", "Saulnay", False),
        ("36246", "Villiers", False),
    ]
    assert all(k.lon and k.lat for k in built.context.kiosks)
    assert [k["insee"] for k in built.context.to_dict()["kiosks"]] == ["36212", "36246"]
    path.write_text(KIOSK_BASE.format(kiosks='communes = ["36999"]'), encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"k\.toml:15: kiosks\.communes\[0\]: unknown commune 36999"
    ):
        build(load_scenario(path), db=indre)


@pytest.mark.slow
def test_kiosks_chosen_by_the_siting_model_cover_the_communes_without_help(indre):
    f = load_scenario(CDB)
    first, again = build(f, db=indre), build(f, db=indre)
    kiosks = first.context.kiosks
    assert [k.insee for k in kiosks] == [k.insee for k in again.context.kiosks]  # deterministic
    assert len(kiosks) == 7 and len({k.insee for k in kiosks}) == 7
    assert {k.insee for k in kiosks} <= CDB_COMMUNES and all(k.chosen for k in kiosks)
    gains = [k.gain for k in kiosks]
    assert gains == sorted(gains, reverse=True) and gains[0] > 0
    # the kiosks with a gain bring every commune without human help within reach of a kiosk
    from geodata.records import ServiceKind, ServicePoint
    from planner.access.coverage import analyse, before_after
    from planner.scenario.build import fixed_help_inputs

    base = fixed_help_inputs(f, indre)
    uncovered = analyse(base).communes.query("~covered_human")
    assert len(uncovered) == 6  # the communes the bus of the example serves
    useful = [
        ServicePoint(f"k{k.insee}", k.commune, ServiceKind.BORNE, k.lon, k.lat, k.insee)
        for k in kiosks
        if k.gain > 0
    ]
    after = before_after(base, (), useful).after.communes
    assert after.loc[uncovered.index, "covered_borne_only"].all()
    assert any(k.gain == 0 for k in kiosks) == any(
        "ne couvrent aucune commune de plus" in n for n in first.context.notes
    )


@pytest.mark.slow
def test_coeur_de_brenne_measured_before_and_after(indre):
    f = load_scenario(CDB)
    ev = evaluate_scenario(f, db=indre, options=solve_options(f, time_limit=3, seed=0))
    cov, svc = ev.figures.coverage, ev.figures.service
    assert cov is not None and cov.threshold == 10 and cov.communes == 11
    uncovered = ev.coverage.before.communes.query("~covered_human")
    assert set(uncovered.index) == {"36096", "36124", "36145", "36193", "36212", "36246"}
    assert cov.newly_covered == int(uncovered["population"].sum())  # the bus serves all six
    assert cov.beyond_after == 0 and cov.borne_only_after == 0  # human help beats a kiosk
    assert svc.communes_served == 6 and svc.by_frequency["fortnightly"] == 6 and svc.kiosks == 7
    assert ev.figures.costs.kiosks.total == pytest.approx(7 * (8000 / 5 + 1000 + 600))
    assert ev.figures.costs.aid == 0  # aided_vehicles = 0 in the example
    assert ev.figures.metrics()["cost_per_newly_covered"] == pytest.approx(
        ev.figures.costs.total / cov.newly_covered
    )


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_gives_the_same_kiosks_and_coverage(indre, pg_url):
    from geodata.load import load_area

    load_area(pg_url, departement="36")
    f = load_scenario(CDB)
    options = solve_options(f, time_limit=2, seed=0)
    on_pg = evaluate_scenario(f, db=pg_url, options=options).figures
    on_sqlite = evaluate_scenario(f, db=indre, options=options).figures
    assert [k.insee for k in on_pg.kiosks] == [k.insee for k in on_sqlite.kiosks]
    assert on_pg.coverage == on_sqlite.coverage
    assert on_pg.costs.kiosks == on_sqlite.costs.kiosks
    assert on_pg.service.population_served == on_sqlite.service.population_served
