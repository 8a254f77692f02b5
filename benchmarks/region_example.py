"""Benchmark: the region-wide example (one van per département, each in its own).

    uv run itinerance data load --region 24
    uv run python benchmarks/region_example.py [--db URL] [--time-limit 60] [--seed 0] [--json F]

Plans ``scenarios/region-centre-val-de-loire.toml`` as ``itinerance plan`` does (build, solve,
validate) and prints, each figure recomputed here from the problem and the plan rather than
trusted:

- the time to build the problem, to plan, and in total (wall clock);
- the need served the engine reports (``meta.figures.need_served``), the validator's figure, and
  a third recomputation below (a pandas group-by of the best level per commune);
- visits outside their vehicle's area, from the scenario's ``area`` codes and the stops' INSEE
  codes (not from the problem's ``Stop.vehicles``): must be 0;
- stops, communes improved, km per month, validity;
- the seconds of search to the engine's first plan and to its first plan serving every mandatory
  stop;
- a proven upper bound on the need any plan could serve (:mod:`planner.engine.bound`, a linear
  relaxation solved by OR-Tools), so the share of it the plan serves says how far from optimal it
  may be.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import date
from pathlib import Path

import pandas as pd

from planner.engine import SolveOptions
from planner.engine.bound import value_bound
from planner.scenario.build import build
from planner.scenario.files import load_scenario
from planner.scenario.pipeline import plan_scenario, solve_options

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "region-centre-val-de-loire.toml"


def need_by_group_by(problem, served: set[str]) -> float:
    """Σ need × (best level − existing) per commune, written independently of the engine and of
    planner.tours.value."""
    communes = pd.DataFrame(
        [(i, c.need, c.existing) for i, c in enumerate(problem.communes)],
        columns=["commune", "need", "existing"],
    ).set_index("commune")
    reach = pd.DataFrame(
        [(r.commune, r.level) for r in problem.reach if r.stop in served],
        columns=["commune", "level"],
    )
    best = reach.groupby("commune")["level"].max()
    level = communes["existing"].combine(best.reindex(communes.index), max, fill_value=0.0)
    return float((communes["need"] * (level - communes["existing"]).clip(lower=0)).sum())


def outside_area(f, problem, plan) -> int:
    """Visits whose commune is not in the département listed as their vehicle's area."""
    areas = {v.id: set(v.area or ()) for v in f.scenario.vehicles}
    count = 0
    for route in plan.routes:
        deps = areas.get(route.vehicle, set())
        for visit in route.visits:
            insee = problem.stop_by_id[visit.stop].insee or ""
            dep = insee[:3] if insee.startswith("97") else insee[:2]
            if deps and dep not in deps:
                count += 1
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", default=None, help="territory database (default: the CLI's)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds (default: scenario)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    t0 = time.perf_counter()
    f = load_scenario(SCENARIO)
    built = build(f, db=args.db)
    t_build = time.perf_counter() - t0
    base = solve_options(f)
    options = SolveOptions(
        time_limit=args.time_limit if args.time_limit is not None else base.time_limit,
        seed=args.seed if args.seed is not None else base.seed,
        deterministic=base.deterministic,
        threads=base.threads,
    )
    planned = plan_scenario(f, db=args.db, options=options, built=built)
    t_total = time.perf_counter() - t0
    problem, plan, report = planned.built.problem, planned.plan, planned.report
    served = {v.stop for r in plan.routes for v in r.visits}
    fig = report.figures
    result = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "time_limit": options.time_limit,
        "seed": options.seed,
        "build_seconds": round(t_build, 1),
        "plan_seconds": round(t_total - t_build, 1),
        "total_seconds": round(t_total, 1),
        "valid": report.ok,
        "need_served_engine": round(float(plan.meta.figures["need_served"]), 1),
        "need_served_validator": round(fig.need_served, 1),
        "need_served_group_by": round(need_by_group_by(problem, served), 1),
        "need_possible": round(fig.need_possible, 1),
        "visits_outside_area": outside_area(f, problem, plan),
        "stops_served": fig.stops_served,
        "stops_total": fig.stops_total,
        "communes_improved": fig.communes_improved,
        "km_per_month": round(fig.km_per_month),
    }
    bound = value_bound(problem)  # the stops' own values are 0 here: a bound on need served
    result.update(
        first_plan_seconds=plan.meta.figures.get("first_plan_seconds"),
        first_complete_seconds=plan.meta.figures.get("first_complete_seconds"),
        need_bound=round(bound.value, 1),
        need_served_share_of_bound=round(fig.need_served / bound.value, 4) if bound.value else None,
        bound_seconds=bound.seconds,
        bound_variables=bound.variables,
    )
    for key, value in result.items():
        print(f"{key:>24}: {value}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
