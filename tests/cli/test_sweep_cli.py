"""``itinerance sweep`` end to end, in-process: bad inputs give one ``error:`` line, exit code 2
and no file; a small standalone sweep writes its HTML page, CSV and JSON, all consistent.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import socket
from pathlib import Path

import pytest

from support.checks import assert_one_line_error
from tests.planner.analysis.test_sweep import SMALL


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "balayage.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ["--vary", "vans=1,2"],
            ["--vary vans: unknown variable", "vehicles, threshold, frequency"],
        ),
        (["--vary", "vehicles=1,zéro"], ["--vary vehicles=1,zéro", "got 'zéro'"]),
        (["--vary", "vehicles=60"], ["--vary vehicles=60", "vehicles[0].count"]),
        (["--vary", "candidates=3"], ["the scenario has no candidates table"]),
        (["--vary", "vehicles=1", "--axis", "population"], ["--axis population", "standalone"]),
        (["--vary", "vehicles=1", "--axis", "joie"], ["--axis joie: expected one of"]),
        (["--vary", "vehicles=1", "--time-limit", "-3"], ["--time-limit"]),
        (["--vary", "vehicles=1", "--workers", "0"], ["--workers: expected at least 1"]),
    ],
)
def test_bad_sweep_options_give_one_line_and_write_nothing(run_cli, small, tmp_path, args, needles):
    out = tmp_path / "front.html"
    code, stdout, err = run_cli("sweep", small, *args, "-o", out)
    assert_one_line_error(code, err, *needles)
    assert not out.exists() and stdout == ""


def test_an_unwritable_or_unknown_output_is_refused_before_the_sweep(run_cli, small, tmp_path):
    code, _, err = run_cli(
        "sweep", small, "--vary", "vehicles=1", "-o", tmp_path / "nope" / "f.html"
    )
    assert_one_line_error(code, err, "does not exist")
    code, _, err = run_cli("sweep", small, "--vary", "vehicles=1", "-o", tmp_path / "front.png")
    assert_one_line_error(code, err, "expected a file name ending in .html, .csv or .json")
    assert list(tmp_path.iterdir()) == [small]


def test_a_missing_scenario_is_one_line(run_cli, tmp_path):
    code, _, err = run_cli("sweep", tmp_path / "absent.toml", "--vary", "vehicles=1,2")
    assert_one_line_error(code, err, "absent.toml: no such scenario file")


def test_an_unreachable_scheduler_is_one_line_and_nothing_is_written(run_cli, small, tmp_path):
    out = tmp_path / "front.json"
    address = f"tcp://127.0.0.1:{_closed_port()}"
    code, stdout, err = run_cli(
        "sweep",
        small,
        "--vary",
        "vehicles=1",
        "--scheduler",
        address,
        "--connect-timeout",
        "2",
        "-o",
        out,
    )
    assert_one_line_error(code, err, f"--scheduler {address}: cannot reach the Dask scheduler")
    assert not out.exists() and stdout == ""
    code, _, err = run_cli("sweep", small, "--vary", "vehicles=1", "--scheduler", "localhost:8786")
    assert_one_line_error(code, err, "expected an address like tcp://host:8786")


def test_a_sweep_where_no_combination_can_be_planned_exits_with_1(run_cli, tmp_path):
    weekly = tmp_path / "hebdo.toml"
    weekly.write_text(
        SMALL.replace('frequency = "monthly"', 'frequency = "weekly"'), encoding="utf-8"
    )
    out = tmp_path / "front.json"
    code, stdout, err = run_cli(
        "sweep", weekly, "--vary", "weeks=1", "--vary", "frequency=fortnightly", "-o", out
    )
    assert code == 1, err
    assert "combinaison invalide" in stdout and "0 planifiées" in stdout
    doc = json.loads(out.read_text(encoding="utf-8"))  # written all the same: it says why
    assert doc["points"][0]["status"] == "scenario"
    assert "at least 2 weeks" in doc["points"][0]["reason"]


@pytest.mark.slow
def test_a_small_sweep_writes_its_page_csv_and_json(run_cli, small, tmp_path):
    html, table, data = tmp_path / "front.html", tmp_path / "front.csv", tmp_path / "front.json"
    code, stdout, err = run_cli(
        "sweep",
        small,
        "--vary",
        "frequency=monthly,fortnightly",
        "--vary",
        "max_drive=8h,5",
        "--iterations",
        "200",
        "--workers",
        "2",
        "-o",
        html,
        "-o",
        table,
        "-o",
        data,
    )
    assert code == 0, err
    assert "Balayage d'essai — 4 combinaisons, 2 planifiées, 2 sur le front de Pareto" in stdout
    assert "★ tous les 15 jours, conduite ≤ 8h" in stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["balayage.toml", "front.html", "front.csv", "front.json"]
    )  # no temporary file left

    sha = hashlib.sha256(small.read_bytes()).hexdigest()
    doc = json.loads(data.read_text(encoding="utf-8"))
    assert doc["axis"] == "presence" and doc["cost_figure"] == "cost_per_year"
    assert doc["meta"]["inputs"][0]["sha256"] == sha
    assert doc["meta"]["sweep"]["iterations"] == 200 and doc["meta"]["sweep"]["seeds"] == [7]
    assert doc["meta"]["versions"]["itinerance"]
    points = doc["points"]
    assert [p["values"] for p in points] == [
        {"frequency": "monthly", "max_drive": "8h"},
        {"frequency": "monthly", "max_drive": 5},
        {"frequency": "fortnightly", "max_drive": "8h"},
        {"frequency": "fortnightly", "max_drive": 5},
    ]
    assert [p["status"] for p in points] == ["ok", "infeasible", "ok", "infeasible"]
    assert [p["front"] for p in points] == [True, False, True, False]
    assert all(p["plan_sha256"] for p in points[::2]) and points[1]["figures"] == {}
    assert "Mézières-en-Brenne" in points[1]["reason"]  # the mandatory stop it cannot reach

    rows = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["n°", "fréquence", "conduite max", "front de Pareto"]
    assert [r[3] for r in rows[1:]] == ["oui", "", "oui", ""]
    cost = rows[0].index("Coût annuel (€)")
    assert [r[cost] for r in rows[1:]] == [
        str(round(p["figures"]["cost_per_year"])) if p["status"] == "ok" else "" for p in points
    ]
    result = rows[0].index("résultat")
    assert rows[2][result].startswith("infaisable : ") and rows[1][result] == "réalisé"
    assert {r[-2] for r in rows[1:]} == {sha}

    page = html.read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and "Front de Pareto" in page
    assert "2 combinaison(s) sans plan n" in page and "infaisable" in page
    assert page.count("<tr>") >= 5 and "balayage.toml" in page and sha in page

    # The first point again, alone, on one worker, printed as JSON: the same plan.
    code, stdout, err = run_cli(
        "sweep",
        small,
        "--vary",
        "frequency=monthly",
        "--vary",
        "max_drive=8h",
        "--iterations",
        "200",
        "--workers",
        "1",
        "--format",
        "json",
    )
    assert code == 0, err
    assert json.loads(stdout)["points"][0]["plan_sha256"] == points[0]["plan_sha256"]
