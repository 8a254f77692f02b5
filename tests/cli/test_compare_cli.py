"""``itinerance compare`` end to end, in-process.

La Rur@linette as published and optimised, on an Indre database loaded once for the module, with
a short time limit: every line of the comparison is there, the best-per-line marks follow each
line's direction, the CSV and JSON parse back, the HTML report links one map per scenario. Two
small standalone scenarios cover the rest quickly; bad inputs give one ``error:`` line, exit
code 2 and no file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from planner.analysis.compare import LINES
from support.checks import assert_one_line_error
from tests.planner.analysis.test_compare import SMALL

REPO = Path(__file__).resolve().parents[2]
ASIS = REPO / "scenarios" / "rurlinette-actuelle.toml"
OPTIMISED = REPO / "scenarios" / "rurlinette-optimisee.toml"
VAN = SMALL  # one van, one day a week, four optional 2-hour permanences
TWO_VANS = SMALL.replace('name = "Un van"', 'name = "Deux vans"').replace(
    'id = "van"', 'id = "van"\ncount = 2'
)


@pytest.fixture(scope="module")
def indre(indre_url: str) -> str:
    return indre_url


@pytest.fixture
def vans(tmp_path) -> tuple[Path, Path]:
    one, two = tmp_path / "un-van.toml", tmp_path / "deux-vans.toml"
    one.write_text(VAN, encoding="utf-8")
    two.write_text(TWO_VANS, encoding="utf-8")
    return one, two


def expected_best(values: dict[str, float | None], better: str | None, digits: int) -> list[str]:
    """The oracle of the best marks: the max (or min) of the shown values, if they differ."""
    shown = {k: round(v, digits) for k, v in values.items() if v is not None}
    if better is None or len(shown) < 2 or len(set(shown.values())) == 1:
        return []
    target = (max if better == "higher" else min)(shown.values())
    return [k for k, v in shown.items() if v == target]


# --- La Rur@linette, as published and optimised ---------------------------------------------------


@pytest.mark.slow
def test_rurlinette_as_is_against_optimised(indre, run_cli, tmp_path):
    saved = tmp_path / "comparaison.json"
    code, out, err = run_cli(
        "compare",
        ASIS,
        OPTIMISED,
        "--db",
        indre,
        "--time-limit",
        "3",
        "--seed",
        "0",
        "--with-aid",
        "--format",
        "csv",
        "-o",
        saved,
    )
    assert code == 0, err
    data = json.loads(saved.read_text(encoding="utf-8"))
    actual, optimised = "La Rur@linette — tournée actuelle", "La Rur@linette — tournée optimisée"
    assert data["reference"] == actual
    assert [s["label"] for s in data["scenarios"]] == [actual, optimised]
    # every line of the comparison, with the aid lines (--with-aid); no kiosk or home-visit line
    # (optional lines, such as expected visitors, only when some scenario has a value)
    keys = [line["key"] for line in data["lines"]]
    expected = [line.key for line in LINES if not line.optional or line.key in keys]
    assert keys[: len(expected)] == expected
    # then the financing plan (docs/financing.md): the funding lines, the total and the rest
    assert keys[-2:] == ["funding_total", "rest_to_pay"]
    assert all(k.startswith("funding:") for k in keys[len(expected) : -2])
    digits = {line.key: line.digits for line in LINES} | dict.fromkeys(keys[len(expected) :], 0)
    for line in data["lines"]:
        best = expected_best(line["values"], line["better"], digits[line["key"]])
        assert line["best"] == best, line
        v = line["values"]
        if v[actual] is not None and v[optimised] is not None:
            assert line["differences"][optimised] == pytest.approx(v[optimised] - v[actual])
    lines = {line["key"]: line["values"] for line in data["lines"]}
    assert lines["communes_served"][actual] == 19  # the 19 identified communes of the rota
    assert lines["communes_served"][optimised] >= 19  # the same 19, mandatory, plus candidates
    assert lines["communes_monthly"][optimised] == lines["communes_served"][optimised]
    assert lines["vehicles"] == {actual: 1, optimised: 1}
    assert lines["violations"][actual] == 0
    assert lines["population"][actual] == lines["population"][optimised] > 200_000  # the Indre
    assert lines["aid"][actual] == pytest.approx(30_000 + 68_000 / 10)
    # both labelled France Services: the same State grant; funding + rest = the yearly cost
    assert lines["funding_total"][actual] == lines["funding_total"][optimised] >= 30_000
    for label in (actual, optimised):
        assert lines["funding_total"][label] + lines["rest_to_pay"][label] == pytest.approx(
            lines["cost_total"][label]
        )
    asis = data["scenarios"][0]
    assert asis["asis"] and asis["provenance"]["engine"] == "asis"
    assert data["scenarios"][1]["provenance"]["seed"] == 0
    assert data["scenarios"][1]["provenance"]["time_limit"] == 3
    datasets = {d["dataset"] for d in asis["provenance"]["data"]["datasets"]}
    assert {"communes", "france-services"} <= datasets
    assert any("Avail" in note for note in asis["notes"])  # the name the rota parser left out

    # the CSV printed says the same, line by line, in French numbers
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][3:5] == [actual, optimised] and len(rows) == 1 + len(data["lines"])
    for row, line in zip(rows[1:], data["lines"]):
        assert row[1] == line["label"] and row[2] == line["unit"]
        for cell, label in zip(row[3:5], (actual, optimised)):
            value = line["values"][label]
            shown = None if cell == "" else float(cell.replace(",", "."))
            assert shown == (
                None
                if value is None
                else pytest.approx(value, abs=0.51 * 10 ** -digits[line["key"]])
            )
        assert row[6] == " ; ".join(line["best"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comparaison.json"]


@pytest.mark.slow
def test_csv_output_parses_back_with_french_numbers(vans, run_cli, tmp_path):
    out = tmp_path / "comparaison.csv"
    code, stdout, err = run_cli("compare", *vans, "--time-limit", "2", "--format", "csv", "-o", out)
    assert code == 0, err
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())  # UTF-8 with a byte-order mark, for spreadsheets
    assert stdout.startswith("\ufeff") and stdout.lstrip("\ufeff") == raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "rubrique",
        "ligne",
        "unité",
        "Un van",
        "Deux vans",
        "écart Deux vans − Un van",
        "meilleur",
    ]
    by_label = {r[1]: r for r in rows[1:]}
    vehicles = by_label["Véhicules"]
    assert vehicles[3:6] == ["1", "2", "1"]
    cost = by_label["Coût annuel total"]
    one, two = (float(x.replace(",", ".")) for x in cost[3:5])
    assert two > one and cost[6] == "Un van"


@pytest.mark.slow
def test_table_output_shows_sections_values_and_notes(vans, run_cli):
    code, out, err = run_cli("compare", *vans, "--time-limit", "2")
    assert code == 0, err
    for text in (
        "Comparaison des scénarios",
        "Service rendu",
        "Exploitation",
        "Coûts par an",
        "Un van (référence)",
        "Deux vans",
        "Coût annuel total",
        "la couverture n'est pas calculée",
        "Hypothèses de coût",
    ):
        assert text in out, text
    assert "Avec les aides publiques connues" not in out
    assert "Habitants du territoire" not in out  # standalone: no coverage section at all


@pytest.mark.slow
def test_same_name_twice_is_told_apart_by_file_name(vans, run_cli, tmp_path):
    copy = tmp_path / "copie.toml"
    copy.write_text(vans[0].read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run_cli("compare", vans[0], copy, "--time-limit", "2", "--format", "json")
    assert code == 0, err
    labels = [s["label"] for s in json.loads(out)["scenarios"]]
    assert labels == ["Un van (un-van.toml)", "Un van (copie.toml)"]


@pytest.mark.slow
def test_standalone_report_links_a_tour_map_per_scenario(vans, run_cli, tmp_path):
    folder = tmp_path / "sortie"
    folder.mkdir()
    code, _, err = run_cli("compare", *vans, "--time-limit", "2", "-o", folder / "rapport.html")
    assert code == 0, err
    html = (folder / "rapport.html").read_text(encoding="utf-8")
    frames = re.findall(r'<iframe src="([^"]+)"', html)
    assert frames == ["rapport-carte-1-un-van.html", "rapport-carte-2-deux-vans.html"]
    assert all((folder / name).is_file() for name in frames)
    assert "écrit : " in err and str(folder / "rapport.html") in err


# --- bad input ------------------------------------------------------------------------------------


def test_a_scenario_failing_validation_stops_everything(vans, run_cli, tmp_path):
    bad = tmp_path / "mauvais.toml"
    bad.write_text(VAN.replace('weekdays = ["mardi"]', 'weekdays = ["mardy"]'), encoding="utf-8")
    report = tmp_path / "out" / "rapport.html"
    report.parent.mkdir()
    code, _, err = run_cli("compare", vans[0], bad, "-o", report)
    assert_one_line_error(code, err, f"{bad}:13: vehicles[0].weekdays[0]")
    assert list(report.parent.iterdir()) == []


def test_missing_scenario_file(vans, run_cli, tmp_path):
    code, _, err = run_cli("compare", vans[0], tmp_path / "absent.toml")
    assert_one_line_error(code, err, "absent.toml: no such scenario file")


def test_output_that_cannot_be_written_fails_before_planning(vans, run_cli, tmp_path):
    code, _, err = run_cli("compare", *vans, "-o", tmp_path / "absent" / "rapport.html")
    assert_one_line_error(code, err, "does not exist")
    code, _, err = run_cli("compare", *vans, "-o", tmp_path)
    assert_one_line_error(code, err, "expected a file name ending in .html, .csv or .json")
    folder = tmp_path / "dossier.html"
    folder.mkdir()
    code, _, err = run_cli("compare", *vans, "-o", folder)
    assert_one_line_error(code, err, "is a folder")
    code, _, err = run_cli("compare", *vans, "-o", tmp_path / "rapport.txt")
    assert_one_line_error(code, err, "expected a file name ending in .html, .csv or .json")


def test_negative_time_limit_is_refused(vans, run_cli):
    code, _, err = run_cli("compare", *vans, "--time-limit", "-1")
    assert_one_line_error(code, err, "--time-limit: expected a positive number of seconds")


@pytest.mark.slow
def test_an_infeasible_scenario_is_one_line_and_nothing_is_written(vans, run_cli, tmp_path):
    impossible = tmp_path / "impossible.toml"
    # four mandatory 2-hour permanences, one van working one day a week: they cannot all fit
    impossible.write_text(
        VAN.replace("mandatory = false", "mandatory = true").replace("Un van", "X"),
        encoding="utf-8",
    )
    out = tmp_path / "sortie"
    out.mkdir()
    code, _, err = run_cli(
        "compare", vans[0], impossible, "--time-limit", "2", "-o", out / "r.html"
    )
    assert_one_line_error(code, err, str(impossible), "infeasible")
    assert list(out.iterdir()) == []


@pytest.mark.slow
def test_a_scenario_without_tour_gets_its_coverage_map(indre, tmp_path):
    """No route to draw (e.g. nothing served): the report shows the scenario's coverage map."""
    from dataclasses import replace

    from maps.scenario_maps import scenario_map
    from planner.analysis.compare import evaluate_scenario
    from planner.scenario.files import load_scenario
    from planner.scenario.pipeline import solve_options

    f = load_scenario(REPO / "scenarios" / "coeur-de-brenne.toml")
    ev = evaluate_scenario(f, db=indre, options=solve_options(f, time_limit=2))
    idle = replace(ev, plan=replace(ev.plan, routes=[]))
    target = tmp_path / "r-carte-1-cdb.html"
    files = scenario_map(idle, f, target, indre)
    assert sorted(p.name for p in files) == [
        "r-carte-1-cdb-tableau.html",
        "r-carte-1-cdb.csv",
        "r-carte-1-cdb.html",
    ]
    page = files[target].decode("utf-8")
    assert (
        "Couverture avec le scénario" in page
        and "Nouvelle borne" not in page
        and "Borne — " in page
    )
    assert (
        list(tmp_path.iterdir()) == []
    )  # built in a temporary folder, nothing left: the report writes
