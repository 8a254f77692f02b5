"""The engine optimises need counted once: per-commune levels kept in the kernel, checked
against the independent recomputation of :mod:`planner.tours.value` on random plans."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.engine import kernel as K
from planner.engine import solve
from planner.engine.arrays import KernelProblem
from planner.engine.data import Compiled
from planner.tours.model import Commune, Horizon, Objective, Reach
from planner.tours.validator import validate
from planner.tours.value import need_served
from support.engine_cases import grid_problem, stop, van

OPTS = {"time_limit": 2.0, "seed": 0, "deterministic": True}


def _twins_problem(value_weight=1.0):
    """Two candidate stops at the same place reaching the same commune at the same level, a
    third one reaching another commune: serving both twins adds nothing over one."""
    points = [(0, 0), (5, 0), (5, 0.001), (0, 6)]
    stops = [stop(sid, loc, mandatory=False) for sid, loc in (("a", 1), ("b", 2), ("c", 3))]
    communes = (Commune("1", "Un", need=1000.0), Commune("2", "Deux", need=400.0, existing=0.5))
    reach = (Reach("a", 0, 0.6), Reach("b", 0, 0.6), Reach("c", 1, 0.9), Reach("c", 0, 0.3))
    p = grid_problem(points, stops, [van()], objective=Objective(value_weight=value_weight))
    return replace(p, communes=communes, reach=reach)


def test_need_counted_once_by_the_value_module():
    p = _twins_problem()
    one = need_served(p, {"a"})
    both = need_served(p, {"a", "b"})
    assert one.served == pytest.approx(600.0)
    assert both.served == pytest.approx(one.served)  # a duplicate stop adds nothing
    # c raises commune 2 from its existing 0.5 to 0.9, and commune 1 only to 0.3 (< 0.6 of a).
    assert need_served(p, {"a", "c"}).served == pytest.approx(600.0 + 400.0 * 0.4)
    assert need_served(p, {"c"}).served == pytest.approx(1000.0 * 0.3 + 400.0 * 0.4)
    assert need_served(p, set()).communes_improved == 0
    assert need_served(p, {"a", "b", "c"}).possible == pytest.approx(760.0)


def test_engine_serves_one_twin_only():
    p = _twins_problem()
    plan = solve(p, **OPTS)
    report = validate(p, plan)
    assert report.ok, report.lines()
    served = {v.stop for r in plan.routes for v in r.visits}
    assert len(served & {"a", "b"}) == 1
    assert "c" in served
    assert report.figures.need_served == pytest.approx(760.0)
    assert plan.meta.figures["need_served"] == pytest.approx(report.figures.need_served)


def _random_problem(rng, n_stops=12, n_communes=15):
    pts = rng.uniform(0, 20, size=(n_stops + 1, 2))
    stops = [stop(f"s{i}", i + 1, mandatory=bool(i < 2)) for i in range(n_stops)]
    communes = tuple(
        Commune(str(j), f"C{j}", need=float(rng.integers(0, 500)), existing=float(e))
        for j, e in enumerate(rng.choice([0.0, 0.0, 0.2, 0.5], size=n_communes))
    )
    reach = tuple(
        Reach(f"s{i}", int(j), float(rng.choice([0.1, 0.25, 0.4, 0.6, 1.0])))
        for i in range(n_stops)
        for j in rng.choice(n_communes, size=int(rng.integers(0, 5)), replace=False)
    )
    p = grid_problem(pts, stops, [van(max_stops_per_day=4)], horizon=Horizon(1, (0, 1)))
    return replace(p, communes=communes, reach=reach)


@pytest.mark.parametrize("seed", range(8))
def test_kernel_levels_match_an_independent_recomputation(seed):
    """Random insertions and removals: the kernel's incremental levels and objective equal a
    from-scratch recomputation (planner.tours.value) after every move."""
    rng = np.random.default_rng(seed)
    p = _random_problem(rng)
    kp = KernelProblem(Compiled(p))
    I = kp.inst
    st = kp.new_state()
    for r in range(I.n_slots):
        K.update_route(I, st, r)
    stamp = 1
    for _ in range(40):
        s = int(rng.integers(I.n_stops))
        if st.assign[s] >= 0:
            K.remove_and_update(I, st, s)
        else:
            _, c, lo, hi, stamp = K.evaluate_stop(I, st, s, 0.0, stamp)
            if c >= 0:
                K.insert_stop(I, st, s, c, lo, hi)
        served = {p.stops[t].id for t in range(I.n_stops) if st.assign[t] >= 0}
        assert kp.need_served(st) == pytest.approx(need_served(p, served).served, abs=1e-9)
        fresh = kp.new_state()
        kp.load(fresh, kp.routes(st))
        assert kp.objective(fresh) == pytest.approx(kp.objective(st), abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_solved_random_plans_report_the_recomputed_value(seed):
    p = _random_problem(np.random.default_rng(100 + seed))
    plan = solve(p, **OPTS)
    report = validate(p, plan)
    assert report.ok, report.lines()
    served = {v.stop for r in plan.routes for v in r.visits}
    assert plan.meta.figures["need_served"] == pytest.approx(need_served(p, served).served, 1e-6)
    assert report.figures.need_served == pytest.approx(need_served(p, served).served)
