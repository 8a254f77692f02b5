"""``[stability]`` end to end: bad keys are one-line errors (exit 2, nothing written); published
days from the stops' own keys, a previous plan or La Rur@linette's published rota are kept when
no change pays, and the printout says, commune by commune, what changes for residents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.test_planning_cli import SMALL
from planner.scenario.build import build
from planner.scenario.files import load_scenario
from planner.scenario.pipeline import plan_scenario, solve_options
from support.checks import assert_one_line_error

REPO = Path(__file__).resolve().parents[2]
TUESDAY_WEEK_1 = 1  # day index of "mardi semaine 1" in a 2-week Monday-Friday cycle


def _scenario(tmp_path, extra: str, stops: str = "") -> Path:
    text = SMALL.replace('name = "Rosnay"\n', 'name = "Rosnay"\n' + stops, 1) + extra
    path = tmp_path / "stable.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "stops", "needle"),
    [
        (
            "[stability]\nday_change = -5\n",
            "",
            "day_change: expected greater than or equal to 0, got -5",
        ),
        ("[stability]\ntime_change = -1\n", "", "stability.time_change"),
        ("[stability]\ntime_tolerance = 500\n", "", "stability.time_tolerance: expected at most"),
        ('[stability]\nrota = "2394"\n', "", "stability.rota: a published rota is read from"),
        (
            '[stability]\npublished = "a.toml"\nrota = "2394"\n',
            "",
            "published (a scenario file) or rota",
        ),
        ("", 'published_start = "09:30"\n', "published_start needs published_day"),
        ("", 'published_day = "mardi"\npublished_start = "9h"\n', 'expected a time "HH:MM"'),
    ],
)
def test_bad_stability_keys_are_one_line_errors(run_cli, tmp_path, extra, stops, needle):
    path = _scenario(tmp_path, extra, stops)
    out = tmp_path / "plan.json"
    code, _, err = run_cli("plan", path, "-o", out, "--time-limit", "1")
    assert_one_line_error(code, err, needle)
    assert not out.exists()


def test_a_stop_keeps_its_published_day_and_the_printout_says_so(run_cli, tmp_path):
    path = _scenario(tmp_path, "[stability]\n", 'published_day = "mardi semaine 1"\n')
    out = tmp_path / "plan.json"
    code, stdout, err = run_cli("plan", path, "-o", out, "--time-limit", "2")
    assert code == 0, err
    plan = json.loads(out.read_text(encoding="utf-8"))
    days = [r["day"] for r in plan["routes"] for v in r["visits"] if v["stop"] == "rosnay"]
    assert days == [TUESDAY_WEEK_1]
    assert "Ce qui change pour les habitants" in stdout
    assert "1 commune sur 1 garde son jour publié." in stdout
    assert "- Rosnay : jour inchangé" in stdout
    assert plan["meta"]["stability"]["stops"] == [
        {"stop": "rosnay", "name": "Rosnay", "status": "unchanged", "change": "jour inchangé"}
    ]


def test_with_stability_a_previous_plan_gives_the_published_days(run_cli, tmp_path):
    path = _scenario(tmp_path, "[stability]\n")
    first, second = tmp_path / "p1.json", tmp_path / "p2.json"
    assert run_cli("plan", path, "-o", first, "--time-limit", "2", "-q")[0] == 0
    assert "stability" not in json.loads(first.read_text(encoding="utf-8"))["meta"]
    code, _, err = run_cli("plan", path, "--initial", first, "-o", second, "--time-limit", "2")
    assert code == 0, err
    figures = json.loads(second.read_text(encoding="utf-8"))["meta"]["validation"]["figures"]
    assert figures["published_stops"] == 3  # Rosnay, Ciron and the request, from the first plan
    assert figures["published_day_changed"] == 0


@pytest.mark.slow
def test_the_optimised_rurlinette_keeps_every_published_day(indre_url):
    f = load_scenario(REPO / "scenarios" / "rurlinette-optimisee.toml")
    done = plan_scenario(f, db=indre_url, options=solve_options(f, time_limit=10))
    fig = done.report.figures
    assert done.report.ok, done.report.lines(5)
    assert (fig.published_stops, fig.published_stops_same_days) == (19, 19)
    assert fig.published_day_changed == 0
    assert done.plan.meta.stability["summary"].startswith("19 communes sur 19 gardent")
    migne = next(c for c in fig.published_changes if c.stop == "36124")  # "2e lundi Migné"
    assert migne.days_after == [5] and done.built.problem.horizon.days[5].week == 1


@pytest.mark.slow
def test_the_rota_itself_gives_the_same_published_days_as_the_asis_file(indre_url, tmp_path):
    path = REPO / "scenarios" / "rurlinette-optimisee.toml"
    text = path.read_text(encoding="utf-8")
    assert 'published = "rurlinette-actuelle.toml"' in text
    by_rota = tmp_path / "par-rota.toml"
    by_rota.write_text(
        text.replace('published = "rurlinette-actuelle.toml"', 'rota = "2394"\ndepartement = "36"'),
        encoding="utf-8",
    )
    from_file, from_rota = (
        {
            s.id: (s.published.days, s.published.start) if s.published else None
            for s in build(load_scenario(p), db=indre_url).problem.stops
        }
        for p in (path, by_rota)
    )
    assert from_file == from_rota  # the vehicle: the file names it, the rota alone does not
    published = {k: v for k, v in from_file.items() if v is not None}
    assert len(published) == 19
    assert published["36236"] == ((0,), 600.0)  # "1er lundi Vicq-Exemplet", opening at 10:00
    assert published["36215"][0] == (20,)  # Ségry: "dernier jour du mois"


def test_a_published_file_must_exist_and_hold_a_rota(run_cli, tmp_path, sqlite_url):
    with_db = SMALL.replace("[data]\nstandalone = true\n", "")
    other = tmp_path / "autre.toml"
    other.write_text(with_db, encoding="utf-8")
    for target, needle in (
        ("absent.toml", f"stability.published: no such scenario file: {tmp_path / 'absent.toml'}"),
        ("autre.toml", "stability.published: autre.toml has no [asis] section"),
    ):
        path = tmp_path / "stable.toml"
        path.write_text(with_db + f'[stability]\npublished = "{target}"\n', encoding="utf-8")
        out = tmp_path / "plan.json"
        code, _, err = run_cli("plan", path, "--db", sqlite_url, "-o", out, "--time-limit", "1")
        assert_one_line_error(code, err, needle)
        assert not out.exists()
