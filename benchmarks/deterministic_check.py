"""Fingerprint of the engine's deterministic search on Solomon instances, to compare two commits.

    uv run python benchmarks/deterministic_check.py RC201 R101 [--work 4] [--seed 0] [--threads 1]
        [--folder DIR]

Deterministic mode replaces the clock with a work budget, so the result does not depend on the
machine's load: run this script on two commits (e.g. in two git worktrees) and compare the
lines. Identical lines mean the change did not alter the search on these instances; a quality
comparison by CPU-clock runs on a shared machine cannot say that (docs/benchmarks.md). Prints per
instance the search cost, the first 12 hex digits of the sha256 of the route lists, and the CPU
seconds of the solve: with identical lines otherwise, a change of speed alone (the same
iterations in less time). ``--folder``: another folder of instances (Solomon ``.txt`` or VRPLIB
``.vrp``, e.g. Gehring & Homberger's).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BENCH = Path(os.environ.get("ITINERANCE_BENCH_DIR", REPO.parent / "shared" / "bench"))
FOLDER = BENCH / "solomon" / "solomon_format"


def main(argv: list[str] | None = None) -> None:
    from planner.engine import SolveOptions
    from planner.engine.periodic import PeriodicEngine
    from planner.instances.solomon import read_solomon

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="+", help="Solomon instance names, e.g. RC201")
    ap.add_argument("--work", type=float, default=4.0, help="work budget (deterministic seconds)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="threads of the search's portfolio")
    ap.add_argument("--folder", type=Path, default=FOLDER, help="folder of the instances")
    args = ap.parse_args(argv)
    options = SolveOptions(
        time_limit=args.work, seed=args.seed, deterministic=True, threads=args.threads
    )
    for name in args.instances:
        path = args.folder / f"{name}.txt"
        problem = read_solomon(path if path.exists() else path.with_suffix(".vrp")).problem
        engine = PeriodicEngine()
        engine.solve(problem, replace(options, time_limit=0.01))  # the kernel loaded, untimed
        cpu = time.process_time()
        plan = engine.solve(problem, options)
        cpu = time.process_time() - cpu
        routes = [[v.stop for v in r.visits] for r in plan.routes]
        digest = hashlib.sha256(repr(routes).encode()).hexdigest()[:12]
        figures = plan.meta.figures or {}
        extra = "" if args.threads == 1 else f" threads {figures.get('threads')}"
        print(name, figures.get("search_cost"), digest + extra, f"{cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
