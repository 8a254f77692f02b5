"""``itinerance export`` end to end, in-process.

A small standalone scenario with a home visit (and its requester's personal details) is planned
once with a short time limit; its plan is exported in every format, every written file is
scanned for personal data, and bad inputs give one ``error:`` line, exit code 2 and no partial
file. La Rur@linette's published rota, read from an Indre database, is exported for real: the
posters for Migné give second Mondays, with 8 May 2028 said as a holiday, and its calendar
expands to the same dates.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
from datetime import date
from pathlib import Path

import icalendar
import pandas as pd
import pytest
import recurring_ical_events

from planner.engine.base import SolveOptions
from planner.outputs.calendar import Schedule, occurrences, permanences
from planner.scenario.files import load_scenario
from planner.scenario.pipeline import plan_scenario
from support.checks import assert_one_line_error
from tests.cli.test_planning_cli import SMALL
from tests.maps.test_poster import DATE, parse_date
from tests.maps.test_timetable import CheckedPage, no_people_contacts

REPO = Path(__file__).resolve().parents[2]

# The planning tests' small scenario, with every personal field a request may carry.
SCENARIO = SMALL.replace(
    'requester_phone = "01 23 45 67 89"\n',
    'requester_phone = "01 23 45 67 89"\nrequester_email = "jeanne.testeuse@example.org"\n'
    'address = "12 rue des Lilas"\n',
)
assert SCENARIO != SMALL
PERSONAL = ("Jeanne Testeuse", "01 23 45 67 89", "jeanne.testeuse@example.org", "12 rue des Lilas")
HOME = ("1.1237", "46.7009")
START = "2027-01-04"
WITHOUT_MAP = "timetable,poster,ics,geo"


@pytest.fixture(scope="module")
def small_plan(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    scenario = folder / "essai.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    f = load_scenario(scenario)
    done = plan_scenario(f, options=SolveOptions(time_limit=2, seed=3, deterministic=True))
    assert done.report.ok
    path = folder / "plan.json"
    path.write_text(done.plan.to_json(), encoding="utf-8")
    return path


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_export_writes_every_format_and_lists_it(run_cli, small_plan, tmp_path):
    out = tmp_path / "sortie"
    code, stdout, err = run_cli(
        "export", small_plan, "--to", out, "--start", START, "--formats", WITHOUT_MAP
    )
    assert code == 0, err
    written = files_in(out)
    assert {
        "index.html",
        "horaires/le-van.html",
        "horaires/le-van.csv",
        "affiches/index.html",
        "affiches/rosnay.html",
        "affiches/ciron.html",
        "calendriers/vehicule-le-van.ics",
        "calendriers/commune-rosnay.ics",
        "calendriers/commune-ciron.ics",
        "geo/arrets.geojson",
        "geo/tournees.geojson",
        "geo/itinerance.gpkg",
    } == set(written)
    assert "Documents écrits dans" in stdout and "affiches/index.html" in stdout
    assert "lundi 4 janvier 2027" in stdout
    for rel, data in written.items():
        if rel.endswith(".html"):
            page = CheckedPage(data.decode("utf-8"))
            assert page.errors == [], rel
            assert "essai.toml" in page.plain, rel  # provenance footer
    frame = pd.read_csv(io.BytesIO(written["horaires/le-van.csv"]), sep=";", encoding="utf-8-sig")
    assert {"Rosnay", "Ciron", "Le Blanc"} <= set(frame["Lieu"])
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_posters_and_calendars_agree_on_the_dates(run_cli, small_plan, tmp_path):
    out = tmp_path / "sortie"
    assert (
        run_cli(
            "export",
            small_plan,
            "--to",
            out,
            "--start",
            START,
            "--months",
            "6",
            "--formats",
            "poster,ics",
        )[0]
        == 0
    )
    page = CheckedPage((out / "affiches/ciron.html").read_text(encoding="utf-8"))
    listed = [parse_date(t.strip()) for t in page.text if DATE.fullmatch(t.strip())]
    assert listed and all(d.weekday() == 1 for d in listed) and listed[0] == date(2027, 1, 5)
    cal = icalendar.Calendar.from_ical((out / "calendriers/commune-ciron.ics").read_bytes())
    found = sorted(
        e.decoded("DTSTART").date()
        for e in recurring_ical_events.of(cal).between(date(2027, 1, 4), date(2027, 7, 4))
    )
    assert found[: len(listed)] == listed
    assert len(found) == 26  # every Tuesday of the 6 months: no holiday falls on one


def test_nothing_personal_in_any_file_unless_asked(run_cli, small_plan, tmp_path):
    plain = tmp_path / "sans"
    formats = ",".join(["timetable", "poster", "ics", "geo"] + (["map"] if _tour_map() else []))
    assert (
        run_cli("export", small_plan, "--to", plain, "--start", START, "--formats", formats)[0] == 0
    )
    for rel, data in files_in(plain).items():
        for secret in (*PERSONAL, *HOME):
            assert secret.encode() not in data, (rel, secret)
        text = data.decode("utf-8", "replace").replace("\r\n ", "")
        if rel.endswith(".html") and not rel.startswith("carte-tournees"):
            no_people_contacts(CheckedPage(text).plain)
        elif rel.endswith((".csv", ".ics", ".geojson")):
            no_people_contacts(text)
    asked = tmp_path / "avec"
    code, _, err = run_cli(
        "export",
        small_plan,
        "--to",
        asked,
        "--start",
        START,
        "--formats",
        formats,
        "--include-personal-data",
    )
    assert code == 0, err
    crew = {"horaires/le-van.html", "horaires/le-van.csv", "calendriers/vehicule-le-van.ics"}
    for rel, data in files_in(asked).items():
        text = data.decode("utf-8", "replace").replace("\r\n ", "")
        if rel in crew:
            assert "Jeanne Testeuse" in text and "12 rue des Lilas" in text, rel
        else:
            assert not any(s.encode() in data for s in (*PERSONAL, *HOME)), rel
    posters = files_in(asked / "affiches")
    assert all(b"domicile" not in data for rel, data in posters.items() if rel != "index.html")


def _tour_map() -> bool:
    return importlib.util.find_spec("maps.tour") is not None


def test_tour_map_is_written_when_available(run_cli, small_plan, tmp_path):
    code, _, err = run_cli(
        "export", small_plan, "--to", tmp_path / "carte", "--start", START, "--formats", "map"
    )
    assert code == 0, err
    if _tour_map():
        assert (tmp_path / "carte" / "carte-tournees.html").is_file()
    else:
        assert "carte des tournées n'est pas disponible" in err


# --- bad input ---------------------------------------------------------------------------------


def test_unreadable_or_foreign_plan_files(run_cli, tmp_path):
    out = tmp_path / "sortie"
    assert_one_line_error(
        *run_cli("export", tmp_path / "absent.json", "--to", out)[::2], "no such plan file"
    )
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert_one_line_error(*run_cli("export", bad, "--to", out)[::2], "not valid JSON")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"type": "FeatureCollection"}), encoding="utf-8")
    assert_one_line_error(*run_cli("export", other, "--to", out)[::2], "not an itinerance plan")
    assert not out.exists()


def test_plan_without_context_is_refused(run_cli, small_plan, tmp_path):
    data = json.loads(small_plan.read_text(encoding="utf-8"))
    data["meta"] = {k: v for k, v in data["meta"].items() if k not in ("context", "schedule")}
    old = tmp_path / "ancien.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "sortie"
    assert_one_line_error(
        *run_cli("export", old, "--to", out)[::2],
        "ancien.json",
        "no context block",
        "itinerance plan",
    )
    assert not out.exists()


def test_target_that_is_a_file_or_has_no_parent(run_cli, small_plan, tmp_path):
    blocker = tmp_path / "fichier"
    blocker.write_text("déjà là", encoding="utf-8")
    assert_one_line_error(*run_cli("export", small_plan, "--to", blocker)[::2], "is a file")
    assert blocker.read_text(encoding="utf-8") == "déjà là"
    assert_one_line_error(
        *run_cli("export", small_plan, "--to", tmp_path / "nope" / "out")[::2], "does not exist"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fichier"]


def test_a_failure_midway_leaves_no_partial_file(run_cli, small_plan, tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", "geo/itinerance.gpkg")

    monkeypatch.setattr("planner.cli.export.write_geo", disk_full)
    out = tmp_path / "sortie"
    assert_one_line_error(
        *run_cli("export", small_plan, "--to", out, "--formats", WITHOUT_MAP)[::2],
        "No space left on device",
    )
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its temporary twin
    out.mkdir()
    (out / "mien.txt").write_text("à garder", encoding="utf-8")
    assert_one_line_error(
        *run_cli("export", small_plan, "--to", out, "--formats", WITHOUT_MAP)[::2], "No space"
    )
    assert files_in(out) == {"mien.txt": "à garder".encode()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sortie"]


def test_a_folder_without_write_permission(run_cli, small_plan, tmp_path, monkeypatch):
    import os

    import planner.cli.export as export_cli

    locked = tmp_path / "verrou"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root writes anywhere: the permission check is what is tested
        real = os.access
        monkeypatch.setattr(
            export_cli.os, "access", lambda p, mode: False if Path(p) == locked else real(p, mode)
        )
    try:
        assert_one_line_error(
            *run_cli("export", small_plan, "--to", locked / "out")[::2], "not writable"
        )
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("--formats", "posters", "unknown format 'posters'"),
        ("--start", "04/01/2027", "--start: expected a date"),
        ("--months", "0", "--months: expected 1 to 36"),
    ],
)
def test_bad_options(run_cli, small_plan, tmp_path, option, value, needle):
    out = tmp_path / "sortie"
    assert_one_line_error(*run_cli("export", small_plan, "--to", out, option, value)[::2], needle)
    assert not out.exists()


def test_personal_data_needs_the_unchanged_scenario(run_cli, small_plan, tmp_path):
    data = json.loads(small_plan.read_text(encoding="utf-8"))
    moved = tmp_path / "copie.toml"
    moved.write_text(SCENARIO + "\n# modifié\n", encoding="utf-8")
    data["meta"]["inputs"][0]["path"] = str(moved)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "sortie"
    assert_one_line_error(
        *run_cli("export", plan, "--to", out, "--include-personal-data")[::2],
        "changed since the plan was made",
    )
    assert not out.exists()


# --- La Rur@linette, for real ---------------------------------------------------------------------


@pytest.mark.slow
def test_rurlinette_as_is_posters_and_calendar_for_migne(run_cli, indre_url, tmp_path):
    plan = tmp_path / "rurlinette.json"
    code, _, err = run_cli(
        "plan", REPO / "scenarios" / "rurlinette-actuelle.toml", "--db", indre_url, "-o", plan, "-q"
    )
    assert code == 0, err
    out = tmp_path / "rurlinette"
    code, _, err = run_cli(
        "export",
        plan,
        "--to",
        out,
        "--start",
        "2028-03-06",
        "--formats",
        "poster,ics,timetable",
        "--contact",
        "Familles Rurales de l'Indre",
    )
    assert code == 0, err
    page = CheckedPage((out / "affiches" / "migne.html").read_text(encoding="utf-8"))
    assert page.errors == []
    assert (
        "La Rur@linette vient à Migné le 2e lundi du mois, de 10 h à 12 h 30 et de 13 h 30 à 16 h."
        in page.plain
    )
    listed = [parse_date(t.strip()) for t in page.text if DATE.fullmatch(t.strip())]
    assert len(listed) == 11  # 12 second Mondays, less 8 May 2028
    assert all(d.weekday() == 0 and 8 <= d.day <= 14 for d in listed)
    assert date(2028, 5, 8) not in listed
    assert "Le lundi 8 mai 2028 (Fête de la Victoire) : pas de permanence" in page.plain
    cal = icalendar.Calendar.from_ical((out / "calendriers" / "commune-migne.ics").read_bytes())
    (event,) = cal.walk("VEVENT")
    assert event["RRULE"]["FREQ"] == ["MONTHLY"] and event["RRULE"]["BYDAY"] == ["2MO"]
    found = [
        e.decoded("DTSTART")
        for e in recurring_ical_events.of(cal).between(date(2028, 3, 6), date(2029, 3, 6))
    ]
    assert sorted(d.date() for d in found) == listed
    assert all(d.hour == 10 and d.minute == 0 for d in found)
    segry = icalendar.Calendar.from_ical((out / "calendriers" / "commune-segry.ics").read_bytes())
    assert re.search(
        r"RRULE:FREQ=MONTHLY;UNTIL=\d{8}T\d{6}Z;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        segry.to_ical().decode(),
    )
    assert (out / "horaires" / "la-rur-linette.html").is_file()
    assert (
        len(list((out / "affiches").glob("*.html"))) == 19 + 1
    )  # 19 communes placed and the index


@pytest.mark.slow
def test_rurlinette_from_the_database_gives_the_calendar_of_its_rota(indre_url):
    from planner.scenario.asis import load_asis

    built = load_asis(indre_url, "2394")
    s = Schedule.from_built(built, built.plan)
    perms = {s.stops[p.stop].commune: p for p in permanences(s, date(2028, 3, 6))}
    assert perms["Migné"].recurrence.rrule() == {"FREQ": "MONTHLY", "BYDAY": ["2MO"]}
    assert perms["Ségry"].recurrence.kind == "last_workday"
    assert perms["Vicq-Exemplet"].recurrence.rrule() == {"FREQ": "MONTHLY", "BYDAY": ["1MO"]}
    off = [
        o
        for o in occurrences(perms["Vicq-Exemplet"], date(2028, 3, 6), date(2029, 3, 5))
        if not o.held
    ]
    assert [(o.date, o.holiday) for o in off] == [
        (date(2028, 5, 1), "Fête du Travail"),
        (date(2028, 6, 5), "lundi de Pentecôte"),
        (date(2029, 1, 1), "Jour de l'an"),
    ]
