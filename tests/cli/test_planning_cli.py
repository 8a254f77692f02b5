"""``itinerance plan`` and ``itinerance evaluate`` end to end, in-process.

A small standalone scenario (coordinates only, no database) is planned with a short time limit;
its JSON plan is read back, checked and evaluated; bad inputs give one ``error:`` line, exit
code 2 and no output file. La Rur@linette's rota is evaluated from an Indre database loaded
once for the module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.scenario.build import build
from planner.scenario.files import load_scenario
from planner.scenario.provenance import sha256_of
from planner.tours.plan import Plan
from planner.tours.validator import validate
from support.checks import assert_one_line_error

REPO = Path(__file__).resolve().parents[2]

SMALL = """\
schema_version = 1
name = "Petit essai"

[data]
standalone = true

[horizon]
weeks = 2

[[vehicles]]
id = "van"
name = "Le van"
base = { name = "Le Blanc", lon = 1.0968, lat = 46.6354 }
shift = "08:30-17:30"

[stops]
permanence = 120
frequency = "fortnightly"

[[stops.list]]
id = "rosnay"
name = "Rosnay"
lon = 1.2043
lat = 46.7106

[[stops.list]]
id = "ciron"
name = "Ciron"
lon = 1.2420
lat = 46.6256
frequency = "weekly"

[[requests]]
id = "r1"
lon = 1.1237
lat = 46.7009
duration = 45
windows = ["mardi semaine 1 09:00-12:00"]
requester_name = "Jeanne Testeuse"
requester_phone = "01 23 45 67 89"

[solver]
time_limit = 2
seed = 3
"""


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "petit.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture
def planned(small, tmp_path, run_cli) -> tuple[Path, str]:
    out = tmp_path / "plan.json"
    code, stdout, err = run_cli("plan", small, "-o", out, "--time-limit", "2")
    assert code == 0, err
    return out, stdout


@pytest.mark.slow
def test_plan_writes_a_valid_plan_with_its_provenance(planned, small):
    out, stdout = planned
    data = json.loads(out.read_text(encoding="utf-8"))
    plan = Plan.from_dict(data)
    built = build(load_scenario(small))
    assert validate(built.problem, plan).ok
    assert plan.problem == "Petit essai"
    meta = data["meta"]
    assert meta["inputs"] == [{"role": "scenario", "path": str(small), "sha256": sha256_of(small)}]
    assert meta["engine"] == "periodic" and meta["seed"] == 3 and meta["time_limit"] == 2
    assert {"itinerance", "ortools", "python"} <= set(meta["versions"])
    assert meta["data"] == {"database": None, "datasets": []}
    assert meta["validation"]["ok"] and meta["validation"]["figures"]["stops_served"] == 2
    assert meta["context"]["stops"]["ciron"]["name"] == "Ciron"
    # The printout: the rota per day and the pattern of each stop, in French.
    assert "Le van — base : Le Blanc" in stdout
    assert "Semaine 1 — " in stdout and "départ " in stdout and "→ retour " in stdout
    assert "- Ciron : chaque " in stdout and "Plan valide" in stdout


@pytest.mark.slow
def test_plan_never_writes_personal_data(planned):
    out, stdout = planned
    text = out.read_text(encoding="utf-8")
    for secret in ("Jeanne", "Testeuse", "01 23 45 67 89"):
        assert secret not in text and secret not in stdout
    assert "Visite r1" in stdout


@pytest.mark.slow
def test_evaluate_a_plan_against_its_scenario(planned, small, run_cli, tmp_path):
    out, _ = planned
    report = tmp_path / "rapport.json"
    code, stdout, err = run_cli("evaluate", small, "--plan", out, "--json", report)
    assert code == 0, err
    assert "Par mois (permanences régulières) :" in stdout and "Plan valide" in stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["validation"]["ok"] and {i["role"] for i in data["meta"]["inputs"]} == {
        "scenario",
        "plan",
    }


@pytest.mark.slow
def test_evaluate_reports_violations_with_exit_code_1(planned, small, run_cli, tmp_path):
    out, _ = planned
    data = json.loads(out.read_text(encoding="utf-8"))
    route = data["routes"][0]
    route["depart"] = 7 * 60.0  # leaves before the shift starts at 8:30
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    code, stdout, _ = run_cli("evaluate", small, "--plan", broken)
    assert code == 1
    assert "Plan NON valide" in stdout and "départ avant la prise de service" in stdout


@pytest.mark.slow
def test_a_plan_that_does_not_match_its_scenario_is_a_plan_error(planned, small, run_cli, tmp_path):
    out, _ = planned
    data = json.loads(out.read_text(encoding="utf-8"))
    data["routes"][0]["visits"][0]["stop"] = "nowhere"
    data["routes"][-1]["day"] = 42
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run_cli("evaluate", small, "--plan", other)
    assert_one_line_error(
        code,
        err,
        f"{other}: does not match scenario {small}",
        "stop 'nowhere' is not in the scenario",
        "(and 1 more)",
    )


def test_bad_scenario_gives_one_line_and_no_output(run_cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(SMALL.replace('shift = "08:30-17:30"', 'shift = "8h"'), encoding="utf-8")
    out = tmp_path / "plan.json"
    code, _, err = run_cli("plan", path, "-o", out)
    assert_one_line_error(
        code, err, f'{path}:14: vehicles[0].shift: expected "HH:MM-HH:MM", got "8h"'
    )
    assert not out.exists() and list(tmp_path.iterdir()) == [path]


def test_output_in_a_missing_folder_fails_before_planning(small, run_cli, tmp_path):
    code, _, err = run_cli("plan", small, "-o", tmp_path / "absent" / "plan.json")
    assert_one_line_error(code, err, "does not exist")


def test_infeasible_scenario_explains_each_stop_and_writes_nothing(run_cli, tmp_path):
    path = tmp_path / "impossible.toml"
    text = SMALL.replace('shift = "08:30-17:30"', 'shift = "08:30-17:30"\nweekdays = ["lundi"]')
    path.write_text(
        text.replace("lat = 46.7106", 'lat = 46.7106\nweekdays = ["mardi"]'), encoding="utf-8"
    )
    out = tmp_path / "plan.json"
    code, _, err = run_cli("plan", path, "-o", out)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith(f"error: {path}: the problem is infeasible")
    assert any(line.startswith("- ") and "Rosnay" in line for line in lines), err
    assert not out.exists()


def test_evaluate_needs_a_plan_or_a_rota(small, run_cli):
    assert_one_line_error(*run_cli("evaluate", small)[::2], "give --plan PLAN.json")
    assert_one_line_error(*run_cli("evaluate")[::2], "give a scenario file")


# --- La Rur@linette, from the real data -------------------------------------------------------


@pytest.mark.slow
def test_evaluate_rurlinette_rota_in_french(indre_url, run_cli):
    code, stdout, err = run_cli(
        "evaluate", "--rota", "2394", "--departement", "36", "--db", indre_url
    )
    assert code == 0, err
    assert "Bus France services La Rur@linette — base : Châteauroux" in stdout
    assert (
        "1er lundi : départ " in stdout
        and "Vicq-Exemplet 10:00–16:00 (pause 12:30–13:30)" in stdout
    )
    assert (
        "- Migné : 2e lundi du mois, 10:00–16:00 (pause déjeuner 12:30–13:30) — 5 h de présence "
        "par mois" in stdout
    )
    assert (
        "Par mois : " in stdout
        and "95 h de présence" in stdout
        and "Arrêts desservis : 19 sur 19" in stdout
    )
    assert "« Avail »" in stdout and "Plan valide" in stdout


@pytest.mark.slow
def test_plan_of_the_asis_scenario_records_the_data_vintages(indre_url, run_cli, tmp_path):
    out = tmp_path / "actuelle.json"
    code, _, err = run_cli(
        "plan", REPO / "scenarios" / "rurlinette-actuelle.toml", "--db", indre_url, "-o", out, "-q"
    )
    assert code == 0, err
    meta = json.loads(out.read_text(encoding="utf-8"))["meta"]
    assert meta["engine"] == "asis" and meta["service"] == "fs:2394"
    vintages = {d["dataset"]: d["vintage"] for d in meta["data"]["datasets"]}
    assert vintages["france-services"] == "2024-08-01" and vintages["communes"] == "COG 2026"
    assert all(len(d["sha256"]) == 64 for d in meta["data"]["datasets"])
    code, stdout, err = run_cli(
        "evaluate",
        REPO / "scenarios" / "rurlinette-actuelle.toml",
        "--plan",
        out,
        "--db",
        indre_url,
        "-q",
    )
    assert code == 0, err
    assert "Plan valide" in stdout


def test_unknown_rota_is_one_line(run_cli, sqlite_url):
    code, _, err = run_cli("evaluate", "--rota", "999999", "--db", sqlite_url)
    assert_one_line_error(code, err, "999999")


@pytest.mark.slow
def test_deterministic_plans_are_reproducible(run_cli, tmp_path):
    path = tmp_path / "det.toml"
    path.write_text(SMALL + "deterministic = true\n", encoding="utf-8")
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    for out in outs:
        code, _, err = run_cli("plan", path, "-o", out, "-q")
        assert code == 0, err
    a, b = (json.loads(out.read_text(encoding="utf-8")) for out in outs)
    assert a["routes"] == b["routes"] and a["unserved"] == b["unserved"]
    assert "created" not in a["meta"] and a["meta"]["objective"] == b["meta"]["objective"]
    cut = a["meta"]["figures"].get("budget_cut_by_time_limit") or b["meta"]["figures"].get(
        "budget_cut_by_time_limit"
    )
    if not cut:  # the engine's work budget, not the clock, ended both searches: the same file
        assert outs[0].read_bytes() == outs[1].read_bytes()


# --- re-planning from an existing plan ----------------------------------------------------------

PAULNAY = """
[[stops.list]]
name = "Paulnay"
id = "paulnay"
lon = 1.1615
lat = 46.8461
"""


def _routes(plan: dict) -> dict[tuple[str, int], list[str]]:
    return {(r["vehicle"], r["day"]): [v["stop"] for v in r["visits"]] for r in plan["routes"]}


@pytest.fixture
def first_plan(run_cli, tmp_path) -> tuple[Path, Path, Path]:
    """The standalone example planned, and the same scenario with one more stop (Paulnay)."""
    example = REPO / "scenarios" / "exemple-autonome.toml"
    text = example.read_text(encoding="utf-8")
    before, after = tmp_path / "avant.toml", tmp_path / "apres.toml"
    before.write_text(text, encoding="utf-8")
    after.write_text(text.replace("[[requests]]", PAULNAY + "\n[[requests]]", 1), encoding="utf-8")
    plan = tmp_path / "p1.json"
    code, _, err = run_cli("plan", before, "-o", plan, "--time-limit", "2", "-q")
    assert code == 0, err
    return before, after, plan


def test_replanning_keeps_the_frozen_week_and_places_the_new_stop(run_cli, first_plan, tmp_path):
    _, after, p1 = first_plan
    p2 = tmp_path / "p2.json"
    code, out, err = run_cli(
        "plan",
        after,
        "--initial",
        p1,
        "--freeze-weeks",
        "1",
        "--freeze-stops",
        "mezieres",
        "-o",
        p2,
        "--time-limit",
        "2",
        "-q",
    )
    assert code == 0, err
    assert "Plan valide" in out
    old, new = (
        json.loads(p1.read_text(encoding="utf-8")),
        json.loads(p2.read_text(encoding="utf-8")),
    )
    week1 = set(new["meta"]["frozen"]["days"])
    assert week1 == {0, 1, 2, 3, 4}
    assert {k: v for k, v in _routes(old).items() if k[1] in week1} == {
        k: v for k, v in _routes(new).items() if k[1] in week1
    }  # the committed week, visit for visit
    mezieres = lambda p: sorted(k for k, v in _routes(p).items() if "mezieres" in v)  # noqa: E731
    assert mezieres(old) == mezieres(new)  # a frozen stop keeps its days and vehicle
    assert "paulnay" in {s for v in _routes(new).values() for s in v}
    assert new["meta"]["frozen"]["stops"] == ["mezieres"]
    initial = next(i for i in new["meta"]["inputs"] if i["role"] == "initial plan")
    assert initial["sha256"] == sha256_of(p1)
    f = load_scenario(after)
    assert validate(build(f).problem, Plan.read(p2)).ok


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--freeze-weeks", "1"], "need --initial"),
        (["--initial", "{plan}", "--freeze-weeks", "3"], "week 3 is not in the 2-week cycle"),
        (["--initial", "{plan}", "--freeze-weeks", "un"], "expected week numbers"),
        (
            ["--initial", "{plan}", "--freeze-stops", "paris"],
            "'paris' is not served by the initial plan",
        ),
    ],
)
def test_bad_replanning_options_are_one_line_errors(run_cli, first_plan, tmp_path, args, needle):
    _, after, p1 = first_plan
    out = tmp_path / "p2.json"
    code, _, err = run_cli("plan", after, *[a.format(plan=p1) for a in args], "-o", out)
    assert_one_line_error(code, err, needle)
    assert not out.exists()


def test_an_initial_plan_of_another_scenario_is_refused(run_cli, first_plan, tmp_path):
    _, _, p1 = first_plan
    other = tmp_path / "autre.toml"
    other.write_text(SMALL, encoding="utf-8")
    code, _, err = run_cli("plan", other, "--initial", p1)
    assert_one_line_error(code, err, "does not match scenario")
