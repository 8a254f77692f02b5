"""The periodic tour-planning engine: patterns, routes and times for a whole cycle.

Method (details and measurements in ``docs/engine.md``):

1. **Checks.** :func:`planner.tours.feasibility.explain` runs first; blocking reasons raise
   :class:`~planner.errors.InfeasibleError` before any search.
2. **Construction.** Every stop is inserted, hardest first (most visits, fewest choices), on its
   cheapest feasible choice: a pattern of days and a vehicle (on plain benchmark horizons, any
   vehicle per day), each visit at its cheapest position. An initial plan, when given, is loaded
   instead and only the stops it lacks are inserted.
3. **Search.** A ruin-and-recreate local search (SISR strings of close stops, greedy recreate with
   blinks, simulated annealing) over whole stops: removing a stop removes all its visits, and
   reinserting it chooses again its pattern, vehicle and positions, so pattern choices and routes
   improve together. It runs in :mod:`planner.engine.kernel` (compiled).
4. **Polish.** OR-Tools routing (:mod:`planner.engine.ortools_routing`) re-optimises the best plan
   with its own neighbourhoods (relocate, exchange, cross, 2-opt, or-opt… and, for single-visit
   stops, moves between days and vehicles), warm-started from it; the better plan is kept.
5. **Timing.** Every route is timed by the kernel's exact schedule; the plan lists explicit times.

Objective: serve mandatory stops (a huge penalty otherwise), then the value of optional stops,
then driving cost (km and hours weights of :class:`~planner.tours.model.Objective`), plus the change
penalty when re-planning from an initial plan. A mandatory stop the search cannot place is
reported stop by stop in :class:`~planner.errors.InfeasibleError` (with the partial plan).

This module orchestrates; it must not hold search loops over stops in Python.
"""

from __future__ import annotations

import hashlib
import math
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from planner.engine import kernel as K
from planner.engine.arrays import KernelProblem, warm_up
from planner.engine.base import Frozen, ProgressCallback, ProgressEvent, SolveOptions
from planner.engine.data import Choice, Compiled, kernel_version
from planner.engine.first_use import (
    UNCOMPILED,
    compile_in_background,
    kernel_cached,
    solve_uncompiled,
)
from planner.engine.ortools_routing import DayRouting, RoutingParams
from planner.engine.stop import FirstOf, MaxIterations, MaxRuntime
from planner.errors import InfeasibleError
from planner.french import number_fr
from planner.tours.model import Problem
from planner.tours.plan import Plan, PlanMeta

ENGINE_NAME = "periodic"
ENGINE_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class Tuning:
    """Knobs of the search (defaults measured on the benchmarks, see docs/engine.md)."""

    cbar: float = 10.0  # average number of stops removed per ruin (SISR's c-bar)
    lmax: float = 10.0  # longest string removed from one route (SISR's L-max)
    blink: float = 0.01  # probability of skipping a position when reinserting
    local_search: int = 10  # after each recreate: moves towards this many nearest stops (0: none)
    t_start: float = 10.0  # initial temperature, in average route cost per visit
    t_end: float = 0.1  # final temperature, same unit
    polish: bool = True  # OR-Tools local search on the best plan at the end
    polish_share: float = 0.1  # share of the time limit given to the polish (at most)
    iterations_per_second: float = 4000.0  # deterministic budget per second of time limit
    neighbours: int = 100
    # Parallel portfolio (SolveOptions.threads >= 2, see docs/engine.md "Threads"): the threads
    # share their best plan every sync_iterations iterations each (deterministic mode) or every
    # sync_seconds (otherwise); restart_cur also restarts the annealing of the threads whose best
    # is worse from the shared best (measured, see docs/engine.md).
    sync_iterations: int = 1000
    sync_seconds: float = 0.5
    restart_cur: bool = True


@dataclass
class _Run:
    t0: float
    deadline: float
    progress: ProgressCallback | None
    total: int
    clock: Callable[[], float] = time.perf_counter
    last_report: float = -1.0
    figures: dict = field(default_factory=dict)

    def elapsed(self) -> float:
        return self.clock() - self.t0

    def remaining(self) -> float:
        return self.deadline - self.clock()

    def report(
        self,
        phase: str,
        best: float | None,
        served: int,
        iteration: int,
        unserved_mandatory: int,
        force: bool = False,
    ) -> None:
        if self.progress is None:
            return
        now = self.elapsed()
        if not force and now - self.last_report < 0.2:
            return
        self.last_report = now
        self.progress(
            ProgressEvent(now, best, served, self.total, phase, iteration, unserved_mandatory)
        )


class PeriodicEngine:
    """OR-Tools routing plus a compiled ruin-and-recreate search over patterns and routes."""

    name = ENGINE_NAME

    def __init__(
        self,
        tuning: Tuning | None = None,
        *,
        warm: bool = True,
        clock: Callable[[], float] = time.perf_counter,
    ):
        """``clock`` measures the time limit: wall-clock by default; ``time.process_time`` makes
        it CPU seconds of this process (benchmarks on a shared machine)."""
        self.tuning = tuning or Tuning()
        self.clock = clock
        self.warm = warm

    # --- public ------------------------------------------------------------------------------

    def solve(
        self,
        problem: Problem,
        options: SolveOptions,
        *,
        initial: Plan | None = None,
        frozen: Frozen | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        if self.warm:  # load (or compile) the kernel's version for this problem, untimed
            version = kernel_version(problem)
            if (
                options.while_compiling == "interpret"
                and not options.deterministic
                and kernel_cached(*version) is False
            ):
                return self._solve_while_compiling(
                    problem, options, version, initial, frozen, progress
                )
            warm_up(dtype=version.dtype, weighted=version.weighted, derived=version.derived)
        t0 = self.clock()
        run = _Run(t0, t0 + options.wall_limit, progress, len(problem.stops), self.clock)
        _check_feasible(problem)
        _check_budget(problem)
        cp = Compiled(problem)
        frozen = frozen or Frozen()
        kp, start, ignored = self._kernel_problem(cp, initial, frozen, options)
        if ignored:  # routes of the initial plan on days or vehicles the problem lacks
            run.figures["initial_routes_ignored"] = ignored
        tune = self.tuning
        I = kp.inst
        cur, cand, best = kp.new_state(), kp.new_state(), kp.new_state()
        K.seed_rng(int(options.seed) & 0x7FFFFFFF)
        stamp = 1
        if start is not None:
            kp.load(cur, *start)
        else:
            for r in range(I.n_slots):
                K.update_route(I, cur, r)
        stamp = K.construct(I, cur, 0.0, stamp)
        K.copy_state(cur, best)
        first = run.elapsed()
        run.figures["first_plan_seconds"] = round(first, 3)
        run.figures["construction_cost"] = round(kp.route_cost(best), 4)
        if not _unserved_mandatory(best, I):
            run.figures["first_complete_seconds"] = round(first, 3)
        run.report(
            "construction",
            kp.objective(best),
            _served(best, I),
            0,
            _unserved_mandatory(best, I),
            force=True,
        )

        threads = _threads(options.threads)
        run.figures["threads"] = threads
        if threads < options.threads:
            run.figures["threads_capped"] = (
                f"{options.threads} threads asked, capped to the {threads} CPUs of this machine"
            )
        stats = np.zeros(3, dtype=np.int64)
        polish_time = 0.0
        if tune.polish and I.n_stops > 0:
            polish_time = min(options.time_limit * tune.polish_share, 30.0)
        if threads > 1:
            stamp = self._portfolio(
                kp, cur, cand, best, stats, stamp, run, options, polish_time, threads
            )
        else:
            stamp = self._search(kp, cur, cand, best, stats, stamp, run, options, polish_time)
        repaired = _restore_published(kp, best, cand, stamp)
        if repaired:
            run.figures["published_restored"] = repaired
        run.figures.update(
            iterations=int(stats[0]),
            improvements=int(stats[1]),
            accepted=int(stats[2]),
            search_cost=round(kp.route_cost(best), 4),
        )
        if polish_time > 0 and run.remaining() > 0.05:
            self._polish(kp, best, cand, run, options)
        return self._plan(problem, kp, best, run, options, initial)

    def _solve_while_compiling(self, problem, options, version, initial, frozen, progress):
        """The first run on a machine: compile for the next runs, plan uncompiled now."""
        started = compile_in_background(*version)
        plan = solve_uncompiled(
            type(self),
            problem,
            options,
            tuning=self.tuning,
            initial=initial,
            frozen=frozen,
            progress=progress,
        )
        plan.meta.figures["kernel"] = UNCOMPILED
        plan.meta.figures["compiling_in_background"] = started
        return plan

    # --- steps -------------------------------------------------------------------------------

    def _kernel_problem(
        self, cp: Compiled, initial: Plan | None, frozen: Frozen, options: SolveOptions
    ):
        """Kernel arrays with frozen parts and change penalties; the initial routes, bands and
        starts (arguments of :meth:`KernelProblem.load`), if any, and the initial routes that fit
        no (vehicle, working day) of the problem."""
        if initial is None:
            if frozen:
                raise ValueError("freezing parts of a plan needs the plan (initial=...)")
            return KernelProblem(cp, neighbours=self.tuning.neighbours), None, []
        routes: dict[int, list[int]] = {}
        starts: dict[int, list[float]] = {}
        unknown = []
        for route in initial.routes:
            v = cp.vindex.get(route.vehicle)
            r = cp.slot_of.get((v, route.day)) if v is not None else None
            if r is None:
                unknown.append(f"{route.vehicle} day {route.day}")
                continue
            seq = []
            for visit in route.visits:
                s = cp.index.get(visit.stop)
                if s is None:
                    continue
                seq.append(s)
                starts.setdefault(s, []).append(visit.start)
            routes[r] = seq
        regular = cp.problem.horizon.plain_days is None
        choice_of: dict[int, Choice] = {}
        where: dict[int, list[tuple[int, int]]] = {}
        for r, seq in routes.items():
            v, d = cp.slots[r]
            for s in seq:
                where.setdefault(s, []).append((d, v))
        for s, lst in where.items():
            lst.sort()
            days = tuple(d for d, _ in lst)
            vs = {v for _, v in lst}
            if regular:
                if len(vs) == 1:
                    choice_of[s] = Choice(days, next(iter(vs)))
            else:
                choice_of[s] = Choice(days, -1)
        frozen_slots = {r for r, (v, d) in enumerate(cp.slots) if d in frozen.days}
        frozen_stops = set()
        fixed: dict[int, Choice] = {}
        for r in frozen_slots:
            for s in routes.get(r, ()):
                if s in choice_of:
                    frozen_stops.add(s)
                    fixed[s] = choice_of[s]
        for sid in frozen.stops:
            s = cp.index.get(sid)
            if s is not None and s in choice_of:
                fixed[s] = choice_of[s]
        mean_arc = float(np.mean(cp.cost, dtype=np.float64)) if cp.cost.size else 1.0
        pen = options.change_penalty if options.change_penalty is not None else 10.0 * mean_arc
        # Stops with published days pay the scenario's change penalties instead (Stop.published).
        change = {
            s: (ch, pen)
            for s, ch in choice_of.items()
            if s not in fixed and cp.stops[s].published is None
        }
        kp = KernelProblem(
            cp,
            frozen_slots=frozen_slots,
            fixed_choice=fixed,
            frozen_stops=frozen_stops,
            change_penalty=change,
            neighbours=self.tuning.neighbours,
        )
        bands = {}
        if regular and math.isfinite(cp.tolerance):
            for s, ts in starts.items():
                if len(ts) > 1:
                    lo = max(ts) - cp.tolerance
                    bands[s] = (lo, lo + cp.tolerance)
        return kp, ((routes, bands, starts) if routes else None), unknown

    def _search(
        self,
        kp,
        cur,
        cand,
        best,
        stats,
        stamp,
        run: _Run,
        options: SolveOptions,
        polish_time: float,
    ) -> int:
        tune = self.tuning
        I = kp.inst
        t_hi, t_lo = _temperatures(tune, kp, best)
        if not _searchable(I):
            return stamp
        rule, clock = self._stopping_rules(options, run, polish_time)
        budget = rule.iterations if isinstance(rule, MaxIterations) else None
        done = 0
        chunk = 500 if options.deterministic else 50
        best_obj = kp.objective(best)
        while not rule(best_obj, done):
            frac = clock.fraction(done)
            n = chunk if budget is None else max(1, min(chunk, budget - done))
            c0 = time.perf_counter()
            stamp = _run_search(I, tune, cur, cand, best, n, _temp(t_hi, t_lo, frac), stamp, stats)
            done += n
            if not options.deterministic:
                chunk = _next_chunk(chunk, time.perf_counter() - c0)
            best_obj = kp.objective(best)
            missing = _unserved_mandatory(best, I)
            if not missing and "first_complete_seconds" not in run.figures:
                run.figures["first_complete_seconds"] = round(run.elapsed(), 3)
            run.report("search", best_obj, _served(best, I), done, missing)
            if options.deterministic and run.remaining() <= polish_time:
                run.figures["budget_cut_by_time_limit"] = True  # the safety net, see SolveOptions
                break
        return stamp

    def _portfolio(
        self,
        kp,
        cur,
        cand,
        best,
        stats,
        stamp,
        run: _Run,
        options: SolveOptions,
        polish_time: float,
        k: int,
    ) -> int:
        """The search of :meth:`_search` run by k threads at once, sharing their best plan.

        Thread 0 searches on (cur, cand, best), the others on copies of them; each has its own
        states, random stream (seeded inside the thread: numba's generator is per thread),
        counters and stamp, so the threads share only the read-only instance arrays and run the
        compiled search without the GIL. They run in epochs: ``sync_iterations`` iterations each
        in deterministic mode (a fixed schedule, hence reproducible plans), ``sync_seconds`` of
        wall clock otherwise. Between epochs, in this thread, the best plan over the threads
        (ties: the lowest index) is copied into the others' best (and their current plan with
        ``restart_cur``), and progress is reported. The budget of each thread is that of a
        single search: k threads do k times the work in about the same time. On return the
        best plan is in ``best``, ``stats`` holds the sums over threads.
        """
        tune = self.tuning
        I = kp.inst
        t_hi, t_lo = _temperatures(tune, kp, best)
        if not _searchable(I):
            return stamp
        rule, clock = self._stopping_rules(options, run, polish_time)
        budget = rule.iterations if isinstance(rule, MaxIterations) else None
        deterministic = options.deterministic
        members = [_Member(cur, cand, best, stamp, int(options.seed) & 0x7FFFFFFF)]
        for i in range(1, k):
            m = _Member(kp.new_state(), kp.new_state(), kp.new_state(), 1, _seed(options.seed, i))
            K.copy_state(cur, m.cur)
            K.copy_state(best, m.best)
            members.append(m)
        for m in members:
            m.best_obj = K.objective(I, m.best)
        arrive = threading.Barrier(k + 1)
        resume = threading.Barrier(k + 1)
        control = {"stop": False}
        errors: list[BaseException] = []

        def epoch(m: _Member) -> None:
            chunk = m.chunk
            end = time.perf_counter() + tune.sync_seconds
            quota = tune.sync_iterations
            while True:
                if deterministic:
                    n = min(500, quota, budget - m.done)
                    if n <= 0:
                        break
                else:
                    if rule(m.best_obj, m.done):
                        m.finished = True
                        return
                    n = chunk if budget is None else max(1, min(chunk, budget - m.done))
                frac = clock.fraction(m.done)
                c0 = time.perf_counter()
                temp = _temp(t_hi, t_lo, frac)
                m.stamp = _run_search(I, tune, m.cur, m.cand, m.best, n, temp, m.stamp, m.stats)
                m.done += n
                m.best_obj = K.objective(I, m.best)
                if deterministic:
                    quota -= n
                    if run.remaining() <= polish_time:
                        m.cut = True  # the safety net, see SolveOptions
                        break
                else:
                    chunk = _next_chunk(chunk, time.perf_counter() - c0)
                    if time.perf_counter() >= end:
                        break
            m.chunk = chunk
            if deterministic and m.done >= budget:
                m.finished = True

        def work(m: _Member) -> None:
            try:
                K.seed_rng(m.seed)
                while True:
                    if not m.finished:
                        epoch(m)
                    arrive.wait()
                    resume.wait()
                    if control["stop"]:
                        return
            except threading.BrokenBarrierError:
                return
            except BaseException as exc:  # pragma: no cover - a kernel or orchestration bug
                errors.append(exc)
                arrive.abort()
                resume.abort()

        workers = [threading.Thread(target=work, args=(m,), daemon=True) for m in members]
        for w in workers:
            w.start()
        g = 0
        try:
            while True:
                arrive.wait()
                objs = [K.objective(I, m.best) for m in members]
                g = int(np.argmin(objs))  # the first of equal objectives
                for j, m in enumerate(members):
                    if j != g and objs[j] > objs[g] + 1e-9:
                        K.copy_state(members[g].best, m.best)
                        m.best_obj = objs[g]
                        if tune.restart_cur:
                            K.copy_state(members[g].best, m.cur)
                gbest = members[g].best
                missing = _unserved_mandatory(gbest, I)
                if not missing and "first_complete_seconds" not in run.figures:
                    run.figures["first_complete_seconds"] = round(run.elapsed(), 3)
                done = sum(m.done for m in members)
                cut = any(m.cut for m in members)
                control["stop"] = cut or all(m.finished for m in members)
                if cut:
                    run.figures["budget_cut_by_time_limit"] = True
                run.report("search", objs[g], _served(gbest, I), done, missing)
                resume.wait()
                if control["stop"]:
                    break
        except threading.BrokenBarrierError:
            pass
        finally:
            control["stop"] = True
            arrive.abort()
            resume.abort()
            for w in workers:
                w.join()
        if errors:
            raise errors[0]
        if g != 0:
            K.copy_state(members[g].best, best)
        for m in members:
            stats += m.stats
        return members[0].stamp

    def _stopping_rules(self, options: SolveOptions, run: _Run, polish_time: float):
        """(rule deciding when to stop, rule whose fraction sets the temperature).

        Deterministic mode: a fixed iteration budget (the time limit is only a safety net, checked
        by the caller); otherwise the time left before the polish, or an iteration count if given.
        """
        if options.deterministic:
            total = options.iterations
            if total is None:
                total = int(options.time_limit * self.tuning.iterations_per_second)
            rule = MaxIterations(total)
            return rule, rule
        clock = MaxRuntime(max(run.remaining() - polish_time, 0.0), clock=self.clock)
        if options.iterations is not None:
            its = MaxIterations(options.iterations)
            return FirstOf(its, clock), its
        return clock, clock

    def _polish(self, kp: KernelProblem, best, spare, run: _Run, options: SolveOptions) -> None:
        """OR-Tools local search on the best plan; keep its result when it is better."""
        cp = kp.cp
        I = kp.inst
        routes = kp.routes(best)
        pinned: dict[int, Choice] = {}
        free: list[int] = []
        for s in range(I.n_stops):
            c = int(best.assign[s])
            if c < 0:
                continue
            ch = kp.choice(c)
            # Stops of frozen routes stay pinned (their visits on frozen days are not in the model),
            # and so do stops whose choices differ by change penalties or start bands, which the
            # routing model does not see.
            if (
                I.stop_frozen[s]
                or len(ch.pattern) >= 2
                or I.ch_ptr[s + 1] - I.ch_ptr[s] == 1
                or _priced_choices(I, s)
            ):
                pinned[s] = ch
            else:
                free.append(s)
        slots = [r for r in range(I.n_slots) if not I.r_frozen[r]]
        if not slots:
            return
        try:
            model = DayRouting(cp, pinned, free, slots, bands=_bands(best, pinned))
        except Exception as exc:  # pragma: no cover - OR-Tools model errors are bugs to report
            run.figures["polish"] = f"skipped: {exc}"
            return
        limit = max(run.remaining() - 0.05, 0.05)
        params = RoutingParams(metaheuristic="GUIDED_LOCAL_SEARCH", time_limit=limit)
        if self.clock is not time.perf_counter:  # another clock: OR-Tools' limit is a safety net
            deadline = run.deadline - 0.05
            params = RoutingParams(
                metaheuristic="GUIDED_LOCAL_SEARCH",
                time_limit=30 * limit,
                stop_when=lambda: self.clock() >= deadline,
            )
        if options.deterministic:
            params = RoutingParams(
                metaheuristic="GREEDY_DESCENT", time_limit=limit, solution_limit=10_000
            )
        start = {r: seq for r, seq in routes.items() if r in set(slots)}
        result = model.solve(params, initial=start)
        run.figures["ortools_polish_seconds"] = round(result.seconds, 3) if result else None
        if result is None:
            run.figures["polish"] = "no solution from the warm start"
            return
        new_routes = {r: seq for r, seq in routes.items() if I.r_frozen[r]}
        new_routes.update(result.routes)
        bands = {}
        per_stop: dict[int, list[float]] = {}
        for (s, _d), t in result.starts.items():
            per_stop.setdefault(s, []).append(t)
        if kp.regular and math.isfinite(cp.tolerance):
            for s, ts in per_stop.items():
                if len(ts) > 1:
                    bands[s] = (min(ts), min(ts) + cp.tolerance)
            for s in range(I.n_stops):  # frozen stops keep their bands
                if I.stop_frozen[s] and best.assign[s] >= 0:
                    bands[s] = (best.band_lo[s], best.band_hi[s])
        bad = kp.load(spare, new_routes, bands, per_stop)
        ok = not bad and bool(spare.rok[: I.n_slots].all())
        before = kp.objective(best)
        after = kp.objective(spare) if ok else math.inf
        # Stops OR-Tools dropped are reinserted by the kernel before comparing.
        if ok:
            K.construct(I, spare, 0.0, 1)
            after = kp.objective(spare)
        run.figures["polish_cost"] = round(kp.route_cost(spare), 4) if ok else None
        if after < before - 1e-9:
            K.copy_state(spare, best)
            run.figures["polish"] = "improved"
        else:
            run.figures["polish"] = "no improvement"

    def _plan(
        self,
        problem: Problem,
        kp: KernelProblem,
        best,
        run: _Run,
        options: SolveOptions,
        initial: Plan | None,
    ) -> Plan:
        cp = kp.cp
        I = kp.inst
        routes, bad = kp.timed_routes(best)
        if bad:  # pragma: no cover - the kernel only keeps routes it can time
            raise RuntimeError(f"engine bug: routes {bad} cannot be timed")
        unserved = [cp.stops[s].id for s in range(I.n_stops) if best.assign[s] < 0]
        km = sum(float(cp.dist[a, b]) for a, b in _arcs(kp, best))
        served = _served(best, I)
        figures = dict(run.figures)
        figures.update(
            km=round(km, 4),
            routes=len(routes),
            stops_served=served,
            stops_total=I.n_stops,
            need_served=round(kp.need_served(best), 4),
            seconds=round(run.elapsed(), 3),
        )
        if problem.budget is not None:
            figures["yearly_cost"] = round(kp.yearly_cost(best), 2)
            figures["budget_max_per_year"] = problem.budget.max_per_year
        if initial is not None:
            figures["moved_visits"] = _moved_visits(initial, routes)
        if options.deterministic:
            # Same inputs and seed give byte-identical JSON: no clock readings in the plan.
            figures = {k: v for k, v in figures.items() if "seconds" not in k}
        meta = PlanMeta(
            engine=ENGINE_NAME,
            version=ENGINE_VERSION,
            seed=options.seed,
            time_limit=options.time_limit,
            deterministic=options.deterministic,
            objective=round(kp.objective(best), 6),
            cost=round(kp.route_cost(best), 6),
            status="ok",
            figures=figures,
            versions=_versions(),
            inputs=_inputs(problem),
            created=None
            if options.deterministic
            else datetime.now(UTC).isoformat(timespec="seconds"),
        )
        plan = Plan(routes=routes, unserved=unserved, problem=problem.name, meta=meta)
        missing = [s for s in range(I.n_stops) if best.assign[s] < 0 and I.mandatory[s]]
        run.report(
            "done",
            kp.objective(best),
            served,
            int(figures.get("iterations", 0)),
            len(missing),
            force=True,
        )
        if not missing and K.over_budget(I, best) > 0.0:
            # Optional insertions never exceed the budget: the mandatory stops alone do.
            budget = problem.budget
            cost = kp.yearly_cost(best)
            # Cents when whole euros would read the same ("86 001,13 … 86 001").
            cents = 2 if round(cost) == round(budget.max_per_year) else 0
            # Frozen days keep their stops, optional ones too: they count with the mandatory.
            what = "les arrêts obligatoires" + (" et les jours figés" if I.r_frozen.any() else "")
            reason = (
                f"{what} coûtent à eux seuls {number_fr(cost, cents)} €/an, plus "
                f"que le budget de {number_fr(budget.max_per_year, cents)} €/an "
                f"({_basis_fr(budget.basis)})"
            )
            meta.status = "infeasible"
            meta.unplaced = [reason]
            err = InfeasibleError(reason, [reason])
            err.plan = plan  # type: ignore[attr-defined]
            raise err
        if missing:
            reasons = [_why_unplaced(kp, best, s) for s in missing]
            meta.status = "infeasible"
            meta.unplaced = reasons
            names = ", ".join(cp.stops[s].name or cp.stops[s].id for s in missing[:3])
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            err = InfeasibleError(
                f"the engine could not place {len(missing)} mandatory stop(s): {names}{more}",
                reasons,
            )
            err.plan = plan  # type: ignore[attr-defined]
            raise err
        return plan


# --- helpers ------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Member:
    """One thread of the parallel portfolio: its states, random seed, counters and stamp."""

    cur: object
    cand: object
    best: object
    stamp: int
    seed: int
    stats: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.int64))
    done: int = 0
    chunk: int = 50
    best_obj: float = math.inf
    finished: bool = False
    cut: bool = False


def _threads(asked: int) -> int:
    """Threads of the search: as asked, at most the machine's CPUs."""
    return max(1, min(int(asked), os.cpu_count() or 1))


def _seed(seed: int, i: int) -> int:
    """The random seed of portfolio thread i >= 1 (thread 0 keeps the run's seed)."""
    state = np.random.SeedSequence([int(seed) & 0x7FFFFFFF, i]).generate_state(1)
    return int(state[0]) & 0x7FFFFFFF


def _searchable(I) -> bool:
    """Whether some stop has a choice the search may change."""
    return I.n_stops > 0 and any(
        I.ch_ptr[s + 1] > I.ch_ptr[s] and not I.stop_frozen[s] for s in range(I.n_stops)
    )


def _temperatures(tune: Tuning, kp: KernelProblem, best) -> tuple[float, float]:
    """Start and end temperatures of the annealing, in the best plan's route cost per visit."""
    served_visits = max(sum(int(kp.inst.ch_k[c]) for c in best.assign if c >= 0), 1)
    per_visit = max(kp.route_cost(best) / served_visits, 1e-9)
    return tune.t_start * per_visit, tune.t_end * per_visit


def _run_search(I, tune: Tuning, cur, cand, best, n: int, temp: float, stamp: int, stats) -> int:
    """``n`` iterations of the compiled search at temperature ``temp``; the new stamp."""
    return K.search(
        I,
        cur,
        cand,
        best,
        n,
        temp,
        temp,
        tune.cbar,
        tune.lmax,
        tune.blink,
        tune.local_search,
        stamp,
        stats,
    )


def _next_chunk(chunk: int, seconds: float) -> int:
    """Iterations of the next chunk when not deterministic: progress about every 0.05–0.2 s."""
    if seconds < 0.05:
        return min(chunk * 2, 20000)
    if seconds > 0.2 and chunk > 10:
        return chunk // 2
    return chunk


def _temp(hi: float, lo: float, frac: float) -> float:
    frac = min(max(frac, 0.0), 1.0)
    if hi <= 0 or lo <= 0:
        return 0.0
    return hi * (lo / hi) ** frac


def _served(st, I) -> int:
    return int((st.assign[: I.n_stops] >= 0).sum())


def _unserved_mandatory(st, I) -> int:
    return int(((st.assign[: I.n_stops] < 0) & I.mandatory).sum())


def _restore_published(kp: KernelProblem, best, spare, stamp: int) -> int:
    """Give back their published days to stops the search left elsewhere, by ejection chains.

    Ruin and recreate removes close stops together; a stop kept off its published day because
    another stop took that day (which itself sits off its own day…) needs the chain removed at
    once. For each stop on a dearer choice than one of its others, remove it, the stops on the
    days of its cheaper choices, and so on along stops that are themselves off their cheapest
    days; reinsert the stops with published days in that order, the others greedily, and keep
    the result when the objective is lower. Returns how many chains improved the plan. Loops
    over the few stops with published days only; the insertions run in the kernel.
    """
    I = kp.inst
    cp = kp.cp
    published = [
        s for s in range(I.n_stops) if cp.stops[s].published is not None and not I.stop_frozen[s]
    ]
    if not published:
        return 0
    improved = 0
    for _ in range(3):  # a chain that improves may open another
        progress = False
        for s in published:
            if best.assign[s] < 0 or not _dearer_than_needed(I, best, s):
                continue
            K.copy_state(best, spare)
            chain, others = _chain(kp, spare, s)
            for x in chain + others:
                K.remove_and_update(I, spare, x)
            ok = True
            for x in chain:
                cost, c, lo, hi, stamp = K.evaluate_stop(I, spare, x, 0.0, stamp)
                if c < 0:
                    ok = False
                    break
                K.insert_stop(I, spare, x, c, lo, hi)
            if not ok:
                continue
            rest = np.array(others + [0], dtype=np.int64)
            stamp = K.recreate(I, spare, rest, len(others), 0.0, stamp)
            stamp = K.construct(I, spare, 0.0, stamp)
            if kp.objective(spare) < kp.objective(best) - 1e-9:
                K.copy_state(spare, best)
                improved += 1
                progress = True
        if not progress:
            break
    return improved


def _dearer_than_needed(I, st, s: int) -> bool:
    c = st.assign[s]
    a, b = I.ch_ptr[s], I.ch_ptr[s + 1]
    return bool(I.ch_extra[c] > I.ch_extra[a:b].min() + 1e-9)


def _chain(kp: KernelProblem, st, s: int) -> tuple[list[int], list[int]]:
    """Stops with published days to reinsert in order (s first) and the other stops in the way."""
    I = kp.inst
    chain: list[int] = []
    others: list[int] = []
    todo = [s]
    while todo and len(chain) < 8:
        x = todo.pop(0)
        if x in chain:
            continue
        chain.append(x)
        c = st.assign[x]
        a, b = I.ch_ptr[x], I.ch_ptr[x + 1]
        for cc in range(a, b):
            if I.ch_extra[cc] >= I.ch_extra[c] - 1e-9:
                continue
            v = I.ch_veh[cc]
            for j in range(I.ch_k[cc]):
                d = I.ch_days[cc, j]
                slots = (
                    [I.slot_of[v, d]] if v >= 0 else list(I.ds_list[I.ds_ptr[d] : I.ds_ptr[d + 1]])
                )
                for r in slots:
                    if r < 0 or I.r_frozen[r]:
                        continue
                    for y in st.route[r, : st.rlen[r]]:
                        y = int(y)
                        if y in chain or y in others or y in todo or I.stop_frozen[y]:
                            continue
                        if kp.cp.stops[y].published is not None and _dearer_than_needed(I, st, y):
                            todo.append(y)
                        else:
                            others.append(y)
    return chain, [y for y in others if y not in chain] + [y for y in todo if y not in chain]


def _priced_choices(I, s: int) -> bool:
    """Whether the choices of stop s differ by an extra cost or a start band."""
    a, b = I.ch_ptr[s], I.ch_ptr[s + 1]
    return bool(
        np.ptp(I.ch_extra[a:b]) > 0
        or (I.ch_lo[a:b] > -K.INF / 2).any()
        or (I.ch_hi[a:b] < K.INF / 2).any()
    )


def _bands(st, stops) -> dict[int, tuple[float, float]]:
    return {
        s: (float(st.band_lo[s]), float(st.band_hi[s])) for s in stops if st.band_lo[s] > -K.INF / 2
    }


def _arcs(kp: KernelProblem, st):
    cp = kp.cp
    for r in range(kp.inst.n_slots):
        n = int(st.rlen[r])
        if n == 0:
            continue
        v, _ = cp.slots[r]
        veh = cp.vehicles[v]
        path = [veh.start_location] + [int(cp.loc[s]) for s in st.route[r, :n]] + [veh.end_location]
        yield from zip(path, path[1:])


def _moved_visits(initial: Plan, routes) -> int:
    before = {(v.stop, r.day, r.vehicle) for r in initial.routes for v in r.visits}
    after = {(v.stop, r.day, r.vehicle) for r in routes for v in r.visits}
    return len(before - after)


def _why_unplaced(kp: KernelProblem, st, s: int) -> str:
    """Why the search could not place stop s, as it saw it."""
    cp = kp.cp
    I = kp.inst
    stop = cp.stops[s]
    name = stop.name or stop.id
    if I.ch_ptr[s + 1] == I.ch_ptr[s]:
        return (
            f"{name}: no pattern of days with a vehicle that works on all of them and has the "
            "required features and seats"
        )
    # Would it fit alone in an empty route of some choice?
    alone = False
    probe = kp.new_state()
    for r in range(I.n_slots):
        K.update_route(I, probe, r)
    stamp = 1
    cost, c, lo, hi, stamp = K.evaluate_stop(I, probe, s, 0.0, stamp)
    alone = c >= 0
    if not alone:
        return (
            f"{name}: cannot be served even alone in a vehicle's day (windows, shift, lunch, "
            "working or driving time, capacity)"
        )
    return (
        f"{name}: fits alone in a vehicle's day, but no route of its allowed days and vehicles "
        "had room left for it (time windows, shifts or limits are used up by the other stops)"
    )


def _basis_fr(basis: str) -> str:
    return "net des aides publiques connues" if basis == "net" else "coût brut"


def _check_budget(problem: Problem) -> None:
    """A budget below the fixed yearly costs leaves no plan: say so before searching."""
    budget = problem.budget
    if budget is not None and budget.fixed_per_year > budget.max_per_year:
        reason = (
            f"le budget de {number_fr(budget.max_per_year)} €/an est inférieur aux coûts fixes "
            f"({number_fr(budget.fixed_per_year)} €/an, {_basis_fr(budget.basis)})"
        )
        raise InfeasibleError(reason, [reason])


def _check_feasible(problem: Problem) -> None:
    try:
        from planner.tours.feasibility import explain
    except ImportError:  # pragma: no cover - the module lands with the validator
        return
    reasons = explain(problem)
    if reasons:
        more = f" (and {len(reasons) - 1} more reasons)" if len(reasons) > 1 else ""
        raise InfeasibleError(f"the problem is infeasible: {reasons[0]}{more}", reasons)


def _inputs(problem: Problem) -> dict:
    """What the plan was made from: sizes and a digest of the whole problem."""
    h = hashlib.sha256()
    h.update(
        repr(
            (problem.horizon, problem.locations, problem.stops, problem.vehicles, problem.objective)
        ).encode("utf-8")
    )
    # The float64 bytes (the digest does not depend on the matrices' dtype), by blocks of rows:
    # the same digest as the whole matrix's bytes without an n x n float64 copy.
    for m in (problem.durations, problem.distances):
        for start in range(0, len(m), 64):
            h.update(np.ascontiguousarray(m[start : start + 64], dtype=np.float64).tobytes())
    if problem.budget is not None:  # only then, so that other problems keep their digest
        h.update(repr(problem.budget).encode("utf-8"))
    return {
        "problem": problem.name,
        "days": problem.horizon.n_days,
        "stops": len(problem.stops),
        "vehicles": len(problem.vehicles),
        "sha256": h.hexdigest(),
    }


def _versions() -> dict[str, str]:
    import numba
    import ortools

    return {
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "numba": numba.__version__,
        "numpy": np.__version__,
        "engine": ENGINE_VERSION,
    }
