"""Tour-planning engines behind one interface (:class:`~planner.engine.base.Engine`).

:func:`solve` plans a problem with the default engine; ``get_engine(name)`` returns an engine by
name; :data:`ENGINES` lists them. The default engine, ``"periodic"``
(:class:`~planner.engine.periodic.PeriodicEngine`), combines OR-Tools routing and a compiled
ruin-and-recreate search over visit patterns and routes. See ``docs/engine.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess

from planner.engine.base import (
    Engine,
    Frozen,
    ProgressCallback,
    ProgressEvent,
    SolveOptions,
)
from planner.tours.model import Problem
from planner.tours.plan import Plan

__all__ = [
    "Engine",
    "Frozen",
    "ProgressEvent",
    "SolveOptions",
    "ENGINES",
    "get_engine",
    "solve",
    "WarmUp",
    "warm_up_in_background",
]


def _periodic() -> Engine:
    from planner.engine.periodic import PeriodicEngine

    return PeriodicEngine()


ENGINES: dict[str, Callable[[], Engine]] = {"periodic": _periodic}
DEFAULT_ENGINE = "periodic"


def get_engine(name: str = DEFAULT_ENGINE) -> Engine:
    """The engine called ``name`` (ValueError naming the known ones otherwise)."""
    try:
        return ENGINES[name]()
    except KeyError:
        raise ValueError(f"unknown engine {name!r}; known engines: {', '.join(ENGINES)}") from None


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    deterministic: bool = False,
    threads: int = 1,
    initial: Plan | None = None,
    frozen: Frozen | None = None,
    progress: ProgressCallback | None = None,
    engine: str = DEFAULT_ENGINE,
) -> Plan:
    """Plan ``problem`` with an engine (the default one unless ``engine`` names another).

    ``time_limit`` (seconds), ``seed``, ``deterministic`` and ``threads`` are the fields of
    :class:`SolveOptions` (ValueError when out of range); with ``deterministic=True`` the same
    problem and seed give the same plan on any machine. ``initial`` warm-starts the search from a
    plan, ``frozen`` keeps parts of it exactly, ``progress`` receives :class:`ProgressEvent`
    snapshots. Raises :class:`~planner.errors.InfeasibleError` when a mandatory stop cannot be
    placed. The plan is not validated: call :func:`planner.tours.validator.validate`.
    """
    options = SolveOptions(
        time_limit=time_limit, seed=seed, deterministic=deterministic, threads=threads
    )
    return get_engine(engine).solve(
        problem, options, initial=initial, frozen=frozen, progress=progress
    )


def _warm_up(part: str) -> None:
    from planner.engine.arrays import warm_up

    warm_up(part)


@dataclass
class WarmUp:
    """Processes loading (or compiling) the kernel; :meth:`join` before solving."""

    processes: list[BaseProcess]

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every process; True when all of them ended cleanly."""
        for process in self.processes:
            process.join(timeout)
        return all(p.exitcode == 0 for p in self.processes)


def warm_up_in_background() -> WarmUp:
    """Load the default engine's compiled kernel in other processes, now.

    The first run on a machine compiles the kernel (numba: about two minutes of CPU) and leaves
    it in numba's on-disk cache; later runs only load it. Two processes compile the search loop
    and the rest in parallel, overlapping other work (loading data, coverage). ``join()`` before
    solving; if they failed, the solving process compiles the kernel itself.
    """
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    processes = [
        ctx.Process(target=_warm_up, args=(part,), name=f"itinerance-warm-up-{part}", daemon=True)
        for part in ("search", "build")
    ]
    for process in processes:
        process.start()
    return WarmUp(processes)
