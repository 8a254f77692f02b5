"""The hostile-input corpus: every bad input of docs/reliability.md, one case each.

Each case asserts the promise of the README: exit code 2, exactly one ``error:`` line on stderr
that names the file, line or key and what was expected, nothing on stdout that looks like a
traceback, and nothing written (no output file, the database unchanged). The corpus grows with
every bug found: add the input that broke, with the words the message must contain.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from geodata.db import dispose, upgrade

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = (REPO / "scenarios" / "exemple-autonome.toml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Case:
    """``argv`` may use ``{dir}`` (the test's folder) and ``{db}`` (a database URL)."""

    files: dict[str, bytes | str]
    argv: tuple[str, ...]
    needle: str  # what the one error line must contain
    outputs: tuple[str, ...] = field(default=())  # paths (under {dir}) that must not exist
    data: bool = False  # needs the pinned open data (the COG checks communes' codes)


def scenario(old: str, new: str, *, append: str = "") -> dict[str, str]:
    """The standalone example with one mutation, as ``x.toml``."""
    assert old in EXAMPLE, old
    return {"x.toml": EXAMPLE.replace(old, new, 1) + append}


def plan(files: dict[str, str], needle: str) -> Case:
    argv = ("plan", "{dir}/x.toml", "-o", "{dir}/out/plan.json", "--time-limit", "1")
    return Case(files, argv, needle, outputs=("out/plan.json", "out"))


def import_borne(content: bytes | str, needle: str, name: str = "bornes.csv") -> Case:
    argv = ("data", "import", "{dir}/" + name, "--kind", "borne", "--db", "{db}")
    return Case({name: content}, argv, needle, data=True)


CASES: dict[str, Case] = {
    # --- scenario keys (issue 11: 4, 5, 7, 10, 11) ---------------------------------------------
    "decimal schema_version": plan(
        scenario("schema_version = 1", "schema_version = 1.0"),
        "x.toml:14: schema_version: expected a whole number, got 1.0",
    ),
    "decimal weeks": plan(
        scenario("weeks = 2 ", "weeks = 2.0 "), "x.toml:22: horizon.weeks: expected a whole number"
    ),
    "decimal count": plan(
        scenario("wheelchair_places = 1", "wheelchair_places = 1.5"),
        "x.toml:34: vehicles[0].wheelchair_places",
    ),
    "infinite time limit": plan(
        scenario("", "", append="\n[solver]\ntime_limit = inf\n"),
        "solver.time_limit: expected a finite number",
    ),
    "nan cost": plan(
        scenario("cost_per_km = 0.45", "cost_per_km = nan"),
        "x.toml:35: vehicles[0].cost_per_km: expected a finite number",
    ),
    "infinite duration": plan(
        scenario('max_drive = "3h"', "max_drive = inf"), "x.toml:32: vehicles[0].max_drive"
    ),
    "line break in a stop name": plan(
        scenario('name = "Rosnay"', 'name = "Ros\\nnay"'),
        "x.toml:58: stops.list[2].name: expected one line of text without control characters",
    ),
    "tab in an id": plan(
        scenario('id = "rosnay"', 'id = "ros\\tnay"'), "x.toml:59: stops.list[2].id"
    ),
    "pinned day against weekdays": plan(
        scenario('weekdays = ["mardi", "jeudi"]', 'weekdays = ["mardi", "jeudi"]\nday = "lundi"'),
        "stops.list[3].day: 'lundi' falls on a lundi, but the stop's weekdays are mardi, jeudi",
    ),
    "7e mardi in a two-week cycle": plan(
        scenario('weekdays = ["mardi", "jeudi"]', 'day = "7e mardi"'),
        "stops.list[3].day: expected the 1st to 4th weekday of the month",
    ),
    "coordinates outside France": plan(
        scenario("lat = 46.7106", "lat = -46.7106"),
        "x.toml:57: stops.list[2]: lon = 1.2043, lat = -46.7106 is outside France",
    ),
    "coordinates swapped": plan(
        scenario("lon = 1.2043\nlat = 46.7106", "lon = 46.7106\nlat = 1.2043"),
        "(longitude and latitude exchanged?)",
    ),
    "unknown key": plan(scenario("max_drive", "max_driv"), "x.toml:32: vehicles[0].max_driv"),
    "invalid TOML": plan({"x.toml": EXAMPLE + "\n[[["}, "x.toml:"),
    "not UTF-8": plan({"x.toml": EXAMPLE.replace("é", "\udce9")}, "must be UTF-8"),
    "missing scenario": plan({}, "x.toml: no such scenario file"),
    "infinite --time-limit": Case(
        {"x.toml": EXAMPLE},
        ("plan", "{dir}/x.toml", "-o", "{dir}/out.json", "--time-limit", "inf"),
        "--time-limit: expected a positive number of seconds, got inf",
        outputs=("out.json",),
    ),
    # --- text that looks like Rich markup is text (issue 11: 1) --------------------------------
    "markup in a CSV cell": import_borne("identifiant;nom;code_insee\nb1;Borne;[/b]\n", "[/b]"),
    "markup in a scenario value": plan(
        scenario('shift = "08:30-17:30"', 'shift = "[/]"'),
        'x.toml:30: vehicles[0].shift: expected "HH:MM-HH:MM", got "[/]"',
    ),
    "markup in a file name": Case(
        {"[/x].toml": "schema_version = 1.0\n"},
        ("plan", "{dir}/[/x].toml", "-o", "{dir}/out.json"),
        "[/x].toml:1: schema_version: expected a whole number",
        outputs=("out.json",),
    ),
    "bracketed words in a message": plan(
        scenario('name = "Rosnay"', 'name = "[bold]Ros\\tnay"'),
        '"[bold]Ros\\tnay"',
    ),
    # --- output folders, checked before any long work (issue 11: 11) --------------------------
    "plan into a missing folder": Case(
        {"x.toml": EXAMPLE},
        ("plan", "{dir}/x.toml", "-o", "{dir}/nowhere/plan.json"),
        "nowhere does not exist",
    ),
    "coverage into a missing folder": Case(
        {},
        ("coverage", "--departement", "36", "--db", "{db}", "-o", "{dir}/nowhere/c.txt"),
        "nowhere does not exist",
    ),
    "siting into a missing folder": Case(
        {},
        (
            "site",
            "--departement",
            "36",
            "--new-stops",
            "3",
            "--db",
            "{db}",
            "-o",
            "{dir}/nowhere/s.txt",
        ),
        "nowhere does not exist",
    ),
    "compare into a missing folder": Case(
        {"x.toml": EXAMPLE},
        ("compare", "{dir}/x.toml", "-o", "{dir}/nowhere/c.html"),
        "nowhere does not exist",
    ),
    "sweep into a missing folder": Case(
        {"x.toml": EXAMPLE},
        ("sweep", "{dir}/x.toml", "--vary", "vehicles=1", "-o", "{dir}/nowhere/s.html"),
        "nowhere does not exist",
    ),
    "coverage map into a missing folder": Case(
        {},
        ("map", "coverage", "--departement", "36", "--db", "{db}", "-o", "{dir}/no/m.html"),
        "no does not exist",
    ),
    # --- areas (issue 11: 11) ------------------------------------------------------------------
    "département that does not exist": Case(
        {},
        ("coverage", "--departement", "99", "--db", "{db}"),
        "unknown département '99': no such code in the COG 2026",
    ),
    "région that does not exist": Case(
        {}, ("coverage", "--region", "99", "--db", "{db}"), "unknown région '99'"
    ),
    # --- vehicles' service areas (issue 9: 2) ---------------------------------------------------
    "empty area": plan(
        scenario('max_drive = "3h"', 'max_drive = "3h"\narea = []'),
        "x.toml:33: vehicles[0].area: expected at least one code",
    ),
    "malformed area code": plan(
        scenario('max_drive = "3h"', 'max_drive = "3h"\narea = ["4"]'),
        'x.toml:33: vehicles[0].area[0]: expected a département ("45", "2A")',
    ),
    "département area without a database": plan(
        scenario('max_drive = "3h"', 'max_drive = "3h"\narea = ["36"]'),
        "x.toml:33: vehicles[0].area[0]: 36: a standalone scenario",
    ),
    "area and stops without a commune code": Case(
        scenario('max_drive = "3h"', 'max_drive = "3h"\narea = ["36018"]'),
        ("plan", "{dir}/x.toml", "-o", "{dir}/plan.json", "--time-limit", "1"),
        "x.toml:44: stops.list[0]: no commune code, so no vehicle's area can hold it",
        outputs=("plan.json",),
        data=True,  # the COG checks the area's commune code
    ),
    # --- users' CSV files (issue 11: 11) -------------------------------------------------------
    "DOS code page": import_borne(
        b"identifiant;nom;code_insee\nb1;Borne \x81;36044\n",
        "bornes.csv, line 2: byte 0x81 is neither UTF-8 nor Windows-1252",
    ),
    "a 2 MB field": import_borne(
        "identifiant;nom;code_insee\nb1;" + "x" * 2_000_000 + ";36044\n",
        "bornes.csv, line 2: 2000009 characters on one line",
    ),
    "binary file": import_borne(b"PK\x03\x04\x00\x00rest", "bornes.csv: not a text file"),
    "quote never closed": import_borne(
        'identifiant;nom;code_insee\nb1;"Borne;36044\n', "a quote opened here is never closed"
    ),
}


def _encode(content: bytes | str) -> bytes:
    if isinstance(content, bytes):
        return content
    return content.encode("utf-8", errors="surrogateescape")


def _tables(path: Path) -> dict[str, list[tuple]]:
    if not path.exists():
        return {}
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(map(repr, conn.execute(f'SELECT * FROM "{n}"'))) for n in names}


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.data) if c.data else n for n, c in CASES.items()],
)
def test_hostile_input_gets_one_error_line_exit_2_and_nothing_written(run_cli, tmp_path, name):
    case = CASES[name]
    for file, content in case.files.items():
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_bytes(_encode(content))
    db = tmp_path / "db.sqlite"
    if any("{db}" in a for a in case.argv):
        upgrade(f"sqlite:///{db}")  # an existing, empty database: it must stay as it is
        dispose(f"sqlite:///{db}")
    before_files = sorted(p.name for p in tmp_path.iterdir())
    before_db = _tables(db)
    argv = [a.format(dir=tmp_path, db=f"sqlite:///{db}") for a in case.argv]

    code, out, err = run_cli(*argv)

    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert case.needle in lines[0], lines[0]
    assert "Traceback" not in out + err
    for output in case.outputs:
        assert not (tmp_path / output).exists(), output
    assert sorted(p.name for p in tmp_path.iterdir()) == before_files
    assert _tables(db) == before_db


# --- plan files (issue 11: 3, 6) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory) -> tuple[Path, str]:
    """The standalone example planned once (deterministic): its scenario and plan JSON text."""
    from planner.engine.base import SolveOptions
    from planner.scenario.files import load_scenario
    from planner.scenario.pipeline import plan_scenario

    folder = tmp_path_factory.mktemp("example")
    path = folder / "x.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    options = SolveOptions(time_limit=2, seed=0, deterministic=True, iterations=300)
    planned = plan_scenario(load_scenario(path), options=options)
    assert planned.report.ok
    return path, planned.plan.to_json()


def _first(text: str, key: str, new: str) -> str:
    """``text`` with the first ``"key": value`` of the plan JSON given ``new`` as its value."""
    import re

    changed, n = re.subn(rf'("{key}": )[^,\n}}]+', lambda m: m.group(1) + new, text, count=1)
    assert n == 1, key
    return changed


PLAN_CASES = {
    "NaN arrival": (
        ("arrival", "NaN"),
        "routes[0].visits[0].arrival: expected minutes since midnight",
    ),
    "infinite start": (("start", "Infinity"), "routes[0].lunch.start: expected minutes"),
    "negative depart": (("depart", "-30"), "routes[0].depart: expected minutes since midnight"),
    "day as text": (("day", '"lundi"'), "routes[0].day: expected a day index"),
    "decimal day": (("day", "1.5"), "routes[0].day: expected a day index"),
    "line break in a stop id": (("stop", '"a\\nb"'), "routes[0].visits[0].stop: expected an id"),
}


@pytest.mark.parametrize("command", ["evaluate", "export"])
@pytest.mark.parametrize("name", list(PLAN_CASES))
def test_a_hostile_plan_file_gets_one_error_line(run_cli, tmp_path, example_plan, name, command):
    scenario_path, text = example_plan
    (key, value), needle = PLAN_CASES[name]
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(_first(text, key, value), encoding="utf-8")
    if command == "evaluate":
        argv = ["evaluate", str(scenario_path), "--plan", str(plan_file)]
    else:
        argv = ["export", str(plan_file), "--to", str(tmp_path / "publication")]

    code, out, err = run_cli(*argv)

    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert needle in lines[0] and "plan.json" in lines[0], lines[0]
    assert not (tmp_path / "publication").exists()


def _impossible(text: str) -> str:
    """The plan with its first visit arriving one minute after leaving the base, whatever the
    distance: a hand edit no vehicle can drive."""
    import json

    data = json.loads(text)
    route = data["routes"][0]
    visit = route["visits"][0]
    shift = visit["arrival"] - (route["depart"] + 1)
    for key in ("arrival", "start", "end"):
        visit[key] -= shift
    return json.dumps(data)


@pytest.mark.parametrize("command", ["export", "map"])
def test_a_plan_that_cannot_be_driven_is_not_published(run_cli, tmp_path, example_plan, command):
    scenario_path, text = example_plan
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(_impossible(text), encoding="utf-8")
    if command == "export":
        argv = ["export", str(plan_file), "--to", str(tmp_path / "publication")]
    else:
        argv = ["map", "tour", str(plan_file), "-o", str(tmp_path / "publication" / "carte.html")]
    (tmp_path / "publication").mkdir() if command == "map" else None

    code, out, err = run_cli(*argv)

    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and "the plan breaks" in lines[0] and "nothing is published" in lines[0]
    published = tmp_path / "publication"
    assert not published.exists() or not any(published.iterdir())


def test_a_plan_whose_scenario_is_gone_is_not_exported(run_cli, tmp_path, example_plan):
    _, text = example_plan
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(text.replace("x.toml", "gone.toml"), encoding="utf-8")
    code, _, err = run_cli("export", str(plan_file), "--to", str(tmp_path / "publication"))
    assert code == 2 and "the scenario it was made from is not found" in err
    assert not (tmp_path / "publication").exists()


def test_a_stop_named_like_a_formula_is_text_in_every_csv(run_cli, tmp_path):
    """CSV injection (issue 11: 9): a stop named =HYPERLINK(…) reaches the timetables' and the
    tour map's CSV with a leading apostrophe, so a spreadsheet shows it as text."""
    hostile = '=HYPERLINK("http://x.example","clic")'
    scenario_file = tmp_path / "x.toml"
    scenario_file.write_text(
        EXAMPLE.replace('name = "Rosnay"', f"name = '{hostile}'"), encoding="utf-8"
    )
    plan_file = tmp_path / "plan.json"
    code, _, err = run_cli("plan", scenario_file, "-o", plan_file, "--time-limit", "2", "-q")
    assert code == 0, err
    code, _, err = run_cli("export", plan_file, "--to", tmp_path / "pub")
    assert code == 0, err
    csv_files = sorted((tmp_path / "pub").rglob("*.csv"))
    assert csv_files
    seen = 0
    for path in csv_files:
        text = path.read_text(encoding="utf-8-sig")
        assert ";=HYPERLINK" not in text and not text.startswith("=HYPERLINK")
        assert "\n=HYPERLINK" not in text
        seen += text.count("'=HYPERLINK")
    assert seen >= 2  # the vehicle's timetable and the tour map's table at least


@pytest.mark.parametrize("command", ["export", "map"])
def test_a_line_break_in_a_recorded_name_is_one_error_line(
    run_cli, tmp_path, example_plan, command
):
    """Issue 11: 4 — icalendar refuses a line break in a name with an AssertionError; a plan whose
    recorded names hold one is refused by export before anything is written (the HTML map shows
    it as a space)."""
    import json

    scenario_path, text = example_plan
    data = json.loads(text)
    first = next(iter(data["meta"]["context"]["stops"]))
    data["meta"]["context"]["stops"][first]["name"] = "Ros\nnay"
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    target = tmp_path / "publication"

    code, out, err = run_cli("export", str(plan_file), "--to", str(target))

    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, (code, err)
    assert f"meta.context.stops.{first}.name: expected one line of text" in lines[0]
    assert not target.exists()
