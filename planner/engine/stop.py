"""Stopping rules of the periodic search (in the spirit of ``pyvrp.stop``).

The search runs in chunks of compiled iterations; between chunks it asks its rule whether to
stop, passing the best objective so far and the number of iterations done, and how much of the
budget is used (:meth:`StoppingCriterion.fraction`, 0 to 1), which sets the annealing
temperature. Wall-clock rules make runs depend on the machine; iteration rules do not, which is
what deterministic mode uses. Rules hold no search code.
"""

from __future__ import annotations

import math
import time
from typing import Protocol


class StoppingCriterion(Protocol):
    def __call__(self, best_objective: float, iterations: int) -> bool: ...

    def fraction(self, iterations: int) -> float: ...


class MaxRuntime:
    """Stop after ``seconds`` of wall-clock time, counted from the rule's creation."""

    def __init__(self, seconds: float, clock=time.perf_counter):
        if seconds < 0:
            raise ValueError(f"max runtime must be >= 0, not {seconds}")
        self.seconds = seconds
        self._clock = clock
        self._start = clock()

    def elapsed(self) -> float:
        return self._clock() - self._start

    def __call__(self, best_objective: float, iterations: int) -> bool:
        return self.elapsed() >= self.seconds

    def fraction(self, iterations: int) -> float:
        return 1.0 if self.seconds <= 0 else min(1.0, self.elapsed() / self.seconds)


class MaxIterations:
    """Stop once ``iterations`` iterations are done."""

    def __init__(self, iterations: int):
        if iterations < 0:
            raise ValueError(f"max iterations must be >= 0, not {iterations}")
        self.iterations = iterations

    def __call__(self, best_objective: float, iterations: int) -> bool:
        return iterations >= self.iterations

    def fraction(self, iterations: int) -> float:
        return 1.0 if self.iterations == 0 else min(1.0, iterations / self.iterations)


class NoImprovement:
    """Stop after ``iterations`` iterations without a strictly better objective."""

    def __init__(self, iterations: int):
        self.iterations = iterations
        self._best = math.inf
        self._at = 0

    def __call__(self, best_objective: float, iterations: int) -> bool:
        if best_objective < self._best - 1e-9:
            self._best = best_objective
            self._at = iterations
        return iterations - self._at >= self.iterations

    def fraction(self, iterations: int) -> float:
        return 0.0  # it does not know how long the search will last


class FirstOf:
    """Stop as soon as one rule says so; the fraction is the largest of theirs."""

    def __init__(self, *rules: StoppingCriterion):
        self.rules = rules

    def __call__(self, best_objective: float, iterations: int) -> bool:
        answers = [rule(best_objective, iterations) for rule in self.rules]  # every rule sees it
        return any(answers)

    def fraction(self, iterations: int) -> float:
        return max((rule.fraction(iterations) for rule in self.rules), default=1.0)
