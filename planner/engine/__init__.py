"""Tour-planning engines behind one interface (:class:`~planner.engine.base.Engine`).

``get_engine(name)`` returns an engine by name; :data:`ENGINES` lists them. The default engine,
``"periodic"`` (:class:`~planner.engine.periodic.PeriodicEngine`), combines OR-Tools routing and a
compiled ruin-and-recreate search over visit patterns and routes. See ``docs/engine.md``.
"""

from __future__ import annotations

from collections.abc import Callable

from planner.engine.base import Engine, Frozen, ProgressEvent, SolveOptions

__all__ = ["Engine", "Frozen", "ProgressEvent", "SolveOptions", "ENGINES", "get_engine", "solve"]


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
