"""Day-level vehicle routing with OR-Tools: one routing model over every (vehicle, day) route.

The periodic layer (:mod:`planner.engine.periodic`) decides, for every stop visited more than once
per cycle, its pattern (set of days) and its vehicle; this module then optimises the order of the
visits and the choice of route of every stop visited once: a stop with a single visit may move
between vehicles **and days** during the OR-Tools search (its allowed routes are those of its
allowed days), which makes monthly rotas and the periodic benchmarks much easier to improve.

Modelling choices (see ``docs/engine.md``):

- one OR-Tools vehicle per (vehicle, working day): a *slot*; nodes are visits, depots are the
  vehicles' start and end locations;
- times and costs are scaled to integers; travel times are rounded **up** and start windows
  **inwards**, so a schedule OR-Tools accepts is feasible in real numbers;
- the service time of a stop is part of the transit from it; the lunch is an OR-Tools break
  interval whose "visit transit" is zero, so it can fall during a permanence (which then ends
  later) or while waiting, and it is kept inside the route;
- regular stops (several visits) have their visits pinned to their slots, with the start times of
  their visits kept within the regularity tolerance by side constraints on the time dimension;
- stops that cannot be served cost a penalty: the value of optional stops, a huge one for
  mandatory stops (so that OR-Tools always returns a plan and the engine can say which stop it
  could not place, instead of failing blindly).

It neither decides patterns nor computes the final times of a plan (that is
:mod:`planner.engine.schedule`), and it does no file or network access.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planner.engine.data import Choice, Compiled, Interval

FSS = routing_enums_pb2.FirstSolutionStrategy
LSM = routing_enums_pb2.LocalSearchMetaheuristic

MANDATORY_PENALTY = 10**11  # scaled cost units; far above any route cost, far below int64 limits


def _scale_for(values: Sequence[float]) -> int:
    """Smallest of 1, 10, 100 that makes every value an integer, else 1000."""
    for scale in (1, 10, 100):
        if all(abs(x * scale - round(x * scale)) < 1e-6 for x in values):
            return scale
    return 1000


def _up(x: float, scale: int) -> int:
    return int(math.ceil(x * scale - 1e-6))


def _down(x: float, scale: int) -> int:
    return int(math.floor(x * scale + 1e-6))


@dataclass(slots=True)
class RoutingParams:
    """Search parameters of one OR-Tools call (see docs/engine.md for the tuning)."""

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float = 0.1
    time_limit: float | None = 1.0  # seconds (None: no wall-clock limit)
    solution_limit: int | None = None  # deterministic budget
    operators_off: tuple[str, ...] = ()
    operators_on: tuple[str, ...] = ()
    neighbors_ratio: float | None = None
    min_neighbors: int | None = None
    log: bool = False
    stop_when: Callable[[], bool] | None = None  # extra stop test (e.g. a CPU-time budget)


@dataclass(slots=True)
class Node:
    stop: int
    days: tuple[int, ...]  # days this node may be served on
    slots: tuple[int, ...]  # allowed routing slots
    windows: tuple[Interval, ...] | None
    pinned: bool


@dataclass
class RoutingResult:
    routes: dict[int, list[int]]  # slot -> stop indices in order
    starts: dict[tuple[int, int], float]  # (stop, day) -> start time chosen by OR-Tools
    objective: float  # OR-Tools objective, unscaled (route costs + penalties)
    status: str
    seconds: float
    solutions: int = 0


@dataclass
class DayRouting:
    """An OR-Tools model for given pinned regular stops and free single-visit stops.

    ``pinned`` maps a stop to its (pattern, vehicle); ``free`` lists single-visit stops that
    OR-Tools may place on any allowed (day, vehicle); ``slots`` restricts the routes in the
    model (frozen routes are left out by the caller); ``bands`` gives a start band (lo, hi) per
    stop (regularity of stops whose other visits are outside the model).
    """

    cp: Compiled
    pinned: Mapping[int, Choice]
    free: Sequence[int]
    slots: Sequence[int]
    bands: Mapping[int, Interval] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cp = self.cp
        self.slots = list(self.slots)
        slot_set = set(self.slots)
        self.route_of_slot = {r: i for i, r in enumerate(self.slots)}
        nodes: list[Node] = []
        for s, ch in sorted(self.pinned.items()):
            v = ch.vehicle
            for d in ch.pattern:
                if v >= 0:
                    r = cp.slot_of.get((v, d))
                    if r is None or r not in slot_set:
                        continue
                    allowed: tuple[int, ...] = (r,)
                else:
                    allowed = tuple(
                        cp.slot_of[(u, d)]
                        for u in range(cp.n_vehicles)
                        if cp.compat[s, u]
                        and (u, d) in cp.slot_of
                        and cp.slot_of[(u, d)] in slot_set
                    )
                if allowed:
                    nodes.append(Node(s, (d,), allowed, self._windows(s, d), True))
        for s in self.free:
            groups: dict[tuple | None, list[int]] = {}
            days = sorted({p[0] for p in cp.patterns[s]})
            for d in days:
                groups.setdefault(self._windows(s, d), []).append(d)
            for wins, ds in groups.items():
                slots = tuple(
                    cp.slot_of[(v, d)]
                    for d in ds
                    for v in range(cp.n_vehicles)
                    if cp.compat[s, v] and (v, d) in cp.slot_of and cp.slot_of[(v, d)] in slot_set
                )
                if slots:
                    nodes.append(Node(s, tuple(ds), slots, wins, False))
        self.nodes = nodes
        self.node_of: dict[tuple[int, int], int] = {}
        for i, nd in enumerate(nodes):
            for d in nd.days:
                self.node_of[(nd.stop, d)] = i
        self._build()

    def _windows(self, s: int, d: int):
        w = self.cp.windows(s, d)
        if s in self.bands:
            lo, hi = self.bands[s]
            w = tuple(
                (max(a, lo), min(b, hi))
                for a, b in (w if w is not None else ((lo, hi),))
                if max(a, lo) <= min(b, hi)
            )
        return w

    # --- model -------------------------------------------------------------------------------

    def _build(self) -> None:
        cp = self.cp
        nodes = self.nodes
        vehicles = cp.vehicles
        depots = sorted(
            {vehicles[cp.slots[r][0]].start_location for r in self.slots}
            | {vehicles[cp.slots[r][0]].end_location for r in self.slots}
        )
        self.depot_node = {loc: i for i, loc in enumerate(depots)}
        n_dep = len(depots)
        self.n_dep = n_dep
        locs = depots + [int(cp.loc[nd.stop]) for nd in nodes]
        svc = [0.0] * n_dep + [float(cp.svc[nd.stop]) for nd in nodes]
        n = len(locs)
        dur = cp.dur[np.ix_(locs, locs)].astype(np.float64)  # float64 even from float32 data
        cost = cp.cost[np.ix_(locs, locs)].astype(np.float64)
        # Scales: exact when the data are multiples of 0.1 (Solomon under DIMACS rules).
        self.tscale = _scale_for(list(dur.ravel()[:5000]) + svc[:500])
        self.cscale = _scale_for(list(cost.ravel()[:5000]))
        ts, cs = self.tscale, self.cscale
        svc_a = np.asarray(svc, dtype=float)
        tm = np.ceil((svc_a[:, None] + dur) * ts - 1e-6).astype(np.int64)
        cm = np.rint(cost * cs).astype(np.int64)
        np.fill_diagonal(tm, 0)
        np.fill_diagonal(cm, 0)
        time_m = tm.tolist()
        cost_m = cm.tolist()
        starts = [self.depot_node[vehicles[cp.slots[r][0]].start_location] for r in self.slots]
        ends = [self.depot_node[vehicles[cp.slots[r][0]].end_location] for r in self.slots]
        nr = len(self.slots)
        manager = pywrapcp.RoutingIndexManager(n, nr, starts, ends)
        routing = pywrapcp.RoutingModel(manager)
        self.manager, self.routing = manager, routing
        self.solver = routing.solver()
        cost_cb = routing.RegisterTransitMatrix(cost_m)
        time_cb = routing.RegisterTransitMatrix(time_m)
        routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)

        horizon = max(_down(vehicles[cp.slots[r][0]].shift.end, ts) for r in self.slots) + 1
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        tdim = routing.GetDimensionOrDie("time")
        self.tdim = tdim
        for k, r in enumerate(self.slots):
            veh = vehicles[cp.slots[r][0]]
            lo, hi = _up(veh.shift.start, ts), _down(veh.shift.end, ts)
            tdim.CumulVar(routing.Start(k)).SetRange(lo, hi)
            tdim.CumulVar(routing.End(k)).SetRange(lo, hi)
            if veh.max_work is not None:
                tdim.SetSpanUpperBoundForVehicle(_down(veh.max_work, ts), k)
        for i, nd in enumerate(nodes):
            idx = manager.NodeToIndex(n_dep + i)
            cumul = tdim.CumulVar(idx)
            if nd.windows is not None:
                ws = [(_up(a, ts), _down(b, ts)) for a, b in nd.windows]
                ws = [(a, b) for a, b in ws if a <= b]
                if not ws:
                    cumul.SetRange(0, 0)
                    routing.ActiveVar(idx).SetValue(0)
                    continue
                cumul.SetRange(ws[0][0], ws[-1][1])
                for (a1, b1), (a2, b2) in zip(ws, ws[1:]):
                    if b1 + 1 <= a2 - 1:
                        cumul.RemoveInterval(b1 + 1, a2 - 1)
            all_slots = len(nd.slots) == nr
            if not all_slots:
                # (SetAllowedVehiclesForIndex rejects Python lists in OR-Tools 9.15's wrapper.)
                routing.VehicleVar(idx).SetValues([-1] + [self.route_of_slot[r] for r in nd.slots])

        # Driving time, load, number of stops.
        if any(vehicles[cp.slots[r][0]].max_drive is not None for r in self.slots):
            dm = np.ceil(dur * ts - 1e-6).astype(np.int64)
            np.fill_diagonal(dm, 0)
            drive_m = dm.tolist()
            drive_cb = routing.RegisterTransitMatrix(drive_m)
            caps = []
            for r in self.slots:
                md = vehicles[cp.slots[r][0]].max_drive
                caps.append(_down(md, ts) if md is not None else horizon * 4)
            routing.AddDimensionWithVehicleCapacity(drive_cb, 0, caps, True, "drive")
        if any(vehicles[cp.slots[r][0]].capacity is not None for r in self.slots):
            dem = [0.0] * n_dep + [float(cp.demand[nd.stop]) for nd in nodes]
            dscale = _scale_for(dem[:2000])
            dem_i = [_up(x, dscale) for x in dem]
            load_cb = routing.RegisterUnaryTransitVector(dem_i)
            caps = []
            for r in self.slots:
                c = vehicles[cp.slots[r][0]].capacity
                caps.append(_down(c, dscale) if c is not None else sum(dem_i) + 1)
            routing.AddDimensionWithVehicleCapacity(load_cb, 0, caps, True, "load")
        if any(vehicles[cp.slots[r][0]].max_stops_per_day is not None for r in self.slots):
            one = [0] * n_dep + [1] * len(nodes)
            cnt_cb = routing.RegisterUnaryTransitVector(one)
            caps = []
            for r in self.slots:
                m = vehicles[cp.slots[r][0]].max_stops_per_day
                caps.append(m if m is not None else len(nodes) + 1)
            routing.AddDimensionWithVehicleCapacity(cnt_cb, 0, caps, True, "count")

        # Lunch breaks: visit transits are zero so that a break may overlap a permanence.
        node_visit_transits = [0] * routing.Size()
        for k, r in enumerate(self.slots):
            veh = vehicles[cp.slots[r][0]]
            if veh.lunch is None:
                continue
            w = veh.lunch.window
            brk = self.solver.FixedDurationIntervalVar(
                _up(w.start, ts), _down(w.end, ts), _up(veh.lunch.duration, ts), False, f"lunch{k}"
            )
            # Like the validator, the break may also be taken at the base before leaving or after
            # returning (OR-Tools allows a break outside the route's span).
            tdim.SetBreakIntervalsOfVehicle([brk], k, node_visit_transits)

        # Disjunctions: which stops may be left out and at what price.
        by_stop: dict[int, list[int]] = {}
        for i, nd in enumerate(nodes):
            by_stop.setdefault(nd.stop, []).append(i)
        self._uses_disjunctions = False
        for s, ids in by_stop.items():
            idxs = [manager.NodeToIndex(n_dep + i) for i in ids]
            if nodes[ids[0]].pinned:
                for idx in idxs:
                    routing.AddDisjunction([idx], MANDATORY_PENALTY)
            else:
                # Which optional stops to serve is the kernel's decision (their worth depends on
                # the others, need being counted once): this model routes the ones it is given.
                routing.AddDisjunction(idxs, MANDATORY_PENALTY, 1)
        # Regularity: the visits of a pinned stop start within the tolerance of each other.
        tol = cp.tolerance
        if math.isfinite(tol) and cp.problem.horizon.plain_days is None:
            tol_i = _down(tol, ts)
            for s, ids in by_stop.items():
                if len(ids) < 2 or not nodes[ids[0]].pinned:
                    continue
                cums = [tdim.CumulVar(manager.NodeToIndex(n_dep + i)) for i in ids]
                for a in cums[1:]:
                    self.solver.Add(a - cums[0] <= tol_i)
                    self.solver.Add(cums[0] - a <= tol_i)
                for a, b in zip(cums[1:], cums[2:]):
                    self.solver.Add(a - b <= tol_i)
                    self.solver.Add(b - a <= tol_i)
        for k in range(nr):
            routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(routing.End(k)))
            routing.AddVariableMaximizedByFinalizer(tdim.CumulVar(routing.Start(k)))
        routing.CloseModelWithParameters(self._params(RoutingParams()))

    # --- search ------------------------------------------------------------------------------

    def _params(self, p: RoutingParams):
        from ortools.util import optional_boolean_pb2

        sp = pywrapcp.DefaultRoutingSearchParameters()
        sp.first_solution_strategy = getattr(FSS, p.first_solution)
        sp.local_search_metaheuristic = getattr(LSM, p.metaheuristic)
        sp.guided_local_search_lambda_coefficient = p.gls_lambda
        if p.time_limit is not None:
            sp.time_limit.FromMilliseconds(max(1, int(p.time_limit * 1000)))
        if p.solution_limit is not None:
            sp.solution_limit = p.solution_limit
        for op in p.operators_off:
            setattr(sp.local_search_operators, op, optional_boolean_pb2.BOOL_FALSE)
        for op in p.operators_on:
            setattr(sp.local_search_operators, op, optional_boolean_pb2.BOOL_TRUE)
        if p.neighbors_ratio is not None:
            sp.ls_operator_neighbors_ratio = p.neighbors_ratio
        if p.min_neighbors is not None:
            sp.ls_operator_min_neighbors = p.min_neighbors
        sp.log_search = p.log
        return sp

    def assignment_from(self, routes: Mapping[int, Sequence[int]]):
        """OR-Tools assignment for routes given as slot -> stops (None if they do not fit)."""
        rows = []
        for k, r in enumerate(self.slots):
            row = []
            d = self.cp.slots[r][1]
            for s in routes.get(r, ()):
                i = self.node_of.get((s, d))
                if i is None:
                    return None
                row.append(self.manager.NodeToIndex(self.n_dep + i))
            rows.append(row)
        return self.routing.ReadAssignmentFromRoutes(rows, True)

    def solve(
        self,
        params: RoutingParams,
        initial: Mapping[int, Sequence[int]] | None = None,
        on_solution: Callable[[float], None] | None = None,
    ) -> RoutingResult | None:
        routing = self.routing
        sp = self._params(params)
        count = [0]
        if on_solution is not None:
            cost_var = routing.CostVar()

            def _cb() -> None:
                count[0] += 1
                on_solution(cost_var.Max() / self.cscale)

            routing.AddAtSolutionCallback(_cb)
        if params.stop_when is not None:
            routing.AddSearchMonitor(self.solver.CustomLimit(params.stop_when))
        t0 = time.perf_counter()
        sol = None
        if initial is not None:
            a = self.assignment_from(initial)
            if a is not None:
                sol = routing.SolveFromAssignmentWithParameters(a, sp)
        if sol is None and initial is None:
            sol = routing.SolveWithParameters(sp)
        seconds = time.perf_counter() - t0
        if sol is None:
            return None
        return self._read(sol, seconds, count[0])

    def _read(self, sol, seconds: float, solutions: int) -> RoutingResult:
        routing, manager = self.routing, self.manager
        routes: dict[int, list[int]] = {}
        starts: dict[tuple[int, int], float] = {}
        for k, r in enumerate(self.slots):
            d = self.cp.slots[r][1]
            idx = routing.NextVar(routing.Start(k))
            idx = sol.Value(routing.NextVar(routing.Start(k)))
            row = []
            while not routing.IsEnd(idx):
                i = manager.IndexToNode(idx) - self.n_dep
                s = self.nodes[i].stop
                row.append(s)
                starts[(s, d)] = sol.Value(self.tdim.CumulVar(idx)) / self.tscale
                idx = sol.Value(routing.NextVar(idx))
            if row:
                routes[r] = row
        status = {
            0: "not solved",
            1: "success",
            2: "partial",
            3: "fail",
            4: "fail timeout",
            5: "invalid",
            6: "infeasible",
            7: "optimal",
        }.get(routing.status(), str(routing.status()))
        return RoutingResult(
            routes, starts, sol.ObjectiveValue() / self.cscale, status, seconds, solutions
        )
