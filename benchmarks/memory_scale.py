"""Benchmark: peak memory and time of planning as the number of stops grows.

    uv run python benchmarks/memory_scale.py [--stops 500 1000 2000 5000 10000] [--time-limit 10]

Each size runs in a fresh process (so the peak resident memory is that run's alone): a
standalone scenario is generated with that many stops at random points of the Centre-Val de
Loire (seeded), one monthly half-day each, optional, with values; ten vans based in the six
prefectures; a 4-week cycle. The scenario goes through the whole pipeline — build (travel
matrices with the offline model), feasibility, the engine in deterministic mode, the validator —
as ``itinerance plan`` runs it. Prints per size: seconds of each phase, peak RSS (MB), the
plan's validity and the stops served, then the command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import date

# Bases: the six prefectures of Centre-Val de Loire (lon, lat, rounded).
BASES = [
    ("Bourges", 2.398, 47.081),
    ("Chartres", 1.489, 48.447),
    ("Châteauroux", 1.691, 46.811),
    ("Tours", 0.689, 47.394),
    ("Blois", 1.335, 47.586),
    ("Orléans", 1.909, 47.903),
]


def scenario_text(n_stops: int, seed: int = 1) -> str:
    import numpy as np

    rng = np.random.default_rng(seed)
    lon = rng.uniform(0.6, 2.9, n_stops)
    lat = rng.uniform(46.4, 48.8, n_stops)
    parts = [
        "schema_version = 1",
        f'name = "Échelle {n_stops}"',
        "[data]\nstandalone = true",
        "[horizon]\nmonthly = true",
        '[stops]\npermanence = "demi-journée"\nfrequency = "monthly"\nmandatory = false',
        "[solver]\ndeterministic = true",
    ]
    for i in range(10):
        name, x, y = BASES[i % len(BASES)]
        parts.append(
            f'[[vehicles]]\nid = "van{i + 1}"\nbase = {{ name = "{name}", lon = {x}, lat = {y} }}'
        )
    for i in range(n_stops):
        parts.append(
            f'[[stops.list]]\nid = "s{i}"\nlon = {lon[i]:.5f}\nlat = {lat[i]:.5f}\n'
            f"value = {int(rng.integers(1, 1000))}"
        )
    return "\n\n".join(parts) + "\n"


def one_run(n_stops: int, time_limit: float, folder: str) -> dict:
    """Plan one size in this process; the parent reads the JSON it prints."""
    from planner.engine.base import SolveOptions
    from planner.scenario.build import build
    from planner.scenario.files import parse_scenario
    from planner.scenario.pipeline import plan_scenario

    path = os.path.join(folder, f"echelle-{n_stops}.toml")
    text = scenario_text(n_stops)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    f = parse_scenario(text, path)
    t0 = time.perf_counter()
    built = build(f)
    t1 = time.perf_counter()
    rss_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    options = SolveOptions(time_limit=time_limit, seed=0)  # wall clock: memory is the question
    planned = plan_scenario(f, options=options, built=built)
    t2 = time.perf_counter()
    return {
        "stops": n_stops,
        "build_s": round(t1 - t0, 1),
        "plan_s": round(t2 - t1, 1),
        "rss_after_build_mb": round(rss_build),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "valid": planned.report.ok,
        "served": len(planned.plan.served_stops()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, nargs="+", default=[500, 1000, 2000, 5000, 10000])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_run(args.one, args.time_limit, args.folder)))
        return
    import tempfile

    print(f"# {date.today()}, {platform.platform()}, {os.cpu_count()} cores")
    header = f"{'stops':>6} {'build s':>8} {'plan s':>7} {'RSS build MB':>13} {'peak RSS MB':>12}"
    print(header + f" {'valid':>6} {'served':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for n in args.stops:
            cmd = [sys.executable, __file__, "--one", str(n)]
            cmd += ["--time-limit", str(args.time_limit), "--folder", folder]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{n:>6} failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{r['stops']:>6} {r['build_s']:>8} {r['plan_s']:>7} "
                f"{r['rss_after_build_mb']:>13} {r['peak_rss_mb']:>12} "
                f"{str(r['valid']):>6} {r['served']:>7}",
                flush=True,
            )
    stops = " ".join(map(str, args.stops))
    print(
        "# command: uv run python benchmarks/memory_scale.py "
        f"--stops {stops} --time-limit {args.time_limit:g}"
    )


if __name__ == "__main__":
    main()
