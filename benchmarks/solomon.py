"""Benchmark: Solomon's 56 VRPTW instances, itinerance's engine against OR-Tools, VROOM, PyVRP.

    uv run --group bench python benchmarks/solomon.py [--time-limit 10] [--jobs 2]
        [--instances C101,R201] [--solvers itinerance,ortools,vroom,pyvrp] [--seed 0]
        [--clock wall|cpu] [--threads 1] [--folder DIR] [--json results.json] [--markdown]

Protocol (see docs/benchmarks.md): DIMACS convention (edge lengths truncated to one decimal,
travel time = length), distance-only objective, the instance's fleet (25 vehicles), gap to
``bks_solomon_distance_dimacs.csv``. Each (instance, solver) run is a fresh process on one core
(``--jobs`` runs that many at once): itinerance's engine (``SolveOptions(time_limit)``, the time
counted from the ``solve`` call, the one-off loading of its compiled kernel reported apart as
``startup``), plain OR-Tools routing (PARALLEL_CHEAPEST_INSERTION then GUIDED_LOCAL_SEARCH, same
time limit), VROOM (pyvroom, exploration level 5, one thread, no time limit) and PyVRP
(``MaxRuntime``, same time limit). ``--threads 1,2`` runs itinerance once per thread count (rows
``itinerance`` and ``itinerance-t2``; a run with k threads uses k cores, so run it with
``--jobs 1`` on a 2-core machine and ``--clock wall``: CPU seconds count every thread). Every
solution, whichever solver made it, is turned into a plan timed from scratch (earliest starts)
and checked by ``planner.tours.validator``; its cost is the validator's distance. Prints per
instance the cost, gap, seconds and validity, then per solver the mean gap, the CPU share it
got, and the peak memory (RSS of the worker process); the load average before and after.
``--folder`` reads the instances of another folder (Solomon ``.txt`` or VRPLIB ``.vrp`` files,
e.g. Gehring & Homberger's 200-customer VRPTW instances); without a best-known distance
(``bks_solomon_distance_dimacs.csv`` next to the files or one folder up, or a VRPLIB ``.sol``
next to the instance, as PyVRP's instance collection has them) the gap is to the best
cost of this run over the solvers, marked ``*``.
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
FOLDER = BENCH / "solomon" / "solomon_format"
SOLVERS = ("itinerance", "ortools", "vroom", "pyvrp")
SCALE = 10  # DIMACS lengths have one decimal: times and lengths are exact integers at x10


def vrptw_plan(problem, routes):
    """A plan for routes (lists of stop indices) with earliest starts, leaving at shift start."""
    from planner.tours.plan import Plan, Route, Visit

    out = []
    for k, seq in enumerate(routes):
        if not seq:
            continue
        veh = problem.vehicles[k % len(problem.vehicles)]
        t = veh.shift.start
        loc = veh.start_location
        visits = []
        for s in seq:
            stop = problem.stops[s]
            arrival = t + float(problem.durations[loc, stop.location])
            start = max(arrival, stop.windows[0].start)
            visits.append(Visit(stop.id, arrival, start, start + stop.duration))
            t = start + stop.duration
            loc = stop.location
        ret = t + float(problem.durations[loc, veh.end_location])
        out.append(Route(veh.id, 0, veh.shift.start, ret, visits))
    return Plan(routes=out, problem=problem.name)


class Clock:
    """Wall-clock and CPU seconds of the solve call only (imports and model building excluded
    for every solver alike)."""

    def __enter__(self):
        self.t, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t
        self.cpu = time.process_time() - self.c


def _int_matrix(problem):
    import numpy as np

    return np.rint(problem.distances * SCALE).astype(int)


def run_itinerance(problem, time_limit, seed, clock, threads=1):
    from planner.engine import SolveOptions
    from planner.engine.periodic import PeriodicEngine

    t = time.perf_counter()
    engine = PeriodicEngine(clock=time.process_time if clock == "cpu" else time.perf_counter)
    startup = time.perf_counter() - t
    with Clock() as clock:
        plan = engine.solve(
            problem, SolveOptions(time_limit=time_limit, seed=seed, threads=threads)
        )
    index = {s.id: i for i, s in enumerate(problem.stops)}
    routes = [[index[v.stop] for v in r.visits] for r in plan.routes]
    figures = plan.meta.figures or {}
    return (
        routes,
        clock,
        {
            "startup": round(startup, 2),
            "iterations": figures.get("iterations"),
            "search_cost": figures.get("search_cost"),
            "polish": figures.get("polish"),
            "threads": figures.get("threads"),
        },
    )


def run_ortools(problem, time_limit, seed, clock):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    d = _int_matrix(problem)
    n = len(problem.locations)
    svc = [0] + [int(round(s.duration * SCALE)) for s in problem.stops]
    nv = len(problem.vehicles)
    manager = pywrapcp.RoutingIndexManager(n, nv, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist = routing.RegisterTransitMatrix(d.tolist())
    travel = routing.RegisterTransitMatrix((d + [[x] for x in svc]).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(dist)
    demand = routing.RegisterUnaryTransitVector([0] + [int(s.demand) for s in problem.stops])
    routing.AddDimensionWithVehicleCapacity(
        demand, 0, [int(v.capacity) for v in problem.vehicles], True, "load"
    )
    horizon = int(problem.vehicles[0].shift.end * SCALE)
    routing.AddDimension(travel, horizon, horizon, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    for i, s in enumerate(problem.stops, start=1):
        w = s.windows[0]
        tdim.CumulVar(manager.NodeToIndex(i)).SetRange(int(w.start * SCALE), int(w.end * SCALE))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    if clock == "cpu":  # stop on CPU seconds; the wall-clock limit becomes a safety net
        params.time_limit.FromMilliseconds(int(time_limit * 1000 * 30))
        c0 = time.process_time()
        routing.AddSearchMonitor(
            routing.solver().CustomLimit(lambda: time.process_time() - c0 >= time_limit)
        )
    with Clock() as clock:
        sol = routing.SolveWithParameters(params)
    routes = []
    for k in range(nv):
        idx = sol.Value(routing.NextVar(routing.Start(k)))
        seq = []
        while not routing.IsEnd(idx):
            seq.append(manager.IndexToNode(idx) - 1)
            idx = sol.Value(routing.NextVar(idx))
        routes.append(seq)
    return routes, clock, {}


def run_vroom(problem, time_limit, seed, clock):
    import vroom

    d = _int_matrix(problem)
    inp = vroom.Input()
    inp.set_durations_matrix("car", d.tolist())
    inp.set_costs_matrix("car", d.tolist())
    for k, v in enumerate(problem.vehicles):
        inp.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=0,
                end=0,
                capacity=[int(v.capacity)],
                time_window=vroom.TimeWindow(int(v.shift.start * SCALE), int(v.shift.end * SCALE)),
            )
        )
    for i, s in enumerate(problem.stops, start=1):
        w = s.windows[0]
        inp.add_job(
            vroom.Job(
                i,
                location=i,
                default_service=int(round(s.duration * SCALE)),
                delivery=[int(s.demand)],
                time_windows=[vroom.TimeWindow(int(w.start * SCALE), int(w.end * SCALE))],
            )
        )
    with Clock() as clock:
        sol = inp.solve(exploration_level=5, nb_threads=1)
    df = sol.routes
    routes = [
        [int(j) - 1 for j in g.loc[g["type"] == "job", "id"]] for _, g in df.groupby("vehicle_id")
    ]
    return routes, clock, {}


class MaxCpu:
    """PyVRP stopping criterion on CPU seconds of this process (``--clock cpu``)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.start = time.process_time()

    def __call__(self, best_cost: float) -> bool:
        return time.process_time() - self.start >= self.seconds


def run_pyvrp(problem, time_limit, seed, clock):
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    d = _int_matrix(problem)
    m = Model()
    locs = [m.add_location(x=0, y=0) for _ in problem.locations]
    veh = problem.vehicles[0]
    depot = m.add_depot(
        locs[0], tw_early=int(veh.shift.start * SCALE), tw_late=int(veh.shift.end * SCALE)
    )
    m.add_vehicle_type(
        num_available=len(problem.vehicles),
        capacity=int(veh.capacity),
        start_depot=depot,
        end_depot=depot,
        tw_early=int(veh.shift.start * SCALE),
        tw_late=int(veh.shift.end * SCALE),
    )
    for s in problem.stops:
        w = s.windows[0]
        m.add_client(
            locs[s.location],
            delivery=int(s.demand),
            service_duration=int(round(s.duration * SCALE)),
            tw_early=int(w.start * SCALE),
            tw_late=int(w.end * SCALE),
        )
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            m.add_edge(a, b, distance=int(d[i, j]), duration=int(d[i, j]))
    stop = MaxCpu(time_limit) if clock == "cpu" else MaxRuntime(time_limit)
    with Clock() as clock:
        res = m.solve(stop=stop, seed=seed, display=False)
    # a route iterates over its activities; a client activity's idx is the client's index
    routes = [[a.idx for a in r if a.is_client()] for r in res.best.routes()]
    return routes, clock, {"feasible": res.is_feasible()}


RUNNERS = {
    "itinerance": run_itinerance,
    "ortools": run_ortools,
    "vroom": run_vroom,
    "pyvrp": run_pyvrp,
}


def _runner(solver: str):
    """The runner of a solver label and its keyword arguments (``itinerance-t2``: 2 threads)."""
    if solver.startswith("itinerance-t"):
        return run_itinerance, {"threads": int(solver.removeprefix("itinerance-t"))}
    return RUNNERS[solver], {}


def _labels(solvers: list[str], threads: list[int]) -> list[str]:
    """Solver labels: itinerance once per thread count (``itinerance`` for 1 thread)."""
    out = []
    for s in solvers:
        if s == "itinerance":
            out += ["itinerance" if k == 1 else f"itinerance-t{k}" for k in threads]
        else:
            out.append(s)
    return out


def _path(folder: Path, name: str) -> Path:
    """The instance file of ``name`` in ``folder`` (Solomon ``.txt`` or VRPLIB ``.vrp``)."""
    txt = folder / f"{name}.txt"
    return txt if txt.exists() else folder / f"{name}.vrp"


def task(args):
    solver, name, time_limit, seed, clock_kind, folder = args
    from planner.instances.solomon import read_solomon
    from planner.tours.validator import validate

    inst = read_solomon(_path(Path(folder), name))
    run, kwargs = _runner(solver)
    routes, clock, extra = run(inst.problem, time_limit, seed, clock_kind, **kwargs)
    seconds, cpu = clock.seconds, clock.cpu
    report = validate(inst.problem, vrptw_plan(inst.problem, routes))
    cost = report.figures.km
    return {
        "instance": name,
        "solver": solver,
        "cost": round(cost, 2),
        "best_known": inst.best_known,
        "gap_percent": None if inst.best_known is None else round(100 * inst.gap(cost), 3),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "valid": report.ok,
        "violations": report.lines(3),
        "vehicles": sum(1 for r in routes if r),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **extra,
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--instances", default="", help="comma-separated subset, e.g. C101,R201")
    ap.add_argument("--solvers", default=",".join(SOLVERS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time limits in wall-clock seconds (the protocol) or CPU seconds of each "
        "run's process (fair on a shared, loaded machine; VROOM has no limit)",
    )
    ap.add_argument(
        "--threads",
        default="1",
        help="comma-separated thread counts of itinerance's search, e.g. 1,2 (one run each)",
    )
    ap.add_argument(
        "--folder", type=Path, default=FOLDER, help="folder of the instances (.txt or .vrp)"
    )
    ap.add_argument("--json", type=Path)
    ap.add_argument(
        "--markdown", action="store_true", help="print the per-instance table in Markdown"
    )
    args = ap.parse_args(argv)
    names = [n.strip().upper() for n in args.instances.split(",") if n.strip()] or sorted(
        p.stem for p in [*args.folder.glob("*.txt"), *args.folder.glob("*.vrp")]
    )
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    solvers = _labels(solvers, [int(k) for k in args.threads.split(",") if k.strip()])
    tasks = [
        (s, n, args.time_limit, args.seed, args.clock, str(args.folder))
        for n in names
        for s in solvers
    ]
    print(
        "command: uv run --group bench python benchmarks/solomon.py "
        + " ".join(sys.argv[1:] if argv is None else argv)
    )
    print(
        f"date {date.today()}, machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{args.jobs} runs at once, one core each (itinerance-tK: K threads); "
        f"{args.time_limit:g} s of "
        f"{'CPU' if args.clock == 'cpu' else 'wall-clock'} time per run"
    )
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    ctx = mp.get_context("spawn")
    results = []
    with ctx.Pool(args.jobs, maxtasksperchild=1) as pool:
        for rec in pool.imap_unordered(task, tasks):
            results.append(rec)
            gap = "     —" if rec["gap_percent"] is None else f"{rec['gap_percent']:6.2f}"
            print(
                f"  {rec['instance']:6} {rec['solver']:10} cost {rec['cost']:9.2f} gap "
                f"{gap}% {rec['seconds']:6.1f}s cpu {rec['cpu_seconds']:5.1f}s "
                f"{'valid' if rec['valid'] else 'INVALID ' + '; '.join(rec['violations'])}",
                flush=True,
            )
    results.sort(key=lambda r: (r["instance"], solvers.index(r["solver"])))
    for n in names:  # no best-known distance: the gap to the best cost of this run
        rs = [r for r in results if r["instance"] == n]
        if rs and all(r["gap_percent"] is None for r in rs):
            low = min(r["cost"] for r in rs)
            for r in rs:
                r["gap_percent"] = round(100 * (r["cost"] - low) / low, 3)
                r["gap_to"] = "best of run"
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print()
    print("solver      instances  mean gap %  max gap %  mean s  mean cpu s  valid  peak RSS MB")
    for s in solvers:
        rs = [r for r in results if r["solver"] == s]
        if not rs:
            continue
        gaps = [r["gap_percent"] for r in rs]
        print(
            f"{s:11} {len(rs):9d}  {sum(gaps) / len(gaps):10.3f}  {max(gaps):9.3f}  "
            f"{sum(r['seconds'] for r in rs) / len(rs):6.1f}  "
            f"{sum(r['cpu_seconds'] for r in rs) / len(rs):10.1f}  "
            f"{sum(r['valid'] for r in rs):2d}/{len(rs):<2d}  "
            f"{max(r['peak_rss_mb'] for r in rs):9.0f}"
        )
    if args.markdown:
        print()
        print("| instance | BKS | " + " | ".join(f"{s} gap %" for s in solvers) + " |")
        print("|---|---:|" + "---:|" * len(solvers))
        for n in names:
            row = {r["solver"]: r for r in results if r["instance"] == n}
            bks = next(iter(row.values()))["best_known"]
            star = "gap_to" in next(iter(row.values()))  # cost (gap to the best of the run)
            cells = [
                (f"{row[s]['cost']:.1f} ({row[s]['gap_percent']:.2f}*)" if star else "")
                + ("" if star else f"{row[s]['gap_percent']:.2f}")
                + ("" if row[s]["valid"] else " (invalid)")
                if s in row
                else "—"
                for s in solvers
            ]
            print(f"| {n} | {bks} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
