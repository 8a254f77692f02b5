"""The yearly budget is a hard cap of the engine: optional stops are dropped to respect it, the
kernel's yearly cost equals the validator's recomputation, and a budget that the fixed costs or
the mandatory stops alone exceed is an InfeasibleError with a French reason."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.engine import kernel as K
from planner.engine import solve
from planner.engine.arrays import KernelProblem
from planner.engine.data import Compiled
from planner.errors import InfeasibleError
from planner.tours.model import Budget, Commune, Horizon, Lunch, Reach, TimeWindow
from planner.tours.validator import validate
from support.engine_cases import grid_problem, stop, van

OPTS = {"time_limit": 1.0, "seed": 0, "deterministic": True}


def _budget(max_per_year: float, fixed: float = 10_000.0) -> Budget:
    """100 € a year per km of the weekly cycle's routes, 50 € per working hour."""
    return Budget(max_per_year, fixed, {"van": 100.0}, {"van": 50.0})


def _star_problem(budget: Budget | None):
    """A mandatory stop next to the base and four optional ones, 10 km away in four directions,
    each the only help of its own commune (need 1,000): serving everything is cheap in the
    objective's km, but each optional stop costs about 20 km × 100 € + its hours a year."""
    points = [(0, 0), (1, 0), (10, 0), (0, 10), (-10, 0), (0, -10)]
    stops = [stop("m", 1)] + [stop(f"o{i}", i + 2, mandatory=False) for i in range(4)]
    communes = tuple(Commune(str(i), f"C{i}", need=1000.0) for i in range(4))
    reach = tuple(Reach(f"o{i}", i, 1.0) for i in range(4))
    vehicles = [van(max_stops_per_day=3)]
    p = grid_problem(points, stops, vehicles, horizon=Horizon(1, (0, 1)))
    return replace(p, communes=communes, reach=reach, budget=budget)


def _served(plan) -> set[str]:
    return {v.stop for r in plan.routes for v in r.visits}


def test_without_a_budget_every_optional_stop_is_served():
    p = _star_problem(None)
    plan = solve(p, **OPTS)
    assert _served(plan) == {"m", "o0", "o1", "o2", "o3"}


def test_a_budget_drops_optional_stops_and_the_plan_stays_within_it():
    free = _star_problem(_budget(1e9))
    full = validate(free, solve(free, **OPTS))
    assert full.ok and full.figures.yearly_cost > 10_000
    # Enough for the mandatory stop and about two optional ones, not four.
    cap = 10_000 + (full.figures.yearly_cost - 10_000) * 0.55
    p = _star_problem(_budget(cap))
    plan = solve(p, **OPTS)
    report = validate(p, plan)
    assert report.ok, report.lines()
    assert report.figures.yearly_cost <= cap + 1e-6
    assert plan.meta.figures["yearly_cost"] == pytest.approx(report.figures.yearly_cost, abs=0.01)
    served = _served(plan)
    assert "m" in served
    assert 1 <= len(served - {"m"}) < 4
    assert report.figures.need_served < full.figures.need_served


def test_a_budget_below_the_fixed_costs_is_refused_before_searching():
    p = _star_problem(_budget(9_000.0))
    with pytest.raises(InfeasibleError, match="inférieur aux coûts fixes"):
        solve(p, **OPTS)


def test_mandatory_stops_alone_above_the_budget_is_infeasible_with_a_french_reason():
    p = _star_problem(_budget(10_010.0))  # the mandatory stop alone costs more than 10 € a year
    with pytest.raises(InfeasibleError) as err:
        solve(p, **OPTS)
    assert "les arrêts obligatoires coûtent à eux seuls" in str(err.value)
    assert "10 010 €/an" in str(err.value).replace("\u202f", " ")


def _random_problem(rng, budget_share: float):
    """Random stops (two mandatory), communes and reach; one van with a lunch break and time
    windows, so that working time depends on waiting and the lunch; a budget at
    ``budget_share`` of the way from the mandatory stops' cost to serving everything."""
    n = 12
    pts = rng.uniform(0, 20, size=(n + 1, 2))
    stops = [
        stop(
            f"s{i}",
            i + 1,
            duration=float(rng.choice([30.0, 60.0, 120.0])),
            mandatory=bool(i < 2),
            windows=(TimeWindow(480 + 60 * float(rng.integers(0, 6)), 1000),),
        )
        for i in range(n)
    ]
    communes = tuple(Commune(str(j), f"C{j}", need=float(rng.integers(50, 500))) for j in range(n))
    reach = tuple(Reach(f"s{i}", i, float(rng.choice([0.4, 0.6, 1.0]))) for i in range(n))
    vehicles = [
        van(
            shift=TimeWindow(480, 1080),
            lunch=Lunch(TimeWindow(720, 840), 45.0),
            max_stops_per_day=5,
        )
    ]
    p = grid_problem(pts, stops, vehicles, horizon=Horizon(1, (0, 1, 2)), speed=0.8)
    p = replace(p, communes=communes, reach=reach)
    unbounded = replace(p, budget=_budget(1e9, fixed=0.0))
    everything = validate(unbounded, solve(unbounded, **OPTS)).figures.yearly_cost
    kept = tuple(s for s in p.stops if s.mandatory)
    ids = {s.id for s in kept}
    only = replace(unbounded, stops=kept, reach=tuple(r for r in reach if r.stop in ids))
    mandatory = validate(only, solve(only, **OPTS)).figures.yearly_cost
    cap = mandatory + budget_share * max(everything - mandatory, 0.0)
    return replace(p, budget=_budget(cap, fixed=0.0))


@pytest.mark.parametrize("seed", range(6))
def test_random_plans_never_exceed_their_budget(seed):
    rng = np.random.default_rng(seed)
    p = _random_problem(rng, budget_share=float(rng.uniform(0.1, 0.9)))
    try:
        plan = solve(p, **OPTS)
    except InfeasibleError as exc:  # the mandatory stops routed worse than alone: allowed
        pytest.skip(str(exc))
    report = validate(p, plan)
    assert report.ok, report.lines()
    assert report.figures.yearly_cost <= p.budget.max_per_year + 0.01


@pytest.mark.parametrize("seed", range(4))
def test_the_kernels_yearly_cost_is_the_validators(seed):
    """Random insertions and removals: the kernel's yearly cost (route km and exact working
    time from its schedule) equals the validator's recomputation on the timed plan."""
    from planner.tours.plan import Plan

    rng = np.random.default_rng(50 + seed)
    p = _random_problem(rng, budget_share=1.0)
    p = replace(p, budget=_budget(1e9))
    kp = KernelProblem(Compiled(p))
    I = kp.inst
    st = kp.new_state()
    for r in range(I.n_slots):
        K.update_route(I, st, r)
    stamp = 1
    for _ in range(30):
        s = int(rng.integers(I.n_stops))
        if st.assign[s] >= 0:
            K.remove_and_update(I, st, s)
        else:
            _, c, lo, hi, stamp = K.evaluate_stop(I, st, s, 0.0, stamp)
            if c >= 0:
                K.insert_stop(I, st, s, c, lo, hi)
        routes, bad = kp.timed_routes(st)
        assert not bad
        served = {v.stop for r in routes for v in r.visits}
        plan = Plan(routes, [x.id for x in p.stops if x.id not in served], problem=p.name)
        fig = validate(p, plan).figures
        assert kp.yearly_cost(st) == pytest.approx(fig.yearly_cost, abs=1e-6)
