"""The engine interface: what every tour-planning engine receives and returns.

An engine turns a :class:`~planner.tours.model.Problem` into a :class:`~planner.tours.plan.Plan`. It
may start from an existing plan (warm start), keep parts of it untouched (:class:`Frozen`), and
report its progress through a callback. This module only defines the contract and the small value
objects shared by every engine; it holds no search code and must not import OR-Tools.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from planner.tours.model import Problem
from planner.tours.plan import Plan

# In deterministic mode the wall clock is only a safety net this many times the time limit away:
# a machine up to this much slower or busier than the reference (2 cores, quiet) still finishes
# the same work budget — CI and a laptop running other work do. Larger factors would keep more
# runs deterministic but let a run that the budget underestimates (many vehicles and hundreds of
# stops: the budget is calibrated on one vehicle's tours) take that many times the time asked.
DETERMINISTIC_SAFETY_FACTOR = 3.0
WHILE_COMPILING = ("wait", "interpret")  # SolveOptions.while_compiling


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """How long and how an engine searches.

    ``time_limit`` is in seconds of wall-clock time. With ``deterministic=True`` the engine replaces
    wall-clock limits inside its search by fixed work budgets (solution or iteration counts, sized
    so that they take about ``time_limit`` on a quiet 2-core machine), so that the same problem,
    seed and options give the same plan on any machine, however loaded. The wall clock then only
    bounds the run as a safety net, at :data:`DETERMINISTIC_SAFETY_FACTOR` times ``time_limit``
    (:attr:`wall_limit`): a machine that slow or that loaded stops the search early, and the
    plan's ``meta.figures["budget_cut_by_time_limit"]`` says so. ``iterations`` overrides the
    budget of the periodic search (None: derived from ``time_limit``).

    ``while_compiling`` says what a run does when the compiled kernel is not yet in numba's cache
    (the first run on a machine): ``"wait"`` compiles it first (one to two minutes of CPU), and
    ``"interpret"`` plans at once with the kernel uncompiled while another process compiles it
    for the next runs (:mod:`planner.engine.first_use`). Deterministic mode always waits.
    """

    time_limit: float = 10.0
    seed: int = 0
    deterministic: bool = False
    threads: int = 1
    iterations: int | None = None
    change_penalty: float | None = None  # cost of moving a visit of the initial plan (None: auto)
    while_compiling: str = "wait"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time_limit) and self.time_limit > 0):
            raise ValueError(
                f"time_limit must be a positive number of seconds, not {self.time_limit}"
            )
        if self.threads < 1:
            raise ValueError(f"threads must be at least 1, not {self.threads}")
        if self.while_compiling not in WHILE_COMPILING:
            raise ValueError(
                f"while_compiling must be one of {', '.join(WHILE_COMPILING)}, "
                f"not {self.while_compiling!r}"
            )

    @property
    def wall_limit(self) -> float:
        """Seconds after which the engine stops whatever its budget: ``time_limit``, or the
        safety net of deterministic mode."""
        if self.deterministic:
            return self.time_limit * DETERMINISTIC_SAFETY_FACTOR
        return self.time_limit


@dataclass(frozen=True, slots=True)
class Frozen:
    """Parts of an initial plan that re-planning must keep exactly.

    ``days``: day indices whose routes are kept as they are (same vehicles, same visits in the same
    order); every stop visited on a frozen day keeps its pattern and vehicle. ``stops``: stop ids
    that keep their visits (pattern, vehicle and days); their place in a non-frozen route may
    change.
    """

    days: frozenset[int] = frozenset()
    stops: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.days or self.stops)


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """A snapshot of a running search, sent to the progress callback."""

    elapsed: float  # seconds since the engine started
    best_objective: float | None  # best objective so far (None before a first plan)
    served: int  # stops served in the best plan so far
    total: int  # stops in the problem
    phase: str = ""  # "construction", "search", "polish", "done"
    iteration: int = 0
    unserved_mandatory: int = 0


ProgressCallback = Callable[[ProgressEvent], None]


@runtime_checkable
class Engine(Protocol):
    """A tour-planning engine. See ``docs/engine.md`` for how to add one."""

    name: str

    def solve(
        self,
        problem: Problem,
        options: SolveOptions,
        *,
        initial: Plan | None = None,
        frozen: Frozen | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan: ...


@dataclass(slots=True)
class UnplacedStop:
    """A mandatory stop the search could not place, with the reason it saw."""

    stop: str
    reason: str


@dataclass
class SearchFigures:
    """Counters an engine records in ``Plan.meta.figures``."""

    iterations: int = 0
    improvements: int = 0
    ortools_calls: int = 0
    first_plan_seconds: float | None = None
    extra: dict = field(default_factory=dict)
