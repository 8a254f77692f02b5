"""Tour-planning engines behind one interface (:class:`~planner.engine.base.Engine`).

``get_engine(name)`` returns an engine by name; :data:`ENGINES` lists them. The default engine,
``"periodic"`` (:class:`~planner.engine.periodic.PeriodicEngine`), combines OR-Tools routing and a
compiled ruin-and-recreate search over visit patterns and routes. See ``docs/engine.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from multiprocessing.process import BaseProcess

from planner.engine.base import Engine, Frozen, ProgressEvent, SolveOptions

__all__ = [
    "Engine", "Frozen", "ProgressEvent", "SolveOptions", "ENGINES", "get_engine", "solve",
    "warm_up_in_background",
]  # fmt: skip


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


def solve(problem, options: SolveOptions | None = None, **kwargs):
    """Solve with the default engine (shortcut for ``get_engine().solve(...)``)."""
    return get_engine().solve(problem, options or SolveOptions(), **kwargs)


def _warm_up() -> None:
    from planner.engine.arrays import warm_up

    warm_up()


def warm_up_in_background() -> BaseProcess:
    """Load the default engine's compiled kernel in another process, now.

    The first run on a machine compiles the kernel (numba, about a minute of one core) and
    leaves it in numba's on-disk cache; later runs only load it. Started early, the compilation
    overlaps other work (loading data, coverage) on another core. ``join()`` the process before
    solving; if it failed, the solving process compiles the kernel itself.
    """
    import multiprocessing as mp

    process = mp.get_context("spawn").Process(target=_warm_up, name="itinerance-warm-up", daemon=True)
    process.start()
    return process
