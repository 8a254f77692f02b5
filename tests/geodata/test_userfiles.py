"""Users' own files: reading real-world CSV dialects and spatial files, mapping, validation.

Every file is written by the test itself in ``tmp_path``; the example files of
``scenarios/data/`` are checked against the pinned open data.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from geodata import _values as values
from geodata.errors import DataError
from geodata.records import ServiceKind
from geodata.userfiles import (
    CANONICAL_FIELDS,
    ImportResult,
    UserFileError,
    _key,
    cog_reference,
    describe_kind,
    fields_markdown,
    import_file,
    read_table,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "scenarios" / "data"
DOC = REPO / "docs" / "import.md"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(path: Path, kind: str = "borne", **kwargs) -> list[str]:
    with pytest.raises(UserFileError) as info:
        import_file(path, kind, **kwargs)
    assert "\n" not in str(info.value)
    return [str(p) for p in info.value.problems]


@pytest.fixture(scope="module")
def cog(shared_data: Path) -> tuple[frozenset[str], dict[str, str]]:
    path = shared_data / "etalab_decoupage-administratif/communes.json"
    return cog_reference(json.loads(path.read_text("utf-8")))


@pytest.fixture(scope="module")
def cog_codes(cog) -> frozenset[str]:
    return cog[0]


# --- CSV dialects ----------------------------------------------------------------------------


def test_semicolon_csv_with_decimal_commas_and_french_headers(tmp_path):
    path = write(
        tmp_path,
        "bornes.csv",
        "Identifiant;Nom;Code INSEE;Latitude;Longitude;Adresse;Gestionnaire\n"
        "B1;Borne de Saulnay;36212;46,7012;1,2345;Place de la mairie;CC Cœur de Brenne\n",
    )
    result = import_file(path, "borne")
    assert result.records == [
        {
            "id": "B1",
            "name": "Borne de Saulnay",
            "insee": "36212",
            "lon": 1.2345,
            "lat": 46.7012,
            "address": "Place de la mairie",
            "operator": "CC Cœur de Brenne",
            "hours": None,
        }
    ]
    assert result.source == "bornes.csv"
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.lines == [2]
    assert result.warnings == []


def test_windows_1252_comma_csv_keeps_its_accents(tmp_path):
    text = 'id,nom,insee,adresse\nS1,"Médiathèque de Châteauroux",36044,"1 place Sainte-Hélène"\n'
    path = write(tmp_path, "services.csv", text, "cp1252")
    (record,) = import_file(path, "service").records
    assert record["name"] == "Médiathèque de Châteauroux"
    assert record["address"] == "1 place Sainte-Hélène"
    assert read_table(path).attrs["encoding"] == "cp1252"


def test_utf8_bom_does_not_hide_the_first_header(tmp_path):
    path = write(tmp_path, "bom.csv", "id;nom;insee\nB1;Borne;36044\n", "utf-8-sig")
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    assert import_file(path, "borne").records[0]["id"] == "B1"


def test_tab_separated_and_utf16_excel_unicode_text(tmp_path):
    text = "id\tnom\tinsee\nB1\tBorne d'Égly\t36044\n"
    for name, encoding in (("tab.txt", "utf-8"), ("excel.txt", "utf-16")):
        path = write(tmp_path, name, text, encoding)
        assert import_file(path, "borne").records[0]["name"] == "Borne d'Égly"
        assert read_table(path).attrs["separator"] == "\t"


def test_quoted_newlines_keep_editor_line_numbers(tmp_path):
    path = write(
        tmp_path,
        "multi.csv",
        'id;nom;insee\nB1;"Borne\nde la mairie\n(salle du conseil)";36044\nB2;Borne;3604X\n',
    )
    table = read_table(path)
    assert list(table.index) == [2, 5]
    assert table.loc[2, "nom"] == "Borne\nde la mairie\n(salle du conseil)"
    (problem,) = problems_of(path)
    assert problem.startswith(
        "multi.csv, line 5, column 'insee': '3604X' is not an INSEE commune code"
    )


def test_blank_lines_and_empty_spreadsheet_rows_are_skipped(tmp_path):
    path = write(tmp_path, "trail.csv", "id;nom;insee;;\r\nB1;Borne;36044;;\r\n;;;;\r\n\r\n\r\n")
    result = import_file(path, "borne")
    assert [r["id"] for r in result.records] == ["B1"]
    assert list(read_table(path).columns) == ["id", "nom", "insee"]


def test_sniffing_prefers_semicolon_over_decimal_commas(tmp_path):
    path = write(tmp_path, "s.csv", "id;nom;lat;lon\nB1;Borne;46,81;1,69\nB2;Borne 2;46,7;1,5\n")
    assert read_table(path).attrs["separator"] == ";"
    assert import_file(path, "borne").records[1]["lat"] == 46.7


def test_comma_separator_with_quoted_decimal_commas(tmp_path):
    path = write(tmp_path, "c.csv", 'id,nom,lat,lon\nB1,Borne,"46,81","1,69"\n')
    assert import_file(path, "borne").records[0]["lon"] == 1.69


def test_unquoted_decimal_comma_in_comma_file_names_the_line(tmp_path):
    path = write(tmp_path, "c.csv", "id,nom,lat,lon\nB1,Borne,46.81,1.69\nB2,Borne,46,81,1,69\n")
    (problem,) = problems_of(path)
    assert problem == (
        "c.csv, line 3: 6 fields but the header has 4 (an unquoted separator or decimal comma?)"
    )


def test_single_column_file_is_refused(tmp_path):
    path = write(tmp_path, "one.csv", "id nom insee\nB1 Borne 36044\n")
    with pytest.raises(DataError, match=r"one.csv, line 1: found a single column 'id nom insee'"):
        import_file(path, "borne")


def test_unclosed_quote_names_the_line_where_it_opens(tmp_path):
    path = write(
        tmp_path, "q.csv", 'id;nom;insee\nB1;Borne;36044\nB2;"Borne;36044\nB3;Borne;36044\n'
    )
    with pytest.raises(DataError, match=r"q.csv, line 3: a quote opened here is never closed"):
        read_table(path)


# --- unreadable files ------------------------------------------------------------------------


def test_double_encoded_utf8_is_repaired_with_a_warning(tmp_path):
    garbled = "id;nom;insee\nB1;Mairie de Ségry;36215\n".encode().decode("cp1252")
    path = write(tmp_path, "moji.csv", garbled)
    result = import_file(path, "borne")
    assert result.records[0]["name"] == "Mairie de Ségry"
    assert any("garbled accents" in w for w in result.warnings)


def test_unrepairable_mojibake_is_an_error(tmp_path):
    path = write(tmp_path, "moji.csv", "id;nom;insee\nB1;Mairie de SÃ©gry ✓;36215\n")
    with pytest.raises(DataError, match=r"moji.csv: garbled accents such as 'Ã©' at line 2"):
        import_file(path, "borne")


def test_dos_codepage_is_refused_rather_than_read_as_garbage(tmp_path):
    path = write(tmp_path, "dos.csv", "id;nom;insee\nB1;Mairie de Ségry;36215\n", "cp850")
    with pytest.raises(
        DataError, match=r"dos.csv: unreadable accents .* at line 2 \(a DOS or Mac encoding\?\)"
    ):
        import_file(path, "borne")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", r"the file is empty"),
        (b"\n\n  \n", r"the file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", r"not a text file, looks like a ZIP archive \(an Excel"),
        (bytes(range(256)) * 4, r"not a text file"),
        ("id;nom;insee\n".encode("utf-16-le"), r"not a text file \(it contains NUL bytes"),
    ],
)
def test_unreadable_files(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=expected):
        import_file(path, "borne")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match=r"nope.csv: file not found"):
        import_file(tmp_path / "nope.csv", "borne")
    with pytest.raises(DataError, match=r"is a folder"):
        import_file(tmp_path, "borne")


def test_file_without_header_is_refused(tmp_path):
    path = write(tmp_path, "nohead.csv", "B1;12;36044;46.8;1.69\nB2;13;36212;46.7;1.2\n")
    with pytest.raises(
        DataError, match=r"nohead.csv, line 1: no header \(found values such as '12'\)"
    ):
        import_file(path, "borne")


def test_header_only_file_has_no_records(tmp_path):
    path = write(tmp_path, "h.csv", "id;nom;insee\n")
    with pytest.raises(DataError, match=r"h.csv: no records"):
        import_file(path, "borne")


def test_unknown_kind_lists_the_kinds(tmp_path):
    path = write(tmp_path, "b.csv", "id;nom;insee\nB1;Borne;36044\n")
    with pytest.raises(
        DataError,
        match=r"unknown kind 'bus' \(expected one of borne, host_site, service, vehicle\)",
    ):
        import_file(path, "bus")


# --- INSEE codes -----------------------------------------------------------------------------


def test_insee_codes_corsica_and_restored_leading_zeros(tmp_path):
    path = write(
        tmp_path,
        "i.csv",
        "id;nom;insee\nA;Ajaccio;2a004\nB;Bastia;2B033\nC;L'Abergement;1001\nD;Bourg;1053.0\n",
    )
    result = import_file(path, "borne")
    assert [r["insee"] for r in result.records] == ["2A004", "2B033", "01001", "01053"]
    (warning,) = result.warnings
    assert warning == (
        "i.csv: leading zero restored in 2 INSEE codes (read as numbers by a spreadsheet), "
        "first on line 4: 1001 → 01001"
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("123", "'123' is not an INSEE commune code (expected 5 characters"),
        ("3604A", "'3604A' is not an INSEE commune code"),
        ("20004", "Corsican communes use 2A or 2B"),
        ("99134", "foreign country"),
        ("00123", "no département 00"),
    ],
)
def test_invalid_insee_codes(tmp_path, code, expected):
    path = write(tmp_path, "i.csv", f"id;nom;insee\nA;Borne;{code}\n")
    (problem,) = problems_of(path)
    assert problem.startswith("i.csv, line 2, column 'insee': ") and expected in problem


def test_unknown_insee_codes_against_the_cog(tmp_path, cog_codes):
    path = write(
        tmp_path, "i.csv", "id;nom;insee\nA;Borne;36044\nB;Poste;36000\nC;Ancienne;28025\n"
    )
    problems = problems_of(path, known_insee=cog_codes)
    assert problems == [
        "i.csv, line 3, column 'insee': '36000' is not a commune of the current COG (a postal "
        "code?)",
        (
            "i.csv, line 4, column 'insee': '28025' is not a commune of the current COG "
            "(a merged commune? use the current code)"
        ),
    ]
    assert len(import_file(path, "borne").records) == 3  # without the COG list, shape only


def test_former_codes_and_arrondissements_are_replaced_by_the_current_commune(tmp_path, cog):
    known, former = cog
    assert len(known) == 34_969 and former["28025"] == "28319" and former["75112"] == "75056"
    path = write(
        tmp_path, "f.csv", "id;nom;insee\nA;Ancienne;28025\nB;Paris 12e;75112\nC;Ok;36044\n"
    )
    result = import_file(path, "borne", known_insee=known, former_insee=former)
    assert [r["insee"] for r in result.records] == ["28319", "75056", "36044"]
    assert result.warnings == [
        (
            "f.csv: 2 former INSEE codes replaced by the current commune's (COG), "
            "first on line 2: 28025 → 28319"
        )
    ]
    _, problem = problems_of(path, known_insee=known)  # without the table of former codes
    assert (
        "'75112' is not a commune of the current COG (an arrondissement municipal: use the "
        "commune's code 75056)" in problem
    )


def test_the_national_france_services_list_imports_as_services(shared_data, cog):
    """A real, large French file: quoted newlines, overseas départements, former codes."""
    path = shared_data / "anct-carto_france_services/liste-fs-20240801.csv"
    mapping = {"id": "id_fs", "name": "lib_fs", "format": "format_fs"}
    result = import_file(path, "service", mapping, known_insee=cog[0], former_insee=cog[1])
    assert len(result.records) == 2845  # 2,885 physical lines (SOURCES.md)
    by_id = dict(zip((r["id"] for r in result.records), result.records))
    rurlinette = by_id["2394"]
    assert (rurlinette["insee"], rurlinette["lat"], rurlinette["format"]) == (
        "36044",
        46.821357,
        "Bus_équivalent",
    )
    assert result.lines[result.records.index(rurlinette)] > 2000
    assert any(r["insee"].startswith("974") for r in result.records)


# --- coordinates -----------------------------------------------------------------------------


def test_swapped_coordinates_are_detected(tmp_path):
    path = write(
        tmp_path,
        "s.csv",
        "id;nom;lat;lon\nA;Ok;46.81;1.69\nB;Ok;46.7;1.5\nC;Ok;48.85;2.35\nD;Swapped;2.35;48.85\n",
    )
    (problem,) = problems_of(path)
    assert (
        problem
        == "s.csv, line 5, column 'lon/lat': lat=2.35, lon=48.85 look swapped (latitude and "
        "longitude exchanged?)"
    )


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        ("40.4", "-3.7", "outside France"),  # Madrid
        ("abc", "1.69", "'abc' is not a coordinate in decimal degrees"),
        ("46°48'N", "1.69", "degrees-minutes-seconds are not read"),
        ("6635000", "590000", "look like Lambert-93 metres (EPSG:2154), not degrees"),
        ("590000", "6635000", "look like Lambert-93 metres"),
        ("5850000", "190000", "not decimal degrees"),
        ("46.8", "", "lon is empty while the other coordinate is given"),
    ],
)
def test_bad_coordinates(tmp_path, lat, lon, expected):
    path = write(tmp_path, "c.csv", f"id;nom;insee;lat;lon\nA;Borne;36044;{lat};{lon}\n")
    (problem,) = problems_of(path)
    assert problem.startswith("c.csv, line 2, column 'lon/lat': ") and expected in problem


def test_overseas_points_must_match_the_insee_territory(tmp_path):
    path = write(
        tmp_path,
        "dom.csv",
        "id;nom;insee;lat;lon\nA;Saint-Denis;97411;-20.88;55.45\nB;Cayenne;97302;4.93;-52.33\nC;Mismatch;97411;46.8;1.69\n",
    )
    (problem,) = problems_of(path)
    assert problem == (
        "dom.csv, line 4, column 'lon/lat': the point is in metropolitan France but INSEE code "
        "'97411' is in La Réunion"
    )


@given(st.floats(-5.0, 9.5), st.floats(41.5, 51.0))
def test_any_metropolitan_point_is_accepted_and_its_swap_is_detected(lon, lat):
    assert values.coordinates(lon, lat) == (lon, lat)
    with pytest.raises(values.CellError, match="look swapped"):
        values.coordinates(lat, lon)


# --- required fields, types, duplicates ------------------------------------------------------


def test_missing_required_column_lists_the_file_columns(tmp_path):
    path = write(tmp_path, "r.csv", "Identifiant;Commune\nB1;36044\n")
    with pytest.raises(DataError) as info:
        import_file(path, "borne")
    assert str(info.value).startswith(
        "r.csv: no column for 'name' (recognised headers: name, nom, libelle"
    )
    assert "columns: 'Identifiant', 'Commune'" in str(info.value)
    assert "--map name=COLUMN" in str(info.value)


def test_missing_location_column(tmp_path):
    path = write(tmp_path, "r.csv", "id;nom;adresse\nB1;Borne;1 rue de la Poste\n")
    with pytest.raises(DataError, match=r"r.csv: no location column: need an INSEE code"):
        import_file(path, "borne")
    path = write(tmp_path, "r.csv", "id;nom;latitude\nB1;Borne;46.8\n")
    with pytest.raises(DataError, match=r"column 'latitude' gives lat but no column gives lon"):
        import_file(path, "borne")


def test_empty_required_values_and_rows_without_location(tmp_path):
    path = write(
        tmp_path, "e.csv", "id;nom;insee;lat;lon\n;Borne;36044;;\nB2;;36044;;\nB3;Borne;;;\n"
    )
    assert problems_of(path) == [
        "e.csv, line 2, column 'id': id is empty (required)",
        "e.csv, line 3, column 'nom' (name): name is empty (required)",
        "e.csv, line 4: no location: give an INSEE code, or lon and lat",
    ]


def test_all_row_problems_are_collected_into_one_line(tmp_path):
    path = write(
        tmp_path,
        "many.csv",
        "id;nom;insee;pmr;capacite\nH1;Salle;36044;peut-être;12\nH2;Salle;36044;oui;12,5\nH3;Salle;360;non;-3\nH1;Salle;36044;oui;4\n",
    )
    with pytest.raises(UserFileError) as info:
        import_file(path, "host_site")
    message = str(info.value)
    assert message == (
        "many.csv, line 2, column 'pmr': 'peut-être' is not yes/no (expected oui/non, o/n, "
        "vrai/faux, 1/0, x); and 4 more problems (lines 3, 4, 5)"
    )
    assert [(p.row, p.field) for p in info.value.problems] == [
        (2, "pmr"),
        (3, "capacity"),
        (4, "insee"),
        (4, "capacity"),
        (5, "id"),
    ]


def test_duplicate_identifiers_name_both_lines(tmp_path):
    path = write(
        tmp_path, "d.csv", "id;nom;insee\nB1;Borne;36044\nB2;Borne;36044\nB1;Autre;36212\n"
    )
    (problem,) = problems_of(path)
    assert problem == (
        "d.csv, line 4, column 'id': identifier 'B1' already used on line 2 "
        "(identifiers must be unique in a file)"
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("oui", True),
        ("Non", False),
        ("O", True),
        ("n", False),
        ("vrai", True),
        ("FAUX", False),
        ("1", True),
        ("0", False),
        ("x", True),
        ("yes", True),
        ("no", False),
        ("", None),
    ],
)
def test_booleans(tmp_path, cell, expected):
    path = write(
        tmp_path,
        "b.csv",
        f"id;nom;insee;Accessible PMR;Connexion internet\nH;Salle;36044;{cell};{cell}\n",
    )
    (record,) = import_file(path, "host_site").records
    assert record["pmr"] is expected and record["internet"] is expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("lundi;mardi", [0, 1]),
        ("lun,mar", [0, 1]),
        ("Mon, Fri", [0, 4]),
        ("lundi-vendredi", [0, 1, 2, 3, 4]),
        ("du mardi au jeudi", [1, 2, 3]),
        ("samedi et lundi", [0, 5]),
        ("les mercredis", [2]),
    ],
)
def test_weekday_lists(tmp_path, cell, expected):
    path = write(tmp_path, "w.csv", f'id;nom;insee;jours\nH;Salle;36044;"{cell}"\n')
    assert import_file(path, "host_site").records[0]["weekdays"] == expected


def test_bad_weekdays(tmp_path):
    path = write(tmp_path, "w.csv", "id;nom;insee;jours\nH;Salle;36044;lundi, 1er mardi\n")
    (problem,) = problems_of(path, "host_site")
    assert "'lundi, 1er mardi' is not a list of weekdays" in problem


def test_per_day_yes_no_columns_give_weekdays(tmp_path):
    path = write(
        tmp_path,
        "days.csv",
        "id;nom;insee;Lundi;Mardi;dispo_mercredi;Jeudi;Vendredi\n"
        "H1;Salle;36044;x;;oui;non;09:00-12:00\nH2;Salle;36044;;;;;\nH3;Salle;36044;peut-être;;;;\n",
    )
    with pytest.raises(UserFileError) as info:
        import_file(path, "host_site")
    (problem,) = info.value.problems
    assert str(problem) == (
        "days.csv, line 4, column 'Lundi' (weekdays): 'peut-être' is neither yes/no nor opening "
        "hours"
    )
    path.write_text(path.read_text().replace("peut-être", "o"))
    records = import_file(path, "host_site").records
    assert [r["weekdays"] for r in records] == [[0, 2, 4], None, [0]]


def test_vehicle_numbers_in_french_format(tmp_path):
    path = write(
        tmp_path,
        "v.csv",
        "id;nom;base_insee;equipements;places fauteuil;places;coût/km (€);coût horaire;coût "
        "d'achat;durée de vie\n"
        'V1;Bus;36044;"PMR; wifi";2;3;0,45;52,5;"68 000 €";"7,5"\n',
    )
    (record,) = import_file(path, "vehicle").records
    assert record == {
        "id": "V1",
        "name": "Bus",
        "base_insee": "36044",
        "base_lon": None,
        "base_lat": None,
        "features": ["pmr", "wifi"],
        "wheelchair_places": 2,
        "seats": 3,
        "cost_per_km": 0.45,
        "cost_per_hour": 52.5,
        "purchase_cost": 68000.0,
        "lifetime_years": 7.5,
    }


def test_service_kind_default_labels_and_errors(tmp_path):
    path = write(
        tmp_path,
        "s.csv",
        "id;nom;insee;type\nS1;EPN;36044;\nS2;Bus;36044;France Services "
        "itinérant\nS3;Borne;36044;Borne interactive\nS4;?;36044;cinéma\n",
    )
    (problem,) = problems_of(path, "service")
    assert "'cinéma' is not a service kind (expected one of france_services" in problem
    path.write_text(path.read_text().replace("cinéma", "france_services"))
    kinds = [r["kind"] for r in import_file(path, "service").records]
    assert kinds == ["mediation", "france_services_mobile", "borne", "france_services"]
    assert set(kinds) <= {k.value for k in ServiceKind}


# --- mapping -----------------------------------------------------------------------------------


def test_explicit_mapping_overrides_recognition(tmp_path):
    path = write(
        tmp_path,
        "m.csv",
        "Code;Lieu;Code commune;Code postal;INSEE_COM\nB1;Salle;36044;36000;36212\n",
    )
    assert import_file(path, "borne").records[0]["insee"] == "36212"  # "INSEE_COM" ranks first
    result = import_file(path, "borne", {"insee": "code commune"})  # names compared loosely
    assert result.records[0]["insee"] == "36044" and result.records[0]["id"] == "B1"
    assert result.warnings == ["m.csv: columns not used: 'Code postal', 'INSEE_COM'"]


def test_mapping_errors_list_columns_or_fields(tmp_path):
    path = write(tmp_path, "m.csv", "id;nom;Code commune\nB1;Salle;36044\n")
    with pytest.raises(DataError) as info:
        import_file(path, "borne", {"insee": "Code INSEE"})
    assert str(info.value) == (
        "m.csv: --map insee=Code INSEE: no column 'Code INSEE' (columns: 'id', 'nom', 'Code "
        "commune')"
    )
    with pytest.raises(DataError, match=r"borne has no field 'pmr' \(fields: id, name, insee"):
        import_file(path, "borne", {"pmr": "nom"})


def test_commune_column_is_used_only_when_it_holds_codes(tmp_path):
    codes = write(tmp_path, "codes.csv", "id;nom;Commune\nB1;Salle;36044\n")
    assert import_file(codes, "borne").records[0]["insee"] == "36044"
    names = write(
        tmp_path, "names.csv", "id;nom;Commune;lat;lon\nB1;Salle;Châteauroux;46.81;1.69\n"
    )
    result = import_file(names, "borne")
    assert result.records[0]["insee"] is None
    assert "column 'Commune' holds commune names, not INSEE codes" in result.warnings[0]


def test_aliases_are_unambiguous_within_each_kind():
    for kind, specs in CANONICAL_FIELDS.items():
        keys = [_key(alias) for spec in specs for alias in spec.aliases]
        assert len(keys) == len(set(keys)), kind
        assert [s.name for s in specs if s.required][:2] == ["id", "name"]
    assert describe_kind("vehicle").startswith("vehicle: id*, name*, base_insee*, base_lon, ")


# --- spatial files -------------------------------------------------------------------------------


def _bornes_gdf() -> gpd.GeoDataFrame:
    square = Polygon([(1.60, 46.75), (1.80, 46.75), (1.80, 46.85), (1.60, 46.85)])
    return gpd.GeoDataFrame(
        {"id": [1, 2], "nom": ["Borne A", "Borne B"], "INSEE_COM": [36044, 1001]},
        geometry=[Point(1.697614, 46.821357), square],
        crs="EPSG:4326",
    )


def test_geojson_points_and_polygons(tmp_path):
    path = tmp_path / "bornes.geojson"
    _bornes_gdf().to_file(path)
    result = import_file(path, "borne")
    first, second = result.records
    assert (first["id"], first["insee"], first["lon"], first["lat"]) == (
        "1",
        "36044",
        1.697614,
        46.821357,
    )
    assert second["insee"] == "01001"
    square = _bornes_gdf().geometry[1]
    assert square.contains(Point(second["lon"], second["lat"]))
    assert result.lines == [1, 2]


def test_lambert93_geopackage_is_reprojected(tmp_path):
    path = tmp_path / "l93.gpkg"
    _bornes_gdf().to_crs(2154).to_file(path, layer="bornes")
    table = read_table(path)
    assert table.attrs["layer"] == "bornes" and table.index.name == "feature"
    (lon, lat) = (table.loc[1, "lon"], table.loc[1, "lat"])
    assert abs(lon - 1.697614) < 1e-7 and abs(lat - 46.821357) < 1e-7
    x, y = Transformer.from_crs(4326, 2154, always_xy=True).transform(1.697614, 46.821357)
    assert 600_000 < x < 620_000 and 6_630_000 < y < 6_650_000  # it really was stored in metres
    assert import_file(path, "borne").records[0]["lon"] == pytest.approx(1.697614, abs=1e-7)


def test_multi_layer_geopackage_needs_a_layer(tmp_path):
    path = tmp_path / "multi.gpkg"
    _bornes_gdf().to_file(path, layer="bornes")
    _bornes_gdf().to_file(path, layer="sites")
    with pytest.raises(
        DataError, match=r"multi.gpkg: holds 2 layers \(bornes, sites\); choose one with --layer"
    ):
        import_file(path, "borne")
    with pytest.raises(DataError, match=r"multi.gpkg: no layer 'salles' \(layers: bornes, sites\)"):
        import_file(path, "borne", layer="salles")
    result = import_file(path, "borne", layer="sites")
    assert result.source == "multi.gpkg:sites" and len(result.records) == 2


def test_spatial_problems_name_the_feature(tmp_path):
    path = tmp_path / "far.geojson"
    gdf = _bornes_gdf()
    gdf.loc[1, "geometry"] = Point(-3.70, 40.42)
    gdf.to_file(path)
    (problem,) = problems_of(path)
    assert problem.startswith(
        "far.geojson, feature 2, column 'geometry' (lon/lat): lat=40.42, lon=-3.7 is outside France"
    )


def test_corrupt_geopackage_and_layer_on_csv(tmp_path):
    path = tmp_path / "bad.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(DataError, match=r"bad.gpkg: cannot be read as GeoJSON or GeoPackage"):
        import_file(path, "borne")
    truncated = write(tmp_path, "cut.geojson", '{"type": "FeatureCollection", "features": [\n')
    with pytest.raises(DataError, match=r"cut.geojson: cannot be read .*\(Failed to read GeoJSON"):
        import_file(truncated, "borne")
    not_geojson = write(tmp_path, "list.json", '[{"id": 1}]')
    with pytest.raises(DataError, match=r"^list.json: cannot be read .* \(unrecognised format\)$"):
        import_file(not_geojson, "borne")
    csv_path = write(tmp_path, "b.csv", "id;nom;insee\nB1;Borne;36044\n")
    with pytest.raises(DataError, match=r"--layer only applies to GeoPackage"):
        import_file(csv_path, "borne", layer="x")


# --- the example files users copy ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "count"),
    [
        ("bornes-coeur-de-brenne.csv", "borne", 7),
        ("host-sites-indre.csv", "host_site", 19),
        ("vehicles.csv", "vehicle", 2),
    ],
)
def test_example_files_import_cleanly(cog_codes, name, kind, count):
    result = import_file(EXAMPLES / name, kind, known_insee=cog_codes)
    assert isinstance(result, ImportResult)
    assert len(result.records) == count and result.warnings == []
    assert all(
        "exemple" in r["name"].lower() or "rur@linette" in r["name"].lower() for r in result.records
    )


def test_example_bornes_are_in_the_smallest_communes_of_coeur_de_brenne(shared_data):
    folder = shared_data / "etalab_decoupage-administratif"
    epci = next(
        e
        for e in json.loads((folder / "epci.json").read_text("utf-8"))
        if e["nom"] == "CC Coeur de Brenne"
    )
    population = {
        c["code"]: c.get("population")
        for c in json.loads((folder / "communes.json").read_text("utf-8"))
        if c["type"] == "commune-actuelle"
    }
    smallest = sorted((m["code"] for m in epci["membres"]), key=population.__getitem__)[:7]
    records = import_file(EXAMPLES / "bornes-coeur-de-brenne.csv", "borne").records
    assert sorted(r["insee"] for r in records) == sorted(smallest)
    assert all(r["address"] is None and r["lon"] is None for r in records)  # located by code only


def test_example_host_sites_are_the_rurlinette_stops(shared_data):
    import pandas as pd

    fs = pd.read_csv(shared_data / "anct-carto_france_services/liste-fs-20240801.csv", dtype=str)
    rota = values.fold(fs.loc[fs["id_fs"] == "2394", "commentaire"].item())
    records = import_file(EXAMPLES / "host-sites-indre.csv", "host_site").records
    assert all(r["insee"].startswith("36") and r["pmr"] is True for r in records)
    assert len(records) == 19  # 20 stops; "Avail" matches no commune
    rota_words = set(rota.split())
    for record in records:
        commune = values.fold(re.sub(r"^Mairie d(?:e |')| \(.*$", "", record["name"]))
        assert set(commune.split()) - {"saint", "sur", "le"} <= rota_words, commune


def test_example_vehicles(cog_codes):
    rurlinette, bus = import_file(EXAMPLES / "vehicles.csv", "vehicle").records
    assert rurlinette["base_insee"] == "36044" and rurlinette["wheelchair_places"] == 0
    assert bus["wheelchair_places"] == 2 and "pmr" in bus["features"]


# --- documentation -------------------------------------------------------------------------------

_START, _END = "<!-- fields:start -->", "<!-- fields:end -->"


def test_import_doc_field_tables_are_up_to_date():
    """Regenerate with
    ``ITINERANCE_UPDATE_DOCS=1 uv run pytest tests/geodata/test_userfiles.py``."""
    text = DOC.read_text("utf-8")
    head, rest = text.split(_START)
    _, tail = rest.split(_END)
    expected = f"{head}{_START}\n{fields_markdown()}{_END}{tail}"
    if os.environ.get("ITINERANCE_UPDATE_DOCS") == "1":
        DOC.write_text(expected, "utf-8")
        text = expected
    assert text == expected, (
        "docs/import.md is stale: ITINERANCE_UPDATE_DOCS=1 uv run pytest " + __file__
    )
    for kind, specs in CANONICAL_FIELDS.items():
        assert f"### `{kind}`" in text and all(f"| `{s.name}` |" in text for s in specs)


def test_sniffing_is_not_fooled_by_commas_in_headers(tmp_path):
    path = write(
        tmp_path,
        "h.csv",
        "id;Nom, lieu;insee;adresse\nB1;Mairie, salle;36044;1,5 rue\nB2;Mairie;36212;2,3 rue\n",
    )
    assert read_table(path).attrs["separator"] == ";"
    assert [r["id"] for r in import_file(path, "borne", {"name": "Nom, lieu"}).records] == [
        "B1",
        "B2",
    ]


def test_header_after_blank_lines_and_duplicate_headers(tmp_path):
    path = write(tmp_path, "late.csv", "\n\nid;nom;insee;nom\nB1;Borne;360;Autre\n")
    with pytest.raises(UserFileError, match=r"late.csv, line 4, column 'insee'"):
        import_file(path, "borne")
    table = read_table(path)
    assert list(table.columns) == ["id", "nom", "insee", "nom (2)"]
    assert table.attrs["warnings"] == [
        "late.csv: the header is on line 3, after blank lines",
        "late.csv, line 3: column 'nom' appears twice; the second is 'nom (2)'",
    ]


def test_data_in_the_header_line_gets_a_hint(tmp_path):
    path = write(tmp_path, "data.csv", "B1;Mairie de Saulnay;36212\nB2;Mairie de Lingé;36096\n")
    with pytest.raises(
        DataError, match=r"data.csv: no column for 'id' .* — is the first line a header\?"
    ):
        import_file(path, "borne")


def test_replacement_characters_are_reported(tmp_path):
    path = write(tmp_path, "lost.csv", "id;nom;insee\nB1;Borne;36044\nB2;S\ufffdgry;36215\n")
    result = import_file(path, "borne")
    assert result.records[1]["name"] == "S\ufffdgry"
    assert result.warnings == [
        "lost.csv, line 3: contains '\ufffd' (characters already lost before this file was saved)"
    ]


def test_geopackage_without_crs_is_read_as_degrees_with_a_warning(tmp_path):
    path = tmp_path / "nocrs.gpkg"
    gdf = _bornes_gdf()
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=list(gdf.geometry)).to_file(path)
    result = import_file(path, "borne")
    assert result.records[0]["lon"] == pytest.approx(1.697614)
    assert any("declares no CRS; read as EPSG:4326" in w for w in result.warnings)
