"""Every example scenario of ``scenarios/`` loads, builds against the territory it names and
plans, with a short time limit, into a plan the independent validator accepts.

The départements to load are read from the scenarios themselves (``[territory]``, ``[asis]``,
the communes of bases, stops and requests), so a new example needs no change here; they are
loaded once, into one SQLite database, from the pinned data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from planner.engine.bound import value_bound
from planner.scenario.files import ScenarioFile, load_scenario
from planner.scenario.pipeline import plan_scenario, solve_options
from planner.scenario.values import PERSONAL_FIELDS

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "scenarios").glob("*.toml"))
TIME_LIMIT = 3.0  # seconds of search: enough for a valid plan, not for a good one


def _communes(data: Any) -> set[str]:
    """Every INSEE code written as a ``commune`` (or bare ``base``) anywhere in the file."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("commune", "base", "end_base") and isinstance(value, str):
                found.add(value)
            else:
                found |= _communes(value)
    elif isinstance(data, list):
        for value in data:
            found |= _communes(value)
    return found


def departements_of(f: ScenarioFile) -> set[str]:
    """The départements a scenario needs loaded (none for a standalone one)."""
    sc = f.scenario
    if sc.data.standalone:
        return set()
    codes = set(sc.territory.departements)
    if sc.asis is not None and sc.asis.departement:
        codes.add(sc.asis.departement)
    for insee in _communes(f.data):
        if re.fullmatch(r"\d{5}|2[AB]\d{3}", insee):
            codes.add(insee[:3] if insee.startswith("97") else insee[:2])
    return codes


def test_the_examples_the_issue_asks_for_are_there():
    names = {p.name for p in SCENARIOS}
    assert {"deux-vans-indre.toml", "connectobus-loiret.toml", "vierzon.toml"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_example_loads_and_says_what_it_needs(path):
    f = load_scenario(path)
    assert f.scenario.name and f.scenario.description
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#"), "an example starts with comments saying what it is"
    if not f.scenario.data.standalone:
        needed = departements_of(f)
        assert needed, "a scenario with data names the départements it needs"
        for code in needed:  # the header tells users what to load
            assert f"--departement {code}" in text or "--region" in text, code


def test_requests_personal_fields_in_examples_are_fake_placeholders():
    for path in SCENARIOS:
        for r in load_scenario(path).scenario.requests:
            for key, value in r.personal().items():
                assert key in PERSONAL_FIELDS
                assert re.search(
                    r"fictif|fictive|exemple|00 00|example\.invalid", value, re.IGNORECASE
                ), (path, key)


@pytest.fixture(scope="module")
def territory_url(shared_data, tmp_path_factory) -> str:
    """One SQLite database with every département the examples need."""
    from geodata.load import load_area

    url = f"sqlite:///{tmp_path_factory.mktemp('examples') / 'examples.sqlite'}"
    for code in sorted(set().union(*(departements_of(load_scenario(p)) for p in SCENARIOS))):
        load_area(url, departement=code)
    return url


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_example_plans_into_a_valid_plan(path, territory_url):
    f = load_scenario(path)
    db = None if f.scenario.data.standalone else territory_url
    done = plan_scenario(f, db=db, options=solve_options(f, time_limit=TIME_LIMIT))
    assert done.report.ok, done.report.lines(5)
    fig = done.report.figures
    assert fig.mandatory_served == fig.mandatory_total
    assert fig.visits > 0, "an example that plans nothing shows nothing"
    if not done.built.is_asis:
        assert fig.stops_served + fig.requests_served > 0
    # A vehicle whose area is départements never leaves them (read from the file, not the model).
    areas = {
        v.id: set(v.area)
        for v in f.scenario.vehicles
        if v.area and all(len(code) <= 3 for code in v.area)
    }
    for route in done.plan.routes:
        for visit in route.visits if route.vehicle in areas else ():
            insee = done.built.problem.stop_by_id[visit.stop].insee or ""
            assert insee[: 3 if insee.startswith("97") else 2] in areas[route.vehicle], visit
    # The proven bound recorded with the plan is the relaxation's, and no lower than what the
    # plan serves by the validator's count.
    bound = done.plan.meta.figures.get("need_bound")
    if done.built.problem.communes:
        again = value_bound(done.built.problem, own_values=False).value
        assert bound == pytest.approx(again, abs=0.06)
        assert fig.need_served <= again + 1e-6
    else:
        assert bound is None
    plan_json = done.plan.to_json()
    for r in f.scenario.requests:  # personal data never reaches the plan
        for value in r.personal().values():
            assert value not in plan_json
