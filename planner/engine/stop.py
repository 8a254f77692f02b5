"""Stopping rules of the periodic search (in the spirit of ``pyvrp.stop``).

A rule is called once per iteration with the best objective so far and answers whether the
search must stop; :meth:`StoppingCriterion.fraction` says how much of its budget is used (0 to 1),
which the search uses to cool its acceptance threshold. Wall-clock rules make runs depend on the
machine; iteration rules do not, which is what deterministic mode uses. Rules hold no search code.
"""

from __future__ import annotations

import time
from typing import Protocol


class StoppingCriterion(Protocol):
    def __call__(self, best_objective: float) -> bool: ...

    def fraction(self) -> float: ...


class MaxRuntime:
    """Stop after ``seconds`` of wall-clock time, counted from construction."""

    def __init__(self, seconds: float, clock=time.perf_counter):
        if seconds < 0:
            raise ValueError(f"max runtime must be >= 0, not {seconds}")
        self.seconds = seconds
        self._clock = clock
        self._start = clock()

    def elapsed(self) -> float:
        return self._clock() - self._start

    def remaining(self) -> float:
        return max(0.0, self.seconds - self.elapsed())

    def __call__(self, best_objective: float) -> bool:
        return self.elapsed() >= self.seconds

    def fraction(self) -> float:
        return 1.0 if self.seconds <= 0 else min(1.0, self.elapsed() / self.seconds)


class MaxIterations:
    """Stop after ``iterations`` calls."""

    def __init__(self, iterations: int):
        if iterations < 0:
            raise ValueError(f"max iterations must be >= 0, not {iterations}")
        self.iterations = iterations
        self._done = 0

    def __call__(self, best_objective: float) -> bool:
        self._done += 1
        return self._done > self.iterations

    def fraction(self) -> float:
        return 1.0 if self.iterations == 0 else min(1.0, self._done / self.iterations)


class NoImprovement:
    """Stop after ``iterations`` consecutive calls without a strictly better objective."""

    def __init__(self, iterations: int):
        self.iterations = iterations
        self._best = float("inf")
        self._since = 0

    def __call__(self, best_objective: float) -> bool:
        if best_objective < self._best - 1e-9:
            self._best = best_objective
            self._since = 0
        else:
            self._since += 1
        return self._since >= self.iterations

    def fraction(self) -> float:
        return min(1.0, self._since / max(self.iterations, 1))


class FirstOf:
    """Stop as soon as one of the rules says so; its fraction is the largest of theirs."""

    def __init__(self, *rules: StoppingCriterion):
        self.rules = rules

    def __call__(self, best_objective: float) -> bool:
        # Call every rule so that each counts the iteration.
        answers = [rule(best_objective) for rule in self.rules]
        return any(answers)

    def fraction(self) -> float:
        return max((rule.fraction() for rule in self.rules), default=1.0)
