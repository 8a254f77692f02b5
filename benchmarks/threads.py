"""The parallel portfolio of the search (``SolveOptions.threads``) by deterministic work budgets.

    uv run python benchmarks/threads.py C101,R101 [--work 5] [--seeds 0,1]
        [--variants t1,t2,t2-restart] [--no-polish] [--folder DIR]

Deterministic mode gives every thread the work budget of a single search (``--work`` seconds x
``Tuning.iterations_per_second`` iterations), so the comparison does not depend on the load of a
shared machine (docs/benchmarks.md): ``t1`` is one search; ``t2`` two threads that share their
best plan at every synchronisation (``Tuning.sync_iterations``); ``t2-restart`` also restarts the
annealing of the thread whose best is worse from the shared best (``Tuning.restart_cur``);
``t1x2`` one search with twice the budget (the same CPU work as two threads). Prints per
instance and variant the search cost (before the OR-Tools polish), the final distance (the
validator's) and the gap to the best known distance, then the mean gaps per variant.
``--folder`` reads other instances (``.txt`` or VRPLIB ``.vrp``, e.g. Gehring & Homberger's);
without a best-known distance the gap is to the best final distance over the variants.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BENCH = Path(os.environ.get("ITINERANCE_BENCH_DIR", REPO.parent / "shared" / "bench"))
FOLDER = BENCH / "solomon" / "solomon_format"
VARIANTS = {
    "t1": (1, False, 1),
    "t1x2": (1, False, 2),
    "t2": (2, False, 1),
    "t2-restart": (2, True, 1),
}


def main(argv: list[str] | None = None) -> None:
    from planner.engine import SolveOptions
    from planner.engine.periodic import PeriodicEngine, Tuning
    from planner.instances.solomon import read_solomon
    from planner.tours.validator import validate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", help="comma-separated Solomon instances, e.g. C101,R101")
    ap.add_argument("--work", type=float, default=5.0, help="deterministic seconds per thread")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--variants", default="t1,t2,t2-restart")
    ap.add_argument("--no-polish", action="store_true")
    ap.add_argument("--folder", type=Path, default=FOLDER)
    args = ap.parse_args(argv)
    names = [n.strip().upper() for n in args.instances.split(",") if n.strip()]
    seeds = [int(x) for x in args.seeds.split(",")]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    print("command: uv run python benchmarks/threads.py " + " ".join(argv or sys.argv[1:]))
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    gaps: dict[str, list[float]] = {v: [] for v in variants}
    for name in names:
        txt = args.folder / f"{name}.txt"
        inst = read_solomon(txt if txt.exists() else args.folder / f"{name}.vrp")
        for seed in seeds:
            finals = {}
            for v in variants:
                threads, restart, factor = VARIANTS[v]
                engine = PeriodicEngine(Tuning(restart_cur=restart, polish=not args.no_polish))
                options = SolveOptions(
                    time_limit=args.work * factor, seed=seed, deterministic=True, threads=threads
                )
                plan = engine.solve(inst.problem, options)
                report = validate(inst.problem, plan)
                finals[v] = report.figures.km
                gap = 100 * (inst.gap(report.figures.km) or 0.0)
                if inst.best_known is not None:
                    gaps[v].append(gap)
                f = plan.meta.figures
                print(
                    f"  {name:6} seed {seed} {v:10} search {f.get('search_cost'):9.2f} "
                    f"final {report.figures.km:9.2f} "
                    + (f"gap {gap:6.2f}% " if inst.best_known is not None else "")
                    + f"iterations {f.get('iterations')} {'valid' if report.ok else 'INVALID'}"
                    + (" CUT" if f.get("budget_cut_by_time_limit") else ""),
                    flush=True,
                )
            if inst.best_known is None:  # the gap to the best of the variants
                low = min(finals.values())
                for v, km in finals.items():
                    gaps[v].append(100 * (km - low) / low)
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for v in variants:
        g = gaps[v]
        print(f"{v:10} runs {len(g):3d} mean gap {sum(g) / len(g):6.3f}%")


if __name__ == "__main__":
    main()
