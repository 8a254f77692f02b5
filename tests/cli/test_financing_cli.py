"""The financing plan through the CLI: ``compare`` shows who pays, bad funding tables stop
``compare`` and ``sweep`` before any planning (one ``error:`` line, exit 2, nothing written).

A small standalone van (tests/planner/analysis/test_compare.SMALL) with a hand-written table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.checks import assert_one_line_error
from tests.planner.analysis.test_compare import SMALL

TABLE = """\
# Financements de test
[[lines]]
id = "dept"
funder = "Département de l'Indre"
label = "Soutien au fonctionnement"
funds = "operating"
per = "vehicle"
amount = 1200
year_from = 2024
requires = ["france_services_label"]
source = { title = "Délibération du conseil départemental (exemple)" }
note = "Test."

[[lines]]
id = "etat"
funder = "État (ANCT)"
label = "Subvention France Services"
funds = "operating"
per = "vehicle"
amount = 3500
year_from = 2023
year_to = 2025
requires = ["france_services_label"]
source = { title = "Circulaire (exemple)", url = "https://example.org/c" }
note = "Test."
"""


def write(tmp_path: Path, table: str, costs: str) -> Path:
    (tmp_path / "fin.toml").write_text(table, encoding="utf-8")
    path = tmp_path / "van.toml"
    path.write_text(SMALL.replace("[solver]", f"[costs]\n{costs}\n\n[solver]"), encoding="utf-8")
    return path


def test_compare_shows_each_funding_line_and_the_rest_which_add_up(tmp_path, run_cli):
    labelled = write(tmp_path, TABLE, 'financing = "fin.toml"\nyear = 2024\nfrance_services = true')
    code, out, err = run_cli("compare", labelled, "--format", "json", "--time-limit", "1")
    assert code == 0, err
    data = json.loads(out)
    lines = {line["key"]: line for line in data["lines"]}
    value = {k: line["values"]["Un van"] for k, line in lines.items()}
    assert value["funding:dept"] == 1200 and value["funding:etat"] == 3500
    assert value["funding_total"] == 4700
    assert value["funding_total"] + value["rest_to_pay"] == pytest.approx(value["cost_total"])
    assert lines["rest_to_pay"]["section"] == "Plan de financement 2024"
    plan = data["scenarios"][0]["financing"]
    assert plan["year"] == 2024 and plan["table"].endswith("fin.toml")
    assert len(plan["table_sha256"]) == 64


def test_a_van_not_labelled_gets_nothing_and_the_table_says_why(tmp_path, run_cli):
    van = write(tmp_path, TABLE, 'financing = "fin.toml"\nyear = 2024')
    code, out, err = run_cli("compare", van, "--time-limit", "1")
    assert code == 0, err
    assert "Reste à charge des collectivités" in out
    assert "Financements non comptés en 2024 : dept (condition non remplie" in out


@pytest.mark.parametrize(
    ("table", "needles"),
    [
        (TABLE.replace("year_from = 2024\n", ""), ["fin.toml:2:", "lines[0].year_from"]),
        (TABLE.replace("amount = 1200", "amount = -1200"), ["fin.toml:8:", "lines[0].amount"]),
        (TABLE.replace("amount = 3500", 'amount = "beaucoup"'), ["lines[1].amount", "number"]),
        (
            TABLE.replace(
                'source = { title = "Circulaire (exemple)", url = "https://example.org/c" }\n', ""
            ),
            ["lines[1].source", "required key missing"],
        ),
        (
            TABLE.replace('["france_services_label"]', '["zrr"]', 1),
            ["lines[0].requires[0]", "'zrr'"],
        ),
    ],
)
def test_a_bad_funding_table_stops_compare_before_planning(tmp_path, run_cli, table, needles):
    scenario = write(tmp_path, table, 'financing = "fin.toml"')
    out = tmp_path / "comparaison.html"
    code, stdout, err = run_cli("compare", scenario, "-o", out)
    assert_one_line_error(code, err, *needles)
    assert not out.exists() and stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fin.toml", "van.toml"]


def test_a_missing_funding_table_names_the_scenario_key(tmp_path, run_cli):
    scenario = write(tmp_path, TABLE, 'financing = "absent.toml"')
    code, stdout, err = run_cli("compare", scenario, "-o", tmp_path / "c.csv")
    assert_one_line_error(code, err, "van.toml:", "costs.financing: no such funding table")
    assert not (tmp_path / "c.csv").exists()


def test_a_bad_funding_table_stops_sweep_before_planning(tmp_path, run_cli):
    scenario = write(
        tmp_path, TABLE.replace("amount = 1200", "amount = -1"), 'financing = "fin.toml"'
    )
    out = tmp_path / "balayage.csv"
    code, stdout, err = run_cli("sweep", scenario, "--vary", "vehicles=1,2", "-o", out)
    assert_one_line_error(code, err, "fin.toml:8:", "lines[0].amount: expected at least 0")
    assert not out.exists() and stdout == ""


def test_sweep_reports_the_rest_to_pay_of_each_point(tmp_path, run_cli):
    scenario = write(tmp_path, TABLE, 'financing = "fin.toml"\nyear = 2024\nfrance_services = true')
    out = tmp_path / "balayage.json"
    code, _, err = run_cli(
        "sweep", scenario, "--vary", "vehicles=1,2", "--time-limit", "1", "-o", out
    )
    assert code == 0, err
    points = json.loads(out.read_text(encoding="utf-8"))["points"]
    assert len(points) == 2
    for point in points:
        figures = point["figures"]
        vehicles = figures["vehicles"]
        # 1 200 € + 3 500 € per labelled van, all below the yearly cost
        expected = figures["cost_per_year"] - 4700 * vehicles
        assert figures["rest_to_pay"] == pytest.approx(expected, abs=0.01)
    assert sorted(p["figures"]["vehicles"] for p in points) == [1, 2]
