"""The stops' allowed choices as flat arrays (CSR by stop over a pattern table), checked against a
hand-made problem: weekday restrictions of stops and vans, a required feature, a fixed choice
whose pattern is not among the stop's, and a state loaded back through the arrays."""

from __future__ import annotations

import numpy as np

from planner.engine import kernel as K
from planner.engine.arrays import KernelProblem
from planner.engine.data import Choice, Compiled
from support.engine_cases import Frequency, Horizon, grid_problem, stop, van

# Two weeks of Monday, Tuesday, Wednesday: day d is week d // 3, weekday d % 3.
HORIZON = Horizon(weeks=2, weekdays=(0, 1, 2))


def _problem():
    vans = [
        van("a", features=frozenset({"pmr"})),  # every day
        van("b", weekdays=frozenset({1})),  # Tuesdays only
        van("c"),  # every day
    ]
    stops = [
        stop("mardi", 1, frequency=Frequency.WEEKLY, weekdays=frozenset({1})),
        stop("lundi", 2, frequency=Frequency.WEEKLY, weekdays=frozenset({0})),
        stop("pmr", 3, frequency=Frequency.MONTHLY, weekdays=frozenset({0, 1}), features={"pmr"}),
        stop("hebdo", 4, frequency=Frequency.WEEKLY),
    ]
    return grid_problem([(0, 0), (1, 0), (0, 1), (1, 1), (2, 2)], stops, vans, horizon=HORIZON)


EXPECTED = [
    # Tuesdays (days 1 and 4): every van, van b included.
    [((1, 4), 0), ((1, 4), 1), ((1, 4), 2)],
    # Mondays (days 0 and 3): van b does not work then.
    [((0, 3), 0), ((0, 3), 2)],
    # One Monday or Tuesday a month, with the only van that has the feature.
    [((0,), 0), ((1,), 0), ((3,), 0), ((4,), 0)],
    # Any weekday, every week: van b only on Tuesdays.
    [((0, 3), 0), ((0, 3), 2), ((1, 4), 0), ((1, 4), 1), ((1, 4), 2), ((2, 5), 0), ((2, 5), 2)],
]


def test_compiled_choices_are_flat_arrays_with_the_expected_pattern_and_vehicle():
    cp = Compiled(_problem())
    assert cp.ch_ptr.tolist() == [0, 3, 5, 9, 16]
    assert cp.ch_pat.dtype == np.int32 and cp.ch_veh.dtype == np.int16  # millions at scale
    got = [
        [(cp.pattern_table[cp.ch_pat[c]], int(cp.ch_veh[c])) for c in range(a, b)]
        for a, b in zip(cp.ch_ptr[:-1], cp.ch_ptr[1:], strict=True)
    ]
    assert got == EXPECTED
    # Each pattern is stored once, and the objects built on demand read the same.
    assert len(cp.pattern_table) == len(set(cp.pattern_table)) == 7
    assert cp.stop_choices(0) == tuple(Choice(p, v) for p, v in EXPECTED[0])
    assert cp.choice(int(cp.ch_ptr[3])) == Choice((0, 3), 0)


def test_kernel_arrays_follow_the_choices_and_extend_the_table_for_fixed_choices():
    cp = Compiled(_problem())
    kp = KernelProblem(cp, fixed_choice={1: Choice((2, 5), 2)})  # not one of lundi's patterns
    I = kp.inst
    assert I.ch_ptr.tolist() == [0, 3, 4, 8, 15]
    assert kp.stop_choices(1) == [Choice((2, 5), 2)]
    assert kp.pattern_table[: len(cp.pattern_table)] == cp.pattern_table
    for s, expected in enumerate(EXPECTED):
        if s == 1:
            expected = [((2, 5), 2)]
        cs = range(I.ch_ptr[s], I.ch_ptr[s + 1])
        assert [kp.choice(c) for c in cs] == [Choice(p, v) for p, v in expected]
        assert [I.ch_days[c, : I.ch_k[c]].tolist() for c in cs] == [list(p) for p, _ in expected]
        assert (I.ch_days[list(cs), :][:, 2:] == -1).all()
        assert I.ch_veh[list(cs)].tolist() == [v for _, v in expected]
    assert I.kmax == 2 and I.kmax_s.tolist() == [2, 2, 1, 2]
    assert (I.ch_extra == 0).all() and (I.ch_lo == -K.INF).all() and (I.ch_hi == K.INF).all()
    # A state loads through the arrays: "mardi" on van b, "pmr" on day 3, "lundi" as fixed.
    st = kp.new_state()
    slot = {vd: r for r, vd in enumerate(cp.slots)}
    routes = {slot[1, 1]: [0], slot[1, 4]: [0], slot[0, 3]: [2], slot[2, 2]: [1], slot[2, 5]: [1]}
    assert kp.load(st, routes) == []
    assert [kp.choice(int(c)) for c in st.assign[:3]] == [
        Choice((1, 4), 1),
        Choice((2, 5), 2),
        Choice((3,), 0),
    ]
    # Visits that fit no choice are refused: "hebdo" on two vans.
    assert kp.load(st, {slot[0, 0]: [3], slot[2, 3]: [3]}) == [3]
