"""Stopping rules of the periodic search."""

from __future__ import annotations

import pytest

from planner.engine.stop import FirstOf, MaxIterations, MaxRuntime, NoImprovement


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_max_iterations_counts_and_reports_its_fraction():
    rule = MaxIterations(200)
    assert not rule(1.0, 199) and rule(1.0, 200)
    assert rule.fraction(50) == pytest.approx(0.25)
    assert MaxIterations(0)(1.0, 0) and MaxIterations(0).fraction(0) == 1.0


def test_max_runtime_follows_its_clock():
    clock = FakeClock()
    rule = MaxRuntime(10.0, clock=clock)
    assert not rule(1.0, 0) and rule.fraction(0) == 0.0
    clock.t += 4.0
    assert rule.fraction(0) == pytest.approx(0.4)
    clock.t += 6.0
    assert rule(1.0, 0) and rule.fraction(0) == 1.0


def test_no_improvement_resets_on_a_better_objective():
    rule = NoImprovement(100)
    assert not rule(10.0, 0)
    assert not rule(10.0, 99)
    assert not rule(9.0, 150)  # improvement at 150
    assert not rule(9.0, 249) and rule(9.0, 250)


def test_first_of_stops_when_any_rule_does():
    clock = FakeClock()
    rule = FirstOf(MaxIterations(1000), MaxRuntime(5.0, clock=clock))
    assert not rule(1.0, 10)
    clock.t += 5.0
    assert rule(1.0, 10)
    assert rule.fraction(500) == 1.0


def test_negative_budgets_are_rejected():
    with pytest.raises(ValueError):
        MaxIterations(-1)
    with pytest.raises(ValueError):
        MaxRuntime(-1.0)
