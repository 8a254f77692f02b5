"""``itinerance data …`` from the command line: output, and every bad input of issue 2.

Bad input must give one ``error:`` line on stderr, exit code 2, no traceback, and leave the
database exactly as it was.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from geodata import registry
from support.checks import assert_one_line_error, snapshot


@pytest.fixture(scope="module")
def cli_db(indre_url, tmp_path_factory) -> str:
    """A copy of the Indre database the bad commands must leave untouched."""
    source = Path(indre_url.removeprefix("sqlite:///"))
    target = tmp_path_factory.mktemp("cli") / "cli.sqlite"
    shutil.copy(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def untouched(cli_db):
    """Asserts, after the test, that the database is exactly as before."""
    before = snapshot(cli_db)
    yield cli_db
    assert snapshot(cli_db) == before


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


# -- bad input: one line, exit 2, database untouched ------------------------------------------


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--departement", "99"], "unknown département '99'; valid codes: 01, 02"),
        (["--region", "7"], "unknown région '7'; valid codes: 01, 02"),
        ([], "give exactly one of a région (--region) or a département (--departement)"),
    ],
)
def test_unknown_area(run_cli, untouched, args, needle):
    assert_one_line_error(*_code_err(run_cli("data", "load", *args, "--db", untouched)), needle)


def _code_err(result: tuple[int, str, str]) -> tuple[int, str]:
    return result[0], result[2]


def test_truncated_data_file(run_cli, untouched, shared_data, tmp_path, monkeypatch):
    for ds in registry.DATASETS:
        (tmp_path / ds.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / ds.path).symlink_to(shared_data / ds.path)
    ds = registry.dataset("france-services")
    (tmp_path / ds.path).unlink()
    (tmp_path / ds.path).write_bytes((shared_data / ds.path).read_bytes()[:-1000])
    monkeypatch.setenv("ITINERANCE_DATA_DIR", str(tmp_path))
    code, _, err = run_cli("data", "load", "--departement", "36", "--db", untouched)
    assert_one_line_error(code, err, ds.path, "corrupt or truncated", ds.sha256)


def test_missing_data_file_offline(run_cli, untouched, shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("ITINERANCE_DATA_DIR", str(tmp_path))  # an empty data folder
    code, _, err = run_cli("data", "load", "--departement", "36", "--db", untouched)
    ds = registry.dataset("communes")
    assert_one_line_error(
        code, err, ds.path, "missing", ds.url, "itinerance data fetch", "ITINERANCE_DATA_DIR"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["data", "status"],
        pytest.param(["data", "load", "--departement", "36"], marks=pytest.mark.data),
        ["data", "rota", "--departement", "36"],
    ],
)
def test_unreachable_database(run_cli, command):
    code, _, err = run_cli(*command, "--db", "postgresql+psycopg://x:s3cret@127.0.0.1:1/db")
    assert_one_line_error(
        code, err, "cannot reach database postgresql+psycopg://x:***@127.0.0.1:1/db"
    )
    assert "s3cret" not in err


@pytest.mark.parametrize(
    "name, content, kind, needle",
    [
        ("excel.csv", b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "borne", "not a text file"),
        (
            "utf16.csv",
            "id;nom;insee\nB1;Borne;36044\n".encode("utf-16-le"),
            "borne",
            "not a text file",
        ),
        (
            "cols.csv",
            b"Identifiant;Commune\nB1;36044\n",
            "borne",
            "cols.csv: no column for 'name'",
        ),
        (
            "insee.csv",
            b"id;nom;insee\nB1;Borne;3604A\n",
            "borne",
            "insee.csv, line 2, column 'insee': '3604A' is not an INSEE commune code",
        ),
        ("unknown.csv", b"id;nom;insee\nB1;Borne;36999\n", "borne", "unknown.csv, line 2"),
        (
            "out.csv",
            b"id;nom;insee;lat;lon\nA;Borne;36044;40.4;-3.7\n",
            "borne",
            "outside France",
        ),
        (
            "swap.csv",
            b"id;nom;lat;lon\nA;Ok;46.81;1.69\nB;Ok;46.7;1.5\nC;Ok;48.85;2.35\nD;Swapped;2.35;48.85\n",
            "borne",
            "look swapped",
        ),
        (
            "dups.csv",
            b"id;nom;insee\nB1;Borne;36044\nB2;Borne;36044\nB1;Autre;36212\n",
            "borne",
            "identifier 'B1' already used on line 2",
        ),
        (
            "salles.csv",
            "id;nom;insee;pmr\nS1;Salle;36044;peut-être\n".encode(),
            "host_site",
            "salles.csv, line 2",
        ),
    ],
)
def test_bad_user_files(run_cli, untouched, tmp_path, name, content, kind, needle):
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run_cli("data", "import", path, "--kind", kind, "--db", untouched)
    assert_one_line_error(code, err, needle)


def test_bad_mapping_option(run_cli, untouched, tmp_path):
    path = write(tmp_path, "b.csv", "id;nom;insee\nB1;Borne;36044\n")
    code, _, err = run_cli(
        "data", "import", path, "--kind", "borne", "--map", "insee", "--db", untouched
    )
    assert_one_line_error(code, err, "--map 'insee': expected field=column")


def test_unknown_service_for_rota(run_cli, untouched):
    code, _, err = run_cli("data", "rota", "--service", "999", "--db", untouched)
    assert_one_line_error(code, err, "no parsed rota for service '999'")


# -- normal use ---------------------------------------------------------------------------------


@pytest.mark.data
def test_sources_lists_every_dataset_as_present(run_cli):
    code, out, _ = run_cli("data", "sources")
    assert code == 0
    for ds in registry.DATASETS:
        assert ds.name in out
    assert out.count("présent") == len(registry.DATASETS)
    assert "Licence Ouverte / Etalab 2.0" in out and "COG 2026" in out


@pytest.mark.data
def test_fetch_offline_with_every_file_present(run_cli):
    code, out, _ = run_cli("data", "fetch", "communes", "france-services")
    assert code == 0 and out.count("déjà présent") == 2


@pytest.mark.data
def test_load_prints_a_french_summary(run_cli, sqlite_url):
    code, out, err = run_cli("data", "load", "--departement", "36", "--db", sqlite_url)
    assert code == 0, err
    assert "Département 36 chargé en" in out
    assert "241 communes, 216\u202f069 habitants, 15 EPCI." in out
    assert (
        "25 France Services fixes, 1 France Services itinérant, 61 lieux de médiation numérique"
        in out
    )
    assert "1 service itinérant ou multisite, 20 arrêts, 1 nom non résolu" in out
    assert "itinerance data rota --departement 36" in out


def test_status_table_and_json(run_cli, cli_db):
    code, out, _ = run_cli("data", "status", "--db", cli_db)
    assert code == 0
    assert (
        "216\u202f069" in out
        and "etalab_decoupage-administratif/communes.json" in out
        and "COG 2026" in out
    )
    code, out, _ = run_cli("data", "status", "--format", "json", "--db", cli_db)
    data = json.loads(out)
    assert data["departements"][0]["communes"] == 241
    assert {d["dataset"] for d in data["loads"]} >= {
        "communes",
        "epci",
        "ifn-communes",
        "france-services",
    }


def test_status_of_an_empty_database(run_cli, sqlite_url):
    code, out, _ = run_cli("data", "status", "--db", sqlite_url)
    assert code == 0 and "Aucune donnée chargée" in out


def test_rota_as_table_and_json(run_cli, cli_db):
    code, out, _ = run_cli("data", "rota", "--departement", "36", "--db", cli_db)
    assert code == 0
    assert "Bus France services La Rur@linette" in out and "base : Châteauroux (36044)" in out
    assert "Vicq-Exemplet" in out and "1er lundi du mois" in out and "dernier jour du mois" in out
    assert "1 tournée, 20 arrêts, 1 nom non résolu." in out
    code, out, _ = run_cli(
        "data", "rota", "--departement", "36", "--format", "json", "--db", cli_db
    )
    (rota,) = json.loads(out)
    assert rota["service_id"] == "fs:2394" and len(rota["stops"]) == 20
    assert (
        rota["stops"][0]["insee"] == "36236"
        and rota["stops"][0]["recurrence_fr"] == "1er lundi du mois"
    )
    avail = next(s for s in rota["stops"] if s["raw_name"] == "Avail")
    assert avail["insee"] is None and avail["candidates"]
    assert rota["hours"]["lundi"] == [[600, 750], [810, 960]]


@pytest.mark.data
def test_import_host_sites_then_again_then_a_clash(run_cli, sqlite_url, tmp_path):
    text = (
        "id;nom;insee;pmr;internet;jours;horaires;capacite\n"
        "S1;Salle des fêtes;36236;oui;non;lundi,jeudi;09:00-17:00;20\n"
    )
    path = write(tmp_path, "salles.csv", text, encoding="cp1252")
    code, out, err = run_cli("data", "import", path, "--kind", "host_site", "--db", sqlite_url)
    assert code == 0, err
    assert "1 lieu d'accueil importé depuis salles.csv" in out
    code, out, _ = run_cli("data", "import", path, "--kind", "host_site", "--db", sqlite_url)
    assert code == 0 and "dont 1 déjà importé(s) de ce fichier, remplacé(s)" in out
    other = write(tmp_path, "autres.csv", text)
    before = snapshot(sqlite_url)
    code, _, err = run_cli("data", "import", other, "--kind", "host_site", "--db", sqlite_url)
    assert_one_line_error(
        code, err, "already stored from another file (salles.csv): S1", "--replace"
    )
    assert snapshot(sqlite_url) == before
    code, out, _ = run_cli("data", "status", "--format", "json", "--db", sqlite_url)
    assert json.loads(out)["user_items"]["host_site"] == 1


@pytest.mark.data
def test_import_replaces_a_former_insee_code_with_a_warning(run_cli, sqlite_url, tmp_path):
    path = write(
        tmp_path, "bornes.csv", "id;nom;insee\nB1;Borne;41082\n"
    )  # merged into 41059 since 2018
    code, out, err = run_cli("data", "import", path, "--kind", "borne", "--db", sqlite_url)
    assert code == 0, err
    assert "41082" in err and "41059" in err  # the warning names both codes
    from geodata import query

    (borne,) = query.services(sqlite_url, kinds=["borne"])
    assert borne.insee == "41059" and borne.id == "user:borne:B1"
