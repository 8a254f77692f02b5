"""``itinerance coverage`` and ``itinerance site`` on Indre loaded from the pinned open data.

Bad input must give one ``error:`` line on stderr, exit code 2, no traceback, and write nothing.
"""

from __future__ import annotations

import io
import json
import shutil
import socket
import sqlite3
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from support.checks import assert_one_line_error
from tests.planner.access.test_osrm import FakeOsrm


@pytest.fixture(scope="module")
def indre(indre_url: str) -> str:
    return indre_url


def test_coverage_table_in_french(run_cli, indre):
    code, out, err = run_cli("coverage", "--departement", "36", "--threshold", "15", "--db", indre)
    assert code == 0, err
    assert "Couverture — département 36, seuil 15 min" in out
    assert "Population à plus de 15 min d'une France Services :" in out
    assert "Communes non couvertes" in out
    assert "Aide humaine (toutes formes)" in out
    assert "'Avail': commune not identified" in err  # La Rur@linette's misspelt stop is reported


def test_coverage_csv_has_every_commune_and_consistent_columns(run_cli, indre):
    code, out, err = run_cli("coverage", "-d", "36", "--format", "csv", "--db", indre)
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out), dtype={"code": str})
    assert len(table) == 241 and table["code"].is_unique  # Indre's communes, COG 2026
    chateauroux = table.set_index("code").loc["36044"]
    assert chateauroux["france_services_minutes"] < 5  # France Services in town
    assert chateauroux["status"] == "couverte"
    assert (table["covered_fs"] == (table["france_services_minutes"] <= 30)).all()
    assert ((table["need"] - table["population"] * table["ifn"]).abs() <= 0.05).all()


def test_coverage_with_the_2sfca_score(run_cli, indre):
    code, out, err = run_cli("coverage", "-d", "36", "-f", "csv", "--accessibility", "--db", indre)
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out), dtype={"code": str}).set_index("code")
    assert (table["access_score"] > 0).all()  # every commune has human help within 30 minutes
    code, out, _ = run_cli("coverage", "-d", "36", "--accessibility", "--db", indre)
    assert "Accessibilité (2SFCA" in out


def test_coverage_json_totals_add_up_and_record_provenance(run_cli, indre):
    code, out, err = run_cli("coverage", "-d", "36", "-t", "12", "-f", "json", "--db", indre)
    assert code == 0, err
    body = json.loads(out)
    population = sum(c["population"] for c in body["communes"])
    for row in body["totals"]:
        assert row["population_covered"] + row["population_not_covered"] == population
    gap_codes = [g["code"] for g in body["gaps"]]
    assert gap_codes and all(
        not c["covered_human"] for c in body["communes"] if c["code"] in gap_codes
    )
    needs = [g["need"] for g in body["gaps"] if g["need"] is not None]
    assert needs == sorted(needs, reverse=True)
    assert body["threshold_minutes"] == 12
    assert body["meta"]["travel"].startswith("offline model")
    assert any(d.get("dataset") == "france-services" for d in body["meta"]["data"]["datasets"])


def test_coverage_output_file_is_written_whole(run_cli, indre, tmp_path):
    target = tmp_path / "couverture.csv"
    code, _, err = run_cli("coverage", "-d", "36", "-f", "csv", "-o", target, "--db", indre)
    assert code == 0, err
    assert len(pd.read_csv(target)) == 241
    assert [p.name for p in tmp_path.iterdir()] == ["couverture.csv"]


def test_site_places_new_stops_and_reports_before_after(run_cli, indre):
    code, out, err = run_cli(
        "site",
        "-d",
        "36",
        "--new-stops",
        "5",
        "--threshold",
        "15",
        "--existing",
        "fs",
        "-f",
        "json",
        "--db",
        indre,
    )
    assert code == 0, err
    body = json.loads(out)
    assert len(body["chosen"]) == 5 and body["status"] == "OPTIMAL" and body["gap"] == 0
    gains = [c["need_newly_covered"] for c in body["chosen"]]
    assert gains == sorted(gains, reverse=True) and gains[-1] > 0
    assert sum(gains) == pytest.approx(body["need_newly_covered"])
    before = {r["measure"]: r for r in body["before"]}
    after = {r["measure"]: r for r in body["after"]}
    assert (
        after["fs_or_mobile"]["population_not_covered"]
        < before["fs_or_mobile"]["population_not_covered"]
    )
    assert body["meta"]["engine"] == "cp-sat" and body["meta"]["seed"] == 0


def test_site_table_and_candidates_file(run_cli, indre, tmp_path):
    candidates = tmp_path / "candidats.csv"
    candidates.write_text("code;nom\n36139;Neuillay-les-Bois\n36086;Heugnes\n", encoding="cp1252")
    code, out, err = run_cli(
        "site",
        "-d",
        "36",
        "-k",
        "1",
        "-t",
        "15",
        "--existing",
        "fs",
        "--candidates",
        candidates,
        "--db",
        indre,
    )
    assert code == 0, err
    assert "Où ajouter 1 arrêts — département 36, seuil 15 min" in out
    assert "Neuillay-les-Bois" in out or "Heugnes" in out
    assert "optimum prouvé par CP-SAT" in out
    assert "Avant / après" in out


def test_site_set_covering_of_kiosks(run_cli, indre):
    code, out, err = run_cli(
        "site",
        "-d",
        "36",
        "--cover-all",
        "--kind",
        "borne",
        "-t",
        "12",
        "-f",
        "json",
        "--db",
        indre,
    )
    assert code == 0, err
    body = json.loads(out)
    assert (
        body["model"] == "set_covering"
        and body["kind"] == "borne"
        and body["threshold_minutes"] == 10
    )
    assert body["status"] == "OPTIMAL" and body["uncoverable"] == []
    assert {r["measure"]: r for r in body["after"]}["human"]["population_not_covered"] == {
        r["measure"]: r for r in body["before"]
    }["human"]["population_not_covered"]  # kiosks are not human help


# -- bad input: one line, exit 2, nothing written --------------------------------------------------


@pytest.fixture
def target(tmp_path) -> Path:
    """An output file that must not exist after a failed command."""
    yield tmp_path / "out.json"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, needle",
    [
        (
            ["coverage", "-d", "36", "--threshold", "0"],
            "threshold: expected a positive number of minutes, got 0",
        ),
        (
            ["coverage", "-d", "36", "--threshold", "-5"],
            "threshold: expected a positive number of minutes",
        ),
        (
            ["site", "-d", "36", "-k", "3", "--threshold", "0"],
            "threshold: expected a positive number",
        ),
        (
            ["site", "-d", "36", "-k", "3", "--candidates", "36044,36088"],
            "asked for 3, but there are only 2 candidate",
        ),
        (["site", "-d", "36", "-k", "300"], "asked for 300, but there are only 241 candidate"),
        (["site", "-d", "36", "-k", "1", "--candidates", "18033"], "not in the area: 18033"),
        (
            ["site", "-d", "36", "-k", "1", "--candidates", "Migné"],
            "not an INSEE code or an existing file",
        ),
        (["site", "-d", "36"], "give either --new-stops K"),
        (
            ["site", "-d", "36", "-k", "2", "--time-limit", "0"],
            "time limit: expected a positive number of seconds",
        ),
        (["coverage", "-d", "18"], "18"),
        (["coverage"], "give exactly one area"),
    ],
)
def test_bad_input_gives_one_line_and_writes_nothing(run_cli, indre, target, args, needle):
    code, _, err = run_cli(*args, "--db", indre, "-o", target)
    assert_one_line_error(code, err, needle)


def test_an_osrm_url_that_does_not_answer(run_cli, indre, target):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, _, err = run_cli(
        "coverage", "-d", "36", "--osrm", f"http://127.0.0.1:{port}", "--db", indre, "-o", target
    )
    assert_one_line_error(
        code, err, f"OSRM server at http://127.0.0.1:{port} did not answer", "ConnectError"
    )


def test_an_osrm_server_answering_garbage(run_cli, indre, target):
    FakeOsrm.mode, FakeOsrm.failures_left, FakeOsrm.requests = "garbage", 0, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code, _, err = run_cli(
            "site", "-d", "36", "-k", "2", "--osrm", url, "--db", indre, "-o", target
        )
    finally:
        server.shutdown()
        server.server_close()
        FakeOsrm.mode = "ok"
    assert_one_line_error(code, err, "not OSRM JSON")


def test_a_commune_without_coordinates_is_named(run_cli, indre, tmp_path_factory, target):
    copy = tmp_path_factory.mktemp("nocoords") / "indre.sqlite"
    shutil.copy(indre.removeprefix("sqlite:///"), copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE communes SET lon = NULL, lat = NULL WHERE code = '36044'")
    code, _, err = run_cli("coverage", "-d", "36", "--db", f"sqlite:///{copy}", "-o", target)
    assert_one_line_error(code, err, "without valid coordinates", "36044")


def test_site_says_when_fewer_stops_than_asked_bring_anything(run_cli, indre):
    # At 15 min, only Rouvres-les-Bois (281 inhabitants) is beyond every human help in Indre.
    code, out, err = run_cli(
        "site", "-d", "36", "--new-stops", "20", "--threshold", "15", "--db", indre
    )
    assert code == 0, err
    assert "Seul 1 arrêt couvre quelqu'un de nouveau" in out
    assert "soit 281 habitants dans 1 commune" in out.replace("\n", " ")


def test_site_with_scip_proves_the_same_optimum(run_cli, indre):
    args = (
        "site",
        "-d",
        "36",
        "--new-stops",
        "20",
        "--threshold",
        "10",
        "--db",
        indre,
        "-f",
        "json",
    )
    cpsat, scip = run_cli(*args), run_cli(*args, "--solver", "scip")
    assert cpsat[0] == scip[0] == 0, cpsat[2] + scip[2]
    a, b = json.loads(cpsat[1]), json.loads(scip[1])
    assert a["status"] == b["status"] == "OPTIMAL"
    assert b["need_newly_covered"] == pytest.approx(a["need_newly_covered"])
    assert b["meta"]["engine"] == "scip"


def test_set_covering_with_scip_is_refused(run_cli, indre):
    code, _, err = run_cli("site", "-d", "36", "--cover-all", "--solver", "scip", "--db", indre)
    assert_one_line_error(code, err, "only for maximal covering")
