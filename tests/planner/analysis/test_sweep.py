"""Parameter sweeps (planner.analysis.sweep): variables, combinations, the Pareto front, one point's
solve, and the same sweep run by local worker processes and by a Dask cluster started here.

Unit tests use hand-made values and points; the solving tests use a small standalone scenario
(coordinates only, no database) with a small iteration budget.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest

from planner.analysis.sweep import (
    VARIABLES,
    Outcome,
    Sweep,
    SweepError,
    best_so_far_fr,
    columns,
    combinations,
    evaluate_point,
    label_fr,
    mark_front,
    pareto_front,
    parse_variations,
    plan_tasks,
    point_options,
    run_sweep,
    scenario_keys,
    to_csv,
    work_budget,
)
from planner.scenario.files import parse_scenario

# A van based in Le Blanc, a 4-week cycle, day-long permanences (one commune a day): one
# mandatory stop and 11 optional ones whose values decrease. Fortnightly, one van cannot serve
# them all (24 visits for 20 days), two can; monthly, one van is enough and a second only costs.
SWEEP_SCENARIO = """\
schema_version = 1
name = "Balayage d'essai"

[data]
standalone = true

[horizon]
weeks = 4

[[vehicles]]
id = "van"
name = "Le van"
base = { name = "Le Blanc", lon = 1.0968, lat = 46.6354 }
shift = "08:30-17:30"
purchase_cost = 60000
lifetime_years = 10

[stops]
permanence = "journée"
frequency = "monthly"
mandatory = false

[[stops.list]]
name = "Mézières-en-Brenne"
lon = 1.2551
lat = 46.8081
mandatory = true
{optional}
[solver]
time_limit = 1
seed = 7
"""

_OPTIONAL = [
    ("Saint-Gaultier", 1.4302, 46.6484, 900),
    ("Rosnay", 1.2043, 46.7106, 800),
    ("Ciron", 1.2420, 46.6256, 700),
    ("Martizay", 1.0387, 46.8071, 600),
    ("Saulnay", 1.2588, 46.8711, 500),
    ("Ruffec", 1.1980, 46.6300, 400),
    ("Concremiers", 1.0200, 46.6000, 300),
    ("Pouligny-Saint-Pierre", 1.0500, 46.6800, 200),
    ("Lurais", 0.9500, 46.7000, 150),
    ("Néons-sur-Creuse", 0.9300, 46.7400, 120),
    ("Douadic", 1.0800, 46.7000, 100),
]
SMALL = SWEEP_SCENARIO.replace(
    "{optional}",
    "".join(
        f'\n[[stops.list]]\nname = "{n}"\nlon = {lon}\nlat = {lat}\nvalue = {v}\n'
        for n, lon, lat, v in _OPTIONAL
    ),
)
ITERATIONS = 200  # small: the tests check reproducibility, not quality


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "balayage.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def scenario(text: str = SMALL):
    return parse_scenario(text, "balayage.toml")


# --- variables ------------------------------------------------------------------------------------


def test_variations_are_parsed_into_scenario_types():
    v = parse_variations(
        [
            "vehicles=1,2,3",
            "threshold=20, 30,12.5",
            "frequency=mensuel,fortnightly",
            "permanence=journée,120",
            "weeks=2,4",
        ]
    )
    assert v == {
        "vehicles": [1, 2, 3],
        "threshold": [20, 30, 12.5],
        "frequency": ["monthly", "fortnightly"],
        "permanence": ["journée", 120],
        "weeks": [2, 4],
    }
    assert all(type(x) is int for x in v["vehicles"])


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        ("vans=1,2", "unknown variable; expected one of: vehicles, threshold, frequency"),
        ("vehicles=0", "expected a whole number of at least 1, got '0'"),
        ("vehicles=1,deux", "got 'deux'"),
        ("threshold=-5", "expected a positive number"),
        ("frequency=daily", "expected weekly, fortnightly or monthly"),
        ("weeks=3", "expected 1, 2 or 4 weeks"),
        ("vehicles=1,,2", "none empty"),
        ("vehicles", "expected NAME=VALUE"),
        ("vehicles=2,2", "'2' is given twice"),
    ],
)
def test_bad_variations_name_the_option_and_what_was_expected(option, needle):
    with pytest.raises(SweepError) as err:
        parse_variations([option])
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_a_variable_given_twice_or_none_at_all_is_refused():
    with pytest.raises(SweepError, match="given twice"):
        parse_variations(["vehicles=1", "vehicles=2"])
    with pytest.raises(SweepError, match="at least one --vary"):
        parse_variations([])


def test_every_variable_has_french_words_and_a_doc():
    for var in VARIABLES.values():
        assert var.doc and var.label_fr
    assert label_fr({"vehicles": 1, "frequency": "fortnightly"}) == "1 véhicule, tous les 15 jours"
    assert label_fr({"vehicles": 3, "threshold": 12.5}) == "3 véhicules, seuil 12,5 min"


def test_combinations_are_the_cartesian_product_first_variable_slowest():
    combos = combinations(
        {"vehicles": [1, 2], "frequency": ["monthly", "weekly"], "seed": [0, 1, 2]}
    )
    assert len(combos) == 12
    assert combos[0] == {"vehicles": 1, "frequency": "monthly", "seed": 0}
    assert combos[1] == {"vehicles": 1, "frequency": "monthly", "seed": 1}
    assert combos[-1] == {"vehicles": 2, "frequency": "weekly", "seed": 2}
    assert len({tuple(c.values()) for c in combos}) == 12


def test_variables_set_the_scenario_keys_they_document():
    f = scenario()
    g = f.with_values(
        scenario_keys(
            f,
            {
                "vehicles": 3,
                "frequency": "fortnightly",
                "threshold": 20,
                "shift": "08:00-18:00",
                "seed": 4,
            },
        )
    )
    sc = g.scenario
    assert sc.vehicles[0].count == 3
    assert sc.stops.frequency.value == "fortnightly"
    assert sc.coverage.threshold == 20
    assert sc.vehicles[0].shift == (480.0, 1080.0)
    assert sc.solver.seed == 4
    assert f.scenario.vehicles[0].count == 1  # the base is untouched


def test_vehicles_counts_the_whole_fleet_when_the_scenario_has_several_tables():
    two = SMALL.replace(
        "[stops]",
        '[[vehicles]]\nid = "minibus"\nbase = { lon = 1.2551, lat = 46.8081 }\ncount = '
        "2\n\n[stops]",
    )
    f = scenario(two)
    assert scenario_keys(f, {"vehicles": 5}) == {"vehicles[0].count": 3}
    with pytest.raises(ValueError, match="cannot be smaller than 3"):
        scenario_keys(f, {"vehicles": 2})


def test_frequency_also_sets_the_candidates_own_frequency_when_given():
    with_candidates = SMALL.replace("[data]\nstandalone = true\n", "").replace(
        "[solver]", '[candidates]\ncommunes = ["36018"]\nfrequency = "weekly"\n\n[solver]'
    )
    f = scenario(with_candidates)
    assert scenario_keys(f, {"frequency": "monthly"}) == {
        "stops.frequency": "monthly",
        "candidates.frequency": "monthly",
    }
    assert scenario_keys(scenario(), {"frequency": "monthly"}) == {"stops.frequency": "monthly"}


def test_a_value_invalid_on_its_own_stops_the_sweep_before_anything_runs(small):
    f = scenario()
    with pytest.raises(SweepError, match=r"--vary vehicles=60: .*vehicles\[0\]\.count"):
        run_sweep(f, {"vehicles": [1, 60]})
    with pytest.raises(
        SweepError, match="--vary candidates=5: the scenario has no candidates table"
    ):
        run_sweep(f, {"candidates": [5]})
    with pytest.raises(
        SweepError, match="--axis population: coverage needs the territory database"
    ):
        run_sweep(f, {"vehicles": [1]}, axis="population")


def test_combinations_invalid_only_together_are_reported_not_solved():
    weekly = scenario(SMALL.replace('frequency = "monthly"', 'frequency = "weekly"'))
    tasks, failed = plan_tasks(weekly, {"weeks": [1, 4], "frequency": ["weekly", "fortnightly"]})
    assert [values for _, values, _ in tasks] == [
        {"weeks": 1, "frequency": "weekly"},
        {"weeks": 4, "frequency": "weekly"},
        {"weeks": 4, "frequency": "fortnightly"},
    ]
    assert len(failed) == 1
    bad = failed[0]
    assert bad.index == 1 and bad.status == "scenario" and not bad.ok
    assert "fortnightly stop needs a cycle of at least 2 weeks" in bad.reason


def test_a_sweep_of_invalid_combinations_only_needs_no_cluster():
    weekly = scenario(SMALL.replace('frequency = "monthly"', 'frequency = "weekly"'))
    sweep = run_sweep(weekly, {"weeks": [1], "frequency": ["fortnightly"]}, workers=1)
    assert [o.status for o in sweep.outcomes] == ["scenario"]
    assert sweep.front == []
    assert sweep.meta["sweep"]["combinations"] == 1
    assert sweep.meta["inputs"][0]["role"] == "scenario"


# --- the work budget ------------------------------------------------------------------------------


def test_points_are_solved_deterministically_with_an_iteration_budget():
    from planner.engine.periodic import Tuning

    f = scenario()  # [solver] time_limit = 1, seed = 7
    options = point_options(f)
    assert options.deterministic and options.seed == 7
    assert options.iterations == work_budget(1) == round(Tuning().iterations_per_second)
    assert options.time_limit >= 60  # the safety net, far above the budget
    assert point_options(f, iterations=123).iterations == 123


# --- the front ------------------------------------------------------------------------------------


def test_pareto_front_keeps_the_points_nothing_beats():
    cost = [10, 20, 30, 25, 40]
    cover = [100, 200, 300, 150, 290]
    # (25, 150) is beaten by (20, 200); (40, 290) by (30, 300)
    assert pareto_front(cost, cover).tolist() == [True, True, True, False, False]


def test_pareto_front_ties_and_duplicates():
    # Same cost, less coverage: dominated. Same coverage, more cost: dominated.
    assert pareto_front([10, 10], [100, 90]).tolist() == [True, False]
    assert pareto_front([10, 12], [100, 100]).tolist() == [True, False]
    # Exact duplicates do not dominate each other: both stay.
    assert pareto_front([10, 10, 20], [100, 100, 50]).tolist() == [True, True, False]
    # One point only; an empty list.
    assert pareto_front([5], [1]).tolist() == [True]
    assert pareto_front([], []).tolist() == []


def test_pareto_front_ignores_missing_figures():
    mask = pareto_front([10, math.nan, 30], [100, 1e9, math.nan])
    assert mask.tolist() == [True, False, False]
    with pytest.raises(ValueError):
        pareto_front([1, 2], [1])


def _outcome(i: int, cost: float | None, cover: float | None, status: str = "ok") -> Outcome:
    return Outcome(
        i,
        {"vehicles": i + 1},
        status=status,
        figures={
            "cost_per_year": cost,
            "presence_hours_per_month": cover,
            "cost_per_year_with_aid": None if cost is None else cost - 50,
        },
    )


def test_failed_combinations_never_enter_the_front():
    outcomes = [
        _outcome(0, 100, 10),
        _outcome(1, 50, 20, status="infeasible"),
        _outcome(2, 200, 30),
    ]
    mark_front(outcomes, "presence")
    assert [o.front for o in outcomes] == [True, False, True]


def test_the_front_is_sorted_by_cost_and_the_table_marks_it():
    outcomes = [_outcome(0, 300, 30), _outcome(1, 100, 10), _outcome(2, 200, 5)]
    mark_front(outcomes, "presence")
    sweep = Sweep("essai", {"vehicles": [1, 2, 3]}, "presence", False, outcomes, {})
    assert [o.index for o in sweep.front] == [1, 0]
    rows = list(csv.reader(io.StringIO(to_csv(sweep)), delimiter=";"))
    header = rows[0]
    assert header[:4] == ["n°", "véhicules", "front de Pareto", "Coût annuel (€)"]
    assert header[4] == "Présence par mois (h)"
    assert [r[2] for r in rows[1:]] == ["oui", "oui", ""]
    assert rows[1][3] == "300" and rows[1][4] == "30,0"
    assert len(header) == len(columns(sweep, full=True)) + 3 == len(rows[1])
    assert header[-3:] == ["scénario", "sha256 du scénario", "itinerance"]


# --- solving ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_one_point_plans_and_measures_and_failures_become_outcomes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no balayage.toml here: like a remote worker, only the text
    f = scenario()
    ok = evaluate_point(f.text, "balayage.toml", 0, {}, {}, None, ITERATIONS)
    assert ok.ok, ok.reason
    assert ok.iterations == ITERATIONS and ok.seed == 7 and not ok.budget_cut
    assert ok.figures["stops_served"] == 12 and ok.figures["mandatory_served"] == 1
    assert ok.figures["cost_per_year"] > 6000  # at least the van's purchase spread over 10 years
    assert ok.figures["population_covered"] is None  # standalone: no coverage
    again = evaluate_point(f.text, "balayage.toml", 0, {}, {}, None, ITERATIONS)
    assert again == ok and again.plan_sha256 == ok.plan_sha256

    # A mandatory stop 300 km away cannot be reached within a working day.
    far = SMALL.replace("lon = 1.2551\nlat = 46.8081", "lon = 5.3698\nlat = 43.2965")
    bad = evaluate_point(far, "loin.toml", 3, {"vehicles": 1}, {}, None, ITERATIONS)
    assert bad.status == "infeasible" and bad.index == 3 and bad.values == {"vehicles": 1}
    assert "Mézières-en-Brenne" in bad.reason and bad.figures == {}


@pytest.mark.slow
def test_local_processes_and_a_dask_cluster_give_the_same_sweep(small):
    """The brief's sweep: vehicles 1, 2 × monthly, fortnightly, on local worker processes and on
    a LocalCluster started here, reached by its scheduler address: identical outcomes."""
    from dask.distributed import Client, LocalCluster

    from planner.scenario.files import load_scenario

    f = load_scenario(small)
    variations = parse_variations(["vehicles=1,2", "frequency=monthly,fortnightly"])
    seen: list[tuple[int, int]] = []
    local = run_sweep(
        f,
        variations,
        workers=1,
        iterations=ITERATIONS,
        on_result=lambda o, done, total: seen.append((done, total)),
    )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert local.meta["sweep"]["scheduler"] == "local"

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
    ) as cluster:
        remote = run_sweep(
            f, variations, scheduler=cluster.scheduler_address, iterations=ITERATIONS
        )
        with Client(cluster.scheduler_address) as client:
            imported = client.run(
                lambda: sorted(
                    m for m in __import__("sys").modules if m.startswith(("planner.cli", "maps"))
                )
            )
    assert remote.meta["sweep"]["scheduler"] == cluster.scheduler_address
    assert remote.meta["sweep"]["workers"] == 2
    assert all(mods == [] for mods in imported.values()), imported  # workers never import the CLI

    assert [o.status for o in local.outcomes] == ["ok"] * 4, [o.reason for o in local.outcomes]
    assert remote.outcomes == local.outcomes  # every field but the seconds
    assert [o.plan_sha256 for o in remote.outcomes] == [o.plan_sha256 for o in local.outcomes]

    by = {(o.values["vehicles"], o.values["frequency"]): o for o in local.outcomes}
    cost = {k: o.figures["cost_per_year"] for k, o in by.items()}
    hours = {k: o.figures["presence_hours_per_month"] for k, o in by.items()}
    # A second van costs more; fortnightly visits give more presence than monthly ones.
    assert (
        cost[2, "monthly"] > cost[1, "monthly"] and cost[2, "fortnightly"] > cost[1, "fortnightly"]
    )
    assert hours[1, "fortnightly"] > hours[1, "monthly"]
    # One van cannot serve every optional stop fortnightly (24 visits, 20 days); two can.
    assert (
        by[1, "fortnightly"].figures["stops_served"]
        < 12
        == by[2, "fortnightly"].figures["stops_served"]
    )
    # Monthly, the second van adds cost and no presence: dominated; the others form the front.
    assert hours[2, "monthly"] == hours[1, "monthly"]
    assert {k for k, o in by.items() if o.front} == {
        (1, "monthly"),
        (1, "fortnightly"),
        (2, "fortnightly"),
    }
    assert local.axis == "presence"  # standalone: coverage needs a database
    front = np.array([o.figures["cost_per_year"] for o in local.front])
    assert (np.diff(front) > 0).all()


def test_the_progress_line_shows_the_front_so_far():
    def done(i: int, cost: float, hours: float) -> Outcome:
        return Outcome(
            i,
            {"vehicles": i + 1},
            figures={"cost_per_year": cost, "presence_hours_per_month": hours},
        )

    seen = [done(0, 50_000, 10.0), done(1, 60_000, 20.0), done(2, 70_000, 15.0)]
    assert best_so_far_fr(seen, "presence", False) == (
        "front : 2 point(s) ; le plus couvrant : 20 h pour 60\u202f000 € par an"
    )
    seen.append(Outcome(3, {"vehicles": 4}, status="infeasible", reason="trop loin"))
    assert best_so_far_fr(seen, "presence", False).endswith(" ; 1 sans plan")
    assert best_so_far_fr(seen[3:], "presence", False) == "1 sans plan"


def test_command_line_time_limit_and_seed_reach_the_workers():
    """`sweep --time-limit 1 --seed 7`: the workers re-read the scenario's text, so the overrides
    travel with each combination's keys (a varied value would still win)."""
    f = scenario().with_values({"solver.time_limit": 1.0, "solver.seed": 7})
    assert f.overrides == {"solver.time_limit": 1.0, "solver.seed": 7}
    tasks, failed = plan_tasks(f, {"vehicles": [1, 2]})
    assert not failed and len(tasks) == 2
    for _, _, keys in tasks:
        worker = parse_scenario(f.text, f.path).with_values(keys)
        options = point_options(worker)
        assert (options.seed, options.iterations) == (7, work_budget(1.0))
    ((_, _, keys),) = plan_tasks(f, {"seed": [3]})[0]
    assert point_options(parse_scenario(f.text, f.path).with_values(keys)).seed == 3
