"""Benchmark: maximal covering with CP-SAT (planner.access.siting) against PySAL spopt's MCLP
(PuLP/CBC).

    uv run --group bench python benchmarks/siting_vs_spopt.py [--k 10 20 40] [--threshold 20]

Instance (the issue's protocol): region 24's 1,754 communes (COG 2026) as demand points and as
candidates, weights = need (population × IFN), offline travel model, coverage within 20 minutes,
no existing service (pure MCLP), K = 10, 20, 40. Both solvers get the **same** cost matrix and
the same weights: spopt through ``MCLP.from_cost_matrix(...).solve(pulp.PULP_CBC_CMD(msg=False))``
(its documented default solver), ours through :func:`planner.access.siting.solve_mclp` on the 0/1
matrix ``cost <= threshold``. Times are wall-clock seconds from the cost matrix to the answer
(model building included), one run each; objective values must agree (ours are rounded to
1/100 of a person × IFN point, so they may differ by at most n/200). 'to spopt value' is when
CP-SAT first found a solution as good as spopt's (its proof of optimality may come later).

The demand points come from the pinned files through the loaders of ``coverage_speed.py``.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coverage_speed import region_communes

from planner.access.matrices import travel_matrix
from planner.access.routers import OfflineModel, Points
from planner.access.siting import SolverOptions, solve_mclp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[10, 20, 40])
    parser.add_argument("--threshold", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--solver", choices=("cp-sat", "scip"), default="cp-sat")
    parser.add_argument(
        "--without-spopt",
        action="store_true",
        help="time our solver only (spopt's K = 40 run takes over 20 minutes)",
    )
    args = parser.parse_args()

    import pulp
    from spopt.locate import MCLP

    communes = region_communes("24")
    points = Points.of(communes, what="communes")
    weights = np.array([c.population * (c.ifn if c.ifn is not None else 0.0) for c in communes])
    cost = travel_matrix(OfflineModel(), points, points, cache=False).minutes.astype(np.float64)
    cover = cost <= args.threshold
    print(f"# siting_vs_spopt — {date.today()} — {platform.machine()}, {os.cpu_count()} cores")
    print(
        "# command: uv run --group bench python benchmarks/siting_vs_spopt.py"
        f" --k {' '.join(map(str, args.k))} --threshold {args.threshold:g} --solver {args.solver}"
        + (" --without-spopt" if args.without_spopt else "")
    )
    print(
        f"# instance: region 24, {len(communes)} demand points = candidates, "
        f"{args.threshold:g} min, {int(cover.sum()):,} covering pairs, total need "
        f"{weights.sum():,.0f}; solver {args.solver}, workers={args.workers}"
    )
    print(
        f"{'K':>4} {'spopt obj':>14} {args.solver + ' obj':>14} {'status':>9} {'gap':>7} "
        f"{'spopt s':>9} "
        f"{args.solver + ' s':>9} {'speed-up':>9} {'to spopt value':>15}  same"
    )
    tolerance = len(communes) / 200  # our weights are rounded to 0.01
    for k in args.k:
        theirs, theirs_s, built = math.nan, math.nan, math.nan
        if not args.without_spopt:
            start = time.perf_counter()
            model = MCLP.from_cost_matrix(
                cost, weights, service_radius=args.threshold, p_facilities=k
            )
            built = time.perf_counter() - start
            model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
            theirs_s = time.perf_counter() - start
            chosen = [j for j, x in enumerate(model.fac_vars) if x.value() > 0.5]
            theirs = float(weights[cover[:, chosen].any(axis=1)].sum())

        found: list[tuple[float, float]] = []  # (seconds since start, objective) of each solution
        start = time.perf_counter()
        options = SolverOptions(
            time_limit=args.time_limit,
            workers=args.workers,
            seed=0,
            solver=args.solver,
            on_solution=lambda value, _bound, found=found, start=start: found.append(
                (time.perf_counter() - start, value)
            ),
        )
        ours = solve_mclp(cover, weights, k, options)
        ours_s = time.perf_counter() - start
        reach_s = next((t for t, v in found if v >= theirs - tolerance), math.nan)

        same = abs(ours.objective - theirs) <= tolerance
        print(
            f"{k:>4} {theirs:>14,.1f} {ours.objective:>14,.1f} {ours.status:>9} {ours.gap:>7.2%} "
            f"{theirs_s:>9.1f} {ours_s:>9.1f} {theirs_s / ours_s:>8.1f}× {reach_s:>15.1f}  "
            f"{'yes' if same else 'NO'}   "
            f"(spopt: {built:.1f} s building, {theirs_s - built:.1f} s CBC)",
            flush=True,
        )


if __name__ == "__main__":
    main()
