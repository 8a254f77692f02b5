"""Benchmark: does reading travel minutes derived from kilometres slow the search down?

    uv run python benchmarks/derived_durations.py [--stops 5000] [--iterations 300] [--repeats 2]

From 4,096 places the offline model's durations are not stored but computed from the stored road
km when read (:class:`planner.tours.travel.DerivedDurations`; the kernel's ``band_minutes``).
This runs the engine on the same problem both ways — derived, and with the same minutes stored
as a float32 matrix — in deterministic mode with the same number of iterations, alternating, and
prints per run the seconds the engine took, the objective, the stops served, the validator's
verdict and a digest of the routes: both ways must give the same plan (the same values, read
differently), and more seconds with derived minutes would be the slowdown. The problem is
``benchmarks/memory_scale.py``'s (random optional stops in Centre-Val de Loire, ten vans, a
monthly cycle).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


def main(argv: list[str] | None = None) -> None:
    from memory_scale import scenario_text

    from planner.engine import SolveOptions
    from planner.engine.periodic import PeriodicEngine
    from planner.scenario.build import build
    from planner.scenario.files import parse_scenario
    from planner.tours.travel import DerivedDurations
    from planner.tours.validator import validate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stops", type=int, default=5000)
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)
    print(f"# {date.today()}, {platform.platform()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"echelle-{args.stops}.toml"
        path.write_text(scenario_text(args.stops), encoding="utf-8")
        derived = build(parse_scenario(path.read_text(encoding="utf-8"), str(path))).problem
    if not isinstance(derived.durations, DerivedDurations):
        raise SystemExit(f"{args.stops} stops: durations are stored, not derived (too few places)")
    stored = dataclasses.replace(derived, durations=np.asarray(derived.durations))
    engine = PeriodicEngine()
    print(
        f"{'durations':>10} {'run':>4} {'seconds':>8} {'objective':>12} {'served':>7} valid routes"
    )
    for run in range(1, args.repeats + 1):
        for label, problem in (("derived", derived), ("stored", stored)):
            options = SolveOptions(
                time_limit=600.0, seed=0, deterministic=True, iterations=args.iterations
            )
            t0 = time.perf_counter()
            plan = engine.solve(problem, options)
            seconds = time.perf_counter() - t0
            routes = repr([(r.vehicle, r.day, [v.stop for v in r.visits]) for r in plan.routes])
            digest = hashlib.sha256(routes.encode()).hexdigest()[:12]
            print(
                f"{label:>10} {run:>4} {seconds:>8.1f} {plan.meta.objective:>12.1f} "
                f"{len(plan.served_stops()):>7} {validate(problem, plan).ok!s:>5} {digest}",
                flush=True,
            )
    print(
        "# command: uv run python benchmarks/derived_durations.py "
        f"--stops {args.stops} --iterations {args.iterations} --repeats {args.repeats}"
    )


if __name__ == "__main__":
    main()
