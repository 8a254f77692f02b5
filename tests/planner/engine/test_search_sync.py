"""The search copies between its current and candidate states only what an iteration changed
(kernel._sync): after every iteration, accepted or not, the two states are equal field by
field and the current state's caches are those of its routes loaded from scratch."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.engine import kernel as K
from planner.engine.arrays import KernelProblem
from planner.engine.data import Compiled
from planner.engine.records import State
from planner.tours.model import Budget, Commune, Horizon, Objective, Reach
from support.engine_cases import Frequency, Lunch, TimeWindow, grid_problem, stop, van
from support.kernel_states import assert_caches_fresh

# The state's scratch fields (what an iteration may leave anything in); every other field must
# be the same in the two states after each iteration, including any field added later.
SCRATCH = set(
    "buf1 buf2 seqbuf cand_cost cand_pos cand_e cand_l try_slot try_pos ins_slot ins_pos"
    " class_stamp ruined strbuf removed changed".split()
)
SYNCED = [name for name in State._fields if name not in SCRATCH]


def _problem(seed: int, budget: bool = False, calendar: bool = False):
    """Two days, three vans (one with a lunch break: routes timed exactly), 24 optional stops
    with windows: four visited on both days, the others once on either; each stop reaches its
    own commune and its neighbour's (levels shared between stops). With ``budget``, a yearly
    cap that leaves some stops out (every route's yearly euros count); with ``calendar``, two
    weeks of one weekday, the four weekly stops at the same time each week within 30 minutes
    (their start bands are part of the state)."""
    rng = np.random.default_rng(seed)
    n = 24
    points = [(0.0, 0.0), *map(tuple, rng.uniform(-15, 15, size=(n, 2)))]
    stops = []
    for i in range(n):
        start = float(rng.uniform(0, 300))
        kw = {"windows": (TimeWindow(start, start + 120),), "mandatory": False}
        if calendar:
            kw |= {"frequency": Frequency.WEEKLY if i < 4 else Frequency.FORTNIGHTLY}
        elif i < 4:
            kw |= {"patterns": ((0, 1),), "frequency": Frequency.WEEKLY}
        else:
            kw |= {"patterns": ((0,), (1,))}
        stops.append(stop(f"s{i}", i + 1, 20.0, **kw))
    vans = [
        van("a", shift=TimeWindow(0, 480), capacity=6),
        van("b", shift=TimeWindow(0, 480), capacity=6),
        van("c", shift=TimeWindow(0, 480), lunch=Lunch(TimeWindow(180, 260), 30.0)),
    ]
    horizon = Horizon(weeks=2, weekdays=(0,)) if calendar else Horizon.plain(2)
    objective = Objective(regularity_tolerance=30.0)
    p = grid_problem(points, stops, vans, horizon=horizon, objective=objective)
    communes = tuple(Commune(str(j), f"C{j}", need=float(rng.integers(50, 500))) for j in range(n))
    reach = tuple(Reach(f"s{i}", i, 1.0) for i in range(n)) + tuple(
        Reach(f"s{i}", (i + 1) % n, 0.5) for i in range(n)
    )
    p = replace(
        p,
        stops=tuple(replace(s, demand=1.0) for s in p.stops),
        communes=communes,
        reach=reach,
    )
    if budget:
        per = {v.id: 100.0 for v in vans}
        p = replace(p, budget=Budget(60_000.0, 0.0, per, {v.id: 50.0 for v in vans}))
    return p


@pytest.mark.parametrize(
    ("seed", "budget", "calendar", "overloaded"),
    [
        (0, False, False, False),
        (1, False, False, True),
        (2, True, False, False),
        (3, False, True, False),
    ],
)
def test_after_every_iteration_the_candidate_equals_the_current_state(
    seed, budget, calendar, overloaded
):
    """``overloaded``: the search starts from a route over its van's capacity (an initial plan
    the problem no longer allows), which it must repair: routes change feasibility too."""
    p = _problem(seed, budget, calendar)
    kp = KernelProblem(Compiled(p))
    I = kp.inst
    cur, cand, best = kp.new_state(), kp.new_state(), kp.new_state()
    if overloaded:
        assert kp.load(cur, {0: list(range(4, 14))}) == []  # 10 stops, capacity 6
        assert not cur.rok[0]
    else:
        for r in range(I.n_slots):
            K.update_route(I, cur, r)
    K.seed_rng(seed)
    stamp = K.construct(I, cur, 0.3, 1)
    K.copy_state(cur, best)
    temp = 0.5 * kp.route_cost(cur) / max(1, int((cur.assign >= 0).sum()))
    stats = np.zeros(3, dtype=np.int64)
    before = stats.copy()
    outcomes = set()
    for _ in range(150):
        stamp = K.search(I, cur, cand, best, 1, temp, temp, 4.0, 4.0, 0.01, 10, stamp, stats)
        outcomes.add(bool(stats[2] > before[2]))
        before = stats.copy()
        for name in SYNCED:
            np.testing.assert_array_equal(getattr(cand, name), getattr(cur, name), err_msg=name)
        assert not cand.changed.any()  # the marks were cleared by the sync
    assert outcomes == {True, False}  # both ways of syncing were taken
    assert cur.rok[: I.n_slots].all()
    assert_caches_fresh(kp, cur)
    np.testing.assert_allclose(cur.lvl, _levels(kp, cur), atol=1e-12)
    if budget:
        assert K.yearly_variable(I, cur) == pytest.approx(float(cur.ryear[: I.n_slots].sum()))
        fresh = kp.new_state()
        kp.load(fresh, kp.routes(cur))
        np.testing.assert_allclose(fresh.ryear, cur.ryear, atol=1e-6)


def _levels(kp: KernelProblem, st) -> np.ndarray:
    """Every commune's level recomputed from the served stops (the kernel's reset)."""
    fresh = kp.new_state()
    fresh.assign[:] = st.assign
    K.reset_levels(kp.inst, fresh)
    return fresh.lvl
