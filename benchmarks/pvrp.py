"""Benchmark: Cordeau's periodic VRP instances, gap of itinerance's engine to the best known.

    uv run python benchmarks/pvrp.py [FILES...] [--time-limit 60] [--jobs 2] [--seeds 0]
        [--clock wall|cpu] [--json results.json]

Without FILES it runs every instance of ``../shared/bench/pvrp_cordeau/instances`` (p01, p02,
p03, p14). Protocol (see docs/benchmarks.md): Euclidean distances in double precision, travel
time = distance, m vehicles per day with capacity Q and maximum route duration D (when D > 0),
one visit pattern per customer among its allowed combinations; cost = total distance, gap to
``bks_pvrp.csv``. Each run is a fresh process on one core (``--jobs`` at once); the time counts
from the ``solve`` call (the compiled kernel's loading is reported apart). Every plan goes through
``planner.tours.validator``. Prints per run the cost, gap, seconds (wall and CPU) and validity,
then the mean gap and the peak memory.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BENCH = Path(os.environ.get("ITINERANCE_BENCH_DIR", REPO.parent / "shared" / "bench"))
FOLDER = BENCH / "pvrp_cordeau" / "instances"


def task(args):
    path, time_limit, seed, clock = args
    from planner.engine import SolveOptions
    from planner.engine.periodic import PeriodicEngine
    from planner.instances.cordeau import read_cordeau
    from planner.tours.validator import validate

    inst = read_cordeau(path)
    t = time.perf_counter()
    engine = PeriodicEngine(clock=time.process_time if clock == "cpu" else time.perf_counter)
    startup = time.perf_counter() - t
    t, c = time.perf_counter(), time.process_time()
    plan = engine.solve(inst.problem, SolveOptions(time_limit=time_limit, seed=seed))
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    report = validate(inst.problem, plan)
    cost = report.figures.km
    gap = inst.gap(cost)
    return {
        "instance": inst.name,
        "seed": seed,
        "customers": len(inst.problem.stops),
        "days": inst.problem.horizon.n_days,
        "cost": round(cost, 2),
        "best_known": inst.best_known,
        "gap_percent": None if gap is None else round(100 * gap, 3),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "startup": round(startup, 1),
        "valid": report.ok,
        "violations": report.lines(3),
        "iterations": plan.meta["figures"].get("iterations"),
        "polish": plan.meta["figures"].get("polish"),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seeds", default="0", help="comma-separated seeds, one run each")
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time limit in wall-clock seconds (the protocol) or CPU seconds of each "
        "run's process (fair on a shared, loaded machine)",
    )
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    files = args.files or sorted(FOLDER.iterdir())
    seeds = [int(s) for s in args.seeds.split(",") if s]
    print(
        "command: uv run python benchmarks/pvrp.py "
        + " ".join(sys.argv[1:] if argv is None else argv)
    )
    print(
        f"date {date.today()}, machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{args.jobs} runs at once, one core each; {args.time_limit:g} s of "
        f"{'CPU' if args.clock == 'cpu' else 'wall-clock'} time per run"
    )
    tasks = [(f, args.time_limit, s, args.clock) for f in files for s in seeds]
    results = []
    with mp.get_context("spawn").Pool(args.jobs, maxtasksperchild=1) as pool:
        for r in pool.imap_unordered(task, tasks):
            results.append(r)
            gap = "—" if r["gap_percent"] is None else f"{r['gap_percent']:.2f}%"
            print(
                f"  {r['instance']:4} seed {r['seed']}: cost {r['cost']:9.2f} (best known "
                f"{r['best_known']}) gap {gap}, {r['seconds']} s (cpu {r['cpu_seconds']} s), "
                f"{r['iterations']:,} iterations, "
                f"{'valid' if r['valid'] else 'INVALID: ' + '; '.join(r['violations'])}",
                flush=True,
            )
    results.sort(key=lambda r: (r["instance"], r["seed"]))
    gaps = [r["gap_percent"] for r in results if r["gap_percent"] is not None]
    if gaps:
        print(
            f"\nmean gap {sum(gaps) / len(gaps):.3f} % over {len(gaps)} runs, "
            f"{sum(r['valid'] for r in results)}/{len(results)} plans valid, "
            f"peak RSS {max(r['peak_rss_mb'] for r in results):.0f} MB"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
