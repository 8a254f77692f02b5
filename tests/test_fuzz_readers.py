"""Property-based fuzzing of the readers of users' files: random mutations of the example files
must give the reader's own one-line error (ScenarioError, DataError), never another exception.

Mutations are what people and tools do to files: a line deleted or duplicated, a value replaced
by a hostile token (inf, nan, a decimal, markup, a control character, a huge number, an empty
string), characters swapped, the file cut short, another encoding. Findings go into the
hostile-input corpus (tests/cli/test_hostile_inputs.py) as named cases.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.errors import DataError
from geodata.userfiles import import_file
from planner.errors import ScenarioError
from planner.scenario.files import ScenarioFile, parse_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((REPO / "scenarios").glob("*.toml"))
CSV_FILES = {
    "bornes-coeur-de-brenne.csv": "borne",
    "host-sites-indre.csv": "host_site",
    "vehicles.csv": "vehicle",
}

TOKENS = [
    "inf",
    "-inf",
    "nan",
    "-1",
    "0",
    "1.5",
    "2.0",
    "1e309",
    "true",
    "[]",
    "{}",
    '""',
    '"[/]"',
    '"[bold]x[/bold]"',
    '"\\u0000"',
    '"a\\nb"',
    '"=HYPERLINK(\\"x\\")"',
    '"9999-99-99"',
    '"25:99-26:00"',
    '"99999"',
    '"<script>alert(1)</script>"',
    "99999999999999999999",
]
CELLS = [
    "",
    "inf",
    "nan",
    "-1",
    "1,5",
    "=1+1",
    "[/]",
    "\x00",
    "é" * 300,
    "99999",
    "2A999",
    "48.8;2.3",
    '"',
    "1e309",
    "-999",
    "lundi 25:00-26:00",
]

_VALUE = re.compile(r"=\s*(.+)$")


@st.composite
def mutated_toml(draw: st.DrawFn) -> tuple[str, str]:
    path = draw(st.sampled_from(SCENARIOS))
    lines = path.read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["value", "delete", "duplicate", "swap", "cut"]))
        if op == "value" and _VALUE.search(lines[i]):
            token = draw(st.sampled_from(TOKENS))
            lines[i] = _VALUE.sub(lambda m: "= " + token, lines[i], count=1)
        elif op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap" and len(lines[i]) > 2:
            j = draw(st.integers(0, len(lines[i]) - 2))
            s = lines[i]
            lines[i] = s[:j] + s[j + 1] + s[j] + s[j + 2 :]
        elif op == "cut":
            lines = lines[: i + 1]
    return path.name, "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_toml())
def test_a_mutated_scenario_is_read_or_refused_in_one_line(case):
    name, text = case
    try:
        result = parse_scenario(text, name)
    except ScenarioError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(name), message
    else:
        assert isinstance(result, ScenarioFile)


@st.composite
def mutated_csv(draw: st.DrawFn) -> tuple[str, str, bytes]:
    name = draw(st.sampled_from(sorted(CSV_FILES)))
    rows = (REPO / "scenarios" / "data" / name).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(rows) - 1))
        op = draw(st.sampled_from(["cell", "delete", "duplicate", "separator", "cut"]))
        if op == "cell":
            cells = rows[i].split(";")
            j = draw(st.integers(0, len(cells) - 1))
            cells[j] = draw(st.sampled_from(CELLS))
            rows[i] = ";".join(cells)
        elif op == "delete" and len(rows) > 1:
            del rows[i]
        elif op == "duplicate":
            rows.insert(i, rows[i])
        elif op == "separator":
            rows[i] = rows[i].replace(";", ",")
        elif op == "cut":
            rows[i] = rows[i][: draw(st.integers(0, len(rows[i])))]
    text = "\n".join(rows) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return name, CSV_FILES[name], text.encode(encoding, errors="replace")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_csv())
def test_a_mutated_csv_file_is_imported_or_refused_with_its_name(tmp_path_factory, case):
    name, kind, content = case
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(content)
    try:
        result = import_file(path, kind)
    except DataError as exc:
        assert name in str(exc).splitlines()[0], str(exc)
    else:
        assert len(result.records) >= 1


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_the_unmutated_examples_are_read(path):
    assert parse_scenario(path.read_text(encoding="utf-8"), path.name).scenario.name


def _plan_json() -> str:
    """A small plan with a lunch break, an unserved stop and a typed meta, as JSON."""
    from planner.tours.meta import PlanMeta
    from planner.tours.plan import Plan, Route, Visit

    routes = [
        Route("van", 0, 540.0, 760.0, [Visit("a", 570.0, 600.0, 750.0)]),
        Route("van", 3, 500.0, 1000.0, [Visit("b", 560.0, 600.0, 960.0)], lunch=(750.0, 810.0)),
    ]
    meta = PlanMeta(engine="periodic", seed=3, time_limit=10.0, deterministic=True)
    return Plan(routes, unserved=["c"], problem="p", meta=meta).to_json()


PLAN_TOKENS = ["NaN", "Infinity", "-Infinity", "-1", "1e400", "null", "true", '"x"', "[]", "{}"]
PLAN_TOKENS += ['"a\\nb"', "3.5", "99999"]


@st.composite
def mutated_plan(draw: st.DrawFn) -> str:
    text = _plan_json()
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["value", "cut", "delete"]))
        values = list(re.finditer(r'(?<=": )[^,\n\[\]{}]+', text))
        if op == "value" and values:
            m = values[draw(st.integers(0, len(values) - 1))]
            text = text[: m.start()] + draw(st.sampled_from(PLAN_TOKENS)) + text[m.end() :]
        elif op == "cut":
            text = text[: draw(st.integers(0, len(text)))]
        elif op == "delete" and text.strip():
            lines = text.splitlines()
            del lines[draw(st.integers(0, len(lines) - 1))]
            text = "\n".join(lines)
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_plan())
def test_a_mutated_plan_file_is_read_or_refused_in_one_line(tmp_path_factory, text):
    from planner.errors import PlanError
    from planner.tours.plan import Plan

    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(text, encoding="utf-8")
    try:
        plan = Plan.read(path)
    except PlanError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(str(path)), message
    else:
        for route in plan.routes:
            times = [route.depart, route.ret] + [
                t for v in route.visits for t in (v.arrival, v.start, v.end)
            ]
            assert all(0 <= t <= 48 * 60 for t in times)
