"""Scenario files: key lines, the schema's errors (file:line: key: what), defaults, building.

Unit tests use small TOML texts; the example scenarios of ``scenarios/`` must all load, the
standalone one must build with no database at all, and those needing data build against an
Indre database loaded once for the module.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from planner.access.service import ServiceLevels
from planner.errors import ScenarioError
from planner.scenario.build import build
from planner.scenario.files import load_scenario, parse_scenario
from planner.scenario.keys import key_lines, key_path
from planner.scenario.values import DAY_MINUTES, HALF_DAY_MINUTES
from planner.tours.model import Frequency, StopKind
from planner.tours.value import need_served

REPO = Path(__file__).resolve().parents[3]
SCENARIOS = sorted((REPO / "scenarios").glob("*.toml"))

MINIMAL = """\
schema_version = 1
name = "petit"

[[vehicles]]
id = "van"
base = { lon = 1.70, lat = 46.81 }

[data]
standalone = true

[[stops.list]]
id = "a"
lon = 1.60
lat = 46.90
"""


def error_of(text: str, path: str = "scenarios/x.toml") -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, path)
    message = str(info.value)
    assert "\n" not in message
    return message


def with_lines(text: str, **replacements: str) -> str:
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


# --- where keys are ----------------------------------------------------------------------------


def test_key_lines_follow_tables_arrays_of_tables_and_inline_tables():
    text = """\
# a comment with [brackets] and key = value
schema_version = 1
title = '''a multi-line
string with [not a table] = 2'''
[horizon]
weeks = 2
weekdays = [
  "lundi",   # first
  "mardi",
]

[[vehicles]]
id = "a"
lunch = { window = "12:00-14:00", duration = 60 }

[[vehicles]]
id = "b"
lunch.duration = 45
"quoted key" = 1

[stops]
permanence = 150
[[stops.list]]
commune = "36044"
[[stops.list]]
commune = "36236"
day = ["1er lundi", "3e lundi"]
"""
    lines = key_lines(text)
    assert lines[("schema_version",)] == 2
    assert lines[("horizon", "weeks")] == 6
    assert lines[("horizon", "weekdays", 0)] == 8
    assert lines[("horizon", "weekdays", 1)] == 9
    assert lines[("vehicles", 0)] == 12
    assert lines[("vehicles", 0, "lunch", "window")] == 14
    assert lines[("vehicles", 0, "lunch", "duration")] == 14
    assert lines[("vehicles", 1, "id")] == 17
    assert lines[("vehicles", 1, "lunch", "duration")] == 18
    assert lines[("vehicles", 1, "quoted key")] == 19
    assert lines[("stops", "permanence")] == 22
    assert lines[("stops", "list", 0, "commune")] == 24
    assert lines[("stops", "list", 1)] == 25
    assert lines[("stops", "list", 1, "day", 1)] == 27
    assert ("title",) in lines and ("string with [not a table] = 2",) not in lines


def test_key_lines_nested_arrays_of_tables_restart_inside_each_parent():
    text = "[[a]]\nx = 1\n[[a.b]]\ny = 1\n[[a.b]]\ny = 2\n[[a]]\n[[a.b]]\ny = 3\n"
    lines = key_lines(text)
    assert lines[("a", 0, "b", 1, "y")] == 6
    assert lines[("a", 1, "b", 0, "y")] == 9


def test_key_path_reads_like_the_file():
    assert key_path(("vehicles", 0, "lunch", "window")) == "vehicles[0].lunch.window"
    assert key_path(("stops", "list", 3)) == "stops.list[3]"


# --- errors name the file, the line and the key --------------------------------------------------


def _stop_a(extra: str) -> str:
    return MINIMAL.replace('id = "a"', f'id = "a"\n{extra}')


def _van(extra: str) -> str:
    return MINIMAL.replace('id = "van"', f'id = "van"\n{extra}')


ANOTHER_STOP = '\n[[stops.list]]\nid = "b"\nlon = 1.5\nlat = 46.7\n'

# (scenario text, the exact start of the one-line error)
ERRORS = {
    "shift format": (
        _van('shift = "8h"'),
        'scenarios/x.toml:6: vehicles[0].shift: expected "HH:MM-HH:MM", got "8h"',
    ),
    "unknown key": (
        _stop_a("permanance = 120"),
        "scenarios/x.toml:13: stops.list[0].permanance: unknown key (expected one of: commune, "
        "day,",
    ),
    "unknown table": (
        MINIMAL + "\n[solveur]\ntime_limit = 3\n",
        "scenarios/x.toml:16: solveur: unknown key (expected one of: asis,",
    ),
    "wrong type": (
        MINIMAL + '\n[solver]\ntime_limit = "10"\n',
        'scenarios/x.toml:17: solver.time_limit: expected a valid number, got "10"',
    ),
    "weeks = 3": (
        MINIMAL + "\n[horizon]\nweeks = 3\n",
        "scenarios/x.toml:17: horizon.weeks: expected 1, 2 or 4, got 3",
    ),
    "fortnightly in 1 week": (
        _stop_a('frequency = "fortnightly"'),
        "scenarios/x.toml:13: stops.list[0].frequency: a fortnightly stop needs a cycle of at "
        "least 2 weeks",
    ),
    "monthly in 1 week": (
        MINIMAL + '\n[stops]\nfrequency = "monthly"\n',
        "scenarios/x.toml:17: stops.frequency: a monthly stop needs a 4-week cycle",
    ),
    "end before start": (
        _stop_a('window = "14:00-09:00"'),
        "scenarios/x.toml:13: stops.list[0].window: expected the end after the start, got "
        '"14:00-09:00"',
    ),
    "lunch outside shift": (
        _van('lunch = { window = "07:00-08:00", duration = 30 }'),
        "scenarios/x.toml:6: vehicles[0].lunch.window: the lunch window 7:00-8:00 is outside the "
        "shift 8:30-17:30",
    ),
    "shift shorter than permanences": (
        _van('shift = "09:00-10:30"\nlunch = false'),
        "scenarios/x.toml:6: vehicles[0].shift: the shift 9:00-10:30 (1 h 30 of work) is shorter "
        "than every permanence",
    ),
    "max_work shorter than permanences": (
        _van('max_work = "5h"').replace('id = "a"', 'id = "a"\npermanence = "journée"'),
        "scenarios/x.toml:6: vehicles[0].max_work: max_work (5 h) is shorter than every permanence",
    ),
    "permanence longer than shifts": (
        _van('max_work = "5h"').replace('id = "a"', 'id = "a"\npermanence = "journée"')
        + ANOTHER_STOP,
        "scenarios/x.toml:14: stops.list[0].permanence: the permanence (6 h) is longer than every "
        "vehicle's shift",
    ),
    "fixed day not in cycle": (
        _stop_a('day = "2e mardi"'),
        "scenarios/x.toml:13: stops.list[0].day: '2e mardi' needs a monthly horizon",
    ),
    "fixed days vs frequency": (
        _stop_a('day = "mardi semaine 1"') + "\n[horizon]\nweeks = 2\n",
        "scenarios/x.toml:13: stops.list[0].day: names 1 day(s) of the cycle but a weekly stop is "
        "visited 2 time(s)",
    ),
    "duplicate id": (
        MINIMAL + ANOTHER_STOP.replace('"b"', '"a"'),
        "scenarios/x.toml:17: stops.list[1].id: stop 'a' is already listed at line 11; give it "
        "another id",
    ),
}


@pytest.mark.parametrize("case", ERRORS, ids=str)
def test_error_names_file_line_and_key(case):
    text, expected = ERRORS[case]
    assert error_of(text).startswith(expected)


def test_unknown_key_suggests_the_right_one():
    assert error_of(_stop_a("permanance = 120")).endswith("did you mean 'permanence'?")


def test_standalone_scenario_refuses_a_commune_without_coordinates():
    text = MINIMAL + '\n[[stops.list]]\ncommune = "36044"\n'
    message = error_of(text)
    assert message.startswith("scenarios/x.toml:16: stops.list[1]: a standalone scenario")


def test_request_window_with_a_week_the_cycle_does_not_have():
    text = (
        MINIMAL + '\n[[requests]]\nid = "r"\nlon = 1.6\nlat = 46.8\nwindows = ["mardi semaine 3 '
        '09:00-12:00"]\n'
    )
    message = error_of(text)
    assert message.startswith(
        "scenarios/x.toml:20: requests[0].windows[0]: 'mardi semaine 3': the cycle has 1 week(s)"
    )


def test_invalid_toml_gives_its_line():
    message = error_of(MINIMAL + "\n[horizon\n")
    assert re.match(r"scenarios/x\.toml:16: invalid TOML: ", message)


def test_schema_version_is_checked_first():
    text = MINIMAL.replace("schema_version = 1", "schema_version = 2")
    assert error_of(text).startswith(
        "scenarios/x.toml:1: schema_version: this version of itinerance reads scenario schema 1, "
        "got 2"
    )


def test_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.toml")


# --- defaults and conversions ---------------------------------------------------------------------


def test_defaults_of_a_minimal_scenario():
    f = parse_scenario(MINIMAL)
    sc = f.scenario
    assert f.horizon.weeks == 1 and f.horizon.weekdays == (0, 1, 2, 3, 4) and f.horizon.n_days == 5
    v = sc.vehicles[0]
    assert v.shift == (510.0, 1050.0) and v.lunch is not None and v.lunch.duration == 60
    assert sc.stops.permanence.minutes == HALF_DAY_MINUTES and not sc.stops.permanence.with_lunch
    assert sc.stops.frequency is Frequency.WEEKLY
    assert sc.stops.window == (540.0, 1020.0)
    assert sc.solver.time_limit == 30 and sc.solver.seed == 0 and sc.coverage.threshold == 30
    assert (
        sc.costs.public_aid_operating_per_year == 30000 and sc.costs.public_aid_investment == 68000
    )


def test_permanence_words_and_durations():
    f = parse_scenario(MINIMAL + '\n[stops]\npermanence = "journée"\n')
    assert (
        f.scenario.stops.permanence.minutes == DAY_MINUTES
        and f.scenario.stops.permanence.with_lunch
    )
    f = parse_scenario(MINIMAL + '\n[stops]\npermanence = "2h30"\n')
    assert f.scenario.stops.permanence.minutes == 150


def test_monthly_fixed_days_and_days_off_resolve_on_the_horizon():
    text = MINIMAL.replace('id = "a"', 'id = "a"\nday = "2e mardi"').replace(
        "lat = 46.90",
        'lat = 46.90\n\n[[stops.list]]\nid = "b"\nlon = 1.5\nlat = 46.7\nday = "dernier jour du '
        'mois"',
    )
    text += (
        '\n[horizon]\nmonthly = true\nlast_day_of_month = true\ndays_off = ["3e '
        'vendredi"]\n\n[stops]\nfrequency = "monthly"\n'
    )
    f = parse_scenario(text)
    assert f.horizon.n_days == 20  # 4 × 5 weekdays − 1 day off + the last day of the month
    problem = build(f).problem
    a, b = problem.stop_by_id["a"], problem.stop_by_id["b"]
    assert [f.horizon.days[d].weekday for d in a.patterns[0]] == [1]
    assert [f.horizon.days[d].week for d in a.patterns[0]] == [1]
    assert f.horizon.days[b.patterns[0][0]].last_of_month


def test_with_values_changes_a_key_and_validates_again():
    f = parse_scenario(MINIMAL)
    g = f.with_values({"coverage.threshold": 20, "vehicles[0].count": 2})
    assert g.scenario.coverage.threshold == 20 and g.scenario.vehicles[0].count == 2
    assert [v.id for v in build(g).problem.vehicles] == ["van-1", "van-2"]
    with pytest.raises(ScenarioError, match="horizon.weeks: expected 1, 2 or 4, got 3"):
        f.with_values({"horizon.weeks": 3})


# --- building -------------------------------------------------------------------------------------


@pytest.fixture
def no_database(monkeypatch):
    """A default database nobody can reach: a standalone scenario must never ask for it."""
    monkeypatch.setenv(
        "ITINERANCE_DB", "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1"
    )


def test_standalone_example_builds_without_any_database(no_database):
    f = load_scenario(REPO / "scenarios" / "exemple-autonome.toml")
    built = build(f)
    p = built.problem
    assert built.context.database is None
    assert p.horizon.n_days == 9  # 2 weeks of 5 days, one day off
    assert {s.id for s in p.stops} == {
        "mezieres",
        "saint-gaultier",
        "rosnay",
        "ciron",
        "martizay",
        "saulnay",
        "visite-1",
    }
    assert p.stop_by_id["mezieres"].frequency is Frequency.WEEKLY
    assert p.stop_by_id["rosnay"].frequency is Frequency.FORTNIGHTLY
    assert not p.stop_by_id["saulnay"].mandatory and p.stop_by_id["saulnay"].value == 1300
    # The room 9:00-17:00 and a 2 h 30 permanence: start between 9:00 and 14:30.
    w = p.stop_by_id["rosnay"].windows[0]
    assert (w.start, w.end) == (540, 870)
    assert p.stop_by_id["ciron"].weekdays == frozenset({1, 3})
    # Travel: symmetric, zero on the diagonal, longer for farther places.
    base = p.vehicles[0].start_location
    assert np.allclose(p.durations, p.durations.T) and np.all(np.diag(p.durations) == 0)
    far, near = p.stop_by_id["saint-gaultier"].location, p.stop_by_id["ciron"].location
    assert p.durations[base, far] > p.durations[base, near] > 0


def test_requests_keep_personal_data_out_unless_asked(no_database):
    f = load_scenario(REPO / "scenarios" / "exemple-autonome.toml")
    built = build(f)
    request = built.problem.stop_by_id["visite-1"]
    assert request.kind is StopKind.REQUEST and request.frequency is Frequency.ONCE
    assert len(request.windows) == 2 and all(w.days is not None for w in request.windows)
    # Thursday of week 1, 9:00-12:00, a 60-minute visit: start between 9:00 and 11:00.
    thursday = next(w for w in request.windows if w.start == 540)
    assert thursday.end == 660 and [f.horizon.days[d].weekday for d in thursday.days] == [3]
    dumped = repr(built.context.to_dict()) + repr(built.problem)
    assert "Mme Exemple" not in dumped and "00 00" not in dumped
    assert built.context.personal == {}
    assert any("données personnelles (demandes visite-1)" in n for n in built.context.notes)
    asked = build(f, include_personal=True)
    assert asked.context.personal["visite-1"]["requester_name"] == "Mme Exemple"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_example_scenario_loads(path):
    f = load_scenario(path)
    assert (
        f.scenario.name and f.sha256 == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    )


# --- against the Indre database -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [
        p
        for p in SCENARIOS
        if p.name != "exemple-autonome.toml"
        # Examples of other départements (Cher, Loiret) are built in
        # tests/scenarios/test_example_scenarios.py.
        and set(load_scenario(p).scenario.territory.departements) <= {"36"}
    ],
    ids=lambda p: p.name,
)
def test_example_scenarios_needing_data_build_against_indre(path, indre_url):
    built = build(load_scenario(path), db=indre_url)
    p = built.problem
    assert p.stops and p.vehicles
    assert all(p.locations[s.location].insee for s in p.stops)
    assert built.context.database is not None and "indre.sqlite" in built.context.database


@pytest.mark.slow
def test_optimised_rurlinette_keeps_the_published_communes_mandatory(indre_url):
    built = build(load_scenario(REPO / "scenarios" / "rurlinette-optimisee.toml"), db=indre_url)
    p = built.problem
    mandatory = {s.insee for s in p.stops if s.mandatory}
    assert len(mandatory) == 19 and {"36236", "36215", "36032"} <= mandatory
    assert all(
        s.frequency is Frequency.MONTHLY and s.duration == DAY_MINUTES
        for s in p.stops
        if s.mandatory
    )
    v = p.vehicles[0]
    assert p.locations[v.start_location].insee == "36044"
    candidates = [s for s in p.stops if not s.mandatory]
    assert 0 < len(candidates) <= 15
    # A candidate's worth is the service level it brings the communes it reaches (counted once
    # per commune in the plan's value), not an own value.
    reached = {r.stop for r in p.reach}
    assert all(s.value == 0 and s.id in reached for s in candidates)
    assert all(built.context.stops[s.id].covers for s in candidates)
    assert not mandatory & {s.insee for s in candidates}


@pytest.mark.slow
def test_unknown_and_unloaded_communes_name_their_line(indre_url, tmp_path):
    text = f"""\
schema_version = 1
name = "x"

[data]
database = "{indre_url}"

[[vehicles]]
id = "van"
base = "36044"

[[stops.list]]
commune = "36236"

[[stops.list]]
commune = "{{code}}"
"""
    path = tmp_path / "x.toml"
    path.write_text(text.replace("{code}", "36999"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        build(load_scenario(path))
    assert (
        str(info.value)
        == f"{path}:15: stops.list[1].commune: unknown commune 36999: not a commune of the COG 2026"
    )
    path.write_text(text.replace("{code}", "18033"), encoding="utf-8")  # Bourges: Cher, not loaded
    with pytest.raises(ScenarioError) as info:
        build(load_scenario(path))
    assert str(info.value).startswith(
        f"{path}:15: stops.list[1].commune: commune 18033 (Bourges) is not loaded"
    )
    assert "itinerance data load --departement 18" in str(info.value)


@pytest.mark.slow
def test_relative_database_path_resolves_against_the_scenario_folder(indre_url, tmp_path):
    import shutil

    folder = tmp_path / "etude"
    folder.mkdir()
    shutil.copy(indre_url.removeprefix("sqlite:///"), folder / "territoire.sqlite")
    path = folder / "s.toml"
    path.write_text(
        MINIMAL.replace("standalone = true", 'database = "territoire.sqlite"').replace(
            "lon = 1.60\nlat = 46.90", 'commune = "36236"'
        ),
        encoding="utf-8",
    )
    built = build(load_scenario(path))
    assert built.context.database == f"sqlite:///{folder / 'territoire.sqlite'}"
    assert built.problem.stop_by_id["a"].insee == "36236"


def _scenario_file(tmp_path, indre_url: str, body: str) -> Path:
    path = tmp_path / "s.toml"
    head = f'schema_version = 1\nname = "x"\n\n[data]\ndatabase = "{indre_url}"\n\n'
    head += '[[vehicles]]\nid = "van"\nbase = "36044"\n\n'
    path.write_text(head + body, encoding="utf-8")
    return path


@pytest.mark.slow
def test_candidate_list_is_valued_by_need_and_capped(indre_url, tmp_path):
    # Saint-Août, Ségry and Vigoux as candidates; Vicq-Exemplet is already a listed stop.
    body = (
        '[[stops.list]]\ncommune = "36236"\n\n[candidates]\ncommunes = ["36180", "36215", "36239", '
        '"36236"]\nmax = 2\n'
    )
    built = build(load_scenario(_scenario_file(tmp_path, indre_url, body)))
    p = built.problem
    optional = [s for s in p.stops if not s.mandatory]
    assert len(optional) == 2 and "36236" not in {s.id for s in optional}
    # Need is counted per commune: candidates carry no own value, only the levels they bring.
    assert all(s.value == 0 for s in optional)
    levels = ServiceLevels()
    for s in optional:
        own = [r for r in p.reach if r.stop == s.id and p.communes[r.commune].code == s.insee]
        existing = p.communes[own[0].commune].existing if own else 1.0
        full = levels.permanence_level(s.frequency, s.duration)
        # In its own commune a permanence brings its full level (when it beats the existing one).
        assert (own and own[0].level == pytest.approx(full)) or full <= existing
        covers = set(built.context.stops[s.id].covers)
        assert covers == {p.communes[r.commune].code for r in p.reach if r.stop == s.id}
    # The two kept are the first two of a greedy choice by need served, each counted given the
    # listed stop and the candidate chosen before it (recomputed with planner.tours.value).
    three = build(
        load_scenario(_scenario_file(tmp_path, indre_url, body.replace("max = 2", "max = 3")))
    ).problem
    chosen = {"36236"}
    for _ in range(2):
        pool = [s.id for s in three.stops if not s.mandatory and s.id not in chosen]
        chosen.add(max(pool, key=lambda c: (need_served(three, chosen | {c}).served, c)))
    assert {s.id for s in optional} == chosen - {"36236"}


@pytest.mark.slow
def test_host_sites_as_stops_and_candidates(indre_url, tmp_path):
    import shutil

    from geodata.load import store_import
    from geodata.userfiles import import_file

    copy = tmp_path / "avec-sites.sqlite"
    shutil.copy(indre_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    store_import(
        url, import_file(REPO / "scenarios" / "data" / "host-sites-indre.csv", "host_site")
    )
    body = (
        '[[stops.list]]\nsite = "rurlinette-36236"\n\n[candidates]\ncommunes = "host_sites"\nvalue '
        "= 10\n"
    )
    built = build(load_scenario(_scenario_file(tmp_path, url, body)))
    p = built.problem
    site = p.stop_by_id["rurlinette-36236"]
    assert site.mandatory and site.insee == "36236" and "Vicq-Exemplet" in site.name
    candidates = [s for s in p.stops if not s.mandatory]
    assert len(candidates) >= 10 and all(s.value == 10 for s in candidates)
    assert "rurlinette-36236" not in {s.id for s in candidates}
    bad = _scenario_file(tmp_path, url, '[[stops.list]]\nsite = "nulle-part"\n')
    with pytest.raises(
        ScenarioError, match=r"s\.toml:12: stops\.list\[0\]\.site: unknown host site 'nulle-part'"
    ):
        build(load_scenario(bad))


@pytest.mark.data
def test_standalone_commune_codes_are_checked_against_the_cog(no_database):
    text = MINIMAL.replace('id = "a"', 'id = "a"\ncommune = "36236"')
    built = build(parse_scenario(text))
    assert built.problem.stop_by_id["a"].name == "Vicq-Exemplet"
    with pytest.raises(
        ScenarioError, match=r"x\.toml:13: stops\.list\[0\]\.commune: unknown commune 36999"
    ):
        build(parse_scenario(text.replace("36236", "36999"), "scenarios/x.toml"))
